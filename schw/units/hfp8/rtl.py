"""hfp8 gateware: :class:`HfpConv` (binary16 -> FP8 and FP8 -> binary16) and :class:`HfpMac`
(FP8 x FP8 accumulated in binary16, chunked, RNE or SR). Formats and the LFSR are specified in
:mod:`schw.units.hfp8.params`; the golden models in ``golden`` are written independently."""

from __future__ import annotations

from amaranth.hdl import Cat, Const, Module, Mux, Signal, signed
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from schw.hdl import lzc
from schw.sc.spec import lfsr_init, lfsr_poly, lfsr_step

from .params import (LFSR_INDEX, LFSR_LEAP, LFSR_WIDTH, NAN16, SR_BITS, Fp8Format, HfpConvParams,
                     HfpMacParams)


def _leap(state, steps: int):
    """The Galois LFSR state after ``steps`` steps: a linear map over GF(2), one XOR per output
    bit of the input bits whose image (``steps`` single steps of the spec's rule) has that bit."""
    poly = lfsr_poly(LFSR_WIDTH, LFSR_INDEX)
    images = []
    for i in range(LFSR_WIDTH):
        v = 1 << i
        for _ in range(steps):
            v = lfsr_step(LFSR_WIDTH, poly, v)
        images.append(v)
    bits = []
    for j in range(LFSR_WIDTH):
        terms = [state[i] for i in range(LFSR_WIDTH) if (images[i] >> j) & 1]
        x = terms[0] if terms else Const(0, 1)
        for t in terms[1:]:
            x = x ^ t
        bits.append(x)
    return Cat(*bits)


def _lfsr(m: Module, seed: int, advance):
    """The SR random-word register: start state lfsr_init(32, seed, 0); LFSR_LEAP steps when
    ``advance``."""
    reg = Signal(LFSR_WIDTH, init=lfsr_init(LFSR_WIDTH, seed, 0))
    with m.If(advance):
        m.d.sync += reg.eq(_leap(reg, LFSR_LEAP))
    return reg


# ---- binary16 <-> FP8 ----------------------------------------------------------------------------
class HfpConv(wiring.Component):
    """binary16 ``x`` -> FP8 ``fp8`` (format and rounding from the params) and FP8 ``y`` ->
    binary16 ``fp16``, one of each per ``in_valid`` cycle, registered: ``out_valid`` and the
    results one cycle later. The SR LFSR advances once per ``in_valid`` cycle."""

    def __init__(self, p: HfpConvParams):
        self.p = p
        super().__init__({"in_valid": In(1), "x": In(16), "y": In(8),
                          "out_valid": Out(1), "fp8": Out(8), "fp16": Out(16)})

    def elaborate(self, platform):
        p, f, m = self.p, self.p.fmt, Module()
        lfsr = _lfsr(m, p.seed, self.in_valid)
        to8 = Signal(8)
        m.d.comb += to8.eq(encode_fp8(m, self.x, f, p.rounding, lfsr[:SR_BITS]))
        to16 = Signal(16)
        m.d.comb += to16.eq(fp8_to_fp16(self.y, f))
        m.d.sync += [self.out_valid.eq(self.in_valid), self.fp8.eq(to8), self.fp16.eq(to16)]
        return m


