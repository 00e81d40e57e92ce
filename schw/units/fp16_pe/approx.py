"""Bit-exact golden models of the approximate functions and of exponent modify, any binary format.

NumPy only (int64, vectorised). These are the models of the hardware in :mod:`.approx_rtl`
(RTL == this model bit for bit); how close they come to the true functions is measured against
mpmath in tests/test_fp16_ops.py and stated in docs/fp16_pe.md. The fp32-sfu family reuses this
module for binary32 (``fmt=BINARY32``); fp16-pe uses it for binary16.

API (``x``: integer arrays of bit patterns; ``rm``: RISC-V rounding-mode codes 0..4 = rne, rtz,
rdn, rup, rmm; results ``(bits, flags)`` as int64 arrays, flags bit 0..4 = nx, uf, of, dz, nv):

* :func:`approx_eval` ``(cfg, x, rm, scale=0, ftz=False)`` - recip, rsqrt, exp2 or log2 per an
  :class:`~.tables.ApproxConfig` (:func:`~.tables.default_config` gives the PE's);
* :func:`expmod` ``(fmt, x, k, rm)`` - x * 2^k, correctly rounded (k any signed integer);
* :func:`round_pack` ``(fmt, sign, v, ev, sticky, rm)`` - the one rounder both use;
* :func:`decode` - sign, class and normalised significand/exponent of a bit pattern;
* :func:`reference` ``(fn, fmt, x)`` - the exact function value (mpmath) for the error tests, and
  :func:`round_exact` (an exact rational rounded correctly in every mode).

Contract of the four functions (IEEE 754-2019 9.2 where it speaks): NaN in -> canonical quiet NaN
(nv when it was signalling); recip(+-0) = +-inf (dz), recip(+-inf) = +-0; rsqrt(+-0) = +-inf (dz),
rsqrt(+inf) = +0, rsqrt(x < 0, also -inf) = NaN (nv); exp2(+-0) = 1, exp2(+inf) = +inf,
exp2(-inf) = +0; log2(+-0) = -inf (dz), log2(+inf) = +inf, log2(x < 0) = NaN (nv), log2(1) = +0.
Results that are exact (recip of a power of two, rsqrt of a power of four, exp2 of an integer,
log2 of a power of two) are exact with no flag; every other finite result is the approximation
rounded in ``rm`` with nx set, of/uf per the rounder (tininess after rounding, uf = tiny and
inexact). The approximation carries a sticky bit (1 for every non-exact result), so rounding
sees a value strictly between representable neighbours.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .params import BINARY16, BINARY32, FloatFormat
from .tables import FUNCTIONS, ApproxConfig, coefficients, default_config, scale_constants

__all__ = ["BINARY16", "BINARY32", "FUNCTIONS", "ApproxConfig", "FloatFormat", "default_config",
           "approx_eval", "expmod", "round_pack", "decode", "flush", "reference", "round_exact"]

RNE, RTZ, RDN, RUP, RMM = range(5)
NX, UF, OF, DZ, NV = (1 << i for i in range(5))
_ONE = np.int64(1)


def _bitlen(v: np.ndarray) -> np.ndarray:
    """Bit length of non-negative int64 values (exact for all of them; 0 -> 0)."""
    v = v.copy()
    n = np.zeros(v.shape, dtype=np.int64)
    for sh in (32, 16, 8, 4, 2, 1):
        big = v >= (_ONE << sh)
        n += np.where(big, sh, 0)
        v = np.where(big, v >> sh, v)
    return n + (v > 0)


@dataclass
class Decoded:
    """``sign``; classes ``zero``, ``inf``, ``nan``, ``snan``; for finite nonzero values
    ``sig`` in [2^mbits, 2^p) and ``exp`` with |x| = sig * 2^(exp - mbits) (subnormals normalised)."""

    sign: np.ndarray
    zero: np.ndarray
    inf: np.ndarray
    nan: np.ndarray
    snan: np.ndarray
    sig: np.ndarray
    exp: np.ndarray


def decode(fmt: FloatFormat, x) -> Decoded:
    x = np.asarray(x, dtype=np.int64)
    M = fmt.mbits
    s = (x >> (fmt.width - 1)) & 1
    e = (x >> M) & fmt.emask
    f = x & ((_ONE << M) - 1)
    nan = (e == fmt.emask) & (f != 0)
    snan = nan & (((f >> (M - 1)) & 1) == 0)
    inf = (e == fmt.emask) & (f == 0)
    zero = (e == 0) & (f == 0)
    bl = _bitlen(f)
    sub = (e == 0) & (f != 0)
    sig = np.where(sub, f << np.clip(M + 1 - bl, 0, 62), f | (_ONE << M))
    exp = np.where(sub, fmt.emin - M - 1 + bl, e - fmt.bias)
    return Decoded(s, zero, inf, nan, snan, sig, exp)


def flush(fmt: FloatFormat, x) -> np.ndarray:
    """The ftz input rule: subnormal bit patterns replaced by the zero of the same sign."""
    x = np.asarray(x, dtype=np.int64)
    sub = ((x >> fmt.mbits) & fmt.emask) == 0
    return np.where(sub, x & (_ONE << (fmt.width - 1)), x)


def _round_bits(v, sh, sticky):
    """Split v * 2^-sh (sh >= 0 here means bits dropped): (kept, round bit, sticky)."""
    shc = np.clip(sh, 0, 62)
    kept = np.where(sh > 0, v >> shc, v << np.clip(-sh, 0, 62))
    rnd = np.where(sh > 0, (v >> np.clip(shc - 1, 0, 62)) & 1, 0)
    low = np.where(sh > 1, v & ((_ONE << np.clip(shc - 1, 0, 62)) - 1), 0)
    return kept, rnd, (low != 0) | (sticky != 0)


def _inc(rm, sign, lsb, rnd, st):
    return np.select([rm == RNE, rm == RMM, rm == RUP, rm == RDN],
                     [rnd & (st | lsb), rnd, (rnd | st) & (sign == 0), (rnd | st) & (sign == 1)], 0).astype(bool)


def round_pack(fmt: FloatFormat, sign, v, ev, sticky, rm, ftz: bool = False):
    """Round (-1)^sign * (v + sticky*epsilon) * 2^ev to ``fmt`` in mode ``rm``: (bits, flags).

    ``v`` > 0 (int64 < 2^62), ``sticky`` 0/1 stands for a nonzero amount below v's last bit
    (0 < epsilon < 1). Tininess after rounding, uf = tiny and inexact, overflow per mode (rne, rmm
    and the mode rounding away from zero -> infinity, else the largest finite; of|nx). ``ftz``:
    a tiny result becomes a zero of its sign with uf|nx. rm 5..7 round like rtz.
    """
    sign, v, ev, sticky, rm = (np.asarray(a, dtype=np.int64) for a in np.broadcast_arrays(sign, v, ev, sticky, rm))
    if v.size and (v.min() <= 0 or v.max() >= (1 << 62)):
        raise ValueError("round_pack: v must be in 1 .. 2^62 - 1")
    M, p = fmt.mbits, fmt.p
    lead = ev + _bitlen(v) - 1                              # exponent of v's leading bit
    q = np.maximum(lead, fmt.emin) - M                      # exponent of the result's last bit
    kept, rnd, st = _round_bits(v, q - ev, sticky)
    inc = _inc(rm, sign, kept & 1, rnd, st)
    kept = kept + inc
    carry = kept == (_ONE << p)
    kept = np.where(carry, kept >> 1, kept)
    q = q + carry
    normal = kept >= (_ONE << M)
    bexp = np.where(normal, q + M + fmt.bias, 0)
    inexact = (rnd | st).astype(bool)
    of = bexp >= fmt.emask
    # tininess after rounding: round to p bits with an unbounded exponent, compare with 2^emin
    ku, ru, su = _round_bits(v, lead - M - ev, sticky)
    carry_u = (ku + _inc(rm, sign, ku & 1, ru, su)) == (_ONE << p)
    tiny = (lead < fmt.emin) & ~((lead == fmt.emin - 1) & carry_u)
    sbit = sign << (fmt.width - 1)
    bits = sbit | (np.minimum(bexp, fmt.emask) << M) | (kept & ((_ONE << M) - 1))
    to_inf = (rm == RNE) | (rm == RMM) | ((rm == RUP) & (sign == 0)) | ((rm == RDN) & (sign == 1))
    bits = np.where(of, sbit | np.where(to_inf, fmt.inf, fmt.max_finite), bits)
    flags = np.where(inexact | of, NX, 0) | np.where(of, OF, 0) | np.where(tiny & inexact, UF, 0)
    if ftz:
        bits = np.where(tiny, sbit, bits)
        flags = np.where(tiny, NX | UF, flags)
    return bits.astype(np.int64), flags.astype(np.int64)


def poly(cfg: ApproxConfig, idx, d, base_e: bool = False) -> np.ndarray:
    """The table polynomial at segment ``idx``, offset ``d`` (D bits): value * 2^q, int64.
    ``base_e``: log2's ln(1 + w)/w table."""
    cols = [np.asarray(c, dtype=np.int64) for c in coefficients(cfg, base_e)]
    D = cfg.dbits
    acc = cols[1][idx] * d
    if cfg.degree == 2:
        acc = acc + cols[2][idx] * ((d * d) >> D)
    return cols[0][idx] + (acc >> D)


