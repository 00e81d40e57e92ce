"""int-mul gateware (Amaranth)."""

from __future__ import annotations

from amaranth.hdl import Module, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In

from schw.hdl import latch, run_ports

from .params import IntMulParams


class IntMul(wiring.Component):
    """Registered unsigned multiplier. Parameters: a validated :class:`IntMulParams`."""

    def __init__(self, p: IntMulParams):
        self.p = p
        super().__init__(run_ports(2 * p.width, a=In(p.width), b=In(p.width)))

    def elaborate(self, platform):
        m = Module()
        valid = Signal()
        m.d.sync += valid.eq(self.start)
        a_r, b_r = latch(m, self.start, a_r=self.a, b_r=self.b)
        m.d.sync += self.done.eq(valid)
        with m.If(valid):
            m.d.sync += self.result.eq(a_r * b_r)
        return m