def encode_fp8(m: Module, x, f: Fp8Format, rounding: str, r16):
    """binary16 ``x`` -> FP8 code signal (combinational, specials included)."""
    mb = f.mbits
    s, e16, m16 = x[15], x[10:15], x[:10]
    nan = (e16 == 31) & (m16 != 0)
    inf = (e16 == 31) & (m16 == 0)
    sig = Cat(m16, e16 != 0)
    eeff = Signal(5)
    m.d.comb += eeff.eq(Mux(e16 == 0, 1, e16))
    lim = f.emin + 15
    k = Signal(5)
    if lim > 1:
        m.d.comb += k.eq((10 - mb) + Mux(eeff < lim, lim - eeff, 0))
    else:
        m.d.comb += k.eq(10 - mb)
    ext = Signal(SR_BITS + 11)
    m.d.comb += ext.eq(Cat(Const(0, SR_BITS), sig) >> k)
    n = ext[SR_BITS:SR_BITS + mb + 1]
    low = ext[:SR_BITS]
    inc = Signal()
    if rounding == "rne":
        m.d.comb += inc.eq(low[SR_BITS - 1] & ((low[:SR_BITS - 1] != 0) | n[0]))
    else:
        m.d.comb += inc.eq((low + r16)[SR_BITS])
    n2 = Signal(mb + 2)
    m.d.comb += n2.eq(n + inc)
    ebase = Signal(range(-16, 64))                       # max(binade + bias, 1)
    eb = Signal(range(-16, 64))
    m.d.comb += eb.eq(eeff - 15 + f.bias)
    m.d.comb += ebase.eq(Mux(eb < 1, 1, eb))
    code = Signal(12)
    m.d.comb += code.eq(((ebase - 1) << mb) + n2)
    over = code > f.max_code
    out = Signal(8)
    inf_res = (f.inf_code | (s << 7)) if f.inf else Const(f.nan_code, 8)
    if f.negzero:
        signed = Cat(code[:7], s)
    else:
        signed = Mux(code == 0, 0, Cat(code[:7], s))
    with m.If(nan):
        m.d.comb += out.eq(f.nan_code)
    with m.Elif(inf | over):
        m.d.comb += out.eq(inf_res)
    with m.Else():
        m.d.comb += out.eq(signed)
    return out


# ---- FP8 -> binary16 ----------------------------------------------------------------------------
def fp8_classes(c, f: Fp8Format):
    """(sign, exponent code, mantissa, nan, inf) of FP8 code ``c``."""
    mb = f.mbits
    s, e, mm = c[7], c[mb:7], c[:mb]
    if f.nan == "ieee":
        top = e == (1 << f.ebits) - 1
        return s, e, mm, top & (mm != 0), top & (mm == 0)
    if f.nan == "fn":
        return s, e, mm, c[:7] == 0x7F, Const(0, 1)
    return s, e, mm, c == 0x80, Const(0, 1)


def fp8_to_fp16(c, f: Fp8Format):
    """binary16 bits of FP8 code ``c`` (exact; NaN -> 0x7E00)."""
    mb = f.mbits
    s, e, mm, nan, inf = fp8_classes(c, f)
    normal = Cat(Const(0, 10 - mb), mm, (e + (15 - f.bias))[:5], s)
    # subnormal: M * 2^qmin, normalised by the leading one of M
    sub = Const(0, 16)
    for j in range(mb):                                   # leading one at bit j (higher j wins)
        e16 = j + f.qmin + 15
        if e16 >= 1:
            val = Cat(Const(0, 10 - j), mm[:j], Const(e16, 5), s) if j else Cat(Const(0, 10), Const(e16, 5), s)
        else:
            val = Cat((mm << (f.qmin + 24))[:15], s)
        sub = Mux(mm[j], val, sub)
    zero = Cat(Const(0, 15), s)
    res = Mux(e == 0, Mux(mm == 0, zero, sub), normal)
    res = Mux(inf, Cat(Const(0x7C00, 15), s), res)
    return Mux(nan, NAN16, res)


# ---- the MAC ----------------------------------------------------------------------------------------
class _Fixed:
    """The MAC's exact fixed-point window: magnitudes ``mag * 2^lsb`` below 2^18, where ``lsb``
    is the grid of the smallest product (at most 2^-24, the binary16 grid)."""

    def __init__(self, p: HfpMacParams):
        self.lsb = min(-24, p.fa.qmin + p.fb.qmin)
        self.width = 18 - self.lsb


def _fp16_fixed(m: Module, bits, fx: _Fixed):
    """(sign, magnitude in the window, nan, inf) of binary16 ``bits``."""
    s, e, mm = bits[15], bits[10:15], bits[:10]
    mag = Signal(fx.width)
    sig = Cat(mm, e != 0)
    sh = Signal(range(64))
    m.d.comb += sh.eq(Mux(e == 0, 1, e) + (-25 - fx.lsb))
    m.d.comb += mag.eq(Mux(e == 31, 0, sig << sh))
    return s, mag, (e == 31) & (mm != 0), (e == 31) & (mm == 0)


