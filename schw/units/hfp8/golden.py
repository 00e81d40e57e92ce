"""hfp8 golden models (NumPy and exact integers; no Amaranth, no generator code).

* :func:`to_fp8` - binary16 -> FP8 in round-to-nearest-even or stochastic rounding, vectorised
  over int64 arrays: the binary16 magnitude is the integer ``X`` in units of 2^-24, the FP8
  grid at its binade is 2^q, and rounding drops the low ``k = q + 24`` bits of ``X``.
* :func:`to_fp16` - FP8 -> binary16 (exact: every value of the three formats is a binary16).
* :func:`lfsr_words` - the stochastic-rounding random words, exactly as the RTL draws them.
* :func:`mac_stream` / :func:`dot` - the FP8 MAC: ``acc <- round16(acc + a*b)`` with the product
  exact (one rounding per accumulation, like a fused multiply-add), optional chunk-based
  accumulation (``inner <- round16(inner + a*b)`` for CL products, then
  ``outer <- round16(outer + inner)``), RNE or 16-bit stochastic rounding. Exact sums are Python
  integers in units of 2^-48 (every product of two binary16 values is a multiple of 2^-48).
* :func:`swamping` - the rows of ``schw swamping``.

Specials: NaN in -> the format's canonical NaN (``Fp8Format.nan_code``; binary16 0x7E00);
binary16 infinity -> FP8 infinity (e5m2) or NaN (e4m3, e4m3b11: no infinity); a rounded
magnitude above the largest finite number (overflow) -> infinity (e5m2) or NaN, as
``ml_dtypes`` converts (no saturation); a zero keeps its sign except in e4m3b11 (no -0).
Stochastic rounding with R = 16 bits rounds the magnitude up when the 16 bits below the kept
ones, plus the random word's 16 bits, carry out (bits further down are ignored); in binary16 ->
FP8 at most 15 bits are dropped, so there it is exact SR: P(up) = dropped fraction.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from schw.sc.spec import lfsr_init, lfsr_poly, lfsr_step

from .params import FORMATS, LFSR_INDEX, LFSR_LEAP, LFSR_WIDTH, NAN16, SR_BITS, Fp8Format, HfpMacParams

_ONE = np.int64(1)
_R = 1 << SR_BITS
_RMASK = _R - 1


# ---- the stochastic-rounding LFSR ----------------------------------------------------------------
@lru_cache(maxsize=None)
def _leap_tables() -> tuple[tuple[int, ...], ...]:
    """The LFSR_LEAP-step map of the LFSR state (linear over GF(2)) as four byte tables."""
    poly = lfsr_poly(LFSR_WIDTH, LFSR_INDEX)

    def leap(s: int) -> int:
        for _ in range(LFSR_LEAP):
            s = lfsr_step(LFSR_WIDTH, poly, s)
        return s

    return tuple(tuple(leap(v << (8 * i)) for v in range(256)) for i in range(LFSR_WIDTH // 8))


def lfsr_start(seed: int) -> int:
    return lfsr_init(LFSR_WIDTH, seed, 0)


def lfsr_words(seed: int, n: int) -> np.ndarray:
    """The random words of the first ``n`` operations after reset (uint32): word t is the LFSR
    state before its t-th leap of LFSR_LEAP steps."""
    t0, t1, t2, t3 = _leap_tables()
    s = lfsr_start(seed)
    out = np.empty(n, dtype=np.uint32)
    for i in range(n):
        out[i] = s
        s = t0[s & 255] ^ t1[(s >> 8) & 255] ^ t2[(s >> 16) & 255] ^ t3[s >> 24]
    return out


# ---- binary16 <-> FP8 ------------------------------------------------------------------------------
def _bitlen(m: np.ndarray) -> np.ndarray:
    """Bit length of non-negative int64 values below 2**53."""
    return np.frexp(m.astype(np.float64))[1].astype(np.int64)


def fp16_fields(bits):
    """(sign, X, nan, inf) of binary16 patterns: X = magnitude in units of 2^-24."""
    b = np.asarray(bits, dtype=np.int64)
    s = (b >> 15) & 1
    e = (b >> 10) & 0x1F
    m = b & 0x3FF
    nan = (e == 31) & (m != 0)
    inf = (e == 31) & (m == 0)
    x = np.where(e == 0, m, (m | 1024) << np.maximum(e - 1, 0))
    x = np.where(e == 31, 0, x)
    return s, x, nan, inf


def _sr_up(rem: np.ndarray, k: np.ndarray, r: np.ndarray) -> np.ndarray:
    """16-bit stochastic rounding: the top SR_BITS of the k dropped bits ``rem`` plus ``r``
    (0..2^16-1) carry out."""
    top = np.where(k >= SR_BITS, rem >> np.clip(k - SR_BITS, 0, 62), rem << np.clip(SR_BITS - k, 0, 62))
    return (top + r) >= _R


def to_fp8(x16, fmt: Fp8Format | str, rounding: str = "rne", words=None) -> np.ndarray:
    """binary16 bit patterns -> FP8 codes (int64). ``rounding`` "sr" needs ``words`` (one
    random word per input, e.g. :func:`lfsr_words`; bits 15..0 are used)."""
    f = FORMATS[fmt] if isinstance(fmt, str) else fmt
    s, x, nan, inf = fp16_fields(x16)
    m = f.mbits
    pos = x > 0
    e = np.where(pos, _bitlen(x) - 1 - 24, f.emin)          # binade of the magnitude
    q = np.maximum(e, f.emin) - m                           # FP8 grid 2^q there
    k = q + 24                                              # bits of X dropped (>= 1)
    n = x >> k
    rem = x & ((_ONE << k) - 1)
    if rounding == "rne":
        half = _ONE << (k - 1)
        inc = (rem > half) | ((rem == half) & ((n & 1) == 1))
    elif rounding == "sr":
        if words is None:
            raise ValueError("stochastic rounding needs random words")
        r = np.asarray(words, dtype=np.int64) & _RMASK
        inc = _sr_up(rem, k, np.broadcast_to(r, x.shape))
    else:
        raise ValueError(f"unknown rounding {rounding!r}")
    n = n + inc
    carry = n == (1 << (m + 1))
    n = np.where(carry, n >> 1, n)
    q = q + carry
    normal = n >= (1 << m)
    ecode = np.where(normal, q + m + f.bias, 0)
    code = np.where(normal, (ecode << m) | (n - (1 << m)), n)
    over = (ecode > (f.max_code >> m)) | (code > f.max_code)
    sign = np.where(f.negzero | (code != 0), s << 7, 0)
    ovf = f.inf_code | (s << 7) if f.inf else f.nan_code
    inf_res = (f.inf_code | (s << 7)) if f.inf else f.nan_code
    out = np.where(over, ovf, sign | code)
    out = np.where(inf, inf_res, out)
    out = np.where(nan, f.nan_code, out)
    return out.astype(np.int64)


def fp8_fields(codes, fmt: Fp8Format | str):
    """(sign, X, nan, inf) of FP8 codes: X = magnitude in units of 2^-24 (exact: every FP8
    value of the three formats is a multiple of 2^-24)."""
    f = FORMATS[fmt] if isinstance(fmt, str) else fmt
    c = np.asarray(codes, dtype=np.int64)
    s = (c >> 7) & 1
    mag = c & 0x7F
    m = f.mbits
    e = mag >> m
    mm = mag & ((1 << m) - 1)
    if f.nan == "ieee":
        special = e == (1 << f.ebits) - 1
        nan, inf = special & (mm != 0), special & (mm == 0)
    elif f.nan == "fn":
        nan, inf = mag == 0x7F, np.zeros(c.shape, bool)
    else:
        nan, inf = c == 0x80, np.zeros(c.shape, bool)
    sig = np.where(e == 0, mm, mm | (1 << m))
    sh = np.maximum(e, 1) - f.bias - m + 24                 # >= 0 for the three formats
    x = np.where(nan | inf, 0, sig << sh)
    return s, x, nan, inf


def to_fp16(codes, fmt: Fp8Format | str) -> np.ndarray:
    """FP8 codes -> binary16 bit patterns (exact; NaN -> 0x7E00)."""
    s, x, nan, inf = fp8_fields(codes, fmt)
    pos = x > 0
    t = np.where(pos, _bitlen(x) - 1, 0)                   # X < 2^40
    normal = t >= 10                                        # >= 2^-14
    e16 = t - 10 + 1
    frac = np.where(normal, (x >> np.clip(t - 10, 0, 62)) & 0x3FF, 0)
    mag = np.where(normal, (e16 << 10) | frac, x)
    out = (s << 15) | mag
    out = np.where(inf, (s << 15) | 0x7C00, out)
    out = np.where(nan, NAN16, out)
    return out.astype(np.int64)


# ---- binary16 accumulation (exact integers, scalar) ------------------------------------------------
_L = 48            # exact sums in units of 2^-48
_F16 = None


def _f16_table():
    """(sign, magnitude in units of 2^-48, nan, inf) of every binary16 pattern, as Python lists."""
    global _F16
    if _F16 is None:
        s, x, nan, inf = fp16_fields(np.arange(1 << 16))
        _F16 = ([int(v) for v in s], [int(v) << 24 for v in x], [bool(v) for v in nan], [bool(v) for v in inf])
    return _F16


def round16(v: int, rounding: str, r: int = 0, zero_sign: int = 0) -> int:
    """Round the exact value ``v * 2^-48`` (Python int) to binary16 bits: RNE, or 16-bit SR
    with random bits ``r``. A zero sum is +0 unless ``zero_sign`` (both addends -0)."""
    if v == 0:
        return zero_sign << 15
    s = 1 if v < 0 else 0
    mag = -v if s else v
    e = mag.bit_length() - 1 - _L
    q = max(e, -14) - 10
    k = q + _L
    n = mag >> k
    rem = mag & ((1 << k) - 1)
    if rounding == "rne":
        half = 1 << (k - 1)
        n += (rem > half) or (rem == half and (n & 1))
    else:
        top = rem >> (k - SR_BITS) if k >= SR_BITS else rem << (SR_BITS - k)
        n += (top + (r & _RMASK)) >= _R
    if n == 2048:
        n, q = 1024, q + 1
    if n >= 1024:
        ecode = q + 10 + 15
        if ecode >= 31:
            return (s << 15) | 0x7C00
        return (s << 15) | (ecode << 10) | (n - 1024)
    return (s << 15) | n


def add16(acc: int, addend_s: int, addend_mag: int, addend_nan: bool, addend_inf: bool,
          rounding: str, r: int) -> int:
    """round16(acc + addend) for binary16 ``acc`` bits and an exact addend (sign, magnitude in
    units of 2^-48, NaN, infinity), with IEEE special cases."""
    s16, x16, nan16, inf16 = _f16_table()
    a_s, a_x, a_nan, a_inf = s16[acc], x16[acc], nan16[acc], inf16[acc]
    if a_nan or addend_nan or (a_inf and addend_inf and a_s != addend_s):
        return NAN16
    if a_inf:
        return acc
    if addend_inf:
        return (addend_s << 15) | 0x7C00
    v = (-a_x if a_s else a_x) + (-addend_mag if addend_s else addend_mag)
    return round16(v, rounding, r, zero_sign=a_s & addend_s if v == 0 and a_x == 0 and addend_mag == 0 else 0)


def _product(a: int, b: int, fa: Fp8Format, fb: Fp8Format):
    """(sign, magnitude in units of 2^-48, nan, inf) of the exact product of two FP8 codes."""
    sa, xa, na, ia = (int(v[0]) for v in fp8_fields([a], fa))
    sb, xb, nb, ib = (int(v[0]) for v in fp8_fields([b], fb))
    nan = bool(na or nb or (ia and xb == 0 and not ib) or (ib and xa == 0 and not ia))
    return sa ^ sb, xa * xb, nan, bool((ia or ib) and not nan)


@lru_cache(maxsize=None)
def _product_table(fa_name: str, fb_name: str):
    fa, fb = FORMATS[fa_name], FORMATS[fb_name]
    sa, xa, na, ia = fp8_fields(np.arange(256), fa)
    sb, xb, nb, ib = fp8_fields(np.arange(256), fb)
    s = (sa[:, None] ^ sb[None, :]).ravel().tolist()
    mag = [int(u) * int(v) for u in xa.tolist() for v in xb.tolist()]
    zero_a, zero_b = (xa == 0) & ~na & ~ia, (xb == 0) & ~nb & ~ib
    nan = (na[:, None] | nb[None, :] | (ia[:, None] & zero_b[None, :]) | (zero_a[:, None] & ib[None, :]))
    inf = (ia[:, None] | ib[None, :]) & ~nan
    return s, mag, nan.ravel().tolist(), inf.ravel().tolist()


class MacState:
    """The MAC's accumulators (binary16 bits) between products; see :func:`mac_stream`."""

    def __init__(self, p: HfpMacParams):
        self.p = p
        self.table = _product_table(p.format_a, p.format_b)
        self.inner = 0        # +0
        self.outer = 0
        self.count = 0        # products in the current chunk

    def start(self):
        self.inner = self.outer = 0
        self.count = 0

    def step(self, a: int, b: int, word: int) -> None:
        """One product into the accumulators (the chunk is folded when it has CL products)."""
        p = self.p
        s, mag, nan, inf = (t[(a << 8) | b] for t in self.table)
        self.inner = add16(self.inner, s, mag, nan, inf, p.acc_round, word & _RMASK)
        self.count += 1
        if p.chunk and self.count == p.chunk:
            self.outer = self._fold(word)
            self.inner, self.count = 0, 0

    def _fold(self, word: int) -> int:
        s16, x16, nan16, inf16 = _f16_table()
        i = self.inner
        return add16(self.outer, s16[i], x16[i], nan16[i], inf16[i], self.p.acc_round, (word >> 16) & _RMASK)

    def result(self, word: int) -> int:
        """The dot product's value if the last product (drawn with ``word``) was the last one."""
        if not self.p.chunk:
            return self.inner
        if self.count == 0:
            return self.outer
        return self._fold(word)


