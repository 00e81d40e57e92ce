"""Stochastic number generators: golden sequences (NumPy) and their Amaranth hardware.

An SNG *bank* produces ``channels`` n-bit random codes per clock cycle, one per channel. A
comparator turns code ``R_t`` and a binary operand ``x`` into stream bit ``R_t < x``
(:data:`COMPARATOR_RULE`), so the stream's value is ``p = x / 2**n`` exactly when ``R_t``
runs over all n-bit codes.

Kinds
-----
``lfsr``
    Channel ``i`` is a maximal-length Galois LFSR of width n with polynomial
    ``LFSR_TAPS[n][i % len(LFSR_TAPS[n])]``; one step multiplies the state by x modulo the
    polynomial, so the period is 2**n - 1 and the all-zero state never occurs (code 0 is
    never produced). Initial state: ``((seed + i * 0x9E3779B9) mod (2**n - 1)) + 1``, so
    every seed is valid and no seed gives the all-zero lock-up state.
``sobol``
    Channel ``i`` is Sobol dimension ``i + 1`` (Joe & Kuo direction numbers, new-joe-kuo-6.21201,
    the same numbers SciPy uses), Gray-code order, point ``t`` for cycle ``t`` of a run. The
    code is the top n bits of the 32-bit point. ``seed = 0`` is the unscrambled sequence
    (``scipy.stats.qmc.Sobol(d, scramble=False)``); another seed XORs each channel with a
    constant mask (a random digital shift), see :func:`sobol_mask`.

Every run restarts the bank (``restart``), so a run's result depends only on its operands.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache

import numpy as np
from amaranth.hdl import Const, Elaboratable, Module, Signal, Cat
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from .errors import ParamError

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
SNG_KINDS = ("lfsr", "sobol")


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


def lfsr_poly(width: int, index: int) -> int:
    """The polynomial of LFSR ``index`` at ``width`` bits, without its x^n term (the XOR mask)."""
    taps = LFSR_TAPS[width][index % len(LFSR_TAPS[width])]
    return 1 | sum(1 << k for k in taps)


def lfsr_init(width: int, seed: int, channel: int) -> int:
    return ((seed + channel * 0x9E3779B9) % ((1 << width) - 1)) + 1


@lru_cache(maxsize=256)
def _lfsr_sequence(width: int, poly: int, state: int, length: int) -> np.ndarray:
    # One sequence per (width, polynomial, seed, length), cached: the per-step loop runs once
    # per configuration, never per operand. Vectorizing an LFSR needs GF(2) matrix powers,
    # which cost more than this loop for L <= 65536.
    out = np.empty(length, dtype=np.uint32)
    top = 1 << (width - 1)
    mask = (1 << width) - 1
    for t in range(length):
        out[t] = state
        state = ((state << 1) & mask) ^ (poly if state & top else 0)
    out.setflags(write=False)
    return out


@lru_cache(maxsize=256)
def _sobol_sequence(dim: int, width: int, length: int, mask: int) -> np.ndarray:
    v = np.array(sobol_direction_numbers(dim), dtype=np.uint64) >> np.uint64(SOBOL_BITS - width)
    t = np.arange(length, dtype=np.uint64)
    gray = t ^ (t >> np.uint64(1))
    codes = np.zeros(length, dtype=np.uint64)
    for k in range(max(1, int(length - 1).bit_length())):
        codes ^= np.where((gray >> np.uint64(k)) & np.uint64(1), v[k], np.uint64(0))
    out = (codes ^ np.uint64(mask)).astype(np.uint32)
    out.setflags(write=False)
    return out


@dataclasses.dataclass(frozen=True)
class SngSpec:
    """Which random-code source a unit uses: kind, code width and seed."""

    kind: str
    width: int
    seed: int = 0

    def __post_init__(self):
        if self.kind not in SNG_KINDS:
            raise ParamError("sng", "one of " + ", ".join(SNG_KINDS), self.kind)
        if self.kind == "lfsr" and self.width not in LFSR_TAPS:
            raise ParamError("width", f"an integer in {min(LFSR_TAPS)}..{max(LFSR_TAPS)} for an LFSR", self.width)
        if self.kind == "sobol" and not 1 <= self.width <= SOBOL_BITS:
            raise ParamError("width", f"an integer in 1..{SOBOL_BITS} for Sobol", self.width)
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or not 0 <= self.seed < 2**32:
            raise ParamError("seed", "an integer in 0..4294967295", self.seed)

    def max_channels(self) -> int:
        return SOBOL_MAX_DIM if self.kind == "sobol" else 1 << 16

    def codes(self, channels: int, length: int) -> np.ndarray:
        """Golden random codes, shape (channels, length), code of channel c at run cycle t."""
        if not 1 <= channels <= self.max_channels():
            raise ParamError("channels", f"an integer in 1..{self.max_channels()} for {self.kind}", channels)
        if self.kind == "lfsr":
            rows = [_lfsr_sequence(self.width, lfsr_poly(self.width, c), lfsr_init(self.width, self.seed, c), length)
                    for c in range(channels)]
        else:
            rows = [_sobol_sequence(c + 1, self.width, length, sobol_mask(self.seed, c, self.width))
                    for c in range(channels)]
        return np.stack(rows)

    def describe(self, channels: int) -> list[dict]:
        """What each channel is, for manifests."""
        if self.kind == "lfsr":
            return [{"channel": c, "polynomial_taps": [self.width, *LFSR_TAPS[self.width][c % len(LFSR_TAPS[self.width])], 0],
                     "initial_state": lfsr_init(self.width, self.seed, c)} for c in range(channels)]
        return [{"channel": c, "sobol_dimension": c + 1, "xor_mask": sobol_mask(self.seed, c, self.width)}
                for c in range(channels)]


class SngBank(wiring.Component):
    """``channels`` random-code generators that restart together and step together.

    Ports: ``restart`` (In 1: next cycle shows the code of run cycle 0), ``step`` (In 1:
    next cycle shows the following code), ``codes`` (Out, ``channels`` x ``width`` bits:
    the codes of the current run cycle). ``restart`` wins over ``step``.
    ``length`` is the run length: a Sobol bank counts run cycles modulo ``length``.
    """

    def __init__(self, spec: SngSpec, channels: int, length: int):
        spec.codes(channels, 1)  # validates channels
        self.spec, self.channels, self.length = spec, channels, length
        super().__init__({
            "restart": In(1),
            "step": In(1),
            "codes": Out(spec.width).array(channels),
        })

    def elaborate(self, platform):
        m = Module()
        n, spec = self.spec.width, self.spec
        if spec.kind == "lfsr":
            for c in range(self.channels):
                poly, init = lfsr_poly(n, c), lfsr_init(n, spec.seed, c)
                state = Signal(n, init=init, name=f"lfsr{c}")
                with m.If(self.restart):
                    m.d.sync += state.eq(init)
                with m.Elif(self.step):
                    m.d.sync += state.eq(Cat(Const(0, 1), state[:-1]) ^ (Const(poly, n) & state[-1].replicate(n)))
                m.d.comb += self.codes[c].eq(state)
        else:
            index_bits = max(1, (self.length - 1).bit_length())
            index = Signal(index_bits)
            with m.If(self.restart):
                m.d.sync += index.eq(0)
            with m.Elif(self.step):
                m.d.sync += index.eq(index + 1)
            gray = Signal(index_bits)
            m.d.comb += gray.eq(index ^ (index >> 1))
            for c in range(self.channels):
                v = [d >> (SOBOL_BITS - n) for d in sobol_direction_numbers(c + 1)[:index_bits]]
                mask = sobol_mask(spec.seed, c, n)
                bits = []
                for b in range(n):
                    terms = [gray[k] for k in range(index_bits) if (v[k] >> b) & 1]
                    bit = Const((mask >> b) & 1, 1)
                    for term in terms:
                        bit = bit ^ term
                    bits.append(bit)
                m.d.comb += self.codes[c].eq(Cat(*bits))
        return m


def comparator_streams(codes: np.ndarray, operands: np.ndarray) -> np.ndarray:
    """Stream bits ``codes[t] < operands[i]`` as bool array (n_operands, L) for one channel."""
    return codes[None, :] < np.asarray(operands, dtype=np.int64)[:, None]


def pack(bits: np.ndarray) -> np.ndarray:
    """Bit-pack a bool array (..., L) along its last axis into uint64 words (zero padded)."""
    length = bits.shape[-1]
    words = -(-length // 64)
    packed = np.packbits(bits, axis=-1, bitorder="little")
    pad = words * 8 - packed.shape[-1]
    if pad:
        packed = np.concatenate([packed, np.zeros(packed.shape[:-1] + (pad,), np.uint8)], axis=-1)
    return np.ascontiguousarray(packed).view(np.uint64)


def popcount(words: np.ndarray) -> np.ndarray:
    """Number of ones per row of packed words (sums the last axis)."""
    return np.bitwise_count(words).sum(axis=-1, dtype=np.int64)
