"""sc-dot: golden model against a from-the-spec reference, RTL against the golden model on both
simulators (3 configurations), interface contract, and a statistical check of the estimate."""

from pathlib import Path

import numpy as np
import pytest

from schw.errors import CheckFailed, ParamError
from schw.output import generate, write_outputs
from schw.registry import get
from schw.units.sc_dot.golden import dot_counts, dot_exact, dot_value
from schw.units.sc_dot.params import ScDotParams
from schw.verify import regression
from schw.sc.golden import sng_codes

UNIT = get("sc-dot")

CONFIGS = [
    ScDotParams(inputs=1, width=2, length=4, sng="lfsr", seed=3),
    ScDotParams(inputs=3, width=5, length=32, sng="sobol", seed=0),
    ScDotParams(inputs=8, width=8, length=64, sng="lfsr", seed=11),
]


def reference_counts(p, a, b):
    """Straight from the definition: lane i's streams are code0[t] < a_i and code1[t] < b_i,
    the product bit is their XNOR, result = number of ones over lanes and cycles."""
    codes = sng_codes(p.spec, 2, p.length)
    sa = codes[0][None, None, :] < np.asarray(a)[:, :, None]
    sb = codes[1][None, None, :] < np.asarray(b)[:, :, None]
    return (sa == sb).sum(axis=(1, 2))


@pytest.mark.parametrize("p", CONFIGS + [ScDotParams(inputs=5, width=3, length=128, sng="sobol", seed=9)], ids=str)
def test_golden_matches_definition(p):
    rng = np.random.default_rng(4)
    a = rng.integers(0, 1 << p.width, size=(300, p.inputs))
    b = rng.integers(0, 1 << p.width, size=(300, p.inputs))
    assert np.array_equal(dot_counts(p, a, b), reference_counts(p, a, b))


def test_golden_extremes():
    p = ScDotParams(inputs=4, width=4, length=16, sng="sobol")
    k, L = p.inputs, p.length
    zeros, top = np.zeros((1, k), int), np.full((1, k), 15)
    # code 0: p = 0, stream all zeros; a = b = 0 gives XNOR all ones
    assert dot_counts(p, zeros, zeros)[0] == k * L
    # a = 0 (x = -1) against b = 15: stream b is 1 wherever code1 < 15, all but one code of 16
    assert dot_counts(p, zeros, top)[0] == k * 1


def test_params_rules():
    for bad in ({"inputs": 0}, {"inputs": 65}, {"length": 48}, {"width": 1}, {"sng": "halton2"}):
        with pytest.raises(ParamError):
            ScDotParams(**bad)
    assert ScDotParams(inputs=64, length=16).result_width == (64 * 16).bit_length()


def test_interface_contract():
    p = ScDotParams(inputs=3, width=6, length=64)
    gen = generate(UNIT, p)
    ports = {q["name"]: (q["dir"], q["width"]) for q in gen.manifest["ports"]}
    for i in range(3):
        assert ports[f"a__{i}"] == ("in", 6) and ports[f"b__{i}"] == ("in", 6)
    assert ports["result"] == ("out", (3 * 64).bit_length())
    assert ports["start"] == ("in", 1) and ports["done"] == ("out", 1)
    assert gen.manifest["latency_cycles"] == 64
    assert generate(UNIT, p).verilog == gen.verilog  # byte-identical


def test_estimate_statistics():
    """Sobol, k = 4: the estimate is unbiased within 0.01 per lane and its RMSE per lane falls
    below 0.03 at L = 1024 (bipolar XNOR error ~ 1/L for Sobol dims 1 and 2)."""
    p = ScDotParams(inputs=4, width=8, length=1024, sng="sobol")
    rows = UNIT.accuracy(p, [64, 1024])
    assert rows[0]["cases"] == 4096
    assert rows[1]["rmse"] < 0.03 and abs(rows[1]["bias"]) < 0.01
    assert rows[1]["rmse"] < rows[0]["rmse"] / 4
    rng = np.random.default_rng(2)
    a = rng.integers(0, 256, size=(50, 4))
    b = rng.integers(0, 256, size=(50, 4))
    assert np.abs(dot_value(p, dot_counts(p, a, b)) - dot_exact(p, a, b)).max() < 0.25


