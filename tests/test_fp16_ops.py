"""fp16-pe optional ops (--ops): recip, rsqrt, exp2, log2, expmod, ternary, xnor, bool.

* The approximate functions' golden model (the bit-exact model of the hardware method,
  schw.units.fp16_pe.approx) against the correctly rounded value from mpmath: every binary16
  input in every rounding mode; the error bound of docs/fp16_pe.md asserted, exactly rounded
  results counted; the special values against IEEE 754's rules, written out here.
* expmod against Berkeley SoftFloat (a * 2^k as one f16_mul by an exact power of two) and exact
  rationals; ternary against exact rationals (one step and a 16-long dot product); xnor and bool
  against Python integers.
* RTL == golden bit for bit: the one-operand ops and expmod exhaustively (all 65,536 a x 5 modes)
  on Verilator, a sample on Icarus; other S/acc/op subsets on samples.
* --ops: bad input exits 2 naming --ops, the default PE keeps its 3-bit op port.
"""

import json
import subprocess
import sys
from fractions import Fraction

import numpy as np
import pytest

from conftest import need, need_module
from schw.errors import ParamError
from schw.output import generate
from schw.registry import get
from schw.units.fp16_pe import golden, golden_ext, harness
from schw.units.fp16_pe.approx import (BINARY16, BINARY32, FUNCTIONS, approx_eval, default_config, expmod,
                                       reference, round_exact, value_of)
from schw.units.fp16_pe.contract import contract_dict
from schw.units.fp16_pe.vectors import ext_vectors
from schw.verify import regression

UNIT = get("fp16-pe")
P = UNIT.Params
ALL = "fma,mul,add,minmax,cmp,recip,rsqrt,exp2,log2,expmod,ternary,xnor,bool,ternary_i8"
NX, UF, OF, DZ, NV = 1, 2, 4, 8, 16
#: the stated bounds (docs/fp16_pe.md): |result - f(x)| / ulp(f(x)), ulp at f(x)'s binade
BOUND = {0: 0.75, 4: 0.75, 1: 1.25, 2: 1.25, 3: 1.25}
EVERY = np.arange(1 << 16, dtype=np.int64)


# ---- the correctly rounded reference, vectorised once per function ------------------------------
def _split(y: Fraction):
    """|y| = (kept + r) * 2^qe at binary16 precision (qe >= the subnormal quantum):
    (sign, kept, qe, class of r: 0 exact, 1 below 1/2, 2 half, 3 above 1/2)."""
    s = int(y < 0)
    a = abs(y)
    lead = a.numerator.bit_length() - a.denominator.bit_length()
    if Fraction(2) ** lead > a:
        lead -= 1
    qe = max(lead, BINARY16.emin) - BINARY16.mbits
    t = a / Fraction(2) ** qe
    kept, rem = divmod(t.numerator, t.denominator)
    r = Fraction(rem, t.denominator)
    cls = 0 if r == 0 else 1 if r < Fraction(1, 2) else 2 if r == Fraction(1, 2) else 3
    return s, kept, qe, cls, lead


def _round_vec(s, kept, qe, cls, rm):
    """binary16 bits of the split values rounded in mode rm (numpy; overflow per mode)."""
    lsb = kept & 1
    up = {0: (cls == 3) | ((cls == 2) & (lsb == 1)), 4: cls >= 2, 3: (cls > 0) & (s == 0),
          2: (cls > 0) & (s == 1), 1: np.zeros(s.shape, bool)}[rm]
    k = kept + up
    carry = k == 1 << 11
    k = np.where(carry, k >> 1, k)
    q = qe + carry
    bexp = np.where(k >= 1 << 10, q + 10 + 15, 0)
    bits = (s << 15) | (bexp << 10) | (k & 0x3FF)
    to_inf = rm in (0, 4) or (rm == 3) & (s == 0) | (rm == 2) & (s == 1)
    of = bexp >= 31
    return np.where(of, (s << 15) | np.where(to_inf, 0x7C00, 0x7BFF), bits)


_REF = {}


def _reference(fn):
    """For every binary16 input: the exact value's split, its float64 value, ulp, and a mask of
    the inputs with a finite nonzero value in the domain."""
    if fn not in _REF:
        rows = []
        for x in range(1 << 16):
            y = reference(fn, BINARY16, x)
            rows.append(None if y is None or y == 0 else (y, _split(y)))
        ok = np.array([r is not None for r in rows])
        pick = lambda j: np.array([r[1][j] if r else 0 for r in rows], dtype=np.int64)  # noqa: E731
        s, kept, qe, cls, lead = (pick(j) for j in range(5))
        yf = np.array([float(r[0]) if r else 0.0 for r in rows])
        ulp = np.ldexp(1.0, np.maximum(lead, BINARY16.emin) - BINARY16.mbits)
        _REF[fn] = dict(ok=ok, s=s, kept=kept, qe=qe, cls=cls, yf=yf, ulp=ulp, exact=cls == 0, rows=rows)
    return _REF[fn]


