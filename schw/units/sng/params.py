"""SNG unit parameters (one class per kind) and the period the manifest reports."""

from __future__ import annotations

from dataclasses import dataclass

from schw.params import Params, boolean, choice, int_range, param, power_of_two
from schw.sc.spec import (HALTON_BASES, HALTON_MAX_WIDTH, LFSR_TAPS, MAX_OFFSET, SNG_MODES, SngSpec,
                          halton_consts, sobol_index_bits)

MAX_UNIT_CHANNELS = 16


@dataclass(frozen=True)
class SngUnitParams(Params):
    width: int = param(8, int_range(min(LFSR_TAPS), max(LFSR_TAPS)), "code width N in bits (p = x / 2^N)")
    channels: int = param(1, int_range(1, MAX_UNIT_CHANNELS), "number of channels (code + comparator each)")
    seed: int = param(0, int_range(0, 2**32 - 1), "seed (see the kind: LFSR start states, Sobol digital shift, start index)")
    mode: str = param("independent", choice(*SNG_MODES), "channel correlation: independent sources, one shared source, "
                      "shifted copies (offset steps apart) or permuted copies (bits rotated by offset)")
    offset: int = param(1, int_range(0, MAX_OFFSET), "shifted: steps between channels; permuted: rotate-left bits per channel")
    comparators: bool = param(True, boolean(), "a comparator per channel (ports x<c>, bit<c>); "
                              "--no-comparators leaves the bare code generator")

    kind = "lfsr"

    def check(self):
        self.spec.plan(self.channels)  # ParamError naming channels / width

    @property
    def run_length(self) -> int:
        """The run length the bank is built for (only Sobol uses it: index counter width)."""
        return 2

    @property
    def spec(self) -> SngSpec:
        return SngSpec(self.kind, self.width, self.seed, self.mode, self.offset)


@dataclass(frozen=True)
class LfsrParams(SngUnitParams):
    kind = "lfsr"


@dataclass(frozen=True)
class SobolParams(SngUnitParams):
    width: int = param(8, int_range(1, 32), "code width N in bits (p = x / 2^N)")
    length: int = param(256, power_of_two(2, 2**31), "run length: the index counter has log2(length) bits "
                        "and positions wrap at length")
    kind = "sobol"

    @property
    def run_length(self) -> int:
        return self.length


@dataclass(frozen=True)
class HaltonParams(SngUnitParams):
    width: int = param(8, int_range(1, HALTON_MAX_WIDTH), "code width N in bits (p = x / 2^N)")
    kind = "halton"


@dataclass(frozen=True)
class RampParams(SngUnitParams):
    width: int = param(8, int_range(1, 32), "code width N in bits (p = x / 2^N)")
    kind = "ramp"


def period_of(p: SngUnitParams) -> int | list[int]:
    """The bank's period in steps (Halton: one per base in use)."""
    spec = p.spec
    if p.kind == "lfsr":
        return (1 << p.width) - 1
    if p.kind == "sobol":
        return 1 << sobol_index_bits(p.run_length)
    if p.kind == "halton":
        sources = {s for s, _, _ in spec.plan(p.channels)}
        return [halton_consts(HALTON_BASES[s], p.width).period for s in sorted(sources)]
    return 1 << spec.ramp_bits(p.channels)
