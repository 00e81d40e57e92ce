"""The exhaustive binary16 run (``schw sim|verify fp16-pe --full``) sharded on Dask.

The 2 x 2^32 RNE pairs (mul a*b, add a + c; chunks laid out by
:func:`schw.units.fp16_pe.harness.chunk_inputs`) become one task per chunk of 2^chunk_bits
pairs (default 2^22: 1024 tasks per op). A task (:func:`run_chunk`) runs
:func:`schw.units.fp16_pe.harness.check` on its chunk: the compiled Verilator harness, built once
per worker (``runner.build_slot`` is file-locked, so workers sharing ``$SCHW_CACHE`` build it
once between them), and the golden model.

Resume: every finished chunk is a record ``<op>-<k>.json`` in the state directory
(``$SCHW_CACHE/fp16-full/<key>/``; the key hashes the Verilog under test, its top, the
simulator and its version, the parameters, the chunk size and the checker's sources:
:func:`checker_digest`), written
atomically by the client as the result arrives. A rerun submits only the chunks without a
passing record.

The verdict (:func:`tally`) counts records, not tasks: it fails unless every expected chunk has
exactly one record, each record checked exactly 2^chunk_bits vectors, and the total is the
number of vectors sent (2 x 2^32 for the whole run) with zero mismatches and the right latency.
"""

from __future__ import annotations

import collections
import contextlib
import hashlib
import json
import os
import resource
import tempfile
import time
from pathlib import Path

from schw import cluster, verify
from schw.errors import ParamError
from schw.output import generate, write_atomic
from schw.registry import get
from schw.verify import Mismatch

from . import harness

OPS = ("mul", "add")
FULL_VECTORS = 2 * (1 << 32)


def _rtl_files(texts: tuple[tuple[str, str], ...]) -> list[Path]:
    """The design under test on this worker: each (name, text) written once per content."""
    digest = hashlib.sha256(repr(texts).encode()).hexdigest()[:16]
    d = Path(tempfile.gettempdir()) / f"schw-fp16-full-{digest}-{os.getuid()}"
    paths = [d / name for name, _ in texts]
    if not all(p.exists() for p in paths):
        d.mkdir(parents=True, exist_ok=True)
        write_atomic({d / name: text for name, text in texts})
    return paths


def _same(value):
    return value


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the harness runs as one)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def run_chunk(params: dict, sim: str, texts: tuple[tuple[str, str], ...], top: str, op: str, k: int,
              chunk_bits: int) -> dict:
    """One chunk through the fast harness (runs on a worker); a small record of the outcome."""
    unit = get("fp16-pe")
    p = unit.Params(**params)
    t0, cpu0 = time.perf_counter(), _cpu()
    inputs = harness.chunk_inputs(op, k, chunk_bits)
    rep = harness.check(unit, p, sim, inputs, rtl=_rtl_files(texts), top=top, seed=k, bubbles=0.0)
    return {"op": op, "chunk": k, "sent": len(inputs["op"]), "checked": int(rep.vectors),
            "mismatching": int(rep.details["mismatching_vectors"]), "passed": bool(rep.passed),
            "latency_seen": sorted(set(int(x) for x in rep.latency_seen)),
            "problems": list(rep.details["problems"]),
            "mismatches": [{"index": m.index, "inputs": m.inputs, "expected": m.expected, "got": m.got}
                           for m in rep.mismatches[:10]],
            "cases": rep.details["cases"], "seconds": round(time.perf_counter() - t0, 3),
            "harness_seconds": rep.details["harness_seconds"], "golden_seconds": rep.details["golden_seconds"],
            "cpu_seconds": round(_cpu() - cpu0, 3),
            "host": os.uname().nodename, "pid": os.getpid()}


