"""fp16-pe: generation, the fast verification path (10^6 vectors on Verilator, a subset on
Icarus), the cocotb pipeline run for every S, and that broken RTL is caught.

Expected values always come from the golden model (schw.units.fp16_pe.golden.evaluate), which its own
tests cross-check against Berkeley SoftFloat; nothing here is copied from the RTL.
"""

import json
import os

import numpy as np
import pytest

from conftest import need
from schw.errors import CheckFailed, ParamError
from schw.output import generate
from schw.registry import get
from schw.units.fp16_pe import contract, harness
from schw.units.fp16_pe import params as pe
from schw.verify import regression

UNIT = get("fp16-pe")
P = UNIT.Params


def _assert_all_cases(cases: dict, ops=contract.OPS, modes=contract.RM):
    for op in ops:
        for mode in modes:
            assert cases.get(op, {}).get(mode, 0) > 0, f"no vectors for {op} in {mode}"


# ---- generation --------------------------------------------------------------------------------
def test_encodings_match_contract():
    assert [pe.OP_FMA, pe.OP_MUL, pe.OP_ADD, pe.OP_MIN, pe.OP_MAX, pe.OP_LT, pe.OP_LE, pe.OP_EQ] == \
        [contract.OPS[k] for k in ("fma", "mul", "add", "min", "max", "lt", "le", "eq")]
    assert [pe.RM_RNE, pe.RM_RTZ, pe.RM_RDN, pe.RM_RUP, pe.RM_RMM] == \
        [contract.RM[k] for k in ("rne", "rtz", "rdn", "rup", "rmm")]
    assert [pe.FLAG_NX, pe.FLAG_UF, pe.FLAG_OF, pe.FLAG_DZ, pe.FLAG_NV] == \
        [contract.FLAG_BIT[k] for k in contract.FLAGS]
    assert (pe.NAN16, pe.NAN32) == (contract.CANONICAL_NAN16, contract.CANONICAL_NAN32)


@pytest.mark.parametrize("bad", [dict(stages=5), dict(stages=-1), dict(acc="fp64"), dict(ftz=1)])
def test_params_rejected(bad):
    with pytest.raises(ParamError):
        P(**bad)


@pytest.mark.parametrize("acc", ["fp16", "fp32"])
@pytest.mark.parametrize("stages", [0, 1, 2, 3, 4])
def test_generate_ports_manifest(stages, acc):
    p = P(stages=stages, acc=acc)
    gen = generate(UNIT, p)
    w = 16 if acc == "fp16" else 32
    ports = {q["name"]: (q["dir"], q["width"]) for q in gen.manifest["ports"]}
    assert ports == {"clk": ("in", 1), "rst": ("in", 1), "in_valid": ("in", 1), "op": ("in", 3),
                     "rm": ("in", 3), "a": ("in", 16), "b": ("in", 16), "c": ("in", w),
                     "out_valid": ("out", 1), "result": ("out", w), "flags": ("out", 5)}
    for name in ports:  # the Verilog really has them (clk/rst also for S = 0)
        assert f" {name};" in gen.verilog or f" {name}," in gen.verilog or f"{name})" in gen.verilog
    m = gen.manifest
    assert m["top"] == "fp16_pe" and m["latency_cycles"] == stages
    assert m["ops"] == contract.OPS and m["rounding_modes"] == contract.RM
    assert m["flags"] == {n: i for i, n in enumerate(contract.FLAGS)}
    json.dumps(m)
    if stages == 2:  # deterministic output
        assert generate(UNIT, p).verilog == gen.verilog


# ---- fast path -------------------------------------------------------------------------------
def _run_fast(p, sim, inputs, **kw):
    rep = harness.check(UNIT, p, sim, inputs, **kw)
    print()
    print(harness.report_text(rep))
    return rep


@pytest.mark.parametrize("stages,acc", [(2, "fp16"), (3, "fp32")])
def test_fast_verilator_million(stages, acc):
    """>= 10^6 vectors (corner-class cross product, directed cases, 10^6 weighted random; all
    ops, all five modes) through the compiled Verilator harness with bubbles."""
    need("verilator")
    p = P(stages=stages, acc=acc)
    inputs = UNIT.vectors(p, seed=2026, count=1_000_000)
    rep = _run_fast(p, "verilator", inputs, seed=2026)
    rep.raise_if_failed()
    assert rep.vectors >= 1_000_000
    _assert_all_cases(rep.details["cases"])


