"""Static timing and a vectorless power reference with OpenSTA on a Yosys-mapped netlist.

OpenSTA is Debian's ``opensta`` package (command ``sta``, a 2019 snapshot that calls itself
2.0.17). Its report format is what this module parses; a report it cannot read is an error
(:class:`~schw.errors.ToolError`, exit 1), never a timing of zero.

Constraints (the same for :func:`timing` and :func:`power_global`)
    One clock named ``clk`` with period ``clock_ns`` on the port ``clk`` (a design without a
    ``clk`` port gets a virtual clock of that name), ideal: no latency, no uncertainty, zero
    transition at the flip-flops' clock pins. Every other input gets ``set_input_delay 0`` and
    every output ``set_output_delay 0``, both relative to ``clk``: inputs change right at the
    launching edge and outputs must be valid at the next one, i.e. the unit is assumed to sit
    between registers of the same clock with nothing else on those wires. Input ports are ideal
    drivers (zero transition) and outputs drive no load (0 pF); there are no wire parasitics
    (no placement), so every net delay is 0 and the path delay is cell delay only, each cell's
    delay looked up in the library's NLDM tables at the load of the pins it drives.

Path groups (:func:`timing`)
    ``reg_to_reg``  ``-from [all_registers -clock_pins] -to [all_registers -data_pins]``,
    ``in_to_reg``   ``-from`` the non-clock inputs ``-to [all_registers -data_pins]``,
    ``reg_to_out``  ``-from [all_registers -clock_pins] -to [all_outputs]``,
    ``in_to_out``   ``-from`` the non-clock inputs ``-to [all_outputs]`` (purely combinational
    paths; none in a unit with registered outputs).
    Each is the worst (least slack) setup path of that group, or ``None`` when the group has no
    path in the design (no registers, no inputs, ...).

Critical path
    A path's minimum period ``min_period_ns`` is the period at which its slack is 0
    (``clock_ns - slack_ns``): for a path into a register the data arrival + the capturing flop's
    setup time (the launching flop's clock-to-Q is part of the arrival); for a path to an output
    the data arrival (output delay 0). It does not depend on the period (ideal clock, every path
    launched and captured by rising edges one period apart), and it is computed as arrival +
    setup + output delay from the report's rows rather than as period - slack: OpenSTA computes
    in single precision and prints at most 8 significant digits, so period - slack at a 1000 ns
    period would carry ~1e-4 ns of rounding. ``critical_path_ns`` is the largest ``min_period_ns`` of the groups:
    the shortest clock period at which every path group meets setup (worst slack 0).
    ``fmax_mhz = 1000 / critical_path_ns``. Hold checks, recovery/removal of asynchronous
    resets and half-cycle paths (negative-edge flops) are not looked at.

OpenSTA 2.0.17 quirks this module works around (found on this version)
    * ``sta -exit script.tcl`` exits 0 even when commands fail, and ``exit N`` in a script does
      not exit at all: each command's error is printed (``Error: ...``) and the script goes on.
      The script therefore sets ``sta_continue_on_error 0`` and prints a last marker line; a
      report with an ``Error:`` line or without the marker is a ToolError.
    * ``report_checks -from`` an empty list is an error ("no valid objects"), so empty groups
      are skipped in the script and reported as ``None``.
    * ``report_units`` does not exist; ``set_cmd_units -time ns -capacitance pF`` fixes the
      units of the reports whatever the liberty's units are.
    * a second ``read_verilog`` replaces the first netlist; one netlist per run.
    * a cell the liberty does not have is only a warning (``Creating black box``) and the paths
      through it vanish; any ``Warning:`` line is therefore an error here too.
"""

from __future__ import annotations

import math
import re
import subprocess
import tempfile
import time
from pathlib import Path

from . import liberty as liberty_lib
from . import tools
from .errors import ParamError, ToolError

GROUPS = ("reg_to_reg", "in_to_reg", "reg_to_out", "in_to_out")
PROBE_PERIOD_NS = 10.0   # the period of the first run when no clock is given (any period gives the same paths)
DIGITS = 6               # report_checks -digits: 1e-6 ns = 1 fs resolution
POWER_DIGITS = 9         # report_power -digits: 10 significant digits (OpenSTA computes in single precision)
DONE = "schw-sta-done"

