"""Static timing and OpenSTA's vectorless power on osu018-mapped netlists (schw.sta).

The properties come from outside the parser: fmax is 1/critical path, a path's cells are
instances of the netlist and its arrival times grow along it, a clock at the critical path
leaves zero slack and 90 % of it a negative slack of exactly the difference, pipelining cuts
the path, a multiplier's carry chain is longer than a stochastic multiplier's counter logic;
OpenSTA's power is affine in the activity, its clock part and its leakage are what the liberty
tables give.
"""

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import need
from schw import liberty, sta, tools
from schw.errors import ParamError, ToolError
from schw.registry import get
from schw.synth import synthesize

UNITS = {
    "sc-mul": ("sc-mul", dict(width=8, length=256)),
    "int-mul": ("int-mul", dict(width=8)),
    "fp16-pe-s0": ("fp16-pe", dict(stages=0, acc="fp16")),
    "fp16-pe-s2": ("fp16-pe", dict(stages=2, acc="fp16")),
    "fp16-pe-s4": ("fp16-pe", dict(stages=4, acc="fp16")),
    "fsm-tanh": ("fsm-tanh", dict()),
}


@pytest.fixture(scope="module")
def mapped(tmp_path_factory):
    """key -> (netlist path, top, synth report), synthesized against osu018 once per module."""
    need("yosys", "yosys-abc", "sta", "osu018")
    cache: dict = {}
    folder = tmp_path_factory.mktemp("netlists")

    def get_netlist(key):
        if key not in cache:
            name, kw = UNITS[key]
            unit = get(name)
            netlist = folder / f"{key}.v"
            report = synthesize(unit, unit.Params(**kw), "osu018", netlist=netlist)
            cache[key] = (netlist, report["top"], report)
        return cache[key]
    return get_netlist


@pytest.fixture(scope="module")
def osu018():
    need("sta", "osu018")
    return liberty.resolve("osu018")


@pytest.fixture(scope="module")
def timed(mapped, osu018):
    cache: dict = {}

    def run(key):
        if key not in cache:
            netlist, top, _ = mapped(key)
            cache[key] = sta.timing(netlist, top, osu018)
        return cache[key]
    return run


def instances(netlist: Path) -> dict[str, str]:
    """instance -> cell type, read from the Yosys netlist text (not through OpenSTA)."""
    return {m.group(2): m.group(1)
            for m in re.finditer(r"^\s+([A-Za-z_]\w*)\s+(\\\S+|[A-Za-z_]\w*)\s*\(", netlist.read_text(), re.M)
            if m.group(1) not in ("module", "input", "output", "wire", "reg", "assign")}


@pytest.mark.parametrize("key", list(UNITS))
def test_timing_is_consistent(key, mapped, timed):
    netlist, _, report = mapped(key)
    r = timed(key)
    crit = r["critical_path_ns"]
    assert crit > 0 and r["fmax_mhz"] == pytest.approx(1000 / crit, rel=1e-12)
    assert r["sta_version"] == tools.find("sta").version and r["library"] == "osu018" and r["clock_port"] == "clk"
    paths = {g: r[g] for g in sta.GROUPS if r[g] is not None}
    assert paths and crit == max(p["min_period_ns"] for p in paths.values())
    assert r["critical_group"] in paths and paths[r["critical_group"]]["min_period_ns"] == crit
    # default clock = the critical path: the worst slack is zero
    assert r["clock_ns"] == pytest.approx(crit, abs=1e-6) and abs(r["worst_slack_ns"]) < 1e-3
    cells = instances(netlist)
    assert sum(1 for _ in cells) == report["cell_count"]
    for group, p in paths.items():
        arrivals = [pt["arrival_ns"] for pt in p["points"]]
        assert arrivals == sorted(arrivals) and arrivals[-1] == pytest.approx(p["arrival_ns"], abs=1e-6)
        assert p["input_delay_ns"] + sum(pt["incr_ns"] for pt in p["points"]) == pytest.approx(p["arrival_ns"], abs=2e-5)
        for c in p["cells"]:
            assert cells.get(c["instance"]) == c["cell"], (group, c)
        assert p["slack_ns"] == pytest.approx(p["required_ns"] - p["arrival_ns"], abs=2e-6)
        if group.endswith("_to_reg"):
            # into a flop: the minimum period is the data arrival plus the capturing flop's setup time
            assert p["setup_ns"] > 0 and p["min_period_ns"] == pytest.approx(p["arrival_ns"] + p["setup_ns"], abs=2e-6)
            assert p["cells"][-1]["from_pin"] == "D" and p["cells"][-1]["instance"] == p["endpoint"]
        else:
            assert p["setup_ns"] is None and p["min_period_ns"] == pytest.approx(p["arrival_ns"], abs=2e-6)
            assert p["points"][-1]["direction"] == "out" and p["points"][-1]["port"] == p["endpoint"]
        if group.startswith("reg_to"):
            first = p["cells"][0]
            assert first["instance"] == p["startpoint"] and (first["from_pin"], first["to_pin"]) == ("CLK", "Q")
        else:
            assert p["points"][0]["direction"] == "in" and p["points"][0]["port"] == p["startpoint"]
    if report["flip_flops"]:
        rr = r["reg_to_reg"]
        assert rr is not None and len(rr["cells"]) >= 2
        assert all(cells[c["instance"]] for c in rr["cells"])


