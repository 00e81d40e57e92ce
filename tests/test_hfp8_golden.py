"""hfp8 golden models against outside references: ml_dtypes (e5m2, e4m3fn, e4m3b11fnuz) and
exact rational arithmetic (fractions) over all 65,536 binary16 inputs; stochastic rounding's
expected value and LFSR words; the MAC against fp16-pe's golden FMA (itself checked against
SoftFloat) and against Fractions; the swamping rows."""

import bisect
import math
from fractions import Fraction

import numpy as np
import pytest

from conftest import need_module
from schw.sc.spec import LFSR_TAPS
from schw.units.fp16_pe.golden import evaluate as fp16_evaluate
from schw.units.hfp8 import golden as g
from schw.units.hfp8.params import FORMATS, HfpMacParams

ALL16 = np.arange(1 << 16, dtype=np.int64)
ML = {"e5m2": "float8_e5m2", "e4m3": "float8_e4m3fn", "e4m3b11": "float8_e4m3b11fnuz"}


# ---- references written from the definitions --------------------------------------------------
def f16_value(bits: int):
    """Exact value of a binary16 pattern (Fraction), or 'nan' / 'inf' / '-inf'."""
    s, e, m = bits >> 15, (bits >> 10) & 31, bits & 1023
    if e == 31:
        return "nan" if m else ("-inf" if s else "inf")
    v = Fraction(m, 1 << 24) if e == 0 else Fraction(1024 + m, 1 << 10) * Fraction(2) ** (e - 15)
    return -v if s else v


def fp8_value(code: int, name: str):
    """Exact value of an FP8 code from the format definition (Fraction or 'nan'/'inf'/'-inf')."""
    f = FORMATS[name]
    s, e, m = code >> 7, (code >> f.mbits) & ((1 << f.ebits) - 1), code & ((1 << f.mbits) - 1)
    if name == "e5m2" and e == 31:
        return "nan" if m else ("-inf" if s else "inf")
    if name == "e4m3" and (code & 0x7F) == 0x7F:
        return "nan"
    if name == "e4m3b11" and code == 0x80:
        return "nan"
    v = (Fraction(m, 1 << f.mbits) if e == 0 else 1 + Fraction(m, 1 << f.mbits)) * Fraction(2) ** (max(e, 1) - f.bias)
    return -v if s else v


def rne_reference(name: str):
    """binary16 -> FP8 RNE from Fractions: the nearest finite FP8 magnitude (ties to the even
    code); beyond the largest finite number rounding is to an unbounded next value, and landing
    there is overflow (infinity in e5m2, NaN otherwise)."""
    f = FORMATS[name]
    mags = [(fp8_value(c, name), c) for c in range(0, f.max_code + 1)]
    mags.sort()
    top, ulp = mags[-1][0], mags[-1][0] - mags[-2][0]
    mags.append((top + ulp, f.max_code + 1))            # the overflow sentinel
    vals = [v for v, _ in mags]
    out = []
    for b in range(1 << 16):
        v = f16_value(b)
        if v == "nan":
            out.append(f.nan_code)
            continue
        if v in ("inf", "-inf"):
            s = v == "-inf"
            out.append((f.inf_code | (s << 7)) if f.inf else f.nan_code)
            continue
        s, a = b >> 15, abs(v)
        if a >= top + ulp:
            code = f.max_code + 1
        else:
            i = bisect.bisect_left(vals, a)
            if vals[i] == a:
                code = mags[i][1]
            else:
                lo, hi = mags[i - 1], mags[i]
                d_lo, d_hi = a - lo[0], hi[0] - a
                code = lo[1] if d_lo < d_hi or (d_lo == d_hi and lo[1] % 2 == 0) else hi[1]
        if code > f.max_code:
            out.append((f.inf_code | (s << 7)) if f.inf else f.nan_code)
        elif code == 0 and not f.negzero:
            out.append(0)
        else:
            out.append(code | (s << 7))
    return np.array(out, dtype=np.int64)


