"""pe-array figures: generation time, simulated cycles per second, area scaling.

    python bench/bench_pe_array.py gen   [--sizes 8,16,32] [--pe int8,fp16,sc]
    python bench/bench_pe_array.py sim   [--size 8] [--pe int8] [--sims verilator,icarus]
    python bench/bench_pe_array.py synth [--sizes 2,4,8] [--pe int8,fp16,sc] [--json FILE]
    python bench/bench_pe_array.py fast  [--sizes 8,32,64] [--pe int8] [--dataflows os,ws]
                                         [--count 20] [--cocotb-sizes 8,32] [--json FILE]
    python bench/bench_pe_array.py pack  [--sizes 8,32] [--pe int8,fp16,sc,hfp8,unary] [--dataflows os,ws]
                                         [--count 6] [--repeat 5] [--json FILE]

gen: wall time of the CLI ``schw gen pe-array --rows N --pe P`` (a fresh process each time, so
imports are included), and the Verilog size. Target: 32x32 under 60 s.

sim: the default regression of an NxN array (corner + random GEMM problems, both dataflows),
run twice per simulator; the second run reuses the cached build, so its wall time is the
simulation (cocotb + simulator) and the figure is measured cycles / that time.

fast: the pe-array fast path (schw.units.pe_array.fast, a compiled C++ driver on Verilator) beside
the cocotb testbench on Verilator, on the same problems (corner + ``--count`` random GEMM
problems). Per size and dataflow: the fast driver's build time (cold: the cache entry is removed
first), its simulated cycles / driver wall time, the whole fast regression's cycles / wall time
(golden model, cycle model, files, check included), and the cocotb regression's cycles / wall time
(its build done beforehand and not counted) for the sizes in ``--cocotb-sizes``; the ratios are
fast over cocotb. Rates are given per wall second and per CPU second (this process and its
simulator children): on a shared machine the CPU figures are the comparable ones. Build CPU
counts the compiler processes (ccache may serve the Verilator runtime objects).

pack: the golden model's packing of port words (``golden.pack``, lanes into one integer per item)
against the per-lane Python loop it replaced (``_pack_loop`` below, the pre-NumPy code), on every
``pack`` call that ``golden.build_program`` makes for the corner + ``--count`` random problems of
an NxN array. Per PE type, size and dataflow: the median of ``--repeat`` runs of all those calls
with each implementation and the ratio loop / NumPy, and the median of whole ``build_program``
calls (tiling, golden fold, packing) with each, and that ratio (the two run in turn, after a
warm-up run each). Every packed word of the two
implementations is compared (the bench stops on a difference).

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

import numpy as np


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


def _arrays(u, pes, sizes, dataflows):
    """(pe, n, dataflow, params) of every n x n array a bench runs (sc: L = 8, k = 2, as the tests)."""
    for pe in pes:
        for n in sizes:
            for df in dataflows:
                extra = {"length": 8, "inputs": 2} if pe == "sc" else {}
                yield pe, n, df, u.Params(rows=n, pe=pe, dataflow=df, **extra)


def _cpu():
    """CPU seconds of this process and its finished children (the simulators)."""
    a, b = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime


def bench_fast(sizes, pes, dataflows=("os", "ws"), count=20, cocotb_sizes=(8, 32)):
    import shutil

    from schw import tools
    from schw.registry import get
    from schw.sim import runner
    from schw.units.pe_array import fast, harness
    tools.activate()
    u = get("pe-array")
    rows = []
    for pe, n, df, p in _arrays(u, pes, sizes, dataflows):
        for d in (runner.cache_root() / "pearrayfast").glob(f"verilator-{u.top(p)}-*"):
            shutil.rmtree(d)  # a cold build
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        first = fast.regression(u, p, count=0)
        build_wall = time.perf_counter() - t0
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        first.raise_if_failed()
        c0 = _cpu()
        t0 = time.perf_counter()
        rep = fast.regression(u, p, count=count)
        wall = time.perf_counter() - t0
        fcpu = _cpu() - c0
        rep.raise_if_failed()
        d = rep.details
        cyc = d["sim_cycles"]
        row = {"pe": pe, "dataflow": df, "size": n, "problems": len(d["cycles"]["problems"]),
               "rows_checked": rep.vectors, "cycles": cyc,
               "fast_build_seconds": first.details["build"]["seconds"],
               "fast_build_cpu_seconds": round((r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime), 1),
               "fast_first_run_wall_seconds": round(build_wall, 1),
               "fast_sim_seconds": d["sim_seconds"], "fast_sim_cycles_per_s": d["sim_cycles_per_s"],
               "fast_sim_cycles_per_cpu_s": d["sim_cycles_per_cpu_s"],
               "fast_golden_seconds": d["golden_seconds"], "fast_wall_seconds": round(wall, 2),
               "fast_overall_cycles_per_s": round(cyc / wall, 1), "fast_cpu_seconds": round(fcpu, 2),
               "fast_overall_cycles_per_cpu_s": round(cyc / fcpu, 1), "hier_block": bool(d["hier_block"])}
        line = (f"{n}x{n} {pe} {df}: {rep.vectors} rows, {cyc} cycles; fast: build "
                f"{row['fast_build_seconds']} s ({row['fast_build_cpu_seconds']} s CPU), driver "
                f"{d['sim_seconds']} s = {d['sim_cycles_per_s']:,.0f} cycles/s "
                f"({d['sim_cycles_per_cpu_s']:,.0f} per CPU s), whole regression {wall:.2f} s "
                f"= {cyc / wall:,.0f} cycles/s ({cyc / fcpu:,.0f} per CPU s; golden {d['golden_seconds']} s)"
                f"{', hierarchical build' if d['hier_block'] else ''}")
        if n in cocotb_sizes:
            harness.regression(u, p, "verilator", count=0).raise_if_failed()  # its build, not timed
            c0 = _cpu()
            t0 = time.perf_counter()
            slow = harness.regression(u, p, "verilator", count=count)
            cw = time.perf_counter() - t0
            ccpu = _cpu() - c0
            slow.raise_if_failed()
            cc = slow.details["cycles"]["total_cycles_measured"]
            row.update({"cocotb_cycles": cc, "cocotb_wall_seconds": round(cw, 2),
                        "cocotb_cycles_per_s": round(cc / cw, 1),
                        "cocotb_cpu_seconds": round(ccpu, 2), "cocotb_cycles_per_cpu_s": round(cc / ccpu, 1),
                        "fast_driver_over_cocotb": round(d["sim_cycles_per_s"] / (cc / cw), 1),
                        "fast_overall_over_cocotb": round((cyc / wall) / (cc / cw), 1),
                        "fast_driver_over_cocotb_cpu": round(d["sim_cycles_per_cpu_s"] / (cc / ccpu), 1),
                        "fast_overall_over_cocotb_cpu": round((cyc / fcpu) / (cc / ccpu), 1)})
            line += (f"; cocotb: {cw:.1f} s = {cc / cw:,.0f} cycles/s ({cc / ccpu:,.0f} per CPU s, "
                     f"regression included); fast driver / cocotb = {row['fast_driver_over_cocotb']}x wall, "
                     f"{row['fast_driver_over_cocotb_cpu']}x CPU; whole regression / cocotb = "
                     f"{row['fast_overall_over_cocotb']}x wall, {row['fast_overall_over_cocotb_cpu']}x CPU")
        rows.append(row)
        print(line, flush=True)
    return rows


def _pack_loop(p, x, width):
    """The pe-array's port-word packing before it was vectorized: a Python loop per lane (and per
    sc code), kept here as the bench's "before"."""
    x = np.asarray(x, dtype=np.int64)
    out = []
    for row in x:
        v = 0
        for i, e in enumerate(row):
            if np.ndim(e):  # sc lane: k codes of N bits, code t at bits t*N
                lane = 0
                for t, code in enumerate(e):
                    lane |= int(code) << (t * p.width)
                e = lane
            v |= int(e) << (i * width)
        out.append(v)
    return out


