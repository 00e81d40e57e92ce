"""The sc-apc unit: parameters, generator, golden model and vectors put together."""

from __future__ import annotations

from schw.sc.spec import COMPARATOR_RULE
from schw.registry import register
from schw.units.base import handshake, RunUnit
from schw.stats import error_row, operand_grid
from schw.lanes import lane_dict, lane_names, lane_stack, lane_vectors

from .golden import apc_counts
from .params import ScApcParams
from .rtl import ScApc


@register
class ScApcUnit(RunUnit):
    name = "sc-apc"
    operation_name = "one k-stream count (an L-cycle run)"
    Params = ScApcParams
    summary = "SC accumulative parallel counter: k comparator streams summed per cycle into binary"
    default_vectors = 200

    def component(self, p):
        return ScApc(p)

    def manifest_extra(self, p):
        return {
            "handshake": handshake("number of ones over the k streams and L cycles"),
            "operands": lane_names("x", p.inputs),
            "value": "result / L estimates sum_i x_i / 2^N",
            "comparator_rule": COMPARATOR_RULE,
            "apc": {"kind": "exact balanced adder tree + accumulator", "pipeline_stages": 0},
            "sng": {"kind": p.sng, "width": p.width, "seed": p.seed, "mode": p.mode,
                    "channels": p.spec.describe(p.inputs),
                    "operand_channel": {n: i for i, n in enumerate(lane_names("x", p.inputs))}},
        }

    def vectors(self, p, seed, count):
        return lane_dict("x", lane_vectors(p.width, p.inputs, seed, count))

    def golden(self, p, inputs):
        return {"result": apc_counts(p, lane_stack(inputs, "x", p.inputs))}

    def accuracy(self, p, lengths, seed=1):
        """Error of result / (k L) against mean(x) / 2^N (the sum's error divided by k)."""
        x = operand_grid(p.width, p.inputs, seed)
        exact = x.mean(axis=1) / (1 << p.width)
        return [error_row(L, apc_counts(p.replace(length=L), x) / (L * p.inputs), exact) for L in lengths]
