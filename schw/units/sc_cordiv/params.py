"""sc-cordiv parameters."""

from __future__ import annotations

from dataclasses import dataclass

from schw.errors import ParamError
from schw.params import Params, choice, int_range, param, power_of_two
from schw.sc.spec import SngSpec


@dataclass(frozen=True)
class ScCorDivParams(Params):
    width: int = param(8, int_range(2, 16), "operand width N in bits (p = code / 2^N)")
    length: int = param(256, power_of_two(4, 65536), "stream length L in cycles")
    sng: str = param("lfsr", choice("lfsr", "sobol", "halton", "ramp"), "SNG kind (one source for both operands)")
    seed: int = param(0, int_range(0, 2**32 - 1), "SNG seed")
    depth: int = param(1, power_of_two(1, 16), "output history bits D (1 = the MUX + flip-flop CORDIV)")

    def check(self):
        if (self.depth - 1).bit_length() > self.width:
            raise ParamError("depth", f"at most 2^width = {1 << self.width}", self.depth)

    @property
    def sel_bits(self) -> int:
        return (self.depth - 1).bit_length()

    @property
    def spec(self) -> SngSpec:
        return SngSpec(self.sng, self.width, self.seed)

    @property
    def result_width(self) -> int:
        return self.length.bit_length()
