"""sc-dot gateware: two-channel SNG bank, k XNOR lanes, APC."""

from __future__ import annotations

from amaranth.hdl import Cat, Module
from amaranth.lib import wiring
from amaranth.lib.wiring import In

from schw.hdl import latch_lanes, run_ports, RunControl
from schw.sc.rtl import Apc, SngBank

from .params import ScDotParams


class ScDot(wiring.Component):
    """The sc-dot PE. Parameters: a validated :class:`ScDotParams`. Ports: see module docstring."""

    def __init__(self, p: ScDotParams):
        self.p = p
        super().__init__(run_ports(p.result_width, a=In(p.width).array(p.inputs), b=In(p.width).array(p.inputs)))

    def elaborate(self, platform):
        p = self.p
        m = Module()
        m.submodules.ctl = ctl = RunControl(p.length)
        m.submodules.sng = sng = SngBank(p.spec, 2, p.length)
        m.submodules.apc = apc = Apc(p.inputs, p.result_width)
        m.d.comb += [ctl.start.eq(self.start), self.done.eq(ctl.done),
                     sng.restart.eq(ctl.load), sng.step.eq(ctl.busy),
                     apc.clear.eq(ctl.load), apc.enable.eq(ctl.busy)]
        products = [~((sng.codes[0] < a_r) ^ (sng.codes[1] < b_r))
                    for a_r, b_r in latch_lanes(m, ctl.load, a=self.a, b=self.b)]
        # one whole-port assignment (per-bit assignments to a submodule port were once seen
        # missing from the emitted Verilog while developing sc-mux-add; not minimised)
        m.d.comb += apc.bits.eq(Cat(*products))
        with m.If(ctl.last):
            m.d.sync += self.result.eq(apc.total)
        return m