# ---- conversions -----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(FORMATS))
def test_rne_matches_ml_dtypes_on_every_binary16(name):
    md = need_module("ml_dtypes")
    t = getattr(md, ML[name])
    f16 = ALL16.astype(np.uint16).view(np.float16)
    with np.errstate(invalid="ignore"):
        ref = f16.astype(t)
        ref_nan = np.isnan(ref.astype(np.float32))
    ref_bits = ref.view(np.uint8).astype(np.int64)
    ours = g.to_fp8(ALL16, name)
    ours_nan = ours == FORMATS[name].nan_code
    agree = np.where(ref_nan, ours_nan, ours == ref_bits)
    assert agree.sum() == 65536, ALL16[~agree][:10]
    # NaN results agree as a class (ml_dtypes keeps a NaN's sign; we return the canonical NaN)
    assert ours_nan.sum() == ref_nan.sum()


@pytest.mark.parametrize("name", list(FORMATS))
def test_rne_matches_fractions_on_every_binary16(name):
    assert np.array_equal(g.to_fp8(ALL16, name), rne_reference(name))


@pytest.mark.parametrize("name", list(FORMATS))
def test_fp8_to_fp16_is_exact_and_matches_ml_dtypes(name):
    md = need_module("ml_dtypes")
    codes = np.arange(256)
    ours = g.to_fp16(codes, name)
    for c in range(256):
        v = fp8_value(c, name)
        if v == "nan":
            assert ours[c] == 0x7E00
        else:
            assert f16_value(int(ours[c])) == v or (v == 0 and f16_value(int(ours[c])) == 0)
            # -0 stays -0
            assert (ours[c] >> 15) == (c >> 7 if v != 0 or FORMATS[name].negzero else 0)
    t = getattr(md, ML[name])
    with np.errstate(invalid="ignore"):
        ref = codes.astype(np.uint8).view(t).astype(np.float16).view(np.uint16).astype(np.int64)
    ref_nan = np.isnan(ref.astype(np.uint16).view(np.float16))
    assert np.array_equal(np.where(ref_nan, 0x7E00, ref), ours)


def test_format_ranges():
    f = FORMATS["e4m3b11"]
    assert (f.bias, f.max_value, 2.0 ** f.emin, 2.0 ** f.qmin) == (11, 30.0, 2.0**-10, 2.0**-13)
    assert FORMATS["e5m2"].max_value == 57344.0 and FORMATS["e4m3"].max_value == 448.0
    # the seed's [2^-11, 30]: bias 11 is the only bias whose top binade ends at 30 with exponent
    # code 15 finite; its 16 exponent codes span the binades 2^-11 .. 2^4 when code 0 is read as
    # a binade of its own
    assert [b for b in range(20) if 1.875 * 2.0 ** (15 - b) == 30] == [11]
    assert 2.0 ** (0 - 11) == 2.0**-11


# ---- stochastic rounding ----------------------------------------------------------------------------
def test_lfsr_words_follow_the_galois_definition():
    taps = LFSR_TAPS[32][0]
    poly = 1 | sum(1 << k for k in taps)
    s = ((1 + 0 * 0x9E3779B9) % (2**32 - 1)) + 1       # lfsr_init(32, seed=1, channel 0)
    words = g.lfsr_words(1, 200)
    for t in range(200):
        assert words[t] == s
        for _ in range(32):                              # 32 Galois steps: multiply by x
            s = ((s << 1) & 0xFFFFFFFF) ^ (poly if s >> 31 else 0)


@pytest.mark.parametrize("name", list(FORMATS))
def test_sr_gives_a_neighbour_and_is_exact_on_representable_inputs(name):
    words = g.lfsr_words(7, 65536)
    sr = g.to_fp8(ALL16, name, "sr", words)
    rne = g.to_fp8(ALL16, name)
    dn = g.to_fp8(ALL16, name, "sr", np.zeros(65536, dtype=np.int64))          # truncation
    up = g.to_fp8(ALL16, name, "sr", np.full(65536, 0xFFFF, dtype=np.int64))   # up unless exact
    assert np.all((sr == dn) | (sr == up))
    assert np.all((rne == dn) | (rne == up))
    exact = dn == up
    # exactly representable inputs convert to themselves in both modes
    assert np.array_equal(sr[exact], rne[exact])
    assert exact.sum() > 200


