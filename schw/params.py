"""Parameter sets: one frozen dataclass per unit, validated once in ``__post_init__``.

Fields carry their CLI help and their rule in ``metadata`` through :func:`param`, so the
generator, golden model, testbench and CLI all read the same definition. A rule is a
callable that raises :class:`~schw.errors.ParamError` naming the field.
"""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any, Callable, Sequence

from .errors import ParamError

Rule = Callable[[str, Any], None]


def int_range(lo: int, hi: int) -> Rule:
    def check(name, value):
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise ParamError(name, f"an integer in {lo}..{hi}", value)
    check.allowed = f"{lo}..{hi}"
    return check


def power_of_two(lo: int, hi: int) -> Rule:
    def check(name, value):
        ok = isinstance(value, int) and not isinstance(value, bool) and lo <= value <= hi
        if not ok or value & (value - 1):
            raise ParamError(name, f"a power of two in {lo}..{hi}", value)
    check.allowed = f"power of two, {lo}..{hi}"
    return check


def even_range(lo: int, hi: int) -> Rule:
    def check(name, value):
        ok = isinstance(value, int) and not isinstance(value, bool) and lo <= value <= hi
        if not ok or value % 2:
            raise ParamError(name, f"an even integer in {lo}..{hi}", value)
    check.allowed = f"even, {lo}..{hi}"
    return check


def choice(*options: str) -> Rule:
    def check(name, value):
        if value not in options:
            raise ParamError(name, "one of " + ", ".join(options), value)
    check.allowed = "|".join(options)
    check.choices = options
    return check


def boolean() -> Rule:
    def check(name, value):
        if not isinstance(value, bool):
            raise ParamError(name, "true or false", value)
    check.allowed = "flag"
    check.flag = True
    return check


def param(default, rule: Rule, help: str) -> Any:
    """A dataclass field with a validation rule and CLI help."""
    return dataclasses.field(default=default, metadata={"rule": rule, "help": help})


class Params:
    """Mixin for frozen parameter dataclasses: validates every field on construction."""

    def __post_init__(self):
        for f in dataclasses.fields(self):
            rule = f.metadata.get("rule")
            if rule is not None:
                rule(f.name, getattr(self, f.name))
        self.check()

    def check(self) -> None:
        """Cross-field rules; override where a unit has them."""

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)

    def replace(self, **changes) -> "Params":
        return dataclasses.replace(self, **changes)

    @classmethod
    def fields(cls) -> Sequence[dataclasses.Field]:
        return dataclasses.fields(cls)


def parse_list(f: dataclasses.Field, raw) -> list:
    """A field's comma-separated CLI text -> its typed values in the given order, each checked by
    the field's rule (:class:`ParamError` naming the field for a bad one)."""
    items = [s.strip() for s in str(raw).split(",") if s.strip()]
    if not items:
        raise ParamError(f.name, "a value or a comma-separated list of values", raw)
    parsed = []
    for item in items:
        if isinstance(f.default, bool):
            value = item.lower() in ("1", "true", "yes", "on")
        elif isinstance(f.default, int):
            try:
                value = int(item, 0)
            except ValueError:
                raise ParamError(f.name, f"integers ({f.metadata['rule'].allowed})", item) from None
        else:
            value = item
        rule = f.metadata.get("rule")
        if rule is not None:
            rule(f.name, value)
        parsed.append(value)
    return parsed


def combinations(cls: type[Params], values: dict) -> list[dict]:
    """Comma lists (``values``: field name -> text or None for the default) -> every combination
    as keyword dicts, in field order with the last field varying fastest; each value is checked on
    its own, cross-field rules are not (``cls(**combo)`` checks them)."""
    choices = {f.name: parse_list(f, values[f.name]) for f in dataclasses.fields(cls)
               if values.get(f.name) is not None}
    keys = list(choices)
    return [dict(zip(keys, combo)) for combo in itertools.product(*(choices[k] for k in keys))]


def expand(cls: type[Params], values: dict) -> list[Params]:
    """Comma lists -> every combination of parameter sets (``schw accuracy``, ``schw sweep``)."""
    return [cls(**combo) for combo in combinations(cls, values)]
