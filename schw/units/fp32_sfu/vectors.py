"""fp32-sfu test vectors (NumPy), built from the formats' definitions: special classes first,
then seeded random.

* ``f16_to_f32``: every binary16 pattern (65,536), in every rounding mode when ``exhaustive``.
* ``f32_to_f16``: every binary32 exponent code (all 256 binades, both signs) with the fractions
  that sit on and next to each rounding position a binary16 result can have (ties, tie +- 1 ulp
  of binary32, odd and even kept bits - so the subnormal boundaries, the underflow threshold
  2^-25 and the overflow thresholds 65504 / 65520 are all hit), quiet and signalling NaNs with
  several payloads; then random patterns and random values near binary16's range.
* ``scale``: special operands and boundary values against k = 0, +-1, the extremes and values
  that move the result across the subnormal, underflow and overflow boundaries; then random
  significands with k chosen to land the result anywhere in [2^-160, 2^135).

* ``recip``, ``rsqrt``, ``exp2``, ``log2``: specials (+-0, +-inf, NaNs, the smallest and largest
  subnormals and normals, powers of two and four, 1 and its neighbours, negatives) in every mode,
  every table segment's start and end in [1, 4), exp2's overflow/underflow edges (+-126, +-128,
  -149, -150, and neighbours); then random bit patterns and values spread over the useful range
  (exp2: |x| < 160; the others: log-uniform over all binades).

Rounding modes cycle through 0..4 (rne, rtz, rdn, rup, rmm) across the vectors.
"""

from __future__ import annotations

import numpy as np

from .params import APPROX, K_WIDTH, OPS

_NAN_FRACS = np.array([0x000001, 0x000100, 0x200000, 0x3FFFFF, 0x400000, 0x400001, 0x7FFFFF, 0x555555],
                      dtype=np.int64)


def _f32_to_f16_directed() -> np.ndarray:
    fr = [0, 1, 2, 0x7FFFFF, 0x7FFFFE, 0x400000, 0x3FFFFF, 0x555555, 0x2AAAAA]
    for p in range(23):  # rounding position p: half = bit p
        h = 1 << p
        for base in (0, 1 << (p + 1), 0x7FFFFF & ~((h << 1) - 1)):
            fr += [base | h, (base | h) - 1, (base | h) + 1]
    fr = np.unique(np.array(fr, dtype=np.int64) & 0x7FFFFF)
    e = np.arange(255, dtype=np.int64)
    mags = (e[:, None] << 23 | fr[None, :]).ravel()
    nans = np.concatenate([0x7F800000 | _NAN_FRACS, [0x7F800000]])
    mags = np.concatenate([mags, nans])
    return np.concatenate([mags, mags | (1 << 31)])


def _f16_range_random(rng, n) -> np.ndarray:
    """Random binary32 values with exponents from 2^-28 to 2^17 (binary16's range and its edges)."""
    e = rng.integers(127 - 28, 127 + 18, n)
    return rng.integers(0, 2, n) << 31 | e << 23 | rng.integers(0, 1 << 23, n)


def _scale_directed() -> tuple[np.ndarray, np.ndarray]:
    xs = np.array([0x00000000, 0x80000000, 0x00000001, 0x80000001, 0x00000003, 0x007FFFFF, 0x00400000,
                   0x00800000, 0x00800001, 0x00FFFFFF, 0x3F800000, 0xBF800000, 0x3FFFFFFF, 0x3FC00000,
                   0x7F7FFFFF, 0xFF7FFFFF, 0x7F000000, 0x7F800000, 0xFF800000, 0x7FC00000, 0x7F800001,
                   0xFFA00000, 0x7FFFFFFF, 0x3F800001, 0x3FBFFFFF, 0x3FC00001, 0x34000001],
                  dtype=np.int64)
    lo, hi = -(1 << (K_WIDTH - 1)), (1 << (K_WIDTH - 1)) - 1
    ks = np.unique(np.concatenate([np.arange(-30, 31), np.arange(-160, -100), np.arange(100, 160),
                                   np.arange(-280, -240), np.arange(240, 280), [lo, lo + 1, hi - 1, hi]]))
    x, k = np.meshgrid(xs, ks, indexing="ij")
    return x.ravel(), k.ravel()


def _scale_random(rng, n) -> tuple[np.ndarray, np.ndarray]:
    """Random operands (a third of them subnormal) and k that lands the exact result's exponent
    uniformly in [-160, 135), plus a share of k anywhere in the port's range."""
    sub = rng.random(n) < 1 / 3
    e = np.where(sub, 0, rng.integers(1, 255, n))
    frac = rng.integers(0, 1 << 23, n)
    frac = np.where(sub, frac >> rng.integers(0, 23, n), frac)
    x = rng.integers(0, 2, n) << 31 | e << 23 | frac
    top = np.where(e == 0, np.frexp(np.maximum(frac, 1).astype(np.float64))[1] - 1 - 149, e - 127)
    target = rng.integers(-160, 135, n)
    k = np.clip(target - top, -(1 << (K_WIDTH - 1)), (1 << (K_WIDTH - 1)) - 1)
    wide = rng.random(n) < 0.1
    k = np.where(wide, rng.integers(-(1 << (K_WIDTH - 1)), 1 << (K_WIDTH - 1), n), k)
    return x, k