@pytest.mark.parametrize("name", list(FORMATS))
def test_sr_expected_value_is_the_exact_value(name):
    """Mean over 8192 consecutive LFSR words of SR(x) is x within binomial bounds, for inputs in
    every range (normal, FP8 subnormal, below the smallest FP8)."""
    n = 8192
    words = g.lfsr_words(3, n)
    rng = np.random.default_rng(5)
    xs = rng.choice(ALL16[(ALL16 & 0x7C00) != 0x7C00], 120, replace=False)
    checked = 0
    for x in xs:
        v = f16_value(int(x))
        out = g.to_fp8(np.full(n, x), name, "sr", words)
        vals = set(out.tolist())
        assert len(vals) <= 2
        lo = g.to_fp8(np.array([x]), name, "sr", [0])[0]
        hi = g.to_fp8(np.array([x]), name, "sr", [0xFFFF])[0]
        if lo == hi or fp8_value(int(hi), name) in ("nan", "inf", "-inf"):
            continue
        vlo, vhi = fp8_value(int(lo), name), fp8_value(int(hi), name)
        p = (v - vlo) / (vhi - vlo)                      # exact probability of rounding away from lo
        ups = int(np.count_nonzero(out == hi))
        sd = math.sqrt(n * float(p) * (1 - float(p)))
        assert abs(ups - n * float(p)) <= 5 * sd + 1, (hex(int(x)), ups, n * float(p))
        checked += 1
    assert checked > 80


# ---- the MAC ------------------------------------------------------------------------------------------
def product_exactness(name):
    """(pairs of finite codes, products that are binary16 numbers, products above 65504,
    products below the binary16 grid or not on it) for FP8 x FP8 in one format."""
    _, x, nan, inf = g.fp8_fields(np.arange(256), name)
    xs = [int(v) for v in x[~nan & ~inf]]              # units 2^-24
    exact = over = under = 0
    for u in xs:
        for w in xs:
            v = u * w                                     # units 2^-48
            if v > 65504 * (1 << 48):
                over += 1
                continue
            ok = v % (1 << 24) == 0                       # on the binary16 subnormal grid 2^-24
            if ok and v >= (1 << 34):                     # 2^-14 and up: 11 significant bits
                ok = v % (1 << (v.bit_length() - 11)) == 0
            exact += ok
            under += not ok
    return len(xs) ** 2, exact, over, under


def test_products_exact_in_binary16_counts():
    """Which FP8 x FP8 products are binary16 numbers: a product has at most 8 significant bits,
    so it is exact unless it overflows (above 65504) or falls off the 2^-24 grid."""
    counts = {name: product_exactness(name) for name in FORMATS}
    assert counts["e4m3"] == (254 * 254, 254 * 254 - counts["e4m3"][2], counts["e4m3"][2], 0)
    for name in FORMATS:
        pairs, exact, over, under = counts[name]
        assert pairs == exact + over + under
    assert counts["e4m3b11"][2] == 0 and counts["e4m3b11"][3] > 0     # max 30 * 30 = 900
    assert counts["e5m2"][2] > 0 and counts["e5m2"][3] > 0


def _stream(p, n, seed):
    from schw.units.hfp8.vectors import mac_vectors
    return mac_vectors(p, seed, n)


@pytest.mark.parametrize("fa,fb", [("e4m3b11", "e4m3b11"), ("e4m3b11", "e5m2"), ("e5m2", "e5m2"), ("e4m3", "e4m3")])
def test_mac_rne_matches_fp16_pe_fma(fa, fb):
    """Unchunked RNE: each step is binary16 fma(fp16(a), fp16(b), acc) of the fp16-pe golden model."""
    p = HfpMacParams(format_a=fa, format_b=fb, chunk=0, acc_round="rne")
    v = _stream(p, 6000, 11)
    got = g.mac_stream(p, v["a"], v["b"], v["first"], v["last"])
    a16, b16 = g.to_fp16(v["a"], fa), g.to_fp16(v["b"], fb)
    acc, fresh, out = 0, True, []
    for i in range(len(a16)):
        if v["first"][i] or fresh:
            acc = 0
        r, _ = fp16_evaluate([0], [0], [a16[i]], [b16[i]], [acc])
        acc, fresh = int(r[0]), False
        if v["last"][i]:
            out.append(acc)
            fresh = True
    assert np.array_equal(got, np.array(out))


