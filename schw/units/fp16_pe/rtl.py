"""fp16-pe gateware: the :class:`Fp16Pe` Amaranth component (the datapath is described in the
package docstring, the contract in :mod:`schw.units.fp16_pe.contract` and docs/fp16_pe.md)."""

from __future__ import annotations

from amaranth.hdl import Cat, Const, Module, Mux, Signal, signed
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from schw.hdl import lzc, round_up

from .approx_rtl import ApproxFunction, Exp2Tail, ExpMod, ev_width, round_pack, value_width
from .params import (BINARY16, CUTS, FLAG_NV, FLAG_NX, FLAG_OF, FLAG_UF, FORMATS, NAN16, NAN32, OP_ADD, OP_BOOL,
                     OP_EQ, OP_EXP2, OP_EXPMOD, OP_LE, OP_LOG2, OP_LT, OP_MAX, OP_MIN, OP_MUL, OP_RECIP, OP_RSQRT,
                     OP_TERNARY, OP_XNOR, RM_RDN, RM_RMM, RM_RNE, RM_RUP, Fp16PeParams)
from .tables import default_config


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


def _popcount(v):
    """Number of ones in ``v`` (an adder tree)."""
    bits = [v[i] for i in range(len(v))]
    while len(bits) > 1:
        bits = [bits[i] + bits[i + 1] if i + 1 < len(bits) else bits[i] for i in range(0, len(bits), 2)]
    return bits[0]


def _ext_ops(m: Module, p: Fp16PeParams, op, rm, a, b, c):
    """The optional ops (--ops) and the left-out codes in phase 1: (is_ext, result, flags, rnd).
    is_ext is high for every code not served by the FMA (fma, mul, add, ternary) or the compare
    path (min, max, lt, le, eq when generated). The rounding ops (recip, rsqrt, exp2, log2,
    expmod) stop before rounding: ``rnd`` (None without them) holds the selected unit's value to
    round - use, sign, v, ev, sticky - which one shared rounder (:func:`_ext_round`) rounds in
    phase 3; while ``use`` is 0 the result is ``result``/``flags`` (special cases, other ops)."""
    w = p.width
    is_ext = Signal(name="ext_sel")
    res = Signal(w, name="ext_res")
    flg = Signal(5, name="ext_flags")
    units = {}
    for name, code in (("recip", OP_RECIP), ("rsqrt", OP_RSQRT), ("exp2", OP_EXP2), ("log2", OP_LOG2)):
        if name in p.op_set:
            u = m.submodules[f"op_{name}"] = ApproxFunction(default_config(name, BINARY16),
                                                            scalable=name in ("exp2", "log2"), ftz=p.ftz,
                                                            split=True, defer_poly=name == "exp2")
            m.d.comb += [u.x.eq(a), u.rm.eq(rm)]
            if u.scalable:  # b[0] = 1: e^a / ln a
                m.d.comb += u.scale.eq(b[0])
            units[code] = u
    if "expmod" in p.op_set:
        u = m.submodules.op_expmod = ExpMod(BINARY16, 16, ftz=p.ftz, split=True)
        m.d.comb += [u.x.eq(a), u.k.eq(b), u.rm.eq(rm)]
        units[OP_EXPMOD] = u
    rnd = None
    if units:
        # exp2: the value its tail makes later; its reduced argument travels in the same fields
        # (fr in v, nint in ev, its sticky in sticky)
        vbits = max(max(value_width(u.cfg), len(u.e2_fr)) if c == OP_EXP2 else len(u.r_v) for c, u in units.items())
        rnd = {"use": Signal(name="ext_rnd_use"), "sign": Signal(name="ext_rnd_sign"),
               "v": Signal(vbits, name="ext_rnd_v"), "ev": Signal(signed(ev_width(BINARY16)), name="ext_rnd_ev"),
               "sticky": Signal(name="ext_rnd_sticky")}
        if OP_EXP2 in units:
            rnd["e2"] = Signal(name="ext_rnd_e2")
    served = {0, 1, 2} | ({OP_TERNARY} if "ternary" in p.op_set else set())
    served |= {OP_MIN, OP_MAX} if "minmax" in p.op_set else set()
    served |= {OP_LT, OP_LE, OP_EQ} if "cmp" in p.op_set else set()
    if "ternary_i8" in p.op_set:  # ternary with rm 5..7: c + w0*a[7:0] + w1*a[15:8], int8 lanes, exact
        lanes = []
        for k in range(2):
            x = a[8 * k:8 * k + 8].as_signed()
            t = Signal(signed(10), name=f"ti8_t{k}")
            m.d.comb += t.eq(Mux(b[2 * k], Mux(b[2 * k + 1], -x, x), 0))
            lanes.append(t)
        ti8 = Signal(w, name="ti8_sum")
        m.d.comb += ti8.eq(c + lanes[0] + lanes[1])
        with m.If((op == OP_TERNARY) & rm[2] & (rm[:2] != 0)):
            m.d.comb += [is_ext.eq(1), res.eq(ti8)]
    with m.Switch(op):
        for code in range(16):
            if code in served:
                continue
            with m.Case(code):
                m.d.comb += is_ext.eq(1)
                if code == OP_EXP2 and code in units:
                    u = units[code]
                    m.d.comb += [res.eq(u.result), flg.eq(u.flags), rnd["use"].eq(u.r_use),
                                 rnd["sign"].eq(u.r_sign), rnd["v"].eq(u.e2_fr), rnd["ev"].eq(u.e2_nint),
                                 rnd["sticky"].eq(u.e2_stx), rnd["e2"].eq(1)]
                elif code in units:
                    u = units[code]
                    m.d.comb += [res.eq(u.result), flg.eq(u.flags), rnd["use"].eq(u.r_use),
                                 rnd["sign"].eq(u.r_sign), rnd["v"].eq(u.r_v), rnd["ev"].eq(u.r_ev),
                                 rnd["sticky"].eq(u.r_sticky)]
                elif code == OP_XNOR and "xnor" in p.op_set:
                    m.d.comb += res.eq(c + _popcount(~(a ^ b)))
                elif code == OP_BOOL and "bool" in p.op_set:
                    with m.Switch(rm[:2]):
                        with m.Case(0):
                            m.d.comb += res.eq(a & b)
                        with m.Case(1):
                            m.d.comb += res.eq(a | b)
                        with m.Case(2):
                            m.d.comb += res.eq(a ^ b)
                        with m.Case(3):
                            m.d.comb += res.eq(~a)
                else:  # not generated
                    m.d.comb += flg.eq(FLAG_NV)
    return is_ext, res, flg, rnd


