"""Golden model of the fp16-pe with the optional ops (``--ops``): NumPy only, bit-exact.

:func:`evaluate` takes the same vectors as :func:`.golden.evaluate` plus the generated op set;
op codes 0..7 go to :func:`.golden.evaluate` (fma, mul, add, min, max, lt, le, eq), the others:

* ``recip``, ``rsqrt``, ``exp2``, ``log2`` (8..11): :func:`.approx.approx_eval` on a (binary16) with
  the PE's tables (:func:`.tables.default_config`), rounded in rm; exp2 and log2 with b[0] = 1
  compute e^a and ln a (base-e scaling, :func:`.tables.scale_constants`);
* ``expmod`` (12): :func:`.approx.expmod`, a * 2^k with k = b read as a 16-bit two's complement;
* ``ternary`` (13): fma(a, w, c) with w = +1.0 / -1.0 / +0.0 from b[1:0] = 01 / 11 / 00 or 10;
  with ``ternary_i8`` generated, rm 5..7 select the int8 mode (:func:`ternary_i8`):
  (c + w0*a0 + w1*a1) mod 2^width, a0/a1 = a[7:0]/a[15:8] as int8, w0/w1 from b[1:0]/b[3:2];
* ``xnor`` (14): (c + popcount(~(a ^ b) & 0xFFFF)) mod 2^width, flags 0;
* ``bool`` (15): a & b, a | b, a ^ b, ~a & 0xFFFF for rm[1:0] = 0..3, flags 0.

binary16 results are zero-extended when acc="fp32". A code whose op is not generated gives result
0 with flags nv. The contract: :mod:`.contract` (``EXT_OPS``) and docs/fp16_pe.md.
"""

from __future__ import annotations

import numpy as np

from . import golden
from .approx import BINARY16, approx_eval, expmod
from .contract import ALL_OPS, NV, OPS, result_width
from .tables import default_config

_FMA = OPS["fma"]
_CODES = {"fma": [0], "mul": [1], "add": [2], "minmax": [3, 4], "cmp": [5, 6, 7]}
_APPROX = {ALL_OPS[n]: n for n in ("recip", "rsqrt", "exp2", "log2")}
_EXPMOD, _TERNARY, _XNOR, _BOOL = ALL_OPS["expmod"], ALL_OPS["ternary"], ALL_OPS["xnor"], ALL_OPS["bool"]
_WEIGHT = np.array([0x0000, 0x3C00, 0x0000, 0xBC00], dtype=np.int64)  # b[1:0] -> +0, +1, +0, -1


def generated_codes(ops) -> set[int]:
    """The op codes of the --ops names ``ops``."""
    return {c for o in ops for c in _CODES.get(o, [ALL_OPS.get(o, -1)])}


def _popcount16(v: np.ndarray) -> np.ndarray:
    v = v - ((v >> 1) & 0x5555)
    v = (v & 0x3333) + ((v >> 2) & 0x3333)
    v = (v + (v >> 4)) & 0x0F0F
    return (v + (v >> 8)) & 0x1F


def ternary_i8(a, b, c, width: int) -> np.ndarray:
    """(c + w0*a0 + w1*a1) mod 2^width: a0 = a[7:0], a1 = a[15:8] as int8; w0, w1 = +1 / -1 / 0
    from b[1:0], b[3:2] (01, 11, 00 or 10)."""
    a, b, c = (np.asarray(x, dtype=np.int64) for x in (a, b, c))
    sx = lambda v: ((v & 0xFF) ^ 0x80) - 0x80  # noqa: E731
    wv = np.array([0, 1, 0, -1], dtype=np.int64)
    return (c + wv[b & 3] * sx(a) + wv[(b >> 2) & 3] * sx(a >> 8)) & ((1 << width) - 1)


def evaluate(op, rm, a, b, c, acc: str = "fp16", ftz: bool = False, ops=("fma", "mul", "add", "minmax", "cmp")):
    """Result and flags of each vector for the PE generated with ``ops`` (--ops names). Same
    arguments and return types as :func:`.golden.evaluate` (op codes 0..15, rm 0..4 where an op
    rounds; the bool op reads rm[1:0] and accepts 0..7)."""
    w = result_width(acc)
    op, rm, a, b, c = (np.asarray(x).astype(np.int64) for x in np.broadcast_arrays(op, rm, a, b, c))
    shape = np.atleast_1d(op).shape
    op, rm, a, b, c = (np.ravel(x) for x in (op, rm, a, b, c))
    if op.size and (op.min() < 0 or op.max() > 15):
        raise ValueError("op codes must be 0..15 (see schw.units.fp16_pe.contract.ALL_OPS)")
    gen = generated_codes(ops)
    result = np.zeros(op.shape, dtype=np.uint32)
    flags = np.zeros(op.shape, dtype=np.uint8)
    on = np.isin(op, sorted(gen))
    flags[~on] = NV
    i = np.flatnonzero(on & (op <= 7))
    if i.size:
        result[i], flags[i] = golden.evaluate(op[i], rm[i], a[i], b[i], c[i], acc=acc, ftz=ftz)
    tern = on & (op == _TERNARY)
    if "ternary_i8" in ops:
        i = np.flatnonzero(tern & (rm >= 5))
        tern &= rm < 5
        if i.size:
            result[i] = ternary_i8(a[i], b[i], c[i], w)
    i = np.flatnonzero(tern)
    if i.size:
        result[i], flags[i] = golden.evaluate(_FMA, rm[i], a[i], _WEIGHT[b[i] & 3], c[i], acc=acc, ftz=ftz)
    for code, fn in _APPROX.items():
        i = np.flatnonzero(on & (op == code))
        if i.size:
            if rm[i].min() < 0 or rm[i].max() > 4:
                raise ValueError(f"rm codes must be 0..4 for {fn}")
            scale = b[i] & 1 if fn in ("exp2", "log2") else 0  # b[0] = 1: e^a, ln a
            result[i], flags[i] = approx_eval(default_config(fn), a[i], rm[i], scale, ftz=ftz)
    i = np.flatnonzero(on & (op == _EXPMOD))
    if i.size:
        if rm[i].min() < 0 or rm[i].max() > 4:
            raise ValueError("rm codes must be 0..4 for expmod")
        k = ((b[i] & 0xFFFF) ^ 0x8000) - 0x8000
        result[i], flags[i] = expmod(BINARY16, a[i], k, rm[i], ftz=ftz)
    i = np.flatnonzero(on & (op == _XNOR))
    if i.size:
        result[i] = (c[i] + _popcount16(~(a[i] ^ b[i]) & 0xFFFF)) & ((1 << w) - 1)
    i = np.flatnonzero(on & (op == _BOOL))
    if i.size:
        f = rm[i] & 3
        x, y = a[i] & 0xFFFF, b[i] & 0xFFFF
        result[i] = np.select([f == 0, f == 1, f == 2], [x & y, x | y, x ^ y], ~x & 0xFFFF)
    return result.reshape(shape), flags.reshape(shape)