@pytest.mark.parametrize("key", ["sc-mul", "fp16-pe-s2", "fsm-tanh"])
def test_slack_at_the_critical_path_and_below(key, mapped, osu018, timed):
    netlist, top, _ = mapped(key)
    crit = timed(key)["critical_path_ns"]
    at = sta.timing(netlist, top, osu018, clock_ns=crit)
    assert at["clock_ns"] == crit and abs(at["worst_slack_ns"]) < 1e-3          # |slack| < 1 ps
    assert at["critical_path_ns"] == pytest.approx(crit, abs=2e-6)
    tight = sta.timing(netlist, top, osu018, clock_ns=0.9 * crit)
    assert tight["worst_slack_ns"] < 0
    assert tight["worst_slack_ns"] == pytest.approx(-0.1 * crit, abs=2e-5)
    assert not tight[tight["critical_group"]]["met"]
    assert tight["critical_path_ns"] == pytest.approx(crit, abs=2e-5)           # the period does not move the paths
    loose = sta.timing(netlist, top, osu018, clock_ns=1000.0)
    assert loose["worst_slack_ns"] == pytest.approx(1000.0 - crit, abs=1e-3)


def test_pipelining_cuts_the_critical_path(timed, mapped):
    s0, s2, s4 = (timed(f"fp16-pe-s{s}") for s in (0, 2, 4))
    assert mapped("fp16-pe-s0")[2]["flip_flops"] == 0
    # S=0 is combinational: no register, the only path runs from the inputs to the outputs
    assert s0["reg_to_reg"] is None and s0["in_to_reg"] is None and s0["critical_group"] == "in_to_out"
    assert s4["critical_path_ns"] < s2["critical_path_ns"] < s0["critical_path_ns"]
    assert s4["reg_to_reg"]["min_period_ns"] < s2["reg_to_reg"]["min_period_ns"] < s0["in_to_out"]["min_period_ns"]
    assert s4["fmax_mhz"] > s2["fmax_mhz"] > s0["fmax_mhz"]


def test_binary_multiplier_path_is_longer_than_sc_multiplier(timed):
    assert timed("int-mul")["reg_to_reg"]["min_period_ns"] > timed("sc-mul")["reg_to_reg"]["min_period_ns"]


def test_keep_holds_script_and_report(mapped, osu018, tmp_path):
    netlist, top, _ = mapped("sc-mul")
    sta.timing(netlist, top, osu018, keep=tmp_path)
    assert {p.name for p in tmp_path.iterdir()} == {"timing_probe.tcl", "timing_probe.rpt", "timing.tcl", "timing.rpt"}
    script = (tmp_path / "timing.tcl").read_text()
    for cmd in ("read_liberty", "link_design {sc_mul}", "create_clock -name clk", "set_input_delay 0",
                "set_output_delay 0", "all_registers -clock_pins"):
        assert cmd in script
    assert "slack (MET)" in (tmp_path / "timing.rpt").read_text()
    sta.power_global(netlist, top, osu018, 10.0, 0.1, keep=tmp_path)
    assert "Combinational" in (tmp_path / "power.rpt").read_text()


def test_combinational_netlist_without_clock_port(osu018, tmp_path):
    """No registers, no clk port: a virtual clock, only the input-to-output group."""
    nl = tmp_path / "comb.v"
    nl.write_text("module comb(a, b, c, y);\n  input a; input b; input c; output y; wire n;\n"
                  "  NAND2X1 g1 (.A(a), .B(b), .Y(n));\n  NOR2X1 g2 (.A(n), .B(c), .Y(y));\nendmodule\n")
    r = sta.timing(nl, "comb", osu018)
    assert r["clock_port"] is None
    assert r["reg_to_reg"] is None and r["in_to_reg"] is None and r["reg_to_out"] is None
    p = r["in_to_out"]
    assert [c["instance"] for c in p["cells"]] == ["g1", "g2"] or [c["instance"] for c in p["cells"]] == ["g2"]
    assert r["critical_path_ns"] == p["arrival_ns"] > 0 and r["critical_group"] == "in_to_out"


