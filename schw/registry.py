"""The unit registry. Every unit family is a package ``schw.units.<family>`` whose ``unit``
module defines :class:`~schw.units.base.Unit` subclasses decorated with :func:`register`;
each becomes a CLI subcommand of ``schw gen|sim|verify|synth|accuracy``: adding a unit never
touches the CLI."""

from __future__ import annotations

import importlib
import pkgutil

from . import units as _units_pkg
from .errors import ParamError
from .units.base import Unit

UNITS: dict[str, Unit] = {}
#: unit modules that failed to import: ``schw doctor`` reports them and a test requires none
LOAD_ERRORS: dict[str, str] = {}


def register(cls: type[Unit]) -> type[Unit]:
    unit = cls()
    if unit.name in UNITS:
        raise RuntimeError(f"unit {unit.name!r} registered twice")
    UNITS[unit.name] = unit
    return cls


def load_all() -> dict[str, Unit]:
    """Import ``schw.units.<family>.unit`` for every family package; returns the units by name."""
    for info in sorted(pkgutil.iter_modules(_units_pkg.__path__), key=lambda i: i.name):
        if info.name == "base":
            continue
        name = f"{_units_pkg.__name__}.{info.name}" + (".unit" if info.ispkg else "")  # TRANSITION: flat modules
        if name in LOAD_ERRORS:
            continue
        try:
            importlib.import_module(name)
        except Exception as e:  # one broken unit must not take the whole CLI down
            LOAD_ERRORS[name] = f"{type(e).__name__}: {e}"
    return dict(sorted(UNITS.items()))


def get(name: str) -> Unit:
    units = load_all()
    if name not in units:
        raise ParamError("unit", "one of " + ", ".join(units), name)
    return units[name]
