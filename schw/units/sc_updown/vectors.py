"""sc-updown test vectors (NumPy)."""

from __future__ import annotations

import numpy as np

from schw.lanes import corner_codes

from .params import ScUpDownParams


def updown_vectors(p: ScUpDownParams, seed: int, count: int) -> dict[str, np.ndarray]:
    """The corner codes (0, 1, half, max), max - 1 and 2, then ``count`` seeded random operands."""
    rng = np.random.default_rng(seed)
    return {"x": np.concatenate([np.array(corner_codes(p.width) + [(1 << p.width) - 2, 2]),
                                 rng.integers(0, 1 << p.width, size=count)])}
