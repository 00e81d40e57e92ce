"""The command line: bad input is one message naming the option, exit 2, nothing written;
tool failures exit 1; generation is atomic and deterministic."""

import json
import os
import subprocess
import sys

import pytest

from schw.cli import main

SCHW = [sys.executable, "-m", "schw.cli"]


def run(*args, env=None, cwd=None):
    return subprocess.run([*SCHW, *args], capture_output=True, text=True, env=env, cwd=cwd)


@pytest.mark.parametrize("args,option,allowed", [
    (["--width", "0"], "--width", "2..16"),
    (["--width", "99"], "--width", "2..16"),
    (["--length", "100"], "--length", "power of two"),
    (["--length", "2"], "--length", "power of two"),
    (["--length", "131072"], "--length", "power of two"),
    (["--coding", "tripolar"], "--coding", "unipolar, bipolar"),
    (["--sng", "halton7"], "--sng", "lfsr, sobol"),
    (["--seed", "-1"], "--seed", "0..4294967295"),
])
def test_bad_option_exit_2_one_message_no_output(tmp_path, args, option, allowed):
    out = tmp_path / "out"
    r = run("gen", "sc-mul", *args, "-o", str(out))
    assert r.returncode == 2
    assert option in r.stderr and allowed in r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not out.exists() or not any(out.iterdir())


def test_non_integer_is_a_usage_error(tmp_path):
    r = run("gen", "sc-mul", "--width", "abc", "-o", str(tmp_path))
    assert r.returncode == 2 and "--width" in r.stderr and "Traceback" not in r.stderr
    assert not list(tmp_path.iterdir())


def test_unknown_unit_and_missing_rtl(tmp_path):
    r = run("gen", "no-such-unit")
    assert r.returncode == 2 and "no-such-unit" in r.stderr
    r = run("verify", "sc-mul", "--rtl", str(tmp_path / "missing.v"))
    assert r.returncode == 2 and "--rtl" in r.stderr and "existing Verilog file" in r.stderr


def test_unwritable_output_directory(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    r = run("gen", "sc-mul", "-o", str(blocker / "sub"))
    assert r.returncode == 2 and "--out" in r.stderr and "writable directory" in r.stderr
    if os.geteuid() != 0:  # root can write anywhere; the chmod case only means something for users
        ro = tmp_path / "ro"
        ro.mkdir(mode=0o500)
        r = run("gen", "sc-mul", "-o", str(ro))
        assert r.returncode == 2 and not list(ro.iterdir())


def test_failed_write_leaves_no_partial_file(tmp_path, monkeypatch):
    from schw import output
    out = tmp_path / "out"
    real_replace = os.replace
    calls = []

    def failing_replace(src, dst):  # the second rename fails: the first file must not stay either
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(output.os, "replace", failing_replace)
    with pytest.raises(OSError):
        main(["gen", "sc-mul", "-o", str(out)])
    leftovers = [p.name for p in out.iterdir()]
    assert all(not n.endswith(".tmp") for n in leftovers)
    assert "sc_mul.json" not in leftovers


def test_missing_tool_exit_1(tmp_path):
    env = dict(os.environ, PATH=str(tmp_path))  # no yosys on PATH
    r = run("synth", "sc-mul", env=env)
    assert r.returncode == 1 and "yosys" in r.stderr and "apt-get install" in r.stderr
    assert "Traceback" not in r.stderr


def test_gen_writes_verilog_and_manifest_deterministically(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for d in (a, b):
        r = run("gen", "sc-mul", "--width", "6", "--length", "64", "--sng", "sobol", "--seed", "5", "-o", str(d))
        assert r.returncode == 0, r.stderr
    assert (a / "sc_mul.v").read_bytes() == (b / "sc_mul.v").read_bytes()
    m = json.loads((a / "sc_mul.json").read_text())
    assert m["params"] == {"width": 6, "length": 64, "coding": "unipolar", "sng": "sobol", "seed": 5,
                           "mode": "independent", "offset": 1}
    import hashlib
    assert m["verilog_sha256"] == hashlib.sha256((a / "sc_mul.v").read_bytes()).hexdigest()
    assert "seed=5" in r.stdout  # seeds are printed
    assert sorted(p.name for p in a.iterdir()) == ["sc_mul.json", "sc_mul.v"]


def test_doctor_lists_tools():
    r = run("doctor")
    for name in ("amaranth", "cocotb", "verilator", "icarus", "yosys"):
        assert name in r.stdout
    assert r.returncode in (0, 1)
    assert (r.returncode == 0) == ("MISSING" not in r.stdout and "BROKEN" not in r.stdout)


def test_doctor_fails_when_a_tool_is_missing(tmp_path):
    env = dict(os.environ, PATH=str(tmp_path))
    r = run("doctor", env=env)
    assert r.returncode == 1 and "MISSING" in r.stdout and "apt-get install" in r.stdout


def test_every_unit_module_loads():
    from schw.registry import load_all, LOAD_ERRORS
    units = load_all()
    assert "sc-mul" in units
    assert LOAD_ERRORS == {}


def test_list_reports_a_unit_that_did_not_load(monkeypatch):
    """`schw list` names a unit module that failed to import (exit 1) instead of hiding it."""
    from click.testing import CliRunner
    from schw import cli as cli_mod
    from schw.registry import LOAD_ERRORS
    monkeypatch.setitem(LOAD_ERRORS, "schw.units.broken.unit", "SyntaxError: planted")
    r = CliRunner().invoke(cli_mod.cli, ["list"])
    assert r.exit_code == 1
    assert "schw.units.broken.unit did not load: SyntaxError: planted" in r.output
    assert "sc-mul" in r.output  # the units that did load are still listed
