"""The ``schw`` command line. Unit subcommands are built from the unit registry: each Params
field becomes an option (``width`` -> ``--width``), validated by the Params dataclass itself.

Exit codes: 0 success, 1 tool or run failure (missing tool, Yosys failed, RTL mismatches),
2 usage error (an option outside its allowed values). Errors are one message, no traceback.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import pkgutil
import shutil
import sys
import time
from pathlib import Path

import click

from . import __version__, tools
from .errors import ParamError, SchwError
from .params import expand
from .registry import LOAD_ERRORS, load_all

# Option names the commands use themselves; a unit parameter may not take one of these.
RESERVED = {"out", "sim", "rtl", "top", "liberty", "json", "plot", "lengths", "vectors", "vector_seed", "keep", "full",
            "scheduler", "workers", "hier", "hier_plain", "netlist", "cells", "waves", "clock_ns", "activity"}


def _field_option(f: dataclasses.Field, multi: bool = False) -> click.Option:
    rule = f.metadata.get("rule")
    allowed = getattr(rule, "allowed", "")
    name = "--" + f.name.replace("_", "-")
    help_text = f"{f.metadata.get('help', '')} [{allowed}; default {f.default}]"
    if getattr(rule, "flag", False):
        return click.Option([name + "/--no-" + f.name.replace("_", "-")], default=f.default, help=help_text)
    if multi:  # accuracy sweeps: comma-separated values, parsed by params.expand
        return click.Option([name], type=str, default=None, help=help_text + " (comma list allowed)")
    kind = int if isinstance(f.default, int) else str
    return click.Option([name], type=kind, default=f.default, show_default=False, help=help_text)


def _params(unit, values: dict):
    """Build the unit's Params from CLI values (None = default)."""
    given = {k: v for k, v in values.items() if v is not None}
    return unit.Params(**given)


def _parse_lengths(text: str) -> list[int]:
    try:
        lengths = [int(s, 0) for s in text.split(",") if s.strip()]
    except ValueError:
        lengths = []
    if not lengths or any(n < 1 for n in lengths):
        raise ParamError("lengths", "a comma-separated list of positive integers, e.g. 16,64,256,1024", text)
    return lengths


class UnitGroup(click.Group):
    """A group whose subcommands are the registered units, each with its Params options."""

    def __init__(self, *args, make_command, multi=False, **kwargs):
        super().__init__(*args, **kwargs)
        self._make = make_command
        self._multi = multi

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
            raise RuntimeError(f"unit {name} uses reserved parameter names {sorted(clash)}")
        cmd = self._make(unit)
        cmd.params[:0] = [_field_option(f, self._multi) for f in fields]
        return cmd


def _unit_values(unit, kwargs) -> dict:
    return {f.name: kwargs.pop(f.name) for f in dataclasses.fields(unit.Params)}


def _sims(choice: str) -> list[str]:
    return list(tools.SIMULATORS) if choice == "both" else [choice]


SIM_OPTION = click.option("--sim", type=click.Choice([*tools.SIMULATORS, "both"]), default="verilator",
                          show_default=True, help="simulator")
VECTORS_OPTION = click.option("--vectors", type=click.IntRange(min=0), default=None,
                              help="random vectors on top of the corner cases [unit default]")
FULL_OPTION = click.option("--full", is_flag=True,
                           help="exhaustive mode where the unit has one (fp16-pe: all 2^32 RNE mul and add pairs; hours)")
VSEED_OPTION = click.option("--vector-seed", type=int, default=1, show_default=True, help="seed of the random vectors")
NETLIST_OPTION = click.option("--netlist", is_flag=True,
                              help="gate level: synthesize the design with Yosys to --liberty and run the same "
                                   "regression on the mapped netlist with the library's cell models")
GATE_LIBERTY_OPTION = click.option("--liberty", default=None,
                                   help="with --netlist: the cell library, osu018 (OSU 0.18 um, Debian "
                                        "qflow-tech-osu018) or a liberty (.lib) file with its Verilog models "
                                        "beside it (FILE.v) or in --cells [osu018]")
