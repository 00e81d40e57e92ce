"""Wall time of ``schw ppa`` (synthesis + OpenSTA + gate-level activity run + energy), per design.

    python bench/bench_ppa.py [--repeat 3] [--vectors 20] [--designs sc-mul,fp16-pe,pe-array-8]

Prints each design's median, minimum and maximum wall time over the repeats, and the ratio to
sc-mul. Every run is a fresh process-level call of :func:`schw.ppa.ppa` (the netlist cache of the
gate-level regression is kept between repeats; synthesis and STA run every time).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from schw.ppa import ppa
from schw.registry import get

DESIGNS = {
    "sc-mul": ("sc-mul", {}),
    "fp16-pe": ("fp16-pe", {}),
    "pe-array-8": ("pe-array", {"rows": 8}),
}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--vectors", type=int, default=20)
    ap.add_argument("--designs", default=",".join(DESIGNS))
    args = ap.parse_args(argv)
    names = [d for d in args.designs.split(",") if d]
    bad = [d for d in names if d not in DESIGNS]
    if bad or args.repeat < 1:
        print(f"bench_ppa: --designs must be from {', '.join(DESIGNS)} and --repeat >= 1", file=sys.stderr)
        return 2
    medians = {}
    print(f"{'design':<12}{'median s':>10}{'min s':>9}{'max s':>9}   vs sc-mul")
    for name in names:
        unit_name, params = DESIGNS[name]
        unit = get(unit_name)
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            ppa(unit, unit.Params(**params), "osu018", vectors=args.vectors)
            times.append(time.perf_counter() - t0)
        medians[name] = statistics.median(times)
        ratio = medians[name] / medians["sc-mul"] if "sc-mul" in medians else float("nan")
        print(f"{name:<12}{medians[name]:>10.1f}{min(times):>9.1f}{max(times):>9.1f}   {ratio:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
