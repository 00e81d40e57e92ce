"""Throughput of the FP16 golden model (schw.units.fp16_pe.golden.evaluate) and of the SoftFloat
reference, vectors per second, per accumulation width and op mix. Prints a Markdown table and,
with --json, the raw figures.

    python bench/bench_fp16_golden.py [--count 1000000] [--sf-count 100000] [--repeat 3] [--json]
    python bench/bench_fp16_golden.py --blocks [--count 6100000]     # golden fma vs its block size
    python bench/bench_fp16_golden.py --volume [--volume-a 88]       # the FMA volume run, timed

Vectors: schw.units.fp16_pe.vectors.generate(seed=1, count) (class cross + directed + weighted random).
The best of --repeat runs is reported, wall clock and CPU (process) time: on a shared machine the
CPU figure is the one that says what the model costs. "softfloat" is golden.softfloat_evaluate
(softfloatpy, one Python call per vector); "softfloat-batch" is schw.units.fp16_pe.softfloat_batch
(the same SoftFloat C functions in a compiled loop; fma only).

--blocks: fma-only golden throughput with golden._BLOCK (rows per pass of the arithmetic path)
set to each size; "one pass" is the model before blocking (one pass over all rows).
--volume: schw.units.fp16_pe.volume.run, what tests/test_fp16_fma_volume.py runs (TestFloat
level 1 x 5 modes through Verilator S=2, golden, SoftFloat), for the first --volume-a corner
a-operands (88: all, 30,666,240 vectors): time of each part and vectors/s.
"""

from __future__ import annotations

import argparse
import json
import platform
import time

from schw import tools
from schw.registry import get
from schw.units.fp16_pe import golden, softfloat_batch, volume
from schw.units.fp16_pe.golden import evaluate, softfloat_evaluate
from schw.units.fp16_pe.vectors import generate

MIXES = {"all ops": None, "fma only": ["fma"], "min/max/compare": ["min", "max", "lt", "le", "eq"]}


def _best(fn, repeat):
    """Best wall-clock and best CPU (process) seconds over ``repeat`` runs."""
    wall = cpu = float("inf")
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall = min(wall, time.perf_counter() - t0)
        cpu = min(cpu, time.process_time() - c0)
    return wall, cpu


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=1_000_000, help="random vectors per golden run")
    ap.add_argument("--sf-count", type=int, default=100_000, help="vectors per SoftFloat run (0: skip)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--blocks", action="store_true", help="golden fma vectors/s per block size, then exit")
    ap.add_argument("--volume", action="store_true", help="time the FMA volume run, then exit")
    ap.add_argument("--volume-a", type=int, default=88, help="corner a-operands of the volume run (88: all)")
    a = ap.parse_args()
    if a.blocks:
        return _blocks(a)
    if a.volume:
        return _volume(a)
    rows = []
    for acc in ("fp16", "fp32"):
        for ftz in (False, True):
            for mix, ops in MIXES.items():
                v = generate(1, a.count, acc, ops=ops)
                args = [v[k] for k in ("op", "rm", "a", "b", "c")]
                n = len(args[0])
                t, c = _best(lambda: evaluate(*args, acc=acc, ftz=ftz), a.repeat)
                rows.append({"model": "golden", "acc": acc, "ftz": ftz, "mix": mix, "vectors": n,
                             "seconds": round(t, 3), "vectors_per_s": round(n / t),
                             "cpu_seconds": round(c, 3), "vectors_per_cpu_s": round(n / c)})
        if a.sf_count:
            v = generate(1, a.sf_count, acc)
            args = [v[k] for k in ("op", "rm", "a", "b", "c")]
            n = len(args[0])
            t, c = _best(lambda: softfloat_evaluate(*args, acc=acc), 1)
            rows.append({"model": "softfloat", "acc": acc, "ftz": False, "mix": "all ops", "vectors": n,
                         "seconds": round(t, 3), "vectors_per_s": round(n / t),
                         "cpu_seconds": round(c, 3), "vectors_per_cpu_s": round(n / c)})
            v = generate(1, a.count, acc, ops=["fma"])
            args = [v[k] for k in ("rm", "a", "b", "c")]
            n = len(args[0])
            t, c = _best(lambda: softfloat_batch.fma(*args, acc=acc), a.repeat)
            rows.append({"model": "softfloat-batch", "acc": acc, "ftz": False, "mix": "fma only", "vectors": n,
                         "seconds": round(t, 3), "vectors_per_s": round(n / t),
                         "cpu_seconds": round(c, 3), "vectors_per_cpu_s": round(n / c)})
    if a.json:
        print(json.dumps({"machine": platform.processor() or platform.machine(), "rows": rows}, indent=1))
        return
    print("| model | acc | ftz | op mix | vectors | wall s | vectors/s | CPU s | vectors/CPU s |")
    print("|---|---|---|---|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['model']} | {r['acc']} | {'on' if r['ftz'] else 'off'} | {r['mix']} | {r['vectors']:,} | "
              f"{r['seconds']:.3f} | {r['vectors_per_s']:,} | {r['cpu_seconds']:.3f} | {r['vectors_per_cpu_s']:,} |")


