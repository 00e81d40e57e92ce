"""Golden model of the fp32-sfu (NumPy, bit-exact) and its SoftFloat reference.

The approximate functions recip, rsqrt, exp2, log2 are fp16-pe's format-generic models
(:func:`schw.units.fp16_pe.approx.approx_eval`) at binary32, configuration :func:`approx_config`;
their error against the true functions is measured in tests/test_fp32_sfu.py and
bench/bench_fp32_sfu.py (float64 and mpmath references). The rest of this docstring is about the
correctly rounded ops:

:func:`evaluate` decodes the operand to an integer significand and exponent (value =
``sig * 2^exp``, exact) and hands it to the fp16-pe golden model's rounder
(:func:`schw.units.fp16_pe.golden._round_pack`: one rounding to binary16 or binary32 in the five
RISC-V modes, tininess after rounding, underflow = tiny and inexact, overflow to infinity or the
largest finite number per mode). That rounder is checked against SoftFloat in the fp16-pe tests;
here :func:`softfloat_evaluate` computes every op with Berkeley SoftFloat instead (``f16_to_f32``,
``f32_to_f16``; ``scale`` as the exact binary64 product ``x * 2^k`` rounded once by
``f64_to_f32``) and the tests compare the two on every generated vector.

Rules beyond IEEE 754 (the contract in docs/fp32_sfu.md): NaN results are the canonical quiet
NaN of the result format (0x7FC00000, 0x7E00), a signalling NaN input raises nv; ``rm`` 5..7
round toward zero (as rtz); an op code that is reserved or not generated gives result 0, flags 0.
"""

from __future__ import annotations

import numpy as np

from schw.units.fp16_pe.approx import approx_eval
from schw.units.fp16_pe.contract import NV, RM
from schw.units.fp16_pe.golden import _decode, _round_pack
from schw.units.fp16_pe.params import BINARY16, BINARY32

from .params import APPROX, K_WIDTH, NAN16, NAN32, OPS, approx_config

_F16TO32, _F32TO16, _SCALE = OPS["f16_to_f32"], OPS["f32_to_f16"], OPS["scale"]


def sign_k(k) -> np.ndarray:
    """The k port's bits (K_WIDTH, two's complement) -> signed integers."""
    k = np.asarray(k, dtype=np.int64) & ((1 << K_WIDTH) - 1)
    return np.where(k >= 1 << (K_WIDTH - 1), k - (1 << K_WIDTH), k)


def _convert(bits, k, rm, fin, fout, nan_out):
    """Round ``bits`` (format fin) times 2^k to format fout: (result, flags)."""
    d = _decode(bits, fin, False)
    res = np.zeros(bits.shape, dtype=np.int64)
    flg = np.zeros(bits.shape, dtype=np.int64)
    live = ~(d.zero | d.inf | d.nan)
    if live.any():
        r, f = _round_pack(d.s[live], d.sig[live], d.exp[live] + k[live], rm[live], fout, False)
        res[live], flg[live] = r, f
    sign = d.s << (fout.width - 1)
    res = np.where(d.zero, sign, res)
    res = np.where(d.inf, sign | fout.inf, res)
    res = np.where(d.nan, nan_out, res)
    flg = np.where(d.snan, NV, np.where(d.nan, 0, flg))
    return res, flg


def evaluate(op, rm, a, k, ops=tuple(OPS)):
    """Expected ``(result, flags)`` (int64 arrays) for port values ``op``, ``rm``, ``a`` (32 bits;
    ``f16_to_f32`` reads a[15:0]) and ``k`` (the K_WIDTH-bit port pattern or a signed integer in
    range); ``ops``: the op names generated."""
    op, rm, a, k = (np.ravel(np.asarray(x).astype(np.int64)) for x in np.broadcast_arrays(op, rm, a, k))
    rm = np.where((rm >= 0) & (rm <= RM["rmm"]), rm, RM["rtz"])
    k = sign_k(k)
    res = np.zeros(op.shape, dtype=np.int64)
    flg = np.zeros(op.shape, dtype=np.int64)
    zero_k = np.zeros_like(k)
    for name, code, fin, fout, nan, kk in (("f16_to_f32", _F16TO32, BINARY16, BINARY32, NAN32, zero_k),
                                            ("f32_to_f16", _F32TO16, BINARY32, BINARY16, NAN16, zero_k),
                                            ("scale", _SCALE, BINARY32, BINARY32, NAN32, k)):
        sel = np.flatnonzero(op == code)
        if name not in ops or not sel.size:
            continue
        bits = a[sel] & ((1 << fin.width) - 1)
        res[sel], flg[sel] = _convert(bits, kk[sel], rm[sel], fin, fout, nan)
    for name in APPROX:
        sel = np.flatnonzero(op == OPS[name])
        if name in ops and sel.size:
            res[sel], flg[sel] = approx_eval(approx_config(name), a[sel] & 0xFFFFFFFF, rm[sel])
    return res, flg


