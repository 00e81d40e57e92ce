"""Stochastic cross-correlation (SCC) of bit streams, vectorized over bit-packed words.

Alaghi & Hayes, "Exploiting correlation in stochastic circuit design", ICCD 2013. For two
streams X, Y of length L let a = #(1,1), b = #(1,0), c = #(0,1), d = #(0,0) positions. Then

    SCC = (ad - bc) / (L * min(a+b, a+c) - (a+b)(a+c))        if ad > bc
    SCC = (ad - bc) / ((a+b)(a+c) - L * max(a - d, 0))         otherwise

SCC = +1: maximal overlap of ones (AND gives min(pX, pY)); -1: minimal overlap (AND gives
max(pX + pY - 1, 0)); 0: the overlap of independent streams (AND gives pX * pY). When the
denominator is 0 (a stream is all zeros or all ones) the numerator is 0 too and SCC is 0.
"""

from __future__ import annotations

import numpy as np

from .sng import pack, popcount


def overlap_counts(x: np.ndarray, y: np.ndarray, length: int) -> tuple[np.ndarray, ...]:
    """(a, b, c, d) of packed streams ``x``, ``y`` (uint64 words on the last axis, zero padding)."""
    a = popcount(x & y)
    px, py = popcount(x), popcount(y)
    b, c = px - a, py - a
    return a, b, c, length - a - b - c


def scc(x: np.ndarray, y: np.ndarray, length: int) -> np.ndarray:
    """SCC of packed streams (broadcast over leading axes); float64, 0 where undefined."""
    a, b, c, d = (np.asarray(v, dtype=np.int64) for v in overlap_counts(x, y, length))
    num = a * d - b * c
    pos = length * np.minimum(a + b, a + c) - (a + b) * (a + c)
    neg = (a + b) * (a + c) - length * np.maximum(a - d, 0)
    den = np.where(num > 0, pos, neg)
    return np.divide(num, den, out=np.zeros(num.shape, dtype=np.float64), where=den != 0)


def scc_bits(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """SCC of boolean streams (..., L)."""
    x, y = np.asarray(x, dtype=bool), np.asarray(y, dtype=bool)
    if x.shape[-1] != y.shape[-1]:
        raise ValueError(f"streams of different lengths: {x.shape[-1]} and {y.shape[-1]}")
    return scc(pack(x), pack(y), x.shape[-1])
