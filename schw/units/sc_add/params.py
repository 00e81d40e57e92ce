"""sc-mux-add and sc-or-add parameters."""

from __future__ import annotations

from dataclasses import dataclass
from schw.errors import ParamError
from schw.params import Params, choice, int_range, param, power_of_two
from schw.sc.spec import SngSpec



SOURCES = ("lfsr", "sobol", "halton", "ramp")


@dataclass(frozen=True)
class ScMuxAddParams(Params):
    inputs: int = param(2, int_range(2, 16), "number of operands k (a power of two with --select ramp)")
    width: int = param(8, int_range(2, 16), "operand width N in bits (p = code / 2^N)")
    length: int = param(256, power_of_two(4, 65536), "stream length L in cycles")
    sng: str = param("lfsr", choice(*SOURCES), "data source (one channel shared by every operand)")
    select: str = param("lfsr", choice(*SOURCES), "select generator (channel 1 of this kind)")
    seed: int = param(0, int_range(0, 2**32 - 1), "seed of both generators")

    def check(self):
        if (self.inputs - 1).bit_length() > self.width:
            raise ParamError("width", f"at least log2(inputs) = {(self.inputs - 1).bit_length()} bits", self.width)
        if self.select == "ramp" and self.inputs & (self.inputs - 1):
            raise ParamError("inputs", "a power of two with --select ramp", self.inputs)

    @property
    def data_spec(self) -> SngSpec:
        return SngSpec(self.sng, self.width, self.seed)

    @property
    def select_spec(self) -> SngSpec:
        return SngSpec(self.select, self.width, self.seed)

    @property
    def select_bits(self) -> int:
        return (self.inputs - 1).bit_length()

    @property
    def result_width(self) -> int:
        return self.length.bit_length()


@dataclass(frozen=True)
class ScOrAddParams(Params):
    inputs: int = param(2, int_range(2, 16), "number of operands k")
    width: int = param(8, int_range(2, 16), "operand width N in bits (p = code / 2^N)")
    length: int = param(256, power_of_two(4, 65536), "stream length L in cycles")
    sng: str = param("lfsr", choice("lfsr", "sobol", "halton"), "SNG kind (channel i feeds operand i)")
    seed: int = param(0, int_range(0, 2**32 - 1), "SNG seed")

    def check(self):
        self.spec.plan(self.inputs)  # raises ParamError when the kind has fewer sources than inputs

    @property
    def spec(self) -> SngSpec:
        return SngSpec(self.sng, self.width, self.seed)

    @property
    def result_width(self) -> int:
        return self.length.bit_length()