_FROM_TO = {
    "reg_to_reg": ("[all_registers -clock_pins]", "[all_registers -data_pins]"),
    "in_to_reg": ("$schw_data_inputs", "[all_registers -data_pins]"),
    "reg_to_out": ("[all_registers -clock_pins]", "[all_outputs]"),
    "in_to_out": ("$schw_data_inputs", "[all_outputs]"),
}


def _tcl_word(value: str | Path) -> str:
    text = str(value)
    if any(c in text for c in "{}\\\n"):
        raise ParamError("netlist", "a path without braces, backslashes or newlines", text)
    return "{" + text + "}"


def _setup_script(netlist: Path, top: str, lib: liberty_lib.LibraryFiles, clock_ns: float) -> str:
    """read, link, units, the clock and the I/O constraints (see the module docstring)."""
    return f"""# written by schw.sta
set ::sta_continue_on_error 0
read_liberty {_tcl_word(Path(lib.liberty).resolve())}
read_verilog {_tcl_word(Path(netlist).resolve())}
link_design {_tcl_word(top)}
set_cmd_units -time ns -capacitance pF
puts "schw-units [sta::unit_scale time] [sta::unit_scale capacitance]"
set schw_clk_port [get_ports -quiet clk]
if {{[llength $schw_clk_port] > 0}} {{
  create_clock -name clk -period {clock_ns!r} $schw_clk_port
  set schw_data_inputs [delete_from_list [all_inputs] $schw_clk_port]
  puts "schw-clock port"
}} else {{
  create_clock -name clk -period {clock_ns!r}
  set schw_data_inputs [all_inputs]
  puts "schw-clock virtual"
}}
if {{[llength $schw_data_inputs] > 0}} {{ set_input_delay 0 -clock clk $schw_data_inputs }}
if {{[llength [all_outputs]] > 0}} {{ set_output_delay 0 -clock clk [all_outputs] }}
"""


def _timing_script(netlist: Path, top: str, lib: liberty_lib.LibraryFiles, clock_ns: float) -> str:
    lines = [_setup_script(netlist, top, lib, clock_ns)]
    for group in GROUPS:
        frm, to = _FROM_TO[group]
        lines.append(f"""puts "schw-begin {group}"
set schw_from {frm}
set schw_to {to}
if {{[llength $schw_from] == 0 || [llength $schw_to] == 0}} {{
  puts "No paths found."
}} else {{
  report_checks -path_delay max -from $schw_from -to $schw_to -fields {{slew cap input_pins}} -digits {DIGITS}
}}
puts "schw-end {group}"
""")
    lines.append(f'puts "{DONE}"\n')
    return "".join(lines)


def _run(script: str, work: Path, name: str) -> str:
    """Run ``sta`` on ``script`` (kept as ``name``.tcl, its output as ``name``.rpt in ``work``);
    the output, or ToolError when a command failed."""
    tool = tools.require("sta")
    tcl, rpt = work / f"{name}.tcl", work / f"{name}.rpt"
    tcl.write_text(script)
    try:
        proc = subprocess.run([tool.path, "-no_init", "-no_splash", "-exit", str(tcl)], capture_output=True,
                              text=True, cwd=work, env=tools.tool_env(), stdin=subprocess.DEVNULL)
    except OSError as e:
        raise ToolError(f"cannot run OpenSTA ({tool.path}): {e}") from None
    text = proc.stdout + (("\n" + proc.stderr) if proc.stderr.strip() else "")
    rpt.write_text(text)
    # warnings too: an unknown cell is only a warning ("Creating black box"), and a design with a
    # black box has no timing through it
    errors = [line for line in text.splitlines() if line.startswith(("Error", "Warning"))]
    if proc.returncode != 0 or errors or DONE not in text.splitlines():
        shown = "\n".join(errors or text.splitlines()[-15:])
        raise ToolError(f"OpenSTA (sta) failed on {tcl.name} (exit {proc.returncode}):\n{shown}")
    _check_units(text)
    return text