def _approx_directed(fn: str) -> np.ndarray:
    base = [0x00000000, 0x80000000, 0x7F800000, 0xFF800000, 0x7FC00000, 0xFFC00001, 0x7F800001, 0xFFA00000,
            0x00000001, 0x80000001, 0x007FFFFF, 0x807FFFFF, 0x00800000, 0x80800000, 0x7F7FFFFF, 0xFF7FFFFF,
            0x3F800000, 0xBF800000, 0x3F800001, 0x3F7FFFFF, 0x3FFFFFFF, 0x40000000, 0x40800000, 0x3E800000,
            0x3F000000, 0x3F000001, 0x3EFFFFFF, 0x7E800000, 0x7E800001, 0x00400000, 0x00200000, 0x00000002]
    e = np.arange(1, 255, dtype=np.int64)
    pows = np.concatenate([e << 23, (e << 23) | 1, (e << 23) | 0x7FFFFF])
    seg = np.arange(512, dtype=np.int64) << 14                          # 128-segment starts in [1, 2) and [2, 4)
    segs = np.concatenate([(127 << 23) + seg, (127 << 23) + seg - 1, (127 << 23) + seg + 1])
    parts = [np.array(base, dtype=np.int64), pows, pows | (1 << 31), segs & 0xFFFFFFFF]
    if fn == "exp2":
        v = np.array([126, 127, 128, 129, -126, -127, -148, -149, -150, -151, 0.5, -0.5, 1 / 3, 127.99999,
                      -149.99999, -125.99999, 64, -64], dtype=np.float32)
        pts = v.view(np.uint32).astype(np.int64)
        parts += [pts, pts + 1, pts - 1]
    return np.concatenate(parts) & 0xFFFFFFFF


def _approx_random(fn: str, rng, n) -> np.ndarray:
    half = n // 2
    if fn == "exp2":
        v = rng.uniform(-160, 160, n - half).astype(np.float32).view(np.uint32).astype(np.int64)
    else:
        e = rng.integers(0, 255, n - half)
        v = rng.integers(0, 2, n - half) << 31 | e << 23 | rng.integers(0, 1 << 23, n - half)
        if fn in ("rsqrt", "log2"):
            v = np.where(rng.random(n - half) < 0.85, v & 0x7FFFFFFF, v)  # mostly inside the domain
    return np.concatenate([rng.integers(0, 1 << 32, half), v])


def generate(seed: int, count: int, ops=tuple(OPS), exhaustive: bool = True) -> dict[str, np.ndarray]:
    """Port values (``op``, ``rm``, ``a``, ``k`` as the K_WIDTH-bit pattern) for the ops in
    ``ops``: the directed sets (``f16_to_f32``: every pattern, in every rounding mode when
    ``exhaustive``, else once) and ``count`` seeded random vectors spread over the ops."""
    rng = np.random.default_rng([seed, 0x5F0])
    parts = []
    per = max(count // max(len(ops), 1), 0)
    for name in ops:
        code = OPS[name]
        if name == "f16_to_f32":
            a = np.arange(1 << 16, dtype=np.int64)
            a = np.tile(a, 5) if exhaustive else a
            rm = np.repeat(np.arange(5), 1 << 16) if exhaustive else np.arange(a.size) % 5
            a = a | rng.integers(0, 1 << 16, a.size) << 16  # a[31:16] is ignored: random there
            k = rng.integers(0, 1 << K_WIDTH, a.size)
        elif name == "f32_to_f16":
            d = _f32_to_f16_directed()
            d = np.repeat(d, 5)
            rmd = np.tile(np.arange(5), d.size // 5)
            r = np.where(rng.random(per) < 0.5, rng.integers(0, 1 << 32, per), _f16_range_random(rng, per))
            a = np.concatenate([d, r])
            rm = np.concatenate([rmd, rng.integers(0, 5, per)])
            k = rng.integers(0, 1 << K_WIDTH, a.size)
        elif name in APPROX:
            d = np.repeat(_approx_directed(name), 5)
            rmd = np.tile(np.arange(5), d.size // 5)
            a = np.concatenate([d, _approx_random(name, rng, per)])
            rm = np.concatenate([rmd, rng.integers(0, 5, per)])
            k = rng.integers(0, 1 << K_WIDTH, a.size)
        else:
            xd, kd = _scale_directed()
            xd, kd = np.repeat(xd, 5), np.repeat(kd, 5)
            rmd = np.tile(np.arange(5), xd.size // 5)
            xr, kr = _scale_random(rng, per)
            a = np.concatenate([xd, xr])
            k = np.concatenate([kd, kr]) & ((1 << K_WIDTH) - 1)
            rm = np.concatenate([rmd, rng.integers(0, 5, per)])
        parts.append((np.full(a.size, code, dtype=np.int64), rm.astype(np.int64), a.astype(np.int64),
                      k.astype(np.int64)))
    op, rm, a, k = (np.concatenate([p[i] for p in parts]) for i in range(4))
    return {"op": op, "rm": rm, "a": a, "k": k}


def sample(v: dict[str, np.ndarray], seed: int, n: int) -> dict[str, np.ndarray]:
    """A seeded subset of ``n`` vectors (all of them when there are fewer), in their order."""
    size = len(v["op"])
    if n >= size:
        return v
    idx = np.sort(np.random.default_rng([seed, 0x5A3]).choice(size, n, replace=False))
    return {q: x[idx] for q, x in v.items()}
