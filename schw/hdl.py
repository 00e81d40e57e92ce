"""Amaranth helpers every generator may use (no unit registered here, no golden code):

* :func:`run_ports` - the signature of a start/done/result component, in Verilog port order.
* :class:`RunControl` - the start/busy/done sequencing of an L-cycle run (the same contract
  as sc-mul: ``done`` L edges after the edge that sampled ``start``; start ignored while busy).
* :func:`latch` / :func:`latch_lanes` - the operand registers a wrapper loads at ``start``.
* :func:`popcount_tree` - number of ones among 1-bit values as a balanced adder tree.
"""

from __future__ import annotations

from amaranth.hdl import Cat, Const, Module, Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out


def run_ports(result_width: int, **operands) -> dict:
    """Signature members of a start/done/result component: ``start`` (In 1), the operand ports
    in keyword order, ``done`` (Out 1), ``result`` (Out ``result_width``): the Verilog port order."""
    return {"start": In(1), **operands, "done": Out(1), "result": Out(result_width)}


def popcount_tree(bits) -> object:
    """Number of ones among 1-bit values as a balanced adder tree (depth ceil(log2 k))."""
    terms = list(bits)
    if not terms:
        return Const(0, 1)
    while len(terms) > 1:
        nxt = [terms[i] + terms[i + 1] for i in range(0, len(terms) - 1, 2)]
        if len(terms) % 2:
            nxt.append(terms[-1])
        terms = nxt
    return terms[0]


class RunControl(wiring.Component):
    """Sequencing of an L-cycle run.

    Parameters: ``length`` (L >= 2).
    Ports: ``start`` (In: accepted when idle or in the cycle ``done`` is high), ``load`` (Out,
    combinational: start accepted this cycle - latch operands, restart SNGs, clear cores),
    ``busy`` (Out, registered: this is a run cycle - step SNGs, enable cores), ``last`` (Out,
    combinational: busy and the run's final cycle - register the result), ``done`` (Out,
    registered 1-cycle pulse after the last cycle).
    """

    def __init__(self, length: int):
        self.length = length
        super().__init__({"start": In(1), "load": Out(1), "busy": Out(1), "last": Out(1), "done": Out(1)})

    def elaborate(self, platform):
        m = Module()
        count = Signal(range(self.length))
        m.d.sync += self.done.eq(0)
        m.d.comb += self.last.eq(self.busy & (count == self.length - 1))
        with m.If(self.busy):
            m.d.sync += count.eq(count + 1)
            with m.If(self.last):
                m.d.sync += [self.busy.eq(0), self.done.eq(1)]
        with m.Elif(self.start):
            m.d.comb += self.load.eq(1)
            m.d.sync += [self.busy.eq(1), count.eq(0)]
        return m


def latch(m: Module, load, **values) -> list[Signal]:
    """Operand registers: one register per keyword, named by it and shaped like its value, all
    loaded at the edge where ``load`` is high (one ``If``). Returns them in keyword order."""
    regs = [Signal(v.shape(), name=n) for n, v in values.items()]
    with m.If(load):
        m.d.sync += [r.eq(v) for r, v in zip(regs, values.values())]
    return regs


def latch_lanes(m: Module, load, **ports) -> list:
    """:func:`latch` lane by lane for array ports of k lanes each: lane i of port ``x`` goes to
    the register ``x_r{i}`` (the registers of one lane share an ``If``). Returns, per lane, its
    register (one port) or the tuple of its registers in keyword order."""
    (lanes,) = {len(port) for port in ports.values()}
    regs = [latch(m, load, **{f"{n}_r{i}": port[i] for n, port in ports.items()}) for i in range(lanes)]
    return [r[0] if len(ports) == 1 else tuple(r) for r in regs]


def lzc(v):
    """Leading-zero count of ``v`` (a log-depth tree); undefined when ``v`` is zero."""
    n = len(v)
    w = 1 << max(1, (n - 1).bit_length())
    x = Cat(Const(0, w - n), v)  # zero padding below the LSB keeps the count of a nonzero v

    def tree(x):
        if len(x) == 2:
            return ~x[1], ~(x[0] | x[1])
        h = len(x) // 2
        cl, zl = tree(x[:h])
        ch, zh = tree(x[h:])
        return Mux(zh, Cat(cl, Const(1, 1)), Cat(ch, Const(0, 1))), zh & zl

    return tree(x)[0]


def round_up(rm, sign, lsb, rnd, sticky):
    """Round-increment decision for the five RISC-V rounding modes (``rm`` 0 RNE, 1 RTZ, 2 RDN,
    3 RUP, 4 RMM; 5..7 never increment, as RTZ)."""
    return Mux(rm == 0, rnd & (sticky | lsb),
           Mux(rm == 2, (rnd | sticky) & sign,
           Mux(rm == 3, (rnd | sticky) & ~sign,
           Mux(rm == 4, rnd, 0))))
