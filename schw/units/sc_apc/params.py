"""sc-apc parameters."""

from __future__ import annotations

from dataclasses import dataclass
from schw.params import Params, choice, int_range, param, power_of_two
from schw.sc.spec import SngSpec



@dataclass(frozen=True)
class ScApcParams(Params):
    inputs: int = param(8, int_range(1, 64), "number of streams k summed per cycle")
    width: int = param(8, int_range(2, 16), "operand width N in bits (p = code / 2^N)")
    length: int = param(256, power_of_two(4, 65536), "stream length L in cycles")
    sng: str = param("lfsr", choice("lfsr", "sobol", "halton"), "SNG kind")
    mode: str = param("independent", choice("independent", "shared"),
                      "independent: channel i feeds operand i; shared: one generator feeds all")
    seed: int = param(0, int_range(0, 2**32 - 1), "SNG seed")

    def check(self):
        self.spec.plan(self.inputs)  # ParamError when the kind has fewer independent sources

    @property
    def spec(self) -> SngSpec:
        return SngSpec(self.sng, self.width, self.seed, self.mode)

    @property
    def result_width(self) -> int:
        return (self.inputs * self.length).bit_length()
