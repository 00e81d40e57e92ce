#!/usr/bin/env python3
"""sc-layer / sc-mlp figures: golden-model inference speed (images/s) on whole test sets, area of
the generated units (Yosys, schw45) and regression times on both simulators.

    python bench/bench_sc_mlp.py [--sizes 784,128,128,10] [--length 256] [--images 10000]
                                 [--block 2000] [--variants clean,faults,reencode,mux]
                                 [--area] [--regress] [--json F]

Speed: one core (``OPENBLAS_NUM_THREADS=1`` unless set; wall and CPU time, which differ when
other jobs share the core), a seeded random network of the given sizes, random 8-bit input codes (the golden model's cost does not depend on the data), the
network quantized once (``net`` passed to ``infer``). ``faults``: P = 0.05 at every site.
``--area``: ``schw synth`` of the default sc-layer and sc-mlp and some variants (schw45).
``--regress``: wall time of ``schw sim`` (40 vectors) of the defaults on Verilator and Icarus
(with a warm build cache the figure is the simulation; cold, it includes the build).
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before NumPy loads OpenBLAS

import argparse  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from schw.units.sc_mlp import golden  # noqa: E402
from schw.units.sc_mlp.params import ScLayerParams, ScMlpParams  # noqa: E402

VARIANTS = {
    "clean": {},
    "faults": {"flip_rate": 0.05},
    "reencode": {"chain": "reencode"},
    "mux": {"adder": "mux"},
}

AREA = [
    ("sc-layer", {}), ("sc-layer", {"flip_rate": 0.05}), ("sc-layer", {"inputs": 16, "neurons": 8}),
    ("sc-mlp", {}), ("sc-mlp", {"flip_rate": 0.05}), ("sc-mlp", {"chain": "reencode"}), ("sc-mlp", {"adder": "mux"}),
    ("sc-mlp", {"sizes": "16,16,10"}),
]


def speed(args) -> list[dict]:
    rows = []
    x = np.random.default_rng(0).integers(0, 1 << 8, size=(args.images, int(args.sizes.split(",")[0])))
    for name in args.variants.split(","):
        p = ScMlpParams(sizes=args.sizes, length=args.length, **VARIANTS[name])
        t0 = time.perf_counter()
        net = p.network
        tq = time.perf_counter() - t0
        t0, c0 = time.perf_counter(), time.process_time()
        golden.infer(p, x, net, block=args.block)
        dt, dc = time.perf_counter() - t0, time.process_time() - c0
        rows.append({"variant": name, "sizes": args.sizes, "length": args.length, "images": args.images,
                     "seconds": round(dt, 2), "cpu_seconds": round(dc, 2), "images_per_s": round(args.images / dt, 1),
                     "images_per_cpu_s": round(args.images / dc, 1), "quantize_s": round(tq, 3),
                     "threads": os.environ["OPENBLAS_NUM_THREADS"]})
        print(f"| {name} | {args.sizes} | {args.length} | {args.images} | {dt:.1f} | {dc:.1f} | {args.images / dt:.0f} "
              f"| {args.images / dc:.0f} |", flush=True)
    return rows


def area() -> list[dict]:
    from schw.registry import get
    from schw.synth import synthesize
    rows = []
    for unit, changes in AREA:
        u = get(unit)
        p = u.Params(**changes)
        t0 = time.perf_counter()
        r = synthesize(u, p, "schw45")
        rows.append({"unit": unit, "params": changes, "area_um2": r["area_um2"], "ge": r["ge"],
                     "flip_flops": r["flip_flops"], "synth_s": round(time.perf_counter() - t0, 1)})
        print(f"| {unit} | {changes or 'defaults'} | {r['area_um2']:.0f} | {r['ge']:.0f} | {r['flip_flops']} |",
              flush=True)
    return rows


def regress() -> list[dict]:
    from schw.registry import get
    from schw.verify import regression
    rows = []
    for unit, p in (("sc-layer", ScLayerParams()), ("sc-mlp", ScMlpParams()), ("sc-mlp", ScMlpParams(flip_rate=0.05))):
        for sim in ("verilator", "icarus"):
            t0 = time.perf_counter()
            rep = regression(get(unit), p, sim, count=40)
            dt = time.perf_counter() - t0
            rows.append({"unit": unit, "flip_rate": p.flip_rate, "sim": sim, "vectors": rep.vectors,
                         "passed": rep.passed, "seconds": round(dt, 1)})
            print(f"| {unit} | {p.flip_rate} | {sim} | {rep.vectors} | {'PASS' if rep.passed else 'FAIL'} | {dt:.1f} |",
                  flush=True)
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="784,128,128,10")
    ap.add_argument("--length", type=int, default=256)
    ap.add_argument("--images", type=int, default=10000)
    ap.add_argument("--block", type=int, default=2000)
    ap.add_argument("--variants", default="clean,faults")
    ap.add_argument("--area", action="store_true")
    ap.add_argument("--regress", action="store_true")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    out = {}
    print("| variant | sizes | L | images | wall s | CPU s | images/s (wall) | images/s (CPU) |\n"
          "|---|---|---|---|---|---|---|---|")
    out["speed"] = speed(args)
    if args.area:
        print("\n| unit | params | area um^2 | GE | flip-flops |\n|---|---|---|---|---|")
        out["area"] = area()
    if args.regress:
        print("\n| unit | flip rate | sim | vectors | result | s |\n|---|---|---|---|---|---|")
        out["regress"] = regress()
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=2)


if __name__ == "__main__":
    main()
