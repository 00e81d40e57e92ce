"""The hfp8 PE of pe-array (Amaranth): FP8 x FP8 products accumulated in binary16, with optional
chunk-based accumulation and stochastic rounding, built from the ``hfp8-mac`` datapath
(:mod:`schw.units.hfp8.rtl`: the exact product, the exact-window binary16 adder, the LFSR).

Like every pe-array PE it computes one product per ``en`` and its result depends on registers
only (a result register, or for os with chunks the fold of two), so the array's timing is
unchanged (one step per product). The accumulation state depends on the
dataflow (docs/pe_array.md, "hfp8 PE"):

* **os**: without chunks ``result <= round16(c + a*b)`` (``c``: +0 on a tile's first item,
  else the PE's own ``result``). With CL > 0 the PE ignores ``c`` and holds ``inner``, ``outer``
  and a product count, and takes the item's ``first`` flag: ``inner <= round16(inner' + a*b)``
  where ``inner'`` is +0 on a chunk's first product; the fold of a finished chunk is deferred
  to the next chunk's first product, ``outer <= round16(outer + inner)`` in parallel with that
  product's inner addition (``outer <= +0`` on ``first``), and ``result`` is the combinational
  ``round16(outer + inner)`` - the fold of the last, possibly partial, chunk - when the array
  drains it. The arithmetic is hfp8-mac's; every register-to-register path has one binary16
  adder (hfp8-mac folds in a second pipeline stage instead).
* **ws**, the partial sum flows down a column. Without chunks ``result <= round16(c + a*b)``
  (16-bit lanes). With CL > 0 the lanes are 32 bits, ``{inner[31:16], outer[15:0]}``:
  ``t = round16(inner + a*b)``; a PE whose ``fold`` input is high (rows CL-1, 2CL-1, ... and
  the bottom row R-1, wired by the template) gives ``{+0, round16(outer + t)}``, the others
  ``{t, outer}``. ``psum`` enters as the outer sum with the inner half +0; the bottom row always
  folds, so ``out`` is ``{+0, result}``. A folding row has two binary16 adders in series.

Stochastic rounding (``acc_round = "sr"``): each PE has hfp8-mac's 32-bit LFSR (same seed in every
PE), advanced on every ``en``; the inner rounding uses bits 15..0 of the step's word, the fold bits
31..16 of the same word (os with chunks: held in a register until the deferred fold).
"""

from __future__ import annotations

from amaranth.hdl import Cat, Const, Module, Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from schw.units.hfp8.params import SR_BITS, HfpMacParams
from schw.units.hfp8.rtl import _add16, _Fixed, _fp16_fixed, _lfsr, _product_fixed


class Hfp8MacPe(wiring.Component):
    """The hfp8 PE: ports ``en, a[7:0], b[7:0], c, result`` (16 bits; ws with chunks 32) plus
    ``first`` (os with chunks) or ``fold`` (ws with chunks)."""

    def __init__(self, mp: HfpMacParams, dataflow: str):
        self.mp, self.dataflow = mp, dataflow
        w = 32 if dataflow == "ws" and mp.chunk else 16
        ports = {"en": In(1), "a": In(8), "b": In(8), "c": In(w), "result": Out(w)}
        if mp.chunk:
            ports.update({"first": In(1)} if dataflow == "os" else {"fold": In(1)})
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

        def fold(outer, t, r):
            s, mag, nan, inf = _fp16_fixed(m, t, fx)
            return _add16(m, outer, (s, mag, nan, inf, Const(0, 1)), fx, p.acc_round, r)

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
                m.d.sync += self.result.eq(Mux(self.fold, Cat(fold(outer, t, r_fold), Const(0, 16)), Cat(outer, t)))
            return m
        # os: the fold of a chunk is deferred to the next chunk's first product (in parallel with
        # its inner addition) and, for the last chunk, is the result output itself
        inner, outer = Signal(16), Signal(16)
        count = Signal(range(max(2, p.chunk)))
        cnt = Mux(self.first, 0, count)
        new_chunk = cnt == 0
        t = Signal(16)
        m.d.comb += t.eq(_add16(m, Mux(new_chunk, 0, inner), prod, fx, p.acc_round, r_inner))
        if p.acc_round == "sr":
            fold_r = Signal(SR_BITS)      # bits 31..16 of the word of the chunk's last product
            with m.If(self.en):
                m.d.sync += fold_r.eq(r_fold)
        else:
            fold_r = r_fold
        folded = Signal(16)
        m.d.comb += [folded.eq(fold(outer, inner, fold_r)), self.result.eq(folded)]
        with m.If(self.en):
            m.d.sync += [inner.eq(t), count.eq(Mux(cnt == p.chunk - 1, 0, cnt + 1) if p.chunk > 1 else 0)]
            with m.If(self.first):
                m.d.sync += outer.eq(0)
            with m.Elif(new_chunk):
                m.d.sync += outer.eq(folded)
        return m


def template_ports(p) -> str:
    """The hfp8 PE's extra port connections in the array template's PE instance (``""`` for the
    other PEs and for hfp8 without chunks)."""
    if p.pe != "hfp8" or not p.chunk:
        return ""
    if p.dataflow == "os":
        return " .first(f_i[1]),"
    return f" .fold((r % {p.chunk} == {p.chunk - 1}) || (r == R - 1)),"
