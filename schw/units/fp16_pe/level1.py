"""TestFloat-style level-1 FMA vectors for binary16: the case structure of Berkeley TestFloat 3's
``f16_mulAdd`` at level 1, generated with NumPy, in every rounding mode.

TestFloat's level 1 for a three-operand binary16 function walks every triple (a, b, c) of
*corner operands* - sign x {subnormal/zero, 2^-14, 2^-11, 2^-2, 2^-1, 1, 2, 4, 2^11, 2^15,
inf/NaN} (22 exponent patterns) OR-ed with the significands {0, 1, 0x3FF, 0x3FE} - i.e.
88^3 = 681,472 triples, and emits each in 9 sub-cases that replace some operands by random ones:
(r,r,C) (A,B,r) (r,r,r) (r,B,C) (A,r,r) (r,B,r) (A,r,C) (r,r,r) (A,B,C), capital = the corner
operand, r = random. That is 9 x 681,472 = 6,133,248 vectors per rounding mode, TestFloat's
level-1 count. The random operands follow TestFloat's weighting: a 3/8 + 1/8 mix of "edge"
exponents (34 patterns, including +-2^-13, 2^-4, 2^-3, 8, 16, 2^14) with structured
significands (sums of two run-of-ones/single-bit patterns) or random significands, and a 3/8 +
1/8 mix of random exponents weighted toward the middle of the range.

This module reproduces that structure, not TestFloat's pseudo-random sequence: the random operands
come from a seeded NumPy generator. Rows are laid out triple by triple, sub-case by sub-case, and
within a sub-case one row per selected rounding mode (so rm changes every cycle in a PE run), each
row with its own random operands. :func:`chunk` returns the rows of a range of a-operands, so a
run can stream the 6.1 M x modes rows in pieces.
"""

from __future__ import annotations

import numpy as np

from .contract import OPS, RM

#: exponent patterns of the corner operands (sign, biased exponent; significand 0)
Q_IN = np.array([0x0000, 0x0400, 0x1000, 0x3400, 0x3800, 0x3C00, 0x4000, 0x4400, 0x6800, 0x7800, 0x7C00],
                dtype=np.int64)
Q_IN = np.concatenate([Q_IN, Q_IN | 0x8000])
#: significand patterns of the corner operands: zero, the last bit, all ones, all ones but the last
P1 = np.array([0x000, 0x001, 0x3FF, 0x3FE], dtype=np.int64)
#: exponent patterns of random operands: those of Q_IN plus 2^-13, 2^-4, 2^-3, 8, 16, 2^14
Q_OUT = np.array([0x0000, 0x0400, 0x0800, 0x1000, 0x2C00, 0x3000, 0x3400, 0x3800, 0x3C00, 0x4000, 0x4400,
                  0x4800, 0x4C00, 0x6800, 0x7400, 0x7800, 0x7C00], dtype=np.int64)
Q_OUT = np.concatenate([Q_OUT, Q_OUT | 0x8000])


def _p2() -> np.ndarray:
    """Structured 10-bit significands: zero, each single bit, runs of ones from the top, all ones,
    all ones but one bit, runs of ones from the bottom (36 patterns)."""
    single = [1 << k for k in range(10)]
    top_runs = [0x3FF & ~((1 << k) - 1) for k in range(8, 0, -1)]      # 0x300 .. 0x3FE
    one_zero = [0x3FF ^ (1 << k) for k in range(1, 10)]               # 0x3FD .. 0x1FF
    low_runs = [(1 << k) - 1 for k in range(8, 1, -1)]                # 0x0FF .. 0x003
    return np.array([0, *single, *top_runs, 0x3FF, *one_zero, *low_runs], dtype=np.int64)


P2 = _p2()
#: corner operands in TestFloat's order (exponent-major): 88 binary16 patterns
CORNERS = (Q_IN[:, None] | P1[None, :]).ravel()
#: which operands of a sub-case come from the corner triple (a, b, c); the others are random
SUBCASES = np.array([(0, 0, 1), (1, 1, 0), (0, 0, 0), (0, 1, 1), (1, 0, 0), (0, 1, 0), (1, 0, 1), (0, 0, 0),
                     (1, 1, 1)], dtype=bool)
PER_MODE = len(SUBCASES) * len(CORNERS) ** 3  # 6,133,248: TestFloat 3's level-1 count for f16_mulAdd

