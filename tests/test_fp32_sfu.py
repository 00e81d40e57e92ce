"""fp32-sfu: golden model against Berkeley SoftFloat on every generated vector of the correctly
rounded ops (f16_to_f32 over all 65,536 inputs in all five rounding modes, f32_to_f16 over every
binade's ties and boundaries, scale across the subnormal/overflow edges) and against NumPy's own
conversions; the approximate functions' special values (IEEE 754 9.2, written out here) and
their error in ulp on a large sample against binary64 (itself checked against mpmath); the
vector set's coverage; RTL vs golden bit-exact on Verilator and Icarus for every pipeline depth
and op subsets; reserved codes; a broken RTL caught; generation byte-identical; bad input exits 2."""

import json

import numpy as np
import pytest

from conftest import need, need_module
from schw.cli import main
from schw.errors import ParamError
from schw.output import generate as gen_verilog
from schw.registry import get
from schw.units.fp16_pe import contract as pe_contract
from schw.units.fp32_sfu import params as P
from schw.units.fp32_sfu.golden import evaluate, reference64, sign_k, softfloat_evaluate, ulp_errors
from schw.units.fp32_sfu.vectors import generate
from schw.verify import regression

SFU = get("fp32-sfu")
F16TO32, F32TO16, SCALE = P.OPS["f16_to_f32"], P.OPS["f32_to_f16"], P.OPS["scale"]
EXACT = P.parse_ops("exact")
NX, UF, OF, DZ, NV = (pe_contract.FLAG_BIT[n] for n in pe_contract.FLAGS)


@pytest.fixture(scope="module")
def softfloat():
    return need_module("softfloatpy")


@pytest.fixture(scope="module")
def vec():
    return generate(1, SFU.default_vectors)


def _flag_counts(flags):
    return {name: int(((flags >> i) & 1).sum()) for i, name in enumerate(pe_contract.FLAGS)}


# ---- golden model against outside references ---------------------------------------------------
@pytest.mark.parametrize("seed", [1, 7])
def test_golden_matches_softfloat_on_every_generated_vector(softfloat, seed):
    v = generate(seed, SFU.default_vectors, EXACT)
    res, flg = evaluate(v["op"], v["rm"], v["a"], v["k"])
    ref, rfl = softfloat_evaluate(v["op"], v["rm"], v["a"], v["k"])
    bad = np.flatnonzero((res != ref) | (flg != rfl))
    assert bad.size == 0, [(int(v["op"][i]), int(v["rm"][i]), hex(v["a"][i]), int(sign_k(v["k"][i])),
                            hex(res[i]), hex(ref[i]), int(flg[i]), int(rfl[i])) for i in bad[:5]]
    assert len(res) > 900_000


def test_f16_to_f32_exhaustive_in_every_mode(softfloat, vec):
    """All 65,536 binary16 patterns in each of the five modes are in the default vector set, and
    SoftFloat agrees on each (the conversion is exact: only an sNaN raises a flag, nv)."""
    sel = vec["op"] == F16TO32
    pairs = np.unique((vec["rm"][sel] << 16) | (vec["a"][sel] & 0xFFFF))
    assert pairs.size == 5 * 65536
    a = np.arange(65536)
    for rm in range(5):
        res, flg = evaluate(F16TO32, rm, a, 0)
        ref, rfl = softfloat_evaluate(F16TO32, rm, a, 0)
        assert np.array_equal(res, ref) and np.array_equal(flg, rfl)
    assert int((flg != 0).sum()) == 2 * 511  # the signalling NaNs: 2 signs x 511 payloads
    assert set(np.unique(flg)) == {0, pe_contract.NV}


