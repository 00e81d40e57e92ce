"""pe-array with hfp8 PEs (``--pe hfp8``): FP8 operands, binary16 accumulation with optional
chunks (``--chunk CL``) and stochastic rounding (``--acc-round sr``).

The golden model is checked against an independent reference written here from the documented
sequence (docs/pe_array.md, "hfp8 PE"): FP8 decoded by ``ml_dtypes``, sums in exact
``fractions.Fraction`` arithmetic, rounding to binary16 from the definition (RNE, or 16-bit SR
with the LFSR words of the stream position); then the RTL against the golden model, output row
by output row and cycle by cycle, for every shape x dataflow on Verilator and Icarus; broken
arrays (mutated Verilog) fail verification.
"""

from fractions import Fraction

import numpy as np
import pytest

from conftest import need, need_module
from schw.errors import ParamError
from schw.output import generate
from schw.registry import get
from schw.units.hfp8.golden import lfsr_words, mac_stream
from schw.units.pe_array import golden, timing, vectors
from schw.units.pe_array.harness import regression
from schw.units.pe_array.params import LATER_FIELDS

UNIT = get("pe-array")
P = UNIT.Params
SHAPES = [(1, 1), (2, 3), (3, 5), (4, 4), (8, 8)]
DATAFLOWS = ("os", "ws")
#: one configuration per shape, so the every-shape matrix covers each format, CL = 0, CL < R,
#: CL >= R and both roundings
CONFIGS = {
    (1, 1): {"chunk": 1, "acc_round": "sr", "seed": 5},
    (2, 3): {"chunk": 2, "fmt": "e5m2", "fmt_b": "e4m3b11"},
    (3, 5): {"chunk": 0, "acc_round": "sr", "fmt": "e4m3"},
    (4, 4): {"chunk": 16, "acc_round": "sr"},
    (8, 8): {"chunk": 4},
}
ML = {"e4m3b11": "float8_e4m3b11fnuz", "e5m2": "float8_e5m2", "e4m3": "float8_e4m3fn"}


def _p(shape, df, **kw):
    return P(rows=shape[0], cols=shape[1], pe="hfp8", dataflow=df, **kw)


def _pe_seed(seed, i, j):
    """The documented per-PE SR seed (docs/pe_array.md, "hfp8 PE"), written out here."""
    return (seed + i * 0x9E3779B9 + j * 0x85EBCA6B) % 2**32


# -- parameters ---------------------------------------------------------------------------------------
def test_parameters_and_widths():
    p = _p((2, 3), "os", chunk=4)
    assert (p.lane_width, p.acc_width, p.step_cycles, p.zero) == (8, 16, 1, 0)
    assert _p((2, 3), "ws").acc_width == 16 and _p((2, 3), "ws", chunk=2).acc_width == 32
    mp = _p((2, 2), "os", fmt="e5m2", chunk=8, acc_round="sr", seed=3).hfp8_params()
    assert (mp.format_a, mp.format_b, mp.chunk, mp.acc_round, mp.seed) == ("e5m2", "e5m2", 8, "sr", 3)
    for bad, name in (({"fmt": "e3m4"}, "fmt"), ({"fmt_b": "fp8"}, "fmt_b"), ({"chunk": 3}, "chunk"),
                      ({"chunk": 8192}, "chunk"), ({"acc_round": "rtz"}, "acc_round")):
        with pytest.raises(ParamError) as e:
            P(pe="hfp8", **bad)
        assert e.value.name == name
    for other in ("int8", "fp16", "sc"):   # the hfp8 options are left at their defaults elsewhere
        with pytest.raises(ParamError) as e:
            P(pe=other, chunk=4)
        assert e.value.name == "chunk"


