"""The registered SNG units ``lfsr``, ``sobol``, ``halton``, ``ramp``: one bank generator,
golden model and vector set, the kind taken from the Params class."""

from __future__ import annotations

from schw.registry import register
from schw.sc.spec import COMPARATOR_RULE
from schw.units.base import Unit

from .golden import cycle_outputs, stream_accuracy
from .params import HaltonParams, LfsrParams, RampParams, SobolParams, period_of
from .rtl import SngStream
from .vectors import cycle_vectors


class _SngUnit(Unit):
    operation_name = "one cycle of the bank (a code and a stream bit per channel)"
    testbench = "tb_sng"
    default_vectors = 1500  # cycles

    def top(self, p):
        return f"sng_{self.name}"

    def component(self, p):
        return SngStream(p)

    def manifest_extra(self, p):
        return {
            "interface": {
                "restart": "In 1: the next cycle shows run position 0 (wins over step)",
                "step": "In 1: the next cycle shows the next position; else the codes hold",
                "x<c>": f"In {p.width}: operand of channel c's comparator (only with comparators)",
                "code<c>": f"Out {p.width}: channel c's code at the current position (combinational from state)",
                "bit<c>": "Out 1: code<c> < x<c> (combinational; only with comparators); stream value x / 2^N",
                "after_reset": "position 0",
            },
            "comparator_rule": COMPARATOR_RULE,
            "sng": {"kind": p.kind, "width": p.width, "seed": p.seed, "mode": p.mode, "offset": p.offset,
                    "comparators": p.comparators,
                    "period": period_of(p), "channels": p.spec.describe(p.channels)},
        }

    def vectors(self, p, seed, count):
        return cycle_vectors(p, seed, count)

    def golden(self, p, inputs):
        return cycle_outputs(p, inputs)

    def accuracy(self, p, lengths, seed=1):
        """One stream's value against x / 2^N, channel 0 (see :func:`stream_accuracy`)."""
        return stream_accuracy(p, lengths, seed)


@register
class LfsrUnit(_SngUnit):
    name = "lfsr"
    Params = LfsrParams
    summary = "LFSR SNG bank (maximal-length Galois LFSRs, widths 2..32) with comparators"


@register
class SobolUnit(_SngUnit):
    name = "sobol"
    Params = SobolParams
    summary = "Sobol SNG bank (Joe-Kuo, 16 dimensions) with comparators"


@register
class HaltonUnit(_SngUnit):
    name = "halton"
    Params = HaltonParams
    summary = "Halton / van der Corput SNG bank (bases 2, 3, 5, ...) with comparators"


@register
class RampUnit(_SngUnit):
    name = "ramp"
    Params = RampParams
    summary = "ramp-counter SNG bank (deterministic SC, clock-divided channels) with comparators"
