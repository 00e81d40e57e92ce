"""Golden model and theory of the Brown & Card FSMs (NumPy/SciPy only; the machine itself,
:class:`~schw.units.fsm.params.Fsm`, is defined in :mod:`schw.units.fsm.params`).

``tanh`` (output 1 when ``s >= N/2``): for a Bernoulli input of bipolar value ``x`` (``P(1) =
(1+x)/2``) the steady-state output, read as bipolar, is ``tanh((N/2) * artanh(x))``, close to
``tanh(N x / 2)``; read as unipolar it is ``(1 + tanh(...)) / 2``, close to ``sigmoid(N x)``.

``exp`` (Brown & Card's Sexp, output 1 when ``s < N - G``): the steady-state unipolar output is
``(1 - r^(N-G)) / (1 - r^N)`` with ``r = (1+x)/(1-x)``, close to ``exp(-2 G x)`` for ``x >= 0``
and to 1 for ``x < 0``.

Golden model: :func:`run` loops over the L cycles and processes every stream of a batch as one
NumPy vector per cycle; :func:`fsm_counts` is the fsm-tanh/-sigmoid/-exp units' result (the
machine on the SNG's comparator stream) and :func:`stream_golden` fsm-stream's per-cycle output.
Theory: :func:`transition_matrix`, :func:`steady_state` (SciPy linear algebra), the closed
forms, and :func:`bernoulli_moments`, the exact mean and variance of the ones count of an
L-cycle run with Bernoulli input (moment recursion over the Markov chain).
"""

from __future__ import annotations

import contextlib

import numpy as np
import scipy.linalg

from schw.sc.golden import sng_codes

from .params import RUN_CYCLES, Fsm

# -- golden model --------------------------------------------------------------------------

def _steps(fsm: Fsm, n: int, columns, stream: bool, length: int):
    table = fsm.table()
    top = fsm.states - 1
    s = np.full(n, fsm.initial, dtype=np.int32)
    out = np.empty((length, n), dtype=bool) if stream else None
    ones = np.zeros(n, dtype=np.int64)
    for t, col in enumerate(columns):
        y = table[s]
        if stream:
            out[t] = y
        else:
            ones += y
        s += col
        s += col
        s -= 1
        np.clip(s, 0, top, out=s)
    return np.ascontiguousarray(out.T) if stream else ones


def run(fsm: Fsm, bits: np.ndarray, stream: bool = False):
    """Run ``fsm`` on every row of ``bits`` (bool, shape (n, L)), all from the initial state.

    Returns the number of output ones per row (int64, shape (n,)), or with ``stream=True`` the
    output bits themselves (bool, shape (n, L)). Cycle-exact (see the module docstring).
    """
    bits = np.asarray(bits, dtype=bool)
    if bits.ndim != 2:
        raise ValueError("bits must have shape (streams, L)")
    n, length = bits.shape
    cols = np.ascontiguousarray(bits.T)  # one contiguous row per cycle
    return _steps(fsm, n, cols, stream, length)


def run_comparator(fsm: Fsm, codes: np.ndarray, operands: np.ndarray) -> np.ndarray:
    """Ones count of ``fsm`` driven by the comparator streams ``codes[t] < operands[i]``, one per
    operand; the same as ``run(fsm, comparator_streams(codes, operands))`` without building the
    (operands, L) bit matrix (memory O(operands), not O(operands x L))."""
    ops = np.asarray(operands, dtype=np.int64)
    codes = np.asarray(codes, dtype=np.int64)
    return _steps(fsm, ops.size, (c < ops for c in codes), False, codes.size)


def bernoulli_streams(p: np.ndarray, length: int, rng: np.random.Generator) -> np.ndarray:
    """Independent Bernoulli streams, P(1) = p[i] for row i, shape (len(p), length)."""
    p = np.asarray(p, dtype=float)
    return rng.random((p.size, length)) < p[:, None]


# -- the units --------------------------------------------------------------------------------

def bipolar_value(width: int, a) -> np.ndarray:
    """Bipolar value x = 2a/2^W - 1 of the W-bit operand code(s) a."""
    return 2.0 * np.asarray(a, dtype=float) / (1 << width) - 1.0


def fsm_counts(p, a) -> np.ndarray:
    """Golden model of fsm-tanh, fsm-sigmoid and fsm-exp: ones in the L output bits of the FSM
    for each operand code a[i]."""
    a = np.asarray(a, dtype=np.int64)
    codes = sng_codes(p.spec, 1, p.length)[0]
    ua, inv = np.unique(a, return_inverse=True)
    return run_comparator(p.fsm, codes, ua)[inv.reshape(a.shape)]


def stream_golden(fsm: Fsm, x, en, restart) -> np.ndarray:
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


# -- theory --------------------------------------------------------------------------------

def transition_matrix(states: int, x: float) -> np.ndarray:
    """Row-stochastic N x N matrix of the chain for a Bernoulli input of bipolar value x."""
    p = (1.0 + x) / 2.0
    q = 1.0 - p
    P = np.zeros((states, states))
    i = np.arange(states)
    P[i, np.minimum(i + 1, states - 1)] += p
    P[i, np.maximum(i - 1, 0)] += q
    return P


