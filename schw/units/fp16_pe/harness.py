"""Fast verification path for fp16-pe (and any RTL with its ports): millions of vectors per run.

Per-vector cocotb transactions manage a few thousand vectors per second; this path streams a
whole schedule of cycles through the DUT instead (templates beside this module):

* Verilator: a compiled C++ harness (``fp16_harness.cpp``) reads a binary file of cycles,
  drives one line per clock and writes a binary record for every cycle with ``out_valid`` high.
* Icarus: a Verilog harness top (``fp16_harness.v.tmpl``) does the same with
  ``$fscanf``/``$fwrite`` on text files.

The schedule interleaves seeded bubbles (``in_valid`` low, random data on the other inputs) with
the vectors, so the pipeline runs full and with gaps. The host then checks that exactly one
output came per valid input, in order, each ``latency`` cycles after its input, and compares
result and all five flags bit-exactly with the golden model (:func:`check`). Builds are cached
per (simulator, sources, top, harness) under ``$SCHW_CACHE/fp16fast``.

Also here: the complete regression of ``schw sim|verify fp16-pe`` (:func:`full_regression`: the
fast path, then the cocotb pipeline run of :mod:`schw.units.fp16_pe.tb`) and the exhaustive
``--full`` job (:func:`exhaustive`, :func:`exhaustive_both`).
"""

from __future__ import annotations

import tempfile
import time
from importlib import resources
from pathlib import Path

import numpy as np

from schw import tools
from schw.errors import ParamError, ToolError
from schw.registry import get
from schw.sim import runner
from schw.verify import X, Mismatch, Report, compare, rtl_from_params, rtl_sources

from .vectors import class_cross, directed, ext_vectors, generate

LINE = np.dtype([("valid", "u1"), ("op", "u1"), ("rm", "u1"), ("pad", "u1"),
                 ("a", "<u2"), ("b", "<u2"), ("c", "<u4")])
OUT = np.dtype([("result", "<u4"), ("flags", "<u4"), ("cycle", "<u4")])
PORTS = ("op", "rm", "a", "b", "c")
DRAIN = 16  # idle cycles after the last line: covers any latency up to 15
OP_NAMES = ("fma", "mul", "add", "min", "max", "lt", "le", "eq",
            "recip", "rsqrt", "exp2", "log2", "expmod", "ternary", "xnor", "bool")  # codes 8..15: --ops
RM_NAMES = ("rne", "rtz", "rdn", "rup", "rmm")




#: a result or flags value the Icarus harness printed with x or z digits (never a real value)
XZ = -2


def _hex(text: str) -> int:
    """A hex value from the Icarus harness; :data:`XZ` when it has x or z digits."""
    return XZ if any(ch in "xXzZ" for ch in text) else int(text, 16)


def _shown(v: int):
    return X if v == XZ else int(v)