def _check_units(text: str) -> None:
    m = re.search(r"^schw-units (\S+) (\S+)$", text, re.M)
    if not m or not math.isclose(float(m.group(1)), 1e-9, rel_tol=1e-6) \
            or not math.isclose(float(m.group(2)), 1e-12, rel_tol=1e-6):
        raise ToolError("OpenSTA did not take set_cmd_units -time ns -capacitance pF "
                        f"({m.group(0) if m else 'no unit line'}); cannot read its reports")


def _section(text: str, name: str) -> str:
    m = re.search(rf"^schw-begin {name}\n(.*?)^schw-end {name}$", text, re.M | re.S)
    if m is None:
        raise ToolError(f"cannot parse OpenSTA's output: no section {name}")
    return m.group(1)


# ---------------------------------------------------------------- report_checks parsing

_NUM = re.compile(r"^-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$")
_PIN = re.compile(r"^(?P<pin>\S+) \((?P<cell>[^()\s]+)\)$")


def _split(line: str) -> tuple[list[float], str | None, str]:
    """A report line: its leading numbers, its edge (rise/fall or None), its description."""
    tokens = line.split()
    nums: list[float] = []
    while tokens and _NUM.match(tokens[0]):
        nums.append(float(tokens.pop(0)))
    edge = None
    if tokens and tokens[0] in ("^", "v") and len(tokens) > 1:
        edge = "rise" if tokens.pop(0) == "^" else "fall"
    return nums, edge, " ".join(tokens)


def parse_checks(section: str) -> dict | None:
    """One ``report_checks -fields {slew cap input_pins}`` path (OpenSTA 2.0.17 ``full`` format),
    or ``None`` for "No paths found.". Anything else it cannot read: ToolError."""
    text = section.strip()
    if text == "No paths found.":
        return None
    lines = text.splitlines()
    try:
        return _parse_path(lines)
    except ToolError:
        raise
    except (ValueError, IndexError, KeyError, StopIteration) as e:
        raise ToolError(f"cannot parse OpenSTA's report_checks output ({type(e).__name__}: {e}):\n{text}") from None


def _bad(msg: str, line: str) -> ToolError:
    return ToolError(f"cannot parse OpenSTA's report_checks output: {msg}: {line!r}")


