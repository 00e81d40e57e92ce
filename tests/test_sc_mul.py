"""sc-mul: golden model against an independent per-bit reference, RTL against the golden model
on both simulators, and schw verify catching a wrong multiplier."""

import json
import re

import numpy as np
import pytest
from scipy.stats import qmc

from schw.output import generate
from schw.sc.spec import LFSR_TAPS
from schw.registry import get
from schw.verify import regression

UNIT = get("sc-mul")


def reference_codes(sng, width, length, seed):
    """Random codes written straight from the documented SNG rules (not from schw.sc)."""
    if sng == "sobol":
        assert seed == 0
        pts = qmc.Sobol(2, scramble=False, bits=30).random(length)
        return (pts * 2**30).astype(np.int64).T >> (30 - width)
    out = []
    for ch in range(2):
        taps = LFSR_TAPS[width][ch % len(LFSR_TAPS[width])]
        poly = 1 + sum(2**k for k in taps)
        state = (seed + ch * 0x9E3779B9) % (2**width - 1) + 1
        seq = []
        for _ in range(length):
            seq.append(state)
            state = state * 2
            if state >= 2**width:
                state = (state - 2**width) ^ poly
        out.append(seq)
    return np.array(out)


@pytest.mark.parametrize("width,length,coding,sng,seed", [
    (4, 16, "unipolar", "lfsr", 0),
    (8, 256, "bipolar", "lfsr", 12345),
    (8, 64, "unipolar", "sobol", 0),
    (6, 128, "bipolar", "sobol", 0),
    (16, 1024, "unipolar", "lfsr", 7),
])
def test_golden_matches_per_bit_reference(width, length, coding, sng, seed):
    p = UNIT.Params(width=width, length=length, coding=coding, sng=sng, seed=seed)
    codes = reference_codes(sng, width, length, seed)
    rng = np.random.default_rng(3)
    a = rng.integers(0, 2**width, 40)
    b = rng.integers(0, 2**width, 40)
    want = []
    for x, y in zip(a, b):
        sa, sb = codes[0] < x, codes[1] < y
        bits = (sa & sb) if coding == "unipolar" else ~(sa ^ sb)
        want.append(int(bits.sum()))
    assert UNIT.golden(p, {"a": a, "b": b})["result"].tolist() == want


def test_golden_exact_cases():
    # Sobol dim 1/2 over a full period of 2^N points hits every code once: a*b exact for a=max.
    p = UNIT.Params(width=4, length=16, sng="sobol")
    got = UNIT.golden(p, {"a": np.array([0, 15, 8, 15]), "b": np.array([9, 0, 16 - 1, 15])})["result"]
    # a=0 -> no ones; b=0 -> no ones; stream of 15 has 15 ones out of 16 (code < 15)
    assert got[0] == 0 and got[1] == 0
    p = UNIT.Params(width=4, length=16, coding="bipolar", sng="sobol")
    # bipolar x = 0 (code 8) times anything averages to 0 -> XNOR gives L/2 ones for independent dims
    got = UNIT.golden(p, {"a": np.array([8]), "b": np.array([8])})["result"]
    assert got[0] == 8


def test_same_params_same_verilog_and_manifest():
    p = UNIT.Params(width=8, length=256, sng="sobol", seed=99)
    g1, g2 = generate(UNIT, p), generate(UNIT, p)
    assert g1.verilog == g2.verilog and g1.manifest == g2.manifest
    assert generate(UNIT, p.replace(seed=100)).verilog != g1.verilog


def test_manifest_ports_match_verilog():
    p = UNIT.Params(width=6, length=64)
    g = generate(UNIT, p)
    m = g.manifest
    for key in ("top", "unit", "params", "ports", "clock", "reset", "latency_cycles", "schw_version", "verilog_sha256"):
        assert key in m
    assert m["latency_cycles"] == 64 and m["clock"] == "clk" and m["reset"] == "rst"
    declared = {}
    top_text = re.search(r"^module sc_mul\(.*?^endmodule", g.verilog, re.M | re.S).group(0)
    for direction, rng, name in re.findall(r"^\s*(input|output)\s+(?:\[(\d+):0\]\s+)?(\w+);", top_text, re.M):
        declared[name] = (direction[:-3] if direction == "output" else "in", int(rng) + 1 if rng else 1)
    assert declared == {q["name"]: (q["dir"], q["width"]) for q in m["ports"]}
    assert declared["result"] == ("out", 7) and declared["a"] == ("in", 6)
    json.dumps(m)


CONFIGS = [
    (4, 16, "unipolar", "lfsr", 0, "independent"),
    (4, 64, "bipolar", "sobol", 0, "shared"),
    (8, 256, "unipolar", "sobol", 3, "independent"),
    (8, 1024, "bipolar", "lfsr", 1, "independent"),
    (8, 128, "bipolar", "sobol", 0, "permuted"),
    (5, 32, "unipolar", "lfsr", 77, "shifted"),
]


def test_shared_source_turns_and_into_min():
    p = UNIT.Params(width=6, length=64, sng="sobol", mode="shared")
    a, b = np.meshgrid(np.arange(64), np.arange(64))
    got = UNIT.golden(p, {"a": a.ravel(), "b": b.ravel()})["result"]
    assert got.tolist() == np.minimum(a, b).ravel().tolist()  # a full Sobol period: count = min(a, b)


@pytest.mark.parametrize("width,length,coding,sng,seed,mode", CONFIGS)
def test_rtl_matches_golden(sim, width, length, coding, sng, seed, mode):
    p = UNIT.Params(width=width, length=length, coding=coding, sng=sng, seed=seed, mode=mode, offset=3)
    report = regression(UNIT, p, sim, seed=width * length, count=500)
    assert report.vectors >= 516  # 16 corner pairs + 500 random
    assert report.latency_seen and set(report.latency_seen) == {length}
    report.raise_if_failed()


def _wrong_multiplier(tmp_path, p):
    text = generate(UNIT, p).verilog
    broken = text.replace("assign \\bit  = sa & sb;", "assign \\bit  = sa & (sb | (a_r == 8'h2a));")
    assert broken != text
    path = tmp_path / "wrong.v"
    path.write_text(broken)
    return path


def test_verify_catches_wrong_multiplier_and_passes_generated(sim, tmp_path):
    p = UNIT.Params(width=8, length=64)
    good = tmp_path / "good.v"
    good.write_text(generate(UNIT, p).verilog)
    assert regression(UNIT, p, sim, rtl=[good], top="sc_mul", count=100).passed
    bad = regression(UNIT, p, sim, rtl=[_wrong_multiplier(tmp_path, p)], top="sc_mul", count=600)
    assert not bad.passed and bad.mismatches
    assert all(m.inputs["a"] == 0x2A for m in bad.mismatches)