def tally(records: list[dict], expected: list[tuple[str, int]], chunk_bits: int) -> dict:
    """The count check over every record (done before and now): ``problems`` lists each chunk
    missing, counted more than once, checked short, or unexpected, and a total that is not
    ``len(expected) * 2^chunk_bits``; also ``vectors`` (checked), ``mismatching``, ``failed``
    (chunks that did not pass) and ``latency_seen``."""
    size = 1 << chunk_bits
    want = set(expected)
    seen = collections.Counter((r["op"], r["chunk"]) for r in records)
    problems = []
    missing = [key for key in expected if seen[key] == 0]
    problems += [f"chunk {op} {k} missing" for op, k in missing[:20]]
    if len(missing) > 20:
        problems.append(f"... {len(missing)} chunks missing in all")
    problems += [f"chunk {op} {k} counted {seen[(op, k)]} times" for op, k in expected if seen[(op, k)] > 1]
    for key in sorted(set(seen) - want):
        problems.append(f"chunk {key[0]} {key[1]} is not part of this run")
    for r in records:
        if r["sent"] != size or r["checked"] != r["sent"]:
            problems.append(f"chunk {r['op']} {r['chunk']}: {r['checked']} vectors checked of {r['sent']} sent "
                            f"(chunk size {size})")
    total = sum(r["checked"] for r in records)
    if total != len(expected) * size:
        problems.append(f"{total} vectors checked, expected exactly {len(expected) * size}")
    failed = sorted((r["op"], r["chunk"]) for r in records if not r["passed"])
    for op, k in failed[:20]:
        r = next(x for x in records if (x["op"], x["chunk"]) == (op, k))
        problems += [f"chunk {op} {k}: {p}" for p in r["problems"]]
    if len(failed) > 20:
        problems.append(f"... {len(failed)} chunks failed in all")
    return {"problems": problems, "vectors": total, "mismatching": sum(r["mismatching"] for r in records),
            "failed": failed, "latency_seen": sorted(set().union(*(r["latency_seen"] for r in records)) if records
                                                     else set())}


def checker_digest() -> str:
    """SHA-256 of what judges a chunk: this family's folder (golden model, contract, harness and
    its C++/Verilog templates, chunk layout) and :mod:`schw.verify`. Edits elsewhere in schw keep
    the records of a run that takes hours."""
    h = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for f in sorted(here.iterdir()) + [Path(verify.__file__).resolve()]:
        if f.is_file() and f.suffix in cluster.SOURCE_SUFFIXES:
            h.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


