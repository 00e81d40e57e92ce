"""pe-array parameters and the quantities derived from them (lane widths, step length, zeros)."""

from __future__ import annotations

from dataclasses import dataclass

from schw.errors import ParamError
from schw.params import Params, choice, int_range, param, power_of_two
from schw.units.hfp8.params import FORMATS, ROUNDINGS, HfpMacParams, chunk_rule
from schw.units.sc_dot.params import ScDotParams

from .unary_params import unary_check

PES = ("int8", "fp16", "sc", "hfp8", "unary")
DATAFLOWS = ("os", "ws")
RMS = ("rne", "rtz", "rdn", "rup", "rmm")
#: fields added after the first release: left out of ``as_dict`` (so of the Verilog header, the
#: top's name hash and the manifest) while at their defaults, so existing parameter sets keep
#: generating byte-identical files
LATER_FIELDS = ("fmt", "fmt_b", "chunk", "acc_round", "et", "counter")
#: hfp8 PE with stochastic rounding: PE (i, j) seeds its LFSR with
#: ``(seed + i * SR_ROW_KEY + j * SR_COL_KEY) mod 2^32`` (os: i = the output row of a tile the PE
#: computes; ws: i = the weight row k it holds; j = column), so PE (0, 0) keeps ``--seed``. For
#: every R, C <= 64 the R*C seeds are distinct and no two differ by 1 (mod 2^32), so their LFSR
#: start states ``lfsr_init(32, pe_seed, 0)`` are distinct too (tests/test_pe_array_hfp8.py).
SR_ROW_KEY = 0x9E3779B9
SR_COL_KEY = 0x85EBCA6B


