"""Stochastic number generators: golden sequences against their mathematical definitions and
SciPy, the Amaranth bank against the golden model, and the SNG units on both simulators."""

import warnings

import numpy as np
import pytest
from scipy.stats import qmc

from schw.sc import spec as sng
from schw.errors import ParamError
from schw.output import generate
from schw.sc.spec import HALTON_BASES, LFSR_TAPS, SngSpec
from schw.sc.rtl import SngBank
from schw.registry import get
from schw.units.sng.golden import positions
from schw.verify import regression
from schw.sc.golden import sng_codes, sng_codes_at


# -- LFSR ----------------------------------------------------------------------------------

def galois_step(state, width, taps):
    """Galois LFSR step written from the polynomial x^n + sum x^k + 1 (independent of schw)."""
    feedback = 1 | sum(1 << k for k in taps)
    out = (state << 1) & ((1 << width) - 1)
    return out ^ feedback if state >> (width - 1) else out


def galois_times(states, factor, width, taps):
    """states * factor over GF(2) mod the polynomial, for an array of states: the XOR of the
    states stepped i times for every set bit i of factor (stepping is multiplying by x)."""
    feedback = np.uint64(1 | sum(1 << k for k in taps))
    mask, one, top = np.uint64((1 << width) - 1), np.uint64(1), np.uint64(width - 1)
    out = np.zeros_like(states)
    a = states.copy()
    while factor:
        if factor & 1:
            out ^= a
        factor >>= 1
        a = ((a << one) & mask) ^ (((a >> top) & one) * feedback)
    return out


@pytest.mark.parametrize("width", [w for w in LFSR_TAPS if w <= 20])
def test_lfsr_table_is_maximal_length_exhaustive(width):
    # enumerate every state of one period (doubling: the next m states are the first m times
    # x^m) and check that the 2^n - 1 states are distinct, nonzero, and that the next is the first
    period = (1 << width) - 1
    for taps in LFSR_TAPS[width]:
        states = np.array([1], dtype=np.uint64)
        x_m = 2  # x^len(states) as a polynomial
        while states.size <= period:
            states = np.concatenate([states, galois_times(states, x_m, width, taps)])
            x_m = int(galois_times(np.array([x_m], dtype=np.uint64), x_m, width, taps)[0])
        # cross-check the enumeration against plain stepping over the first states
        state = 1
        for t in range(min(period + 1, 3000)):
            assert states[t] == state
            state = galois_step(state, width, taps)
        seen = np.zeros(1 << width, dtype=bool)
        seen[states[:period]] = True  # all 2^n - 1 nonzero states among 2^n - 1: each exactly once
        assert seen[1:].all() and not seen[0], (width, taps)
        assert states[period] == 1, (width, taps)


def poly_mulmod(a, b, poly, n):
    """(a * b) mod poly over GF(2); poly includes its x^n term."""
    r = 0
    while b:
        if b & 1:
            r ^= a
        b >>= 1
        a <<= 1
        if a >> n & 1:
            a ^= poly
    return r


def poly_powmod(a, e, poly, n):
    r = 1
    while e:
        if e & 1:
            r = poly_mulmod(r, a, poly, n)
        a = poly_mulmod(a, a, poly, n)
        e >>= 1
    return r


def prime_factors(m):
    out, q = set(), 2
    while q * q <= m:
        while m % q == 0:
            out.add(q)
            m //= q
        q += 1
    if m > 1:
        out.add(m)
    return out


