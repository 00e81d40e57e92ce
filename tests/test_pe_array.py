"""pe-array: parameters, generator, golden model (against independent references: integer
matmul, a SoftFloat FMA chain, a bit-level SC stream simulation), tiling, timing formulas,
cycle model, and the regression on both simulators (including deliberately broken arrays).

Tiers: the golden model alone (no tools), then cocotb on Verilator and Icarus: every shape x PE
x dataflow on both simulators, 16x16 fp16 on Verilator, idle gaps, and broken arrays.
"""

import importlib
from pathlib import Path

import numpy as np
import pytest

from conftest import need
from schw.errors import CheckFailed, ParamError
from schw.output import generate
from schw.registry import get
from schw.sc.golden import sng_codes
from schw.sc.spec import SngSpec
from schw.units.fp16_pe.golden import softfloat_evaluate
from schw.units.pe_array import contract, golden, timing, vectors
from schw.units.pe_array.harness import regression
from schw.units.pe_array.rtl import PeArray
from schw.units.sc_dot.golden import dot_counts
from schw.verify import regression as verify_regression

UNIT = get("pe-array")
P = UNIT.Params
SHAPES = [(1, 1), (2, 3), (3, 5), (4, 4), (8, 8)]
PES = ("int8", "fp16", "sc")
DATAFLOWS = ("os", "ws")


# -- parameters and generation ----------------------------------------------------------------
def test_defaults_and_validation():
    p = P()
    assert (p.rows, p.cols, p.pe, p.dataflow) == (8, 8, "int8", "os")
    assert P(rows=5).cols == 5 and P(rows=5, cols=3).cols == 3
    for bad in ({"rows": 0}, {"rows": 65}, {"cols": 65}, {"pe": "fp8"}, {"dataflow": "is"},
                {"pe": "int8", "length": 32}, {"pe": "sc", "acc": "fp16"}):
        with pytest.raises(ParamError):
            P(**bad)


def test_generate_default_is_deterministic_and_documents_the_interface():
    g1, g2 = generate(UNIT, P()), generate(UNIT, P(rows=8, cols=8))
    assert g1.verilog == g2.verilog and g1.top == g2.top
    names = {q["name"] for q in g1.manifest["ports"]}
    assert names == {"clk", "rst", "in_valid", "in_last", "in_ready", "a", "b", "out_valid", "out"}
    widths = {q["name"]: q["width"] for q in g1.manifest["ports"]}
    assert widths["a"] == 64 and widths["b"] == 64 and widths["out"] == 8 * 32
    for key in ("loading", "draining", "formulas", "accumulation_order", "ports_doc"):
        assert g1.manifest[key]
    ws = generate(UNIT, P(rows=3, cols=5, dataflow="ws", pe="fp16", acc="fp16"))
    w = {q["name"]: q["width"] for q in ws.manifest["ports"]}
    assert w["a"] == 3 * 16 and w["w"] == 5 * 16 and w["psum"] == 5 * 16 and w["out"] == 5 * 16
    assert f"module {ws.top}(" in ws.verilog.replace(" (", "(")


def test_generate_large_arrays():
    for r in (32, 64):
        g = generate(UNIT, P(rows=r))
        assert g.manifest["array"]["rows"] == r and len(g.verilog) < 100_000


# -- golden model against independent references ----------------------------------------------
def _wrap32(x):
    return np.asarray(x, dtype=np.int64) & 0xFFFFFFFF


@pytest.mark.parametrize("df", DATAFLOWS)
@pytest.mark.parametrize("shape", [(1, 1), (2, 3), (3, 5)])
def test_int8_tiled_result_equals_integer_matmul(shape, df):
    p = P(rows=shape[0], cols=shape[1], dataflow=df)
    probs = vectors.make_problems(p, seed=3, count=6)
    prog = golden.build_program(p, probs)
    for prob, res in zip(probs, prog.results):
        ref = golden._sext8(prob.A) @ golden._sext8(prob.B)  # exact in int64
        assert np.array_equal(res, _wrap32(ref))


