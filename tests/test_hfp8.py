"""hfp8 RTL against the golden model: hfp8-conv exhaustive (all 65,536 binary16 inputs) on
Verilator for every format and rounding mode, and on Icarus; hfp8-mac dot-product streams on
both simulators; the swamping numbers confirmed on the RTL; a broken RTL is caught; the
swamping command and its bad input."""

import json

import numpy as np
import pytest

from conftest import need
from schw.cli import main
from schw.errors import ParamError
from schw.output import generate
from schw.registry import get
from schw.units.hfp8 import golden as g
from schw.verify import regression

CONV = get("hfp8-conv")
MAC = get("hfp8-mac")


@pytest.mark.parametrize("fmt", ["e4m3b11", "e5m2", "e4m3"])
@pytest.mark.parametrize("rounding", ["rne", "sr"])
def test_conv_exhaustive_verilator(fmt, rounding):
    need("verilator")
    rep = regression(CONV, CONV.Params(format=fmt, rounding=rounding, seed=5), "verilator")
    rep.raise_if_failed()
    assert rep.vectors == 65536 and rep.latency_seen == [1]


@pytest.mark.parametrize("fmt,rounding", [("e4m3b11", "sr"), ("e5m2", "rne"), ("e4m3", "sr")])
def test_conv_icarus(fmt, rounding):
    need("icarus")
    rep = regression(CONV, CONV.Params(format=fmt, rounding=rounding), "icarus", count=6000)
    rep.raise_if_failed()
    assert rep.vectors > 6000


@pytest.mark.parametrize("kw", [dict(), dict(chunk=4), dict(chunk=1, acc_round="sr"),
                                dict(format_a="e4m3b11", format_b="e5m2", chunk=16, acc_round="sr"),
                                dict(format_a="e5m2", format_b="e5m2", acc_round="sr"),
                                dict(format_a="e4m3", format_b="e4m3", chunk=64)])
def test_mac_stream(sim, kw):
    rep = regression(MAC, MAC.Params(**kw), sim, count=40000 if sim == "verilator" else 6000)
    rep.raise_if_failed()
    assert rep.vectors > 20 and rep.details["products"] >= (40000 if sim == "verilator" else 6000)
    assert rep.latency_seen == [MAC.Params(**kw).latency]


@pytest.mark.parametrize("method", ["fp16-rn", "fp16-sr", "fp16-chunk-1", "fp16-chunk-8", "fp16-chunk-64"])
@pytest.mark.parametrize("setup", ["same", "dot"])
def test_swamping_confirmed_on_rtl(method, setup):
    """The MAC RTL, one dot product of length 256 and one of 4096 right after reset, gives the
    swamping row values of the golden model."""
    need("verilator")
    chunk = int(method.rsplit("-", 1)[1]) if "chunk" in method else 0
    p = MAC.Params(chunk=chunk, acc_round="sr" if method == "fp16-sr" else "rne", seed=1)
    rows = {(r["method"], r["length"]): r["value"] for r in g.swamping([256, 4096], [1, 8, 64], setup)}
    for n in (256, 4096):
        a, b = g.swamping_operands(setup, "e4m3b11", n)
        first = np.zeros(n, dtype=np.int64)
        last = np.zeros(n, dtype=np.int64)
        first[0], last[-1] = 1, 1
        inputs = {"a": a, "b": b, "first": first, "last": last}
        rep = MAC.check(p, "verilator", inputs, bubbles=0.0)
        rep.raise_if_failed()
        assert rep.vectors == 1
        assert g.fp16_value(int(g.mac_stream(p, a, b, first, last)[0])) == rows[(method, n)]


def test_broken_rtl_is_caught(tmp_path):
    need("verilator")
    p = CONV.Params(format="e4m3b11", rounding="rne")
    v = generate(CONV, p).verilog
    bad = tmp_path / "bad.v"
    text = v.replace("16'h7e00", "16'h7e01")       # a wrong canonical NaN in FP8 -> binary16
    assert text != v
    bad.write_text(text)
    rep = regression(CONV, p, "verilator", rtl=[bad])
    assert not rep.passed and rep.details["mismatching_vectors"] > 0
    sr = CONV.Params(format="e4m3b11", rounding="sr", seed=2)
    other = tmp_path / "seed.v"
    other.write_text(generate(CONV, CONV.Params(format="e4m3b11", rounding="sr", seed=3)).verilog)
    rep = regression(CONV, sr, "verilator", rtl=[other])      # other LFSR seed: other random bits
    assert not rep.passed


@pytest.mark.parametrize("bad", [dict(format="e3m4"), dict(rounding="rtz"), dict(seed=-1)])
def test_conv_params_rejected(bad):
    with pytest.raises(ParamError):
        CONV.Params(**bad)


@pytest.mark.parametrize("bad", [dict(chunk=3), dict(chunk=8192), dict(acc_round="rtz"), dict(format_a="fp8")])
def test_mac_params_rejected(bad):
    with pytest.raises(ParamError):
        MAC.Params(**bad)


@pytest.mark.parametrize("args,option", [
    (["gen", "hfp8-mac", "--chunk", "6"], "chunk"), (["gen", "hfp8-conv", "--format", "e9m9"], "format"),
    (["gen", "hfp8-conv", "--rounding", "up"], "rounding"), (["swamping", "--chunks", "1,3"], "chunks"),
    (["swamping", "--format", "bf8"], "format"), (["swamping", "--rounding", "rz"], "rounding"),
    (["swamping", "--lengths", "0"], "lengths"), (["swamping", "--setup", "other"], "setup")])
def test_bad_input_exits_2_naming_the_option(args, option, capsys, tmp_path):
    if args[0] == "gen":
        args = [*args, "-o", str(tmp_path)]
    assert main(args) == 2
    assert f"--{option}" in capsys.readouterr().err


def test_swamping_command_json_and_plot(capsys, tmp_path):
    png = tmp_path / "s.png"
    assert main(["swamping", "--lengths", "256,4096", "--chunks", "1,64", "--json", "--plot", str(png)]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["method"] for r in rows} == {"fp32", "fp16-rn", "fp16-sr", "fp16-chunk-1", "fp16-chunk-64"}
    assert all(set(r) == {"setup", "method", "length", "value", "exact"} for r in rows)
    assert png.stat().st_size > 1000
    by = {(r["setup"], r["method"], r["length"]): r["value"] for r in rows}
    assert by[("same", "fp16-rn", 4096)] == 2048 and by[("same", "fp16-chunk-64", 4096)] == 4096
