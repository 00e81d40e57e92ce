"""fp16-pe --ops figures: area per optional op (Yosys, schw45 and osu018) and the error of the
approximate functions over every binary16 input in every rounding mode. Prints Markdown tables
(docs/fp16_pe.md quotes them); --json prints the raw rows.

    python bench/bench_fp16_ops.py [--area [--sets +log2,all]] [--accuracy] [--stages S] [--json]   (both when none is given)

Area: the default PE (fma,mul,add,minmax,cmp), the FMA alone (fma,mul,add), the default plus each
optional op on its own (ternary_i8 with ternary), the 13 ops (all) and all with ternary_i8; the delta
column is the area over the default PE.
Accuracy: the golden model (= the RTL, bit for bit: tests/test_fp16_ops.py) against the exact value
(mpmath, 128 bits) correctly rounded in the same mode (exact rationals): max |result - f(x)| in ulp
of f(x), and how many results equal the correctly rounded one.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from fractions import Fraction

import numpy as np

from schw.registry import get
from schw.synth import synthesize
from schw.units.fp16_pe.approx import BINARY16, approx_eval, reference, round_exact, value_of
from schw.units.fp16_pe.tables import coefficients, default_config

PE = get("fp16-pe")
BASE = "fma,mul,add,minmax,cmp"
EXT = ("recip", "rsqrt", "exp2", "log2", "expmod", "ternary", "xnor", "bool")
ALL = BASE + "," + ",".join(EXT)
MODES = ("rne", "rtz", "rdn", "rup", "rmm")
#: measured function -> (datapath, scale): e^x and ln x are exp2 and log2 with base-e scaling (b[0] = 1)
MEASURED = {"recip": ("recip", 0), "rsqrt": ("rsqrt", 0), "exp2": ("exp2", 0), "log2": ("log2", 0),
            "exp": ("exp2", 1), "ln": ("log2", 1)}


def area_rows(stages: int, only=None):
    sets = [("default", BASE), ("fma,mul,add only", "fma,mul,add")] + [(f"+{o}", f"{BASE},{o}") for o in EXT]
    sets.append(("+ternary+ternary_i8", f"{BASE},ternary,ternary_i8"))  # the int8 mode needs the ternary op
    sets.append(("all", ALL))
    sets.append(("all+ternary_i8", ALL + ",ternary_i8"))
    if only:  # the default is always synthesised (the deltas need it)
        sets = [s for s in sets if s[0] == "default" or s[0] in only]
    rows = []
    for lib in ("schw45", "osu018"):
        base = None
        for label, ops in sets:
            t0 = time.perf_counter()
            rep = synthesize(PE, PE.Params(stages=stages, ops=ops), liberty=None if lib == "schw45" else lib)
            row = {"liberty": lib, "set": label, "ops": ops, "stages": stages, "cells": rep["cell_count"],
                   "flip_flops": rep["flip_flops"], "area_um2": rep["area_um2"], "ge": rep["ge"],
                   "seconds": round(time.perf_counter() - t0, 1)}
            if label == "default":
                base = rep["area_um2"]
            row["delta_um2"] = round(rep["area_um2"] - base, 1)
            row["ratio"] = round(rep["area_um2"] / base, 3)
            rows.append(row)
            print(f"  {lib} {label}: {rep['area_um2']:.1f} um2 ({row['seconds']} s)", file=sys.stderr, flush=True)
    return rows


def _ulp(y: Fraction) -> Fraction:
    a = abs(y)
    lead = a.numerator.bit_length() - a.denominator.bit_length()
    lead -= Fraction(2) ** lead > a
    return Fraction(2) ** (max(lead, BINARY16.emin) - BINARY16.mbits)


def accuracy_rows():
    rows = []
    xs = np.arange(1 << 16, dtype=np.int64)
    for fn, (path, scale) in MEASURED.items():
        cfg = default_config(path, BINARY16)
        refs = [reference(fn, BINARY16, x) for x in range(1 << 16)]
        live = [x for x in range(1 << 16) if refs[x] is not None and refs[x] != 0]
        for rm, mode in enumerate(MODES):
            bits, _ = approx_eval(cfg, xs, rm, scale)
            worst, at, cr = Fraction(0), None, 0
            for x in live:
                y = refs[x]
                r = round_exact(BINARY16, y, rm)
                cr += int(bits[x]) == r
                g = value_of(BINARY16, int(bits[x]))
                if g is None or abs(y) > 65504:
                    continue
                e = abs(g - y) / _ulp(y)
                if e > worst:
                    worst, at = e, x
            rows.append({"fn": fn, "mode": mode, "max_ulp": round(float(worst), 4), "at": f"{at:#06x}",
                         "correctly_rounded": cr, "inputs": len(live), "entries": cfg.entries, "q": cfg.q,
                         "table_bits": sum(max(abs(c) for c in col).bit_length() + 1
                                           for col in coefficients(cfg)) * cfg.entries})
        print(f"  {fn} done", file=sys.stderr, flush=True)
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--area", action="store_true")
    ap.add_argument("--accuracy", action="store_true")
    ap.add_argument("--stages", type=int, default=2)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--sets", default=None, help="comma list of area rows to run, e.g. +log2,all (default: every row)")
    a = ap.parse_args()
    both = not (a.area or a.accuracy)
    out = {}
    if a.area or both:
        out["area"] = area_rows(a.stages, a.sets.split(",") if a.sets else None)
    if a.accuracy or both:
        out["accuracy"] = accuracy_rows()
    if a.json:
        print(json.dumps(out, indent=1))
        return
    if "area" in out:
        print(f"\n### Area per op (S={a.stages}, Yosys; delta and ratio against the default PE)\n")
        print("| ops | schw45 um2 | delta | ratio | osu018 um2 | delta | ratio | cells (osu018) |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        by = {(r["liberty"], r["set"]): r for r in out["area"]}
        for label in dict.fromkeys(r["set"] for r in out["area"]):
            s, o = by[("schw45", label)], by[("osu018", label)]
            print(f"| {label} | {s['area_um2']:.0f} | {s['delta_um2']:+.0f} | {s['ratio']:.3f} | "
                  f"{o['area_um2']:.0f} | {o['delta_um2']:+.0f} | {o['ratio']:.3f} | {o['cells']} |")
    if "accuracy" in out:
        print("\n### Approximate functions: max error (ulp of f(x)) and correctly rounded results, all inputs\n")
        print("| fn | table | " + " | ".join(MODES) + " | correctly rounded (rne) |")
        print("|---|---|" + "---:|" * len(MODES) + "---:|")
        for fn, (path, _) in MEASURED.items():
            rs = [r for r in out["accuracy"] if r["fn"] == fn]
            ne = rs[0]
            print(f"| {fn} | {ne['entries']} x {len(coefficients(default_config(path)))} coeff., "
                  f"{ne['table_bits']} bits | " + " | ".join(f"{r['max_ulp']:.3f}" for r in rs)
                  + f" | {ne['correctly_rounded']} / {ne['inputs']} |")


if __name__ == "__main__":
    main()