def test_golden_values_match_numpy_rne():
    """A second outside reference for the values in rne: NumPy's float16/float32 conversions
    and the exact binary64 product x * 2^k rounded by astype(float32)."""
    a = np.arange(65536, dtype=np.uint16)
    res, _ = evaluate(F16TO32, 0, a, 0)
    want = a.view(np.float16).astype(np.float32).view(np.uint32).astype(np.int64)
    nan = np.isnan(a.view(np.float16))
    assert np.array_equal(res[~nan], want[~nan]) and (res[nan] == P.NAN32).all()
    rng = np.random.default_rng(3)
    x = np.concatenate([rng.integers(0, 1 << 32, 200_000),
                        rng.integers(0x33000000, 0x47800000, 200_000)]).astype(np.uint32)
    res, _ = evaluate(F32TO16, 0, x, 0)
    with np.errstate(over="ignore"):
        want = x.view(np.float32).astype(np.float16).view(np.uint16).astype(np.int64)
    nan = np.isnan(x.view(np.float32))
    assert np.array_equal(res[~nan], want[~nan]) and (res[nan] == P.NAN16).all()
    k = rng.integers(-512, 512, x.size)
    res, _ = evaluate(SCALE, 0, x, k)
    with np.errstate(over="ignore", invalid="ignore"):
        want = np.ldexp(x.view(np.float32).astype(np.float64), k).astype(np.float32).view(np.uint32).astype(np.int64)
    assert np.array_equal(res[~nan], want[~nan])


def test_vector_set_covers_the_boundaries(softfloat, vec):
    """Counted on SoftFloat's results (not the golden model's): every binary32 binade, exact
    ties, subnormal and overflowing results, every flag, signalling NaNs; scale results in the
    subnormal range with and without underflow."""
    sel = vec["op"] == F32TO16
    a, rm = vec["a"][sel], vec["rm"][sel]
    assert np.unique((a >> 23) & 0xFF).size == 256
    res, flg = softfloat_evaluate(F32TO16, rm, a, 0)
    c = _flag_counts(flg)
    assert c["nx"] > 1000 and c["uf"] > 1000 and c["of"] > 1000 and c["nv"] >= 2 * 4 * 5
    sub = ((res & 0x7C00) == 0) & ((res & 0x3FF) != 0)
    assert sub.sum() > 1000
    # exact binary16 ties: the 13 bits below a normal result's LSB are exactly 1000...0
    e = (a >> 23) & 0xFF
    tie = (e >= 113) & (e <= 142) & ((a & 0x1FFF) == 0x1000)
    assert tie.sum() > 100
    for thr in (0x477FE000, 0x477FEFFF, 0x477FF000, 0x33000000, 0x33000001, 0x38800000, 0x387FC000):
        assert (a == thr).sum() >= 5, hex(thr)  # 65504, below/at the overflow tie 65520, 2^-25, 2^-14
    sel = vec["op"] == SCALE
    res, flg = softfloat_evaluate(SCALE, vec["rm"][sel], vec["a"][sel], vec["k"][sel])
    c = _flag_counts(flg)
    assert c["uf"] > 1000 and c["of"] > 1000 and c["nx"] > 1000 and c["nv"] > 0
    assert (((res & 0x7F800000) == 0) & ((res & 0x7FFFFF) != 0) & (flg == 0)).sum() > 100  # exact subnormals


def test_nan_rules():
    """Canonical NaNs out, nv only for a signalling NaN in, whatever the payload and sign."""
    qn = np.array([0x7FC00000, 0xFFC00001, 0x7FFFFFFF])
    sn = np.array([0x7F800001, 0xFFA00000, 0x7FBFFFFF])
    for op in (F32TO16, SCALE):
        r, f = evaluate(op, 0, qn, 3)
        assert (r == (P.NAN16 if op == F32TO16 else P.NAN32)).all() and (f == 0).all()
        r, f = evaluate(op, 0, sn, 3)
        assert (r == (P.NAN16 if op == F32TO16 else P.NAN32)).all() and (f == pe_contract.NV).all()
    r, f = evaluate(F16TO32, 0, [0x7E01, 0xFC01, 0x7D55], 0)
    assert r.tolist() == [P.NAN32] * 3 and f.tolist() == [0, pe_contract.NV, pe_contract.NV]


