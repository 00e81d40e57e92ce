"""Golden model of the unary pe-array (``--pe unary``; NumPy only).

One product of a step is ``(-1)^(s_a ^ s_b) * count[m_a, m_b]`` where
``count[x, y] = #{j < T : ra[j] < x and rb[j] < y}`` over the T cycles of the step (the edge
codes of :func:`edge_codes`; see :mod:`.unary_params`). Both dataflows count the same thing:
every PE sees its two streams from the first cycle of its window on, whatever its position.
Accumulators wrap modulo ``2^counter``. The cycle model is the one of :mod:`.golden`, run on
the unary array's :class:`.timing.CycleTiming` (its cycle formulas are in :mod:`.unary_timing`).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from schw.sc.golden import sng_codes

from .unary_params import sng_spec


def _bitrev(x: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros_like(x)
    for b in range(n):
        out |= ((x >> b) & 1) << (n - 1 - b)
    return out


def edge_codes(p) -> tuple[np.ndarray, np.ndarray]:
    """(ra, rb): the row-edge and column/weight-edge codes of cycles 0..T-1 of a step."""
    T = p.step_cycles
    codes = sng_codes(sng_spec(p), 2, p.length).astype(np.int64)[:, :T]
    if p.sng == "temporal":
        return _bitrev(codes[1], p.width), codes[0]
    return codes[0], codes[1]


@lru_cache(maxsize=16)
def _table(key) -> np.ndarray:
    p = key
    S = 1 << p.width
    ra, rb = edge_codes(p)
    hist = np.zeros((S, S), dtype=np.int64)
    np.add.at(hist, (ra, rb), 1)
    table = np.zeros((S + 1, S + 1), dtype=np.int64)
    table[1:, 1:] = hist.cumsum(0).cumsum(1)
    table.setflags(write=False)
    return table


def count_table(p) -> np.ndarray:
    """``table[x, y]`` = #{j < T: ra[j] < x and rb[j] < y} (x, y = magnitudes 0..2^width)."""
    return _table(p)


def signed_counts(p, a, b) -> np.ndarray:
    """Elementwise signed product counts of sign-magnitude codes a, b (broadcast)."""
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    n = p.width
    mask = (1 << n) - 1
    cnt = count_table(p)[a & mask, b & mask]
    neg = ((a >> n) ^ (b >> n)) & 1
    return np.where(neg == 1, -cnt, cnt)


def mac(p, a, b, c):
    """One unary PE step, elementwise: a, b of shape (..., 1) (sign-magnitude codes), c (...)."""
    a = np.asarray(a, dtype=np.int64)[..., 0]
    b = np.asarray(b, dtype=np.int64)[..., 0]
    return (np.asarray(c, dtype=np.int64) + signed_counts(p, a, b)) & ((1 << p.counter) - 1)


def as_float(p, codes) -> np.ndarray:
    codes = np.asarray(codes, dtype=np.int64)
    mag = (codes & ((1 << p.width) - 1)).astype(np.float64) / (1 << p.width)
    return np.where((codes >> p.width) & 1, -mag, mag)


def result_float(p, acc) -> np.ndarray:
    acc = np.asarray(acc, dtype=np.int64)
    AW = p.counter
    signed = np.where(acc >= 1 << (AW - 1), acc - (1 << AW), acc)
    return signed.astype(np.float64) / p.step_cycles


def encode(p, x) -> np.ndarray:
    """Real values in [-1, 1] -> sign-magnitude codes (magnitude rounded, at most 2^width - 1)."""
    x = np.asarray(x, dtype=np.float64)
    mag = np.minimum(np.rint(np.abs(x) * (1 << p.width)), (1 << p.width) - 1).astype(np.int64)
    return np.where((x < 0) & (mag > 0), mag | (1 << p.width), mag)
