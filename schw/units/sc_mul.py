"""sc-mul: binary-in, binary-out stochastic-computing multiplier.

Two comparator SNGs turn the latched operands into streams (p = code / 2**N), an AND gate
(unipolar: value p_a * p_b) or an XNOR gate (bipolar: value x = 2p - 1, product x_a * x_b)
multiplies them, and a counter counts the ones over L cycles.

Interface (also in the manifest): ``start`` (1-cycle pulse, ignored while a run is under way)
latches ``a`` and ``b`` and restarts both SNGs; the run takes L cycles; ``done`` pulses for one
cycle L clock edges after the edge that sampled ``start``, and ``result`` (log2(L)+1 bits, the
number of ones) stays valid until the next ``done``. ``start`` may be asserted in the cycle
``done`` is high (back-to-back runs, no reset needed).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from amaranth.hdl import Module, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In

from ..params import Params, choice, int_range, param, power_of_two
from schw.sc.spec import COMPARATOR_RULE, MAX_OFFSET, SNG_MODES, SngSpec
from schw.sc.rtl import SngBank
from schw.sc.golden import comparator_streams, pack, popcount, sng_codes
from schw.registry import register
from schw.units.base import handshake, RunUnit
from schw.hdl import run_ports
from schw.lanes import corner_codes
from schw.stats import accuracy_codes, error_stats

CODINGS = ("unipolar", "bipolar")


@dataclass(frozen=True)
class ScMulParams(Params):
    width: int = param(8, int_range(2, 16), "operand width N in bits (p = code / 2^N)")
    length: int = param(256, power_of_two(4, 65536), "stream length L in cycles")
    coding: str = param("unipolar", choice(*CODINGS), "unipolar (AND) or bipolar (XNOR, value 2p-1)")
    sng: str = param("lfsr", choice("lfsr", "sobol"), "stochastic number generator")
    seed: int = param(0, int_range(0, 2**32 - 1), "SNG seed (LFSR initial states, Sobol digital shift; 0 = unscrambled Sobol)")
    mode: str = param("independent", choice(*SNG_MODES),
                      "correlation of the two SNGs: independent sources, one shared source (AND -> min), "
                      "a copy shifted by --offset steps, or a copy with bits rotated by --offset")
    offset: int = param(1, int_range(0, MAX_OFFSET), "steps (shifted) or bit rotation (permuted) of operand b's copy")

    @property
    def spec(self) -> SngSpec:
        return SngSpec(self.sng, self.width, self.seed, self.mode, self.offset)

    @property
    def result_width(self) -> int:
        return self.length.bit_length()


def product_counts(p: ScMulParams, a, b) -> np.ndarray:
    """Golden model: the number of ones in the L product bits for each pair (a[i], b[i])."""
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    codes = sng_codes(p.spec, 2, p.length)
    ua, ia = np.unique(a, return_inverse=True)
    ub, ib = np.unique(b, return_inverse=True)
    if ua.size * ub.size <= 2 * a.size + 4096:  # few distinct operands: all their pairs, then look up
        return product_count_grid(p, ua, ub)[ia.ravel(), ib.ravel()].reshape(a.shape)
    sa = pack(comparator_streams(codes[0], ua))
    sb = pack(comparator_streams(codes[1], ub))
    out = np.empty(a.shape, dtype=np.int64)
    ia, ib, flat = ia.ravel(), ib.ravel(), out.ravel()
    block = max(1, (1 << 22) // sa.shape[1])  # bound the temporary to ~32 MB
    for lo in range(0, flat.size, block):
        x, y = sa[ia[lo:lo + block]], sb[ib[lo:lo + block]]
        if p.coding == "unipolar":
            flat[lo:lo + block] = popcount(x & y)
        else:  # XNOR: ones = L - (positions where the streams differ); padding bits never differ
            flat[lo:lo + block] = p.length - popcount(x ^ y)
    return out


def product_count_grid(p: ScMulParams, a_codes, b_codes) -> np.ndarray:
    """Golden model over a grid: ones counts for every pair, shape (len(a_codes), len(b_codes)).

    The same streams and gate as :func:`product_counts`, but broadcast row block x all columns
    instead of gathering one stream per pair (no per-pair copies; temporaries bounded ~32 MB).
    """
    codes = sng_codes(p.spec, 2, p.length)
    sa = pack(comparator_streams(codes[0], np.asarray(a_codes, dtype=np.int64)))
    sb = pack(comparator_streams(codes[1], np.asarray(b_codes, dtype=np.int64)))
    out = np.empty((sa.shape[0], sb.shape[0]), dtype=np.int64)
    block = max(1, (1 << 22) // max(1, sb.shape[0] * sb.shape[1]))
    count_dtype = np.uint16 if p.length < (1 << 16) else np.uint32
    for lo in range(0, sa.shape[0], block):
        x = sa[lo:lo + block, None, :]
        bits = x & sb[None, :, :] if p.coding == "unipolar" else x ^ sb[None, :, :]
        ones = np.bitwise_count(bits).sum(axis=-1, dtype=count_dtype)
        out[lo:lo + block] = ones if p.coding == "unipolar" else p.length - ones.astype(np.int64)
    return out


ACCURACY_EXHAUSTIVE_WIDTH = 8
ACCURACY_SAMPLE_CODES = 256


def value_of(p: ScMulParams, codes: np.ndarray) -> np.ndarray:
    """Real value a code encodes: code / 2^N (unipolar) or 2 * code / 2^N - 1 (bipolar)."""
    x = np.asarray(codes, dtype=np.float64) / (1 << p.width)
    return x if p.coding == "unipolar" else 2 * x - 1


class ScMul(wiring.Component):
    """The sc-mul datapath. Parameters: a validated :class:`ScMulParams`."""

    def __init__(self, p: ScMulParams):
        self.p = p
        super().__init__(run_ports(p.result_width, a=In(p.width), b=In(p.width)))

    def elaborate(self, platform):
        p = self.p
        m = Module()
        m.submodules.sng = sng = SngBank(p.spec, 2, p.length)
        a_r = Signal(p.width)
        b_r = Signal(p.width)
        busy = Signal()
        count = Signal(range(p.length))
        acc = Signal(p.result_width)
        sa = Signal()
        sb = Signal()
        bit = Signal()
        m.d.comb += [sa.eq(sng.codes[0] < a_r), sb.eq(sng.codes[1] < b_r)]
        m.d.comb += bit.eq(sa & sb if p.coding == "unipolar" else ~(sa ^ sb))
        m.d.sync += self.done.eq(0)
        with m.If(busy):
            m.d.comb += sng.step.eq(1)
            m.d.sync += [acc.eq(acc + bit), count.eq(count + 1)]
            with m.If(count == p.length - 1):
                m.d.sync += [busy.eq(0), self.done.eq(1), self.result.eq(acc + bit)]
        with m.Elif(self.start):
            m.d.comb += sng.restart.eq(1)
            m.d.sync += [a_r.eq(self.a), b_r.eq(self.b), busy.eq(1), count.eq(0), acc.eq(0)]
        return m


def operand_vectors(width: int, seed: int, count: int, names=("a", "b")) -> dict[str, np.ndarray]:
    """Every combination of corner codes (0, 1, max, half) for the named operands, then ``count``
    seeded uniform random tuples."""
    corners = np.array(np.meshgrid(*[corner_codes(width)] * len(names), indexing="ij")).reshape(len(names), -1)
    rng = np.random.default_rng(seed)
    rand = rng.integers(0, 1 << width, size=(len(names), count))
    both = np.concatenate([corners, rand], axis=1)
    return {n: both[i] for i, n in enumerate(names)}


@register
class ScMulUnit(RunUnit):
    name = "sc-mul"
    Params = ScMulParams
    summary = "SC multiplier: two comparator SNGs, AND/XNOR, ones counter (binary in, binary out)"

    def component(self, p):
        return ScMul(p)

    def manifest_extra(self, p):
        return {
            "handshake": handshake("number of ones in the L product bits", "a and b, restarts the SNGs", "latency_cycles"),
            "value": ("result / L estimates (a / 2^N) * (b / 2^N)" if p.coding == "unipolar" else
                      "2 * result / L - 1 estimates (2a / 2^N - 1) * (2b / 2^N - 1)"),
            "comparator_rule": COMPARATOR_RULE,
            "sng": {"kind": p.sng, "width": p.width, "seed": p.seed, "mode": p.mode, "offset": p.offset, "channels": p.spec.describe(2),
                    "operand_channel": {"a": 0, "b": 1}},
        }

    def vectors(self, p, seed, count):
        return operand_vectors(p.width, seed, count)

    def golden(self, p, inputs):
        return {"result": product_counts(p, inputs["a"], inputs["b"])}

    def accuracy(self, p, lengths, seed=1):
        """Error of ``result`` as an estimate of the exact product over the operand grid
        (:func:`schw.stats.accuracy_codes`: exhaustive for N <= 8, 256 seeded codes above), per stream length
        (each length L is run as these params with ``length = L``), from the golden model."""
        grid = accuracy_codes(p.width, seed, ACCURACY_EXHAUSTIVE_WIDTH, ACCURACY_SAMPLE_CODES)
        va = value_of(p, grid)
        exact = np.multiply.outer(va, va)
        rows = []
        for length in lengths:
            q = p.replace(length=int(length))
            ones = product_count_grid(q, grid, grid)
            estimate = ones / q.length if p.coding == "unipolar" else 2.0 * ones / q.length - 1.0
            row = {"length": q.length, **error_stats(estimate - exact),
                   "operand_codes": "all" if p.width <= ACCURACY_EXHAUSTIVE_WIDTH else f"{len(grid)} sampled, seed {seed}"}
            rows.append(row)
        return rows