# ---------------------------------------------------------------- power

def _clock_pin_energy(lib: liberty.Library, cell: str) -> float:
    """E_rise + E_fall (pJ) of a flop's clock-pin internal power table at zero input slew."""
    pins = [p for p in lib.cells[cell].pins.values() if p.clock]
    return sum(sum(t.energy(0.0, 0.0)) for p in pins for t in p.power if not t.related_pin)


def test_power_global_is_affine_in_activity(mapped, osu018):
    netlist, top, report = mapped("sc-mul")
    T = 10.0
    runs = {a: sta.power_global(netlist, top, osu018, T, a) for a in (0.0, 0.1, 0.2, 0.4)}
    for r in runs.values():
        assert r["total_w"] == pytest.approx(r["internal_w"] + r["switching_w"] + r["leakage_w"], rel=1e-6)
        assert r["duty"] == 0.5 and r["clock_ns"] == T and r["library"] == "osu018"
        assert r["groups"]["macro"]["total_w"] == r["groups"]["pad"]["total_w"] == 0.0
    # switching is proportional to A, internal is affine (the clock part does not move), leakage constant
    assert runs[0.0]["switching_w"] == 0.0
    for a in (0.2, 0.4):
        assert runs[a]["switching_w"] == pytest.approx(a / 0.1 * runs[0.1]["switching_w"], rel=1e-5)
        slope = (runs[0.1]["internal_w"] - runs[0.0]["internal_w"]) / 0.1
        assert runs[a]["internal_w"] == pytest.approx(runs[0.0]["internal_w"] + a * slope, rel=1e-5)
        dyn = lambda r: r["internal_w"] + r["switching_w"] - runs[0.0]["internal_w"]  # noqa: E731
        assert dyn(runs[a]) == pytest.approx(a / 0.1 * dyn(runs[0.1]), rel=1e-5)
    assert len({r["leakage_w"] for r in runs.values()}) == 1
    # leakage = the cells' cell_leakage_power (nW) summed, from the liberty itself
    lib = liberty.load(osu018.liberty)
    leak = sum(lib.cells[c].leakage * n for c, n in report["cells"].items()) * 1e-9
    assert runs[0.0]["leakage_w"] == pytest.approx(leak, rel=1e-5)
    # the clock part: -global leaves the clock network at 2 transitions per period, and OpenSTA
    # 2.0.17 charges a flop's CLK table with rise + fall energy at each of them
    flops = {c: n for c, n in report["cells"].items() if lib.cells[c].sequential}
    clock_w = sum(n * 2 * _clock_pin_energy(lib, c) / T for c, n in flops.items()) * 1e-3  # pJ/ns = mW
    assert runs[0.0]["internal_w"] == pytest.approx(clock_w, rel=1e-4)
    assert runs[0.0]["groups"]["combinational"]["internal_w"] == 0.0


def test_power_scales_with_the_clock_period(mapped, osu018):
    netlist, top, _ = mapped("sc-mul")
    fast, slow = (sta.power_global(netlist, top, osu018, T, 0.2) for T in (10.0, 20.0))
    for key in ("internal_w", "switching_w"):
        assert slow[key] == pytest.approx(fast[key] / 2, rel=1e-5)
    assert slow["leakage_w"] == fast["leakage_w"]


def test_power_arguments_are_checked(mapped, osu018):
    netlist, top, _ = mapped("sc-mul")
    with pytest.raises(ParamError, match="--activity"):
        sta.power_global(netlist, top, osu018, 10.0, -0.1)
    with pytest.raises(ParamError, match="--clock-ns"):
        sta.power_global(netlist, top, osu018, 0.0, 0.1)
    with pytest.raises(ParamError, match="--clock-ns"):
        sta.timing(netlist, top, osu018, clock_ns=-1)


# ---------------------------------------------------------------- parsing (OpenSTA 2.0.17 output, verbatim)

