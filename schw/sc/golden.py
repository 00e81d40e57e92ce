"""Golden stochastic number generators and streams (NumPy only): the one implementation of the
code sequences that :class:`~schw.sc.rtl.SngBank` produces, plus the stream helpers every SC
golden model shares. What each source is (polynomials, direction numbers, bases, start
states, correlation modes) is defined in :mod:`schw.sc.spec`.

* :func:`sng_codes` / :func:`sng_codes_at` - a bank's codes for a whole run, or at given run
  positions, shape (channels, n): what the hardware shows in each run cycle.
* :class:`SngStream` - the same codes cycle by cycle, vectorized across any number of
  channels (a training run with a source set per weight); built from the same primitives
  (:func:`~schw.sc.spec.lfsr_step`, :func:`sobol_codes`) and checked equal to
  :func:`sng_codes` in the tests.
* :func:`comparator_streams`, :func:`pack`, :func:`popcount`, :func:`packed_streams`,
  :func:`below_table`, :func:`blocks` - comparator streams (``code < operand``, the RTL's rule),
  bit-packed into uint64 words, and the counts the golden models need.
* :func:`scc` - stochastic cross-correlation (Alaghi & Hayes, ICCD 2013) of packed streams::

    SCC = (ad - bc) / (L * min(a+b, a+c) - (a+b)(a+c))        if ad > bc
    SCC = (ad - bc) / ((a+b)(a+c) - L * max(a - d, 0))         otherwise

  with a = #(1,1), b = #(1,0), c = #(0,1), d = #(0,0) positions; 0 where undefined (a stream
  all zeros or all ones).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..errors import ParamError
from .spec import (HALTON_BASES, SOBOL_BITS, SngSpec, halton_consts, halton_reversed, lfsr_advance, lfsr_init,
                   lfsr_poly, lfsr_step, sobol_direction_numbers, sobol_index_bits, sobol_mask)


# -- sequences --------------------------------------------------------------------------------

@lru_cache(maxsize=256)
def _lfsr_sequence(width: int, poly: int, state: int, length: int) -> np.ndarray:
    # One sequence per (width, polynomial, start state, length), cached: the per-step loop runs
    # once per configuration, never per operand. Vectorizing an LFSR needs GF(2) matrix powers,
    # which cost more than this loop for L <= 65536.
    out = np.empty(length, dtype=np.uint32)
    for t in range(length):
        out[t] = state
        state = lfsr_step(width, poly, state)
    out.setflags(write=False)
    return out


def _sobol_codes(dim: int, width: int, index: np.ndarray, mask: int) -> np.ndarray:
    """Sobol dimension ``dim`` at the (Gray-code order) indices ``index``, top ``width`` bits."""
    v = np.array(sobol_direction_numbers(dim), dtype=np.uint64) >> np.uint64(SOBOL_BITS - width)
    index = np.asarray(index, dtype=np.uint64)
    gray = index ^ (index >> np.uint64(1))
    codes = np.zeros(index.shape, dtype=np.uint64)
    top = int(index.max()) if index.size else 0
    for k in range(max(1, top.bit_length())):
        codes ^= np.where((gray >> np.uint64(k)) & np.uint64(1), v[k], np.uint64(0))
    return (codes ^ np.uint64(mask)).astype(np.uint32)


@lru_cache(maxsize=256)
def _sobol_sequence(dim: int, width: int, length: int, mask: int) -> np.ndarray:
    out = _sobol_codes(dim, width, np.arange(length, dtype=np.uint64), mask)
    out.setflags(write=False)
    return out


def _halton_codes(base: int, width: int, index: np.ndarray) -> np.ndarray:
    c = halton_consts(base, width)
    return ((halton_reversed(base, width, index) << width) // c.period).astype(np.uint32)


def _rotl(codes: np.ndarray, bits: int, width: int) -> np.ndarray:
    bits %= width
    if not bits:
        return codes
    x = codes.astype(np.uint64)
    mask = np.uint64((1 << width) - 1)
    return (((x << np.uint64(bits)) | (x >> np.uint64(width - bits))) & mask).astype(np.uint32)


def _source(spec: SngSpec, source: int, ahead: int, positions: np.ndarray, length: int, channels: int) -> np.ndarray:
    n = spec.width
    if spec.kind == "lfsr":
        poly, period = lfsr_poly(n, source), (1 << n) - 1
        start = lfsr_advance(n, poly, lfsr_init(n, spec.seed, source), ahead)
        pos = positions % period
        top = int(pos.max()) + 1 if pos.size else 1
        return _lfsr_sequence(n, poly, start, top)[pos]
    if spec.kind == "sobol":
        modulus = 1 << sobol_index_bits(length)
        mask = sobol_mask(spec.seed, source, n)
        if ahead == 0 and positions.size and int(positions.max()) < length:
            return _sobol_sequence(source + 1, n, length, mask)[positions]
        return _sobol_codes(source + 1, n, (positions + ahead) % modulus, mask)
    if spec.kind == "halton":
        return _halton_codes(HALTON_BASES[source], n, positions + spec.seed + ahead)
    bits = spec.ramp_bits(channels)
    count = positions.astype(np.uint64) + np.uint64(spec.seed + ahead)
    if bits < 64:
        count &= np.uint64((1 << bits) - 1)
    if source * n >= 64:
        return np.zeros(positions.shape, dtype=np.uint32)
    return ((count >> np.uint64(source * n)) & np.uint64((1 << n) - 1)).astype(np.uint32)


def sng_codes_at(spec: SngSpec, channels: int, length: int, positions) -> np.ndarray:
    """Golden codes at run positions (steps since restart), shape (channels, len(positions)).
    ``length`` is the run length the hardware was built for (Sobol index width)."""
    positions = np.asarray(positions, dtype=np.int64)
    if positions.size and positions.min() < 0:
        raise ParamError("positions", "non-negative integers", int(positions.min()))
    cache: dict[tuple[int, int], np.ndarray] = {}
    rows = []
    for source, ahead, rot in spec.plan(channels):
        if (source, ahead) not in cache:
            cache[(source, ahead)] = _source(spec, source, ahead, positions, length, channels)
        rows.append(_rotl(cache[(source, ahead)], rot, spec.width))
    return np.stack(rows).astype(np.uint32)


def sng_codes(spec: SngSpec, channels: int, length: int) -> np.ndarray:
    """Golden random codes, shape (channels, length): the code of channel c at run cycle t."""
    return sng_codes_at(spec, channels, length, np.arange(length))


class SngStream:
    """The codes of an SNG bank (``SngBank(spec, channels, 2**width)``) cycle by cycle,
    vectorized across channels (``kind`` lfsr or sobol, ``independent`` mode: channel c is
    source c). ``codes`` is the current cycle's codes (channels,) int64; :meth:`step` advances
    every channel (the bank's ``step``). Equals :func:`sng_codes` (tested). A Sobol bank
    counts its index modulo 2^width, so it repeats every 2^width steps. Beyond the 65,536
    LFSR channels :class:`SngSpec` allows (a large layer with a source set per weight) the
    same per-channel rule continues: polynomial c mod 4, seeded start state."""

    def __init__(self, spec: SngSpec, channels: int):
        if spec.kind not in ("lfsr", "sobol"):
            raise ParamError("sng", "lfsr or sobol for a cycle-by-cycle stream", spec.kind)
        if spec.kind != "lfsr" or channels <= spec.max_channels():
            spec.plan(channels)  # validates the channel count
        elif channels < 1:
            raise ParamError("channels", "a positive integer", channels)
        self.spec, self.channels = spec, channels
        n = spec.width
        ch = range(channels)
        if spec.kind == "lfsr":
            self._poly = np.array([lfsr_poly(n, c) for c in ch], dtype=np.int64)
            self._init = np.array([lfsr_init(n, spec.seed, c) for c in ch], dtype=np.int64)
        else:
            self._v = np.array([[d >> (SOBOL_BITS - n) for d in sobol_direction_numbers(c + 1)[:n]] for c in ch],
                               dtype=np.int64)  # (channels, n)
            self._xor = np.array([sobol_mask(spec.seed, c, n) for c in ch], dtype=np.int64)
        self.reset()

    def reset(self) -> None:
        self.t = 0
        self.codes = (self._init if self.spec.kind == "lfsr" else self._xor).copy()

    def step(self) -> None:
        n = self.spec.width
        if self.spec.kind == "lfsr":
            self.codes = lfsr_step(n, self._poly, self.codes)
        else:
            self.t = (self.t + 1) & ((1 << n) - 1)
            gray = self.t ^ (self.t >> 1)
            bits = np.array([(gray >> k) & 1 for k in range(n)], dtype=bool)
            self.codes = self._xor ^ np.bitwise_xor.reduce(np.where(bits, self._v, 0), axis=1)

    def run(self, cycles: int) -> np.ndarray:
        """The next ``cycles`` codes, shape (channels, cycles); leaves the stream advanced."""
        out = np.empty((self.channels, cycles), dtype=np.int64)
        for t in range(cycles):
            out[:, t] = self.codes
            self.step()
        return out


# -- streams ----------------------------------------------------------------------------------

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


def packed_streams(codes: np.ndarray, operands) -> tuple[np.ndarray, np.ndarray]:
    """Comparator streams of ``operands`` (any shape) against one channel's ``codes`` (L,),
    bit-packed: returns (table (U, W) uint64 of the unique operands' streams, index with the
    shape of ``operands`` into the table)."""
    operands = np.asarray(operands, dtype=np.int64)
    uniq, inv = np.unique(operands, return_inverse=True)
    return pack(comparator_streams(codes, uniq)), inv.reshape(operands.shape)


def blocks(n: int, per_item_words: int, budget_words: int = 1 << 22):
    """Slices of range(n) so a temporary of n_block x per_item_words uint64 stays ~32 MB."""
    step = max(1, budget_words // max(1, per_item_words))
    for lo in range(0, n, step):
        yield slice(lo, min(n, lo + step))


def below_table(codes: np.ndarray, width: int, where=None) -> np.ndarray:
    """``F[v] = #{t : codes[t] < v}`` (restricted to cycles where ``where`` is true) for every
    operand v in 0..2^width: the ones count of the comparator stream of v, for all v at once."""
    codes = np.asarray(codes, dtype=np.int64)
    if where is not None:
        codes = codes[np.asarray(where, dtype=bool)]
    hist = np.bincount(codes, minlength=1 << width)[: 1 << width]
    return np.concatenate([[0], np.cumsum(hist)]).astype(np.int64)


# -- correlation ------------------------------------------------------------------------------

def overlap_counts(x: np.ndarray, y: np.ndarray, length: int) -> tuple[np.ndarray, ...]:
    """(a, b, c, d) of packed streams ``x``, ``y`` (uint64 words on the last axis, zero padding)."""
    a = popcount(x & y)
    px, py = popcount(x), popcount(y)
    b, c = px - a, py - a
    return a, b, c, length - a - b - c


def scc(x: np.ndarray, y: np.ndarray, length: int) -> np.ndarray:
    """SCC of packed streams (broadcast over leading axes); float64, 0 where undefined."""
    a, b, c, d = (np.asarray(v, dtype=np.int64) for v in overlap_counts(x, y, length))
    num = a * d - b * c
    pos = length * np.minimum(a + b, a + c) - (a + b) * (a + c)
    neg = (a + b) * (a + c) - length * np.maximum(a - d, 0)
    den = np.where(num > 0, pos, neg)
    return np.divide(num, den, out=np.zeros(num.shape, dtype=np.float64), where=den != 0)


def scc_bits(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """SCC of boolean streams (..., L)."""
    x, y = np.asarray(x, dtype=bool), np.asarray(y, dtype=bool)
    if x.shape[-1] != y.shape[-1]:
        raise ValueError(f"streams of different lengths: {x.shape[-1]} and {y.shape[-1]}")
    return scc(pack(x), pack(y), x.shape[-1])
