"""Gate-level regression and waveforms (``schw sim|verify --netlist``, ``--cells``, ``--waves``).

Every unit family runs its own regression - the same vectors, every output exact, the latency
and the handshake monitor - on its Yosys-mapped OSU018 netlist with the library's cell models,
on Icarus. A netlist with one gate changed fails; an output with X bits fails with a message
that says so, on every testbench path; ``--waves`` writes a waveform with the top's ports and
the netlist's internal nets. Gate-level Icarus runs are slow: few vectors, small parameters.
Netlists are cached in ``$SCHW_CACHE/netlists``.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from schw import gatesim, liberty
from schw.errors import CheckFailed, ParamError, ToolError
from schw.output import generate
from schw.registry import get
from schw.sim import runner
from schw.verify import regression
from conftest import IN_CI, need, need_module

SCHW = [sys.executable, "-m", "schw.cli"]

#: (unit, params, vectors): every family, small enough for Icarus at gate level
CONFIGS = [
    ("sc-mul", {"length": 32}, 6),
    ("sc-mux-add", {"length": 32, "inputs": 4}, 4),
    ("sc-or-add", {"length": 32, "inputs": 4}, 4),
    ("sc-apc", {"length": 32, "inputs": 4}, 4),
    ("sc-cordiv", {"length": 32}, 6),
    ("sc-updown", {"length": 32}, 6),
    ("sc-dot", {"length": 32}, 4),
    ("int-mul", {}, 20),
    ("lfsr", {"channels": 2}, 60),
    ("sobol", {"channels": 2, "length": 64}, 60),
    ("halton", {"channels": 2}, 60),
    ("ramp", {"channels": 2}, 60),
    ("fsm-tanh", {"length": 32}, 6),
    ("fsm-stream", {}, 20),
    ("sc-gdc", {}, 40),
    ("sc-gdc-array", {}, 20),
    ("sc-gdm", {}, 40),
    ("fxp-acc", {}, 40),
    ("fp16-pe", {"stages": 0}, 100),
    ("fp16-pe", {"stages": 2}, 100),
    ("pe-array", {"rows": 2, "cols": 2, "pe": "int8"}, 1),
    ("pe-array", {"rows": 2, "cols": 2, "pe": "fp16"}, 1),
    ("pe-array", {"rows": 2, "cols": 2, "pe": "sc"}, 1),
    ("pe-array", {"rows": 4, "cols": 4, "pe": "int8"}, 1),
    ("pe-array", {"rows": 4, "cols": 4, "pe": "sc"}, 1),
    ("pe-array", {"rows": 4, "cols": 4, "pe": "fp16"}, 1),
    ("hfp8-conv", {}, 200),
    ("hfp8-mac", {"chunk": 4}, 200),
    ("sc-layer", {"inputs": 3, "neurons": 2, "length": 32}, 4),
    ("sc-mlp", {"sizes": "3,2,2", "length": 32}, 4),
    ("fp32-sfu", {"ops": "exact"}, 300),
    ("pe-array", {"rows": 2, "cols": 2, "pe": "hfp8", "chunk": 2}, 1),
    ("pe-array", {"rows": 2, "cols": 2, "pe": "unary"}, 1),
    ("pe-array", {"rows": 4, "cols": 4, "pe": "unary", "dataflow": "ws"}, 1),
]
#: the 4x4 fp16 array is in the default suite too: 171 s from an empty cache (153 s of it
#: synthesis; the netlist is cached in $SCHW_CACHE/netlists), 18 s warm (docs/gatesim.md)
FAMILIES = [pytest.param(name, kw, n, id=name + "".join(f"-{k}{v}" for k, v in kw.items()))
            for name, kw, n in CONFIGS]


def need_gates():
    need("cocotb", "icarus", "yosys", "yosys-abc")
    try:
        liberty.resolve("osu018")
    except ToolError as e:
        if IN_CI:
            pytest.fail(f"CI=true and {e}", pytrace=False)
        pytest.skip(str(e))


@pytest.mark.parametrize("name,kw,n", FAMILIES)
def test_family_passes_at_gate_level(name, kw, n):
    need_gates()
    unit = get(name)
    rep = regression(unit, unit.Params(**kw), "icarus", count=n, netlist=True)
    print(rep.summary())
    rep.raise_if_failed()
    gate = rep.details["gate_level"]
    assert gate["library"] == "osu018" and gate["cell_count"] > 0 and gate["x_checked"]
    assert Path(gate["netlist"]).is_file() and Path(gate["cells"]).name == "osu018_stdcells.v"
    assert rep.vectors > 0


def test_netlist_is_cached_and_is_the_design_under_test():
    """The second call synthesizes nothing (same file, same content); the netlist is made of
    OSU018 cells only, with the unit's ports."""
    need_gates()
    unit, p = get("int-mul"), get("int-mul").Params()
    a = gatesim.netlist(unit, p)
    mtime = a.netlist.stat().st_mtime_ns
    b = gatesim.netlist(unit, p)
    assert a.netlist == b.netlist and b.netlist.stat().st_mtime_ns == mtime
    text = a.netlist.read_text()
    cells = set(re.findall(r"^\s+([A-Z][A-Z0-9]+) _\d+_ \(", text, re.M))
    models = set(re.findall(r"^module (\w+)", a.cells.read_text(), re.M))
    assert cells and cells <= models, cells - models
    assert re.search(r"module int_mul\(", text)
    other = gatesim.netlist(unit, unit.Params(width=4))
    assert other.netlist != a.netlist


