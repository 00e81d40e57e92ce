"""int-mul golden model (NumPy): the exact product."""

from __future__ import annotations

import numpy as np


def products(a, b) -> np.ndarray:
    """a * b for unsigned operands of at most 32 bits: < 2^64, exact in uint64."""
    return np.asarray(a, dtype=np.uint64) * np.asarray(b, dtype=np.uint64)