def _f16_value(bits):
    return np.asarray(bits, dtype=np.uint16).view(np.float16).astype(np.float64)


def test_vectorised_rounding_agrees_with_exact_rationals():
    """The test's vectorised rounding (used below for speed) == round_exact on a sample."""
    ref = _reference("recip")
    rng = np.random.default_rng(5)
    xs = rng.choice(np.flatnonzero(ref["ok"]), 400, replace=False)
    for rm in range(5):
        vec = _round_vec(ref["s"][xs], ref["kept"][xs], ref["qe"][xs], ref["cls"][xs], rm)
        assert [int(v) for v in vec] == [round_exact(BINARY16, ref["rows"][x][0], rm) for x in xs]


#: measured function -> (datapath, scale): e^x and ln x are exp2 and log2 with base-e scaling
MEASURED = {"recip": ("recip", 0), "rsqrt": ("rsqrt", 0), "exp2": ("exp2", 0), "log2": ("log2", 0),
            "exp": ("exp2", 1), "ln": ("log2", 1)}


@pytest.mark.parametrize("fn", MEASURED)
def test_approx_error_exhaustive(fn):
    """Every binary16 input x every mode: max error <= the stated bound, overflow exactly as the
    correctly rounded result, exact results exact and unflagged, the rest flagged inexact."""
    ref = _reference(fn)
    ok = ref["ok"]
    path, scale = MEASURED[fn]
    cfg = default_config(path, BINARY16)
    report = {}
    for rm in range(5):
        bits, flags = approx_eval(cfg, EVERY, rm, scale)
        cr = _round_vec(ref["s"], ref["kept"], ref["qe"], ref["cls"], rm)
        big = ok & (np.abs(ref["yf"]) > 65504)  # outside the finite range: overflow per mode
        assert (bits[big] == cr[big]).all()
        assert ((flags[big] & (OF | NX)) == (OF | NX)).all()
        fin = ok & ~big
        g = _f16_value(bits[fin])
        assert np.isfinite(g).all(), f"{fn}: non-finite result for a finite in-range value"
        err = np.abs(g - ref["yf"][fin]) / ref["ulp"][fin]
        worst = float(err.max())
        assert worst <= BOUND[rm], f"{fn} rm={rm}: {worst:.4f} ulp at {int(EVERY[fin][err.argmax()]):#06x}"
        ex = fin & ref["exact"]
        assert (bits[ex] == cr[ex]).all() and (flags[ex] == 0).all(), f"{fn}: an exact result is not exact"
        assert (flags[fin & ~ref["exact"]] & NX).all(), f"{fn}: an inexact result without nx"
        report[rm] = (round(worst, 4), int((bits[ok] == cr[ok]).sum()), int(ok.sum()))
    print(fn, report)


def _flush_tiny(bits, flags):
    """The PE's ftz output rule applied to a non-ftz result: tiny after rounding (uf raised, or a
    subnormal result; an exact tiny result is subnormal) -> the zero of its sign with uf|nx."""
    bits, flags = np.asarray(bits, dtype=np.int64), np.asarray(flags, dtype=np.int64)
    sub = ((bits & 0x7C00) == 0) & ((bits & 0x3FF) != 0)
    tiny = ((flags & UF) != 0) | sub
    return np.where(tiny, bits & 0x8000, bits), np.where(tiny, UF | NX, flags)


def _flush_in(x):
    x = np.asarray(x, dtype=np.int64)
    return np.where((x & 0x7C00) == 0, x & 0x8000, x)


