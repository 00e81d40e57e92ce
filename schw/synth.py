"""Area through Yosys: generic synthesis, ``dfflibmap`` + ``abc`` against a liberty, ``stat``.

The default liberty (``flows/schw45.lib``) is area-only, with the cell areas of the NanGate
45 nm Open Cell Library (typical corner). Gate equivalents: GE = µm² / 0.798 (NAND2_X1).
A Yosys run that fails, prints no statistics, or leaves cells unmapped is an error, never an
area of zero.
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
from importlib import resources
from pathlib import Path

from .errors import ParamError, ToolError
from .output import generate, template, write_atomic
from . import tools

NAND2_AREA = 0.798
DEFAULT_LIBERTY = "schw45.lib"


def default_liberty() -> Path:
    return Path(str(resources.files("schw.flows").joinpath(DEFAULT_LIBERTY)))


def liberty_cells(liberty: Path) -> dict[str, dict]:
    """Cell name -> {area, ff} from a liberty file (the subset of the format schw needs)."""
    text = Path(liberty).read_text(errors="replace")
    cells: dict[str, dict] = {}
    for m in re.finditer(r"\bcell\s*\(\s*\"?([\w$]+)\"?\s*\)\s*\{", text):
        body = text[m.end(): m.end() + 4000]
        nxt = re.search(r"\bcell\s*\(", body)
        body = body[: nxt.start()] if nxt else body
        area = re.search(r"\barea\s*:\s*([0-9.eE+-]+)", body)
        cells[m.group(1)] = {"area": float(area.group(1)) if area else 0.0,
                             "ff": bool(re.search(r"\b(ff|latch)\s*\(", body))}
    return cells


def synthesize_verilog(sources: list[Path], top: str, liberty: Path | None = None,
                       keep: Path | None = None) -> dict:
    """Synthesize ``top`` from ``sources``; returns the area report as a dict."""
    tools.require_synthesis()
    liberty = Path(liberty) if liberty else default_liberty()
    if not liberty.is_file():
        raise ParamError("liberty", "an existing liberty (.lib) file", str(liberty))
    cells = liberty_cells(liberty)
    if not cells:
        raise ParamError("liberty", "a liberty file that defines cells with areas", str(liberty))
    with tempfile.TemporaryDirectory(prefix="schw-synth-") as tmp:
        work = Path(keep) if keep else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        stat_txt, stat_json, script = work / "stat.txt", work / "stat.json", work / "synth.ys"
        reads = "\n".join(f"read_verilog -sv {Path(s).resolve()}" for s in sources)
        script.write_text(template("synth.ys.tmpl", "schw.flows").substitute(
            read_sources=reads, top=top, liberty=liberty.resolve(), stat_txt=stat_txt, stat_json=stat_json))
        proc = subprocess.run(["yosys", "-q", "-l", str(work / "yosys.log"), "-s", str(script)],
                              capture_output=True, text=True, cwd=work, env=tools.tool_env())
        log = (work / "yosys.log").read_text(errors="replace") if (work / "yosys.log").exists() else proc.stderr
        if proc.returncode != 0:
            tail = "\n".join(log.splitlines()[-15:])
            raise ToolError(f"yosys failed on {top} (exit {proc.returncode}):\n{tail}")
        if not stat_json.exists() or not stat_txt.exists():
            raise ToolError(f"yosys printed no statistics for {top}; see the log:\n" + "\n".join(log.splitlines()[-15:]))
        stats = json.loads(stat_json.read_text())
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
        "cells": by_type,
        "cell_count": sum(by_type.values()),
        "flip_flops": sum(n for c, n in by_type.items() if cells[c]["ff"]),
        "area_um2": round(area, 3),
        "ge": round(area / NAND2_AREA, 1),
        "ge_unit_um2": NAND2_AREA,
        "yosys": tools.find("yosys").version,
    }


def synthesize(unit, params, liberty: Path | None = None, keep: Path | None = None) -> dict:
    """Generate ``unit`` with ``params`` and synthesize it; the report also names unit and params."""
    gen = generate(unit, params)
    with tempfile.TemporaryDirectory(prefix="schw-gen-") as tmp:
        src = Path(tmp) / f"{gen.top}.v"
        write_atomic({src: gen.verilog})
        report = synthesize_verilog([src], gen.top, liberty, keep)
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
    lines.append(f"area: {report['area_um2']:.3f} um^2 = {report['ge']:.1f} GE (1 GE = {NAND2_AREA} um^2)")
    return "\n".join(lines)