def _parse_path(lines: list[str]) -> dict:
    head: dict[str, str] = {}
    it = iter(enumerate(lines))
    header_at = None
    for i, line in it:
        m = re.match(r"^(Startpoint|Endpoint|Path Group|Path Type): (.*)$", line)
        if m:
            head[m.group(1)] = m.group(2).strip()
        elif line.strip().endswith("Description"):
            header_at = i
            break
    if header_at is None or not {"Startpoint", "Endpoint", "Path Type"} <= head.keys():
        raise _bad("no path header", "\n".join(lines[:6]))
    if head["Path Type"] != "max":
        raise _bad("not a setup (max) path", head["Path Type"])
    columns = lines[header_at].split()[:-1]          # e.g. Cap Slew Delay Time
    if columns[-2:] != ["Delay", "Time"]:
        raise _bad("unexpected columns", lines[header_at])
    if not set(lines[header_at + 1]) <= {"-"}:
        raise _bad("no dashes under the column header", lines[header_at + 1])

    def fields(nums: list[float], line: str) -> dict[str, float]:
        if len(nums) > len(columns):
            raise _bad("more numbers than columns", line)
        # OpenSTA leaves a column empty only at the front (a load pin has no Cap, a clock line no Cap/Slew)
        return dict(zip(columns[len(columns) - len(nums):], nums))

    def point_name(text: str) -> tuple[str, str]:
        m = re.match(r"^(\S+) \((.*)\)$", text)
        if not m:
            raise _bad("no point name", text)
        return m.group(1), m.group(2)

    start, start_kind = point_name(head["Startpoint"])
    end, end_kind = point_name(head["Endpoint"])
    path = {
        "startpoint": start, "startpoint_kind": start_kind,
        "endpoint": end, "endpoint_kind": end_kind,
        "path_group": head.get("Path Group"),
        "launch_edge_ns": None, "input_delay_ns": 0.0,
        "arrival_ns": None, "clock_ns": None, "setup_ns": None, "output_delay_ns": None,
        "required_ns": None, "slack_ns": None, "met": None,
        "points": [],
        "_adjust": 0.0,
    }
    stage = "launch"
    for _, line in it:
        if not line.strip() or set(line.strip()) <= {"-"}:
            continue
        nums, edge, desc = _split(line)
        f = fields(nums, line)
        if stage == "launch":
            if desc.startswith("clock ") and desc.endswith(" edge)"):
                path["launch_edge_ns"] = f["Time"]
            elif desc.startswith("clock network delay"):
                pass
            elif desc == "input external delay":
                path["input_delay_ns"] = f["Delay"]
            elif desc == "data arrival time":
                path["arrival_ns"] = f["Time"]
                stage = "capture"
            else:
                m = _PIN.match(desc)
                if not m or edge is None:
                    raise _bad("a path line that is neither a pin nor a known row", line)
                pin, cell = m.group("pin"), m.group("cell")
                port = cell in ("in", "out", "inout")
                inst, _, port_name = pin.rpartition("/")
                path["points"].append({
                    "pin": pin,
                    "instance": None if port else inst,
                    "port": pin if port else port_name,
                    "cell": None if port else cell,
                    "direction": cell if port else None,
                    "edge": edge,
                    "cap_pf": f.get("Cap"),
                    "slew_ns": f.get("Slew"),
                    "incr_ns": f["Delay"],
                    "arrival_ns": f["Time"],
                })
        elif stage == "capture":
            if desc.startswith("clock ") and desc.endswith(" edge)"):
                path["clock_ns"] = f["Time"]
            elif desc.startswith("clock network delay") or desc == "clock reconvergence pessimism":
                path["_adjust"] += f["Delay"]
            elif desc == "library setup time":
                path["setup_ns"] = -f["Delay"]
                path["_adjust"] += f["Delay"]
            elif desc == "output external delay":
                path["output_delay_ns"] = -f["Delay"]
                path["_adjust"] += f["Delay"]
            elif desc == "data required time":
                path["required_ns"] = f["Time"]
                stage = "summary"
            elif _PIN.match(desc):
                pass  # the capturing flop's clock pin
            else:
                raise _bad("an unknown row in the required-time part", line)
        else:
            if desc in ("data required time", "data arrival time"):
                continue
            m = re.match(r"^slack \((MET|VIOLATED)\)$", desc)
            if not m:
                raise _bad("an unknown row after the required time", line)
            path["slack_ns"] = f["Time"]
            path["met"] = m.group(1) == "MET"
            stage = "done"
    if stage != "done":
        raise _bad("the report ended before the slack", lines[-1] if lines else "")
    for key in ("arrival_ns", "clock_ns", "required_ns", "slack_ns"):
        if path[key] is None:
            raise _bad(f"no {key}", "")
    if not path["points"]:
        raise _bad("a path without points", "")
    # OpenSTA computes in single precision and prints 8 significant digits at most, so a sum of
    # printed numbers is good to 1e-6 ns plus ~3e-7 of the largest of them
    big = max(abs(path["required_ns"]), abs(path["arrival_ns"]), abs(path["clock_ns"]))
    tol = 2.5 * 10 ** -DIGITS + 3e-7 * big
    if abs(path["required_ns"] - path["arrival_ns"] - path["slack_ns"]) > tol:
        raise _bad("slack != required - arrival", f"{path['required_ns']} {path['arrival_ns']} {path['slack_ns']}")
    # the shortest period this path meets: arrival minus the (small) adjustments of the capture
    # side (setup, output delay, clock latency), not period - slack, which carries the period's
    # rounding at large periods
    adjust = path.pop("_adjust")
    path["min_period_ns"] = round(path["arrival_ns"] - adjust, DIGITS)
    if abs(path["clock_ns"] - path["slack_ns"] - path["min_period_ns"]) > tol:
        raise _bad("period - slack != arrival + setup", f"{path['clock_ns']} {path['slack_ns']} {path['min_period_ns']}")
    path["cells"] = _cells(path["points"])
    return path