@pytest.mark.parametrize("fn", MEASURED)
def test_approx_ftz_exhaustive(fn):
    """--ftz, every binary16 input x every mode: the result is the non-ftz model on the flushed
    input (subnormals read as signed zero: the specials above), its tiny results flushed as the
    PE's fma flushes them; and against mpmath directly: every flushed result's exact value is
    below 2^-14 (+ the error bound), every other finite result within the stated bound, no
    subnormal result."""
    ref = _reference(fn)
    path, scale = MEASURED[fn]
    cfg = default_config(path, BINARY16)
    flushed = 0
    for rm in range(5):
        bits, flags = approx_eval(cfg, EVERY, rm, scale, ftz=True)
        eb, ef = _flush_tiny(*approx_eval(cfg, _flush_in(EVERY), rm, scale))
        assert (bits == eb).all() and (flags == ef).all(), (fn, rm)
        assert not (((bits & 0x7C00) == 0) & ((bits & 0x3FF) != 0)).any()
        normal_in = ref["ok"] & ((EVERY & 0x7C00) != 0)
        z = normal_in & ((bits & 0x7FFF) == 0)
        assert (flags[z] == (UF | NX)).all()
        assert (np.abs(ref["yf"][z]) < 2.0 ** -14 + 1.25 * 2.0 ** -24).all(), fn
        fin = normal_in & ~z & (np.abs(ref["yf"]) <= 65504)
        g = _f16_value(bits[fin])
        err = np.abs(g - ref["yf"][fin]) / ref["ulp"][fin]
        assert float(err.max()) <= BOUND[rm], fn
        flushed += int(z.sum())
    print(fn, "ftz: results flushed to zero over 5 modes:", flushed)
    if fn in ("recip", "exp2", "exp"):
        assert flushed > 0


def test_approx_ftz_examples():
    """Written out: subnormal inputs read as zero, tiny results flush (also exact ones)."""
    cases = {"recip": [(0x0001, 0x7C00, DZ), (0x83FF, 0xFC00, DZ), (0x7BFF, 0x0000, UF | NX),
                       (0xF800, 0x8000, UF | NX), (0x7400, 0x0400, 0)],  # -1/32768: exact, tiny; 1/16384 normal
             "rsqrt": [(0x0001, 0x7C00, DZ), (0x8001, 0xFC00, DZ)],
             "exp2": [(0x0001, 0x3C00, 0), (0x8200, 0x3C00, 0), (0xCD00, 0x0000, UF | NX),  # 2^-20 exact: flushed
                      (0xCB00, 0x0400, 0)],                                                  # 2^-14 exact: kept
             "log2": [(0x0001, 0xFC00, DZ), (0x8001, 0xFC00, DZ)]}
    for fn, rows in cases.items():
        for rm in range(5):
            b, f = approx_eval(default_config(fn), [x for x, _, _ in rows], rm, ftz=True)
            assert [(int(x), int(y)) for x, y in zip(b, f)] == [(r, fl) for _, r, fl in rows], (fn, rm)


def test_expmod_ftz_vs_softfloat():
    """--ftz expmod: SoftFloat's f16_mul(flush(a), 2^k), tiny results flushed, every a, every mode."""
    sf = need_module("softfloatpy")
    f16 = [sf.Float16.from_bytes(x.to_bytes(2, "big")) for x in range(1 << 16)]
    sf.set_tininess_mode(sf.TininessMode.AFTER_ROUNDING)
    fa = _flush_in(EVERY).tolist()
    for k in (-13, 2):
        pk = f16[(k + 15) << 10]
        for rm in range(5):
            sf.set_rounding_mode(sf.RoundingMode(rm))
            exp_b, exp_f = [], []
            for x in fa:
                sf.set_exception_flags(0)
                v = int.from_bytes(sf.f16_mul(f16[x], pk).to_bytes(), "big")
                exp_b.append(0x7E00 if (v & 0x7C00) == 0x7C00 and v & 0x3FF else v)
                exp_f.append(sf.get_exception_flags() & 0x17)
            eb, ef = _flush_tiny(exp_b, exp_f)
            b, f = expmod(BINARY16, EVERY, k, rm, ftz=True)
            assert (b == eb).all() and (f == ef).all(), (k, rm)
            assert k != -13 or (f == (UF | NX)).sum() > 1000


def _specials_expected(fn):
    inf, ninf, nan, one = 0x7C00, 0xFC00, 0x7E00, 0x3C00
    table = {
        "recip": [(0x0000, inf, DZ), (0x8000, ninf, DZ), (inf, 0x0000, 0), (ninf, 0x8000, 0)],
        "rsqrt": [(0x0000, inf, DZ), (0x8000, ninf, DZ), (inf, 0x0000, 0), (ninf, nan, NV), (0xBC00, nan, NV),
                  (0x8001, nan, NV), (0x3C00, one, 0), (0x4400, 0x3800, 0)],
        "exp2": [(0x0000, one, 0), (0x8000, one, 0), (inf, inf, 0), (ninf, 0x0000, 0), (0x3C00, 0x4000, 0),
                 (0xBC00, 0x3800, 0), (0x4B80, 0x7800, 0), (0xCA00, 0x0C00, 0), (0xCE00, 0x0001, 0)],
        "log2": [(0x0000, ninf, DZ), (0x8000, ninf, DZ), (inf, inf, 0), (ninf, nan, NV), (0xBC00, nan, NV),
                 (0x3C00, 0x0000, 0), (0x4000, one, 0), (0x0001, 0xCE00, 0)],
    }[fn]
    # NaNs: quiet -> canonical NaN, no flag; signalling -> canonical NaN, nv
    return table + [(0x7E00, nan, 0), (0xFE01, nan, 0), (0x7C01, nan, NV), (0xFD00, nan, NV)]