def mac_stream(p: HfpMacParams, a, b, first, last, words=None) -> np.ndarray:
    """Results of the MAC on a stream of products (one per accepted cycle, in order): ``first``
    starts a dot product (accumulators reset to +0), ``last`` ends it; one binary16 result per
    product flagged ``last``. ``words`` default: :func:`lfsr_words` from reset."""
    a, b, first, last = (np.asarray(v, dtype=np.int64).tolist() for v in (a, b, first, last))
    if words is None:
        words = lfsr_words(p.seed, len(a))
    words = np.asarray(words, dtype=np.int64).tolist()
    st = MacState(p)
    out = []
    for i in range(len(a)):
        if first[i]:
            st.start()
        st.step(a[i], b[i], words[i])
        if last[i]:
            out.append(st.result(words[i]))
            st.start()
    return np.array(out, dtype=np.int64)


def dot_curve(p: HfpMacParams, a, b, lengths, words=None) -> dict[int, int]:
    """The MAC's result (binary16 bits) of the dot product of the first n products, for each n
    in ``lengths`` (one pass; equals :func:`mac_stream` of one dot product of length n from
    reset)."""
    a = np.asarray(a, dtype=np.int64).tolist()
    b = np.asarray(b, dtype=np.int64).tolist()
    want = set(int(n) for n in lengths)
    n_max = max(want)
    if words is None:
        words = lfsr_words(p.seed, n_max)
    words = np.asarray(words, dtype=np.int64).tolist()
    st = MacState(p)
    out = {}
    for i in range(n_max):
        st.step(a[i], b[i], words[i])
        if i + 1 in want:
            out[i + 1] = st.result(words[i])
    return out