def test_int8_wraps_modulo_2_32():
    p = P(rows=1)
    a = np.full((1, 1, 1), 0x80, dtype=np.int64)  # -128 * -128 = 2^14
    assert int(golden.fold(p, a, a, [[(1 << 31) - (1 << 14)]])[0, 0]) == 1 << 31  # past int32 max
    one = np.ones((1, 1, 1), dtype=np.int64)
    assert int(golden.fold(p, one, one, [[0xFFFFFFFF]])[0, 0]) == 0  # -1 + 1
    m1 = np.full((1, 1, 1), 0xFF, dtype=np.int64)
    assert int(golden.fold(p, m1, one, [[0]])[0, 0]) == 0xFFFFFFFF  # -1 * 1


def _softfloat_fold(p, A, B):
    """Sequential fma chain acc = fma(a, b, acc) from the neutral zero, via Berkeley SoftFloat."""
    M, K = A.shape
    N = B.shape[1]
    acc = np.full(M * N, p.zero, dtype=np.int64)
    for k in range(K):
        a = np.repeat(A[:, k], N)
        b = np.tile(B[k, :], M)
        acc, _ = softfloat_evaluate(np.zeros_like(acc), p.rm_code, a, b, acc, acc=p.acc)
        acc = np.asarray(acc, dtype=np.int64)
    return acc.reshape(M, N)


@pytest.mark.parametrize("acc,rm", [("fp16", "rne"), ("fp32", "rne"), ("fp16", "rdn"), ("fp32", "rtz")])
def test_fp16_golden_is_the_softfloat_fma_chain_for_every_tiling(acc, rm):
    rng = np.random.default_rng(5)
    for shape, df in (((2, 3), "os"), ((3, 5), "ws"), ((4, 4), "ws"), ((1, 1), "os")):
        p = P(rows=shape[0], cols=shape[1], pe="fp16", dataflow=df, acc=acc, rm=rm)
        M, N, K = 5, 4, 9
        A = vectors.random_codes(p, rng, (M, K), special_rate=0.15)
        B = vectors.random_codes(p, rng, (K, N), special_rate=0.15)
        A[0, :] = 0x8000  # a row of -0: the sign of an all-zero sum depends on the start value
        B[:, 0] = 0x0000
        prob = golden.Problem(A, B)
        ref = _softfloat_fold(p, A, B)
        prog = golden.build_program(p, [prob])
        assert np.array_equal(prog.results[0], ref)
        assert np.array_equal(golden.reference(p, prob), ref)


def test_fp16_special_values_are_generated():
    p = P(pe="fp16")
    x = np.concatenate([pr.A.ravel() for pr in vectors.make_problems(p, 1, 6)])
    exp, frac = (x >> 10) & 0x1F, x & 0x3FF
    assert ((exp == 0) & (frac != 0)).any()           # subnormals
    assert ((exp == 31) & (frac == 0)).any()          # infinities
    assert ((exp == 31) & (frac != 0)).any()          # NaNs
    assert ((x == 0) | (x == 0x8000)).any()           # zeros


def test_fp16_matmul_sanity_within_tolerance():
    p = P(rows=4, pe="fp16", acc="fp32")
    rng = np.random.default_rng(2)
    A = vectors.random_codes(p, rng, (6, 11))
    B = vectors.random_codes(p, rng, (11, 7))
    got = golden.result_float(p, golden.reference(p, golden.Problem(A, B)), 11)
    fa, fb = golden.as_float(p, A), golden.as_float(p, B)
    bound = np.abs(fa) @ np.abs(fb) * 11 * 2.0 ** -23 + 1e-30
    assert np.all(np.abs(got - fa @ fb) <= bound)