def approx_eval(cfg: ApproxConfig, x, rm, scale=0, ftz: bool = False):
    """recip, rsqrt, exp2 or log2 (``cfg.fn``) of the bit patterns ``x`` in ``cfg.fmt``, rounded
    in ``rm``: (bits, flags). ``scale`` (exp2 and log2; 0/1 per element): 1 = base e, i.e. e^x
    through exp2 (x * log2 e in fixed point first) and ln x through log2's datapath with the
    ln(1+w)/w table and e' * ln 2; see :func:`.tables.scale_constants`. e^x and ln x are never exact except
    e^0 = 1 and ln 1 = +0. ``ftz`` (the fp16-pe's --ftz rule): a subnormal x reads as the zero of
    its sign (no flag: recip, rsqrt and log2 give the zero's infinity with dz, exp2 gives 1), and a
    nonzero result that is tiny after rounding becomes the zero of its sign with uf|nx (also when
    it was exact, e.g. exp2(-20)). See the module docstring for the contract; the datapath is
    docs/fp16_pe.md's."""
    fmt = cfg.fmt
    x, rm, scale = (np.ravel(np.asarray(a, dtype=np.int64)) for a in np.broadcast_arrays(x, rm, scale))
    if ftz:
        x = flush(fmt, x)
    sc = (scale & 1) == 1
    g_sc, c_exp, c_ln = scale_constants(fmt, cfg.q)
    X = decode(fmt, x)
    M, q, D = fmt.mbits, cfg.q, cfg.dbits
    frac = X.sig - (_ONE << M)
    fin = ~(X.zero | X.inf | X.nan)
    n = x.size
    # finite nonzero inputs: value = v * 2^ev (+ sticky), sign
    sign = np.zeros(n, dtype=np.int64)
    v = np.ones(n, dtype=np.int64) << q
    sticky = np.ones(n, dtype=np.int64)
    if cfg.fn == "recip":
        approx = poly(cfg, frac >> D, frac & ((_ONE << D) - 1))
        exact = frac == 0
        ev = -X.exp - q
        sign = X.sign
    elif cfg.fn == "rsqrt":
        par = X.exp & 1
        approx = poly(cfg, (par << cfg.k) | (frac >> D), frac & ((_ONE << D) - 1))
        exact = (frac == 0) & (par == 0)
        ev = -((X.exp - par) >> 1) - q
    elif cfg.fn == "exp2":
        F, eb = cfg.f, fmt.sat_bits
        sh = X.exp - M + F                                   # |x| * 2^F = sig * 2^sh
        sat = X.exp >= eb
        mag = np.where(sh >= 0, X.sig << np.clip(sh, 0, 62), X.sig >> np.clip(-sh, 0, 62))
        stx = (sh < 0) & ((X.sig & ((_ONE << np.clip(-sh, 0, 62)) - 1)) != 0)
        # base e: |x| * log2(e) * 2^F ~ sig * c_exp * 2^(sh - g), truncated; never exact (sticky 1)
        prod, shs = X.sig * c_exp, sh - g_sc
        mag_e = np.where(shs >= 0, prod << np.clip(shs, 0, 62), prod >> np.clip(-shs, 0, 62))
        mag = np.where(sc, mag_e, mag)
        stx = np.where(sc, True, stx)
        mag = np.where(sat, _ONE << (eb + F), mag)
        stx = stx | sat
        fx = np.where(X.sign == 1, -(mag + stx), mag)       # floor(x * 2^F)
        nint, fr = fx >> F, fx & ((_ONE << F) - 1)
        approx = poly(cfg, fr >> D, fr & ((_ONE << D) - 1))
        exact = fr == 0
        sticky = np.where(exact, stx, 1)
        ev = nint - q
    else:  # log2
        top = (frac >> (M - 1)) & 1
        w = np.where(top == 1, frac - (_ONE << M), frac << 1)  # w * 2^(M+1), in [-1/4, 1/2)
        e1 = X.exp + top
        idx, d = frac >> D, frac & ((_ONE << D) - 1)
        g = np.where(sc, poly(cfg, idx, d, base_e=True), poly(cfg, idx, d))
        # log2: e' + w * log2(1+w)/w; ln (base e): e' * ln 2 + w * ln(1+w)/w, ln 2 = c_ln * 2^-(M+1+q)
        L = np.where(sc, e1 * c_ln, e1 << (M + 1 + q)) + w * g
        sign = (L < 0).astype(np.int64)
        approx = np.abs(L)
        exact = (w == 0) & ~sc
        v = np.where(exact, np.abs(e1) << (M + 1 + q), v)
        ev = np.full(n, -(M + 1 + q), dtype=np.int64)
    if cfg.fn != "exp2":
        sticky = np.where(exact, 0, 1)
        if v.size and approx.max() >= (1 << 62):
            raise AssertionError("approx: a fixed-point value exceeds 62 bits")
    v = np.where(exact, v, approx)
    live = fin & (v > 0)
    bits = np.zeros(n, dtype=np.int64)
    flags = np.zeros(n, dtype=np.int64)
    i = np.flatnonzero(live)
    if i.size:
        bits[i], flags[i] = round_pack(fmt, sign[i], v[i], ev[i], sticky[i], rm[i], ftz)
    # specials (and log2(1) = +0: a finite input with v == 0)
    s = X.sign
    inf_s = lambda sgn: (sgn << (fmt.width - 1)) | fmt.inf  # noqa: E731
    neg = (s == 1) & ~X.zero & ~X.nan
    if cfg.fn == "recip":
        cases = [(X.zero, inf_s(s), DZ), (X.inf, s << (fmt.width - 1), 0)]
    elif cfg.fn == "rsqrt":
        cases = [(X.zero, inf_s(s), DZ), (neg, fmt.nan, NV), (X.inf, 0, 0)]
    elif cfg.fn == "exp2":
        cases = [(X.zero, fmt.one, 0), (X.inf & (s == 0), fmt.inf, 0), (X.inf & (s == 1), 0, 0)]
    else:
        cases = [(X.zero, inf_s(1), DZ), (neg, fmt.nan, NV), (X.inf, fmt.inf, 0), (fin & (v == 0), 0, 0)]
    cases = [(X.nan, fmt.nan, np.where(X.snan, NV, 0))] + cases
    for cond, r, fl in reversed(cases):
        bits = np.where(cond, r, bits)
        flags = np.where(cond, fl, flags)
    return bits, flags