REPORT = """\
Startpoint: _511_ (rising edge-triggered flip-flop clocked by clk)
Endpoint: _512_ (rising edge-triggered flip-flop clocked by clk)
Path Group: clk
Path Type: max

        Cap        Slew       Delay        Time   Description
---------------------------------------------------------------------------------------
               0.000000    0.000000    0.000000   clock clk (rise edge)
                           0.000000    0.000000   clock network delay (ideal)
               0.000000    0.000000    0.000000 ^ _511_/CLK (DFFPOSX1)
   0.504969    0.620150    0.543668    0.543668 ^ _511_/Q (DFFPOSX1)
               0.620150    0.000000    0.543668 ^ _235_/A (INVX1)
   0.133708    0.338677    0.378194    0.921861 v _235_/Y (INVX1)
               0.338677    0.000000    0.921861 v _279_/A (NAND2X1)
   0.634178    1.521044    1.216783    2.138644 ^ _279_/Y (NAND2X1)
               1.521044    0.000000    2.138644 ^ _378_/B (NAND2X1)
   0.144785    0.507079    0.441663    2.580307 v _378_/Y (NAND2X1)
               0.507079    0.000000    2.580307 v _428_/A (OR2X1)
   0.008810    0.053910    0.141655    2.721962 v _428_/Y (OR2X1)
               0.053910    0.000000    2.721962 v _512_/D (DFFPOSX1)
                                       2.721962   data arrival time

               0.000000   10.000000   10.000000   clock clk (rise edge)
                           0.000000   10.000000   clock network delay (ideal)
                           0.000000   10.000000   clock reconvergence pessimism
                                      10.000000 ^ _512_/CLK (DFFPOSX1)
                          -0.161255    9.838745   library setup time
                                       9.838745   data required time
---------------------------------------------------------------------------------------
                                       9.838745   data required time
                                      -2.721962   data arrival time
---------------------------------------------------------------------------------------
                                       7.116783   slack (MET)

"""

POWER = """\
Group                        Internal       Switching         Leakage           Total
                                Power           Power           Power           Power
----------------------------------------------------------------------------------------
Sequential            1.424366725e-03 4.458272088e-05 9.643491339e-09 1.468959148e-03  78.7%
Combinational         2.966250468e-04 1.011521599e-04 1.202583277e-08 3.977892338e-04  21.3%
Macro                 0.000000000e+00 0.000000000e+00 0.000000000e+00 0.000000000e+00   0.0%
Pad                   0.000000000e+00 0.000000000e+00 0.000000000e+00 0.000000000e+00   0.0%
----------------------------------------------------------------------------------------
Total                 1.720991568e-03 1.457348699e-04 2.166931878e-08 1.866748091e-03 100.0%
                                92.2%            7.8%            0.0%
"""


def test_parse_checks_reads_every_field():
    p = sta.parse_checks(REPORT)
    assert (p["startpoint"], p["endpoint"], p["path_group"]) == ("_511_", "_512_", "clk")
    assert p["startpoint_kind"] == "rising edge-triggered flip-flop clocked by clk"
    assert (p["arrival_ns"], p["required_ns"], p["slack_ns"], p["setup_ns"], p["clock_ns"]) == \
        (2.721962, 9.838745, 7.116783, 0.161255, 10.0)
    assert p["met"] and p["min_period_ns"] == 2.883217 and p["output_delay_ns"] is None
    assert [pt["pin"] for pt in p["points"]] == ["_511_/CLK", "_511_/Q", "_235_/A", "_235_/Y", "_279_/A", "_279_/Y",
                                                 "_378_/B", "_378_/Y", "_428_/A", "_428_/Y", "_512_/D"]
    q = p["points"][1]
    assert q == {"pin": "_511_/Q", "instance": "_511_", "port": "Q", "cell": "DFFPOSX1", "direction": None,
                 "edge": "rise", "cap_pf": 0.504969, "slew_ns": 0.62015, "incr_ns": 0.543668, "arrival_ns": 0.543668}
    assert p["points"][2]["cap_pf"] is None and p["points"][3]["edge"] == "fall"
    assert [(c["instance"], c["cell"], c["from_pin"], c["to_pin"], c["delay_ns"]) for c in p["cells"]] == [
        ("_511_", "DFFPOSX1", "CLK", "Q", 0.543668), ("_235_", "INVX1", "A", "Y", 0.378194),
        ("_279_", "NAND2X1", "A", "Y", 1.216783), ("_378_", "NAND2X1", "B", "Y", 0.441663),
        ("_428_", "OR2X1", "A", "Y", 0.141655), ("_512_", "DFFPOSX1", "D", None, 0.0)]
    assert p["cells"][2]["load_pf"] == 0.634178 and p["cells"][2]["arrival_ns"] == 2.138644
    assert sta.parse_checks("No paths found.\n") is None


@pytest.mark.parametrize("broken", [
    REPORT.replace("slack (MET)", "slack (SO-SO)"),
    REPORT.replace("   7.116783   slack", "   7.000000   slack"),             # slack != required - arrival
    REPORT.replace(" ^ _235_/A (INVX1)", " ^ _235_/A INVX1"),
    REPORT.replace("library setup time", "library hold time"),
    REPORT.split("data required time")[0],                                  # truncated
    REPORT.replace("Path Type: max", "Path Type: min"),
    "Something else entirely",
    "",
])
def test_parse_checks_fails_loudly(broken):
    with pytest.raises(ToolError, match="OpenSTA"):
        sta.parse_checks(broken)


