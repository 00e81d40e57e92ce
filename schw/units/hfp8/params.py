"""hfp8 parameters: the FP8 formats, the stochastic-rounding LFSR, the unit Params (no Amaranth)."""

from __future__ import annotations

from dataclasses import dataclass

from schw.errors import ParamError
from schw.params import Params, choice, int_range, param


@dataclass(frozen=True)
class Fp8Format:
    """A 1-E-M 8-bit floating-point format.

    ``nan`` says where NaN lives: ``"ieee"`` - exponent code all ones with M != 0 (that code
    with M = 0 is infinity); ``"fn"`` - only S.1111.111 (no infinity: exponent code all ones
    holds finite numbers); ``"fnuz"`` - only 0x80 (the would-be -0; no infinity, no -0).
    Every format has subnormals (exponent code 0: ``0.M * 2^(1 - bias)``).
    """

    name: str
    ebits: int
    mbits: int
    bias: int
    nan: str
    alias: str

    @property
    def emin(self) -> int:
        """Exponent of the smallest normal number (and of the subnormal binade's scale)."""
        return 1 - self.bias

    @property
    def qmin(self) -> int:
        """Exponent of the smallest subnormal (the grid 2^qmin of the bottom binades)."""
        return self.emin - self.mbits

    @property
    def inf(self) -> bool:
        return self.nan == "ieee"

    @property
    def negzero(self) -> bool:
        return self.nan != "fnuz"

    @property
    def max_code(self) -> int:
        """Magnitude code (7 bits) of the largest finite number."""
        top = (1 << (self.ebits + self.mbits)) - 1
        if self.nan == "ieee":
            return top - (1 << self.mbits)      # exponent code 2^E - 2, M all ones
        if self.nan == "fn":
            return top - 1                        # S.1111.110
        return top                                # fnuz: S.1111.111 is finite

    @property
    def emax(self) -> int:
        return (self.max_code >> self.mbits) - self.bias

    @property
    def max_value(self) -> float:
        m = self.max_code & ((1 << self.mbits) - 1)
        return (1 + m / (1 << self.mbits)) * 2.0 ** self.emax

    @property
    def nan_code(self) -> int:
        """The canonical NaN this family produces."""
        if self.nan == "ieee":
            return ((1 << self.ebits) - 1) << self.mbits | (1 << (self.mbits - 1))  # e5m2: 0x7E
        if self.nan == "fn":
            return 0x7F
        return 0x80

    @property
    def inf_code(self) -> int | None:
        return ((1 << self.ebits) - 1) << self.mbits if self.inf else None


FORMATS = {
    "e4m3b11": Fp8Format("e4m3b11", 4, 3, 11, "fnuz", "HFP8 forward 1-4-3, bias 11 (ml_dtypes float8_e4m3b11fnuz)"),
    "e5m2": Fp8Format("e5m2", 5, 2, 15, "ieee", "HFP8 backward 1-5-2, IEEE-style bias 15 (ml_dtypes float8_e5m2)"),
    "e4m3": Fp8Format("e4m3", 4, 3, 7, "fn", "OCP E4M3 (e4m3fn), bias 7 (ml_dtypes float8_e4m3fn)"),
}

#: binary16 NaN every conversion to binary16 and the MAC produce
NAN16 = 0x7E00

#: stochastic rounding: a 32-bit Galois LFSR (schw.sc.spec polynomial LFSR_TAPS[32][0], start
#: state lfsr_init(32, seed, 0)) advanced LFSR_LEAP steps per operation; the word of operation t
#: (counting accepted operations since reset) is the state before the t-th advance. SR adds
#: SR_BITS bits of it (conv and the MAC's inner accumulator: bits 15..0; the MAC's chunk fold:
#: bits 31..16 of the word drawn with the chunk's last product) to the SR_BITS bits below the
#: rounding position and rounds up on a carry out.
LFSR_WIDTH = 32
LFSR_INDEX = 0
LFSR_LEAP = 32
SR_BITS = 16

ROUNDINGS = ("rne", "sr")
#: chunk lengths of the MAC: 0 = no chunking (one accumulator)
CHUNKS = (0,) + tuple(1 << k for k in range(13))


def fmt(name: str) -> Fp8Format:
    try:
        return FORMATS[name]
    except KeyError:
        raise ParamError("format", "one of " + ", ".join(FORMATS), name) from None


def chunk_rule(name, value):
    if isinstance(value, bool) or not isinstance(value, int) or value not in CHUNKS:
        raise ParamError(name, "0 (no chunking) or a power of two in 1..4096", value)


chunk_rule.allowed = "0 or power of two, 1..4096"


@dataclass(frozen=True)
class HfpConvParams(Params):
    format: str = param("e4m3b11", choice(*FORMATS), "FP8 format (e4m3b11 = HFP8 1-4-3, e5m2 = HFP8 1-5-2, "
                        "e4m3 = OCP e4m3fn)")
    rounding: str = param("rne", choice(*ROUNDINGS), "binary16 -> FP8 rounding: rne or sr (stochastic, LFSR)")
    seed: int = param(1, int_range(0, 2**32 - 1), "LFSR seed of stochastic rounding")

    @property
    def fmt(self) -> Fp8Format:
        return FORMATS[self.format]


@dataclass(frozen=True)
class HfpMacParams(Params):
    format_a: str = param("e4m3b11", choice(*FORMATS), "FP8 format of operand a")
    format_b: str = param("e4m3b11", choice(*FORMATS), "FP8 format of operand b")
    chunk: int = param(0, chunk_rule, "chunk length CL: CL products summed in an inner binary16 accumulator, "
                       "then added into the outer one (0 = no chunking)")
    acc_round: str = param("rne", choice(*ROUNDINGS), "rounding of the binary16 accumulations: rne or sr")
    seed: int = param(1, int_range(0, 2**32 - 1), "LFSR seed of stochastic rounding")

    @property
    def fa(self) -> Fp8Format:
        return FORMATS[self.format_a]

    @property
    def fb(self) -> Fp8Format:
        return FORMATS[self.format_b]

    @property
    def latency(self) -> int:
        """Cycles from the product flagged ``last`` to ``out_valid`` with its dot product."""
        return 1 if self.chunk == 0 else 2