def test_gate_level_on_verilator():
    """Verilator 5.048 compiles the OSU018 models (UDP flip-flops and muxes; specify blocks
    ignored) and passes the same regression (2-state: it cannot see X)."""
    need_gates()
    need("verilator")
    for name, kw, n in [("sc-mul", {"length": 32}, 6), ("lfsr", {"channels": 2}, 60)]:
        unit = get(name)
        rep = regression(unit, unit.Params(**kw), "verilator", count=n, netlist=True)
        rep.raise_if_failed()
        assert rep.details["gate_level"]["x_checked"] is False


# ---- a broken netlist is caught ------------------------------------------------------------------
SWAP = {"AND2X1": "OR2X1", "AND2X2": "OR2X2", "OR2X1": "AND2X1", "OR2X2": "AND2X2", "NAND2X1": "NOR2X1",
        "NOR2X1": "NAND2X1", "AOI21X1": "OAI21X1", "OAI21X1": "AOI21X1", "AOI22X1": "OAI22X1",
        "OAI22X1": "AOI22X1", "XOR2X1": "XNOR2X1", "XNOR2X1": "XOR2X1", "NAND3X1": "NOR3X1", "NOR3X1": "NAND3X1",
        "INVX1": "BUFX2", "INVX2": "BUFX2", "BUFX2": "INVX1"}
CELL = re.compile(r"^  (?P<type>[A-Z][A-Z0-9]+) (?P<name>_\d+_) \((?P<pins>.*?)\n  \);", re.M | re.S)


def swap_gate_on(netlist: str, port_bit: str) -> tuple[str, str]:
    """``netlist`` with the gate that drives the D input of the flip-flop whose Q is
    ``port_bit`` (e.g. ``result[0]``) swapped for its dual (AND <-> OR, NAND <-> NOR, ...);
    returns the new text and what was swapped."""
    cells = [(m, dict(re.findall(r"\.(\w+)\(([^()]*)\)", m.group("pins")))) for m in CELL.finditer(netlist)]
    ff = next(pins for m, pins in cells if m.group("type").startswith("DFF") and pins.get("Q") == port_bit)
    m, _ = next((m, pins) for m, pins in cells if pins.get("Y") == ff["D"])
    assert m.group("type") in SWAP, m.group(0)
    new = SWAP[m.group("type")]
    return netlist[:m.start("type")] + new + netlist[m.end("type"):], f"{m.group('type')} {m.group('name')} -> {new}"


