"""FSM units (fsm-tanh, fsm-sigmoid, fsm-exp): parameters, golden model, Amaranth simulation of the
stream component, RTL regression on Verilator and Icarus, accuracy rows.

Tiers: golden model alone; Amaranth simulation of FsmStream against the golden model; cocotb on
both simulators against the golden model. Long regressions are marked slow.
"""

import numpy as np
import pytest
from amaranth.sim import Simulator

from schw.errors import CheckFailed, ParamError
from schw.output import generate
from schw.registry import get
from schw.units.fsm import golden as F
from schw.units.fsm.golden import bipolar_value
from schw.units.fsm.params import exp_fsm, tanh_fsm
from schw.units.fsm.rtl import FsmStream
from schw.verify import regression

from conftest import need
from schw.sc.golden import sng_codes

TANH, SIGMOID, EXP = get("fsm-tanh"), get("fsm-sigmoid"), get("fsm-exp")


def reference_counts(unit, p, a):
    """Per-bit reference written from the contract in the manifest (slow; few vectors only):
    stream bit = code_t < a, Moore output of the state before the update, start at N/2."""
    codes = sng_codes(p.spec, 1, p.length)[0]
    n, half = p.states, p.states // 2
    out = []
    for v in a:
        s, ones = half, 0
        for t in range(p.length):
            if unit is EXP:
                ones += s < n - p.gain
            else:
                ones += s >= half
            s = min(s + 1, n - 1) if codes[t] < v else max(s - 1, 0)
        out.append(ones)
    return np.array(out)


# -- parameters ------------------------------------------------------------------------------

@pytest.mark.parametrize("unit,kw", [(TANH, {"states": 3}), (TANH, {"states": 258}), (TANH, {"states": 0}),
                                     (TANH, {"length": 100}), (SIGMOID, {"states": 5}),
                                     (EXP, {"states": 4, "gain": 4}), (EXP, {"gain": 0}), (TANH, {"sng": "mt"})])
def test_bad_params_rejected(unit, kw):
    with pytest.raises(ParamError):
        unit.Params(**kw)


@pytest.mark.parametrize("unit,kw", [(TANH, {"states": 2}), (TANH, {"states": 256}), (EXP, {"states": 2, "gain": 1}),
                                     (EXP, {"states": 7, "gain": 3}), (SIGMOID, {"states": 64, "width": 3})])
def test_edge_params_generate_deterministically(unit, kw):
    p = unit.Params(**kw)
    first, second = generate(unit, p), generate(unit, p)
    assert first.verilog == second.verilog
    assert f"module {unit.top(p)}(" in first.verilog
    assert first.manifest["fsm"]["initial_state"] == p.states // 2


# -- golden model -----------------------------------------------------------------------------

@pytest.mark.parametrize("unit,kw", [(TANH, {"states": 4, "length": 64}), (TANH, {"states": 6, "sng": "sobol", "length": 32}),
                                     (SIGMOID, {"states": 8, "sng": "sobol", "seed": 5, "length": 16}),
                                     (EXP, {"states": 16, "gain": 2, "length": 64}),
                                     (EXP, {"states": 5, "gain": 1, "width": 4, "sng": "sobol", "length": 32})])
def test_golden_matches_per_bit_reference(unit, kw):
    p = unit.Params(**kw)
    a = unit.vectors(p, seed=3, count=30)["a"]
    assert np.array_equal(unit.golden(p, {"a": a})["result"], reference_counts(unit, p, a))


@pytest.mark.parametrize("sng", ["lfsr", "sobol"])
def test_all_zero_input(sng):
    """a = 0 gives an all-zero stream: the tanh FSM outputs 1 only in run cycle 0 (state N/2),
    then walks down; Sexp starting at N/2 < N - G outputs 1 in every cycle."""
    for states in (2, 4, 64):
        p = TANH.Params(states=states, sng=sng, length=64)
        assert TANH.golden(p, {"a": np.array([0])})["result"].tolist() == [1]
    p = EXP.Params(states=16, gain=2, sng=sng, length=64)
    assert EXP.golden(p, {"a": np.array([0])})["result"].tolist() == [64]


def test_sigmoid_is_tanh_read_unipolar():
    p = TANH.Params(states=8, length=128)
    q = SIGMOID.Params(states=8, length=128)
    a = TANH.vectors(p, 2, 50)["a"]
    ones = TANH.golden(p, {"a": a})["result"]
    assert np.array_equal(ones, SIGMOID.golden(q, {"a": a})["result"])
    assert np.allclose(SIGMOID.estimate(q, ones), (1 + TANH.estimate(p, ones)) / 2)