def test_parse_power_is_exact():
    rows = sta.parse_power(POWER)
    assert rows["total"] == {"internal_w": 1.720991568e-03, "switching_w": 1.457348699e-04,
                             "leakage_w": 2.166931878e-08, "total_w": 1.866748091e-03}
    assert rows["sequential"]["switching_w"] == 4.458272088e-05 and rows["pad"]["total_w"] == 0.0


@pytest.mark.parametrize("broken", [
    POWER.replace("Combinational", "Combinatorial"),
    POWER.replace("1.468959148e-03", "x"),
    POWER.replace("1.866748091e-03 100.0%", "1.966748091e-03 100.0%"),   # total != parts
    POWER.replace("1.424366725e-03", "1.524366725e-03").replace("1.468959148e-03", "1.568959148e-03"),  # groups != total
    POWER.replace(" 78.7%", ""),
    "",
])
def test_parse_power_fails_loudly(broken):
    with pytest.raises(ToolError, match="report_power"):
        sta.parse_power(broken)


# ---------------------------------------------------------------- tools

def test_sta_errors_fail_loudly(osu018, tmp_path):
    nl = tmp_path / "bad.v"
    nl.write_text("module bad(a, y);\n  input a; output y;\n  NOSUCHCELL g (.A(a), .Y(y));\nendmodule\n")
    with pytest.raises(ToolError, match="OpenSTA.*\n.*NOSUCHCELL not found") as e:
        sta.timing(nl, "bad", osu018)
    assert e.value.exit_code == 1
    with pytest.raises(ToolError, match="OpenSTA"):
        sta.power_global(nl, "bad", osu018, 10.0, 0.1)
    ok = tmp_path / "ok.v"
    ok.write_text("module ok(a, y);\n  input a; output y;\n  INVX1 g (.A(a), .Y(y));\nendmodule\n")
    assert sta.timing(ok, "ok", osu018)["in_to_out"]["cells"][0]["cell"] == "INVX1"
    with pytest.raises(ToolError, match="OpenSTA.*\n.*Error"):
        sta.timing(ok, "no_such_top", osu018)
    with pytest.raises(ParamError, match="--netlist"):
        sta.timing(tmp_path / "missing.v", "bad", osu018)


@pytest.fixture
def no_sta(monkeypatch):
    real = shutil.which
    monkeypatch.setattr(tools.shutil, "which", lambda name, *a, **k: None if name == "sta" else real(name, *a, **k))
    tools.find.cache_clear()
    yield
    tools.find.cache_clear()


def test_missing_sta_names_the_package(no_sta, tmp_path):
    nl = tmp_path / "x.v"
    nl.write_text("module x(a, y); input a; output y; INVX1 g (.A(a), .Y(y)); endmodule\n")
    assert not tools.find("sta").ok and tools.find("sta").optional
    with pytest.raises(ToolError, match="apt-get install -y opensta") as e:
        sta.timing(nl, "x", liberty.LibraryFiles("osu018", tmp_path / "x.lib", None))
    assert e.value.exit_code == 1


def test_doctor_lists_sta_and_osu018_as_optional(monkeypatch):
    from schw.cli import cli
    tools.find.cache_clear()
    with_sta = CliRunner().invoke(cli, ["doctor"])
    if tools.find("osu018").ok:
        assert re.search(r"^  ok\s+osu018\s+\S+\s+\S+osu018_stdcells\.lib$", with_sta.output, re.M), with_sta.output
    if tools.find("sta").ok:
        assert re.search(r"^  ok\s+sta\s+2\.\d+\.\d+", with_sta.output, re.M), with_sta.output
    real = shutil.which
    monkeypatch.setattr(tools.shutil, "which", lambda name, *a, **k: None if name == "sta" else real(name, *a, **k))
    monkeypatch.setattr(liberty, "_osu018_dir", lambda: None)
    tools.find.cache_clear()
    try:
        without = CliRunner().invoke(cli, ["doctor"])
    finally:
        tools.find.cache_clear()
    assert re.search(r"^  optional sta\s+not found .*apt-get install -y opensta$", without.output, re.M), without.output
    assert re.search(r"^  optional osu018\s+not installed .*apt-get install -y qflow-tech-osu018$", without.output, re.M)
    assert without.exit_code == with_sta.exit_code      # missing optional tools do not fail doctor
