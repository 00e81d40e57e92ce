"""sc-dot golden model (NumPy, bit-packed streams): :func:`dot_counts` is ``result``."""

from __future__ import annotations

import numpy as np

from schw.errors import ParamError
from schw.sc.golden import blocks, packed_streams, popcount, sng_codes

from .params import ScDotParams


def dot_counts(p: ScDotParams, a, b) -> np.ndarray:
    """Golden model: ``result`` for each row of ``a``, ``b`` (shape (n, k), operand codes)."""
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    if a.ndim != 2 or a.shape != b.shape or a.shape[1] != p.inputs:
        raise ParamError("a, b", f"arrays of shape (n, {p.inputs})", f"{a.shape} and {b.shape}")
    codes = sng_codes(p.spec, 2, p.length)
    ta, ia = packed_streams(codes[0], a)
    tb, ib = packed_streams(codes[1], b)
    words = ta.shape[1]
    out = np.empty(a.shape[0], dtype=np.int64)
    for s in blocks(a.shape[0], p.inputs * words):
        # XNOR ones = L - (positions where the streams differ); the zero padding never differs
        diff = popcount(ta[ia[s]] ^ tb[ib[s]])  # (n_block, k)
        out[s] = p.inputs * p.length - diff.sum(axis=1)
    return out


def dot_value(p: ScDotParams, result) -> np.ndarray:
    """The bipolar dot-product estimate of ``result``: (2 * result - k * L) / L."""
    return (2 * np.asarray(result, dtype=np.float64) - p.inputs * p.length) / p.length


def dot_exact(p: ScDotParams, a, b) -> np.ndarray:
    """The exact bipolar dot product the result estimates."""
    scale = float(1 << p.width)
    xa = 2 * np.asarray(a, dtype=np.float64) / scale - 1
    xb = 2 * np.asarray(b, dtype=np.float64) / scale - 1
    return (xa * xb).sum(axis=-1)
