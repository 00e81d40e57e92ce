"""Registration of sc-gdc, sc-gdc-array, sc-gdm and fxp-acc: the glue between the generator
(:mod:`.rtl`), the golden model (:mod:`.golden`), the vectors and the per-cycle testbench
(:mod:`.tb`), and the manifests that state each interface."""

from __future__ import annotations

from schw.registry import register
from schw.sc.spec import COMPARATOR_RULE
from schw.units.base import Unit

from .golden import fxp_run, gdc_run, gdm_run, join_ports, split_ports
from .params import FxpAccParams, ScGdcArrayParams, ScGdcParams, ScGdmParams, channels_per_set, limits
from .rtl import FxpAcc, ScGdcArray, ScGdm
from .vectors import fxp_cycle_vectors, gdc_cycle_vectors, gdm_cycle_vectors


class _GdcBase(Unit):
    Params = ScGdcParams
    testbench = "schw.units.gdc.tb"
    default_vectors = 400
    scalar = True

    def component(self, p):
        return ScGdcArray(p, scalar=self.scalar)

    def manifest_extra(self, p):
        per = channels_per_set(p.shared)
        sfx = "" if self.scalar else "__i"
        ch = {"Rxa": 0, "Rda": 1} if p.shared else {"Rxa": 0, "Rda": 1, "Rxb": 2, "Rdb": 3}
        return {
            "interface": {
                "kind": "per-cycle (no handshake): inputs sampled at each rising edge, w is the register",
                "load": f"1: w{sfx} <= w_in{sfx}; SNGs hold (wins over en)",
                "en": "1 (and load 0): one update, counter += A - B (saturating), SNGs step",
                f"w{sfx}": f"counter, {p.width}-bit two's complement, weight = w * 2^-{p.step_exp}",
                f"x{sfx}, dp{sfx}, dn{sfx}": f"{p.operand_width}-bit codes; update term delta = x * (dp - dn)"
                + (f"; outer layout: x__r per row (r < {p.rows}), dp__c/dn__c per column (c < {p.cols}), "
                   "counter i = r * cols + c" if getattr(p, "outer", None) else ""),
                **({f"x_sign{sfx}": "1: x is negative (swaps A and B)"} if p.coding == "signed" else {}),
                "reset": "synchronous: counters 0, SNGs to their initial state",
            },
            "streams": {
                "unipolar": "A = (Rxa < x) & (Rda < dp), B = (Rxb < x) & (Rdb < dn)",
                "bipolar": "A = ~((Rxa < x) ^ (Rda < dp)), B = ~((Rxb < x) ^ (Rdb < dn))",
                "signed": "as unipolar; x_sign = 1 swaps A and B",
            }[p.coding],
            "update": f"counter += A - B, saturating at [{limits(p.width)[0]}, {limits(p.width)[1]}]; "
                      f"E[dw] = 2^-{p.step_exp} * E[A - B] = -2^-{p.step_exp} * g",
            "expected_step": {
                "unipolar": "x (dp - dn) / 2^(2N)",
                "bipolar": "xb (dpb - dnb) / 2 with xb = 2x/2^N - 1 etc.",
                "signed": "(-1)^x_sign x (dp - dn) / 2^(2N)",
            }[p.coding],
            "comparator_rule": COMPARATOR_RULE,
            "sng": {"kind": p.sng, "width": p.operand_width, "seed": p.seed, "shared_source": p.shared,
                    "channels_per_set": ch, "source_sets": p.source_sets,
                    "counter_to_set": ("row r's x comparators use set r mod source_sets, column c's dp/dn "
                                       "comparators set c mod source_sets; counter i = r * cols + c"
                                       if getattr(p, "outer", None) else
                                       "counter i uses set i mod source_sets"),
                    "set_channels": f"set s is channels s * {per} .. s * {per} + {per - 1}",
                    "sobol_index_modulo": 1 << p.operand_width,
                    "channels": p.spec.describe(p.channels)},
        }

    def vectors(self, p, seed, count):
        return split_ports(gdc_cycle_vectors(p, seed, count), self.scalar)

    def golden(self, p, inputs):
        names = ["load", "en", "w_in", "x", "dp", "dn"] + (["x_sign"] if p.coding == "signed" else [])
        arrays = join_ports(inputs, names, self.scalar)
        return split_ports(gdc_run(p, arrays, p.weights, p.source_sets, getattr(p, "outer", None)), self.scalar)


