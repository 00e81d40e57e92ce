"""Energy and power of a mapped netlist from per-net activity.

The netlist is what :func:`schw.synth.synthesize` writes (Yosys ``write_verilog -noattr
-noexpr`` of a flattened design mapped to a liberty); Yosys itself reads it back and writes its
connectivity as JSON (``read_liberty -lib``, ``read_verilog``, ``write_json``), so ``assign``
aliases, vectors and constants are resolved by Yosys, not by a parser here. A net is one bit of
that JSON; its **load** is the sum of the ``capacitance`` of the cell input pins it drives (no
wire capacitance: there is no placement; output ports drive ``port_load_pf``, 0 by default).

Activity, per net, over a window of ``cycles`` clock cycles
    * **simulated** (:func:`activity_from_waveform`): the 0<->1 transitions of each net in a
      waveform of a gate-level simulation (VCD or FST, read with ``pywellen``). Each waveform
      variable of the design's scope is matched to the netlist by name and bit; aliases of one
      net are counted once. X and Z are not values: a transition is counted when a net's value
      is known (0 or 1) and differs from its last known value, so 0->X->1 is one toggle and
      0->X->0 none, and the X at the start of a simulation costs nothing. Several changes at one
      time stamp count as the last one (zero-delay simulation: no glitches, only functional
      toggles). ``cycles`` is the number of rising edges of the clock net in the window.
    * **vectorless** (:func:`activity_vectorless`): every net toggles ``A`` times per cycle, as
      OpenSTA's ``set_power_activity -global -activity A`` sets, except the clock network
      (the clock port's net and every net a combinational cell drives from it up to the
      flip-flops' clock pins): 2 toggles per cycle, whatever A is. Constant nets: 0.

Energy over the window (pJ; liberty units are converted)
    ``switching``  sum over nets of toggles x 1/2 C_load V^2 (V: the liberty's ``nom_voltage``);
    ``internal``   sum over cell output pins of toggles(output net) x energy per output
                   transition from the pin's ``internal_power`` tables at its load and at the
                   slew of the input named by each table's ``related_pin``; plus, for input
                   pins that have tables of their own (a flip-flop's ``CLK`` and ``D``),
                   toggles(input net) x the table's energy at that net's slew;
    ``leakage``    sum of ``cell_leakage_power`` x window time (cycles x clock period).

Slews: the output transition of every cell output, propagated through the netlist in
topological order from the liberty's ``rise_transition``/``fall_transition`` tables at the
net's load (worst over the pin's arcs, input edge chosen by the arc's unateness), the way
OpenSTA's delay calculation does without parasitics. Input ports (and so an ideal clock) have
transition ``input_slew_ns``, 0 by default: OpenSTA's value without ``set_input_transition``.
A flip-flop's output slew comes from its clock arc only (clock-to-Q); asynchronous set/reset
arcs are not followed.

Two bookkeeping rules (``convention``) for the internal energy of one transition:
    ``"liberty"`` (default): what a liberty table means: a rising output transition costs
    ``rise_power``, a falling one ``fall_power``, so a toggle costs their mean; an output pin
    with tables from several related pins weights each by the toggles of its related input net
    (equal weights in vectorless mode); tables of one related pin (``when`` states) are
    averaged. The switching energy of every net is counted, including nets driven by input
    ports and the clock net (its charge is drawn from the clock driver outside the netlist).
    Newer OpenSTA releases (since 2020) count internal energy this way.
    ``"opensta-2.0.17"``: exactly what Debian's OpenSTA 2.0.17 (``report_power``) computes,
    read in its ``search/Power.cc``: a toggle of an output pin costs, for every table,
    ``duty x (E_rise + E_fall)`` where ``duty`` is the probability (input duties 0.5) of the
    condition OpenSTA infers from the pin's function (``A B`` related to ``A``: ``B``, duty 0.5;
    an inverter: 1; a term it cannot isolate, e.g. ``A`` of an AOI21: 0.5; a table related to a
    clock pin: 1); an input-pin table costs ``(E_rise + E_fall)`` per toggle of a clock net and
    ``0.5 (E_rise + E_fall)`` otherwise; switching energy only of nets driven by cells (not of
    the clock net, not of nets driven by input ports). Used to validate the loads, slews,
    tables and leakage against ``report_power`` (``docs/power.md``); its internal energy is
    about twice the physical one.

A constant net never toggles. Unconnected cell outputs: A toggles per cycle at no load in
vectorless mode, none in simulated mode (they are not in the waveform).
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import subprocess
import tempfile
import time
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

import numpy as np
import pywellen

from . import liberty as liberty_lib
from . import tools
from .errors import ParamError, ToolError

CONVENTIONS = ("liberty", "opensta-2.0.17")
CONSTANTS = ("0", "1", "x", "z")

# ---------------------------------------------------------------------------------------------
# The netlist (connectivity from Yosys's JSON)


@dataclasses.dataclass(frozen=True)
class Instance:
    name: str
    cell: str
    pins: dict[str, int | str]   # pin -> net (int) or a constant "0" | "1" | "x" | "z"; unconnected pins absent


@dataclasses.dataclass
class Netlist:
    """Connectivity of a mapped netlist: nets are ints (Yosys bit ids)."""

    top: str
    instances: list[Instance]
    names: dict[str, list[int | str]]          # net name (as in the Verilog) -> its bits, LSB first
    inputs: dict[str, list[int | str]]         # top-level input ports
    outputs: dict[str, list[int | str]]        # top-level output ports
    nets: list[int] = dataclasses.field(default_factory=list)
    driver: dict[int, tuple[int, str] | str] = dataclasses.field(default_factory=dict)  # (instance index, pin) | port name
    loads: dict[int, list[tuple[int, str]]] = dataclasses.field(default_factory=dict)  # (instance index, input pin)
    output_loads: dict[int, int] = dataclasses.field(default_factory=dict)             # output-port bits on a net

    def net_name(self, net: int) -> str:
        """A readable name of ``net`` (``name[bit]`` of the first netname holding it)."""
        for name, bits in self.names.items():
            if net in bits:
                return name if len(bits) == 1 else f"{name}[{bits.index(net)}]"
        return f"${net}"


def _connect(nl: Netlist, lib: liberty_lib.Library) -> Netlist:
    nets: set[int] = set()
    for name, bits in nl.inputs.items():
        for b in bits:
            if isinstance(b, int):
                nl.driver[b] = name
                nets.add(b)
    for bits in nl.outputs.values():
        for b in bits:
            if isinstance(b, int):
                nl.output_loads[b] = nl.output_loads.get(b, 0) + 1
                nets.add(b)
    for i, inst in enumerate(nl.instances):
        cell = lib.cells.get(inst.cell)
        if cell is None:
            raise ToolError(f"the netlist instance {inst.name} is a {inst.cell}, which the liberty "
                            f"{lib.path.name} does not define")
        for pin, net in inst.pins.items():
            p = cell.pins.get(pin)
            if p is None:
                raise ToolError(f"{inst.name} ({inst.cell}) connects a pin {pin} the liberty does not have")
            if not isinstance(net, int):
                continue
            nets.add(net)
            if p.direction == "output":
                if net in nl.driver:
                    raise ToolError(f"net {nl.net_name(net)} has two drivers ({_driver_text(nl, net)} and {inst.name}/{pin})")
                nl.driver[net] = (i, pin)
            elif p.direction == "input":
                nl.loads.setdefault(net, []).append((i, pin))
            else:
                raise ToolError(f"{inst.cell}/{pin} is a {p.direction!r} pin; only input and output pins are supported")
    nl.nets = sorted(nets)
    return nl


def _driver_text(nl: Netlist, net: int) -> str:
    d = nl.driver.get(net)
    if d is None:
        return "nothing"
    if isinstance(d, str):
        return f"input port {d}"
    return f"{nl.instances[d[0]].name}/{d[1]}"


def netlist_from_json(data: dict, lib: liberty_lib.Library, top: str | None = None,
                      boundary: bool = False) -> Netlist:
    """The :class:`Netlist` of Yosys ``write_json`` output (the module ``top``, or the one marked
    top, or the only one that is not a liberty cell). ``boundary``: instances of the design's
    own modules (a hierarchical netlist's PEs) are cut out: each output pin bit becomes an input
    of this netlist named ``INSTANCE/PIN`` (its net's switching is counted here, at the loads
    outside the instance), input pins load nothing (the instance's own netlist counts the
    loads inside it)."""
    modules = data.get("modules", {})
    if top is None:
        tops = [n for n, m in modules.items() if str(m.get("attributes", {}).get("top", "0")).strip("0") != ""]
        if not tops:
            tops = [n for n, m in modules.items() if n not in lib.cells and "blackbox" not in m.get("attributes", {})]
        if len(tops) != 1:
            raise ParamError("top", "the netlist's top module", f"one of {sorted(tops)}")
        top = tops[0]
    if top not in modules:
        raise ParamError("top", f"a module of the netlist ({', '.join(sorted(modules))})", top)
    mod = modules[top]
    ins, outs = {}, {}
    for name, port in mod.get("ports", {}).items():
        if port["direction"] == "input":
            ins[name] = list(port["bits"])
        elif port["direction"] == "output":
            outs[name] = list(port["bits"])
        else:
            raise ToolError(f"port {name} of {top} is {port['direction']}; only input and output ports are supported")
    names = {n: list(v["bits"]) for n, v in mod.get("netnames", {}).items() if not v.get("hide_name")}
    insts = []
    for name, c in mod.get("cells", {}).items():
        sub = modules.get(c["type"])
        if boundary and sub is not None and c["type"] not in lib.cells:
            dirs = {q: v["direction"] for q, v in sub.get("ports", {}).items()}
            for pin, bits in c.get("connections", {}).items():
                if dirs.get(pin) == "output":
                    for k, b in enumerate(bits):
                        ins[f"{_plain(name)}/{pin}" + (f"[{k}]" if len(bits) > 1 else "")] = [b]
            continue
        pins = {}
        for pin, bits in c.get("connections", {}).items():
            if len(bits) > 1:
                raise ToolError(f"{name}/{pin} connects {len(bits)} bits; liberty cell pins are single bits")
            if bits:
                pins[pin] = bits[0]
        insts.append(Instance(name, c["type"], pins))
    return _connect(Netlist(top, insts, names, ins, outs), lib)


def read_netlist(path: Path, liberty: str | Path | liberty_lib.LibraryFiles, top: str | None = None,
                 boundary: bool = False) -> Netlist:
    """The netlist at ``path``: Yosys JSON (``.json``), or a mapped Verilog netlist that Yosys
    reads (with the liberty's cells as blackboxes) and writes as JSON. ``boundary``: see
    :func:`netlist_from_json` (a hierarchical netlist's shell without its submodules)."""
    files = liberty if isinstance(liberty, liberty_lib.LibraryFiles) else liberty_lib.resolve(liberty)
    lib = liberty_lib.load(files.liberty)
    path = Path(path)
    if not path.is_file():
        raise ParamError("netlist", "an existing netlist file (.v or .json)", str(path))
    if path.suffix == ".json":
        return netlist_from_json(json.loads(path.read_text()), lib, top, boundary)
    yosys = tools.require("yosys")
    with tempfile.TemporaryDirectory(prefix="schw-power-") as tmp:
        out = Path(tmp) / "netlist.json"
        hier = f"hierarchy -top {top}" if top else "hierarchy -auto-top"
        script = (f"read_liberty -lib {_yosys_word(files.liberty)}\nread_verilog {_yosys_word(path)}\n"
                  f"{hier}\nwrite_json {_yosys_word(out)}\n")
        (Path(tmp) / "read.ys").write_text(script)
        proc = subprocess.run([yosys.path, "-q", "-s", str(Path(tmp) / "read.ys")], capture_output=True, text=True,
                              env=tools.tool_env())
        if proc.returncode != 0 or not out.is_file():
            tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-10:])
            raise ToolError(f"yosys could not read the netlist {path}:\n{tail}")
        return netlist_from_json(json.loads(out.read_text()), lib, top, boundary)


def _yosys_word(path: Path) -> str:
    text = str(Path(path).resolve())
    if any(c in text for c in " \"\n;"):
        raise ParamError("netlist", "a path without spaces, quotes or semicolons", text)
    return text


# ---------------------------------------------------------------------------------------------
# Activity


@dataclasses.dataclass
class Activity:
    """Toggles of each net over a window of ``cycles`` clock cycles."""

    toggles: dict[int, float]
    cycles: float
    source: str                       # "vectorless A=..." or the waveform's path
    clock_nets: frozenset[int]
    unconnected_outputs: float = 0.0  # toggles per unconnected cell output pin over the window
    missing: tuple[str, ...] = ()     # netlist nets the waveform did not have (treated as 0 toggles)
    seconds: float = 0.0              # time to read the waveform and count


def clock_network(nl: Netlist, lib: liberty_lib.Library, clock: str | None = "clk") -> frozenset[int]:
    """The nets of the clock network: the clock port's net and every net a combinational cell
    drives from a clock net (buffers, gates), up to the sequential cells."""
    if clock is None or clock not in nl.inputs:
        return frozenset()
    todo = [b for b in nl.inputs[clock] if isinstance(b, int)]
    seen = set(todo)
    while todo:
        net = todo.pop()
        for i, _pin in nl.loads.get(net, ()):
            inst = nl.instances[i]
            cell = lib.cells[inst.cell]
            if cell.sequential:
                continue
            for pin, out in inst.pins.items():
                if isinstance(out, int) and cell.pins[pin].direction == "output" and out not in seen:
                    seen.add(out)
                    todo.append(out)
    return frozenset(seen)


def activity_vectorless(nl: Netlist, lib: liberty_lib.Library, activity: float, clock: str | None = "clk",
                        cycles: float = 1.0) -> Activity:
    """Every net toggles ``activity`` times per cycle, the clock network twice (OpenSTA's
    ``-global``), over ``cycles`` cycles."""
    if not (isinstance(activity, (int, float)) and math.isfinite(activity) and 0 <= activity <= 2):
        raise ParamError("activity", "a number of toggles per cycle in [0, 2]", activity)
    clocks = clock_network(nl, lib, clock)
    toggles = {n: (2.0 if n in clocks else float(activity)) * cycles for n in nl.nets}
    return Activity(toggles, float(cycles), f"vectorless A={activity:g}", clocks, float(activity) * cycles)


def _plain(name: str) -> str:
    """A Verilog identifier without the escape (``\\sng.lfsr0 `` -> ``sng.lfsr0``)."""
    name = name.strip()
    return name[1:] if name.startswith("\\") else name


def _time_ns(wave) -> float:
    ts = wave.timescale
    if ts is None:
        return 1.0
    exp = ts.unit.to_exponent()
    return ts.factor * 10.0 ** (exp + 9) if exp is not None else 1.0


def _known_toggles(times: np.ndarray, codes: np.ndarray, t0: float | None, t1: float | None) -> tuple[np.ndarray, np.ndarray]:
    """Per bit column of ``codes`` (rows: value changes at ``times``; 0, 1, or 2 for X/Z):
    (toggles, rising edges) between known values inside the window (t0, t1]; the value at t0
    (the last change at or before it) is the starting point."""
    # the last change of each time stamp stands
    keep = np.ones(times.size, dtype=bool)
    keep[:-1] = times[1:] != times[:-1]
    times, codes = times[keep], codes[keep]
    lo = 0 if t0 is None else max(int(np.searchsorted(times, t0, side="right")) - 1, 0)
    hi = times.size if t1 is None else int(np.searchsorted(times, t1, side="right"))
    codes = codes[lo:hi]
    n = codes.shape[1]
    toggles, rises = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
    for k in range(n):
        col = codes[:, k]
        known = col[col < 2]
        if known.size > 1:
            d = np.diff(known.astype(np.int8))
            toggles[k] = np.count_nonzero(d)
            rises[k] = np.count_nonzero(d > 0)
    return toggles, rises


_BITCODE = {"0": 0, "1": 1}


def _codes(values: list, width: int) -> np.ndarray:
    """(changes, width) array of 0/1/2 (X, Z or anything else), column k = bit k (LSB first)."""
    out = np.empty((len(values), width), dtype=np.uint8)
    for r, v in enumerate(values):
        if isinstance(v, int):
            s = format(v, f"0{width}b")[-width:]
        else:
            s = str(v).rjust(width, str(v)[:1] if str(v)[:1] in "xXzZ" else "0")[-width:]
        out[r] = [_BITCODE.get(c, 2) for c in reversed(s)]
    return out


def _codes_1bit(values) -> np.ndarray:
    try:  # all known: a list of ints
        arr = np.asarray(values, dtype=np.uint8)
    except (TypeError, ValueError):
        arr = np.fromiter((v if isinstance(v, int) else _BITCODE.get(str(v), 2) for v in values), dtype=np.uint8,
                          count=len(values))
    return arr.reshape(-1, 1)


def find_scope(wave, nl: Netlist, scope: str | None = None):
    """The scope of ``wave`` (a pywellen Waveform) named ``scope``, or the one whose variables
    match most of ``nl``'s net names."""
    return _find_scope(wave, nl, scope)


def _find_scope(wave, nl: Netlist, scope: str | None):
    scopes = list(wave.all_scopes())
    if scope is not None:
        for s in scopes:
            if s.full_name == scope:
                return s
        raise ParamError("scope", f"a scope of the waveform ({', '.join(s.full_name for s in scopes[:8])}, ...)", scope)
    best, score = None, 0
    wanted = set(nl.names)
    for s in scopes:
        n = sum(1 for v in s.vars() if _plain(v.name) in wanted)
        if n > score or (n == score and best is not None and len(s.full_name) < len(best.full_name)):
            best, score = s, n
    if best is None:
        raise ToolError("the waveform has no scope whose signals are the netlist's nets")
    return best


def open_waveform(path: Path):
    """The waveform at ``path`` (VCD or FST) opened with pywellen, to read several scopes of it
    (:func:`activity_from_waveform` ``waveform=``) without loading it again."""
    path = Path(path)
    if not path.is_file():
        raise ParamError("waves", "an existing waveform file (.vcd or .fst)", str(path))
    try:
        return pywellen.Waveform(str(path))
    except Exception as e:  # pywellen raises its own error types
        raise ToolError(f"cannot read the waveform {path}: {e}") from None


def activity_from_waveform(path: Path, nl: Netlist, lib: liberty_lib.Library, clock: str = "clk",
                           scope: str | None = None, start_ns: float | None = None,
                           end_ns: float | None = None, waveform=None) -> Activity:
    """Toggles of every net of ``nl`` in the waveform ``path`` (VCD or FST) between ``start_ns``
    and ``end_ns`` (default: all of it). ``scope``: the design's scope in the waveform (default:
    the scope whose variables match most of the netlist's net names, e.g. ``tb.dut`` or cocotb's
    top). ``cycles``: rising edges of the ``clock`` port's net in the window. ``waveform``: the
    waveform ``path`` already opened (:func:`open_waveform`)."""
    t_start = time.perf_counter()
    path = Path(path)
    wave = open_waveform(path) if waveform is None else waveform
    sc = _find_scope(wave, nl, scope)
    to_ns = _time_ns(wave)
    t0 = None if start_ns is None else start_ns / to_ns
    t1 = None if end_ns is None else end_ns / to_ns
    toggles: dict[int, float] = {}
    rises: dict[int, int] = {}
    for var in sc.vars():
        name = _plain(var.name)
        bits = nl.names.get(name)
        if bits is None:
            continue
        todo = [k for k, b in enumerate(bits) if isinstance(b, int) and b not in toggles]
        if not todo:
            continue
        width = var.bitwidth or len(bits)
        if width != len(bits):
            raise ToolError(f"{name} has {width} bits in the waveform and {len(bits)} in the netlist")
        sig = var.signal
        changes = sig[0:len(sig)] if len(sig) else []
        if not changes:
            continue
        times = np.fromiter((c[0] for c in changes), dtype=np.float64, count=len(changes))
        values = [c[1] for c in changes]
        codes = _codes_1bit(values) if width == 1 else _codes(values, width)
        tg, rs = _known_toggles(times, codes, t0, t1)
        for k in todo:
            toggles[bits[k]] = float(tg[k])
            rises[bits[k]] = int(rs[k])
    clocks = clock_network(nl, lib, clock)
    clk_bits = [b for b in nl.inputs.get(clock, []) if isinstance(b, int)]
    if not clk_bits:
        raise ParamError("clock", f"an input port of {nl.top}", clock)
    if clk_bits[0] not in rises:
        raise ToolError(f"the clock {clock} is not in the waveform's scope {sc.full_name}")
    cycles = rises[clk_bits[0]]
    if cycles == 0:
        raise ToolError(f"the clock {clock} has no rising edge in the waveform window")
    missing = tuple(nl.net_name(n) for n in nl.nets if n not in toggles)
    if len(missing) > 0.5 * len(nl.nets):
        raise ToolError(f"the waveform's scope {sc.full_name} lacks {len(missing)} of the netlist's "
                        f"{len(nl.nets)} nets (e.g. {', '.join(missing[:5])}); is it the waveform of this netlist?")
    for n in nl.nets:
        toggles.setdefault(n, 0.0)
    return Activity(toggles, float(cycles), str(path), clocks, 0.0, missing, time.perf_counter() - t_start)


# ---------------------------------------------------------------------------------------------
# Liberty function expressions (for OpenSTA 2.0.17's inferred "when" conditions)

_TOKEN = re.compile(r"\s*(?:([A-Za-z_][A-Za-z0-9_\[\]\.]*)|(.))")


def parse_function(text: str):
    """A liberty ``function`` as a tree: ``("port", name)``, ``("0",)``, ``("1",)``, ``("not", e)``,
    ``("and"|"or"|"xor", l, r)``, with OpenSTA's grammar (``+``/``|`` lowest, then ``*``/``&``,
    then ``^``; a juxtaposition of operands is an AND binding tightest; all left-associative)."""
    toks = []
    for m in _TOKEN.finditer(text):
        if m.group(1):
            toks.append(("id", m.group(1)))
        elif m.group(2) and not m.group(2).isspace():
            toks.append(("op", m.group(2)))
    pos = 0

    def peek():
        return toks[pos] if pos < len(toks) else (None, None)

    def take():
        nonlocal pos
        pos += 1
        return toks[pos - 1]

    def terminal():
        kind, val = take()
        if kind == "id":
            return ("port", val)
        if val in ("0", "1"):
            return (val,)
        if val == "(":
            e = expr(0)
            if take()[1] != ")":
                raise ValueError(f"missing ) in {text!r}")
            return e
        raise ValueError(f"unexpected {val!r} in {text!r}")

    def terminal_expr():
        if peek()[1] == "!":
            take()
            return ("not", terminal())
        t = terminal()
        if peek()[1] == "'":
            take()
            return ("not", t)
        return t

    def starts_terminal():
        kind, val = peek()
        return kind == "id" or val in ("(", "!", "0", "1")

    def operand():
        e = terminal_expr()
        while starts_terminal():
            e = ("and", e, terminal_expr())
        return e

    prec = {"+": (1, "or"), "|": (1, "or"), "*": (2, "and"), "&": (2, "and"), "^": (3, "xor")}

    def expr(min_prec):
        left = operand()
        while peek()[1] in prec and prec[peek()[1]][0] >= min_prec:
            p, op = prec[take()[1]]
            left = (op, left, expr(p + 1))
        return left

    tree = expr(0)
    if pos != len(toks) and peek()[1] != ";":
        raise ValueError(f"cannot parse the liberty function {text!r}")
    return tree


def _is_port_ref(e, port: str) -> bool:
    return (e[0] == "port" and e[1] == port) or (e[0] == "not" and e[1][0] == "port" and e[1][1] == port)


def _negate(e):
    return e[1] if e[0] == "not" else ("not", e)


def infered_when(e, port: str):
    """OpenSTA 2.0.17's ``Power::inferedWhen``: the condition under which ``port`` alone
    switches the function ``e``, or None where it cannot isolate one."""
    op = e[0]
    if op == "port":
        return ("1",) if e[1] == port else None
    if op == "not":
        return infered_when(e[1], port)
    if op in ("or", "xor"):
        if _is_port_ref(e[1], port):
            return _negate(e[2])
        if _is_port_ref(e[2], port):
            return _negate(e[1])
        return None
    if op == "and":
        if _is_port_ref(e[1], port):
            return e[2]
        if _is_port_ref(e[2], port):
            return e[1]
    return None


def duty(e, duties: dict[str, float]) -> float:
    """Probability that ``e`` is 1 with independent inputs of the given duties (OpenSTA's
    ``evalActivity`` duty); a name without a duty (an internal state) counts 0."""
    op = e[0]
    if op == "port":
        return duties.get(e[1], 0.0)
    if op == "1":
        return 1.0
    if op == "0":
        return 0.0
    if op == "not":
        return 1.0 - duty(e[1], duties)
    a, b = duty(e[1], duties), duty(e[2], duties)
    if op == "and":
        return a * b
    if op == "or":
        return 1.0 - (1.0 - a) * (1.0 - b)
    return a * (1.0 - b) + b * (1.0 - a)


@lru_cache(maxsize=None)
def _parsed(text: str):
    return parse_function(text)


# ---------------------------------------------------------------------------------------------
# Loads and slews


def net_loads(nl: Netlist, lib: liberty_lib.Library, port_load: float = 0.0) -> dict[int, float]:
    """Capacitance on each net (liberty capacitance unit): its cell input pins, plus
    ``port_load`` per output port bit."""
    caps = {n: 0.0 for n in nl.nets}
    for net, loads in nl.loads.items():
        caps[net] = sum(lib.cells[nl.instances[i].cell].pins[p].capacitance for i, p in loads)
    for net, count in nl.output_loads.items():
        caps[net] = caps.get(net, 0.0) + port_load * count
    return caps


_SEQ_ARCS = ("rising_edge", "falling_edge")
_CHECKS = ("setup", "hold", "recovery", "removal", "skew", "nochange", "min_pulse", "minimum_period", "non_seq")


def net_slews(nl: Netlist, lib: liberty_lib.Library, caps: dict[int, float], input_slew: float = 0.0
              ) -> dict[int, tuple[float, float]]:
    """(rise, fall) transition of every net (liberty time unit): input ports and constants
    ``input_slew``; each cell output the worst over its arcs of the transition table at the
    net's load and the related input's slew (positive unate: the same edge, negative: the
    opposite, non-unate: the worse of both). Sequential cells: clock-to-output arcs only."""
    slews: dict[int, tuple[float, float]] = {}
    for n in nl.nets:
        d = nl.driver.get(n)
        if d is None or isinstance(d, str):
            slews[n] = (input_slew, input_slew)
    # instance dependency graph: an instance waits for the slews of the nets its used arcs read
    waits: dict[int, set[int]] = {}
    users: dict[int, list[int]] = defaultdict(list)
    arcs_of: dict[int, list] = {}
    for i, inst in enumerate(nl.instances):
        cell = lib.cells[inst.cell]
        arcs = []
        for pin, net in inst.pins.items():
            p = cell.pins[pin]
            if p.direction != "output" or not isinstance(net, int):
                continue
            for arc in p.arcs:
                if any(c in arc.type for c in _CHECKS):
                    continue
                if cell.sequential and arc.type not in _SEQ_ARCS:
                    continue
                src = inst.pins.get(arc.related_pin)
                arcs.append((net, arc, src))
        arcs_of[i] = arcs
        need = {src for _, _, src in arcs if isinstance(src, int) and src not in slews}
        waits[i] = need
        for src in need:
            users[src].append(i)
    ready = [i for i, w in waits.items() if not w]
    done = set()

    def evaluate(i):
        out: dict[int, list[float]] = {}
        for net, arc, src in arcs_of[i]:
            r_in, f_in = slews.get(src, (input_slew, input_slew)) if isinstance(src, int) else (input_slew, input_slew)
            if arc.type == "rising_edge":
                ins_r = ins_f = r_in
            elif arc.type == "falling_edge":
                ins_r = ins_f = f_in
            elif arc.sense == "positive_unate":
                ins_r, ins_f = r_in, f_in
            elif arc.sense == "negative_unate":
                ins_r, ins_f = f_in, r_in
            else:
                ins_r = ins_f = max(r_in, f_in)
            rise = arc.transition(caps[net], ins_r)[0]
            fall = arc.transition(caps[net], ins_f)[1]
            cur = out.setdefault(net, [0.0, 0.0])
            cur[0] = max(cur[0], rise or 0.0)
            cur[1] = max(cur[1], fall or 0.0)
        return out

    while True:
        while ready:
            i = ready.pop()
            done.add(i)
            for net, (r, f) in evaluate(i).items():
                slews[net] = (r, f)
                for j in users.get(net, ()):
                    waits[j].discard(net)
                    if not waits[j] and j not in done:
                        ready.append(j)
        left = [i for i in waits if i not in done]
        if not left:
            break
        # a combinational loop (not in synthesized logic): take the known slews and go on
        ready = [left[0]]
        waits[left[0]] = set()
    for n in nl.nets:
        slews.setdefault(n, (input_slew, input_slew))
    return slews


# ---------------------------------------------------------------------------------------------
# Energy


def _scales(lib: liberty_lib.Library) -> tuple[float, float, float]:
    """(pF per capacitance unit, ns per time unit, mW per leakage unit)."""
    return (liberty_lib.unit_scale(lib.capacitance_unit, "p"), liberty_lib.unit_scale(lib.time_unit, "n"),
            liberty_lib.unit_scale(lib.leakage_unit, "m"))


def energy(nl: Netlist, lib: liberty_lib.Library, act: Activity, clock_ns: float, convention: str = "liberty",
           input_slew_ns: float = 0.0, port_load_pf: float = 0.0) -> dict:
    """Energy (pJ) over ``act``'s window and power (mW) at ``clock_ns``; see the module docstring."""
    if convention not in CONVENTIONS:
        raise ParamError("convention", " or ".join(CONVENTIONS), convention)
    if not (isinstance(clock_ns, (int, float)) and math.isfinite(clock_ns) and clock_ns > 0):
        raise ParamError("clock_ns", "a clock period in ns > 0", clock_ns)
    liberty_lib.require_timing_and_power(lib)
    cap_pf, time_ns, leak_mw = _scales(lib)
    volt = float(lib.voltage)
    caps = net_loads(nl, lib, port_load_pf / cap_pf)
    slews = net_slews(nl, lib, caps, input_slew_ns / time_ns)
    compat = convention == "opensta-2.0.17"
    clocks = act.clock_nets
    cycles = act.cycles
    window_ns = cycles * clock_ns

    by_type: dict[str, dict[str, float]] = defaultdict(lambda: {"count": 0, "internal_pj": 0.0, "switching_pj": 0.0,
                                                                "leakage_pj": 0.0})
    internal = switching = leakage = 0.0
    clock_pj = inputs_pj = 0.0

    # switching: every net (liberty) or cell-driven nets only (opensta-2.0.17)
    for net in nl.nets:
        t = act.toggles.get(net, 0.0)
        if not t:
            continue
        d = nl.driver.get(net)
        if d is None:
            continue
        if isinstance(d, str) and compat:
            continue
        e = t * 0.5 * caps[net] * cap_pf * volt * volt
        switching += e
        if isinstance(d, str):
            by_type["(input ports)"]["switching_pj"] += e
            if net in clocks:
                clock_pj += e
            else:
                inputs_pj += e
        else:
            by_type[nl.instances[d[0]].cell]["switching_pj"] += e
            if net in clocks:
                clock_pj += e

    def toggles_of(net):
        return act.toggles.get(net, 0.0) if isinstance(net, int) else 0.0

    def activity_of(net):  # toggles per cycle, OpenSTA's view (unconnected pins: the global activity)
        if isinstance(net, int):
            return act.toggles.get(net, 0.0) / cycles if cycles else 0.0
        return act.unconnected_outputs / cycles if cycles else 0.0

    for inst in nl.instances:
        cell = lib.cells[inst.cell]
        row = by_type[inst.cell]
        row["count"] += 1
        e_leak = cell.leakage * leak_mw * window_ns
        leakage += e_leak
        row["leakage_pj"] += e_leak
        e_int = 0.0
        for pname, pin in cell.pins.items():
            if not pin.power:
                continue
            net = inst.pins.get(pname)
            if pin.direction == "output":
                tog = toggles_of(net) if isinstance(net, int) else act.unconnected_outputs
                if not tog:
                    continue
                load = caps.get(net, 0.0) if isinstance(net, int) else 0.0
                per = _output_energy(inst, cell, pin, load, slews, clocks, act, compat, activity_of)
                e = tog * per
            else:
                tog = toggles_of(net)
                if not tog:
                    continue
                r_s, f_s = slews.get(net, (0.0, 0.0))
                tabs = pin.power
                pair = [t.energy(0.0, r_s)[0] + t.energy(0.0, f_s)[1] for t in tabs]
                if compat:
                    e = tog * sum(pair) * (1.0 if net in clocks else 0.5)
                else:
                    e = tog * 0.5 * float(np.mean(pair))
                if net in clocks:
                    clock_pj += e * _energy_scale(lib)
            e_int += e
        e_int *= _energy_scale(lib)
        internal += e_int
        row["internal_pj"] += e_int

    total = internal + switching + leakage
    per_type = {}
    for name, row in sorted(by_type.items()):
        row["total_pj"] = row["internal_pj"] + row["switching_pj"] + row["leakage_pj"]
        per_type[name] = {k: (round(v, 9) if isinstance(v, float) else v) for k, v in row.items()}
    data_nets = [n for n in nl.nets if n not in clocks and nl.driver.get(n) is not None]
    mean = (sum(act.toggles.get(n, 0.0) for n in data_nets) / len(data_nets) / cycles) if data_nets and cycles else 0.0
    clk_tpc = (sum(act.toggles.get(n, 0.0) for n in clocks) / len(clocks) / cycles) if clocks and cycles else 0.0
    return {
        "energy_pj": total,
        "internal_pj": internal,
        "switching_pj": switching,
        "leakage_pj": leakage,
        "clock_pj": clock_pj,
        "input_ports_pj": inputs_pj,
        "cycles": cycles,
        "clock_ns": float(clock_ns),
        "energy_per_cycle_pj": total / cycles if cycles else 0.0,
        "power_mw": total / window_ns if window_ns else 0.0,
        "internal_mw": internal / window_ns if window_ns else 0.0,
        "switching_mw": switching / window_ns if window_ns else 0.0,
        "leakage_mw": leakage / window_ns if window_ns else 0.0,
        "per_cell_type": per_type,
        "activity": {
            "source": act.source,
            "nets": len(data_nets),
            "mean_toggles_per_net_per_cycle": mean,
            "clock_nets": len(clocks),
            "clock_toggles_per_cycle": clk_tpc,
            "missing_nets": len(act.missing),
        },
        "convention": convention,
        "input_slew_ns": float(input_slew_ns),
        "port_load_pf": float(port_load_pf),
        "voltage_v": volt,
        "library": lib.name,
        "top": nl.top,
        "cells": len(nl.instances),
    }


def _energy_scale(lib: liberty_lib.Library) -> float:
    """pJ per liberty internal-power energy unit (capacitance unit x V^2)."""
    return liberty_lib.unit_scale(lib.capacitance_unit, "p")


def _output_energy(inst: Instance, cell, pin, load: float, slews, clocks, act: Activity, compat: bool,
                   activity_of) -> float:
    """Internal energy (liberty energy unit) of one toggle of the output ``pin`` of ``inst``."""
    def in_slews(related: str):
        net = inst.pins.get(related)
        return slews.get(net, (0.0, 0.0)) if isinstance(net, int) else (0.0, 0.0)

    if compat:
        func = _parsed(pin.function) if pin.function else None
        to_net = inst.pins.get(pin.name)
        to_act = activity_of(to_net)
        total = 0.0
        for t in pin.power:
            rel = t.related_pin
            from_net = inst.pins.get(rel) if rel else to_net
            w = infered_when(func, rel) if (rel and func is not None) else None
            if w is not None:
                from_act = activity_of(from_net)
                inputs = {p for p, q in cell.pins.items() if q.direction == "input"}
                d = 0.0 if to_act == 0 else from_act / to_act * duty(w, {p: 0.5 for p in inputs})
            elif isinstance(from_net, int) and from_net in clocks:
                d = 1.0
            else:
                d = 0.5
            r_s, f_s = in_slews(rel) if rel else slews.get(to_net, (0.0, 0.0))
            total += d * (t.energy(load, r_s)[0] + t.energy(load, f_s)[1])
        return total
    # liberty: a toggle is half rises, half falls; tables of one related pin averaged; related
    # pins weighted by their nets' toggles
    groups: dict[str, list] = defaultdict(list)
    for t in pin.power:
        groups[t.related_pin].append(t)
    if len(groups) > 1:
        groups.pop("", None)
    arcs = {a.related_pin: a for a in pin.arcs if not any(c in a.type for c in _CHECKS)}
    weights, energies = [], []
    for rel, tabs in groups.items():
        r_in, f_in = in_slews(rel) if rel else (0.0, 0.0)
        arc = arcs.get(rel)
        kind = arc.type if arc is not None else "combinational"
        sense = arc.sense if arc is not None else "positive_unate"
        if kind == "rising_edge":        # both output edges follow the clock's rising edge
            r_s = f_s = r_in
        elif kind == "falling_edge":
            r_s = f_s = f_in
        elif sense == "negative_unate":
            r_s, f_s = f_in, r_in
        elif sense == "non_unate":
            r_s = f_s = max(r_in, f_in)
        else:
            r_s, f_s = r_in, f_in
        energies.append(float(np.mean([0.5 * (t.energy(load, r_s)[0] + t.energy(load, f_s)[1]) for t in tabs])))
        net = inst.pins.get(rel)
        weights.append(act.toggles.get(net, 0.0) if isinstance(net, int) else 0.0)
    wsum = sum(weights)
    if wsum <= 0:
        return float(np.mean(energies))
    return sum(w * e for w, e in zip(weights, energies)) / wsum


# ---------------------------------------------------------------------------------------------
# One-call front ends


def power_vectorless(netlist: Path | Netlist, liberty, activity: float, clock_ns: float, top: str | None = None,
                     clock: str = "clk", cycles: float = 1.0, **kw) -> dict:
    """Vectorless energy and power: every net at ``activity`` toggles per cycle (the clock
    network at 2) over ``cycles`` cycles, at clock period ``clock_ns``."""
    files = liberty if isinstance(liberty, liberty_lib.LibraryFiles) else liberty_lib.resolve(liberty)
    lib = liberty_lib.load(files.liberty)
    nl = netlist if isinstance(netlist, Netlist) else read_netlist(netlist, files, top)
    return energy(nl, lib, activity_vectorless(nl, lib, activity, clock, cycles), clock_ns, **kw)


def power_simulated(netlist: Path | Netlist, liberty, waves: Path, clock_ns: float, top: str | None = None,
                    clock: str = "clk", scope: str | None = None, start_ns: float | None = None,
                    end_ns: float | None = None, **kw) -> dict:
    """Energy over a gate-level waveform of ``netlist`` and power at clock period ``clock_ns``
    (toggles per cycle do not depend on the simulated period: zero-delay simulation)."""
    files = liberty if isinstance(liberty, liberty_lib.LibraryFiles) else liberty_lib.resolve(liberty)
    lib = liberty_lib.load(files.liberty)
    nl = netlist if isinstance(netlist, Netlist) else read_netlist(netlist, files, top)
    act = activity_from_waveform(waves, nl, lib, clock, scope, start_ns, end_ns)
    out = energy(nl, lib, act, clock_ns, **kw)
    out["activity"]["waveform_seconds"] = act.seconds
    if act.missing:
        out["activity"]["missing_examples"] = list(act.missing[:5])
    return out
