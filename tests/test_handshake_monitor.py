"""The handshake monitor of sim/tb_handshake.py: a unit must not pulse done while idle, must
hold result from one done to the next and must ignore start while busy. Each check is shown to
catch a deliberately broken sc-mul (a wrapper around the real generated sc-mul that breaks one
rule and gets everything else right, so latency and the values at done stay correct); the real
start/done units pass with the checks in place."""

import subprocess
import sys

import pytest

from schw.errors import CheckFailed
from schw.output import generate
from schw.registry import get
from schw.verify import regression

SC_MUL = get("sc-mul")
P = SC_MUL.Params(length=16)  # ports a[8], b[8], result[5]; latency 16
COUNT = 40

PORTS = """(input clk, input rst, input start, input [{n}:0] a, input [{n}:0] b,
    output done, output [{r}:0] result)"""

# done also pulses 3 cycles after a done unless start came in between: while idle
IDLE_DONE = """
module sc_mul_idle_done{ports};
  wire inner_done;
  sc_mul u (.clk(clk), .rst(rst), .start(start), .a(a), .b(b), .done(inner_done), .result(result));
  reg [1:0] since = 2'd3;
  always @(posedge clk)
    if (rst || start) since <= 2'd3;
    else if (inner_done) since <= 2'd0;
    else if (since != 2'd3) since <= since + 2'd1;
  assign done = inner_done | (since == 2'd2);
endmodule
"""

# result is right at done but one more in the cycle after it
UNHELD = """
module sc_mul_unheld{ports};
  wire [{r}:0] inner;
  sc_mul u (.clk(clk), .rst(rst), .start(start), .a(a), .b(b), .done(done), .result(inner));
  reg done_d = 1'b0;
  always @(posedge clk) done_d <= rst ? 1'b0 : done;
  assign result = done_d ? inner + 1'b1 : inner;
endmodule
"""

# a start while busy restarts the run with the new operands (done L edges after it): two real
# sc-muls, the current run on one; a start while busy goes to the other, which becomes current
RESTART = """
module sc_mul_restart{ports};
  wire d0, d1;
  wire [{r}:0] r0, r1;
  reg busy = 1'b0, cur = 1'b0;
  reg [{r}:0] held = 0;
  wire dcur = cur ? d1 : d0;
  wire [{r}:0] rcur = cur ? r1 : r0;
  wire take = start & (~busy | dcur);
  wire again = start & busy & ~dcur;
  sc_mul u0 (.clk(clk), .rst(rst), .start((take & ~cur) | (again & cur)), .a(a), .b(b), .done(d0), .result(r0));
  sc_mul u1 (.clk(clk), .rst(rst), .start((take & cur) | (again & ~cur)), .a(a), .b(b), .done(d1), .result(r1));
  always @(posedge clk)
    if (rst) begin
      busy <= 1'b0; cur <= 1'b0; held <= 0;
    end else begin
      if (again) cur <= ~cur;
      if (take | again) busy <= 1'b1;
      else if (dcur) busy <= 1'b0;
      if (dcur) held <= rcur;
    end
  assign done = dcur;
  assign result = dcur ? rcur : held;
endmodule
"""


def broken(tmp_path, text, top):
    gen = generate(SC_MUL, P)
    assert gen.top == "sc_mul"
    real = tmp_path / "sc_mul.v"
    real.write_text(gen.verilog)
    wrapper = tmp_path / f"{top}.v"
    wrapper.write_text(text.replace("{ports}", PORTS).format(n=P.width - 1, r=P.result_width - 1))
    return [real, wrapper]


def run_broken(tmp_path, sim, text, top):
    rep = regression(SC_MUL, P, sim, rtl=broken(tmp_path, text, top), top=top, count=COUNT, seed=3)
    assert not rep.passed
    assert rep.violations
    with pytest.raises(CheckFailed) as exc:
        rep.raise_if_failed()
    return rep, str(exc.value)


def test_done_while_idle_fails(tmp_path, sim):
    rep, msg = run_broken(tmp_path, sim, IDLE_DONE, "sc_mul_idle_done")
    # the values at done and the latency are right: only the monitor sees the extra pulses
    assert not rep.mismatches and rep.latency_ok
    assert all(v.startswith("done while idle: ") for v in rep.violations), rep.violations
    assert "handshake protocol violations" in msg and "done while idle: done at edge" in msg
    assert "protocol violations" in rep.summary() and rep.summary().startswith("FAIL")