def _cells(points: list[dict]) -> list[dict]:
    """The path cell by cell: each instance once, entered at ``from_pin`` and left at ``to_pin``
    (``None`` for the capturing flop, which the path ends in); ``delay_ns`` is the cell's arc
    delay plus the wire increment into it (0 without parasitics), ``arrival_ns`` the time at its
    output (at its input pin for the capturing flop)."""
    cells: list[dict] = []
    for p in points:
        if p["instance"] is None:
            continue
        if cells and cells[-1]["instance"] == p["instance"] and cells[-1]["to_pin"] is None:
            c = cells[-1]
            c["to_pin"], c["delay_ns"] = p["port"], round(c["delay_ns"] + p["incr_ns"], DIGITS)
            c["arrival_ns"], c["slew_ns"], c["load_pf"] = p["arrival_ns"], p["slew_ns"], p["cap_pf"]
            continue
        if p["cap_pf"] is not None:  # a driving pin first: the launching flop's clock line has no input row
            cells.append({"instance": p["instance"], "cell": p["cell"], "from_pin": None, "to_pin": p["port"],
                          "delay_ns": p["incr_ns"], "arrival_ns": p["arrival_ns"], "slew_ns": p["slew_ns"],
                          "load_pf": p["cap_pf"]})
        else:
            cells.append({"instance": p["instance"], "cell": p["cell"], "from_pin": p["port"], "to_pin": None,
                          "delay_ns": p["incr_ns"], "arrival_ns": p["arrival_ns"], "slew_ns": p["slew_ns"],
                          "load_pf": None})
    return cells


# ---------------------------------------------------------------- timing

def _check_inputs(netlist: Path, lib) -> liberty_lib.LibraryFiles:
    if not Path(netlist).is_file():
        raise ParamError("netlist", "an existing gate-level Verilog file", str(netlist))
    if not isinstance(lib, liberty_lib.LibraryFiles):
        lib = liberty_lib.resolve(lib)
    return lib


def _check_period(clock_ns) -> float:
    if clock_ns is None or not (isinstance(clock_ns, (int, float)) and math.isfinite(clock_ns) and clock_ns > 0):
        raise ParamError("clock_ns", "a positive clock period in ns", clock_ns)
    return float(clock_ns)


def _timing_once(netlist: Path, top: str, lib, clock_ns: float, work: Path, name: str) -> dict:
    text = _run(_timing_script(netlist, top, lib, clock_ns), work, name)
    out = {g: parse_checks(_section(text, g)) for g in GROUPS}
    m = re.search(r"^schw-clock (port|virtual)$", text, re.M)
    out["clock_port"] = "clk" if m and m.group(1) == "port" else None
    for g in GROUPS:
        p = out[g]
        if p is not None and abs(p["clock_ns"] - p["launch_edge_ns"] - clock_ns) > 1e-5 * max(1.0, clock_ns):
            raise ToolError(f"OpenSTA reported a {g} path over {p['clock_ns'] - p['launch_edge_ns']} ns, "
                            f"not one clock period ({clock_ns} ns)")
    return out


