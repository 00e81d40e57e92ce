"""Exact golden model of the FP16 PE: fma, mul, add, min, max, lt, le, eq.

Integer arithmetic on significands and exponents, vectorised with NumPy (int64), one pass per
op class over whole arrays. No floating-point emulation: a tiny product against a huge addend is
handled by a sticky reduction that is exact for rounding (see :func:`_add_exact`), so every
intermediate fits in 53 bits.

Semantics (the contract in docs/fp16.md, encodings in :mod:`schw.units.fp16_pe.contract`):

* ``fma`` = a*b + c with one rounding, ``mul`` = a*b (c ignored), ``add`` = a + c (b ignored).
  With ``acc="fp32"`` c and the result are binary32; a*b is exact and added to c with one rounding
  to binary32.
* ``min``/``max`` = IEEE 754-2019 minimumNumber/maximumNumber of a and b (binary16 result,
  zero-extended when acc="fp32"); ``lt``/``le``/``eq`` compare a with b and return 1 or 0.
* Tininess after rounding; underflow = tiny and inexact; every NaN result canonical.
* ``ftz=True``: subnormal inputs read as zero of the same sign (no flag); a nonzero exact
  arithmetic result that is tiny becomes zero with the exact result's sign and flags uf|nx.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .contract import CANONICAL_NAN16, NV, NX, OF, OPS, RM, UF, result_width
from .params import BINARY16, BINARY32, FloatFormat

_FMA, _MUL, _ADD = OPS["fma"], OPS["mul"], OPS["add"]
_MIN, _MAX, _LT, _LE, _EQ = OPS["min"], OPS["max"], OPS["lt"], OPS["le"], OPS["eq"]
_RNE, _RTZ, _RDN, _RUP, _RMM = RM["rne"], RM["rtz"], RM["rdn"], RM["rup"], RM["rmm"]

_ONE = np.int64(1)
_NO_TOP = -(1 << 20)  # "top exponent" of a zero operand: below everything
#: rows per pass of the arithmetic path: its ~40 int64 temporaries stay in the CPU caches
#: (2^15 rows: 6-7x the vectors/s of one pass over 10^6 rows, bench/bench_fp16_golden.py --blocks)
_BLOCK = 1 << 15


@dataclass
class _Dec:
    s: np.ndarray      # sign 0/1
    sig: np.ndarray    # integer significand (0 for zeros)
    exp: np.ndarray    # value = sig * 2**exp for finite numbers
    zero: np.ndarray
    inf: np.ndarray
    nan: np.ndarray
    snan: np.ndarray


def _decode(bits: np.ndarray, f: FloatFormat, ftz: bool) -> _Dec:
    s = (bits >> (f.width - 1)) & 1
    e = (bits >> f.mbits) & f.emask
    m = bits & ((1 << f.mbits) - 1)
    nan = (e == f.emask) & (m != 0)
    snan = nan & (((m >> (f.mbits - 1)) & 1) == 0)
    inf = (e == f.emask) & (m == 0)
    if ftz:
        m = np.where(e == 0, 0, m)
    zero = (e == 0) & (m == 0)
    sig = np.where(e == 0, m, m | (1 << f.mbits))
    sig = np.where(nan | inf, 0, sig)
    exp = np.where(e == 0, f.emin - f.mbits, e - f.bias - f.mbits)
    return _Dec(s, sig, exp, zero, inf, nan, snan)


def _flush(bits: np.ndarray, f: FloatFormat) -> np.ndarray:
    """Subnormal bit patterns replaced by the zero of the same sign (ftz input rule)."""
    sub = (((bits >> f.mbits) & f.emask) == 0)
    return np.where(sub, bits & (1 << (f.width - 1)), bits)


def _bitlen(m: np.ndarray) -> np.ndarray:
    """Bit length of non-negative int64 values below 2**53 (frexp's exponent is exact there)."""
    return np.frexp(m.astype(np.float64))[1].astype(np.int64)


def _round_at(m, e, q, s, rm):
    """Round sig*2**e to a multiple of 2**q in mode rm: (multiple count, remainder != 0)."""
    sh = q - e
    shc = np.clip(sh, 0, 62)
    up = np.clip(-sh, 0, 62)
    base = (m >> shc) << up
    rem = m & ((_ONE << shc) - 1)
    half = (_ONE << shc) >> 1
    nz = rem != 0
    gt = rem > half
    tie = (rem == half) & nz
    pos = s == 0
    inc = np.select(
        [rm == _RNE, rm == _RMM, rm == _RUP, rm == _RDN],
        [gt | (tie & ((base & 1) == 1)), gt | tie, nz & pos, nz & ~pos],
        False,
    )
    return base + inc, nz


def _round_pack(s, m, e, rm, f: FloatFormat, ftz: bool):
    """Round (-1)**s * m * 2**e (m > 0, m < 2**53) to format f: (bits, flags) as int64."""
    p = f.p
    top = e + _bitlen(m) - 1
    q = np.maximum(top - p + 1, f.emin - p + 1)
    kept, inexact = _round_at(m, e, q, s, rm)
    carry = kept == (_ONE << p)
    kept = np.where(carry, kept >> 1, kept)
    q = q + carry
    normal = kept >= (_ONE << (p - 1))
    bexp = np.where(normal, q + p - 1 + f.bias, 0)
    frac = kept & ((_ONE << f.mbits) - 1)
    of = bexp >= f.emask
    # tininess after rounding: round to p bits with unbounded exponent range, compare with 2**emin
    tiny = top < f.emin
    edge = np.flatnonzero(top == f.emin - 1)  # only there can unbounded rounding reach 2**emin
    if edge.size:
        ku, _ = _round_at(m[edge], e[edge], top[edge] - p + 1, s[edge], rm[edge])
        tiny[edge] = ku != (_ONE << p)
    sign = s << (f.width - 1)
    bits = sign | (np.minimum(bexp, f.emask) << f.mbits) | frac
    to_inf = (rm == _RNE) | (rm == _RMM) | ((rm == _RUP) & (s == 0)) | ((rm == _RDN) & (s == 1))
    bits = np.where(of, sign | np.where(to_inf, f.inf, f.max_finite), bits)
    inexact = inexact | of
    flags = np.where(inexact, NX, 0) | np.where(of, OF, 0) | np.where(tiny & inexact, UF, 0)
    if ftz:
        bits = np.where(tiny, sign, bits)
        flags = np.where(tiny, NX | UF, flags)
    return bits, flags


def _add_exact(sp, mp, ep, sc, mc, ec, p: int):
    """(-1)**sp*mp*2**ep + (-1)**sc*mc*2**ec as (sign, magnitude, exponent), magnitude < 2**53.

    Both magnitudes have at most 24 bits. When the smaller operand lies entirely below
    2**eg, with eg = min(LSB exponent of the larger, top exponent of the larger - p - 2), every
    rounding boundary (representable values and midpoints at precision p, also with unbounded
    exponent, 2**emin, the overflow threshold) near the sum is a multiple of 2**eg, as is the
    larger operand; so the sum stays in the same open interval between boundaries when the
    smaller operand is replaced by the same-signed 2**(eg-1). That bounds all shifts by p + 25.
    """
    both = (mp > 0) & (mc > 0)
    if not both.all():  # a zero operand: the sum is the other one exactly; align only the rest
        s, m, e = np.where(mp > 0, sp, sc), np.where(mp > 0, mp, mc), np.where(mp > 0, ep, ec)
        i = np.flatnonzero(both)
        if i.size:
            s[i], m[i], e[i] = _add_exact(sp[i], mp[i], ep[i], sc[i], mc[i], ec[i], p)
        return s, m, e
    tp = np.where(mp > 0, ep + _bitlen(mp) - 1, _NO_TOP)
    tc = np.where(mc > 0, ec + _bitlen(mc) - 1, _NO_TOP)
    pbig = tp >= tc
    bs, bm, be, bt = (np.where(pbig, x, y) for x, y in ((sp, sc), (mp, mc), (ep, ec), (tp, tc)))
    ss, sm, se, st = (np.where(pbig, y, x) for x, y in ((sp, sc), (mp, mc), (ep, ec), (tp, tc)))
    eg = np.minimum(be, bt - p - 2)
    repl = (sm > 0) & (st < eg)
    sm = np.where(repl, 1, sm)
    se = np.where(repl, eg - 1, se)
    e0 = np.where(sm > 0, np.minimum(be, se), be)
    vb = bm << np.clip(be - e0, 0, 62)
    vs = sm << np.clip(se - e0, 0, 62)
    v = np.where(bs == 1, -vb, vb) + np.where(ss == 1, -vs, vs)
    return (v < 0).astype(np.int64), np.abs(v), e0


def _arith(op, rm, a, b, c, acc: str, ftz: bool):
    fo = BINARY16 if acc == "fp16" else BINARY32
    A = _decode(a, BINARY16, ftz)
    B = _decode(b, BINARY16, ftz)
    C = _decode(c, fo, ftz)
    is_add = op == _ADD
    is_mul = op == _MUL
    # add = a*1.0 + c ; mul = a*b + (zero with the product's sign): both exact identities
    B = _Dec(np.where(is_add, 0, B.s), np.where(is_add, 1 << BINARY16.mbits, B.sig),
             np.where(is_add, -BINARY16.mbits, B.exp), B.zero & ~is_add, B.inf & ~is_add,
             B.nan & ~is_add, B.snan & ~is_add)
    sp = A.s ^ B.s
    C = _Dec(np.where(is_mul, sp, C.s), np.where(is_mul, 0, C.sig), C.exp, C.zero | is_mul,
             C.inf & ~is_mul, C.nan & ~is_mul, C.snan & ~is_mul)

    any_nan = A.nan | B.nan | C.nan
    inf_zero = (A.inf & B.zero) | (A.zero & B.inf)
    p_inf = (A.inf | B.inf) & ~inf_zero & ~A.nan & ~B.nan
    inf_clash = p_inf & C.inf & (sp != C.s)
    invalid = A.snan | B.snan | C.snan | inf_zero | inf_clash
    nan_res = any_nan | inf_zero | inf_clash
    inf_res = ~nan_res & (p_inf | C.inf)
    inf_sign = np.where(p_inf, sp, C.s)
    special = nan_res | inf_res

    mp = np.where(special, 0, A.sig * B.sig)
    ep = A.exp + B.exp
    mc = np.where(special, 0, C.sig)
    s, m, e = _add_exact(sp, mp, ep, C.s, mc, C.exp, fo.p)
    if m.size and int(m.max()) >= (1 << 53):  # guards the frexp bit length
        raise AssertionError("fp16 golden: intermediate exceeds 53 bits")
    zero = m == 0
    bits, flags = _round_pack(s, np.where(zero, 1, m), e, rm, fo, ftz)
    zsign = np.where(sp == C.s, sp, (rm == _RDN).astype(np.int64))
    top = fo.width - 1
    res = np.select([nan_res, inf_res, zero], [fo.nan, (inf_sign << top) | fo.inf, zsign << top], bits)
    flg = np.select([nan_res, inf_res, zero], [np.where(invalid, NV, 0), 0, 0], flags)
    return res, flg


def _compare(op, a, b, ftz: bool):
    A = _decode(a, BINARY16, ftz)
    B = _decode(b, BINARY16, ftz)
    if ftz:
        a, b = _flush(a, BINARY16), _flush(b, BINARY16)
    mag_a, mag_b = a & 0x7FFF, b & 0x7FFF
    key_a = np.where(A.s == 1, -mag_a, mag_a)            # -0 == +0
    key_b = np.where(B.s == 1, -mag_b, mag_b)
    tot_a = np.where(A.s == 1, -mag_a - 1, mag_a)        # -0 < +0
    tot_b = np.where(B.s == 1, -mag_b - 1, mag_b)
    nan_any = A.nan | B.nan
    snan_any = A.snan | B.snan
    lo = np.where(tot_a <= tot_b, a, b)
    hi = np.where(tot_a >= tot_b, a, b)
    both = A.nan & B.nan
    mn = np.select([both, A.nan, B.nan], [CANONICAL_NAN16, b, a], lo)
    mx = np.select([both, A.nan, B.nan], [CANONICAL_NAN16, b, a], hi)
    res = np.select(
        [op == _MIN, op == _MAX, op == _LT, op == _LE],
        [mn, mx, ~nan_any & (key_a < key_b), ~nan_any & (key_a <= key_b)],
        ~nan_any & (key_a == key_b),
    ).astype(np.int64)
    signalling = (op == _LT) | (op == _LE)
    flg = np.where(snan_any | (signalling & nan_any), NV, 0)
    return res, flg


def evaluate(op, rm, a, b, c, acc: str = "fp16", ftz: bool = False):
    """The PE's result and flags for each vector.

    Parameters: ``op``, ``rm`` (codes from :data:`OPS`, :data:`RM`), ``a``, ``b`` (binary16 bit
    patterns), ``c`` (binary16, or binary32 when ``acc="fp32"``): integer arrays of one length
    (scalars broadcast; any shape: the outputs take the broadcast shape, at least 1-D). ``rm``
    must be 0..4 for fma/mul/add and is ignored by the other ops.
    Returns ``(result, flags)``: uint32 result bit patterns (comparisons: 1 or 0; min/max and
    acc="fp16": binary16 in the low 16 bits) and uint8 flag bits (bit i = FLAGS[i]).
    """
    w = result_width(acc)
    op, rm, a, b, c = (np.asarray(x).astype(np.int64) for x in np.broadcast_arrays(op, rm, a, b, c))
    shape = np.atleast_1d(op).shape
    op, rm, a, b, c = (np.ravel(x) for x in (op, rm, a, b, c))
    if op.size and (op.min() < 0 or op.max() > 7):
        raise ValueError("op codes must be 0..7 (see schw.units.fp16_pe.contract.OPS)")
    for name, x, lim in (("a", a, 16), ("b", b, 16), ("c", c, w)):
        if x.size and (x.min() < 0 or x.max() >= (1 << lim)):
            raise ValueError(f"{name} must hold {lim}-bit patterns")
    ar = op <= _ADD
    if np.any(ar & ((rm < 0) | (rm > 4))):
        raise ValueError("rm codes must be 0..4 for fma/mul/add (see schw.units.fp16_pe.contract.RM)")
    result = np.zeros(op.shape, dtype=np.uint32)
    flags = np.zeros(op.shape, dtype=np.uint8)
    ia = np.flatnonzero(ar)
    for lo in range(0, ia.size, _BLOCK):  # cache-sized blocks (bench/bench_fp16_golden.py --blocks)
        i = ia[lo:lo + _BLOCK]
        r, f = _arith(op[i], rm[i], a[i], b[i], c[i], acc, ftz)
        result[i], flags[i] = r, f
    ic = np.flatnonzero(~ar)
    if ic.size:
        r, f = _compare(op[ic], a[ic], b[ic], ftz)
        result[ic], flags[ic] = r, f
    return result.reshape(shape), flags.reshape(shape)


def evaluate_one(op, rm, a, b, c, acc: str = "fp16", ftz: bool = False) -> tuple[int, int]:
    """Scalar convenience: ``op``/``rm`` may be names ("fma", "rne") or codes."""
    op = OPS[op] if isinstance(op, str) else op
    rm = RM[rm] if isinstance(rm, str) else rm
    r, f = evaluate([op], [rm], [a], [b], [c], acc=acc, ftz=ftz)
    return int(r[0]), int(f[0])


_SF16 = None


def softfloat_evaluate(op, rm, a, b, c, acc: str = "fp16", ftz: bool = False):
    """Reference: the same contract computed by Berkeley SoftFloat (``softfloatpy``), one call
    per vector (slow: ~1 us/vector). fma/mul/add/lt/le/eq come from SoftFloat with tininess after
    rounding; min/max use a small scalar reading of IEEE 754-2019 minimumNumber/maximumNumber
    (SoftFloat has none); ftz is applied around SoftFloat (inputs flushed first, then a tiny
    result - SoftFloat's underflow flag or a subnormal result - becomes a signed zero with uf|nx).
    NaN results are reported canonical (SoftFloat here already returns the default NaN).
    Same signature and return types as :func:`evaluate`.
    """
    import softfloatpy as sf

    w = result_width(acc)
    op, rm, a, b, c = (np.ravel(np.asarray(x).astype(np.int64)) for x in np.broadcast_arrays(op, rm, a, b, c))
    n = op.size
    res = np.zeros(n, dtype=np.uint32)
    flg = np.zeros(n, dtype=np.uint8)
    global _SF16
    if _SF16 is None:  # every binary16 value as a SoftFloat object, built once
        _SF16 = [sf.Float16.from_bytes(x.to_bytes(2, "big")) for x in range(1 << 16)]
    f16 = _SF16.__getitem__
    f32 = lambda x: sf.Float32.from_bytes(int(x).to_bytes(4, "big"))  # noqa: E731
    bits = lambda v: int.from_bytes(v.to_bytes(), "big")  # noqa: E731
    sf.set_tininess_mode(sf.TininessMode.AFTER_ROUNDING)
    modes = {code: sf.RoundingMode(code) for code in range(5)}
    wide = acc == "fp32"
    fo = BINARY32 if wide else BINARY16
    sub16 = lambda x: ((x >> 10) & 0x1F) == 0 and (x & 0x3FF) != 0  # noqa: E731
    for i, (o, r, x, y, z) in enumerate(zip(op.tolist(), rm.tolist(), a.tolist(), b.tolist(), c.tolist())):
        if ftz:
            x = x & 0x8000 if sub16(x) else x
            y = y & 0x8000 if sub16(y) else y
            z = int(_flush(np.int64(z), fo))
        sf.set_rounding_mode(modes.get(r, modes[0]))
        sf.set_exception_flags(0)
        if o in (_FMA, _MUL, _ADD):
            if wide:
                # binary16 -> binary32 is exact (an sNaN raises nv, as the operation would);
                # convert only the operands the op reads (add ignores b)
                X = sf.f16_to_f32(f16(x))
                if o == _ADD:
                    out = sf.f32_add(X, f32(z))
                else:
                    Y = sf.f16_to_f32(f16(y))
                    out = sf.f32_mul_add(X, Y, f32(z)) if o == _FMA else sf.f32_mul(X, Y)
            else:
                X, Y, Z = f16(x), f16(y), f16(z)
                out = (sf.f16_mul_add(X, Y, Z) if o == _FMA else sf.f16_mul(X, Y) if o == _MUL
                       else sf.f16_add(X, Z))
            v, fl = bits(out), sf.get_exception_flags() & 0x1F
            exp_field = (v >> fo.mbits) & fo.emask
            frac = v & ((1 << fo.mbits) - 1)
            if exp_field == fo.emask and frac:
                v = fo.nan
            if ftz and ((fl & UF) or (exp_field == 0 and frac)):
                v, fl = v & (1 << (w - 1)), NX | UF
            res[i], flg[i] = v, fl & ~0x08  # dz never arises; mask SoftFloat's "infinite" bit anyway
        elif o in (_LT, _LE, _EQ):
            fn = {_LT: sf.f16_lt, _LE: sf.f16_le, _EQ: sf.f16_eq}[o]
            res[i] = int(bool(fn(f16(x), f16(y))))
            flg[i] = sf.get_exception_flags() & 0x1F
        else:
            res[i], flg[i] = _min_max_ref(o == _MIN, x, y)
    return res, flg


def _min_max_ref(is_min: bool, x: int, y: int) -> tuple[int, int]:
    """IEEE 754-2019 9.6 minimumNumber/maximumNumber, read literally, on binary16 patterns."""
    def cls(v):
        e, m = (v >> 10) & 0x1F, v & 0x3FF
        if e == 0x1F and m:
            return "snan" if not (m & 0x200) else "qnan"
        return "num"

    def value(v):  # exact value; -0 ordered below +0 by a second key
        e, m, s = (v >> 10) & 0x1F, v & 0x3FF, v >> 15
        if e == 0x1F:
            mag = Fraction(10**9)  # infinity: above every finite binary16
        else:
            mag = Fraction(m if e == 0 else m + 1024) * Fraction(2) ** ((1 if e == 0 else e) - 25)
        return (-mag if s else mag, -1 if s else 1)

    cx, cy = cls(x), cls(y)
    flags = NV if "snan" in (cx, cy) else 0
    if cx != "num" and cy != "num":
        return CANONICAL_NAN16, flags
    if cx != "num":
        return y, flags
    if cy != "num":
        return x, flags
    if value(x) == value(y):
        return x, flags
    pick_x = (value(x) < value(y)) == is_min
    return (x if pick_x else y), flags
