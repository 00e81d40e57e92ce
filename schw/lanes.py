"""Operand vectors and port lanes (NumPy): corner codes, k-lane vectors, and the Verilog names
of an Amaranth array port (``name__0`` .. ``name__{k-1}``)."""

from __future__ import annotations

import numpy as np


def corner_codes(width: int) -> list[int]:
    top = (1 << width) - 1
    return sorted({0, 1, top, 1 << (width - 1)})


def lane_vectors(width: int, lanes: int, seed: int, count: int) -> np.ndarray:
    """Operand vectors for a k-lane unit, shape (n, lanes): every lane at each corner code
    (0, 1, half, max), corners alternating between lanes, a walking one-lane-at-max pattern
    (up to 8 lanes), then ``count`` seeded uniform random rows."""
    cs = corner_codes(width)
    rows = [[c] * lanes for c in cs]
    for c0 in cs:
        for c1 in cs:
            if c0 != c1:
                rows.append([c0 if i % 2 == 0 else c1 for i in range(lanes)])
    top = (1 << width) - 1
    for j in range(min(lanes, 8)):
        rows.append([top if i == j else 0 for i in range(lanes)])
    rng = np.random.default_rng(seed)
    rand = rng.integers(0, 1 << width, size=(count, lanes))
    return np.concatenate([np.array(rows, dtype=np.int64), rand], axis=0)


def lane_names(name: str, lanes: int) -> list[str]:
    """Verilog names of an Amaranth array port: ``name__0`` .. ``name__{lanes-1}``."""
    return [f"{name}__{i}" for i in range(lanes)]


def lane_dict(name: str, rows: np.ndarray) -> dict[str, np.ndarray]:
    return {n: rows[:, i] for i, n in enumerate(lane_names(name, rows.shape[1]))}


def lane_stack(inputs: dict, name: str, lanes: int) -> np.ndarray:
    return np.stack([np.asarray(inputs[n], dtype=np.int64) for n in lane_names(name, lanes)], axis=1)


def operand_vectors(width: int, seed: int, count: int, names=("a", "b")) -> dict[str, np.ndarray]:
    """Every combination of corner codes (0, 1, max, half) for the named operands, then ``count``
    seeded uniform random tuples."""
    corners = np.array(np.meshgrid(*[corner_codes(width)] * len(names), indexing="ij")).reshape(len(names), -1)
    rng = np.random.default_rng(seed)
    rand = rng.integers(0, 1 << width, size=(len(names), count))
    both = np.concatenate([corners, rand], axis=1)
    return {n: both[i] for i, n in enumerate(names)}
