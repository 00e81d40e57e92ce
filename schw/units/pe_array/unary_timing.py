"""Timing of the unary pe-array (``--pe unary``), in clock cycles.

A step is ``T = L >> et`` cycles; an input item (os: a column of A and a row of B; ws: a row of
A) is accepted only in a step cycle (cycle 0 after reset and every T after) and its streams run
during the T cycles after it. The streams move one PE per cycle, so the skew costs R + C cycles
per tile, not R + C steps. Read by :func:`.timing.cycle_timing` (the unary array's
:class:`.timing.CycleTiming`, which the one cycle model of :mod:`.golden`, the harnesses and the
unit read), by :mod:`.contract` (the manifest's unary texts) and by the RTL's template values;
the Verilog templates implement the same rules.
"""

from __future__ import annotations


def last_spacing(p) -> int:
    """os: steps between two accepted in_last (the drain of R rows must end before the next capture)."""
    return max(1, -(-(2 * p.R + p.C - 2) // p.step_cycles))


def reload_gap(p) -> int:
    """ws: cycles after a tile's first row is accepted before w_ready may open (the last PE has
    switched to the new weights by then)."""
    return p.R + p.C - 1


def first_row(p) -> int:
    """Cycles from accepting in_last (os) or row m (ws) to result row 0 (os) or row m (ws)."""
    return p.step_cycles + p.R + p.C - 1


def last_row(p) -> int:
    return first_row(p) + (p.R - 1 if p.dataflow == "os" else 0)


def ws_period(p) -> int:
    """ws: steps from a tile's first row to the next tile's first row, at least (R pushes after
    the reload gap)."""
    return -(-(reload_gap(p) + p.R) // p.step_cycles)


def total_cycles(p, tiles: list[int]) -> int:
    """Gap-free streaming, cycle 0 to the last result row inclusive. ``tiles``: K of each os
    tile or M of each ws tile, in order."""
    if not tiles:
        return 0
    T = p.step_cycles
    if p.dataflow == "os":
        s = last_spacing(p)
        t_last = (tiles[0] - 1 + sum(max(k, s) for k in tiles[1:])) * T
    else:
        first = -(-p.R // T) + sum(max(m, ws_period(p)) for m in tiles[:-1])
        t_last = (first + tiles[-1] - 1) * T
    return t_last + last_row(p) + 1
