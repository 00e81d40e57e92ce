"""SC-GDC, SC-GDM and fxp-acc: golden-model properties (it is gradient descent) and the exact
RTL-vs-golden regression on Verilator and Icarus.

Statistical bounds used below, for T cycles of one counter with constant operands:
- mean: |mean(A - B) - delta| <= 5 * sigma / sqrt(T) + 2 * 2^-N, sigma^2 the theoretical
  variance (5 sigma: a false failure has probability < 1e-6 per counter) and 2 * 2^-N the
  SNG's discretization (an LFSR never emits code 0: each stream probability is off by < 2^-N);
- variance: the sample variance of a variable in [-1, 1] has standard deviation at most
  2 sigma / sqrt(T), so |var - theory| <= 10 sigma / sqrt(T) + 4 * 2^-N.
"""

import numpy as np
import pytest

from schw.errors import ParamError
from schw.registry import get
from schw.sc.golden import sng_codes, SngStream
from schw.sc.spec import SngSpec
from schw.units.gdc import golden
from schw.units.gdc.params import limits
from schw.verify import regression

GDC = get("sc-gdc")
ARRAY = get("sc-gdc-array")
GDM = get("sc-gdm")
FXP = get("fxp-acc")


# -- code source ------------------------------------------------------------------------

@pytest.mark.parametrize("kind,width,seed,channels", [("lfsr", 4, 0, 3), ("lfsr", 8, 77, 9), ("lfsr", 13, 5, 4),
                                                      ("sobol", 6, 0, 16), ("sobol", 9, 123, 5)])
def test_code_stream_equals_sng_spec(kind, width, seed, channels):
    spec = SngSpec(kind, width, seed)
    period = (1 << width) - 1 if kind == "lfsr" else 1 << width
    got = SngStream(spec, channels).run(min(2 * period, 600))
    ref = sng_codes(spec, channels, min(period, 600))
    assert (got[:, :ref.shape[1]] == ref).all()
    if 2 * period <= 600:  # the sequence repeats with its period (Sobol: index modulo 2^n)
        assert (got[:, period:2 * period] == got[:, :period]).all()


# -- parameters -------------------------------------------------------------------------

@pytest.mark.parametrize("unit,kw,option", [
    (GDC, dict(width=3), "--width"), (GDC, dict(width=33), "--width"), (GDC, dict(coding="tri"), "--coding"),
    (GDC, dict(shared=1), "--shared"), (ARRAY, dict(weights=2, source_sets=3), "--source-sets"),
    (ARRAY, dict(weights=8, source_sets=5, sng="sobol", shared=False), "--source-sets"),
    (ARRAY, dict(weights=6, cols=4), "--cols"), (ARRAY, dict(weights=6, cols=3, source_sets=4), "--source-sets"),
    (GDM, dict(momentum_exp=0), "--momentum-exp"), (FXP, dict(operand_width=4, extra_bits=9), "--extra-bits"),
])
def test_bad_params_name_the_option(unit, kw, option):
    with pytest.raises(ParamError) as e:
        unit.Params(**kw)
    assert e.value.option == option


# -- it is gradient descent -------------------------------------------------------------

def _theory(coding, shared, n, x, dp, dn, xs):
    """Mean and variance of A - B per cycle from the operand values (ideal uniform codes)."""
    s = float(1 << n)
    px, pp, pn = x / s, dp / s, dn / s
    if coding == "bipolar":
        pa = px * pp + (1 - px) * (1 - pp)  # XNOR of independent streams
        pb = px * pn + (1 - px) * (1 - pn)
    else:
        pa, pb = px * pp, px * pn
        if coding == "signed":
            pa, pb = np.where(xs == 1, pb, pa), np.where(xs == 1, pa, pb)
    mean = pa - pb
    if not shared:
        var = pa * (1 - pa) + pb * (1 - pb)
    elif coding == "bipolar":
        # one source: A != B exactly when the d-comparators differ, P = |pdp - pdn|
        var = np.abs(pp - pn) - mean ** 2
    else:
        var = np.abs(mean) * (1 - np.abs(mean))
    return mean, var