# ---- the approximate functions -----------------------------------------------------------------
def _f32(x: float) -> int:
    return int(np.array(x, dtype=np.float32).view(np.uint32))


PZ, NZ, PINF, NINF, QNAN, SNAN = 0x00000000, 0x80000000, 0x7F800000, 0xFF800000, 0x7FC01234, 0xFF800001
#: (input, expected result, expected flags) in rne, written from IEEE 754-2019 9.2 and exact values
SPECIALS = {
    "recip": [(PZ, PINF, DZ), (NZ, NINF, DZ), (PINF, PZ, 0), (NINF, NZ, 0), (QNAN, P.NAN32, 0),
              (SNAN, P.NAN32, NV), (_f32(1.0), _f32(1.0), 0), (_f32(-2.0), _f32(-0.5), 0),
              (_f32(0.25), _f32(4.0), 0), (_f32(2.0 ** 127), _f32(2.0 ** -127), 0),   # exact subnormal
              (0x00000001, PINF, OF | NX), (0x00400000, _f32(2.0 ** 127), 0)],     # 1/2^-149 overflows; 1/2^-127
    "rsqrt": [(PZ, PINF, DZ), (NZ, NINF, DZ), (PINF, PZ, 0), (NINF, P.NAN32, NV), (_f32(-1.0), P.NAN32, NV),
              (QNAN, P.NAN32, 0), (SNAN, P.NAN32, NV), (_f32(4.0), _f32(0.5), 0), (_f32(0.25), _f32(2.0), 0),
              (_f32(1.0), _f32(1.0), 0), (0x00000002, _f32(2.0 ** 74), 0)],      # 1/sqrt(2^-148)
    "exp2": [(PZ, _f32(1.0), 0), (NZ, _f32(1.0), 0), (PINF, PINF, 0), (NINF, PZ, 0), (QNAN, P.NAN32, 0),
             (SNAN, P.NAN32, NV), (_f32(3.0), _f32(8.0), 0), (_f32(-2.0), _f32(0.25), 0),
             (_f32(127.0), _f32(2.0 ** 127), 0), (_f32(128.0), PINF, OF | NX), (_f32(-149.0), 0x00000001, 0),
             (_f32(-150.0), PZ, UF | NX),                                         # 2^-150: a tie, to even (0)
             (_f32(-126.0), 0x00800000, 0), (_f32(1000.0), PINF, OF | NX), (_f32(-1000.0), PZ, UF | NX)],
    "log2": [(PZ, NINF, DZ), (NZ, NINF, DZ), (PINF, PINF, 0), (NINF, P.NAN32, NV), (_f32(-1.0), P.NAN32, NV),
             (QNAN, P.NAN32, 0), (SNAN, P.NAN32, NV), (_f32(1.0), PZ, 0), (_f32(8.0), _f32(3.0), 0),
             (_f32(0.5), _f32(-1.0), 0), (0x00000001, _f32(-149.0), 0), (_f32(2.0 ** 127), _f32(127.0), 0)],
}


@pytest.mark.parametrize("fn", P.APPROX)
def test_approx_special_values(fn):
    x, want, wflags = (np.array(c) for c in zip(*SPECIALS[fn]))
    res, flg = evaluate(P.OPS[fn], 0, x, 0)
    assert [hex(r) for r in res] == [hex(w) for w in want]
    assert flg.tolist() == wflags.tolist()


def test_approx_inexact_results_raise_nx():
    """Every finite result that is not one of the exact cases above is inexact (nx): spot check
    on non-dyadic results."""
    for fn, xs in (("recip", [3.0, 0.1]), ("rsqrt", [2.0, 3.0]), ("exp2", [0.5, -0.1]), ("log2", [3.0, 0.1])):
        res, flg = evaluate(P.OPS[fn], 0, [_f32(x) for x in xs], 0)
        assert ((flg & NX) != 0).all(), (fn, flg)