@pytest.mark.parametrize("chunk", [1, 4, 16])
def test_mac_chunked_rne_matches_fp16_pe_fma_and_add(chunk):
    p = HfpMacParams(format_a="e4m3b11", format_b="e5m2", chunk=chunk, acc_round="rne")
    v = _stream(p, 5000, 12)
    got = g.mac_stream(p, v["a"], v["b"], v["first"], v["last"])
    a16, b16 = g.to_fp16(v["a"], "e4m3b11"), g.to_fp16(v["b"], "e5m2")
    out, inner, outer, cnt, fresh = [], 0, 0, 0, True
    for i in range(len(a16)):
        if v["first"][i] or fresh:
            inner = outer = cnt = 0
            fresh = False
        inner = int(fp16_evaluate([0], [0], [a16[i]], [b16[i]], [inner])[0][0])
        cnt += 1
        if cnt == chunk or v["last"][i]:
            outer = int(fp16_evaluate([2], [0], [outer], [0], [inner])[0][0])   # add = a + c
            inner, cnt = 0, 0
        if v["last"][i]:
            out.append(outer)
            fresh = True
    assert np.array_equal(got, np.array(out))


def test_round16_matches_fractions():
    """round16 (RNE) of random exact sums equals the nearest binary16 from Fractions."""
    fin = [b for b in range(0x7C00)]
    vals = [f16_value(b) for b in fin]
    rng = np.random.default_rng(2)
    for _ in range(3000):
        v = int(rng.integers(-(1 << 62), 1 << 62)) >> int(rng.integers(0, 60))
        r = g.round16(v, "rne")
        a = abs(Fraction(v, 1 << 48))
        i = bisect.bisect_left(vals, a)
        if i >= len(vals):
            exp = 0x7C00
        elif vals[i] == a:
            exp = fin[i]
        else:
            lo, hi = i - 1, i
            dl, dh = a - vals[lo], vals[hi] - a
            exp = fin[lo] if dl < dh or (dl == dh and fin[lo] % 2 == 0) else fin[hi]
            if a >= Fraction(65520):
                exp = 0x7C00
        if a >= Fraction(65520):
            exp = 0x7C00
        assert (r & 0x7FFF) == exp, (v, hex(r), hex(exp))


def test_sr_accumulation_is_unbiased():
    """1.0 added 8192 times with SR: the mean over seeds is the exact 8192 (RNE stops at 2048)."""
    finals = []
    for seed in range(1, 9):
        p = HfpMacParams(chunk=0, acc_round="sr", seed=seed)
        one = g.to_fp8(np.array([0x3C00]), "e4m3b11")[0]
        c = g.dot_curve(p, np.full(8192, one), np.full(8192, one), [8192])
        finals.append(g.fp16_value(c[8192]))
    assert abs(np.mean(finals) - 8192) < 0.02 * 8192
    p = HfpMacParams(chunk=0, acc_round="rne")
    c = g.dot_curve(p, np.full(4096, one), np.full(4096, one), [4096])
    assert g.fp16_value(c[4096]) == 2048.0


def test_swamping_rows():
    rows = g.swamping([16, 4096, 16384], [1, 8, 64], "same")
    by = {(r["method"], r["length"]): r for r in rows}
    assert {r["method"] for r in rows} == {"fp32", "fp16-rn", "fp16-sr", "fp16-chunk-1", "fp16-chunk-8", "fp16-chunk-64"}
    assert by[("fp32", 16384)]["value"] == 16384 == by[("fp32", 16384)]["exact"]
    assert by[("fp16-rn", 16384)]["value"] == 2048
    assert by[("fp16-chunk-1", 16384)]["value"] == 2048
    assert by[("fp16-chunk-64", 16384)]["value"] == 16384
    dot = g.swamping([16384], [64], "dot")
    d = {r["method"]: r for r in dot}
    assert abs(d["fp16-chunk-64"]["value"] - d["fp16-chunk-64"]["exact"]) < abs(d["fp16-rn"]["value"] - d["fp16-rn"]["exact"])
