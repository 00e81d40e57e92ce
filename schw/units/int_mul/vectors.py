"""int-mul test vectors (NumPy)."""

from __future__ import annotations

import numpy as np

from schw.lanes import operand_vectors

from .params import IntMulParams


def int_mul_vectors(p: IntMulParams, seed: int, count: int) -> dict[str, np.ndarray]:
    """Every pair of corner codes (0, 1, max, half) for ``a`` and ``b``, then ``count`` seeded
    random pairs."""
    return operand_vectors(p.width, seed, count)
