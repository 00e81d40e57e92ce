"""Coefficient tables of the approximate functions recip, rsqrt, exp2, log2 (any binary format).

Shared by the golden model (:mod:`.approx`, NumPy) and the gateware (:mod:`.approx_rtl`,
Amaranth): the table IS the hardware method, so both read it from here. No NumPy, no Amaranth:
the coefficients are computed with mpmath at 96-bit precision and rounded to integers, so the
same configuration gives the same table (and the same Verilog) on every machine.

Method (docs/fp16_pe.md, "Approximate functions"): the function's reduced argument is split into
a segment index ``i`` (the top ``k`` bits; rsqrt adds the exponent's parity as one more index
bit) and an offset ``d`` (the next ``D`` bits, ``u = d / 2^D`` in [0, 1)); the segment's
polynomial in ``u`` of degree 1 or 2 gives the value in fixed point with ``q`` fraction bits:

    degree 1:  v = c0[i] + floor(c1[i] * d / 2^D)
    degree 2:  v = c0[i] + floor((c1[i] * d + c2[i] * floor(d * d / 2^D)) / 2^D)

Degree 1: ``c1`` is the chord of the segment and ``c0`` the segment start moved by the midrange of
the chord's error (equal-ripple linear fit); degree 2: interpolation at the three Chebyshev nodes
of [0, 1], again recentred by the midrange of the error. Both are sampled on 65 points per
segment. The segment functions (``t`` = the reduced argument):

* ``recip``: t = 1 + (i + u) / 2^k in [1, 2), value 1 / t in (1/2, 1];
* ``rsqrt``: t = (1 + (j + u) / 2^k) * 2^par with i = par * 2^k + j, value 1 / sqrt(t) in (1/2, 1];
* ``exp2``:  t = (i + u) / 2^k in [0, 1), value 2^t in [1, 2);
* ``log2``:  f = (i + u) / 2^k in [0, 1) (the fraction field), w = f (f < 1/2) or (f - 1) / 2
  (f >= 1/2), value G = log2(1 + w) / w (1 / ln 2 at w = 0), in [1.15, 1.45]; the caller
  multiplies by the exact w, so log2 keeps its relative accuracy next to x = 1.

The fp32-sfu family reuses this module (through :mod:`.approx` and :mod:`.approx_rtl`) for its
binary32 functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import mpmath

from .params import BINARY16, FloatFormat

FUNCTIONS = ("recip", "rsqrt", "exp2", "log2")


@dataclass(frozen=True)
class ApproxConfig:
    """One approximate function in one format: ``k`` index bits, polynomial ``degree`` (1 or 2),
    ``q`` fraction bits of the table values, ``f`` fraction bits of exp2's fixed-point argument."""

    fn: str
    fmt: FloatFormat
    k: int
    degree: int
    q: int
    f: int = 0

    def __post_init__(self):
        if self.fn not in FUNCTIONS:
            raise ValueError(f"fn must be one of {FUNCTIONS}, got {self.fn!r}")
        if self.degree not in (1, 2):
            raise ValueError("degree must be 1 or 2")
        if not 1 <= self.k < self.arg_bits:
            raise ValueError(f"k must be in 1..{self.arg_bits - 1}")

    @property
    def arg_bits(self) -> int:
        """Bits of the reduced argument the table sees (fraction field, or exp2's f)."""
        return self.f if self.fn == "exp2" else self.fmt.mbits

    @property
    def dbits(self) -> int:
        """D: interpolation bits below the index."""
        return self.arg_bits - self.k

    @property
    def entries(self) -> int:
        return (2 << self.k) if self.fn == "rsqrt" else (1 << self.k)


