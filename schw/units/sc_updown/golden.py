"""sc-updown golden model (NumPy): the up/down counter's final value, and its accuracy grid."""

from __future__ import annotations

import numpy as np

from schw.sc.golden import below_table, blocks, comparator_streams, sng_codes
from schw.stats import error_row

from .params import ScUpDownParams


def _clip_reduce(steps: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Final value of a counter starting at 0 that adds ``steps`` (n, L) along the last axis,
    clipped to [lo, hi] after every step. Each step is f(v) = clip(v + a, lo, hi); these
    functions compose in closed form (clip(clip(y, A, B), C, D) = clip(y, clip(A, C, D),
    clip(B, C, D))), so the scan is a pairwise tree reduction: log2(L) vectorized passes."""
    a = steps.astype(np.int64)
    low = np.full(a.shape, lo, dtype=np.int64)
    high = np.full(a.shape, hi, dtype=np.int64)
    while a.shape[-1] > 1:  # L is a power of two
        a1, a2 = a[..., 0::2], a[..., 1::2]
        l1, l2 = low[..., 0::2], low[..., 1::2]
        h1, h2 = high[..., 0::2], high[..., 1::2]
        low = np.clip(l1 + a2, l2, h2)
        high = np.clip(h1 + a2, l2, h2)
        a = a1 + a2
    return np.clip(a[..., 0], low[..., 0], high[..., 0])


def updown_values(p: ScUpDownParams, x) -> np.ndarray:
    """Golden model: the counter's final value (signed) for each operand in ``x``."""
    x = np.asarray(x, dtype=np.int64)
    codes = sng_codes(p.spec, 1, p.length)[0]
    if not p.saturates:
        return 2 * below_table(codes, p.width)[x] - p.length
    uniq, inv = np.unique(x, return_inverse=True)
    vals = np.empty(uniq.size, dtype=np.int64)
    c = p.counter_bits
    for s in blocks(uniq.size, 3 * p.length):
        steps = np.where(comparator_streams(codes, uniq[s]), 1, -1)
        vals[s] = _clip_reduce(steps, -(1 << (c - 1)), (1 << (c - 1)) - 1)
    return vals[inv.reshape(x.shape)]


def updown_accuracy(p: ScUpDownParams, lengths: list[int]) -> list[dict]:
    """Error of result / L against the bipolar value 2x / 2^N - 1, every operand code
    (counter_width 0 at every length unless one is given)."""
    x = np.arange(1 << p.width)
    exact = 2 * x / (1 << p.width) - 1
    return [error_row(L, updown_values(p.replace(length=L), x) / L, exact) for L in lengths]
