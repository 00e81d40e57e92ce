"""FSM nonlinear units: fsm-tanh, fsm-sigmoid and fsm-exp (Brown & Card, 2001).

Each is a binary-in, binary-out wrapper around one :class:`FsmStream`: a comparator SNG turns
the latched operand ``a`` into a stream (bit = code < a, bipolar value x = 2a/2^W - 1), the FSM
maps it, and a counter counts the ones of the FSM's output over L cycles. The handshake is
sc-mul's: ``start`` (1-cycle pulse, ignored while busy) latches ``a``, restarts the SNG and puts
the FSM in its initial state; ``done`` pulses L edges after the edge that sampled ``start``;
``result`` (log2(L)+1 bits) holds the ones count until the next ``done``; back-to-back starts
are allowed.

* fsm-tanh: 2 result / L - 1 estimates tanh(N x / 2) (bipolar output).
* fsm-sigmoid: the same machine read as unipolar, result / L estimates sigmoid(N x).
* fsm-exp: Sexp, result / L estimates exp(-2 G x) for x >= 0 (1 for x < 0).

:class:`FsmStream` is the stream-level component for larger SC datapaths.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from amaranth.hdl import Module, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from .. import fsm as F
from ..errors import ParamError
from ..params import Params, choice, even_range, int_range, param, power_of_two
from schw.sc.spec import COMPARATOR_RULE, SNG_KINDS, SngSpec
from schw.sc.rtl import SngBank
from schw.registry import register
from .base import RunUnit, Unit
from schw.lanes import corner_codes
from schw.sc.golden import sng_codes
from schw.stats import accuracy_codes


class FsmStream(wiring.Component):
    """A Brown & Card FSM on one stream.

    Parameters: ``fsm``, a :class:`schw.fsm.Fsm`.

    Ports: ``x`` (In 1, the input bit of this cycle), ``en`` (In 1, take a step with ``x`` at
    the next edge), ``restart`` (In 1, next state is the initial state; wins over ``en``),
    ``y`` (Out 1, the output bit of the current state: a Moore output straight from the state
    register, so the bit for run cycle t is valid while ``x`` of cycle t is presented).
    """

    def __init__(self, fsm: F.Fsm):
        self.fsm = fsm
        super().__init__({"x": In(1), "en": In(1), "restart": In(1), "y": Out(1)})

    def elaborate(self, platform):
        m = Module()
        f = self.fsm
        state = Signal(range(f.states), init=f.initial)
        with m.If(self.restart):
            m.d.sync += state.eq(f.initial)
        with m.Elif(self.en):
            with m.If(self.x):
                with m.If(state != f.states - 1):
                    m.d.sync += state.eq(state + 1)
            with m.Elif(state != 0):
                m.d.sync += state.eq(state - 1)
        if f.kind == "tanh":
            m.d.comb += self.y.eq(state >= f.threshold)
        else:
            m.d.comb += self.y.eq(state < f.threshold)
        return m


class FsmUnitHw(wiring.Component):
    """SNG -> FSM -> ones counter with the start/done/result handshake.

    Parameters: ``p`` (validated params with width, length, sng, seed) and ``fsm``.
    """

    def __init__(self, p, fsm: F.Fsm):
        self.p, self.fsm = p, fsm
        super().__init__({
            "start": In(1),
            "a": In(p.width),
            "done": Out(1),
            "result": Out(p.length.bit_length()),
        })

    def elaborate(self, platform):
        p = self.p
        m = Module()
        m.submodules.sng = sng = SngBank(p.spec, 1, p.length)
        m.submodules.fsm = fsm = FsmStream(self.fsm)
        a_r = Signal(p.width)
        busy = Signal()
        count = Signal(range(p.length))
        acc = Signal(p.length.bit_length())
        m.d.comb += fsm.x.eq(sng.codes[0] < a_r)
        m.d.sync += self.done.eq(0)
        with m.If(busy):
            m.d.comb += [sng.step.eq(1), fsm.en.eq(1)]
            m.d.sync += [acc.eq(acc + fsm.y), count.eq(count + 1)]
            with m.If(count == p.length - 1):
                m.d.sync += [busy.eq(0), self.done.eq(1), self.result.eq(acc + fsm.y)]
        with m.Elif(self.start):
            m.d.comb += [sng.restart.eq(1), fsm.restart.eq(1)]
            m.d.sync += [a_r.eq(self.a), busy.eq(1), count.eq(0), acc.eq(0)]
        return m


# -- parameters ----------------------------------------------------------------------------

class _FsmParamsBase(Params):
    @property
    def spec(self) -> SngSpec:
        return SngSpec(self.sng, self.width, self.seed)

    @property
    def result_width(self) -> int:
        return self.length.bit_length()


_WIDTH_HELP = "operand width W in bits (bipolar x = 2a/2^W - 1)"
_LENGTH_HELP = "stream length L in cycles"
_SNG_HELP = "stochastic number generator of the input stream"
_SEED_HELP = "SNG seed (LFSR initial state, Sobol digital shift; 0 = unscrambled Sobol)"


@dataclass(frozen=True)
class FsmTanhParams(_FsmParamsBase):
    states: int = param(8, even_range(2, 256), "number of FSM states N (even); output 1 from state N/2 up")
    width: int = param(8, int_range(2, 16), _WIDTH_HELP)
    length: int = param(256, power_of_two(4, 65536), _LENGTH_HELP)
    sng: str = param("lfsr", choice(*SNG_KINDS), _SNG_HELP)
    seed: int = param(0, int_range(0, 2**32 - 1), _SEED_HELP)

    @property
    def fsm(self) -> F.Fsm:
        return F.tanh_fsm(self.states)


@dataclass(frozen=True)
class FsmSigmoidParams(FsmTanhParams):
    pass


@dataclass(frozen=True)
class FsmExpParams(_FsmParamsBase):
    states: int = param(16, int_range(2, 256), "number of FSM states N")
    gain: int = param(2, int_range(1, 255), "G: approximates exp(-2 G x); the last G states output 0 (G < N)")
    width: int = param(8, int_range(2, 16), _WIDTH_HELP)
    length: int = param(256, power_of_two(4, 65536), _LENGTH_HELP)
    sng: str = param("lfsr", choice(*SNG_KINDS), _SNG_HELP)
    seed: int = param(0, int_range(0, 2**32 - 1), _SEED_HELP)

    def check(self):
        if self.gain >= self.states:
            raise ParamError("gain", f"an integer in 1..{self.states - 1} (G < N = {self.states})", self.gain)

    @property
    def fsm(self) -> F.Fsm:
        return F.exp_fsm(self.states, self.gain)


# -- golden model --------------------------------------------------------------------------

def fsm_counts(p, a) -> np.ndarray:
    """Golden model: ones in the L output bits of the FSM for each operand code a[i]."""
    a = np.asarray(a, dtype=np.int64)
    codes = sng_codes(p.spec, 1, p.length)[0]
    ua, inv = np.unique(a, return_inverse=True)
    return F.run_comparator(p.fsm, codes, ua)[inv.reshape(a.shape)]


def bipolar_value(width: int, a) -> np.ndarray:
    return 2.0 * np.asarray(a, dtype=float) / (1 << width) - 1.0


class _FsmUnit(RunUnit):
    testbench = "tb_handshake"
    default_vectors = 200
    bipolar_output = False

    def target(self, p, x) -> np.ndarray:
        raise NotImplementedError

    def value_text(self, p) -> str:
        raise NotImplementedError

    def estimate(self, p, ones) -> np.ndarray:
        ones = np.asarray(ones, dtype=float)
        return 2.0 * ones / p.length - 1.0 if self.bipolar_output else ones / p.length

    def top(self, p):
        return self.name.replace("-", "_")

    def component(self, p):
        return FsmUnitHw(p, p.fsm)

    def manifest_extra(self, p):
        return {
            "handshake": {
                "start": "1-cycle pulse; latches a, restarts the SNG, puts the FSM in its initial state; ignored while busy",
                "done": "1-cycle pulse latency_cycles edges after the edge that sampled start",
                "result": "number of ones in the L FSM output bits; held until the next done",
                "back_to_back": "start may be high in the cycle done is high",
            },
            "input": "bipolar x = 2a/2^W - 1; stream bit of run cycle t = code_t < a",
            "value": self.value_text(p),
            "fsm": p.fsm.describe(),
            "comparator_rule": COMPARATOR_RULE,
            "sng": {"kind": p.sng, "width": p.width, "seed": p.seed, "channels": p.spec.describe(1)},
            "stream_component": "schw.units.fsm_tanh.FsmStream (x, en, restart -> y)",
        }

    def vectors(self, p, seed, count):
        rng = np.random.default_rng(seed)
        top = 1 << p.width
        # corners: 0, 1, max, half, and the codes around x = 0 and x = +-1/N (where the FSM turns)
        near = {top // 2 - 1, top // 2 + 1}
        for k in (-1, 1):
            c = int(round(top / 2 * (1 + k / p.states)))
            near |= {c - 1, c, c + 1}
        corners = sorted(set(corner_codes(p.width)) | {c for c in near if 0 <= c < top})
        return {"a": np.concatenate([np.array(corners, dtype=np.int64), rng.integers(0, top, count)])}

    def golden(self, p, inputs):
        return {"result": fsm_counts(p, inputs["a"])}

    def accuracy(self, p, lengths, seed=1):
        """Error of the configured circuit (its SNG and seed) against the target function, over
        every operand code (W <= 12; else 4096 seeded random codes), per stream length."""
        a = accuracy_codes(p.width, seed, 12, 4096)  # every code for W <= 12
        x = bipolar_value(p.width, a)
        target = self.target(p, x)
        rows = []
        for length in lengths:
            q = p.replace(length=int(length))
            rows.append({"length": q.length, **F.error_stats(self.estimate(q, fsm_counts(q, a)), target)})
        return rows


@register
class FsmTanhUnit(_FsmUnit):
    name = "fsm-tanh"
    Params = FsmTanhParams
    summary = "Brown & Card tanh FSM: comparator SNG -> N-state up/down counter FSM -> ones counter"
    bipolar_output = True

    def target(self, p, x):
        return F.tanh_target(p.states, x)

    def value_text(self, p):
        return (f"2 * result / L - 1 estimates tanh(N x / 2), N = {p.states}; steady state for a "
                "Bernoulli input: tanh((N/2) artanh x)")


@register
class FsmSigmoidUnit(_FsmUnit):
    name = "fsm-sigmoid"
    Params = FsmSigmoidParams
    summary = "Sigmoid by the tanh FSM read as unipolar: result / L estimates sigmoid(N x)"

    def target(self, p, x):
        return F.sigmoid_target(p.states, x)

    def value_text(self, p):
        return (f"result / L estimates sigmoid(N x) = (1 + tanh(N x / 2)) / 2, N = {p.states}; steady "
                "state for a Bernoulli input: (1 + tanh((N/2) artanh x)) / 2")


@register
class FsmExpUnit(_FsmUnit):
    name = "fsm-exp"
    Params = FsmExpParams
    summary = "Brown & Card exponential FSM (Sexp): result / L estimates exp(-2 G x) for x >= 0"

    def target(self, p, x):
        return F.exp_target(p.gain, x)

    def value_text(self, p):
        return (f"result / L estimates exp(-2 G x) for x >= 0 and 1 for x < 0, G = {p.gain}; steady state "
                "for a Bernoulli input: (1 - r^(N-G)) / (1 - r^N), r = (1+x)/(1-x)")


# -- the stream-level component as a unit of its own --------------------------------------------

#: cycles per run in fsm-stream's regression: one restart cycle, then RUN_CYCLES - 1 steps
RUN_CYCLES = 64


@dataclass(frozen=True)
class FsmStreamParams(Params):
    kind: str = param("tanh", choice(*F.KINDS), "tanh (output 1 when state >= N/2) or exp (Sexp: 1 when state < N - G)")
    states: int = param(8, int_range(2, 256), "number of FSM states N (even for tanh)")
    gain: int = param(0, int_range(0, 255), "G for exp (1 <= G < N); 0 for tanh")

    def check(self):
        if self.kind == "tanh" and self.states % 2:
            raise ParamError("states", "an even integer in 2..256 for tanh", self.states)
        if self.kind == "tanh" and self.gain:
            raise ParamError("gain", "0 for tanh (G belongs to exp)", self.gain)
        if self.kind == "exp" and not 1 <= self.gain < self.states:
            raise ParamError("gain", f"an integer in 1..{self.states - 1} for exp (G < N = {self.states})", self.gain)

    @property
    def fsm(self) -> F.Fsm:
        return F.tanh_fsm(self.states) if self.kind == "tanh" else F.exp_fsm(self.states, self.gain)


def stream_golden(fsm: F.Fsm, x, en, restart) -> np.ndarray:
    """Expected ``y`` per cycle of FsmStream for per-cycle inputs laid out as runs of RUN_CYCLES
    cycles, each starting with a restart cycle (restart = 1 only there). Vectorized over runs:
    the loop is over the cycles of a run. After reset the state is the initial state; the y of a
    restart cycle is the output of the previous run's final state."""
    x, en, restart = (np.asarray(v, dtype=np.int64) for v in (x, en, restart))
    if x.size % RUN_CYCLES or not np.array_equal(restart, (np.arange(x.size) % RUN_CYCLES == 0).astype(np.int64)):
        raise ValueError(f"inputs must be runs of {RUN_CYCLES} cycles with restart = 1 exactly in each first cycle")
    runs = x.size // RUN_CYCLES
    xs, ens = x.reshape(runs, RUN_CYCLES), en.reshape(runs, RUN_CYCLES).astype(bool)
    table = fsm.table()
    s = np.full(runs, fsm.initial, dtype=np.int64)
    y = np.empty((runs, RUN_CYCLES), dtype=np.int64)
    for t in range(1, RUN_CYCLES):
        y[:, t] = table[s]
        s = np.where(ens[:, t], np.clip(s + 2 * xs[:, t] - 1, 0, fsm.states - 1), s)
    y[:, 0] = table[np.concatenate([[fsm.initial], s[:-1]])]
    return y.ravel()


