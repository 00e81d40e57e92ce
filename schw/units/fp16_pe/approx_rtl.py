"""Gateware of the approximate functions and of exponent modify, any binary format (Amaranth).

Combinational components, bit-exact to the golden models in :mod:`.approx` (same coefficient
tables, :mod:`.tables`); fp16-pe instantiates them for binary16 (``--ops recip,rsqrt,exp2,log2,
expmod``) and the fp32-sfu family reuses them for binary32.

* :class:`ApproxFunction` ``(cfg)`` - ports ``x`` (in, ``fmt.width``), ``rm`` (in, 3),
  ``result`` (out, ``fmt.width``), ``flags`` (out, 5): recip, rsqrt, exp2 or log2 per an
  :class:`~.tables.ApproxConfig`.
* :class:`ExpMod` ``(fmt, kbits, ftz=False)`` - ports ``x``, ``k`` (in, ``kbits``, two's
  complement), ``rm``, ``result``, ``flags``: x * 2^k with one correct rounding.
* Building blocks for other datapaths: :func:`decode`, :func:`lzc`, :func:`round_pack`,
  :func:`poly` (``m`` is the :class:`~amaranth.hdl.Module` the logic goes into).

Rounding modes are RISC-V's (rm 0..4 = rne, rtz, rdn, rup, rmm; 5..7 round like rtz), flags
bit 0..4 = nx, uf, of, dz, nv. The contract is in :mod:`.approx`'s docstring and docs/fp16_pe.md.
"""

from __future__ import annotations

from amaranth.hdl import Array, Cat, Const, Module, Mux, Signal, signed
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from schw.hdl import lzc, round_up

from .params import FloatFormat
from .tables import ApproxConfig, coefficients, scale_constants

RNE, RTZ, RDN, RUP, RMM = range(5)
NX, UF, OF, DZ, NV = (1 << i for i in range(5))


def _exp_shape(fmt: FloatFormat):
    return signed(fmt.ebits + fmt.mbits.bit_length() + 3)


class Decoded:
    """Combinational views of a bit pattern: ``sign``, ``zero``, ``inf``, ``nan``, ``snan``,
    ``sig`` (p bits, leading one at p - 1 for every finite nonzero value: subnormals normalised),
    ``frac`` (= sig without the leading one) and ``exp`` (signed: |x| = sig * 2^(exp - mbits))."""


def decode(m: Module, x, fmt: FloatFormat, name: str = "x", ftz: bool = False) -> Decoded:
    M = fmt.mbits
    d = Decoded()
    d.sign = x[fmt.width - 1]
    e = x[M:M + fmt.ebits]
    f = x[:M]
    e_zero = e == 0
    d.inf = (e == fmt.emask) & (f == 0)
    d.nan = (e == fmt.emask) & (f != 0)
    d.snan = d.nan & ~f[M - 1]
    d.zero = e_zero if ftz else e_zero & (f == 0)
    lz = Signal(range(M + 2), name=f"{name}_lz")
    m.d.comb += lz.eq(lzc(f))
    d.sig = Signal(fmt.p, name=f"{name}_sig")
    d.exp = Signal(_exp_shape(fmt), name=f"{name}_exp")
    with m.If(e_zero):
        m.d.comb += [d.sig.eq(f << (lz + 1)), d.exp.eq(fmt.emin - 1 - lz)]
    with m.Else():
        m.d.comb += [d.sig.eq(Cat(f, Const(1, 1))), d.exp.eq(e - fmt.bias)]
    d.frac = d.sig[:M]
    return d


