"""sc-gdm: SC gradient descent with momentum (schw's own design).

No reference design of an SC-GDM is public (the seed talk shows results only), so this is
schw's design, stated here and in the manifest: a binary velocity register ``v`` (signed,
V = N + m + 1 bits) is updated by shift and subtract, ``v <- v - (v >>> m) + g`` (momentum
beta = 1 - 2^-m), and the weight counter (saturating signed W bits, LSB 2^-k) steps by
stochastic +-1 LSB rounding of eta * v with eta = 2^-e, as in SC-GDC: one comparator SNG
turns ``P = min(|v| >> e, 2^N)`` into a bit, the counter moves by -sign(v) * bit. So
E[dw] = -2^-k * min(|v| >> e, 2^N) / 2^N * sign(v), i.e. float momentum SGD
``v <- beta v + g; w <- w - eta' v`` with eta' = 2^-(k+e) on g / 2^N, up to the floors.

Interface (per cycle): ``load`` sets the counter to ``w_in`` and clears ``v`` (SNG holds);
else ``en`` makes one update with gradient ``g`` ((N+1)-bit two's complement, value g / 2^N)
and steps the SNG. ``w`` and ``v`` are the registers after the edge.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from amaranth.hdl import Module, Mux, Signal, signed
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from .. import gdc
from ..params import Params, choice, int_range, param
from schw.sc.spec import COMPARATOR_RULE, SngSpec
from schw.sc.rtl import SngBank
from schw.registry import register
from .base import Unit
from .sc_gdc import step_saturating


@dataclass(frozen=True)
class ScGdmParams(Params):
    width: int = param(16, int_range(4, 32), "counter width W in bits (signed, saturating)")
    step_exp: int = param(10, int_range(0, 32), "k: the counter LSB is the step size 2^-k")
    operand_width: int = param(8, int_range(2, 16), "N: gradient magnitude bits (g is N+1-bit signed) and SNG width")
    momentum_exp: int = param(3, int_range(1, 12), "m: momentum beta = 1 - 2^-m")
    eta_exp: int = param(3, int_range(0, 16), "e: eta = 2^-e scales the velocity into a step probability")
    sng: str = param("lfsr", choice("lfsr", "sobol"), "stochastic number generator")
    seed: int = param(0, int_range(0, 2**32 - 1), "SNG seed")

    @property
    def spec(self) -> SngSpec:
        return SngSpec(self.sng, self.operand_width, self.seed)

    @property
    def velocity_width(self) -> int:
        return self.operand_width + self.momentum_exp + 1


class ScGdm(wiring.Component):
    """One SC-GDM weight. Parameters: a validated :class:`ScGdmParams`."""

    def __init__(self, p: ScGdmParams):
        self.p = p
        super().__init__({
            "load": In(1), "en": In(1),
            "w_in": In(signed(p.width)),
            "g": In(signed(p.operand_width + 1)),
            "w": Out(signed(p.width)),
            "v": Out(signed(p.velocity_width)),
        })

    def elaborate(self, platform):
        p = self.p
        m = Module()
        n, vw = p.operand_width, p.velocity_width
        m.submodules.sng = sng = SngBank(p.spec, 1, 1 << n)
        update = Signal()
        m.d.comb += [update.eq(self.en & ~self.load), sng.step.eq(update)]
        v = Signal(signed(vw))
        vn = Signal(signed(vw))  # fits: see schw.gdc
        m.d.comb += vn.eq(v - (v >> p.momentum_exp) + self.g)
        mag = Signal(vw)
        m.d.comb += mag.eq(Mux(vn < 0, -vn, vn))
        shifted = Signal(vw)
        m.d.comb += shifted.eq(mag >> p.eta_exp)
        prob = Signal(n + 1)
        m.d.comb += prob.eq(Mux(shifted > (1 << n), 1 << n, shifted))
        bit = Signal()
        m.d.comb += bit.eq(sng.codes[0] < prob)
        cnt = Signal(signed(p.width))
        m.d.comb += [self.w.eq(cnt), self.v.eq(v)]
        with m.If(self.load):
            m.d.sync += [cnt.eq(self.w_in), v.eq(0)]
        with m.Elif(update):
            m.d.sync += [v.eq(vn), cnt.eq(step_saturating(m, cnt, bit & (vn < 0), bit & (vn > 0)))]
        return m


def gdm_cycle_vectors(p: ScGdmParams, seed: int, count: int) -> dict[str, np.ndarray]:
    """Directed prologue (drive the counter into both limits with the largest gradients and
    hold it there, load wins over en, idle), then ``count`` seeded random cycles: drifting
    gradient segments, corner gradients, loads (half near the limits) and idle cycles."""
    rng = np.random.default_rng(seed)
    n = p.operand_width
    lo, hi = gdc.limits(p.width)
    gmin, gmax = -(1 << n), (1 << n) - 1
    rows = []  # (load, en, w_in, g)
    for start, g in ((hi - 1, gmin), (lo + 1, gmax), (hi, gmin), (lo, gmax)):
        rows.append((1, 0, start, 0))
        rows += [(0, 1, 0, g)] * 40
    rows += [(1, 1, 5, gmax), (0, 0, 0, gmax)]
    corners = np.array([gmin, gmin + 1, -1, 0, 1, gmax])
    drift = 0
    for t in range(count):
        if t % 32 == 0:
            drift = int(rng.integers(-1, 2))
        if rng.random() < 0.03:
            w = int(rng.choice([lo, lo + 1, hi - 1, hi])) if rng.random() < 0.5 else int(rng.integers(lo, hi + 1))
            rows.append((1, int(rng.random() < 0.5), w, 0))
            continue
        g = int(rng.integers(gmin, gmax + 1))
        if rng.random() < 0.15:
            g = int(rng.choice(corners))
        elif drift:
            g = drift * abs(g)
        rows.append((0, int(rng.random() < 0.9), 0, max(gmin, min(gmax, g))))
    a = np.array(rows, dtype=np.int64)
    return {"load": a[:, 0], "en": a[:, 1], "w_in": gdc.to_pattern(a[:, 2], p.width),
            "g": gdc.to_pattern(a[:, 3], n + 1)}


@register
class ScGdmUnit(Unit):
    name = "sc-gdm"
    Params = ScGdmParams
    summary = "SC gradient descent with momentum (schw's own design): shift-subtract velocity, stochastic +-1 LSB steps"
    testbench = "tb_gdc"
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
        return gdc.gdm_run(p, inputs)
