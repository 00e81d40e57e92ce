"""sc-mux-add and sc-or-add golden models (NumPy): ones counts of the adder output stream."""

from __future__ import annotations

import numpy as np

from schw.sc.golden import popcount, sng_codes
from schw.sc.golden import below_table, blocks, packed_streams

from .params import ScMuxAddParams, ScOrAddParams


def mux_select(p: ScMuxAddParams) -> np.ndarray:
    """The select index of every run cycle, shape (L,)."""
    code = sng_codes(p.select_spec, 2, p.length)[1].astype(np.int64)
    if p.select == "ramp":
        return code & (p.inputs - 1)
    return (code * p.inputs) >> p.width


def mux_add_counts(p: ScMuxAddParams, x) -> np.ndarray:
    """Golden model: ``result`` for each row of ``x`` (shape (n, k)). The ones the input-j
    stream contributes are the cycles with select = j and data code < x_j, counted for all
    operand values at once (:func:`below_table`)."""
    x = np.asarray(x, dtype=np.int64)
    data = sng_codes(p.data_spec, 1, p.length)[0]
    sel = mux_select(p)
    out = np.zeros(x.shape[0], dtype=np.int64)
    for j in range(p.inputs):
        out += below_table(data, p.width, where=sel == j)[x[:, j]]
    return out


def or_add_counts(p: ScOrAddParams, x) -> np.ndarray:
    """Golden model: ``result`` for each row of ``x`` (shape (n, k)): ones of the OR of the k
    packed comparator streams."""
    x = np.asarray(x, dtype=np.int64)
    codes = sng_codes(p.spec, p.inputs, p.length)
    tables = [packed_streams(codes[i], x[:, i]) for i in range(p.inputs)]
    out = np.empty(x.shape[0], dtype=np.int64)
    for s in blocks(x.shape[0], tables[0][0].shape[1]):
        acc = None
        for table, index in tables:
            words = table[index[s]]
            acc = words if acc is None else acc | words
        out[s] = popcount(acc)
    return out
