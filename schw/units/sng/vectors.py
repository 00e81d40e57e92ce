"""SNG unit test vectors (NumPy): per-cycle restart/step/operand patterns."""

from __future__ import annotations

import numpy as np

from .params import SngUnitParams


def cycle_vectors(p: SngUnitParams, seed: int, count: int) -> dict[str, np.ndarray]:
    """Per-cycle inputs: a corner phase (a straight run from reset over every code of a
    short period, corner operands, restart, restart+step, stalls), then ``count`` seeded
    random cycles (3 % restarts, 80 % steps, operands with corners)."""
    top = (1 << p.width) - 1
    corners = np.array(sorted({0, 1, top, 1 << (p.width - 1), max(0, top - 1)}), dtype=np.int64)
    run = 80
    restart = [0] * run + [1, 1, 0, 0, 0, 0]
    step = [1] * run + [0, 1, 1, 0, 0, 1]
    rng = np.random.default_rng(seed)
    restart = np.concatenate([restart, rng.random(count) < 0.03]).astype(np.int64)
    step = np.concatenate([step, rng.random(count) < 0.8]).astype(np.int64)
    n = restart.size
    out = {"restart": restart, "step": step}
    for c in range(p.channels if p.comparators else 0):
        x = rng.integers(0, top + 1, size=n, dtype=np.int64)
        pick = rng.random(n) < 0.1
        x[pick] = rng.choice(corners, size=int(pick.sum()))
        x[: run + 6] = np.resize(np.roll(corners, c), run + 6)
        out[f"x{c}"] = x
    return out