def expmod(fmt: FloatFormat, x, k, rm, ftz: bool = False):
    """x * 2^k in ``fmt`` (k: any signed integers), rounded in ``rm``: (bits, flags). NaN ->
    canonical NaN (nv if signalling); infinities and zeros unchanged, no flag; finite nonzero:
    one correct rounding (subnormal results per mode, overflow per mode, of/uf/nx). k is clamped
    to [-fmt.k_clamp, fmt.k_clamp], which changes no result. ``ftz``: subnormal x reads as zero,
    tiny results flush to zero (uf|nx)."""
    x, k, rm = (np.ravel(np.asarray(a, dtype=np.int64)) for a in np.broadcast_arrays(x, k, rm))
    if ftz:
        x = flush(fmt, x)
    X = decode(fmt, x)
    fin = ~(X.zero | X.inf | X.nan)
    kc = np.clip(k, -fmt.k_clamp, fmt.k_clamp)
    bits = x.copy()
    flags = np.zeros(x.size, dtype=np.int64)
    i = np.flatnonzero(fin)
    if i.size:
        bits[i], flags[i] = round_pack(fmt, X.sign[i], X.sig[i], X.exp[i] - fmt.mbits + kc[i], 0, rm[i], ftz)
    bits = np.where(X.nan, fmt.nan, bits)
    flags = np.where(X.nan, np.where(X.snan, NV, 0), flags)
    return bits, flags