def test_default_parameter_sets_keep_their_header_and_name():
    """The fields added for hfp8 stay out of as_dict (Verilog header, top name hash, manifest)
    at their defaults, so existing parameter sets generate the same files as before."""
    for kw in ({}, {"pe": "fp16", "dataflow": "ws"}, {"pe": "sc", "rows": 2}):
        d = P(**kw).as_dict()
        assert not set(LATER_FIELDS) & set(d)
        assert list(d) == ["rows", "cols", "pe", "dataflow", "acc", "rm", "inputs", "width", "length", "sng", "seed"]
    g = generate(UNIT, P(rows=2, cols=3))
    assert ".first(" not in g.verilog and ".fold(" not in g.verilog and "${" not in g.verilog
    assert "chunk" in P(pe="hfp8", chunk=4).as_dict()


def test_cli_bad_input_exits_2_naming_the_option(tmp_path, capsys):
    from schw.cli import main
    for args, opt in ((["--fmt", "e3m4"], "--fmt"), (["--chunk", "3"], "--chunk"), (["--chunk", "x"], "--chunk"),
                      (["--acc-round", "up"], "--acc-round")):
        out = tmp_path / opt.strip("-")
        assert main(["gen", "pe-array", "--pe", "hfp8", *args, "-o", str(out)]) == 2
        assert opt in capsys.readouterr().err
        assert not out.exists()
    assert main(["gen", "pe-array", "--pe", "int8", "--chunk", "4", "-o", str(tmp_path / "x")]) == 2
    assert "--chunk" in capsys.readouterr().err


def test_generate_hfp8_arrays():
    for df in DATAFLOWS:
        for cl in (0, 4):
            p = _p((3, 5), df, chunk=cl)
            g1 = generate(UNIT, p)
            if cl:   # same parameters -> the same files
                g2 = generate(UNIT, p)
                assert g1.verilog == g2.verilog and g1.manifest == g2.manifest
            w = {q["name"]: q["width"] for q in g1.manifest["ports"]}
            assert w["a"] == 3 * 8 and w["out"] == 5 * p.acc_width
            assert g1.manifest["pe_detail"]["chunk"] == cl
            assert (".fold(" in g1.verilog) == (df == "ws" and cl > 0)
            assert (".first(f_i[1])" in g1.verilog) == (df == "os" and cl > 0)


# -- the golden model against exact rational arithmetic ---------------------------------------------
def _decode(codes, fmt):
    """FP8 codes -> (Fraction, sign bit) via ml_dtypes (finite codes only)."""
    ml = need_module("ml_dtypes")
    x = np.asarray(codes, dtype=np.uint8).view(getattr(ml, ML[fmt])).astype(np.float64)
    assert np.all(np.isfinite(x))
    return [(Fraction(float(v)), int(np.signbit(v))) for v in x.ravel()]


def _value16(bits):
    v = np.array([bits], dtype=np.uint16).view(np.float16)[0]
    assert np.isfinite(v)
    return Fraction(float(v)), bits >> 15


def _round16(v: Fraction, mode: str, r: int) -> int:
    """Nonzero exact v -> binary16 bits: RNE, or SR with 16 random bits r (round the magnitude up
    when the first 16 bits below the last kept bit, plus r, carry out)."""
    s, m = int(v < 0), abs(v)
    e = m.numerator.bit_length() - m.denominator.bit_length()
    while Fraction(2) ** e > m:
        e -= 1
    while Fraction(2) ** (e + 1) <= m:
        e += 1
    q = max(e, -14) - 10                     # the binary16 grid at m
    u = m / Fraction(2) ** q
    n = u.numerator // u.denominator
    rem = u - n
    if mode == "rne":
        n += rem > Fraction(1, 2) or (rem == Fraction(1, 2) and n % 2 == 1)
    else:
        top = (rem * 65536).numerator // (rem * 65536).denominator
        n += top + r >= 65536
    if n == 2048:
        n, q = 1024, q + 1
    if n < 1024:
        return s << 15 | n                   # subnormal (q = -24)
    ecode = q + 10 + 15
    assert ecode < 31, "the reference covers finite sums only"
    return s << 15 | ecode << 10 | (n - 1024)