def state_key(params, sim: str, texts, top: str, chunk_bits: int, tool_version) -> str:
    blob = json.dumps({"params": params.as_dict(), "sim": sim, "sim_version": tool_version, "top": top,
                       "texts": [[n, hashlib.sha256(t.encode()).hexdigest()] for n, t in texts],
                       "chunk_bits": chunk_bits, "checker": checker_digest()}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def default_state_dir(key: str) -> Path:
    return Path(os.environ.get("SCHW_CACHE", Path.home() / ".cache" / "schw")) / "fp16-full" / key[:24]


def _load(state: Path, op: str, k: int) -> dict | None:
    try:
        r = json.loads((state / f"{op}-{k}.json").read_text())
    except (OSError, ValueError):
        return None
    return r if r.get("op") == op and r.get("chunk") == k and r.get("passed") else None


def exhaustive_sharded(params, sim: str = "verilator", *, rtl=None, top=None, scheduler=None, workers=None,
                       client=None, chunk_bits: int = 22, chunks: tuple[int, int] | None = None, ops=OPS,
                       state_dir: Path | None = None, progress: bool = True, on_result=None):
    """The exhaustive RNE mul and add of ``params`` (acc fp16) on ``sim``, one Dask task per chunk,
    resuming from the records in ``state_dir``. ``chunks=(start, stop)`` limits each op to those
    chunks (tests, measurements); the whole run is 2 x 2^32 vectors. Returns an
    :class:`~schw.units.fp16_pe.harness.Fp16Report` that fails on any mismatch, latency, output
    count, missing or duplicated chunk (:func:`tally`)."""
    unit = get("fp16-pe")
    if params.acc != "fp16":
        raise ParamError("acc", "fp16 for the exhaustive binary16 run", params.acc)
    if not 10 <= chunk_bits <= 32:
        raise ParamError("chunk_bits", "an integer in 10..32", chunk_bits)
    for op in ops:
        if op not in OPS:
            raise ParamError("op", "mul or add", op)
    nchunks = 1 << (32 - chunk_bits)
    start, stop = chunks if chunks is not None else (0, nchunks)
    if not 0 <= start < stop <= nchunks:
        raise ParamError("chunks", f"START:STOP within 0..{nchunks}", f"{start}:{stop}")
    if rtl is None:
        gen = generate(unit, params)
        top = gen.top
        texts = ((f"{gen.top}.v", gen.verilog),)
    else:
        files = [Path(f) for f in rtl]
        for f in files:
            if not f.is_file():
                raise ParamError("rtl", "an existing Verilog file", str(f))
        top = top or unit.top(params)
        texts = tuple((f"{i}_{f.name}", f.read_text()) for i, f in enumerate(files))
    expected = [(op, k) for op in ops for k in range(start, stop)]
    t0 = time.perf_counter()
    with (cluster.connect(scheduler, workers) if client is None else contextlib.nullcontext(client)) as c:
        env = cluster.check_workers(c, [sim])
        key = state_key(params, sim, texts, top, chunk_bits, env["tools"][sim])
        state = Path(state_dir) if state_dir is not None else default_state_dir(key)
        state.mkdir(parents=True, exist_ok=True)
        records, todo = [], []
        for op, k in expected:
            r = _load(state, op, k)
            (records.append(r) if r is not None else todo.append((op, k)))
        resumed = len(records)
        bar = cluster.Progress(len(expected), "chunks", progress, before=resumed)
        if todo:
            from distributed import as_completed
            # one task holds the design's text for all chunk tasks; unlike scattered data it can be
            # recomputed when the worker holding it dies
            shared = c.submit(_same, texts, key=f"schw-fp16-full-{key[:16]}-rtl", pure=False)
            futures = {c.submit(run_chunk, params.as_dict(), sim, shared, top, op, k, chunk_bits,
                                key=f"schw-fp16-full-{key[:16]}-{op}-{k}", pure=False): (op, k) for op, k in todo}
            for fut in as_completed(list(futures), loop=c.loop):
                op, k = futures[fut]
                try:
                    r = fut.result()
                except Exception as e:  # the task raised (a build that failed) or killed its workers
                    r = {"op": op, "chunk": k, "sent": 1 << chunk_bits, "checked": 0, "mismatching": 0,
                         "passed": False, "latency_seen": [], "problems": [f"{type(e).__name__}: {e}"],
                         "mismatches": [], "cases": {}}
                fut.release()
                write_atomic({state / f"{op}-{k}.json": json.dumps(r) + "\n"})
                records.append(r)
                if on_result is not None:
                    on_result(op, k, r)
                bar.update(1, f" ({sum(not x['passed'] for x in records)} failed)" if not r["passed"] else "")
    t = tally(records, expected, chunk_bits)
    if chunks is None and set(ops) == set(OPS) and t["vectors"] != FULL_VECTORS:
        t["problems"].append(f"{t['vectors']} vectors checked, the exhaustive run is exactly {FULL_VECTORS}")
    mismatches = [Mismatch(m["index"], m["inputs"], m["expected"], m["got"])
                  for r in records for m in r["mismatches"]][:100]
    cases: dict = {}
    for r in records:
        for o, row in r["cases"].items():
            for m, n in row.items():
                cases.setdefault(o, {}).setdefault(m, 0)
                cases[o][m] += n
    computed = [r for r in records[resumed:] if "seconds" in r]
    return ShardedReport(
        unit.name, sim, top, t["vectors"], 0, mismatches, unit.latency_cycles(params), t["latency_seen"],
        {"path": "exhaustive (sharded)", "mode": "rne", "ops": list(ops), "chunks": [start, stop],
         "chunk_bits": chunk_bits, "cases": cases, "mismatching_vectors": t["mismatching"],
         "problems": t["problems"], "failed_chunks": t["failed"], "resumed_chunks": resumed,
         "computed_chunks": len(records) - resumed, "workers": env["workers"], "state": str(state),
         "seconds": round(time.perf_counter() - t0, 1),
         "task_seconds": round(sum(r["seconds"] for r in computed), 1),
         "harness_seconds": round(sum(r.get("harness_seconds", 0) for r in computed), 1),
         "golden_seconds": round(sum(r.get("golden_seconds", 0) for r in computed), 1),
         "cpu_seconds": round(sum(r.get("cpu_seconds", 0) for r in computed), 1)})


class ShardedReport(harness.Fp16Report):
    """The sharded run's report: :class:`~schw.units.fp16_pe.harness.Fp16Report` plus a line on
    chunks (done before, computed now), workers, time and the state directory."""

    def summary(self) -> str:
        d = self.details
        start, stop = d["chunks"]
        return (super().summary() + f"\n{'+'.join(d['ops'])}: chunks {start}..{stop - 1} of 2^{d['chunk_bits']} "
                f"vectors each: {d['resumed_chunks']} done before, {d['computed_chunks']} computed now on "
                f"{len(d['workers'])} worker(s) in {d['seconds']} s; state {d['state']}")