@pytest.mark.parametrize("fn", FUNCTIONS)
def test_approx_specials(fn):
    rows = _specials_expected(fn)
    for rm in range(5):
        bits, flags = approx_eval(default_config(fn), [x for x, _, _ in rows], rm)
        got = [(int(b), int(f)) for b, f in zip(bits, flags)]
        assert got == [(r, f) for _, r, f in rows], fn
    # exp2 of -25.0: 2^-25 is half the smallest subnormal: rne -> +0, rup -> smallest subnormal
    b, f = approx_eval(default_config("exp2"), [0xCE40, 0xCE40], [0, 3])
    assert [int(v) for v in b] == [0x0000, 0x0001] and [int(v) for v in f] == [UF | NX] * 2
    # exp2(16) = 65536: overflow, to infinity in rne and to the largest finite in rtz
    b, f = approx_eval(default_config("exp2"), [0x4C00, 0x4C00], [0, 1])
    assert [int(v) for v in b] == [0x7C00, 0x7BFF] and [int(v) for v in f] == [OF | NX] * 2


def test_approx_binary32_sample():
    """The same methods in binary32 (what fp32-sfu reuses): RNE error on a sample under 0.75 ulp."""
    rng = np.random.default_rng(11)
    xs = rng.integers(0, 1 << 32, 300, dtype=np.int64)
    for fn in FUNCTIONS:
        bits, _ = approx_eval(default_config(fn, BINARY32), xs, 0)
        for x, b in zip(xs, bits):
            y = reference(fn, BINARY32, int(x))
            if y is None or y == 0 or abs(y) > value_of(BINARY32, 0x7F7FFFFF):
                continue
            a = abs(y)
            lead = a.numerator.bit_length() - a.denominator.bit_length() - (Fraction(2) ** (
                a.numerator.bit_length() - a.denominator.bit_length()) > a)
            ulp = Fraction(2) ** (max(lead, BINARY32.emin) - BINARY32.mbits)
            assert abs(value_of(BINARY32, int(b)) - y) / ulp <= Fraction(3, 4), (fn, hex(x))


# ---- expmod, ternary, xnor, bool: outside references ----------------------------------------
def test_expmod_vs_softfloat():
    """a * 2^k == SoftFloat's f16_mul(a, 2^k) (2^k exact in binary16) for every a, every mode."""
    sf = need_module("softfloatpy")
    f16 = [sf.Float16.from_bytes(x.to_bytes(2, "big")) for x in range(1 << 16)]
    sf.set_tininess_mode(sf.TininessMode.AFTER_ROUNDING)
    for k in (-24, -13, 1, 15):
        pk = f16[(k + 15) << 10 if k >= -14 else 1 << (k + 24)]
        for rm in range(5):
            sf.set_rounding_mode(sf.RoundingMode(rm))
            exp_b, exp_f = [], []
            for x in range(1 << 16):
                sf.set_exception_flags(0)
                v = int.from_bytes(sf.f16_mul(f16[x], pk).to_bytes(), "big")
                if (v & 0x7C00) == 0x7C00 and v & 0x3FF:
                    v = 0x7E00
                exp_b.append(v)
                exp_f.append(sf.get_exception_flags() & 0x17)
            b, f = expmod(BINARY16, EVERY, k, rm)
            assert (b == np.array(exp_b)).all() and (f == np.array(exp_f)).all(), (k, rm)