def _steps(coding, shared, sng, n=12, m=48, seed=11):
    sets = m if sng == "lfsr" else (8 if shared else 4)
    p = ARRAY.Params(width=32, operand_width=n, coding=coding, shared=shared, weights=m, source_sets=sets,
                     sng=sng, seed=seed)
    rng = np.random.default_rng(seed)
    x, dp, dn = rng.integers(0, 1 << n, size=(3, m))
    xs = rng.integers(0, 2, size=m)
    t = (1 << n) - 1
    tile = lambda a: np.tile(a, (t, 1))  # noqa: E731
    ins = {"load": np.zeros(t, int), "en": np.ones(t, int), "w_in": np.zeros((t, m), int),
           "x": tile(x), "dp": tile(dp), "dn": tile(dn), "x_sign": tile(xs)}
    w = golden.to_signed(golden.gdc_run(p, ins, m, sets)["w"], 32)
    steps = np.diff(np.vstack([np.zeros(m, int), w]), axis=0)
    return steps, (x, dp, dn, xs), t


@pytest.mark.parametrize("sng", ["lfsr", "sobol"])
@pytest.mark.parametrize("shared", [True, False])
@pytest.mark.parametrize("coding", ["unipolar", "bipolar", "signed"])
def test_mean_step_is_minus_step_size_times_gradient(coding, shared, sng):
    n = 12
    steps, (x, dp, dn, xs), t = _steps(coding, shared, sng, n)
    assert set(np.unique(steps)) <= {-1, 0, 1}
    delta = golden.gdc_update_value(coding, n, x, dp, dn, xs)  # = -g, from the coding's definition
    mean, var = _theory(coding, shared, n, x, dp, dn, xs)
    assert np.allclose(mean, delta)  # the theory and the documented update term agree
    bound = 5 * np.sqrt(var / t) + 2 * 2.0 ** -n
    err = np.abs(steps.mean(axis=0) - delta)
    assert (err <= bound).all(), f"worst counter: error {err.max():.4f}, bound {bound[err.argmax()]:.4f}"


@pytest.mark.parametrize("sng", ["lfsr", "sobol"])
@pytest.mark.parametrize("coding", ["unipolar", "bipolar", "signed"])
def test_step_variance_matches_theory(coding, sng):
    n = 12
    for shared in (True, False):
        steps, (x, dp, dn, xs), t = _steps(coding, shared, sng, n)
        _, var = _theory(coding, shared, n, x, dp, dn, xs)
        bound = 10 * np.sqrt(var / t) + 4 * 2.0 ** -n
        err = np.abs(steps.var(axis=0) - var)
        assert (err <= bound).all(), f"shared={shared}: error {err.max():.4f}, bound {bound[err.argmax()]:.4f}"


def test_outer_layout_counter_statistics():
    """Outer-product layout (x per row, dp/dn per column, a source set per row and column):
    every counter still has mean delta and the per-counter variance of its sharing mode."""
    n, rows, cols = 12, 6, 5
    rng = np.random.default_rng(3)
    x, xs = rng.integers(0, 1 << n, rows), rng.integers(0, 2, rows)
    dp, dn = rng.integers(0, 1 << n, (2, cols))
    t = (1 << n) - 1
    for shared in (True, False):
        arr = golden.GdcArray("signed", shared, 32, SngSpec("lfsr", n, 5), None, max(rows, cols), (rows, cols))
        steps = np.array([arr.update(x, dp, dn, xs) for _ in range(t)])
        mean, var = _theory("signed", shared, n, x[:, None], dp[None, :], dn[None, :], xs[:, None])
        assert (np.abs(steps.mean(axis=0) - mean) <= 5 * np.sqrt(var / t) + 2 * 2.0 ** -n).all()
        assert (np.abs(steps.var(axis=0) - var) <= 10 * np.sqrt(var / t) + 4 * 2.0 ** -n).all()


def test_shared_source_lowers_variance():
    """Same operands, unipolar: one shared source gives |PA-PB|(1-|PA-PB|) < PA(1-PA)+PB(1-PB)."""
    a, _, _ = _steps("unipolar", True, "lfsr")
    b, _, _ = _steps("unipolar", False, "lfsr")
    assert (a.var(axis=0) < b.var(axis=0)).mean() > 0.95


