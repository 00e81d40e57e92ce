"""The FP16 PE contract: op and rounding-mode encodings, flag bits, NaN rules.

Everything a user of the PE (or of the golden model) needs to drive it lives here, so the golden
model, the manifest and docs/fp16.md read one source (the RTL's copy of the encodings in
:mod:`.params` is checked against it by the tests).
"""

from __future__ import annotations

OPS = {"fma": 0, "mul": 1, "add": 2, "min": 3, "max": 4, "lt": 5, "le": 6, "eq": 7}
"""op port encoding."""

RM = {"rne": 0, "rtz": 1, "rdn": 2, "rup": 3, "rmm": 4}
"""rm port encoding (RISC-V frm): nearest-even, toward zero, down, up, nearest-max-magnitude."""

FLAGS = ("nx", "uf", "of", "dz", "nv")
"""flags port: bit i is FLAGS[i] (RISC-V fflags order; dz is always 0)."""

FLAG_BIT = {name: 1 << i for i, name in enumerate(FLAGS)}
NX, UF, OF, DZ, NV = (FLAG_BIT[n] for n in FLAGS)

CANONICAL_NAN16 = 0x7E00
CANONICAL_NAN32 = 0x7FC00000

ACCS = ("fp16", "fp32")


def result_width(acc: str) -> int:
    """Width of the result port (and of c): 16 for acc="fp16", 32 for acc="fp32"."""
    if acc not in ACCS:
        raise ValueError(f"acc must be one of {ACCS}, got {acc!r}")
    return 16 if acc == "fp16" else 32


def contract_dict(acc: str, ftz: bool = False) -> dict:
    """The interface contract for the manifest (JSON-serialisable, stable key order)."""
    w = result_width(acc)
    arith = "binary16" if acc == "fp16" else "binary32"
    return {
        "ops": dict(OPS),
        "rounding_modes": dict(RM),
        "flags": {name: i for i, name in enumerate(FLAGS)},
        "flags_note": "bit 0 inexact, 1 underflow, 2 overflow, 3 divide-by-zero (always 0), 4 invalid (RISC-V fflags)",
        "result_width": w,
        "c_width": w,
        "operands": {
            "fma": "a*b + c, one rounding to " + arith,
            "mul": "a*b rounded to " + arith + " (c ignored)",
            "add": "a + c rounded to " + arith + " (b ignored)",
            "min": "minimumNumber(a, b), binary16 result" + (" zero-extended" if w == 32 else "") + " (c ignored)",
            "max": "maximumNumber(a, b), binary16 result" + (" zero-extended" if w == 32 else "") + " (c ignored)",
            "lt": "a < b -> 1 or 0 (c ignored)",
            "le": "a <= b -> 1 or 0 (c ignored)",
            "eq": "a == b -> 1 or 0 (c ignored)",
        },
        "a_b_format": "binary16",
        "c_format": arith,
        "result_format": {"fma": arith, "mul": arith, "add": arith,
                          "min": "binary16", "max": "binary16",
                          "lt": "bool", "le": "bool", "eq": "bool"},
        "canonical_nan": CANONICAL_NAN16 if w == 16 else CANONICAL_NAN32,
        "canonical_nan16": CANONICAL_NAN16,
        "canonical_nan32": CANONICAL_NAN32,
        "nan_results": "every NaN result is the canonical quiet NaN of the result format; payloads are not propagated",
        "tininess": "after_rounding",
        "underflow_flag": "tiny (after rounding) and inexact",
        "fma_inf_times_zero": "invalid, canonical NaN, even when c is a quiet NaN",
        "min_max": ("IEEE 754-2019 minimumNumber/maximumNumber: NaN and number -> the number; "
                    "both NaN -> canonical NaN; -0 < +0; a signalling NaN operand raises invalid"),
        "compare": "lt/le raise invalid on any NaN operand, eq only on a signalling NaN; unordered -> 0; -0 == +0",
        "op_width": 3,
        "rm_width": 3,
        "reserved": "rm values 5..7 are reserved: result and flags unspecified",
        "ftz": bool(ftz),
        "ftz_rule": ("subnormal inputs read as zero of the same sign (no flag); a nonzero exact result that is tiny "
                     "(after rounding) gives zero with the sign of the exact result and flags uf|nx") if ftz else None,
    }