@pytest.mark.parametrize("width", [w for w in LFSR_TAPS if w > 20])
def test_lfsr_table_is_primitive_algebraic(width):
    # x has order exactly 2^n - 1 modulo P  <=>  P primitive (a reducible P cannot reach it)
    period = (1 << width) - 1
    for taps in LFSR_TAPS[width]:
        poly = (1 << width) | 1 | sum(1 << k for k in taps)
        assert poly_powmod(2, period, poly, width) == 1, (width, taps)
        for q in prime_factors(period):
            assert poly_powmod(2, period // q, poly, width) != 1, (width, taps, q)


@pytest.mark.parametrize("width", [3, 4, 8, 13])
def test_lfsr_golden_is_the_galois_sequence_and_never_zero(width):
    spec = SngSpec("lfsr", width, 12345)
    period = (1 << width) - 1
    codes = sng_codes(spec, 3, period + 5)
    for c in range(3):
        state = ((12345 + c * 0x9E3779B9) % period) + 1  # the documented start state
        taps = LFSR_TAPS[width][c % len(LFSR_TAPS[width])]
        for t in range(period + 5):
            assert codes[c, t] == state
            state = galois_step(state, width, taps)
        assert sorted(codes[c, :period]) == list(range(1, period + 1))  # every nonzero code once
        assert np.array_equal(codes[c, period:], codes[c, :5])  # period 2^n - 1


def test_lfsr_initial_state_is_never_zero():
    for width in (2, 3, 8, 32):
        for seed in (0, 1, (1 << width) - 2, (1 << width) - 1, 2**32 - 1, 0x9E3779B9):
            for c in range(4):
                assert 1 <= sng.lfsr_init(width, seed, c) < (1 << width)


# -- Sobol ---------------------------------------------------------------------------------

@pytest.mark.parametrize("width", [1, 8, 16, 30, 32])
def test_sobol_dimension_d_matches_scipy_bit_for_bit(width):
    length = 1024
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pts = qmc.Sobol(sng.SOBOL_MAX_DIM, scramble=False, bits=32).random(length)
    ref = np.floor(pts * 2.0**width).astype(np.uint64)
    got = sng_codes(SngSpec("sobol", width, 0), sng.SOBOL_MAX_DIM, length)
    assert got.shape == (sng.SOBOL_MAX_DIM, length)
    for d in range(sng.SOBOL_MAX_DIM):
        assert np.array_equal(got[d].astype(np.uint64), ref[:, d]), f"dimension {d + 1}"


def test_sobol_seed_is_a_digital_shift():
    plain = sng_codes(SngSpec("sobol", 8, 0), 4, 64)
    shifted = sng_codes(SngSpec("sobol", 8, 77), 4, 64)
    for c in range(4):
        mask = sng.sobol_mask(77, c, 8)
        assert mask != 0 and np.array_equal(shifted[c], plain[c] ^ mask)


# -- Halton / van der Corput -----------------------------------------------------------------

@pytest.mark.parametrize("width", [1, 4, 8, 12])
def test_halton_matches_scipy_within_the_period(width):
    spec = SngSpec("halton", width, 0)
    got = sng_codes(spec, len(HALTON_BASES), 3 ** 9)
    pts = qmc.Halton(len(HALTON_BASES), scramble=False).random(3 ** 9)
    for s, base in enumerate(HALTON_BASES):
        period = sng.halton_consts(base, width).period
        assert base ** (sng.halton_consts(base, width).digits - 1) < (1 << width) <= period
        n = min(period, 3 ** 9)
        ref = np.floor(pts[:n, s] * 2.0**width).astype(np.int64)
        assert np.array_equal(got[s, :n], ref), f"base {base}"
        if period < 3 ** 9:  # wraps after b^K points
            assert np.array_equal(got[s, period:2 * period], got[s, :min(period, 3 ** 9 - period)])


def test_halton_base2_is_the_bit_reversed_counter():
    t = np.arange(256)
    rev = np.array([int(f"{i:08b}"[::-1], 2) for i in t])
    assert np.array_equal(sng_codes(SngSpec("halton", 8, 0), 1, 256)[0], rev)


@pytest.mark.parametrize("base", HALTON_BASES)
def test_halton_step_table_is_exact(base):
    # the hardware keeps R * 2^n = q * D + rem and adds q_step[j] * D + r_step[j] per step, j
    # = number of low digits equal to b - 1: check the update for every index of the period
    for width in range(1, 17):
        c = sng.halton_consts(base, width)
        i = np.arange(c.period, dtype=np.int64)
        digits = np.array([(i // base ** k) % base for k in range(c.digits)])  # (K, D)
        rev = (digits * np.array([base ** (c.digits - 1 - k) for k in range(c.digits)])[:, None]).sum(axis=0)
        q, rem = np.divmod(rev << width, c.period)
        j = np.argmin(np.vstack([digits == base - 1, np.zeros((1, i.size), bool)]), axis=0)
        rs = rem + np.array(c.r_step)[j]
        carry = rs >= c.period
        q_next = q + np.array(c.q_step)[j] + carry
        rem_next = np.where(carry, rs - c.period, rs)
        assert np.array_equal(q_next, np.roll(q, -1)) and np.array_equal(rem_next, np.roll(rem, -1)), (base, width)
        assert np.all((q >= 0) & (q < 1 << width))


def test_halton_seed_is_the_start_index():
    a = sng_codes(SngSpec("halton", 6, 0), 2, 200)
    b = sng_codes(SngSpec("halton", 6, 10), 2, 190)
    assert np.array_equal(a[:, 10:], b)


# -- ramp ----------------------------------------------------------------------------------

def test_ramp_channels_are_counter_digits():
    n, seed, length = 4, 5, 600
    codes = sng_codes(SngSpec("ramp", n, seed), 3, length)
    count = (seed + np.arange(length)) % (1 << 3 * n)
    for c in range(3):
        assert np.array_equal(codes[c], (count >> (c * n)) & 15)


def test_ramp_clock_division_gives_the_exact_product():
    n = 4
    codes = sng_codes(SngSpec("ramp", n, 0), 2, 1 << 2 * n)
    g = np.arange(1 << n)
    sa = codes[0][None, :] < g[:, None]
    sb = codes[1][None, :] < g[:, None]
    ones = sa.astype(np.int64) @ sb.T.astype(np.int64)
    assert np.array_equal(ones, np.multiply.outer(g, g))


# -- correlation modes -----------------------------------------------------------------------

KINDS = [("lfsr", 8), ("sobol", 8), ("halton", 7), ("ramp", 5)]


@pytest.mark.parametrize("kind, width", KINDS)
def test_shared_mode_repeats_source_zero(kind, width):
    base = sng_codes(SngSpec(kind, width, 3), 1, 300)
    shared = sng_codes(SngSpec(kind, width, 3, "shared"), 5, 300)
    assert all(np.array_equal(row, base[0]) for row in shared)


@pytest.mark.parametrize("kind, width", KINDS)
def test_shifted_mode_is_source_zero_ahead(kind, width):
    offset, length = 7, 100
    base = sng_codes(SngSpec(kind, width, 3), 1, 512)[0]
    shifted = sng_codes(SngSpec(kind, width, 3, "shifted", offset), 4, length)
    for c in range(4):
        assert np.array_equal(shifted[c], base[c * offset:c * offset + length])


def test_shifted_lfsr_far_ahead_uses_the_period():
    width, offset = 10, 40000  # several periods of 1023 ahead
    base = sng_codes(SngSpec("lfsr", width, 1), 1, 1023)[0]
    shifted = sng_codes(SngSpec("lfsr", width, 1, "shifted", offset), 3, 50)
    for c in range(3):
        idx = (c * offset + np.arange(50)) % 1023
        assert np.array_equal(shifted[c], base[idx])


@pytest.mark.parametrize("kind, width", KINDS)
def test_permuted_mode_rotates_the_bits(kind, width):
    offset = 3
    base = sng_codes(SngSpec(kind, width, 3), 1, 200)[0]
    perm = sng_codes(SngSpec(kind, width, 3, "permuted", offset), 4, 200)
    for c in range(4):
        r = c * offset % width
        expect = [int((f"{v:0{width}b}"[r:] + f"{v:0{width}b}"[:r]), 2) for v in base]  # rotate left by r
        assert list(perm[c]) == expect


@pytest.mark.parametrize("bad", [
    dict(kind="mersenne", width=8), dict(kind="lfsr", width=1), dict(kind="lfsr", width=33),
    dict(kind="halton", width=25), dict(kind="sobol", width=0), dict(kind="lfsr", width=8, seed=-1),
    dict(kind="lfsr", width=8, mode="both"), dict(kind="lfsr", width=8, offset=-1), dict(kind="ramp", width=True),
])
def test_bad_specs_are_param_errors(bad):
    with pytest.raises(ParamError):
        SngSpec(**bad)


@pytest.mark.parametrize("kind, channels", [("sobol", 17), ("halton", 9), ("ramp", 9), ("lfsr", 0)])
def test_too_many_channels(kind, channels):
    with pytest.raises(ParamError):
        sng_codes(SngSpec(kind, 8), channels, 4)
    sng_codes(SngSpec(kind, 8, 0, "shared"), max(channels, 1), 4)  # one source fanned out: fine


# -- the Amaranth bank against the golden model (Amaranth simulator) --------------------------

def simulate_bank(spec, channels, length, restart, step):
    from amaranth.sim import Simulator
    dut = SngBank(spec, channels, length)
    seen = []

    async def bench(ctx):
        for r, s in zip(restart, step):
            ctx.set(dut.restart, int(r))
            ctx.set(dut.step, int(s))
            seen.append([ctx.get(dut.codes[c]) for c in range(channels)])
            await ctx.tick()

    sim = Simulator(dut)
    sim.add_clock(1e-6)
    sim.add_testbench(bench)
    sim.run()
    return np.array(seen, dtype=np.int64).T


@pytest.mark.parametrize("kind, width", [("lfsr", 5), ("sobol", 6), ("halton", 5), ("halton", 9), ("ramp", 3)])
@pytest.mark.parametrize("mode, offset", [("independent", 1), ("shared", 1), ("shifted", 3), ("permuted", 2)])
def test_bank_hardware_matches_golden(kind, width, mode, offset):
    rng = np.random.default_rng(width)
    cycles = 90
    restart = rng.random(cycles) < 0.05
    step = rng.random(cycles) < 0.8
    spec = SngSpec(kind, width, 3 if kind != "sobol" else 5, mode, offset)
    got = simulate_bank(spec, 3, 32, restart, step)
    assert np.array_equal(got, sng_codes_at(spec, 3, 32, positions(restart, step)))


def test_positions_reference():
    rng = np.random.default_rng(3)
    restart, step = rng.random(500) < 0.1, rng.random(500) < 0.7
    pos, ref = 0, []
    for r, s in zip(restart, step):
        ref.append(pos)
        pos = 0 if r else pos + int(s)
    assert list(positions(restart, step)) == ref


# -- the SNG units ---------------------------------------------------------------------------

UNIT_CONFIGS = {
    "lfsr": [dict(width=8, channels=2), dict(width=3, channels=3, seed=5, mode="shifted", offset=2),
             dict(width=17, channels=2, seed=99, mode="permuted", offset=8)],
    "sobol": [dict(width=8, channels=2, length=256), dict(width=5, channels=4, seed=7, length=64),
              dict(width=10, channels=2, length=128, mode="shifted", offset=5, comparators=False)],
    "halton": [dict(width=8, channels=2), dict(width=4, channels=3, seed=11),
               dict(width=11, channels=2, mode="shared")],
    "ramp": [dict(width=8, channels=1), dict(width=3, channels=2, seed=60),
             dict(width=6, channels=3, mode="shifted", offset=21)],
}
CASES = [(name, i) for name in UNIT_CONFIGS for i in range(3)]


@pytest.mark.parametrize("name, index", CASES)
def test_sng_unit_regression(sim, name, index):
    unit = get(name)
    report = regression(unit, unit.Params(**UNIT_CONFIGS[name][index]), sim, count=400)
    report.raise_if_failed()
    assert report.vectors == 486


@pytest.mark.parametrize("name", list(UNIT_CONFIGS))
def test_sng_unit_verilog_is_deterministic_and_has_the_ports(name):
    unit = get(name)
    p = unit.Params(**UNIT_CONFIGS[name][1])
    a, b = generate(unit, p), generate(unit, p)
    assert a.verilog == b.verilog and a.manifest == b.manifest
    ports = {q["name"]: (q["dir"], q["width"]) for q in a.manifest["ports"]}
    for c in range(p.channels):
        assert ports[f"x{c}"] == ("in", p.width) and ports[f"code{c}"] == ("out", p.width)
        assert ports[f"bit{c}"] == ("out", 1)
    bare = generate(unit, p.replace(comparators=False)).manifest["ports"]
    assert sorted(q["name"] for q in bare) == sorted(["clk", "rst", "restart", "step", *[f"code{c}" for c in range(p.channels)]])
    assert ports["restart"] == ("in", 1) and ports["step"] == ("in", 1)
    assert a.manifest["sng"]["kind"] == name and len(a.manifest["sng"]["channels"]) == p.channels


def test_sng_unit_golden_detects_a_wrong_code():
    unit = get("lfsr")
    p = unit.Params(width=6, channels=1)
    vec = unit.vectors(p, 1, 50)
    good = unit.golden(p, vec)
    other = unit.golden(unit.Params(width=6, channels=1, seed=1), vec)
    assert not np.array_equal(good["code0"], other["code0"])


def test_sng_unit_params_rules():
    with pytest.raises(ParamError):
        get("sobol").Params(channels=17)
    with pytest.raises(ParamError):
        get("halton").Params(width=25)
    with pytest.raises(ParamError):
        get("ramp").Params(channels=9)
    get("ramp").Params(channels=9, mode="shared")


def test_sng_unit_accuracy_single_stream():
    # one full period of a Sobol / van der Corput / ramp source holds every code once: ones = x
    for name in ("sobol", "halton", "ramp"):
        unit = get(name)
        rows = unit.accuracy(unit.Params(width=8), [256])
        assert rows[0]["max_error"] == 0.0 and rows[0]["cases"] == 256, name
    # an LFSR period holds codes 1..255: ones = x - 1 for x >= 1, so the error is -1/256 there
    rows = get("lfsr").accuracy(get("lfsr").Params(width=8), [255])
    assert rows[0]["max_error"] == pytest.approx(1 / 256, abs=1e-3)


def test_sng_regression_catches_a_different_generator(tmp_path):
    from conftest import need
    need("cocotb", "icarus")
    unit = get("lfsr")
    p = unit.Params(width=6, channels=2, seed=3)
    other = tmp_path / "sng_lfsr.v"
    other.write_text(generate(unit, p.replace(seed=4)).verilog)  # same ports, other start states
    report = regression(unit, p, "icarus", rtl=[other], top="sng_lfsr", count=100)
    assert not report.passed and len(report.mismatches) > 50


@pytest.mark.parametrize("name, params, flops", [
    ("lfsr", dict(width=5, channels=2, comparators=False), 10),    # two 5-bit LFSRs
    ("sobol", dict(width=5, channels=3, length=32), 5),           # one shared 5-bit index counter
    ("ramp", dict(width=4, channels=2), 8),                       # one 8-bit counter
    ("lfsr", dict(width=6, channels=4, mode="shared"), 6),        # one LFSR fanned out
    ("halton", dict(width=4, channels=2), None),
])
def test_sng_units_synthesize(yosys, name, params, flops):
    from schw.synth import synthesize
    unit = get(name)
    rep = synthesize(unit, unit.Params(**params))
    assert rep["area_um2"] > 0
    if flops is not None:
        assert rep["flip_flops"] == flops
