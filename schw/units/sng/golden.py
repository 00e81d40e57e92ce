"""SNG unit golden model (NumPy): run positions from restart/step, the codes and bits of every
cycle, and the single-stream accuracy."""

from __future__ import annotations

import numpy as np

from schw.errors import ParamError
from schw.sc.golden import sng_codes_at
from schw.stats import error_stats

from .params import SngUnitParams


def positions(restart, step) -> np.ndarray:
    """Run position shown in each cycle: 0 after reset; restart in cycle i -> 0 in cycle i+1,
    else step adds 1."""
    r = np.asarray(restart, dtype=bool)
    inc = np.asarray(step, dtype=bool) & ~r
    csum = np.concatenate([[0], np.cumsum(inc, dtype=np.int64)])  # csum[k] = increments before cycle k
    last = np.maximum.accumulate(np.where(r, np.arange(r.size), -1))  # last restart at or before i
    last_before = np.concatenate([[-1], last[:-1]])
    return csum[:-1] - csum[last_before + 1]


def cycle_outputs(p: SngUnitParams, inputs: dict) -> dict[str, np.ndarray]:
    """``code<c>`` (and ``bit<c>`` with comparators) of every cycle for the per-cycle inputs."""
    pos = positions(inputs["restart"], inputs["step"])
    codes = sng_codes_at(p.spec, p.channels, p.run_length, pos).astype(np.int64)
    out = {f"code{c}": codes[c] for c in range(p.channels)}
    for c in range(p.channels if p.comparators else 0):
        out[f"bit{c}"] = (codes[c] < np.asarray(inputs[f"x{c}"], dtype=np.int64)).astype(np.int64)
    return out


def stream_accuracy(p: SngUnitParams, lengths: list[int], seed: int = 1) -> list[dict]:
    """Error of one stream's value (ones / L) against x / 2^N, channel 0, over every operand
    (N <= 12) or 4096 seeded operands, per length L (positions 0..L-1 after a restart)."""
    if p.width <= 12:
        xs = np.arange(1 << p.width, dtype=np.int64)
    else:
        rng = np.random.default_rng(seed)
        xs = np.sort(rng.choice(np.arange(1 << p.width), size=4096, replace=False)).astype(np.int64)
    rows = []
    for length in lengths:
        length = int(length)
        if length < 1:
            raise ParamError("lengths", "positive integers", length)
        run = max(length, p.run_length) if p.kind == "sobol" else p.run_length
        codes = np.sort(sng_codes_at(p.spec, 1, run, np.arange(length))[0].astype(np.int64))
        ones = np.searchsorted(codes, xs, side="left")  # #{t: code_t < x}
        err = ones / length - xs / (1 << p.width)
        rows.append({"length": length, **error_stats(err), "channel": 0})
    return rows
