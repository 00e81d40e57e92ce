"""Area of pe-array with hfp8 PEs against int8 and fp16 PEs (docs/pe_array.md, "hfp8 PE").

    python bench/bench_pe_array_hfp8.py [--size 8] [--liberties schw45,osu018] [--configs NAME,...]
                                        [--calibrate] [--json FILE]

Per configuration and liberty: hierarchical synthesis (``schw.synth.synthesize_hierarchical``,
what ``schw synth pe-array --hier-plain`` runs; ``--calibrate``: ``--hier``): the PE module alone
(one Yosys run), R*C of it plus the shell (skew, drain, de-skew, control; flat, PEs as
blackboxes). Prints one row per run (PE µm², shell µm², array µm², flip-flops, Yosys time) and
the ratios of each PE and array to the int8 and fp16 ones of the same dataflow.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

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


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=8)
    ap.add_argument("--liberties", default="schw45,osu018")
    ap.add_argument("--configs", default=",".join(CONFIGS))
    ap.add_argument("--calibrate", action="store_true")
    ap.add_argument("--json", default=None, help="append each row to this JSON-lines file as it is measured")
    a = ap.parse_args(argv)
    rows = []
    for lib in a.liberties.split(","):
        for name in a.configs.split(","):
            r = measure(name, a.size, lib, a.calibrate)
            rows.append(r)
            print(json.dumps(r), file=sys.stderr, flush=True)
            if a.json:
                with open(a.json, "a") as f:
                    f.write(json.dumps(r) + "\n")
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