def test_sc_result_is_the_sum_of_per_chunk_dot_counts():
    for df in DATAFLOWS:
        p = P(rows=2, cols=3, pe="sc", dataflow=df, inputs=3, length=32)
        rng = np.random.default_rng(9)
        K = 7
        A = vectors.random_codes(p, rng, (4, K))
        B = vectors.random_codes(p, rng, (K, 5))
        kp = golden.padded_k(p, K)
        Ap = np.full((4, kp), p.pad_a)
        Bp = np.full((kp, 5), p.pad_b)
        Ap[:, :K], Bp[:K] = A, B
        want = np.zeros((4, 5), dtype=np.int64)
        for i in range(4):
            for j in range(5):
                chunks = [(Ap[i, s:s + 3], Bp[s:s + 3, j]) for s in range(0, kp, 3)]
                want[i, j] = sum(int(dot_counts(p.sc_params(), a[None], b[None])[0]) for a, b in chunks)
        assert np.array_equal(golden.build_program(p, [golden.Problem(A, B)]).results[0], want)
        est = golden.result_float(p, want, K)
        exact = golden.as_float(p, A) @ golden.as_float(p, B)
        assert np.abs(est - exact).mean() < 0.25 * kp  # an estimate, not garbage


def _sc_bitstream_counts(p, A, B):
    """Independent sc reference: a bit-level simulation of the streams, from the documented
    encoding rather than from ``dot_counts``. K is padded with the bipolar-zero code 2^(N-1) to a
    multiple of k (os) or k*R (ws) (manifest ``result_format``/``zero``, docs/pe_array.md); every
    step restarts the SNG (sc-dot: start restarts the generators), so each chunk of k products
    sees the same L codes; channel 0 drives every a lane and channel 1 every b lane (sc-dot
    manifest ``operand_channel``). Per cycle t the comparator bit is ``code < operand``
    (``COMPARATOR_RULE``), the product bit is the XNOR of the two, and a result counts the ones
    over all products and all L cycles."""
    M, K = A.shape
    N = B.shape[1]
    q = p.inputs * (p.rows if p.dataflow == "ws" else 1)
    kp = -(-K // q) * q
    zero = 1 << (p.width - 1)
    Ap = np.full((M, kp), zero, dtype=np.int64)
    Bp = np.full((kp, N), zero, dtype=np.int64)
    Ap[:, :K], Bp[:K] = A, B
    codes = sng_codes(SngSpec(p.sng, p.width, p.seed), 2, p.length)
    ones = np.zeros((M, N), dtype=np.int64)
    for t in range(p.length):
        a_bit = codes[0, t] < Ap                  # (M, kp)
        b_bit = codes[1, t] < Bp                  # (kp, N)
        ones += (a_bit[:, :, None] == b_bit[None, :, :]).sum(axis=1)  # XNOR, summed over the products
    return ones


def _sc_problem(p, rng, M, N, K):
    return golden.Problem(rng.integers(0, 1 << p.width, size=(M, K)), rng.integers(0, 1 << p.width, size=(K, N)))


@pytest.mark.parametrize("df", DATAFLOWS)
@pytest.mark.parametrize("shape", [(1, 1), (2, 3), (4, 4)], ids=["1x1", "2x3", "4x4"])
def test_sc_golden_equals_a_bit_level_stream_simulation(shape, df):
    rng = np.random.default_rng(11)
    for sng, seed, k, width, length in (("lfsr", 0, 2, 8, 16), ("lfsr", 77, 3, 5, 32), ("sobol", 0, 4, 8, 16),
                                        ("sobol", 5, 1, 6, 64)):
        p = P(rows=shape[0], cols=shape[1], pe="sc", dataflow=df, sng=sng, seed=seed, inputs=k, width=width,
              length=length)
        for M, N, K in ((1, 1, 1), (shape[0] + 1, shape[1] + 2, 2 * k * shape[0] + 1), (5, 4, 7)):
            prob = _sc_problem(p, rng, M, N, K)
            want = _sc_bitstream_counts(p, prob.A, prob.B)
            assert np.array_equal(golden.build_program(p, [prob]).results[0], want), (p, M, N, K)
            assert np.array_equal(golden.reference(p, prob), want), (p, M, N, K)


def test_sc_bit_level_reference_catches_a_wrong_model():
    p = P(rows=2, cols=3, pe="sc", inputs=3, length=32)
    prob = _sc_problem(p, np.random.default_rng(4), 4, 5, 7)
    want = _sc_bitstream_counts(p, prob.A, prob.B)
    got = golden.build_program(p, [prob]).results[0]
    assert np.array_equal(got, want)
    wrong = got.copy()
    wrong[2, 1] += 1  # one result off by one
    assert np.argwhere(wrong != want).tolist() == [[2, 1]]
    # a plausible wrong model: a and b on each other's SNG channel (B^T A^T, transposed back)
    swapped = golden.reference(p, golden.Problem(prob.B.T.copy(), prob.A.T.copy())).T
    assert not np.array_equal(swapped, want)


def test_pack_layout():
    p = P(rows=2, cols=3)
    assert golden.pack(p, np.array([[1, 2, 3]]), 8) == [0x030201]
    q = P(rows=2, pe="sc", inputs=2, width=4)
    assert golden.pack(q, np.array([[[1, 2], [3, 4]]]), 8) == [0x4321]
    assert golden.pack(p, np.zeros((0, 3, 1), dtype=np.int64), 8) == []
    for bad in (np.array([[1, 256]]), np.array([[-1, 0]])):  # a code wider than its lane, a negative one
        with pytest.raises(ValueError):
            golden.pack(p, bad, 8)
    with pytest.raises(ValueError):  # 2 codes of 4 bits do not fit a 6-bit lane
        golden.pack(q, np.array([[[1, 2]]]), 6)


def _pack_by_strings(x, width, code_bits):
    """Independent reference of the port-word layout: every lane written out as a binary string
    (an sc lane: its codes, code 0 rightmost, ``code_bits`` each), lane 0 rightmost, read as one
    binary number."""
    words = []
    for row in np.asarray(x).tolist():
        lanes = []
        for lane in row:
            codes = lane if isinstance(lane, list) else [lane]
            text = "".join(format(c, f"0{code_bits if len(codes) > 1 else width}b") for c in reversed(codes))
            assert len(text) <= width
            lanes.append(text.rjust(width, "0"))
        words.append(int("".join(reversed(lanes)), 2))
    return words


PACK_CASES = [("int8", {}), ("fp16", {"acc": "fp16"}), ("fp16", {}), ("sc", {"inputs": 3, "width": 5, "length": 4}),
              ("sc", {"inputs": 1, "length": 4}), ("hfp8", {}), ("hfp8", {"chunk": 2}),
              ("unary", {"width": 4, "counter": 13})]


@pytest.mark.parametrize("df", DATAFLOWS)
@pytest.mark.parametrize("case", PACK_CASES, ids=[f"{pe}-{i}" for i, (pe, _) in enumerate(PACK_CASES)])
def test_pack_of_every_port_word_matches_a_string_reference(monkeypatch, case, df):
    """Every word ``build_program`` packs (a, b, w, psum), for every PE type, lane and
    accumulator width, on odd and big shapes, against :func:`_pack_by_strings`."""
    pe, extra = case
    calls = []
    real = golden.pack

    def recording(p, x, width):
        words = real(p, x, width)
        calls.append((p, np.array(x), width, words))
        return words

    monkeypatch.setattr(golden, "pack", recording)
    for shape in SHAPES + [(32, 32)]:
        p = P(rows=shape[0], cols=shape[1], pe=pe, dataflow=df, **extra)
        golden.build_program(p, vectors.make_problems(p, seed=2, count=2))
    q = P(pe=pe, dataflow=df, **extra)
    assert {width for _, _, width, _ in calls} == {q.lane_width} | ({q.acc_width} if df == "ws" else set())
    for p, x, width, words in calls:
        assert words == _pack_by_strings(x, width, p.width), (p, x.shape, width)


# -- cycle model ------------------------------------------------------------------------------------
@pytest.mark.parametrize("df", DATAFLOWS)
@pytest.mark.parametrize("pe", PES)
def test_cycle_model_matches_the_closed_form(pe, df):
    for r, c in SHAPES:
        p = P(rows=r, cols=c, pe=pe, dataflow=df, **({"length": 8} if pe == "sc" else {}))
        for seed in (1, 2):
            shapes = vectors.problem_shapes(p, seed, 3)
            rng = np.random.default_rng(seed)
            probs = [golden.Problem(vectors.random_codes(p, rng, (m, k)), vectors.random_codes(p, rng, (k, n)))
                     for m, n, k in shapes]
            prog = golden.build_program(p, probs)
            pred = golden.cycle_model(p, prog)
            rep = golden.cycle_report(p, prog, pred["end"])
            assert rep["agree"], (r, c, pe, df, rep)
            assert len(pred["outputs"]) == len(prog.expected)
            assert all(b > a for a, b in zip(pred["outputs"], pred["outputs"][1:]))


def test_cycle_formulas_single_tile():
    p = P(rows=4, cols=6)
    prog = golden.build_program(p, [golden.Problem(np.ones((4, 10), int), np.ones((10, 6), int))])
    assert timing.total_steps(p, prog.k_steps) == 10 + 2 * 4 + 6 - 1  # K + 2R + C - 1
    w = P(rows=4, cols=6, dataflow="ws")
    prog = golden.build_program(w, [golden.Problem(np.ones((9, 4), int), np.ones((4, 6), int))])
    assert timing.total_steps(w, prog.k_steps) == 4 + 9 + 4 + 6 - 1  # R + M + R + C - 1


def _written_out_totals(df, R, C):
    """Gap-free totals in steps (first input to last result row, inclusive) for the tile lists
    [1], [3, 1, 9], [R, 2R], written out from the docs/pe_array.md latency table:
    os (K_0 - 1) + sum_{i>=1} max(K_i, R) + 2R + C - 1 + 1;
    ws R + sum_{i<n} max(M_i, g) + (M_n - 1) + R + C - 1 + 1 with g = R + max(R + C - 2, 1)."""
    if df == "os":
        return {(1,): 2 * R + C,
                (3, 1, 9): 3 + max(1, R) + max(9, R) + 2 * R + C - 1,
                (R, 2 * R): R + 2 * R + 2 * R + C - 1}
    g = R + max(R + C - 2, 1)  # > R, so a tile of R rows waits for the reload
    return {(1,): 2 * R + C,
            (3, 1, 9): R + max(3, g) + max(1, g) + 9 + R + C - 1,
            (R, 2 * R): R + g + 2 * R + R + C - 1}


def test_cycle_timing_restates_the_step_formulas():
    """The cycle model's timing object (one per PE type) holds the step formulas, in cycles;
    every figure written out from the docs' latency table (a step is L + 1 = 9 cycles for sc at
    L = 8, one cycle for the others)."""
    for pe, extra in (("int8", {}), ("fp16", {}), ("sc", {"length": 8}), ("hfp8", {})):
        for (r, c), df in ((s, d) for s in SHAPES for d in DATAFLOWS):
            p = P(rows=r, cols=c, pe=pe, dataflow=df, **extra)
            t, S = timing.cycle_timing(p), 9 if pe == "sc" else 1
            assert p.step_cycles == S
            # os: row i at t_last + R + C + i, quiet one step after the last (2R + C - 1);
            # ws: row m at t_m + R + C - 1, quiet one step later
            first, quiet = (r + c, 2 * r + c) if df == "os" else (r + c - 1, r + c)
            assert (t.period, t.first_row) == (S, first * S)
            assert t.quiet_cycles == timing.quiet_cycles(p) == quiet * S
            if df == "os":
                assert (t.row_spacing, t.last_spacing) == (S, r)
            else:
                assert (t.weight_tick, t.weight_load, t.reload_gap) == (S, r, r + c - 2)
            for tiles, steps in _written_out_totals(df, r, c).items():
                assert t.analytic(list(tiles)) == ((steps - 1) * S + 1, steps), (pe, r, c, df, tiles)


# -- timing: one statement (schw.units.pe_array.timing), read by every consumer ----------------------
def _one_problem(p, M, N, K):
    return golden.build_program(p, [golden.Problem(np.ones((M, K), int), np.ones((K, N), int))])


@pytest.mark.parametrize("df", DATAFLOWS)
def test_timing_formulas_are_what_the_cycle_model_does(df):
    """Every formula of the manifest, evaluated, against the cycle model (itself checked against
    the RTL cycle by cycle in every regression): row latencies, single-tile totals, tile periods."""
    for R in range(1, 6):
        for C in range(1, 6):
            for pe, extra in (("int8", {}), ("sc", {"length": 4, "inputs": 1})):
                p = P(rows=R, cols=C, pe=pe, dataflow=df, **extra)
                n = lambda name, **v: timing.evaluate(contract.formulas(p)[name], R=R, C=C, **v)  # noqa: E731
                S = p.step_cycles
                if df == "os":
                    for K in (1, R, 3 * R + 1):
                        prog = _one_problem(p, R, C, K)
                        pred = golden.cycle_model(p, prog)
                        t_last, outs = pred["accepts"]["in"][-1], pred["outputs"]
                        assert outs == [t_last + (n("latency_first_row") + i) * S for i in range(R)]
                        assert outs[-1] == t_last + n("latency_last_row") * S
                        assert outs[0] - t_last == timing.latency_cycles(p)
                        assert (outs[-1] - pred["accepts"]["in"][0]) // S + 1 == timing.steps(p, "single_tile_total", K=K)
                        two = golden.cycle_model(p, _one_problem(p, 2 * R, C, K))["accepts"]["in"]
                        assert (two[2 * K - 1] - two[K - 1]) // S == timing.steps(p, "tile_period", K=K)
                else:
                    for M in (1, 2 * R + C, 3):
                        prog = _one_problem(p, M, C, R)
                        pred = golden.cycle_model(p, prog)
                        rows, outs = pred["accepts"]["in"], pred["outputs"]
                        assert outs == [t + n("latency") * S for t in rows]
                        assert outs[0] - rows[0] == timing.latency_cycles(p)
                        assert outs[-1] // S + 1 == timing.steps(p, "single_tile_total", M=M)  # first push at 0
                        first = golden.cycle_model(p, _one_problem(p, M, 2 * C, R))["accepts"]["in"]
                        period = (first[M] - first[0]) // S
                        assert period == max(M, timing.steps(p, "load_period"))
                        # the published tile period is exact except for a 1 x 1 array
                        assert (timing.steps(p, "tile_period", M=M) == period) == (R + C > 2 or M >= 2)


def test_manifest_timing_comes_from_the_timing_module():
    for df in DATAFLOWS:
        p = P(rows=3, cols=5, dataflow=df, pe="sc", length=8)
        g = generate(UNIT, p)
        assert g.manifest["latency_cycles"] == timing.latency_cycles(p) == UNIT.latency_cycles(p)
        f = timing.FORMULAS[df]
        assert g.manifest["formulas"] == contract.formulas(p)
        assert f["first_row"] in g.manifest["draining"]
        key = "latency_first_row" if df == "os" else "latency"
        assert g.manifest["formulas"][key] == f["first_row"]


def test_docs_hold_the_timing_table():
    docs = (Path(__file__).parents[1] / "docs" / "pe_array.md").read_text()
    assert timing.markdown_table() in docs


# -- simulation -----------------------------------------------------------------------------------
def _params(pe, df, r, c):
    extra = {"length": 8, "inputs": 2} if pe == "sc" else {}
    return P(rows=r, cols=c, pe=pe, dataflow=df, **extra)


def _run(p, sim, count=2, **kw):
    rep = regression(UNIT, p, sim, count=count, **kw)
    rep.raise_if_failed()
    cyc = rep.details["cycles"]
    assert rep.vectors > 0 and cyc["accept_cycles_match"]
    if "gaps" not in kw:
        assert cyc["agree"] and cyc["total_cycles_measured"] == cyc["total_cycles_analytic"]
    return rep


@pytest.mark.parametrize("df", DATAFLOWS)
@pytest.mark.parametrize("pe", PES)
@pytest.mark.parametrize("shape", SHAPES, ids=[f"{r}x{c}" for r, c in SHAPES])
def test_array_regression_every_shape(sim, shape, pe, df):
    _run(_params(pe, df, *shape), sim)


@pytest.mark.parametrize("df", DATAFLOWS)
def test_fp16_16x16_on_verilator(df):
    need("cocotb", "verilator")
    _run(P(rows=16, pe="fp16", dataflow=df), "verilator", count=2)


@pytest.mark.parametrize("df", DATAFLOWS)
def test_idle_gaps_follow_the_cycle_model(df):
    need("cocotb", "icarus")
    _run(P(rows=2, cols=3, dataflow=df), "icarus", count=3, gaps=0.3)


def _amaranth_array(tmp_path: Path, p, fault=None) -> Path:
    """The same contract implemented by the Amaranth PeArray (a second implementation)."""
    from amaranth.back import verilog
    f = tmp_path / f"dut_{fault}.v"
    f.write_text(verilog.convert(PeArray(p, fault=fault), name=UNIT.top(p), emit_src=False))
    return f


@pytest.mark.parametrize("df,fault", [("os", "no_reset"), ("ws", "stale_weights")])
def test_verify_accepts_a_second_implementation_and_catches_broken_ones(tmp_path, df, fault):
    need("cocotb", "icarus")
    p = P(rows=2, cols=3, dataflow=df)
    good = verify_regression(UNIT, p, "icarus", rtl=[_amaranth_array(tmp_path, p)], count=2)
    good.raise_if_failed()
    bad = verify_regression(UNIT, p, "icarus", rtl=[_amaranth_array(tmp_path, p, fault)], count=2)
    assert not bad.passed and bad.mismatches
    with pytest.raises(CheckFailed):
        bad.raise_if_failed()


def test_cli_gen_default_and_verify_broken(tmp_path):
    need("cocotb", "icarus")
    from schw.cli import main
    assert main(["gen", "pe-array", "--rows", "8", "-o", str(tmp_path / "out")]) == 0
    files = sorted(x.name for x in (tmp_path / "out").iterdir())
    assert any(f.endswith(".v") for f in files) and any(f.endswith(".json") for f in files)
    p = P(rows=2, cols=3)
    broken = _amaranth_array(tmp_path, p, "no_reset")
    assert main(["verify", "pe-array", "--rows", "2", "--cols", "3", "--rtl", str(broken),
                 "--sim", "icarus", "--vectors", "1"]) != 0


# -- synthesis --------------------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("df", DATAFLOWS)
def test_area_scales_as_pe_plus_shell(yosys, df):
    """2x2 int8: the array's area is within 10 % of R*C*PE + the shell (skew, drain, de-skew,
    control, measured around a stand-in PE whose own area is subtracted)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("bench_pe_array", Path(__file__).parents[1] / "bench" / "bench_pe_array.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    row = bench.bench_synth([2], ["int8"], [df])[0]
    assert abs(row["deviation_pct"]) <= 10, row


@pytest.mark.parametrize("pe", ["int8", "fp16", "sc", "hfp8", "unary"])
def test_manifest_names_a_golden_model_that_exists(pe):
    """The manifest's next.golden_model names a module and functions a user can import and call."""
    text = generate(UNIT, P(rows=2, pe=pe)).manifest["next"]["golden_model"]
    module, calls = text.split(": ", 1)
    mod = importlib.import_module(module)
    for name in ("build_program", "Problem", "cycle_model"):
        assert name in calls and callable(getattr(mod, name)), (module, name)
