"""Stochastic number generators: what a generator is (parameters, constants, start states).

The golden sequences are in :mod:`schw.sc.golden` (NumPy), the hardware in :mod:`schw.sc.rtl`
(Amaranth); both read the definitions here, so the two cannot disagree on a polynomial, a
direction number or a start state.

An SNG *bank* produces ``channels`` n-bit random codes per clock cycle, one per channel. A
comparator turns code ``R_t`` and a binary operand ``x`` into stream bit ``R_t < x``
(:data:`COMPARATOR_RULE`, the same rule in RTL and golden model), so the stream's value is
``p = x / 2**n`` exactly when ``R_t`` runs over all n-bit codes. Operand ``2**n - 1`` gives
at most ``p = 1 - 2**-n``; a stream of all ones needs a wider operand.

Sources (``kind``)
------------------
``lfsr``
    Source ``s`` is a maximal-length Galois LFSR of width n with polynomial
    ``LFSR_TAPS[n][s % len(LFSR_TAPS[n])]``; one step multiplies the state by x modulo the
    polynomial, so the period is 2**n - 1 and the all-zero state never occurs (code 0 is
    never produced, so code/2**n is uniform over 1..2**n-1, not 0..2**n-1). Initial state:
    ``((seed + s * 0x9E3779B9) mod (2**n - 1)) + 1``, so every seed is valid and no seed gives
    the all-zero lock-up state. Widths 2..32.
``sobol``
    Source ``s`` is Sobol dimension ``s + 1`` (Joe & Kuo direction numbers, new-joe-kuo-6.21201,
    the same numbers SciPy uses), Gray-code order, point ``t`` for cycle ``t`` of a run. The
    code is the top n bits of the 32-bit point. ``seed = 0`` is the unscrambled sequence
    (``scipy.stats.qmc.Sobol(d, scramble=False)``); another seed XORs each source with a
    constant mask (a random digital shift), see :func:`sobol_mask`. The hardware index counter
    has ``max(1, ceil(log2 L))`` bits, so positions wrap modulo that power of two.
    16 dimensions, widths 1..32.
``halton``
    Source ``s`` is the van der Corput sequence in base ``HALTON_BASES[s]`` (2, 3, 5, ...):
    index ``i`` (start ``seed``, +1 per step, modulo ``b**K`` with K the fewest base-b digits
    such that ``b**K >= 2**n``) is digit-reversed into ``R`` and the code is
    ``floor(R * 2**n / b**K)``, i.e. the radical inverse floored to n bits, exactly
    ``floor(2**n * scipy.stats.qmc.Halton(d, scramble=False))`` for the first b**K points.
    Base 2 is the bit-reversed counter. Other bases, hardware: a base-b digit counter and the
    exact pair ``R * 2**n = code * b**K + rem`` updated per step from a table indexed by the
    number of carrying digits (:class:`HaltonConsts`); no multiplier, no divider.
    8 bases, widths 1..24.
``ramp``
    Deterministic SC: one up-counter of ``n * sources`` bits starting at ``seed``; source ``s``
    is bits ``[s*n, (s+1)*n)`` of it, so source 0 is the ramp ``t mod 2**n`` and source 1 the
    clock-divided ramp ``floor(t / 2**n) mod 2**n`` (with L = 2**(2n) an AND of the two
    streams gives the exact product). Widths 1..32, at most 8 sources.

Correlation (``mode``): which source and which position each channel reads
--------------------------------------------------------------------------
``independent`` (default)
    channel c is source c (the behaviour every existing unit relies on).
``shared``
    every channel is source 0: one generator fanned out (SCC = +1 between comparator streams).
``shifted``
    channel c is source 0 ``c * offset`` steps ahead (a delayed copy; hardware: one
    generator per channel with a pre-advanced start state).
``permuted``
    channel c is source 0's code with its bits rotated left by ``(c * offset) mod n``
    (one generator, permuted wiring; ``offset = n // 2`` swaps the code halves).

Every run restarts the bank (``restart``), so a run's result depends only on its operands.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache

import numpy as np

from ..errors import ParamError

COMPARATOR_RULE = "bit = code < operand"  # p = operand / 2**n; operand 2**n - 1 never gives p = 1

# Maximal-length polynomials x^n + sum(x^k for k in taps) + 1, found by search and checked
# primitive (order of x is 2^n - 1); a second polynomial is never the reciprocal of the first
# where another exists. tests/test_sng.py re-checks every entry.
LFSR_TAPS: dict[int, list[tuple[int, ...]]] = {
    2: [(1,)],
    3: [(2,), (1,)],
    4: [(3,), (1,)],
    5: [(3,), (4, 3, 2), (4, 3, 1)],
    6: [(5,), (5, 4, 1), (5, 3, 2)],
    7: [(6,), (4,), (6, 5, 4), (6, 5, 2)],
    8: [(7, 6, 1), (7, 5, 3), (7, 3, 2), (6, 5, 4)],
    9: [(5,), (8, 7, 2), (8, 6, 5), (8, 5, 4)],
    10: [(7,), (9, 8, 5), (9, 7, 6), (9, 7, 3)],
    11: [(9,), (10, 9, 7), (10, 9, 5), (10, 9, 2)],
    12: [(11, 10, 4), (11, 10, 2), (11, 8, 6), (11, 7, 4)],
    13: [(12, 11, 8), (12, 11, 2), (12, 11, 1), (12, 10, 9)],
    14: [(13, 12, 2), (13, 11, 9), (13, 11, 4), (13, 10, 8)],
    15: [(14,), (11,), (8,), (14, 13, 11)],
    16: [(15, 13, 4), (15, 12, 10), (15, 12, 1), (15, 10, 4)],
    17: [(14,), (12,), (11,), (16, 15, 14)],
    18: [(11,), (17, 16, 13), (17, 16, 10), (17, 16, 5)],
    19: [(18, 17, 14), (18, 17, 13), (18, 17, 5), (18, 16, 10)],
    20: [(17,), (19, 16, 14), (19, 16, 2), (19, 15, 11)],
    21: [(19,), (20, 19, 16), (20, 19, 13), (20, 19, 7)],
    22: [(21,), (21, 20, 11), (21, 20, 7), (21, 19, 10)],
    23: [(18,), (14,), (22, 21, 16), (22, 21, 8)],
    24: [(23, 22, 17), (23, 22, 7), (23, 21, 20), (23, 21, 11)],
    25: [(22,), (18,), (24, 23, 22), (24, 23, 2)],
    26: [(25, 24, 20), (25, 24, 8), (25, 24, 7), (25, 22, 17)],
    27: [(26, 25, 22), (26, 25, 17), (26, 25, 11), (26, 24, 11)],
    28: [(25,), (19,), (15,), (27, 26, 16)],
    29: [(27,), (28, 27, 25), (28, 27, 20), (28, 27, 8)],
    30: [(29, 28, 7), (29, 26, 24), (29, 26, 22), (29, 26, 4)],
    31: [(28,), (25,), (24,), (18,)],
    32: [(31, 30, 10), (31, 29, 1), (31, 26, 18), (31, 26, 9)],
}

# Joe & Kuo (2008) new-joe-kuo-6.21201, dimensions 2..16: (primitive polynomial as an integer
# with bit s = x^s, initial m_1..m_s). Dimension 1 is van der Corput (all m_k = 1).
SOBOL_JOE_KUO: list[tuple[int, tuple[int, ...]]] = [
    (3, (1,)),
    (7, (1, 3)),
    (11, (1, 3, 1)),
    (13, (1, 1, 1)),
    (19, (1, 1, 3, 3)),
    (25, (1, 3, 5, 13)),
    (37, (1, 1, 5, 5, 17)),
    (41, (1, 1, 5, 5, 5)),
    (47, (1, 1, 7, 11, 19)),
    (55, (1, 1, 5, 1, 1)),
    (59, (1, 1, 1, 3, 11)),
    (61, (1, 3, 5, 5, 31)),
    (67, (1, 3, 3, 9, 7, 49)),
    (91, (1, 1, 1, 15, 21, 21)),
    (97, (1, 3, 1, 13, 27, 49)),
]
SOBOL_MAX_DIM = 1 + len(SOBOL_JOE_KUO)
SOBOL_BITS = 32
HALTON_BASES = (2, 3, 5, 7, 11, 13, 17, 19)
HALTON_MAX_WIDTH = 24  # R * 2**n stays below 2**53: exact in int64
RAMP_MAX_SOURCES = 8
SNG_KINDS = ("lfsr", "sobol", "halton", "ramp")
SNG_MODES = ("independent", "shared", "shifted", "permuted")
MAX_OFFSET = 2**16 - 1
MAX_CHANNELS = 1 << 16


@lru_cache(maxsize=None)
def sobol_direction_numbers(dim: int) -> tuple[int, ...]:
    """The 32 direction numbers v_1..v_32 of Sobol dimension ``dim`` (1-based) as 32-bit integers."""
    if not 1 <= dim <= SOBOL_MAX_DIM:
        raise ParamError("sobol_dim", f"an integer in 1..{SOBOL_MAX_DIM}", dim)
    if dim == 1:
        m = [1] * SOBOL_BITS
    else:
        poly, m_init = SOBOL_JOE_KUO[dim - 2]
        s = poly.bit_length() - 1
        a = (poly >> 1) & ((1 << (s - 1)) - 1)  # a_1..a_{s-1}, a_1 the most significant
        m = list(m_init)
        for k in range(s, SOBOL_BITS):
            new = m[k - s] ^ (m[k - s] << s)
            for j in range(1, s):
                if (a >> (s - 1 - j)) & 1:
                    new ^= m[k - j] << j
            m.append(new)
    return tuple(m[k] << (SOBOL_BITS - 1 - k) for k in range(SOBOL_BITS))


def sobol_mask(seed: int, channel: int, width: int) -> int:
    """Digital-shift mask of a Sobol channel: 0 for seed 0, else a fixed hash of (seed, channel)."""
    if seed == 0:
        return 0
    x = (seed * 0x9E3779B97F4A7C15 + (channel + 1) * 0xBF58476D1CE4E5B9) & (2**64 - 1)
    x ^= x >> 31
    x = (x * 0x94D049BB133111EB) & (2**64 - 1)
    x ^= x >> 29
    return (x >> (64 - width)) & ((1 << width) - 1)


def sobol_index_bits(length: int) -> int:
    """Bits of the Sobol index counter for run length ``length`` (positions wrap at 2**bits)."""
    return max(1, (length - 1).bit_length())


def lfsr_poly(width: int, index: int) -> int:
    """The polynomial of LFSR ``index`` at ``width`` bits, without its x^n term (the XOR mask)."""
    taps = LFSR_TAPS[width][index % len(LFSR_TAPS[width])]
    return 1 | sum(1 << k for k in taps)


def lfsr_init(width: int, seed: int, channel: int) -> int:
    return ((seed + channel * 0x9E3779B9) % ((1 << width) - 1)) + 1


def lfsr_step(width: int, poly, state):
    """One Galois step: state * x modulo x^n + poly. Works on Python integers and, element by
    element, on NumPy integer arrays (one state and polynomial per channel)."""
    return ((state << 1) & ((1 << width) - 1)) ^ (poly * ((state >> (width - 1)) & 1))


def _gf2_mulmod(a: int, b: int, width: int, poly: int) -> int:
    out = 0
    while b:
        if b & 1:
            out ^= a
        b >>= 1
        a = lfsr_step(width, poly, a)
    return out


def lfsr_advance(width: int, poly: int, state: int, steps: int) -> int:
    """The LFSR state ``steps`` steps after ``state`` (state * x^steps, square and multiply)."""
    steps %= (1 << width) - 1
    result, base = state, 2  # base = x
    while steps:
        if steps & 1:
            result = _gf2_mulmod(result, base, width, poly)
        base = _gf2_mulmod(base, base, width, poly)
        steps >>= 1
    return result


@dataclasses.dataclass(frozen=True)
class HaltonConsts:
    """Constants of a base-b van der Corput source at n bits: K digits, period D = b**K, and
    the step table of the hardware. With R the digit-reversed index, the hardware keeps
    ``R * 2**n = q * D + rem`` (``q`` is the code, ``0 <= rem < D``). A step whose lowest
    ``j`` digits are b-1 changes R by ``delta[j]`` (j = K: the wrap to 0), i.e. adds
    ``q_step[j] * D + r_step[j]`` (``0 <= r_step[j] < D``) to ``q * D + rem``."""

    base: int
    digits: int
    period: int
    q_step: tuple[int, ...]
    r_step: tuple[int, ...]


@lru_cache(maxsize=None)
def halton_consts(base: int, width: int) -> HaltonConsts:
    digits, period = 1, base
    while period < (1 << width):
        digits, period = digits + 1, period * base
    q_step, r_step = [], []
    for j in range(digits + 1):
        delta = (base ** (digits - 1 - j) if j < digits else 0) - sum(
            (base - 1) * base ** (digits - 1 - k) for k in range(j))
        q, r = divmod(delta << width, period)  # floor division: 0 <= r < period
        q_step.append(q)
        r_step.append(r)
    return HaltonConsts(base, digits, period, tuple(q_step), tuple(r_step))


def halton_reversed(base: int, width: int, index) -> np.ndarray:
    """Digit-reversed index R (K base-b digits) of ``index`` modulo the period."""
    c = halton_consts(base, width)
    idx = np.asarray(index, dtype=np.int64) % c.period
    r = np.zeros(idx.shape, dtype=np.int64)
    for _ in range(c.digits):  # the least significant digit becomes the most significant
        idx, d = np.divmod(idx, base)
        r = r * base + d
    return r


@dataclasses.dataclass(frozen=True)
class SngSpec:
    """Which random-code source a unit uses: kind, code width, seed, and correlation mode.

    ``mode`` and ``offset`` choose how channels relate (see the module docstring); the
    default ``independent`` keeps every existing unit's behaviour.
    """

    kind: str
    width: int
    seed: int = 0
    mode: str = "independent"
    offset: int = 1

    def __post_init__(self):
        if self.kind not in SNG_KINDS:
            raise ParamError("sng", "one of " + ", ".join(SNG_KINDS), self.kind)
        if isinstance(self.width, bool) or not isinstance(self.width, int):
            raise ParamError("width", "an integer", self.width)
        if self.kind == "lfsr" and self.width not in LFSR_TAPS:
            raise ParamError("width", f"an integer in {min(LFSR_TAPS)}..{max(LFSR_TAPS)} for an LFSR", self.width)
        if self.kind in ("sobol", "ramp") and not 1 <= self.width <= SOBOL_BITS:
            raise ParamError("width", f"an integer in 1..{SOBOL_BITS} for {self.kind}", self.width)
        if self.kind == "halton" and not 1 <= self.width <= HALTON_MAX_WIDTH:
            raise ParamError("width", f"an integer in 1..{HALTON_MAX_WIDTH} for Halton", self.width)
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or not 0 <= self.seed < 2**32:
            raise ParamError("seed", "an integer in 0..4294967295", self.seed)
        if self.mode not in SNG_MODES:
            raise ParamError("mode", "one of " + ", ".join(SNG_MODES), self.mode)
        if isinstance(self.offset, bool) or not isinstance(self.offset, int) or not 0 <= self.offset <= MAX_OFFSET:
            raise ParamError("offset", f"an integer in 0..{MAX_OFFSET}", self.offset)

    # -- structure ----------------------------------------------------------------------
    def max_sources(self) -> int:
        return {"lfsr": MAX_CHANNELS, "sobol": SOBOL_MAX_DIM, "halton": len(HALTON_BASES),
                "ramp": RAMP_MAX_SOURCES}[self.kind]

    def max_channels(self) -> int:
        return self.max_sources() if self.mode == "independent" else MAX_CHANNELS

    def _check_channels(self, channels: int) -> None:
        if isinstance(channels, bool) or not isinstance(channels, int) or not 1 <= channels <= self.max_channels():
            raise ParamError("channels", f"an integer in 1..{self.max_channels()} for {self.kind} "
                                         f"({self.mode})", channels)

    def plan(self, channels: int) -> list[tuple[int, int, int]]:
        """Per channel: (source, steps ahead, rotate-left bits)."""
        self._check_channels(channels)
        if self.mode == "independent":
            return [(c, 0, 0) for c in range(channels)]
        if self.mode == "shared":
            return [(0, 0, 0)] * channels
        if self.mode == "shifted":
            return [(0, c * self.offset, 0) for c in range(channels)]
        return [(0, 0, (c * self.offset) % self.width) for c in range(channels)]

    def ramp_bits(self, channels: int) -> int:
        """Width of the ramp counter: n bits per source in use."""
        return self.width * (channels if self.mode == "independent" else 1)

    def describe(self, channels: int) -> list[dict]:
        """What each channel is, for manifests."""
        out = []
        for c, (source, ahead, rot) in enumerate(self.plan(channels)):
            if self.kind == "lfsr":
                poly = lfsr_poly(self.width, source)
                d = {"channel": c, "polynomial_taps": [self.width, *LFSR_TAPS[self.width][source % len(LFSR_TAPS[self.width])], 0],
                     "initial_state": lfsr_advance(self.width, poly, lfsr_init(self.width, self.seed, source), ahead)}
            elif self.kind == "sobol":
                d = {"channel": c, "sobol_dimension": source + 1, "xor_mask": sobol_mask(self.seed, source, self.width)}
            elif self.kind == "halton":
                hc = halton_consts(HALTON_BASES[source], self.width)
                d = {"channel": c, "base": hc.base, "digits": hc.digits, "period": hc.period,
                     "start_index": (self.seed + ahead) % hc.period}
            else:
                d = {"channel": c, "counter_bits": [source * self.width, (source + 1) * self.width - 1],
                     "counter_width": self.ramp_bits(channels), "start_count": self.seed + ahead}
            if self.mode != "independent":
                d.update({"source": source, "steps_ahead": ahead, "rotate_left_bits": rot})
            out.append(d)
        return out