def fp16_value(bits: int) -> float:
    return float(np.array([bits], dtype=np.uint16).view(np.float16)[0])


# ---- the swamping curves ---------------------------------------------------------------------------
#: methods of ``schw swamping`` besides the chunked ones (fp16-chunk-<CL>)
BASE_METHODS = ("fp32", "fp16-rn", "fp16-sr")


def swamping_operands(setup: str, fmt: str, n: int, value: float = 1.0, seed: int = 1):
    """FP8 operand codes (a, b) of the two setups: ``same`` - a = ``value`` (rounded to the
    format), b = 1.0, every product the same; ``dot`` - a and b drawn uniformly from [0, 2)
    (seeded; a longer draw starts with the shorter one) and rounded to the format (RNE), so
    products average about 1."""
    f = FORMATS[fmt]
    one = int(to_fp8(np.array([0x3C00]), f)[0])
    if setup == "same":
        v16 = np.array([value], dtype=np.float16).view(np.uint16).astype(np.int64)
        code = int(to_fp8(v16, f)[0])
        return np.full(n, code, dtype=np.int64), np.full(n, one, dtype=np.int64)
    if setup == "dot":
        u = [np.random.default_rng([seed, 0x5A4, k]).uniform(0.0, 2.0, n).astype(np.float16)
             .view(np.uint16).astype(np.int64) for k in (0, 1)]      # the first n of any longer draw
        return to_fp8(u[0], f), to_fp8(u[1], f)
    raise ValueError(f"unknown setup {setup!r}")


