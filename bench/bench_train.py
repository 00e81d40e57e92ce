"""Digits (or MNIST) test accuracy per optimizer over several seeds: the figures behind the
accuracy table in docs/gdc.md. Each run is ``schw train`` (every weight update through the
counter's golden model); prints a Markdown table (per seed and mean) and optionally JSON.

    python bench/bench_train.py [--optimizers sc-gdc,sc-gdm,fixed,float] [--seeds 1,2,3]
                                [--epochs 20] [--step-exp 6] [--hidden 64] [--json FILE]
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from schw.train import TrainConfig, load_data, train

VARIANTS = {
    "sc-gdc": dict(optimizer="sc-gdc"),
    "sc-gdc-outer": dict(optimizer="sc-gdc", sources="outer"),
    "sc-gdm": dict(optimizer="sc-gdm"),
    "fixed": dict(optimizer="fixed"),
    "fixed-x8": dict(optimizer="fixed", fixed_extra_bits=8, width=24),
    "fixed-acc": dict(optimizer="fixed-acc"),
    "float": dict(optimizer="float"),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--optimizers", default="sc-gdc,sc-gdm,fixed,float",
                    help="comma list of " + ", ".join(VARIANTS))
    ap.add_argument("--seeds", default="1,2,3")
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--step-exp", type=int, default=6)
    ap.add_argument("--hidden", default="64")
    ap.add_argument("--dataset", default="digits")
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--json", default=None, help="also write every result row to this file")
    a = ap.parse_args()
    seeds = [int(s) for s in a.seeds.split(",")]
    hidden = tuple(int(h) for h in a.hidden.split(","))
    names = a.optimizers.split(",")
    data = None
    results = {}
    for name in names:
        for seed in seeds:
            cfg = TrainConfig(dataset=a.dataset, data_dir=a.data_dir, hidden=hidden, epochs=a.epochs,
                              step_exp=a.step_exp, seed=seed, **VARIANTS[name])
            data = data if data is not None else load_data(cfg)
            results.setdefault(name, []).append(train(cfg, data, progress=False))
    print(f"{a.dataset}, hidden {a.hidden}, {a.epochs} epochs, step 2^-{a.step_exp}, seeds {a.seeds}: test accuracy %")
    print("| optimizer | variant | " + " | ".join(f"seed {s}" for s in seeds) + " | mean |")
    print("|---|---|" + "---:|" * (len(seeds) + 1))
    for name in names:
        acc = [r["test_accuracy"] for r in results[name]]
        print(f"| {name} | {results[name][0]['variant']} | " + " | ".join(f"{x:.2f}" for x in acc)
              + f" | {np.mean(acc):.2f} |")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
