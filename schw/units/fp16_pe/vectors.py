"""Test vectors for the FP16 PE, built from the specification, not the model.

Three parts, in this order (each row: op, rm, a, b, c as int64 arrays):

1. :func:`class_cross` - every combination of operand classes (signed zeros, smallest and largest
   subnormal, smallest and largest normal, +-1, neighbours of 2**-14 and 65504, +-inf, quiet and
   signalling NaNs with and without payload/sign, tie-producing values) for each operand the op
   reads, for every op and all five rounding modes.
2. :func:`directed` - named hard cases (exact-zero sign, inf*0+c, inf-inf,
   overflow per mode, exact subnormals, tininess after rounding, massive cancellation, tiny
   product vs huge addend, 0x03EE*0x3C12+0x8000), each in all five modes.
3. ``count`` seeded weighted-random vectors, biased toward exponent edges, cancellation
   (c near -a*b) and large alignment distances.

Operands an op ignores (b for add, c for mul/min/max/lt/le/eq) are held at 0 in parts 1-2 and
random in part 3 (the RTL must ignore them).
"""

from __future__ import annotations

import numpy as np

from .contract import ACCS, OPS, RM, result_width

# --- operand classes (binary16 bit patterns), from IEEE 754 encodings -------------------------
CLASSES16 = {
    "+0": 0x0000, "-0": 0x8000,
    "+min_sub": 0x0001, "-min_sub": 0x8001,
    "+max_sub": 0x03FF, "-max_sub": 0x83FF,          # 2**-14 - 2**-24, just below 2**-14
    "+min_norm": 0x0400, "-min_norm": 0x8400,        # 2**-14
    "+min_norm_next": 0x0401,                        # just above 2**-14
    "+half": 0x3800,                                 # 0.5 (moves a value across 2**-14)
    "+max_norm": 0x7BFF, "-max_norm": 0xFBFF,        # 65504
    "+max_norm_prev": 0x7BFE,                        # 65472, just below 65504
    "+2^15": 0x7800,                                 # 32768: doubling reaches 65536
    "+1": 0x3C00, "-1": 0xBC00,
    "+inf": 0x7C00, "-inf": 0xFC00,
    "+qnan": 0x7E00, "-qnan_payload": 0xFE01,
    "+snan": 0x7C01, "-snan_payload": 0xFD55,
    "+1+ulp": 0x3C01, "-1-ulp": 0xBC01,              # ties: (1+2**-10)*1.5, 1 + 2**-11
    "+1.5": 0x3E00,
    "+2^-11": 0x1000,                                # half an ulp of 1
}

# binary32 classes for c with acc="fp32"
CLASSES32 = {
    "+0": 0x00000000, "-0": 0x80000000,
    "+min_sub": 0x00000001, "-min_sub": 0x80000001,
    "+max_sub": 0x007FFFFF, "-max_sub": 0x807FFFFF,
    "+min_norm": 0x00800000, "-min_norm": 0x80800000,
    "+max_norm": 0x7F7FFFFF, "-max_norm": 0xFF7FFFFF,
    "+1": 0x3F800000, "-1": 0xBF800000,
    "+1+ulp": 0x3F800001,
    "+2^-24": 0x33800000,                            # half an ulp of 1: ties with a product of 1
    "-2^-14": 0xB8800000,                            # binary16 min normal
    "+2^-48": 0x27800000,                            # binary16 min_sub squared
    "+65504": 0x477FE000, "-65520": 0xC77FF000,      # binary16 max and its overflow threshold
    "+2^32": 0x4F800000,
    "+inf": 0x7F800000, "-inf": 0xFF800000,
    "+qnan": 0x7FC00000, "-qnan_payload": 0xFFC00001,
    "+snan": 0x7F800001, "-snan_payload": 0xFFA00000,
}

_FIELDS = ("op", "rm", "a", "b", "c")


def _select(ops, modes):
    ops = list(OPS) if ops is None else [o for o in ops]
    modes = list(RM) if modes is None else [m for m in modes]
    bad = [o for o in ops if o not in OPS] + [m for m in modes if m not in RM]
    if bad:
        raise ValueError(f"unknown op/mode names {bad}; ops {list(OPS)}, modes {list(RM)}")
    return ops, modes