def timing(netlist: Path, top: str, lib: liberty_lib.LibraryFiles, clock_ns: float | None = None,
           keep: Path | None = None) -> dict:
    """Static timing of the mapped ``netlist`` (module ``top``) against ``lib``.

    ``clock_ns``: the clock constraint. Default: the critical path itself, found in a first run
    at :data:`PROBE_PERIOD_NS` (the paths and their minimum periods do not depend on the period),
    so the reported worst slack is ~0. ``keep``: a folder that keeps the Tcl scripts and
    OpenSTA's reports (``timing_probe.*`` of the first run, ``timing.*``).

    Returns ``{top, netlist, library, sta_version, clock_ns, clock_port, reg_to_reg, in_to_reg,
    reg_to_out, in_to_out, critical_group, critical_path_ns, fmax_mhz, worst_slack_ns, seconds}``;
    each group is ``None`` or a path dict: ``startpoint``, ``endpoint`` (and their ``*_kind``
    as OpenSTA words them), ``arrival_ns``, ``required_ns``, ``slack_ns``, ``met``,
    ``setup_ns`` (paths into a register), ``output_delay_ns`` (paths to an output),
    ``min_period_ns``, ``points`` (every row report_checks prints for the path: ``pin``,
    ``instance``, ``port``, ``cell``, ``direction`` of a top-level port, ``edge``, ``cap_pf``,
    ``slew_ns``, ``incr_ns``, ``arrival_ns``) and ``cells`` (the same cell by cell:
    ``instance``, ``cell``, ``from_pin``, ``to_pin``, ``delay_ns``, ``arrival_ns``, ``slew_ns``,
    ``load_pf``). ``critical_path_ns``/``fmax_mhz`` are ``None`` when no group has a path.
    See the module docstring for the constraints and the definitions.
    """
    lib = _check_inputs(netlist, lib)
    given = None if clock_ns is None else _check_period(clock_ns)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="schw-sta-") as tmp:
        work = Path(keep) if keep else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        period = given
        if period is None:
            probe = _timing_once(netlist, top, lib, PROBE_PERIOD_NS, work, "timing_probe")
            found = [probe[g]["min_period_ns"] for g in GROUPS if probe[g] is not None]
            period = max(found) if found and max(found) > 0 else PROBE_PERIOD_NS
        res = _timing_once(netlist, top, lib, period, work, "timing")
    paths = {g: res[g] for g in GROUPS}
    present = {g: p["min_period_ns"] for g, p in paths.items() if p is not None}
    critical_group = max(present, key=present.get) if present else None
    critical = present[critical_group] if present else None
    return {
        "top": top,
        "netlist": str(netlist),
        "library": lib.name,
        "liberty": str(lib.liberty),
        "sta_version": tools.find("sta").version,
        "clock_ns": period,
        "clock_port": res["clock_port"],
        **paths,
        "critical_group": critical_group,
        "critical_path_ns": critical,
        "fmax_mhz": (1000.0 / critical) if critical else None,
        "worst_slack_ns": min((p["slack_ns"] for p in paths.values() if p is not None), default=None),
        "seconds": round(time.perf_counter() - t0, 3),
    }


# ---------------------------------------------------------------- power

_POWER_ROWS = ("Sequential", "Combinational", "Macro", "Pad", "Total")


def parse_power(text: str) -> dict:
    """OpenSTA 2.0.17's ``report_power`` design table: per row (``sequential``,
    ``combinational``, ``macro``, ``pad``, ``total``) internal, switching, leakage and total
    power in W. Anything else: ToolError."""
    rows: dict[str, dict[str, float]] = {}
    header = False
    for line in text.splitlines():
        tokens = line.split()
        if tokens[:5] == ["Group", "Internal", "Switching", "Leakage", "Total"]:
            header = True
            continue
        if header and tokens and tokens[0] in _POWER_ROWS:
            if len(tokens) != 6 or not tokens[5].endswith("%"):
                raise ToolError(f"cannot parse OpenSTA's report_power row: {line!r}")
            try:
                values = [float(t) for t in tokens[1:5]]
            except ValueError:
                raise ToolError(f"cannot parse OpenSTA's report_power row: {line!r}") from None
            if tokens[0].lower() in rows:
                raise ToolError(f"OpenSTA's report_power has the row {tokens[0]} twice")
            rows[tokens[0].lower()] = dict(zip(("internal_w", "switching_w", "leakage_w", "total_w"), values))
    missing = [r for r in _POWER_ROWS if r.lower() not in rows]
    if not header or missing:
        raise ToolError(f"cannot parse OpenSTA's report_power output (missing rows {missing}):\n{text.strip()}")
    # OpenSTA sums in single precision (about 7 significant digits): allow 1e-5 relative
    for name, r in rows.items():
        parts = r["internal_w"] + r["switching_w"] + r["leakage_w"]
        if not math.isclose(parts, r["total_w"], rel_tol=1e-5, abs_tol=1e-15):
            raise ToolError(f"OpenSTA's report_power {name} row does not add up: {r}")
    for key in ("internal_w", "switching_w", "leakage_w", "total_w"):
        s = sum(rows[g][key] for g in ("sequential", "combinational", "macro", "pad"))
        if not math.isclose(s, rows["total"][key], rel_tol=1e-5, abs_tol=1e-15):
            raise ToolError(f"OpenSTA's report_power groups do not add up to the total {key}")
    return rows


