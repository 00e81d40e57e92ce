"""Fast regression path of the pe-array on Verilator: the cocotb driver of :mod:`.tb`, compiled.

The cocotb testbench drives the array cycle by cycle from Python (about 5,600 cycles/s for an
8x8 int8 array on Verilator), too slow for 32x32 and 64x64 arrays. This path runs the very same
job - the streams of :func:`.golden.build_program`, idle gaps, seeded junk on the data ports while
valid is low - through a C++ driver (``pe_array_fast.cpp``) compiled with the Verilated top:

* the driver's port-specific code (which ports each valid/ready stream carries, their widths,
  the output port) is generated from the top's port list (``unit.component(p).signature``, the
  ports the contract documents), so any PE type with the pe-array ports runs through it;
* the host writes one binary file per stream (idle cycles, then the item's ports), the driver
  writes every cycle with ``out_valid`` high (cycle, ``out``) and every accept cycle;
* the host checks every output row exactly against the golden model and at the cycle the cycle
  model predicts, every accept cycle, the total against the closed form
  (:func:`.golden.cycle_report`), and that no row is missing or extra (:func:`check`).

Builds are cached per (sources, top, generated driver, Verilator version) under
``$SCHW_CACHE/pearrayfast``. Verilator only: it is two-state, so X/Z checks stay with the cocotb
run on Icarus (and the cocotb run on Verilator stays for small arrays and waveforms).
"""

from __future__ import annotations

import re
import resource
import subprocess
import tempfile
import time
from importlib import resources
from pathlib import Path
from string import Template

import numpy as np

from schw import tools
from schw.errors import ParamError, ToolError
from schw.sim import runner
from schw.verify import rtl_sources

from . import golden, timing
from .harness import ArrayReport, _M, gap_pattern
from .params import PeArrayParams
from .vectors import make_problems

#: valid/ready port pair of each stream (as :mod:`.tb`)
HANDSHAKE = {"in": ("in_valid", "in_ready"), "w": ("w_valid", "w_ready")}
#: C++ optimization of the model. 32x32 int8 os: -O0 compiles the model in about a third of
#: -O1's CPU time (16 s against about 40 s) but then simulates 12x slower (7,500 against 90,000
#: cycles per CPU second), so -O1
CXX_OPT = "-O1"
#: PE Verilog (bytes x R x C) above which the PE is compiled once (Verilator --hierarchical)
HIER_BYTES = 4_000_000
_MODULE = re.compile(r"^\s*module\s+(\\?[^\s(#;]+)", re.M)
#: arrays with more PEs than this run the fast path by default on Verilator (cocotb below)
AUTO_FAST_PES = 16 * 16


