"""SCC (Alaghi & Hayes) of packed streams, and what correlation does to an AND gate."""

import numpy as np
import pytest

from schw.sc.golden import overlap_counts, scc, scc_bits, sng_codes
from schw.sc.spec import SngSpec
from schw.sc.golden import comparator_streams, pack

N = 8
OPS = np.arange(1, 1 << N)  # operands 0 (stream of zeros) make SCC undefined (defined as 0)


def bits(text):
    return np.array([c == "1" for c in text])


def scc_reference(x, y):
    """Definition, one pair at a time, in plain Python (fractions of counts)."""
    n = len(x)
    a = sum(1 for u, v in zip(x, y) if u and v)
    b = sum(1 for u, v in zip(x, y) if u and not v)
    c = sum(1 for u, v in zip(x, y) if not u and v)
    d = n - a - b - c
    num = a * d - b * c
    den = n * min(a + b, a + c) - (a + b) * (a + c) if num > 0 else (a + b) * (a + c) - n * max(a - d, 0)
    return 0.0 if den == 0 else num / den


@pytest.mark.parametrize("x, y, expected", [
    ("11110000", "11001100", 0.0),    # a=b=c=d=2: independent-like overlap
    ("11110000", "11000000", 1.0),    # Y's ones inside X's: maximal overlap
    ("11110000", "00001111", -1.0),   # disjoint ones: minimal overlap
    ("11110000", "11110000", 1.0),
    ("10101010", "01010101", -1.0),
    ("11100000", "00000000", 0.0),    # constant stream: undefined, reported as 0
    ("11111111", "10100000", 0.0),
    ("111000", "101000", 1.0),
])
def test_scc_hand_examples(x, y, expected):
    assert scc_bits(bits(x), bits(y)) == expected
    assert scc_reference(bits(x), bits(y)) == expected


def test_scc_matches_definition_on_random_streams():
    rng = np.random.default_rng(5)
    for length in (7, 64, 100, 129):
        x = rng.random((40, length)) < rng.random((40, 1))
        y = rng.random((40, length)) < rng.random((40, 1))
        got = scc_bits(x, y)
        exp = np.array([scc_reference(list(u), list(v)) for u, v in zip(x, y)])
        assert np.allclose(got, exp, rtol=0, atol=1e-12)
        assert np.all(np.abs(got) <= 1 + 1e-12)


def test_overlap_counts_ignore_padding():
    x = pack(bits("1" * 70)[None])
    y = pack(bits("1" * 70)[None])
    a, b, c, d = overlap_counts(x, y, 70)
    assert (int(a[0]), int(b[0]), int(c[0]), int(d[0])) == (70, 0, 0, 0)


def grid_scc(spec, length):
    codes = sng_codes(spec, 2, length)
    sa = pack(comparator_streams(codes[0], OPS))
    sb = pack(comparator_streams(codes[1], OPS))
    return scc(sa[:, None, :], sb[None, :, :], length)


def test_independent_sobol_dimensions_are_uncorrelated():
    # Band: over all 255 x 255 operand pairs at L = 256 the mean SCC is within +-0.01 of 0 and
    # the mean |SCC| below 0.1 (the discreteness of small operands alone gives |SCC| = 1 for a
    # few pairs); at L = 1024 mean |SCC| halves at least.
    s256 = grid_scc(SngSpec("sobol", N, 0), 256)
    s1024 = grid_scc(SngSpec("sobol", N, 0), 1024)
    assert abs(s256.mean()) < 0.01
    assert np.abs(s256).mean() < 0.1
    assert np.abs(s1024).mean() < 0.5 * np.abs(s256).mean()


@pytest.mark.parametrize("kind, length", [("sobol", 256), ("lfsr", 255), ("halton", 256), ("ramp", 256)])
def test_shared_source_gives_scc_plus_one(kind, length):
    # comparator streams of one code sequence are nested: code < a implies code < b for a <= b
    spec = SngSpec(kind, N, 3, "shared")
    s = grid_scc(spec, length)
    ones = (sng_codes(spec, 1, length)[0][None, :] < OPS[:, None]).sum(axis=1)
    varying = (ones > 0) & (ones < length)  # an LFSR never gives code 0: operand 1 is all zeros
    assert varying.sum() >= len(OPS) - 2
    assert np.all(s[np.ix_(varying, varying)] == 1.0)
    assert np.all(s[~varying, :] == 0.0) and np.all(s[:, ~varying] == 0.0)


@pytest.mark.parametrize("kind, length", [("sobol", 256), ("lfsr", 255), ("sobol", 64), ("lfsr", 100)])
def test_shared_source_turns_and_into_min(kind, length):
    spec = SngSpec(kind, N, 7, "shared")
    codes = sng_codes(spec, 2, length)
    grid = np.arange(1 << N)
    sa = pack(comparator_streams(codes[0], grid))
    sb = pack(comparator_streams(codes[1], grid))
    ones = np.bitwise_count(sa[:, None, :] & sb[None, :, :]).sum(axis=-1)
    lo = np.minimum.outer(grid, grid)
    # the AND stream is exactly the stream of min(a, b) from the same source ...
    assert np.array_equal(ones, np.bitwise_count(sa[lo]).sum(axis=-1))
    # ... and over a full period its value is exactly min(a, b) / 2^N
    if length == 256 and kind == "sobol":
        assert np.array_equal(ones, lo)
    if length == 255 and kind == "lfsr":  # codes 1..255 once each: ones = #{1 <= r < min}
        assert np.array_equal(ones, np.maximum(lo - 1, 0))


def test_independent_sobol_and_is_product_over_the_net():
    # Sobol dims 1, 2 at L = 2^(2N) are a (0, 2N, 2)-net: every code pair once, AND = a*b exactly
    n, length = 4, 256
    codes = sng_codes(SngSpec("sobol", n, 0), 2, length)
    grid = np.arange(1 << n)
    sa = pack(comparator_streams(codes[0], grid))
    sb = pack(comparator_streams(codes[1], grid))
    ones = np.bitwise_count(sa[:, None, :] & sb[None, :, :]).sum(axis=-1)
    assert np.array_equal(ones, np.multiply.outer(grid, grid))