def round_pack(m: Module, fmt: FloatFormat, sign, v, ev, sticky, rm, ftz: bool = False, name: str = "rp"):
    """Round (-1)^sign * (v + sticky*epsilon) * 2^ev to ``fmt`` (``v`` unsigned, nonzero;
    ``ev`` signed): returns ``(bits, flags)`` signals. Mirrors :func:`.approx.round_pack`."""
    M, p = fmt.mbits, fmt.p
    WV = len(v)
    lz = Signal(range(WV + 1), name=f"{name}_lz")
    m.d.comb += lz.eq(lzc(v))
    n = Signal(WV, name=f"{name}_norm")
    m.d.comb += n.eq(v << lz)
    eshape = signed(max(len(ev), WV.bit_length() + 2) + 2)
    lead = Signal(eshape, name=f"{name}_lead")
    m.d.comb += lead.eq(ev + (WV - 1) - lz)
    # the top p+1 bits (significand and round bit) and a sticky of everything below
    if WV >= p + 1:
        top = n[WV - p - 1:]
        st0 = n[:WV - p - 1].any() | sticky if WV > p + 1 else sticky
    else:
        top = Cat(Const(0, p + 1 - WV), n)
        st0 = sticky
    y = Cat(st0, top)                                   # p + 2 bits: sticky, round, p significand
    carry_u = top[1:].all() & round_up(rm, sign, 1, top[0], st0)
    # subnormal: shift right by emin - lead (capped), shifted-out bits into the sticky
    dsh = Signal(eshape, name=f"{name}_dsh")
    m.d.comb += dsh.eq(fmt.emin - lead)
    sh = Signal(range(p + 3), name=f"{name}_sh")
    m.d.comb += sh.eq(Mux(dsh <= 0, 0, Mux(dsh > p + 2, p + 2, dsh)))
    wide = Signal(2 * (p + 2), name=f"{name}_wide")
    m.d.comb += wide.eq(Cat(Const(0, p + 2), y) >> sh)
    z = wide[p + 2:]
    sig = z[2:]
    rnd = z[1]
    st = z[0] | wide[:p + 2].any()
    inc = round_up(rm, sign, sig[0], rnd, st)
    tiny_e = lead < fmt.emin
    big = lead + fmt.bias >= fmt.emask
    e1 = Signal(fmt.ebits + 1, name=f"{name}_e1")
    m.d.comb += e1.eq(Mux(big, fmt.emask, Mux(tiny_e, 0, lead + (fmt.bias - 1))))
    packed = Signal(fmt.ebits + M + 2, name=f"{name}_packed")
    m.d.comb += packed.eq((e1 << M) + sig + inc)
    ovf = big | (packed >= fmt.inf)
    nx = rnd | st
    tiny = tiny_e & ~((lead == fmt.emin - 1) & carry_u)
    to_inf = (rm == RNE) | (rm == RMM) | ((rm == RUP) & ~sign) | ((rm == RDN) & sign)
    bits = Signal(fmt.width, name=f"{name}_bits")
    flags = Signal(5, name=f"{name}_flags")
    with m.If(ovf):
        m.d.comb += [bits.eq(Cat(Mux(to_inf, fmt.inf, fmt.max_finite)[:fmt.width - 1], sign)),
                     flags.eq(OF | NX)]
    if ftz:
        with m.Elif(tiny):
            m.d.comb += [bits.eq(Cat(Const(0, fmt.width - 1), sign)), flags.eq(UF | NX)]
    with m.Else():
        m.d.comb += [bits.eq(Cat(packed[:fmt.width - 1], sign)), flags.eq(Cat(nx, tiny & nx))]
    return bits, flags


def poly(m: Module, cfg: ApproxConfig, idx, d, name: str = "poly", base_e: bool = False):
    """The table polynomial (:func:`.tables.coefficients`) at segment ``idx``, offset ``d``:
    a signed signal, value * 2^q. Mirrors :func:`.approx.poly` (``base_e``: log2's ln table)."""
    cols = coefficients(cfg, base_e)
    D = cfg.dbits
    roms = []
    for j, col in enumerate(cols):
        w = max(abs(c) for c in col).bit_length() + 1
        rom = Array(Const(c, signed(w)) for c in col)
        sig = Signal(signed(w), name=f"{name}_c{j}")
        m.d.comb += sig.eq(rom[idx])
        roms.append(sig)
    acc = roms[1] * d
    if cfg.degree == 2:
        dd = Signal(D, name=f"{name}_dd")
        m.d.comb += dd.eq((d * d) >> D)
        acc = acc + roms[2] * dd
    out = Signal(signed(len(roms[0]) + 2), name=f"{name}_v")
    m.d.comb += out.eq(roms[0] + (acc >> D))
    return out