def test_broken_netlist_fails(tmp_path):
    """One gate on the path into a result flip-flop swapped for its dual: the regression of the
    edited netlist (``verify --rtl NETLIST --cells osu018``) fails; the untouched one passes."""
    need_gates()
    unit, p = get("int-mul"), get("int-mul").Params()
    gate = gatesim.netlist(unit, p)
    good = regression(unit, p, "icarus", rtl=[gate.netlist], cells="osu018", count=20)
    good.raise_if_failed()
    text, what = swap_gate_on(gate.netlist.read_text(), "result[0]")
    broken = tmp_path / "int_mul.broken.v"
    broken.write_text(text)
    rep = regression(unit, p, "icarus", rtl=[broken], cells="osu018", count=20)
    print(what, rep.summary())
    assert not rep.passed and rep.mismatches
    with pytest.raises(CheckFailed, match="mismatches"):
        rep.raise_if_failed()


# ---- X on an output is a failure that says so, on every testbench path ---------------------------
def _wrap(tmp_path, unit, p, ports: str, body: str, top: str) -> Path:
    """The generated unit renamed ``<top>_core`` inside a wrapper ``top`` with ``ports`` and
    ``body`` (which instantiates it as ``u``)."""
    gen = generate(unit, p)
    core = gen.verilog.replace(f"module {gen.top}(", f"module {gen.top}_core(")
    path = tmp_path / f"{top}.v"
    path.write_text(core + f"\nmodule {top}{ports};\n{body}\nendmodule\n")
    return path


def _sc_mul_with_x(tmp_path, top, result, done):
    """sc-mul (length 16) wrapped so that ``result``/``done`` are the given expressions of the
    core's ``r``/``d`` and a register ``never`` that is never reset or written (X); the
    regression on Icarus, 4 vectors."""
    need("cocotb", "icarus")
    unit = get("sc-mul")
    p = unit.Params(length=16)
    path = _wrap(tmp_path, unit, p, "(input clk, input rst, input start, input [7:0] a, input [7:0] b, "
                 "output done, output [4:0] result)",
                 "  wire [4:0] r;\n  wire d;\n  reg never;\n"
                 "  sc_mul_core u (.clk(clk), .rst(rst), .start(start), .a(a), .b(b), .done(d), .result(r));\n"
                 f"  assign result = {result};\n  assign done = {done};", top)
    return regression(unit, p, "icarus", rtl=[path], top=top, count=4)


def test_x_result_fails_handshake(tmp_path):
    """sc-mul whose result bit 0 goes through a register that is never reset or written: every
    vector fails with 'result is X/Z at vector i', no crash, no pass."""
    rep = _sc_mul_with_x(tmp_path, "sc_mul_x", "{r[4:1], r[0] ^ never}", "d")
    assert not rep.passed and rep.x_outputs()
    with pytest.raises(CheckFailed, match=r"result is X/Z at vector 0"):
        rep.raise_if_failed()


def test_x_done_fails_handshake(tmp_path):
    """done with X bits: a protocol violation and a run that stops with 'done missing', reported
    as a failed check (not a tool error)."""
    rep = _sc_mul_with_x(tmp_path, "sc_mul_xdone", "r", "d ^ never")
    assert not rep.passed
    with pytest.raises(CheckFailed, match=r"done is X/Z after edge \d+") as e:
        rep.raise_if_failed()
    assert "done missing" in str(e.value) and "vectors finished" in str(e.value)


