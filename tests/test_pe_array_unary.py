"""pe-array --pe unary: parameters, golden model against an independent per-PE bit-stream
reference (its own LFSR stepping, SciPy's Sobol points, explicit ramps) and against theory
(temporal coding: exact products; early termination: ceil-rounded operand), cycle model
against the closed form, the regression of every shape x dataflow on both simulators, and
broken arrays caught by ``schw verify``.
"""

import math

import numpy as np
import pytest

from conftest import need
from schw.errors import ParamError
from schw.output import generate
from schw.registry import get
from schw.sc.spec import lfsr_init, lfsr_poly
from schw.units.pe_array import golden, timing, unary_golden, unary_timing, vectors
from schw.units.pe_array.harness import regression
from schw.verify import regression as verify_regression

UNIT = get("pe-array")
P = UNIT.Params
DATAFLOWS = ("os", "ws")
#: every listed shape, each with a different coding so the suite covers them all at modest L
CASES = [
    ((1, 1), {"sng": "temporal", "width": 2, "length": 16}),
    ((2, 3), {"sng": "lfsr", "width": 8, "length": 16}),
    ((3, 5), {"sng": "sobol", "width": 6, "length": 32, "et": 1}),
    ((4, 4), {"sng": "temporal", "width": 3, "length": 64, "et": 1}),
    ((8, 8), {"sng": "lfsr", "width": 5, "length": 16, "seed": 7}),
]


def _p(shape=(2, 3), df="os", **kw):
    return P(rows=shape[0], cols=shape[1], pe="unary", dataflow=df, **kw)


# -- parameters ---------------------------------------------------------------------------------
def test_parameters_and_validation():
    p = _p()
    assert p.lane_width == 9 and p.acc_width == 16 and p.step_cycles == 16
    assert _p(length=64, et=2).step_cycles == 16
    bad = [{"sng": "temporal", "width": 3, "length": 16},   # temporal needs L = 4^width
           {"sng": "temporal", "width": 2, "length": 16, "et": 3},
           {"sng": "temporal", "width": 2, "length": 16, "seed": 1},
           {"length": 16, "et": 4},                         # fewer than 2 cycles per step
           {"width": 11},
           {"counter": 8, "length": 256}]                   # counter narrower than one step's count
    for kw in bad:
        with pytest.raises(ParamError):
            _p(**kw)
    with pytest.raises(ParamError):
        P(pe="sc", sng="temporal")
    with pytest.raises(ParamError):
        P(pe="int8", et=1)


def test_default_parameter_sets_keep_their_names():
    """The unary fields are left out of as_dict at their defaults: existing tops keep their hash."""
    d = P().as_dict()
    assert "et" not in d and "counter" not in d
    assert UNIT.top(P()) == UNIT.top(P(rows=8, cols=8))


def test_generate_unary_both_dataflows():
    for df in DATAFLOWS:
        g = generate(UNIT, _p((3, 5), df))
        w = {q["name"]: q["width"] for q in g.manifest["ports"]}
        assert w["a"] == 3 * 9 and w["out"] == 5 * 16
        assert g.manifest["latency_cycles"] == timing.latency_cycles(_p((3, 5), df)) == 16 + 3 + 5 - 1
        assert g.verilog == generate(UNIT, _p((3, 5), df)).verilog
        assert f"module {g.top}_sng" in g.verilog


# -- an independent bit-level reference -----------------------------------------------------------
def _ref_sources(p):
    """(ra, rb) for cycles 0..T-1, computed without schw.sc.golden."""
    T, n = p.step_cycles, p.width
    t = np.arange(T)
    if p.sng == "temporal":
        slow = t >> n
        ra = np.array([int(format(int(x), f"0{n}b")[::-1], 2) for x in slow])
        return ra, t & ((1 << n) - 1)
    if p.sng == "sobol":
        from scipy.stats import qmc
        assert p.seed == 0
        pts = qmc.Sobol(d=2, scramble=False).random(T)
        codes = np.floor(pts * (1 << n)).astype(np.int64)
        return codes[:, 0], codes[:, 1]
    out = []
    for s in (0, 1):  # Galois LFSR written out: multiply by x modulo the polynomial
        poly, st, seq = lfsr_poly(n, s), lfsr_init(n, p.seed, s), []
        for _ in range(T):
            seq.append(st)
            st = ((st << 1) & ((1 << n) - 1)) ^ (poly if st >> (n - 1) else 0)
        out.append(np.array(seq))
    return out[0], out[1]