def ev_width(fmt: FloatFormat) -> int:
    """Width of a split unit's exponent port ``r_ev`` (signed): every exponent of a value to round
    in ``fmt`` fits (binary16: 9 bits, -256..255; the values need -98..69)."""
    return fmt.ebits + 4


def value_width(cfg: ApproxConfig) -> int:
    """Width of the fixed-point value ``v`` that :class:`ApproxFunction` rounds (its ``r_v`` port
    when split)."""
    fmt = cfg.fmt
    if cfg.fn == "log2":
        return _exp_shape(fmt).width + fmt.mbits + 1 + cfg.q + 1
    return cfg.q + 2


def split_ports(vbits: int, evbits: int) -> dict:
    """The extra output ports of a split unit: the value to round, (-1)^r_sign * (r_v + r_sticky *
    epsilon) * 2^r_ev, and r_use = 1 when the result is that value rounded (:func:`round_pack`;
    otherwise ``result``/``flags`` hold a special result)."""
    return {"r_use": Out(1), "r_sign": Out(1), "r_v": Out(vbits), "r_ev": Out(signed(evbits)),
            "r_sticky": Out(1)}


def exp2_tail(m: Module, cfg: ApproxConfig, fr, nint, stx, exact, sticky):
    """exp2 after argument reduction: 2^(fr/2^F) from the table, ``v`` and ``ev`` (value
    v * 2^ev); drives ``exact`` and ``sticky``."""
    D, q = cfg.dbits, cfg.q
    approx = poly(m, cfg, fr[D:], fr[:D])
    m.d.comb += exact.eq(fr == 0)
    v = Signal(q + 2, name="v")
    m.d.comb += [v.eq(Mux(exact, 1 << q, approx)), sticky.eq(Mux(exact, stx, 1))]
    return v, nint - q


def exp2_tail_ports(cfg: ApproxConfig, d) -> dict:
    """exp2's reduced argument: fraction ``e2_fr`` (F bits), integer part ``e2_nint``, sticky
    ``e2_stx``; direction ``d`` = Out for the producer (:class:`ApproxFunction` ``defer_poly``),
    In for :class:`Exp2Tail`."""
    return {"e2_fr": d(cfg.f), "e2_nint": d(signed(ev_width(cfg.fmt))), "e2_stx": d(1)}


class Exp2Tail(wiring.Component):
    """The rest of exp2 after :class:`ApproxFunction` with ``defer_poly``: ports ``e2_fr``,
    ``e2_nint``, ``e2_stx`` -> ``r_v``, ``r_ev``, ``r_sticky`` (the value to round, as a split
    unit's; sign 0)."""

    def __init__(self, cfg: ApproxConfig):
        self.cfg = cfg
        ports = exp2_tail_ports(cfg, In)
        out = split_ports(value_width(cfg), ev_width(cfg.fmt))
        ports.update({k: out[k] for k in ("r_v", "r_ev", "r_sticky")})
        super().__init__(ports)

    def elaborate(self, platform):
        m = Module()
        exact = Signal(name="exact")
        v, ev = exp2_tail(m, self.cfg, self.e2_fr, self.e2_nint, self.e2_stx, exact, self.r_sticky)
        m.d.comb += [self.r_v.eq(v), self.r_ev.eq(ev)]
        return m


