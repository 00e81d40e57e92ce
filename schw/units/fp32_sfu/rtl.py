"""fp32-sfu gateware: :class:`Fp32Sfu` (binary16 <-> binary32 conversions and exponent modify).

The datapath (docs/fp32_sfu.md): decode the operand (binary16 for ``f16_to_f32``, else binary32)
to a 24-bit significand normalised by one leading-zero count and left shift, and an exponent
with unbounded range; add ``k`` for ``scale``; round to the target format (binary16 for
``f32_to_f16``, else binary32) with a right shift by the dropped bits plus the subnormal
distance, a round bit and a sticky bit; add the increment into the packed exponent/fraction word
(a carry out of the fraction bumps the exponent, a subnormal that rounds up becomes the smallest
normal); overflow, tininess after rounding and the specials last. The golden model in
``golden`` is written independently (it reuses fp16-pe's integer rounder).
"""

from __future__ import annotations

from amaranth.hdl import Cat, Const, Module, Mux, Signal, signed
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from schw.units.fp16_pe.approx_rtl import ApproxFunction

from .params import APPROX, K_WIDTH, NAN16, NAN32, OP_WIDTH, OPS, RM_WIDTH, Fp32SfuParams, approx_config

_RNE, _RTZ, _RDN, _RUP, _RMM = range(5)
_EW = 12  # signed exponent width: unbounded exponents lie in -661..638


def _lzc24(m: Module, v):
    """Leading-zero count of the 24-bit ``v`` (a priority encoder; 24 for v = 0)."""
    lz = Signal(5)
    m.d.comb += lz.eq(24)
    for i in range(24):  # ascending: the highest set bit's assignment wins
        with m.If(v[i]):
            m.d.comb += lz.eq(23 - i)
    return lz


def _increment(rm, sign, lsb, rnd, sticky):
    """Round-up decision of the five RISC-V modes (rm 5..7: none, as rtz)."""
    return Mux(rm == _RNE, rnd & (sticky | lsb),
               Mux(rm == _RDN, (rnd | sticky) & sign,
                   Mux(rm == _RUP, (rnd | sticky) & ~sign,
                       Mux(rm == _RMM, rnd, 0))))


