"""``schw sweep UNIT --PARAM a,b,c ... --metrics accuracy,area,ppa,sim --out DIR``: a design-space
sweep, one Dask task per point, on a local cluster or on ``--scheduler tcp://HOST:PORT``
(see :mod:`schw.sweep` and docs/sweep.md)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click

from ..registry import load_all

#: the metrics (schw.sweep.METRICS; the module itself, which pulls in Amaranth and the flows, is
#: imported when a sweep runs, as schw.cli imports its flows, so that ``schw --help`` stays quick)
METRICS = ("accuracy", "area", "ppa", "sim")

#: the sweep's own options; a unit parameter may not take one of these names
RESERVED = {"metrics", "scheduler", "workers", "out", "cache", "liberty", "sim", "vectors", "vector_seed",
            "accuracy_length", "activity", "quiet"}


def _multi_option(f: dataclasses.Field) -> click.Option:
    """A unit parameter as a comma-list option (parsed and checked by :func:`schw.params.expand`)."""
    rule = f.metadata.get("rule")
    allowed = getattr(rule, "allowed", "")
    return click.Option(["--" + f.name.replace("_", "-")], type=str, default=None,
                        help=f"{f.metadata.get('help', '')} [{allowed}; default {f.default}] (comma list)")


def _make(unit):
    @click.command(name=unit.name, help=f"Sweep {unit.name}: every combination of the comma lists is a point.")
    @click.option("--metrics", default="accuracy,area", show_default=True,
                  help="comma list of: " + ", ".join(METRICS))
    @click.option("-o", "--out", type=click.Path(file_okay=False, path_type=Path), required=True,
                  help="output directory: results.csv, results.parquet, pareto.csv/png, sweep.json, points/")
    @click.option("--scheduler", default=None, help="a running Dask scheduler, tcp://HOST:PORT [a local cluster]")
    @click.option("--workers", type=int, default=None, help="local cluster: worker processes [one per core]")
    @click.option("--cache", type=click.Path(file_okay=False, path_type=Path), default=None,
                  help="point cache directory [OUT/points]")
    @click.option("--liberty", default=None,
                  help="cell library of area and ppa: schw45, osu018 or a .lib file (the same path on every worker) "
                       "[osu018 with ppa, else schw45]")
    @click.option("--activity", default="sim", show_default=True,
                  help="ppa: sim (toggles of a gate-level regression) or toggles per net per cycle in [0, 2]")
    @click.option("--sim", type=click.Choice(["verilator", "icarus"]), default="verilator", show_default=True,
                  help="simulator of the sim metric")
    @click.option("--vectors", type=click.IntRange(min=0), default=None,
                  help="sim: random vectors on top of the corners [unit default]")
    @click.option("--vector-seed", type=int, default=1, show_default=True,
                  help="seed of the sim vectors and of sampled accuracy operands")
    @click.option("--accuracy-length", type=click.IntRange(min=1), default=256, show_default=True,
                  help="accuracy: stream length for units without a length parameter (SNG units)")
    @click.option("--quiet", is_flag=True, help="no progress bar")
    def cmd(metrics, out, scheduler, workers, cache, liberty, activity, sim, vectors, vector_seed, accuracy_length,
            quiet, **kwargs):
        from .. import sweep
        options = sweep.Options(metrics=sweep.parse_metrics(metrics), liberty=liberty, sim=sim, vectors=vectors,
                                vector_seed=vector_seed, accuracy_length=accuracy_length, activity=activity)
        values = {f.name: kwargs.pop(f.name) for f in dataclasses.fields(unit.Params)}
        result = sweep.run(unit.name, values, options, out, scheduler=scheduler, workers=workers, cache=cache,
                           progress=not quiet)
        click.echo(result.summary())
    return cmd


class SweepGroup(click.Group):
    """Subcommands: the registered units, each with its parameters as comma-list options."""

    def list_commands(self, ctx):
        return list(load_all())

    def get_command(self, ctx, name):
        units = load_all()
        if name not in units:
            return None
        unit = units[name]
        fields = dataclasses.fields(unit.Params)
        clash = RESERVED & {f.name for f in fields}
        if clash:
            raise RuntimeError(f"unit {name} uses parameter names schw sweep reserves: {sorted(clash)}")
        cmd = _make(unit)
        cmd.params[:0] = [_multi_option(f) for f in fields]
        return cmd


command = SweepGroup("sweep", help="Design-space sweep on Dask: accuracy, area, ppa and sim per parameter "
                                    "combination; CSV, Parquet, Pareto front (docs/sweep.md).")
