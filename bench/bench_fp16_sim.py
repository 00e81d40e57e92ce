"""Verification throughput of fp16-pe, and the exhaustive --full job.

    python bench/bench_fp16_sim.py                      # fast path (both simulators) and cocotb rates
    python bench/bench_fp16_sim.py --full               # exhaustive RNE mul and add: 2 x 2^32 vectors
    python bench/bench_fp16_sim.py --full --op mul --chunks 0:4   # a slice (chunks of 2^22 vectors)
    python bench/bench_fp16_sim.py --estimate           # time a few chunks, extrapolate the full run

Prints JSON lines with stable keys (vectors, seconds, vectors_per_s); builds are cached, so run
it twice for the steady-state figure (the first run includes the compile, reported separately).
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from schw.registry import get
from schw.units.fp16_pe import harness


def _emit(**row):
    print(json.dumps(row), flush=True)


def fast_rates(sims, stages: int, acc: str, counts: dict) -> None:
    unit = get("fp16-pe")
    p = unit.Params(stages=stages, acc=acc)
    for sim in sims:
        n = counts[sim]
        inputs = harness.sample_vectors(acc, 1, n) if sim == "icarus" else unit.vectors(p, 1, n)
        t0 = time.perf_counter()
        rep = harness.check(unit, p, sim, inputs)  # warm-up: generation + (cached) build
        t_first = time.perf_counter() - t0
        t0 = time.perf_counter()
        rep = harness.check(unit, p, sim, inputs)
        total = time.perf_counter() - t0
        d = rep.details
        _emit(bench="fast_path", sim=sim, stages=stages, acc=acc, vectors=rep.vectors, passed=rep.passed,
              seconds_total=round(total, 2), seconds_first_run=round(t_first, 2),
              harness_seconds=d["harness_seconds"], golden_seconds=d["golden_seconds"],
              harness_vectors_per_s=round(rep.vectors / max(d["harness_seconds"], 1e-9)),
              end_to_end_vectors_per_s=round(rep.vectors / total))


def cocotb_rates(sims, stages: int, acc: str, n: int) -> None:
    unit = get("fp16-pe")
    p = unit.Params(stages=stages, acc=acc)
    for sim in sims:
        harness.pipeline_check(unit, p, sim, count=16)  # build
        t0 = time.perf_counter()
        rep = harness.pipeline_check(unit, p, sim, count=n, resets=0, bubbles=0.0)
        dt = time.perf_counter() - t0
        _emit(bench="cocotb", sim=sim, stages=stages, acc=acc, vectors=rep.vectors, passed=rep.passed,
              seconds=round(dt, 2), vectors_per_s=round(rep.vectors / dt))


def full(ops, chunks: tuple[int, int] | None) -> int:
    failed = 0
    for op in ops:
        start, stop = chunks if chunks else (0, None)
        rep = harness.exhaustive(op, start=start, stop=stop, print_progress=True)
        print(rep.summary())
        _emit(bench="exhaustive", op=op, mode="rne", vectors=rep.vectors, passed=rep.passed,
              mismatching_vectors=rep.details["mismatching_vectors"], seconds=rep.details["seconds"],
              chunks=rep.details["chunks"])
        failed |= not rep.passed
        for m in rep.mismatches[:10]:
            print(m)
    return int(failed)


def estimate(samples: int = 3) -> None:
    """Time ``samples`` chunks per op (first one warms the build) and extrapolate to 2^32."""
    per = {}
    for op in ("mul", "add"):
        harness.exhaustive(op, start=0, stop=1)  # warm-up (generation, build)
        t0 = time.perf_counter()
        rep = harness.exhaustive(op, start=100, stop=100 + samples)
        dt = time.perf_counter() - t0
        rate = rep.vectors / dt
        per[op] = (1 << 32) / rate
        _emit(bench="exhaustive_estimate", op=op, sampled_vectors=rep.vectors, passed=rep.passed,
              vectors_per_s=round(rate), hours_for_2_32=round(per[op] / 3600, 2))
    _emit(bench="exhaustive_estimate", op="mul+add", hours_total=round(sum(per.values()) / 3600, 2))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--full", action="store_true", help="exhaustive binary16 mul and add in RNE (hours)")
    ap.add_argument("--op", choices=["mul", "add"], action="append", help="with --full: only this op")
    ap.add_argument("--chunks", default=None, help="with --full: START:STOP chunk range (1024 chunks of 2^22)")
    ap.add_argument("--estimate", action="store_true", help="time a few exhaustive chunks and extrapolate")
    ap.add_argument("--sim", choices=["verilator", "icarus", "both"], default="both")
    ap.add_argument("--stages", type=int, default=2)
    ap.add_argument("--acc", choices=["fp16", "fp32"], default="fp16")
    args = ap.parse_args(argv)
    if args.full:
        chunks = tuple(int(x) for x in args.chunks.split(":")) if args.chunks else None
        return full(args.op or ["mul", "add"], chunks)
    if args.estimate:
        estimate()
        return 0
    sims = ["verilator", "icarus"] if args.sim == "both" else [args.sim]
    fast_rates(sims, args.stages, args.acc, {"verilator": 1_000_000, "icarus": 20_000})
    cocotb_rates(sims, args.stages, args.acc, 2000)
    return 0


if __name__ == "__main__":
    sys.exit(main())
