"""The registered ``sc-cordiv`` unit: generator, golden model and vectors of this family."""

from __future__ import annotations

from schw.registry import register
from schw.sc.spec import COMPARATOR_RULE
from schw.units.base import RunUnit, handshake

from .golden import cordiv_accuracy, cordiv_counts
from .params import ScCorDivParams
from .rtl import ScCorDiv
from .vectors import cordiv_vectors


@register
class ScCorDivUnit(RunUnit):
    name = "sc-cordiv"
    operation_name = "one division (an L-cycle run)"
    Params = ScCorDivParams
    summary = "SC CORDIV divider: correlated streams, MUX + flip-flop; value = min(a / b, 1)"
    default_vectors = 300

    def component(self, p):
        return ScCorDiv(p)

    def manifest_extra(self, p):
        return {
            "handshake": handshake("number of ones in the L output bits"),
            "value": "result / L estimates min(a / b, 1)",
            "cell": ("z = b_t ? a_t : z_(t-1); z_(-1) = 0 (cleared at start)" if p.depth == 1 else
                     f"z = b_t ? a_t : z_(t-1-s_t), s_t = top {p.sel_bits} bits of SNG channel 1; "
                     "history cleared at start"),
            "comparator_rule": COMPARATOR_RULE,
            "sng": {"kind": p.sng, "width": p.width, "seed": p.seed,
                    "channels": p.spec.describe(1 if p.depth == 1 else 2),
                    "operand_channel": {"a": 0, "b": 0}, "correlation": "shared source (SCC = +1)"},
        }

    def vectors(self, p, seed, count):
        return cordiv_vectors(p, seed, count)

    def golden(self, p, inputs):
        return {"result": cordiv_counts(p, inputs["a"], inputs["b"])}

    def accuracy(self, p, lengths, seed=1):
        """Error of result / L against a / b over the pairs a <= b, b > 0 (see :func:`cordiv_accuracy`)."""
        return cordiv_accuracy(p, lengths, seed)
