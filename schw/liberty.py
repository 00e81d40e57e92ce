"""Cell libraries: names, files, and what schw reads from them.

``--liberty`` takes a name or a file:

``schw45``
    ``flows/schw45.lib``, shipped with schw: area only (NanGate 45 nm Open Cell Library areas,
    typical corner). The default of ``schw synth``.
``osu018``
    OSU 0.18 µm standard cells from Debian's ``qflow-tech-osu018`` (``osu018_stdcells.lib``:
    NLDM delay and slew tables, internal power tables, leakage; 1.8 V; ns, pF, nW) and their
    simulation models (``osu018_stdcells.v``). The default of ``schw ppa``.
``FILE``
    any liberty file (its simulation models, for gate-level simulation, are looked for beside it
    with the same stem and ``.v``, or given with ``--cells``).

:func:`load` parses a liberty with ``liberty-parser`` (PyPI) into a :class:`Library`: per cell
its area, whether it is sequential, leakage, pins (direction, capacitance, function) and the
internal-power tables; the timing and power capability checks ``schw ppa`` needs.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from .errors import ParamError, ToolError

OSU018_PACKAGE = "qflow-tech-osu018"
OSU018_DIR = Path("/usr/share/qflow/tech/osu018")
NAMES = ("schw45", "osu018")


@dataclasses.dataclass(frozen=True)
class LibraryFiles:
    name: str
    liberty: Path
    cells: Path | None  # Verilog simulation models of the cells, when known


def _osu018_dir() -> Path | None:
    if (OSU018_DIR / "osu018_stdcells.lib").is_file():
        return OSU018_DIR
    if shutil.which("dpkg"):
        out = subprocess.run(["dpkg", "-L", OSU018_PACKAGE], capture_output=True, text=True)
        for line in out.stdout.splitlines():
            if line.endswith("/osu018_stdcells.lib") and Path(line).is_file():
                return Path(line).parent
    return None


def resolve(name_or_file: str | Path | None, default: str = "schw45") -> LibraryFiles:
    """The library a ``--liberty`` value names. Unknown name or missing file: ParamError (exit 2);
    ``osu018`` not installed: ToolError naming the Debian package (exit 1)."""
    value = str(name_or_file) if name_or_file is not None else default
    if value == "schw45":
        lib = Path(str(resources.files("schw.flows").joinpath("schw45.lib")))
        return LibraryFiles("schw45", lib, None)
    if value == "osu018":
        d = _osu018_dir()
        if d is None:
            raise ToolError(f"the osu018 library is not installed; install it with: "
                            f"sudo apt-get install -y {OSU018_PACKAGE}")
        return LibraryFiles("osu018", d / "osu018_stdcells.lib", d / "osu018_stdcells.v")
    path = Path(value)
    if path.suffix.lower() != ".lib" and not path.exists():
        raise ParamError("liberty", "schw45, osu018 or an existing liberty (.lib) file", value)
    if not path.is_file():
        raise ParamError("liberty", "schw45, osu018 or an existing liberty (.lib) file", value)
    cells = path.with_suffix(".v")
    return LibraryFiles(path.stem, path.resolve(), cells.resolve() if cells.is_file() else None)


@dataclasses.dataclass(frozen=True)
class PowerTable:
    """One internal-power group of a pin: energy per transition (library energy unit, normally
    pJ for pF and V) indexed by output load and input transition. The axes follow the table's
    template (``variable_1``/``variable_2``), whatever their order in the file: an input pin's
    table (no related pin, e.g. a flip-flop's CLK or D) indexed by input transition only has a
    one-point ``load`` axis."""

    related_pin: str
    load: np.ndarray    # index of total output net capacitance (capacitance unit)
    slew: np.ndarray    # index of input transition time (time unit)
    rise: np.ndarray    # (len(load), len(slew))
    fall: np.ndarray
    fall_axes: tuple[np.ndarray, np.ndarray] | None = None  # (load, slew) of ``fall`` when not the rise table's

    def energy(self, load: float, slew: float) -> tuple[float, float]:
        """(rise, fall) energy per transition at ``load`` and ``slew``, bilinear inside the
        table and linear extrapolation outside (what NLDM tools do)."""
        fl, fs = self.fall_axes or (self.load, self.slew)
        return _bilinear(self.load, self.slew, self.rise, load, slew), _bilinear(fl, fs, self.fall, load, slew)


def _interp_weights(axis: np.ndarray, x: float) -> tuple[int, float]:
    if axis.size == 1:
        return 0, 0.0
    i = int(np.clip(np.searchsorted(axis, x) - 1, 0, axis.size - 2))
    return i, (x - axis[i]) / (axis[i + 1] - axis[i])


def _bilinear(ax: np.ndarray, ay: np.ndarray, v: np.ndarray, x: float, y: float) -> float:
    if v.ndim == 1:
        v = v.reshape(-1, 1) if ax.size > 1 else v.reshape(1, -1)
    i, tx = _interp_weights(ax, x)
    j, ty = _interp_weights(ay, y)
    i1, j1 = min(i + 1, v.shape[0] - 1), min(j + 1, v.shape[1] - 1)
    return float((1 - tx) * (1 - ty) * v[i, j] + tx * (1 - ty) * v[i1, j] + (1 - tx) * ty * v[i, j1] + tx * ty * v[i1, j1])


@dataclasses.dataclass(frozen=True)
class TimingArc:
    """One ``timing`` group of an output pin with its output transition (slew) tables, each
    ``(load axis, slew axis, values)`` indexed like a :class:`PowerTable`, or None."""

    related_pin: str
    sense: str          # positive_unate | negative_unate | non_unate
    type: str           # combinational (default), rising_edge, falling_edge, ...
    rise: tuple[np.ndarray, np.ndarray, np.ndarray] | None   # rise_transition
    fall: tuple[np.ndarray, np.ndarray, np.ndarray] | None   # fall_transition

    def transition(self, load: float, slew: float) -> tuple[float | None, float | None]:
        """(rise, fall) output transition at ``load`` and input ``slew`` (None: no such table)."""
        return tuple(None if t is None else _bilinear(t[0], t[1], t[2], load, slew) for t in (self.rise, self.fall))


@dataclasses.dataclass(frozen=True)
class Pin:
    name: str
    direction: str
    capacitance: float
    function: str | None
    clock: bool
    power: tuple[PowerTable, ...]
    arcs: tuple[TimingArc, ...] = ()


@dataclasses.dataclass(frozen=True)
class Cell:
    name: str
    area: float
    sequential: bool
    leakage: float  # leakage power unit
    pins: dict[str, Pin]
    timing: bool    # has timing arcs


@dataclasses.dataclass(frozen=True)
class Library:
    name: str
    path: Path
    cells: dict[str, Cell]
    voltage: float | None
    time_unit: str | None
    capacitance_unit: str | None
    leakage_unit: str | None

    @property
    def has_timing(self) -> bool:
        return any(c.timing for c in self.cells.values())

    @property
    def has_power(self) -> bool:
        return any(p.power for c in self.cells.values() for p in c.pins.values()) and self.voltage is not None


def _num(group, key, default=None):
    try:
        value = group[key]
    except (KeyError, IndexError):
        return default
    try:
        return float(str(value).strip('"'))
    except ValueError:
        return default


def _text(group, key):
    try:
        value = group[key]
    except (KeyError, IndexError):
        return None
    return str(value).strip('"') if value is not None else None


def _arr(group, key) -> np.ndarray:
    return np.asarray(group.get_array(key), dtype=np.float64)


_LOAD_VARS = ("total_output_net_capacitance",)
_SLEW_VARS = ("input_transition_time", "input_net_transition")


def _templates(lib) -> dict[str, tuple[str, ...]]:
    """Template name -> its variables (``variable_1``, ``variable_2``, ...), for power and
    delay tables."""
    out = {}
    for kind in ("power_lut_template", "lu_table_template"):
        for g in lib.get_groups(kind):
            names = [_text(g, f"variable_{i}") for i in (1, 2, 3)]
            out[str(g.args[0]).strip('"')] = tuple(v for v in names if v)
    return out


def _table(group, templates) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(load axis, slew axis, values of shape (len(load), len(slew))) of a table group; the
    template says which index is the load and which the transition. A scalar table or a missing
    axis becomes a one-point axis at 0."""
    values = _arr(group, "values")
    template = str(group.args[0]).strip('"') if group.args else ""
    variables = templates.get(template, ("total_output_net_capacitance", "input_transition_time"))
    axes = [_arr(group, f"index_{i}").ravel() if _has(group, f"index_{i}") else None for i in (1, 2)]
    zero = np.zeros(1)
    if values.size == 1 and axes[0] is None:  # scalar table
        return zero, zero, values.reshape(1, 1)
    load, slew, load_first = zero, zero, True
    for i, var in enumerate(variables[:2]):
        if axes[i] is None:
            continue
        if var in _LOAD_VARS:
            load = axes[i]
            load_first = i == 0
        elif var in _SLEW_VARS:
            slew = axes[i]
            load_first = load_first if i == 0 else True
    shape = (load.size, slew.size) if load_first else (slew.size, load.size)
    v = values.reshape(shape)
    return load, slew, (v if load_first else v.T)


def _power_tables(pin_group, templates) -> tuple[PowerTable, ...]:
    out = []
    for ip in pin_group.get_groups("internal_power"):
        rise, fall = ip.get_groups("rise_power"), ip.get_groups("fall_power")
        if not rise or not fall:
            continue
        load, slew, rv = _table(rise[0], templates)
        fl, fs, fv = _table(fall[0], templates)
        same = fl.shape == load.shape and fs.shape == slew.shape and np.array_equal(fl, load) and np.array_equal(fs, slew)
        out.append(PowerTable(_text(ip, "related_pin") or "", load, slew, rv, fv, None if same else (fl, fs)))
    return tuple(out)


def _timing_arcs(pin_group, templates) -> tuple[TimingArc, ...]:
    out = []
    for tg in pin_group.get_groups("timing"):
        rise, fall = tg.get_groups("rise_transition"), tg.get_groups("fall_transition")
        if rise or fall:
            out.append(TimingArc(_text(tg, "related_pin") or "", _text(tg, "timing_sense") or "non_unate",
                                 _text(tg, "timing_type") or "combinational",
                                 _table(rise[0], templates) if rise else None,
                                 _table(fall[0], templates) if fall else None))
    return tuple(out)


def _has(group, key) -> bool:
    try:
        return group[key] is not None
    except (KeyError, IndexError):
        return False


@lru_cache(maxsize=8)
def load(path: Path) -> Library:
    """Parse a liberty file (cached per path)."""
    from liberty.parser import parse_liberty

    path = Path(path)
    try:
        lib = parse_liberty(path.read_text(errors="replace"))
    except Exception as e:  # the parser's own exception types vary by version
        raise ParamError("liberty", "a liberty file liberty-parser can read", f"{path} ({type(e).__name__})") from None
    cells = {}
    templates = _templates(lib)
    for cg in lib.get_groups("cell"):
        name = str(cg.args[0]).strip('"')
        pins = {}
        timing = False
        for pg in cg.get_groups("pin"):
            pname = str(pg.args[0]).strip('"')
            timing = timing or bool(pg.get_groups("timing"))
            pins[pname] = Pin(pname, _text(pg, "direction") or "", _num(pg, "capacitance", 0.0),
                              _text(pg, "function"), _text(pg, "clock") == "true", _power_tables(pg, templates),
                              _timing_arcs(pg, templates))
        sequential = bool(cg.get_groups("ff") or cg.get_groups("latch"))
        cells[name] = Cell(name, _num(cg, "area", 0.0), sequential, _num(cg, "cell_leakage_power", 0.0),
                           pins, timing)
    volt = _num(lib, "nom_voltage")
    cap = None
    try:
        cap = " ".join(str(x) for x in lib["capacitive_load_unit"])
    except (KeyError, IndexError, TypeError):
        pass
    return Library(str(lib.args[0]).strip('"') if lib.args else path.stem, path, cells, volt,
                   _text(lib, "time_unit"), cap, _text(lib, "leakage_power_unit"))


def cell_areas(path: Path) -> dict[str, dict]:
    """Cell name -> {area, ff}: what the area report needs."""
    return {n: {"area": c.area, "ff": c.sequential} for n, c in load(Path(path)).cells.items()}


def require_timing_and_power(lib: Library) -> None:
    """``schw ppa`` needs delay and internal-power tables (exit 2 otherwise)."""
    missing = [what for what, ok in (("timing tables", lib.has_timing), ("internal power tables", lib.has_power)) if not ok]
    if missing:
        raise ParamError("liberty", "a liberty with timing and internal power tables (e.g. osu018)",
                         f"{lib.path.name} (no {' or '.join(missing)})")


def unit_scale(text: str | None, base: str) -> float:
    """Scale of a liberty unit string relative to ``base`` (e.g. ``1ns`` vs ``ns`` -> 1)."""
    prefixes = {"f": 1e-15, "p": 1e-12, "n": 1e-9, "u": 1e-6, "m": 1e-3, "": 1.0}
    if not text:
        return 1.0
    m = re.match(r"\s*([0-9.]+)?\s*([fpnum]?)([A-Za-z]+)", text.replace(",", " "))
    if not m:
        return 1.0
    mult = float(m.group(1) or 1)
    return mult * prefixes[m.group(2)] / prefixes[base]