def _empty():
    return {k: np.zeros(0, dtype=np.int64) for k in _FIELDS}


def _concat(parts):
    parts = [p for p in parts if len(p["op"])]
    if not parts:
        return _empty()
    return {k: np.concatenate([np.asarray(p[k], dtype=np.int64) for p in parts]) for k in _FIELDS}


def _check_acc(acc):
    if acc not in ACCS:
        raise ValueError(f"acc must be one of {ACCS}, got {acc!r}")


def class_cross(acc: str = "fp16", ops=None, modes=None) -> dict:
    """Every combination of operand classes for the operands each op reads, in every mode."""
    _check_acc(acc)
    ops, modes = _select(ops, modes)
    v16 = np.array(list(CLASSES16.values()), dtype=np.int64)
    vc = v16 if acc == "fp16" else np.array(list(CLASSES32.values()), dtype=np.int64)
    zero = np.zeros(1, dtype=np.int64)
    parts = []
    for name in ops:
        if name == "fma":
            a, b, c = v16, v16, vc
        elif name == "add":
            a, b, c = v16, zero, vc
        else:  # mul and the comparisons read a and b
            a, b, c = v16, v16, zero
        g = np.stack(np.meshgrid(a, b, c, indexing="ij"), axis=-1).reshape(-1, 3)
        for m in modes:
            n = len(g)
            parts.append({"op": np.full(n, OPS[name]), "rm": np.full(n, RM[m]),
                          "a": g[:, 0], "b": g[:, 1], "c": g[:, 2]})
    return _concat(parts)


# --- directed cases ---------------------------------------------------------------------------
def _f16(x: float) -> int:
    return int(np.array(x, dtype=np.float16).view(np.uint16))


def _f32(x: float) -> int:
    return int(np.array(x, dtype=np.float32).view(np.uint32))


def widen16(bits: int) -> int:
    """The binary32 pattern of a binary16 pattern: exact for numbers, NaN payload and sign kept."""
    bits = int(bits)
    if (bits & 0x7C00) == 0x7C00 and bits & 0x3FF:
        return ((bits & 0x8000) << 16) | 0x7F800000 | ((bits & 0x3FF) << 13)
    return _f32(float(np.array(bits, dtype=np.uint16).view(np.float16)))


