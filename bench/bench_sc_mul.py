#!/usr/bin/env python3
"""sc-mul figures: golden-model throughput and the regression's simulated cycles per second.

    python bench/bench_sc_mul.py [--pairs 65536] [--length 1024] [--vectors 500] [--repeat 5]

Golden throughput = operand pairs x stream bits per second (median of --repeat runs), for
random pairs (one golden call on a pair list) at --length. Simulation: one regression per
simulator on width 8, L = 256 (build cached, not counted), cycles = vectors x L.
"""

import argparse
import statistics
import time

import numpy as np

from schw import tools
from schw.registry import get
from schw.verify import regression


def median_time(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=65536)
    ap.add_argument("--length", type=int, default=1024)
    ap.add_argument("--vectors", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-sim", action="store_true")
    args = ap.parse_args()

    unit = get("sc-mul")
    rng = np.random.default_rng(1)
    print(f"seed 1; {args.pairs} random pairs, width 8, L = {args.length}")
    for coding in ("unipolar", "bipolar"):
        for sng in ("lfsr", "sobol"):
            p = unit.Params(width=8, length=args.length, coding=coding, sng=sng)
            a = rng.integers(0, 256, args.pairs)
            b = rng.integers(0, 256, args.pairs)
            unit.golden(p, {"a": a, "b": b})  # warm the SNG sequence cache
            t = median_time(lambda: unit.golden(p, {"a": a, "b": b}), args.repeat)
            print(f"golden {coding:<9}{sng:<6}: {args.pairs * args.length / t / 1e9:6.2f} G pair-bits/s "
                  f"({t * 1e3:.1f} ms per call, median of {args.repeat})")
    if args.no_sim:
        return
    p = unit.Params(width=8, length=256)
    for sim in tools.SIMULATORS:
        regression(unit, p, sim, count=10)  # build (cached) outside the timing
        t0 = time.perf_counter()
        rep = regression(unit, p, sim, count=args.vectors)
        t = time.perf_counter() - t0
        rep.raise_if_failed()
        cycles = rep.vectors * p.length
        print(f"sim {sim:<10}: {rep.vectors} vectors x {p.length} cycles = {cycles} cycles in {t:.2f} s "
              f"-> {cycles / t / 1e3:.0f} k cycles/s (incl. cocotb start-up and golden model)")


if __name__ == "__main__":
    main()
