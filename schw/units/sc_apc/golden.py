"""sc-apc golden model (NumPy): the APC count of k comparator streams over L cycles."""

from __future__ import annotations

import numpy as np

from schw.sc.golden import below_table, sng_codes

from .params import ScApcParams


def apc_counts(p: ScApcParams, x) -> np.ndarray:
    """Golden model: ``result`` for each row of ``x`` (shape (n, k)) - the sum over lanes of the
    ones count of lane i's comparator stream, looked up for all operand values at once."""
    x = np.asarray(x, dtype=np.int64)
    codes = sng_codes(p.spec, p.inputs, p.length)
    out = np.zeros(x.shape[0], dtype=np.int64)
    for i in range(p.inputs):
        out += below_table(codes[i], p.width)[x[:, i]]
    return out
