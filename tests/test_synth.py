"""Area through Yosys: a real number from the liberty, errors never become an area of zero."""

import json
import subprocess
import sys

import pytest

from conftest import need

from schw.errors import ToolError
from schw.liberty import cell_areas, resolve
from schw.synth import NAND2_AREA, synthesize, synthesize_verilog
from schw.registry import get

UNIT = get("sc-mul")


def test_liberty_has_the_nangate_areas():
    cells = cell_areas(resolve("schw45").liberty)
    want = {"INV_X1": 0.532, "BUF_X1": 0.798, "NAND2_X1": 0.798, "NOR2_X1": 0.798, "AND2_X1": 1.064,
            "OR2_X1": 1.064, "NAND3_X1": 1.064, "NOR3_X1": 1.064, "AOI21_X1": 1.064, "OAI21_X1": 1.064,
            "AOI22_X1": 1.330, "OAI22_X1": 1.330, "XOR2_X1": 1.596, "XNOR2_X1": 1.596, "MUX2_X1": 1.862,
            "HA_X1": 2.660, "FA_X1": 4.256, "DFF_X1": 4.522, "DFFR_X1": 5.320, "DFFS_X1": 5.320}
    assert {c: v["area"] for c, v in cells.items()} == want
    assert {c for c, v in cells.items() if v["ff"]} == {"DFF_X1", "DFFR_X1", "DFFS_X1"}


def test_sc_mul_area(yosys):
    r = synthesize(UNIT, UNIT.Params(width=8, length=256))
    cells = cell_areas(resolve("schw45").liberty)
    assert r["area_um2"] > 0
    assert r["area_um2"] == pytest.approx(sum(cells[c]["area"] * n for c, n in r["cells"].items()), abs=1e-3)
    assert r["ge"] == pytest.approx(r["area_um2"] / NAND2_AREA, abs=0.1)
    # registers: a, b (8 each), two 8-bit LFSRs, 8-bit cycle counter, 9-bit accumulator and result, busy, done
    assert r["flip_flops"] == r["cells"]["DFF_X1"] == 8 + 8 + 16 + 8 + 9 + 9 + 1 + 1


def test_cli_synth_json(yosys):
    r = subprocess.run([sys.executable, "-m", "schw.cli", "synth", "sc-mul", "--width", "4", "--length", "16", "--json"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    rep = json.loads(r.stdout)
    assert rep["area_um2"] > 0 and rep["ge"] > 0 and rep["flip_flops"] > 0 and rep["unit"] == "sc-mul"


def test_yosys_failure_is_an_error_not_zero_area(yosys, tmp_path):
    bad = tmp_path / "bad.v"
    bad.write_text("module broken(input a, output b); assign b = ; endmodule\n")
    with pytest.raises(ToolError, match="yosys failed"):
        synthesize_verilog([bad], "broken")


def test_empty_design_is_an_error(yosys, tmp_path):
    empty = tmp_path / "empty.v"
    empty.write_text("module empty(input a, output b); assign b = a; endmodule\n")
    with pytest.raises(ToolError, match="no cells"):
        synthesize_verilog([empty], "empty")


def test_missing_liberty_is_a_usage_error(yosys, tmp_path):
    r = subprocess.run([sys.executable, "-m", "schw.cli", "synth", "sc-mul", "--liberty", str(tmp_path / "x.lib")],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "--liberty" in r.stderr


@pytest.mark.parametrize("abc, runs, skips", [
    ("default", ["&fraig -x", "&dch -f", "&nf"], []),
    ("nosweep", ["&dch -f", "&nf"], ["&fraig -x", "scorr"]),
    ("fast", ["map"], ["&fraig -x", "&dch -f", "&nf"]),
])
def test_abc_scripts_run_what_they_say(yosys, tmp_path, abc, runs, skips):
    """--abc: the ABC commands Yosys ran (its log echoes each as 'ABC: + cmd') are the script's;
    the report names a non-default script, and every script maps the same flip-flops."""
    r = synthesize(UNIT, UNIT.Params(width=4, length=16), keep=tmp_path, abc=abc)
    ran = {line.split("ABC: + ", 1)[1].strip() for line in (tmp_path / "yosys.log").read_text().splitlines()
           if line.startswith("ABC: + ")}
    assert all(c in ran for c in runs) and not any(c in ran for c in skips), sorted(ran)
    assert r.get("abc") == (None if abc == "default" else abc)
    assert r["flip_flops"] == 4 + 4 + 8 + 4 + 5 + 5 + 1 + 1 and r["area_um2"] > 0


def test_bad_abc_script_is_a_usage_error(yosys):
    for args, want in ((["--abc", "quick"], "invalid value for --abc: must be default, nosweep, fast, got 'quick'"),
                       (["--abc", "fast", "--hier"], "--abc: must be default with --hier")):
        r = subprocess.run([sys.executable, "-m", "schw.cli", "synth", "sc-mul", *args],
                           capture_output=True, text=True)
        assert r.returncode == 2 and want in r.stderr and "Traceback" not in r.stderr and not r.stdout, r.stderr


def test_sim_netlist_with_abc_script(yosys, tmp_path):
    """`schw sim --netlist --abc fast` simulates the netlist of ABC's fast script (its cell count,
    not the default script's) and says so; --abc without --netlist exits 2."""
    need("icarus", "cocotb")
    fast = synthesize(UNIT, UNIT.Params(width=4, length=16), "osu018", abc="fast")
    r = subprocess.run([sys.executable, "-m", "schw.cli", "sim", "sc-mul", "--width", "4", "--length", "16",
                        "--netlist", "--abc", "fast", "--sim", "icarus", "--vectors", "10"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert f"osu018 netlist (ABC script fast) ({fast['cell_count']} cells" in r.stdout and "0 mismatches" in r.stdout
    r = subprocess.run([sys.executable, "-m", "schw.cli", "sim", "sc-mul", "--abc", "nosweep"],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "--abc: must be default without --netlist" in r.stderr and not r.stdout
