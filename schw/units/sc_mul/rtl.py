"""sc-mul gateware: two comparator SNG channels, AND (unipolar) or XNOR (bipolar), ones counter."""

from __future__ import annotations

from amaranth.hdl import Module, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In

from schw.sc.rtl import SngBank
from schw.hdl import run_ports

from .params import ScMulParams


class ScMul(wiring.Component):
    """The sc-mul datapath. Parameters: a validated :class:`ScMulParams`."""

    def __init__(self, p: ScMulParams):
        self.p = p
        super().__init__(run_ports(p.result_width, a=In(p.width), b=In(p.width)))

    def elaborate(self, platform):
        p = self.p
        m = Module()
        m.submodules.sng = sng = SngBank(p.spec, 2, p.length)
        a_r = Signal(p.width)
        b_r = Signal(p.width)
        busy = Signal()
        count = Signal(range(p.length))
        acc = Signal(p.result_width)
        sa = Signal()
        sb = Signal()
        bit = Signal()
        m.d.comb += [sa.eq(sng.codes[0] < a_r), sb.eq(sng.codes[1] < b_r)]
        m.d.comb += bit.eq(sa & sb if p.coding == "unipolar" else ~(sa ^ sb))
        m.d.sync += self.done.eq(0)
        with m.If(busy):
            m.d.comb += sng.step.eq(1)
            m.d.sync += [acc.eq(acc + bit), count.eq(count + 1)]
            with m.If(count == p.length - 1):
                m.d.sync += [busy.eq(0), self.done.eq(1), self.result.eq(acc + bit)]
        with m.Elif(self.start):
            m.d.comb += sng.restart.eq(1)
            m.d.sync += [a_r.eq(self.a), b_r.eq(self.b), busy.eq(1), count.eq(0), acc.eq(0)]
        return m