def _exp2_tail(m: Module, rnd: dict) -> dict:
    """exp2's table polynomial (:class:`Exp2Tail`) on the reduced argument carried in the rnd
    fields while ``rnd_e2`` is set: the rnd fields with exp2's value to round in them (no rnd_e2)."""
    t = m.submodules.op_exp2_tail = Exp2Tail(default_config("exp2", BINARY16))
    v = rnd["rnd_v"]
    m.d.comb += [t.e2_fr.eq(v[:len(t.e2_fr)]), t.e2_nint.eq(rnd["rnd_ev"]), t.e2_stx.eq(rnd["rnd_sticky"])]
    e2 = rnd["rnd_e2"]
    out = {k: x for k, x in rnd.items() if k != "rnd_e2"}
    out["rnd_v"] = Signal(len(v), name="ext_rnd_v_e2")
    out["rnd_ev"] = Signal(signed(ev_width(BINARY16)), name="ext_rnd_ev_e2")
    out["rnd_sticky"] = Signal(name="ext_rnd_sticky_e2")
    m.d.comb += [out["rnd_v"].eq(Mux(e2, t.r_v, v)), out["rnd_ev"].eq(Mux(e2, t.r_ev, rnd["rnd_ev"])),
                 out["rnd_sticky"].eq(Mux(e2, t.r_sticky, rnd["rnd_sticky"]))]
    return out