class ApproxFunction(wiring.Component):
    """recip, rsqrt, exp2 or log2 (``cfg.fn``) in ``cfg.fmt``, combinational. Ports ``x``,
    ``rm`` -> ``result``, ``flags``. ``scalable`` (exp2, log2): one more input ``scale``; 1 = base
    e (e^x, ln x), as :func:`.approx.approx_eval`'s ``scale``. ``ftz``: subnormal x reads as zero,
    tiny results flush to zero with uf|nx (:func:`.approx.approx_eval`'s ``ftz``). ``split``: no
    rounder; the value to round comes out on the :func:`split_ports` (the caller rounds it with
    :func:`round_pack`, e.g. a pipeline stage later; ``ftz`` then only governs the input).
    ``defer_poly`` (exp2, split): stop before the table polynomial too; the reduced argument comes
    out on ``e2_fr``, ``e2_nint``, ``e2_stx`` (plus ``r_use``, ``r_sign``) for :class:`Exp2Tail`."""

    def __init__(self, cfg: ApproxConfig, scalable: bool = False, ftz: bool = False, split: bool = False,
                 defer_poly: bool = False):
        self.cfg = cfg
        self.scalable = scalable and cfg.fn in ("exp2", "log2")
        self.ftz = ftz
        self.split = split or defer_poly
        self.defer_poly = defer_poly
        if defer_poly and cfg.fn != "exp2":
            raise ValueError(f"defer_poly is for exp2 only, not {cfg.fn}")
        w = cfg.fmt.width
        ports = {"x": In(w), "rm": In(3), "result": Out(w), "flags": Out(5)}
        if self.scalable:
            ports["scale"] = In(1)
        if defer_poly:
            ports.update({"r_use": Out(1), "r_sign": Out(1), **exp2_tail_ports(cfg, Out)})
        elif split:
            ports.update(split_ports(value_width(cfg), ev_width(cfg.fmt)))
        super().__init__(ports)

    def elaborate(self, platform):
        cfg, fmt = self.cfg, self.cfg.fmt
        M, q, D, W = fmt.mbits, cfg.q, cfg.dbits, fmt.width
        m = Module()
        X = decode(m, self.x, fmt, ftz=self.ftz)
        frac = X.frac
        fn = cfg.fn
        sc = self.scale if self.scalable else Const(0, 1)
        g_sc, c_exp, c_ln = scale_constants(fmt, cfg.q)
        sign = Const(0, 1)
        sticky = Signal(name="sticky")
        exact = Signal(name="exact")
        if fn in ("recip", "rsqrt"):
            if fn == "recip":
                idx = frac[D:]
                m.d.comb += exact.eq(frac == 0)
                ev = -X.exp - q
                sign = X.sign
            else:
                par = X.exp[0]
                idx = Cat(frac[D:], par)
                m.d.comb += exact.eq((frac == 0) & ~par)
                ev = -((X.exp - par) >> 1) - q
            approx = poly(m, cfg, idx, frac[:D])
            v = Signal(q + 2, name="v")
            m.d.comb += [v.eq(Mux(exact, 1 << q, approx)), sticky.eq(~exact)]
            nonzero = Const(1, 1)
        elif fn == "exp2":
            F, eb = cfg.f, fmt.sat_bits
            sh = Signal(_exp_shape(fmt), name="sh")
            m.d.comb += sh.eq(X.exp + (F - M))
            sat = X.exp >= eb
            wm = eb + F + 1
            left = Signal(wm, name="mag_left")
            m.d.comb += left.eq(X.sig << Mux(sh < 0, 0, sh)[:max(1, (wm - 1).bit_length())])
            rsh = Signal(range(fmt.p + 2), name="rsh")
            m.d.comb += rsh.eq(Mux(sh >= 0, 0, Mux(-sh > fmt.p + 1, fmt.p + 1, -sh)))
            rw = Signal(2 * fmt.p + 1, name="mag_right")
            m.d.comb += rw.eq(Cat(Const(0, fmt.p + 1), X.sig) >> rsh)
            mag_u = Mux(sh >= 0, left, rw[fmt.p + 1:])
            stx_u = (sh < 0) & rw[:fmt.p + 1].any()
            if self.scalable:  # base e: |x| * log2(e) * 2^F ~ sig * c_exp * 2^(sh - g), sticky 1
                wm += 1
                prod = Signal(fmt.p + c_exp.bit_length(), name="prod_e")
                m.d.comb += prod.eq(X.sig * c_exp)
                shs = Signal(_exp_shape(fmt), name="shs")
                m.d.comb += shs.eq(sh - g_sc)
                lim = len(prod) + wm
                lsh = Signal(range(lim + 1), name="lsh_e")
                rsh_e = Signal(range(lim + 1), name="rsh_e")
                m.d.comb += [lsh.eq(Mux(shs <= 0, 0, Mux(shs > lim, lim, shs))),
                             rsh_e.eq(Mux(shs >= 0, 0, Mux(-shs > lim, lim, -shs)))]
                mag_e = Signal(wm, name="mag_e")
                m.d.comb += mag_e.eq(Mux(shs >= 0, prod << lsh, prod >> rsh_e))
                mag_u = Mux(sc, mag_e, mag_u)
                stx_u = sc | stx_u
            mag = Signal(wm, name="mag")
            stx = Signal(name="stx")
            m.d.comb += [mag.eq(Mux(sat, 1 << (eb + F), mag_u)), stx.eq(sat | stx_u)]
            fx = Signal(signed(wm + 2), name="fx")
            m.d.comb += fx.eq(Mux(X.sign, -(mag + stx), mag))
            nint = fx >> F
            fr = fx[:F]
            if self.defer_poly:  # the table polynomial comes later (Exp2Tail), from these
                m.d.comb += [self.e2_fr.eq(fr), self.e2_nint.eq(nint), self.e2_stx.eq(stx)]
                v, ev = Const(0, 1), Const(0, 1)
            else:
                v, ev = exp2_tail(m, cfg, fr, nint, stx, exact, sticky)
            nonzero = Const(1, 1)
        else:  # log2
            top = frac[M - 1]
            w = Signal(signed(M + 2), name="w")
            m.d.comb += w.eq(Mux(top, frac - (1 << M), frac << 1))
            e1 = Signal(_exp_shape(fmt), name="e1")
            m.d.comb += e1.eq(X.exp + top)
            g = poly(m, cfg, frac[D:], frac[:D])
            lw = len(e1) + M + 1 + q + 1
            eterm = e1 << (M + 1 + q)
            if self.scalable:  # base e: the ln(1+w)/w table and e' * ln 2 (a small constant multiply)
                g_e = poly(m, cfg, frac[D:], frac[:D], name="poly_ln", base_e=True)
                g = Mux(sc, g_e, g)
                eterm = Mux(sc, e1 * c_ln, eterm)
            L = Signal(signed(lw), name="L")
            m.d.comb += L.eq(eterm + w * g)
            sign = L[lw - 1]
            v = Signal(lw, name="v")
            m.d.comb += [v.eq(Mux(sign, -L, L)[:lw]), sticky.eq((w != 0) | sc)]
            ev = Const(-(M + 1 + q), signed(len(e1) + 1))
            nonzero = v != 0
        evs = Signal(signed(max(len(ev), 8) + 1), name="ev")
        m.d.comb += evs.eq(ev)
        if self.defer_poly:
            m.d.comb += self.r_sign.eq(sign)
        elif self.split:
            m.d.comb += [self.r_sign.eq(sign), self.r_v.eq(v), self.r_ev.eq(evs), self.r_sticky.eq(sticky)]
        else:
            bits, flags = round_pack(m, fmt, sign, v, evs, sticky, self.rm, ftz=self.ftz)
        s = X.sign
        inf_s = Cat(Const(fmt.inf, W - 1), s)
        res, flg = self.result, self.flags
        neg = s & ~X.zero
        with m.If(X.nan):
            m.d.comb += [res.eq(fmt.nan), flg.eq(Mux(X.snan, NV, 0))]
        if fn == "recip":
            with m.Elif(X.zero):
                m.d.comb += [res.eq(inf_s), flg.eq(DZ)]
            with m.Elif(X.inf):
                m.d.comb += res.eq(Cat(Const(0, W - 1), s))
        elif fn == "rsqrt":
            with m.Elif(X.zero):
                m.d.comb += [res.eq(inf_s), flg.eq(DZ)]
            with m.Elif(neg):
                m.d.comb += [res.eq(fmt.nan), flg.eq(NV)]
            with m.Elif(X.inf):
                m.d.comb += res.eq(0)
        elif fn == "exp2":
            with m.Elif(X.zero):
                m.d.comb += res.eq(fmt.one)
            with m.Elif(X.inf):
                m.d.comb += res.eq(Mux(s, 0, fmt.inf))
        else:
            with m.Elif(X.zero):
                m.d.comb += [res.eq(Cat(Const(fmt.inf, W - 1), 1)), flg.eq(DZ)]
            with m.Elif(neg):
                m.d.comb += [res.eq(fmt.nan), flg.eq(NV)]
            with m.Elif(X.inf):
                m.d.comb += res.eq(fmt.inf)
            with m.Elif(~nonzero):
                m.d.comb += res.eq(0)
        with m.Else():
            if self.split:
                m.d.comb += self.r_use.eq(1)
            else:
                m.d.comb += [res.eq(bits), flg.eq(flags)]
        return m


