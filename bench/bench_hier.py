"""Hierarchical synthesis of pe-arrays (``schw synth pe-array --hier``): validation against flat
synthesis, synthesis times, and the sizes flat synthesis does not reach.

    python bench/bench_hier.py validate [--sizes 2,4,8] [--pe int8,sc] [--dataflows os,ws] [--samples 5]
                                        [--flat-samples N]
    python bench/bench_hier.py measure  [--configs int8:16,fp16:8,...] [--dataflows os] [--liberties schw45,osu018]
                                        [--samples 1] [--no-timing]

validate: per array, flat synthesis (``schw.synth.synthesize_verilog``: ``synth -flatten`` of the
whole array) in ``--flat-samples`` (default ``--samples``) Yosys name contexts
(:func:`schw.synth.name_context`: Yosys 0.23 maps the same logic to different netlists depending on its hash order, so one run is one draw;
the first context is what a plain ``schw synth`` gives), against
  hier: ``synthesize_hierarchical`` plain (the PE alone, counted R*C times, plus the shell), and
  calibrated: the PE counted at its area inside a flat 2x2 array of the same PE and dataflow
  (median over ``--samples`` contexts), plus the shell; its deviation is taken from the flat
  median. At 2x2 the calibration is the array itself ("self").
Also the wall time and the Yosys CPU time of one flat run, one plain hierarchical run and one
calibrated run (the calibration is done once per PE type and dataflow in a process, so only the
first size of each pays for it).

measure: calibrated hierarchical area (µm², PE alone and in the array, shell share) in each
liberty, and with ``schw.sta`` the critical path of the PE alone, of the shell alone (every PE
replaced by registers on its pins) and of the whole array (the hierarchical netlist, read as
it is by OpenSTA), on osu018.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

from schw.registry import get
from schw.synth import flatten_netlist, name_context, synthesize_hierarchical, synthesize_verilog
from schw.output import generate, write_atomic

UNIT = get("pe-array")


def _ints(text):
    return [int(x) for x in text.split(",") if x]


def _cpu():
    """CPU seconds of this process's finished children (the Yosys runs)."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def flat_runs(p, samples, liberty=None):
    """Flat synthesis of the array in ``samples`` name contexts: [(area, flip-flops, seconds, CPU seconds)]."""
    gen = generate(UNIT, p)
    out = []
    with tempfile.TemporaryDirectory(prefix="bench-hier-") as tmp:
        src = Path(tmp) / f"{gen.top}.v"
        write_atomic({src: gen.verilog})
        for s in range(samples):
            t0, c0 = time.perf_counter(), _cpu()
            r = synthesize_verilog(name_context(s, Path(tmp)) + [src], gen.top, liberty)
            out.append((r["area_um2"], r["flip_flops"], time.perf_counter() - t0, _cpu() - c0))
    return out


def validate(sizes, pes, dataflows, samples, liberty=None, flat_samples=None):
    rows = []
    for pe in pes:
        for n in sizes:
            for df in dataflows:
                p = UNIT.Params(rows=n, pe=pe, dataflow=df)
                t0, c0 = time.perf_counter(), _cpu()
                h1 = synthesize_hierarchical(UNIT, p, liberty)
                t_hier, c_hier = time.perf_counter() - t0, _cpu() - c0
                t0, c0 = time.perf_counter(), _cpu()
                hc = synthesize_hierarchical(UNIT, p, liberty, calibrate=True, calibration_samples=samples)
                t_cal, c_cal = time.perf_counter() - t0, _cpu() - c0
                flat = flat_runs(p, flat_samples or samples, liberty)
                areas = [f[0] for f in flat]
                f_med = statistics.median(areas)
                cal = hc["calibration"]
                row = {"pe": pe, "dataflow": df, "rows": n, "cols": n,
                       "flat_um2": areas[0], "flat_median_um2": round(f_med, 3),
                       "flat_spread_pct": round(100 * (max(areas) - min(areas)) / f_med, 2),
                       "hier_um2": h1["area_um2"], "dev_pct": round(100 * (h1["area_um2"] / areas[0] - 1), 2),
                       "pe_alone_um2": h1["parts"][0]["area_um2"], "shell_um2": h1["shell"]["area_um2"],
                       "pe_in_array_um2": hc["parts"][0]["in_array_um2"],
                       "calibrated_um2": hc["area_um2"],
                       "calibrated_dev_pct": round(100 * (hc["area_um2"] / f_med - 1), 2),
                       "calibrated_dev_first_pct": round(100 * (hc["area_um2"] / areas[0] - 1), 2),
                       "calibrated_on": cal["top"], "self_calibrated": cal["top"] == h1["top"],
                       "flat_runs_um2": areas, "calibration_contexts": cal["contexts"],
                       "flip_flops_flat": flat[0][1], "flip_flops_hier": h1["flip_flops"],
                       "flat_seconds": round(flat[0][2], 1), "hier_seconds": round(t_hier, 1),
                       "calibrated_seconds": round(t_cal, 1), "flat_cpu_s": round(flat[0][3], 1),
                       "hier_cpu_s": round(c_hier, 1), "calibrated_cpu_s": round(c_cal, 1), "samples": samples}
                rows.append(row)
                print(json.dumps(row), flush=True)
    return rows