@pytest.mark.parametrize("unit", [GDC, GDM, FXP])
def test_counters_saturate_and_never_wrap(unit):
    """Golden model: pushed past its limits a counter stays there; the regression's own vectors
    reach both limits and stay at them for several cycles."""
    for width in (4, 9, 32):
        p = unit.Params(width=width)
        lo, hi = limits(width)
        ins = unit.vectors(p, 3, 300)
        w = golden.to_signed(unit.golden(p, ins)["w"], width)
        for limit in (lo, hi):
            at = np.flatnonzero(w == limit)
            assert at.size >= 3, f"{unit.name} W={width}: limit {limit} reached {at.size} times"
        # never wraps: without a load, one cycle moves a counter by at most the largest step
        load = np.asarray(ins["load"], dtype=bool)
        jumps = np.abs(np.diff(w))[~load[1:]]
        biggest = 1 if unit is not FXP else 1 << p.extra_bits
        assert jumps.max() <= biggest


def test_fixed_point_update_is_round_to_nearest():
    p = FXP.Params(width=16, operand_width=6)
    x = np.arange(-64, 64)
    d = np.arange(-64, 64)[:, None]
    exact = x * d / 2.0 ** 12
    assert (golden.fxp_delta(6, 0, x, d) == np.floor(exact + 0.5)).all()
    assert (golden.fxp_delta(6, 4, x, d) == np.floor(exact * 16 + 0.5)).all()
    assert p.shift == 12


def test_gdm_velocity_register_never_overflows():
    """Extreme gradients for many cycles: v stays within its V bits (the design has no
    velocity saturation)."""
    for m in (1, 3, 7):
        p = GDM.Params(operand_width=5, momentum_exp=m)
        v = np.zeros(2, dtype=np.int64)
        lo, hi = limits(p.velocity_width)
        for g in [-(1 << 5)] * 300 + [(1 << 5) - 1] * 300:
            _, v = gdm_step_both(p, v, g)
            assert lo <= v.min() and v.max() <= hi


def gdm_step_both(p, v, g):
    return golden.gdm_step(p, np.zeros_like(v), v, np.full_like(v, g), np.zeros_like(v))


def test_gdm_follows_float_momentum_sgd_on_a_quadratic():
    """Loss (a/2)(w - w*)^2 with w in LSBs; 512 independent SC-GDM weights in closed loop
    against float momentum SGD (v <- beta v + g, w <- w - eta v, same beta and eta). Bound on
    the mean trajectory: 5 standard errors of the mean plus 1.5 LSB for the floors (v >>> m,
    |v| >> e, the rounding of g to N+1 bits)."""
    n, m_exp, e, trials = 10, 3, 3, 512
    p = GDM.Params(width=16, operand_width=n, momentum_exp=m_exp, eta_exp=e, seed=9)
    a, target, steps = 1 / 64, 50.0, 500  # a * |w - w*| < 1: no clipping of g or of the step probability
    stream = SngStream(p.spec, trials)
    w = np.zeros(trials, dtype=np.int64)
    v = np.zeros(trials, dtype=np.int64)
    wf, vf = 0.0, 0.0
    beta, eta = 1 - 2.0 ** -m_exp, 2.0 ** -e / (1 << n)
    worst, moved = 0.0, []
    for _ in range(steps):
        g = np.clip(np.round(a * (w - target) * (1 << n)), -(1 << n), (1 << n) - 1).astype(np.int64)
        w, v = golden.gdm_step(p, w, v, g, stream.codes)
        stream.step()
        vf = beta * vf + a * (wf - target) * (1 << n)
        wf = wf - eta * vf
        sem = w.std() / np.sqrt(trials)
        worst = max(worst, abs(w.mean() - wf) - 5 * sem)
        moved.append(w.mean())
    assert worst <= 1.5, f"mean trajectory left float momentum SGD by {worst + 1.5:.2f} LSB beyond 5 SEM"
    assert abs(moved[-1] - target) < 3  # and it did converge (float: overshoot then settle)


# -- RTL regression ---------------------------------------------------------------------

