"""The FP16 PE contract: op and rounding-mode encodings, flag bits, NaN rules.

Everything a user of the PE (or of the golden model) needs to drive it lives here, so the golden
model, the manifest and docs/fp16.md read one source (the RTL's copy of the encodings in
:mod:`.params` is checked against it by the tests).
"""

from __future__ import annotations

OPS = {"fma": 0, "mul": 1, "add": 2, "min": 3, "max": 4, "lt": 5, "le": 6, "eq": 7}
"""op port encoding."""

EXT_OPS = {"recip": 8, "rsqrt": 9, "exp2": 10, "log2": 11, "expmod": 12, "ternary": 13, "xnor": 14, "bool": 15}
"""op port codes of the optional ops (``--ops``; the port is 4 bits wide when any is generated)."""

ALL_OPS = {**OPS, **EXT_OPS}

BOOL_FUNCS = {"and": 0, "or": 1, "xor": 2, "not": 3}
"""bool op: rm[1:0] selects the function (rm[2] is ignored)."""

TERNARY_WEIGHTS = {0b00: "+0", 0b01: "+1", 0b10: "+0", 0b11: "-1"}
"""ternary op: b[1:0] -> the weight w (b[15:2] ignored)."""

TERNARY_I8_RM = (5, 6, 7)
"""ternary op with ``--ops ...,ternary_i8``: rm 5, 6 or 7 selects the int8-activation mode."""

TERNARY_I8 = ("ternary op (code 13) with rm = 5, 6 or 7 (--ops ternary_i8): c + w0*a0 + w1*a1 modulo 2^width, "
              "a0 = a[7:0] and a1 = a[15:8] as int8 (two's complement), w0 from b[1:0] and w1 from b[3:2] "
              "(01 -> +1, 11 -> -1, 00/10 -> 0), c and the result a width-bit two's complement integer "
              "(int16 with acc fp16, int32 with acc fp32), exact, wrapping; flags 0")

EXT_OPERANDS = {
    "recip": "approximate 1/a, binary16, rounded in rm",
    "rsqrt": "approximate 1/sqrt(a), binary16, rounded in rm",
    "exp2": "approximate 2^a (b[0] = 0) or e^a (b[0] = 1, base-e scaling), binary16, rounded in rm",
    "log2": "approximate log2(a) (b[0] = 0) or ln(a) (b[0] = 1, base-e scaling), binary16, rounded in rm",
    "expmod": "a * 2^k, k = b as a 16-bit two's complement integer, binary16, correctly rounded in rm",
    "ternary": "fma(a, w, c) with the ternary weight w = +1.0, -1.0 or +0.0 from b[1:0] (01, 11, 00/10): "
               "c + w*a with one rounding in the accumulation format",
    "xnor": "c + popcount(~(a ^ b)) modulo 2^width (binary-vector XNOR-popcount accumulation), flags 0",
    "bool": "a & b, a | b, a ^ b or ~a (rm[1:0] = 0, 1, 2, 3) on 16-bit words, zero-extended, flags 0",
}

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


def contract_dict(acc: str, ftz: bool = False, ops: tuple[str, ...] | None = None) -> dict:
    """The interface contract for the manifest (JSON-serialisable, stable key order). ``ops``:
    the generated --ops names (None or the default set: the default PE's contract, unchanged)."""
    base = _contract_base(acc, ftz)
    if ops is None or tuple(ops) == ("fma", "mul", "add", "minmax", "cmp"):
        return base
    names = {"minmax": ("min", "max"), "cmp": ("lt", "le", "eq"), "ternary_i8": ()}
    codes = {n: ALL_OPS[n] for o in ops for n in names.get(o, (o,))}
    w = base["result_width"]
    ext = {n: EXT_OPERANDS[n] for n in codes if n in EXT_OPERANDS}
    fmt = {n: ("bool" if n in ("lt", "le", "eq") else "bits" if n in ("xnor", "bool")
               else base["result_format"].get(n, "binary16")) for n in codes}
    fmt.update({"ternary": base["c_format"]} if "ternary" in codes else {})
    if "ternary_i8" in ops:
        fmt["ternary"] = f"{base['c_format']} for rm 0..4, int{w} (two's complement) for rm 5..7 (ternary_i8)"
    rm_readers = ((["op 13 (ternary), where rm 5..7 select ternary_i8"] if "ternary_i8" in ops else [])
                  + (["op 15 (bool), which reads rm[1:0] only (rm 4..7 act as 0..3)"] if "bool" in codes else []))
    return {**base, "ops": codes, "op_width": 4,
            **({"reserved": ("rm values 5..7 are reserved (result and flags unspecified), except for "
                             + ", and ".join(rm_readers))} if rm_readers else {}),
            "operands": {**{k: v for k, v in base["operands"].items() if k in codes}, **ext},
            "result_format": fmt,
            "ops_left_out": {n: c for n, c in ALL_OPS.items() if n not in codes},
            "left_out_rule": "an op code that is not generated gives result 0 with flags nv",
            "flags_note": ("bit 0 inexact, 1 underflow, 2 overflow, 3 divide-by-zero (recip, rsqrt, log2 of +-0), "
                           "4 invalid (RISC-V fflags)"),
            "ext_zero_extend": f"binary16 and 16-bit results are zero-extended to {w} bits",
            "bool_functions": dict(BOOL_FUNCS) if "bool" in codes else None,
            "ternary_weights": {f"{k:02b}": v for k, v in TERNARY_WEIGHTS.items()} if "ternary" in codes else None,
            **({"ternary_i8": TERNARY_I8} if "ternary_i8" in ops else {}),
            "approx_specials": ("NaN -> canonical NaN (nv if signalling); recip(+-0) = +-inf dz, recip(+-inf) = +-0; "
                                "rsqrt(+-0) = +-inf dz, rsqrt(x<0) = NaN nv, rsqrt(+inf) = +0; exp2(+-0) = 1, "
                                "exp2(+inf) = +inf, exp2(-inf) = +0; log2(+-0) = -inf dz, log2(x<0) = NaN nv, "
                                "log2(+inf) = +inf, log2(1) = +0; exact results exact, the rest nx (+ of/uf)"),
            "approx_error_ulp": {"rne_rmm": 0.75, "rtz_rdn_rup": 1.25},
            **({"ftz_ext_rule": ("recip, rsqrt, exp2, log2, expmod: a subnormal a reads as the zero of its sign "
                                 "(the zero's special result: recip/rsqrt/log2 -> infinity with dz, exp2 -> 1, "
                                 "expmod -> the zero); a nonzero result that is tiny after rounding, exact or not, "
                                 "gives the zero of its sign with flags uf|nx")} if ftz else {})}


def _contract_base(acc: str, ftz: bool) -> dict:
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
