"""pe-array fast regression path (schw.units.pe_array.fast): the compiled Verilator driver runs the
same problems as the cocotb testbench, checks every output row exactly and at its predicted cycle,
fails on broken arrays and on zero vectors, and regresses 32x32 arrays of every PE type.

The 64x64 int8 arrays and the second dataflow of each 32x32 PE type are long jobs
(``@pytest.mark.slow``; build and run times in docs/pe_array_fast.md):

    CI=true pytest -q --runslow tests/test_pe_array_fast.py -k 64x64
    CI=true pytest -q --runslow tests/test_pe_array_fast.py -k 32x32
"""

from pathlib import Path

import numpy as np
import pytest

from conftest import need
from schw.errors import ParamError
from schw.registry import get
from schw.units.pe_array import fast, golden, harness
from schw.units.pe_array.params import DATAFLOWS, PES, PeArrayParams as P
from schw.units.pe_array.rtl import PeArray
from schw.units.pe_array.vectors import make_problems
from schw.verify import regression as verify_regression

UNIT = get("pe-array")

#: per-PE-type parameters of the regressions here (sc: short streams; the others: their defaults)
SMALL = {"sc": {"length": 8, "inputs": 2}}


def _params(pe, df, r, c=0):
    return P(rows=r, cols=c, pe=pe, dataflow=df, **SMALL.get(pe, {}))


def _expected_rows(p, seed, count):
    return len(golden.build_program(p, make_problems(p, seed, count)).expected)


def _passes(rep, p, seed=1, count=2, gaps=False):
    """Passed, through the fast path, every expected row seen once, every cycle as predicted."""
    rep.raise_if_failed()
    cyc = rep.details["cycles"]
    assert rep.details["path"] == "fast"
    assert rep.vectors == _expected_rows(p, seed, count) > 0
    assert cyc["accept_cycles_match"] and rep.details["mismatching_rows"] == 0 and not rep.mismatches
    if not gaps:
        assert cyc["agree"] and cyc["total_cycles_measured"] == cyc["total_cycles_analytic"]
    return rep


@pytest.fixture
def verilator():
    need("verilator")


# -- the driver agrees with the cocotb testbench ---------------------------------------------------
@pytest.mark.parametrize("df", DATAFLOWS)
def test_fast_and_cocotb_see_the_same_run(verilator, df):
    """3x5 fp16 with idle gaps and junk: the cocotb testbench and the compiled driver pass on the
    same problems with the same accept cycles and the same number of rows; without gaps the
    same measured total."""
    need("cocotb")
    p = P(rows=3, cols=5, pe="fp16", dataflow=df)
    for gaps in (0.0, 0.3):
        slow = harness.regression(UNIT, p, "verilator", count=3, gaps=gaps)
        quick = fast.regression(UNIT, p, count=3, gaps=gaps)
        slow.raise_if_failed()
        _passes(quick, p, count=3, gaps=bool(gaps))
        assert quick.vectors == slow.vectors
        a, b = quick.details["cycles"], slow.details["cycles"]
        assert a["total_cycles_measured"] == b["total_cycles_measured"]
        assert a["total_cycles_predicted"] == b["total_cycles_predicted"]


@pytest.mark.parametrize("shape", [(1, 1), (2, 3), (8, 8)], ids=["1x1", "2x3", "8x8"])
@pytest.mark.parametrize("df", DATAFLOWS)
def test_small_arrays(verilator, df, shape):
    p = _params("int8", df, *shape)
    _passes(fast.regression(UNIT, p, count=20), p, count=20)
    _passes(fast.regression(UNIT, p, count=20, seed=5, gaps=0.25), p, seed=5, count=20, gaps=True)


@pytest.mark.parametrize("df", DATAFLOWS)
def test_hfp8_stochastic_rounding_over_several_problems(verilator, df):
    """hfp8 with SR: the rounding bits depend on each problem's position in the stream, so a
    run of several problems checks that the driver's reference fold starts each problem there."""
    p = P(rows=2, cols=3, pe="hfp8", dataflow=df, chunk=2, acc_round="sr", seed=7)
    assert len(make_problems(p, 1, 4)) > 1
    _passes(fast.regression(UNIT, p, count=4), p, count=4)


# -- 32 x 32 of every PE type (through the unit's hook, which picks the fast path on Verilator) ----
# Every PE type in the default suite, in one dataflow each (alternating os, ws along PES), the
# other dataflow with --runslow: a cold 32x32 build costs 50-90 s of CPU (docs/pe_array_fast.md).
ARRAYS_32 = [pytest.param(pe, df, id=f"{pe}-{df}",
                          marks=[] if df == DATAFLOWS[i % len(DATAFLOWS)] else [pytest.mark.slow])
             for i, pe in enumerate(PES) for df in DATAFLOWS]


