"""sc-layer / sc-mlp regression vectors (NumPy): input-code rows, corners first (every input at
0, 1, half and max; alternating corners; a walking max input), then seeded uniform random rows."""

from __future__ import annotations

import numpy as np

from schw.lanes import lane_dict, lane_vectors


def input_rows(p, seed: int, count: int) -> dict[str, np.ndarray]:
    """Input port values ``x__0`` .. ``x__{n0-1}``."""
    return lane_dict("x", lane_vectors(p.width, p.layer_sizes[0], seed, count))
