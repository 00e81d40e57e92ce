"""sc-mux-add and sc-or-add: SC adders, binary in, binary out (start/done/result like sc-mul).

sc-mux-add (MUX scaled adder)
    k = ``inputs`` operands (2..16) on the array port ``x`` (Verilog
    ``x__0`` .. ``x__{k-1}``). Every operand's comparator reads the *data* source (channel 0
    of ``SngSpec(sng, N, seed)``): a MUX adder does not need independent data streams, only
    a select that is independent of them. The select generator is channel 1 of
    ``SngSpec(select, N, seed)`` (LFSR polynomial #2, Sobol dimension 2, Halton base 3, or the
    clock-divided ramp): select index = ``(code * k) >> N`` (the top log2(k) bits when k is a
    power of two; otherwise input j gets floor or ceil of 2^N / k of the codes, a weight within
    2^-N of 1/k), except for ``select=ramp`` (k a power of two) where it is the low log2(k) bits
    (floor(t / 2^N) mod k: each input is held for a whole data ramp, so ramp data + ramp select
    is exact when k 2^N divides L).
    Output bit ``y_t = (code0_t < x[sel_t])``; ``result`` = ones over L cycles;
    ``result / L`` estimates ``mean_i x_i / 2^N``.

sc-or-add (OR adder)
    k = ``inputs`` operands (2..16), operand i compared against channel i of
    ``SngSpec(sng, N, seed)`` (independent sources); ``y_t = OR_i (code_i,t < x_i)``;
    ``result / L`` estimates ``1 - prod_i (1 - x_i / 2^N)`` (about the sum for small inputs).

Both: ``start`` latches the operands and restarts the generators, ``done`` pulses L edges after
the edge that sampled ``start`` (latency L), ``result`` ((L).bit_length() bits) is held until
the next ``done``; ``start`` may be high in the cycle ``done`` is high.
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
from schw.sc.rtl import Apc, MuxAdd, or_tree
from schw.hdl import latch_lanes, RunControl
from schw.sc.golden import below_table, blocks, packed_streams
from schw.stats import error_row, operand_grid
from schw.lanes import lane_dict, lane_names, lane_stack, lane_vectors

SOURCES = ("lfsr", "sobol", "halton", "ramp")

HANDSHAKE = handshake("number of ones in the L output bits")


# -- sc-mux-add ---------------------------------------------------------------------------

@dataclass(frozen=True)
class ScMuxAddParams(Params):
    inputs: int = param(2, int_range(2, 16), "number of operands k (a power of two with --select ramp)")
    width: int = param(8, int_range(2, 16), "operand width N in bits (p = code / 2^N)")
    length: int = param(256, power_of_two(4, 65536), "stream length L in cycles")
    sng: str = param("lfsr", choice(*SOURCES), "data source (one channel shared by every operand)")
    select: str = param("lfsr", choice(*SOURCES), "select generator (channel 1 of this kind)")
    seed: int = param(0, int_range(0, 2**32 - 1), "seed of both generators")

    def check(self):
        if (self.inputs - 1).bit_length() > self.width:
            raise ParamError("width", f"at least log2(inputs) = {(self.inputs - 1).bit_length()} bits", self.width)
        if self.select == "ramp" and self.inputs & (self.inputs - 1):
            raise ParamError("inputs", "a power of two with --select ramp", self.inputs)

    @property
    def data_spec(self) -> SngSpec:
        return SngSpec(self.sng, self.width, self.seed)

    @property
    def select_spec(self) -> SngSpec:
        return SngSpec(self.select, self.width, self.seed)

    @property
    def select_bits(self) -> int:
        return (self.inputs - 1).bit_length()

    @property
    def result_width(self) -> int:
        return self.length.bit_length()


def mux_select(p: ScMuxAddParams) -> np.ndarray:
    """The select index of every run cycle, shape (L,)."""
    code = sng_codes(p.select_spec, 2, p.length)[1].astype(np.int64)
    if p.select == "ramp":
        return code & (p.inputs - 1)
    return (code * p.inputs) >> p.width


def mux_add_counts(p: ScMuxAddParams, x) -> np.ndarray:
    """Golden model: ``result`` for each row of ``x`` (shape (n, k)). The ones the input-j
    stream contributes are the cycles with select = j and data code < x_j, counted for all
    operand values at once (:func:`below_table`)."""
    x = np.asarray(x, dtype=np.int64)
    data = sng_codes(p.data_spec, 1, p.length)[0]
    sel = mux_select(p)
    out = np.zeros(x.shape[0], dtype=np.int64)
    for j in range(p.inputs):
        out += below_table(data, p.width, where=sel == j)[x[:, j]]
    return out


class ScMuxAdd(wiring.Component):
    """sc-mux-add datapath. Parameters: a validated :class:`ScMuxAddParams`."""

    def __init__(self, p: ScMuxAddParams):
        self.p = p
        super().__init__(run_ports(p.result_width, x=In(p.width).array(p.inputs)))

    def elaborate(self, platform):
        p = self.p
        m = Module()
        m.submodules.ctl = ctl = RunControl(p.length)
        if p.sng == p.select:
            m.submodules.sng = bank = SngBank(p.data_spec, 2, p.length)
            data_code, sel_code, banks = bank.codes[0], bank.codes[1], [bank]
        else:
            m.submodules.sng = data = SngBank(p.data_spec, 1, p.length)
            m.submodules.sel_sng = sel = SngBank(p.select_spec, 2, p.length)
            data_code, sel_code, banks = data.codes[0], sel.codes[1], [data, sel]
        m.submodules.mux = mux = MuxAdd(p.inputs)
        m.submodules.counter = cnt = Apc(1, p.result_width)
        m.d.comb += [ctl.start.eq(self.start), self.done.eq(ctl.done),
                     cnt.clear.eq(ctl.load), cnt.enable.eq(ctl.busy), cnt.bits.eq(mux.y)]
        for b in banks:
            m.d.comb += [b.restart.eq(ctl.load), b.step.eq(ctl.busy)]
        m.d.comb += mux.sel.eq(sel_code[:p.select_bits] if p.select == "ramp"
                               else (sel_code * p.inputs)[p.width:])
        streams = [data_code < x_r for x_r in latch_lanes(m, ctl.load, x=self.x)]
        m.d.comb += mux.streams.eq(Cat(*streams))
        with m.If(ctl.last):
            m.d.sync += self.result.eq(cnt.total)
        return m


@register
class ScMuxAddUnit(RunUnit):
    name = "sc-mux-add"
    Params = ScMuxAddParams
    summary = "SC MUX scaled adder: k operands, shared data SNG, own select generator; value = mean"
    default_vectors = 300

    def component(self, p):
        return ScMuxAdd(p)

    def manifest_extra(self, p):
        return {
            "handshake": HANDSHAKE,
            "operands": lane_names("x", p.inputs),
            "value": "result / L estimates mean_i(x_i) / 2^N",
            "comparator_rule": COMPARATOR_RULE,
            "data_sng": {"kind": p.sng, "width": p.width, "seed": p.seed, "channel": p.data_spec.describe(1)[0],
                         "used_by": "every operand"},
            "select": {"kind": p.select, "channel": p.select_spec.describe(2)[1],
                       "index": (f"low {p.select_bits} bits of the code" if p.select == "ramp"
                                 else f"(code * {p.inputs}) >> {p.width}")},
        }

    def vectors(self, p, seed, count):
        return lane_dict("x", lane_vectors(p.width, p.inputs, seed, count))

    def golden(self, p, inputs):
        return {"result": mux_add_counts(p, lane_stack(inputs, "x", p.inputs))}

    def accuracy(self, p, lengths, seed=1):
        """Error of result / L against mean(x) / 2^N: every operand combination when there are at
        most 65,536, else 4096 seeded random rows."""
        x = operand_grid(p.width, p.inputs, seed)
        exact = x.mean(axis=1) / (1 << p.width)
        return [error_row(L, mux_add_counts(p.replace(length=L), x) / L, exact) for L in lengths]


# -- sc-or-add ----------------------------------------------------------------------------

@dataclass(frozen=True)
class ScOrAddParams(Params):
    inputs: int = param(2, int_range(2, 16), "number of operands k")
    width: int = param(8, int_range(2, 16), "operand width N in bits (p = code / 2^N)")
    length: int = param(256, power_of_two(4, 65536), "stream length L in cycles")
    sng: str = param("lfsr", choice("lfsr", "sobol", "halton"), "SNG kind (channel i feeds operand i)")
    seed: int = param(0, int_range(0, 2**32 - 1), "SNG seed")

    def check(self):
        self.spec.plan(self.inputs)  # raises ParamError when the kind has fewer sources than inputs

    @property
    def spec(self) -> SngSpec:
        return SngSpec(self.sng, self.width, self.seed)

    @property
    def result_width(self) -> int:
        return self.length.bit_length()


def or_add_counts(p: ScOrAddParams, x) -> np.ndarray:
    """Golden model: ``result`` for each row of ``x`` (shape (n, k)): ones of the OR of the k
    packed comparator streams."""
    x = np.asarray(x, dtype=np.int64)
    codes = sng_codes(p.spec, p.inputs, p.length)
    tables = [packed_streams(codes[i], x[:, i]) for i in range(p.inputs)]
    out = np.empty(x.shape[0], dtype=np.int64)
    for s in blocks(x.shape[0], tables[0][0].shape[1]):
        acc = None
        for table, index in tables:
            words = table[index[s]]
            acc = words if acc is None else acc | words
        out[s] = popcount(acc)
    return out


class ScOrAdd(wiring.Component):
    """sc-or-add datapath. Parameters: a validated :class:`ScOrAddParams`."""

    def __init__(self, p: ScOrAddParams):
        self.p = p
        super().__init__(run_ports(p.result_width, x=In(p.width).array(p.inputs)))

    def elaborate(self, platform):
        p = self.p
        m = Module()
        m.submodules.ctl = ctl = RunControl(p.length)
        m.submodules.sng = sng = SngBank(p.spec, p.inputs, p.length)
        m.submodules.counter = cnt = Apc(1, p.result_width)
        m.d.comb += [ctl.start.eq(self.start), self.done.eq(ctl.done),
                     sng.restart.eq(ctl.load), sng.step.eq(ctl.busy),
                     cnt.clear.eq(ctl.load), cnt.enable.eq(ctl.busy)]
        bits = [code < x_r for code, x_r in zip(sng.codes, latch_lanes(m, ctl.load, x=self.x))]
        m.d.comb += cnt.bits.eq(or_tree(bits))
        with m.If(ctl.last):
            m.d.sync += self.result.eq(cnt.total)
        return m


@register
class ScOrAddUnit(RunUnit):
    name = "sc-or-add"
    Params = ScOrAddParams
    summary = "SC OR adder: k operands on independent SNG channels; value = 1 - prod(1 - p_i)"
    default_vectors = 300

    def component(self, p):
        return ScOrAdd(p)

    def manifest_extra(self, p):
        return {
            "handshake": HANDSHAKE,
            "operands": lane_names("x", p.inputs),
            "value": "result / L estimates 1 - prod_i(1 - x_i / 2^N) (independent streams)",
            "comparator_rule": COMPARATOR_RULE,
            "sng": {"kind": p.sng, "width": p.width, "seed": p.seed, "channels": p.spec.describe(p.inputs),
                    "operand_channel": {n: i for i, n in enumerate(lane_names("x", p.inputs))}},
        }

    def vectors(self, p, seed, count):
        return lane_dict("x", lane_vectors(p.width, p.inputs, seed, count))

    def golden(self, p, inputs):
        return {"result": or_add_counts(p, lane_stack(inputs, "x", p.inputs))}

    def accuracy(self, p, lengths, seed=1):
        """Error of result / L against 1 - prod(1 - x_i / 2^N) (the OR of independent streams)."""
        x = operand_grid(p.width, p.inputs, seed)
        exact = 1 - np.prod(1 - x / (1 << p.width), axis=1)
        return [error_row(L, or_add_counts(p.replace(length=L), x) / L, exact) for L in lengths]
