"""The unit registry. Every module in this package that defines a :class:`~schw.units.base.Unit`
subclass with ``@register`` becomes a CLI subcommand of ``schw gen|sim|verify|synth``:
adding a unit never touches the CLI."""

from __future__ import annotations

import importlib
import pkgutil

from .base import Unit

UNITS: dict[str, Unit] = {}
#: modules that failed to import: ``schw doctor`` reports them and a test requires none
LOAD_ERRORS: dict[str, str] = {}


def register(cls: type[Unit]) -> type[Unit]:
    unit = cls()
    if unit.name in UNITS:
        raise RuntimeError(f"unit {unit.name!r} registered twice")
    UNITS[unit.name] = unit
    return cls


def load_all() -> dict[str, Unit]:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        name = f"{__name__}.{info.name}"
        if info.name == "base" or name in LOAD_ERRORS:
            continue
        try:
            importlib.import_module(name)
        except Exception as e:  # one broken unit must not take the whole CLI down
            LOAD_ERRORS[name] = f"{type(e).__name__}: {e}"
    return dict(sorted(UNITS.items()))


def get(name: str) -> Unit:
    units = load_all()
    if name not in units:
        from ..errors import ParamError
        raise ParamError("unit", "one of " + ", ".join(units), name)
    return units[name]
