"""The unit registry. Every unit family is a package ``schw.units.<family>`` whose ``unit``
module defines :class:`~schw.units.base.Unit` subclasses decorated with :func:`register`;
each becomes a CLI subcommand of ``schw gen|sim|verify|synth|accuracy``: adding a unit never
touches the CLI."""

from __future__ import annotations

import importlib
import pkgutil
from importlib import resources

from .errors import ParamError

#: the package that holds the unit families; imported by name (the registry sits below the units)
UNITS_PACKAGE = "schw.units"
#: unit name -> the registered :class:`~schw.units.base.Unit` instance
UNITS: dict = {}
#: unit modules that failed to import: ``schw doctor`` reports them and a test requires none
LOAD_ERRORS: dict[str, str] = {}


def register(cls):
    """Class decorator: instantiate a :class:`~schw.units.base.Unit` subclass and file it by name."""
    unit = cls()
    if unit.name in UNITS:
        raise RuntimeError(f"unit {unit.name!r} registered twice")
    UNITS[unit.name] = unit
    return cls


def load_all() -> dict:
    """Import ``schw.units.<family>.unit`` for every family package; returns the units by name."""
    path = [str(resources.files(UNITS_PACKAGE))]
    for info in sorted(pkgutil.iter_modules(path), key=lambda i: i.name):
        if not info.ispkg:
            continue
        name = f"{UNITS_PACKAGE}.{info.name}.unit"
        if name in LOAD_ERRORS:
            continue
        try:
            importlib.import_module(name)
        except Exception as e:  # one broken unit must not take the whole CLI down
            LOAD_ERRORS[name] = f"{type(e).__name__}: {e}"
    return dict(sorted(UNITS.items()))


def get(name: str):
    units = load_all()
    if name not in units:
        raise ParamError("unit", "one of " + ", ".join(units), name)
    return units[name]