@register
class FsmStreamUnit(Unit):
    name = "fsm-stream"
    Params = FsmStreamParams
    summary = "The bare Brown & Card FSM for SC datapaths: x, en, restart in; y (Moore output) out"
    testbench = "tb_sng"  # the generic per-cycle testbench: drive inputs, record outputs each cycle
    default_vectors = 40  # runs of RUN_CYCLES cycles

    def component(self, p):
        return FsmStream(p.fsm)

    def manifest_extra(self, p):
        return {
            "ports_contract": {
                "x": "input bit of this cycle",
                "en": "1: the next edge moves the state with x (up on 1, down on 0, saturating)",
                "restart": "1: the next state is the initial state (wins over en)",
                "y": "output of the current state (Moore, from the state register); valid all cycle",
            },
            "fsm": p.fsm.describe(),
            "reset": "synchronous rst puts the state in the initial state",
        }

    def vectors(self, p, seed, count):
        """``count`` runs (at least 4) of RUN_CYCLES cycles: restart, then seeded random x with
        P(1) spread over runs (runs 0 and 1 all ones and all zeros, to saturate) and en = 1 with
        probability 0.8."""
        runs = max(4, count)
        rng = np.random.default_rng(seed)
        prob = np.concatenate([[1.0, 0.0], rng.random(runs - 2)])
        x = (rng.random((runs, RUN_CYCLES)) < prob[:, None]).astype(np.int64)
        en = (rng.random((runs, RUN_CYCLES)) < 0.8).astype(np.int64)
        en[:2] = 1
        restart = np.zeros((runs, RUN_CYCLES), dtype=np.int64)
        restart[:, 0] = 1
        return {"restart": restart.ravel(), "en": en.ravel(), "x": x.ravel()}

    def golden(self, p, inputs):
        return {"y": stream_golden(p.fsm, inputs["x"], inputs["en"], inputs["restart"])}
