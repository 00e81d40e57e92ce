"""The regression: vectors -> golden model -> RTL under cocotb -> exact comparison -> report.

Used by ``schw sim`` (on freshly generated RTL), ``schw verify --rtl`` (on anyone's RTL with
the same ports) and the test suite. With ``netlist=True`` the design under test is the
Yosys-mapped gate-level netlist with the library's cell models (:mod:`schw.gatesim`), run
through the very same regression; ``waves=FILE`` records a waveform of the run.

A testbench reports an output it could not read as a number (X or Z bits, on Icarus) as
``None``; :func:`compare` counts it as a mismatch shown as ``X``, and the report's failure
message leads with ``<port> is X/Z at vector <i>``.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import tempfile
from pathlib import Path

import numpy as np

from . import gatesim
from .errors import CheckFailed, ParamError
from .output import generate, prepare_dir, write_atomic

#: how a value with X or Z bits (``None`` from a testbench) appears in a mismatch
X = "X"


def shown(value):
    """A testbench value for a report: an int, or ``X`` for a value with X/Z bits (None)."""
    return X if value is None else int(value)


@dataclasses.dataclass
class Mismatch:
    index: int
    inputs: dict
    expected: dict
    got: dict

    def __str__(self):
        fmt = lambda d: ", ".join(f"{k}={v}" for k, v in d.items())  # noqa: E731
        return f"vector {self.index}: inputs {fmt(self.inputs)}: expected {fmt(self.expected)}, got {fmt(self.got)}"


@dataclasses.dataclass
class Report:
    unit: str
    sim: str
    top: str
    vectors: int
    seed: int
    mismatches: list[Mismatch]
    latency_expected: int | None
    latency_seen: list[int]
    details: dict = dataclasses.field(default_factory=dict)
    #: handshake protocol violations the testbench's monitor saw (tb_handshake), e.g.
    #: "done while idle: ...", "result not held: ...", "start taken while busy: ..."
    violations: list[str] = dataclasses.field(default_factory=list)

    @property
    def latency_ok(self) -> bool:
        return self.latency_expected is None or all(c == self.latency_expected for c in self.latency_seen)

    @property
    def passed(self) -> bool:
        return self.vectors > 0 and not self.mismatches and self.latency_ok and not self.violations

    def summary(self) -> str:
        status = "PASS" if self.passed else "FAIL"
        lat = ""
        if self.latency_expected is not None:
            seen = sorted(set(self.latency_seen))
            lat = f", latency {seen} cycles (expected {self.latency_expected})"
        proto = f", {self.details.get('violations_total', len(self.violations))} protocol violations" \
            if self.violations else ""
        return (f"{status}: {self.unit} top {self.top} on {self.sim}: {self.vectors} vectors, seed {self.seed}, "
                f"{len(self.mismatches)} mismatches{lat}{proto}")

    def x_outputs(self) -> list[tuple[str, int]]:
        """(port, vector) of every output that had X or Z bits where it was checked."""
        return [(k, m.index) for m in self.mismatches for k, v in m.got.items() if v == X]

    def raise_if_failed(self, show: int = 10) -> None:
        if self.passed:
            return
        lines = [self.summary()]
        if self.vectors == 0:
            lines.append("zero vectors were executed")
        xs = self.x_outputs()
        lines += [f"{port} is X/Z at vector {i}" for port, i in xs[:show]]
        if len(xs) > show:
            lines.append(f"... and {len(xs) - show} more outputs with X/Z bits")
        pulsed = set(self.details.get("busy_pulses", []))
        lines += [str(m) + (" (start was pulsed with other operands while this run was busy)" if m.index in pulsed
                            else "") for m in self.mismatches[:show]]
        if len(self.mismatches) > show:
            lines.append(f"... and {len(self.mismatches) - show} more")
        if not self.latency_ok:
            bad = [i for i, c in enumerate(self.latency_seen) if c != self.latency_expected]
            lines.append(f"done came after {self.latency_seen[bad[0]]} cycles at vector {bad[0]} "
                         f"(expected {self.latency_expected}); {len(bad)} vectors off")
        if self.violations:
            total = self.details.get("violations_total", len(self.violations))
            lines.append(f"handshake protocol violations ({total}):")
            lines += [f"  {v}" for v in self.violations[:show]]
            if total > min(show, len(self.violations)):
                lines.append(f"  ... and {total - min(show, len(self.violations))} more")
        raise CheckFailed("\n".join(lines))


def compare(inputs: dict, expected: dict, got: dict) -> list[Mismatch]:
    """Exact comparison of every expected output port, vector by vector; a ``None`` in ``got``
    (X/Z bits) never matches and shows as ``X``."""
    n = len(next(iter(inputs.values())))
    bad = np.zeros(n, dtype=bool)
    for name, exp in expected.items():
        g = np.asarray(got[name], dtype=object)
        e = np.asarray(exp, dtype=object)
        if g.shape != e.shape:
            raise CheckFailed(f"output {name}: testbench returned {g.shape[0]} values, expected {e.shape[0]}")
        bad |= g != e
    return [Mismatch(int(i), {k: int(v[i]) for k, v in inputs.items()},
                     {k: int(v[i]) for k, v in expected.items()},
                     {k: shown(got[k][i]) for k in expected}) for i in np.flatnonzero(bad)]


def rtl_from_params(unit, params, work: Path) -> tuple[list[Path], str]:
    gen = generate(unit, params)
    path = work / f"{gen.top}.v"
    write_atomic({path: gen.verilog})
    return [path], gen.top


def rtl_sources(unit, params, rtl: list[Path] | None, top: str | None, work: Path) -> tuple[list[Path], str]:
    """The design under test: Verilog generated from ``params`` into ``work`` when ``rtl`` is
    None, else the given files (each must exist; ``--rtl``) with ``top`` (default: the unit's)."""
    if rtl is None:
        return rtl_from_params(unit, params, work)
    for f in rtl:
        if not Path(f).is_file():
            raise ParamError("rtl", "an existing Verilog file", str(f))
    return [Path(f).resolve() for f in rtl], top or unit.top(params)


def design_under_test(unit, params, *, rtl: list[Path] | None = None, top: str | None = None,
                      netlist: bool = False, liberty: str | Path | None = None,
                      cells: str | Path | None = None, abc: str = "default") -> gatesim.GateLevel | None:
    """The gate-level design a regression runs on, or None for RTL: ``netlist`` synthesizes the
    generated unit (or the ``rtl`` files) to ``liberty`` (default osu018) and adds its cell
    models; ``cells`` without ``netlist`` says that ``rtl`` already is a mapped netlist and
    names the cell models it needs (a file or a library name)."""
    if abc != "default" and (not netlist or rtl is not None):
        raise ParamError("abc", "default without --netlist on the generated unit (the ABC script of its "
                         "gate-level synthesis)", abc)
    if not netlist:
        if liberty is not None:
            raise ParamError("liberty", "given only with --netlist (the library to map to)", str(liberty))
        if cells is None:
            return None
        if rtl is None:
            raise ParamError("cells", "given with --netlist or with --rtl NETLIST.v (a mapped netlist)", str(cells))
    if rtl is not None:
        for f in rtl:
            if not Path(f).is_file():
                raise ParamError("rtl", "an existing Verilog file", str(f))
        rtl, top = [Path(f).resolve() for f in rtl], top or unit.top(params)
        if not netlist:
            return gatesim.with_cells(rtl, top, cells)
        return gatesim.netlist_of(rtl, top, liberty, cells)
    return gatesim.netlist(unit, params, liberty, cells, abc=abc)


def regression(unit, params, sim: str, *, rtl: list[Path] | None = None, top: str | None = None,
               seed: int = 1, count: int | None = None, keep: Path | None = None, full: bool = False,
               netlist: bool = False, liberty: str | Path | None = None, cells: str | Path | None = None,
               waves: Path | None = None, abc: str = "default") -> Report:
    """Run ``unit``'s regression on ``sim``; against generated RTL unless ``rtl`` is given.
    ``full``: the unit's exhaustive mode (only units whose own ``regression`` hook has one).
    ``netlist``/``liberty``/``cells``: on the gate-level netlist (:func:`design_under_test`);
    the report's ``details["gate_level"]`` then names the netlist and library; ``abc``: the
    ABC script of that synthesis (:data:`schw.synth.ABC_SCRIPTS`, generated units only).
    ``waves``: write a waveform (``.vcd`` or ``.fst``) of the run to this file."""
    from schw.sim import runner

    custom = unit.regression
    if full and (custom is None or "full" not in inspect.signature(custom).parameters):
        raise ParamError("full", f"used only with a unit that has an exhaustive mode (fp16-pe), not {unit.name}", True)
    if waves is not None:
        runner.wave_format(waves)
        if full:
            raise ParamError("waves", "not used with --full (billions of cycles)", str(waves))
    if keep is not None:
        keep = prepare_dir(keep, "keep")
    gate = design_under_test(unit, params, rtl=rtl, top=top, netlist=netlist, liberty=liberty, cells=cells,
                             abc=abc)
    if gate is not None:
        rtl, top = gate.sources, gate.top
        if keep is not None and gate.synth is not None:
            write_atomic({keep / gate.netlist.name: gate.netlist.read_text(),
                          keep / "synth.json": json.dumps(gate.synth, indent=2)})
    report = _run(unit, params, sim, custom, rtl=rtl, top=top, seed=seed, count=count, keep=keep, full=full,
                  waves=waves)
    if gate is not None:
        report.details["gate_level"] = {
            "library": gate.library, "netlist": str(gate.netlist), "cells": str(gate.cells),
            "cell_count": (gate.synth or {}).get("cell_count"), "flip_flops": (gate.synth or {}).get("flip_flops"),
            "x_checked": sim == "icarus",
            "abc": None if gate.synth is None else gate.synth.get("abc", "default"),
        }
    if waves is not None:
        report.details["waves"] = str(Path(waves).resolve())
    return report


def _accepts(fn, name: str) -> bool:
    params = inspect.signature(fn).parameters
    return name in params or any(q.kind is inspect.Parameter.VAR_KEYWORD for q in params.values())


def _run(unit, params, sim, custom, *, rtl, top, seed, count, keep, full, waves) -> Report:
    from schw.sim import runner

    if custom is not None:  # units with their own driver (e.g. pe-array) build their own Report
        extra = {"full": True} if full else {}
        if waves is not None:
            if not _accepts(custom, "waves"):
                raise ParamError("waves", f"used only with units whose regression can record one, not {unit.name}",
                                 str(waves))
            extra["waves"] = waves
        return custom(params, sim, rtl=rtl, top=top, seed=seed, count=count, keep=keep, **extra)
    count = unit.default_vectors if count is None else count
    if count < 0:
        raise ParamError("vectors", "a non-negative integer", count)
    with tempfile.TemporaryDirectory(prefix="schw-rtl-") as tmp:
        sources, top = rtl_sources(unit, params, rtl, top, Path(tmp))
        inputs = unit.vectors(params, seed, count)
        expected = unit.golden(params, inputs)
        job = {
            "inputs": {k: [int(x) for x in v] for k, v in inputs.items()},
            "outputs": list(expected),
            "seed": seed,
            **unit.testbench_config(params),
        }
        results = runner.run(sim, sources, top, unit.testbench, job, keep=keep, waves=waves)
    violations = list(results.get("violations", []))
    n, done = len(next(iter(inputs.values()))), int(results["vectors"])
    if done < n:  # the testbench stopped early (a done that never came): check what finished
        inputs, expected = ({k: v[:done] for k, v in d.items()} for d in (inputs, expected))
        violations.insert(0, f"only {done} of {n} vectors finished")
        results["violations_total"] = results.get("violations_total", len(violations) - 1) + 1
    mismatches = compare(inputs, expected, results["outputs"]) if done else []
    return Report(unit.name, sim, top, done, seed, mismatches,
                  unit.latency_cycles(params), results.get("latency_cycles", []),
                  {k: v for k, v in results.items() if k not in ("outputs", "latency_cycles", "vectors", "violations")},
                  violations)
