"""Theory of the Brown & Card FSMs, checked against the golden model (no simulator needed).

Bounds are stated in each test. The references are the closed forms of the Markov chain and
the reference figures the FSM units were specified with (Brown & Card 2001 and a Monte-Carlo
reference), never numbers taken from schw's own output.
"""

import numpy as np
import pytest

from schw.units.fsm import golden as F
from schw.units.fsm.params import Fsm, exp_fsm, tanh_fsm
from schw.sc.golden import sng_codes

# Open grid: at x = +-1 the chain is absorbing and artanh is infinite.
X_OPEN = np.linspace(-1, 1, 401)[1:-1]


def grid(states):
    return X_OPEN if states <= 64 else X_OPEN[::4]  # one 256 x 256 solve per point


def reference_run(states, kind, gain, initial, bits):
    """Per-bit reference FSM written from the specification (slow; small inputs only)."""
    out = []
    for row in bits:
        s, ys = initial, []
        for b in row:
            ys.append(int(s >= states // 2) if kind == "tanh" else int(s < states - gain))
            s = min(s + 1, states - 1) if b else max(s - 1, 0)
        out.append(ys)
    return np.array(out, dtype=bool)


@pytest.mark.parametrize("fsm", [tanh_fsm(2), tanh_fsm(4), tanh_fsm(10), exp_fsm(8, 2), exp_fsm(5, 1),
                                 Fsm("exp", 16, 3, initial=0), Fsm("tanh", 6, initial=5)])
def test_golden_matches_reference_bit_for_bit(fsm):
    rng = np.random.default_rng(fsm.states)
    p = rng.random(40)
    bits = F.bernoulli_streams(p, 97, rng)
    bits[0] = True   # saturate at the top
    bits[1] = False  # saturate at the bottom
    ref = reference_run(fsm.states, fsm.kind, fsm.gain, fsm.initial, bits)
    assert np.array_equal(F.run(fsm, bits, stream=True), ref)
    assert np.array_equal(F.run(fsm, bits), ref.sum(axis=1))


@pytest.mark.parametrize("states", [2, 4, 8, 16, 32, 64, 256])
def test_tanh_steady_state_matches_closed_form(states):
    """(a) Markov chain stationary distribution (scipy.linalg.solve) read as bipolar equals
    tanh((N/2) artanh x); bound 1e-9 (floating point only)."""
    x = grid(states)
    ss = 2 * F.steady_output(tanh_fsm(states), x) - 1
    assert np.max(np.abs(ss - F.tanh_closed(states, x))) < 1e-9


def test_steady_state_is_stationary_and_absorbing_ends():
    for x in (-0.9, -0.3, 0.0, 0.5):
        P = F.transition_matrix(12, x)
        pi = F.steady_state(12, x)
        assert np.allclose(pi @ P, pi, atol=1e-12) and abs(pi.sum() - 1) < 1e-12 and pi.min() > 0
    assert np.allclose(F.steady_state(12, 1.0), np.eye(12)[-1])   # all-ones input: top state
    assert np.allclose(F.steady_state(12, -1.0), np.eye(12)[0])   # all-zeros input: bottom state


# Specified reference: the largest deviation of the steady state from tanh(N x / 2) is "about"
# these values.
# Bound: within 3 % of the stated two-significant-digit figures.
DEVIATION = {4: 0.055, 8: 0.013, 16: 0.0032, 32: 0.0008}


@pytest.mark.parametrize("states", sorted(DEVIATION))
def test_tanh_steady_state_deviation_from_tanh(states):
    x = np.linspace(-1, 1, 4001)[1:-1]
    ss = 2 * F.steady_output(tanh_fsm(states), x) - 1 if states <= 8 else F.tanh_closed(states, x)
    dev = np.max(np.abs(ss - F.tanh_target(states, x)))
    assert dev == pytest.approx(DEVIATION[states], rel=0.03)


@pytest.mark.parametrize("states,gain", [(4, 1), (8, 2), (16, 2), (32, 4), (64, 8), (256, 3)])
def test_exp_steady_state_matches_closed_form(states, gain):
    """Sexp: stationary output (Markov chain) equals (1 - r^(N-G)) / (1 - r^N); bound 1e-9."""
    x = grid(states)
    ss = F.steady_output(exp_fsm(states, gain), x)
    assert np.max(np.abs(ss - F.exp_closed(states, gain, x))) < 1e-9


def test_exp_steady_state_approaches_exponential():
    """For large N and x >= 0 the Sexp steady state tends to ((1-x)/(1+x))^G = exp(-2G artanh x),
    which is exp(-2 G x) to first order. Bounds: 1e-6 to the limit for x >= 0.1 at N = 256;
    0 <= exp(-2Gx) - limit <= 2G (artanh x - x) on [0, 1) (artanh x >= x and 1 - e^-u <= u)."""
    gain = 2
    x = np.linspace(0.1, 0.99, 500)
    limit = ((1 - x) / (1 + x)) ** gain
    assert np.max(np.abs(F.exp_closed(256, gain, x) - limit)) < 1e-6
    x = np.linspace(0, 0.99, 500)
    gap = F.exp_target(gain, x) - ((1 - x) / (1 + x)) ** gain
    assert np.all(gap >= -1e-15) and np.all(gap <= 2 * gain * (np.arctanh(x) - x) + 1e-15)


@pytest.mark.parametrize("fsm", [tanh_fsm(4), tanh_fsm(8), tanh_fsm(16), exp_fsm(16, 2)])
def test_golden_long_run_mean_matches_steady_state(fsm):
    """(b) The golden model's long-run mean with Bernoulli input equals the steady state.

    T = 200 runs of L = 8192 cycles per x. Statistical bound: |empirical mean - steady state|
    <= 5 * sigma / sqrt(T) + 2N / L, where sigma is the exact standard deviation of one run's
    estimate (moment recursion) and 2N/L bounds the start-up transient, itself checked against
    the exact finite-L mean. Fixed seed; a 5-sigma miss has probability ~6e-7 per point."""
    length, runs = 8192, 200
    x = np.array([-0.6, -0.2, 0.0, 0.1, 0.3, 0.7])
    rng = np.random.default_rng(2024 + fsm.states)
    ones = F.run(fsm, F.bernoulli_streams(np.repeat((1 + x) / 2, runs), length, rng)).reshape(x.size, runs)
    scale, offset = (2.0, -1.0) if fsm.kind == "tanh" else (1.0, 0.0)
    emp = (scale * ones / length + offset).mean(axis=1)
    steady = scale * F.steady_output(fsm, x) + offset
    mean, var = F.bernoulli_moments(fsm, x, length)
    exact = scale * mean / length + offset
    sigma = scale * np.sqrt(var) / length
    transient = 2 * fsm.states / length
    assert np.all(np.abs(exact - steady) <= transient)
    assert np.all(np.abs(emp - exact) <= 5 * sigma / np.sqrt(runs) + 1e-12)
    assert np.all(np.abs(emp - steady) <= 5 * sigma / np.sqrt(runs) + transient)


def test_bernoulli_moments_match_enumeration():
    """Exact moments against brute-force enumeration of every input sequence (L = 10)."""
    fsm, length = tanh_fsm(4), 10
    seqs = ((np.arange(1 << length)[:, None] >> np.arange(length)) & 1).astype(bool)
    ones = F.run(fsm, seqs)
    for x in (-0.5, 0.0, 0.3):
        p = (1 + x) / 2
        k = seqs.sum(axis=1)
        w = p ** k * (1 - p) ** (length - k)
        mean, var = F.bernoulli_moments(fsm, x, length)
        assert mean == pytest.approx(np.sum(w * ones), abs=1e-12)
        assert var == pytest.approx(np.sum(w * ones ** 2) - np.sum(w * ones) ** 2, abs=1e-12)


# Specified Monte-Carlo reference: RMSE against tanh(N x / 2) with Bernoulli inputs, start at N/2.
REFERENCE_RMSE = {(4, 256): 0.092, (4, 1024): 0.055, (8, 256): 0.125, (8, 1024): 0.062,
                  (16, 256): 0.172, (16, 1024): 0.091}


@pytest.mark.parametrize("states,length", sorted(REFERENCE_RMSE))
def test_bernoulli_rmse_reproduces_reference(states, length):
    """Exact expected RMSE over the grid x = -1..1 (257 points) within 5 % of the reference
    (the reference is itself a Monte-Carlo figure on an unstated grid)."""
    x = np.linspace(-1, 1, 257)
    rmse = F.bernoulli_rmse(tanh_fsm(states), x, length, F.tanh_target(states, x), bipolar=True)
    assert rmse == pytest.approx(REFERENCE_RMSE[(states, length)], rel=0.05)


@pytest.mark.parametrize("states", [4, 16])
def test_golden_monte_carlo_rmse_matches_exact(states):
    """Monte Carlo through the golden model (65 x 100 Bernoulli runs, L = 256) against the exact
    expected MSE. Bound: 5 standard errors of the mean of the squared errors."""
    length, runs = 256, 100
    x = np.linspace(-1, 1, 65)
    fsm = tanh_fsm(states)
    rng = np.random.default_rng(states)
    ones = F.run(fsm, F.bernoulli_streams(np.repeat((1 + x) / 2, runs), length, rng))
    sq = (2 * ones / length - 1 - np.repeat(F.tanh_target(states, x), runs)) ** 2
    exact = F.bernoulli_rmse(fsm, x, length, F.tanh_target(states, x), bipolar=True) ** 2
    assert abs(sq.mean() - exact) <= 5 * sq.std(ddof=1) / np.sqrt(sq.size)


def test_run_comparator_equals_run_on_comparator_streams():
    from schw.sc.spec import SngSpec
    from schw.sc.golden import comparator_streams

    codes = sng_codes(SngSpec("sobol", 6, 3), 1, 200)[0]
    ops = np.array([0, 1, 5, 31, 32, 33, 63, 17, 17])
    for fsm in (tanh_fsm(8), exp_fsm(6, 2)):
        assert np.array_equal(F.run_comparator(fsm, codes, ops), F.run(fsm, comparator_streams(codes, ops)))
