"""sc-mux-add and sc-or-add gateware."""

from __future__ import annotations

from amaranth.hdl import Cat, Module
from amaranth.lib import wiring
from amaranth.lib.wiring import In

from schw.sc.rtl import SngBank
from schw.hdl import run_ports
from schw.sc.rtl import Apc, MuxAdd, or_tree
from schw.hdl import latch_lanes, RunControl

from .params import ScMuxAddParams, ScOrAddParams


class ScMuxAdd(wiring.Component):
    """sc-mux-add datapath. Parameters: a validated :class:`ScMuxAddParams`."""

    def __init__(self, p: ScMuxAddParams):
        self.p = p
        super().__init__(run_ports(p.result_width, x=In(p.width).array(p.inputs)))

    def elaborate(self, platform):
        p = self.p
        m = Module()
        m.submodules.ctl = ctl = RunControl(p.length)
        if p.sng == p.select:
            m.submodules.sng = bank = SngBank(p.data_spec, 2, p.length)
            data_code, sel_code, banks = bank.codes[0], bank.codes[1], [bank]
        else:
            m.submodules.sng = data = SngBank(p.data_spec, 1, p.length)
            m.submodules.sel_sng = sel = SngBank(p.select_spec, 2, p.length)
            data_code, sel_code, banks = data.codes[0], sel.codes[1], [data, sel]
        m.submodules.mux = mux = MuxAdd(p.inputs)
        m.submodules.counter = cnt = Apc(1, p.result_width)
        m.d.comb += [ctl.start.eq(self.start), self.done.eq(ctl.done),
                     cnt.clear.eq(ctl.load), cnt.enable.eq(ctl.busy), cnt.bits.eq(mux.y)]
        for b in banks:
            m.d.comb += [b.restart.eq(ctl.load), b.step.eq(ctl.busy)]
        m.d.comb += mux.sel.eq(sel_code[:p.select_bits] if p.select == "ramp"
                               else (sel_code * p.inputs)[p.width:])
        streams = [data_code < x_r for x_r in latch_lanes(m, ctl.load, x=self.x)]
        m.d.comb += mux.streams.eq(Cat(*streams))
        with m.If(ctl.last):
            m.d.sync += self.result.eq(cnt.total)
        return m


class ScOrAdd(wiring.Component):
    """sc-or-add datapath. Parameters: a validated :class:`ScOrAddParams`."""

    def __init__(self, p: ScOrAddParams):
        self.p = p
        super().__init__(run_ports(p.result_width, x=In(p.width).array(p.inputs)))

    def elaborate(self, platform):
        p = self.p
        m = Module()
        m.submodules.ctl = ctl = RunControl(p.length)
        m.submodules.sng = sng = SngBank(p.spec, p.inputs, p.length)
        m.submodules.counter = cnt = Apc(1, p.result_width)
        m.d.comb += [ctl.start.eq(self.start), self.done.eq(ctl.done),
                     sng.restart.eq(ctl.load), sng.step.eq(ctl.busy),
                     cnt.clear.eq(ctl.load), cnt.enable.eq(ctl.busy)]
        bits = [code < x_r for code, x_r in zip(sng.codes, latch_lanes(m, ctl.load, x=self.x))]
        m.d.comb += cnt.bits.eq(or_tree(bits))
        with m.If(ctl.last):
            m.d.sync += self.result.eq(cnt.total)
        return m