def _directed_rows(acc: str):
    """(case, op, a, b, c) rows; c given as a binary16 pattern is widened for acc='fp32'."""
    wide = acc == "fp32"
    C = widen16 if wide else (lambda v: v)
    rows = []

    def add(case, op, a, b, c, c_is_wide=False):
        rows.append((case, op, a, b, c if c_is_wide else C(c)))

    # exact zero: x*y - x*y, x - x, and zero operands (+0 except -0 in RDN when signs differ)
    for x, y in ((0x4000, 0x4200), (0x3C01, 0x3C01), (0x0001, 0x3C00), (0xB555, 0x4AAA)):
        p = float(np.float16(np.array(x, dtype=np.uint16).view(np.float16))) * \
            float(np.float16(np.array(y, dtype=np.uint16).view(np.float16)))
        if wide:
            add("exact_zero_sign", "fma", x, y, _f32(-p), c_is_wide=True)
        elif float(np.float16(p)) == p:  # representable product only
            add("exact_zero_sign", "fma", x, y, _f16(-p))
    for x in (0x3C00, 0x0001, 0x7BFF, 0x8400):
        add("exact_zero_sign", "add", x, 0, x ^ 0x8000)
    for x, y, z in ((0x0000, 0x3C00, 0x8000), (0x8000, 0x3C00, 0x0000), (0x8000, 0x3C00, 0x8000),
                    (0x0000, 0xBC00, 0x0000), (0x0000, 0x0000, 0x0000)):
        add("zero_operands", "fma", x, y, z)
        add("zero_operands", "add", x, y, z)
        add("zero_operands", "mul", x, y, 0)
    # inf * 0 + c (invalid whatever c is, quiet NaN included)
    for x, y in ((0x7C00, 0x0000), (0x8000, 0xFC00)):
        for z in (0x0000, 0x3C00, 0xFC00, 0x7E00, 0x7C01):
            add("inf_times_zero", "fma", x, y, z)
        add("inf_times_zero", "mul", x, y, 0)
    # inf - inf
    add("inf_minus_inf", "add", 0x7C00, 0, 0xFC00)
    add("inf_minus_inf", "add", 0xFC00, 0, 0x7C00)
    add("inf_minus_inf", "fma", 0x7C00, 0x3C00, 0xFC00)
    add("inf_minus_inf", "fma", 0xFC00, 0xBC00, 0xFC00)   # -inf*-1 = +inf, + -inf
    add("inf_addend", "fma", 0x7BFF, 0x7BFF, 0xFC00)      # exact finite product + -inf: -inf, no flag
    add("inf_addend", "fma", 0x7C00, 0x3C00, 0x7C00)
    # overflow: to inf or to 65504 depending on mode and sign
    for s in (0x0000, 0x8000):
        add("overflow", "mul", 0x7BFF | s, 0x4000, 0)
        add("overflow", "add", 0x7BFF | s, 0, 0x4C00 | s)  # 65504 + 16 = 65520: the threshold tie
        add("overflow", "add", 0x7BFF | s, 0, 0x4800 | s)  # 65504 + 8: below the threshold
        add("overflow", "fma", 0x7800 | s, 0x4000, 0x8000 ^ s)  # 32768 * 2 = 65536
        add("overflow", "fma", 0x5BFF, 0x5BFF, 0x7BFF | s)
    if wide:
        for s in (0, 0x80000000):
            add("overflow", "fma", 0x3C00, 0x3C00 | (s >> 16), 0x7F7FFFFF | s, c_is_wide=True)
            add("overflow", "add", 0x3C00 | (s >> 16), 0, 0x7F7FFFFF | s, c_is_wide=True)
    # exact subnormal results: no underflow flag, no inexact
    if not wide:  # (binary16 subnormals are normal binary32 numbers)
        add("exact_subnormal", "mul", 0x0400, 0x3800, 0)       # 2**-14 * 0.5
        add("exact_subnormal", "mul", 0x03FE, 0x3800, 0)       # even subnormal halved
        add("exact_subnormal", "add", 0x0401, 0, 0x8400)       # 2**-24
        add("exact_subnormal", "fma", 0x0400, 0x3C00, 0x8001)  # 2**-14 - 2**-24
        add("exact_subnormal", "fma", 0x0800, 0x3800, 0x8001)
    else:
        add("exact_subnormal", "add", 0x0000, 0, 0x00400000, c_is_wide=True)
        add("exact_subnormal", "add", 0x8000, 0, 0x80000001, c_is_wide=True)
        add("exact_subnormal", "fma", 0x0000, 0x3C00, 0x007FFFFF, c_is_wide=True)
    # tininess after rounding: just below 2**-14, rounds to 2**-14 at precision 11
    add("tiny_after_rounding", "mul", 0x03FF, 0x3C01, 0)   # 2**-14 - 2**-34
    add("tiny_after_rounding", "mul", 0x03FF, 0x3C00, 0)   # exact max subnormal
    add("tiny_after_rounding", "mul", 0x0200, 0x3BFF, 0)   # inexact, stays tiny
    add("tiny_after_rounding", "fma", 0x03FF, 0x3C01, 0x8000)
    add("tiny_after_rounding", "mul", 0x83FF, 0x3C01, 0)
    # massive cancellation
    add("cancellation", "fma", 0x3C01, 0x3C01, 0xBC02)     # (1+2**-10)**2 - (1+2**-9) = 2**-20
    add("cancellation", "fma", 0x3BFF, 0x3C01, 0xBC00)
    add("cancellation", "fma", 0x7BFF, 0x3C01, 0xFBFF)
    add("cancellation", "fma", 0x0401, 0x3C01, 0x8401)
    add("cancellation", "add", 0x3C01, 0, 0xBC00)
    add("cancellation", "add", 0x0400, 0, 0x83FF)
    if wide:
        add("cancellation", "fma", 0x3C01, 0x3C01, 0xBF804000, c_is_wide=True)   # 2**-20
        add("cancellation", "fma", 0x3555, 0x3555, 0xBE638E39, c_is_wide=True)
    # tiny product against a huge addend (float64 emulation loses these sticky bits)
    for z in (0x7BFF, 0x3C00, 0xBC00, 0x0400, 0x8001):
        add("tiny_product_huge_addend", "fma", 0x0001, 0x0001, z)
        add("tiny_product_huge_addend", "fma", 0x8001, 0x0001, z)
    if wide:
        for z in (0x7F7FFFFF, 0x3F800000, 0xBF800000, 0x4F800000):
            add("tiny_product_huge_addend", "fma", 0x0001, 0x0001, z, c_is_wide=True)
            add("tiny_product_huge_addend", "fma", 0x8001, 0x0001, z, c_is_wide=True)
    # the worked example of docs/fp16.md: a product just below 2**-14 (plus -0) whose tininess
    # after rounding and rounded value depend on the mode
    add("issue_03EE_3C12_8000", "fma", 0x03EE, 0x3C12, 0x8000)
    # NaN results are canonical whatever the payload; sNaN invalid in every op
    for x, y in ((0x7E01, 0x3C00), (0xFD55, 0x3C00), (0x3C00, 0x7C01), (0x7C01, 0x7E00)):
        for op in ("fma", "mul", "add", "min", "max", "lt", "le", "eq"):
            add("nan_operands", op, x, y, 0x7E01 if op == "fma" else 0)
    # min/max: -0 < +0, NaN and number -> number
    for x, y in ((0x0000, 0x8000), (0x8000, 0x0000), (0x7E00, 0xBC00), (0x3C00, 0x7C01),
                 (0x7C01, 0xFD00), (0x0001, 0x8001)):
        for op in ("min", "max", "lt", "le", "eq"):
            add("min_max_compare", op, x, y, 0)
    return rows


