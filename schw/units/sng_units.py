"""SNG units: ``schw gen lfsr|sobol|halton|ramp`` - a stochastic number generator bank with
comparator SNGs, as a stand-alone block (for area, for reuse, and to verify the generators).

Interface (also in the manifest); no handshake, one code per channel per cycle:

* ``restart`` (In 1): the next cycle shows run position 0 (wins over ``step``);
* ``step`` (In 1): the next cycle shows the next position (else the codes hold);
* ``x<c>`` (In N, c = 0..channels-1): the operand of channel c's comparator;
* ``code<c>`` (Out N): channel c's random code at the current position (combinational from
  the state);
* ``bit<c>`` (Out 1): channel c's stream bit ``code<c> < x<c>`` (combinational), so the
  stream's value is ``x / 2^N``.

After reset the bank shows position 0. Which code a channel shows at position t is
:func:`schw.sc.golden.sng_codes_at` (the golden model): kind, seed, correlation ``mode`` and
``offset`` as in :mod:`schw.sc.spec`. The regression drives seeded per-cycle patterns of
restart/step/operands (runs, stalls, restarts mid-run, positions past the period) and compares
every code and bit of every cycle with the golden model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from amaranth.hdl import Module
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from ..params import Params, boolean, choice, int_range, param, power_of_two
from schw.sc.spec import COMPARATOR_RULE, HALTON_BASES, halton_consts, HALTON_MAX_WIDTH, LFSR_TAPS, MAX_OFFSET, SNG_MODES, SngSpec, sobol_index_bits
from schw.sc.rtl import SngBank
from schw.registry import register
from .base import Unit
from schw.stats import error_stats
from schw.sc.golden import sng_codes_at

MAX_UNIT_CHANNELS = 16


@dataclass(frozen=True)
class SngUnitParams(Params):
    width: int = param(8, int_range(min(LFSR_TAPS), max(LFSR_TAPS)), "code width N in bits (p = x / 2^N)")
    channels: int = param(1, int_range(1, MAX_UNIT_CHANNELS), "number of channels (code + comparator each)")
    seed: int = param(0, int_range(0, 2**32 - 1), "seed (see the kind: LFSR start states, Sobol digital shift, start index)")
    mode: str = param("independent", choice(*SNG_MODES), "channel correlation: independent sources, one shared source, "
                      "shifted copies (offset steps apart) or permuted copies (bits rotated by offset)")
    offset: int = param(1, int_range(0, MAX_OFFSET), "shifted: steps between channels; permuted: rotate-left bits per channel")
    comparators: bool = param(True, boolean(), "a comparator per channel (ports x<c>, bit<c>); "
                              "--no-comparators leaves the bare code generator")

    kind = "lfsr"

    def check(self):
        self.spec.plan(self.channels)  # ParamError naming channels / width

    @property
    def run_length(self) -> int:
        """The run length the bank is built for (only Sobol uses it: index counter width)."""
        return 2

    @property
    def spec(self) -> SngSpec:
        return SngSpec(self.kind, self.width, self.seed, self.mode, self.offset)


@dataclass(frozen=True)
class LfsrParams(SngUnitParams):
    kind = "lfsr"


@dataclass(frozen=True)
class SobolParams(SngUnitParams):
    width: int = param(8, int_range(1, 32), "code width N in bits (p = x / 2^N)")
    length: int = param(256, power_of_two(2, 2**31), "run length: the index counter has log2(length) bits "
                        "and positions wrap at length")
    kind = "sobol"

    @property
    def run_length(self) -> int:
        return self.length


@dataclass(frozen=True)
class HaltonParams(SngUnitParams):
    width: int = param(8, int_range(1, HALTON_MAX_WIDTH), "code width N in bits (p = x / 2^N)")
    kind = "halton"


@dataclass(frozen=True)
class RampParams(SngUnitParams):
    width: int = param(8, int_range(1, 32), "code width N in bits (p = x / 2^N)")
    kind = "ramp"


class SngStream(wiring.Component):
    """An :class:`~schw.sc.rtl.SngBank` with one comparator per channel. Parameters: a validated
    :class:`SngUnitParams`."""

    def __init__(self, p: SngUnitParams):
        self.p = p
        ports = {"restart": In(1), "step": In(1)}
        for c in range(p.channels if p.comparators else 0):
            ports[f"x{c}"] = In(p.width)
        for c in range(p.channels):
            ports[f"code{c}"] = Out(p.width)
        for c in range(p.channels if p.comparators else 0):
            ports[f"bit{c}"] = Out(1)
        super().__init__(ports)

    def elaborate(self, platform):
        p = self.p
        m = Module()
        m.submodules.bank = bank = SngBank(p.spec, p.channels, p.run_length)
        m.d.comb += [bank.restart.eq(self.restart), bank.step.eq(self.step)]
        for c in range(p.channels):
            code = getattr(self, f"code{c}")
            m.d.comb += code.eq(bank.codes[c])
            if p.comparators:
                m.d.comb += getattr(self, f"bit{c}").eq(code < getattr(self, f"x{c}"))
        return m


def positions(restart, step) -> np.ndarray:
    """Run position shown in each cycle: 0 after reset; restart in cycle i -> 0 in cycle i+1,
    else step adds 1."""
    r = np.asarray(restart, dtype=bool)
    inc = np.asarray(step, dtype=bool) & ~r
    csum = np.concatenate([[0], np.cumsum(inc, dtype=np.int64)])  # csum[k] = increments before cycle k
    last = np.maximum.accumulate(np.where(r, np.arange(r.size), -1))  # last restart at or before i
    last_before = np.concatenate([[-1], last[:-1]])
    return csum[:-1] - csum[last_before + 1]


def period_of(p: SngUnitParams) -> int | list[int]:
    spec = p.spec
    if p.kind == "lfsr":
        return (1 << p.width) - 1
    if p.kind == "sobol":
        return 1 << sobol_index_bits(p.run_length)
    if p.kind == "halton":
        sources = {s for s, _, _ in spec.plan(p.channels)}
        return [halton_consts(HALTON_BASES[s], p.width).period for s in sorted(sources)]
    return 1 << spec.ramp_bits(p.channels)


class _SngUnit(Unit):
    testbench = "tb_sng"
    default_vectors = 1500  # cycles
    Params = LfsrParams

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
        """Per-cycle inputs: a corner phase (a straight run from reset over every code of a
        short period, corner operands, restart, restart+step, stalls), then ``count`` seeded
        random cycles (3 % restarts, 80 % steps, operands with corners)."""
        top = (1 << p.width) - 1
        corners = np.array(sorted({0, 1, top, 1 << (p.width - 1), max(0, top - 1)}), dtype=np.int64)
        run = 80
        restart = [0] * run + [1, 1, 0, 0, 0, 0]
        step = [1] * run + [0, 1, 1, 0, 0, 1]
        rng = np.random.default_rng(seed)
        restart = np.concatenate([restart, rng.random(count) < 0.03]).astype(np.int64)
        step = np.concatenate([step, rng.random(count) < 0.8]).astype(np.int64)
        n = restart.size
        out = {"restart": restart, "step": step}
        for c in range(p.channels if p.comparators else 0):
            x = rng.integers(0, top + 1, size=n, dtype=np.int64)
            pick = rng.random(n) < 0.1
            x[pick] = rng.choice(corners, size=int(pick.sum()))
            x[: run + 6] = np.resize(np.roll(corners, c), run + 6)
            out[f"x{c}"] = x
        return out

    def golden(self, p, inputs):
        pos = positions(inputs["restart"], inputs["step"])
        codes = sng_codes_at(p.spec, p.channels, p.run_length, pos).astype(np.int64)
        out = {f"code{c}": codes[c] for c in range(p.channels)}
        for c in range(p.channels if p.comparators else 0):
            out[f"bit{c}"] = (codes[c] < np.asarray(inputs[f"x{c}"], dtype=np.int64)).astype(np.int64)
        return out

    def accuracy(self, p, lengths, seed=1):
        """Error of one stream's value (ones / L) against x / 2^N, channel 0, over every operand
        (N <= 12) or 4096 seeded operands, per length L (positions 0..L-1 after a restart)."""
        if p.width <= 12:
            xs = np.arange(1 << p.width, dtype=np.int64)
        else:
            rng = np.random.default_rng(seed)
            xs = np.sort(rng.choice(np.arange(1 << p.width), size=4096, replace=False)).astype(np.int64)
        rows = []
        for length in lengths:
            length = int(length)
            if length < 1:
                from ..errors import ParamError
                raise ParamError("lengths", "positive integers", length)
            run = max(length, p.run_length) if p.kind == "sobol" else p.run_length
            codes = np.sort(sng_codes_at(p.spec, 1, run, np.arange(length))[0].astype(np.int64))
            ones = np.searchsorted(codes, xs, side="left")  # #{t: code_t < x}
            err = ones / length - xs / (1 << p.width)
            rows.append({"length": length, **error_stats(err), "channel": 0})
        return rows


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
