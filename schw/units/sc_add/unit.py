"""The sc-mux-add and sc-or-add units: parameters, generators, golden models and vectors put together."""

from __future__ import annotations

import numpy as np

from schw.sc.spec import COMPARATOR_RULE
from schw.registry import register
from schw.units.base import handshake, RunUnit
from schw.stats import error_row, operand_grid
from schw.lanes import lane_dict, lane_names, lane_stack, lane_vectors

from .golden import mux_add_counts, or_add_counts
from .params import ScMuxAddParams, ScOrAddParams
from .rtl import ScMuxAdd, ScOrAdd


HANDSHAKE = handshake("number of ones in the L output bits")


@register
class ScMuxAddUnit(RunUnit):
    name = "sc-mux-add"
    operation_name = "one k-input scaled addition (an L-cycle run)"
    Params = ScMuxAddParams
    summary = "SC MUX scaled adder: k operands, shared data SNG, own select generator; value = mean"
    default_vectors = 300

    def component(self, p):
        return ScMuxAdd(p)

    def manifest_extra(self, p):
        return {
            "handshake": HANDSHAKE,
            "operands": lane_names("x", p.inputs),
            "value": "result / L estimates mean_i(x_i) / 2^N",
            "comparator_rule": COMPARATOR_RULE,
            "data_sng": {"kind": p.sng, "width": p.width, "seed": p.seed, "channel": p.data_spec.describe(1)[0],
                         "used_by": "every operand"},
            "select": {"kind": p.select, "channel": p.select_spec.describe(2)[1],
                       "index": (f"low {p.select_bits} bits of the code" if p.select == "ramp"
                                 else f"(code * {p.inputs}) >> {p.width}")},
        }

    def vectors(self, p, seed, count):
        return lane_dict("x", lane_vectors(p.width, p.inputs, seed, count))

    def golden(self, p, inputs):
        return {"result": mux_add_counts(p, lane_stack(inputs, "x", p.inputs))}

    def accuracy(self, p, lengths, seed=1):
        """Error of result / L against mean(x) / 2^N: every operand combination when there are at
        most 65,536, else 4096 seeded random rows."""
        x = operand_grid(p.width, p.inputs, seed)
        exact = x.mean(axis=1) / (1 << p.width)
        return [error_row(L, mux_add_counts(p.replace(length=L), x) / L, exact) for L in lengths]


@register
class ScOrAddUnit(RunUnit):
    name = "sc-or-add"
    operation_name = "one k-input OR addition (an L-cycle run)"
    Params = ScOrAddParams
    summary = "SC OR adder: k operands on independent SNG channels; value = 1 - prod(1 - p_i)"
    default_vectors = 300

    def component(self, p):
        return ScOrAdd(p)

    def manifest_extra(self, p):
        return {
            "handshake": HANDSHAKE,
            "operands": lane_names("x", p.inputs),
            "value": "result / L estimates 1 - prod_i(1 - x_i / 2^N) (independent streams)",
            "comparator_rule": COMPARATOR_RULE,
            "sng": {"kind": p.sng, "width": p.width, "seed": p.seed, "channels": p.spec.describe(p.inputs),
                    "operand_channel": {n: i for i, n in enumerate(lane_names("x", p.inputs))}},
        }

    def vectors(self, p, seed, count):
        return lane_dict("x", lane_vectors(p.width, p.inputs, seed, count))

    def golden(self, p, inputs):
        return {"result": or_add_counts(p, lane_stack(inputs, "x", p.inputs))}

    def accuracy(self, p, lengths, seed=1):
        """Error of result / L against 1 - prod(1 - x_i / 2^N) (the OR of independent streams)."""
        x = operand_grid(p.width, p.inputs, seed)
        exact = 1 - np.prod(1 - x / (1 << p.width), axis=1)
        return [error_row(L, or_add_counts(p.replace(length=L), x) / L, exact) for L in lengths]
