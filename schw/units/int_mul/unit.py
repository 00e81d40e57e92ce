"""The registered ``int-mul`` unit: generator, golden model and vectors of this family."""

from __future__ import annotations

from schw.registry import register
from schw.units.base import Unit

from .golden import products
from .params import IntMulParams
from .rtl import IntMul
from .vectors import int_mul_vectors


@register
class IntMulUnit(Unit):
    name = "int-mul"
    operation_name = "one multiply (one per cycle, pipelined)"
    Params = IntMulParams
    summary = "binary baseline: unsigned N x N multiplier, registered in and out (start/done, latency 1)"
    busy_start = "accepted"  # fully pipelined: a start every cycle is a run of its own

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
        return int_mul_vectors(p, seed, count)

    def golden(self, p, inputs):
        return {"result": products(inputs["a"], inputs["b"])}