def _product_fixed(m: Module, a, b, p: HfpMacParams, fx: _Fixed):
    """(sign, magnitude in the window, nan, inf, huge) of the exact product of FP8 codes a, b;
    ``huge``: a finite product of magnitude >= 2^17 (the sum then overflows)."""
    fa, fb = p.fa, p.fb
    sa, ea, ma, na, ia = fp8_classes(a, fa)
    sb, eb, mb, nb, ib = fp8_classes(b, fb)
    siga = Cat(ma, ea != 0)
    sigb = Cat(mb, eb != 0)
    za = ~na & ~ia & (siga == 0)
    zb = ~nb & ~ib & (sigb == 0)
    nan = na | nb | (ia & zb) | (za & ib)
    inf = (ia | ib) & ~nan
    sh = Signal(range(0, 128))
    base = -(fa.bias + fa.mbits + fb.bias + fb.mbits) - fx.lsb   # >= -2
    m.d.comb += sh.eq(Mux(ea == 0, 1, ea) + Mux(eb == 0, 1, eb) + base)
    wide = Signal(fx.width + 64)
    m.d.comb += wide.eq((siga * sigb) << sh)
    huge = (wide[17 - fx.lsb:] != 0) & ~nan & ~inf
    mag = Signal(fx.width)
    m.d.comb += mag.eq(Mux(nan | inf | huge, 0, wide[:fx.width]))
    return sa ^ sb, mag, nan, inf, huge


def _add16(m: Module, acc, addend, fx: _Fixed, rounding: str, r16):
    """binary16 bits of round16(acc + addend): ``acc`` binary16 bits, ``addend`` = (sign,
    magnitude in the window, nan, inf, huge)."""
    W = fx.width
    a_s, a_mag, a_nan, a_inf = _fp16_fixed(m, acc, fx)
    b_s, b_mag, b_nan, b_inf, b_huge = addend
    va = Signal(signed(W + 2))
    vb = Signal(signed(W + 2))
    tot = Signal(signed(W + 2))
    m.d.comb += [va.eq(Mux(a_s, -a_mag, a_mag)), vb.eq(Mux(b_s, -b_mag, b_mag)), tot.eq(va + vb)]
    sgn = tot[W + 1]
    mag = Signal(W)
    m.d.comb += mag.eq(Mux(sgn, -tot, tot)[:W])
    # normalise: shift the leading one to bit W-1, but no further than the binary16 emin
    lz = Signal(range(W + 1))
    m.d.comb += lz.eq(lzc(mag))
    lz_sub = W - 1 - (-14 - fx.lsb)                       # shift that puts 2^-14 at bit W-1
    shift = Signal(range(W + 1))
    m.d.comb += shift.eq(Mux(lz < lz_sub, lz, lz_sub))
    norm = Signal(W)
    m.d.comb += norm.eq(mag << shift)
    n = norm[W - 11:]
    low = norm[W - 11 - SR_BITS:W - 11]
    rest = norm[:W - 11 - SR_BITS] != 0
    inc = Signal()
    if rounding == "rne":
        m.d.comb += inc.eq(low[SR_BITS - 1] & ((low[:SR_BITS - 1] != 0) | rest | n[0]))
    else:
        m.d.comb += inc.eq((low + r16)[SR_BITS])
    ebase = Signal(range(-64, 64))                        # exponent code with the hidden bit set
    m.d.comb += ebase.eq((W - 1 + fx.lsb + 15) - shift)
    code = Signal(range(-(1 << 16), 1 << 17))
    m.d.comb += code.eq(((ebase - 1) << 10) + (n + inc))
    res = Signal(16)
    both_zero = (a_mag == 0) & ~a_nan & ~a_inf & (b_mag == 0) & ~b_nan & ~b_inf & ~b_huge
    with m.If(a_nan | b_nan | (a_inf & b_inf & (a_s != b_s))):
        m.d.comb += res.eq(NAN16)
    with m.Elif(a_inf):
        m.d.comb += res.eq(acc)
    with m.Elif(b_inf | b_huge):
        m.d.comb += res.eq(Cat(Const(0x7C00, 15), b_s))
    with m.Elif(mag == 0):
        m.d.comb += res.eq(Cat(Const(0, 15), both_zero & a_s & b_s))
    with m.Elif(code >= 0x7C00):
        m.d.comb += res.eq(Cat(Const(0x7C00, 15), sgn))
    with m.Else():
        m.d.comb += res.eq(Cat(code[:15], sgn))
    return res


