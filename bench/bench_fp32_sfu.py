"""fp32-sfu figures: area per op set and pipeline depth (Yosys, schw45 and osu018), the
verification throughput (golden model, SoftFloat reference, RTL on Verilator and Icarus) and the
error in ulp of the approximate functions (golden model = RTL, against binary64 references) on
large samples and on every input of whole binades. Prints Markdown tables (docs/fp32_sfu.md
quotes them); --json prints the raw rows.

    python bench/bench_fp32_sfu.py [--area] [--speed] [--accuracy] [--json]   (all when none is given)
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from schw.registry import get
from schw.synth import synthesize
import numpy as np

from schw.units.fp32_sfu.golden import evaluate, reference64, softfloat_evaluate, ulp_errors
from schw.units.fp32_sfu.params import APPROX, OPS
from schw.units.fp32_sfu.vectors import generate

SFU = get("fp32-sfu")
#: default --sets of --area: the whole unit, the exact ops at every depth, each op alone
OP_SETS = ["all", "exact@0", "exact", "exact@2", "f16_to_f32", "f32_to_f16", "scale", *APPROX]
MODES = ("rne", "rtz", "rdn", "rup", "rmm")
#: whole binades measured input by input: [2^lo, 2^hi) of positive binary32 numbers
BINADES = {"recip": (0, 1), "rsqrt": (0, 2), "exp2": (-1, 1), "log2": (-1, 1)}


def area_rows(libs, sets):
    """One synthesis per (library, op set, stages): ``sets`` items are ``OPS`` or ``OPS@S``
    (default S = 1)."""
    rows = []
    for lib in libs:
        for item in sets:
            ops, _, st = item.partition("@")
            stages = int(st) if st else 1
            t = time.perf_counter()
            rep = synthesize(SFU, SFU.Params(stages=stages, ops=ops), liberty=None if lib == "schw45" else lib)
            rows.append({"liberty": lib, "ops": ops, "stages": stages, "cells": rep["cell_count"],
                         "flip_flops": rep["flip_flops"], "area_um2": rep["area_um2"], "ge": rep["ge"],
                         "wall_s": time.perf_counter() - t})
            print(f"# {rows[-1]}", file=sys.stderr, flush=True)  # progress: syntheses take minutes each
    return rows


def _acc_row(fn, what, x, rm):
    res, flg = evaluate(OPS[fn], rm, x, 0)
    ok, err = ulp_errors(fn, x, res)
    y = reference64(fn, x)
    with np.errstate(all="ignore"):
        cr = res == y.astype(np.float32).view(np.uint32).astype(np.int64)
    i = int(np.argmax(np.where(ok, err, -1)))
    return {"fn": fn, "inputs": what, "rm": MODES[rm], "count": int(ok.sum()), "max_ulp": float(err[ok].max()),
            "mean_ulp": float(err[ok].mean()), "worst_input": hex(int(x[i])),
            "correctly_rounded_pct": 100.0 * float(cr[ok].mean()) if rm == 0 else None}


def accuracy_rows(samples: int):
    """Per function: a seeded sample of ``samples`` inputs (random bit patterns and values over
    the useful range, as the test vectors) in each mode; every input of BINADES[fn]."""
    rows = []
    for fn in APPROX:
        v = generate(21, samples, (fn,))
        x = v["a"]
        for rm in range(5):
            rows.append(_acc_row(fn, f"sample of {len(x):,}", x, rm))
        lo, hi = BINADES[fn]
        start, stop = (127 + lo) << 23, (127 + hi) << 23
        xs = np.arange(start, stop, dtype=np.int64)
        if fn == "exp2":  # exp2 of negative arguments too: both signs of the same binades
            xs = np.concatenate([xs, xs | (1 << 31)])
        what = f"every input in [2^{lo}, 2^{hi})" + (" and its negatives" if fn == "exp2" else "")
        # recip and rsqrt: the significand of a normal result depends on the input's fraction
        # (and, for rsqrt, the exponent's parity) alone, so these binades stand for every input
        # with a normal result (rsqrt: every positive finite input); measured in every mode
        for rm in (range(5) if fn in ("recip", "rsqrt") else (0,)):
            rows.append(_acc_row(fn, what, xs, rm))
    return rows


def speed_rows():
    v = generate(1, SFU.default_vectors)
    n = len(v["op"])
    rows = []
    t = time.perf_counter()
    evaluate(v["op"], v["rm"], v["a"], v["k"])
    rows.append({"what": "golden model (NumPy)", "vectors": n, "seconds": time.perf_counter() - t})
    t = time.perf_counter()
    softfloat_evaluate(v["op"], v["rm"], v["a"], v["k"])
    rows.append({"what": "SoftFloat reference (softfloatpy, one call per vector)", "vectors": n,
                 "seconds": time.perf_counter() - t})
    p = SFU.Params()
    for sim in ("verilator", "icarus"):
        inputs = v if sim == "verilator" else {q: x[:30_000] for q, x in v.items()}
        SFU.check(p, sim, {q: x[:100] for q, x in inputs.items()})  # build (cached) outside the timing
        rep = SFU.check(p, sim, inputs)
        rep.raise_if_failed()
        rows.append({"what": f"RTL on {sim} (fast stream harness, simulation only)", "vectors": rep.vectors,
                     "seconds": rep.details["sim_seconds"]})
    for r in rows:
        r["vectors_per_s"] = r["vectors"] / max(r["seconds"], 1e-9)
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--area", action="store_true")
    ap.add_argument("--speed", action="store_true")
    ap.add_argument("--accuracy", action="store_true")
    ap.add_argument("--libs", default="schw45,osu018", help="--area: libraries, comma-separated")
    ap.add_argument("--sets", default=",".join(OP_SETS), help="--area: op sets (OPS or OPS@STAGES), comma-separated")
    ap.add_argument("--samples", type=int, default=4_000_000, help="random inputs per function (--accuracy)")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    every = not (a.area or a.speed or a.accuracy)
    out = {}
    if a.accuracy or every:
        out["accuracy"] = accuracy_rows(a.samples)
    if a.area or every:
        out["area"] = area_rows(a.libs.split(","), a.sets.split(","))
    if a.speed or every:
        out["speed"] = speed_rows()
    if a.json:
        print(json.dumps(out, indent=2))
        return
    if "accuracy" in out:
        _table("error of the approximate functions in ulp of binary32 (against binary64; golden model = RTL)",
               ["function", "inputs", "mode", "count:", "max ulp:", "mean ulp:", "correctly rounded:", "worst input"],
               [[r["fn"], r["inputs"], r["rm"], f"{r['count']:,}", f"{r['max_ulp']:.4f}", f"{r['mean_ulp']:.4f}",
                 "" if r["correctly_rounded_pct"] is None else f"{r['correctly_rounded_pct']:.2f} %",
                 r["worst_input"]] for r in out["accuracy"]])
    if "area" in out:
        _table("area (Yosys 0.23; GE: schw45 0.798 um^2 NAND2_X1, osu018 24 um^2 NAND2X1)",
               ["library", "ops", "stages:", "cells:", "flip-flops:", "µm²:", "GE:", "synthesis wall s:"],
               [[r["liberty"], r["ops"], r["stages"], r["cells"], r["flip_flops"], f"{r['area_um2']:.1f}",
                 f"{r['ge']:.1f}", f"{r['wall_s']:.0f}"] for r in out["area"]])
    if "speed" in out:
        _table("verification throughput (the default vector set of seed 1)", ["what", "vectors:", "s:", "vectors/s:"],
               [[r["what"], r["vectors"], f"{r['seconds']:.2f}", f"{r['vectors_per_s']:,.0f}"] for r in out["speed"]])


def _table(title: str, header: list[str], rows: list[list]) -> None:
    """A markdown table after a blank line and ``title``; a header ending in ':' is right-aligned."""
    print(f"\n{title}")
    print("| " + " | ".join(h.rstrip(":") for h in header) + " |")
    print("|" + "|".join("---:" if h.endswith(":") else "---" for h in header) + "|")
    for r in rows:
        print("| " + " | ".join(str(v) for v in r) + " |")


if __name__ == "__main__":
    main()
