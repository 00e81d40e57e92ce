"""The sc-layer and sc-mlp units: parameters, generator, golden model and vectors put together."""

from __future__ import annotations

import numpy as np

from schw.lanes import lane_names, lane_stack
from schw.registry import register
from schw.sc.spec import COMPARATOR_RULE
from schw.stats import error_row
from schw.units.base import RunUnit, handshake

from .golden import class_scores, float_reference, infer
from .params import RANDOM, ScLayerParams, ScMlpParams, channel_plan, fault_plan, fault_polys, load_weights, network
from .rtl import ScNet
from .vectors import input_rows


class _ScNetUnit(RunUnit):
    default_vectors = 40
    operation_name = "one inference (an input vector through the network)"

    def component(self, p):
        return ScNet(p)

    def latency_cycles(self, p):
        return p.latency

    def operation(self, p):
        return {"name": self.operation_name, "cycles_per_op": p.latency}

    def result_text(self, p) -> str:
        raise NotImplementedError

    def manifest_extra(self, p):
        net = network(p)
        channels, plan = channel_plan(p)
        layers = []
        for k, (lay, ch) in enumerate(zip(net.layers, plan)):
            d = {"inputs": lay.inputs, "neurons": lay.neurons, "scale": lay.scale,
                 "activation": ("btanh" if p.adder == "apc" else "fsm-tanh") if p.activations[k] else "none",
                 "input_channels": None if ch.inputs is None else [min(ch.inputs), max(ch.inputs)],
                 "weight_row_channels": [min(ch.rows), max(ch.rows)]}
            if ch.select is not None:
                d["select_channel"] = ch.select
            if lay.states is not None:
                d["states"] = list(lay.states)
            layers.append(d)
        weights = {"source": net.source, "codes_sha256": net.codes_sha256()}
        if p.weights != RANDOM:
            weights["file_sha256"] = load_weights(p.weights)[0]
        grids = fault_plan(p)
        faults = {"enabled": bool(grids)}
        if grids:
            prow, pcol = fault_polys(p.flip_width)
            faults.update({
                "threshold": p.flip_threshold, "width": p.flip_width,
                "rule": "site (a, b) flips in run cycle t when (R_a[t] ^ C_b[t]) < threshold; R, C restart at start",
                "row_polynomial_mask": prow, "column_polynomial_mask": pcol,
                "grids": [{"layer": g.layer, "site": g.site, "rows": g.rows, "cols": g.cols} for g in grids],
                "generators": sum(g.rows + g.cols for g in grids),
            })
        return {
            "handshake": handshake(self.result_text(p), "x, restarts the SNGs, Btanh counters and fault generators",
                                   "latency_cycles" + (" (= K L)" if p.mode == "reencode" else " (= L)")),
            "operands": {"x": lane_names("x", p.layer_sizes[0])},
            "results": lane_names("result", p.layer_sizes[-1]),
            "sizes": list(p.layer_sizes),
            "chain": p.mode,
            "layers": layers,
            "weights": weights,
            "comparator_rule": COMPARATOR_RULE,
            "sng": {"kind": p.sng, "width": p.width, "seed": p.seed, "channels": channels,
                    "mode": "independent (channel c is source c)"},
            "faults": faults,
        }

    def vectors(self, p, seed, count):
        return input_rows(p, seed, count)

    def accuracy(self, p, lengths, seed=1):
        """Error of the result's value (:func:`~.golden.class_scores`: the score z, or the bipolar
        activation 2c/L - 1) against the same quantized network in float (hidden tanh), over 512
        seeded random input rows, per stream length (flips as ``p`` says)."""
        x = np.random.default_rng(seed).integers(0, 1 << p.width, size=(512, p.layer_sizes[0]))
        rows = []
        for length in lengths:
            q = p.replace(length=int(length))
            net = network(q)
            rows.append(error_row(q.length, class_scores(q, net, infer(q, x, net)), float_reference(q, net, x)))
        return rows

    def golden(self, p, inputs):
        out = infer(p, lane_stack(inputs, "x", p.layer_sizes[0]))
        return {name: out[:, j] for j, name in enumerate(lane_names("result", p.layer_sizes[-1]))}


@register
class ScLayerUnit(_ScNetUnit):
    name = "sc-layer"
    Params = ScLayerParams
    summary = "SC neural-network layer: n inputs x m neurons, XNOR products, APC (or MUX), Btanh activation"

    def result_text(self, p):
        if p.activation == "btanh":
            return "per neuron: ones among the L bits of its activation (Btanh) output stream"
        return ("per neuron: ones among the (n+1) x L XNOR product bits (APC count)" if p.adder == "apc"
                else "per neuron: ones among the L bits of its MUX adder output")


@register
class ScMlpUnit(_ScNetUnit):
    name = "sc-mlp"
    Params = ScMlpParams
    summary = "SC MLP: layers of XNOR products, APC (or MUX) and Btanh activations; class scores out"

    def result_text(self, p):
        return ("per class: the last layer's APC count (ones among its (n+1) x L product bits)" if p.adder == "apc"
                else "per class: ones among the L bits of the last layer's MUX adder output")
