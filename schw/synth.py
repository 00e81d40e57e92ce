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
import time
from pathlib import Path

from . import liberty as liberty_lib
from . import tools
from .errors import ParamError, ToolError
from .output import generate, template, write_atomic

NAND2_AREA = 0.798  # NAND2_X1 of the 45 nm library: the GE unit unless the library has its own NAND2
#: ABC mapping scripts (``--abc``), each the ``abc`` line of flows/synth.ys.tmpl:
#: ``default`` is Yosys 0.23's ``abc -liberty`` (``strash; &get -n; &fraig -x; &put; scorr; dc2;
#: dretime; strash; &get -n; &dch -f; &nf; &put``); ``nosweep`` is the same without the SAT sweeping
#: ``&fraig -x`` and ``scorr`` (a no-op here: ABC gets the logic without its flip-flops), for
#: designs whose sweeping runs for hours (fp32-sfu's log2: multipliers whose operands share
#: inputs); ``fast`` is ``abc -fast -liberty`` (``strash; dretime; map``). Areas from different
#: scripts are different measures: the report names the script, docs/fp32_sfu.md compares them.
ABC_SCRIPTS = {
    "default": "abc -liberty ",
    "nosweep": "abc -script +strash;dc2;dretime;strash;&get,-n;&dch,-f;&nf,{D};&put -liberty ",
    "fast": "abc -fast -liberty ",
}


def ge_unit(cells: dict[str, dict]) -> float:
    """Area of one gate equivalent: the library's smallest NAND2 (NAND2X1, NAND2_X1, ...)."""
    nands = [c["area"] for name, c in cells.items() if name.upper().startswith("NAND2") and c["area"] > 0]
    return min(nands) if nands else NAND2_AREA


def check_abc(abc: str) -> str:
    if abc not in ABC_SCRIPTS:
        raise ParamError("abc", ", ".join(ABC_SCRIPTS), abc)
    return abc


def synth_script(**fields) -> str:
    """The Yosys script of ``flows/synth.ys.tmpl`` with ``fields``; ``abc`` (:data:`ABC_SCRIPTS`)
    replaces the template's ``abc -liberty`` line."""
    abc = check_abc(fields.pop("abc", "default"))
    text = template("synth.ys.tmpl", "schw.flows").substitute(**fields)
    if abc != "default":
        if text.count("\n" + ABC_SCRIPTS["default"]) != 1:
            raise ToolError("flows/synth.ys.tmpl: expected one 'abc -liberty' line to replace by --abc " + abc)
        text = text.replace("\n" + ABC_SCRIPTS["default"], "\n" + ABC_SCRIPTS[abc])
    return text


def synthesize_verilog(sources: list[Path], top: str, liberty: str | Path | None = None,
                       keep: Path | None = None, netlist: Path | None = None,
                       blackboxes: tuple[str, ...] = (), abc: str = "default") -> dict:
    """Synthesize ``top`` from ``sources`` against ``liberty`` (a name or a file, default
    ``schw45``); returns the area report as a dict. ``netlist``: where to write the mapped
    gate-level Verilog (``keep`` keeps every file of the run). ``blackboxes``: modules kept as
    unmapped instances (not counted in the area; their counts are in ``instances``). ``abc``:
    the mapping script (:data:`ABC_SCRIPTS`)."""
    check_abc(abc)
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
        reads = "\n".join([f"read_verilog -sv {Path(s).resolve()}" for s in sources]
                          + [f"blackbox {b}" for b in blackboxes])
        script.write_text(synth_script(read_sources=reads, top=top, liberty=liberty.resolve(), stat_txt=stat_txt,
                                       stat_json=stat_json, netlist=mapped, abc=abc))
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
    instances = {b: by_type.pop(b, 0) for b in blackboxes}
    unmapped = {c: n for c, n in by_type.items() if c not in cells}
    if unmapped:
        raise ToolError(f"yosys left cells that are not in the liberty: {unmapped}")
    if not by_type and not any(instances.values()):
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
        **({"abc": abc} if abc != "default" else {}),
        **({"instances": instances} if blackboxes else {}),
    }


