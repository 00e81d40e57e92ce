"""``schw faults``: accuracy of a trained MLP vs bit-flip rate, as an SC-MLP (golden model) and as
its binary baselines (int8, fp16, float)."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import click

from .. import faults
from ..errors import ParamError
from ..train import DATASETS, TrainConfig, check_weights_path, load_data, load_weights, train_network

_RATES = "a comma list of flip rates in [0, 0.5] (0.01 = 1 %)"


def _list(name: str, text: str, kind, allowed: str) -> tuple:
    items = [t.strip() for t in str(text).split(",") if t.strip()]
    try:
        values = tuple(kind(t) for t in items)
    except ValueError:
        raise ParamError(name, allowed, text) from None
    if not values:
        raise ParamError(name, allowed, text)
    return values


def _write_plot(summary, path: Path, title: str) -> None:
    """The plot goes to a temporary file in the target directory, renamed into place when whole."""
    fd, tmp = tempfile.mkstemp(dir=path.parent if str(path.parent) else ".", prefix=f".{path.name}.", suffix=".png")
    os.close(fd)
    try:
        faults.plot(summary, tmp, title)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)  # mkstemp makes 0600: give the plot a normal file's mode
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@click.command("faults")
@click.option("--weights", default=None, metavar="FILE.npz",
              help="a network from schw train --save-weights (tanh, bipolar inputs for sc-mlp: --optimizer float "
                   "--activation tanh); without it a float tanh network is trained here (--hidden, --epochs, ...)")
@click.option("--dataset", default="digits", show_default=True, help=f"one of {', '.join(DATASETS)}")
@click.option("--data-dir", default=None, help="directory with the four MNIST-format IDX files (--dataset mnist)")
@click.option("--hidden", default="32", show_default=True, help="hidden layer sizes of the network trained here")
@click.option("--epochs", default=20, show_default=True, type=int, help="training epochs (network trained here)")
@click.option("--step-exp", default=6, show_default=True, type=int, help="training step 2^-k (network trained here)")
@click.option("--train-seed", default=1, show_default=True, type=int, help="training seed (network trained here)")
@click.option("--models", default=",".join(faults.MODELS), show_default=True,
              help="comma list of: " + ", ".join(faults.MODELS))
@click.option("--lengths", default="64,256,1024", show_default=True,
              help="SC stream lengths L (sc-mlp, and the L the per-value baselines are matched to)")
@click.option("--flip-rates", default="0,0.01,0.05,0.1,0.2", show_default=True,
              help="per-bit flip probabilities in [0, 0.5]")
@click.option("--sites", default=",".join(faults.SITES), show_default=True,
              help="where bits flip: " + ", ".join(faults.SITES) + " (products: SC only)")
@click.option("--seeds", default="1,2,3", show_default=True, help="fault seeds (and SC SNG seeds): mean ± std over them")
@click.option("--limit-test", default=None, type=int, help="evaluate on the first n test images only")
@click.option("--width", default=8, show_default=True, type=int, help="sc-mlp: operand and weight code width N")
@click.option("--sng", default="lfsr", show_default=True, help="sc-mlp: lfsr or sobol")
@click.option("--adder", default="apc", show_default=True, help="sc-mlp: apc or mux")
@click.option("--chain", default="stream", show_default=True, help="sc-mlp: stream or reencode between layers")
@click.option("--states", default=0, show_default=True, type=int, help="sc-mlp: Btanh states (0 = auto)")
@click.option("--input-channels", default="independent", show_default=True, help="sc-mlp: independent or shared")
@click.option("--weight-channels", default="row", show_default=True, help="sc-mlp: row or shared")
@click.option("--quiet", is_flag=True, help="no progress lines")
@click.option("--json", "as_json", is_flag=True, help="print the rows (one per model, L, flip rate, seed) as JSON")
@click.option("--plot", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="write accuracy vs flip rate (PNG), one line per model")
def command(weights, dataset, data_dir, hidden, epochs, step_exp, train_seed, models, lengths, flip_rates, sites, seeds,
            limit_test, width, sng, adder, chain, states, input_channels, weight_channels, quiet, as_json, plot):
    """Test accuracy vs bit-flip rate: the SC-MLP golden model at each stream length, the same
    network in int8 fixed point and fp16 with the same per-bit flip rate on every stored bit (and
    at equal error probability per value: int8-value, fp16-value), and float without faults.
    Every bit at the chosen sites flips independently with the given probability, seeded."""
    sweep = faults.Sweep(
        models=_list("models", models, str, "a comma list of " + ", ".join(faults.MODELS)),
        lengths=_list("lengths", lengths, int, "a comma list of stream lengths, powers of two in 4..65536"),
        flip_rates=_list("flip_rates", flip_rates, float, _RATES),
        sites=_list("sites", sites, str, "a comma list of " + ", ".join(faults.SITES)),
        seeds=_list("seeds", seeds, int, "a comma list of seeds in 0..2^32-1"),
        sc=(("width", width), ("sng", sng), ("adder", adder), ("chain", chain), ("states", states),
            ("input_channels", input_channels), ("weight_channels", weight_channels)))
    if "sc-mlp" in sweep.models:  # the SC parameters, checked before any work
        faults.ScMlpParams(sizes="2,2", **dict(sweep.sc))
    if limit_test is not None and limit_test < 1:
        raise ParamError("limit_test", "a positive integer", limit_test)
    if plot is not None:
        check_weights_path(plot, "plot")
    cfg = TrainConfig(optimizer="float", activation="tanh", dataset=dataset, data_dir=data_dir,
                      hidden=_list("hidden", hidden, int, "a comma-separated list of layer sizes in 1..4096"),
                      epochs=epochs, step_exp=step_exp, seed=train_seed)
    net = None
    if weights is not None:  # checked before the data set is read
        net = load_weights(weights)
        if "sc-mlp" in sweep.models:
            faults.check_sc_network(net)
    data = load_data(cfg)
    xte, yte = data[2], data[3]
    if net is None:
        row, net = train_network(cfg, data, progress=not quiet)
        source = f"trained here: float tanh {'-'.join(map(str, net.sizes))}, {epochs} epochs, step 2^-{step_exp}"
    else:
        net = load_weights(weights, inputs=xte.shape[1])
        source = f"{weights}: {'-'.join(map(str, net.sizes))} ({net.meta.get('optimizer', '?')}, {net.activation})"
    if limit_test:
        xte, yte = xte[:limit_test], yte[:limit_test]

    def progress(r):
        if not quiet:
            click.echo(f"  {faults.label(r['model'], r['L']):<26} p = {r['flip_rate']:<6g} seed {r['seed']:<4} "
                       f"{100 * r['accuracy']:6.2f} %  [{r['seconds']:.1f} s]", err=True)

    rows = faults.run(net, xte, yte, sweep, progress)
    summary = faults.summarize(rows)
    title = f"{dataset}, {len(yte)} test images, {'-'.join(map(str, net.sizes))}, sites {','.join(sweep.sites)}"
    if plot is not None:
        _write_plot(summary, plot, title)
    if as_json:
        info = {"dataset": dataset, "test_images": int(len(yte)), "network": source, "sizes": list(net.sizes),
                "sc_options": dict(sweep.sc)}
        click.echo(json.dumps({"info": info, "rows": rows, "summary": summary}, indent=2))
    else:
        click.echo(f"{title}; network {source}")
        click.echo(faults.render_table(summary))
        if plot is not None:
            click.echo(f"wrote {plot}")
    sys.stdout.flush()