def _words(width: int) -> int:
    return -(-width // 32)


def port_widths(unit, p: PeArrayParams) -> dict[str, int]:
    """Width of every port of the top, from its interface (the contract's port list)."""
    out = {}
    for name, m in unit.component(p).signature.members.items():
        shape = m.shape
        out[name] = shape if isinstance(shape, int) else shape.width
    return out


def stream_ports(prog: golden.Program) -> dict[str, list[str]]:
    """Data ports of each stream that has items (the keys its items carry), in a fixed order."""
    return {s: sorted({k for item in items for k in item}) for s, items in prog.streams.items() if items}


def driver_source(widths: dict[str, int], streams: dict[str, list[str]]) -> str:
    """The C++ driver with its generated part for these ports and streams."""
    names = list(streams)
    item_words = [sum(_words(widths[k]) for k in streams[s]) for s in names]
    maxw = max([_words(w) for w in widths.values()] + [1])
    g = [f"#define NSTREAMS {len(names)}",
         f"#define OUT_WORDS {_words(widths['out'])}",
         f"static const std::size_t ITEM_WORDS[NSTREAMS] = {{{', '.join(map(str, item_words))}}};",
         f"static uint32_t zeros[{maxw}] = {{0}};",
         "static void zero_inputs(Vdut& d) {"]
    for s in names:
        g.append(f"    d.{HANDSHAKE[s][0]} = 0;")
        g += [f"    put(d.{k}, zeros);" for k in streams[s]]
    g += ["}", "static inline void drive(Vdut& d, int s, const uint32_t* w) {", "    switch (s) {"]
    for i, s in enumerate(names):
        g.append(f"    case {i}:")
        off = 0
        for k in streams[s]:
            g.append(f"        put(d.{k}, w + {off});")
            off += _words(widths[k])
        g += [f"        d.{HANDSHAKE[s][0]} = 1;", "        break;"]
    g += ["    }", "}",
          "static inline void idle(Vdut& d, int s, bool has_items) {",
          f"    uint32_t j[{maxw}];", "    switch (s) {"]
    for i, s in enumerate(names):
        g += [f"    case {i}:", f"        d.{HANDSHAKE[s][0]} = 0;", "        if (!junk_on || !has_items) break;"]
        for k in streams[s]:
            w = widths[k]
            n = _words(w)
            g.append(f"        for (int t = 0; t < {n}; ++t) j[t] = rnd();")
            if w % 32:
                g.append(f"        j[{n - 1}] &= 0x{(1 << (w % 32)) - 1:x}u;")
            g.append(f"        put(d.{k}, j);")
        g.append("        break;")
    g += ["    }", "}", "static inline bool ready(Vdut& d, int s) {", "    switch (s) {"]
    for i, s in enumerate(names):
        g.append(f"    case {i}: return d.{HANDSHAKE[s][1]};")
    g += ["    }", "    return false;", "}"]
    text = resources.files(__package__).joinpath("pe_array_fast.cpp").read_text()
    return Template(text).substitute(generated="\n".join(g))


def build(sources: list[Path], top: str, driver: str, hier_block: str | None = None) -> tuple[Path, dict]:
    """Compile (or reuse) the driver around ``top``; returns the executable and build info
    (``cached``, ``seconds``). ``hier_block``: a module Verilator compiles once, apart, and
    instantiates R x C times (``--hierarchical``), instead of elaborating every instance."""
    tool = tools.require("verilator")
    sources = [Path(s).resolve() for s in sources]
    parts = [b"pearrayfast", top.encode(), str(tool.version).encode(), driver.encode(), CXX_OPT.encode(),
             (hier_block or "").encode(), *(s.read_bytes() for s in sources)]
    with runner.build_slot("pearrayfast", "verilator", top, parts) as (d, done):
        exe = d / "obj" / "driver"
        if done and exe.exists():
            return exe, {"cached": True, "seconds": 0.0}
        (d / "driver.cpp").write_text(driver)
        hier = []
        if hier_block:
            (d / "hier.vlt").write_text(f'`verilator_config\nhier_block -module "{hier_block}"\n')
            hier = ["--hierarchical", "hier.vlt"]
        cmd = runner.verilator_harness_command(top, "driver.cpp", sources, exe="driver", cflags=CXX_OPT, extra=hier)
        t0 = time.perf_counter()
        runner.run_tool(cmd, d, f"verilator build of the pe-array fast driver around {top}")
        runner.mark_built(d)
        return exe, {"cached": False, "seconds": round(time.perf_counter() - t0, 2)}


def _hier_block(unit, p: PeArrayParams, sources: list[Path], hier: bool | None = None) -> str | None:
    """The PE module, when the sources define it (generated RTL, or RTL that keeps its name) and
    the flat array would hold more than :data:`HIER_BYTES` of PE Verilog (``hier`` None; True:
    always, False: never): Verilator then compiles the PE once, apart (:func:`build`). A flat
    32 x 32 fp16 array (1,024 copies of a 116 kB PE) took Verilator's front end above 8 GB and
    minutes of CPU before any C++ was compiled; the hierarchical model builds in a fraction of
    that but simulates far slower (every PE is a separate model, called through its wrapper:
    docs/pe_array_fast.md), so small PEs and small arrays stay flat."""
    name = unit.pe_module(p)
    size = 0
    for s in sources:
        text = Path(s).read_text(errors="replace")
        starts = [(m.start(), m.group(1).lstrip("\\")) for m in _MODULE.finditer(text)] + [(len(text), "")]
        size += sum(b - a for (a, mod), (b, _) in zip(starts, starts[1:])
                    if mod == name or mod.startswith(name + "."))  # the PE and its submodules (pe.fma)
    if not size or hier is False:
        return None
    return name if hier or size * p.R * p.C > HIER_BYTES else None


def _port_words(values: list[int], width: int) -> np.ndarray:
    """Port values (Python ints) -> (n, words) uint32, least significant word first."""
    n = _words(width)
    if width <= 32:
        return np.asarray(values, dtype=np.uint64).astype(np.uint32).reshape(-1, 1)
    raw = b"".join(int(v).to_bytes(4 * n, "little") for v in values)
    return np.frombuffer(raw, dtype="<u4").reshape(-1, n)


def stream_file(items: list[dict], ports: list[str], widths: dict, gaps: list[int] | None) -> np.ndarray:
    """One stream's items as the driver reads them: (n, 1 + item words) uint32."""
    n = len(items)
    cols = [np.asarray(gaps if gaps is not None else np.zeros(n), dtype=np.uint32).reshape(-1, 1)]
    cols += [_port_words([it.get(k, 0) for it in items], widths[k]) for k in ports]
    return np.ascontiguousarray(np.hstack(cols).astype(np.uint32))


def run(exe: Path, prog: golden.Program, streams: dict, widths: dict, gaps: dict | None, *, tail: int,
        timeout: int, seed: int, junk: bool) -> dict:
    """Run the driver on ``prog``'s streams; the results in the form :mod:`.tb` writes them
    (``outputs`` as an array of words, ``out_cycles``), plus ``seconds`` of simulation."""
    ow = _words(widths["out"])
    with tempfile.TemporaryDirectory(prefix="schw-pearray-fast-") as tmp:
        tmp = Path(tmp)
        files = []
        for i, s in enumerate(streams):
            f = tmp / f"stream{i}.bin"
            stream_file(prog.streams[s], streams[s], widths, (gaps or {}).get(s)).tofile(f)
            files.append(str(f))
        out = tmp / "out.bin"
        cmd = [str(exe), str(out), str(tail), str(timeout), str(len(prog.expected)),
               str(seed if junk else -1), *files]
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        res = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True)
        seconds = time.perf_counter() - t0
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
        if res.returncode != 0:
            raise ToolError(f"pe-array fast driver failed (exit {res.returncode}): {res.stderr.strip()[-2000:]}")
        fields = res.stdout.split()
        info = dict(zip(fields[0::2], (int(x) for x in fields[1::2])))
        rec = np.fromfile(out, dtype="<u4").reshape(-1, 1 + ow)
        accepts = {s: np.fromfile(f"{out}.acc{i}", dtype="<u4").astype(np.int64).tolist()
                   for i, s in enumerate(streams)}
    return {"out_words": rec[:, 1:], "out_cycles": rec[:, 0].astype(np.int64), "accepts": accepts,
            "end": info["end"], "timeout": bool(info["timeout"]), "cycles_run": info["cycles"], "seconds": seconds,
            "cpu_seconds": cpu}


