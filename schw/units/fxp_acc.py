"""fxp-acc: the fixed-point weight-update datapath SC-GDC replaces (for the area comparison).

A W-bit signed weight register, a (N+1) x (N+1)-bit signed multiplier and a saturating
adder: ``w <- sat(w + round(x * d / 2^s))``, s = 2N - extra_bits, round half up. With
extra_bits = 0 the register LSB is the step size 2^-k, as in SC-GDC (the same W-bit weights;
the update is round-to-nearest of the very term SC-GDC rounds stochastically).

Interface (per cycle): ``load`` sets ``w`` to ``w_in``; else ``en`` adds the rounded product.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from amaranth.hdl import Module, Mux, Signal, signed
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from .. import gdc
from ..errors import ParamError
from ..params import Params, int_range, param
from schw.registry import register
from .base import Unit


@dataclass(frozen=True)
class FxpAccParams(Params):
    width: int = param(16, int_range(4, 32), "weight register width W in bits (signed, saturating)")
    step_exp: int = param(10, int_range(0, 32), "k: the step size is 2^-k")
    operand_width: int = param(8, int_range(2, 16), "N: x and d are N+1-bit signed, value code / 2^N")
    extra_bits: int = param(0, int_range(0, 32), "fraction bits below the step size (register LSB 2^-(k+extra))")

    def check(self):
        if self.extra_bits > 2 * self.operand_width:
            raise ParamError("extra_bits", f"an integer in 0..{2 * self.operand_width} (2 * operand width)",
                             self.extra_bits)

    @property
    def shift(self) -> int:
        return 2 * self.operand_width - self.extra_bits


class FxpAcc(wiring.Component):
    """Fixed-point update datapath. Parameters: a validated :class:`FxpAccParams`."""

    def __init__(self, p: FxpAccParams):
        self.p = p
        n1 = p.operand_width + 1
        super().__init__({"load": In(1), "en": In(1), "w_in": In(signed(p.width)),
                          "x": In(signed(n1)), "d": In(signed(n1)), "w": Out(signed(p.width))})

    def elaborate(self, platform):
        p = self.p
        m = Module()
        n1, s = p.operand_width + 1, p.shift
        prod = Signal(signed(2 * n1))
        m.d.comb += prod.eq(self.x * self.d)
        delta = Signal(signed(2 * n1 + 1))
        m.d.comb += delta.eq((prod + (1 << (s - 1))) >> s if s > 0 else prod)
        wide = max(p.width, 2 * n1 + 1) + 1
        total = Signal(signed(wide))
        cnt = Signal(signed(p.width))
        lo, hi = gdc.limits(p.width)
        m.d.comb += [total.eq(cnt + delta), self.w.eq(cnt)]
        with m.If(self.load):
            m.d.sync += cnt.eq(self.w_in)
        with m.Elif(self.en):
            m.d.sync += cnt.eq(Mux(total > hi, hi, Mux(total < lo, lo, total)))
        return m


def fxp_cycle_vectors(p: FxpAccParams, seed: int, count: int) -> dict[str, np.ndarray]:
    """Prologue into both limits with the extreme products (incl. -2^N * -2^N), load over en,
    idle; then ``count`` seeded random cycles with corner operands and loads near the limits."""
    rng = np.random.default_rng(seed)
    n = p.operand_width
    lo, hi = gdc.limits(p.width)
    omin, omax = -(1 << n), (1 << n) - 1
    rows = []
    for start, x, d in ((hi - 1, omin, omin), (lo + 1, omax, omin), (hi, omax, omax), (lo, omin, omax)):
        rows.append((1, 0, start, 0, 0))
        rows += [(0, 1, 0, x, d)] * 4
    rows += [(1, 1, 3, omax, omax), (0, 0, 0, omax, omax)]
    # products on the rounding boundary: x * d = +-2^(s-1) (ties round up)
    half = 1 << max(p.shift - 1, 0)
    for x in (1, -1):
        if half <= omax:
            rows.append((0, 1, 0, x, half))
            rows.append((0, 1, 0, -x, half))
    corners = np.array([omin, omin + 1, -1, 0, 1, omax])
    for _ in range(count):
        if rng.random() < 0.04:
            w = int(rng.choice([lo, lo + 1, hi - 1, hi])) if rng.random() < 0.5 else int(rng.integers(lo, hi + 1))
            rows.append((1, int(rng.random() < 0.5), w, 0, 0))
            continue
        x, d = (int(rng.choice(corners)) if rng.random() < 0.2 else int(rng.integers(omin, omax + 1)) for _ in "xd")
        rows.append((0, int(rng.random() < 0.9), 0, x, d))
    a = np.array(rows, dtype=np.int64)
    n1 = n + 1
    return {"load": a[:, 0], "en": a[:, 1], "w_in": gdc.to_pattern(a[:, 2], p.width),
            "x": gdc.to_pattern(a[:, 3], n1), "d": gdc.to_pattern(a[:, 4], n1)}


@register
class FxpAccUnit(Unit):
    name = "fxp-acc"
    Params = FxpAccParams
    summary = "fixed-point weight update: W-bit register, multiplier, rounding, saturating adder (area baseline)"
    testbench = "tb_gdc"
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
        return gdc.fxp_run(p, inputs)