CELLS_OPTION = click.option("--cells", default=None,
                            help="Verilog simulation models of the cells (a file, or osu018): with --netlist "
                                 "for a --liberty FILE without FILE.v; with verify --rtl NETLIST.v (no "
                                 "--netlist) the models the netlist needs")
WAVES_OPTION = click.option("--waves", type=click.Path(dir_okay=False, path_type=Path), default=None,
                            help="write a waveform of the run (every signal of the design) to this .vcd or "
                                 ".fst file; with --sim both, FILE.<sim>.vcd per simulator; fp16-pe also "
                                 "writes FILE.pipeline.vcd (its cocotb run)")


def _waves_for(waves: Path | None, sim: str, sims: list[str]) -> Path | None:
    """The waveform file of one simulator's run: ``waves`` itself, or with ``--sim both``
    ``waves`` with the simulator's name before the extension."""
    if waves is None or len(sims) == 1:
        return waves
    return waves.with_name(f"{waves.stem}.{sim}{waves.suffix}")


def _echo_extra(report) -> None:
    """The lines after a report's summary: the gate-level netlist, the waveform files."""
    gate = report.details.get("gate_level")
    if gate:
        xs = "X/Z on outputs checked" if gate["x_checked"] else "2-state simulator: X/Z not visible"
        lib = f"{gate['library']} netlist" if gate.get("library") else "netlist"
        cells = f" ({gate['cell_count']} cells, {gate['flip_flops']} flip-flops)" if gate.get("cell_count") else ""
        if gate.get("abc") not in (None, "default"):
            lib += f" (ABC script {gate['abc']})"
        click.echo(f"gate level: {lib}{cells} {gate['netlist']}; cell models {gate['cells']}; {xs}")
    for key in ("waves", "waves_pipeline"):
        if report.details.get(key):
            click.echo(f"wrote {report.details[key]}")
SCHEDULER_OPTION = click.option("--scheduler", default=None,
                                help="--full: run the chunks on this Dask scheduler, tcp://HOST:PORT [a local cluster]")
WORKERS_OPTION = click.option("--workers", type=int, default=None,
                              help="--full: worker processes of the local Dask cluster [one per core]")


def _sharded(unit, full: bool, scheduler, workers):
    """The unit's exhaustive run on Dask (``unit.exhaustive_sharded``) when ``--full`` asks for it
    and the unit has one, else None (``--scheduler``/``--workers`` then are usage errors)."""
    hook = getattr(unit, "exhaustive_sharded", None) if full else None
    if hook is None and (scheduler is not None or workers is not None):
        raise ParamError("scheduler" if scheduler is not None else "workers",
                         "left out unless --full runs a unit's exhaustive mode on Dask (fp16-pe)",
                         scheduler if scheduler is not None else workers)
    return hook


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="schw")
def cli():
    """schw: generate and verify stochastic-computing and FP16 accelerator hardware."""


# ---------------------------------------------------------------------------------------------
def _make_gen(unit):
    @click.command(name=unit.name, help=f"Generate {unit.name}: {unit.summary}")
    @click.option("-o", "--out", type=click.Path(file_okay=False, path_type=Path), default=Path("out"),
                  show_default=True, help="output directory (created if missing)")
    def cmd(out, **kwargs):
        from .output import generate, write_outputs
        p = _params(unit, _unit_values(unit, kwargs))
        gen = generate(unit, p)
        written = write_outputs(gen, out)
        for path in written:
            click.echo(f"wrote {path}")
        ports = ", ".join(f"{q['name']}[{q['width']}]" if q["width"] > 1 else q["name"] for q in gen.manifest["ports"])
        click.echo(f"top {gen.top}: ports {ports}; latency {gen.manifest['latency_cycles']} cycles")
        click.echo("params: " + ", ".join(f"{k}={v}" for k, v in p.as_dict().items()))
    return cmd


cli.add_command(UnitGroup("gen", make_command=_make_gen, help="Generate Verilog and a manifest for a unit."))