def test_x_output_fails_per_cycle_testbenches(tmp_path):
    """tb_sng (lfsr) and the gdc testbench (sc-gdc): an output bit through a never-written
    register is 'X/Z' in the report, not a crash."""
    need("cocotb", "icarus")
    unit = get("lfsr")
    p = unit.Params()
    gen = generate(unit, p)
    ports = [q for q in gen.manifest["ports"]]
    decl = ", ".join(f"{'input' if q['dir'] == 'in' else 'output'} [{q['width'] - 1}:0] {q['name']}" for q in ports)
    conn = ", ".join(f".{q['name']}({q['name'] if q['name'] != 'code0' else 'c0'})" for q in ports)
    path = _wrap(tmp_path, unit, p, f"({decl})", f"  wire [7:0] c0;\n  reg never;\n  {gen.top}_core u ({conn});\n"
                 "  assign code0 = {c0[7:1], c0[0] ^ never};", "lfsr_x")
    rep = regression(unit, p, "icarus", rtl=[path], top="lfsr_x", count=10)
    with pytest.raises(CheckFailed, match=r"code0 is X/Z at vector 0"):
        rep.raise_if_failed()

    unit = get("sc-gdc")
    p = unit.Params()
    gen = generate(unit, p)
    ports = gen.manifest["ports"]
    out = next(q for q in ports if q["dir"] == "out")
    decl = ", ".join(f"{'input' if q['dir'] == 'in' else 'output'} [{q['width'] - 1}:0] {q['name']}" for q in ports)
    conn = ", ".join(f".{q['name']}({q['name'] if q is not out else 'w0'})" for q in ports)
    w = out["width"]
    path = _wrap(tmp_path, unit, p, f"({decl})", f"  wire [{w - 1}:0] w0;\n  reg never;\n  {gen.top}_core u ({conn});\n"
                 f"  assign {out['name']} = {{w0[{w - 1}:1], w0[0] ^ never}};", "gdc_x")
    rep = regression(unit, p, "icarus", rtl=[path], top="gdc_x", count=10)
    with pytest.raises(CheckFailed, match=rf"{out['name']} is X/Z at vector 0") as e:
        rep.raise_if_failed()
    assert f"{out['name']} is X/Z after reset" in str(e.value)


def test_x_output_fails_fp16_paths(tmp_path):
    """fp16-pe on Icarus: the fast harness and the cocotb pipeline run both report flags with X
    bits as mismatches ('flags is X/Z at vector i')."""
    need("cocotb", "icarus")
    unit = get("fp16-pe")
    p = unit.Params(stages=2)
    path = _wrap(tmp_path, unit, p, "(input clk, input rst, input in_valid, input [2:0] op, input [2:0] rm, "
                 "input [15:0] a, input [15:0] b, input [15:0] c, output out_valid, output [15:0] result, "
                 "output [4:0] flags)",
                 "  wire [4:0] f;\n  reg never;\n"
                 "  fp16_pe_core u (.clk(clk), .rst(rst), .in_valid(in_valid), .op(op), .rm(rm), .a(a), .b(b), .c(c),\n"
                 "    .out_valid(out_valid), .result(result), .flags(f));\n"
                 "  assign flags = {f[4:1], f[0] ^ never};", "fp16_pe_x")
    rep = regression(unit, p, "icarus", rtl=[path], top="fp16_pe_x", count=50)
    assert not rep.passed
    with pytest.raises(CheckFailed, match=r"flags is X/Z at vector 0"):
        rep.raise_if_failed()
    assert rep.details["mismatching_vectors"] == rep.details["fast_vectors"]  # fast path: every vector
    assert rep.details["pipeline_mismatches"] == rep.details["pipeline_vectors"]  # cocotb run: every vector


