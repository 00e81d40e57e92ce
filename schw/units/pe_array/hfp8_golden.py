"""Golden model of the hfp8 PE array (NumPy and exact integers; no Amaranth): what every PE of a
``--pe hfp8`` array computes, in the order the array computes it (docs/pe_array.md, "hfp8 PE").

The arithmetic is hfp8-mac's (:mod:`schw.units.hfp8.golden`: exact FP8 products, one binary16
rounding per accumulation, RNE or 16-bit stochastic rounding); this module adds the array's
accumulation order and the random words each PE draws:

* os: PE (i, j) sums its K products in order. Without chunks ``acc <- round16(acc + a*b)``; with
  CL: ``inner <- round16(inner + a*b)`` (inner restarts at +0 with each chunk) and, at the CL-th
  product of a chunk and at the last product of the tile, ``outer <- round16(outer + inner)``.
* ws: column j sums rows k = 0..R-1 of a K-tile starting from ``psum``. Without chunks as os;
  with CL the lane between rows is ``{inner[31:16], outer[15:0]}``, and rows k with
  ``k % CL == CL-1`` or ``k == R-1`` fold. The next K-tile continues from the folded output.
* SR: every PE has its own LFSR, seeded with ``p.pe_seed(i, j)`` (os: PE (i, j) computes the
  tile's output (i, j); ws: PE (k, j) holds weight W[k, j]), and advances it once per product it
  computes, so the word of a product is word n of the computing PE's sequence, n = the number of
  items the array accepted before (os: the tile's item; ws: the row). The inner rounding uses
  bits 15..0, the fold bits 31..16 of that word.
"""

from __future__ import annotations

import numpy as np

from schw.units.hfp8.golden import _f16_table, _leap_tables, _product_table, add16, lfsr_start, to_fp16

__all__ = ["fold", "pe_index", "pe_words", "reference", "run", "to_fp16", "word_index"]

_RMASK = 0xFFFF
_WORDS: dict[tuple[int, ...], np.ndarray] = {}


def pe_words(p, n: int) -> np.ndarray:
    """(R*C, n) uint32: the first ``n`` LFSR words of every PE, row ``i*C + j`` for PE (i, j)
    (seed ``p.pe_seed(i, j)``, word t = the state before the t-th leap, as ``lfsr_words``),
    all PEs stepped at once through the leap tables; cached and grown on demand."""
    seeds = tuple(p.pe_seed(i, j) for i in range(p.R) for j in range(p.C))
    have = _WORDS.get(seeds)
    if have is None or have.shape[1] < n:
        n_new = max(n, 2 * (0 if have is None else have.shape[1]), 256)
        t0, t1, t2, t3 = (np.array(t, dtype=np.uint32) for t in _leap_tables())
        s = np.array([lfsr_start(x) for x in seeds], dtype=np.uint32)
        have = np.empty((len(seeds), n_new), dtype=np.uint32)
        for t in range(n_new):
            have[:, t] = s
            s = t0[s & 255] ^ t1[(s >> 8) & 255] ^ t2[(s >> 16) & 255] ^ t3[s >> 24]
        _WORDS[seeds] = have
    return have[:, :n]


def pe_index(p, M: int, N: int, K: int) -> np.ndarray:
    """(M, N, K) index ``i*C + j`` of the PE that computes product k of result (m, n) (tiles laid
    out as in :func:`word_index`): os PE (m % R, n % C); ws PE (k % R, n % C)."""
    m = np.arange(M)[:, None, None]
    n = np.arange(N)[None, :, None]
    k = np.arange(K)[None, None, :]
    i = m % p.R if p.dataflow == "os" else k % p.R
    return np.broadcast_to(i * p.C + n % p.C, (M, N, K))


