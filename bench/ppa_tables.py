"""The PPA tables of the README, each from one command (osu018, OpenSTA, gate-level activity).

    python bench/ppa_tables.py a    # sc-mul (L = 64, 256, 1024; LFSR, Sobol) vs int-mul; energy at equal accuracy
    python bench/ppa_tables.py b    # sc-gdc vs fxp-acc per weight update, as the seed's ratios
    python bench/ppa_tables.py c    # fsm-tanh N = 4..32
    python bench/ppa_tables.py d    # fp16-pe per op (fma, mul, add, min/max, compare) at S = 0, 2, 4, fp16 vs fp32 acc,
         [--parts base,ops]         # and every op of the PE with all 13 ops (--ops) at S = 2
    python bench/ppa_tables.py e    # pe-array 8x8 per MAC: int8, fp16, sc (hierarchical gate-level energy)
         [--rows 8] [--pes int8,fp16,sc] [--methods hier,flat] [--validate 2,4]
    [--vectors N] [--activity sim|A] [--json]

Every row is one ``schw ppa`` report (:func:`schw.ppa.ppa`), printed as a Markdown table; ``--json``
prints the rows. Figures come at each design's own Fmax (``--clock-ns`` unset).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time

from schw.errors import ParamError, SchwError
from schw.ppa import ppa
from schw.registry import get


def run(unit: str, activity, vectors: int, op=None, **params) -> dict:
    u = get(unit)
    t0 = time.perf_counter()
    r = ppa(u, u.Params(**params), "osu018", activity=activity, vectors=vectors, op=op)
    r["seconds"] = round(time.perf_counter() - t0, 1)
    return r


def fmt(x, spec=".3g"):
    return "-" if x is None else format(x, spec)


def table(head: list[str], rows: list[list]) -> str:
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def table_a(activity, vectors):
    """sc-mul vs int-mul; energy at equal accuracy: the stream length at which the SC multiplier's
    RMSE equals that of rounding the exact product to 8 bits (2^-8 / sqrt(12))."""
    from schw.units.sc_mul.golden import product_count_grid, value_of
    import numpy as np

    target = 2.0 ** -8 / math.sqrt(12)
    rows, reports = [], []
    base = run("int-mul", activity, vectors, width=8)
    reports.append(base)
    rows.append(["int-mul 8x8 (exact)", fmt(base["area_um2"], ".0f"), fmt(base["fmax_mhz"], ".0f"), 1,
                 fmt(base["energy_per_op_pj"]), "0 (exact; 8-bit rounding 1.13e-3)", "1.0"])
    for sng in ("lfsr", "sobol"):
        rmse = {}
        for L in (64, 256, 1024):
            p = get("sc-mul").Params(width=8, length=L, sng=sng)
            g = np.arange(256)
            est = product_count_grid(p, g, g) / L
            exact = np.multiply.outer(value_of(p, g), value_of(p, g))
            rmse[L] = float(np.sqrt(np.mean((est - exact) ** 2)))
            r = run("sc-mul", activity, vectors, width=8, length=L, sng=sng)
            r["rmse"] = rmse[L]
            reports.append(r)
            rows.append([f"sc-mul {sng} L={L}", fmt(r["area_um2"], ".0f"), fmt(r["fmax_mhz"], ".0f"), L,
                         fmt(r["energy_per_op_pj"]), fmt(rmse[L]), fmt(r["energy_per_op_pj"] / base["energy_per_op_pj"])])
        # equal accuracy: log-log interpolation of RMSE vs L, energy per cycle of the nearest measured L
        Ls = sorted(rmse)
        eq = None
        for lo, hi in zip(Ls, Ls[1:]):
            if rmse[lo] >= target >= rmse[hi]:
                f = math.log(rmse[lo] / target) / math.log(rmse[lo] / rmse[hi])
                eq = lo * (hi / lo) ** f
        if eq is not None:
            ref = min((r for r in reports if r["unit"] == "sc-mul" and r["params"]["sng"] == sng),
                      key=lambda r: abs(math.log(r["params"]["length"] / eq)))
            e_eq = ref["energy_per_op_pj"] / ref["params"]["length"] * eq
            rows.append([f"sc-mul {sng} at equal accuracy", "", "", f"{eq:.0f}", fmt(e_eq), fmt(target),
                         fmt(e_eq / base["energy_per_op_pj"])])
        else:
            rows.append([f"sc-mul {sng} at equal accuracy", "", "", "> 1024", "-", fmt(target), "-"])
    head = ["design", "area µm²", "Fmax MHz", "cycles/mult", "energy/mult pJ", "RMSE", "energy vs int-mul"]
    return table(head, rows), reports


def table_b(activity, vectors):
    """Per weight update: sc-gdc (W = 16, N = 8, step 2^-10) vs fxp-acc W = 16 (rounds every update
    to the step: cannot learn at small steps) and the learning fixed-point baseline
    (`schw train --optimizer fixed-acc`: fxp-acc --width 32 --extra-bits 16, exact accumulation)."""
    reports = [run("sc-gdc", activity, vectors, width=16, step_exp=10),
               run("fxp-acc", activity, vectors, width=16, step_exp=10),
               run("fxp-acc", activity, vectors, width=32, step_exp=10, extra_bits=16)]
    sc = reports[0]
    rows = []
    for r in reports:
        t = r["clock_ns"] * r["operation"]["cycles_per_op"]
        rows.append([f"{r['unit']} W={r['params']['width']}" + (f" +{r['params']['extra_bits']} bits"
                     if r["params"].get("extra_bits") else ""), fmt(r["area_um2"], ".0f"), fmt(r["fmax_mhz"], ".0f"),
                     fmt(t), fmt(r["energy_per_op_pj"]), fmt(r["ops_per_s_per_um2"]),
                     fmt(t / (sc["clock_ns"] * sc["operation"]["cycles_per_op"])),
                     fmt(r["energy_per_op_pj"] / sc["energy_per_op_pj"]),
                     fmt(sc["ops_per_s_per_um2"] / r["ops_per_s_per_um2"])])
    head = ["design", "area µm²", "Fmax MHz", "time/update ns", "energy/update pJ", "updates/s/µm²",
            "time vs sc-gdc", "energy vs sc-gdc", "sc-gdc throughput/area ×"]
    return table(head, rows), reports


def table_c(activity, vectors):
    reports = [run("fsm-tanh", activity, vectors, states=n) for n in (4, 8, 16, 32)]
    rows = [[r["params"]["states"], fmt(r["area_um2"], ".0f"), fmt(r["fmax_mhz"], ".0f"), r["params"]["length"],
             fmt(r["energy_per_op_pj"]), fmt(r["ops_per_s_per_um2"])] for r in reports]
    return table(["N states", "area µm²", "Fmax MHz", "cycles/eval", "energy/eval pJ", "evals/s/µm²"], rows), reports


D_OPS = ("fma", "mul", "add", "minmax", "compare")
#: table d, second part: fp16-pe with every op (--ops, all 13 groups) at S = 2, acc fp16
D_ALL_OPS = "fma,mul,add,minmax,cmp,recip,rsqrt,exp2,log2,expmod,ternary,xnor,bool"
#: its rows: every op by itself (exp and ln: exp2 and log2 with b[0] = 1)
D_EACH_OP = ("fma", "mul", "add", "min", "max", "lt", "le", "eq", "recip", "rsqrt", "exp2", "exp", "log2", "ln",
             "expmod", "ternary", "xnor", "bool")


def table_d(activity, vectors, parts=("base", "ops")):
    """fp16-pe per operation: one gate-level activity run per op (``schw ppa fp16-pe --op OP``:
    ``vectors`` random vectors of that op, back to back, every rounding mode), at S = 0, 2, 4 and
    fp16 / fp32 accumulation (``parts`` "base"), and every op of the PE with all 13 ops at S = 2
    (``schw ppa fp16-pe --stages 2 --ops <all 13> --op OP``; "ops"). Energy per op = energy over
    the cycles the vectors enter / vectors."""
    if activity != "sim":
        raise SchwError("table d needs simulated activity (--activity sim): energy per op comes from op-restricted runs")
    bad = [x for x in parts if x not in ("base", "ops")]
    if bad or not parts:
        raise ParamError("parts", "base, ops or base,ops", ",".join(parts))
    reports, text = [], []
    if "base" in parts:
        rows = []
        for s in (0, 2, 4):
            for a in ("fp16", "fp32"):
                per = {o: run("fp16-pe", activity, vectors, op=o, stages=s, acc=a) for o in D_OPS}
                reports += per.values()
                r = per["fma"]
                rows.append([s, a, fmt(r["area_um2"], ".0f"), fmt(r["fmax_mhz"], ".0f"),
                             *(fmt(per[o]["energy_per_op_pj"]) for o in D_OPS), fmt(r["ops_per_s_per_um2"]),
                             fmt(2e3 / r["energy_per_op_pj"])])  # an FMA = 2 flops
        head = ["S", "acc", "area µm²", "Fmax MHz", "fma pJ", "mul pJ", "add pJ", "min/max pJ", "compare pJ",
                "ops/s/µm²", "fma GFLOPS/W"]
        text.append(table(head, rows))
    if "ops" in parts:
        per = {o: run("fp16-pe", activity, vectors, op=o, stages=2, ops=D_ALL_OPS) for o in D_EACH_OP}
        reports += per.values()
        if len({(x["area_um2"], x["critical_path_ns"]) for x in per.values()}) != 1:
            raise SchwError("table d: the all-ops runs did not all see one netlist (was fp16-pe's RTL edited meanwhile?)")
        r, fma = per["fma"], per["fma"]["energy_per_op_pj"]
        rows = [[o, fmt(per[o]["energy_per_op_pj"]), fmt(per[o]["energy_per_op_pj"] / fma),
                 per[o]["details"]["simulation"]["vectors"]] for o in D_EACH_OP]
        text.append(f"fp16-pe with all 13 ops (--ops {D_ALL_OPS}), S = 2, acc fp16: {fmt(r['area_um2'], '.0f')} µm², "
                    f"Fmax {fmt(r['fmax_mhz'], '.1f')} MHz; energy of each op in a pipeline full of it:\n\n"
                    + table(["op", "pJ/op", "vs fma", "vectors checked"], rows))
    return "\n\n".join(text), reports


def gemm(p, K: int, seed: int = 1):
    """The table-e workload: one R x K by K x C GEMM of random operand codes (no fp16 specials),
    K = 64: one output tile computed over K (sc: K / k) steps, the skew and drain around it."""
    from schw.units.pe_array.golden import Problem
    from schw.units.pe_array.vectors import random_codes
    import numpy as np

    rng = np.random.default_rng([seed, 0xE])
    return [Problem(random_codes(p, rng, (p.R, K)), random_codes(p, rng, (K, p.C), operand="b"))]


def run_array(pe: str, n: int, method: str, K: int) -> dict:
    from schw.ppa import array_ppa

    u = get("pe-array")
    p = u.Params(rows=n, pe=pe)
    t0 = time.perf_counter()
    r = array_ppa(u, p, "osu018", method=method, problems=gemm(p, K))
    r["seconds_total"] = round(time.perf_counter() - t0, 1)
    print(json.dumps({k: v for k, v in r.items() if k != "pe_pj"}), file=sys.stderr, flush=True)
    return r


def table_e(activity, vectors, rows=8, pes=("int8", "fp16", "sc"), methods=("hier",), validate=(), k=64):
    """pe-array R x R per MAC (os dataflow, osu018) from a gate-level run of one R x 64 x R GEMM
    (:func:`gemm`) with every result checked; energy per useful MAC = the run's energy / R*R*64.
    ``methods``: ``hier`` (the hierarchical netlist simulated as it is, energy shell + each PE
    instance: :func:`schw.ppa.array_ppa`), ``flat`` (flat synthesis, where it runs). ``validate``:
    array sizes at which hier, hier-flat (the same cells flattened) and flat are compared."""
    if activity != "sim":
        raise SchwError("table e needs simulated activity (--activity sim)")
    reports, out = [], []
    for pe in pes:
        for m in methods:
            r = run_array(pe, rows, m, k)
            reports.append(r)
            out.append([pe, m, fmt(r["area_um2"], ".0f"), fmt(r["fmax_mhz"], ".0f"), fmt(r["energy_per_mac_pj"]),
                        fmt(r["tops_per_w"]), fmt(r["tops_per_mm2"]), fmt(r["compute_util_pct"], ".0f"),
                        fmt(100 * r["shell_pj"] / r["energy_pj"], ".0f") if m == "hier" else "-"])
    text = table(["PE", "netlist", "area µm²", "Fmax MHz", "pJ/MAC", "TOPS/W", "TOPS/mm²", "util %", "shell energy %"],
                 out)
    if validate:
        vrows = []
        for n in validate:
            for pe in pes:
                rs = {m: run_array(pe, n, m, k) for m in ("hier", "hier-flat", "flat")}
                reports += rs.values()
                f = rs["flat"]
                vrows.append([pe, f"{n}x{n}", *(fmt(rs[m]["energy_per_mac_pj"]) for m in ("hier", "hier-flat", "flat")),
                              f"{100 * (rs['hier']['energy_per_mac_pj'] / rs['hier-flat']['energy_per_mac_pj'] - 1):+.2f} %",
                              f"{100 * (rs['hier']['energy_per_mac_pj'] / f['energy_per_mac_pj'] - 1):+.2f} %",
                              f"{100 * (rs['hier']['area_um2'] / f['area_um2'] - 1):+.2f} %"])
        text += "\n\nValidation (pJ/MAC of the same GEMM):\n\n" + table(
            ["PE", "R x C", "hier", "hier-flat", "flat", "hier vs hier-flat", "hier vs flat", "area hier vs flat"],
            vrows)
    return text, reports


TABLES = {"a": table_a, "b": table_b, "c": table_c, "d": table_d, "e": table_e}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("table", choices=sorted(TABLES))
    ap.add_argument("--vectors", type=int, default=20, help="random vectors of each gate-level activity run [20]")
    ap.add_argument("--activity", default="sim", help="sim (gate-level regression) or A in [0, 2] [sim]")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--rows", type=int, default=8, help="table e: array size R x R [8]")
    ap.add_argument("--pes", default="int8,fp16,sc", help="table e: PE types [int8,fp16,sc]")
    ap.add_argument("--methods", default="hier", help="table e: netlists of the main rows: hier, flat [hier]")
    ap.add_argument("--validate", default="", help="table e: sizes to compare hier, hier-flat, flat at, e.g. 2,4")
    ap.add_argument("--parts", default="base,ops", help="table d: base (S x acc x the default ops), ops (every op of "
                    "the all-13-ops PE at S = 2) [base,ops]")
    args = ap.parse_args(argv)
    act = args.activity if args.activity == "sim" else float(args.activity)
    try:
        extra = {"rows": args.rows, "pes": tuple(args.pes.split(",")), "methods": tuple(args.methods.split(",")),
                 "validate": tuple(int(x) for x in args.validate.split(",") if x)} if args.table == "e" else {}
        if args.table == "d":
            extra = {"parts": tuple(x for x in args.parts.split(",") if x)}
        text, reports = TABLES[args.table](act, args.vectors, **extra)
    except SchwError as e:
        print(f"ppa_tables: {e}", file=sys.stderr)
        return e.exit_code
    if args.json:
        print(json.dumps(reports, indent=1, default=str))
    else:
        print(text)
        secs = sum(r["seconds_total"] if "seconds_total" in r else r["seconds"] for r in reports)
        print(f"\n(osu018, each design at its own Fmax, activity {args.activity}, {args.vectors} random vectors; "
              f"{secs:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