def test_x_output_fails_pe_array(tmp_path):
    """pe-array: an output row with X bits is a mismatch 'out is X/Z'."""
    need("cocotb", "icarus")
    unit = get("pe-array")
    p = unit.Params(rows=2, cols=2, pe="int8")
    gen = generate(unit, p)
    ports = gen.manifest["ports"]
    w = next(q["width"] for q in ports if q["name"] == "out")
    decl = ", ".join(f"{'input' if q['dir'] == 'in' else 'output'} [{q['width'] - 1}:0] {q['name']}" for q in ports)
    conn = ", ".join(f".{q['name']}({q['name'] if q['name'] != 'out' else 'o'})" for q in ports)
    text = gen.verilog.replace(f"module {gen.top} (", f"module {gen.top}_core (")
    assert text != gen.verilog
    path = tmp_path / "pe_x.v"
    path.write_text(text + f"\nmodule pe_x({decl});\n  wire [{w - 1}:0] o;\n  reg never;\n"
                    f"  {gen.top}_core u ({conn});\n  assign out = {{o[{w - 1}:1], o[0] ^ never}};\nendmodule\n")
    rep = regression(unit, p, "icarus", rtl=[path], top="pe_x", count=1)
    with pytest.raises(CheckFailed, match=r"out is X/Z at vector 0"):
        rep.raise_if_failed()


# ---- waveforms ----------------------------------------------------------------------------------
def _wave_names(path: Path) -> tuple[set, set]:
    """(variable names, scope names) anywhere in a waveform file."""
    pywellen = need_module("pywellen")
    w = pywellen.Waveform(str(path))
    names, scopes = set(), set()
    todo = list(w.scopes())
    while todo:
        s = todo.pop()
        scopes.add(s.name)
        names |= {v.name for v in s.vars()}
        todo += list(s.scopes())
    return names, scopes


@pytest.mark.parametrize("ext", ["vcd", "fst"])
def test_waves_of_a_gate_level_run(tmp_path, ext):
    """Icarus, gate level: the waveform holds the top's ports, the netlist's internal nets
    (``_042_``) and the cell instances below them (dumpvars depth 0 on the DUT)."""
    need_gates()
    unit = get("sc-mul")
    p = unit.Params(length=16)
    waves = tmp_path / f"run.{ext}"
    rep = regression(unit, p, "icarus", count=2, netlist=True, waves=waves)
    rep.raise_if_failed()
    assert waves.stat().st_size > 0 and rep.details["waves"] == str(waves.resolve())
    names, scopes = _wave_names(waves)
    assert {"clk", "rst", "start", "a", "b", "done", "result"} <= names
    netlist_nets = set(re.findall(r"^\s+wire (?:\[\d+:\d+\] )?(_\d+_);", Path(rep.details["gate_level"]["netlist"])
                                  .read_text(), re.M))
    assert netlist_nets and netlist_nets <= names, sorted(netlist_nets - names)[:5]
    assert "sc_mul" in scopes and any(re.fullmatch(r"_\d+_", s) for s in scopes)  # cell instances
    if ext == "vcd":
        assert waves.read_text(errors="replace").startswith("$date")


def test_waves_verilator_rtl_and_builds_apart(tmp_path):
    """Verilator writes a VCD of the RTL run (internal signals included); a waves build is a
    different cached build from the plain one."""
    need("cocotb", "verilator")
    unit = get("sc-mul")
    p = unit.Params(length=16)
    waves = tmp_path / "rtl.vcd"
    regression(unit, p, "verilator", count=2, waves=waves).raise_if_failed()
    names, _ = _wave_names(waves)
    assert {"clk", "start", "done", "result"} <= names and len(names) > 10
    src, top = [tmp_path / "sc_mul.v"], "sc_mul"
    src[0].write_text(generate(unit, p).verilog)
    _, plain = runner.build("verilator", src, top)
    _, traced = runner.build("verilator", src, top, waves="vcd")
    assert plain != traced


def test_waves_fp16_harness_and_pipeline(tmp_path):
    """fp16-pe on Icarus at gate level: FILE from the fast harness, FILE.pipeline.vcd from the
    cocotb pipeline run; both with the DUT's ports and netlist nets."""
    need_gates()
    unit = get("fp16-pe")
    waves = tmp_path / "fp16.vcd"
    rep = regression(unit, unit.Params(stages=0), "icarus", count=20, netlist=True, waves=waves)
    rep.raise_if_failed()
    pipe = tmp_path / "fp16.pipeline.vcd"
    assert rep.details["waves_pipeline"] == str(pipe.resolve())
    for f in (waves, pipe):
        names, _ = _wave_names(f)
        assert {"clk", "in_valid", "op", "result", "flags", "out_valid"} <= names
        assert any(re.fullmatch(r"_\d+_", n) for n in names)