def directed(acc: str = "fp16", ops=None, modes=None) -> dict:
    """The directed cases (named hard cases, listed in docs/fp16.md), each in every selected mode.

    Returns the arrays of :func:`generate` plus ``"case"`` (an object array of case names).
    """
    _check_acc(acc)
    ops, modes = _select(ops, modes)
    rows = [r for r in _directed_rows(acc) if r[1] in ops]
    out = {k: [] for k in (*_FIELDS, "case")}
    for case, op, a, b, c in rows:
        for m in modes:
            for k, v in zip((*_FIELDS, "case"), (OPS[op], RM[m], a, b, c, case)):
                out[k].append(v)
    res = {k: np.array(out[k], dtype=np.int64) for k in _FIELDS}
    res["case"] = np.array(out["case"], dtype=object)
    return res


# --- weighted random ----------------------------------------------------------------------------
def _edge16(rng, n):
    """binary16 patterns with exponents near the edges and structured fractions."""
    e = rng.choice([0, 1, 2, 3, 12, 13, 14, 15, 16, 17, 27, 28, 29, 30, 31],
                   n, p=[.14, .1, .04, .03, .05, .08, .1, .1, .08, .05, .03, .04, .05, .08, .03])
    frac = np.select(
        [rng.random(n) < .12, rng.random(n) < .12, rng.random(n) < .1, rng.random(n) < .1],
        [np.zeros(n, np.int64), np.full(n, 0x3FF), np.full(n, 0x200), rng.integers(0, 4, n)],
        rng.integers(0, 1 << 10, n),
    )
    return (rng.integers(0, 2, n) << 15) | (e << 10) | frac


def _edge32(rng, n):
    e = rng.choice([0, 1, 2, 80, 90, 100, 103, 112, 113, 126, 127, 128, 141, 142, 143, 160, 253, 254, 255], n)
    frac = np.select(
        [rng.random(n) < .12, rng.random(n) < .12, rng.random(n) < .1],
        [np.zeros(n, np.int64), np.full(n, 0x7FFFFF), np.full(n, 0x400000)],
        rng.integers(0, 1 << 23, n),
    )
    return (rng.integers(0, 2, n) << 31) | (e << 23) | frac