# every configuration on both simulators (about a minute in all with ccache)
GDC_POINTS = [
    dict(width=32, step_exp=20, coding="signed", shared=False, sng="sobol", seed=5, operand_width=6),
]
GDC_MORE = [
    dict(width=4, step_exp=3, coding="unipolar", shared=True, sng="lfsr"),
    dict(width=16, step_exp=10, coding="bipolar", shared=False, sng="lfsr", seed=1234),
    dict(width=7, coding="signed", shared=True, sng="lfsr", operand_width=3),
    dict(width=9, coding="bipolar", shared=True, sng="sobol", operand_width=11),
]
ARRAY_POINTS = [
    dict(weights=6, cols=3, source_sets=2, width=5, coding="signed", shared=False, seed=99),
]
ARRAY_MORE = [
    dict(weights=5, source_sets=2, width=6, coding="bipolar", shared=True, sng="sobol"),
    dict(weights=3, source_sets=3, width=5, coding="signed", shared=False, seed=99),
    dict(weights=6, cols=2, source_sets=3, width=6, coding="bipolar", shared=False, sng="sobol"),
    dict(weights=4, cols=4, source_sets=2, width=4, coding="unipolar", shared=True),
    dict(weights=1, source_sets=1, width=4),
    dict(weights=8, source_sets=1, width=12, coding="unipolar", shared=False, operand_width=5),
    dict(weights=16, source_sets=4, width=8, coding="signed", shared=True),
]
GDM_POINTS = [dict(width=6, momentum_exp=2, eta_exp=2, operand_width=6)]
GDM_MORE = [dict(width=12, momentum_exp=4, eta_exp=1, sng="sobol", seed=3), dict(width=32, momentum_exp=8, eta_exp=8)]
FXP_POINTS = [dict(width=8, operand_width=4)]
FXP_MORE = [dict(width=12, operand_width=6, extra_bits=5), dict(width=32, operand_width=16, extra_bits=32)]


def _cases(unit, *configs):
    return [pytest.param(unit, kw, id=f"{unit.name}-{i}") for i, kw in enumerate(kw for c in configs for kw in c)]


@pytest.mark.parametrize("unit,kw", _cases(GDC, GDC_POINTS, GDC_MORE) + _cases(ARRAY, ARRAY_POINTS, ARRAY_MORE)
                         + _cases(GDM, GDM_POINTS, GDM_MORE) + _cases(FXP, FXP_POINTS, FXP_MORE))
def test_rtl_matches_golden(sim, unit, kw):
    p = unit.Params(**kw)
    report = regression(unit, p, sim, count=200)
    report.raise_if_failed()
    assert report.vectors >= 200


@pytest.mark.parametrize("unit,kw", [(GDC, dict(coding="signed")), (ARRAY, dict(weights=6, cols=3)),
                                     (GDM, dict()), (FXP, dict(extra_bits=3))])
def test_generation_is_deterministic_and_manifest_states_the_interface(unit, kw):
    from schw.output import generate
    p = unit.Params(**kw)
    a, b = generate(unit, p), generate(unit, p)
    assert a.verilog == b.verilog
    names = {port["name"] for port in a.manifest["ports"]}
    assert {"load", "en"} <= names
    assert "interface" in a.manifest and "load" in a.manifest["interface"]
    if unit is ARRAY:  # outer layout: 2 rows of x, 3 columns of dp/dn, 6 counters
        assert {"x__1", "dp__2", "dn__2", "w__5", "w_in__5"} <= names and "x__2" not in names


@pytest.mark.parametrize("unit,good,bad", [
    (GDC, dict(width=6, seed=1), dict(width=6, seed=2)),  # another LFSR start state
    (ARRAY, dict(weights=4, cols=2, width=5, shared=True), dict(weights=4, cols=2, width=5, shared=False)),
    (GDM, dict(width=6, momentum_exp=2, eta_exp=2), dict(width=6, momentum_exp=2, eta_exp=1)),
    (FXP, dict(width=6, operand_width=4), dict(width=6, operand_width=4, extra_bits=1)),
])
def test_regression_catches_a_different_design(tmp_path, unit, good, bad):
    """The regression can fail: RTL generated from one parameter set, checked against the
    golden model of a slightly different one (same ports), must show mismatches."""
    from conftest import need
    from schw.errors import CheckFailed
    from schw.output import generate, write_outputs
    need("cocotb", "icarus")
    gen = generate(unit, unit.Params(**good))
    rtl = write_outputs(gen, tmp_path)[0]
    report = regression(unit, unit.Params(**bad), "icarus", rtl=[rtl], top=gen.top, count=150)
    assert report.vectors > 0 and report.mismatches
    with pytest.raises(CheckFailed):
        report.raise_if_failed()
