"""Golden-model throughput: stream-bit operations per second of the 8-bit unipolar AND
multiplier over the full 65,536-pair operand grid at L = 1024 (target: 1e9 per second).

One stream-bit operation = one product bit of one operand pair (AND of two stream bits, and
its count). Work per run: 65,536 pairs x 1024 bits = 6.7e7. Timed on one core: the best of
``--repeat`` runs (the machine is shared), for

* ``grid``: :func:`schw.units.sc_mul.golden.product_count_grid` - what ``schw accuracy`` uses,
  end to end (codes -> comparator streams -> packing -> AND -> bitwise_count -> sums);
* ``pairs``: :func:`schw.units.sc_mul.golden.product_counts` on the same 65,536 pairs given as two
  flat operand arrays (what a regression's golden model does; with few distinct operands, as
  here, it runs the grid over them and looks the pairs up).

    python bench/bench_golden.py [--length 1024] [--repeat 7] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core (NumPy's popcount path is single-threaded anyway)

import numpy as np  # noqa: E402

from schw.units.sc_mul.golden import product_count_grid, product_counts  # noqa: E402
from schw.units.sc_mul.params import ScMulParams  # noqa: E402

TARGET = 1e9


def best_time(fn, repeat):
    fn()  # warm-up: SNG sequence caches, page faults
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times), float(np.median(times))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--length", type=int, default=1024)
    ap.add_argument("--sng", default="sobol", choices=("sobol", "lfsr"))
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    p = ScMulParams(width=8, length=args.length, coding="unipolar", sng=args.sng, seed=0)
    grid = np.arange(256)
    a, b = (x.ravel() for x in np.meshgrid(grid, grid, indexing="ij"))
    ref = product_count_grid(p, grid, grid)
    assert np.array_equal(ref.ravel(), product_counts(p, a, b)), "grid and per-pair golden models disagree"

    work = a.size * p.length
    results = []
    for name, fn in (("grid", lambda: product_count_grid(p, grid, grid)),
                     ("pairs", lambda: product_counts(p, a, b))):
        best, median = best_time(fn, args.repeat)
        results.append({"method": name, "pairs": int(a.size), "length": p.length, "sng": p.sng,
                        "stream_bit_ops": work, "best_s": best, "median_s": median,
                        "ops_per_s_best": work / best, "ops_per_s_median": work / median,
                        "meets_1e9": work / best >= TARGET})
    if args.json:
        print(json.dumps({"numpy": np.__version__, "python": platform.python_version(),
                          "machine": platform.machine(), "results": results}, indent=2))
        return
    print(f"8-bit unipolar AND ({p.sng}), 65,536 pairs x L={p.length} = {work:.3e} stream-bit ops; "
          f"numpy {np.__version__}, best of {args.repeat}")
    for r in results:
        print(f"  {r['method']:<6} {r['best_s'] * 1e3:8.2f} ms (median {r['median_s'] * 1e3:.2f} ms)  "
              f"{r['ops_per_s_best']:.3e} ops/s  {'>= 1e9 target' if r['meets_1e9'] else 'BELOW 1e9 target'}")


if __name__ == "__main__":
    main()
