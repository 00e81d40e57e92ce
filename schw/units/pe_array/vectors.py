"""Random GEMM problems for the pe-array regression: corner shapes, then seeded random ones
(fp16 with special values and extra subnormals)."""

from __future__ import annotations

import numpy as np

from .golden import Problem
from .hfp8_golden import to_fp16
from .params import PeArrayParams

FP16_SPECIALS = np.array([0x0000, 0x8000, 0x0001, 0x8001, 0x03FF, 0x83FF, 0x0400, 0x7BFF, 0xFBFF,
                          0x7C00, 0xFC00, 0x7E00, 0x7D00, 0xFE00, 0x3C00, 0xBC00, 0x3800], dtype=np.int64)


def hfp8_codes(fmt: str, rng, shape, special_rate: float = 0.0) -> np.ndarray:
    """FP8 codes of ``fmt``: uniform over the finite codes of magnitude <= 32 (so e5m2 sums stay
    finite), plus NaN, infinities (e5m2), zeros, the largest finite and the smallest subnormal
    at ``special_rate``."""
    codes = np.arange(256)
    val = to_fp16(codes, fmt).astype(np.uint16).view(np.float16).astype(np.float64)
    ok = np.isfinite(val) & (np.abs(val) <= 32)
    x = rng.choice(codes[ok], size=shape)
    if special_rate:
        fin = codes[np.isfinite(val)]
        big = fin[np.argmax(np.abs(val[fin]))]
        specials = [c for c in codes if np.isnan(val[c]) or np.isinf(val[c])] + [0x00, 0x01, 0x81, big, big | 0x80]
        specials = [c for c in specials if not (np.isnan(val[c]) and c not in (0x80, 0x7F, 0xFF, 0x7E, 0xFE))]
        pick = rng.random(shape) < special_rate
        x = np.where(pick, rng.choice(np.array(specials, dtype=np.int64), size=shape), x)
    return x.astype(np.int64)


def random_codes(p: PeArrayParams, rng, shape, special_rate: float = 0.0, operand: str = "a") -> np.ndarray:
    if p.pe == "hfp8":
        return hfp8_codes(p.hfp8_params().format_a if operand == "a" else p.hfp8_params().format_b, rng, shape,
                          special_rate)
    if p.pe == "int8":
        return rng.integers(0, 256, size=shape)
    if p.pe == "unary":  # sign-magnitude codes
        return rng.integers(0, 2 << p.width, size=shape)
    if p.pe == "sc":
        return rng.integers(0, 1 << p.width, size=shape)
    # fp16: moderate magnitudes (exponent 10..20) so sums stay finite, plus specials
    sign = rng.integers(0, 2, size=shape) << 15
    exp = rng.integers(10, 21, size=shape) << 10
    frac = rng.integers(0, 1 << 10, size=shape)
    x = sign | exp | frac
    if special_rate:
        pick = rng.random(shape) < special_rate
        x = np.where(pick, rng.choice(FP16_SPECIALS, size=shape), x)
        sub = rng.random(shape) < special_rate / 2  # random subnormals
        x = np.where(sub, (rng.integers(0, 2, size=shape) << 15) | rng.integers(1, 1 << 10, size=shape), x)
    return x.astype(np.int64)


def problem_shapes(p: PeArrayParams, seed: int, count: int) -> list[tuple[int, int, int]]:
    """Corner shapes (1x1x1, edge tiles, K = 1 and K = 4R) then ``count`` random (M, N, K) with
    M, N not multiples of the array where possible and K in 1..4R."""
    R, C = p.R, p.C
    kk = p.inputs if p.pe == "sc" else 1
    kmax = 4 * R * kk
    shapes = [(1, 1, 1), (R + 1, C + 1, 1), (max(1, 2 * R - 1), max(1, C - 1), kmax), (R, C, R * kk)]
    rng = np.random.default_rng(seed)
    for _ in range(count):
        M = int(rng.integers(1, 2 * R + 2))
        N = int(rng.integers(1, 2 * C + 2))
        K = int(rng.integers(1, kmax + 1))
        shapes.append((M, N, K))
    return shapes


def make_problems(p: PeArrayParams, seed: int, count: int, special_rate: float | None = None) -> list[Problem]:
    rng = np.random.default_rng(seed + 1)
    if special_rate is None:
        special_rate = {"fp16": 0.08, "hfp8": 0.03}.get(p.pe, 0.0)
    out = []
    for M, N, K in problem_shapes(p, seed, count):
        out.append(Problem(random_codes(p, rng, (M, K), special_rate),
                           random_codes(p, rng, (K, N), special_rate, operand="b")))
    return out
