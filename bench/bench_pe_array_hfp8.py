"""Area of pe-array with hfp8 PEs against int8 and fp16 PEs (docs/pe_array.md, "hfp8 PE").

    python bench/bench_pe_array_hfp8.py [--size 8] [--liberties schw45,osu018] [--configs NAME,...]
                                        [--calibrate] [--json FILE]
    python bench/bench_pe_array_hfp8.py --timing [--size 2] [--configs NAME,...]

Per configuration and liberty: hierarchical synthesis (``schw.synth.synthesize_hierarchical``,
what ``schw synth pe-array --hier-plain`` runs; ``--calibrate``: ``--hier``): the PE module alone
(one Yosys run), R*C of it plus the shell (skew, drain, de-skew, control; flat, PEs as
blackboxes). Prints one row per run (PE µm², shell µm², array µm², flip-flops, Yosys time) and
the ratios of each PE and array to the int8 and fp16 ones of the same dataflow.

``--timing``: ``schw ppa`` (``schw.ppa.ppa``: flat Yosys on osu018, OpenSTA, energy from the
gate-level regression with 2 random problems) of the size x size arrays of :data:`TIMING`, one
row each: critical path, Fmax, area, flip-flops, energy per MAC slot (``energy_per_op_pj``:
energy per cycle averaged over the run / (R C), not per useful MAC); the same figures as
``schw ppa pe-array --rows 2 --pe hfp8 <options> --vectors 2``.

An unknown name in ``--configs`` exits 2 with the allowed names, before anything is measured.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from schw.errors import ParamError, SchwError
from schw.ppa import ppa
from schw.registry import get
from schw.synth import synthesize_hierarchical

UNIT = get("pe-array")
P = UNIT.Params

#: name -> PeArrayParams keywords (rows/cols from --size)
CONFIGS = {
    "int8-os": {"pe": "int8"},
    "int8-ws": {"pe": "int8", "dataflow": "ws"},
    "fp16-os": {"pe": "fp16"},                        # FMA, fp32 accumulation (the default)
    "fp16acc16-os": {"pe": "fp16", "acc": "fp16"},   # FMA, binary16 accumulation
    "fp16-ws": {"pe": "fp16", "dataflow": "ws"},
    "hfp8-os": {"pe": "hfp8"},
    "hfp8-os-cl16": {"pe": "hfp8", "chunk": 16},
    "hfp8-os-cl16-sr": {"pe": "hfp8", "chunk": 16, "acc_round": "sr"},
    "hfp8-os-sr": {"pe": "hfp8", "acc_round": "sr"},
    "hfp8-os-e5m2xe4m3b11-cl16": {"pe": "hfp8", "fmt": "e5m2", "fmt_b": "e4m3b11", "chunk": 16},
    "hfp8-ws": {"pe": "hfp8", "dataflow": "ws"},
    "hfp8-ws-cl4": {"pe": "hfp8", "dataflow": "ws", "chunk": 4},
    "hfp8-ws-cl4-sr": {"pe": "hfp8", "dataflow": "ws", "chunk": 4, "acc_round": "sr"},
}

#: --timing: name -> PeArrayParams keywords (ws with chunks: where the fold sits on the critical path)
TIMING = {
    "hfp8-os": {"pe": "hfp8"},
    "hfp8-os-cl4": {"pe": "hfp8", "chunk": 4},
    "hfp8-os-cl4-sr": {"pe": "hfp8", "chunk": 4, "acc_round": "sr"},
    "hfp8-ws": {"pe": "hfp8", "dataflow": "ws"},
    "hfp8-ws-cl1": {"pe": "hfp8", "dataflow": "ws", "chunk": 1},
    "hfp8-ws-cl2": {"pe": "hfp8", "dataflow": "ws", "chunk": 2},
    "hfp8-ws-cl16": {"pe": "hfp8", "dataflow": "ws", "chunk": 16},
    "hfp8-ws-cl2-sr": {"pe": "hfp8", "dataflow": "ws", "chunk": 2, "acc_round": "sr"},
}


def measure_timing(name: str, size: int) -> dict:
    p = P(rows=size, **TIMING[name])
    t0 = time.perf_counter()
    r = ppa(UNIT, p, "osu018", vectors=2)
    return {"config": name, "size": size, "critical_path_ns": round(r["critical_path_ns"], 2),
            "fmax_mhz": round(r["fmax_mhz"], 1), "area_um2": r["area_um2"],
            "flip_flops": r["details"]["flip_flops"], "energy_per_mac_slot_pj": round(r["energy_per_op_pj"], 1),
            "seconds": round(time.perf_counter() - t0, 1),
            "command": f"schw ppa pe-array --rows {size} " + " ".join(
                f"--{k.replace('_', '-')} {v}" for k, v in TIMING[name].items()) + " --vectors 2"}


def timing_table(rows: list[dict]) -> str:
    out = ["| config | critical path ns | Fmax MHz | area µm² (osu018) | flip-flops | energy per MAC slot pJ | s |",
           "|" + "---|" * 7]
    for r in rows:
        out.append(f"| {r['config']} | {r['critical_path_ns']:.2f} | {r['fmax_mhz']:.1f} | {r['area_um2']:.0f} | "
                   f"{r['flip_flops']} | {r['energy_per_mac_slot_pj']:.1f} | {r['seconds']} |")
    return "\n".join(out)


def measure(name: str, size: int, liberty: str, calibrate: bool) -> dict:
    p = P(rows=size, **CONFIGS[name])
    t0 = time.perf_counter()
    rep = synthesize_hierarchical(UNIT, p, liberty, calibrate=calibrate)
    pe = rep["parts"][0]
    return {"config": name, "liberty": liberty, "size": size, "dataflow": p.dataflow,
            "pe_um2": pe.get("in_array_um2", pe["area_um2"]), "pe_alone_um2": pe["area_um2"],
            "pe_flip_flops": pe["flip_flops"], "shell_um2": rep["shell"]["area_um2"],
            "array_um2": rep["area_um2"], "flip_flops": rep["flip_flops"],
            "seconds": round(time.perf_counter() - t0, 1),
            "command": f"schw synth pe-array --rows {size} " + " ".join(
                f"--{k.replace('_', '-')} {v}" for k, v in CONFIGS[name].items())
                       + f" --liberty {liberty} {'--hier' if calibrate else '--hier-plain'}"}


def table(rows: list[dict]) -> str:
    out = ["| config | liberty | PE µm² | PE flip-flops | shell µm² | array µm² | array / int8 | array / fp16 "
           "| PE / int8 | PE / fp16 | Yosys s |", "|" + "---|" * 11]
    ref = {(r["config"], r["liberty"]): r for r in rows}
    for r in rows:
        i8 = ref.get((f"int8-{r['dataflow']}", r["liberty"]))
        f16 = ref.get((f"fp16-{r['dataflow']}", r["liberty"]))

        def ratio(key, base):
            return f"{r[key] / base[key]:.2f}" if base else "-"
        out.append(f"| {r['config']} | {r['liberty']} | {r['pe_um2']:.0f} | {r['pe_flip_flops']} | "
                   f"{r['shell_um2']:.0f} | {r['array_um2']:.0f} | {ratio('array_um2', i8)} | "
                   f"{ratio('array_um2', f16)} | {ratio('pe_um2', i8)} | {ratio('pe_um2', f16)} | {r['seconds']} |")
    return "\n".join(out)


def _names(arg: str | None, known: dict, mode: str) -> list[str]:
    """The --configs names (default: all of ``known``), every one checked before anything runs."""
    names = arg.split(",") if arg else list(known)
    bad = [n for n in names if n not in known]
    if bad:
        raise ParamError("configs", f"comma-separated names of {mode}: {', '.join(known)}", ",".join(bad))
    return names


def _record(r: dict, rows: list[dict], json_path: str | None) -> None:
    """Keep one measured row, print it as JSON on stderr and append it to ``json_path`` if given."""
    rows.append(r)
    print(json.dumps(r), file=sys.stderr, flush=True)
    if json_path:
        with open(json_path, "a") as f:
            f.write(json.dumps(r) + "\n")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=None, help="array size (default 8; --timing: 2)")
    ap.add_argument("--liberties", default="schw45,osu018")
    ap.add_argument("--configs", default=None, help="names of CONFIGS (--timing: of TIMING); default all")
    ap.add_argument("--calibrate", action="store_true")
    ap.add_argument("--timing", action="store_true", help="schw ppa figures (osu018) instead of areas")
    ap.add_argument("--json", default=None, help="append each row to this JSON-lines file as it is measured")
    a = ap.parse_args(argv)
    rows: list[dict] = []
    try:
        if a.timing:
            for name in _names(a.configs, TIMING, "--timing configurations"):
                _record(measure_timing(name, 2 if a.size is None else a.size), rows, a.json)
            print(timing_table(rows))
            return 0
        names = _names(a.configs, CONFIGS, "area configurations")
        for lib in a.liberties.split(","):
            for name in names:
                _record(measure(name, 8 if a.size is None else a.size, lib, a.calibrate), rows, a.json)
    except SchwError as e:
        print(f"bench_pe_array_hfp8: {e}", file=sys.stderr)
        return e.exit_code
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