#: maximum error in ulp of a binary32 result against the true function (the documented bounds
#: of docs/fp32_sfu.md; measured maxima there: bench/bench_fp32_sfu.py --accuracy)
BOUND_RNE = {"recip": 0.80, "rsqrt": 0.62, "exp2": 0.65, "log2": 0.65}
BOUND_DIRECTED = {"recip": 1.30, "rsqrt": 1.12, "exp2": 1.15, "log2": 1.10}


@pytest.mark.parametrize("fn", P.APPROX)
def test_approx_error_in_ulp_on_a_large_sample(fn):
    """About 1.5 million binary32 inputs per function (specials, segment boundaries, random bit
    patterns and values over the useful range; every mode): error in ulp against binary64
    below the bound in rne/rmm and in the directed modes. Binary32 is not exhaustive here
    (2^32 inputs per mode); bench/bench_fp32_sfu.py --accuracy measures more, including every
    input of whole binades."""
    v = generate(11, 1_500_000, (fn,))
    res, _ = evaluate(v["op"], v["rm"], v["a"], v["k"])
    for rm in range(5):
        s = v["rm"] == rm
        ok, err = ulp_errors(fn, v["a"][s], res[s])
        assert ok.sum() > 50_000
        bound = BOUND_RNE[fn] if rm in (0, 4) else BOUND_DIRECTED[fn]
        assert err[ok].max() < bound, (fn, rm, float(err[ok].max()))


@pytest.mark.parametrize("fn", P.APPROX)
def test_binary64_reference_agrees_with_mpmath(fn):
    """The binary64 reference of the error measurement is within 2^-20 ulp (of binary32) of the
    true function computed by mpmath at 100 bits, on 3,000 sampled inputs."""
    mpmath = need_module("mpmath")
    v = generate(12, 12_000, (fn,))
    x = v["a"][-3000:]
    y64 = reference64(fn, x)
    fin = np.isfinite(y64) & (np.abs(y64) > 0) & (np.abs(y64) < 3e38)
    worst = 0.0
    with mpmath.workprec(100):
        for xi, yi in zip(x[fin].tolist(), y64[fin].tolist()):
            X = mpmath.mpf(float(np.array(xi, dtype=np.uint32).view(np.float32)))
            Y = {"recip": lambda: 1 / X, "rsqrt": lambda: 1 / mpmath.sqrt(X), "exp2": lambda: mpmath.power(2, X),
                 "log2": lambda: mpmath.log(X, 2)}[fn]()
            ulp = mpmath.ldexp(1, max(int(mpmath.floor(mpmath.log(abs(Y), 2))), -126) - 23)
            worst = max(worst, float(abs(mpmath.mpf(yi) - Y) / ulp))
    assert fin.sum() > 1000 and worst < 2.0 ** -20, worst


def test_reserved_codes_and_left_out_ops():
    """rm 5..7 round as rtz; op code 7, and ops not generated, give 0 with no flags."""
    rng = np.random.default_rng(5)
    a = rng.integers(0, 1 << 32, 5000)
    k = rng.integers(0, 1 << P.K_WIDTH, 5000)
    for op in P.OPS.values():
        want = evaluate(op, 1, a, k)
        for rm in (5, 6, 7):
            got = evaluate(op, rm, a, k)
            assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])
    for op in (7,):
        r, f = evaluate(op, 0, a, k)
        assert not r.any() and not f.any()
    r, f = evaluate(F32TO16, 0, a, k, ops=("scale",))
    assert not r.any() and not f.any()