# ---- references for the tests (outside the hardware method) ---------------------------------
def value_of(fmt: FloatFormat, bits: int) -> Fraction | None:
    """Exact value of a finite bit pattern (None for inf/NaN)."""
    M = fmt.mbits
    s, e, f = bits >> (fmt.width - 1), (bits >> M) & fmt.emask, bits & ((1 << M) - 1)
    if e == fmt.emask:
        return None
    mag = Fraction(f if e == 0 else f | (1 << M)) * Fraction(2) ** ((1 if e == 0 else e) - fmt.bias - M)
    return -mag if s else mag


def round_exact(fmt: FloatFormat, y: Fraction, rm: int) -> int:
    """The bit pattern of the exact nonzero rational ``y`` correctly rounded to ``fmt`` in ``rm``."""
    s = 1 if y < 0 else 0
    a = abs(y)
    lead = a.numerator.bit_length() - a.denominator.bit_length()
    if Fraction(2) ** lead > a:
        lead -= 1
    qe = max(lead, fmt.emin) - fmt.mbits
    t = a / Fraction(2) ** qe
    kept, rem = divmod(t.numerator, t.denominator)
    frac = Fraction(rem, t.denominator)
    lsb = kept & 1
    up = {RNE: frac > Fraction(1, 2) or (frac == Fraction(1, 2) and lsb == 1),
          RMM: frac >= Fraction(1, 2), RUP: frac > 0 and s == 0, RDN: frac > 0 and s == 1, RTZ: False}[rm]
    kept += up
    if kept == 1 << fmt.p:
        kept >>= 1
        qe += 1
    if kept >= 1 << fmt.mbits:
        bexp = qe + fmt.mbits + fmt.bias
        if bexp >= fmt.emask:
            to_inf = rm in (RNE, RMM) or (rm == RUP and s == 0) or (rm == RDN and s == 1)
            return (s << (fmt.width - 1)) | (fmt.inf if to_inf else fmt.max_finite)
        return (s << (fmt.width - 1)) | (bexp << fmt.mbits) | (kept - (1 << fmt.mbits))
    return (s << (fmt.width - 1)) | kept


