"""Regression vectors of the FSM units (NumPy)."""

from __future__ import annotations

import numpy as np

from schw.lanes import corner_codes

from .params import RUN_CYCLES


def operand_codes(p, seed: int, count: int) -> dict[str, np.ndarray]:
    """fsm-tanh, fsm-sigmoid, fsm-exp: the corner codes, then ``count`` seeded random codes."""
    rng = np.random.default_rng(seed)
    top = 1 << p.width
    # corners: 0, 1, max, half, and the codes around x = 0 and x = +-1/N (where the FSM turns)
    near = {top // 2 - 1, top // 2 + 1}
    for k in (-1, 1):
        c = int(round(top / 2 * (1 + k / p.states)))
        near |= {c - 1, c, c + 1}
    corners = sorted(set(corner_codes(p.width)) | {c for c in near if 0 <= c < top})
    return {"a": np.concatenate([np.array(corners, dtype=np.int64), rng.integers(0, top, count)])}


def stream_runs(p, seed: int, count: int) -> dict[str, np.ndarray]:
    """fsm-stream: ``count`` runs (at least 4) of RUN_CYCLES cycles: restart, then seeded random
    x with P(1) spread over runs (runs 0 and 1 all ones and all zeros, to saturate) and en = 1
    with probability 0.8."""
    runs = max(4, count)
    rng = np.random.default_rng(seed)
    prob = np.concatenate([[1.0, 0.0], rng.random(runs - 2)])
    x = (rng.random((runs, RUN_CYCLES)) < prob[:, None]).astype(np.int64)
    en = (rng.random((runs, RUN_CYCLES)) < 0.8).astype(np.int64)
    en[:2] = 1
    restart = np.zeros((runs, RUN_CYCLES), dtype=np.int64)
    restart[:, 0] = 1
    return {"restart": restart.ravel(), "en": en.ravel(), "x": x.ravel()}
