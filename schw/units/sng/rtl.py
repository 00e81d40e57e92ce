"""SNG unit gateware (Amaranth): a bank with one comparator per channel."""

from __future__ import annotations

from amaranth.hdl import Module
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from schw.sc.rtl import SngBank

from .params import SngUnitParams


class SngStream(wiring.Component):
    """An :class:`~schw.sc.rtl.SngBank` with one comparator per channel. Parameters: a validated
    :class:`SngUnitParams`."""

    def __init__(self, p: SngUnitParams):
        self.p = p
        ports = {"restart": In(1), "step": In(1)}
        for c in range(p.channels if p.comparators else 0):
            ports[f"x{c}"] = In(p.width)
        for c in range(p.channels):
            ports[f"code{c}"] = Out(p.width)
        for c in range(p.channels if p.comparators else 0):
            ports[f"bit{c}"] = Out(1)
        super().__init__(ports)

    def elaborate(self, platform):
        p = self.p
        m = Module()
        m.submodules.bank = bank = SngBank(p.spec, p.channels, p.run_length)
        m.d.comb += [bank.restart.eq(self.restart), bank.step.eq(self.step)]
        for c in range(p.channels):
            code = getattr(self, f"code{c}")
            m.d.comb += code.eq(bank.codes[c])
            if p.comparators:
                m.d.comb += getattr(self, f"bit{c}").eq(code < getattr(self, f"x{c}"))
        return m