def swamping(lengths, chunks, setup: str = "same", fmt: str = "e4m3b11", value: float = 1.0,
             seed: int = 1) -> list[dict]:
    """Rows ``{setup, method, length, value, exact}``: the accumulated value after each length
    for FP32 accumulation (float32, one rounding per add), binary16 RNE, binary16 SR (LFSR
    seed ``seed``) and binary16 chunk-based accumulation (RNE) at each chunk length; ``exact``
    is the exact sum of the FP8 products (every product is exact in float64 and the sums up
    to 2^20 products of magnitude < 2^10 are exact there too)."""
    lengths = sorted(set(int(n) for n in lengths))
    n_max = lengths[-1]
    a, b = swamping_operands(setup, fmt, n_max, value, seed)
    fa = FORMATS[fmt]
    _, xa, _, _ = fp8_fields(a, fa)
    _, xb, _, _ = fp8_fields(b, fa)
    prod = (xa.astype(np.float64) * 2.0**-24) * (xb.astype(np.float64) * 2.0**-24)
    exact = np.cumsum(prod)
    f32 = np.cumsum(prod.astype(np.float32), dtype=np.float32)   # sequential float32 adds
    idx = np.array(lengths) - 1
    rows = []

    def add(method, vals):
        for n, v in zip(lengths, vals):
            rows.append({"setup": setup, "method": method, "length": n, "value": float(v),
                         "exact": float(exact[n - 1])})

    add("fp32", f32[idx].astype(np.float64))
    for method, chunk, rnd in [("fp16-rn", 0, "rne"), ("fp16-sr", 0, "sr")] + \
            [(f"fp16-chunk-{c}", c, "rne") for c in chunks]:
        p = HfpMacParams(format_a=fmt, format_b=fmt, chunk=chunk, acc_round=rnd, seed=seed)
        curve = dot_curve(p, a, b, lengths)
        add(method, [fp16_value(curve[n]) for n in lengths])
    return rows
