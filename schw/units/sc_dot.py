"""sc-dot: stochastic-computing dot-product PE (binary in, binary out).

k bipolar XNOR products summed by an accumulative parallel counter (APC) over L cycles.

Datapath: one SNG bank with two channels (channel 0 feeds every ``a`` lane's comparator,
channel 1 every ``b`` lane's), so lane i's streams are ``code0 < a[i]`` and ``code1 < b[i]``
(p = code / 2^N, bipolar value x = 2p - 1). Each lane multiplies by XNOR; the APC adds the
k product bits of a cycle (balanced adder tree, combinational, no pipeline) to a binary count.
Sharing the two sources between lanes keeps the SNG cost at two generators per PE; every
product still sees two different sources, so each lane is an unbiased bipolar multiplier
(the lanes' errors are correlated, which the accuracy figures include).

Interface (also in the manifest) - :class:`ScDot` ``(p: ScDotParams)``:

``start``     In 1. 1-cycle pulse; latches ``a`` and ``b`` and restarts the SNGs; ignored
              while a run is under way; may be high in the cycle ``done`` is high.
``a``, ``b``  In, k x N bits each (Amaranth array ports; Verilog ``a__0`` .. ``a__{k-1}``,
              ``b__0`` .. ``b__{k-1}``), unsigned operand codes.
``done``      Out 1. 1-cycle pulse exactly L clock edges after the edge that sampled ``start``
              (``latency_cycles = L``: the APC adds no pipeline stage).
``result``    Out ``(k * L).bit_length()`` bits: the number of ones among the k x L product
              bits; held until the next ``done``.

Value: ``(2 * result - k * L) / L`` estimates ``sum_i (2 a_i / 2^N - 1) (2 b_i / 2^N - 1)``.
Golden model: :func:`dot_counts` ``(p, a, b)`` with a, b of shape (n, k) returns ``result`` (n,).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from amaranth.hdl import Cat, Module
from amaranth.lib import wiring
from amaranth.lib.wiring import In

from ..errors import ParamError
from ..params import Params, choice, int_range, param, power_of_two
from schw.sc.spec import COMPARATOR_RULE, SngSpec
from schw.sc.rtl import SngBank
from schw.sc.golden import popcount, sng_codes
from schw.registry import register
from schw.units.base import handshake, RunUnit
from schw.hdl import run_ports
from schw.sc.rtl import Apc
from schw.hdl import latch_lanes, RunControl
from schw.sc.golden import blocks, packed_streams
from schw.lanes import corner_codes, lane_dict, lane_names, lane_stack, lane_vectors
from schw.stats import error_row


@dataclass(frozen=True)
class ScDotParams(Params):
    inputs: int = param(4, int_range(1, 64), "number of products k")
    width: int = param(8, int_range(2, 16), "operand width N in bits (p = code / 2^N, bipolar x = 2p - 1)")
    length: int = param(256, power_of_two(4, 65536), "stream length L in cycles")
    sng: str = param("lfsr", choice("lfsr", "sobol"), "stochastic number generator (2 channels: a lanes, b lanes)")
    seed: int = param(0, int_range(0, 2**32 - 1), "SNG seed (LFSR initial states, Sobol digital shift; 0 = unscrambled Sobol)")

    @property
    def spec(self) -> SngSpec:
        return SngSpec(self.sng, self.width, self.seed)

    @property
    def result_width(self) -> int:
        return (self.inputs * self.length).bit_length()


def dot_counts(p: ScDotParams, a, b) -> np.ndarray:
    """Golden model: ``result`` for each row of ``a``, ``b`` (shape (n, k), operand codes)."""
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    if a.ndim != 2 or a.shape != b.shape or a.shape[1] != p.inputs:
        raise ParamError("a, b", f"arrays of shape (n, {p.inputs})", f"{a.shape} and {b.shape}")
    codes = sng_codes(p.spec, 2, p.length)
    ta, ia = packed_streams(codes[0], a)
    tb, ib = packed_streams(codes[1], b)
    words = ta.shape[1]
    out = np.empty(a.shape[0], dtype=np.int64)
    for s in blocks(a.shape[0], p.inputs * words):
        # XNOR ones = L - (positions where the streams differ); the zero padding never differs
        diff = popcount(ta[ia[s]] ^ tb[ib[s]])  # (n_block, k)
        out[s] = p.inputs * p.length - diff.sum(axis=1)
    return out


def dot_value(p: ScDotParams, result) -> np.ndarray:
    """The bipolar dot-product estimate of ``result``: (2 * result - k * L) / L."""
    return (2 * np.asarray(result, dtype=np.float64) - p.inputs * p.length) / p.length


def dot_exact(p: ScDotParams, a, b) -> np.ndarray:
    """The exact bipolar dot product the result estimates."""
    scale = float(1 << p.width)
    xa = 2 * np.asarray(a, dtype=np.float64) / scale - 1
    xb = 2 * np.asarray(b, dtype=np.float64) / scale - 1
    return (xa * xb).sum(axis=-1)


class ScDot(wiring.Component):
    """The sc-dot PE. Parameters: a validated :class:`ScDotParams`. Ports: see module docstring."""

    def __init__(self, p: ScDotParams):
        self.p = p
        super().__init__(run_ports(p.result_width, a=In(p.width).array(p.inputs), b=In(p.width).array(p.inputs)))

    def elaborate(self, platform):
        p = self.p
        m = Module()
        m.submodules.ctl = ctl = RunControl(p.length)
        m.submodules.sng = sng = SngBank(p.spec, 2, p.length)
        m.submodules.apc = apc = Apc(p.inputs, p.result_width)
        m.d.comb += [ctl.start.eq(self.start), self.done.eq(ctl.done),
                     sng.restart.eq(ctl.load), sng.step.eq(ctl.busy),
                     apc.clear.eq(ctl.load), apc.enable.eq(ctl.busy)]
        products = [~((sng.codes[0] < a_r) ^ (sng.codes[1] < b_r))
                    for a_r, b_r in latch_lanes(m, ctl.load, a=self.a, b=self.b)]
        # one whole-port assignment (per-bit assignments to a submodule port were once seen
        # missing from the emitted Verilog while developing sc-mux-add; not minimised)
        m.d.comb += apc.bits.eq(Cat(*products))
        with m.If(ctl.last):
            m.d.sync += self.result.eq(apc.total)
        return m


@register
class ScDotUnit(RunUnit):
    name = "sc-dot"
    Params = ScDotParams
    summary = "SC dot-product PE: k bipolar XNOR products summed by an APC over L cycles"
    default_vectors = 200

    def component(self, p):
        return ScDot(p)

    def manifest_extra(self, p):
        return {
            "handshake": handshake("number of ones among the k x L XNOR product bits", "a and b, restarts the SNGs",
                                   "latency_cycles (= L, no APC pipeline)"),
            "operands": {"a": lane_names("a", p.inputs), "b": lane_names("b", p.inputs)},
            "value": "(2 * result - k * L) / L estimates sum_i (2 a_i / 2^N - 1) * (2 b_i / 2^N - 1)",
            "comparator_rule": COMPARATOR_RULE,
            "apc": {"kind": "exact balanced adder tree + accumulator", "pipeline_stages": 0},
            "sng": {"kind": p.sng, "width": p.width, "seed": p.seed, "channels": p.spec.describe(2),
                    "operand_channel": {"a (every lane)": 0, "b (every lane)": 1}},
        }

    def vectors(self, p, seed, count):
        k = p.inputs
        cs = corner_codes(p.width)
        rows_a = [[ca] * k for ca in cs for cb in cs]
        rows_b = [[cb] * k for ca in cs for cb in cs]
        extra = lane_vectors(p.width, k, seed, 0)[len(cs):]  # alternating and walking patterns
        rows_a += extra.tolist()
        rows_b += extra[::-1].tolist()
        rng = np.random.default_rng(seed)
        a = np.concatenate([np.array(rows_a, dtype=np.int64), rng.integers(0, 1 << p.width, size=(count, k))])
        b = np.concatenate([np.array(rows_b, dtype=np.int64), rng.integers(0, 1 << p.width, size=(count, k))])
        return {**lane_dict("a", a), **lane_dict("b", b)}

    def golden(self, p, inputs):
        return {"result": dot_counts(p, lane_stack(inputs, "a", p.inputs), lane_stack(inputs, "b", p.inputs))}

    def accuracy(self, p, lengths, seed=1):
        """Error of the estimate divided by k (the mean bipolar product, in [-1, 1]), over 4096
        seeded random operand rows (every pair for k = 1 and N <= 6)."""
        if p.inputs == 1 and p.width <= 6:
            g = np.arange(1 << p.width)
            a, b = (x.reshape(-1, 1) for x in np.meshgrid(g, g, indexing="ij"))
        else:
            rng = np.random.default_rng(seed)
            a = rng.integers(0, 1 << p.width, size=(4096, p.inputs))
            b = rng.integers(0, 1 << p.width, size=(4096, p.inputs))
        exact = dot_exact(p, a, b) / p.inputs
        rows = []
        for length in lengths:
            q = p.replace(length=length)
            rows.append(error_row(length, dot_value(q, dot_counts(q, a, b)) / p.inputs, exact))
        return rows