def softfloat_evaluate(op, rm, a, k, ops=tuple(OPS)):
    """The same contract from Berkeley SoftFloat (``softfloatpy``), one call per vector (slow:
    a few us each), for the correctly rounded ops f16_to_f32, f32_to_f16 and scale; the
    approximate functions (SoftFloat has none) and left-out ops are left at 0. Tininess after
    rounding; NaN results made canonical (SoftFloat's RISC-V default NaN already is);
    SoftFloat's flag bits are schw's order (nx, uf, of, infinite, nv)."""
    import softfloatpy as sf

    op, rm, a, k = (np.ravel(np.asarray(x).astype(np.int64)) for x in np.broadcast_arrays(op, rm, a, k))
    k = sign_k(k)
    res = np.zeros(op.size, dtype=np.int64)
    flg = np.zeros(op.size, dtype=np.int64)
    sf.set_tininess_mode(sf.TininessMode.AFTER_ROUNDING)
    modes = {code: sf.RoundingMode(code) for code in range(5)}
    bits = lambda v: int.from_bytes(v.to_bytes(), "big")  # noqa: E731
    names = {v: n for n, v in OPS.items()}
    for i, (o, r, x, kk) in enumerate(zip(op.tolist(), rm.tolist(), a.tolist(), k.tolist())):
        if names.get(o) not in ops or names[o] in APPROX:
            continue
        sf.set_rounding_mode(modes.get(r, modes[1]))
        sf.set_exception_flags(0)
        if o == _F16TO32:
            v, nan = bits(sf.f16_to_f32(sf.Float16.from_bytes((x & 0xFFFF).to_bytes(2, "big")))), NAN32
        elif o == _F32TO16:
            v, nan = bits(sf.f32_to_f16(sf.Float32.from_bytes(x.to_bytes(4, "big")))), NAN16
        else:
            # x * 2^k is exact in binary64 for |k| < 2^(K_WIDTH-1) (the product lies in
            # [2^-661, 2^639)); f64_to_f32 then rounds once, with the flags of that rounding
            X = sf.f32_to_f64(sf.Float32.from_bytes(x.to_bytes(4, "big")))
            P = sf.f64_mul(X, sf.Float64.from_bytes(((kk + 1023) << 52).to_bytes(8, "big")))
            v, nan = bits(sf.f64_to_f32(P)), NAN32
        w = 16 if o == _F32TO16 else 32
        fb = 10 if w == 16 else 23
        if ((v >> fb) & ((1 << (w - 1 - fb)) - 1)) == (1 << (w - 1 - fb)) - 1 and v & ((1 << fb) - 1):
            v = nan
        res[i], flg[i] = v, sf.get_exception_flags() & 0x1F
    return res, flg


# ---- accuracy of the approximate functions (references outside the hardware method) ----------
_MAX32 = float(np.finfo(np.float32).max)


def reference64(fn: str, x) -> np.ndarray:
    """The true function at the binary32 values ``x`` (bit patterns) in binary64: 1/x and
    1/sqrt(x) are correctly rounded to 53 bits, exp2/log2 are NumPy's (within a binary64 ulp or
    two), so the error of a binary32 result is known to better than 2^-27 of its ulp."""
    with np.errstate(all="ignore"):
        v = np.asarray(x, dtype=np.int64).astype(np.uint32).view(np.float32).astype(np.float64)
        return {"recip": lambda: 1 / v, "rsqrt": lambda: 1 / np.sqrt(v), "exp2": lambda: np.exp2(v),
                "log2": lambda: np.log2(v)}[fn]()


def ulp_errors(fn: str, x, result) -> tuple[np.ndarray, np.ndarray]:
    """(mask, error in ulp) of binary32 ``result`` bits against :func:`reference64` at ``x``: the
    mask keeps the inputs with a finite true value inside binary32's range and a finite result;
    the ulp is that of the true value's binade (2^-149 below 2^-126)."""
    y = reference64(fn, x)
    with np.errstate(all="ignore"):
        r = np.asarray(result, dtype=np.int64).astype(np.uint32).view(np.float32).astype(np.float64)
        ok = np.isfinite(y) & np.isfinite(r) & (np.abs(y) <= _MAX32)
        ay = np.abs(np.where(ok, y, 1.0))
        e = np.maximum(np.floor(np.log2(np.where(ay > 0, ay, 1.0))), -126)
        ulp = np.ldexp(1.0, (e - 23).astype(np.int64))
        err = np.where(ok, np.abs(np.where(ok, r, 0.0) - np.where(ok, y, 0.0)) / ulp, 0.0)
    return ok, err