def test_fast_verilator_ftz():
    need("verilator")
    p = P(stages=4, acc="fp16", ftz=True)
    rep = _run_fast(p, "verilator", UNIT.vectors(p, seed=7, count=100_000), seed=7)
    rep.raise_if_failed()
    _assert_all_cases(rep.details["cases"])


@pytest.mark.parametrize("stages,acc,ftz,n", [(4, "fp16", False, 20_000), (1, "fp32", False, 12_000),
                                              (2, "fp32", True, 8_000)])
def test_fast_icarus_subset(stages, acc, ftz, n):
    """Icarus: every directed case, a sample of the class cross product and random vectors."""
    need("icarus")
    p = P(stages=stages, acc=acc, ftz=ftz)
    inputs = harness.sample_vectors(acc, 11, n)
    rep = _run_fast(p, "icarus", inputs, seed=11)
    rep.raise_if_failed()
    assert rep.vectors >= n
    _assert_all_cases(rep.details["cases"])


def test_zero_vectors_fail():
    p = P(stages=1)
    empty = {k: np.zeros(0, dtype=np.int64) for k in harness.PORTS}
    rep = harness.check(UNIT, p, "verilator", empty)
    assert rep.vectors == 0 and not rep.passed


# ---- pipeline behaviour (cocotb) ---------------------------------------------------------------
@pytest.mark.parametrize("stages", [0, 1, 2, 3, 4])
def test_pipeline(sim, stages):
    """Back-to-back operations with op and rm changing every cycle, bubbles, reset pulses in
    mid-stream (operations in flight dropped, no spurious out_valid), for every S."""
    acc = "fp16" if stages % 2 == 0 else "fp32"
    p = P(stages=stages, acc=acc, ftz=(stages == 4))  # the (3, fp32) build is shared with other tests
    rep = harness.pipeline_check(UNIT, p, sim, seed=stages + 1, count=240, resets=3, bubbles=0.25)
    print(rep.summary(), rep.details["killed_by_reset"], "dropped by resets")
    rep.raise_if_failed()
    assert rep.vectors >= 240 - rep.details["killed_by_reset"] > 0
    assert set(rep.latency_seen) == {stages}
    if stages >= 2:  # with several operations in flight the resets must have dropped some
        assert rep.details["killed_by_reset"] > 0


# ---- broken RTL is caught --------------------------------------------------------------------
BROKEN_WRAPPER = """
module fp16_pe(input clk, input rst, input in_valid, input [2:0] op, input [2:0] rm,
               input [15:0] a, input [15:0] b, input [15:0] c,
               output out_valid, output [15:0] result, output [4:0] flags);
  wire [15:0] r;
  wire [4:0] f;
  fp16_pe_core core(.clk(clk), .rst(rst), .in_valid(in_valid), .op(op), .rm(rm), .a(a), .b(b), .c(c),
                    .out_valid(out_valid), .result(r), .flags(f));
  // bug: %s
  assign result = %s;
  assign flags = %s;
endmodule
"""

BUGS = {
    "subnormal_lsb": ("the LSB of subnormal results flipped",
                      "r ^ {15'd0, (r[14:10] == 5'd0) & (r[9:0] != 10'd0)}", "f"),
    "underflow_lost": ("the underflow flag dropped when inexact is raised in RDN",
                       "r", "{f[4:2], f[1] & ~(f[0] & (rm == 3'd2)), f[0]}"),
}


def _broken(tmp_path, bug):
    good = generate(UNIT, P(stages=1)).verilog.replace("module fp16_pe(", "module fp16_pe_core(")
    what, res, flg = BUGS[bug]
    path = tmp_path / f"broken_{bug}.v"
    path.write_text(good + BROKEN_WRAPPER % (what, res, flg))
    return path


@pytest.mark.parametrize("bug", sorted(BUGS))
def test_verify_catches_broken_rtl(tmp_path, bug):
    """The fast path fails on a subtly broken PE handed in as a file (Icarus: cheap to build)."""
    need("icarus")
    inputs = harness.sample_vectors("fp16", 5, 6000)
    rep = harness.check(UNIT, P(stages=1), "icarus", inputs, rtl=[_broken(tmp_path, bug)])
    print(harness.report_text(rep))
    assert not rep.passed
    assert rep.details["mismatching_vectors"] > 0