def test_waves_fp16_verilator_fast_path(tmp_path):
    """The Verilator fast harness traces too (a build of its own)."""
    need("cocotb", "verilator")
    from schw.units.fp16_pe import harness
    unit = get("fp16-pe")
    p = unit.Params(stages=2)
    inputs = harness.sample_vectors("fp16", 1, 200)
    waves = tmp_path / "fast.vcd"
    rep = harness.check(unit, p, "verilator", inputs, waves=waves)
    rep.raise_if_failed()
    names, _ = _wave_names(waves)
    assert {"clk", "in_valid", "result", "flags", "out_valid"} <= names


def test_verilator_fst_needs_lz4(tmp_path):
    """Verilator's FST writer compiles against the LZ4 headers: without them the run stops with
    a message naming liblz4-dev; with them it writes the FST."""
    need("cocotb", "verilator")
    unit = get("sc-mul")
    waves = tmp_path / "run.fst"
    if Path("/usr/include/lz4.h").exists():
        regression(unit, unit.Params(length=16), "verilator", count=2, waves=waves).raise_if_failed()
        assert waves.stat().st_size > 0
    else:
        with pytest.raises(ToolError, match="liblz4-dev"):
            regression(unit, unit.Params(length=16), "verilator", count=2, waves=waves)


def test_bad_waves_name():
    unit = get("sc-mul")
    with pytest.raises(ParamError, match="--waves"):
        regression(unit, unit.Params(), "icarus", waves=Path("run.txt"))


# ---- the command line ---------------------------------------------------------------------------
def run(*args, env=None):
    return subprocess.run([*SCHW, *args], capture_output=True, text=True, env=env)


def test_cli_sim_netlist_and_waves(tmp_path):
    need_gates()
    waves, keep = tmp_path / "w.vcd", tmp_path / "keep"
    r = run("sim", "sc-mul", "--length", "16", "--vectors", "2", "--sim", "icarus", "--netlist",
            "--waves", str(waves), "--keep", str(keep))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "PASS" in r.stdout and "gate level: osu018 netlist" in r.stdout and f"wrote {waves}" in r.stdout
    assert waves.stat().st_size > 0
    assert (keep / "sc_mul.netlist.v").is_file() and (keep / "synth.json").is_file() and (keep / "sim.log").is_file()


def test_cli_waves_both_simulators(tmp_path):
    """--sim both --waves run.vcd writes run.icarus.vcd and run.verilator.vcd."""
    need("cocotb", "icarus", "verilator")
    waves = tmp_path / "run.vcd"
    r = run("sim", "sc-mul", "--length", "16", "--vectors", "2", "--sim", "both", "--waves", str(waves))
    assert r.returncode == 0, r.stdout + r.stderr
    for sim in ("icarus", "verilator"):
        f = tmp_path / f"run.{sim}.vcd"
        assert f.stat().st_size > 0 and f"wrote {f}" in r.stdout
    assert not waves.exists()


def test_cli_verify_netlist_of_user_rtl_and_user_netlist(tmp_path):
    """verify --rtl X.v --netlist synthesizes the user's RTL; verify --rtl NETLIST.v --cells
    osu018 simulates a netlist the user mapped."""
    need_gates()
    unit = get("int-mul")
    rtl = tmp_path / "int_mul.v"
    rtl.write_text(generate(unit, unit.Params()).verilog)
    r = run("verify", "int-mul", "--rtl", str(rtl), "--sim", "icarus", "--vectors", "5", "--netlist")
    assert r.returncode == 0 and "gate level: osu018 netlist" in r.stdout, r.stdout + r.stderr
    netlist = gatesim.netlist(unit, unit.Params()).netlist
    r = run("verify", "int-mul", "--rtl", str(netlist), "--sim", "icarus", "--vectors", "5", "--cells", "osu018")
    assert r.returncode == 0 and "gate level: netlist" in r.stdout, r.stdout + r.stderr