def lanes(words: np.ndarray, n: int, width: int) -> np.ndarray:
    """(rows, words) uint32 -> (rows, n) int64 lane values of ``width`` bits (lane j at bits
    j*width); vectorized when ``width`` is 8, 16 or 32 (today's accumulators), else per row."""
    if width in (8, 16, 32):
        v = np.ascontiguousarray(words).view(f"<u{width // 8}")[:, :n]
        return v.astype(np.int64)
    rows = [int.from_bytes(r.tobytes(), "little") for r in words]
    return np.array([golden.unpack(v, n, width) for v in rows], dtype=object).reshape(len(rows), n)


def check(p: PeArrayParams, prog: golden.Program, got: dict, predicted: dict, show: int = 1000) -> tuple[list, int]:
    """Every output row against the golden model (lanes, exactly) and the cycle model (its cycle);
    missing and extra rows. Returns up to ``show`` mismatches (the format of :func:`.harness.check`)
    and the number of mismatching rows in all."""
    C, AW = p.C, p.acc_width
    exp = np.array(prog.expected, dtype=np.int64 if AW <= 62 else object).reshape(-1, C)
    n_exp = len(exp)
    vals = lanes(got["out_words"], C, AW)
    n_got = len(vals)
    k = min(n_exp, n_got)
    pred = np.asarray(predicted["outputs"], dtype=np.int64)
    lane_bad = vals[:k] != exp[:k]
    row_bad = lane_bad.any(axis=1)
    cyc_bad = ~row_bad & (got["out_cycles"][:k] != pred[:k])
    bad_rows = np.flatnonzero(row_bad | cyc_bad)
    total = len(bad_rows) + max(0, n_exp - n_got) + max(0, n_got - n_exp)
    out = []
    for n in bad_rows[:show]:
        pi, tile, row = prog.tags[n]
        where = {"problem": pi, "row": row, "tile": tile}
        if row_bad[n]:
            diff = [int(j) for j in np.flatnonzero(lane_bad[n])]
            out.append(_M(int(n), {**where, "lanes": diff}, {"out": [hex(int(exp[n, j])) for j in diff]},
                          {"out": [hex(int(vals[n, j])) for j in diff]}))
        else:
            out.append(_M(int(n), where, {"cycle": int(pred[n])}, {"cycle": int(got["out_cycles"][n])}))
    for n in range(n_got, min(n_exp, n_got + show)):
        pi, tile, row = prog.tags[n]
        out.append(_M(n, {"problem": pi, "row": row, "tile": tile}, {"row": [int(x) for x in exp[n]]},
                      {"row": "missing"}))
    for n in range(n_exp, min(n_got, n_exp + show)):
        out.append(_M(n, {"extra_row": n}, {"out": "none"},
                      {"out": [hex(int(x)) for x in vals[n]], "cycle": int(got["out_cycles"][n])}))
    return out, total


