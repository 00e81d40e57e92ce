"""The hfp8 PE of pe-array (Amaranth): FP8 x FP8 products accumulated in binary16, with optional
chunk-based accumulation and stochastic rounding, built from the ``hfp8-mac`` datapath
(:mod:`schw.units.hfp8.rtl`: the exact product, the exact-window binary16 adder, the LFSR).

Like every pe-array PE it computes one product per ``en`` and its result depends on registers
only (a result register, or with chunks the fold of two), so the array's timing is
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
  (16-bit lanes). With CL > 0 the lanes are 32 bits, ``{inner[31:16], outer[15:0]}``: every PE
  registers ``inner <= round16(c.inner + a*b)``, ``outer <= c.outer``; a PE whose ``fold`` input
  is high (rows CL-1, 2CL-1, ... and the bottom row R-1, wired by the template) outputs the fold
  of its registers, ``result = {+0, round16(outer + inner)}`` (combinational), the others
  ``{inner, outer}``. So the fold happens on the way to the next row (which then adds its product
  to an inner +0) or to the de-skew, and every register-to-register path has one binary16 adder
  (a first version folded before the register: two adders in series, 30.4 ns against 15.1 ns for
  the 2x2 ws CL 2 array on osu018). ``psum`` enters as the outer sum with the inner half +0; the
  bottom row always folds, so ``out`` is ``{+0, result}``.

Stochastic rounding (``acc_round = "sr"``): each PE has hfp8-mac's 32-bit LFSR, advanced on every
``en``, with its own seed: the PE loads the start state on its ``sr_start`` input while ``rst`` is
high, and the array wires ``lfsr_init(32, p.pe_seed(i, j), 0)`` there (the template through
:func:`template_ports`, a constant per instance). The inner rounding uses bits 15..0 of the step's
word, the fold bits 31..16 of the same word (with chunks: held in a register until the deferred
fold).
"""

from __future__ import annotations

from amaranth.hdl import Cat, Const, Module, Mux, ResetSignal, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from schw.sc.spec import lfsr_init
from schw.units.hfp8.params import LFSR_LEAP, LFSR_WIDTH, SR_BITS, HfpMacParams
from schw.units.hfp8.rtl import _add16, _Fixed, _fp16_fixed, _leap, _product_fixed


class Hfp8MacPe(wiring.Component):
    """The hfp8 PE: ports ``en, a[7:0], b[7:0], c, result`` (16 bits; ws with chunks 32) plus
    ``first`` (os with chunks) or ``fold`` (ws with chunks), and ``sr_start[31:0]`` (SR: the LFSR's
    start state, loaded while ``rst``)."""

    def __init__(self, mp: HfpMacParams, dataflow: str):
        self.mp, self.dataflow = mp, dataflow
        w = 32 if dataflow == "ws" and mp.chunk else 16
        ports = {"en": In(1), "a": In(8), "b": In(8), "c": In(w), "result": Out(w)}
        if mp.chunk:
            ports.update({"first": In(1)} if dataflow == "os" else {"fold": In(1)})
        if mp.acc_round == "sr":
            ports["sr_start"] = In(LFSR_WIDTH)
        super().__init__(ports)

    def elaborate(self, platform):
        p, m = self.mp, Module()
        fx = _Fixed(p)
        if p.acc_round == "sr":
            lfsr = Signal(LFSR_WIDTH, reset_less=True)   # the start state comes from sr_start
            with m.If(ResetSignal()):
                m.d.sync += lfsr.eq(self.sr_start)
            with m.Elif(self.en):
                m.d.sync += lfsr.eq(_leap(lfsr, LFSR_LEAP))
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
        if p.acc_round == "sr":
            fold_r = Signal(SR_BITS)      # bits 31..16 of the word of the last product
            with m.If(self.en):
                m.d.sync += fold_r.eq(r_fold)
        else:
            fold_r = r_fold
        if self.dataflow == "ws":
            # registers {inner, outer} after this row's product; a folding row folds on its output,
            # combinationally from its registers, so the next row (or the de-skew) sees the fold one
            # step later without a second adder between two registers
            inner, outer = Signal(16), Signal(16)
            t = Signal(16)
            m.d.comb += t.eq(_add16(m, self.c[16:], prod, fx, p.acc_round, r_inner))
            with m.If(self.en):
                m.d.sync += [inner.eq(t), outer.eq(self.c[:16])]
            folded = Signal(16)
            m.d.comb += [folded.eq(fold(outer, inner, fold_r)),
                         self.result.eq(Mux(self.fold, Cat(folded, Const(0, 16)), Cat(outer, inner)))]
            return m
        # os: the fold of a chunk is deferred to the next chunk's first product (in parallel with
        # its inner addition) and, for the last chunk, is the result output itself
        inner, outer = Signal(16), Signal(16)
        count = Signal(range(max(2, p.chunk)))
        cnt = Mux(self.first, 0, count)
        new_chunk = cnt == 0
        t = Signal(16)
        m.d.comb += t.eq(_add16(m, Mux(new_chunk, 0, inner), prod, fx, p.acc_round, r_inner))
        folded = Signal(16)
        m.d.comb += [folded.eq(fold(outer, inner, fold_r)), self.result.eq(folded)]
        with m.If(self.en):
            m.d.sync += [inner.eq(t), count.eq(Mux(cnt == p.chunk - 1, 0, cnt + 1) if p.chunk > 1 else 0)]
            with m.If(self.first):
                m.d.sync += outer.eq(0)
            with m.Elif(new_chunk):
                m.d.sync += outer.eq(folded)
        return m


def sr_start(p, i: int, j: int) -> int:
    """The LFSR start state of PE (i, j) (os: i = output row of the tile, physical row R-1-i;
    ws: i = weight row = physical row): ``lfsr_init(32, p.pe_seed(i, j), 0)``."""
    return lfsr_init(LFSR_WIDTH, p.pe_seed(i, j), 0)


def _chain(var: str, values: list[int]) -> str:
    """A Verilog constant expression picking ``values[v]`` by the genvar ``var`` (32-bit sized
    constants only, so every simulator evaluates it at 32 bits)."""
    out = f"32'h{values[-1]:08x}"
    for v in range(len(values) - 2, -1, -1):
        out = f"({var} == {v}) ? 32'h{values[v]:08x} : {out}"
    return f"({out})"


def template_ports(p) -> str:
    """The hfp8 PE's extra port connections in the array template's PE instance (``""`` for the
    other PEs and for hfp8 with RNE and without chunks). SR: ``sr_start`` = lfsr_init(32, pe
    seed, 0) = (pe_seed mod (2^32 - 1)) + 1, pe_seed = row term + column term (mod 2^32) picked by
    the generate loop's ``r``, ``c`` (os: row term of i = R-1-r)."""
    if p.pe != "hfp8":
        return ""
    ports = ""
    if p.chunk:
        ports = (" .first(f_i[1])," if p.dataflow == "os" else
                 f" .fold((r % {p.chunk} == {p.chunk - 1}) || (r == R - 1)),")
    if p.acc_round == "sr":
        rows = [p.pe_seed(i, 0) for i in range(p.R)]
        if p.dataflow == "os":
            rows = rows[::-1]                                     # physical row r holds output row R-1-r
        cols = [(p.pe_seed(0, j) - p.seed) % (1 << 32) for j in range(p.C)]
        ports += f"\n          .sr_start((({_chain('r', rows)} + {_chain('c', cols)}) % 32'hffffffff) + 32'h1),"
    return ports
