"""Error statistics and the operand grids of the accuracy analysis (NumPy): the one
``error_stats`` every unit's accuracy rows use, and the one grid helper."""

from __future__ import annotations

import numpy as np


def error_stats(err) -> dict:
    """MAE, RMSE, max |error| and bias (mean signed error, estimate - exact) of ``err``."""
    err = np.asarray(err, dtype=np.float64).ravel()
    return {"mae": float(np.abs(err).mean()), "rmse": float(np.sqrt(np.mean(err * err))),
            "max_error": float(np.abs(err).max()), "bias": float(err.mean()), "cases": int(err.size)}


def error_row(length: int, estimate, exact) -> dict:
    """One accuracy row: ``length`` and the :func:`error_stats` of ``estimate - exact``."""
    err = np.asarray(estimate, dtype=np.float64) - np.asarray(exact, dtype=np.float64)
    return {"length": int(length), **error_stats(err)}


def operand_grid(width: int, lanes: int, seed: int, exhaustive_max: int = 1 << 16, rows: int = 4096) -> np.ndarray:
    """Operand rows (n, lanes) for accuracy: every combination when there are at most
    ``exhaustive_max``, else ``rows`` seeded uniform random rows."""
    if (1 << width) ** lanes <= exhaustive_max:
        g = np.arange(1 << width)
        return np.stack([x.ravel() for x in np.meshgrid(*[g] * lanes, indexing="ij")], axis=1)
    return np.random.default_rng(seed).integers(0, 1 << width, size=(rows, lanes))


def accuracy_codes(width: int, seed: int, exhaustive_width: int, samples: int) -> np.ndarray:
    """Operand codes an accuracy analysis covers: all 2^N codes for N <= ``exhaustive_width``,
    else codes 0 and 2^N - 1 plus ``samples - 2`` distinct codes drawn with
    ``numpy.random.default_rng(seed)``, sorted."""
    if width <= exhaustive_width:
        return np.arange(1 << width, dtype=np.int64)
    rng = np.random.default_rng(seed)
    inner = rng.choice(np.arange(1, (1 << width) - 1), size=samples - 2, replace=False)
    return np.sort(np.concatenate([[0, (1 << width) - 1], inner])).astype(np.int64)
