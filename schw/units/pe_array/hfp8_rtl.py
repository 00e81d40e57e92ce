"""The hfp8 PE of pe-array (Amaranth): FP8 x FP8 products accumulated in binary16, with optional
chunk-based accumulation and stochastic rounding, built from the ``hfp8-mac`` datapath
(:mod:`schw.units.hfp8.rtl`: the exact product, the exact-window binary16 adder, the LFSR).

Like every pe-array PE it computes one product per ``en`` and holds a registered result; the
array's timing is unchanged (one step per product). The accumulation state depends on the
dataflow (docs/pe_array.md, "hfp8 PE"):

* **os**, ``c`` = the outer sum (the array feeds ``+0`` on a tile's first item, else the PE's own
  ``result``). Without chunks ``result <= round16(c + a*b)``. With CL > 0 the PE also holds the
  inner (chunk) sum and a product count, and takes the item's ``first``/``last`` flags:
  ``t = round16(inner + a*b)`` (inner restarts at +0 with each chunk); at the CL-th product of a
  chunk or at ``last``: ``result <= round16(c + t)`` (the fold), else ``inner <= t``,
  ``result <= c``. This is hfp8-mac's arithmetic with the fold in the same step (two adders in
  series instead of hfp8-mac's fold stage), so the result is there when the array drains it.
* **ws**, the partial sum flows down a column. Without chunks ``result <= round16(c + a*b)``
  (16-bit lanes). With CL > 0 the lanes are 32 bits, ``{inner[31:16], outer[15:0]}``:
  ``t = round16(inner + a*b)``; a PE whose ``fold`` input is high (rows CL-1, 2CL-1, ... and
  the bottom row R-1, wired by the template) gives ``{+0, round16(outer + t)}``, the others
  ``{t, outer}``. ``psum`` enters as the outer sum with the inner half +0; the bottom row always
  folds, so ``out`` is ``{+0, result}``.

Stochastic rounding (``acc_round = "sr"``): each PE has hfp8-mac's 32-bit LFSR (same seed in every
PE), advanced on every ``en``; the inner rounding uses bits 15..0 of the step's word, the fold bits
31..16 of the same word.
"""

from __future__ import annotations

from amaranth.hdl import Cat, Const, Module, Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from schw.units.hfp8.params import SR_BITS, HfpMacParams
from schw.units.hfp8.rtl import _add16, _Fixed, _fp16_fixed, _lfsr, _product_fixed


class Hfp8MacPe(wiring.Component):
    """The hfp8 PE: ports ``en, a[7:0], b[7:0], c, result`` (16 bits; ws with chunks 32) plus
    ``first``, ``last`` (os with chunks) or ``fold`` (ws with chunks)."""

    def __init__(self, mp: HfpMacParams, dataflow: str):
        self.mp, self.dataflow = mp, dataflow
        w = 32 if dataflow == "ws" and mp.chunk else 16
        ports = {"en": In(1), "a": In(8), "b": In(8), "c": In(w), "result": Out(w)}
        if mp.chunk:
            ports.update({"first": In(1), "last": In(1)} if dataflow == "os" else {"fold": In(1)})
        super().__init__(ports)

    def elaborate(self, platform):
        p, m = self.mp, Module()
        fx = _Fixed(p)
        if p.acc_round == "sr":
            lfsr = _lfsr(m, p.seed, self.en)
            r_inner, r_fold = lfsr[:SR_BITS], lfsr[SR_BITS:2 * SR_BITS]
        else:  # RNE: no LFSR (the adders ignore the random bits)
            r_inner = r_fold = Const(0, SR_BITS)
        prod = _product_fixed(m, self.a, self.b, p, fx)

        def fold(outer, t):
            s, mag, nan, inf = _fp16_fixed(m, t, fx)
            return _add16(m, outer, (s, mag, nan, inf, Const(0, 1)), fx, p.acc_round, r_fold)

        if not p.chunk:
            total = _add16(m, self.c, prod, fx, p.acc_round, r_inner)
            with m.If(self.en):
                m.d.sync += self.result.eq(total)
            return m
        if self.dataflow == "ws":
            inner, outer = self.c[16:], self.c[:16]
            t = Signal(16)
            m.d.comb += t.eq(_add16(m, inner, prod, fx, p.acc_round, r_inner))
            with m.If(self.en):
                m.d.sync += self.result.eq(Mux(self.fold, Cat(fold(outer, t), Const(0, 16)), Cat(outer, t)))
            return m
        inner = Signal(16)
        count = Signal(range(max(2, p.chunk)))
        cnt = Mux(self.first, 0, count)
        t = Signal(16)
        m.d.comb += t.eq(_add16(m, Mux(cnt == 0, 0, inner), prod, fx, p.acc_round, r_inner))
        end = Signal()
        m.d.comb += end.eq(((cnt == p.chunk - 1) if p.chunk > 1 else 1) | self.last)
        with m.If(self.en):
            m.d.sync += [inner.eq(t), count.eq(Mux(end, 0, cnt + 1)),
                         self.result.eq(Mux(end, fold(self.c, t), self.c))]
        return m


def template_ports(p) -> str:
    """The hfp8 PE's extra port connections in the array template's PE instance (``""`` for the
    other PEs and for hfp8 without chunks)."""
    if p.pe != "hfp8" or not p.chunk:
        return ""
    if p.dataflow == "os":
        return " .first(f_i[1]), .last(f_i[2]),"
    return f" .fold((r % {p.chunk} == {p.chunk - 1}) || (r == R - 1)),"