def _ext_round(m: Module, p: Fp16PeParams, rm, live: dict):
    """Phase 3: the one rounder of the rounding optional ops (binary16, the PE's ftz); returns
    (result, flags) with the rounded value where ``rnd_use`` is set, else the special result."""
    bits, flags = round_pack(m, BINARY16, live["rnd_sign"], live["rnd_v"], live["rnd_ev"], live["rnd_sticky"], rm,
                             ftz=p.ftz, name="ext_rp")
    use = live["rnd_use"]
    return Mux(use, bits, live["spec_res"]), Mux(use, flags, live["spec_flags"])


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
            "op": In(p.op_width),
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
        b_fma = self.b
        if "ternary" in p.op_set:  # ternary = fma(a, w, c), w = +1.0 / -1.0 / +0.0 from b[1:0]
            b_fma = Mux(op == OP_TERNARY, Mux(self.b[0], Mux(self.b[1], 0xBC00, 0x3C00), 0), self.b)
        Bfma = _Float(Mux(is_add, 0x3C00, b_fma), 5, 10, p.ftz)  # add = a*1.0 + c
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
        minmax = not p.extended or "minmax" in p.op_set   # left-out groups: no logic at all
        cmps = not p.extended or "cmp" in p.op_set
        with m.Switch(op):
            if minmax:
                with m.Case(OP_MIN):
                    m.d.comb += [cmp_res.eq(mn), cmp_flags.eq(Mux(ab_snan, FLAG_NV, 0))]
                with m.Case(OP_MAX):
                    m.d.comb += [cmp_res.eq(mx), cmp_flags.eq(Mux(ab_snan, FLAG_NV, 0))]
            if cmps:
                with m.Case(OP_LT):
                    m.d.comb += [cmp_res.eq(lt), cmp_flags.eq(Mux(ab_nan, FLAG_NV, 0))]
                with m.Case(OP_LE):
                    m.d.comb += [cmp_res.eq(lt | eq), cmp_flags.eq(Mux(ab_nan, FLAG_NV, 0))]
                with m.Case(OP_EQ):
                    m.d.comb += [cmp_res.eq(eq), cmp_flags.eq(Mux(ab_snan, FLAG_NV, 0))]

        rnd = {}
        if p.extended:
            is_cmp = (op >= (OP_MIN if minmax else OP_LT)) & (op <= (OP_EQ if cmps else OP_MAX))
            is_ext, ext_res, ext_flags, ext_rnd = _ext_ops(m, p, op, rm, self.a, self.b, self.c)
            if ext_rnd is not None:  # the value to round travels to phase 3 (one rounder there)
                rnd = {f"rnd_{k}": v for k, v in ext_rnd.items()}
            special = is_ext | is_cmp | ar_special
            spec_res = Mux(is_ext, ext_res, Mux(is_cmp, cmp_res, ar_res))
            spec_flags = Mux(is_ext, ext_flags, Mux(is_cmp, cmp_flags, ar_flags))
        else:
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
            sp=sp, sc=sc, mc=mc, prod=prod, pe_b=pe_w, rc=rc, clamp_p=clamp_p, **rnd))
        rnd = {k: live[k] for k in rnd}
        # exp2's table polynomial: right after the first register boundary (S = 3, 4: here, phase 2;
        # S = 2: phase 3, with the rounder), so phase 1 holds only its argument reduction
        if "rnd_e2" in rnd and 1 in CUTS[p.stages]:
            rnd = _exp2_tail(m, rnd)

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
            mag=mag, sign=sign, pe_b=live["pe_b"], **rnd))

        # ---- phase 3: leading-zero count and normalisation --------------------------------------
        # (and the rounding of the optional ops' values, when there are any)
        spec_res, spec_flags = live["spec_res"], live["spec_flags"]
        if rnd:
            if "rnd_e2" in live:
                live = {**live, **_exp2_tail(m, {k: live[k] for k in rnd})}
            spec_res, spec_flags = _ext_round(m, p, live["rm"], live)
        mag = live["mag"]
        lz = lzc(mag)
        lim = live["pe_b"] + (W1 + BIAS - 52 - L)          # shift that lands on 2^emin
        shl = Signal(range(W1 + 1))
        m.d.comb += shl.eq(Mux(lz < lim, lz, lim))
        norm = Signal(W1)
        m.d.comb += norm.eq(mag << shl)
        e1 = Signal(10)                                    # biased exponent - 1 of the leading bit
        m.d.comb += e1.eq(live["pe_b"] + (W1 - 52 - L + BIAS) - shl)
        is_zero = mag == 0

        valid, live = pipe.cut(3, valid, dict(
            rm=live["rm"], special=live["special"], spec_res=spec_res, spec_flags=spec_flags,
            norm=norm, e1=e1, sign=live["sign"], is_zero=is_zero))

        # ---- phase 4: round, tininess, overflow, pack -------------------------------------------
        rm, sign, norm = live["rm"], live["sign"], live["norm"]
        T = W1 - 1
        mant = norm[T - M:]                                  # P bits with the leading one
        rnd = norm[T - P]
        sticky = norm[:T - P].any()
        inc = round_up(rm, sign, mant[0], rnd, sticky)
        packed = Signal(E + M + 3)
        m.d.comb += packed.eq((live["e1"] << M) + mant + inc)
        overflow = packed >= inf_bits
        inexact = rnd | sticky
        # tininess after rounding: below 2^emin unless one binade below and rounding to P bits carries
        carry_p = norm[T - P:T].all() & round_up(rm, sign, 1, norm[T - P - 1], norm[:T - P - 1].any())
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