def word_index(p, M: int, N: int, K: int, t0: int = 0) -> np.ndarray:
    """(M, N, K) index of the LFSR word that product k of result (m, n) draws, when the problem's
    first item is the array's item ``t0`` (tiles streamed in the order of
    :func:`schw.units.pe_array.golden.build_program`: os tiles (ti, tj) row-major, K items each;
    ws tiles (n-tile, K-tile) with the K-tile fastest, M rows each)."""
    m = np.arange(M)[:, None, None]
    n = np.arange(N)[None, :, None]
    k = np.arange(K)[None, None, :]
    if p.dataflow == "os":
        nt = -(-N // p.C)
        return t0 + ((m // p.R) * nt + n // p.C) * K + k
    kt = -(-K // p.R)
    return t0 + ((n // p.C) * kt + k // p.R) * M + m


def run(p, A, B, acc0, widx) -> np.ndarray:
    """Lane values (M, N) after the products of A (M, K) and B (K, N) (FP8 codes) in the array's
    order, from the lane values ``acc0`` (M, N), with product k of (m, n) drawing word widx[m, n, k]
    of the PE :func:`pe_index` names."""
    mp = p.hfp8_params()
    A = np.asarray(A, dtype=np.int64)
    B = np.asarray(B, dtype=np.int64)
    M, K = A.shape
    N = B.shape[1]
    sg, mag, nan, inf = _product_table(mp.format_a, mp.format_b)
    s16, x16, nan16, inf16 = _f16_table()
    rnd, CL, R = mp.acc_round, mp.chunk, p.R
    widx = np.asarray(widx, dtype=np.int64)
    if rnd == "sr" and widx.size:
        wall = pe_words(p, int(widx.max()) + 1)[pe_index(p, M, N, K), widx].astype(np.int64).tolist()
    else:  # RNE: the adders ignore the random bits
        wall = np.zeros((M, N, K), dtype=np.int64).tolist()
    acc0 = np.broadcast_to(np.asarray(acc0, dtype=np.int64), (M, N))
    Al, Bl = A.tolist(), B.tolist()
    out = np.empty((M, N), dtype=np.int64)

    def fold(outer, t, r):
        return add16(outer, s16[t], x16[t], nan16[t], inf16[t], rnd, r)

    for i in range(M):
        for j in range(N):
            wij = wall[i][j]
            lane = int(acc0[i, j])
            outer, inner = lane & 0xFFFF, lane >> 16
            count = 0
            for k in range(K):
                q = (Al[i][k] << 8) | Bl[k][j]
                word = wij[k]
                if not CL:
                    outer = add16(outer, sg[q], mag[q], nan[q], inf[q], rnd, word & _RMASK)
                    continue
                if p.dataflow == "os":
                    t = add16(inner if count else 0, sg[q], mag[q], nan[q], inf[q], rnd, word & _RMASK)
                    if count == CL - 1 or k == K - 1:
                        outer, count = fold(outer, t, (word >> 16) & _RMASK), 0
                    else:
                        inner, count = t, count + 1
                else:
                    t = add16(inner, sg[q], mag[q], nan[q], inf[q], rnd, word & _RMASK)
                    r = k % R
                    if r % CL == CL - 1 or r == R - 1 or k == K - 1:
                        outer, inner = fold(outer, t, (word >> 16) & _RMASK), 0
                    else:
                        inner = t
            out[i, j] = (inner << 16) | outer if (CL and p.dataflow == "ws") else outer
    return out


def fold(p, A, B, acc0=None, t0: int = 0) -> np.ndarray:
    """:func:`schw.units.pe_array.golden.fold` for hfp8: A (M, K, 1), B (K, N, 1) codes; one
    os problem (all tiles) or one ws K-tile (K = R) whose first item is the array's item t0."""
    A, B = np.asarray(A)[..., 0], np.asarray(B)[..., 0]
    M, K = A.shape
    N = B.shape[1]
    acc0 = 0 if acc0 is None else acc0
    return run(p, A, B, acc0, word_index(p, M, N, K, t0))


def reference(p, A, B, t0: int = 0) -> np.ndarray:
    """The assembled result of one problem without the tiling driver: the whole K in one pass
    (ws: K padded with +0 products to a multiple of R, as the array does; chunks end at K-tile
    boundaries), the words from :func:`word_index`."""
    A = np.asarray(A, dtype=np.int64)
    B = np.asarray(B, dtype=np.int64)
    M, K = A.shape
    N = B.shape[1]
    if p.dataflow == "ws":
        kp = -(-K // p.R) * p.R
        A = np.concatenate([A, np.zeros((M, kp - K), dtype=np.int64)], axis=1)
        B = np.concatenate([B, np.zeros((kp - K, N), dtype=np.int64)], axis=0)
        K = kp
    return run(p, A, B, 0, word_index(p, M, N, K, t0))
