"""FSM gateware: :class:`FsmStream`, the machine on one stream, and :class:`FsmUnitHw`, the
binary-in, binary-out wrapper of fsm-tanh, fsm-sigmoid and fsm-exp.

The wrapper: a comparator SNG turns the latched operand ``a`` into a stream (bit = code < a,
bipolar value x = 2a/2^W - 1), the FSM maps it, and a counter counts the ones of the FSM's output
over L cycles. The handshake is sc-mul's: ``start`` (1-cycle pulse, ignored while busy) latches
``a``, restarts the SNG and puts the FSM in its initial state; ``done`` pulses L edges after the
edge that sampled ``start``; ``result`` (log2(L)+1 bits) holds the ones count until the next
``done``; back-to-back starts are allowed.
"""

from __future__ import annotations

from amaranth.hdl import Module, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from schw.hdl import run_ports
from schw.sc.rtl import SngBank

from .params import Fsm


class FsmStream(wiring.Component):
    """A Brown & Card FSM on one stream.

    Parameters: ``fsm``, a :class:`schw.units.fsm.params.Fsm`.

    Ports: ``x`` (In 1, the input bit of this cycle), ``en`` (In 1, take a step with ``x`` at
    the next edge), ``restart`` (In 1, next state is the initial state; wins over ``en``),
    ``y`` (Out 1, the output bit of the current state: a Moore output straight from the state
    register, so the bit for run cycle t is valid while ``x`` of cycle t is presented).
    """

    def __init__(self, fsm: Fsm):
        self.fsm = fsm
        super().__init__({"x": In(1), "en": In(1), "restart": In(1), "y": Out(1)})

    def elaborate(self, platform):
        m = Module()
        f = self.fsm
        state = Signal(range(f.states), init=f.initial)
        with m.If(self.restart):
            m.d.sync += state.eq(f.initial)
        with m.Elif(self.en):
            with m.If(self.x):
                with m.If(state != f.states - 1):
                    m.d.sync += state.eq(state + 1)
            with m.Elif(state != 0):
                m.d.sync += state.eq(state - 1)
        if f.kind == "tanh":
            m.d.comb += self.y.eq(state >= f.threshold)
        else:
            m.d.comb += self.y.eq(state < f.threshold)
        return m


class FsmUnitHw(wiring.Component):
    """SNG -> FSM -> ones counter with the start/done/result handshake.

    Parameters: ``p`` (validated params with width, length, sng, seed) and ``fsm``.
    """

    def __init__(self, p, fsm: Fsm):
        self.p, self.fsm = p, fsm
        super().__init__(run_ports(p.result_width, a=In(p.width)))

    def elaborate(self, platform):
        p = self.p
        m = Module()
        m.submodules.sng = sng = SngBank(p.spec, 1, p.length)
        m.submodules.fsm = fsm = FsmStream(self.fsm)
        a_r = Signal(p.width)
        busy = Signal()
        count = Signal(range(p.length))
        acc = Signal(p.result_width)
        m.d.comb += fsm.x.eq(sng.codes[0] < a_r)
        m.d.sync += self.done.eq(0)
        with m.If(busy):
            m.d.comb += [sng.step.eq(1), fsm.en.eq(1)]
            m.d.sync += [acc.eq(acc + fsm.y), count.eq(count + 1)]
            with m.If(count == p.length - 1):
                m.d.sync += [busy.eq(0), self.done.eq(1), self.result.eq(acc + fsm.y)]
        with m.Elif(self.start):
            m.d.comb += [sng.restart.eq(1), fsm.restart.eq(1)]
            m.d.sync += [a_r.eq(self.a), busy.eq(1), count.eq(0), acc.eq(0)]
        return m