def _sta():
    try:
        from schw import sta
    except ImportError:
        return None
    return sta


def measure(configs, dataflows, liberties, samples, timing=True, calibration_samples=5):
    sta = _sta() if timing else None
    rows = []
    for pe, n in configs:
        for df in dataflows:
            p = UNIT.Params(rows=n, pe=pe, dataflow=df)
            row = {"pe": pe, "dataflow": df, "rows": n, "cols": n}
            for lib in liberties:
                with tempfile.TemporaryDirectory(prefix="bench-hier-") as keep:
                    t0, c0 = time.perf_counter(), _cpu()
                    net = Path(keep) / "array.v"
                    r = synthesize_hierarchical(UNIT, p, lib, keep=Path(keep), netlist=net, samples=samples,
                                                calibrate=True, calibration_samples=calibration_samples)
                    dt, dc = time.perf_counter() - t0, _cpu() - c0
                    pr, sh = r["parts"][0], r["shell"]
                    row[lib] = {"area_um2": r["area_um2"], "plain_area_um2": r["plain_area_um2"], "ge": r["ge"],
                                "pe_um2": pr["in_array_um2"], "pe_alone_um2": pr["area_um2"],
                                "pe_spread_pct": pr.get("spread_pct"), "shell_um2": sh["area_um2"],
                                "shell_share_pct": sh["share_pct"], "area_per_pe_um2": round(r["area_um2"] / (n * n), 1),
                                "flip_flops": r["flip_flops"], "cells": r["cell_count"], "seconds": round(dt, 1),
                                "cpu_s": round(dc, 1)}
                    if sta is not None and lib == "osu018":
                        row[lib]["timing"] = _timing(sta, r, p, Path(keep), net)
            rows.append(row)
            print(json.dumps(row), flush=True)
    return rows


def _standin(name, W, A):
    """The PE's ports with a register on each: shell paths end at its input pins (setup of a
    flop) and start at its result pins (clock-to-Q), with no PE logic in between."""
    return (f"module {name}(input wire clk, input wire rst, input wire en, input wire [{W - 1}:0] a,\n"
            f"  input wire [{W - 1}:0] b, input wire [{A - 1}:0] c, output reg [{A - 1}:0] result);\n"
            f"  (* keep *) reg [{2 * W + A + 1}:0] cap;\n"
            f"  always @(posedge clk) begin cap <= {{rst, en, a, b, c}}; result <= cap[{A - 1}:0]; end\n"
            f"endmodule\n")


def _short_instances(netlist, module, out):
    """The hierarchical netlist with the ``module`` instances renamed pe_0, pe_1, ...: schw.sta
    cannot parse a report whose start or end point has a long hierarchical name (OpenSTA wraps
    it onto a second line); OpenSTA itself reads the hierarchy (no flattening, which needs
    ~4 kB of Yosys memory per cell)."""
    n = itertools.count()
    text = re.sub(rf"^(\s+){re.escape(module)} \\\S+\s+\(", lambda m: f"{m.group(1)}{module} pe_{next(n)} (",
                  Path(netlist).read_text(), flags=re.M)
    Path(out).write_text(text)
    return Path(out)


def _timing(sta, r, p, keep, net):
    """Critical paths on osu018: the PE alone (inputs straight from ideal registers), the shell
    alone (each PE replaced by registers on its pins, :func:`_standin`), the whole array (the
    hierarchical netlist, :func:`_short_instances`)."""
    pe_mod, top = r["parts"][0]["module"], r["top"]

    def run_dir(row, base):
        return keep / (base + (f"_{row['sample']}" if "sample" in row else ""))

    pe_net = run_dir(r["parts"][0], pe_mod) / f"{pe_mod}.netlist.v"
    shell_net = run_dir(r["shell"], "shell") / f"{top}.netlist.v"
    sdir = keep / "standin"
    sdir.mkdir()
    (sdir / "standin.v").write_text(_standin(pe_mod, p.lane_width, p.acc_width))
    synthesize_verilog([sdir / "standin.v"], pe_mod, "osu018", netlist=sdir / "standin.netlist.v")
    (sdir / "shell_cut.v").write_text(shell_net.read_text() + (sdir / "standin.netlist.v").read_text())
    out = {}
    for what, netlist, name in (("pe", pe_net, pe_mod), ("shell", sdir / "shell_cut.v", top), ("array", net, top)):
        t0 = time.perf_counter()
        try:
            if what == "shell":
                netlist = flatten_netlist(netlist, name, keep / f"{what}_flat.v", "osu018")
            elif what == "array":
                netlist = _short_instances(netlist, pe_mod, keep / "array_short.v")
            t = sta.timing(netlist, name, "osu018")
            out[what] = {"critical_path_ns": round(t["critical_path_ns"], 3), "fmax_mhz": round(t["fmax_mhz"], 1),
                         "group": t["critical_group"], "from": t[t["critical_group"]]["startpoint"],
                         "to": t[t["critical_group"]]["endpoint"], "seconds": round(time.perf_counter() - t0, 1)}
        except Exception as e:  # noqa: BLE001 - report what failed, keep measuring
            out[what] = {"error": str(e).splitlines()[0][:300]}
    return out


