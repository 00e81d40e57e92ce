"""Area of the weight-update datapaths at the same W: fxp-acc (fixed point) against SC-GDC,
the SC-GDC array (SNG shared across M weights) and SC-GDM. Prints a Markdown table (per
weight: µm², GE, fxp-acc area / this area) and, with --json, the raw reports.

    python bench/bench_gdc_area.py [--width 16] [--operand-width 8] [--json]
"""

from __future__ import annotations

import argparse
import json

from schw.synth import synthesize
from schw.registry import get


def configs(w: int, n: int):
    return [
        ("fxp-acc", dict(width=w, operand_width=n), 1, "fixed point: (N+1)x(N+1) multiplier, round, saturating add"),
        ("sc-gdc", dict(width=w, operand_width=n, coding="unipolar", shared=True), 1, "unipolar, one shared source (2 LFSRs)"),
        ("sc-gdc", dict(width=w, operand_width=n, coding="signed", shared=True), 1, "signed, one shared source (2 LFSRs)"),
        ("sc-gdc", dict(width=w, operand_width=n, coding="unipolar", shared=False), 1, "unipolar, independent sources (4 LFSRs)"),
        ("sc-gdc-array", dict(width=w, operand_width=n, coding="signed", shared=True, weights=16, source_sets=1), 16,
         "signed, M = 16, one source set for the array"),
        ("sc-gdc-array", dict(width=w, operand_width=n, coding="signed", shared=True, weights=16, source_sets=4), 16,
         "signed, M = 16, 4 source sets"),
        ("sc-gdc-array", dict(width=w, operand_width=n, coding="signed", shared=True, weights=64, cols=8,
                              source_sets=1), 64, "signed, 8 x 8 outer-product layout, one source set"),
        ("sc-gdc-array", dict(width=w, operand_width=n, coding="signed", shared=True, weights=64, cols=8,
                              source_sets=8), 64, "signed, 8 x 8 outer-product layout, a set per row/column"),
        ("sc-gdm", dict(width=w, operand_width=n, momentum_exp=3, eta_exp=3), 1, "m = e = 3, own LFSR"),
    ]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--width", type=int, default=16)
    ap.add_argument("--operand-width", type=int, default=8)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    rows = []
    for name, kw, per, note in configs(a.width, a.operand_width):
        unit = get(name)
        rep = synthesize(unit, unit.Params(**kw))
        rows.append({"unit": name, "params": kw, "weights": per, "note": note, "area_um2": rep["area_um2"],
                     "ge": rep["ge"], "flip_flops": rep["flip_flops"],
                     "area_per_weight_um2": rep["area_um2"] / per, "ge_per_weight": rep["ge"] / per})
    base = rows[0]["area_per_weight_um2"]
    for r in rows:
        r["fxp_over_this"] = base / r["area_per_weight_um2"]
    if a.json:
        print(json.dumps(rows, indent=2))
        return
    print(f"W = {a.width}, N = {a.operand_width}; area per weight")
    print("| unit | configuration | µm² / weight | GE / weight | FFs (total) | fxp-acc / this |")
    print("|---|---|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['unit']} | {r['note']} | {r['area_per_weight_um2']:.1f} | {r['ge_per_weight']:.1f} | "
              f"{r['flip_flops']} | {r['fxp_over_this']:.2f} |")


if __name__ == "__main__":
    main()
