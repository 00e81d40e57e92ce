"""The sc-dot unit: parameters, generator, golden model and vectors put together."""

from __future__ import annotations

import numpy as np

from schw.lanes import lane_names, lane_stack
from schw.registry import register
from schw.sc.spec import COMPARATOR_RULE
from schw.stats import error_row
from schw.units.base import handshake, RunUnit

from .golden import dot_counts, dot_exact, dot_value
from .params import ScDotParams
from .rtl import ScDot
from .vectors import operand_rows


@register
class ScDotUnit(RunUnit):
    name = "sc-dot"
    operation_name = "one k-term dot product (an L-cycle run)"
    Params = ScDotParams
    summary = "SC dot-product PE: k bipolar XNOR products summed by an APC over L cycles"
    default_vectors = 200

    def component(self, p):
        return ScDot(p)

    def manifest_extra(self, p):
        return {
            "handshake": handshake("number of ones among the k x L XNOR product bits", "a and b, restarts the SNGs",
                                   "latency_cycles (= L, no APC pipeline)"),
            "operands": {"a": lane_names("a", p.inputs), "b": lane_names("b", p.inputs)},
            "value": "(2 * result - k * L) / L estimates sum_i (2 a_i / 2^N - 1) * (2 b_i / 2^N - 1)",
            "comparator_rule": COMPARATOR_RULE,
            "apc": {"kind": "exact balanced adder tree + accumulator", "pipeline_stages": 0},
            "sng": {"kind": p.sng, "width": p.width, "seed": p.seed, "channels": p.spec.describe(2),
                    "operand_channel": {"a (every lane)": 0, "b (every lane)": 1}},
        }

    def vectors(self, p, seed, count):
        return operand_rows(p, seed, count)

    def golden(self, p, inputs):
        return {"result": dot_counts(p, lane_stack(inputs, "a", p.inputs), lane_stack(inputs, "b", p.inputs))}

    def accuracy(self, p, lengths, seed=1):
        """Error of the estimate divided by k (the mean bipolar product, in [-1, 1]), over 4096
        seeded random operand rows (every pair for k = 1 and N <= 6)."""
        if p.inputs == 1 and p.width <= 6:
            g = np.arange(1 << p.width)
            a, b = (x.reshape(-1, 1) for x in np.meshgrid(g, g, indexing="ij"))
        else:
            rng = np.random.default_rng(seed)
            a = rng.integers(0, 1 << p.width, size=(4096, p.inputs))
            b = rng.integers(0, 1 << p.width, size=(4096, p.inputs))
        exact = dot_exact(p, a, b) / p.inputs
        rows = []
        for length in lengths:
            q = p.replace(length=length)
            rows.append(error_row(length, dot_value(q, dot_counts(q, a, b)) / p.inputs, exact))
        return rows
