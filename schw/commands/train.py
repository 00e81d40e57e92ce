"""``schw train``: train an MLP with every weight update through a counter's golden model."""

from __future__ import annotations

import json

import click

from ..errors import ParamError
from ..train import ACTIVATIONS, DATASETS, OPTIMIZERS, TrainConfig, check_weights_path, load_data, table, train_network
from ..train import save_weights as write_weights


def _ints(name: str, text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(t) for t in text.split(",") if t.strip())
    except ValueError:
        raise ParamError(name, "a comma-separated list of layer sizes in 1..4096", text) from None
    return values


@click.command("train")
@click.option("--optimizer", default="sc-gdc,fixed,float", show_default=True,
              help=f"comma list of: {', '.join(OPTIMIZERS)} (each trains the same network from the same start)")
@click.option("--dataset", default="digits", show_default=True,
              help=f"one of {', '.join(DATASETS)} (fashion-mnist: Debian's dataset-fashion-mnist files)")
@click.option("--data-dir", default=None,
              help="directory with the four MNIST-format IDX files (required with --dataset mnist)")
@click.option("--hidden", default="64", show_default=True, help="hidden layer sizes, comma separated (mnist seed: 128,128)")
@click.option("--epochs", default=20, show_default=True, type=int)
@click.option("--step-exp", default=6, show_default=True, type=int, help="k: step size (and counter LSB) 2^-k")
@click.option("--seed", default=1, show_default=True, type=int, help="initial weights, sample order, SNG seeds")
@click.option("--width", default=16, show_default=True, type=int, help="W: weight counter / register bits")
@click.option("--operand-width", default=8, show_default=True, type=int, help="N: operand and SNG code bits")
@click.option("--coding", default="signed", show_default=True, help="SC-GDC coding: signed or unipolar")
@click.option("--shared/--no-shared", default=True, show_default=True, help="SC-GDC: delta+ and delta- share one source")
@click.option("--momentum-exp", default=3, show_default=True, type=int, help="SC-GDM: beta = 1 - 2^-m, eta = 2^-m")
@click.option("--fixed-extra-bits", default=0, show_default=True, type=int,
              help="fixed: register fraction bits below the step size (0 = the same W-bit weights as SC-GDC); "
                   "fixed-acc always keeps all 2N product bits (W+2N-bit register, exact update)")
@click.option("--sources", default="per-weight", show_default=True,
              help="sc-gdc random sources: per-weight, or outer (a source set per row and per column, as sc-gdc-array --cols)")
@click.option("--activation", default="clipped-relu", show_default=True,
              help=f"hidden units: {' or '.join(ACTIVATIONS)} (tanh: float only, bipolar inputs 2u-1: the network "
                   "the SC-MLP computes)")
@click.option("--limit-train", default=None, type=int, help="train on the first n training images only")
@click.option("--save-weights", default=None, metavar="FILE.npz",
              help="write the trained network (weights, biases, layer sizes, input scaling) to this .npz file; "
                   "one optimizer only")
@click.option("--quiet", is_flag=True, help="no progress bars")
@click.option("--json", "as_json", is_flag=True, help="print the results as JSON")
def command(optimizer, dataset, data_dir, hidden, epochs, step_exp, seed, width, operand_width, coding, shared,
            momentum_exp, fixed_extra_bits, sources, activation, limit_train, save_weights, quiet, as_json):
    """Train an MLP (NumPy forward/backward) whose every weight update runs through the
    bit-exact golden model of the chosen counter; print test accuracy per optimizer."""
    names = [o.strip() for o in optimizer.split(",") if o.strip()]
    if not names:
        raise ParamError("optimizer", "a comma list of " + ", ".join(OPTIMIZERS), optimizer)
    if limit_train is not None and limit_train < 1:
        raise ParamError("limit_train", "a positive integer", limit_train)
    configs = [TrainConfig(optimizer=o, dataset=dataset, data_dir=data_dir, hidden=_ints("hidden", hidden),
                           epochs=epochs, step_exp=step_exp, seed=seed, width=width, operand_width=operand_width,
                           coding=coding, shared=shared, momentum_exp=momentum_exp,
                           fixed_extra_bits=fixed_extra_bits, sources=sources, activation=activation,
                           limit_train=limit_train) for o in names]
    if save_weights is not None:
        if len(configs) != 1:
            raise ParamError("save_weights", "one optimizer (--optimizer NAME) to save the network of",
                             ",".join(names))
        check_weights_path(save_weights)
    data = load_data(configs[0])
    results = [train_network(cfg, data, progress=not quiet) for cfg in configs]
    rows = [row for row, _ in results]
    if save_weights is not None:
        rows[0]["weights_file"] = str(write_weights(save_weights, results[0][1]))
    if as_json:
        click.echo(json.dumps({"rows": rows}, indent=2))
    else:
        click.echo(table(rows))
        if save_weights is not None:
            click.echo(f"wrote {save_weights}")