def _ref_gemm(p, A, B, psum=None):
    """Every PE's two streams written out bit by bit: C[i, j] = sum_k +-#(a_bits & b_bits)."""
    ra, rb = _ref_sources(p)
    n, mask = p.width, (1 << p.width) - 1
    M, K = A.shape
    N = B.shape[1]
    out = np.zeros((M, N), dtype=np.int64) if psum is None else psum.copy()
    for i in range(M):
        for j in range(N):
            for k in range(K):
                a_bits = ra < (A[i, k] & mask)
                b_bits = rb < (B[k, j] & mask)
                sign = -1 if (A[i, k] >> n) ^ (B[k, j] >> n) else 1
                out[i, j] += sign * int(np.sum(a_bits & b_bits))
    return out & ((1 << p.counter) - 1)


@pytest.mark.parametrize("df", DATAFLOWS)
@pytest.mark.parametrize("case", CASES, ids=[f"{r}x{c}" for (r, c), _ in CASES])
def test_golden_equals_the_bit_level_reference(case, df):
    shape, kw = case
    p = _p(shape, df, **kw)
    probs = vectors.make_problems(p, seed=5, count=3)
    prog = golden.build_program(p, probs)
    for prob, res in zip(probs, prog.results):
        assert np.array_equal(res, _ref_gemm(p, prob.A, prob.B))


def test_bit_level_reference_catches_a_wrong_model():
    p = _p(sng="sobol", width=4, length=32)
    rng = np.random.default_rng(0)
    A, B = rng.integers(0, 32, (3, 5)), rng.integers(0, 32, (5, 4))
    ref = _ref_gemm(p, A, B)
    assert np.array_equal(golden.fold(p, A[:, :, None], B[:, :, None]), ref)
    swapped = _p(sng="sobol", width=4, length=32)
    ra, rb = unary_golden.edge_codes(swapped)
    assert not np.array_equal(ra, rb)  # the two edges are different sources
    wrong = np.array([[sum(int(np.sum((ra <= (A[i, k] & 15)) & (rb < (B[k, j] & 15)))) *
                           (-1 if (A[i, k] ^ B[k, j]) & 16 else 1) for k in range(5)) for j in range(4)]
                      for i in range(3)]) & 0xFFFF
    assert not np.array_equal(wrong, ref)


# -- against theory ---------------------------------------------------------------------------------
@pytest.mark.parametrize("n", [2, 3, 4])
def test_temporal_products_are_exact(n):
    p = _p(sng="temporal", width=n, length=1 << (2 * n))
    m = np.arange(1 << n)
    assert np.array_equal(unary_golden.count_table(p)[:(1 << n), :(1 << n)], np.outer(m, m))
    rng = np.random.default_rng(n)
    A, B = rng.integers(0, 2 << n, (5, 7)), rng.integers(0, 2 << n, (7, 4))
    sm = lambda x: np.where(x >> n, -(x & ((1 << n) - 1)), x & ((1 << n) - 1))  # noqa: E731
    exact = sm(A) @ sm(B)  # integers: the value is exact / 4^n
    assert np.array_equal(golden.reference(p, golden.Problem(A, B)), exact & 0xFFFF)
    assert np.allclose(unary_golden.result_float(p, exact & 0xFFFF), golden.as_float(p, A) @ golden.as_float(p, B))