def _make_sim(unit):
    @click.command(name=unit.name, help=f"Simulate generated {unit.name} against its golden model.")
    @SIM_OPTION
    @VECTORS_OPTION
    @VSEED_OPTION
    @FULL_OPTION
    @click.option("--keep", type=click.Path(file_okay=False, path_type=Path), default=None,
                  help="keep the job, results and simulator log in this directory (with --netlist also "
                       "the netlist and its synthesis report)")
    @SCHEDULER_OPTION
    @WORKERS_OPTION
    @NETLIST_OPTION
    @GATE_LIBERTY_OPTION
    @CELLS_OPTION
    @WAVES_OPTION
    @click.option("--abc", default="default", show_default=True,
                  help="with --netlist: the ABC mapping script of the synthesis (default, nosweep or fast, as "
                       "schw synth --abc)")
    def cmd(sim, vectors, vector_seed, full, keep, scheduler, workers, netlist, liberty, cells, waves, abc,
            **kwargs):
        from .synth import check_abc
        from .verify import regression
        check_abc(abc)
        p = _params(unit, _unit_values(unit, kwargs))
        sharded = _sharded(unit, full, scheduler, workers)
        if sharded is not None and (netlist or waves is not None):
            raise ParamError("netlist" if netlist else "waves", "not used with a sharded --full run", True)
        sims = _sims(sim)
        for s in sims:
            t0 = time.perf_counter()
            if sharded is not None:
                report = sharded(p, s, scheduler=scheduler, workers=workers)
            else:
                report = regression(unit, p, s, seed=vector_seed, count=vectors, keep=keep, full=full,
                                    netlist=netlist, liberty=liberty, cells=cells, waves=_waves_for(waves, s, sims),
                                    abc=abc)
            click.echo(f"{report.summary()} [{time.perf_counter() - t0:.1f} s]")
            _echo_extra(report)
            report.raise_if_failed()
    return cmd


cli.add_command(UnitGroup("sim", make_command=_make_sim,
                          help="Generate a unit and run its regression (RTL vs golden model) on a simulator."))


def _make_verify(unit):
    @click.command(name=unit.name, help=f"Verify someone else's {unit.name} RTL against schw's golden model.")
    @click.option("--rtl", type=click.Path(path_type=Path), multiple=True, required=True,
                  help="Verilog file(s) of the design under test (repeat for several)")
    @click.option("--top", default=None, help="top module name [the name schw gives this unit]")
    @SIM_OPTION
    @VECTORS_OPTION
    @VSEED_OPTION
    @FULL_OPTION
    @SCHEDULER_OPTION
    @WORKERS_OPTION
    @NETLIST_OPTION
    @GATE_LIBERTY_OPTION
    @CELLS_OPTION
    @WAVES_OPTION
    def cmd(rtl, top, sim, vectors, vector_seed, full, scheduler, workers, netlist, liberty, cells, waves, **kwargs):
        from .verify import regression
        p = _params(unit, _unit_values(unit, kwargs))
        for f in rtl:
            if not f.is_file():
                raise ParamError("rtl", "an existing Verilog file", str(f))
        sharded = _sharded(unit, full, scheduler, workers)
        if sharded is not None and (netlist or cells is not None or waves is not None):
            raise ParamError("netlist" if netlist else "cells" if cells is not None else "waves",
                             "not used with a sharded --full run", True)
        sims = _sims(sim)
        for s in sims:
            if sharded is not None:
                report = sharded(p, s, rtl=list(rtl), top=top, scheduler=scheduler, workers=workers)
            else:
                report = regression(unit, p, s, rtl=list(rtl), top=top, seed=vector_seed, count=vectors, full=full,
                                    netlist=netlist, liberty=liberty, cells=cells, waves=_waves_for(waves, s, sims))
            click.echo(report.summary())
            _echo_extra(report)
            report.raise_if_failed()
    return cmd


cli.add_command(UnitGroup("verify", make_command=_make_verify,
                          help="Check a Verilog implementation of a unit, vector by vector."))