def _add(acc_bits: int, x: Fraction, x_sign: int, mode: str, r: int) -> int:
    """round16(acc + x), IEEE zero signs: an exact zero sum is +0 unless both addends are -0."""
    a, a_sign = _value16(acc_bits)
    v = a + x
    if v == 0:
        return (a_sign & x_sign) << 15 if a == 0 and x == 0 else 0
    return _round16(v, mode, r)


def _reference(p, A, B, base=0):
    """The documented array sequence for one problem whose first item is the array's item
    ``base``, in Fractions: lane values (M, N)."""
    mp = p.hfp8_params()
    M, K = A.shape
    N = B.shape[1]
    R, C, CL, mode = p.R, p.C, mp.chunk, mp.acc_round
    a = np.array(_decode(A, mp.format_a), dtype=object).reshape(M, K, 2)
    b = np.array(_decode(B, mp.format_b), dtype=object).reshape(K, N, 2)
    nt, kt = -(-N // C), -(-K // R)
    kp = kt * R if p.dataflow == "ws" else K          # ws pads K with +0 x +0 products
    n_words = base + (-(-M // R) * nt * K if p.dataflow == "os" else nt * kt * M) + 1
    words = {(pi, pj): [int(w) for w in lfsr_words(_pe_seed(mp.seed, pi, pj), n_words)]
             for pi in range(R) for pj in range(C)}   # each PE's own LFSR
    out = np.zeros((M, N), dtype=np.int64)
    for i in range(M):
        for j in range(N):
            outer, inner, count = 0, 0, 0
            for k in range(kp):
                if k < K:
                    prod, psign = a[i, k, 0] * b[k, j, 0], a[i, k, 1] ^ b[k, j, 1]
                else:
                    prod, psign = Fraction(0), 0
                if p.dataflow == "os":   # tiles (ti, tj) row-major, K items each; PE (i % R, j % C)
                    w = words[i % R, j % C][base + ((i // R) * nt + j // C) * K + k]
                    chunk_end = count == CL - 1 or k == K - 1
                else:                    # tiles (n-tile, K-tile), K-tile fastest, M rows each; PE (k % R, j % C)
                    w = words[k % R, j % C][base + ((j // C) * kt + k // R) * M + i]
                    chunk_end = (k % R) % CL == CL - 1 if CL else False
                    chunk_end = chunk_end or k % R == R - 1
                lo, hi = w & 0xFFFF, w >> 16
                if not CL:
                    outer = _add(outer, prod, psign, mode, lo)
                    continue
                t = _add(inner if count else 0, prod, psign, mode, lo)
                if chunk_end:
                    tv, ts = _value16(t)
                    outer, inner, count = _add(outer, tv, ts, mode, hi), 0, 0
                else:
                    inner, count = t, count + 1
            out[i, j] = outer
    return out


def _finite_problem(p, rng, M, N, K):
    mp = p.hfp8_params()
    A = vectors.hfp8_codes(mp.format_a, rng, (M, K))
    B = vectors.hfp8_codes(mp.format_b, rng, (K, N))
    zero = np.array([0], dtype=np.int64)
    A[0, : K // 2] = zero   # zero products (+0 x negative = -0) and sums that cancel
    B[:, -1] = np.where(rng.random(K) < 0.5, B[:, 0], B[:, -1])
    return golden.Problem(A, B)


@pytest.mark.parametrize("df", DATAFLOWS)
@pytest.mark.parametrize("cfg", [
    {"chunk": 0}, {"chunk": 1}, {"chunk": 2, "acc_round": "sr", "seed": 9}, {"chunk": 4, "fmt": "e5m2", "fmt_b": "e4m3b11"},
    {"chunk": 16, "fmt": "e4m3", "acc_round": "sr"}, {"chunk": 0, "acc_round": "sr", "fmt": "e5m2"},
], ids=["cl0", "cl1", "cl2-sr", "cl4-mixed", "cl16-e4m3-sr", "cl0-e5m2-sr"])
def test_golden_equals_exact_rational_reference(df, cfg):
    rng = np.random.default_rng(21)
    for shape in ((1, 1), (3, 2), (4, 4)):
        p = _p(shape, df, **cfg)
        probs = [_finite_problem(p, rng, M, N, K) for M, N, K in ((1, 1, 1), (5, 3, 11), (4, 5, 3 * shape[0] + 1))]
        prog = golden.build_program(p, probs)
        for pi, prob in enumerate(probs):
            want = _reference(p, prob.A, prob.B, base=prog.item_base[pi])
            assert np.array_equal(prog.results[pi], want), (shape, df, cfg, pi)
            assert np.array_equal(golden.reference(p, prob, t0=prog.item_base[pi]), want)


def test_reference_is_sensitive_to_chunks_rounding_and_words():
    """The exact reference tells the variants apart (so agreeing with it means something)."""
    rng = np.random.default_rng(3)
    p = _p((2, 2), "os", chunk=4)
    prob = _finite_problem(p, rng, 6, 6, 40)
    base = _reference(p, prob.A, prob.B)
    for other in ({"chunk": 0}, {"chunk": 8}, {"chunk": 4, "acc_round": "sr"}):
        assert not np.array_equal(_reference(_p((2, 2), "os", **other), prob.A, prob.B), base), other
    sr = _p((2, 2), "os", chunk=4, acc_round="sr")
    assert not np.array_equal(_reference(sr, prob.A, prob.B, base=0), _reference(sr, prob.A, prob.B, base=1))


# -- per-PE stochastic-rounding seeds ---------------------------------------------------------------
def test_pe_seeds_follow_the_documented_rule_and_are_distinct():
    p = _p((64, 64), "ws", acc_round="sr", seed=123)
    seeds = [p.pe_seed(i, j) for i in range(64) for j in range(64)]
    assert seeds == [_pe_seed(123, i, j) for i in range(64) for j in range(64)] and seeds[0] == 123
    assert len({s % (2**32 - 1) + 1 for s in seeds}) == 64 * 64      # distinct LFSR start states
    # for any --seed: two PEs' seeds never coincide or differ by 1 (0 and 2^32 - 1 share a start state)
    diffs = [(di * 0x9E3779B9 + dj * 0x85EBCA6B) % 2**32 for di in range(-63, 64) for dj in range(-63, 64)]
    assert diffs.count(0) == 1 and 1 not in diffs and 2**32 - 1 not in diffs   # 0 only for (0, 0)
    for df in DATAFLOWS:   # explicit in the manifest; the same parameters give the same files
        p = _p((2, 3), df, acc_round="sr", seed=7, chunk=2)
        g, g2 = generate(UNIT, p), generate(UNIT, p)
        assert g.verilog == g2.verilog and g.manifest == g2.manifest
        want = [[_pe_seed(7, i, j) for j in range(3)] for i in range(2)]
        assert g.manifest["pe_detail"]["sr_seeds"]["pe_seeds"] == want
        assert g.verilog.count(".sr_start(") == 1 and "sr_start" in g.verilog.split("endmodule")[-2]
        rne = generate(UNIT, p.replace(acc_round="rne"))
        assert "sr_start" not in rne.verilog and "sr_seeds" not in rne.manifest["pe_detail"]


def _same_stream_problem(p, rng, K):
    """Every PE of a 2 x 2 array sees the same product stream (os: equal rows of A and columns
    of B; ws: the two columns equal), finite sums that need rounding."""
    a = vectors.hfp8_codes(p.fmt, rng, (1, K))
    b = vectors.hfp8_codes(p.fmt, rng, (K, 1))
    return golden.Problem(np.repeat(a, 2, axis=0), np.repeat(b, 2, axis=1))


@pytest.mark.parametrize("df", DATAFLOWS)
def test_pes_fed_the_same_stream_round_differently(sim, df):
    """With one seed for every PE, outputs with the same products came out equal (the same
    random bits); with per-PE seeds they differ on some outputs, in the golden model and, bit
    for bit, on the RTL."""
    p = _p((2, 2), df, acc_round="sr", seed=3, chunk=2 if df == "ws" else 0)
    rng = np.random.default_rng(17)
    probs = [_same_stream_problem(p, rng, 12) for _ in range(6)]
    prog = golden.build_program(p, probs)
    res = np.array(prog.results)                        # (6, 2, 2)
    assert (res[:, :, 0] != res[:, :, 1]).any()         # column 0 vs column 1: same sums, other PEs
    if df == "os":
        assert (res[:, 0, :] != res[:, 1, :]).any()     # row 0 vs row 1
    rep = _run(p, sim, problems=probs)
    assert rep.vectors == len(prog.expected)


def test_sr_errors_average_out_across_pes():
    """Theory check: SR is unbiased, so 256 PEs of a 16 x 16 os array fed the same 48 products
    give results whose mean error against the exact sum (Fractions) is within 4 standard errors
    of 0, and the errors differ from PE to PE (with one seed they were 256 equal numbers)."""
    p = _p((16, 16), "os", acc_round="sr", seed=1)
    rng = np.random.default_rng(5)
    K = 48
    a = vectors.hfp8_codes("e4m3b11", rng, (1, K))
    b = vectors.hfp8_codes("e4m3b11", rng, (K, 1))
    prob = golden.Problem(np.repeat(a, 16, axis=0), np.repeat(b, 16, axis=1))
    res = golden.build_program(p, [prob]).results[0]
    exact = sum(x[0] * y[0] for x, y in zip(_decode(a[0], "e4m3b11"), _decode(b[:, 0], "e4m3b11")))
    err = np.array([float(_value16(int(v))[0] - exact) for v in res.ravel()])
    _, counts = np.unique(err, return_counts=True)
    assert len(counts) > 2 and counts.max() < err.size / 2   # results on several binary16 grid points
    se = err.std(ddof=1) / np.sqrt(err.size)
    rne = golden.build_program(_p((16, 16), "os"), [prob]).results[0]
    assert len(set(rne.ravel().tolist())) == 1  # RNE: 256 equal results
    rne_err = float(_value16(int(rne[0, 0]))[0] - exact)
    # the figures docs/pe_array.md quotes (pytest -s tests/test_pe_array_hfp8.py -k sr_errors_average_out)
    print(f"\nSR 16x16 os, {K} products: exact sum {float(exact):.4f}, {len(counts)} distinct binary16 results")
    print(f"SR mean error {err.mean():.4f}, standard error {se:.4f}; RNE error {rne_err:.4f}")
    assert se > 0 and abs(err.mean()) <= 4 * se, (err.mean(), se)


def test_os_golden_is_the_hfp8_mac_per_output():
    """An os array's result (i, j) is hfp8-mac's dot product of row i and column j (that unit's
    golden model, checked in tests/test_hfp8_golden.py against fp16-pe's and Fractions), with
    the LFSR words of the array's stream position."""
    rng = np.random.default_rng(8)
    for cfg in ({"chunk": 0}, {"chunk": 4}, {"chunk": 2, "acc_round": "sr", "seed": 3}, {"chunk": 64}):
        p = _p((3, 2), "os", **cfg)
        M, N, K = 3, 2, 150
        prob = golden.Problem(vectors.hfp8_codes("e4m3b11", rng, (M, K), 0.02),
                              vectors.hfp8_codes("e4m3b11", rng, (K, N), 0.02))
        got = golden.build_program(p, [prob]).results[0]
        for i in range(M):
            for j in range(N):
                words = lfsr_words(_pe_seed(p.seed, i, j), K)  # one tile: item k draws word k of PE (i, j)
                last = np.arange(K) == K - 1
                want = mac_stream(p.hfp8_params(), prob.A[i], prob.B[:, j], np.arange(K) == 0, last, words)
                assert int(got[i, j]) == int(want[0]), (cfg, i, j)


def test_chunking_in_the_array_stops_swamping():
    """1.0 x 1.0 accumulated 4096 times in one PE: binary16 RNE stalls at 2048, CL = 64 is exact
    (the golden numbers docs/hfp8.md's swamping table gives for the MAC)."""
    one = 0x58  # e4m3b11: exponent code 11 = 2^0, mantissa 0
    prob = golden.Problem(np.full((1, 4096), one), np.full((4096, 1), one))
    for cl, value in ((0, 2048.0), (1, 2048.0), (2, 4096.0), (64, 4096.0)):
        p = _p((1, 1), "os", chunk=cl)
        assert golden.result_float(p, golden.build_program(p, [prob]).results[0], 4096)[0, 0] == value
    w = _p((4, 1), "ws", chunk=4)
    assert golden.result_float(w, golden.build_program(w, [prob]).results[0], 4096)[0, 0] == 4096.0


# -- cycle model -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("df", DATAFLOWS)
def test_cycle_model_matches_the_closed_form(df):
    for shape in SHAPES:
        p = _p(shape, df, **CONFIGS[shape])
        assert timing.latency_cycles(p) == timing.steps(p, "first_row")
        shapes = vectors.problem_shapes(p, 1, 3)
        probs = vectors.make_problems(p, 1, 3)
        assert [pr.shape for pr in probs] == shapes
        prog = golden.build_program(p, probs)
        pred = golden.cycle_model(p, prog)
        rep = golden.cycle_report(p, prog, pred["end"])
        assert rep["agree"] and len(pred["outputs"]) == len(prog.expected), (shape, df, rep)


def test_vectors_cover_specials_and_stay_mostly_finite():
    p = _p((4, 4), "os", fmt="e5m2")
    probs = vectors.make_problems(p, 1, 6)
    codes = np.concatenate([pr.A.ravel() for pr in probs])
    assert (codes == 0x7C).any() or (codes == 0xFC).any()  # e5m2 infinities
    res = np.concatenate([golden.result_float(p, r, 1).ravel() for r in golden.build_program(p, probs).results])
    assert np.isfinite(res).mean() > 0.5 and (np.abs(res[np.isfinite(res)]) > 0).mean() > 0.5


# -- simulation --------------------------------------------------------------------------------------
def _run(p, sim, count=2, **kw):
    rep = regression(UNIT, p, sim, count=count, **kw)
    rep.raise_if_failed()
    cyc = rep.details["cycles"]
    assert rep.vectors > 0 and cyc["accept_cycles_match"]
    assert cyc["agree"] and cyc["total_cycles_measured"] == cyc["total_cycles_analytic"]
    return rep


@pytest.mark.parametrize("df", DATAFLOWS)
@pytest.mark.parametrize("shape", SHAPES, ids=[f"{r}x{c}" for r, c in SHAPES])
def test_array_regression_every_shape(sim, shape, df):
    _run(_p(shape, df, **CONFIGS[shape]), sim, count=1 if shape == (8, 8) else 2)


@pytest.mark.parametrize("shape,cfg", [((4, 2), {"chunk": 1, "acc_round": "sr", "seed": 2}), ((5, 2), {"chunk": 2}),
                                       ((3, 3), {"chunk": 2, "acc_round": "sr", "fmt": "e5m2"})],
                         ids=["4x2-cl1-sr", "5x2-cl2", "3x3-cl2-sr-e5m2"])
def test_ws_folds_in_consecutive_rows_and_in_the_bottom_row(sim, shape, cfg):
    """ws with chunks: a folding row folds on its output, from its registers, one step before
    the next row (or the de-skew) takes it. CL 1 (every row folds, each fold feeding the next
    folding row) and odd R with CL 2 (the bottom row folds a chunk of one product) match the
    golden model row by row and cycle by cycle; the every-shape matrix has CL 1 only at 1x1."""
    _run(_p(shape, "ws", **cfg), sim)


@pytest.mark.slow
def test_ws_chunk_fold_is_off_the_critical_path():
    """STA (osu018): a 2x2 ws array with CL 2 has about the critical path of the unchunked one
    (the fold on a folding PE's output, one binary16 adder between registers). Before the
    fold was moved there, the folding row had two adders in series: 30.4 ns."""
    need("yosys", "yosys-abc", "sta")
    from schw.ppa import ppa
    cp = {cl: ppa(UNIT, _p((2, 2), "ws", chunk=cl), "osu018", activity=0.1)["critical_path_ns"] for cl in (0, 2)}
    assert cp[2] < 1.25 * cp[0], cp


@pytest.mark.parametrize("df", DATAFLOWS)
def test_idle_gaps_do_not_advance_the_rounding_words(df):
    """SR with idle cycles between items (junk on the data ports): the PEs draw a word only
    per product, so the results and every cycle still match."""
    need("cocotb", "icarus")
    rep = regression(UNIT, _p((2, 3), df, chunk=2, acc_round="sr", seed=11), "icarus", count=3, gaps=0.3)
    rep.raise_if_failed()
    assert rep.vectors > 0 and rep.details["cycles"]["accept_cycles_match"]


def test_swamping_on_the_rtl():
    """The chunking figures above, through the RTL (Verilator): 4096 products of 1.0."""
    need("cocotb", "verilator")
    one = 0x58
    prob = golden.Problem(np.full((1, 4096), one), np.full((4096, 1), one))
    for cl in (0, 64):
        p = _p((1, 1), "os", chunk=cl)
        rep = _run(p, "verilator", problems=[prob])
        assert rep.vectors == 1
        value = golden.result_float(p, golden.build_program(p, [prob]).results[0], 4096)[0, 0]
        assert value == (2048.0 if cl == 0 else 4096.0)


def _mutated(tmp_path, p, old, new):
    g = generate(UNIT, p)
    assert g.verilog.count(old) == 1
    f = tmp_path / f"broken_{p.dataflow}.v"
    f.write_text(g.verilog.replace(old, new))
    good = tmp_path / f"good_{p.dataflow}.v"
    good.write_text(g.verilog)
    return good, f


@pytest.mark.parametrize("df,old,new", [
    ("os", ".first(f_i[1]),", ".first(1'b0),"),                     # chunks and sums never restart
    ("ws", ".fold((r % 2 == 1) || (r == R - 1)),", ".fold(r == R - 1),"),  # chunks not folded inside the column
], ids=["os-no-restart", "ws-no-chunk-fold"])
def test_verify_catches_a_broken_array(tmp_path, capsys, df, old, new):
    need("cocotb", "icarus")
    from schw.cli import main
    p = _p((4, 3), df, chunk=2)
    good, broken = _mutated(tmp_path, p, old, new)
    args = ["verify", "pe-array", "--pe", "hfp8", "--rows", "4", "--cols", "3", "--dataflow", df, "--chunk", "2",
            "--sim", "icarus", "--vectors", "2"]
    assert main([*args, "--rtl", str(good)]) == 0
    capsys.readouterr()
    assert main([*args, "--rtl", str(broken)]) == 1
    assert "FAIL" in capsys.readouterr().out


def test_verify_catches_other_random_words(tmp_path):
    """SR: an array built with another LFSR seed fails (the golden model reproduces the words)."""
    need("cocotb", "icarus")
    from schw.verify import regression as verify_regression
    p = _p((2, 2), "os", chunk=2, acc_round="sr", seed=1)
    other = tmp_path / "seed2.v"
    other.write_text(generate(UNIT, p.replace(seed=2)).verilog)
    rep = verify_regression(UNIT, p, "icarus", rtl=[other], top=UNIT.top(p.replace(seed=2)), count=2)
    assert not rep.passed and rep.mismatches


@pytest.mark.parametrize("df", DATAFLOWS)
def test_amaranth_array_is_a_second_implementation(tmp_path, df):
    need("cocotb", "icarus")
    from amaranth.back import verilog

    from schw.units.pe_array.rtl import PeArray
    from schw.verify import regression as verify_regression
    p = _p((2, 3), df, chunk=2, acc_round="sr")
    f = tmp_path / "amaranth.v"
    f.write_text(verilog.convert(PeArray(p), name=UNIT.top(p), emit_src=False))
    verify_regression(UNIT, p, "icarus", rtl=[f], count=2).raise_if_failed()
