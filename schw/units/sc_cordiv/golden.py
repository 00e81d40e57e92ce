"""sc-cordiv golden model (NumPy): the ones count of the CORDIV output, and its accuracy grid."""

from __future__ import annotations

import numpy as np

from schw.sc.golden import blocks, comparator_streams, sng_codes
from schw.stats import error_row

from .params import ScCorDivParams


def cordiv_select(p: ScCorDivParams) -> np.ndarray:
    """History index s_t of every run cycle (all zeros for depth 1)."""
    if p.depth == 1:
        return np.zeros(p.length, dtype=np.int64)
    return sng_codes(p.spec, 2, p.length)[1].astype(np.int64) >> (p.width - p.sel_bits)


def cordiv_counts(p: ScCorDivParams, a, b) -> np.ndarray:
    """Golden model: ones of the CORDIV output over L cycles for each pair (a[i], b[i]).

    z_t = a_t where b_t = 1, else z_(t-1-s_t) (0 before cycle 0). Following those links from t
    ends at the cycle whose a-bit z_t copies, or before the run (0). Depth 1: the link target is
    the last cycle <= t with b = 1, a running maximum. Depth D: pointer doubling over the
    links (log2 L vectorized gathers)."""
    a = np.asarray(a, dtype=np.int64).ravel()
    b = np.asarray(b, dtype=np.int64).ravel()
    L = p.length
    codes = sng_codes(p.spec, 1, L)[0]
    t = np.arange(L)
    back = t - 1 - cordiv_select(p)
    out = np.empty(a.size, dtype=np.int64)
    for s in blocks(a.size, 3 * L):
        sa = comparator_streams(codes, a[s])
        sb = comparator_streams(codes, b[s])
        if p.depth == 1:
            src = np.maximum.accumulate(np.where(sb, t, -1), axis=1)
        else:
            src = np.where(sb, t, back)  # one link; -1 and below: before the run
            for _ in range(L.bit_length()):
                live = src >= 0
                src = np.where(live, np.take_along_axis(src, np.maximum(src, 0), axis=1), src)
        z = np.take_along_axis(sa, np.maximum(src, 0), axis=1) & (src >= 0)
        out[s] = z.sum(axis=1)
    return out


def cordiv_accuracy(p: ScCorDivParams, lengths: list[int], seed: int = 1) -> list[dict]:
    """Error of result / L against a / b over every pair 0 <= a <= b, b > 0 (widths <= 8),
    else 65,536 seeded random such pairs."""
    if p.width <= 8:
        g = np.arange(1 << p.width)
        a, b = (x.ravel() for x in np.meshgrid(g, g, indexing="ij"))
    else:
        rng = np.random.default_rng(seed)
        a, b = rng.integers(0, 1 << p.width, size=(2, 1 << 16))
    keep = (b > 0) & (a <= b)
    a, b = a[keep], b[keep]
    exact = a / b
    return [error_row(L, cordiv_counts(p.replace(length=L), a, b) / L, exact) for L in lengths]
