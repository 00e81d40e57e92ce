"""int-mul parameters."""

from __future__ import annotations

from dataclasses import dataclass

from schw.params import Params, int_range, param


@dataclass(frozen=True)
class IntMulParams(Params):
    width: int = param(8, int_range(2, 32), "operand width N in bits (unsigned); result 2N bits")