class FastReport(ArrayReport):
    """An :class:`.harness.ArrayReport` that names the path and its simulation speed."""

    def summary(self) -> str:
        d = self.details
        if "sim_cycles_per_s" not in d:
            return super().summary() + "; fast path (compiled driver): nothing simulated"
        return (super().summary() + f"; fast path (compiled driver): {d.get('sim_cycles')} cycles simulated in "
                f"{d.get('sim_seconds')} s = {d.get('sim_cycles_per_s'):,.0f} cycles/s"
                + (" (hierarchical model: the PE compiled once)" if d.get("hier_block") else ""))


def regression(unit, p: PeArrayParams, sim: str = "verilator", *, rtl=None, top=None, seed: int = 1,
               count: int | None = None, gaps: float = 0.0, junk: bool = True, problems=None,
               keep: Path | None = None, waves: Path | None = None, hier: bool | None = None) -> ArrayReport:
    """The pe-array regression (:func:`.harness.regression`: the same problems, streams and
    checks) through the compiled driver. Returns an :class:`.harness.ArrayReport` whose details
    also hold ``path: fast``, the build (seconds, cached) and the timings (``golden_seconds``,
    ``sim_seconds``, ``sim_cycles_per_s``, ``hier_block``). ``hier``: compile the PE module once
    (Verilator ``--hierarchical``): None = when the array is big (:func:`_hier_block`)."""
    if sim != "verilator":
        raise ParamError("sim", "verilator for the pe-array fast path (Icarus runs the cocotb testbench)", sim)
    if keep is not None:
        raise ParamError("keep", "not used by the pe-array fast path (it keeps no cocotb build directory)", str(keep))
    if waves is not None:
        raise ParamError("waves", "not recorded by the pe-array fast path (the cocotb run records them)", str(waves))
    count = unit.default_vectors if count is None else count
    if count < 0:
        raise ParamError("vectors", "a non-negative integer", count)
    t0 = time.perf_counter()
    problems = problems if problems is not None else make_problems(p, seed, count)
    prog = golden.build_program(p, problems)
    gp = gap_pattern(prog, seed, gaps) if gaps else None
    predicted = golden.cycle_model(p, prog, gp)
    for pi, (prob, res) in enumerate(zip(problems, prog.results)):
        if not np.array_equal(golden.reference(p, prob, t0=prog.item_base[pi]), res):
            raise AssertionError(f"golden tiling disagrees with the reference fold on problem {pi}")
    t_golden = time.perf_counter() - t0
    with tempfile.TemporaryDirectory(prefix="schw-rtl-") as tmp:
        sources, top = rtl_sources(unit, p, rtl, top, Path(tmp))
        if not prog.expected:  # nothing to check is a failure, not a pass
            return FastReport(unit.name, sim, top, 0, seed, [], None, [],
                               {"path": "fast", "cycles": golden.cycle_report(p, prog, None)},
                               ["the job expects zero output rows"])
        widths = port_widths(unit, p)
        streams = stream_ports(prog)
        hier_block = _hier_block(unit, p, sources, hier)
        exe, built = build(sources, top, driver_source(widths, streams), hier_block)
    quiet = timing.quiet_cycles(p)
    got = run(exe, prog, streams, widths, gp, tail=quiet + 4, timeout=predicted["end"] + 4 * quiet + 1000,
              seed=seed, junk=junk)
    t0 = time.perf_counter()
    mism, bad_rows = check(p, prog, got, predicted)
    violations = []
    if got["timeout"]:
        violations.append(f"timeout after {got['cycles_run']} cycles: inputs accepted "
                          f"{ {s: len(a) for s, a in got['accepts'].items()} }, "
                          f"{len(got['out_cycles'])} of {len(prog.expected)} rows out")
    acc_ok = all(predicted["accepts"][s] == got["accepts"].get(s, []) for s in predicted["accepts"])
    report = golden.cycle_report(p, prog, got["end"] if not gp else None)
    report["total_cycles_predicted"] = predicted["end"]
    report["accept_cycles_match"] = acc_ok
    report["problems"] = [list(pr.shape) for pr in problems]
    if not acc_ok:
        mism.append(_M(-1, {"handshake": "accept cycles"}, {"cycles": "as the cycle model"}, {"cycles": "differ"}))
    if not gp and not report["agree"]:
        mism.append(_M(-1, {"cycles": "total"}, {"analytic": report["total_cycles_analytic"]},
                       {"measured": got["end"]}))
    t_check = time.perf_counter() - t0
    details = {"cycles": report, "path": "fast", "build": built, "hier_block": hier_block, "mismatching_rows": bad_rows,
               "golden_seconds": round(t_golden, 3), "sim_seconds": round(got["seconds"], 3),
               "check_seconds": round(t_check, 3), "sim_cycles": got["cycles_run"],
               "sim_cycles_per_s": round(got["cycles_run"] / max(got["seconds"], 1e-9), 1),
               "sim_cpu_seconds": round(got["cpu_seconds"], 3),
               "sim_cycles_per_cpu_s": round(got["cycles_run"] / max(got["cpu_seconds"], 1e-9), 1)}
    return FastReport(unit.name, sim, top, len(got["out_cycles"]), seed, mism, None, [], details, violations)
