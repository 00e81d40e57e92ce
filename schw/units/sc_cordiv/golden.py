"""sc-cordiv: CORDIV stochastic divider (Chen & Hayes, 2016), binary in, binary out.

Both operands are compared against ONE random source (channel 0 of ``SngSpec(sng, N, seed)``),
so the dividend stream ``a_t = code_t < a`` and divisor stream ``b_t = code_t < b`` are
maximally correlated (SCC = +1). The CORDIV cell (:class:`~schw.sc.rtl.CorDiv`: a 2:1 MUX and one
flip-flop) outputs ``z_t = a_t`` when ``b_t = 1`` and repeats its previous output bit
otherwise (the flip-flop is cleared at ``start``, so ``z`` is 0 before the first ``b_t = 1``).
For ``a <= b`` the output probability is ``a / b``; for ``a > b`` the output is 1 after the
first ``b_t = 1``. ``depth = D > 1`` keeps the last D output bits and, when ``b_t = 0``,
outputs ``z_(t-1-s_t)`` with ``s_t`` = the top log2(D) bits of channel 1 of the same SNG kind
(independent of the operands' source): the shuffle that removes the bias a deterministic
source's run lengths cause with D = 1 (the history starts at 0 every run). ``result`` ((L).bit_length() bits) counts the ones of ``z`` over L cycles;
``result / L`` estimates ``min(a / b, 1)``. ``done`` pulses L edges after the edge that
sampled ``start``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from amaranth.hdl import Module
from amaranth.lib import wiring
from amaranth.lib.wiring import In

from ..errors import ParamError
from ..params import Params, choice, int_range, param, power_of_two
from schw.sc.spec import COMPARATOR_RULE, SngSpec
from schw.sc.rtl import SngBank
from schw.sc.golden import comparator_streams, sng_codes
from schw.registry import register
from schw.units.base import RunUnit
from schw.hdl import run_ports
from .sc_add import HANDSHAKE
from schw.sc.rtl import Apc, CorDiv
from schw.hdl import latch, RunControl
from schw.sc.golden import blocks
from schw.stats import error_row
from schw.lanes import operand_vectors


@dataclass(frozen=True)
class ScCorDivParams(Params):
    width: int = param(8, int_range(2, 16), "operand width N in bits (p = code / 2^N)")
    length: int = param(256, power_of_two(4, 65536), "stream length L in cycles")
    sng: str = param("lfsr", choice("lfsr", "sobol", "halton", "ramp"), "SNG kind (one source for both operands)")
    seed: int = param(0, int_range(0, 2**32 - 1), "SNG seed")
    depth: int = param(1, power_of_two(1, 16), "output history bits D (1 = the MUX + flip-flop CORDIV)")

    def check(self):
        if (self.depth - 1).bit_length() > self.width:
            raise ParamError("depth", f"at most 2^width = {1 << self.width}", self.depth)

    @property
    def sel_bits(self) -> int:
        return (self.depth - 1).bit_length()

    @property
    def spec(self) -> SngSpec:
        return SngSpec(self.sng, self.width, self.seed)

    @property
    def result_width(self) -> int:
        return self.length.bit_length()


def cordiv_select(p: ScCorDivParams) -> np.ndarray:
    """History index s_t of every run cycle (all zeros for depth 1)."""
    if p.depth == 1:
        return np.zeros(p.length, dtype=np.int64)
    return sng_codes(p.spec, 2, p.length)[1].astype(np.int64) >> (p.width - p.sel_bits)


def cordiv_counts(p: ScCorDivParams, a, b) -> np.ndarray:
    """Golden model: ones of the CORDIV output over L cycles for each pair (a[i], b[i]).

    z_t = a_t where b_t = 1, else z_(t-1-s_t) (0 before cycle 0). Following those links from t
    ends at the cycle whose a-bit z_t copies, or before the run (0). Depth 1: the link target is
    the last cycle <= t with b = 1, a running maximum. Depth D: pointer doubling over the
    links (log2 L vectorized gathers)."""
    a = np.asarray(a, dtype=np.int64).ravel()
    b = np.asarray(b, dtype=np.int64).ravel()
    L = p.length
    codes = sng_codes(p.spec, 1, L)[0]
    t = np.arange(L)
    back = t - 1 - cordiv_select(p)
    out = np.empty(a.size, dtype=np.int64)
    for s in blocks(a.size, 3 * L):
        sa = comparator_streams(codes, a[s])
        sb = comparator_streams(codes, b[s])
        if p.depth == 1:
            src = np.maximum.accumulate(np.where(sb, t, -1), axis=1)
        else:
            src = np.where(sb, t, back)  # one link; -1 and below: before the run
            for _ in range(L.bit_length()):
                live = src >= 0
                src = np.where(live, np.take_along_axis(src, np.maximum(src, 0), axis=1), src)
        z = np.take_along_axis(sa, np.maximum(src, 0), axis=1) & (src >= 0)
        out[s] = z.sum(axis=1)
    return out


class ScCorDiv(wiring.Component):
    """sc-cordiv datapath. Parameters: a validated :class:`ScCorDivParams`."""

    def __init__(self, p: ScCorDivParams):
        self.p = p
        super().__init__(run_ports(p.result_width, a=In(p.width), b=In(p.width)))

    def elaborate(self, platform):
        p = self.p
        m = Module()
        m.submodules.ctl = ctl = RunControl(p.length)
        m.submodules.sng = sng = SngBank(p.spec, 1 if p.depth == 1 else 2, p.length)
        m.submodules.div = div = CorDiv(p.depth)
        if p.depth > 1:
            m.d.comb += div.sel.eq(sng.codes[1][p.width - p.sel_bits:])
        m.submodules.counter = cnt = Apc(1, p.result_width)
        a_r, b_r = latch(m, ctl.load, a_r=self.a, b_r=self.b)
        m.d.comb += [ctl.start.eq(self.start), self.done.eq(ctl.done),
                     sng.restart.eq(ctl.load), sng.step.eq(ctl.busy),
                     div.clear.eq(ctl.load), div.enable.eq(ctl.busy),
                     div.a.eq(sng.codes[0] < a_r), div.b.eq(sng.codes[0] < b_r),
                     cnt.clear.eq(ctl.load), cnt.enable.eq(ctl.busy), cnt.bits.eq(div.z)]
        with m.If(ctl.last):
            m.d.sync += self.result.eq(cnt.total)
        return m


@register
class ScCorDivUnit(RunUnit):
    name = "sc-cordiv"
    Params = ScCorDivParams
    summary = "SC CORDIV divider: correlated streams, MUX + flip-flop; value = min(a / b, 1)"
    default_vectors = 300

    def component(self, p):
        return ScCorDiv(p)

    def manifest_extra(self, p):
        return {
            "handshake": HANDSHAKE,
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
        return operand_vectors(p.width, seed, count)

    def golden(self, p, inputs):
        return {"result": cordiv_counts(p, inputs["a"], inputs["b"])}

    def accuracy(self, p, lengths, seed=1):
        """Error of result / L against a / b over every pair 0 <= a <= b, b > 0 (widths <= 8),
        else 65,536 seeded random such pairs."""
        if p.width <= 8:
            g = np.arange(1 << p.width)
            a, b = (x.ravel() for x in np.meshgrid(g, g, indexing="ij"))
        else:
            rng = np.random.default_rng(seed)
            a, b = rng.integers(0, 1 << p.width, size=(2, 1 << 16))
        keep = (b > 0) & (a <= b)
        a, b = a[keep], b[keep]
        exact = a / b
        return [error_row(L, cordiv_counts(p.replace(length=L), a, b) / L, exact) for L in lengths]