def steady_state(states: int, x: float) -> np.ndarray:
    """Stationary distribution pi (pi P = pi, sum 1) by a linear solve: the balance equations
    with one of them replaced by the normalisation."""
    P = transition_matrix(states, x)
    A = P.T - np.eye(states)
    A[-1, :] = 1.0
    b = np.zeros(states)
    b[-1] = 1.0
    return scipy.linalg.solve(A, b)


def _one_blas_thread():
    """Single-threaded BLAS for many small solves: threads only add contention (20x slower
    seen on a loaded 2-core machine). threadpoolctl is optional."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(1)


def steady_output(fsm: Fsm, x) -> np.ndarray:
    """Steady-state probability of an output 1 for bipolar input value(s) x (Markov chain)."""
    table = fsm.table().astype(float)
    xs = np.atleast_1d(np.asarray(x, dtype=float))
    with _one_blas_thread():
        ys = [steady_state(fsm.states, v) @ table for v in xs]
    return np.array(ys).reshape(np.shape(x))


def tanh_closed(states: int, x) -> np.ndarray:
    """Closed-form steady state of the tanh FSM, bipolar: tanh((N/2) artanh x)."""
    x = np.asarray(x, dtype=float)
    with np.errstate(divide="ignore"):
        return np.tanh(states / 2 * np.arctanh(x))


def exp_closed(states: int, gain: int, x) -> np.ndarray:
    """Closed-form steady state of Sexp, unipolar: (1 - r^(N-G)) / (1 - r^N), r = (1+x)/(1-x).

    Evaluated as (r^-N - r^-G) / (r^-N - 1) for r > 1 so that it does not overflow; the limit
    (N-G)/N at x = 0."""
    x = np.asarray(x, dtype=float)
    out = np.empty(x.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        lr = np.log1p(x) - np.log1p(-x)  # ln r, +-inf at x = +-1
        pos, neg = lr > 0, lr < 0
        a = np.exp(-np.abs(lr))  # r^-1 (x > 0) or r (x < 0), in [0, 1)
        out[pos] = ((a[pos] ** states - a[pos] ** gain) / (a[pos] ** states - 1.0))
        out[neg] = (1.0 - a[neg] ** (states - gain)) / (1.0 - a[neg] ** states)
    out[lr == 0] = (states - gain) / states
    return out


def tanh_target(states: int, x) -> np.ndarray:
    """The function the tanh FSM approximates: tanh(N x / 2)."""
    return np.tanh(states * np.asarray(x, dtype=float) / 2)


def sigmoid_target(states: int, x) -> np.ndarray:
    """sigmoid(N x) = (1 + tanh(N x / 2)) / 2, the unipolar reading of the tanh FSM."""
    return (1.0 + tanh_target(states, x)) / 2


def exp_target(gain: int, x) -> np.ndarray:
    """exp(-2 G x) for x >= 0, 1 for x < 0 (Brown & Card's Sexp)."""
    return np.minimum(1.0, np.exp(-2.0 * gain * np.asarray(x, dtype=float)))


def bernoulli_moments(fsm: Fsm, x, length: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact mean and variance of the number of output ones in an L-cycle run from the initial
    state, for a Bernoulli input of bipolar value x (one value per element of x).

    Tracks, per state s, m0 = P(s_t = s), m1 = E[C_t; s_t = s], m2 = E[C_t^2; s_t = s] with C_t
    the ones before cycle t; vectorized over x, O(L N) per value."""
    xs = np.atleast_1d(np.asarray(x, dtype=float))
    p = ((1.0 + xs) / 2.0)[:, None]
    q = 1.0 - p
    y = fsm.table().astype(float)[None, :]
    n = fsm.states
    m0 = np.zeros((xs.size, n))
    m0[:, fsm.initial] = 1.0
    m1 = np.zeros_like(m0)
    m2 = np.zeros_like(m0)

    def move(m):
        out = np.zeros_like(m)
        out[:, 1:] += p * m[:, :-1]
        out[:, -1] += p[:, 0] * m[:, -1]
        out[:, :-1] += q * m[:, 1:]
        out[:, 0] += q[:, 0] * m[:, 0]
        return out

    for _ in range(length):
        m2 = m2 + y * (2 * m1 + m0)  # (C + y)^2 = C^2 + 2 y C + y  (y is 0 or 1)
        m1 = m1 + y * m0
        m0, m1, m2 = move(m0), move(m1), move(m2)
    mean = m1.sum(axis=1)
    var = m2.sum(axis=1) - mean ** 2
    return mean.reshape(np.shape(x)), np.maximum(var, 0.0).reshape(np.shape(x))


def bernoulli_rmse(fsm: Fsm, x, length: int, target, bipolar: bool) -> float:
    """Exact expected RMSE over the grid x (root of the mean over x of E[(estimate - target)^2])
    for Bernoulli inputs; estimate = ones/L (unipolar) or 2 ones/L - 1 (bipolar)."""
    mean, var = bernoulli_moments(fsm, x, length)
    scale, offset = (2.0 / length, -1.0) if bipolar else (1.0 / length, 0.0)
    est_mean = scale * mean + offset
    mse = scale ** 2 * var + (est_mean - np.asarray(target)) ** 2
    return float(np.sqrt(np.mean(mse)))
