"""sc-dot test vectors: every pair of corner codes on all lanes, alternating and walking lane
patterns, then seeded uniform random rows."""

from __future__ import annotations

import numpy as np

from schw.lanes import corner_codes, lane_dict, lane_vectors

from .params import ScDotParams


def operand_rows(p: ScDotParams, seed: int, count: int) -> dict[str, np.ndarray]:
    """Input port values (``a__i``, ``b__i``), corners first, then ``count`` seeded random rows."""
    k = p.inputs
    cs = corner_codes(p.width)
    rows_a = [[ca] * k for ca in cs for cb in cs]
    rows_b = [[cb] * k for ca in cs for cb in cs]
    extra = lane_vectors(p.width, k, seed, 0)[len(cs):]  # alternating and walking patterns
    rows_a += extra.tolist()
    rows_b += extra[::-1].tolist()
    rng = np.random.default_rng(seed)
    a = np.concatenate([np.array(rows_a, dtype=np.int64), rng.integers(0, 1 << p.width, size=(count, k))])
    b = np.concatenate([np.array(rows_b, dtype=np.int64), rng.integers(0, 1 << p.width, size=(count, k))])
    return {**lane_dict("a", a), **lane_dict("b", b)}