class HfpMac(wiring.Component):
    """FP8 x FP8 multiply-accumulate in binary16.

    Ports: ``in_valid``, ``first`` (this product starts a dot product: the accumulators restart
    at +0; a product after a ``last`` also starts one), ``last`` (this product ends it), ``a``,
    ``b`` (FP8 codes); ``out_valid`` and ``result`` (binary16) ``latency`` cycles after the
    ``last`` product (1 without chunking, 2 with). One product per cycle, no stalls.
    Chunking (CL > 0): ``inner <- round16(inner + a*b)`` for CL products (or up to ``last``),
    then, in the next cycle, ``outer <- round16(outer + inner)``. SR: the inner rounding uses
    bits 15..0 of the LFSR word drawn with the product, the fold bits 31..16 of the word drawn
    with the chunk's last product."""

    def __init__(self, p: HfpMacParams):
        self.p = p
        super().__init__({"in_valid": In(1), "first": In(1), "last": In(1), "a": In(8), "b": In(8),
                          "out_valid": Out(1), "result": Out(16)})

    def elaborate(self, platform):
        p, m = self.p, Module()
        fx = _Fixed(p)
        lfsr = _lfsr(m, p.seed, self.in_valid)
        inner = Signal(16)
        fresh = Signal(init=1)
        start = self.first | fresh
        prod = _product_fixed(m, self.a, self.b, p, fx)
        m.d.sync += self.out_valid.eq(0)
        if p.chunk == 0:
            inner_sum = _add16(m, Mux(start, 0, inner), prod, fx, p.acc_round, lfsr[:SR_BITS])
            with m.If(self.in_valid):
                m.d.sync += [inner.eq(inner_sum), fresh.eq(self.last)]
                with m.If(self.last):
                    m.d.sync += [self.out_valid.eq(1), self.result.eq(inner_sum)]
            return m
        # chunked: count products of the chunk; a fold stage adds a finished chunk into outer
        count = Signal(range(max(2, p.chunk)))
        folded = Signal()                   # a chunk of this dot product was folded already
        outer = Signal(16)
        fold_valid, fold_first, fold_last = Signal(), Signal(), Signal()
        fold_val = Signal(16)
        fold_r = Signal(SR_BITS)
        cnt = Mux(start, 0, count)
        chunk_end = ((cnt == p.chunk - 1) if p.chunk > 1 else Const(1, 1)) | self.last
        inner_sum = _add16(m, Mux(start | (cnt == 0), 0, inner), prod, fx, p.acc_round, lfsr[:SR_BITS])
        m.d.sync += fold_valid.eq(0)
        with m.If(self.in_valid):
            m.d.sync += [inner.eq(inner_sum), fresh.eq(self.last),
                         count.eq(Mux(chunk_end, 0, cnt + 1)),
                         folded.eq(Mux(chunk_end, 1, Mux(start, 0, folded)))]
            with m.If(chunk_end):
                m.d.sync += [fold_valid.eq(1), fold_val.eq(inner_sum), fold_first.eq(start | ~folded),
                             fold_last.eq(self.last), fold_r.eq(lfsr[SR_BITS:2 * SR_BITS])]
        s, mag, nan, inf = _fp16_fixed(m, fold_val, fx)
        outer_sum = _add16(m, Mux(fold_first, 0, outer), (s, mag, nan, inf, Const(0, 1)), fx, p.acc_round, fold_r)
        with m.If(fold_valid):
            m.d.sync += outer.eq(outer_sum)
            with m.If(fold_last):
                m.d.sync += [self.out_valid.eq(1), self.result.eq(outer_sum)]
        return m
