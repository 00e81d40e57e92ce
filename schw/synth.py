"""Area through Yosys: generic synthesis, ``dfflibmap`` + ``abc`` against a liberty, ``stat``,
and the mapped gate-level netlist (``write_verilog -noattr``) for static timing, gate-level
simulation and power.

The liberty is named as :func:`schw.liberty.resolve` takes it: ``schw45`` (the default here:
``flows/schw45.lib``, area-only, the cell areas of the NanGate 45 nm Open Cell Library, typical
corner), ``osu018`` (Debian's OSU 0.18 µm cells, with timing and power) or a file. Gate
equivalents: GE = µm² / 0.798 (NAND2_X1 of the 45 nm library). A Yosys run that fails, prints
no statistics, or leaves cells unmapped is an error, never an area of zero.
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
from pathlib import Path

from . import liberty as liberty_lib
from . import tools
from .errors import ParamError, ToolError
from .output import generate, template, write_atomic

NAND2_AREA = 0.798  # NAND2_X1 of the 45 nm library: the GE unit unless the library has its own NAND2


def ge_unit(cells: dict[str, dict]) -> float:
    """Area of one gate equivalent: the library's smallest NAND2 (NAND2X1, NAND2_X1, ...)."""
    nands = [c["area"] for name, c in cells.items() if name.upper().startswith("NAND2") and c["area"] > 0]
    return min(nands) if nands else NAND2_AREA
def synthesize_verilog(sources: list[Path], top: str, liberty: str | Path | None = None,
                       keep: Path | None = None, netlist: Path | None = None) -> dict:
    """Synthesize ``top`` from ``sources`` against ``liberty`` (a name or a file, default
    ``schw45``); returns the area report as a dict. ``netlist``: where to write the mapped
    gate-level Verilog (``keep`` keeps every file of the run)."""
    lib = liberty_lib.resolve(liberty)
    tools.require_synthesis()
    liberty = lib.liberty
    cells = liberty_lib.cell_areas(liberty)
    if not cells:
        raise ParamError("liberty", "a liberty file that defines cells with areas", str(liberty))
    with tempfile.TemporaryDirectory(prefix="schw-synth-") as tmp:
        work = Path(keep) if keep else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        stat_txt, stat_json, script = work / "stat.txt", work / "stat.json", work / "synth.ys"
        mapped = work / f"{top}.netlist.v"
        reads = "\n".join(f"read_verilog -sv {Path(s).resolve()}" for s in sources)
        script.write_text(template("synth.ys.tmpl", "schw.flows").substitute(
            read_sources=reads, top=top, liberty=liberty.resolve(), stat_txt=stat_txt, stat_json=stat_json,
            netlist=mapped))
        proc = subprocess.run(["yosys", "-q", "-l", str(work / "yosys.log"), "-s", str(script)],
                              capture_output=True, text=True, cwd=work, env=tools.tool_env())
        log = (work / "yosys.log").read_text(errors="replace") if (work / "yosys.log").exists() else proc.stderr
        if proc.returncode != 0:
            tail = "\n".join(log.splitlines()[-15:])
            raise ToolError(f"yosys failed on {top} (exit {proc.returncode}):\n{tail}")
        if not stat_json.exists() or not stat_txt.exists():
            raise ToolError(f"yosys printed no statistics for {top}; see the log:\n" + "\n".join(log.splitlines()[-15:]))
        stats = json.loads(stat_json.read_text())
        if netlist is not None:
            write_atomic({Path(netlist): mapped.read_text()})
        chip = re.search(r"Chip area for (?:module|top module) '\\?([^']+)':\s*([0-9.]+)", stat_txt.read_text())
    design = stats.get("design") or next(iter(stats["modules"].values()))
    by_type: dict[str, int] = dict(sorted(design.get("num_cells_by_type", {}).items()))
    unmapped = {c: n for c, n in by_type.items() if c not in cells}
    if unmapped:
        raise ToolError(f"yosys left cells that are not in the liberty: {unmapped}")
    if not by_type:
        raise ToolError(f"yosys reports no cells for {top}: nothing to measure (is the design empty?)")
    area = sum(cells[c]["area"] * n for c, n in by_type.items())
    if chip is None or abs(float(chip.group(2)) - area) > 1e-3 * max(1.0, area):
        raise ToolError(f"area mismatch for {top}: stat says {chip and chip.group(2)}, cells sum to {area:.3f}")
    return {
        "top": top,
        "liberty": liberty.name,
        "library": lib.name,
        "cells": by_type,
        "cell_count": sum(by_type.values()),
        "flip_flops": sum(n for c, n in by_type.items() if cells[c]["ff"]),
        "area_um2": round(area, 3),
        "ge": round(area / ge_unit(cells), 1),
        "ge_unit_um2": ge_unit(cells),
        "yosys": tools.find("yosys").version,
    }


def synthesize(unit, params, liberty: str | Path | None = None, keep: Path | None = None,
               netlist: Path | None = None) -> dict:
    """Generate ``unit`` with ``params`` and synthesize it; the report also names unit and params."""
    gen = generate(unit, params)
    with tempfile.TemporaryDirectory(prefix="schw-gen-") as tmp:
        src = Path(tmp) / f"{gen.top}.v"
        write_atomic({src: gen.verilog})
        report = synthesize_verilog([src], gen.top, liberty, keep, netlist)
    return {"unit": unit.name, "params": params.as_dict(), **report}


def render(report: dict) -> str:
    """The area report as a terminal table."""
    lines = [f"{report.get('unit', report['top'])}  top {report['top']}  liberty {report['liberty']}"]
    if report.get("params"):
        lines.append("params: " + ", ".join(f"{k}={v}" for k, v in report["params"].items()))
    lines.append(f"{'cell':<12}{'count':>8}")
    for cell, n in report["cells"].items():
        lines.append(f"{cell:<12}{n:>8}")
    lines.append(f"{'total cells':<12}{report['cell_count']:>8}")
    lines.append(f"flip-flops: {report['flip_flops']}")
    lines.append(f"area: {report['area_um2']:.3f} um^2 = {report['ge']:.1f} GE (1 GE = {report['ge_unit_um2']} um^2)")
    return "\n".join(lines)