def test_expmod_vs_fractions():
    """Any k (the clamp included): the exact a * 2^k rounded, with of/uf/nx from exactness."""
    rng = np.random.default_rng(3)
    n = 6000
    xs = rng.integers(0, 1 << 16, n)
    ks = np.where(rng.random(n) < .8, rng.integers(-50, 51, n), rng.integers(-40000, 40000, n))
    rms = rng.integers(0, 5, n)
    b, f = expmod(BINARY16, xs, ks, rms)
    for x, k, rm, bb, ff in zip(xs.tolist(), ks.tolist(), rms.tolist(), b.tolist(), f.tolist()):
        v = value_of(BINARY16, x)
        if v is None or v == 0:
            continue
        y = v * Fraction(2) ** k
        r = round_exact(BINARY16, y, rm)
        assert bb == r, (hex(x), k, rm)
        rv = value_of(BINARY16, r)
        inexact = rv != y
        of = abs(y) > 65504 and inexact  # beyond the largest finite: of (result inf or max per mode)
        # tininess after rounding: y rounded to 11 bits with an unbounded exponent, below 2^-14
        a = abs(y)
        lead = a.numerator.bit_length() - a.denominator.bit_length()
        lead -= Fraction(2) ** lead > a
        yu = value_of(BINARY16, round_exact(BINARY16, y / Fraction(2) ** lead, rm))  # in [1, 2]
        tiny = abs(yu) * Fraction(2) ** lead < Fraction(2) ** -14
        exp_f = (NX if inexact else 0) | (OF if of else 0) | (UF if tiny and inexact else 0)
        assert ff == exp_f, (hex(x), k, rm)


def test_ternary_vs_fractions():
    """ternary = c + w*a with one rounding (w from b[1:0]); finite cases against exact rationals
    (result and nx/of), and a 16-long dot product accumulated step by step."""
    rng = np.random.default_rng(4)
    n = 4000
    a = rng.integers(0, 1 << 16, n)
    b = rng.integers(0, 1 << 16, n)
    c = rng.integers(0, 1 << 16, n)
    rm = rng.integers(0, 5, n)
    r, f = golden_ext.evaluate(13, rm, a, b, c, ops=("fma", "mul", "add", "ternary"))
    wv = {0: 0, 1: 1, 2: 0, 3: -1}
    checked = 0
    for x, bb, z, m, rr, ff in zip(a.tolist(), b.tolist(), c.tolist(), rm.tolist(), r.tolist(), f.tolist()):
        va, vc = value_of(BINARY16, x), value_of(BINARY16, z)
        if va is None or vc is None:
            continue
        y = vc + wv[bb & 3] * va
        if y == 0:
            continue
        exp = round_exact(BINARY16, y, m)
        assert rr == exp, (hex(x), hex(bb), hex(z), m)
        assert bool(ff & NX) == (value_of(BINARY16, exp) != y)
        checked += 1
    assert checked > 3000
    # a dot product of n = 16 ternary weights with binary16 activations, in order, rounding each step
    for trial in range(20):
        xs = rng.integers(0, 0x7800, 16) | (rng.integers(0, 2, 16) << 15)
        ws = rng.integers(0, 4, 16)
        m = int(rng.integers(0, 5))
        acc_bits, acc = 0, Fraction(0)
        for x, w in zip(xs.tolist(), ws.tolist()):
            acc_bits = int(golden_ext.evaluate(13, m, x, w, acc_bits, ops=("fma", "mul", "add", "ternary"))[0][0])
            y = acc + wv[w] * value_of(BINARY16, x)
            acc = value_of(BINARY16, round_exact(BINARY16, y, m)) if y != 0 else acc * 0
            if y == 0:  # an exact zero sum: +0 (rdn: -0) - compare values only
                assert value_of(BINARY16, acc_bits) == 0
            else:
                assert acc_bits == round_exact(BINARY16, y, m)


def test_ternary_is_fma_with_the_weight():
    rng = np.random.default_rng(8)
    a, b, c = (rng.integers(0, 1 << 16, 3000) for _ in range(3))
    rm = rng.integers(0, 5, 3000)
    w = np.array([0, 0x3C00, 0, 0xBC00])[b & 3]
    assert all(np.array_equal(x, y) for x, y in zip(golden_ext.evaluate(13, rm, a, b, c, ops=ALL.split(",")),
                                                   golden.evaluate(0, rm, a, w, c)))


def _int_rows(rng, n, acc):
    """n random rows for the integer ops: 16-bit a and b, c over the whole result width w."""
    w = 16 if acc == "fp16" else 32
    a, b = rng.integers(0, 1 << 16, n), rng.integers(0, 1 << 16, n)
    return w, a, b, rng.integers(0, 1 << w, n, dtype=np.int64)