def _make_synth(unit):
    @click.command(name=unit.name, help=f"Synthesize {unit.name} with Yosys and report its area.")
    @click.option("--liberty", default="schw45", show_default=True,
                  help="cell library: schw45 (area only, 45 nm areas), osu018 (OSU 0.18 um, Debian "
                       "qflow-tech-osu018) or a liberty (.lib) file")
    @click.option("--json", "as_json", is_flag=True, help="print the report as JSON")
    @click.option("--hier", is_flag=True, help="hierarchical: map the repeated module (pe-array: the PE) once and "
                  "count it at its area inside a flat small instance (pe-array: 2x2), plus the shell (the rest, flat)")
    @click.option("--hier-plain", is_flag=True, help="hierarchical, the PE counted at its area alone (no calibration)")
    @click.option("--abc", default="default", show_default=True,
                  help="ABC mapping script: default (abc -liberty), nosweep (the default without its SAT sweeping "
                       "&fraig -x, for designs whose default mapping runs for hours) or fast (abc -fast -liberty); "
                       "a different measure from the default, named in the report")
    def cmd(liberty, as_json, hier, hier_plain, abc, **kwargs):
        from .synth import check_abc, render, render_hierarchical, synthesize, synthesize_hierarchical
        check_abc(abc)
        if abc != "default" and (hier or hier_plain):
            raise ParamError("abc", "default with --hier/--hier-plain (the hierarchical flow maps with the default "
                             "script)", abc)
        p = _params(unit, _unit_values(unit, kwargs))
        if hier or hier_plain:
            calibrate = not hier_plain and getattr(unit, "hier_calibration", None) is not None
            report = synthesize_hierarchical(unit, p, liberty, calibrate=calibrate)
        else:
            report = synthesize(unit, p, liberty, abc=abc)
        click.echo(json.dumps(report, indent=2) if as_json else (render_hierarchical if hier or hier_plain else render)(report))
    return cmd


cli.add_command(UnitGroup("synth", make_command=_make_synth, help="Area of a unit from Yosys (µm², GE)."))


def _make_ppa(unit):
    @click.command(name=unit.name, help=f"Power, performance and area of {unit.name} on a cell library: "
                   "synthesis, static timing (OpenSTA), energy from gate-level simulated or vectorless activity.")
    @click.option("--liberty", default="osu018", show_default=True,
                  help="cell library with timing and power tables: osu018 (Debian qflow-tech-osu018) or a .lib file")
    @click.option("--clock-ns", type=float, default=None, help="clock period in ns [default: the critical path (Fmax)]")
    @click.option("--activity", default="sim", show_default=True,
                  help="sim (toggles from the gate-level regression's waveform) or A in [0, 2]: every net "
                       "toggles A times per cycle (OpenSTA's -global)")
    @VECTORS_OPTION
    @VSEED_OPTION
    @click.option("--json", "as_json", is_flag=True, help="print the report as JSON")
    @click.option("--keep", type=click.Path(file_okay=False, path_type=Path), default=None,
                  help="keep the mapped netlist, STA scripts and reports, waveform and activity here")
    @click.option("--op", default=None,
                  help="fp16-pe: activity from this operation only (fma, mul, add, min, max, minmax, lt, le, eq, "
                       "compare; with --ops also recip, rsqrt, exp2, exp, log2, ln, expmod, ternary, xnor, bool, "
                       "ternary_i8); fp32-sfu: one of the ops of its --ops [the regression's op mix]")
    @click.option("--hier", is_flag=True,
                  help="pe-array: the hierarchical netlist (the PE mapped once), energy = shell + each PE instance")
    @click.option("--abc", default="default", show_default=True,
                  help="ABC mapping script of the synthesis: default, nosweep or fast (as schw synth --abc)")
    def cmd(liberty, clock_ns, activity, vectors, vector_seed, as_json, keep, op, hier, abc, **kwargs):
        from .ppa import hier_ppa, ppa, render
        from .synth import check_abc
        check_abc(abc)
        if hier and abc != "default":
            raise ParamError("abc", "default with --hier (the hierarchical flow maps with the default script)", abc)
        p = _params(unit, _unit_values(unit, kwargs))
        extra = {} if hier else {"abc": abc}
        report = (hier_ppa if hier else ppa)(unit, p, liberty, clock_ns=clock_ns, activity=activity, vectors=vectors,
                                             seed=vector_seed, keep=keep, op=op, **extra)
        click.echo(json.dumps(report, indent=2) if as_json else render(report))
    return cmd


