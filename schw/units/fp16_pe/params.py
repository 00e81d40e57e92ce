"""fp16-pe parameters, port encodings and the pipeline cut table (no Amaranth)."""

from __future__ import annotations

from dataclasses import dataclass

from schw.errors import ParamError
from schw.params import Params, boolean, choice, int_range, param

# Encodings (the contract lives in .contract; the tests check these agree with it).
OP_FMA, OP_MUL, OP_ADD, OP_MIN, OP_MAX, OP_LT, OP_LE, OP_EQ = range(8)
OP_RECIP, OP_RSQRT, OP_EXP2, OP_LOG2, OP_EXPMOD, OP_TERNARY, OP_XNOR, OP_BOOL = range(8, 16)

#: --ops names in canonical order; "minmax" = min and max, "cmp" = lt, le and eq
OP_GROUPS = ("fma", "mul", "add", "minmax", "cmp", "recip", "rsqrt", "exp2", "log2", "expmod", "ternary",
             "xnor", "bool", "ternary_i8")
DEFAULT_OPS = "fma,mul,add,minmax,cmp"
#: the shared fused multiply-add datapath: always generated
REQUIRED_OPS = ("fma", "mul", "add")
#: ternary_i8 is a mode of the ternary op code (rm 5..7: two int8 activations, exact integer sum);
#: it needs the ternary op
RM_INT8 = (5, 6, 7)
#: ops that round a binary16 result of their own (with --ftz: the PE's flush-to-zero rule)
FP_EXT_OPS = ("recip", "rsqrt", "exp2", "log2", "expmod")


def ops_rule():
    allowed = ",".join(OP_GROUPS)

    def check(name, value):
        items = [s.strip() for s in value.split(",")] if isinstance(value, str) else None
        if not items or any(i not in OP_GROUPS for i in items) or len(set(items)) != len(items):
            raise ParamError(name, f"a comma-separated list of distinct ops from {allowed}", value)
        missing = [r for r in REQUIRED_OPS if r not in items]
        if missing:
            raise ParamError(name, f"a list that includes {','.join(REQUIRED_OPS)} (the shared FMA datapath), "
                                   f"from {allowed}", value)
        if "ternary_i8" in items and "ternary" not in items:
            raise ParamError(name, f"ternary_i8 only together with ternary (it is a mode of the ternary op), "
                                   f"from {allowed}", value)
    check.allowed = allowed
    return check
RM_RNE, RM_RTZ, RM_RDN, RM_RUP, RM_RMM = range(5)
FLAG_NX, FLAG_UF, FLAG_OF, FLAG_DZ, FLAG_NV = (1 << i for i in range(5))
NAN16, NAN32 = 0x7E00, 0x7FC00000


@dataclass(frozen=True)
class FloatFormat:
    """An IEEE 754 binary interchange format: ``ebits`` exponent bits, ``mbits`` fraction bits.

    The one format description of the family: the golden models (:mod:`.golden`, :mod:`.approx`)
    and the gateware (:mod:`.approx_rtl`, :mod:`.rtl`) both read it here, as does fp32-sfu."""

    ebits: int
    mbits: int

    @property
    def p(self) -> int:
        """Precision (significand bits with the hidden one)."""
        return self.mbits + 1

    @property
    def width(self) -> int:
        return 1 + self.ebits + self.mbits

    @property
    def bias(self) -> int:
        return (1 << (self.ebits - 1)) - 1

    @property
    def emin(self) -> int:
        return 1 - self.bias

    @property
    def emax(self) -> int:
        return self.bias

    @property
    def emask(self) -> int:
        return (1 << self.ebits) - 1

    @property
    def inf(self) -> int:
        """Bit pattern of +infinity."""
        return self.emask << self.mbits

    @property
    def max_finite(self) -> int:
        return self.inf - 1

    @property
    def nan(self) -> int:
        """The canonical quiet NaN (sign 0, quiet bit only)."""
        return self.inf | (1 << (self.mbits - 1))

    @property
    def one(self) -> int:
        """Bit pattern of 1.0."""
        return self.bias << self.mbits

    @property
    def sat_bits(self) -> int:
        """exp2: |x| >= 2^sat_bits overflows or underflows completely (binary16: 5, binary32: 8)."""
        return max(self.emax + 1, self.mbits - self.emin + 2).bit_length()

    @property
    def k_clamp(self) -> int:
        """expmod: k is clamped to [-k_clamp, k_clamp] (2^(ebits+1)) without changing any result."""
        return 1 << (self.ebits + 1)


BINARY16 = FloatFormat(5, 10)
BINARY32 = FloatFormat(8, 23)


#: (exponent bits, fraction bits) of the accumulation/result format
FORMATS = {"fp16": (5, 10), "fp32": (8, 23)}

#: register boundaries used for each S: 1 = after decode/multiply, 2 = after align/add,
#: 3 = after normalise, 4 = at the outputs
CUTS = {0: (), 1: (4,), 2: (2, 4), 3: (1, 2, 4), 4: (1, 2, 3, 4)}
BOUNDARIES = {1: "after decode/special cases/11x11 multiply", 2: "after addend alignment and add",
              3: "after leading-zero count and normalisation", 4: "outputs (after rounding and packing)"}


@dataclass(frozen=True)
class Fp16PeParams(Params):
    stages: int = param(2, int_range(0, 4), "pipeline register stages S (latency_cycles = S; 0 = combinational)")
    acc: str = param("fp16", choice("fp16", "fp32"),
                     "accumulation format: c and the fma/mul/add result in binary16 or binary32")
    ftz: bool = param(False, boolean(),
                      "flush to zero: subnormal inputs read as zero, tiny results become zero (uf|nx)")
    ops: str = param(DEFAULT_OPS, ops_rule(),
                     "ops generated (comma list; op codes are fixed, an op left out gives result 0 with nv)")

    def as_dict(self) -> dict:
        """The parameters; ``ops`` only when it is not the default set, so the default PE's Verilog
        header and manifest stay what they were before --ops existed."""
        d = super().as_dict()
        if not self.extended:
            d.pop("ops")
        return d

    @property
    def op_set(self) -> tuple[str, ...]:
        """The selected --ops names in canonical order."""
        chosen = {s.strip() for s in self.ops.split(",")}
        return tuple(o for o in OP_GROUPS if o in chosen)

    @property
    def extended(self) -> bool:
        """Anything but the default op set: a 4-bit op port (the default keeps its 3-bit port and
        its Verilog byte for byte)."""
        return self.op_set != OP_GROUPS[:5]

    @property
    def op_width(self) -> int:
        return 4 if self.extended else 3

    @property
    def op_codes(self) -> tuple[int, ...]:
        """The op port codes that are generated."""
        names = {"fma": [OP_FMA], "mul": [OP_MUL], "add": [OP_ADD], "minmax": [OP_MIN, OP_MAX],
                 "cmp": [OP_LT, OP_LE, OP_EQ], "recip": [OP_RECIP], "rsqrt": [OP_RSQRT], "exp2": [OP_EXP2],
                 "log2": [OP_LOG2], "expmod": [OP_EXPMOD], "ternary": [OP_TERNARY], "xnor": [OP_XNOR],
                 "bool": [OP_BOOL], "ternary_i8": [OP_TERNARY]}
        return tuple(sorted({c for o in self.op_set for c in names[o]}))

    @property
    def width(self) -> int:
        """Width of c and result."""
        return 16 if self.acc == "fp16" else 32