def test_accuracy_rows():
    p = TANH.Params(states=4, width=6)
    rows = TANH.accuracy(p, [64, 256])
    assert [r["length"] for r in rows] == [64, 256]
    for r in rows:
        assert {"length", "mae", "rmse", "max_error", "bias", "cases"} <= set(r)
        assert r["cases"] == 64
        q = p.replace(length=r["length"])
        a = np.arange(64)
        est = 2 * TANH.golden(q, {"a": a})["result"] / r["length"] - 1
        err = est - np.tanh(4 * bipolar_value(6, a) / 2)
        assert r["rmse"] == pytest.approx(np.sqrt(np.mean(err ** 2)), rel=1e-12)
        assert r["max_error"] == pytest.approx(np.max(np.abs(err)), rel=1e-12)
    rows = EXP.accuracy(EXP.Params(states=8, gain=1, width=5), [32])
    assert rows[0]["cases"] == 32 and 0 < rows[0]["rmse"] < 1


# -- Amaranth simulation of the stream component ------------------------------------------------

@pytest.mark.parametrize("fsm", [tanh_fsm(2), tanh_fsm(6), exp_fsm(8, 3)])
def test_stream_component_matches_golden(fsm):
    """FsmStream in Amaranth's simulator: restart, then random x with random stalls (en = 0),
    a restart in the middle; y compared cycle by cycle with the golden model on the enabled bits."""
    rng = np.random.default_rng(fsm.states)
    runs = [rng.random(60) < p for p in (0.2, 0.8, 0.5)]
    dut = FsmStream(fsm)
    seen = []

    async def bench(ctx):
        for bits in runs:
            ctx.set(dut.restart, 1)
            await ctx.tick()
            ctx.set(dut.restart, 0)
            ys = []
            for b in bits:
                while rng.random() < 0.3:  # stall: state and output hold
                    ctx.set(dut.en, 0)
                    ctx.set(dut.x, int(rng.integers(2)))
                    y = ctx.get(dut.y)
                    await ctx.tick()
                    assert ctx.get(dut.y) == y
                ctx.set(dut.en, 1)
                ctx.set(dut.x, int(b))
                ys.append(ctx.get(dut.y))
                await ctx.tick()
            ctx.set(dut.en, 0)
            seen.append(ys)

    sim = Simulator(dut)
    sim.add_clock(1e-6)
    sim.add_testbench(bench)
    sim.run()
    expected = F.run(fsm, np.array(runs), stream=True)
    assert np.array_equal(np.array(seen, dtype=bool), expected)


# -- RTL regression on Verilator and Icarus -------------------------------------------------------

# Default suite: N in {4, 8, 16, 64} with LFSR and Sobol inputs, the sigmoid and Sexp units and
# the smallest and oddest configurations, all on both simulators. --runslow adds long runs of
# every N and SNG.
FAST = [
    (TANH, {"states": 4, "sng": "lfsr", "length": 64}),
    (TANH, {"states": 8, "sng": "sobol", "length": 64}),
    (TANH, {"states": 16, "sng": "lfsr", "seed": 7, "length": 128}),
    (TANH, {"states": 64, "sng": "sobol", "length": 256}),
    (SIGMOID, {"states": 6, "sng": "halton", "width": 6, "length": 32}),
    (EXP, {"states": 16, "gain": 2, "sng": "lfsr", "length": 64}),
    (TANH, {"states": 2, "width": 2, "length": 4}),  # smallest everything
    (EXP, {"states": 255, "gain": 200, "width": 3, "length": 8, "sng": "ramp"}),  # odd N, big G
]
SLOW = [(TANH, {"states": n, "sng": s, "length": 1024, "seed": 3}) for n in (4, 8, 16, 64, 256) for s in ("lfsr", "sobol")]
SLOW += [(SIGMOID, {"states": 16, "sng": "sobol", "length": 1024}),
         (EXP, {"states": 32, "gain": 4, "sng": "sobol", "length": 1024}),
         (EXP, {"states": 8, "gain": 1, "sng": "lfsr", "width": 12, "length": 4096}),
         (TANH, {"states": 256, "sng": "sobol", "seed": 99, "width": 16, "length": 4096})]


def _id(v):
    return v.name if hasattr(v, "name") else "-".join(map(str, v.values()))


@pytest.mark.sim
@pytest.mark.parametrize("unit,kw", FAST, ids=_id)
def test_regression(sim, unit, kw):
    report = regression(unit, unit.Params(**kw), sim, count=80, seed=11)
    report.raise_if_failed()
    assert report.vectors >= 80


