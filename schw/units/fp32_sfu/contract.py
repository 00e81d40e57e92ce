"""The fp32-sfu interface contract as the manifest embeds it (docs/fp32_sfu.md says the same)."""

from __future__ import annotations

from schw.units.fp16_pe.contract import FLAGS, RM

from .params import APPROX, K_WIDTH, NAN16, NAN32, OP_WIDTH, OPS, RM_WIDTH, approx_config


def _method(fn: str) -> dict:
    c = approx_config(fn)
    return {"segments": c.entries, "index_bits": c.k, "interpolation_bits": c.dbits, "degree": c.degree,
            "table_fraction_bits": c.q, **({"argument_fraction_bits": c.f} if fn == "exp2" else {})}


def contract_dict(ops: tuple[str, ...]) -> dict:
    return {
        "ops": {n: OPS[n] for n in ops},
        "ops_left_out": {n: c for n, c in OPS.items() if n not in ops},
        "operands": {
            "f16_to_f32": "binary16 a[15:0] -> binary32 result (exact; a[31:16] and k ignored)",
            "f32_to_f16": "binary32 a -> binary16 result[15:0] rounded in rm, result[31:16] = 0 (k ignored)",
            "scale": f"binary32 a * 2^k rounded in rm to binary32; k is a {K_WIDTH}-bit two's complement integer",
            "recip": "approximately 1/a, binary32, rounded in rm (k ignored)",
            "rsqrt": "approximately 1/sqrt(a), binary32, rounded in rm (k ignored)",
            "exp2": "approximately 2^a, binary32, rounded in rm (k ignored)",
            "log2": "approximately log2(a), binary32, rounded in rm (k ignored)",
        },
        "approx_method": {fn: _method(fn) for fn in APPROX if fn in ops},
        "approx_rules": ("fp16-pe's format-generic table method (schw.units.fp16_pe.approx): NaN in -> canonical "
                         "NaN (nv if signalling); recip(+-0) = +-inf dz, recip(+-inf) = +-0; rsqrt(+-0) = +-inf dz, "
                         "rsqrt(+inf) = +0, rsqrt(x < 0) = NaN nv; exp2(+-0) = 1, exp2(+inf) = +inf, "
                         "exp2(-inf) = +0; log2(+-0) = -inf dz, log2(+inf) = +inf, log2(x < 0) = NaN nv; "
                         "exactly representable results (recip of 2^n, rsqrt of 4^n, exp2 of an integer, "
                         "log2 of 2^n) exact with no flag; every other result inexact (nx), of/uf per the rounder")
        if any(fn in ops for fn in APPROX) else None,
        "rounding_modes": dict(RM),
        "reserved_rm": "rm 5..7 round toward zero (as rtz)",
        "reserved_op": "an op code not listed in ops gives result 0, flags 0",
        "flags": {name: i for i, name in enumerate(FLAGS)},
        "flags_note": "bit 0 inexact, 1 underflow, 2 overflow, 3 divide-by-zero (always 0), 4 invalid (RISC-V fflags)",
        "op_width": OP_WIDTH,
        "rm_width": RM_WIDTH,
        "k_width": K_WIDTH,
        "canonical_nan32": NAN32,
        "canonical_nan16": NAN16,
        "nan_results": "every NaN result is the canonical quiet NaN of the result format; payloads are not propagated",
        "invalid": "a signalling NaN operand raises nv (quiet NaN: no flag)",
        "tininess": "after_rounding",
        "underflow_flag": "tiny (after rounding) and inexact",
        "overflow": "rne/rmm and the mode rounding away from zero give infinity, the others the largest finite; of|nx",
    }