def test_params_and_encodings_follow_fp16_pe():
    assert pe_contract.RM == {"rne": 0, "rtz": 1, "rdn": 2, "rup": 3, "rmm": 4}
    assert pe_contract.FLAGS == ("nx", "uf", "of", "dz", "nv")
    assert P.parse_ops("all") == ("f16_to_f32", "f32_to_f16", "scale", "recip", "rsqrt", "exp2", "log2")
    assert P.parse_ops("exact") == ("f16_to_f32", "f32_to_f16", "scale")
    assert P.parse_ops("scale+f16_to_f32") == ("f16_to_f32", "scale")
    assert P.parse_ops("f32_to_f16, scale") == ("f32_to_f16", "scale")
    for bad in ("", "sqrt", "scale,scale", "all,scale", "exact+recip", 3):
        with pytest.raises(ParamError) as e:
            SFU.Params(ops=bad)
        assert e.value.option == "--ops"
    with pytest.raises(ParamError):
        SFU.Params(stages=3)


# ---- RTL against the golden model ----------------------------------------------------------------
def test_rtl_default_verilator():
    """The default regression on Verilator: f16_to_f32 exhaustive in every mode, the directed
    sets of the other ops and 100,000 random vectors over all seven ops."""
    need("verilator")
    rep = regression(SFU, SFU.Params(), "verilator")
    rep.raise_if_failed()
    assert rep.vectors > 950_000 and rep.latency_seen == [1]


def test_rtl_default_icarus():
    """Icarus: a seeded 10,000-vector sample of the same set (the table ROMs make Icarus slow:
    about 1.4 ms per vector with all seven ops)."""
    need("icarus")
    rep = regression(SFU, SFU.Params(), "icarus")
    rep.raise_if_failed()
    assert rep.vectors == 10_000 and rep.latency_seen == [1]


@pytest.mark.parametrize("kw", [dict(stages=0, ops="f32_to_f16+scale+log2"), dict(stages=2, ops="exact"),
                                dict(ops="scale"), dict(ops="f16_to_f32"), dict(ops="rsqrt+exp2", stages=2)])
def test_rtl_variants(sim, kw):
    p = SFU.Params(**kw)
    rep = regression(SFU, p, sim, count=20_000 if sim == "verilator" else 1_500)
    rep.raise_if_failed()
    assert rep.vectors >= (20_000 if sim == "verilator" else 1_500)
    assert rep.latency_seen == [p.stages]


def test_rtl_reserved_codes(sim):
    """Every op code 0..7 and rm code 0..7 on random operands, with two ops left out."""
    p = SFU.Params(ops="f32_to_f16+scale+recip")
    rng = np.random.default_rng(9)
    n = 8000 if sim == "verilator" else 2000
    inputs = {"op": rng.integers(0, 8, n), "rm": rng.integers(0, 8, n), "a": rng.integers(0, 1 << 32, n),
              "k": rng.integers(0, 1 << P.K_WIDTH, n)}
    rep = SFU.check(p, sim, inputs)
    rep.raise_if_failed()
    assert rep.vectors == n


def test_broken_rtl_is_caught(tmp_path):
    """A top that flips result[0] of scale for one operand fails with exactly those vectors."""
    need("verilator")
    p = SFU.Params(ops="exact")
    src = tmp_path / "fp32_sfu.v"
    src.write_text(gen_verilog(SFU, p).verilog)
    wrap = tmp_path / "broken.v"
    wrap.write_text("""module broken(input clk, input rst, input in_valid, input [2:0] op, input [2:0] rm,
  input [31:0] a, input [9:0] k, output out_valid, output [31:0] result, output [4:0] flags);
  wire [31:0] r;
  fp32_sfu u(.clk(clk), .rst(rst), .in_valid(in_valid), .op(op), .rm(rm), .a(a), .k(k),
             .out_valid(out_valid), .result(r), .flags(flags));
  reg hit;
  always @(posedge clk) hit <= (op == 3'd2) && (a == 32'h3f800001);
  assign result = r ^ {31'b0, hit};
endmodule
""")
    rep = regression(SFU, p, "verilator", rtl=[src, wrap], top="broken", count=1000)
    assert not rep.passed
    v = SFU.vectors(p, 1, 1000)
    want = int(((v["op"] == SCALE) & (v["a"] == 0x3F800001)).sum())
    assert want > 0 and rep.details["mismatching_vectors"] == want


