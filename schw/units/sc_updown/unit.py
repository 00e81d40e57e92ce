"""The registered ``sc-updown`` unit: generator, golden model and vectors of this family."""

from __future__ import annotations

from schw.registry import register
from schw.sc.spec import COMPARATOR_RULE
from schw.units.base import RunUnit, handshake

from .golden import updown_accuracy, updown_values
from .params import ScUpDownParams
from .rtl import ScUpDown
from .vectors import updown_vectors


@register
class ScUpDownUnit(RunUnit):
    name = "sc-updown"
    operation_name = "one stream-to-binary conversion (an L-cycle run)"
    Params = ScUpDownParams
    summary = "SC up/down counter converter: bipolar stream to two's-complement binary (saturating)"
    default_vectors = 200

    def component(self, p):
        return ScUpDown(p)

    def manifest_extra(self, p):
        c = p.counter_bits
        return {
            "handshake": handshake("final up/down counter value, two's complement"),
            "value": "signed(result) / L estimates 2 x / 2^N - 1" + (" (saturating counter)" if p.saturates else ""),
            "counter": {"bits": c, "min": -(1 << (c - 1)), "max": (1 << (c - 1)) - 1, "start": 0,
                        "saturates": p.saturates, "step": "+1 for a 1, -1 for a 0, held at the limits"},
            "comparator_rule": COMPARATOR_RULE,
            "sng": {"kind": p.sng, "width": p.width, "seed": p.seed, "channels": p.spec.describe(1)},
        }

    def vectors(self, p, seed, count):
        return updown_vectors(p, seed, count)

    def golden(self, p, inputs):
        return {"result": updown_values(p, inputs["x"]) & ((1 << p.counter_bits) - 1)}

    def accuracy(self, p, lengths, seed=1):
        """Error of result / L against 2x / 2^N - 1 over every operand (see :func:`updown_accuracy`)."""
        return updown_accuracy(p, lengths)
