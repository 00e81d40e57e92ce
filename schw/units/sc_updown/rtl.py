"""sc-updown gateware (Amaranth)."""

from __future__ import annotations

from amaranth.hdl import Module, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from schw.hdl import RunControl
from schw.sc.rtl import SngBank, UpDownCounter

from .params import ScUpDownParams


class ScUpDown(wiring.Component):
    """sc-updown datapath. Parameters: a validated :class:`ScUpDownParams`."""

    def __init__(self, p: ScUpDownParams):
        self.p = p
        super().__init__({"start": In(1), "x": In(p.width), "done": Out(1), "result": Out(p.counter_bits)})

    def elaborate(self, platform):
        p = self.p
        m = Module()
        m.submodules.ctl = ctl = RunControl(p.length)
        m.submodules.sng = sng = SngBank(p.spec, 1, p.length)
        m.submodules.counter = cnt = UpDownCounter(p.counter_bits)
        x_r = Signal(p.width)
        m.d.comb += [ctl.start.eq(self.start), self.done.eq(ctl.done),
                     sng.restart.eq(ctl.load), sng.step.eq(ctl.busy),
                     cnt.clear.eq(ctl.load), cnt.enable.eq(ctl.busy), cnt.bit.eq(sng.codes[0] < x_r)]
        with m.If(ctl.load):
            m.d.sync += x_r.eq(self.x)
        with m.If(ctl.last):
            m.d.sync += self.result.eq(cnt.next)
        return m