def reference(fn: str, fmt: FloatFormat, bits: int, prec: int = 128):
    """Exact value of ``fn`` at the finite bit pattern ``bits`` as a Fraction (mpmath at ``prec``
    bits, exact where the result is dyadic), or None outside the domain / for a non-finite result.
    exp2's argument is clamped to [emin - mbits - 2, emax + 1] first (the results there round like
    the true ones: to overflow, or below a quarter of the smallest subnormal)."""
    import mpmath

    x = value_of(fmt, bits)
    if x is None or x == 0 or (x < 0 and fn in ("rsqrt", "log2", "ln")):
        return None
    if fn == "ln" and x == 1:
        return Fraction(0)
    if fn == "exp":  # e^x is irrational for x != 0; beyond these bounds it rounds like the bound's
        x = min(max(x, Fraction(7, 10) * (fmt.emin - fmt.mbits - 3)), Fraction(7, 10) * (fmt.emax + 2))
    # the exact (dyadic) cases, exactly (x is dyadic: |x| is a power of two when its numerator is)
    num = abs(x.numerator)
    pow2 = num & (num - 1) == 0
    if fn == "recip" and pow2:
        return 1 / x
    if fn == "exp2":  # beyond these bounds every result rounds like the bound's (overflow / underflow)
        x = min(max(x, Fraction(fmt.emin - fmt.mbits - 2)), Fraction(fmt.emax + 1))
        if x.denominator == 1:
            return Fraction(2) ** int(x)
    if pow2 and fn in ("log2", "rsqrt"):
        e = (x.numerator.bit_length() - 1) - (x.denominator.bit_length() - 1)
        if fn == "log2":
            return Fraction(e)
        if e % 2 == 0:
            return Fraction(2) ** (-e // 2)
    with mpmath.workprec(prec):
        X = mpmath.mpf(x.numerator) / x.denominator
        y = {"recip": lambda: 1 / X, "rsqrt": lambda: 1 / mpmath.sqrt(X),
             "exp2": lambda: mpmath.power(2, X), "log2": lambda: mpmath.log(X, 2),
             "exp": lambda: mpmath.exp(X), "ln": lambda: mpmath.log(X)}[fn]()
        if fn == "log2" and y == 0:
            return Fraction(0)
        m, e = mpmath.frexp(y)
        # not dyadic: put it mid-way in mpmath's last place, never on a rounding boundary
        return Fraction(2 * int(mpmath.ldexp(m, prec)) + (1 if m > 0 else -1)) * Fraction(2) ** (e - prec - 1)