def test_result_not_held_fails(tmp_path, sim):
    rep, msg = run_broken(tmp_path, sim, UNHELD, "sc_mul_unheld")
    assert not rep.mismatches and rep.latency_ok
    assert all(v.startswith("result not held: result changed from ") for v in rep.violations), rep.violations
    # one message per done interval, the count covers them all
    assert rep.details["violations_total"] >= COUNT
    assert "result not held" in msg and "more" in msg


def test_restart_on_busy_start_fails(tmp_path, sim):
    rep, msg = run_broken(tmp_path, sim, RESTART, "sc_mul_restart")
    pulsed = rep.details["busy_pulses"]
    assert pulsed
    taken = [v for v in rep.violations if v.startswith("start taken while busy: ")]
    assert taken and "came 16 edges after the start pulse at edge" in taken[0]
    assert any(v.startswith("done missing: ") for v in rep.violations)
    # each pulsed run ends L edges after its pulse, with the pulse's (inverted) operands
    assert not rep.latency_ok
    assert {m.index for m in rep.mismatches} <= set(pulsed)
    assert "start taken while busy" in msg and "start was pulsed with other operands" in msg


def test_restart_wrapper_is_right_without_busy_starts(tmp_path, sim):
    """The restart wrapper differs from sc-mul only when start comes while busy."""
    rtl = broken(tmp_path, RESTART, "sc_mul_restart")
    rep = regression(_NoPulses(), P, sim, rtl=rtl, top="sc_mul_restart", count=COUNT, seed=3)
    rep.raise_if_failed()
    assert rep.details["busy_pulses"] == []


class _NoPulses(type(SC_MUL)):
    def testbench_config(self, p):
        return {**super().testbench_config(p), "busy_pulse_share": 0.0}


class _NoLatency(type(SC_MUL)):
    """sc-mul as a unit that states no latency: the monitor then tracks runs from start to done."""

    def latency_cycles(self, p):
        return None


@pytest.mark.parametrize("text,top,want", [
    (None, "sc_mul", None),
    (IDLE_DONE, "sc_mul_idle_done", "done while idle: "),
    (UNHELD, "sc_mul_unheld", "result not held: "),
])
def test_unknown_latency(tmp_path, sim, text, top, want):
    unit = _NoLatency()
    rtl = broken(tmp_path, text, top) if text else None
    rep = regression(unit, P, sim, rtl=rtl, top=top, count=COUNT, seed=4)
    assert rep.details["busy_pulses"] and set(rep.latency_seen) == {P.length}
    if want is None:
        rep.raise_if_failed()
    else:
        assert not rep.mismatches and rep.violations and all(v.startswith(want) for v in rep.violations)
        with pytest.raises(CheckFailed, match=want):
            rep.raise_if_failed()


@pytest.mark.parametrize("name,params", [
    ("sc-mul", {"length": 16}),
    ("sc-mul", {"length": 64, "coding": "bipolar", "sng": "sobol"}),
    ("sc-dot", {"length": 16}),
    ("fsm-tanh", {"length": 32}),
    ("sc-updown", {"length": 16}),
    ("int-mul", {}),
])
def test_real_units_pass_the_monitor(name, params, sim):
    unit = get(name)
    p = unit.Params(**params)
    rep = regression(unit, p, sim, count=60, seed=2)
    rep.raise_if_failed()
    assert rep.violations == [] and rep.details["violations_total"] == 0
    if name == "int-mul":  # fully pipelined: a start while busy is a run of its own, not pulsed
        assert unit.busy_start == "accepted" and rep.details["busy_pulses"] == []
    else:
        assert unit.busy_start == "ignored" and rep.details["busy_pulses"]


def test_cli_exits_1_on_a_violation(tmp_path, sim):
    rtl = broken(tmp_path, UNHELD, "sc_mul_unheld")
    r = subprocess.run([sys.executable, "-m", "schw.cli", "verify", "sc-mul", "--length", "16", "--sim", sim,
                        "--vectors", "20", *(x for f in rtl for x in ("--rtl", str(f))), "--top", "sc_mul_unheld"],
                       capture_output=True, text=True)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "protocol violations" in r.stdout and "result not held: result changed from" in r.stderr


def test_busy_start_agrees_with_the_manifest_contract():
    """What the testbench is told a start during a run does is what the manifest promises."""
    from schw.registry import load_all
    checked = 0
    for name, unit in load_all().items():
        if unit.testbench != "tb_handshake" or unit.regression is not None:  # own driver: not this testbench
            continue
        start = unit.manifest_extra(unit.Params()).get("handshake", {}).get("start", "")
        assert ("ignored while busy" in start) == (unit.busy_start == "ignored"), (name, start, unit.busy_start)
        checked += 1
    assert checked >= 10