@pytest.mark.parametrize("acc", ["fp16", "fp32"])
def test_xnor_bool_vs_integers(acc):
    rng = np.random.default_rng(9)
    n = 3000
    w, a, b, c = _int_rows(rng, n, acc)
    rm = rng.integers(0, 8, n)
    r, f = golden_ext.evaluate(14, rm, a, b, c, acc=acc, ops=ALL.split(","))
    assert r.tolist() == [(z + bin(~(x ^ y) & 0xFFFF).count("1")) % (1 << w) for x, y, z in zip(a, b, c)]
    assert not f.any()
    r, f = golden_ext.evaluate(15, rm, a, b, c, acc=acc, ops=ALL.split(","))
    fns = [lambda x, y: x & y, lambda x, y: x | y, lambda x, y: x ^ y, lambda x, y: 0xFFFF - x]
    assert r.tolist() == [fns[m & 3](int(x), int(y)) for x, y, m in zip(a, b, rm)]
    assert not f.any()


@pytest.mark.parametrize("acc", ["fp16", "fp32"])
def test_ternary_i8_vs_integers(acc):
    """ternary with rm 5..7 (ternary_i8): c + w0*a0 + w1*a1 mod 2^width with int8 lanes, against
    Python integers per row and a 64-long dot product against NumPy's integer dot; rm 0..4 on the
    same code stays the binary16 ternary."""
    rng = np.random.default_rng(12)
    n = 5000
    w, a, b, c = _int_rows(rng, n, acc)
    rm = rng.integers(5, 8, n)
    r, f = golden_ext.evaluate(13, rm, a, b, c, acc=acc, ops=ALL.split(","))

    def s8(v):
        return v - 256 if v >= 128 else v

    weight = {0: 0, 1: 1, 2: 0, 3: -1}
    exp = [(int(z) + weight[int(y) & 3] * s8(int(x) & 0xFF) + weight[(int(y) >> 2) & 3] * s8(int(x) >> 8))
           % (1 << w) for x, y, z in zip(a, b, c)]
    assert r.tolist() == exp and not f.any()
    # a dot product of 64 int8 activations with ternary weights, two per op, accumulated through c
    for trial in range(10):
        x = rng.integers(-128, 128, 64)
        wt = rng.choice([-1, 0, 1], 64)
        code = np.select([wt == 1, wt == -1], [1, 3], 0)
        acc_v = int(rng.integers(-1000, 1000)) % (1 << w)
        start = acc_v
        for k in range(0, 64, 2):
            av = (int(x[k]) & 0xFF) | ((int(x[k + 1]) & 0xFF) << 8)
            bv = int(code[k]) | (int(code[k + 1]) << 2) | (int(rng.integers(0, 1 << 12)) << 4)
            acc_v = int(golden_ext.evaluate(13, 5 + trial % 3, av, bv, acc_v, acc=acc, ops=ALL.split(","))[0][0])
        assert acc_v == (start + int(np.dot(x.astype(np.int64), wt.astype(np.int64)))) % (1 << w)
    # the binary16 mode is unchanged by ternary_i8
    rm = rng.integers(0, 5, n)
    assert all(np.array_equal(u, v) for u, v in zip(
        golden_ext.evaluate(13, rm, a, b, c & 0xFFFF, ops=ALL.split(",")),
        golden_ext.evaluate(13, rm, a, b, c & 0xFFFF, ops=ALL.split(",")[:-1])))


def test_left_out_codes_give_zero_nv():
    r, f = golden_ext.evaluate(np.arange(16), 0, 0x3C00, 0x3C00, 0x3C00, ops=("fma", "mul", "add"))
    assert r[3:].tolist() == [0] * 13 and f[3:].tolist() == [NV] * 13
    assert r[:3].tolist() == [0x4000, 0x3C00, 0x4000]  # fma 1*1+1, mul 1*1, add 1+1


# ---- RTL == golden ----------------------------------------------------------------------------
def _check(sim, p, inputs):
    rep = harness.check(UNIT, p, sim, inputs)
    print(harness.report_text(rep))
    assert rep.vectors == len(inputs["op"]) > 0
    assert rep.passed, harness.report_text(rep)
    return rep


def test_rtl_exhaustive_verilator():
    """All ops; recip, rsqrt, exp2, log2 and expmod on every a in all five modes (327,680 each;
    exp2 and log2 also with b[0] = 1, e^a and ln a: 655,360 each)."""
    need("verilator")
    p = P(stages=2, ops=ALL)
    rep = _check("verilator", p, ext_vectors(p.op_set, 1))
    for op in ("recip", "rsqrt", "exp2", "log2", "expmod"):
        per_mode = 2 * 65536 if op in ("exp2", "log2") else 65536  # exp2/log2: base 2 and base e
        assert rep.details["cases"][op] == {m: per_mode for m in ("rne", "rtz", "rdn", "rup", "rmm")}
    # ternary_i8: every a with every b[3:0] (rm 5..7) besides the binary16 ternary rows
    assert sum(v for k, v in rep.details["cases"]["ternary"].items() if k in ("rm5", "rm6", "rm7")) == 1 << 20


