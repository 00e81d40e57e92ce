"""Parameter sets of the gradient-descent counters (sc-gdc, sc-gdc-array, sc-gdm, fxp-acc) and
the definitions their generator and golden model share: the codings, the counters'
saturation limits and the SNG channels per source set."""

from __future__ import annotations

from dataclasses import dataclass

from schw.errors import ParamError
from schw.params import Params, boolean, choice, int_range, param
from schw.sc.spec import SOBOL_MAX_DIM, SngSpec

CODINGS = ("unipolar", "bipolar", "signed")


def limits(width: int) -> tuple[int, int]:
    """The range of a signed ``width``-bit counter: where it saturates."""
    return -(1 << (width - 1)), (1 << (width - 1)) - 1


def channels_per_set(shared: bool) -> int:
    """SNG code channels of one SC-GDC source set: Rxa, Rda (shared source) or Rxa, Rda, Rxb, Rdb."""
    return 2 if shared else 4


@dataclass(frozen=True)
class ScGdcParams(Params):
    width: int = param(16, int_range(4, 32), "counter width W in bits (signed, saturating)")
    step_exp: int = param(10, int_range(0, 32), "k: the counter LSB is the step size 2^-k")
    operand_width: int = param(8, int_range(2, 16), "N: operand and SNG code width (p = code / 2^N)")
    coding: str = param("unipolar", choice(*CODINGS),
                        "unipolar (AND), bipolar (XNOR, value 2p-1) or signed (sign-magnitude x steers A/B)")
    shared: bool = param(True, boolean(), "delta+ and delta- share one random source (else independent)")
    sng: str = param("lfsr", choice("lfsr", "sobol"), "stochastic number generator")
    seed: int = param(0, int_range(0, 2**32 - 1), "SNG seed")

    @property
    def spec(self) -> SngSpec:
        return SngSpec(self.sng, self.operand_width, self.seed)

    @property
    def weights(self) -> int:
        return 1

    @property
    def source_sets(self) -> int:
        return 1

    @property
    def channels(self) -> int:
        return channels_per_set(self.shared) * self.source_sets


@dataclass(frozen=True)
class ScGdcArrayParams(ScGdcParams):
    weights: int = param(4, int_range(1, 64), "M: number of counters updated in parallel")
    source_sets: int = param(1, int_range(1, 64),
                             "independent random-source sets shared across the array (counter i uses set i mod S)")
    cols: int = param(0, int_range(0, 64), "0: operands per counter; C: outer-product layout of M/C rows x C "
                      "columns, x per row and dp/dn per column (one comparator per row/column)")

    def check(self):
        if self.cols and self.weights % self.cols:
            raise ParamError("cols", f"0 or a divisor of --weights {self.weights}", self.cols)
        most = max(self.rows, self.cols) if self.cols else self.weights
        if self.source_sets > most:
            what = "rows or columns" if self.cols else "--weights"
            raise ParamError("source_sets", f"an integer in 1..{most} (at most the number of {what})", self.source_sets)
        if self.sng == "sobol" and self.channels > SOBOL_MAX_DIM:
            per = channels_per_set(self.shared)
            raise ParamError("source_sets", f"an integer in 1..{SOBOL_MAX_DIM // per} with sobol "
                             f"({per} Sobol dimensions per set, {SOBOL_MAX_DIM} available)", self.source_sets)

    @property
    def rows(self) -> int:
        return self.weights // self.cols if self.cols else self.weights

    @property
    def outer(self):
        return (self.rows, self.cols) if self.cols else None


@dataclass(frozen=True)
class ScGdmParams(Params):
    width: int = param(16, int_range(4, 32), "counter width W in bits (signed, saturating)")
    step_exp: int = param(10, int_range(0, 32), "k: the counter LSB is the step size 2^-k")
    operand_width: int = param(8, int_range(2, 16), "N: gradient magnitude bits (g is N+1-bit signed) and SNG width")
    momentum_exp: int = param(3, int_range(1, 12), "m: momentum beta = 1 - 2^-m")
    eta_exp: int = param(3, int_range(0, 16), "e: eta = 2^-e scales the velocity into a step probability")
    sng: str = param("lfsr", choice("lfsr", "sobol"), "stochastic number generator")
    seed: int = param(0, int_range(0, 2**32 - 1), "SNG seed")

    @property
    def spec(self) -> SngSpec:
        return SngSpec(self.sng, self.operand_width, self.seed)

    @property
    def velocity_width(self) -> int:
        return self.operand_width + self.momentum_exp + 1


@dataclass(frozen=True)
class FxpAccParams(Params):
    width: int = param(16, int_range(4, 32), "weight register width W in bits (signed, saturating)")
    step_exp: int = param(10, int_range(0, 32), "k: the step size is 2^-k")
    operand_width: int = param(8, int_range(2, 16), "N: x and d are N+1-bit signed, value code / 2^N")
    extra_bits: int = param(0, int_range(0, 32), "fraction bits below the step size (register LSB 2^-(k+extra))")

    def check(self):
        if self.extra_bits > 2 * self.operand_width:
            raise ParamError("extra_bits", f"an integer in 0..{2 * self.operand_width} (2 * operand width)",
                             self.extra_bits)

    @property
    def shift(self) -> int:
        return 2 * self.operand_width - self.extra_bits
