"""sc-mul parameters: operand width, stream length, coding, SNG and correlation mode."""

from __future__ import annotations

from dataclasses import dataclass
from schw.params import Params, choice, int_range, param, power_of_two
from schw.sc.spec import MAX_OFFSET, SNG_MODES, SngSpec



CODINGS = ("unipolar", "bipolar")


@dataclass(frozen=True)
class ScMulParams(Params):
    width: int = param(8, int_range(2, 16), "operand width N in bits (p = code / 2^N)")
    length: int = param(256, power_of_two(4, 65536), "stream length L in cycles")
    coding: str = param("unipolar", choice(*CODINGS), "unipolar (AND) or bipolar (XNOR, value 2p-1)")
    sng: str = param("lfsr", choice("lfsr", "sobol"), "stochastic number generator")
    seed: int = param(0, int_range(0, 2**32 - 1), "SNG seed (LFSR initial states, Sobol digital shift; 0 = unscrambled Sobol)")
    mode: str = param("independent", choice(*SNG_MODES),
                      "correlation of the two SNGs: independent sources, one shared source (AND -> min), "
                      "a copy shifted by --offset steps, or a copy with bits rotated by --offset")
    offset: int = param(1, int_range(0, MAX_OFFSET), "steps (shifted) or bit rotation (permuted) of operand b's copy")

    @property
    def spec(self) -> SngSpec:
        return SngSpec(self.sng, self.width, self.seed, self.mode, self.offset)

    @property
    def result_width(self) -> int:
        return self.length.bit_length()
