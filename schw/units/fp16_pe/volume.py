"""The FMA volume run: TestFloat-style level-1 vectors (:mod:`schw.units.fp16_pe.level1`) in every
rounding mode through the RTL on the fast Verilator path, each result and flag compared with the
golden model, and the golden model compared with Berkeley SoftFloat on the same vectors.

The level-1 set is streamed in chunks (a few corner a-operands each, about 1.4 M vectors with all
five modes). For each chunk, SoftFloat (:mod:`schw.units.fp16_pe.softfloat_batch`, compiled, the
GIL released) runs in a worker thread while the main thread runs :func:`harness.check` (Verilator
harness, then the golden model); the golden results :func:`harness.check` computed are recorded
and compared with SoftFloat's. One generated Verilog file and one cached Verilator build serve
every chunk.
"""

from __future__ import annotations

import resource
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from schw.verify import rtl_from_params

from . import harness, level1, softfloat_batch
from .contract import FLAGS, RM


class _Recording:
    """The unit, with every golden result :func:`harness.check` asks for kept in order."""

    def __init__(self, unit):
        self._unit = unit
        self.result, self.flags = [], []

    def __getattr__(self, name):
        return getattr(self._unit, name)

    def golden(self, p, inputs):
        e = self._unit.golden(p, inputs)
        self.result.append(e["result"])
        self.flags.append(e["flags"])
        return e


def _softfloat(v: dict, acc: str):
    t0, c0 = time.perf_counter(), time.thread_time()
    r, f = softfloat_batch.fma(v["rm"], v["a"], v["b"], v["c"], acc=acc)
    return r, f, time.perf_counter() - t0, time.thread_time() - c0


def _fmt_vector(v: dict, i: int) -> str:
    inv = {c: n for n, c in RM.items()}
    return f"fma {inv[int(v['rm'][i])]} a={int(v['a'][i]):#06x} b={int(v['b'][i]):#06x} c={int(v['c'][i]):#06x}"


def run(unit, params, *, seed: int = 1, modes=None, a_per_chunk: int = 4, a_range=(0, len(level1.CORNERS)),
        softfloat: bool = True, sim: str = "verilator", progress=None) -> dict:
    """Level-1 rows for corner a-operands ``a_range`` (default all 88: 6,133,248 rows per mode) in
    ``modes`` (default all five) through ``sim``. Returns ``vectors`` (checked on the RTL),
    ``sent``, ``rtl_failures`` (one line per failing chunk: mismatches, protocol problems),
    ``softfloat_vectors``, ``softfloat_mismatches`` and the first few as text, ``cases`` (per op
    and mode), ``flags_raised``, ``corner_triples_per_mode`` and timings in seconds: ``total``,
    ``generate``, ``sim``, ``harness``, ``golden``, ``softfloat`` (its thread's wall and CPU),
    ``cpu`` (this process, all threads), ``child_cpu`` (the Verilator harness processes)."""
    if params.acc != "fp16" or params.ftz:
        raise ValueError("the level-1 volume run is binary16 f16_mulAdd: acc fp16, ftz off")
    modes = list(RM) if modes is None else list(modes)
    lo, hi = a_range
    rec = _Recording(unit)
    out = {"vectors": 0, "sent": 0, "rtl_failures": [], "softfloat_vectors": 0, "softfloat_mismatches": 0,
           "softfloat_examples": [], "cases": {}, "flags_raised": set(), "latency_seen": set(),
           "corner_triples_per_mode": 0}
    tm = dict.fromkeys(("generate", "sim", "harness", "golden", "softfloat", "softfloat_cpu"), 0.0)
    t_start, c_start = time.perf_counter(), time.process_time()
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryDirectory(prefix="schw-fma-volume-") as tmp, ThreadPoolExecutor(1) as pool:
        rtl, top = rtl_from_params(unit, params, Path(tmp))
        for a0 in range(lo, hi, a_per_chunk):
            a1 = min(hi, a0 + a_per_chunk)
            t0 = time.perf_counter()
            v = level1.chunk(seed, a0, a1, modes)
            tm["generate"] += time.perf_counter() - t0
            n = len(v["op"])
            ref = pool.submit(_softfloat, v, params.acc) if softfloat else None
            rec.result.clear()
            rec.flags.clear()
            rep = harness.check(rec, params, sim, v, rtl=rtl, top=top, seed=seed + a0, bubbles=0.05)
            d = rep.details
            tm["sim"] += d["sim_seconds"]
            tm["harness"] += d["harness_seconds"]
            tm["golden"] += d["golden_seconds"]
            out["sent"] += n
            out["vectors"] += rep.vectors
            out["latency_seen"] |= set(rep.latency_seen)
            if not rep.passed:
                out["rtl_failures"].append(f"a corners {a0}..{a1 - 1}: " + harness.report_text(rep))
            for o, row in d["cases"].items():
                for m, k in row.items():
                    out["cases"].setdefault(o, {}).setdefault(m, 0)
                    out["cases"][o][m] += k
            gr, gf = np.concatenate(rec.result), np.concatenate(rec.flags)
            for i, name in enumerate(FLAGS):
                if ((gf >> i) & 1).any():
                    out["flags_raised"].add(name)
            if ref is not None:
                sr, sf, wall, cpu = ref.result()
                tm["softfloat"] += wall
                tm["softfloat_cpu"] += cpu
                bad = np.flatnonzero((sr != gr) | (sf != gf))
                out["softfloat_vectors"] += n
                out["softfloat_mismatches"] += bad.size
                room = max(0, 10 - len(out["softfloat_examples"]))
                out["softfloat_examples"] += [f"{_fmt_vector(v, i)}: golden {int(gr[i]):#06x}/{int(gf[i]):05b} "
                                              f"SoftFloat {int(sr[i]):#06x}/{int(sf[i]):05b}" for i in bad[:room]]
            out["corner_triples_per_mode"] += (a1 - a0) * len(level1.CORNERS) ** 2
            if progress is not None:
                progress(f"a corners {a0}..{a1 - 1}: {out['vectors']:,} vectors on the RTL, "
                         f"{out['softfloat_mismatches']} golden/SoftFloat mismatches, "
                         f"{time.perf_counter() - t_start:.1f} s")
    tm["total"] = time.perf_counter() - t_start
    tm["cpu"] = time.process_time() - c_start
    kids_end = resource.getrusage(resource.RUSAGE_CHILDREN)
    tm["child_cpu"] = kids_end.ru_utime + kids_end.ru_stime - kids.ru_utime - kids.ru_stime
    out["seconds"] = {k: round(x, 2) for k, x in tm.items()}
    out["flags_raised"] = sorted(out["flags_raised"], key=FLAGS.index)
    out["latency_seen"] = sorted(out["latency_seen"])
    out["latency_expected"] = unit.latency_cycles(params)
    return out
