"""Throughput of the FP16 golden model (schw.units.fp16_pe.golden.evaluate) and of the SoftFloat
reference, vectors per second, per accumulation width and op mix. Prints a Markdown table and,
with --json, the raw figures.

    python bench/bench_fp16_golden.py [--count 1000000] [--sf-count 100000] [--repeat 3] [--json]

Vectors: schw.units.fp16_pe.vectors.generate(seed=1, count) (class cross + directed + weighted random).
The best of --repeat runs is reported, wall clock and CPU (process) time: on a shared machine the
CPU figure is the one that says what the model costs.
"""

from __future__ import annotations

import argparse
import json
import platform
import time

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
    a = ap.parse_args()
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
    if a.json:
        print(json.dumps({"machine": platform.processor() or platform.machine(), "rows": rows}, indent=1))
        return
    print("| model | acc | ftz | op mix | vectors | wall s | vectors/s | CPU s | vectors/CPU s |")
    print("|---|---|---|---|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['model']} | {r['acc']} | {'on' if r['ftz'] else 'off'} | {r['mix']} | {r['vectors']:,} | "
              f"{r['seconds']:.3f} | {r['vectors_per_s']:,} | {r['cpu_seconds']:.3f} | {r['vectors_per_cpu_s']:,} |")


if __name__ == "__main__":
    main()
