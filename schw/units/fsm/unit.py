"""FSM nonlinear units: fsm-tanh, fsm-sigmoid and fsm-exp (Brown & Card, 2001), and fsm-stream.

fsm-tanh, fsm-sigmoid and fsm-exp are binary-in, binary-out wrappers around one
:class:`~schw.units.fsm.rtl.FsmStream` (SNG -> FSM -> ones counter, sc-mul's handshake; see
:mod:`schw.units.fsm.rtl`):

* fsm-tanh: 2 result / L - 1 estimates tanh(N x / 2) (bipolar output).
* fsm-sigmoid: the same machine read as unipolar, result / L estimates sigmoid(N x).
* fsm-exp: Sexp, result / L estimates exp(-2 G x) for x >= 0 (1 for x < 0).

fsm-stream is the bare stream-level component (x, en, restart in; y out) for larger SC
datapaths, checked cycle by cycle with the generic per-cycle testbench ``tb_sng``.
"""

from __future__ import annotations

import numpy as np

from schw.registry import register
from schw.sc.spec import COMPARATOR_RULE
from schw.stats import accuracy_codes, error_row
from schw.units.base import RunUnit, Unit, handshake

from .golden import bipolar_value, exp_target, fsm_counts, sigmoid_target, stream_golden, tanh_target
from .params import FsmExpParams, FsmSigmoidParams, FsmStreamParams, FsmTanhParams
from .rtl import FsmStream, FsmUnitHw
from .vectors import operand_codes, stream_runs


class _FsmUnit(RunUnit):
    default_vectors = 200
    bipolar_output = False

    def target(self, p, x) -> np.ndarray:
        raise NotImplementedError

    def value_text(self, p) -> str:
        raise NotImplementedError

    def estimate(self, p, ones) -> np.ndarray:
        ones = np.asarray(ones, dtype=float)
        return 2.0 * ones / p.length - 1.0 if self.bipolar_output else ones / p.length

    def component(self, p):
        return FsmUnitHw(p, p.fsm)

    def manifest_extra(self, p):
        return {
            "handshake": handshake("number of ones in the L FSM output bits",
                                   latches="a, restarts the SNG, puts the FSM in its initial state",
                                   done_after="latency_cycles"),
            "input": "bipolar x = 2a/2^W - 1; stream bit of run cycle t = code_t < a",
            "value": self.value_text(p),
            "fsm": p.fsm.describe(),
            "comparator_rule": COMPARATOR_RULE,
            "sng": {"kind": p.sng, "width": p.width, "seed": p.seed, "channels": p.spec.describe(1)},
            # the component is schw.units.fsm.rtl.FsmStream now; the text stays as it was because
            # generated manifests must not change in this refactor
            "stream_component": "schw.units.fsm_tanh.FsmStream (x, en, restart -> y)",
        }

    def vectors(self, p, seed, count):
        return operand_codes(p, seed, count)

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
            rows.append(error_row(q.length, self.estimate(q, fsm_counts(q, a)), target))
        return rows


@register
class FsmTanhUnit(_FsmUnit):
    name = "fsm-tanh"
    operation_name = "one tanh evaluation (an L-cycle run)"
    Params = FsmTanhParams
    summary = "Brown & Card tanh FSM: comparator SNG -> N-state up/down counter FSM -> ones counter"
    bipolar_output = True

    def target(self, p, x):
        return tanh_target(p.states, x)

    def value_text(self, p):
        return (f"2 * result / L - 1 estimates tanh(N x / 2), N = {p.states}; steady state for a "
                "Bernoulli input: tanh((N/2) artanh x)")


@register
class FsmSigmoidUnit(_FsmUnit):
    name = "fsm-sigmoid"
    operation_name = "one sigmoid evaluation (an L-cycle run)"
    Params = FsmSigmoidParams
    summary = "Sigmoid by the tanh FSM read as unipolar: result / L estimates sigmoid(N x)"

    def target(self, p, x):
        return sigmoid_target(p.states, x)

    def value_text(self, p):
        return (f"result / L estimates sigmoid(N x) = (1 + tanh(N x / 2)) / 2, N = {p.states}; steady "
                "state for a Bernoulli input: (1 + tanh((N/2) artanh x)) / 2")


@register
class FsmExpUnit(_FsmUnit):
    name = "fsm-exp"
    operation_name = "one exponential evaluation (an L-cycle run)"
    Params = FsmExpParams
    summary = "Brown & Card exponential FSM (Sexp): result / L estimates exp(-2 G x) for x >= 0"

    def target(self, p, x):
        return exp_target(p.gain, x)

    def value_text(self, p):
        return (f"result / L estimates exp(-2 G x) for x >= 0 and 1 for x < 0, G = {p.gain}; steady state "
                "for a Bernoulli input: (1 - r^(N-G)) / (1 - r^N), r = (1+x)/(1-x)")


@register
class FsmStreamUnit(Unit):
    name = "fsm-stream"
    operation_name = "one stream bit (one per enabled cycle)"
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
        return stream_runs(p, seed, count)

    def golden(self, p, inputs):
        return {"y": stream_golden(p.fsm, inputs["x"], inputs["en"], inputs["restart"])}
