"""Cost per MAC at equal accuracy: int8, fp16, sc (today's sc-dot PE) and unary (rate and
temporal coding) pe-arrays, output stationary, at 8x8 and 16x16.

    python bench/bench_unary_cost.py [--sizes 8,16] [--liberty schw45] [--json out.json] [--no-synth]

Columns:
* GEMM RMSE: C = A (32 x K) . B (K x 32), K = 16, entries of A and B uniform in [-1, 1] (seed 1);
  every format encodes them (int8: round(127 x); fp16: nearest binary16; sc: bipolar N = 8 codes;
  unary: sign + width-bit magnitude) and the array's golden model (bit-exact to the RTL)
  computes C; RMSE against the float64 product of the unencoded values.
* area: ``schw synth pe-array ...`` (Yosys 0.23 + ABC), 8x8 flat except fp16 and sc at L = 64,
  256 (``--hier``: flat fp16 does not finish, and flat sc takes minutes per run), 16x16 ``--hier``
  (calibrated hierarchical, within about 1 % of flat, docs/pe_array.md); area/MAC = array area /
  (R*C); PE = the PE module's calibrated area from the largest ``--hier`` run.
* cycles/MAC: cycles one PE spends per multiply-accumulate (int8/fp16 1, sc (L+1)/k, unary
  T = L >> et); area x cycles = area/MAC x cycles/MAC (um^2 cycles: the area cost at equal
  throughput).

Synthesis results are cached in $SCHW_CACHE/bench_unary_cost/ (delete to re-measure).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from schw.registry import get  # noqa: E402
from schw.synth import synthesize, synthesize_hierarchical  # noqa: E402
from schw.units.pe_array import golden, unary_golden  # noqa: E402

UNIT = get("pe-array")
P = UNIT.Params

CONFIGS = [
    ("int8", "exact", {"pe": "int8"}),
    ("fp16", "fp32 acc", {"pe": "fp16"}),
    ("sc", "bipolar lfsr k=4", {"pe": "sc", "length": 16}),
    ("sc", "bipolar lfsr k=4", {"pe": "sc", "length": 64}),
    ("sc", "bipolar lfsr k=4", {"pe": "sc", "length": 256}),
    # accuracy only (not synthesized): sc with Sobol sources, whose error falls with L where the
    # LFSR's stalls (period 255 < L and correlated sources)
    ("sc", "bipolar sobol k=4", {"pe": "sc", "sng": "sobol", "length": 64}, False),
    ("sc", "bipolar sobol k=4", {"pe": "sc", "sng": "sobol", "length": 256}, False),
    ("unary", "rate lfsr", {"pe": "unary", "sng": "lfsr", "width": 8, "length": 16}),
    ("unary", "rate lfsr", {"pe": "unary", "sng": "lfsr", "width": 8, "length": 64}),
    ("unary", "rate lfsr", {"pe": "unary", "sng": "lfsr", "width": 8, "length": 256}),
    ("unary", "rate sobol", {"pe": "unary", "sng": "sobol", "width": 8, "length": 16}),
    ("unary", "rate sobol", {"pe": "unary", "sng": "sobol", "width": 8, "length": 64}),
    ("unary", "rate sobol", {"pe": "unary", "sng": "sobol", "width": 8, "length": 256}),
    ("unary", "rate sobol, et=2", {"pe": "unary", "sng": "sobol", "width": 8, "length": 256, "et": 2}),
    ("unary", "temporal", {"pe": "unary", "sng": "temporal", "width": 2, "length": 16}),
    ("unary", "temporal", {"pe": "unary", "sng": "temporal", "width": 3, "length": 64}),
    ("unary", "temporal", {"pe": "unary", "sng": "temporal", "width": 4, "length": 256}),
]

K = 16


def encode(p, x):
    if p.pe == "int8":
        return np.clip(np.rint(x * 127), -127, 127).astype(np.int64) & 0xFF
    if p.pe == "fp16":
        return x.astype(np.float16).view(np.uint16).astype(np.int64)
    if p.pe == "sc":
        return np.clip(np.rint((x + 1) / 2 * (1 << p.width)), 0, (1 << p.width) - 1).astype(np.int64)
    return unary_golden.encode(p, x)


def rmse(p) -> float:
    rng = np.random.default_rng(1)
    x, y = rng.uniform(-1, 1, (32, K)), rng.uniform(-1, 1, (K, 32))
    res = golden.reference(p, golden.Problem(encode(p, x), encode(p, y)))
    got = golden.result_float(p, res, K)
    if p.pe == "int8":
        got = got / 127 ** 2
    return float(np.sqrt(np.mean((got - x @ y) ** 2)))


def cycles_per_mac(p) -> float:
    return p.step_cycles / (p.inputs if p.pe == "sc" else 1)


def _cache_dir() -> Path:
    d = Path(os.environ.get("SCHW_CACHE", Path.home() / ".cache" / "schw")) / "bench_unary_cost"
    d.mkdir(parents=True, exist_ok=True)
    return d


def area(p, hier: bool, liberty: str) -> dict:
    key = hashlib.sha256(json.dumps([p.as_dict(), hier, liberty], sort_keys=True).encode()).hexdigest()[:16]
    f = _cache_dir() / f"{key}.json"
    if f.exists():
        return json.loads(f.read_text())
    t0 = time.perf_counter()
    if hier:
        r = synthesize_hierarchical(UNIT, p, liberty, calibrate=True)
        out = {"area_um2": r["area_um2"], "pe_um2": r["parts"][0]["area_um2"], "flip_flops": r["flip_flops"]}
    else:
        r = synthesize(UNIT, p, liberty)
        out = {"area_um2": r["area_um2"], "pe_um2": None, "flip_flops": r["flip_flops"]}
    out["seconds"] = round(time.perf_counter() - t0, 1)
    f.write_text(json.dumps(out) + "\n")
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="8,16")
    ap.add_argument("--liberty", default="schw45")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--no-synth", action="store_true", help="accuracy and cycles only")
    ap.add_argument("--only", default="", help="comma list of PE types to run (default all)")
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    only = {s for s in args.only.split(",") if s}
    rows = []
    for name, coding, kw, *synth in CONFIGS:
        if only and name not in only:
            continue
        p0 = P(rows=8, **kw)
        row = {"pe": name, "coding": coding, "L": kw.get("length", "-") if name in ("sc", "unary") else "-",
               "T": p0.step_cycles, "operand_bits": {"int8": 8, "fp16": 16, "sc": p0.width,
                                                     "unary": p0.width + 1}[name],
               "rmse": rmse(p0), "cycles_per_mac": cycles_per_mac(p0)}
        if not args.no_synth and synth != [False]:
            for n in sizes:
                p = P(rows=n, **kw)
                hier = n > 8 or name == "fp16" or (name == "sc" and kw["length"] != 16)
                a = area(p, hier, args.liberty)
                row[f"area_{n}"] = a["area_um2"]
                row[f"area_mac_{n}"] = a["area_um2"] / (n * n)
                if a["pe_um2"] is not None:
                    row["pe_um2"] = a["pe_um2"]
                print(f"# {name} {coding} L={row['L']} {n}x{n}: {a['area_um2']:.0f} um2 ({a['seconds']} s)",
                      file=sys.stderr, flush=True)
        rows.append(row)
    print(render(rows, sizes, args.no_synth, args.liberty))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n")


def render(rows, sizes, no_synth, liberty) -> str:
    base = next((r for r in rows if r["pe"] == "int8"), None)
    head = ["PE", "coding", "L", "cycles/MAC", "operand bits", f"GEMM RMSE (K={K})"]
    if not no_synth:
        for n in sizes:
            head += [f"{n}x{n} array um2", f"{n}x{n} um2/MAC", f"{n}x{n} vs int8"]
        head += ["PE um2", "PE vs int8", f"um2*cycles/MAC ({sizes[-1]}x{sizes[-1]})"]
    out = [f"liberty {liberty}; output stationary; area from schw synth (8x8 flat; fp16, sc L=64/256 and 16x16 --hier)",
           "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        cells = [r["pe"], r["coding"], str(r["L"]), f"{r['cycles_per_mac']:g}", str(r["operand_bits"]),
                 f"{r['rmse']:.4f}"]
        if not no_synth:
            for n in sizes:
                a = r.get(f"area_{n}")
                ratio = a / base[f"area_{n}"] if base and a else None
                cells += [f"{a:,.0f}" if a else "-", f"{r[f'area_mac_{n}']:,.0f}" if a else "-",
                          f"{ratio:.3f}x" if ratio else "-"]
            pe = r.get("pe_um2")
            cells += [f"{pe:,.0f}" if pe else "-",
                      f"{pe / base['pe_um2']:.3f}x" if pe and base and base.get("pe_um2") else "-"]
            am = r.get(f"area_mac_{sizes[-1]}")
            cells.append(f"{am * r['cycles_per_mac']:,.0f}" if am else "-")
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


if __name__ == "__main__":
    main()
