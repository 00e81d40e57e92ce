"""fp16-pe: IEEE 754 binary16 processing element (fma, mul, add, min, max, lt, le, eq).

One single-path fused multiply-add serves ``fma``, ``mul`` (a*b + a zero of the product's sign)
and ``add`` (a*1.0 + c): the 11x11-bit significand product is exact; the addend is aligned to it
in a window of ``p + 3`` bits below the product, the 22 product bits and ``p + 3`` bits above
(``p`` = 11 for ``acc="fp16"``, 24 for ``acc="fp32"``), bits that fall below the window are
jammed into a sticky bit, and a product far below the addend is replaced by a sticky one; then
add/subtract, leading-zero count, normalise (stopping at the subnormal boundary), round in the
five RISC-V modes, detect tininess after rounding, pack. Special operands (NaN, infinity, an
exact-zero product) and the comparison ops take a side path computed in the first phase.

Interface: ``in_valid``, ``op[2:0]``, ``rm[2:0]``, ``a[15:0]``, ``b[15:0]``, ``c`` (16 or 32 bits),
``out_valid``, ``result`` (16 or 32 bits), ``flags[4:0]``; one operation per cycle, no stalls.
``stages`` = S register stages, so ``out_valid``/``result``/``flags`` for the operation
presented in cycle t appear in cycle t+S (S=0: combinational, ``out_valid = in_valid``).
Synchronous reset clears the valid bits of the pipeline (operations in flight are dropped).
Contract (encodings, NaN, min/max/compare rules): :mod:`schw.fp16.contract`, docs/fp16_pe.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from amaranth.hdl import Cat, Const, Module, Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from ..params import Params, boolean, choice, int_range, param
from schw.registry import register
from .base import Unit

# Encodings (the contract lives in schw.fp16.contract; the tests check these agree with it).
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


class _Float:
    """Decoded floating-point operand (combinational views of a bit pattern)."""

    def __init__(self, bits, ebits: int, fbits: int, ftz: bool):
        self.sign = bits[ebits + fbits]
        self.exp = bits[fbits:fbits + ebits]
        self.frac = bits[:fbits]
        emax = (1 << ebits) - 1
        exp_zero = self.exp == 0
        self.inf = (self.exp == emax) & (self.frac == 0)
        self.nan = (self.exp == emax) & (self.frac != 0)
        self.snan = self.nan & ~self.frac[fbits - 1]
        if ftz:
            self.zero = exp_zero
            self.sig = Mux(exp_zero, 0, Cat(self.frac, Const(1, 1)))
            self.bits = Mux(exp_zero, Cat(Const(0, ebits + fbits), self.sign), bits)
        else:
            self.zero = exp_zero & (self.frac == 0)
            self.sig = Cat(self.frac, ~exp_zero)
            self.bits = bits
        self.exp_eff = Mux(exp_zero, 1, self.exp)  # subnormals share the exponent of 2^emin


def _lzc(v):
    """Leading-zero count of ``v`` (a log-depth tree); undefined when ``v`` is zero."""
    n = len(v)
    w = 1 << max(1, (n - 1).bit_length())
    x = Cat(Const(0, w - n), v)  # zero padding below the LSB keeps the count of a nonzero v

    def tree(x):
        if len(x) == 2:
            return ~x[1], ~(x[0] | x[1])
        h = len(x) // 2
        cl, zl = tree(x[:h])
        ch, zh = tree(x[h:])
        return Mux(zh, Cat(cl, Const(1, 1)), Cat(ch, Const(0, 1))), zh & zl

    return tree(x)[0]


def _round_up(rm, sign, lsb, rnd, sticky):
    """Round-increment decision for the five RISC-V modes."""
    return Mux(rm == RM_RNE, rnd & (sticky | lsb),
           Mux(rm == RM_RDN, (rnd | sticky) & sign,
           Mux(rm == RM_RUP, (rnd | sticky) & ~sign,
           Mux(rm == RM_RMM, rnd, 0))))


class _Pipe:
    """Register boundaries: ``cut(k, signals)`` registers every signal at boundary k if S uses it."""

    def __init__(self, m: Module, cuts):
        self.m = m
        self.cuts = set(cuts)

    def cut(self, k: int, valid, live: dict):
        if k not in self.cuts:
            return valid, live
        v = Signal(name=f"s{k}_valid")
        self.m.d.sync += v.eq(valid)
        out = {}
        for name, sig in live.items():
            reg = Signal.like(sig, name=f"s{k}_{name}", reset_less=True)
            self.m.d.sync += reg.eq(sig)
            out[name] = reg
        return v, out


class Fp16Pe(wiring.Component):
    """The FP16 PE. Parameters: a validated :class:`Fp16PeParams`.

    Attributes: ``in_valid``, ``op``, ``rm``, ``a``, ``b``, ``c`` (inputs); ``out_valid``,
    ``result``, ``flags`` (outputs). ``latency`` = S.
    """

    def __init__(self, p: Fp16PeParams):
        if not isinstance(p, Fp16PeParams):
            raise TypeError(f"Fp16Pe takes Fp16PeParams, got {type(p).__name__}")
        self.p = p
        self.latency = p.stages
        super().__init__({
            "in_valid": In(1),
            "op": In(3),
            "rm": In(3),
            "a": In(16),
            "b": In(16),
            "c": In(p.width),
            "out_valid": Out(1),
            "result": Out(p.width),
            "flags": Out(5),
        })

    def elaborate(self, platform):
        p = self.p
        E, M = FORMATS[p.acc]
        P = M + 1                      # result precision
        BIAS = (1 << (E - 1)) - 1
        WF = E + M + 1                 # result width
        L = P + 3                      # window bits below the product
        W = L + 22 + P + 3             # alignment window
        W1 = W + 1                     # sum width
        JMAX = W - P                   # addend LSB index when the addend sits at the window top
        inf_bits = ((1 << E) - 1) << M
        max_bits = inf_bits - 1
        nan_bits = NAN16 if p.acc == "fp16" else NAN32

        m = Module()
        pipe = _Pipe(m, CUTS[p.stages])

        # ---- phase 1: decode, special cases, comparisons, product, alignment amount ------------
        op, rm = self.op, self.rm
        is_mul = op == OP_MUL
        is_add = op == OP_ADD
        A = _Float(self.a, 5, 10, p.ftz)
        Bop = _Float(self.b, 5, 10, p.ftz)
        Bfma = _Float(Mux(is_add, 0x3C00, self.b), 5, 10, p.ftz)  # add = a*1.0 + c
        C = _Float(self.c, E, M, p.ftz)

        sp = A.sign ^ Bfma.sign
        c_zero = C.zero | is_mul          # mul = a*b + (zero with the product's sign)
        c_inf = C.inf & ~is_mul
        c_nan = C.nan & ~is_mul
        c_snan = C.snan & ~is_mul
        sc = Mux(is_mul, sp, C.sign)
        mc = Mux(c_zero, 0, C.sig)

        any_nan = A.nan | Bfma.nan | c_nan
        inf_zero = (A.inf & Bfma.zero) | (A.zero & Bfma.inf)
        p_inf = (A.inf | Bfma.inf) & ~inf_zero & ~A.nan & ~Bfma.nan
        inf_clash = p_inf & c_inf & (sp != sc)
        invalid = A.snan | Bfma.snan | c_snan | inf_zero | inf_clash
        nan_res = any_nan | inf_zero | inf_clash
        p_zero = A.zero | Bfma.zero
        zsign = Mux(sp == sc, sp, rm == RM_RDN)
        c_bits = Mux(is_mul, 0, C.bits)

        ar_special = Signal()
        ar_res = Signal(WF)
        ar_flags = Signal(5)
        with m.If(nan_res):
            m.d.comb += [ar_special.eq(1), ar_res.eq(nan_bits), ar_flags.eq(Mux(invalid, FLAG_NV, 0))]
        with m.Elif(p_inf):
            m.d.comb += [ar_special.eq(1), ar_res.eq(Cat(Const(inf_bits, WF - 1), sp))]
        with m.Elif(c_inf):
            m.d.comb += [ar_special.eq(1), ar_res.eq(c_bits)]
        with m.Elif(p_zero):
            m.d.comb += ar_special.eq(1)
            with m.If(c_zero):
                m.d.comb += ar_res.eq(Cat(Const(0, WF - 1), zsign))
            with m.Else():
                m.d.comb += ar_res.eq(c_bits)

        # comparisons and min/max on a and b (binary16)
        B = Bop
        mag_a, mag_b = A.bits[:15], B.bits[:15]
        both_zero = A.zero & B.zero
        less = Mux(A.sign != B.sign, A.sign, Mux(A.sign, mag_a > mag_b, mag_a < mag_b))  # -0 < +0
        equal = ((A.sign == B.sign) & (mag_a == mag_b)) | both_zero
        ab_nan = A.nan | B.nan
        ab_snan = A.snan | B.snan
        lt = ~ab_nan & ~both_zero & less
        eq = ~ab_nan & equal
        mn = Mux(A.nan & B.nan, NAN16, Mux(A.nan, B.bits, Mux(B.nan, A.bits, Mux(less, A.bits, B.bits))))
        mx = Mux(A.nan & B.nan, NAN16, Mux(A.nan, B.bits, Mux(B.nan, A.bits, Mux(less, B.bits, A.bits))))
        cmp_res = Signal(16)
        cmp_flags = Signal(5)
        with m.Switch(op):
            with m.Case(OP_MIN):
                m.d.comb += [cmp_res.eq(mn), cmp_flags.eq(Mux(ab_snan, FLAG_NV, 0))]
            with m.Case(OP_MAX):
                m.d.comb += [cmp_res.eq(mx), cmp_flags.eq(Mux(ab_snan, FLAG_NV, 0))]
            with m.Case(OP_LT):
                m.d.comb += [cmp_res.eq(lt), cmp_flags.eq(Mux(ab_nan, FLAG_NV, 0))]
            with m.Case(OP_LE):
                m.d.comb += [cmp_res.eq(lt | eq), cmp_flags.eq(Mux(ab_nan, FLAG_NV, 0))]
            with m.Case(OP_EQ):
                m.d.comb += [cmp_res.eq(eq), cmp_flags.eq(Mux(ab_snan, FLAG_NV, 0))]

        is_cmp = op >= OP_MIN
        special = is_cmp | ar_special
        spec_res = Mux(is_cmp, cmp_res, ar_res)
        spec_flags = Mux(is_cmp, cmp_flags, ar_flags)

        prod = A.sig * Bfma.sig                           # 22 bits, exact
        pe_b = A.exp_eff + Bfma.exp_eff                   # product LSB weight 2^(pe_b - 50)
        ec = Mux(c_zero, 1, C.exp_eff)
        # addend right-shift from the window top: jmax - j with j = ec - pe_b + 54 - BIAS
        rc_raw = pe_b - ec + (JMAX - 54 + BIAS)
        clamp_p = (rc_raw < 0) & ~c_zero                 # addend far above: product -> sticky
        rc = Signal(range(W + 1))
        m.d.comb += rc.eq(Mux(rc_raw < 0, 0, Mux(rc_raw > W, W, rc_raw)))
        # window weight: normally set by the product; with the addend clamped at the top, by the addend
        pe_w = Signal(range(256))
        m.d.comb += pe_w.eq(Mux(clamp_p, ec - (JMAX - 54 + BIAS), pe_b))

        valid, live = pipe.cut(1, self.in_valid, dict(
            rm=rm, special=special, spec_res=spec_res, spec_flags=spec_flags,
            sp=sp, sc=sc, mc=mc, prod=prod, pe_b=pe_w, rc=rc, clamp_p=clamp_p))

        # ---- phase 2: align the addend, add or subtract ---------------------------------------
        ctop = Cat(Const(0, P + JMAX), live["mc"])       # addend at the window top, P extra bits below
        y = (ctop >> live["rc"])[:W + P]
        c_sticky = y[:P].any()
        cw = Cat(y[P] | c_sticky, y[P + 1:W + P])
        pw = Mux(live["clamp_p"], 1, Cat(Const(0, L), live["prod"]))
        sub = live["sp"] ^ live["sc"]
        total = Signal(W1)
        diff = Signal(W1 + 1)
        m.d.comb += [total.eq(pw + cw), diff.eq(pw - cw)]
        neg = diff[W1]
        mag = Signal(W1)
        m.d.comb += mag.eq(Mux(sub, Mux(neg, -diff, diff)[:W1], total))
        sign = Mux(sub & neg, live["sc"], live["sp"])

        valid, live = pipe.cut(2, valid, dict(
            rm=live["rm"], special=live["special"], spec_res=live["spec_res"], spec_flags=live["spec_flags"],
            mag=mag, sign=sign, pe_b=live["pe_b"]))

        # ---- phase 3: leading-zero count and normalisation --------------------------------------
        mag = live["mag"]
        lz = _lzc(mag)
        lim = live["pe_b"] + (W1 + BIAS - 52 - L)          # shift that lands on 2^emin
        shl = Signal(range(W1 + 1))
        m.d.comb += shl.eq(Mux(lz < lim, lz, lim))
        norm = Signal(W1)
        m.d.comb += norm.eq(mag << shl)
        e1 = Signal(10)                                    # biased exponent - 1 of the leading bit
        m.d.comb += e1.eq(live["pe_b"] + (W1 - 52 - L + BIAS) - shl)
        is_zero = mag == 0

        valid, live = pipe.cut(3, valid, dict(
            rm=live["rm"], special=live["special"], spec_res=live["spec_res"], spec_flags=live["spec_flags"],
            norm=norm, e1=e1, sign=live["sign"], is_zero=is_zero))

        # ---- phase 4: round, tininess, overflow, pack -------------------------------------------
        rm, sign, norm = live["rm"], live["sign"], live["norm"]
        T = W1 - 1
        mant = norm[T - M:]                                  # P bits with the leading one
        rnd = norm[T - P]
        sticky = norm[:T - P].any()
        inc = _round_up(rm, sign, mant[0], rnd, sticky)
        packed = Signal(E + M + 3)
        m.d.comb += packed.eq((live["e1"] << M) + mant + inc)
        overflow = packed >= inf_bits
        inexact = rnd | sticky
        # tininess after rounding: below 2^emin unless one binade below and rounding to P bits carries
        carry_p = norm[T - P:T].all() & _round_up(rm, sign, 1, norm[T - P - 1], norm[:T - P - 1].any())
        tiny = ~norm[T] & ~(norm[T - 1] & carry_p)
        to_inf = (rm == RM_RNE) | (rm == RM_RMM) | ((rm == RM_RUP) & ~sign) | ((rm == RM_RDN) & sign)
        fin_res = Signal(WF)
        fin_flags = Signal(5)
        with m.If(live["is_zero"]):
            m.d.comb += fin_res.eq(Cat(Const(0, WF - 1), rm == RM_RDN))
        with m.Elif(overflow):
            m.d.comb += [fin_res.eq(Cat(Mux(to_inf, inf_bits, max_bits)[:WF - 1], sign)),
                         fin_flags.eq(FLAG_OF | FLAG_NX)]
        if p.ftz:  # flush: a tiny nonzero result becomes a signed zero with uf|nx
            with m.Elif(tiny):
                m.d.comb += [fin_res.eq(Cat(Const(0, WF - 1), sign)), fin_flags.eq(FLAG_UF | FLAG_NX)]
        with m.Else():
            m.d.comb += [fin_res.eq(Cat(packed[:WF - 1], sign)),
                         fin_flags.eq(Cat(inexact, tiny & inexact))]

        res = Mux(live["special"], live["spec_res"], fin_res)
        flg = Mux(live["special"], live["spec_flags"], fin_flags)
        valid, live = pipe.cut(4, valid, dict(res=res, flg=flg))
        m.d.comb += [self.out_valid.eq(valid), self.result.eq(live["res"]), self.flags.eq(live["flg"])]
        if p.stages == 0:  # keep clk/rst on the ports of the combinational variant (the contract)
            tie = Signal(name="unused_sync")
            m.d.sync += tie.eq(tie)
        return m


def _golden(p: Fp16PeParams, inputs: dict) -> dict[str, np.ndarray]:
    from ..fp16.golden import evaluate
    res, flg = evaluate(inputs["op"], inputs["rm"], inputs["a"], inputs["b"], inputs["c"], acc=p.acc, ftz=p.ftz)
    return {"result": res.astype(np.int64), "flags": flg.astype(np.int64)}


@register
class Fp16PeUnit(Unit):
    name = "fp16-pe"
    Params = Fp16PeParams
    summary = "IEEE binary16 PE: fma/mul/add (fp16 or fp32 accumulation), min/max, lt/le/eq; all RISC-V modes and flags"
    testbench = "tb_fp16"
    #: random vectors of a Verilator regression (Icarus: a 20,000-vector sample); see
    #: schw.sim.fp16_fast.DEFAULT_COUNT, which the regression hook below uses
    default_vectors = 1_000_000

    def component(self, p):
        return Fp16Pe(p)

    def latency_cycles(self, p):
        return p.stages

    def manifest_extra(self, p):
        from ..fp16.contract import contract_dict
        return {
            "interface": {
                "in_valid": "operation presented this cycle (one per cycle, no stalls)",
                "out_valid": "result and flags valid; high latency_cycles cycles after in_valid "
                             "(combinational when latency_cycles = 0)",
                "reset": "synchronous rst drops the operations in flight (out_valid low until new ones arrive)",
                "throughput": "one operation per cycle, no stalls, op and rm may change every cycle",
            },
            "pipeline_registers": [BOUNDARIES[k] for k in CUTS[p.stages]],
            **contract_dict(p.acc, p.ftz),
        }

    def vectors(self, p, seed, count):
        from ..fp16.vectors import generate
        v = generate(seed, count, acc=p.acc)
        return {k: np.asarray(v[k], dtype=np.int64) for k in ("op", "rm", "a", "b", "c")}

    def golden(self, p, inputs):
        return _golden(p, inputs)

    def regression(self, p, sim, *, rtl=None, top=None, seed=1, count=None, keep=None, full=False):
        """``schw sim|verify fp16-pe``: the fast path (10^6 vectors on Verilator) plus the cocotb
        pipeline run; see :func:`schw.sim.fp16_fast.full_regression`. ``full=True``: the
        exhaustive RNE mul and add instead (2 x 2^32 vectors, hours; acc fp16)."""
        from schw.sim import fp16_fast
        if full:
            return fp16_fast.exhaustive_both(p, sim, rtl=rtl, top=top)
        return fp16_fast.full_regression(self, p, sim, rtl=rtl, top=top, seed=seed, count=count, keep=keep)

    def testbench_config(self, p):
        return {"latency_cycles": p.stages, "bubbles": 0.2, "width": p.width}