cli.add_command(UnitGroup("ppa", make_command=_make_ppa,
                          help="Area, critical path, Fmax, energy per operation, power, throughput per area."))


def _make_accuracy(unit):
    @click.command(name=unit.name, help=f"Error vs stream length of {unit.name} from the golden model.")
    @click.option("--lengths", default="16,64,256,1024", show_default=True, help="stream lengths, comma separated")
    @click.option("--json", "as_json", is_flag=True, help="print the rows as JSON")
    @click.option("--plot", type=click.Path(dir_okay=False, path_type=Path), default=None,
                  help="write a log-log plot of error vs length (PNG)")
    @VSEED_OPTION
    def cmd(lengths, as_json, plot, vector_seed, **kwargs):
        from . import accuracy
        lens = _parse_lengths(lengths)
        plist = expand(unit.Params, _unit_values(unit, kwargs))
        rows = []
        for p in plist:
            try:
                rows += accuracy.rows_for(unit, p, lens, seed=vector_seed)
            except NotImplementedError:
                raise ParamError("unit", "a unit with a statistical error model (see schw accuracy --help)",
                                 unit.name) from None
        if plot is not None:
            from .output import prepare_dir
            prepare_dir(plot.parent if str(plot.parent) else Path("."), "plot")
            accuracy.plot(rows, plot)
        click.echo(json.dumps(rows, indent=2) if as_json else accuracy.render_table(rows))
        if plot is not None and not as_json:
            click.echo(f"wrote {plot}")
    return cmd


cli.add_command(UnitGroup("accuracy", make_command=_make_accuracy, multi=True,
                          help="Accuracy (MAE, RMSE, max error, bias) vs stream length."))


# ---------------------------------------------------------------------------------------------
@cli.command("list")
def list_units():
    """List the units schw can generate."""
    for name, unit in load_all().items():
        click.echo(f"{name:<16}{unit.summary}")
    for mod, err in LOAD_ERRORS.items():  # a unit that does not import is a broken install, not a hidden one
        click.echo(f"error: {mod} did not load: {err} (see `schw doctor`)", err=True)
    if LOAD_ERRORS:
        sys.exit(1)


@cli.command()
def doctor():
    """Check every tool schw uses: version, path, and how to install what is missing."""
    missing = 0
    click.echo(f"schw {__version__} (python {sys.version.split()[0]})")
    for t in tools.report():
        if t.ok:
            click.echo(f"  ok       {t.name:<16}{(t.version or '')[:20]:<22}{t.path}")
        elif t.optional:
            click.echo(f"  optional {t.name:<16}{t.problem}; install: {t.hint}")
        else:
            missing += 1
            click.echo(f"  MISSING  {t.name:<16}{t.problem}; install: {t.hint}")
    cc = shutil.which("ccache")
    click.echo(f"  {'ok' if cc else 'optional':<9}{'ccache':<16}{'':<22}"
               + (cc if cc else "not found: Verilator builds will not be cached across "
                  "configurations; install: apt-get install ccache"))
    load_all()
    for mod, err in LOAD_ERRORS.items():
        missing += 1
        click.echo(f"  BROKEN   {mod}: {err}")
    if missing:
        click.echo(f"{missing} problem(s): see above")
        sys.exit(1)
    click.echo("everything schw needs is installed")


def _add_plugin_commands():
    from . import commands
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda i: i.name):
        mod = importlib.import_module(f"{commands.__name__}.{info.name}")
        cmd = getattr(mod, "command", None)
        if isinstance(cmd, click.Command):
            cli.add_command(cmd)


_add_plugin_commands()


def main(argv=None) -> int:
    try:
        cli.main(args=argv, prog_name="schw", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("schw: aborted", err=True)
        return 1
    except click.ClickException as e:
        e.show()
        return e.exit_code
    except SchwError as e:
        click.echo(f"schw: error: {e}", err=True)
        return e.exit_code
    except KeyboardInterrupt:
        click.echo("schw: interrupted", err=True)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