@pytest.mark.slow
@pytest.mark.sim
@pytest.mark.parametrize("unit,kw", SLOW, ids=_id)
def test_regression_long(sim, unit, kw):
    regression(unit, unit.Params(**kw), sim, count=300, seed=5).raise_if_failed()


@pytest.mark.sim
def test_verify_catches_a_wrong_fsm(tmp_path):
    """RTL of a 6-state FSM checked as an 8-state one must fail (the regression can fail)."""
    need("cocotb", "icarus")
    wrong = tmp_path / "fsm_tanh.v"
    wrong.write_text(generate(TANH, TANH.Params(states=6, length=64)).verilog)
    report = regression(TANH, TANH.Params(states=8, length=64), "icarus", rtl=[wrong], count=40)
    assert report.vectors > 0 and report.latency_ok and report.mismatches
    with pytest.raises(CheckFailed):
        report.raise_if_failed()


@pytest.mark.sim
def test_cli_verify_rtl(tmp_path):
    """`schw verify fsm-tanh --rtl` on generated RTL passes (Icarus)."""
    need("cocotb", "icarus")
    from click.testing import CliRunner
    from schw.cli import cli

    p = TANH.Params(states=16, length=32, sng="sobol")
    rtl = tmp_path / "dut.v"
    rtl.write_text(generate(TANH, p).verilog)
    res = CliRunner().invoke(cli, ["verify", "fsm-tanh", "--states", "16", "--length", "32", "--sng", "sobol",
                                    "--rtl", str(rtl), "--sim", "icarus", "--vectors", "20"])
    assert res.exit_code == 0, res.output
    assert "PASS" in res.output


def test_cli_accuracy_json():
    """`schw accuracy fsm-tanh --states 4,8 --lengths 64,256 --json`: one row per (N, L), equal
    to the unit's accuracy()."""
    import json

    from click.testing import CliRunner
    from schw.cli import cli

    res = CliRunner().invoke(cli, ["accuracy", "fsm-tanh", "--states", "4,8", "--width", "6",
                                   "--lengths", "64,256", "--json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)
    assert sorted((r["params"]["states"], r["length"]) for r in rows) == [(4, 64), (4, 256), (8, 64), (8, 256)]
    for r in rows:
        ref = TANH.accuracy(TANH.Params(states=r["params"]["states"], width=6), [r["length"]])[0]
        assert r["rmse"] == ref["rmse"] and r["cases"] == 64


# -- fsm-stream: the bare FSM as a unit ----------------------------------------------------------

STREAM = get("fsm-stream")


def stream_reference(fsm, x, en, restart):
    """Per-cycle reference from the port contract: y = output(state); then restart -> initial,
    else en -> step with x (saturating). After reset the state is the initial state."""
    s, ys = fsm.initial, []
    for xi, ei, ri in zip(x, en, restart):
        ys.append(int(s >= fsm.states // 2) if fsm.kind == "tanh" else int(s < fsm.states - fsm.gain))
        if ri:
            s = fsm.initial
        elif ei:
            s = min(s + 1, fsm.states - 1) if xi else max(s - 1, 0)
    return np.array(ys)


@pytest.mark.parametrize("kw", [{"kind": "tanh", "states": 2}, {"kind": "tanh", "states": 12},
                                {"kind": "exp", "states": 7, "gain": 3}, {"kind": "exp", "states": 256, "gain": 1}])
def test_stream_unit_golden_matches_reference(kw):
    p = STREAM.Params(**kw)
    v = STREAM.vectors(p, seed=4, count=12)
    assert np.array_equal(STREAM.golden(p, v)["y"], stream_reference(p.fsm, v["x"], v["en"], v["restart"]))


@pytest.mark.parametrize("kw", [{"kind": "tanh", "states": 3}, {"kind": "tanh", "states": 8, "gain": 2},
                                {"kind": "exp", "states": 8, "gain": 0}, {"kind": "exp", "states": 8, "gain": 8}])
def test_stream_unit_bad_params(kw):
    with pytest.raises(ParamError):
        STREAM.Params(**kw)


@pytest.mark.sim
@pytest.mark.parametrize("kw", [{"kind": "tanh", "states": 16}, {"kind": "exp", "states": 16, "gain": 2}],
                         ids=["tanh-16", "exp-16-2"])
def test_stream_unit_regression(sim, kw):
    report = regression(STREAM, STREAM.Params(**kw), sim, count=30, seed=2)
    report.raise_if_failed()
    assert report.vectors == 30 * 64