def _medians(fns, repeat):
    """Median seconds of each of ``fns``, run in turn (a, b, a, b, ...) after one warm-up run each,
    so that a change in the machine's load hits both alike."""
    times = [[] for _ in fns]
    for fn in fns:
        fn()
    for _ in range(repeat):
        for fn, ts in zip(fns, times):
            t0 = time.perf_counter()
            fn()
            ts.append(time.perf_counter() - t0)
    return [float(np.median(ts)) for ts in times]


def bench_pack(sizes, pes, dataflows=("os", "ws"), count=6, repeat=5):
    from schw.registry import get
    from schw.units.pe_array import golden
    from schw.units.pe_array.vectors import make_problems
    u = get("pe-array")
    new_pack = golden.pack
    rows = []
    for pe, n, df, p in _arrays(u, pes, sizes, dataflows):
        problems = make_problems(p, 1, count)
        calls = []

        def recording(p_, x, width):
            calls.append((np.array(x), width))
            return new_pack(p_, x, width)

        golden.pack = recording
        try:
            golden.build_program(p, problems)
        finally:
            golden.pack = new_pack
        for x, width in calls:
            if new_pack(p, x, width) != _pack_loop(p, x, width):
                raise SystemExit(f"{pe} {n}x{n} {df}: golden.pack differs from the loop (width {width}, "
                                 f"shape {x.shape})")
        t_loop, t_new = _medians([lambda: [_pack_loop(p, x, w) for x, w in calls],
                                  lambda: [new_pack(p, x, w) for x, w in calls]], repeat)

        def with_pack(impl):
            def run():
                golden.pack = impl
                try:
                    golden.build_program(p, problems)
                finally:
                    golden.pack = new_pack
            return run

        b_loop, b_new = _medians([with_pack(_pack_loop), with_pack(new_pack)], repeat)
        words = sum(len(x) for x, _ in calls)
        row = {"pe": pe, "dataflow": df, "size": n, "problems": len(problems), "pack_calls": len(calls),
               "words": words, "pack_loop_s": round(t_loop, 4), "pack_numpy_s": round(t_new, 4),
               "pack_ratio": round(t_loop / t_new, 1), "build_program_loop_s": round(b_loop, 4),
               "build_program_numpy_s": round(b_new, 4), "build_program_ratio": round(b_loop / b_new, 2)}
        rows.append(row)
        print(f"{n}x{n} {pe} {df}: {len(calls)} pack calls, {words} words; pack: loop {t_loop * 1e3:.1f} ms, "
              f"NumPy {t_new * 1e3:.1f} ms, ratio {row['pack_ratio']}x; build_program: loop "
              f"{b_loop * 1e3:.1f} ms, NumPy {b_new * 1e3:.1f} ms, ratio {row['build_program_ratio']}x "
              f"(medians of {repeat})", flush=True)
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
    ap.add_argument("what", choices=("gen", "sim", "synth", "fast", "pack"))
    ap.add_argument("--sizes", default=None)
    ap.add_argument("--size", type=int, default=8)
    ap.add_argument("--pe", default=None)
    ap.add_argument("--sims", default="verilator,icarus")
    ap.add_argument("--dataflows", default="os,ws")
    ap.add_argument("--count", type=int, default=None,
                    help="fast, pack: random GEMM problems on top of the corners (default 20, pack 6)")
    ap.add_argument("--repeat", type=int, default=5, help="pack: runs per timing (the median is given)")
    ap.add_argument("--cocotb-sizes", default="8,32", help="fast: sizes also run through the cocotb testbench")
    ap.add_argument("--json", type=Path, default=None, help="also write the rows as JSON")
    a = ap.parse_args(argv)
    if a.what == "gen":
        rows = bench_gen(_ints(a.sizes or "8,16,32"), (a.pe or "int8,fp16,sc").split(","))
    elif a.what == "sim":
        rows = bench_sim(a.size, (a.pe or "int8").split(","), a.sims.split(","))
    elif a.what == "fast":
        rows = bench_fast(_ints(a.sizes or "8,32,64"), (a.pe or "int8").split(","), a.dataflows.split(","),
                          20 if a.count is None else a.count, _ints(a.cocotb_sizes))
    elif a.what == "pack":
        rows = bench_pack(_ints(a.sizes or "8,32"), (a.pe or "int8,fp16,sc,hfp8,unary").split(","),
                          a.dataflows.split(","), 6 if a.count is None else a.count, a.repeat)
    else:
        rows = bench_synth(_ints(a.sizes or "2,4,8"), (a.pe or "int8,fp16,sc").split(","), a.dataflows.split(","))
    if a.json:
        a.json.write_text(json.dumps(rows, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
