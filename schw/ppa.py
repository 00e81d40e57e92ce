"""Power, performance and area of a unit on a real cell library: ``schw ppa``.

One run: generate -> synthesize to the library (Yosys, cached: :func:`schw.gatesim.netlist`) -> static timing of
the mapped netlist (OpenSTA; :mod:`schw.sta`) -> activity -> energy (:mod:`schw.power`):

* ``activity="sim"`` (default): the unit's own regression runs on the mapped netlist with the
  library's cell models (gate level, Icarus), every output checked against the golden model, and
  writes a waveform; per-net toggle counts from it give the energy over the simulated window.
* ``activity=A`` (a number in [0, 2]): every net toggles A times per cycle, the clock network
  twice (what OpenSTA's ``set_power_activity -global -activity A`` does), no simulation.

The unit's manifest defines its ``operation`` and the clock cycles one takes in steady state
(``cycles_per_op``: L for an L-cycle SC run, 1 for a pipelined FP16 PE, 1 / (R C) for an array
MAC). The figures, at the clock period ``clock_ns`` (default: the critical path, i.e. Fmax):

* ``energy_per_op_pj`` = energy per cycle over the window × ``cycles_per_op`` (the window is the
  regression's workload: its idle cycles, if any, are in the average);
* ``power_mw`` = energy over the window / window time;
* ``ops_per_s_per_um2`` = 1e9 / (``clock_ns`` × ``cycles_per_op``) / ``area_um2``;
* ``edp_pj_ns`` = ``energy_per_op_pj`` × ``clock_ns`` × ``cycles_per_op`` (energy × time per op).

``op`` (``schw ppa fp16-pe --op fma``): the activity run drives only that operation (or group:
``minmax`` = min and max, ``compare`` = lt, le and eq), one per cycle with no bubbles, through
the unit's fast gate-level harness with every result checked; the energy is counted over the
cycles in which those operations enter (from the first to the last vector's issue cycle), so
``energy_per_op_pj`` is the energy of one such operation in a full pipeline of them. Units with
ops: :data:`OPS` (fp16-pe, its optional ops when ``--ops`` generates them; fp32-sfu); the
names allowed depend on the ops the parameters generate (:func:`allowed_ops`).

``hier`` (``schw ppa pe-array --hier``): :func:`hier_ppa`, the report of :func:`array_ppa`'s
hierarchical flow in this report's shape.

Energy follows the liberty's tables (``convention="liberty"``: a transition costs its own rise
or fall table); see docs/power.md for how that relates to Debian's OpenSTA 2.0.17.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import tempfile
import time
from pathlib import Path

import numpy as np

from . import liberty as liberty_lib
from . import gatesim, power, sta, synth
from .errors import ParamError, ToolError
from .output import prepare_dir, write_atomic
from .units.fp16_pe import harness as fp16_harness
from .units.fp16_pe import vectors as fp16_vectors
from .units.fp16_pe.contract import EXT_OPS
from .units.fp32_sfu import params as sfu_params
from .units.fp32_sfu import vectors as sfu_vectors
from .verify import regression

#: default number of random vectors of the gate-level activity run (corners come on top)
DEFAULT_VECTORS = 50
KEYS = ("area_um2", "critical_path_ns", "fmax_mhz", "energy_per_op_pj", "power_mw", "ops_per_s_per_um2",
        "edp_pj_ns", "activity", "liberty", "clock_ns")


#: ``--op``: per unit, the op names an activity run can be restricted to -> the unit's ops they drive
#: (fp16-pe: the base ops, then the optional ops of ``--ops``; ``exp``/``ln`` are exp2/log2 with
#: b[0] = 1, e^a and ln a, and ``exp2``/``log2`` those with b[0] = 0)
OPS = {
    "fp16-pe": {"fma": ("fma",), "mul": ("mul",), "add": ("add",), "min": ("min",), "max": ("max",),
                "minmax": ("min", "max"), "lt": ("lt",), "le": ("le",), "eq": ("eq",),
                "compare": ("lt", "le", "eq"),
                "recip": ("recip",), "rsqrt": ("rsqrt",), "exp2": ("exp2",), "exp": ("exp2",), "log2": ("log2",),
                "ln": ("log2",), "expmod": ("expmod",), "ternary": ("ternary",), "xnor": ("xnor",),
                "bool": ("bool",)},
    "fp32-sfu": {o: (o,) for o in sfu_params.OPS},
}
#: fp16-pe: the --ops group that generates each op (the others are their own group)
_OP_GROUP = {"min": "minmax", "max": "minmax", "lt": "cmp", "le": "cmp", "eq": "cmp"}
#: fp16-pe --op names whose rows set b[0] (1: base e), on top of the bits of b the op reads
_FP16_B0 = {"exp2": 0, "exp": 1, "log2": 0, "ln": 1}
#: fp16-pe: the bits of b each op code reads (bool's ~a, rm[1:0] = 3, reads none: masked per row)
_FP16_B_BITS = {**{c: 0xFFFF for c in range(16)}, 2: 0, 8: 0, 9: 0, 10: 1, 11: 1, 13: 3}
#: fp16-pe: the op codes that read c (fma, add, ternary, xnor)
_FP16_READS_C = (0, 2, 13, 14)
#: the fp16 fast harness (fp16_harness.v.tmpl): clock period 10 ns, rising edges at 5 + 10 k,
#: reset released and vector 0 applied at the falling edge at 20 ns, vector i at 20 + 10 i
_FP16_PERIOD_NS, _FP16_FIRST_NS = 10.0, 20.0


def allowed_ops(unit, params=None) -> tuple[str, ...]:
    """The ``--op`` names of ``unit`` with ``params`` (fp16-pe: those its ``--ops`` generates)."""
    ops = OPS.get(unit.name, {})
    chosen = getattr(params, "op_set", None)
    if chosen is None:
        return tuple(ops)
    return tuple(name for name, drives in ops.items() if all(_OP_GROUP.get(d, d) in chosen for d in drives))


def check_op(unit, op, activity="sim", params=None):
    """``op`` is None, or an op of ``unit`` (:data:`OPS`) that ``params`` generates, with simulated
    activity; else a ParamError naming ``--op`` and the allowed values."""
    if op is None:
        return None
    ops = OPS.get(unit.name)
    if ops is None:
        raise ParamError("op", f"used only with {', '.join(OPS)} (units with several operations), not {unit.name}",
                         op)
    allowed = allowed_ops(unit, params)
    if op not in allowed:
        if op in ops and params is not None:
            raise ParamError("op", f"one of the ops generated by --ops {params.ops}: {', '.join(allowed)}", op)
        raise ParamError("op", ", ".join(allowed), op)
    if activity != "sim":
        raise ParamError("op", "used only with --activity sim (a vectorless run has no operations)", op)
    return op


def fp16_op_vectors(params, op: str, count: int, seed: int) -> dict:
    """The ``count`` vectors of an fp16-pe ``--op`` run (arrays op, rm, a, b, c): the base ops
    (fma ... compare) from the vector generator's weighted-random rows (every rounding mode;
    without its corner and directed rows); the optional ops from
    :func:`schw.units.fp16_pe.vectors.ext_vectors` sampled (``exhaustive=False``: edge-weighted a
    for the one-operand ops and expmod; ternary, xnor, bool random; that op alone, so the rows do
    not depend on the other ops generated). What the op does not read is held at 0: c except for
    fma, add, ternary and xnor; b for add, recip and rsqrt, all of b but b[0] for exp2/log2 (b[0]
    = 0; 1 for exp and ln), all but b[1:0] for ternary, b of bool's ~a rows."""
    names = list(OPS["fp16-pe"][op])
    if names[0] in EXT_OPS:
        v = fp16_vectors.ext_vectors(names, seed, acc=params.acc, exhaustive=False, sample=count)
        keep = v["op"] == EXT_OPS[names[0]]
        inputs = {k: np.asarray(v[k][keep], dtype=np.int64) for k in ("op", "rm", "a", "b", "c")}
    else:
        v = fp16_vectors.generate(seed, count, acc=params.acc, ops=names)
        skip = len(fp16_vectors.class_cross(params.acc, names)["op"]) \
            + len(fp16_vectors.directed(params.acc, names)["op"])
        inputs = {k: np.asarray(v[k][skip:], dtype=np.int64) for k in ("op", "rm", "a", "b", "c")}
    # operands the op does not read stay at 0, as a driver that does not toggle unused inputs
    # leaves them (the generators' random rows carry random b and c for every op)
    code = inputs["op"]
    bits = np.array([_FP16_B_BITS[c] for c in range(16)], dtype=np.int64)[code]
    bits = np.where((code == 15) & ((inputs["rm"] & 3) == 3), 0, bits)
    inputs["b"] = np.full_like(code, _FP16_B0[op]) if op in _FP16_B0 else inputs["b"] & bits
    inputs["c"] = np.where(np.isin(code, _FP16_READS_C), inputs["c"], 0)
    if len(code) != count:
        raise ToolError(f"the {op} vectors hold {len(code)} rows for {count} asked")
    return inputs