@register
class ScGdcUnit(_GdcBase):
    name = "sc-gdc"
    operation_name = "one weight update (one per enabled cycle)"
    Params = ScGdcParams
    summary = "SC gradient-descent counter: one weight, saturating W-bit up/down counter stepped by A - B"


@register
class ScGdcArrayUnit(_GdcBase):
    name = "sc-gdc-array"
    Params = ScGdcArrayParams
    summary = "M SC-GDC counters updated in parallel; random sources shared across the array"
    scalar = False
    default_vectors = 250
    operation_name = "one weight update (M per enabled cycle)"

    def operation(self, p):
        return {"name": self.operation_name, "cycles_per_op": 1 / p.weights}


@register
class ScGdmUnit(Unit):
    name = "sc-gdm"
    operation_name = "one weight update (one per enabled cycle)"
    Params = ScGdmParams
    summary = "SC gradient descent with momentum (schw's own design): shift-subtract velocity, stochastic +-1 LSB steps"
    testbench = "schw.units.gdc.tb"
    default_vectors = 400

    def component(self, p):
        return ScGdm(p)

    def manifest_extra(self, p):
        return {
            "design": "schw's own SC-GDM design (no public reference design exists)",
            "interface": {
                "kind": "per-cycle (no handshake): inputs sampled at each rising edge",
                "load": "1: w <= w_in, v <= 0; SNG holds (wins over en)",
                "en": "1 (and load 0): v <= v - (v >>> m) + g; w steps by -sign(v') * (R < min(|v'| >> e, 2^N)); SNG steps",
                "g": f"{p.operand_width + 1}-bit two's complement gradient, value g / 2^{p.operand_width}",
                "w": f"counter, {p.width}-bit two's complement, weight = w * 2^-{p.step_exp}, saturating",
                "v": f"velocity register, {p.velocity_width}-bit two's complement (never overflows)",
                "reset": "synchronous: w = 0, v = 0, SNG to its initial state",
            },
            "momentum_beta": f"1 - 2^-{p.momentum_exp}",
            "eta": f"2^-{p.eta_exp}",
            "expected_step": "-sign(v') * min(|v'| >> e, 2^N) / 2^N LSBs",
            "comparator_rule": COMPARATOR_RULE,
            "sng": {"kind": p.sng, "width": p.operand_width, "seed": p.seed, "channels": p.spec.describe(1),
                    "sobol_index_modulo": 1 << p.operand_width},
        }

    def vectors(self, p, seed, count):
        return gdm_cycle_vectors(p, seed, count)

    def golden(self, p, inputs):
        return gdm_run(p, inputs)


@register
class FxpAccUnit(Unit):
    name = "fxp-acc"
    operation_name = "one weight update (one per enabled cycle)"
    Params = FxpAccParams
    summary = "fixed-point weight update: W-bit register, multiplier, rounding, saturating adder (area baseline)"
    testbench = "schw.units.gdc.tb"
    default_vectors = 400

    def component(self, p):
        return FxpAcc(p)

    def manifest_extra(self, p):
        return {
            "interface": {
                "kind": "per-cycle (no handshake): inputs sampled at each rising edge",
                "load": "1: w <= w_in (wins over en)",
                "en": f"1: w <= sat(w + ((x * d + 2^{p.shift - 1}) >>> {p.shift}))" if p.shift else "1: w <= sat(w + x * d)",
                "x, d": f"{p.operand_width + 1}-bit two's complement, value code / 2^{p.operand_width}",
                "w": f"{p.width}-bit two's complement, weight = w * 2^-{p.step_exp + p.extra_bits}",
                "reset": "synchronous: w = 0",
            },
            "rounding": "round to nearest, ties up (towards +infinity)",
        }

    def vectors(self, p, seed, count):
        return fxp_cycle_vectors(p, seed, count)

    def golden(self, p, inputs):
        return fxp_run(p, inputs)
