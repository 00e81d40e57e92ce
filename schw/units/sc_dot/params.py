"""sc-dot parameters."""

from __future__ import annotations

from dataclasses import dataclass

from schw.params import Params, choice, int_range, param, power_of_two
from schw.sc.spec import SngSpec


@dataclass(frozen=True)
class ScDotParams(Params):
    inputs: int = param(4, int_range(1, 64), "number of products k")
    width: int = param(8, int_range(2, 16), "operand width N in bits (p = code / 2^N, bipolar x = 2p - 1)")
    length: int = param(256, power_of_two(4, 65536), "stream length L in cycles")
    sng: str = param("lfsr", choice("lfsr", "sobol"), "stochastic number generator (2 channels: a lanes, b lanes)")
    seed: int = param(0, int_range(0, 2**32 - 1), "SNG seed (LFSR initial states, Sobol digital shift; 0 = unscrambled Sobol)")

    @property
    def spec(self) -> SngSpec:
        return SngSpec(self.sng, self.width, self.seed)

    @property
    def result_width(self) -> int:
        return (self.inputs * self.length).bit_length()