def power_global(netlist: Path, top: str, lib: liberty_lib.LibraryFiles, clock_ns: float, activity: float,
                 duty: float = 0.5, keep: Path | None = None) -> dict:
    """OpenSTA's vectorless power: ``set_power_activity -global -activity A -duty 0.5`` and
    ``report_power`` at clock period ``clock_ns`` (constraints as for :func:`timing`).

    ``activity`` A is in transitions per clock period (OpenSTA divides it by the period of the
    clock that reaches the pin). What OpenSTA 2.0.17 does with it (read in its
    ``search/Power.cc`` and checked by the tests on osu018):

    * every net gets density A / T and duty 0.5 **except the clock network**: a pin OpenSTA
      finds to be a clock keeps the clock's own activity, 2 transitions per period, duty 0.5,
      whatever A is (``-global`` does not reach it);
    * switching power ``0.5 C V^2 A / T`` is summed only over the output pins of cell
      instances; the clock net is driven by the ``clk`` port, not by a cell, so its wire and
      pin-capacitance switching power is counted nowhere (with a clock buffer tree it would be,
      at 2 transitions per period);
    * internal power of an input pin without a related pin that is a clock (the flip-flops'
      ``CLK`` tables in osu018) is ``(E_rise + E_fall) * 1.0 * 2 / T``: both table energies
      for each of the 2 clock transitions, twice what one rise and one fall per period would
      cost (newer OpenSTA averages rise and fall); an output pin whose arc comes from a clock
      (``Q`` from ``CLK``) also uses duty 1.0 instead of 0.5;
    * so internal = I0 + k_i * A, switching = k_s * A (the clock part I0 is the flops' clock
      pins), leakage is ``cell_leakage_power`` summed and does not depend on A; all in W.

    Returns ``{internal_w, switching_w, leakage_w, total_w, groups: {sequential, combinational,
    macro, pad}, activity, duty, clock_ns, top, library, sta_version}``. The numbers are
    report_power's table (``-digits 9``), checked against OpenSTA's unformatted result.
    """
    lib = _check_inputs(netlist, lib)
    period = _check_period(clock_ns)
    if not (isinstance(activity, (int, float)) and math.isfinite(activity) and activity >= 0):
        raise ParamError("activity", "a number of transitions per clock period >= 0", activity)
    if not (isinstance(duty, (int, float)) and 0 <= duty <= 1):
        raise ParamError("duty", "a probability between 0 and 1", duty)
    script = (_setup_script(netlist, top, lib, period)
              + f"set_power_activity -global -activity {float(activity)!r} -duty {float(duty)!r}\n"
              + 'puts "schw-begin power"\n'
              + f"report_power -digits {POWER_DIGITS}\n"
              + 'puts "schw-end power"\n'
              + 'puts "schw-power-raw [sta::design_power [sta::cmd_corner]]"\n'
              + f'puts "{DONE}"\n')
    with tempfile.TemporaryDirectory(prefix="schw-sta-") as tmp:
        work = Path(keep) if keep else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        text = _run(script, work, "power")
    rows = parse_power(_section(text, "power"))
    raw = re.search(r"^schw-power-raw (.*)$", text, re.M)
    if raw:
        values = [float(v) for v in raw.group(1).split()]
        if len(values) != 20:
            raise ToolError(f"OpenSTA's design_power gave {len(values)} numbers, not 20")
        order = ("total", "sequential", "combinational", "macro", "pad")
        for i, name in enumerate(order):
            for j, key in enumerate(("internal_w", "switching_w", "leakage_w", "total_w")):
                if not math.isclose(values[4 * i + j], rows[name][key], rel_tol=1e-8, abs_tol=1e-18):
                    raise ToolError(f"report_power's {name} {key} {rows[name][key]} is not OpenSTA's "
                                    f"value {values[4 * i + j]}")
    total = rows.pop("total")
    return {
        **total,
        "groups": rows,
        "activity": float(activity),
        "duty": float(duty),
        "clock_ns": period,
        "top": top,
        "library": lib.name,
        "sta_version": tools.find("sta").version,
    }
