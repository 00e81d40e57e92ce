"""fp16-pe parameters, port encodings and the pipeline cut table (no Amaranth)."""

from __future__ import annotations

from dataclasses import dataclass

from schw.params import Params, boolean, choice, int_range, param

# Encodings (the contract lives in .contract; the tests check these agree with it).
OP_FMA, OP_MUL, OP_ADD, OP_MIN, OP_MAX, OP_LT, OP_LE, OP_EQ = range(8)
RM_RNE, RM_RTZ, RM_RDN, RM_RUP, RM_RMM = range(5)
FLAG_NX, FLAG_UF, FLAG_OF, FLAG_DZ, FLAG_NV = (1 << i for i in range(5))
NAN16, NAN32 = 0x7E00, 0x7FC00000

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

    @property
    def width(self) -> int:
        """Width of c and result."""
        return 16 if self.acc == "fp16" else 32
