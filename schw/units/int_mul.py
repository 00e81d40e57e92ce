"""int-mul: the binary baseline - a plain unsigned N x N multiplier, registered in and out.

Interface (the same handshake as sc-mul, so the same testbench, flow and wrappers apply):
``start`` (1-cycle pulse) latches ``a`` and ``b`` into the input registers; the next edge
registers ``result = a * b`` (2N bits, exact) and raises ``done`` for one cycle, so the
latency is 1 edge after the edge that sampled ``start``. ``result`` holds until the next
``done``. ``start`` may be high in any cycle (the multiplier is fully pipelined: a new pair
every cycle, results in order one cycle later), including the cycle ``done`` is high.
The product is one combinational ``*`` between the registers, which Yosys maps to its own
multiplier architecture (``synth`` + ``abc``); no pipelining inside.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from amaranth.hdl import Module, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In

from ..params import Params, int_range, param
from schw.registry import register
from schw.units.base import Unit
from schw.hdl import run_ports
from schw.hdl import latch
from schw.lanes import operand_vectors


@dataclass(frozen=True)
class IntMulParams(Params):
    width: int = param(8, int_range(2, 32), "operand width N in bits (unsigned); result 2N bits")


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


@register
class IntMulUnit(Unit):
    name = "int-mul"
    Params = IntMulParams
    summary = "binary baseline: unsigned N x N multiplier, registered in and out (start/done, latency 1)"

    def component(self, p):
        return IntMul(p)

    def latency_cycles(self, p):
        return 1

    def manifest_extra(self, p):
        return {
            "handshake": {
                "start": "1-cycle pulse; latches a and b (accepted every cycle: fully pipelined)",
                "done": "1-cycle pulse 1 edge after the edge that sampled start",
                "result": "a * b, unsigned, 2N bits; held until the next done",
                "back_to_back": "start may be high in any cycle, also when done is high",
            },
            "value": "result = a * b exactly",
        }

    def vectors(self, p, seed, count):
        return operand_vectors(p.width, seed, count)

    def golden(self, p, inputs):
        a = np.asarray(inputs["a"], dtype=np.uint64)
        b = np.asarray(inputs["b"], dtype=np.uint64)
        return {"result": a * b}  # < 2^64 for N <= 32: exact in uint64
