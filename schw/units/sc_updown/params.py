"""sc-updown parameters."""

from __future__ import annotations

from dataclasses import dataclass

from schw.errors import ParamError
from schw.params import Params, choice, int_range, param, power_of_two
from schw.sc.spec import SngSpec


@dataclass(frozen=True)
class ScUpDownParams(Params):
    width: int = param(8, int_range(2, 16), "operand width N in bits (p = code / 2^N)")
    length: int = param(256, power_of_two(4, 65536), "stream length L in cycles")
    sng: str = param("lfsr", choice("lfsr", "sobol", "halton", "ramp"), "SNG kind")
    seed: int = param(0, int_range(0, 2**32 - 1), "SNG seed")
    counter_width: int = param(0, int_range(0, 18),
                               "up/down counter bits C (two's complement, saturating); 0 = log2(L) + 2, never saturates")

    def check(self):
        full = self.length.bit_length() + 1
        if self.counter_width and not 2 <= self.counter_width <= full:
            raise ParamError("counter_width", f"0 (auto) or an integer in 2..{full} for length {self.length}",
                             self.counter_width)

    @property
    def spec(self) -> SngSpec:
        return SngSpec(self.sng, self.width, self.seed)

    @property
    def counter_bits(self) -> int:
        return self.counter_width or self.length.bit_length() + 1

    @property
    def saturates(self) -> bool:
        return (1 << (self.counter_bits - 1)) <= self.length
