"""The regression: vectors -> golden model -> RTL under cocotb -> exact comparison -> report.

Used by ``schw sim`` (on freshly generated RTL), ``schw verify --rtl`` (on anyone's RTL with
the same ports) and the test suite.
"""

from __future__ import annotations

import dataclasses
import inspect
import tempfile
from pathlib import Path

import numpy as np

from .errors import CheckFailed, ParamError
from .output import generate, prepare_dir, write_atomic


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

    def raise_if_failed(self, show: int = 10) -> None:
        if self.passed:
            return
        lines = [self.summary()]
        if self.vectors == 0:
            lines.append("zero vectors were executed")
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
    """Exact comparison of every expected output port, vector by vector."""
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
                     {k: int(got[k][i]) for k in expected}) for i in np.flatnonzero(bad)]


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


def regression(unit, params, sim: str, *, rtl: list[Path] | None = None, top: str | None = None,
               seed: int = 1, count: int | None = None, keep: Path | None = None, full: bool = False) -> Report:
    """Run ``unit``'s regression on ``sim``; against generated RTL unless ``rtl`` is given.
    ``full``: the unit's exhaustive mode (only units whose own ``regression`` hook has one)."""
    from schw.sim import runner

    custom = unit.regression
    if full and (custom is None or "full" not in inspect.signature(custom).parameters):
        raise ParamError("full", f"used only with a unit that has an exhaustive mode (fp16-pe), not {unit.name}", True)
    if custom is not None:  # units with their own driver (e.g. pe-array) build their own Report
        extra = {"full": True} if full else {}
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
        if keep is not None:
            keep = prepare_dir(keep, "keep")
        results = runner.run(sim, sources, top, unit.testbench, job, keep=keep)
    mismatches = compare(inputs, expected, results["outputs"])
    return Report(unit.name, sim, top, int(results["vectors"]), seed, mismatches,
                  unit.latency_cycles(params), results.get("latency_cycles", []),
                  {k: v for k, v in results.items() if k not in ("outputs", "latency_cycles", "vectors", "violations")},
                  list(results.get("violations", [])))
