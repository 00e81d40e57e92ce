"""schw.power against OpenSTA's report_power, and vectorless against simulated activity.

Table 1, for each unit: synthesize to osu018 (Yosys), then at clock period T and activity A
  * OpenSTA 2.0.17: ``set_power_activity -global -activity A`` + ``report_power``
    (:func:`schw.sta.power_global`),
  * schw, convention ``opensta-2.0.17`` (OpenSTA's own bookkeeping, reproduced),
  * schw, convention ``liberty`` (the default: a transition costs its own table's energy).
Table 2, SC units: the unit's gate-level regression on Icarus with a waveform
(``verify.regression(..., netlist=True, waves=FILE)``), schw's power from the waveform's
toggles against vectorless power at A (both convention ``liberty``).
Prints markdown tables (docs/power.md).

    python bench/bench_power_validation.py [--activity 0.1] [--clock-ns 10] [--units sc-mul,...]
           [--vectors 50] [--skip-opensta] [--skip-simulated]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from schw import liberty, power, sta
from schw.errors import ToolError
from schw.registry import get, load_all
from schw.synth import synthesize
from schw.verify import regression

#: (label, unit, params): at least five units, SC and binary
CONFIGS = [
    ("sc-mul (N=8, L=256)", "sc-mul", {}),
    ("int-mul (N=8)", "int-mul", {}),
    ("fsm-tanh (N=8, L=256)", "fsm-tanh", {}),
    ("sc-gdc (defaults)", "sc-gdc", {}),
    ("sc-dot (k=4, L=256)", "sc-dot", {}),
    ("fxp-acc (defaults)", "fxp-acc", {}),
    ("fp16-pe (S=2)", "fp16-pe", {"stages": 2}),
    ("pe-array 2x2 int8", "pe-array", {"rows": 2, "pe": "int8"}),
]

#: SC units whose streams toggle nothing like a uniform A: simulated against vectorless
SC_CONFIGS = [
    ("sc-mul (N=8, L=256)", "sc-mul", {}),
    ("sc-dot (k=4, L=256)", "sc-dot", {}),
    ("fsm-tanh (N=8, L=256)", "fsm-tanh", {}),
    ("sc-gdc (defaults)", "sc-gdc", {}),
]


def pct(a: float, b: float) -> str:
    return f"{100.0 * (a - b) / b:+.2f} %" if b else ("0" if a == 0 else "inf")


def opensta_table(args, wanted: set[str]) -> None:
    files = liberty.resolve("osu018")
    rows, lib_rows = [], []
    for label, name, params in CONFIGS:
        if wanted and name not in wanted:
            continue
        unit = get(name)
        p = unit.Params(**params)
        with tempfile.TemporaryDirectory(prefix="schw-bench-power-") as tmp:
            net = Path(tmp) / "netlist.v"
            t0 = time.perf_counter()
            rep = synthesize(unit, p, liberty="osu018", netlist=net)
            t_syn = time.perf_counter() - t0
            t0 = time.perf_counter()
            try:
                ref = sta.power_global(net, rep["top"], files, args.clock_ns, args.activity)
            except ToolError as e:
                print(f"{label}: OpenSTA run failed, row left out: {e}", file=sys.stderr)
                continue
            t_sta = time.perf_counter() - t0
            t0 = time.perf_counter()
            nl = power.read_netlist(net, files, rep["top"])
            ours = power.power_vectorless(nl, files, args.activity, args.clock_ns, convention="opensta-2.0.17")
            t_ours = time.perf_counter() - t0
            phys = power.power_vectorless(nl, files, args.activity, args.clock_ns)
        s = {k: ref[f"{k}_w"] * 1e3 for k in ("internal", "switching", "leakage", "total")}
        o = {"internal": ours["internal_mw"], "switching": ours["switching_mw"], "leakage": ours["leakage_mw"],
             "total": ours["power_mw"]}
        rows.append((label, rep["cell_count"], s, o))
        lib_rows.append((label, s["total"], phys))
        print(f"{label}: synth {t_syn:.1f} s, sta {t_sta:.2f} s, schw {t_ours:.2f} s", file=sys.stderr)

    print(f"Vectorless power at activity {args.activity:g} (every net {args.activity:g} toggles per cycle, "
          f"clock 2), clock period {args.clock_ns:g} ns, osu018 (1.8 V); mW.\n")
    print("| unit | cells | OpenSTA internal | schw internal | diff | OpenSTA switching | schw switching | diff "
          "| OpenSTA leakage | schw leakage | OpenSTA total | schw total | diff |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    worst = 0.0
    for label, cells, s, o in rows:
        worst = max(worst, abs(o["total"] - s["total"]) / s["total"])
        print(f"| {label} | {cells} | {s['internal']:.6f} | {o['internal']:.6f} | {pct(o['internal'], s['internal'])} "
              f"| {s['switching']:.6f} | {o['switching']:.6f} | {pct(o['switching'], s['switching'])} "
              f"| {s['leakage']:.3e} | {o['leakage']:.3e} | {s['total']:.6f} | {o['total']:.6f} "
              f"| {pct(o['total'], s['total'])} |")
    print(f"\nschw convention opensta-2.0.17; largest total difference {100 * worst:.2f} %.\n")
    print("schw's default convention (liberty: a transition costs its own table's energy; every net's "
          "switching, the clock net's too) against the same OpenSTA totals; mW:\n")
    print("| unit | OpenSTA total | schw internal | schw switching | clock (net + CLK pins) | schw total | schw / OpenSTA |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, s_total, phys in lib_rows:
        clk_sw = phys["clock_pj"] / (phys["cycles"] * phys["clock_ns"])
        print(f"| {label} | {s_total:.6f} | {phys['internal_mw']:.6f} | {phys['switching_mw']:.6f} | "
              f"{clk_sw:.6f} | {phys['power_mw']:.6f} | {phys['power_mw'] / s_total:.3f} |")


def simulated_table(args, wanted: set[str]) -> None:
    files = liberty.resolve("osu018")
    rows = []
    for label, name, params in SC_CONFIGS:
        if wanted and name not in wanted:
            continue
        unit = get(name)
        p = unit.Params(**params)
        with tempfile.TemporaryDirectory(prefix="schw-bench-power-") as tmp:
            waves = Path(tmp) / f"{name}.{args.waves}"
            t0 = time.perf_counter()
            rep = regression(unit, p, "icarus", netlist=True, liberty="osu018", waves=waves, count=args.vectors)
            rep.raise_if_failed()
            t_sim = time.perf_counter() - t0
            net = Path(rep.details["gate_level"]["netlist"])
            nl = power.read_netlist(net, files)
            sim = power.power_simulated(nl, files, waves, args.clock_ns)
            vec = power.power_vectorless(nl, files, args.activity, args.clock_ns)
            vec0 = power.power_vectorless(nl, files, 0.0, args.clock_ns)
            size = waves.stat().st_size
        rows.append((label, rep.vectors, sim, vec, vec0))
        print(f"{label}: gate-level regression {rep.vectors} vectors {t_sim:.1f} s; waveform ({args.waves}, "
              f"{size / 1e6:.1f} MB, {sim['cycles']:.0f} cycles) read and counted in "
              f"{sim['activity']['waveform_seconds']:.2f} s", file=sys.stderr)
    print(f"\nSimulated activity (gate-level regression on Icarus, whole waveform: reset, every vector, idle "
          f"cycles between runs) against vectorless A = {args.activity:g}; convention liberty, clock period "
          f"{args.clock_ns:g} ns; mW.\n")
    print("| unit | vectors | cycles | toggles / net / cycle | simulated total | vectorless total | vectorless / "
          "simulated | simulated data nets | vectorless data nets | vectorless / simulated | A matching the simulation |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for label, n, sim, vec, vec0 in rows:
        data = [(r["internal_mw"] + r["switching_mw"] - r["clock_pj"] / (r["cycles"] * r["clock_ns"])) for r in (sim, vec)]
        a_eff = args.activity * (sim["power_mw"] - vec0["power_mw"]) / (vec["power_mw"] - vec0["power_mw"])
        print(f"| {label} | {n} | {sim['cycles']:.0f} | {sim['activity']['mean_toggles_per_net_per_cycle']:.3f} "
              f"| {sim['power_mw']:.4f} | {vec['power_mw']:.4f} | {vec['power_mw'] / sim['power_mw']:.2f} "
              f"| {data[0]:.4f} | {data[1]:.4f} | {data[1] / data[0]:.2f} | {a_eff:.3f} |")
    print("\n'data nets': internal and switching power without the clock network's part (the clock net's "
          "switching and the flip-flops' CLK-pin internal power, the same in both columns).")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--activity", type=float, default=0.1)
    ap.add_argument("--clock-ns", type=float, default=10.0)
    ap.add_argument("--units", default="", help="comma-separated unit names to run (default: all)")
    ap.add_argument("--vectors", type=int, default=50, help="vectors of each gate-level regression")
    ap.add_argument("--waves", choices=("vcd", "fst"), default="fst")
    ap.add_argument("--skip-opensta", action="store_true")
    ap.add_argument("--skip-simulated", action="store_true")
    args = ap.parse_args(argv)
    load_all()
    wanted = set(filter(None, args.units.split(",")))
    if not args.skip_opensta:
        opensta_table(args, wanted)
    if not args.skip_simulated:
        simulated_table(args, wanted)
    return 0


if __name__ == "__main__":
    sys.exit(main())