class ExpMod(wiring.Component):
    """x * 2^k in ``fmt`` with one correct rounding, combinational. Ports ``x``, ``k``
    (``kbits`` two's complement), ``rm`` -> ``result``, ``flags``. Mirrors :func:`.approx.expmod`.
    ``split``: as :class:`ApproxFunction`'s (the value is x's significand, exponent and sign)."""

    def __init__(self, fmt: FloatFormat, kbits: int, ftz: bool = False, split: bool = False):
        self.fmt, self.kbits, self.ftz, self.split = fmt, kbits, ftz, split
        w = fmt.width
        ports = {"x": In(w), "k": In(kbits), "rm": In(3), "result": Out(w), "flags": Out(5)}
        if split:
            ports.update(split_ports(fmt.p, ev_width(fmt)))
        super().__init__(ports)

    def elaborate(self, platform):
        fmt = self.fmt
        m = Module()
        X = decode(m, self.x, fmt, ftz=self.ftz)
        kc_lim = fmt.k_clamp
        k = self.k.as_signed()
        kc = Signal(signed(kc_lim.bit_length() + 1), name="kc")
        m.d.comb += kc.eq(Mux(k > kc_lim, kc_lim, Mux(k < -kc_lim, -kc_lim, k)))
        ev = Signal(signed(max(len(X.exp), len(kc)) + 2), name="ev")
        m.d.comb += ev.eq(X.exp - fmt.mbits + kc)
        if self.split:
            m.d.comb += [self.r_sign.eq(X.sign), self.r_v.eq(X.sig), self.r_ev.eq(ev), self.r_sticky.eq(0)]
        else:
            bits, flags = round_pack(m, fmt, X.sign, X.sig, ev, Const(0, 1), self.rm, ftz=self.ftz)
        with m.If(X.nan):
            m.d.comb += [self.result.eq(fmt.nan), self.flags.eq(Mux(X.snan, NV, 0))]
        with m.Elif(X.zero):
            m.d.comb += self.result.eq(Cat(Const(0, fmt.width - 1), X.sign))
        with m.Elif(X.inf):
            m.d.comb += self.result.eq(self.x)
        with m.Else():
            if self.split:
                m.d.comb += self.r_use.eq(1)
            else:
                m.d.comb += [self.result.eq(bits), self.flags.eq(flags)]
        return m