@pytest.mark.parametrize("pe,df", ARRAYS_32)
def test_32x32_every_pe_type(verilator, pe, df):
    p = _params(pe, df, 32)
    rep = UNIT.regression(p, "verilator", count=2)  # > 16 x 16 PEs: the fast path by default
    _passes(rep, p)


def test_cli_regression_uses_the_fast_path_for_large_arrays(verilator):
    """schw verify/sim go through schw.verify.regression -> the unit's hook; 32x32 int8 os."""
    p = _params("int8", "os", 32)
    rep = verify_regression(UNIT, p, "verilator", count=1)
    _passes(rep, p, count=1)
    assert "fast path" in rep.summary() and "cycles/s" in rep.summary()


# -- failures ----------------------------------------------------------------------------------
def test_zero_vectors_is_a_failure(verilator):
    rep = fast.regression(UNIT, P(rows=2), problems=[])
    assert rep.vectors == 0 and not rep.passed


def test_fast_path_is_verilator_only():
    with pytest.raises(ParamError):
        fast.regression(UNIT, P(rows=2), "icarus", count=1)
    with pytest.raises(ParamError):
        fast.regression(UNIT, P(rows=2), "verilator", count=1, waves=Path("x.vcd"))


def _mutated(tmp_path: Path, p, old: str, new: str) -> Path:
    text = UNIT.emit_verilog(p)
    assert text.count(old) >= 1, old
    f = tmp_path / "mutant.v"
    f.write_text(text.replace(old, new))
    return f


def test_a_rare_wrong_product_is_caught(verilator, tmp_path):
    """ws 4x4 int8 whose PEs get a * b wrong in the lowest bit when a = 0x7f (1 operand in 256)."""
    p = P(rows=4, dataflow="ws")
    bad = _mutated(tmp_path, p, "assign \\$1  = $signed(a) * $signed(b);",
                   "assign \\$1  = ($signed(a) * $signed(b)) ^ {15'd0, a == 8'h7f};")
    rep = fast.regression(UNIT, p, rtl=[bad], count=10)
    assert not rep.passed and rep.mismatches and rep.details["mismatching_rows"] > 0
    assert all("lanes" in m.inputs for m in rep.mismatches if m.index >= 0)


def test_a_late_ready_is_caught(verilator, tmp_path):
    """os 4x4 int8 that takes an in_last one step later than the contract (its spacing counter
    restarts at 0, not 1): right values, wrong cycles."""
    p = P(rows=4)
    bad = _mutated(tmp_path, p, "if (accept & in_last) since_last <= 1;", "if (accept & in_last) since_last <= 0;")
    rep = fast.regression(UNIT, p, rtl=[bad], count=4)
    assert not rep.passed and not rep.violations
    assert not rep.details["cycles"]["accept_cycles_match"]
    assert any("cycle" in m.expected for m in rep.mismatches)


def test_a_deadlock_times_out(verilator, tmp_path):
    """os 4x4 int8 whose in_ready never takes an in_last (the counter saturates at R): a timeout,
    every row missing."""
    p = P(rows=4)
    bad = _mutated(tmp_path, p, "(since_last >= R)", "(since_last > R)")
    rep = fast.regression(UNIT, p, rtl=[bad], count=4)
    assert not rep.passed and rep.vectors == 0
    assert any("timeout" in v for v in rep.violations)
    assert any(m.got.get("row") == "missing" for m in rep.mismatches)


@pytest.mark.parametrize("df,fault", [("os", "no_reset"), ("ws", "stale_weights")])
def test_broken_amaranth_arrays_are_caught(verilator, tmp_path, df, fault):
    from amaranth.back import verilog
    p = P(rows=3, cols=4, dataflow=df)
    files = {}
    for f in (None, fault):
        files[f] = tmp_path / f"dut_{f}.v"
        files[f].write_text(verilog.convert(PeArray(p, fault=f), name=UNIT.top(p), emit_src=False))
    _passes(fast.regression(UNIT, p, rtl=[files[None]], count=3), p, count=3)
    assert not fast.regression(UNIT, p, rtl=[files[fault]], count=3).passed


def test_lanes_unpacks_like_golden_unpack():
    rng = np.random.default_rng(3)
    words = rng.integers(0, 1 << 32, size=(5, 3), dtype=np.uint64).astype(np.uint32)
    for width, n in ((8, 12), (16, 6), (32, 3), (24, 4), (12, 8)):
        got = fast.lanes(words, n, width)
        for r in range(5):
            v = int.from_bytes(words[r].tobytes(), "little")
            assert [int(x) for x in got[r]] == golden.unpack(v, n, width)


# -- the long job ------------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("df", DATAFLOWS)
def test_64x64_int8(verilator, df):
    p = _params("int8", df, 64)
    _passes(UNIT.regression(p, "verilator", count=2), p)