@pytest.mark.sim
@pytest.mark.parametrize("p", CONFIGS, ids=str)
def test_rtl_matches_golden(sim, p):
    regression(UNIT, p, sim, count=40).raise_if_failed()


@pytest.mark.sim
def test_regression_catches_a_wrong_design(tmp_path: Path):
    """The check can fail: the RTL of another seed must disagree with this seed's golden model."""
    from conftest import need
    need("cocotb", "icarus")
    p = CONFIGS[2]
    other = write_outputs(generate(UNIT, p.replace(seed=p.seed + 1)), tmp_path)[0]
    report = regression(UNIT, p, "icarus", rtl=[other], top=UNIT.top(p), count=20)
    assert not report.passed and report.mismatches
    with pytest.raises(CheckFailed):
        report.raise_if_failed()


@pytest.mark.sim
def test_rtl_wide(sim):
    regression(UNIT, ScDotParams(inputs=64, width=16, length=16, sng="sobol", seed=77), sim, count=60).raise_if_failed()


def test_start_while_busy_is_ignored():
    """Amaranth simulation: a second start in the middle of a run changes nothing; done comes L
    edges after the first start with the first operands' golden result, then a back-to-back run
    (start in the done cycle) gives the second operands' result."""
    from amaranth.sim import Simulator
    from schw.units.sc_dot.rtl import ScDot
    p = ScDotParams(inputs=2, width=4, length=16, sng="sobol", seed=3)
    first, second = ([3, 12], [9, 1]), ([15, 0], [7, 7])
    want = dot_counts(p, np.array([first[0], second[0]]), np.array([first[1], second[1]]))
    dut = ScDot(p)
    seen = []

    def put(ctx, ops):
        for i in range(2):
            ctx.set(dut.a[i], ops[0][i])
            ctx.set(dut.b[i], ops[1][i])

    async def bench(ctx):
        put(ctx, first)
        ctx.set(dut.start, 1)
        await ctx.tick()
        ctx.set(dut.start, 0)
        for t in range(1, 40):
            if t == 5:  # mid-run start with other operands: must be ignored
                put(ctx, second)
                ctx.set(dut.start, 1)
            if ctx.get(dut.done):
                seen.append((t, ctx.get(dut.result)))
                ctx.set(dut.start, len(seen) == 1)  # back to back with the second operands
            await ctx.tick()
            if t == 5:
                ctx.set(dut.start, 0)
            elif len(seen) == 1 and seen[0][0] == t:
                ctx.set(dut.start, 0)
    sim = Simulator(dut)
    sim.add_clock(1e-6)
    sim.add_testbench(bench)
    sim.run()
    # t counts clock edges; start is sampled at edge 1 and at edge 18 (the done cycle), done is
    # visible after the L-th edge after each
    assert seen == [(1 + 16, want[0]), (18 + 16, want[1])]


def test_cli_gen_sc_dot(tmp_path):
    """`schw gen sc-dot --inputs k ...` writes the Verilog and a manifest with the documented ports;
    a bad --inputs is a one-line usage error (exit 2) that writes nothing."""
    import json
    import subprocess
    import sys
    cmd = [sys.executable, "-m", "schw.cli", "gen", "sc-dot"]
    ok = subprocess.run([*cmd, "--inputs", "5", "--width", "6", "--length", "64", "--sng", "sobol",
                         "--out", str(tmp_path / "o")], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    manifest = json.loads((tmp_path / "o" / "sc_dot.json").read_text())
    assert manifest["params"] == {"inputs": 5, "width": 6, "length": 64, "sng": "sobol", "seed": 0}
    assert [q["name"] for q in manifest["ports"] if q["name"].startswith("a__")] == [f"a__{i}" for i in range(5)]
    assert "module sc_dot(" in (tmp_path / "o" / "sc_dot.v").read_text()
    bad = subprocess.run([*cmd, "--inputs", "65", "--out", str(tmp_path / "bad")], capture_output=True, text=True)
    assert bad.returncode == 2 and "--inputs" in bad.stderr and not (tmp_path / "bad").exists()