def table(rows, what):
    if what == "validate":
        print("| PE | dataflow | R x C | flat um2 (spread) | hier um2 | dev | PE alone / in array um2 "
              "| calibrated um2 | dev vs flat median | flat s (CPU) | hier s (CPU) | calibrated s (CPU) |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|")
        for r in rows:
            self_cal = " (self)" if r["self_calibrated"] else ""
            print(f"| {r['pe']} | {r['dataflow']} | {r['rows']}x{r['cols']} | {r['flat_um2']:.0f} "
                  f"({r['flat_spread_pct']:.1f} %) | {r['hier_um2']:.0f} | {r['dev_pct']:+.2f} % "
                  f"| {r['pe_alone_um2']:.0f} / {r['pe_in_array_um2']:.0f} | {r['calibrated_um2']:.0f} "
                  f"| {r['calibrated_dev_pct']:+.2f} %{self_cal} | {r['flat_seconds']} ({r.get('flat_cpu_s')}) "
                  f"| {r['hier_seconds']} ({r.get('hier_cpu_s')}) | {r['calibrated_seconds']} ({r.get('calibrated_cpu_s')}) |")
    else:
        libs = [k for k in rows[0] if isinstance(rows[0][k], dict)] if rows else []
        head = "| PE | dataflow | R x C |" + "".join(f" {lib} um2 | {lib} PE um2 | {lib} shell % |" for lib in libs) \
            + " PE crit. ns | shell crit. ns | array crit. ns | hier s |"
        print(head)
        print("|" + "---|" * (head.count("|") - 1))
        for r in rows:
            line = f"| {r['pe']} | {r['dataflow']} | {r['rows']}x{r['cols']} |"
            for lib in libs:
                x = r[lib]
                line += f" {x['area_um2']:.0f} | {x['pe_um2']:.0f} | {x['shell_share_pct']:.1f} |"
            t = r.get("osu018", {}).get("timing", {})
            for k in ("pe", "shell", "array"):
                line += f" {t[k]['critical_path_ns']:.2f} |" if "critical_path_ns" in t.get(k, {}) else " - |"
            line += " " + " + ".join(str(r[lib]["seconds"]) for lib in libs) + " |"
            print(line)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=("validate", "measure"))
    ap.add_argument("--sizes", default="2,4,8")
    ap.add_argument("--pe", default="int8,sc")
    ap.add_argument("--dataflows", default=None, help="validate: [os,ws]; measure: [os]")
    ap.add_argument("--samples", type=int, default=None,
                    help="name contexts: validate: flat runs and calibration [5]; measure: PE and shell runs [1]")
    ap.add_argument("--flat-samples", type=int, default=None, help="validate: flat runs [--samples]")
    ap.add_argument("--liberty", default="schw45", help="validate: the liberty")
    ap.add_argument("--configs", default="fp16:8,int8:16,fp16:16,sc:16,int8:32,fp16:32,sc:32",
                    help="measure: PE:size pairs")
    ap.add_argument("--liberties", default="schw45,osu018", help="measure: the liberties")
    ap.add_argument("--no-timing", action="store_true")
    ap.add_argument("--json", type=Path, default=None, help="also write the rows as JSON")
    a = ap.parse_args(argv)
    if a.what == "validate":
        rows = validate(_ints(a.sizes), a.pe.split(","), (a.dataflows or "os,ws").split(","), a.samples or 5, a.liberty,
                        a.flat_samples)
    else:
        configs = [(c.split(":")[0], int(c.split(":")[1])) for c in a.configs.split(",")]
        rows = measure(configs, (a.dataflows or "os").split(","), a.liberties.split(","), a.samples or 1, not a.no_timing)
    if a.json:
        a.json.write_text(json.dumps(rows, indent=1) + "\n")
    table(rows, a.what)
    return 0


if __name__ == "__main__":
    sys.exit(main())