@pytest.mark.parametrize("et", [1, 2, 3])
def test_temporal_early_termination_rounds_a_up(et):
    n = 3
    p = _p(sng="temporal", width=n, length=64, et=et)
    assert p.step_cycles == 64 >> et
    m = np.arange(1 << n)
    expect = np.outer(-(-m // (1 << et)), m)  # m_b * ceil(m_a / 2^et)
    assert np.array_equal(unary_golden.count_table(p)[:8, :8], expect)


def test_rate_coding_error_shrinks_with_length():
    """Sobol rate coding: the GEMM RMSE against float64 falls as L grows (1/L-like)."""
    rng = np.random.default_rng(1)
    x, y = rng.uniform(-1, 1, (16, 16)), rng.uniform(-1, 1, (16, 16))
    errs = []
    for L in (16, 64, 256):
        p = _p(sng="sobol", width=8, length=L)
        A, B = unary_golden.encode(p, x), unary_golden.encode(p, y)
        got = unary_golden.result_float(p, golden.reference(p, golden.Problem(A, B)))
        errs.append(float(np.sqrt(np.mean((got - golden.as_float(p, A) @ golden.as_float(p, B)) ** 2))))
    assert errs[0] > errs[1] > errs[2] and errs[2] < 0.1


# -- timing -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("df", DATAFLOWS)
def test_cycle_model_matches_the_closed_form(df):
    for (r, c), kw in CASES:
        p = _p((r, c), df, **kw)
        for seed in (1, 2):
            probs = vectors.make_problems(p, seed, 3)
            prog = golden.build_program(p, probs)
            pred = golden.cycle_model(p, prog)
            assert golden.cycle_report(p, prog, pred["end"])["agree"], (r, c, df)
            assert len(pred["outputs"]) == len(prog.expected)
            assert all(b > a for a, b in zip(pred["outputs"], pred["outputs"][1:]))


def test_single_tile_latencies():
    p = _p((4, 6), "os")  # T = 16
    prog = golden.build_program(p, [golden.Problem(np.ones((4, 10), int), np.ones((10, 6), int))])
    pred = golden.cycle_model(p, prog)
    t_last = pred["accepts"]["in"][-1]
    assert t_last == 9 * 16
    assert pred["outputs"] == [t_last + 16 + 4 + 6 - 1 + i for i in range(4)]
    assert unary_timing.last_spacing(p) == 1 and unary_timing.last_spacing(_p((8, 8), "os")) == 2
    w = _p((4, 6), "ws")
    prog = golden.build_program(w, [golden.Problem(np.ones((9, 4), int), np.ones((4, 6), int))])
    pred = golden.cycle_model(w, prog)
    assert pred["accepts"]["w"] == [0, 1, 2, 3] and pred["accepts"]["in"][0] == 16
    assert pred["outputs"][0] == 16 + 16 + 4 + 6 - 1


def _written_out_totals(df, R, C, T):
    """Gap-free totals in cycles (cycle 0 to the last result row, inclusive) for the tile lists
    [1], [3, 1, 9], [R, 2R], written out from the docs/pe_array.md unary timing table.
    os: in_last of tile i accepted (K_0 - 1 + sum_{i>=1} max(K_i, S)) T cycles in, with
    S = max(1, ceil((2R + C - 2)/T)); its last row T + 2R + C - 2 cycles later.
    ws: the first row waits for the R weight pushes (one per cycle from cycle 0) to the next
    step cycle, ceil(R/T) steps; tile period max(M, W), W = ceil((2R + C - 1)/T) steps; the
    last row T + R + C - 1 cycles after the last accepted row."""
    if df == "os":
        S = max(1, math.ceil((2 * R + C - 2) / T))
        drain = T + 2 * R + C - 2 + 1
        return {(1,): drain,
                (3, 1, 9): (2 + max(1, S) + max(9, S)) * T + drain,
                (R, 2 * R): (R - 1 + max(2 * R, S)) * T + drain}
    W, first = math.ceil((2 * R + C - 1) / T), math.ceil(R / T)
    drain = T + R + C - 1 + 1
    return {(1,): first * T + drain,
            (3, 1, 9): (first + max(3, W) + max(1, W) + 8) * T + drain,
            (R, 2 * R): (first + max(R, W) + 2 * R - 1) * T + drain}


def test_cycle_timing_holds_the_unary_cycle_formulas():
    """The cycle model's timing object for --pe unary: unary_timing's formulas, in cycles (weights
    any cycle, result rows one cycle apart). Besides CASES: 4x9 and 4x10 at T = 16 put 2R + C - 1
    (ws) and 2R + C - 2 (os) on a multiple of T, and 8x8 at T = 2 has tile periods (S = 11,
    W = 12 steps) longer than most of the tiles."""
    edges = [((4, 9), {"length": 16}), ((4, 10), {"length": 16}), ((8, 8), {"length": 16, "et": 3})]
    for (r, c), kw in CASES + edges:
        for df in DATAFLOWS:
            p = _p((r, c), df, **kw)
            T = kw["length"] >> kw.get("et", 0)
            t = timing.cycle_timing(p)
            assert p.step_cycles == T
            assert (t.period, t.first_row) == (T, unary_timing.first_row(p)) and t.first_row == T + r + c - 1
            # last row: os row R - 1 at t_last + T + 2R + C - 2, ws row m at t_m + T + R + C - 1
            quiet = T + 2 * r + c - 1 if df == "os" else T + r + c
            assert t.quiet_cycles == timing.quiet_cycles(p) == quiet
            if df == "os":
                assert (t.row_spacing, t.last_spacing) == (1, max(1, math.ceil((2 * r + c - 2) / T)))
            else:
                assert (t.weight_tick, t.weight_load, t.reload_gap) == (1, r, r + c - 1)
            for tiles, cycles in _written_out_totals(df, r, c, T).items():
                assert t.analytic(list(tiles)) == (cycles, math.ceil(cycles / T)), (r, c, df, tiles)


# -- simulation ---------------------------------------------------------------------------------------
def _run(p, sim, count=2, **kw):
    rep = regression(UNIT, p, sim, count=count, **kw)
    rep.raise_if_failed()
    cyc = rep.details["cycles"]
    assert rep.vectors > 0 and cyc["accept_cycles_match"]
    if "gaps" not in kw:
        assert cyc["agree"] and cyc["total_cycles_measured"] == cyc["total_cycles_analytic"]
    return rep


@pytest.mark.parametrize("df", DATAFLOWS)
@pytest.mark.parametrize("case", CASES, ids=[f"{r}x{c}" for (r, c), _ in CASES])
def test_array_regression_every_shape(sim, case, df):
    shape, kw = case
    _run(_p(shape, df, **kw), sim)


@pytest.mark.parametrize("df", DATAFLOWS)
def test_idle_gaps_follow_the_cycle_model(df):
    need("cocotb", "icarus")
    _run(_p((2, 3), df, length=16, width=4), "icarus", count=3, gaps=0.3)


MUTATIONS = {
    "comparator": ("(ra < code[N-1:0])", "(ra <= code[N-1:0])"),   # row-edge SNG off by one
    "no_skew": (".N(r), .RST(1)) da", ".N(0), .RST(1)) da"),        # row streams not skewed
}


@pytest.mark.parametrize("df", DATAFLOWS)
@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_verify_catches_a_broken_array(tmp_path, df, mutation):
    need("cocotb", "icarus")
    p = _p((3, 5), df, width=4)
    v = generate(UNIT, p).verilog
    old, new = MUTATIONS[mutation]
    assert old in v
    f = tmp_path / "broken.v"
    f.write_text(v.replace(old, new))
    bad = verify_regression(UNIT, p, "icarus", rtl=[f], count=1)
    assert not bad.passed and bad.mismatches


def test_cli_gen_sim_and_verify_broken(tmp_path):
    need("cocotb", "icarus")
    from schw.cli import main
    args = ["pe-array", "--rows", "2", "--cols", "3", "--pe", "unary", "--dataflow", "ws", "--width", "4"]
    assert main(["gen", *args, "-o", str(tmp_path / "out")]) == 0
    v = next((tmp_path / "out").glob("*.v"))
    assert main(["verify", *args, "--rtl", str(v), "--sim", "icarus", "--vectors", "1"]) == 0
    broken = tmp_path / "broken.v"
    broken.write_text(v.read_text().replace(*MUTATIONS["comparator"]))
    assert main(["verify", *args, "--rtl", str(broken), "--sim", "icarus", "--vectors", "1"]) != 0
    assert main(["sim", *args, "--sim", "icarus", "--vectors", "1"]) == 0
