#!/usr/bin/env python3
"""FSM unit figures: steady-state deviation, finite-stream accuracy (Bernoulli, LFSR, Sobol, ...
inputs) and area, as Markdown tables for docs/fsm.md.

    python bench/bench_fsm.py [--states 4,8,16] [--lengths 64,256,1024,4096] [--sngs lfsr,sobol]
                              [--seeds 8] [--runs 64] [--plot fsm_accuracy.png] [--area] [--json F]

Accuracy is measured against tanh(N x / 2) (fsm-tanh, bipolar) or exp(-2 G x) (fsm-exp) over the
grid of all 8-bit operand codes, x = 2a/256 - 1, the FSM starting at N/2:

* ``bernoulli exact``: expected RMSE for independent Bernoulli input bits (moment recursion, no
  sampling, :func:`schw.units.fsm.golden.bernoulli_rmse`);
* ``bernoulli MC``: the golden model on --runs seeded Bernoulli streams per code (all columns);
* ``<sng> seed 0``: the generated circuit with that SNG and seed (``unit.accuracy``, exact);
* ``<sng> K seeds``: root of the mean squared error over SNG seeds 0..K-1 (LFSR: different
  initial states; Sobol: digital shifts, seed 0 unscrambled).

--area synthesizes fsm-tanh (W = 8, L = 256, LFSR) and the FSM alone (fsm-stream, kind tanh)
for N = 4..256 with schw.synth.
"""

import argparse
import json
from pathlib import Path

import numpy as np

from schw.registry import get
from schw.stats import error_stats
from schw.units.fsm import golden as F
from schw.units.fsm.golden import bipolar_value
from schw.units.fsm.params import Fsm, exp_fsm, tanh_fsm

WIDTH = 8


def ints(text):
    return [int(v) for v in text.split(",") if v]


def bernoulli_rows(unit, p, lengths, runs, seed):
    """Monte Carlo through the golden model plus the exact expected RMSE, one row per length."""
    a = np.arange(1 << p.width)
    x = bipolar_value(p.width, a)
    target = unit.target(p, x)
    rng = np.random.default_rng(seed)
    rows = []
    for length in lengths:
        q = p.replace(length=length)
        ones = F.run(q.fsm, F.bernoulli_streams(np.repeat(a / (1 << p.width), runs), length, rng))
        stats = error_stats(unit.estimate(q, ones) - np.repeat(target, runs))
        exact = F.bernoulli_rmse(q.fsm, x, length, target, bipolar=unit.bipolar_output)
        rows.append({"length": length, **stats, "rmse_exact": exact})
    return rows


def seed_rms(unit, p, lengths, seeds):
    """Root of the mean (over SNG seeds 0..seeds-1) of each seed's MSE, per length."""
    out = []
    for length in lengths:
        mse = [unit.accuracy(p.replace(seed=s), [length])[0]["rmse"] ** 2 for s in range(seeds)]
        out.append(float(np.sqrt(np.mean(mse))))
    return out


def accuracy_table(unit, base, lengths, sngs, seeds, runs):
    """Markdown rows of RMSE per input source and length, plus rows for the plot."""
    plot_rows = []
    name = f"N={base.states}" + (f" G={base.gain}" if hasattr(base, "gain") else "")
    lines = []
    bern = bernoulli_rows(unit, base, lengths, runs, seed=base.states)
    lines.append([name, "Bernoulli, exact"] + [f"{r['rmse_exact']:.4f}" for r in bern])
    lines.append([name, f"Bernoulli, MC {runs} runs/code"] + [f"{r['rmse']:.4f}" for r in bern])
    plot_rows += [{"panel": f"{unit.name} {name}", "label": "Bernoulli", **r} for r in bern]
    for sng in sngs:
        p = base.replace(sng=sng, seed=0)
        rows = unit.accuracy(p, lengths)
        lines.append([name, f"{sng} seed 0"] + [f"{r['rmse']:.4f}" for r in rows])
        plot_rows += [{"panel": f"{unit.name} {name}", "label": f"{sng} seed 0", **r} for r in rows]
        if seeds > 1:
            lines.append([name, f"{sng} {seeds} seeds (rms)"] + [f"{v:.4f}" for v in seed_rms(unit, p, lengths, seeds)])
    return lines, plot_rows


