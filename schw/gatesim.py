"""Gate-level simulation: a unit's own regression on its Yosys-mapped netlist.

``schw sim UNIT --netlist [--liberty L]`` synthesizes the generated Verilog with
:func:`schw.synth.synthesize_verilog` (``dfflibmap`` + ``abc -liberty``, the netlist written by
``write_verilog -noattr -noexpr``) and hands the regression ``[netlist.v, cells.v]`` as its
design under test: every testbench and harness takes a list of Verilog sources and a top, so the
same vectors, the same exact comparison, the latency check and the handshake monitor run on
gates. ``cells.v`` are the library's simulation models (:func:`schw.liberty.resolve`:
``osu018_stdcells.v`` for ``osu018``; ``FILE.v`` beside a liberty ``FILE.lib``; or ``--cells``).

``schw verify UNIT --rtl X.v --netlist`` does the same with someone else's RTL, and
``schw verify UNIT --rtl NETLIST.v --cells CELLS.v`` (or ``--cells osu018``) simulates a netlist
the user mapped themselves.

Netlists are cached under ``$SCHW_CACHE/netlists/`` (the one build cache,
:func:`schw.sim.runner.build_slot`), keyed by the generated Verilog (which carries the unit, its
parameters and schw's version in its header), the liberty file, the Yosys flow script and the
Yosys version: a second gate-level run of the same configuration does not synthesize again.

Simulators: Icarus (4-state; an X or Z on a checked output is a mismatch) and Verilator 5.048
(the OSU018 models compile: Verilator models their UDP flip-flops and muxes and ignores the
``specify`` blocks, SPECIFYIGN; 2-state, so it cannot see X - an unreset register starts at 0
there). Neither simulator uses the ``specify`` delays: the runs are zero-delay functional
simulations of the mapped gates, which is what the regression checks (timing is
:mod:`schw.sta`'s job).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from . import __version__, tools
from . import liberty as liberty_lib
from .errors import ParamError, ToolError
from .output import generate, template, write_atomic
from .sim import runner
from .synth import ABC_SCRIPTS, check_abc, synthesize_verilog

#: the library of ``--netlist`` when ``--liberty`` is not given
DEFAULT_LIBERTY = "osu018"


@dataclasses.dataclass(frozen=True)
class GateLevel:
    """A design under test at gate level: ``sources`` (the netlist, then the cell models) and
    its ``top``; ``library`` names the liberty it was mapped to (None for a user's netlist)."""

    sources: list[Path]
    top: str
    netlist: Path
    cells: Path
    library: str | None
    synth: dict | None = None  # the area report of the synthesis (cells, flip-flops, area)


def cell_models(cells: str | Path | None, lib: liberty_lib.LibraryFiles | None = None) -> Path:
    """The Verilog simulation models: ``cells`` (a file, or a library name such as ``osu018``)
    when given, else ``lib``'s. A library without models is a usage error naming ``--liberty``;
    models of an installed library that are missing, a tool error naming the Debian package."""
    if cells is not None:
        if str(cells) in liberty_lib.NAMES:
            return cell_models(None, liberty_lib.resolve(str(cells)))
        path = Path(cells)
        if not path.is_file():
            raise ParamError("cells", "an existing Verilog file of cell models, or osu018", str(cells))
        return path.resolve()
    if lib is None or lib.cells is None:
        raise ParamError("liberty", "a library with Verilog cell models for gate-level simulation (osu018, "
                         "or a FILE.lib with FILE.v beside it, or give --cells)", lib.name if lib else None)
    if not Path(lib.cells).is_file():  # the liberty is there, its models are not
        raise ToolError(f"the cell models of {lib.name} are missing ({lib.cells}); install: sudo apt-get "
                        f"install -y {liberty_lib.OSU018_PACKAGE}")
    return Path(lib.cells)


def _library(liberty: str | Path | None) -> tuple[str, liberty_lib.LibraryFiles]:
    value = str(liberty) if liberty is not None else DEFAULT_LIBERTY
    return value, liberty_lib.resolve(value)


def _synthesized(top: str, liberty: str | Path | None, rtl: dict[str, bytes],
                 abc: str = "default") -> tuple[Path, dict]:
    """The netlist of ``top`` from the Verilog sources ``rtl`` (file name -> text) mapped to
    ``liberty`` with the ABC script ``abc`` (:data:`schw.synth.ABC_SCRIPTS`); cached. Returns its
    path and the synthesis report."""
    value, lib = _library(liberty)
    tools.require_synthesis()
    parts = [top.encode(), *(name.encode() + b"\0" + text for name, text in rtl.items()),
             lib.liberty.read_bytes(), template("synth.ys.tmpl", "schw.flows").template.encode(),
             str(tools.find("yosys").version).encode(), __version__.encode()]
    if check_abc(abc) != "default":
        parts.append(ABC_SCRIPTS[abc].encode())
    with runner.build_slot("netlists", lib.name, top, parts) as (d, done):
        path, report = d / f"{top}.netlist.v", d / "synth.json"
        if not (done and path.is_file() and report.is_file()):
            (d / "rtl").mkdir(exist_ok=True)
            sources = [d / "rtl" / name for name in rtl]
            for src, text in zip(sources, rtl.values()):
                src.write_bytes(text)
            rep = synthesize_verilog(sources, top, value, netlist=path, abc=abc)
            write_atomic({report: json.dumps(rep, indent=2)})
            runner.mark_built(d)
        return path, json.loads(report.read_text())


def netlist(unit, params, liberty: str | Path | None = None, cells: str | Path | None = None,
            abc: str = "default") -> GateLevel:
    """``unit`` with ``params`` generated, synthesized to ``liberty`` (default ``osu018``) with
    the ABC script ``abc`` and paired with the library's cell models (or ``cells``)."""
    _, lib = _library(liberty)
    models = cell_models(cells, lib)
    gen = generate(unit, params)
    path, report = _synthesized(gen.top, liberty, {f"{gen.top}.v": gen.verilog.encode()}, abc)
    return GateLevel([path, models], gen.top, path, models, lib.name, report)


def netlist_of(sources: list[Path], top: str, liberty: str | Path | None = None,
               cells: str | Path | None = None) -> GateLevel:
    """Someone else's RTL (``schw verify --rtl ... --netlist``), synthesized and paired with the
    cell models."""
    _, lib = _library(liberty)
    models = cell_models(cells, lib)
    rtl = {f"{i}_{Path(s).name}": Path(s).read_bytes() for i, s in enumerate(sources)}
    path, report = _synthesized(top, liberty, rtl)
    return GateLevel([path, models], top, path, models, lib.name, report)


def with_cells(sources: list[Path], top: str, cells: str | Path) -> GateLevel:
    """A netlist the user mapped (``schw verify --rtl NETLIST.v --cells CELLS.v``)."""
    models = cell_models(cells)
    return GateLevel([*(Path(s) for s in sources), models], top, Path(sources[0]), models, None)


def waves_wrapper(top: str, inputs: dict[str, int], outputs: dict[str, int], waves: Path,
                  directory: Path) -> tuple[Path, str]:
    """A module with ``top``'s ports (``inputs``/``outputs``: name -> width) that instantiates
    ``top`` as ``dut`` and dumps every signal under it to ``waves`` (VCD, ``$dumpvars``): for a
    harness that has no waveform option of its own (the hfp8 stream harness on Icarus), which
    then drives the wrapper instead of ``top``. Written to ``directory``; returns its path and
    module name."""
    waves = Path(waves).resolve()
    if waves.suffix.lower() != ".vcd":
        raise ParamError("waves", "a .vcd file (this harness writes VCD through $dumpfile)", str(waves))
    if any(c in str(waves) for c in '"\\\n'):
        raise ParamError("waves", "a path without quotes, backslashes or newlines", str(waves))
    name = f"schw_waves_{top}"

    def decl(kind, p, w):
        return f"  {kind} {'' if w == 1 else f'[{w - 1}:0] '}{p}"
    ports = [decl("input", p, w) for p, w in inputs.items()] + [decl("output", p, w) for p, w in outputs.items()]
    conn = ", ".join(f".{p}({p})" for p in [*inputs, *outputs])
    text = (f"// schw: {top} with a waveform dump (generated)\n`timescale 1ns/1ps\nmodule {name} (\n"
            + ",\n".join(ports) + f");\n  {top} dut ({conn});\n"
            f'  initial begin\n    $dumpfile("{waves}");\n    $dumpvars(0, dut);\n  end\nendmodule\n')
    path = Path(directory) / f"{name}.v"
    write_atomic({path: text})
    return path, name