# random exponent ranges: (mask, offset) pairs; 2 of 4 any exponent, 1 of 4 biased exponents 8..23,
# 1 of 4 biased exponents 12..19 (2^-3 .. 2^4), sign random
_WEIGHT_MASK = np.array([0xFC00, 0xFC00, 0xBC00, 0x9C00], dtype=np.int64)
_WEIGHT_OFFSET = np.array([0x0000, 0x0000, 0x2000, 0x3000], dtype=np.int64)
_BLOCK = 1 << 15


def random_f16(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` random binary16 patterns with TestFloat's level-1 weighting (see the module docstring).
    One 64-bit draw per operand, cut into fields (small indices by multiply-shift); computed in
    cache-sized blocks."""
    out = np.empty(n, dtype=np.int64)
    for lo in range(0, n, _BLOCK):
        out[lo:lo + _BLOCK] = _random_block(rng.bit_generator.random_raw(min(_BLOCK, n - lo)))
    return out


def _random_block(x: np.ndarray) -> np.ndarray:
    field = lambda lo, bits: ((x >> np.uint64(lo)) & np.uint64((1 << bits) - 1)).astype(np.int64)  # noqa: E731
    kind = field(0, 3)
    p3 = (P2[(field(3, 8) * len(P2)) >> 8] + P2[(field(11, 8) * len(P2)) >> 8]) & 0x3FF
    bits16 = field(19, 16)
    edge_exp = Q_OUT[(field(35, 8) * len(Q_OUT)) >> 8]
    w = field(43, 2)
    mask, off = _WEIGHT_MASK[w], _WEIGHT_OFFSET[w]
    wide_exp = ((field(45, 16) & mask) + off) & 0xFC00
    out = np.where(kind <= 2, edge_exp | p3, 0)
    out = np.where(kind == 3, edge_exp | (bits16 & 0x3FF), out)
    out = np.where((kind >= 4) & (kind <= 6), wide_exp | p3, out)
    return np.where(kind == 7, (bits16 & (mask | 0x3FF)) + off, out) & 0xFFFF


def chunk(seed: int, a_start: int, a_stop: int, modes=None) -> dict:
    """The level-1 rows whose corner a-operand is ``CORNERS[a_start:a_stop]``: for each such
    a, every (b, c) corner pair, the 9 sub-cases, and one row per rounding mode (``modes``: names,
    default all five). ``{op, rm, a, b, c}`` int64 arrays; op is always fma. Same arguments give
    the same rows; chunks over disjoint a-ranges together are the whole level-1 set."""
    modes = list(RM) if modes is None else list(modes)
    bad = [m for m in modes if m not in RM]
    if bad or not modes:
        raise ValueError(f"unknown rounding modes {bad}; allowed {list(RM)}")
    if not 0 <= a_start <= a_stop <= len(CORNERS):
        raise ValueError(f"a range must lie in 0..{len(CORNERS)}, got {a_start}..{a_stop}")
    k, s, m = len(CORNERS), len(SUBCASES), len(modes)
    ia, ib, ic = np.meshgrid(np.arange(a_start, a_stop), np.arange(k), np.arange(k), indexing="ij")
    # rows: (triple, sub-case, mode), mode fastest
    shape = (ia.size, s, m)
    fixed = {name: np.broadcast_to(CORNERS[idx.reshape(-1, 1, 1)], shape).ravel()
             for name, idx in (("a", ia), ("b", ib), ("c", ic))}
    use = {name: np.broadcast_to(SUBCASES[None, :, j, None], shape).ravel() for j, name in enumerate("abc")}
    rng = np.random.default_rng([seed, 0x7E57F10A, a_start, a_stop, *[RM[x] for x in modes]])
    n = ia.size * s * m
    out = {}
    for name in "abc":
        col = fixed[name].copy()
        r = np.flatnonzero(~use[name])
        col[r] = random_f16(rng, r.size)
        out[name] = col
    out["op"] = np.full(n, OPS["fma"], dtype=np.int64)
    out["rm"] = np.broadcast_to(np.array([RM[x] for x in modes], dtype=np.int64), shape).ravel().copy()
    return out


def corner_triples() -> dict:
    """The 681,472 all-corner triples (sub-case (A,B,C)) as arrays a, b, c: every one appears in
    every mode in a full level-1 run."""
    ia, ib, ic = np.meshgrid(np.arange(len(CORNERS)), np.arange(len(CORNERS)), np.arange(len(CORNERS)),
                             indexing="ij")
    return {"a": CORNERS[ia.ravel()], "b": CORNERS[ib.ravel()], "c": CORNERS[ic.ravel()]}
