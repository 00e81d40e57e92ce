"""Design-space sweeps on Dask: ``schw sweep UNIT --PARAM a,b,c ... --metrics ... --out DIR``.

Every combination of the given parameter values is a *point*; each point is one Dask task
(:func:`evaluate`) that generates the Verilog (when a hardware metric needs it), then runs the
metrics in a fixed order: ``sim`` (the unit's regression on a simulator), ``area`` (Yosys against
a liberty), ``ppa`` (:func:`schw.ppa.ppa`, when that module exists), ``accuracy`` (the unit's
golden-model accuracy row at the point's stream length). A point that raises is recorded with
its error (column ``error``) and the sweep goes on.

Results (:func:`run`), all written atomically (a temporary file, then a rename):

* ``DIR/results.csv`` and ``DIR/results.parquet`` (``results.jsonl`` without pyarrow): one row
  per point in the order of the parameter product (fields in the unit's order, the last varying
  fastest), columns: every parameter of the unit, then the metric columns of
  :data:`METRIC_COLUMNS` in that fixed order, then ``error`` and ``seconds`` (the only timing
  column). The same sweep gives the same CSV on any cluster, apart from ``seconds``.
* ``DIR/pareto.csv``, ``DIR/pareto.png``: the points no other point beats on both RMSE and
  area (or energy per operation with ``ppa``), when the metrics give both.
* ``DIR/sweep.json``: what was swept, the versions, per-point cache keys, counts; written last.
  At the start of a run the files above are removed, so ``DIR`` never holds results of an older
  sweep next to an unfinished one.
* ``DIR/points/<key>.json`` (or ``--cache``): the content-addressed cache, one file per finished
  point. The key hashes the unit, the parameters, the metrics and their options (liberty and its
  digest, simulator, vector count and seed), schw's version and source digest and the workers'
  tool versions, so a repeated or interrupted sweep computes only what it lacks. A failed point
  is not cached (it is tried again next time).
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import functools
import hashlib
import io
import json
import math
import os
import tempfile
import time
import traceback
from pathlib import Path

from . import __version__, cluster
from . import liberty as liberty_lib
from .errors import ParamError
from .output import generate, prepare_dir, write_atomic
from .params import combinations
from .registry import get
from .synth import synthesize_verilog
from .units.base import Unit
from .verify import regression

try:  # schw ppa (energy, timing) where this schw has it
    from . import ppa as ppa_flow
except ModuleNotFoundError as e:
    if e.name != "schw.ppa":
        raise
    ppa_flow = None

METRICS = ("accuracy", "area", "ppa", "sim")
#: metric -> (column, type) in output order; a sweep's columns are the parameters, then the
#: columns of its metrics in this order (``area_um2`` once even with both area and ppa), then
#: ``error`` and ``seconds``
METRIC_COLUMNS = {
    "accuracy": (("rmse", "float"), ("mae", "float"), ("max_error", "float"), ("bias", "float"), ("cases", "int")),
    "area": (("area_um2", "float"), ("ge", "float"), ("cell_count", "int"), ("flip_flops", "int")),
    "ppa": (("area_um2", "float"), ("critical_path_ns", "float"), ("fmax_mhz", "float"),
            ("energy_per_op_pj", "float"), ("power_mw", "float"), ("ops_per_s_per_um2", "float"),
            ("edp_pj_ns", "float")),
    "sim": (("sim_passed", "bool"), ("sim_vectors", "int"), ("sim_mismatches", "int")),
}
TAIL_COLUMNS = (("error", "str"), ("seconds", "float"))
#: result files a run replaces (removed at its start, written at its end; sweep.json last)
RESULT_FILES = ("results.csv", "results.parquet", "results.jsonl", "pareto.csv", "pareto.png", "sweep.json")


@dataclasses.dataclass(frozen=True)
class Options:
    """How the metrics are measured (part of every point's cache key)."""
    metrics: tuple[str, ...]
    #: cell library of area and ppa (None: osu018 when ppa is measured, which needs timing and
    #: power tables, else schw45)
    liberty: str | None = None
    sim: str = "verilator"
    vectors: int | None = None
    vector_seed: int = 1
    #: stream length of the accuracy row for units without a ``length`` parameter (SNG units)
    accuracy_length: int = 256
    #: ppa: ``sim`` (a gate-level regression's toggles) or toggles per net per cycle
    activity: str = "sim"

    def __post_init__(self):
        if self.liberty is None:
            object.__setattr__(self, "liberty", "osu018" if "ppa" in self.metrics else "schw45")


def parse_metrics(text: str) -> tuple[str, ...]:
    """``accuracy,area`` -> the metrics in :data:`METRICS` order; unknown names are exit 2."""
    names = [m.strip() for m in text.split(",") if m.strip()]
    if not names:
        raise ParamError("metrics", "a comma list of " + ", ".join(METRICS), text)
    for m in names:
        if m not in METRICS:
            raise ParamError("metrics", "a comma list of " + ", ".join(METRICS), m)
    return tuple(m for m in METRICS if m in names)


def ppa_available() -> bool:
    return ppa_flow is not None


def param_columns(unit) -> list[tuple[str, str]]:
    out = []
    for f in dataclasses.fields(unit.Params):
        kind = "bool" if isinstance(f.default, bool) else "int" if isinstance(f.default, int) else \
            "float" if isinstance(f.default, float) else "str"
        out.append((f.name, kind))
    return out


def columns(unit, metrics) -> list[tuple[str, str]]:
    """The sweep's columns (name, type): parameters, metric columns, error, seconds."""
    cols = dict(param_columns(unit))
    for m in METRICS:
        if m in metrics:
            for name, kind in METRIC_COLUMNS[m]:
                cols.setdefault(name, kind)
    for name, kind in TAIL_COLUMNS:
        cols[name] = kind
    return list(cols.items())


def tools_needed(options: Options) -> list[str]:
    """Tool names (:func:`schw.tools.find`) the metrics need on every worker; the base Python
    packages come first, since their versions shape every result."""
    names = list(cluster.BASE_PACKAGES)
    if "sim" in options.metrics:
        names += ["cocotb", options.sim]
    if "area" in options.metrics or "ppa" in options.metrics:
        names += ["yosys", "yosys-abc"]
    if "ppa" in options.metrics:
        names += ["sta", "osu018"] + (["cocotb", "icarus"] if options.activity == "sim" else [])
    return names


def liberty_probe(name: str) -> dict:
    """The liberty a worker would use (runs on the worker): its name and SHA-256."""
    files = liberty_lib.resolve(name)
    return {"liberty": name, "sha256": hashlib.sha256(Path(files.liberty).read_bytes()).hexdigest()}


def check_unit(unit, options: Options) -> None:
    """Usage errors before anything runs: metrics the unit cannot give."""
    if "accuracy" in options.metrics and type(unit).accuracy is Unit.accuracy:
        raise ParamError("metrics", f"metrics {unit.name} can give (accuracy needs a unit with a statistical "
                         "error model; see schw accuracy --help)", "accuracy")
    if "ppa" in options.metrics and not ppa_available():
        raise ParamError("metrics", "accuracy, area or sim: the ppa metric needs schw ppa, which this schw lacks",
                         "ppa")
    if "ppa" in options.metrics:
        ppa_flow.parse_activity(options.activity)
    if options.sim not in ("verilator", "icarus"):
        raise ParamError("sim", "verilator or icarus", options.sim)
    if options.vectors is not None and options.vectors < 0:
        raise ParamError("vectors", "a non-negative integer", options.vectors)


# ---- one point (runs on a worker) ---------------------------------------------------------------
def _ppa(unit, p, options: Options) -> dict:
    return ppa_flow.ppa(unit, p, liberty=options.liberty, activity=ppa_flow.parse_activity(options.activity),
                        seed=options.vector_seed)


def _short(e: BaseException) -> str:
    text = f"{type(e).__name__}: {e}".strip()
    lines = [ln for ln in text.splitlines() if ln.strip()]
    text = " | ".join(lines[:6])
    return text if len(text) <= 600 else text[:597] + "..."


def evaluate(unit_name: str, params: dict, options: Options) -> dict:
    """One point: generate, then ``sim``, ``area``, ``ppa``, ``accuracy`` as ``options.metrics``
    asks. Returns the metric columns, ``error`` (None, or the first error's type and message;
    the columns measured before it stay) and ``seconds``. Never raises for a point's failure."""
    t0 = time.perf_counter()
    row: dict = {"error": None}
    try:
        unit = get(unit_name)
        p = unit.Params(**params)
        m = options.metrics
        with tempfile.TemporaryDirectory(prefix="schw-sweep-") as tmp:
            tmp = Path(tmp)
            src = top = None
            if {"sim", "area"} & set(m):
                gen = generate(unit, p)
                top, src = gen.top, tmp / f"{gen.top}.v"
                write_atomic({src: gen.verilog})
            if "sim" in m:
                rep = regression(unit, p, options.sim, rtl=[src], top=top, seed=options.vector_seed,
                                 count=options.vectors)
                row.update(sim_passed=bool(rep.passed), sim_vectors=int(rep.vectors),
                           sim_mismatches=len(rep.mismatches))
            if "area" in m:
                a = synthesize_verilog([src], top, options.liberty)
                row.update(area_um2=float(a["area_um2"]), ge=float(a["ge"]), cell_count=int(a["cell_count"]),
                           flip_flops=int(a["flip_flops"]))
            if "ppa" in m:
                r = _ppa(unit, p, options)
                for name, kind in METRIC_COLUMNS["ppa"]:
                    if name == "area_um2" and "area" in m:
                        continue
                    value = r.get(name)
                    row[name] = None if value is None else float(value)
            if "accuracy" in m:
                length = p.length if hasattr(p, "length") else options.accuracy_length
                acc = unit.accuracy(p, [int(length)], seed=options.vector_seed)[0]
                for name, kind in METRIC_COLUMNS["accuracy"]:
                    value = acc.get(name)
                    row[name] = None if value is None else (int(value) if kind == "int" else float(value))
    except Exception as e:  # a point's failure is data, not the end of the sweep
        row["error"] = _short(e)
        row["traceback"] = traceback.format_exc(limit=8)
    row["seconds"] = round(time.perf_counter() - t0, 3)
    return row


# ---- keys and the point cache -------------------------------------------------------------------
def point_key(unit_name: str, params: dict, options: Options, env: dict) -> str:
    """The content address of a point: SHA-256 of everything its result depends on."""
    blob = json.dumps({"unit": unit_name, "params": params, "options": dataclasses.asdict(options),
                       "schw": env.get("schw"), "source": env.get("source"), "tools": env.get("tools"),
                       "liberty": env.get("probe")}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def load_cached(cache: Path, key: str) -> dict | None:
    path = cache / f"{key}.json"
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if data.get("key") != key or not isinstance(data.get("row"), dict) or data["row"].get("error"):
        return None
    return data["row"]


def store(cache: Path, key: str, unit_name: str, params: dict, options: Options, row: dict) -> None:
    write_atomic({cache / f"{key}.json": json.dumps(
        {"key": key, "unit": unit_name, "params": params, "options": dataclasses.asdict(options), "row": row},
        indent=1, sort_keys=True) + "\n"})


# ---- output files -----------------------------------------------------------------------------
def _cell(value, kind: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if kind == "float":
        return repr(float(value))
    if kind == "bool":
        return "true" if value else "false"
    return str(value)


def csv_text(rows: list[dict], cols: list[tuple[str, str]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([c for c, _ in cols])
    for r in rows:
        w.writerow([_cell(r.get(c), k) for c, k in cols])
    return buf.getvalue()


def _write_bytes_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def table_bytes(rows: list[dict], cols: list[tuple[str, str]]) -> tuple[str, bytes]:
    """(file name, bytes): Parquet through pyarrow with a fixed schema, else JSON lines."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        text = "".join(json.dumps({c: r.get(c) for c, _ in cols}) + "\n" for r in rows)
        return "results.jsonl", text.encode()
    types = {"int": pa.int64(), "float": pa.float64(), "bool": pa.bool_(), "str": pa.string()}
    schema = pa.schema([(c, types[k]) for c, k in cols])
    table = pa.table({c: [r.get(c) for r in rows] for c, _ in cols}, schema=schema)
    buf = io.BytesIO()
    pq.write_table(table, buf)
    return "results.parquet", buf.getvalue()


def pareto_axis(metrics) -> tuple[str, str] | None:
    """(x, y) columns of the Pareto front: RMSE against energy per operation (with ppa) or area."""
    if "accuracy" not in metrics:
        return None
    if "ppa" in metrics:
        return "rmse", "energy_per_op_pj"
    if "area" in metrics:
        return "rmse", "area_um2"
    return None


def pareto_front(rows: list[dict], x: str, y: str) -> list[dict]:
    """Rows that no other row beats (lower or equal on both, lower on one), by ascending ``x``;
    rows with an error or without both values are left out; equal points all stay."""
    ok = [r for r in rows if not r.get("error") and r.get(x) is not None and r.get(y) is not None]
    ok = sorted(ok, key=lambda r: (r[x], r[y]))
    front, best = [], math.inf
    for r in ok:
        if r[y] < best or (front and (r[x], r[y]) == (front[-1][x], front[-1][y])):
            front.append(r)
            best = min(best, r[y])
    return front


AXIS_LABELS = {"rmse": "RMSE (golden model)", "area_um2": "area (µm²)", "energy_per_op_pj": "energy per operation (pJ)"}


def pareto_png(rows: list[dict], front: list[dict], x: str, y: str, varied: list[str], title: str) -> bytes:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ok = [r for r in rows if not r.get("error") and r.get(x) is not None and r.get(y) is not None]
    fig, ax = plt.subplots(figsize=(7, 5), dpi=120)
    ax.scatter([r[x] for r in ok], [r[y] for r in ok], s=18, color="0.65", label=f"{len(ok)} points")
    ax.step([r[x] for r in front], [r[y] for r in front], where="post", color="C3", lw=1.2)
    ax.scatter([r[x] for r in front], [r[y] for r in front], s=30, color="C3", zorder=3,
               label=f"Pareto front ({len(front)})")
    for r in front:
        ax.annotate(" ".join(f"{k}={r[k]}" for k in varied), (r[x], r[y]), fontsize=6,
                    xytext=(4, 3), textcoords="offset points")
    for key, setter in ((x, ax.set_xscale), (y, ax.set_yscale)):  # log axes for spans over 20x
        vals = [r[key] for r in ok]
        if vals and min(vals) > 0 and max(vals) / min(vals) > 20:
            setter("log")
    ax.set_xlabel(AXIS_LABELS.get(x, x))
    ax.set_ylabel(AXIS_LABELS.get(y, y))
    ax.set_title(title, fontsize=9)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png", metadata={"Software": None})
    finally:
        plt.close(fig)
    return buf.getvalue()


# ---- the sweep --------------------------------------------------------------------------------
@dataclasses.dataclass
class SweepResult:
    out: Path
    rows: list[dict]
    columns: list[tuple[str, str]]
    computed: int
    cached: int
    failed: int
    front: list[dict] | None
    files: list[Path]
    env: dict
    seconds: float

    def summary(self) -> str:
        lines = [f"{len(self.rows)} points: {self.computed} computed, {self.cached} from the cache, "
                 f"{self.failed} failed (see the error column); {self.seconds:.1f} s on "
                 f"{len(self.env.get('workers', []))} worker(s)"]
        if self.front is not None:
            lines.append(f"Pareto front: {len(self.front)} points")
        lines += [f"wrote {p}" for p in self.files]
        return "\n".join(lines)


def plan(unit, values: dict) -> tuple[list[dict], list[str | None]]:
    """Every combination as a full parameter dict (defaults filled in) and, per combination,
    None or the cross-field error that makes it invalid (recorded, not run)."""
    points, invalid = [], []
    for combo in combinations(unit.Params, values):
        try:
            p = unit.Params(**combo)
            points.append(p.as_dict())
            invalid.append(None)
        except ParamError as e:
            full = {f.name: f.default for f in dataclasses.fields(unit.Params)}
            full.update(combo)
            points.append(full)
            invalid.append(_short(e))
    return points, invalid


def run(unit_name: str, values: dict, options: Options, out: Path, *, scheduler: str | None = None,
        workers: int | None = None, cache: Path | None = None, progress: bool = True, client=None,
        on_result=None) -> SweepResult:
    """Run the sweep of ``unit_name`` over ``values`` (field -> comma list text) and write its
    files to ``out``. ``client``: an existing ``distributed.Client`` (else :func:`cluster.connect`
    with ``scheduler``/``workers``). ``on_result(index, row)`` is called as each point finishes."""
    t_start = time.perf_counter()
    unit = get(unit_name)
    check_unit(unit, options)
    points, invalid = plan(unit, values)
    if not points:
        raise ParamError("unit", "a sweep with at least one point", unit_name)
    cols = columns(unit, options.metrics)
    out = prepare_dir(Path(out), "out")
    if scheduler is not None:
        cluster.normalize_address(scheduler)

    with (contextlib.nullcontext(client) if client is not None else cluster.connect(scheduler, workers)) as c:
        probe = None
        if {"area", "ppa"} & set(options.metrics):
            probe = functools.partial(liberty_probe, options.liberty)
        env = cluster.check_workers(c, tools_needed(options), probe)
        cache = prepare_dir(Path(cache) if cache else out / "points", "cache")
        for name in RESULT_FILES:  # no results of an older sweep beside an unfinished one
            with contextlib.suppress(FileNotFoundError):
                (out / name).unlink()
        keys = [point_key(unit.name, p, options, env) for p in points]
        rows: list[dict | None] = [None] * len(points)
        cached = 0
        for i, (key, bad) in enumerate(zip(keys, invalid)):
            if bad is not None:
                rows[i] = {"error": bad, "seconds": 0.0}
            else:
                hit = load_cached(cache, key)
                if hit is not None:
                    rows[i] = hit
                    cached += 1
        todo: dict[str, list[int]] = {}
        for i, key in enumerate(keys):
            if rows[i] is None:
                todo.setdefault(key, []).append(i)
        ready = len(points) - sum(len(v) for v in todo.values())
        bar = cluster.Progress(len(points), "points", progress, before=ready)
        computed = failed = 0
        if todo:
            from distributed import as_completed
            futures = {}
            for key, idx in todo.items():
                fut = c.submit(evaluate, unit.name, points[idx[0]], options, key=f"schw-sweep-{key}", pure=False)
                futures[fut] = key
            for fut in as_completed(list(futures), loop=c.loop):
                key = futures[fut]
                try:
                    row = fut.result()
                except Exception as e:  # the task itself died (e.g. it killed its workers)
                    row = {"error": _short(e), "seconds": None}
                fut.release()
                row.pop("traceback", None)
                if row.get("error") is None:
                    store(cache, key, unit.name, points[todo[key][0]], options, row)
                    computed += 1
                else:
                    failed += 1
                for i in todo[key]:
                    rows[i] = row
                    if on_result is not None:
                        on_result(i, row)
                bar.update(len(todo[key]), f" ({failed} failed)" if failed else "")
    failed += sum(1 for b in invalid if b is not None)
    full_rows = [{**p, **r} for p, r in zip(points, rows)]
    files = write_results(out, unit, values, options, full_rows, cols, keys, env,
                          {"computed": computed, "cached": cached, "failed": failed})
    axis = pareto_axis(options.metrics)
    front = pareto_front(full_rows, *axis) if axis else None
    return SweepResult(out, full_rows, cols, computed, cached, failed, front, files, env,
                       time.perf_counter() - t_start)


def write_results(out: Path, unit, values: dict, options: Options, rows: list[dict], cols, keys, env,
                  counts: dict) -> list[Path]:
    """Write the result files (sweep.json last, as the mark of a finished sweep)."""
    files = []
    write_atomic({out / "results.csv": csv_text(rows, cols)})
    files.append(out / "results.csv")
    name, data = table_bytes(rows, cols)
    _write_bytes_atomic(out / name, data)
    files.append(out / name)
    axis = pareto_axis(options.metrics)
    front_info = None
    if axis is not None:
        x, y = axis
        front = pareto_front(rows, x, y)
        write_atomic({out / "pareto.csv": csv_text(front, cols)})
        varied = [k for k, v in values.items() if v is not None and len(str(v).split(",")) > 1]
        title = f"{unit.name}: {y} vs {x} ({', '.join(f'{k}={values[k]}' for k in varied) or 'one point'})"
        try:
            _write_bytes_atomic(out / "pareto.png", pareto_png(rows, front, x, y, varied, title))
            files += [out / "pareto.csv", out / "pareto.png"]
        except ImportError:  # matplotlib missing: the CSV is the front
            files.append(out / "pareto.csv")
        front_info = {"x": x, "y": y, "points": len(front)}
    meta = {
        "unit": unit.name, "values": {k: v for k, v in values.items() if v is not None},
        "options": dataclasses.asdict(options), "columns": [c for c, _ in cols],
        "schw": __version__, "source": env.get("source"), "tools": env.get("tools"), "liberty": env.get("probe"),
        "workers": env.get("workers"), "points": len(rows), **counts, "pareto": front_info,
        "keys": keys, "status": "complete",
    }
    write_atomic({out / "sweep.json": json.dumps(meta, indent=2) + "\n"})
    files.append(out / "sweep.json")
    return files

