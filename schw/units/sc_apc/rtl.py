"""sc-apc gateware: k comparators on an SNG bank feeding an accumulative parallel counter."""

from __future__ import annotations

from amaranth.hdl import Cat, Module
from amaranth.lib import wiring
from amaranth.lib.wiring import In

from schw.sc.rtl import SngBank
from schw.hdl import run_ports
from schw.sc.rtl import Apc
from schw.hdl import latch_lanes, RunControl

from .params import ScApcParams


class ScApc(wiring.Component):
    """sc-apc datapath. Parameters: a validated :class:`ScApcParams`."""

    def __init__(self, p: ScApcParams):
        self.p = p
        super().__init__(run_ports(p.result_width, x=In(p.width).array(p.inputs)))

    def elaborate(self, platform):
        p = self.p
        m = Module()
        m.submodules.ctl = ctl = RunControl(p.length)
        m.submodules.sng = sng = SngBank(p.spec, p.inputs, p.length)
        m.submodules.apc = apc = Apc(p.inputs, p.result_width)
        m.d.comb += [ctl.start.eq(self.start), self.done.eq(ctl.done),
                     sng.restart.eq(ctl.load), sng.step.eq(ctl.busy),
                     apc.clear.eq(ctl.load), apc.enable.eq(ctl.busy)]
        bits = [code < x_r for code, x_r in zip(sng.codes, latch_lanes(m, ctl.load, x=self.x))]
        m.d.comb += apc.bits.eq(Cat(*bits))
        with m.If(ctl.last):
            m.d.sync += self.result.eq(apc.total)
        return m
