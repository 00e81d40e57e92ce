"""sc-cordiv gateware (Amaranth)."""

from __future__ import annotations

from amaranth.hdl import Module
from amaranth.lib import wiring
from amaranth.lib.wiring import In

from schw.hdl import RunControl, latch, run_ports
from schw.sc.rtl import Apc, CorDiv, SngBank

from .params import ScCorDivParams


class ScCorDiv(wiring.Component):
    """sc-cordiv datapath. Parameters: a validated :class:`ScCorDivParams`."""

    def __init__(self, p: ScCorDivParams):
        self.p = p
        super().__init__(run_ports(p.result_width, a=In(p.width), b=In(p.width)))

    def elaborate(self, platform):
        p = self.p
        m = Module()
        m.submodules.ctl = ctl = RunControl(p.length)
        m.submodules.sng = sng = SngBank(p.spec, 1 if p.depth == 1 else 2, p.length)
        m.submodules.div = div = CorDiv(p.depth)
        if p.depth > 1:
            m.d.comb += div.sel.eq(sng.codes[1][p.width - p.sel_bits:])
        m.submodules.counter = cnt = Apc(1, p.result_width)
        a_r, b_r = latch(m, ctl.load, a_r=self.a, b_r=self.b)
        m.d.comb += [ctl.start.eq(self.start), self.done.eq(ctl.done),
                     sng.restart.eq(ctl.load), sng.step.eq(ctl.busy),
                     div.clear.eq(ctl.load), div.enable.eq(ctl.busy),
                     div.a.eq(sng.codes[0] < a_r), div.b.eq(sng.codes[0] < b_r),
                     cnt.clear.eq(ctl.load), cnt.enable.eq(ctl.busy), cnt.bits.eq(div.z)]
        with m.If(ctl.last):
            m.d.sync += self.result.eq(cnt.total)
        return m