def _template_text(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text()


def build(sim: str, sources: list[Path], top: str, width: int, waves: str | None = None, opw: int = 3) -> Path:
    """Compile (or reuse) the harness around ``top``; returns the executable (Verilator) or the
    vvp image (Icarus). ``waves`` (``vcd`` | ``fst``): a Verilator build that can trace (cached
    apart); the Icarus harness always can (``+waves=FILE``). ``opw``: width of the op port (4
    with --ops)."""
    sources = [Path(s).resolve() for s in sources]
    trace = []
    if sim == "verilator" and waves:
        trace = ["--trace-fst" if waves == "fst" else "--trace", "--trace-underscore", "--timescale", "1ns/1ps"]
    tool = tools.require(sim)
    srcs = [s.read_bytes() for s in sources]
    if sim == "verilator":
        harness = _template_text("fp16_harness.cpp")
        exe_name = "obj/harness"
    elif sim == "icarus":
        harness = _template_text("fp16_harness.v.tmpl")
        harness = (harness.replace("${width}", str(width)).replace("${opw}", str(opw)).replace("${top}", top)
                   .replace("$$", "$"))
        exe_name = "harness.vvp"
    else:
        raise ToolError(f"unknown simulator {sim!r} (verilator or icarus)")
    parts = [sim.encode(), top.encode(), str(tool.version).encode(), harness.encode(), " ".join(trace).encode(), *srcs]
    with runner.build_slot("fp16fast", sim, top, parts) as (d, done):
        exe = d / exe_name
        if done and exe.exists():
            return exe
        if sim == "verilator":
            (d / "harness.cpp").write_text(harness)
            cmd = runner.verilator_harness_command(top, "harness.cpp", sources, extra=trace)
            try:
                runner.run_tool(cmd, d, f"verilator build of the fp16 harness around {top}")
            except ToolError as e:
                if waves == "fst" and "lz4.h" in str(e):
                    raise ToolError("Verilator's FST writer needs the LZ4 headers: sudo apt-get install -y "
                                    "liblz4-dev (or write a .vcd)") from None
                raise
        else:
            (d / "harness.v").write_text(harness)
            cmd = ["iverilog", "-g2012", "-o", str(exe), "-s", "fp16_harness", "harness.v",
                   *[str(s) for s in sources]]
            runner.run_tool(cmd, d, f"iverilog build of the fp16 harness around {top}")
        runner.mark_built(d)
    return exe


def schedule(n: int, bubbles: float, seed: int, width: int):
    """Cycle schedule: vector i goes in at cycle ``at[i]``; bubbles (0-3 idle cycles before a
    vector with probability ``bubbles``) carry random data with ``valid = 0``."""
    rng = np.random.default_rng([seed, 0xF16])
    gaps = np.where(rng.random(n) < bubbles, rng.integers(1, 4, n), 0)
    at = np.arange(n, dtype=np.int64) + np.cumsum(gaps)
    cycles = int(at[-1]) + 1 if n else 0
    lines = np.zeros(cycles, dtype=LINE)
    lines["op"] = rng.integers(0, 8, cycles)
    lines["rm"] = rng.integers(0, 8, cycles)
    lines["a"] = rng.integers(0, 1 << 16, cycles)
    lines["b"] = rng.integers(0, 1 << 16, cycles)
    lines["c"] = rng.integers(0, 1 << width, cycles, dtype=np.uint64)
    return at, lines


def simulate(sim: str, sources: list[Path], top: str, width: int, inputs: dict,
             bubbles: float = 0.1, seed: int = 1, waves: Path | None = None, opw: int = 3) -> dict:
    """Run ``inputs`` (arrays op, rm, a, b, c) through the RTL. Returns ``result``, ``flags``
    (the first ``n`` outputs seen, in order; :data:`XZ` where a value had X/Z bits, Icarus),
    ``latency`` (output cycle minus input cycle, per output), ``outputs`` (number seen),
    ``extra`` (``result``, ``flags``, ``cycle`` of any outputs beyond the ``n`` valid inputs),
    ``problems`` (``out_valid`` with X/Z bits), ``seconds``. ``waves``: a waveform file (``.vcd``
    or ``.fst``) of the run, every signal of the DUT."""
    fmt = runner.wave_format(waves) if waves is not None else None
    exe = build(sim, sources, top, width, fmt, opw=opw)
    problems = []
    n = len(inputs["op"])
    at, lines = schedule(n, bubbles, seed, width)
    lines["valid"][at] = 1
    for k in PORTS:
        lines[k][at] = np.asarray(inputs[k]).astype(lines.dtype[k])
    with tempfile.TemporaryDirectory(prefix=f"schw-fp16-{sim}-") as tmp:
        tmp = Path(tmp)
        t0 = time.perf_counter()
        if sim == "verilator":
            lines.tofile(tmp / "in.bin")
            runner.run_tool([str(exe), str(tmp / "in.bin"), str(tmp / "out.bin"), str(DRAIN),
                             *([str(Path(waves).resolve())] if waves is not None else [])], tmp,
                            "fp16 harness (verilator)")
            out = np.fromfile(tmp / "out.bin", dtype=OUT)
            res, flg, cyc = out["result"].astype(np.int64), out["flags"].astype(np.int64), out["cycle"].astype(np.int64)
        else:
            cols = [lines["valid"], lines["op"], lines["rm"], lines["a"], lines["b"], lines["c"]]
            fmt = ["%x", "%x", "%x", "%04x", "%04x", "%08x" if width == 32 else "%04x"]
            np.savetxt(tmp / "in.txt", np.column_stack([c.astype(np.int64) for c in cols]), fmt=fmt)
            dump = [f"+waves={Path(waves).resolve()}", f"-{fmt}"] if waves is not None else []
            runner.run_tool(["vvp", "-n", str(exe), f"+vectors={tmp / 'in.txt'}", f"+results={tmp / 'out.txt'}",
                             f"+drain={DRAIN}", *dump], tmp, "fp16 harness (icarus)")
            text = (tmp / "out.txt").read_text().split()
            vals = np.array(text, dtype=object).reshape(-1, 4) if text else np.zeros((0, 4), dtype=object)
            unknown = vals[:, 0] != "1"  # out_valid x or z
            problems += [f"out_valid is X/Z at cycle {c}" for c in vals[unknown, 3][:20]]
            vals = vals[~unknown]
            res = np.array([_hex(v) for v in vals[:, 1]], dtype=np.int64)
            flg = np.array([_hex(v) for v in vals[:, 2]], dtype=np.int64)
            cyc = np.array([int(v) for v in vals[:, 3]], dtype=np.int64)
        seconds = time.perf_counter() - t0
    k = min(len(res), n)
    if waves is not None and not (Path(waves).is_file() and Path(waves).stat().st_size > 0):
        raise ToolError(f"fp16 harness ({sim}) wrote no waveform to {waves}")
    return {"result": res[:k], "flags": flg[:k], "latency": cyc[:k] - at[:k], "outputs": len(res),
            "extra": {"result": res[k:], "flags": flg[k:], "cycle": cyc[k:]}, "problems": problems,
            "seconds": seconds, "cycles": len(lines)}


def case_counts(op, rm) -> dict[str, dict[str, int]]:
    """Vectors per (op, rounding mode); comparisons ignore rm but are counted by it too."""
    op = np.asarray(op, dtype=np.int64)
    rm = np.asarray(rm, dtype=np.int64)
    table = np.zeros((16, 8), dtype=np.int64)
    np.add.at(table, (op, rm), 1)
    return {OP_NAMES[o]: {(RM_NAMES[r] if r < 5 else f"rm{r}"): int(table[o, r]) for r in range(8) if table[o, r]}
            for o in range(16) if table[o].any()}


def format_counts(counts: dict) -> str:
    """The case table; a column ``rm5-7`` only when some rows have rm 5..7 (bool's functions, the
    ternary op's int8 mode)."""
    hi = ("rm5", "rm6", "rm7")
    extra = any(k in hi for r in counts.values() for k in r)
    lines = ["op    " + " ".join(f"{m:>8}" for m in RM_NAMES) + (f" {'rm5-7':>8}" if extra else "") + "    total"]
    for name in OP_NAMES:
        if name not in counts and OP_NAMES.index(name) >= 8:  # --ops codes: only when run
            continue
        row = counts.get(name, {})
        lines.append(f"{name:<5} " + " ".join(f"{row.get(m, 0):>8}" for m in RM_NAMES)
                     + (f" {sum(row.get(m, 0) for m in hi):>8}" if extra else "") + f" {sum(row.values()):>8}")
    lines.append(f"total {sum(sum(r.values()) for r in counts.values()):>8} vectors")
    return "\n".join(lines)


class Fp16Report(Report):
    """A :class:`schw.verify.Report` that also fails on the protocol problems listed in
    ``details["problems"]`` (outputs missing or extra, vectors checked that do not add up to the
    vectors sent) and prints them; for the complete regression (fast path + cocotb pipeline run)
    the summary carries both parts and the fast path's per-(op, mode) case counts."""

    @property
    def passed(self) -> bool:
        return super().passed and not self.details.get("problems")

    def summary(self) -> str:
        d = self.details
        lines = [super().summary()]
        if "pipeline" in d:
            lines += [f"fast path: {d.get('fast_vectors')} vectors ({d.get('mismatching_vectors')} differ); "
                      f"cocotb pipeline run: {d.get('pipeline_vectors')} vectors, "
                      f"{d['pipeline']['resets']} resets ({d['pipeline']['killed_by_reset']} dropped in flight), "
                      f"{d.get('pipeline_mismatches')} mismatches",
                      format_counts(d["cases"])]
        lines += d.get("problems", [])
        return "\n".join(lines)


def check(unit, params, sim: str, inputs: dict, *, rtl: list[Path] | None = None, top: str | None = None,
          seed: int = 1, bubbles: float = 0.1, chunk: int = 1 << 18, waves: Path | None = None):
    """Golden model vs RTL on ``inputs`` through the fast path; returns a
    :class:`Fp16Report` whose ``details`` hold the per-(op, mode) case counts, timings and
    protocol problems. Fails (``passed`` false) on any result or flag mismatch, a missing or
    extra output, a latency other than ``latency_cycles``, or zero vectors. A missing output is
    listed as a mismatch with ``got`` -1, an extra one (``out_valid`` with no valid input left to
    answer) as a mismatch at index ``n + j`` with ``expected`` -1."""
    n = len(inputs["op"])
    if n == 0:  # nothing to check is a failure, not a pass
        return Fp16Report(unit.name, sim, top or unit.top(params), 0, seed, [], unit.latency_cycles(params), [],
                      {"path": "fast", "cases": {}, "mismatching_vectors": 0, "mismatches_per_op": {},
                       "problems": ["zero vectors checked"], "sim_seconds": 0, "golden_seconds": 0,
                       "harness_seconds": 0, "cycles": 0})
    with tempfile.TemporaryDirectory(prefix="schw-rtl-") as tmp:
        sources, top = rtl_sources(unit, params, rtl, top, Path(tmp))
        t0 = time.perf_counter()
        got = simulate(sim, sources, top, params.width, inputs, bubbles=bubbles, seed=seed, waves=waves,
                       opw=getattr(params, "op_width", 3))
    t_sim = time.perf_counter() - t0
    t0 = time.perf_counter()
    exp_r = np.empty(n, dtype=np.int64)
    exp_f = np.empty(n, dtype=np.int64)
    for lo in range(0, n, chunk):
        part = {k: np.asarray(v[lo:lo + chunk]) for k, v in inputs.items()}
        e = unit.golden(params, part)
        exp_r[lo:lo + chunk], exp_f[lo:lo + chunk] = e["result"], e["flags"]
    t_gold = time.perf_counter() - t0

    k = len(got["result"])
    problems = list(got["problems"])
    if got["outputs"] != n:
        problems.append(f"{got['outputs']} outputs (out_valid cycles) for {n} valid inputs")
    bad = np.flatnonzero((got["result"] != exp_r[:k]) | (got["flags"] != exp_f[:k]))
    mismatches = [Mismatch(int(i), {p: int(inputs[p][i]) for p in PORTS},
                           {"result": int(exp_r[i]), "flags": int(exp_f[i])},
                           {"result": _shown(got["result"][i]), "flags": _shown(got["flags"][i])})
                  for i in bad[:10000]]
    missing = [Mismatch(int(i), {p: int(inputs[p][i]) for p in PORTS},
                        {"result": int(exp_r[i]), "flags": int(exp_f[i])}, {"result": -1, "flags": -1})
               for i in range(k, min(n, k + 100))]
    ex = got["extra"]
    extra = [Mismatch(n + j, {"cycle": int(ex["cycle"][j])}, {"result": -1, "flags": -1},
                      {"result": _shown(ex["result"][j]), "flags": _shown(ex["flags"][j])})
             for j in range(min(len(ex["result"]), 100))]
    lat = sorted(set(int(x) for x in np.unique(got["latency"])))
    ops = np.asarray(inputs["op"], dtype=np.int64)
    per_op_bad = {OP_NAMES[o]: int(np.count_nonzero(ops[bad] == o)) for o in range(16)} if bad.size else {}
    details = {
        "path": "fast",
        "cases": case_counts(inputs["op"], inputs["rm"]),
        "mismatching_vectors": int(bad.size),
        "mismatches_per_op": per_op_bad,
        "problems": problems,
        "sim_seconds": round(t_sim, 2),
        "golden_seconds": round(t_gold, 2),
        "harness_seconds": round(got["seconds"], 2),
        "cycles": got["cycles"],
    }
    return Fp16Report(unit.name, sim, top, k, seed, mismatches + missing + extra, unit.latency_cycles(params), lat,
                      details)


def report_text(rep) -> str:
    """Summary, case counts and the first mismatches of a fast-path report."""
    d = rep.details
    lines = [rep.summary(), format_counts(d["cases"]),
             f"simulation {d['sim_seconds']} s ({d['cycles']} cycles, harness {d['harness_seconds']} s), "
             f"golden model {d['golden_seconds']} s"]
    if d["mismatching_vectors"]:
        lines.append(f"{d['mismatching_vectors']} vectors differ (per op: {d['mismatches_per_op']})")
        lines += [str(m) for m in rep.mismatches[:10]]
    return "\n".join(lines)


# ---- the complete regression: fast path + cocotb pipeline run --------------------------------
#: random vectors on top of the corner classes and directed cases in the default fast run
DEFAULT_COUNT = {"verilator": 1_000_000, "icarus": 20_000}


def sample_vectors(acc: str, seed: int, n: int) -> dict:
    """About ``n`` vectors for slow simulators: every directed case, a seeded sample of the
    operand-class cross product (half of the rest) and seeded weighted-random rows."""
    d = directed(acc)
    cc = class_cross(acc)
    nd, ncc = len(d["op"]), len(cc["op"])
    rest = max(0, n - nd)
    k = min(ncc, rest // 2)
    rng = np.random.default_rng([seed, 0x5A])
    pick = np.sort(rng.choice(ncc, k, replace=False))
    g = generate(seed, rest - k, acc=acc)
    skip = ncc + nd
    return {f: np.concatenate([np.asarray(d[f], dtype=np.int64), np.asarray(cc[f], dtype=np.int64)[pick],
                               np.asarray(g[f], dtype=np.int64)[skip:]]) for f in PORTS}


def _with_ext(params, vectors: dict, seed: int, per_op: int) -> dict:
    """``vectors`` plus ``per_op`` sampled rows of each optional op of an --ops PE (and 500 of each
    left-out code); unchanged for the default op set."""
    if not getattr(params, "extended", False):
        return vectors
    x = ext_vectors(params.op_set, seed, acc=params.acc, exhaustive=False, sample=per_op)
    return {k: np.concatenate([np.asarray(vectors[k], dtype=np.int64), x[k]]) for k in PORTS}


def interleave(vectors: dict, seed: int, n: int) -> dict:
    """A seeded shuffle of ``n`` rows, reordered so that op and rm both change from each row
    to the next wherever the rows allow it (greedy)."""
    rng = np.random.default_rng([seed, 0x1EAF])
    order = list(rng.permutation(len(vectors["op"]))[:n])
    op, rm = vectors["op"], vectors["rm"]
    for i in range(1, len(order)):
        prev = order[i - 1]
        if op[order[i]] != op[prev] and rm[order[i]] != rm[prev]:
            continue
        for j in range(i + 1, len(order)):
            if op[order[j]] != op[prev] and rm[order[j]] != rm[prev]:
                order[i], order[j] = order[j], order[i]
                break
    idx = np.array(order, dtype=np.int64)
    return {k: np.asarray(v)[idx] for k, v in vectors.items()}


def pipeline_check(unit, params, sim: str, *, rtl=None, top=None, seed: int = 1, count: int = 300,
                   resets: int = 3, bubbles: float = 0.3, keep=None, waves=None):
    """The cocotb testbench (:mod:`schw.units.fp16_pe.tb`) streams ``count`` vectors with op and rm
    changing every cycle, seeded bubbles and ``resets`` reset pulses in mid-stream. Returns a
    :class:`schw.verify.Report` over the delivered vectors (killed ones listed in ``details``)."""
    inputs = interleave(_with_ext(params, sample_vectors(params.acc, seed, count), seed, 40), seed, count)
    n = len(inputs["op"])
    rng = np.random.default_rng([seed, 0x7E5])
    reset_before = sorted(int(i) for i in rng.choice(np.arange(8, n), min(resets, max(0, n - 8)), replace=False))
    expected = unit.golden(params, inputs)
    job = {"inputs": {k: [int(x) for x in v] for k, v in inputs.items()}, "outputs": ["result", "flags"],
           "seed": seed, "latency_cycles": unit.latency_cycles(params), "bubbles": bubbles,
           "reset_before": reset_before}
    with tempfile.TemporaryDirectory(prefix="schw-rtl-") as tmp:
        sources, top = rtl_sources(unit, params, rtl, top, Path(tmp))
        results = runner.run(sim, sources, top, unit.testbench, job, keep=keep, waves=waves)
    killed = set(results.get("killed", []))
    keep_idx = np.array([i for i in range(n) if i not in killed], dtype=np.int64)
    sel = lambda d: {k: np.asarray(v)[keep_idx] for k, v in d.items()}  # noqa: E731
    got = {k: np.asarray(results["outputs"][k], dtype=object) for k in ("result", "flags")}  # None: X/Z
    mismatches = compare(sel(inputs), sel(expected), sel(got))
    for mm in mismatches:
        mm.index = int(keep_idx[mm.index])
    return Report(unit.name, sim, top, int(results["vectors"]), seed, mismatches,
                  unit.latency_cycles(params), results.get("latency_cycles", []),
                  {"path": "cocotb pipeline", "killed_by_reset": len(killed), "resets": len(reset_before),
                   "bubbles": bubbles, "cases": case_counts(inputs["op"][keep_idx], inputs["rm"][keep_idx])},
                  list(results.get("violations", [])))


def pipeline_waves(waves: Path) -> Path:
    """Where ``--waves FILE`` puts the cocotb pipeline run's waveform: ``FILE`` with
    ``.pipeline`` before the extension (``run.vcd`` -> ``run.pipeline.vcd``)."""
    waves = Path(waves)
    return waves.with_name(f"{waves.stem}.pipeline{waves.suffix}")


def full_regression(unit, params, sim: str, *, rtl=None, top=None, seed: int = 1, count: int | None = None,
                    keep=None, waves=None):
    """What ``schw sim|verify fp16-pe`` run: the fast path (Verilator: corner classes, directed
    cases and ``count`` random vectors, default 1,000,000; Icarus: a sample of about ``count``
    vectors, default 20,000), then the cocotb pipeline run (bubbles, resets). One report.
    ``waves=FILE``: the fast path's waveform in ``FILE``, the pipeline run's in
    :func:`pipeline_waves` (``FILE.pipeline.vcd``)."""
    count = DEFAULT_COUNT.get(sim, 20_000) if count is None else count
    if sim == "verilator":
        inputs = unit.vectors(params, seed, count)
    else:
        inputs = _with_ext(params, sample_vectors(params.acc, seed, count), seed, 2000)
    fast = check(unit, params, sim, inputs, rtl=rtl, top=top, seed=seed, waves=waves)
    pipe = pipeline_check(unit, params, sim, rtl=rtl, top=top, seed=seed, keep=keep,
                          waves=pipeline_waves(waves) if waves is not None else None)
    extra = {"waves_pipeline": str(pipeline_waves(waves).resolve())} if waves is not None else {}
    return Fp16Report(fast.unit, sim, fast.top, fast.vectors + pipe.vectors, seed,
                      fast.mismatches + pipe.mismatches, fast.latency_expected,
                      sorted(set(fast.latency_seen) | set(pipe.latency_seen)),
                      {**fast.details, "pipeline": pipe.details, "pipeline_vectors": pipe.vectors,
                       "fast_vectors": fast.vectors, "pipeline_mismatches": len(pipe.mismatches), **extra},
                      fast.violations + pipe.violations)


# ---- exhaustive binary16 mul and add (the --full job) -----------------------------------------
def chunk_inputs(op: str, k: int, chunk_bits: int) -> dict:
    """Chunk ``k`` of the exhaustive ``op`` (mul: a*b, add: a + c) in RNE: the 2^chunk_bits pairs
    ``x = k * 2^chunk_bits + i`` with operands ``x >> 16`` and ``x & 0xFFFF``."""
    x = (np.int64(k) << chunk_bits) + np.arange(1 << chunk_bits, dtype=np.int64)
    hi, lo = x >> 16, x & 0xFFFF
    n = x.size
    return {"op": np.full(n, OP_NAMES.index(op), dtype=np.int64), "rm": np.zeros(n, dtype=np.int64),
            "a": hi, "b": lo, "c": lo}


def exhaustive(op: str, *, params=None, sim: str = "verilator", rtl=None, top=None, chunk_bits: int = 22,
               start: int = 0, stop: int | None = None, print_progress: bool = False):
    """Every binary16 pair in RNE: ``mul`` a*b or ``add`` a + c, 2^32 vectors, in chunks of
    2^chunk_bits (chunks ``start``..``stop``-1; default all) through :func:`check`. ``params``
    default: fp16-pe S=2, acc fp16. Returns one :class:`Fp16Report` over all chunks; it fails
    when any chunk fails (mismatch, latency, an output missing or extra) and when the vectors
    checked do not add up to the vectors sent."""
    unit = get("fp16-pe")
    params = params or unit.Params(stages=2)
    if params.acc != "fp16" or op not in ("mul", "add"):
        raise ValueError("the exhaustive run covers binary16 mul and add (acc fp16)")
    nchunks = 1 << (32 - chunk_bits)
    stop = nchunks if stop is None else min(stop, nchunks)
    mismatches, problems, failed, lat, total, sent, bad = [], [], [], set(), 0, 0, 0
    cases = {}
    t_start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="schw-full-") as tmp:
        if rtl is None:
            rtl, top = rtl_from_params(unit, params, Path(tmp))
        for k in range(start, stop):
            inputs = chunk_inputs(op, k, chunk_bits)
            n = len(inputs["op"])
            rep = check(unit, params, sim, inputs, rtl=rtl, top=top, seed=k, bubbles=0.0)
            sent += n
            total += rep.vectors
            bad += rep.details["mismatching_vectors"]
            lat |= set(rep.latency_seen)
            if not rep.passed:
                failed.append(k)
                mismatches += rep.mismatches[:max(0, 100 - len(mismatches))]
                if len(failed) <= 20:
                    problems += [f"chunk {k}: {p}" for p in rep.details["problems"]]
                    if not rep.latency_ok:
                        problems.append(f"chunk {k}: latency {sorted(set(rep.latency_seen))} cycles "
                                        f"(expected {rep.latency_expected})")
            for o, row in rep.details["cases"].items():
                for m, c in row.items():
                    cases.setdefault(o, {}).setdefault(m, 0)
                    cases[o][m] += c
            if print_progress:
                el = time.perf_counter() - t_start
                done = k - start + 1
                print(f"{op} chunk {k + 1}/{nchunks}: {total} vectors, {bad} mismatching, {len(failed)} chunks failed, "
                      f"{el:.0f} s elapsed, ~{el / done * (stop - k - 1) / 3600:.2f} h to go", flush=True)
    if len(failed) > 20:
        problems.append(f"... {len(failed)} chunks failed in all (first {failed[:20]})")
    if total != sent:
        problems.append(f"{total} vectors checked for {sent} sent")
    return Fp16Report(unit.name, sim, top, total, start, mismatches, unit.latency_cycles(params), sorted(lat),
                      {"path": "exhaustive", "op": op, "mode": "rne", "cases": cases, "mismatching_vectors": bad,
                       "problems": problems, "failed_chunks": failed, "chunks": [start, stop],
                       "seconds": round(time.perf_counter() - t_start, 1)})


def exhaustive_both(params, sim: str = "verilator", *, rtl=None, top=None, print_progress: bool = True):
    """The ``--full`` job: :func:`exhaustive` for mul, then add; one report over 2 x 2^32 vectors."""
    if params.acc != "fp16":
        raise ParamError("acc", "fp16 for the exhaustive binary16 run", params.acc)
    reps = [exhaustive(op, params=params, sim=sim, rtl=rtl, top=top, print_progress=print_progress)
            for op in ("mul", "add")]
    first = reps[0]
    cases = {k: v for r in reps for k, v in r.details["cases"].items()}
    return Fp16Report(first.unit, sim, first.top, sum(r.vectors for r in reps), 0,
                      [m for r in reps for m in r.mismatches], first.latency_expected,
                      sorted(set().union(*(r.latency_seen for r in reps))),
                      {"path": "exhaustive", "cases": cases,
                       "mismatching_vectors": sum(r.details["mismatching_vectors"] for r in reps),
                       "problems": [f"{r.details['op']}: {p}" for r in reps for p in r.details["problems"]],
                       "seconds": sum(r.details["seconds"] for r in reps)})