def plot_panels(rows, path):
    """One log-log panel of RMSE vs L per FSM configuration, one line per input source."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = list(dict.fromkeys(r["panel"] for r in rows))
    fig, axes = plt.subplots(1, len(panels), figsize=(3.2 * len(panels), 3.4), dpi=120, sharey=True, squeeze=False)
    for ax, panel in zip(axes[0], panels):
        for label in dict.fromkeys(r["label"] for r in rows if r["panel"] == panel):
            rs = sorted((r for r in rows if r["panel"] == panel and r["label"] == label), key=lambda r: r["length"])
            ax.loglog([r["length"] for r in rs], [r["rmse"] for r in rs], "o-", ms=3, label=label)
        ax.set_title(panel, fontsize=9)
        ax.set_xlabel("L (cycles)")
        ax.grid(True, which="both", alpha=0.3)
    axes[0][0].set_ylabel("RMSE")
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def markdown(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(map(str, r)) + " |" for r in rows]
    return "\n".join(out)


def steady_table(states_list):
    x = np.linspace(-1, 1, 4001)[1:-1]
    rows = []
    for n in states_list:
        ss = 2 * F.steady_output(tanh_fsm(n), x) - 1
        dev = np.max(np.abs(ss - F.tanh_target(n, x)))
        closed = np.max(np.abs(ss - F.tanh_closed(n, x)))
        rows.append([n, f"{dev:.5f}", f"{closed:.1e}"])
    return markdown(["N", "max abs(steady state - tanh(Nx/2))", "max abs(Markov - closed form)"], rows)


def exp_steady_table(configs):
    x = np.linspace(0, 1, 2001)[:-1]
    rows = []
    for n, g in configs:
        ss = F.steady_output(exp_fsm(n, g), x)
        dev = np.abs(ss - F.exp_target(g, x))
        rows.append([n, g, f"{np.max(dev):.4f}", f"{np.max(dev[x >= 0.1]):.4f}"])
    return markdown(["N", "G", "max dev from exp(-2Gx), 0<=x<1", "same, 0.1<=x<1"], rows)


def area_table(states_list):
    from schw.synth import synthesize

    unit, stream = get("fsm-tanh"), get("fsm-stream")
    rows = []
    for n in states_list:
        full = synthesize(unit, unit.Params(states=n, width=WIDTH, length=256, sng="lfsr"))
        alone = synthesize(stream, stream.Params(kind="tanh", states=n))
        rows.append([n, f"{alone['area_um2']:.1f}", f"{alone['ge']:.1f}", alone["flip_flops"],
                     f"{full['area_um2']:.1f}", f"{full['ge']:.1f}", full["flip_flops"]])
    return markdown(["N", "FSM alone µm²", "FSM alone GE", "FSM FFs",
                     "fsm-tanh unit µm²", "unit GE", "unit FFs"], rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--states", type=ints, default=[4, 8, 16])
    ap.add_argument("--lengths", type=ints, default=[64, 256, 1024, 4096])
    ap.add_argument("--sngs", default="lfsr,sobol,halton")
    ap.add_argument("--seeds", type=int, default=8, help="SNG seeds for the seed-averaged rows (1: none)")
    ap.add_argument("--runs", type=int, default=64, help="Bernoulli Monte-Carlo runs per operand code")
    ap.add_argument("--plot", help="PNG: RMSE vs L, one panel per FSM, one line per input source")
    ap.add_argument("--area", action="store_true", help="also synthesize N = 4..256 (Yosys)")
    ap.add_argument("--area-states", type=ints, default=[4, 8, 16, 32, 64, 128, 256])
    ap.add_argument("--json", help="write the plotted accuracy rows as JSON")
    ap.add_argument("--area-only", action="store_true", help="only the area table")
    args = ap.parse_args()
    sngs = [s for s in args.sngs.split(",") if s]
    if args.area_only:
        print(area_table(args.area_states))
        return

    print("## Steady state of the tanh FSM (Bernoulli input)\n")
    print(steady_table([2, 4, 8, 16, 32, 64]))
    print("\n## Steady state of Sexp (Bernoulli input, x >= 0)\n")
    print(exp_steady_table([(8, 1), (16, 2), (32, 2), (32, 4), (64, 4)]))

    tanh, exp = get("fsm-tanh"), get("fsm-exp")
    header = ["FSM", "input bits"] + [f"L={n}" for n in args.lengths]
    all_rows, plot_rows = [], []
    for n in args.states:
        lines, pr = accuracy_table(tanh, tanh.Params(states=n, width=WIDTH), args.lengths, sngs, args.seeds, args.runs)
        all_rows += lines
        plot_rows += pr
    print("\n## fsm-tanh: RMSE against tanh(N x / 2), all 256 codes, start at N/2\n")
    print(markdown(header, all_rows))

    exp_rows = []
    for n, g in ((16, 2), (32, 4)):
        lines, pr = accuracy_table(exp, exp.Params(states=n, gain=g, width=WIDTH), args.lengths, sngs, args.seeds,
                                   args.runs)
        exp_rows += lines
        plot_rows += pr
    print("\n## fsm-exp: RMSE against exp(-2 G x) (1 for x < 0), all 256 codes, start at N/2\n")
    print(markdown(header, exp_rows))

    init_rows = []
    x = bipolar_value(WIDTH, np.arange(1 << WIDTH))
    for n, g in ((16, 2), (32, 4)):
        for init in sorted({0, n // 2, n - g - 1, n - g, n - 1}):
            f = Fsm("exp", n, g, initial=init)
            init_rows.append([f"N={n} G={g}", init] + [f"{F.bernoulli_rmse(f, x, L, F.exp_target(g, x), False):.4f}"
                                                        for L in args.lengths])
    print("\n## fsm-exp: initial state vs exact Bernoulli RMSE\n")
    print(markdown(["FSM", "initial state"] + [f"L={n}" for n in args.lengths], init_rows))

    if args.plot:
        plot_panels(plot_rows, args.plot)
        print(f"\nplot: {args.plot}")
    if args.json:
        Path(args.json).write_text(json.dumps(plot_rows, indent=1))
    if args.area:
        print("\n## Area, fsm-tanh (W = 8, L = 256, LFSR SNG) and the FSM alone, schw45.lib\n")
        print(area_table(args.area_states))


if __name__ == "__main__":
    main()