#: a wrapper around a generated PE that gets the handshake wrong (results and flags untouched)
PROTOCOL_WRAPPER = """
module fp16_pe(input clk, input rst, input in_valid, input [2:0] op, input [2:0] rm,
               input [15:0] a, input [15:0] b, input [15:0] c,
               output out_valid, output [15:0] result, output [4:0] flags);
  wire v;
  fp16_pe_core core(.clk(clk), .rst(rst), .in_valid(in_valid), .op(op), .rm(rm), .a(a), .b(b), .c(c),
                    .out_valid(v), .result(result), .flags(flags));
  reg [3:0] idle;  // cycles since in_valid was last high (saturating); bubbles are 1-3 cycles
  always @(posedge clk)
    if (rst || in_valid) idle <= 4'd0;
    else if (idle != 4'd15) idle <= idle + 4'd1;
  // bug: %s
  assign out_valid = %s;
endmodule
"""

PROTOCOL_BUGS = {
    # one out_valid pulse too many, 8 idle cycles after the last input: after every real output,
    # so all of them keep their order and latency
    "extra_out_valid": ("one extra out_valid pulse after the last output", "v | (idle == 4'd8)"),
    # outputs that leave while in_valid is low are lost: with no bubbles, the last S of a stream
    "drops_last_outputs": ("out_valid only while in_valid is high", "v & in_valid"),
}


def _protocol_broken(tmp_path, bug, stages=2):
    good = generate(UNIT, P(stages=stages)).verilog.replace("module fp16_pe(", "module fp16_pe_core(")
    path = tmp_path / f"protocol_{bug}.v"
    path.write_text(good + PROTOCOL_WRAPPER % PROTOCOL_BUGS[bug])
    return path


@pytest.mark.parametrize("bug", sorted(PROTOCOL_BUGS))
def test_fast_path_fails_on_output_count(tmp_path, bug):
    """One output more or fewer than valid inputs fails the fast path, through the real harness
    on Verilator, even when every output that did come matches and is on time."""
    need("verilator")
    p = P(stages=2)
    inputs = harness.sample_vectors("fp16", 4, 3000)
    rep = harness.check(UNIT, p, "verilator", inputs, rtl=[_protocol_broken(tmp_path, bug)], bubbles=0.0)
    print(harness.report_text(rep))
    assert rep.details["mismatching_vectors"] == 0 and rep.latency_ok  # only the count is wrong
    assert rep.details["problems"], "the harness saw nothing wrong"
    assert not rep.passed
    with pytest.raises(CheckFailed, match="outputs"):
        rep.raise_if_failed()


@pytest.mark.parametrize("bug", sorted(PROTOCOL_BUGS))
def test_exhaustive_fails_on_output_count(tmp_path, bug):
    """The --full job (here two chunks of 2^12 vectors) fails when a chunk has an output too many
    or too few: the vectors checked must add up to the vectors sent."""
    need("verilator")
    rep = harness.exhaustive("mul", params=P(stages=2), rtl=[_protocol_broken(tmp_path, bug)], top="fp16_pe",
                             chunk_bits=12, start=0, stop=2)
    print(rep.summary())
    assert not rep.passed
    with pytest.raises(CheckFailed):
        rep.raise_if_failed()


def test_verify_catches_wrong_latency(tmp_path):
    need("icarus")
    path = tmp_path / "fp16_pe.v"
    path.write_text(generate(UNIT, P(stages=3)).verilog)
    rep = harness.check(UNIT, P(stages=2), "icarus", harness.sample_vectors("fp16", 3, 1000), rtl=[path])
    assert not rep.passed and not rep.latency_ok
    assert rep.details["mismatching_vectors"] == 0  # same results, one cycle late


def test_verify_rtl_good(tmp_path):
    """The complete regression (fast path + cocotb pipeline run) passes on a generated PE handed
    in as a file, as `schw verify fp16-pe --rtl FILE` runs it."""
    need("verilator", "cocotb")
    p = P(stages=3, acc="fp32")  # builds shared with test_fast_verilator_million and test_pipeline
    path = tmp_path / "pe.v"
    path.write_text(generate(UNIT, p).verilog)
    rep = regression(UNIT, p, "verilator", rtl=[path], count=50_000)
    print(rep.summary())
    rep.raise_if_failed()


# ---- exhaustive (long job) ------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("op", ["mul", "add"])
def test_exhaustive_rne(op):
    """Every binary16 pair for mul (a*b) and add (a + c) in RNE: 2^32 vectors each (hours).
    SCHW_FULL_CHUNKS=START:STOP limits the run to chunks of 2^22 vectors (0:1024 is all)."""
    need("verilator")
    start, stop = (int(x) for x in os.environ.get("SCHW_FULL_CHUNKS", "0:1024").split(":"))
    rep = harness.exhaustive(op, start=start, stop=stop, print_progress=True)
    print(rep.summary())
    rep.raise_if_failed()
    assert rep.vectors == (stop - start) << 22
