"""sc-mul golden model (NumPy, bit-packed streams): ones counts of the L product bits."""

from __future__ import annotations

import numpy as np

from schw.sc.golden import comparator_streams, pack, popcount, sng_codes

from .params import ScMulParams


def product_counts(p: ScMulParams, a, b) -> np.ndarray:
    """Golden model: the number of ones in the L product bits for each pair (a[i], b[i])."""
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    codes = sng_codes(p.spec, 2, p.length)
    ua, ia = np.unique(a, return_inverse=True)
    ub, ib = np.unique(b, return_inverse=True)
    if ua.size * ub.size <= 2 * a.size + 4096:  # few distinct operands: all their pairs, then look up
        return product_count_grid(p, ua, ub)[ia.ravel(), ib.ravel()].reshape(a.shape)
    sa = pack(comparator_streams(codes[0], ua))
    sb = pack(comparator_streams(codes[1], ub))
    out = np.empty(a.shape, dtype=np.int64)
    ia, ib, flat = ia.ravel(), ib.ravel(), out.ravel()
    block = max(1, (1 << 22) // sa.shape[1])  # bound the temporary to ~32 MB
    for lo in range(0, flat.size, block):
        x, y = sa[ia[lo:lo + block]], sb[ib[lo:lo + block]]
        if p.coding == "unipolar":
            flat[lo:lo + block] = popcount(x & y)
        else:  # XNOR: ones = L - (positions where the streams differ); padding bits never differ
            flat[lo:lo + block] = p.length - popcount(x ^ y)
    return out


def product_count_grid(p: ScMulParams, a_codes, b_codes) -> np.ndarray:
    """Golden model over a grid: ones counts for every pair, shape (len(a_codes), len(b_codes)).

    The same streams and gate as :func:`product_counts`, but broadcast row block x all columns
    instead of gathering one stream per pair (no per-pair copies; temporaries bounded ~32 MB).
    """
    codes = sng_codes(p.spec, 2, p.length)
    sa = pack(comparator_streams(codes[0], np.asarray(a_codes, dtype=np.int64)))
    sb = pack(comparator_streams(codes[1], np.asarray(b_codes, dtype=np.int64)))
    out = np.empty((sa.shape[0], sb.shape[0]), dtype=np.int64)
    block = max(1, (1 << 22) // max(1, sb.shape[0] * sb.shape[1]))
    count_dtype = np.uint16 if p.length < (1 << 16) else np.uint32
    for lo in range(0, sa.shape[0], block):
        x = sa[lo:lo + block, None, :]
        bits = x & sb[None, :, :] if p.coding == "unipolar" else x ^ sb[None, :, :]
        ones = np.bitwise_count(bits).sum(axis=-1, dtype=count_dtype)
        out[lo:lo + block] = ones if p.coding == "unipolar" else p.length - ones.astype(np.int64)
    return out


ACCURACY_EXHAUSTIVE_WIDTH = 8


ACCURACY_SAMPLE_CODES = 256


def value_of(p: ScMulParams, codes: np.ndarray) -> np.ndarray:
    """Real value a code encodes: code / 2^N (unipolar) or 2 * code / 2^N - 1 (bipolar)."""
    x = np.asarray(codes, dtype=np.float64) / (1 << p.width)
    return x if p.coding == "unipolar" else 2 * x - 1
