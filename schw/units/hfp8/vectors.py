"""hfp8 test vectors (NumPy): every binary16 pattern for the conversions; dot-product streams
with FP8 corner codes, specials and seeded random codes for the MAC."""

from __future__ import annotations

import numpy as np

from .params import FORMATS, HfpConvParams, HfpMacParams


def conv_vectors(p: HfpConvParams, seed: int, count: int | None = None) -> dict[str, np.ndarray]:
    """``x``: all 65,536 binary16 patterns (``count`` None), or the binary16 corner patterns and
    ``count`` seeded random ones; ``y``: the 256 FP8 codes in turn."""
    if count is None:
        x = np.arange(1 << 16, dtype=np.int64)
    else:
        corners = np.array([0x0000, 0x8000, 0x0001, 0x8001, 0x03FF, 0x0400, 0x3C00, 0xBC00, 0x7BFF, 0xFBFF,
                            0x7C00, 0xFC00, 0x7E00, 0x7C01, 0xFE00, 0x4F80, 0x4F7F, 0x5BFF, 0x5F00, 0x7B00,
                            0x0800, 0x1000, 0x1400, 0x1800, 0x1C00, 0x2000, 0x2400], dtype=np.int64)
        rng = np.random.default_rng([seed, 0xC0])
        x = np.concatenate([corners, rng.integers(0, 1 << 16, count)])
    y = np.arange(len(x), dtype=np.int64) & 0xFF
    return {"x": x, "y": y}


def _codes(fmt: str) -> np.ndarray:
    f = FORMATS[fmt]
    special = [0x00, 0x80, 0x01, 0x81, (1 << f.mbits) - 1, 1 << f.mbits, f.max_code, 0x80 | f.max_code,
               f.nan_code, 0x38, 0xB8, 0x40, 0x30]
    if f.inf:
        special += [f.inf_code, 0x80 | f.inf_code]
    return np.array(special, dtype=np.int64)


def mac_vectors(p: HfpMacParams, seed: int, count: int) -> dict[str, np.ndarray]:
    """About ``count`` products in dot products of seeded random lengths (1 .. 3 CL + 2, or
    1..40 unchunked); ``first`` on the first product of each (on a third of them left off: a
    product after ``last`` starts a dot product anyway), ``last`` on the last. Operands: mostly
    random codes of moderate magnitude (so sums grow and swamp), some corner codes and
    specials."""
    rng = np.random.default_rng([seed, 0x3AC])
    span = 3 * p.chunk + 2 if p.chunk else 40
    lens = []
    total = 0
    while total < count:
        n = int(rng.integers(1, span + 1))
        lens.append(n)
        total += n
    first = np.zeros(total, dtype=np.int64)
    last = np.zeros(total, dtype=np.int64)
    ends = np.cumsum(lens)
    starts = ends - np.array(lens)
    first[starts] = rng.random(len(lens)) < 0.67
    first[0] = 1
    last[ends - 1] = 1

    def operands(fmt):
        f = FORMATS[fmt]
        mid = 0x38 if f.ebits == 4 else 0x3C     # about 1.0 (e4m3b11: 2^-4 .. 2^4 around it)
        v = rng.integers(mid - 24, mid + 24, total) & 0x7F
        v |= rng.integers(0, 2, total) << 7 * (rng.random(total) < 0.3)
        pick = rng.random(total) < 0.04
        corners = _codes(fmt)
        v = np.where(pick, corners[rng.integers(0, len(corners), total)], v)
        wild = rng.random(total) < 0.04
        return np.where(wild, rng.integers(0, 256, total), v).astype(np.int64)

    return {"a": operands(p.format_a), "b": operands(p.format_b), "first": first, "last": last}