def synthesize(unit, params, liberty: str | Path | None = None, keep: Path | None = None,
               netlist: Path | None = None, abc: str = "default") -> dict:
    """Generate ``unit`` with ``params`` and synthesize it; the report also names unit and params."""
    gen = generate(unit, params)
    with tempfile.TemporaryDirectory(prefix="schw-gen-") as tmp:
        src = Path(tmp) / f"{gen.top}.v"
        write_atomic({src: gen.verilog})
        report = synthesize_verilog([src], gen.top, liberty, keep, netlist, abc=abc)
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
    if report.get("abc"):
        lines.append(f"ABC script: {report['abc']}")
    return "\n".join(lines)



# ---------------------------------------------------------------------------------------------
# Hierarchical synthesis (``schw synth UNIT --hier``), for units whose Verilog repeats a module
# (the pe-array's PE). The unit names those modules with ``Unit.hier_parts(p) -> [(module,
# count)]``. Each part is mapped once, flat inside (``synth -flatten -top <module>``); the shell
# is the top mapped flat with the parts kept as blackbox instances (no ``stat -top``: its JSON is
# broken in Yosys 0.23, each run here is one flat module); the totals are the shell plus count x
# each part.
#
# That plain sum is not what flat synthesis gives (docs/pe_array.md, "Hierarchical synthesis"):
# Yosys 0.23 maps the same module to different netlists depending on the order of its hash
# tables, which follows the index of every name interned before (reading the 4x4 array's top
# before the int8 PE turns its 1302 um^2 into 1129 um^2), and the flat array holds a mix of
# those mappings; flat synthesis also merges logic across the PE's ports (the sc PE is ~6 %
# smaller inside the array than alone). ``calibrate`` therefore counts each part at its area
# inside a flat synthesis of the unit's small instance (``Unit.hier_calibration(p)``, pe-array:
# 2x2), the median over several name contexts. ``samples`` runs each part and the shell in that
# many name contexts (:func:`name_context`) and keeps the median run.

CONTEXT_WIRES = (0, 50, 150, 400, 1000, 2500, 6000)


def name_context(sample: int, directory: Path) -> list[Path]:
    """Sources to read before a design for name context ``sample`` (0: none): a module that only
    interns ``CONTEXT_WIRES[sample]`` wire names; ``hierarchy -top`` drops it."""
    k = CONTEXT_WIRES[sample] if sample < len(CONTEXT_WIRES) else CONTEXT_WIRES[-1] * 2 ** (sample - len(CONTEXT_WIRES) + 1)
    if k == 0:
        return []
    f = Path(directory) / f"schw_name_context_{k}.v"
    f.write_text(f"module schw_name_context_{k}(input x, output y);\n"
                 + "".join(f"  wire n{i};\n" for i in range(k)) + "  assign y = x;\nendmodule\n")
    return [f]