def test_waves_on_icarus_and_not_on_verilator(tmp_path):
    """``waves``: the Icarus run dumps a VCD of the design (what ``schw ppa`` reads); Verilator
    says no, naming --waves."""
    need("icarus")
    p = SFU.Params(ops="exact")
    vcd = tmp_path / "sfu.vcd"
    rep = regression(SFU, p, "icarus", count=200, waves=vcd)
    rep.raise_if_failed()
    assert rep.vectors == 200 and vcd.stat().st_size > 0 and "$var" in vcd.read_text()[:100_000]
    with pytest.raises(ParamError) as e:
        SFU.regression(p, "verilator", count=10, waves=tmp_path / "x.vcd")
    assert e.value.option == "--waves"


@pytest.mark.slow
@pytest.mark.parametrize("seed", [2, 3])
def test_rtl_large_random_verilator(softfloat, seed):
    """--runslow: the directed sets and 3 M random vectors (all seven ops) through the RTL on
    Verilator; the golden model checked against SoftFloat on every one of the correctly rounded
    ops' vectors (and the approximate functions' error bounds on theirs)."""
    need("verilator")
    p = SFU.Params()
    v = SFU.vectors(p, seed, 3_000_000)
    res, flg = evaluate(v["op"], v["rm"], v["a"], v["k"])
    ref, rfl = softfloat_evaluate(v["op"], v["rm"], v["a"], v["k"])
    exact = v["op"] <= SCALE
    assert exact.sum() > 1_500_000
    assert np.array_equal(res[exact], ref[exact]) and np.array_equal(flg[exact], rfl[exact])
    for fn in P.APPROX:
        s = v["op"] == P.OPS[fn]
        ok, err = ulp_errors(fn, v["a"][s], res[s])
        near = np.isin(v["rm"][s], (0, 4))
        assert err[ok & near].max() < BOUND_RNE[fn] and err[ok].max() < BOUND_DIRECTED[fn]
    rep = SFU.check(p, "verilator", v, seed=seed)
    rep.raise_if_failed()
    assert rep.vectors == len(v["op"])


# ---- generation and the command line -------------------------------------------------------------
def test_generation_is_deterministic(tmp_path):
    for d in ("1", "2"):
        assert main(["gen", "fp32-sfu", "--stages", "2", "--ops", "scale", "-o", str(tmp_path / d)]) == 0
    names = sorted(p.name for p in (tmp_path / "1").iterdir())
    assert names == ["fp32_sfu.json", "fp32_sfu.v"] == sorted(p.name for p in (tmp_path / "2").iterdir())
    for name in names:
        assert (tmp_path / "1" / name).read_bytes() == (tmp_path / "2" / name).read_bytes()
    man = json.loads((tmp_path / "1" / "fp32_sfu.json").read_text())
    assert man["ops"] == {"scale": 2} and man["ops_left_out"] == {"f16_to_f32": 0, "f32_to_f16": 1, "recip": 3,
                                                                   "rsqrt": 4, "exp2": 5, "log2": 6}
    assert man["approx_method"] == {} and man["k_width"] == P.K_WIDTH


@pytest.mark.parametrize("args,option", [(["--ops", "sqrt"], "--ops"), (["--ops", ""], "--ops"),
                                         (["--stages", "5"], "--stages")])
def test_bad_input_exits_2(tmp_path, capsys, args, option):
    out = tmp_path / "out"
    assert main(["gen", "fp32-sfu", *args, "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert option in err and "Traceback" not in err
    assert not out.exists()