@pytest.mark.parametrize("args,option", [
    (["--netlist", "--liberty", "nosuch"], "--liberty"),
    (["--netlist", "--liberty", "schw45"], "--liberty"),       # area only: no cell models
    (["--liberty", "osu018"], "--liberty"),                    # without --netlist
    (["--cells", "osu018"], "--cells"),                        # sim: no netlist to pair them with
    (["--netlist", "--cells", "/no/such/cells.v"], "--cells"),
    (["--waves", "run.txt"], "--waves"),
])
def test_cli_bad_input_exit_2(args, option):
    r = run("sim", "sc-mul", "--sim", "icarus", "--vectors", "1", *args)
    assert r.returncode == 2, r.stdout + r.stderr
    assert option in r.stderr and "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_cli_liberty_file_without_models(tmp_path):
    """A user liberty with no FILE.v beside it: exit 2 naming --liberty (or give --cells)."""
    lib = tmp_path / "mine.lib"
    lib.write_text(liberty.resolve("schw45").liberty.read_text())
    r = run("sim", "sc-mul", "--sim", "icarus", "--netlist", "--liberty", str(lib))
    assert r.returncode == 2 and "--liberty" in r.stderr and "--cells" in r.stderr, r.stderr


def test_cli_missing_yosys_exit_1(tmp_path):
    """No Yosys on PATH: exit 1 naming the package to install."""
    need_gates()
    env = {**os.environ, "PATH": str(Path(sys.executable).parent), "SCHW_CACHE": str(tmp_path / "cache")}
    r = run("sim", "int-mul", "--sim", "icarus", "--vectors", "1", "--netlist", env=env)
    assert r.returncode == 1 and "yosys" in r.stderr and "apt-get install" in r.stderr, r.stderr


def test_missing_cell_models_name_the_package(tmp_path, monkeypatch):
    """osu018's liberty installed but its Verilog models missing: exit 1 naming
    qflow-tech-osu018."""
    from schw.cli import main
    (tmp_path / "osu018_stdcells.lib").write_text(liberty.resolve("schw45").liberty.read_text())
    monkeypatch.setattr(liberty, "OSU018_DIR", tmp_path)
    assert main(["sim", "int-mul", "--sim", "icarus", "--netlist"]) == 1
    with pytest.raises(ToolError, match="qflow-tech-osu018"):
        gatesim.netlist(get("int-mul"), get("int-mul").Params())


def test_reserved_names():
    from schw.cli import RESERVED
    assert {"netlist", "cells", "waves", "liberty"} <= RESERVED


def test_waves_hfp8_stream_harness(tmp_path):
    """hfp8 units at gate level on Icarus: --waves FILE.vcd records the netlist's nets (the
    stream harness drives a wrapper that dumps the DUT); FST and Verilator are refused naming
    --waves (that harness does not trace)."""
    need_gates()
    unit = get("hfp8-conv")
    p = unit.Params()
    waves = tmp_path / "conv.vcd"
    rep = regression(unit, p, "icarus", count=50, netlist=True, waves=waves)
    rep.raise_if_failed()
    text = waves.read_text(errors="replace")
    assert "$scope module dut $end" in text and re.search(r"\$var wire +1 \S+ _\d+_ \$end", text)
    with pytest.raises(ParamError) as e:
        regression(unit, p, "icarus", count=50, waves=tmp_path / "conv.fst")
    assert e.value.option == "--waves"
    need("verilator")
    with pytest.raises(ParamError) as e:
        regression(unit, p, "verilator", count=50, waves=tmp_path / "v.vcd")
    assert e.value.option == "--waves"
    assert not (tmp_path / "v.vcd").exists() and not (tmp_path / "conv.fst").exists()