def _operand16(rng, n):
    kind = rng.choice(3, n, p=[.3, .15, .55])
    cls = np.array(list(CLASSES16.values()), dtype=np.int64)
    return np.select([kind == 0, kind == 1],
                     [rng.integers(0, 1 << 16, n), cls[rng.integers(0, len(cls), n)]], _edge16(rng, n))


def _as_f(bits, dt_bits, dt):
    return np.asarray(bits).astype(dt_bits).view(dt).astype(np.float64)


_BLOCK = 1 << 16
# random op mix: the arithmetic ops (most of the datapath) get more rows, fma the most
_OP_WEIGHT = {"fma": 6, "mul": 3, "add": 3, "min": 1.6, "max": 1.6, "lt": 1.6, "le": 1.6, "eq": 1.6}


def _random(seed: int, count: int, acc: str, ops, modes) -> dict:
    """``count`` rows drawn in blocks of 65536 with their own seeds, so that the rows for a
    smaller count are a prefix of those for a larger one (same seed, ops, modes)."""
    blocks = [_random_block(seed, i, min(_BLOCK, count - i * _BLOCK), acc, ops, modes)
              for i in range((count + _BLOCK - 1) // _BLOCK)]
    return _concat(blocks)


def _random_block(seed: int, block: int, n: int, acc: str, ops, modes) -> dict:
    rng = np.random.default_rng([seed, 0x0F16, 1 if acc == "fp32" else 0, block])
    n_req, n = n, _BLOCK
    w = np.array([_OP_WEIGHT[o] for o in ops], dtype=np.float64)
    op = np.array([OPS[o] for o in ops], dtype=np.int64)[rng.choice(len(ops), n, p=w / w.sum())]
    rm = np.array([RM[m] for m in modes], dtype=np.int64)[rng.integers(0, len(modes), n)]
    a, b = _operand16(rng, n), _operand16(rng, n)
    is_add = op == OPS["add"]
    # (a*b or a) in float64 is exact (22-bit products); used only to place c relative to it
    with np.errstate(all="ignore"):
        fa, fb = _as_f(a, np.uint16, np.float16), _as_f(b, np.uint16, np.float16)
        ref = np.where(is_add, fa, fa * fb)
        ref = np.where(np.isfinite(ref), ref, 1.0)
        scale = np.ldexp(1.0, rng.integers(-45 if acc == "fp32" else -30, 31, n))
        kind = rng.choice(3, n, p=[.35, .35, .3])
        if acc == "fp16":
            near = np.array(-ref, dtype=np.float16).view(np.uint16).astype(np.int64)
            near = (near + rng.integers(-3, 4, n)) & 0xFFFF
            off = np.array(ref * scale * (0.5 + rng.random(n)), dtype=np.float16).view(np.uint16).astype(np.int64)
            off ^= rng.integers(0, 2, n) << 15
            c = np.select([kind == 0, kind == 1], [_operand16(rng, n), near], off)
        else:
            near = np.array(-ref, dtype=np.float32).view(np.uint32).astype(np.int64)
            near = (near + rng.integers(-3, 4, n)) & 0xFFFFFFFF
            off = np.array(ref * scale * (0.5 + rng.random(n)), dtype=np.float32).view(np.uint32).astype(np.int64)
            off ^= rng.integers(0, 2, n) << 31
            wild = np.where(rng.random(n) < .4, rng.integers(0, 1 << 32, n), _edge32(rng, n))
            c = np.select([kind == 0, kind == 1], [wild, near], off)
            # binary32 overflow needs c at the top binade: a binary16 product is at most 2**32
            top = np.array([0x7F7FFFFF, 0xFF7FFFFF, 0x7F7FFFFE, 0xFF7FFFFE], dtype=np.int64)
            c = np.where(rng.random(n) < .03, top[rng.integers(0, 4, n)], c)
    return {"op": op[:n_req], "rm": rm[:n_req], "a": a[:n_req], "b": b[:n_req], "c": c.astype(np.int64)[:n_req]}


def generate(seed: int, count: int, acc: str = "fp16", ops=None, modes=None) -> dict:
    """Vectors for the PE: ``{op, rm, a, b, c}`` int64 arrays of one length.

    ``class_cross(acc)`` rows, then ``directed(acc)`` rows (both restricted to ``ops``/``modes``,
    lists of names; None = all), then ``count`` seeded weighted-random rows; the total length is
    ``len(class_cross) + len(directed) + count``. Same arguments give the same vectors, and the
    random rows for a smaller ``count`` are a prefix of those for a larger one.
    """
    _check_acc(acc)
    if count < 0:
        raise ValueError("count must be >= 0")
    ops, modes = _select(ops, modes)
    d = directed(acc, ops, modes)
    parts = [class_cross(acc, ops, modes), {k: d[k] for k in _FIELDS}]
    if count and ops and modes:
        parts.append(_random(seed, count, acc, ops, modes))
    out = _concat(parts)
    w = result_width(acc)
    assert (out["c"] >= 0).all() and (out["c"] < (1 << w)).all()
    return out


# --- the optional ops (--ops) -------------------------------------------------------------------
_EXT_CODES = {"recip": 8, "rsqrt": 9, "exp2": 10, "log2": 11, "expmod": 12, "ternary": 13, "xnor": 14, "bool": 15}
_UNARY = ("recip", "rsqrt", "exp2", "log2")


def _expmod_k(rng, n):
    """k values (16-bit two's complement patterns): mostly in [-45, 45] (all the rounding cases of
    binary16), some at the clamp edges and anywhere in the 16-bit range."""
    k = np.where(rng.random(n) < .8, rng.integers(-45, 46, n),
                 np.where(rng.random(n) < .5, rng.choice([-65, -64, -63, -41, -40, 39, 40, 63, 64, 65, -32768, 32767], n),
                          rng.integers(-32768, 32768, n)))
    return k & 0xFFFF


def _ternary_i8_rows(rng, w: int, exhaustive: bool, sample: int) -> dict:
    """ternary op rows in the int8 mode (rm 5..7). ``exhaustive``: every a (both int8 lanes) with
    every b[3:0] (both weights, all 16 codes), b[15:4] random: 1,048,576 rows; else ``sample``
    rows. c random, a quarter of it at the wrap-around edges of the width-bit accumulator."""
    if exhaustive:
        a = np.tile(np.arange(1 << 16, dtype=np.int64), 16)
        b = np.repeat(np.arange(16, dtype=np.int64), 1 << 16) | (rng.integers(0, 1 << 12, 1 << 20) << 4)
    else:
        edge = np.array([0x00, 0x01, 0x7F, 0x80, 0x81, 0xFF], dtype=np.int64)
        lane = lambda: np.where(rng.random(sample) < .3, rng.choice(edge, sample), rng.integers(0, 256, sample))  # noqa: E731
        a = lane() | (lane() << 8)
        b = rng.integers(0, 1 << 16, sample)
    n = len(a)
    top = 1 << (w - 1)
    near = np.array([top - 1, top - 2, top, top + 1, (1 << w) - 1, 0, 1, (1 << w) - 256], dtype=np.int64)
    c = np.where(rng.random(n) < .25, rng.choice(near, n), rng.integers(0, 1 << w, n, dtype=np.int64))
    return {"op": np.full(n, _EXT_CODES["ternary"], dtype=np.int64), "rm": rng.integers(5, 8, n),
            "a": a, "b": b, "c": c}


def ext_vectors(ops, seed: int, acc: str = "fp16", exhaustive: bool = True, sample: int = 4000) -> dict:
    """Vectors for the optional ops in ``ops`` (--ops names) and for the op codes left out.

    ``exhaustive``: recip, rsqrt, exp2, log2 and expmod on all 65,536 binary16 a in each of the
    five rounding modes (exp2 and log2 twice: b[0] = 0 and 1, base 2 and base e; expmod: a
    seeded k per row from :func:`_expmod_k`); ternary, xnor and
    bool 100,000 seeded rows each (ternary: weighted a and c, b random with all its bits; bool:
    rm 0..7); ternary_i8 (the ternary op with rm 5..7): every a with every b[3:0]
    (:func:`_ternary_i8_rows`). Otherwise ``sample`` rows per op (unary: edge-weighted a). Left-out codes: 500 rows
    each. Rows are grouped by op; :func:`schw.units.fp16_pe.harness.interleave` mixes them."""
    _check_acc(acc)
    w = result_width(acc)
    rng = np.random.default_rng([seed, 0xE7])
    parts = []
    every = np.arange(1 << 16, dtype=np.int64)

    def rows(code, a, b, c, rm):
        n = len(a)
        return {"op": np.full(n, code, dtype=np.int64), "rm": np.asarray(rm, dtype=np.int64),
                "a": np.asarray(a, dtype=np.int64), "b": np.asarray(b, dtype=np.int64),
                "c": np.asarray(c, dtype=np.int64)}

    def wide(n):
        return rng.integers(0, 1 << w, n, dtype=np.int64)

    for name in ops:
        if name == "ternary_i8":
            parts.append(_ternary_i8_rows(rng, w, exhaustive, sample))
            continue
        code = _EXT_CODES.get(name)
        if code is None:
            continue
        if name in _UNARY or name == "expmod":
            reps = 10 if name in ("exp2", "log2") else 5  # exp2/log2: b[0] = 0 and 1 (base 2 and e)
            if exhaustive:
                a = np.tile(every, reps)
                rm = np.tile(np.repeat(np.arange(5, dtype=np.int64), 1 << 16), reps // 5)
            else:
                a = np.where(rng.random(sample) < .5, _operand16(rng, sample), rng.integers(0, 1 << 16, sample))
                rm = rng.integers(0, 5, sample)
            n = len(a)
            b = _expmod_k(rng, n) if name == "expmod" else rng.integers(0, 1 << 16, n)
            if exhaustive and reps == 10:
                b = (b & ~1) | np.repeat(np.array([0, 1], dtype=np.int64), 5 << 16)
            parts.append(rows(code, a, b, wide(n), rm))
            continue
        n = 100_000 if exhaustive else sample
        if name == "ternary":
            c = _operand16(rng, n) if w == 16 else np.where(rng.random(n) < .5, _edge32(rng, n),
                                                             rng.integers(0, 1 << 32, n, dtype=np.int64))
            parts.append(rows(code, _operand16(rng, n), rng.integers(0, 1 << 16, n), c, rng.integers(0, 5, n)))
        elif name == "xnor":
            parts.append(rows(code, rng.integers(0, 1 << 16, n), rng.integers(0, 1 << 16, n), wide(n),
                              rng.integers(0, 8, n)))
        else:
            parts.append(rows(code, rng.integers(0, 1 << 16, n), rng.integers(0, 1 << 16, n), wide(n),
                              rng.integers(0, 8, n)))
    chosen = set(ops)
    base = {"minmax": (3, 4), "cmp": (5, 6, 7)}
    left = [c for g, cs in base.items() if g not in chosen for c in cs]
    left += [c for nme, c in _EXT_CODES.items() if nme not in chosen]
    for code in left:
        parts.append(rows(code, rng.integers(0, 1 << 16, 500), rng.integers(0, 1 << 16, 500), wide(500),
                          rng.integers(0, 5, 500)))
    return _concat(parts) if parts else _empty()


def counts(vectors: dict) -> dict:
    """Number of vectors per (op name, mode name), for the per-case counts a run prints."""
    inv_op = {v: k for k, v in OPS.items()}
    inv_rm = {v: k for k, v in RM.items()}
    keys, n = np.unique(np.stack([vectors["op"], vectors["rm"]], axis=1), axis=0, return_counts=True)
    return {(inv_op[int(o)], inv_rm[int(r)]): int(k) for (o, r), k in zip(keys, n)}


__all__ = ["CLASSES16", "CLASSES32", "class_cross", "directed", "generate", "counts", "widen16", "ext_vectors"]
