"""The sc-mul unit: parameters, generator, golden model and vectors put together."""

from __future__ import annotations

import numpy as np

from schw.sc.spec import COMPARATOR_RULE
from schw.registry import register
from schw.units.base import handshake, RunUnit
from schw.lanes import operand_vectors
from schw.stats import accuracy_codes, error_stats

from .golden import ACCURACY_EXHAUSTIVE_WIDTH, ACCURACY_SAMPLE_CODES, product_count_grid, product_counts, value_of
from .params import ScMulParams
from .rtl import ScMul


@register
class ScMulUnit(RunUnit):
    name = "sc-mul"
    operation_name = "one multiply (an L-cycle run)"
    Params = ScMulParams
    summary = "SC multiplier: two comparator SNGs, AND/XNOR, ones counter (binary in, binary out)"

    def component(self, p):
        return ScMul(p)

    def manifest_extra(self, p):
        return {
            "handshake": handshake("number of ones in the L product bits", "a and b, restarts the SNGs", "latency_cycles"),
            "value": ("result / L estimates (a / 2^N) * (b / 2^N)" if p.coding == "unipolar" else
                      "2 * result / L - 1 estimates (2a / 2^N - 1) * (2b / 2^N - 1)"),
            "comparator_rule": COMPARATOR_RULE,
            "sng": {"kind": p.sng, "width": p.width, "seed": p.seed, "mode": p.mode, "offset": p.offset, "channels": p.spec.describe(2),
                    "operand_channel": {"a": 0, "b": 1}},
        }

    def vectors(self, p, seed, count):
        return operand_vectors(p.width, seed, count)

    def golden(self, p, inputs):
        return {"result": product_counts(p, inputs["a"], inputs["b"])}

    def accuracy(self, p, lengths, seed=1):
        """Error of ``result`` as an estimate of the exact product over the operand grid
        (:func:`schw.stats.accuracy_codes`: exhaustive for N <= 8, 256 seeded codes above), per stream length
        (each length L is run as these params with ``length = L``), from the golden model."""
        grid = accuracy_codes(p.width, seed, ACCURACY_EXHAUSTIVE_WIDTH, ACCURACY_SAMPLE_CODES)
        va = value_of(p, grid)
        exact = np.multiply.outer(va, va)
        rows = []
        for length in lengths:
            q = p.replace(length=int(length))
            ones = product_count_grid(q, grid, grid)
            estimate = ones / q.length if p.coding == "unipolar" else 2.0 * ones / q.length - 1.0
            row = {"length": q.length, **error_stats(estimate - exact),
                   "operand_codes": "all" if p.width <= ACCURACY_EXHAUSTIVE_WIDTH else f"{len(grid)} sampled, seed {seed}"}
            rows.append(row)
        return rows
