"""fp32-sfu parameters and port encodings (no Amaranth)."""

from __future__ import annotations

from dataclasses import dataclass

from schw.errors import ParamError
from schw.params import Params, int_range, param
from schw.units.fp16_pe.params import BINARY32
from schw.units.fp16_pe.tables import ApproxConfig, default_config

#: op port codes; fixed whatever --ops selects (a left-out op reads as a reserved code)
OPS = {"f16_to_f32": 0, "f32_to_f16": 1, "scale": 2, "recip": 3, "rsqrt": 4, "exp2": 5, "log2": 6}
#: the approximate functions (fp16-pe's format-generic table method at binary32, schw.units.fp16_pe.approx)
APPROX = ("recip", "rsqrt", "exp2", "log2")
OP_WIDTH = 3
RM_WIDTH = 3
#: width of the signed exponent-modify operand k (two's complement, -512..511: enough to take
#: any nonzero binary32 from the smallest subnormal past the overflow threshold and back)
K_WIDTH = 10
NAN16, NAN32 = 0x7E00, 0x7FC00000


def approx_config(fn: str) -> ApproxConfig:
    """The table configuration of ``fn`` at binary32 (golden model and gateware read it here):
    fp16-pe's default for formats other than binary16 - 128 segments (rsqrt 256), quadratic
    interpolation, table values with q = 28 fraction bits, exp2's fixed-point argument f = 27."""
    return default_config(fn, BINARY32)


def _ops_rule(name, value):
    try:
        parse_ops(value)
    except ValueError:
        raise ParamError(name, "all, exact (the ops without the approximate functions), or ops from "
                         + ", ".join(OPS) + " joined by ',' or '+'", value) from None


_ops_rule.allowed = "all|exact|" + "+".join(OPS)


def parse_ops(text) -> tuple[str, ...]:
    """``--ops`` text -> the selected op names in code order (ValueError for a bad one)."""
    if not isinstance(text, str):
        raise ValueError(text)
    if text.strip() == "all":
        return tuple(OPS)
    if text.strip() == "exact":
        return tuple(o for o in OPS if o not in APPROX)
    items = [s.strip() for s in text.replace("+", ",").split(",") if s.strip()]
    if not items or any(s not in OPS for s in items) or len(set(items)) != len(items):
        raise ValueError(text)
    return tuple(o for o in OPS if o in items)


@dataclass(frozen=True)
class Fp32SfuParams(Params):
    stages: int = param(1, int_range(0, 2), "pipeline register stages S (latency_cycles = S; 0 = combinational; "
                        "1 = registered outputs; 2 = registered inputs and outputs)")
    ops: str = param("all", _ops_rule, "ops generated: all, exact (f16_to_f32, f32_to_f16, scale), or a list of "
                     + ", ".join(OPS) + " joined by ',' or '+' (a left-out op's code gives result 0, flags 0)")

    @property
    def op_set(self) -> tuple[str, ...]:
        return parse_ops(self.ops)
