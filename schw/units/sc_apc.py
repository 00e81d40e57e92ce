"""sc-apc: accumulative parallel counter, binary in, binary out (start/done/result like sc-mul).

k = ``inputs`` operands on the array port ``x`` (Verilog ``x__0`` .. ``x__{k-1}``); operand i
is compared against channel i of ``SngSpec(sng, N, seed, mode)`` (``mode=shared``: every
operand reads one generator - the APC sum does not depend on correlation between its inputs,
so sharing is exact in expectation and cheaper). Every cycle the APC (:class:`~schw.sc.rtl.Apc`:
balanced adder tree + accumulator, no pipeline) adds the number of ones among the k stream bits.

``result`` ((k L).bit_length() bits) = total ones over k streams and L cycles; ``result / L``
estimates ``sum_i x_i / 2^N``. ``done`` pulses L edges after the edge that sampled ``start``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from amaranth.hdl import Cat, Module
from amaranth.lib import wiring
from amaranth.lib.wiring import In

from ..params import Params, choice, int_range, param, power_of_two
from schw.sc.spec import COMPARATOR_RULE, SngSpec
from schw.sc.rtl import SngBank
from schw.registry import register
from schw.units.base import handshake, RunUnit
from schw.hdl import run_ports
from schw.sc.rtl import Apc
from schw.hdl import latch_lanes, RunControl
from schw.sc.golden import below_table, sng_codes
from schw.stats import error_row, operand_grid
from schw.lanes import lane_dict, lane_names, lane_stack, lane_vectors


@dataclass(frozen=True)
class ScApcParams(Params):
    inputs: int = param(8, int_range(1, 64), "number of streams k summed per cycle")
    width: int = param(8, int_range(2, 16), "operand width N in bits (p = code / 2^N)")
    length: int = param(256, power_of_two(4, 65536), "stream length L in cycles")
    sng: str = param("lfsr", choice("lfsr", "sobol", "halton"), "SNG kind")
    mode: str = param("independent", choice("independent", "shared"),
                      "independent: channel i feeds operand i; shared: one generator feeds all")
    seed: int = param(0, int_range(0, 2**32 - 1), "SNG seed")

    def check(self):
        self.spec.plan(self.inputs)  # ParamError when the kind has fewer independent sources

    @property
    def spec(self) -> SngSpec:
        return SngSpec(self.sng, self.width, self.seed, self.mode)

    @property
    def result_width(self) -> int:
        return (self.inputs * self.length).bit_length()


def apc_counts(p: ScApcParams, x) -> np.ndarray:
    """Golden model: ``result`` for each row of ``x`` (shape (n, k)) - the sum over lanes of the
    ones count of lane i's comparator stream, looked up for all operand values at once."""
    x = np.asarray(x, dtype=np.int64)
    codes = sng_codes(p.spec, p.inputs, p.length)
    out = np.zeros(x.shape[0], dtype=np.int64)
    for i in range(p.inputs):
        out += below_table(codes[i], p.width)[x[:, i]]
    return out


class ScApc(wiring.Component):
    """sc-apc datapath. Parameters: a validated :class:`ScApcParams`."""

    def __init__(self, p: ScApcParams):
        self.p = p
        super().__init__(run_ports(p.result_width, x=In(p.width).array(p.inputs)))

    def elaborate(self, platform):
        p = self.p
        m = Module()
        m.submodules.ctl = ctl = RunControl(p.length)
        m.submodules.sng = sng = SngBank(p.spec, p.inputs, p.length)
        m.submodules.apc = apc = Apc(p.inputs, p.result_width)
        m.d.comb += [ctl.start.eq(self.start), self.done.eq(ctl.done),
                     sng.restart.eq(ctl.load), sng.step.eq(ctl.busy),
                     apc.clear.eq(ctl.load), apc.enable.eq(ctl.busy)]
        bits = [code < x_r for code, x_r in zip(sng.codes, latch_lanes(m, ctl.load, x=self.x))]
        m.d.comb += apc.bits.eq(Cat(*bits))
        with m.If(ctl.last):
            m.d.sync += self.result.eq(apc.total)
        return m


@register
class ScApcUnit(RunUnit):
    name = "sc-apc"
    Params = ScApcParams
    summary = "SC accumulative parallel counter: k comparator streams summed per cycle into binary"
    default_vectors = 200

    def component(self, p):
        return ScApc(p)

    def manifest_extra(self, p):
        return {
            "handshake": handshake("number of ones over the k streams and L cycles"),
            "operands": lane_names("x", p.inputs),
            "value": "result / L estimates sum_i x_i / 2^N",
            "comparator_rule": COMPARATOR_RULE,
            "apc": {"kind": "exact balanced adder tree + accumulator", "pipeline_stages": 0},
            "sng": {"kind": p.sng, "width": p.width, "seed": p.seed, "mode": p.mode,
                    "channels": p.spec.describe(p.inputs),
                    "operand_channel": {n: i for i, n in enumerate(lane_names("x", p.inputs))}},
        }

    def vectors(self, p, seed, count):
        return lane_dict("x", lane_vectors(p.width, p.inputs, seed, count))

    def golden(self, p, inputs):
        return {"result": apc_counts(p, lane_stack(inputs, "x", p.inputs))}

    def accuracy(self, p, lengths, seed=1):
        """Error of result / (k L) against mean(x) / 2^N (the sum's error divided by k)."""
        x = operand_grid(p.width, p.inputs, seed)
        exact = x.mean(axis=1) / (1 << p.width)
        return [error_row(L, apc_counts(p.replace(length=L), x) / (L * p.inputs), exact) for L in lengths]