def test_rtl_exhaustive_verilator_ftz():
    """--ftz with all ops: the rounding optional ops on every a in all five modes, as above."""
    need("verilator")
    p = P(stages=3, ftz=True, ops=ALL)
    rep = _check("verilator", p, ext_vectors(p.op_set, 3))
    for op in ("recip", "rsqrt", "exp2", "log2", "expmod"):
        per_mode = 2 * 65536 if op in ("exp2", "log2") else 65536
        assert rep.details["cases"][op] == {m: per_mode for m in ("rne", "rtz", "rdn", "rup", "rmm")}


@pytest.mark.parametrize("ftz", [False, True])
def test_rtl_sample_icarus(ftz):
    need("icarus")
    p = P(stages=1, ops=ALL, ftz=ftz)
    v = ext_vectors(p.op_set, 2, exhaustive=False, sample=600)
    if ftz:  # every subnormal a once more for the rounding ops, in rotating modes
        sub = np.concatenate([np.arange(1, 1024), np.arange(0x8001, 0x8400)]).astype(np.int64)
        n = sub.size
        extra = {"op": np.repeat(np.arange(8, 13), n), "rm": np.tile(np.arange(n) % 5, 5), "a": np.tile(sub, 5),
                 "b": np.tile(np.arange(n) % 3, 5), "c": np.zeros(5 * n, dtype=np.int64)}
        v = {k: np.concatenate([v[k], np.asarray(extra[k], dtype=np.int64)]) for k in v}
    _check("icarus", p, v)


@pytest.mark.parametrize("stages,acc,ops", [(0, "fp32", "fma,mul,add,recip,exp2,xnor,ternary,ternary_i8"),
                                            (4, "fp32", "fma,mul,add,minmax,expmod,bool,log2,exp2"),
                                            (3, "fp16", "fma,mul,add,cmp,rsqrt,exp2"),
                                            (2, "fp16", "fma,mul,add")])
def test_rtl_subsets_verilator(stages, acc, ops):
    need("verilator")
    p = P(stages=stages, acc=acc, ops=ops)
    v = UNIT.vectors(p, 5, 20_000)  # base ops (left-out codes included) + the ext ops exhaustive
    _check("verilator", p, v)


# ---- --ops: generation and bad input ----------------------------------------------------------
def test_default_port_and_params_unchanged():
    gen = generate(UNIT, P())
    ports = {q["name"]: q["width"] for q in gen.manifest["ports"]}
    assert ports["op"] == 3 and "ops" not in gen.manifest["params"] and "--ops" not in gen.verilog
    # the default set spelled out (any order) is the default PE
    assert generate(UNIT, P(ops="cmp,minmax,add,mul,fma")).verilog == gen.verilog
    ext = generate(UNIT, P(ops=ALL))
    assert {q["name"]: q["width"] for q in ext.manifest["ports"]}["op"] == 4
    assert ext.manifest["ops"]["recip"] == 8 and ext.manifest["ops"]["bool"] == 15
    assert generate(UNIT, P(ops=ALL)).verilog == ext.verilog
    json.dumps(ext.manifest)


def test_manifest_rm_5_7_with_ternary_i8_and_bool():
    """The manifest's reserved-rm rule and ternary result format name what ternary_i8 and bool do
    with rm 5..7; an --ops set with neither keeps the plain rule."""
    plain = "rm values 5..7 are reserved: result and flags unspecified"
    i8 = ("rm values 5..7 are reserved (result and flags unspecified), except for op 13 (ternary), where rm "
          "5..7 select ternary_i8, and op 15 (bool), which reads rm[1:0] only (rm 4..7 act as 0..3)")
    m = generate(UNIT, P(ops=ALL)).manifest  # the written manifest; the other sets from its contract part
    assert m["reserved"] == i8  # no longer "unspecified" for op 13 with rm 5..7
    assert m["result_format"]["ternary"] == "binary16 for rm 0..4, int16 (two's complement) for rm 5..7 (ternary_i8)"
    m = contract_dict("fp32", False, P(ops=ALL, acc="fp32").op_set)
    assert m["reserved"] == i8 and "int32" in m["ternary_i8"]
    assert m["result_format"]["ternary"] == "binary32 for rm 0..4, int32 (two's complement) for rm 5..7 (ternary_i8)"
    m = contract_dict("fp16", False, P(ops="fma,mul,add,bool").op_set)
    assert "op 15 (bool)" in m["reserved"] and "op 13" not in m["reserved"]
    for ops in ("fma,mul,add,ternary", "fma,mul,add,minmax,cmp,recip,rsqrt,exp2,log2,expmod,ternary,xnor"):
        m = contract_dict("fp16", False, P(ops=ops).op_set)
        assert m["reserved"] == plain and m["result_format"]["ternary"] == "binary16" and "ternary_i8" not in m
    assert generate(UNIT, P()).manifest["reserved"] == plain