def _median_run(tries: list[tuple[dict, Path, int]]) -> tuple[dict, Path, int]:
    ordered = sorted(tries, key=lambda t: t[0]["area_um2"])
    return ordered[(len(ordered) - 1) // 2]


def _part_runs(src: Path, top: str, modules: tuple[str, ...], liberty, samples: int, tmp: Path,
               keep: Path | None) -> dict[str, list[tuple[dict, Path, int]]]:
    """Each part module alone and the shell (``top`` with the parts as blackboxes), each in
    ``samples`` name contexts: ``{name: [(report, mapped netlist, context)]}``."""
    runs = {}
    for name, black in [(m, tuple(x for x in modules if x != m)) for m in modules] + [(top, modules)]:
        runs[name] = []
        for s in range(samples):
            label = ("shell" if name == top else name) + (f"_{s}" if samples > 1 else "")
            mapped = tmp / f"{label}.netlist.v"
            rep = synthesize_verilog(name_context(s, tmp) + [src], name, liberty,
                                     keep=keep / label if keep else None, netlist=mapped, blackboxes=black)
            nested = {x: n for x, n in rep.get("instances", {}).items() if n and name != top}
            if nested:
                raise ToolError(f"hierarchical synthesis: part {name} instantiates other parts {nested}; parts may not nest")
            runs[name].append((rep, mapped, s))
    return runs


_CALIBRATIONS: dict[tuple, dict] = {}  # this process's calibrations (the same 2x2 serves every array size)


def _calibration(unit, small, liberty, samples: int, keep: Path | None) -> dict:
    """How much smaller or larger the parts come out inside a flat synthesis of the small
    instance ``small`` than alone: per name context s, the factor (flat - shell) / sum(count x
    part); ``in_array`` per part = part alone x factor, the median over the contexts."""
    key = (unit.name, json.dumps(small.as_dict(), sort_keys=True), str(liberty_lib.resolve(liberty).liberty), samples)
    if key not in _CALIBRATIONS or keep:
        _CALIBRATIONS[key] = _calibrate(unit, small, liberty, samples, keep)
    return _CALIBRATIONS[key]


def _calibrate(unit, small, liberty, samples: int, keep: Path | None) -> dict:
    parts = unit.hier_parts(small)
    modules = tuple(m for m, _ in parts)
    gen = generate(unit, small)
    with tempfile.TemporaryDirectory(prefix="schw-hier-cal-") as tmp:
        tmp = Path(tmp)
        src = tmp / f"{gen.top}.v"
        write_atomic({src: gen.verilog})
        runs = _part_runs(src, gen.top, modules, liberty, samples, tmp, keep)
        flat = [synthesize_verilog(name_context(s, tmp) + [src], gen.top, liberty,
                                   keep=keep / f"flat_{s}" if keep else None)["area_um2"] for s in range(samples)]
    rows = []
    for s in range(samples):
        inside = flat[s] - runs[gen.top][s][0]["area_um2"]
        alone = sum(n * runs[m][s][0]["area_um2"] for m, n in parts)
        rows.append({"context": s, "flat_um2": flat[s], "shell_um2": runs[gen.top][s][0]["area_um2"],
                     "parts_um2": {m: runs[m][s][0]["area_um2"] for m in modules},
                     "factor": inside / alone})
    in_array = {}
    for i, (m, _) in enumerate(parts):
        values = sorted(r["parts_um2"][m] * r["factor"] for r in rows)
        in_array[i] = values[(len(values) - 1) // 2]
    return {"params": small.as_dict(), "top": gen.top, "samples": samples, "contexts": rows,
            "in_array_um2": [round(in_array[i], 3) for i in range(len(parts))]}


def synthesize_hierarchical(unit, params, liberty: str | Path | None = None, keep: Path | None = None,
                            netlist: Path | None = None, samples: int = 1, calibrate: bool = False,
                            calibration_samples: int = 5) -> dict:
    """Area of ``unit`` with ``params`` from its parts: ``parts`` (one row per repeated module:
    ``module``, ``count``, the area of one instance and its cells) and ``shell``; the top-level
    keys (``area_um2``, ``cells``, ``cell_count``, ``flip_flops``, ``ge``) are the totals, as in
    :func:`synthesize`.

    ``samples``: Yosys runs per part and shell in different name contexts (:func:`name_context`);
    the median run is used and each row lists every run's area. ``calibrate``: the parts are
    counted at the area they have inside a flat synthesis of the unit's small instance
    (``Unit.hier_calibration(p)``, pe-array: the 2x2 array of the same PE and dataflow), measured
    in ``calibration_samples`` name contexts (``calibration`` in the report; each part row's
    ``in_array_um2``); ``area_um2`` is then shell + sum(count x in_array_um2) and
    ``plain_area_um2`` the uncalibrated sum (which ``cells`` add up to).
    ``netlist``: the hierarchical mapped netlist (the shell module instantiating the part
    modules, each written once). ``keep``: ``keep/shell[_<s>]/`` and ``keep/<module>[_<s>]/``
    hold each Yosys run (its ``<top>.netlist.v``, script, log, statistics), ``keep/calibration/``
    those of the calibration."""
    parts = unit.hier_parts(params) if getattr(unit, "hier_parts", None) else None
    if not parts:
        raise ParamError("hier", f"used with a unit that repeats a module (pe-array), not {unit.name}")
    for name, n in (("samples", samples), ("calibration_samples", calibration_samples)):
        if not isinstance(n, int) or n < 1:
            raise ParamError(name, "an integer >= 1", n)
    small = unit.hier_calibration(params) if calibrate and getattr(unit, "hier_calibration", None) else None
    if calibrate and small is None:
        raise ParamError("hier_calibrate", f"used with a unit that has a small instance to calibrate on, not {unit.name}")
    lib = liberty_lib.resolve(liberty)
    gen = generate(unit, params)
    modules = tuple(m for m, _ in parts)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="schw-hier-") as tmp:
        tmp = Path(tmp)
        src = tmp / f"{gen.top}.v"
        write_atomic({src: gen.verilog})
        tries = _part_runs(src, gen.top, modules, liberty, samples, tmp, Path(keep) if keep else None)
        runs, texts = {}, {}
        for name, t in tries.items():
            rep, mapped, median = _median_run(t)
            runs[name] = {**rep, "samples_um2": [x[0]["area_um2"] for x in t], "sample": median}
            texts[name] = mapped.read_text()
    cal = _calibration(unit, small, liberty, calibration_samples,
                       Path(keep) / "calibration" if keep else None) if small is not None else None
    seconds = time.perf_counter() - t0
    shell = runs[gen.top]
    found, want = shell["instances"], dict(parts)
    if found != want:
        raise ToolError(f"hierarchical synthesis of {gen.top}: the shell instantiates {found}, the unit declares {want}")
    if netlist is not None:
        _write_netlist("".join(texts[n] for n in (gen.top, *modules)), gen.top, lib, Path(netlist))
    cells = liberty_lib.cell_areas(lib.liberty)
    total: dict[str, int] = dict(shell["cells"])
    for m, n in parts:
        for c, k in runs[m]["cells"].items():
            total[c] = total.get(c, 0) + n * k
    plain = shell["area_um2"] + sum(n * runs[m]["area_um2"] for m, n in parts)
    each = [cal["in_array_um2"][i] if cal else runs[m]["area_um2"] for i, (m, _) in enumerate(parts)]
    area = shell["area_um2"] + sum(n * a for (_, n), a in zip(parts, each))

    def row(name, count, rep, counted):
        out = {"module": name, "count": count, "area_um2": rep["area_um2"]}
        if cal and name != gen.top:
            out["in_array_um2"] = counted
        out.update({"total_area_um2": round(count * counted, 3),
                    "share_pct": round(100 * count * counted / area, 2) if area else 0.0,
                    "cell_count": rep["cell_count"], "flip_flops": rep["flip_flops"], "cells": rep["cells"]})
        if samples > 1:
            lo, hi = min(rep["samples_um2"]), max(rep["samples_um2"])
            out.update(samples_um2=rep["samples_um2"], spread_pct=round(100 * (hi - lo) / rep["area_um2"], 2),
                       sample=rep["sample"])
        return out

    report = {
        "unit": unit.name,
        "params": params.as_dict(),
        "top": gen.top,
        "liberty": shell["liberty"],
        "library": lib.name,
        "hierarchical": True,
        "samples": samples,
        "cells": dict(sorted(total.items())),
        "cell_count": sum(total.values()),
        "flip_flops": sum(n for c, n in total.items() if cells[c]["ff"]),
        "area_um2": round(area, 3),
        "ge": round(area / ge_unit(cells), 1),
        "ge_unit_um2": ge_unit(cells),
        "parts": [row(m, n, runs[m], a) for (m, n), a in zip(parts, each)],
        "shell": row(gen.top, 1, shell, shell["area_um2"]),
    }
    if cal:
        report["plain_area_um2"] = round(plain, 3)
        report["calibration"] = cal
    report.update(seconds=round(seconds, 2), yosys=shell["yosys"])
    return report


def _rewrite_netlist(text: str, top: str, lib: liberty_lib.LibraryFiles, out: Path, commands: str) -> Path:
    """``text`` (mapped Verilog, module ``top`` and what it instantiates) read back by Yosys with
    the liberty's cells as blackboxes, ``commands`` applied, written to ``out`` with
    ``-simple-lhs``: OpenSTA 2.0.17 cannot read an ``assign`` to a concatenation, which
    ``write_verilog`` emits where a blackbox's outputs meet the top's wires."""
    tools.require_synthesis()
    with tempfile.TemporaryDirectory(prefix="schw-netlist-") as tmp:
        src, mapped, script = Path(tmp) / "in.v", Path(tmp) / "out.v", Path(tmp) / "rewrite.ys"
        src.write_text(text)
        script.write_text(f"read_liberty -lib {lib.liberty.resolve()}\nread_verilog {src}\n"
                          f"hierarchy -check -top {top}\n{commands}write_verilog -noattr -noexpr -simple-lhs {mapped}\n")
        proc = subprocess.run(["yosys", "-q", "-s", str(script)], capture_output=True, text=True, cwd=tmp,
                              env=tools.tool_env())
        if proc.returncode != 0 or not mapped.exists():
            raise ToolError(f"yosys could not rewrite the netlist of {top}:\n" + "\n".join(proc.stderr.splitlines()[-15:]))
        write_atomic({Path(out): mapped.read_text()})
    return Path(out)


def _write_netlist(text: str, top: str, lib: liberty_lib.LibraryFiles, out: Path) -> Path:
    return _rewrite_netlist(text, top, lib, out, "")


def flatten_netlist(netlist: Path, top: str, out: Path, liberty: str | Path | None = None) -> Path:
    """The mapped hierarchical ``netlist`` (module ``top``) flattened into ``out`` with short
    enumerated names (``_N_``): the same cells, for tools that want one flat module or choke on
    long hierarchical instance names (OpenSTA 2.0.17 wraps a long start/endpoint onto a second
    line of its reports). Yosys needs ~4 kB per cell for it (17 GB were not enough for the
    4.3-million-cell 32x32 fp16 array)."""
    return _rewrite_netlist(Path(netlist).read_text(), top, liberty_lib.resolve(liberty), Path(out),
                            "flatten\nrename -hide\nrename -enumerate\n")


def render_hierarchical(report: dict) -> str:
    """The hierarchical area report: the parts, the shell, then the totals as :func:`render`."""
    lines = [f"{'part':<44}{'count':>7}{'um^2 each':>13}{'um^2 total':>14}{'share':>8}{'cells':>8}{'FFs':>7}"]
    for r in [*report["parts"], report["shell"]]:
        label = r["module"] + (" (shell)" if r is report["shell"] else "")
        spread = f"  (median of {len(r['samples_um2'])} runs, spread {r['spread_pct']} %)" if "samples_um2" in r else ""
        each = r.get("in_array_um2", r["area_um2"])
        lines.append(f"{label:<44}{r['count']:>7}{each:>13.3f}{r['total_area_um2']:>14.3f}"
                     f"{r['share_pct']:>7.2f}%{r['cell_count']:>8}{r['flip_flops']:>7}{spread}")
    if "calibration" in report:
        cal = report["calibration"]
        lines.append(f"parts counted at their area inside a flat {cal['top']} (median of {cal['samples']} "
                     f"name contexts): " + ", ".join(f"{r['module']} {r['area_um2']:.3f} alone -> {r['in_array_um2']:.3f}"
                                                     for r in report["parts"]))
        lines.append(f"uncalibrated sum (the cells above): {report['plain_area_um2']:.3f} um^2")
    return render(report) + "\nhierarchical (parts mapped once, counted):\n" + "\n".join(lines)