@dataclass(frozen=True)
class PeArrayParams(Params):
    rows: int = param(8, int_range(1, 64), "array rows R")
    cols: int = param(0, int_range(0, 64), "array columns C (0 = same as --rows)")
    pe: str = param("int8", choice(*PES), "PE type: int8 (8x8 -> 32-bit MAC), fp16 (FP16 FMA), sc (SC dot product), "
                       "hfp8 (FP8 x FP8 into binary16, chunks, SR)")
    dataflow: str = param("os", choice(*DATAFLOWS), "os = output stationary, ws = weight stationary")
    acc: str = param("fp32", choice("fp16", "fp32"), "fp16 PE: accumulation format")
    rm: str = param("rne", choice(*RMS), "fp16 PE: rounding mode, fixed per array")
    inputs: int = param(4, int_range(1, 16), "sc PE: products per PE and step k")
    width: int = param(8, int_range(2, 12), "sc PE: operand code width N (bipolar x = 2 code / 2^N - 1)")
    length: int = param(16, power_of_two(4, 4096), "sc PE: stream length L (one step = L + 1 cycles)")
    sng: str = param("lfsr", choice("lfsr", "sobol", "temporal"), "sc PE: stochastic number generator; unary PE: "
                     "rate coding from an lfsr or sobol source, or temporal coding (exact products)")
    seed: int = param(0, int_range(0, 2**32 - 1), "sc PE: SNG seed; hfp8 PE: stochastic-rounding seed (each PE "
                      "derives its own LFSR seed from it and its position)")
    fmt: str = param("e4m3b11", choice(*FORMATS), "hfp8 PE: FP8 format of A (e4m3b11 = HFP8 1-4-3 bias 11, "
                     "e5m2 = HFP8 1-5-2, e4m3 = OCP e4m3fn)")
    fmt_b: str = param("same", choice("same", *FORMATS), "hfp8 PE: FP8 format of B (same = --fmt)")
    chunk: int = param(0, chunk_rule, "hfp8 PE: chunk length CL (0 = no chunking; os: CL products per PE "
                       "into an inner binary16 accumulator, then added into the outer one; ws: chunks of CL rows)")
    acc_round: str = param("rne", choice(*ROUNDINGS), "hfp8 PE: rounding of the binary16 accumulations: rne or "
                           "sr (stochastic, 32-bit LFSR per PE)")
    et: int = param(0, int_range(0, 11), "unary PE: early termination: run L / 2^et cycles per step")
    counter: int = param(16, int_range(8, 32), "unary PE: accumulator and output lane width")

    def __post_init__(self):
        super().__post_init__()
        if self.cols == 0:
            object.__setattr__(self, "cols", self.rows)

    def check(self):
        defaults = {f.name: f.default for f in self.fields()}
        own = {"int8": (), "fp16": ("acc", "rm"), "sc": ("inputs", "width", "length", "sng", "seed"),
               "hfp8": ("seed", "fmt", "fmt_b", "chunk", "acc_round"),
               "unary": ("width", "length", "sng", "seed", "et", "counter")}
        for pe, names in own.items():
            if pe == self.pe:
                continue
            for n in names:
                if n not in own[self.pe] and getattr(self, n) != defaults[n]:
                    raise ParamError(n, f"left at its default ({defaults[n]}) unless --pe {pe}", getattr(self, n))
        if self.pe == "sc" and self.sng == "temporal":
            raise ParamError("sng", "lfsr or sobol for --pe sc (temporal is a unary PE coding)", self.sng)
        if self.pe == "unary":
            unary_check(self)

    def as_dict(self) -> dict:
        d = super().as_dict()
        defaults = {f.name: f.default for f in self.fields()}
        return {k: v for k, v in d.items() if k not in LATER_FIELDS or v != defaults[k]}

    # -- derived quantities ----------------------------------------------------------------
    @property
    def R(self) -> int:
        return self.rows

    @property
    def C(self) -> int:
        return self.cols

    @property
    def lane_width(self) -> int:
        """Bits of one operand lane (one element of A or B; sc: k codes)."""
        return {"int8": 8, "fp16": 16, "sc": self.inputs * self.width, "hfp8": 8, "unary": self.width + 1}[self.pe]

    @property
    def acc_width(self) -> int:
        if self.pe == "fp16":
            return 16 if self.acc == "fp16" else 32
        if self.pe == "unary":
            return self.counter
        if self.pe == "hfp8":  # ws with chunks: {open chunk, outer sum} between rows (see hfp8_rtl)
            return 32 if self.dataflow == "ws" and self.chunk else 16
        return 32

    @property
    def step_cycles(self) -> int:
        """Clock cycles per array step (P): 1, or L + 1 for sc PEs (see :mod:`.timing`)."""
        if self.pe == "unary":
            return self.length >> self.et
        return self.length + 1 if self.pe == "sc" else 1

    @property
    def rm_code(self) -> int:
        return RMS.index(self.rm)

    @property
    def zero(self) -> int:
        """Accumulator start value and the neutral zero used to pad: a*b + zero == a*b exactly.
        fp16: -0 (x + -0 = x in every mode but rdn) or +0 under rdn."""
        if self.pe != "fp16":
            return 0
        if self.rm == "rdn":
            return 0
        return 1 << (self.acc_width - 1)

    @property
    def pad_a(self) -> int:
        """Operand padding for A (and for ws weights: pad_b): pad_a * pad_b is the neutral zero."""
        if self.pe == "sc":
            return 1 << (self.width - 1)  # bipolar zero in every lane
        return 0

    @property
    def pad_b(self) -> int:
        if self.pe == "fp16":
            return 0x8000 if self.rm != "rdn" else 0x0000  # +0 * -0 = -0 ; +0 * +0 = +0
        if self.pe == "sc":
            return 1 << (self.width - 1)
        return 0

    def hfp8_params(self) -> HfpMacParams:
        """The hfp8-mac parameters of one hfp8 PE (formats, CL, rounding, LFSR seed)."""
        return HfpMacParams(format_a=self.fmt, format_b=self.fmt if self.fmt_b == "same" else self.fmt_b,
                            chunk=self.chunk, acc_round=self.acc_round, seed=self.seed)

    def pe_seed(self, i: int, j: int) -> int:
        """The stochastic-rounding LFSR seed of hfp8 PE (i, j) (see :data:`SR_ROW_KEY`)."""
        return (self.seed + i * SR_ROW_KEY + j * SR_COL_KEY) % (1 << 32)

    def sc_params(self) -> ScDotParams:
        """The sc-dot parameters of one sc PE."""
        return ScDotParams(inputs=self.inputs, width=self.width, length=self.length, sng=self.sng, seed=self.seed)
