"""pe-array regression driver: random GEMM problems tiled onto the array, every output row checked
exactly (values against the golden model, cycles against the cycle model), cycle report."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from schw.errors import ParamError
from schw.output import prepare_dir
from schw.sim import runner
from schw.verify import X, Mismatch, Report, rtl_sources

from . import golden, timing
from .golden import Program
from .params import PeArrayParams
from .vectors import make_problems


#: Verilator arguments of the cocotb build (sim.runner adds its one-C++-file arguments): the
#: arrays' models are big and run briefly, so C++ compiled without optimisation costs least
VERILATOR_ARGS = ["-CFLAGS", "-O0"]


def gap_pattern(prog: Program, seed: int, rate: float) -> dict:
    rng = np.random.default_rng(seed + 7)
    out = {}
    for s, items in prog.streams.items():
        g = np.where(rng.random(len(items)) < rate, rng.integers(1, 4, size=len(items)), 0)
        out[s] = [int(x) for x in g]
    return out


def check(p: PeArrayParams, prog: Program, results, predicted) -> list[Mismatch]:
    """Exact comparison of every output row: lane values, then the cycle it appeared in."""
    C, AW = p.C, p.acc_width
    got = results["outputs"]["out"]
    cycles = results["outputs"]["cycle"]
    bad = []
    for n, exp in enumerate(prog.expected):
        pi, tile, row = prog.tags[n]
        where = {"problem": pi, "row": row, "tile": tile}
        if n >= len(got):
            bad.append(Mismatch(n, where, {"row": exp}, {"row": "missing"}))
            continue
        if got[n] is None:
            bad.append(Mismatch(n, where, {"out": [hex(x) for x in exp]}, {"out": X}))
            continue
        lanes = golden.unpack(got[n], C, AW)
        if lanes != exp:
            diff = [j for j in range(C) if lanes[j] != exp[j]]
            bad.append(Mismatch(n, {**where, "lanes": diff},
                                {"out": [hex(exp[j]) for j in diff]}, {"out": [hex(lanes[j]) for j in diff]}))
        elif cycles[n] != predicted["outputs"][n]:
            bad.append(Mismatch(n, where, {"cycle": predicted["outputs"][n]}, {"cycle": cycles[n]}))
    for n in range(len(prog.expected), len(got)):
        bad.append(Mismatch(n, {"extra_row": n}, {"out": "none"},
                            {"out": X if got[n] is None else hex(got[n]), "cycle": cycles[n]}))
    return bad


def _fmt(m: Mismatch) -> str:
    f = lambda d: ", ".join(f"{k}={v}" for k, v in d.items())  # noqa: E731
    return f"output row {m.index}: {f(m.inputs)}: expected {f(m.expected)}, got {f(m.got)}"


class _M(Mismatch):
    def __str__(self):
        return _fmt(self)


class ArrayReport(Report):
    """A :class:`~schw.verify.Report` whose summary also gives the cycle report."""

    def summary(self) -> str:
        c = self.details.get("cycles", {})
        status = "PASS" if self.passed else "FAIL"
        meas = c.get("total_cycles_measured")
        cyc = (f"cycles measured {meas} / analytic {c.get('total_cycles_analytic')}"
               if meas is not None else f"cycles predicted {c.get('total_cycles_predicted')} (idle gaps)")
        return (f"{status}: {self.unit} top {self.top} on {self.sim}: {self.vectors} output rows "
                f"({len(c.get('problems', []))} GEMM problems, {c.get('tiles')} tiles), seed {self.seed}, "
                f"{len(self.mismatches)} mismatches; {cyc}, utilization {c.get('compute_util_pct')} %")


def regression(unit, p: PeArrayParams, sim: str, *, rtl=None, top=None, seed: int = 1, count: int | None = None,
               keep: Path | None = None, gaps: float = 0.0, junk: bool = True, problems=None,
               waves: Path | None = None) -> Report:
    count = unit.default_vectors if count is None else count
    if count < 0:
        raise ParamError("vectors", "a non-negative integer", count)
    problems = problems if problems is not None else make_problems(p, seed, count)
    prog = golden.build_program(p, problems)
    gp = gap_pattern(prog, seed, gaps) if gaps else None
    predicted = golden.cycle_model(p, prog, gp)
    with tempfile.TemporaryDirectory(prefix="schw-rtl-") as tmp:
        sources, top = rtl_sources(unit, p, rtl, top, Path(tmp))
        quiet = timing.quiet_cycles(p)  # every row of a tile is out this long after its last input
        job = {
            "streams": prog.streams, "gaps": gp, "expected_rows": len(prog.expected),
            "tail": quiet + 4, "timeout_cycles": predicted["end"] + 4 * quiet + 1000,
            "junk": junk, "seed": seed,
        }
        if keep is not None:
            keep = prepare_dir(keep, "keep")
        results = runner.run(sim, sources, top, unit.testbench, job, keep=keep, waves=waves,
                             build_args=VERILATOR_ARGS if sim == "verilator" else None)
    mism = [_M(m.index, m.inputs, m.expected, m.got) for m in check(p, prog, results, predicted)]
    # the assembled products must equal the untiled, unpadded reference fold
    for pi, (prob, res) in enumerate(zip(problems, prog.results)):
        ref = golden.reference(p, prob, t0=prog.item_base[pi])
        if not np.array_equal(ref, res):
            raise AssertionError(f"golden tiling disagrees with the reference fold on problem {pi}")
    acc_ok = predicted["accepts"] == {s: results["accepts"].get(s, []) for s in predicted["accepts"]}
    report = golden.cycle_report(p, prog, results["end"] if not gp else None)
    report["total_cycles_predicted"] = predicted["end"]
    report["accept_cycles_match"] = acc_ok
    report["problems"] = [list(pr.shape) for pr in problems]
    if not acc_ok:
        mism.append(_M(-1, {"handshake": "accept cycles"}, {"cycles": "as the cycle model"},
                       {"cycles": "differ"}))
    if not gp and not report["agree"]:
        mism.append(_M(-1, {"cycles": "total"}, {"analytic": report["total_cycles_analytic"]},
                       {"measured": results["end"]}))
    return ArrayReport(unit.name, sim, top, int(results["vectors"]), seed, mism, None, [], {"cycles": report},
                       list(results.get("violations", [])))
