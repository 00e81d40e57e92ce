"""sc-updown: up/down counter stream-to-binary converter, binary in, binary out.

One comparator SNG (channel 0 of ``SngSpec(sng, N, seed)``) turns the latched operand ``x``
into a stream (p = x / 2^N); an up/down counter (:class:`~schw.sc.rtl.UpDownCounter`) adds +1
for every 1 and -1 for every 0, starting from 0 and saturating at the limits of its
``C``-bit two's-complement range. ``counter_width = 0`` picks ``C = (L).bit_length() + 1``,
wide enough never to saturate; then ``result = 2 * ones - L`` and ``result / L`` estimates
the bipolar value ``2x / 2^N - 1``. A narrower counter saturates (modelled exactly).

``result`` (C bits) is the counter's final value in two's complement; ``done`` pulses L edges
after the edge that sampled ``start``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from amaranth.hdl import Module, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from ..errors import ParamError
from ..params import Params, choice, int_range, param, power_of_two
from schw.sc.spec import COMPARATOR_RULE, SngSpec
from schw.sc.rtl import SngBank
from schw.sc.golden import comparator_streams, sng_codes
from schw.registry import register
from .base import RunUnit
from .sc_add import HANDSHAKE
from schw.hdl import RunControl
from schw.sc.rtl import UpDownCounter
from schw.sc.golden import below_table, blocks
from schw.stats import error_row
from schw.lanes import corner_codes


@dataclass(frozen=True)
class ScUpDownParams(Params):
    width: int = param(8, int_range(2, 16), "operand width N in bits (p = code / 2^N)")
    length: int = param(256, power_of_two(4, 65536), "stream length L in cycles")
    sng: str = param("lfsr", choice("lfsr", "sobol", "halton", "ramp"), "SNG kind")
    seed: int = param(0, int_range(0, 2**32 - 1), "SNG seed")
    counter_width: int = param(0, int_range(0, 18),
                               "up/down counter bits C (two's complement, saturating); 0 = log2(L) + 2, never saturates")

    def check(self):
        full = self.length.bit_length() + 1
        if self.counter_width and not 2 <= self.counter_width <= full:
            raise ParamError("counter_width", f"0 (auto) or an integer in 2..{full} for length {self.length}",
                             self.counter_width)

    @property
    def spec(self) -> SngSpec:
        return SngSpec(self.sng, self.width, self.seed)

    @property
    def counter_bits(self) -> int:
        return self.counter_width or self.length.bit_length() + 1

    @property
    def saturates(self) -> bool:
        return (1 << (self.counter_bits - 1)) <= self.length


def _clip_reduce(steps: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Final value of a counter starting at 0 that adds ``steps`` (n, L) along the last axis,
    clipped to [lo, hi] after every step. Each step is f(v) = clip(v + a, lo, hi); these
    functions compose in closed form (clip(clip(y, A, B), C, D) = clip(y, clip(A, C, D),
    clip(B, C, D))), so the scan is a pairwise tree reduction: log2(L) vectorized passes."""
    a = steps.astype(np.int64)
    low = np.full(a.shape, lo, dtype=np.int64)
    high = np.full(a.shape, hi, dtype=np.int64)
    while a.shape[-1] > 1:  # L is a power of two
        a1, a2 = a[..., 0::2], a[..., 1::2]
        l1, l2 = low[..., 0::2], low[..., 1::2]
        h1, h2 = high[..., 0::2], high[..., 1::2]
        low = np.clip(l1 + a2, l2, h2)
        high = np.clip(h1 + a2, l2, h2)
        a = a1 + a2
    return np.clip(a[..., 0], low[..., 0], high[..., 0])


def updown_values(p: ScUpDownParams, x) -> np.ndarray:
    """Golden model: the counter's final value (signed) for each operand in ``x``."""
    x = np.asarray(x, dtype=np.int64)
    codes = sng_codes(p.spec, 1, p.length)[0]
    if not p.saturates:
        return 2 * below_table(codes, p.width)[x] - p.length
    uniq, inv = np.unique(x, return_inverse=True)
    vals = np.empty(uniq.size, dtype=np.int64)
    c = p.counter_bits
    for s in blocks(uniq.size, 3 * p.length):
        steps = np.where(comparator_streams(codes, uniq[s]), 1, -1)
        vals[s] = _clip_reduce(steps, -(1 << (c - 1)), (1 << (c - 1)) - 1)
    return vals[inv.reshape(x.shape)]


class ScUpDown(wiring.Component):
    """sc-updown datapath. Parameters: a validated :class:`ScUpDownParams`."""

    def __init__(self, p: ScUpDownParams):
        self.p = p
        super().__init__({"start": In(1), "x": In(p.width), "done": Out(1), "result": Out(p.counter_bits)})

    def elaborate(self, platform):
        p = self.p
        m = Module()
        m.submodules.ctl = ctl = RunControl(p.length)
        m.submodules.sng = sng = SngBank(p.spec, 1, p.length)
        m.submodules.counter = cnt = UpDownCounter(p.counter_bits)
        x_r = Signal(p.width)
        m.d.comb += [ctl.start.eq(self.start), self.done.eq(ctl.done),
                     sng.restart.eq(ctl.load), sng.step.eq(ctl.busy),
                     cnt.clear.eq(ctl.load), cnt.enable.eq(ctl.busy), cnt.bit.eq(sng.codes[0] < x_r)]
        with m.If(ctl.load):
            m.d.sync += x_r.eq(self.x)
        with m.If(ctl.last):
            m.d.sync += self.result.eq(cnt.next)
        return m


@register
class ScUpDownUnit(RunUnit):
    name = "sc-updown"
    Params = ScUpDownParams
    summary = "SC up/down counter converter: bipolar stream to two's-complement binary (saturating)"
    default_vectors = 200

    def component(self, p):
        return ScUpDown(p)

    def manifest_extra(self, p):
        c = p.counter_bits
        return {
            "handshake": {**HANDSHAKE, "result": "final up/down counter value, two's complement; held until the next done"},
            "value": "signed(result) / L estimates 2 x / 2^N - 1" + (" (saturating counter)" if p.saturates else ""),
            "counter": {"bits": c, "min": -(1 << (c - 1)), "max": (1 << (c - 1)) - 1, "start": 0,
                        "saturates": p.saturates, "step": "+1 for a 1, -1 for a 0, held at the limits"},
            "comparator_rule": COMPARATOR_RULE,
            "sng": {"kind": p.sng, "width": p.width, "seed": p.seed, "channels": p.spec.describe(1)},
        }

    def vectors(self, p, seed, count):
        rng = np.random.default_rng(seed)
        return {"x": np.concatenate([np.array(corner_codes(p.width) + [(1 << p.width) - 2, 2]),
                                     rng.integers(0, 1 << p.width, size=count)])}

    def golden(self, p, inputs):
        return {"result": updown_values(p, inputs["x"]) & ((1 << p.counter_bits) - 1)}

    def accuracy(self, p, lengths, seed=1):
        """Error of result / L against the bipolar value 2x / 2^N - 1, every operand code
        (counter_width 0 at every length unless one is given)."""
        x = np.arange(1 << p.width)
        exact = 2 * x / (1 << p.width) - 1
        return [error_row(L, updown_values(p.replace(length=L), x) / L, exact) for L in lengths]