def scale_constants(fmt: FloatFormat, q: int | None = None) -> tuple[int, int, int]:
    """Base-e scaling (exp and ln through the exp2/log2 datapaths): ``(g, c_exp, c_ln)`` with
    c_exp = round(log2(e) * 2^g), g = p + 8 fraction bits, and c_ln = round(ln(2) * 2^(mbits+1+q))
    (``q`` of the log2 table; default p + 4). e^x = 2^(x * log2 e): x * c_exp * 2^-g feeds exp2's
    fixed-point argument. ln x = e' * ln 2 + w * ln(1 + w)/w: log2's datapath with the
    ln(1 + w)/w table (:func:`coefficients` ``base_e``) and e' * c_ln in place of e' * 2^(mbits+1+q)."""
    g = fmt.p + 8
    q = fmt.p + 4 if q is None else q
    with mpmath.workprec(96):
        c_exp = int(mpmath.nint(mpmath.log(mpmath.e, 2) * mpmath.mpf(2) ** g))
        c_ln = int(mpmath.nint(mpmath.log(2) * mpmath.mpf(2) ** (fmt.mbits + 1 + q)))
    return g, c_exp, c_ln


def default_config(fn: str, fmt: FloatFormat = BINARY16) -> ApproxConfig:
    """The configuration the PE uses: binary16 -> 32 segments (rsqrt 64), linear, q = 15, f = 14.
    Other formats: 128 segments, quadratic, q = p + 4, f = p + 3 (a starting point for binary32;
    measure before relying on it)."""
    if fmt == BINARY16:
        return ApproxConfig(fn, fmt, k=5, degree=1, q=fmt.p + 4, f=fmt.p + 3)
    return ApproxConfig(fn, fmt, k=7, degree=2, q=fmt.p + 4, f=fmt.p + 3)


def _segment_fn(cfg: ApproxConfig, i: int, base_e: bool = False):
    k = cfg.k
    one = mpmath.mpf(1)
    if cfg.fn == "recip":
        return lambda u: one / (1 + (i + u) / 2**k)
    if cfg.fn == "rsqrt":
        par, j = i >> k, i & ((1 << k) - 1)
        return lambda u: one / mpmath.sqrt((1 + (j + u) / 2**k) * 2**par)
    if cfg.fn == "exp2":
        return lambda u: mpmath.power(2, (i + u) / 2**k)
    upper = i >= (1 << (k - 1))

    def g(u):
        fr = (i + u) / 2**k
        w = (fr - 1) / 2 if upper else fr
        if base_e:  # ln: G_e = ln(1 + w) / w (1 at w = 0)
            return one if w == 0 else mpmath.log(1 + w) / w
        return one / mpmath.log(2) if w == 0 else mpmath.log(1 + w, 2) / w
    return g


@lru_cache(maxsize=None)
def coefficients(cfg: ApproxConfig, base_e: bool = False) -> tuple[tuple[int, ...], ...]:
    """The integer coefficient columns ``(c0, c1)`` or ``(c0, c1, c2)``, one entry per segment,
    scaled by 2^q (value = c0 + c1*u + c2*u^2 in units of 2^-q). ``base_e`` (log2 only): the
    table of ln(1 + w) / w that ln x uses instead of log2(1 + w) / w."""
    cols = [[] for _ in range(cfg.degree + 1)]
    scale = mpmath.mpf(2) ** cfg.q
    samples = [mpmath.mpf(j) / 64 for j in range(65)]
    with mpmath.workprec(96):
        for i in range(cfg.entries):
            g = _segment_fn(cfg, i, base_e)
            if cfg.degree == 1:
                g0, g1 = g(mpmath.mpf(0)), g(mpmath.mpf(1))
                co = [g0, g1 - g0]
            else:
                nodes = [(1 - mpmath.cos((2 * j + 1) * mpmath.pi / 6)) / 2 for j in range(3)]
                vals = [g(x) for x in nodes]
                mat = mpmath.matrix([[1, x, x * x] for x in nodes])
                co = list(mpmath.lu_solve(mat, mpmath.matrix(vals)))
            errs = [g(u) - sum(c * u**n for n, c in enumerate(co)) for u in samples]
            co[0] += (max(errs) + min(errs)) / 2
            for n, c in enumerate(co):
                cols[n].append(int(mpmath.nint(c * scale)))
    return tuple(tuple(c) for c in cols)