def sfu_op_vectors(params, op: str, count: int, seed: int) -> dict:
    """The ``count`` vectors of an fp32-sfu ``--op`` run (arrays op, rm, a, k): the vector
    generator's seeded random rows of that op alone (without its directed rows); f16_to_f32, which
    has no random rows, a seeded sample of its 65,536 binary16 patterns (rm = pattern index mod 5).
    What the op does not read is held at 0: k except for scale, a[31:16] for f16_to_f32."""
    if op == "f16_to_f32":
        v = sfu_vectors.generate(seed, 0, ops=(op,), exhaustive=False)
        rng = np.random.default_rng([seed, 0x5F1])
        idx = np.concatenate([rng.permutation(len(v["op"])) for _ in range(-(-count // len(v["op"])))])[:count]
        inputs = {q: np.asarray(x[idx], dtype=np.int64) for q, x in v.items()}
        inputs["a"] &= 0xFFFF
    else:
        v = sfu_vectors.generate(seed, count, ops=(op,), exhaustive=False)
        inputs = {q: np.asarray(x[len(x) - count:], dtype=np.int64) for q, x in v.items()}
    if op != "scale":
        inputs["k"] = np.zeros_like(inputs["k"])
    if len(inputs["op"]) != count or (inputs["op"] != sfu_params.OPS[op]).any():
        raise ToolError(f"the {op} vectors hold {len(inputs['op'])} rows of that op for {count} asked")
    return inputs


def _stream_window(waves: Path, nl, library, count: int, op: str):
    """Toggles over the ``count`` cycles in which the vectors of a bubble-free fast-harness run
    enter (the fp16 harness and :mod:`schw.stream_harness` share the timing: vector i at
    20 + 10 i ns, taken in at the rising edge 5 ns later)."""
    start = _FP16_FIRST_NS - _FP16_PERIOD_NS / 20
    act = power.activity_from_waveform(waves, nl, library, start_ns=start, end_ns=start + count * _FP16_PERIOD_NS)
    if act.cycles != count:
        raise ToolError(f"the activity window of the {op} run holds {act.cycles:g} clock edges for {count} vectors "
                        "(has the harness's timing changed?)")
    return act, [start, start + count * _FP16_PERIOD_NS]


def _sfu_op_activity(unit, params, gl, op: str, count: int, seed: int, waves: Path, nl, library):
    """Gate-level activity of fp32-sfu running only ``op``: the ``count`` vectors of
    :func:`sfu_op_vectors`, back to back, through its stream harness on Icarus (the waveform from
    a dump wrapper around the netlist), every result and flag checked; toggles over the ``count``
    cycles in which they enter."""
    inputs = sfu_op_vectors(params, op, count, seed)
    rep = unit.check(params, "icarus", inputs, rtl=gl.sources, top=gl.top, seed=seed, bubbles=0.0, waves=waves)
    rep.raise_if_failed()
    act, window = _stream_window(waves, nl, library, count, op)
    return act, {"simulator": "icarus (gate level, fp32-sfu stream harness, no bubbles)", "vectors": rep.vectors,
                 "seed": seed, "op": op, "ops": [op], "window_ns": window}


def _fp16_op_activity(unit, params, gl, op: str, count: int, seed: int, waves: Path, nl, library):
    """Gate-level activity of fp16-pe running only ``op``: the ``count`` seeded vectors of
    :func:`fp16_op_vectors`, back to back, through the fast harness on Icarus, every result checked;
    the toggles are counted over the ``count`` cycles in which the vectors enter."""
    names = list(OPS[unit.name][op])
    inputs = fp16_op_vectors(params, op, count, seed)
    rep = fp16_harness.check(unit, params, "icarus", inputs, rtl=gl.sources, top=gl.top, seed=seed, bubbles=0.0,
                             waves=waves)
    rep.raise_if_failed()
    # the window: the edges that take in vector 0 .. count-1 and the input changes before each
    act, window = _stream_window(waves, nl, library, count, op)
    sim = {"simulator": "icarus (gate level, fp16 fast harness, no bubbles)", "vectors": rep.vectors,
           "seed": seed, "op": op, "ops": names, "window_ns": window}
    if op in _FP16_B0:
        sim["b0"] = _FP16_B0[op]
    return act, sim


def parse_activity(value) -> str | float:
    """``sim`` or a toggle rate per cycle in [0, 2] (ParamError naming ``--activity`` otherwise)."""
    if value is None or str(value).strip().lower() == "sim":
        return "sim"
    try:
        a = float(value)
    except (TypeError, ValueError):
        raise ParamError("activity", "sim or a number of toggles per net per cycle in [0, 2]", value) from None
    if not (math.isfinite(a) and 0.0 <= a <= 2.0):
        raise ParamError("activity", "sim or a number of toggles per net per cycle in [0, 2]", value)
    return a


def check_clock(clock_ns) -> float | None:
    if clock_ns is None:
        return None
    if isinstance(clock_ns, bool) or not isinstance(clock_ns, (int, float)) or not math.isfinite(clock_ns) \
            or clock_ns <= 0:
        raise ParamError("clock_ns", "a clock period in ns > 0", clock_ns)
    return float(clock_ns)


def ppa(unit, params, liberty: str | Path | None = "osu018", clock_ns: float | None = None,
        activity="sim", vectors: int | None = None, seed: int = 1, keep: Path | None = None,
        op: str | None = None) -> dict:
    """The PPA report of ``unit`` with ``params`` (keys :data:`KEYS`, plus ``op``, ``operation``
    and ``details``). ``keep``: a directory that receives the mapped netlist, the STA scripts and
    reports, the waveform and the per-net activity. ``op``: activity from that operation only
    (:data:`OPS`)."""
    act = parse_activity(activity)
    op = check_op(unit, op, act, params)
    clock_ns = check_clock(clock_ns)
    count = DEFAULT_VECTORS if vectors is None else vectors
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ParamError("vectors", "a positive number of vectors", vectors)
    lib = liberty_lib.resolve(liberty, default="osu018")
    liberty_lib.require_timing_and_power(liberty_lib.load(lib.liberty))
    keep = prepare_dir(keep, "keep") if keep is not None else None
    with tempfile.TemporaryDirectory(prefix="schw-ppa-") as tmp:
        work = keep or Path(tmp)
        # the same cached netlist the gate-level regression simulates (net names match its waveform)
        gl = gatesim.netlist(unit, params, lib.liberty)
        top, area = gl.top, gl.synth
        netlist = gl.netlist
        if keep:
            netlist = work / f"{top}.netlist.v"
            write_atomic({netlist: gl.netlist.read_text()})
        timing = sta.timing(netlist, top, lib, clock_ns, keep=work / "sta" if keep else None)
        period = float(timing["clock_ns"])
        operation = unit.operation(params)
        cycles_per_op = float(operation["cycles_per_op"])
        library = liberty_lib.load(lib.liberty)
        nl = power.read_netlist(netlist, lib, top)
        if op is not None:
            run_op = _sfu_op_activity if unit.name == "fp32-sfu" else _fp16_op_activity
            activity_, sim = run_op(unit, params, gl, op, count, seed, work / f"{top}.{op}.vcd", nl, library)
        elif act == "sim":
            waves = work / f"{top}.vcd"
            rep = regression(unit, params, "icarus", seed=seed, count=count, netlist=True, liberty=lib.liberty,
                             waves=waves)
            rep.raise_if_failed()
            activity_ = power.activity_from_waveform(waves, nl, library)
            sim = {"simulator": "icarus (gate level)", "vectors": rep.vectors, "seed": seed}
        else:
            activity_ = power.activity_vectorless(nl, library, act)
            sim = None
        energy = power.energy(nl, library, activity_, period)
        if keep:
            write_atomic({work / "activity.json": json.dumps(
                {"source": activity_.source, "cycles": activity_.cycles,
                 "toggles": {nl.net_name(n): t for n, t in sorted(activity_.toggles.items())}}, indent=1) + "\n",
                work / "energy.json": json.dumps(energy, indent=1) + "\n"})
    e_op = energy["energy_per_cycle_pj"] * cycles_per_op
    time_per_op_ns = period * cycles_per_op
    report = {
        "unit": unit.name,
        "params": params.as_dict(),
        "top": top,
        "area_um2": area["area_um2"],
        "critical_path_ns": timing["critical_path_ns"],
        "fmax_mhz": timing["fmax_mhz"],
        "energy_per_op_pj": e_op,
        "power_mw": energy["power_mw"],
        "ops_per_s_per_um2": 1e3 / time_per_op_ns * 1e6 / area["area_um2"],
        "edp_pj_ns": e_op * time_per_op_ns,
        "activity": act,
        "liberty": lib.name,
        "clock_ns": period,
        "op": op,
        "operation": operation,
        "details": {
            "cells": area["cell_count"], "flip_flops": area["flip_flops"],
            "energy_pj": energy["energy_pj"], "cycles": energy["cycles"],
            "energy_per_cycle_pj": energy["energy_per_cycle_pj"],
            "internal_pj": energy["internal_pj"], "switching_pj": energy["switching_pj"],
            "leakage_pj": energy["leakage_pj"], "clock_pj": energy.get("clock_pj"),
            "critical_group": timing["critical_group"],
            # the worst path of each group, cell by cell (sta.timing's path dicts without the raw rows)
            "paths": {g: (None if timing[g] is None else {k: v for k, v in timing[g].items() if k != "points"})
                      for g in sta.GROUPS},
            "simulation": sim,
            "sta_version": timing.get("sta_version"),
        },
    }
    return report


def render(r: dict) -> str:
    """The report as a short terminal table."""
    act = "simulated (gate-level regression)" if r["activity"] == "sim" else f"{r['activity']} toggles/net/cycle"
    lines = [f"{r['unit']}  top {r['top']}  liberty {r['liberty']}  clock {r['clock_ns']:.3f} ns  activity {act}",
             "params: " + ", ".join(f"{k}={v}" for k, v in r["params"].items()),
             f"operation: {r['operation']['name']} ({r['operation']['cycles_per_op']:g} cycles per operation)"
             + (f"; activity from {r['op']} operations only" if r.get("op") else ""),
             f"  area              {r['area_um2']:>14.1f} um^2",
             f"  critical path     {r['critical_path_ns']:>14.3f} ns",
             f"  Fmax              {r['fmax_mhz']:>14.1f} MHz",
             f"  energy / op       {r['energy_per_op_pj']:>14.4g} pJ",
             f"  power             {r['power_mw']:>14.4g} mW",
             f"  throughput / area {r['ops_per_s_per_um2']:>14.4g} ops/s/um^2",
             f"  energy x delay    {r['edp_pj_ns']:>14.4g} pJ ns"]
    if r.get("hier"):
        d = r["details"]
        lines[0] += "  (hierarchical netlist)"
        lines += [f"  energy / MAC      {d['energy_per_mac_pj']:>14.4g} pJ per useful MAC ({d['useful_macs']} MACs, "
                  f"utilization {d['compute_util_pct']:.0f} %)",
                  f"  TOPS/W            {d['tops_per_w']:>14.4g}",
                  f"  TOPS/mm^2         {d['tops_per_mm2']:>14.4g}",
                  f"  shell / PEs       {100 * d['shell_pj'] / d['energy_pj']:>13.1f} % of the energy in the shell, "
                  f"{len(d['pe_pj'])} PE instances"]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Arrays: energy per MAC from a hierarchical gate-level run (table e)


def short_instances(netlist: Path, module: str, out: Path) -> Path:
    """The hierarchical netlist with the ``module`` instances renamed pe_0, pe_1, ... (in netlist
    order): schw.sta cannot parse a report whose start or end point has a long hierarchical
    name (OpenSTA 2.0.17 wraps it onto a second line), and the waveform scopes get short names."""
    n = itertools.count()
    text = re.sub(rf"^(\s+){re.escape(module)} \\\S+\s+\(", lambda m: f"{m.group(1)}{module} pe_{next(n)} (",
                  Path(netlist).read_text(), flags=re.M)
    write_atomic({Path(out): text})
    return Path(out)


METHODS = ("hier", "hier-flat", "flat")


def array_part(unit, params) -> tuple[str, int]:
    """The module an array unit repeats and how many times (``unit.hier_parts``); a ParamError
    naming ``--hier`` for a unit that is not such an array."""
    parts = unit.hier_parts(params) if getattr(unit, "hier_parts", None) else None
    if not parts or len(parts) != 1:
        raise ParamError("hier", f"used with an array unit that repeats one module (pe-array), not {unit.name}")
    return parts[0]


def array_ppa(unit, params, liberty: str | Path | None = "osu018", *, method: str = "hier", problems=None,
              seed: int = 1, count: int | None = None, clock_ns: float | None = None,
              keep: Path | None = None) -> dict:
    """Area, timing and energy per MAC of an array unit (pe-array) from one gate-level run of
    its own regression (``problems``: the GEMM problems to run, default the regression's) on
    Icarus with every result checked.

    ``method="hier"``: the hierarchical mapped netlist (:func:`schw.synth.synthesize_hierarchical`,
    the PE mapped once, plain: the netlist that is simulated is the one whose area is reported)
    is simulated as it is; the energy is the shell's (its own cells, at the loads outside the
    PEs; the PE outputs count as its inputs: :func:`schw.power.netlist_from_json` ``boundary``)
    plus each PE instance's (the PE module's netlist with the toggles of that instance's
    scope), summed. Timing: OpenSTA on the hierarchical netlist. ``"hier-flat"``: the same
    hierarchical netlist flattened (:func:`schw.synth.flatten_netlist`: the same cells), one
    energy sum over all of it: its difference from ``"hier"`` is what cutting at the PE ports
    costs (loads and slews at the boundary). ``"flat"``: the flat synthesis (the gate-level
    regression's netlist, cached), one energy sum: its difference adds what the hierarchical
    mapping changes.

    Returns ``area_um2``, ``critical_path_ns``, ``fmax_mhz``, ``clock_ns``, ``energy_pj`` (the
    whole run), ``cycles``, ``useful_macs`` (the problems' multiply-adds), ``energy_per_mac_pj``
    (= energy_pj / useful_macs), ``compute_util_pct``, ``peak_macs_per_s``, ``tops_per_w``
    (2 operations per MAC / energy per MAC), ``tops_per_mm2`` (2 x peak MACs/s / area), the
    energy split (``shell_pj``, ``pe_pj`` per instance) and the time of each step."""
    if method not in METHODS:
        raise ParamError("method", ", ".join(METHODS), method)
    pe_mod, n_pe = array_part(unit, params)
    clock_ns = check_clock(clock_ns)
    hier = method == "hier"
    lib = liberty_lib.resolve(liberty, default="osu018")
    library = liberty_lib.load(lib.liberty)
    liberty_lib.require_timing_and_power(library)
    models = gatesim.cell_models(None, lib)
    seconds = {}
    with tempfile.TemporaryDirectory(prefix="schw-ppa-array-") as tmp:
        work = prepare_dir(keep, "keep") if keep is not None else Path(tmp)
        t0 = time.perf_counter()
        if method != "flat":
            top = unit.top(params)
            raw = work / f"{top}.hier.v"
            syn = synth.synthesize_hierarchical(unit, params, lib.liberty, netlist=raw)
            netlist = short_instances(raw, pe_mod, work / f"{top}.hier_short.v")
            if method == "hier-flat":
                netlist = synth.flatten_netlist(raw, top, work / f"{top}.hier_flat.v", lib.liberty)
            area = {"area_um2": syn["area_um2"], "cell_count": syn["cell_count"], "flip_flops": syn["flip_flops"],
                    "pe_um2": syn["parts"][0]["area_um2"], "shell_um2": syn["shell"]["area_um2"]}
        else:
            gl = gatesim.netlist(unit, params, lib.liberty)
            top, netlist = gl.top, gl.netlist
            area = {k: gl.synth[k] for k in ("area_um2", "cell_count", "flip_flops")}
        seconds["synthesis"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        timing = sta.timing(netlist, top, lib, clock_ns, keep=work / "sta" if keep else None)
        period = float(timing["clock_ns"])
        seconds["sta"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        waves = work / f"{top}.vcd"
        extra = {"problems": problems} if problems is not None else {}
        rep = unit.regression(params, "icarus", rtl=[netlist, models], top=top, seed=seed, count=count, waves=waves,
                              **extra)
        rep.raise_if_failed()
        seconds["simulation"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        wave = power.open_waveform(waves)
        nl_top = power.read_netlist(netlist, lib, top, boundary=hier)
        top_scope = power.find_scope(wave, nl_top)
        act = power.activity_from_waveform(waves, nl_top, library, scope=top_scope.full_name, waveform=wave)
        e_top = power.energy(nl_top, library, act, period)
        pe_pj, leakage = [], e_top["leakage_pj"]
        if hier:
            nl_pe = power.read_netlist(netlist, lib, pe_mod)
            scopes = {sc.full_name for sc in wave.all_scopes()}
            for k in range(n_pe):
                name = f"{top_scope.full_name}.pe_{k}"
                if name not in scopes:
                    raise ToolError(f"the waveform has no scope {name} (PE instance {k} of {n_pe})")
                a = power.activity_from_waveform(waves, nl_pe, library, scope=name, waveform=wave)
                if a.cycles != act.cycles:
                    raise ToolError(f"{name} sees {a.cycles:g} clock edges, the top {act.cycles:g}")
                e = power.energy(nl_pe, library, a, period)
                pe_pj.append(e["energy_pj"])
                leakage += e["leakage_pj"]
        seconds["energy"] = time.perf_counter() - t0
    cyc = rep.details["cycles"]
    macs = int(cyc["useful_macs"])
    total = e_top["energy_pj"] + sum(pe_pj)
    kk = params.inputs if params.pe == "sc" else 1
    peak = params.R * params.C * kk / (params.step_cycles * period) * 1e9
    e_mac = total / macs
    return {
        "unit": unit.name, "params": params.as_dict(), "top": top, "method": method,
        "liberty": lib.name, **area,
        "critical_path_ns": timing["critical_path_ns"], "fmax_mhz": timing["fmax_mhz"], "clock_ns": period,
        "critical_group": timing["critical_group"],
        "energy_pj": total, "cycles": act.cycles, "useful_macs": macs, "compute_util_pct": cyc["compute_util_pct"],
        "energy_per_mac_pj": e_mac, "energy_per_cycle_pj": total / act.cycles, "power_mw": total / (act.cycles * period),
        "peak_macs_per_s": peak, "tops_per_w": 2.0 / e_mac, "tops_per_mm2": 2.0 * peak / 1e12 / (area["area_um2"] * 1e-6),
        "shell_pj": e_top["energy_pj"], "pe_pj": pe_pj, "leakage_pj": leakage,
        "problems": cyc.get("problems"), "vectors": rep.vectors,
        "seconds": {k: round(v, 1) for k, v in seconds.items()},
    }



def hier_ppa(unit, params, liberty: str | Path | None = "osu018", clock_ns: float | None = None,
             activity="sim", vectors: int | None = None, seed: int = 1, keep: Path | None = None,
             op: str | None = None) -> dict:
    """``schw ppa pe-array ... --hier``: the report of :func:`ppa` (keys :data:`KEYS`, ``operation``,
    ``details``; ``hier`` True) from :func:`array_ppa` with ``method="hier"``: the hierarchical
    mapped netlist (its area, its OpenSTA timing), the unit's own gate-level regression on it
    (``vectors`` random problems as ``schw ppa`` runs them, every result checked), energy = the
    shell's + each PE instance's. ``energy_per_op_pj`` has :func:`ppa`'s definition (energy per
    cycle over the whole run x ``cycles_per_op``), so it compares with the flat run's; ``details``
    adds the energy per useful MAC, TOPS/W, TOPS/mm², utilization and the energy split.
    ParamError naming ``--hier`` for a unit that is not an array, with ``--activity A`` or ``--op``."""
    array_part(unit, params)
    if parse_activity(activity) != "sim":
        raise ParamError("hier", "used only with --activity sim (the energy comes from the gate-level run)")
    if op is not None:
        raise ParamError("hier", "used without --op (an array's activity is its own GEMM regression)")
    clock_ns = check_clock(clock_ns)
    count = DEFAULT_VECTORS if vectors is None else vectors
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ParamError("vectors", "a positive number of vectors", vectors)
    r = array_ppa(unit, params, liberty, method="hier", seed=seed, count=count, clock_ns=clock_ns, keep=keep)
    operation = unit.operation(params)
    cycles_per_op = float(operation["cycles_per_op"])
    e_cycle = r["energy_pj"] / r["cycles"]
    e_op = e_cycle * cycles_per_op
    time_per_op_ns = r["clock_ns"] * cycles_per_op
    return {
        "unit": unit.name, "params": params.as_dict(), "top": r["top"],
        "area_um2": r["area_um2"], "critical_path_ns": r["critical_path_ns"], "fmax_mhz": r["fmax_mhz"],
        "energy_per_op_pj": e_op, "power_mw": e_cycle / r["clock_ns"],
        "ops_per_s_per_um2": 1e3 / time_per_op_ns * 1e6 / r["area_um2"], "edp_pj_ns": e_op * time_per_op_ns,
        "activity": "sim", "liberty": r["liberty"], "clock_ns": r["clock_ns"], "op": None, "hier": True,
        "operation": operation,
        "details": {
            "method": "hier", "cells": r["cell_count"], "flip_flops": r["flip_flops"], "pe_um2": r["pe_um2"],
            "shell_um2": r["shell_um2"], "energy_pj": r["energy_pj"], "cycles": r["cycles"],
            "energy_per_cycle_pj": e_cycle, "shell_pj": r["shell_pj"], "pe_pj": r["pe_pj"],
            "leakage_pj": r["leakage_pj"], "useful_macs": r["useful_macs"],
            "energy_per_mac_pj": r["energy_per_mac_pj"], "compute_util_pct": r["compute_util_pct"],
            "peak_macs_per_s": r["peak_macs_per_s"], "tops_per_w": r["tops_per_w"],
            "tops_per_mm2": r["tops_per_mm2"], "critical_group": r["critical_group"],
            "simulation": {"simulator": "icarus (gate level, hierarchical netlist)", "vectors": r["vectors"],
                           "seed": seed, "problems": r["problems"]},
            "seconds": r["seconds"],
        },
    }