class Fp32Sfu(wiring.Component):
    """The fp32-sfu. Parameters: a validated :class:`Fp32SfuParams`.

    Attributes: ``in_valid``, ``op``, ``rm``, ``a``, ``k`` (inputs); ``out_valid``, ``result``,
    ``flags`` (outputs, ``p.stages`` cycles after the inputs).
    """

    def __init__(self, p: Fp32SfuParams):
        self.p = p
        super().__init__({"in_valid": In(1), "op": In(OP_WIDTH), "rm": In(RM_WIDTH), "a": In(32),
                          "k": In(K_WIDTH), "out_valid": Out(1), "result": Out(32), "flags": Out(5)})

    def elaborate(self, platform):
        p, m = self.p, Module()
        ops = p.op_set
        # ---- optional input registers (S = 2)
        if p.stages >= 2:
            valid, op, rm, a, k = (Signal.like(s, name=f"{s.name}_r") for s in
                                   (self.in_valid, self.op, self.rm, self.a, self.k))
            m.d.sync += [valid.eq(self.in_valid), op.eq(self.op), rm.eq(self.rm), a.eq(self.a), k.eq(self.k)]
        else:
            valid, op, rm, a, k = self.in_valid, self.op, self.rm, self.a, self.k

        in16 = (op == OPS["f16_to_f32"]) if "f16_to_f32" in ops else Const(0, 1)
        out16 = (op == OPS["f32_to_f16"]) if "f32_to_f16" in ops else Const(0, 1)
        scale = (op == OPS["scale"]) if "scale" in ops else Const(0, 1)
        known = Const(0, 1)
        for name in ops:
            known = known | (op == OPS[name])

        # ---- decode to sign, 24-bit raw significand, exponent field facts
        sign = Mux(in16, a[15], a[31])
        ef16, fr16 = a[10:15], a[0:10]
        ef32, fr32 = a[23:31], a[0:23]
        emax_code = Mux(in16, ef16 == 0x1F, ef32 == 0xFF)
        e_zero = Mux(in16, ef16 == 0, ef32 == 0)
        frac_nz = Mux(in16, fr16 != 0, fr32 != 0)
        quiet = Mux(in16, a[9], a[22])
        is_nan = emax_code & frac_nz
        is_snan = is_nan & ~quiet
        is_inf = emax_code & ~frac_nz
        is_zero = e_zero & ~frac_nz
        raw = Signal(24)
        m.d.comb += raw.eq(Mux(in16, Cat(Const(0, 13), fr16, ~e_zero), Cat(fr32, ~e_zero)))
        lz = _lzc24(m, raw)
        sig = Signal(24)
        m.d.comb += sig.eq(raw << lz)
        # unbiased exponent of the leading one (normal: field - bias; subnormal: emin - lz)
        e_in = Signal(signed(_EW))
        m.d.comb += e_in.eq(Mux(in16, Mux(e_zero, -14, ef16 - 15),
                                Mux(e_zero, -126, ef32 - 127)) - lz)
        exp = Signal(signed(_EW))
        m.d.comb += exp.eq(e_in + Mux(scale, k.as_signed(), 0))

        # ---- round to the target format (p = 11 for binary16, 24 for binary32)
        emin = Mux(out16, -14, -126)
        emax = Mux(out16, 15, 127)
        drop = Mux(out16, 13, 0)
        dist = Signal(signed(_EW + 1))
        m.d.comb += dist.eq(emin - exp)
        sub = dist > 0
        dcl = Signal(5)
        m.d.comb += dcl.eq(Mux(sub, Mux(dist > 26, 26, dist[:5]), 0))
        sh = Signal(6)
        m.d.comb += sh.eq(drop + dcl)
        wide = Signal(64)
        m.d.comb += wide.eq(Cat(Const(0, 40), sig) >> sh)
        kept = wide[40:64]
        rnd = wide[39]
        sticky = wide[0:39] != 0
        inc = _increment(rm, sign, kept[0], rnd, sticky)
        inexact = rnd | sticky
        base = Signal(_EW)  # biased exponent field minus one (normal), 0 (subnormal)
        m.d.comb += base.eq(Mux(sub, 0, exp + Mux(out16, 15, 127) - 1))
        packed = Signal(36)
        m.d.comb += packed.eq(Mux(out16, base << 10, base << 23) + kept + inc)
        inf_word = Mux(out16, 0x1F << 10, 0xFF << 23)
        overflow = (exp > emax) | (packed >= inf_word)
        # tininess after rounding: below 2^emin unless 2^(emin-1) <= |x| rounds up to 2^emin at
        # precision p (only binary16 results can: a binary32 significand fits binary32 exactly)
        top16 = sig[13:24] == 0x7FF
        carry_u = out16 & top16 & _increment(rm, sign, 1, sig[12], sig[0:12] != 0)
        tiny = sub & ~((dist == 1) & carry_u)
        to_inf = (rm == _RNE) | (rm == _RMM) | ((rm == _RUP) & ~sign) | ((rm == _RDN) & sign)
        big = Mux(to_inf, inf_word, inf_word - 1)
        sbit = Mux(out16, sign << 15, sign << 31)

        # ---- the approximate functions: fp16-pe's format-generic gateware at binary32, one each
        fns = []
        for fn in APPROX:
            if fn in ops:
                u = ApproxFunction(approx_config(fn))
                m.submodules[fn] = u
                m.d.comb += [u.x.eq(a), u.rm.eq(rm)]
                fns.append((OPS[fn], u))

        result = Signal(32)
        flags = Signal(5)
        with m.If(~known):
            m.d.comb += [result.eq(0), flags.eq(0)]
        for code, u in fns:
            with m.Elif(op == code):
                m.d.comb += [result.eq(u.result), flags.eq(u.flags)]
        with m.Elif(is_nan):
            m.d.comb += [result.eq(Mux(out16, NAN16, NAN32)), flags.eq(Mux(is_snan, 0x10, 0))]
        with m.Elif(is_inf):
            m.d.comb += [result.eq(sbit | inf_word), flags.eq(0)]
        with m.Elif(is_zero):
            m.d.comb += [result.eq(sbit), flags.eq(0)]
        with m.Elif(overflow):
            m.d.comb += [result.eq(sbit | big), flags.eq(0b00101)]
        with m.Else():
            m.d.comb += [result.eq(sbit | packed), flags.eq(Cat(inexact, tiny & inexact))]

        # ---- output registers (S >= 1)
        if p.stages >= 1:
            m.d.sync += [self.out_valid.eq(valid), self.result.eq(result), self.flags.eq(flags)]
        else:
            m.d.comb += [self.out_valid.eq(valid), self.result.eq(result), self.flags.eq(flags)]
            tie = Signal(name="unused_sync")  # keeps clk and rst ports at S = 0 (one interface for every S)
            m.d.sync += tie.eq(tie)
        return m