@pytest.mark.parametrize("bad", ["fma,mul,add,sin", "mul,add,recip", "fma,mul,add,add", "", "fma,mul,add,ternary_i8"])
def test_bad_ops_param(bad):
    with pytest.raises(ParamError) as e:
        P(ops=bad)
    assert "--ops" in str(e.value)
    P(ops="fma,mul,add,recip", ftz=True)  # ftz with the rounding optional ops is supported


@pytest.mark.parametrize("ops", ["fma,mul,add,cosine", "add,mul"])
def test_cli_bad_ops_exit_2(tmp_path, ops):
    out = tmp_path / "o"
    r = subprocess.run([sys.executable, "-m", "schw.cli", "gen", "fp16-pe", "--ops", ops, "-o", str(out)],
                       capture_output=True, text=True)
    assert r.returncode == 2
    assert "--ops" in r.stderr and "recip,rsqrt,exp2,log2,expmod,ternary,xnor,bool" in r.stderr
    assert "Traceback" not in r.stderr and not out.exists()


def test_cli_regression_with_ops_icarus():
    """`schw sim fp16-pe --ops ...` path on Icarus: the fast-path sample (2,000 per optional op,
    500 per left-out code) plus the cocotb pipeline run with the optional ops mixed in."""
    need("icarus")
    p = P(stages=2, ops="fma,mul,add,recip,expmod,bool")
    rep = regression(UNIT, p, "icarus", count=300)
    assert rep.passed, rep.summary()
    cases = rep.details["cases"]
    for op in ("recip", "expmod", "bool"):
        assert sum(cases[op].values()) >= 2000
    for op in ("rsqrt", "xnor"):  # left out: checked as 0 with nv
        assert sum(cases[op].values()) == 500
    for op in ("min", "lt"):  # left out too; the base sample also has rows with these codes
        assert sum(cases[op].values()) >= 500
    assert rep.details["pipeline_vectors"] > 0


def test_broken_table_entry_caught(tmp_path):
    """One recip table coefficient off by one LSB (c0 of segment 0, 0x7ffc -> 0x7ffd) in the
    generated Verilog: the exhaustive recip vectors on Verilator find it, and only in recip."""
    need("verilator")
    p = P(stages=2, ops="fma,mul,add,recip")
    text = generate(UNIT, p).verilog
    assert text.count("poly_c0 = 16'h7ffc;") == 1
    path = tmp_path / "broken.v"
    path.write_text(text.replace("poly_c0 = 16'h7ffc;", "poly_c0 = 16'h7ffd;"))
    inputs = ext_vectors(p.op_set, 1)
    rep = harness.check(UNIT, p, "verilator", inputs, rtl=[path])
    assert not rep.passed
    bad = rep.details["mismatches_per_op"]
    assert bad["recip"] > 0 and sum(v for k, v in bad.items() if k != "recip") == 0


def test_ftz_ignored_caught(tmp_path):
    """A PE generated without --ftz checked as an --ftz PE: the exhaustive recip and exp2 vectors
    find the subnormal inputs and tiny results it does not flush (and nothing else differs)."""
    need("verilator")
    ops = "fma,mul,add,recip,exp2"
    path = tmp_path / "no_ftz.v"
    path.write_text(generate(UNIT, P(stages=2, ops=ops)).verilog)
    pf = P(stages=2, ops=ops, ftz=True)
    rep = harness.check(UNIT, pf, "verilator", ext_vectors(pf.op_set, 1), rtl=[path])
    assert not rep.passed
    bad = rep.details["mismatches_per_op"]
    print("mismatches per op:", ", ".join(f"{k} {v:,}" for k, v in bad.items()))  # pytest -s: docs/fp16_pe.md
    assert bad["recip"] > 0 and bad["exp2"] > 0 and sum(v for k, v in bad.items() if k not in ("recip", "exp2")) == 0