def _blocks(a):
    """golden fma throughput per block size (golden._BLOCK), best of --repeat, both widths."""
    saved = golden._BLOCK
    rows = []
    try:
        for acc in ("fp16", "fp32"):
            v = generate(1, a.count, acc, ops=["fma"])
            args = [v[k] for k in ("op", "rm", "a", "b", "c")]
            n = len(args[0])
            for block in (n, 1 << 18, 1 << 16, 1 << 15, 1 << 14, 1 << 12):
                golden._BLOCK = block
                t, c = _best(lambda: evaluate(*args, acc=acc), a.repeat)
                rows.append({"acc": acc, "block": "one pass" if block == n else block, "vectors": n,
                             "seconds": round(t, 3), "vectors_per_s": round(n / t), "cpu_seconds": round(c, 3),
                             "vectors_per_cpu_s": round(n / c)})
    finally:
        golden._BLOCK = saved
    if a.json:
        print(json.dumps({"machine": platform.processor() or platform.machine(), "rows": rows}, indent=1))
        return
    print(f"golden fma, block size now {saved}")
    print("| acc | rows per pass | vectors | wall s | vectors/s | CPU s | vectors/CPU s |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['acc']} | {r['block']} | {r['vectors']:,} | {r['seconds']:.3f} | {r['vectors_per_s']:,} | "
              f"{r['cpu_seconds']:.3f} | {r['vectors_per_cpu_s']:,} |")


def _volume(a):
    """The FMA volume run (tests/test_fp16_fma_volume.py) with the time of each part."""
    tools.require("verilator")
    unit = get("fp16-pe")
    r = volume.run(unit, unit.Params(stages=2), seed=2026, a_range=(0, a.volume_a))
    s = r["seconds"]
    n = r["vectors"]
    rate = lambda k: round(n / s[k]) if s[k] else None  # noqa: E731
    out = {"vectors": n, "softfloat_vectors": r["softfloat_vectors"], "rtl_failures": len(r["rtl_failures"]),
           "softfloat_mismatches": r["softfloat_mismatches"], "seconds": s,
           "vectors_per_s": {k: rate(k) for k in ("total", "generate", "sim", "harness", "golden", "softfloat")}}
    if a.json:
        print(json.dumps(out, indent=1))
        return
    print(f"FMA volume run: {n:,} vectors on the RTL (Verilator, S=2), {r['softfloat_vectors']:,} golden vs "
          f"SoftFloat; {len(r['rtl_failures'])} failing chunks, {r['softfloat_mismatches']} SoftFloat mismatches")
    print(f"CPU: this process {s['cpu']} s (all threads), the Verilator harness processes {s['child_cpu']} s")
    print("| part | wall s | vectors/s |")
    print("|---|---:|---:|")
    for k, what in (("total", "whole run"), ("generate", "level-1 vectors (NumPy)"),
                    ("sim", "simulation incl. schedule and files"), ("harness", "Verilator harness process"),
                    ("golden", "golden model"), ("softfloat", "SoftFloat batch (worker thread)")):
        print(f"| {what} | {s[k]} | {out['vectors_per_s'][k]:,} |")


if __name__ == "__main__":
    main()
