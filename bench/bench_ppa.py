"""Wall time of ``schw ppa`` (synthesis + OpenSTA + gate-level activity run + energy), per design.

    python bench/bench_ppa.py [--repeat 3] [--vectors 20] [--designs sc-mul,fp16-pe,pe-array-8,pe-array-8-hier]

Prints each design's median, minimum and maximum wall time over the repeats, and the ratio to
sc-mul. Every run is a call of :func:`schw.ppa.ppa` (``pe-array-8``: the flat 8x8 int8 array, its
own regression at gate level) or of :func:`schw.ppa.array_ppa` (``pe-array-8-hier``: the
hierarchical 8x8 int8 array, table e's method, its regression's problems). The flat netlist
of the gate-level regression is cached between repeats (the first repeat pays for synthesis);
the hierarchical synthesis, STA, simulation and energy run every time.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from schw.ppa import array_ppa, ppa
from schw.registry import get

DESIGNS = {
    "sc-mul": ("sc-mul", {}),
    "fp16-pe": ("fp16-pe", {}),
    "pe-array-8": ("pe-array", {"rows": 8}),
    "pe-array-8-hier": ("pe-array", {"rows": 8}),
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
    print(f"{'design':<16}{'median s':>10}{'min s':>9}{'max s':>9}   vs sc-mul", flush=True)
    for name in names:
        unit_name, params = DESIGNS[name]
        unit = get(unit_name)
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            if name.endswith("-hier"):
                array_ppa(unit, unit.Params(**params), "osu018", method="hier", count=1)
            else:
                ppa(unit, unit.Params(**params), "osu018", vectors=args.vectors)
            times.append(time.perf_counter() - t0)
        medians[name] = statistics.median(times)
        ratio = f"{medians[name] / medians['sc-mul']:.1f}x" if "sc-mul" in medians else "-"
        print(f"{name:<16}{medians[name]:>10.1f}{min(times):>9.1f}{max(times):>9.1f}   {ratio}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
