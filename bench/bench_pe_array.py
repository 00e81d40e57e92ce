"""pe-array figures: generation time, simulated cycles per second, area scaling.

    python bench/bench_pe_array.py gen   [--sizes 8,16,32] [--pe int8,fp16,sc]
    python bench/bench_pe_array.py sim   [--size 8] [--pe int8] [--sims verilator,icarus]
    python bench/bench_pe_array.py synth [--sizes 2,4,8] [--pe int8,fp16,sc] [--json FILE]

gen: wall time of the CLI ``schw gen pe-array --rows N --pe P`` (a fresh process each time, so
imports are included), and the Verilog size. Target: 32x32 under 60 s.

sim: the default regression of an NxN array (corner + random GEMM problems, both dataflows),
run twice per simulator; the second run reuses the cached build, so its wall time is the
simulation (cocotb + simulator) and the figure is measured cycles / that time.

synth: Yosys area (flows/schw45.lib, NanGate 45 nm areas) of the single PE, of the array, and of
the array's shell (input skew, per-PE pipeline registers, drain, de-skew, control) measured by
synthesizing the array around a stand-in PE (XOR of its inputs) whose own area is subtracted.
Prediction = R*C*PE + shell; the table gives area per PE and the deviation of the array from
the prediction (criterion: within +-10 %).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _ints(text):
    return [int(x) for x in text.split(",") if x]


def bench_gen(sizes, pes):
    rows = []
    for pe in pes:
        for n in sizes:
            with tempfile.TemporaryDirectory() as out:
                r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
                t0 = time.perf_counter()
                subprocess.run(["schw", "gen", "pe-array", "--rows", str(n), "--pe", pe, "-o", out],
                               check=True, capture_output=True, text=True)
                dt = time.perf_counter() - t0
                r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
                size = sum(f.stat().st_size for f in Path(out).glob("*.v"))
            rows.append({"pe": pe, "rows": n, "cols": n, "seconds": round(dt, 2), "cpu_seconds": round(cpu, 2),
                         "verilog_bytes": size})
            print(f"schw gen pe-array --rows {n} --pe {pe}: {dt:.2f} s wall, {cpu:.2f} s CPU, "
                  f"{size} bytes of Verilog", flush=True)
    return rows


def bench_sim(size, pes, sims, dataflows=("os", "ws"), counts=(6, 60)):
    """Regression wall time at two problem counts: the overall rate of the default regression and
    the marginal rate (extra cycles / extra seconds), which excludes simulator start-up."""
    from schw import tools
    from schw.registry import get
    from schw.verify import regression
    tools.activate()
    u = get("pe-array")
    rows = []
    for pe in pes:
        for df in dataflows:
            p = u.Params(rows=size, pe=pe, dataflow=df)
            for sim in sims:
                regression(u, p, sim, count=counts[0]).raise_if_failed()  # build (cached afterwards)
                runs = []
                for n in counts:
                    t0 = time.perf_counter()
                    rep = regression(u, p, sim, count=n)
                    dt = time.perf_counter() - t0
                    rep.raise_if_failed()
                    runs.append((rep.details["cycles"]["total_cycles_measured"], rep.vectors, dt))
                (c0, v0, t0_), (c1, v1, t1) = runs
                row = {"pe": pe, "dataflow": df, "size": size, "sim": sim,
                       "default_cycles": c0, "default_rows_checked": v0, "default_seconds": round(t0_, 2),
                       "default_cycles_per_s": round(c0 / t0_, 1),
                       "big_cycles": c1, "big_rows_checked": v1, "big_seconds": round(t1, 2),
                       "marginal_cycles_per_s": round((c1 - c0) / max(t1 - t0_, 1e-9), 1)}
                rows.append(row)
                print(f"{size}x{size} {pe} {df} on {sim}: default regression {c0} cycles ({v0} rows) in "
                      f"{t0_:.1f} s = {c0 / t0_:.0f} cycles/s; {counts[1]} problems {c1} cycles in {t1:.1f} s; "
                      f"marginal {row['marginal_cycles_per_s']:.0f} cycles/s", flush=True)
    return rows


def _standin_pe(name, W, A):
    return (f"module {name}(input wire clk, input wire rst, input wire en, input wire [{W - 1}:0] a,\n"
            f"  input wire [{W - 1}:0] b, input wire [{A - 1}:0] c, output wire [{A - 1}:0] result);\n"
            f"  assign result = c ^ {{{A}{{^a ^ ^b ^ en}}}};\nendmodule\n")


def _synth_text(text, top):
    from schw.synth import synthesize_verilog
    with tempfile.TemporaryDirectory() as tmp:
        f = Path(tmp) / f"{top}.v"
        f.write_text(text)
        return synthesize_verilog([f], top)


def bench_synth(sizes, pes, dataflows=("os", "ws")):
    from schw.synth import synthesize
    from schw.registry import get
    u = get("pe-array")
    rows = []
    for pe in pes:
        p1 = u.Params(rows=1, pe=pe)
        pe_rep = _synth_text(u.pe_verilog(p1), u.pe_module(p1))
        standin = _synth_text(_standin_pe("standin", p1.lane_width, p1.acc_width), "standin")
        for n in sizes:
            for df in dataflows:
                p = u.Params(rows=n, pe=pe, dataflow=df)
                t0 = time.perf_counter()
                arr = synthesize(u, p)
                shell_txt = u.top_verilog(p) + _standin_pe(u.pe_module(p), p.lane_width, p.acc_width)
                shell_rep = _synth_text(shell_txt, u.top(p))
                dt = time.perf_counter() - t0
                shell = shell_rep["area_um2"] - n * n * standin["area_um2"]
                pred = n * n * pe_rep["area_um2"] + shell
                row = {"pe": pe, "dataflow": df, "rows": n, "cols": n,
                       "pe_area_um2": pe_rep["area_um2"], "shell_area_um2": round(shell, 1),
                       "array_area_um2": arr["area_um2"], "array_ge": arr["ge"],
                       "area_per_pe_um2": round(arr["area_um2"] / (n * n), 1),
                       "predicted_um2": round(pred, 1),
                       "deviation_pct": round(100 * (arr["area_um2"] - pred) / pred, 2),
                       "pe_only_per_pe_dev_pct": round(100 * ((arr["area_um2"] - shell) / (n * n) - pe_rep["area_um2"])
                                                       / pe_rep["area_um2"], 2),
                       "flip_flops": arr["flip_flops"], "seconds": round(dt, 1)}
                rows.append(row)
                print(json.dumps(row), flush=True)
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=("gen", "sim", "synth"))
    ap.add_argument("--sizes", default=None)
    ap.add_argument("--size", type=int, default=8)
    ap.add_argument("--pe", default=None)
    ap.add_argument("--sims", default="verilator,icarus")
    ap.add_argument("--dataflows", default="os,ws")
    ap.add_argument("--json", type=Path, default=None, help="also write the rows as JSON")
    a = ap.parse_args(argv)
    if a.what == "gen":
        rows = bench_gen(_ints(a.sizes or "8,16,32"), (a.pe or "int8,fp16,sc").split(","))
    elif a.what == "sim":
        rows = bench_sim(a.size, (a.pe or "int8").split(","), a.sims.split(","))
    else:
        rows = bench_synth(_ints(a.sizes or "2,4,8"), (a.pe or "int8,fp16,sc").split(","), a.dataflows.split(","))
    if a.json:
        a.json.write_text(json.dumps(rows, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
