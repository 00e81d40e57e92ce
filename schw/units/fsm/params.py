"""The Brown & Card machine and the FSM units' parameters (no Amaranth).

A :class:`Fsm` is a saturating up/down counter over states ``0..N-1`` (Brown & Card, IEEE
Trans. Computers 50(9), 2001). Run cycle ``t`` of a stream:

* the output bit is ``y_t = table[s_t]`` (a Moore machine: the output depends on the current
  state only, so in hardware it comes straight from the state register);
* the input bit ``x_t`` then moves the state: ``s_{t+1} = min(s_t + 1, N-1)`` if ``x_t`` else
  ``max(s_t - 1, 0)``;
* ``s_0`` is the initial state, ``N/2`` (floor) in :func:`tanh_fsm` and :func:`exp_fsm`.

``tanh``: output 1 when ``s >= N/2``; ``exp`` (Brown & Card's Sexp): output 1 when ``s < N - G``.
What they compute is in :mod:`schw.units.fsm.golden`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from schw.errors import ParamError
from schw.params import Params, choice, even_range, int_range, param, power_of_two
from schw.sc.spec import SNG_KINDS, SngSpec

KINDS = ("tanh", "exp")

#: cycles per run in fsm-stream's regression: one restart cycle, then RUN_CYCLES - 1 steps
RUN_CYCLES = 64


@dataclass(frozen=True)
class Fsm:
    """One Brown & Card machine. ``kind``: tanh or exp; ``states``: N; ``gain``: G (exp only,
    1 <= G < N); ``initial``: the state after reset/restart."""

    kind: str
    states: int
    gain: int = 0
    initial: int = 0

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ParamError("kind", "one of " + ", ".join(KINDS), self.kind)
        if isinstance(self.states, bool) or not isinstance(self.states, int) or not 2 <= self.states <= 4096:
            raise ParamError("states", "an integer in 2..4096", self.states)
        if self.kind == "tanh" and self.states % 2:
            raise ParamError("states", "an even integer for tanh", self.states)
        if self.kind == "exp" and not 1 <= self.gain < self.states:
            raise ParamError("gain", f"an integer in 1..{self.states - 1} (G < N)", self.gain)
        if not 0 <= self.initial < self.states:
            raise ParamError("initial", f"a state in 0..{self.states - 1}", self.initial)

    @property
    def threshold(self) -> int:
        """tanh: output is 1 from this state up; exp: output is 1 below this state."""
        return self.states // 2 if self.kind == "tanh" else self.states - self.gain

    def table(self) -> np.ndarray:
        """Output bit per state, shape (N,), uint8."""
        s = np.arange(self.states)
        return (s >= self.threshold if self.kind == "tanh" else s < self.threshold).astype(np.uint8)

    def describe(self) -> dict:
        out = (f"1 when state >= {self.threshold}" if self.kind == "tanh"
               else f"1 when state < {self.threshold} (N - G)")
        d = {"kind": self.kind, "states": self.states, "initial_state": self.initial,
             "update": "input 1: state + 1 saturating at N-1; input 0: state - 1 saturating at 0",
             "output": out + "; Moore: the output of run cycle t is the state before that cycle's update"}
        if self.kind == "exp":
            d["gain"] = self.gain
        return d


def tanh_fsm(states: int) -> Fsm:
    return Fsm("tanh", states, initial=states // 2)


def exp_fsm(states: int, gain: int) -> Fsm:
    """Sexp; starts at N/2 like the tanh FSM (docs/fsm.md compares other initial states)."""
    return Fsm("exp", states, gain, initial=states // 2)


# -- the binary-in, binary-out units (fsm-tanh, fsm-sigmoid, fsm-exp) ----------------------------

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
    def fsm(self) -> Fsm:
        return tanh_fsm(self.states)


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
    def fsm(self) -> Fsm:
        return exp_fsm(self.states, self.gain)


# -- the bare machine as a unit (fsm-stream) -----------------------------------------------------

@dataclass(frozen=True)
class FsmStreamParams(Params):
    kind: str = param("tanh", choice(*KINDS), "tanh (output 1 when state >= N/2) or exp (Sexp: 1 when state < N - G)")
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
    def fsm(self) -> Fsm:
        return tanh_fsm(self.states) if self.kind == "tanh" else exp_fsm(self.states, self.gain)
