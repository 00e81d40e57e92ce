"""Unary pe-array gateware (``--pe unary``): the edge generator bank, the two inner PEs, and the
emitted Verilog (``pe_array_unary_{os,ws}.v.tmpl`` + these modules).

The streams are made once per row and once per column at the array edge by comparators against
one shared code per edge (:class:`UnaryEdgeSng`); each PE forwards the 1-bit magnitude stream
and its sign one PE per cycle. Inner PEs:

* :class:`UnaryOsPe` (output stationary): ``prod = a & b``, ``neg = sa ^ sb``, an up/down
  counter of ``counter`` bits; ``sum = acc +- prod``; on ``cap`` (the last cycle of a tile)
  the top captures ``sum`` and the counter restarts at 0.
* :class:`UnaryWsPe` (weight stationary): compares its stationary weight magnitude with the
  weight-edge code ``r`` (delayed along the anti-diagonal by the top), ANDs it with the input
  stream into a step counter of ``log2(T) + 2`` bits; on ``cap`` (the last cycle of a row's
  window) ``pout <= pin + count``, and the count restarts.
"""

from __future__ import annotations

from amaranth.back import verilog
from amaranth.hdl import Cat, Module, Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from schw.output import template
from schw.sc.rtl import SngBank

from . import unary_timing
from .unary_params import sng_spec, step_count_bits


class UnaryEdgeSng(wiring.Component):
    """Codes ``ra`` (row edge) and ``rb`` (column / weight edge) of the current step cycle;
    ``restart`` high makes the next cycle show step cycle 0."""

    def __init__(self, p):
        self.p = p
        super().__init__({"restart": In(1), "ra": Out(p.width), "rb": Out(p.width)})

    def elaborate(self, platform):
        p = self.p
        m = Module()
        m.submodules.bank = bank = SngBank(sng_spec(p), 2, p.length)
        m.d.comb += [bank.restart.eq(self.restart), bank.step.eq(~self.restart)]
        if p.sng == "temporal":  # row edge: slow ramp bit-reversed; column edge: fast ramp
            m.d.comb += [self.ra.eq(Cat(*[bank.codes[1][p.width - 1 - i] for i in range(p.width)])),
                         self.rb.eq(bank.codes[0])]
        else:
            m.d.comb += [self.ra.eq(bank.codes[0]), self.rb.eq(bank.codes[1])]
        return m


class UnaryOsPe(wiring.Component):
    """AND + XOR + up/down counter; ``sum`` = count including this cycle's product."""

    def __init__(self, acc_width: int):
        self.aw = acc_width
        super().__init__({"a": In(1), "sa": In(1), "b": In(1), "sb": In(1), "cap": In(1),
                          "sum": Out(acc_width)})

    def elaborate(self, platform):
        m = Module()
        acc = Signal(self.aw)
        prod = self.a & self.b
        delta = Mux(prod, Mux(self.sa ^ self.sb, (1 << self.aw) - 1, 1), 0)
        m.d.comb += self.sum.eq(acc + delta)
        m.d.sync += acc.eq(Mux(self.cap, 0, self.sum))
        return m


class UnaryWsPe(wiring.Component):
    """Weight comparator + AND + XOR + step counter + partial-sum adder."""

    def __init__(self, width: int, acc_width: int, count_bits: int):
        self.n, self.aw, self.cw = width, acc_width, count_bits
        super().__init__({"a": In(1), "sa": In(1), "w": In(width + 1), "r": In(width), "cap": In(1),
                          "pin": In(acc_width), "pout": Out(acc_width)})

    def elaborate(self, platform):
        m = Module()
        n = self.n
        cnt = Signal(self.cw)
        nxt = Signal(self.cw)
        prod = self.a & (self.r < self.w[:n])
        m.d.comb += nxt.eq(cnt + Mux(prod, Mux(self.sa ^ self.w[n], (1 << self.cw) - 1, 1), 0))
        with m.If(self.cap):
            m.d.sync += [cnt.eq(0), self.pout.eq(self.pin + nxt.as_signed())]
        with m.Else():
            m.d.sync += cnt.eq(nxt)
        return m


def make_pe(p) -> wiring.Component:
    if p.dataflow == "os":
        return UnaryOsPe(p.counter)
    return UnaryWsPe(p.width, p.counter, step_count_bits(p))


def pe_verilog(p, pe_module: str) -> str:
    return verilog.convert(make_pe(p), name=pe_module, emit_src=False)


def sng_verilog(p, sng_module: str) -> str:
    return verilog.convert(UnaryEdgeSng(p), name=sng_module, emit_src=False)


def top_verilog(p, top: str, pe_module: str) -> str:
    R, C, W, A, T = p.R, p.C, p.lane_width, p.acc_width, p.step_cycles
    subs = dict(top=top, pe=pe_module, sng=f"{top}_sng", R=R, C=C, W=W, A=A, T=T,
                PB=max(1, T.bit_length() - 1), RW=R * W, CW=C * W, CA=C * A, D=R + C - 1)
    if p.dataflow == "os":
        subs["S"] = unary_timing.last_spacing(p)
    else:
        subs["GAP"] = unary_timing.reload_gap(p)
    return template(f"pe_array_unary_{p.dataflow}.v.tmpl", "schw.units.pe_array").substitute(subs)


def emit_verilog(p, top: str, pe_module: str) -> str:
    """The array top, the delay helper, the PE module and the edge generator module."""
    return top_verilog(p, top, pe_module) + "\n" + pe_verilog(p, pe_module) + "\n" + sng_verilog(p, f"{top}_sng")
