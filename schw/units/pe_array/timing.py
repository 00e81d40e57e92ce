"""pe-array timing, stated once.

Every figure is in array *steps*. A step is ``p.step_cycles`` clock cycles (P = 1 for int8 and
fp16 PEs, L + 1 for sc PEs); inputs are accepted and result rows appear only in step cycles
(cycle 0 after reset and every P cycles after). Each formula is a text in the array size R x C
and the tile length (K items of an os tile, M rows of a ws tile); the text is what the manifest
publishes and :func:`steps` evaluates the same text. Read by:

* ``contract``: the manifest's ``formulas`` and the timing phrases of ``ports_doc`` and ``draining``;
* ``unit``: ``latency_cycles`` (:func:`latency_cycles`);
* ``golden``: the cycle model's ready rules and output cycles, and the cycle report's closed-form
  total, through the :class:`CycleTiming` object of :func:`cycle_timing` (which holds the unary
  array's cycle formulas of :mod:`.unary_timing` the same way: one cycle model for every PE type);
* ``harness``: how long the testbench keeps watching for extra rows, and its timeout (:func:`quiet_cycles`);
* ``rtl``: the ready rules of the Amaranth array;
* docs/pe_array.md: the latency table (:func:`markdown_table`; the tests check the page holds it).

The Verilog templates implement the same rules (``since_last >= R``, ``GAP = R + C - 2``); the
regression checks every acceptance and output cycle of the generated RTL against the cycle model.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from . import unary_timing

#: output stationary: one item per step (a = column k of A, b = row k of B); a tile is K items,
#: the last one with in_last (accepted at step t_last)
OS = {
    "first_row": "R + C",       # result row i of a tile appears at t_last + first_row + i
    "last_row": "2R + C - 1",   # = first_row + R - 1: row R - 1
    "last_spacing": "R",        # an in_last is accepted only this many or more steps after the previous one
}
OS["tile_period"] = f"max(K, {OS['last_spacing']})"
OS["single_tile_total"] = f"K + {OS['last_row']}"  # first input to last result row, inclusive
OS["utilization"] = f"K / {OS['tile_period']}"

#: weight stationary: R weight pushes per tile, then one row of A per step (accepted at step t_m)
WS = {
    "first_row": "R + C - 1",   # result row m appears at t_m + first_row
    "weight_load": "R",         # pushes per tile; a tile's first row waits for all of them
    "reload_gap": "R + C - 2",  # w_ready opens this many steps after the current tile's first row
}
WS["last_row"] = WS["first_row"]
WS["load_period"] = f"{WS['weight_load']} + max({WS['reload_gap']}, 1)"  # first row to the next tile's first row, at least
WS["single_tile_total"] = f"{WS['weight_load']} + M + {WS['first_row']}"
#: the tile period as the manifest has always stated it: R + reload_gap, which is
#: max(M, load_period) except for a 1 x 1 array (load period 2, this says 1); the manifest text
#: is kept byte for byte, the closed form (:func:`total_steps`) and the docs use load_period
WS["tile_period"] = "max(M, 2R + C - 2)"
WS["utilization"] = f"M / {WS['tile_period']}"

FORMULAS = {"os": OS, "ws": WS}

_IMPLICIT_PRODUCT = re.compile(r"(\d)([A-Za-z(])")  # "2R" -> "2*R"


@functools.cache
def _compiled(text: str):
    return compile(_IMPLICIT_PRODUCT.sub(r"\1*\2", text), f"<pe-array formula {text!r}>", "eval")


def evaluate(text: str, **values) -> int | float:
    """The value of a formula text for the given symbols (R, C, K, M)."""
    return eval(_compiled(text), {"__builtins__": {}, "max": max}, values)  # noqa: S307 (our own constants)


def steps(p, name: str, **values) -> int | float:
    """Formula ``name`` of ``p``'s dataflow for ``p``'s R and C (and K or M given as ``values``)."""
    return evaluate(FORMULAS[p.dataflow][name], R=p.R, C=p.C, **values)


def latency_cycles(p) -> int:
    """Cycles from the accepted in_last (os) or row (ws) to the first result row it brings."""
    return cycle_timing(p).first_row


def quiet_cycles(p) -> int:
    """Cycles after a tile's last input by which all of its result rows have appeared (plus one)."""
    return cycle_timing(p).quiet_cycles


@dataclass(frozen=True)
class CycleTiming:
    """One PE type's handshake timing in clock cycles: what the cycle model
    (:func:`.golden.cycle_model`) runs and the closed form its report compares with.

    Inputs are accepted only in step cycles (``t % period == 0``); ws weight pushes only in
    cycles ``t % weight_tick == 0``, and the weight-load state (pushes buffered, the reload gap)
    advances in those cycles. int8/fp16/sc/hfp8: the step formulas above times ``period``
    (= step_cycles; weights move once per step); unary: :mod:`.unary_timing` (streams move one
    PE per cycle, so weights may be pushed in any cycle and rows are one cycle apart)."""
    p: object
    period: int               # cycles per step
    first_row: int            # accepted in_last (os) / row (ws) to result row 0 (os) / its row (ws)
    row_spacing: int          # os: cycles between the R result rows of a tile
    last_spacing: int | None  # os: steps from an accepted in_last until the next may be accepted
    weight_tick: int | None   # ws: cycles per weight-push opportunity
    weight_load: int | None   # ws: pushes per tile; a tile's first row waits for all of them
    reload_gap: int | None    # ws: weight ticks after a tile's first row before w_ready opens

    @property
    def quiet_cycles(self) -> int:
        """Cycles after a tile's last input by which all of its result rows are out, plus one."""
        return self.first_row + (self.p.R if self.p.dataflow == "os" else 1) * self.row_spacing

    def analytic(self, tiles: list[int]) -> tuple[int, int]:
        """The closed form for gap-free streaming, (cycles, steps) from cycle 0 to the last result
        row inclusive. ``tiles``: K of each os tile, or M of each ws tile, in order."""
        if self.p.pe == "unary":
            cycles = unary_timing.total_cycles(self.p, tiles)
            return cycles, -(-cycles // self.period)
        n = total_steps(self.p, tiles)
        return total_cycles(self.p, n), n


def cycle_timing(p) -> CycleTiming:
    """The :class:`CycleTiming` of ``p``'s PE type and dataflow."""
    os_, P = p.dataflow == "os", p.step_cycles
    if p.pe == "unary":
        u = unary_timing
        return CycleTiming(p, P, u.first_row(p), 1, u.last_spacing(p) if os_ else None,
                           None if os_ else 1, None if os_ else p.R, None if os_ else u.reload_gap(p))
    return CycleTiming(p, P, steps(p, "first_row") * P, P, steps(p, "last_spacing") if os_ else None,
                       None if os_ else P, None if os_ else steps(p, "weight_load"),
                       None if os_ else steps(p, "reload_gap"))


def total_steps(p, tiles: list[int]) -> int:
    """Closed form for gap-free streaming: steps from the first accepted input to the last result
    row, inclusive. ``tiles``: K of each os tile, or M (rows) of each ws tile, in order."""
    if not tiles:
        return 0
    if p.dataflow == "os":
        t_last = tiles[0] - 1 + sum(steps(p, "tile_period", K=k) for k in tiles[1:])
    else:
        period = steps(p, "load_period")
        first_row = steps(p, "weight_load") + sum(max(m, period) for m in tiles[:-1])
        t_last = first_row + tiles[-1] - 1
    return t_last + steps(p, "last_row") + 1


def total_cycles(p, n_steps: int) -> int:
    """Clock cycles spanned by ``n_steps`` steps, the first and the last cycle included."""
    return (n_steps - 1) * p.step_cycles + 1


def markdown_table() -> str:
    """The latency and throughput table of docs/pe_array.md."""
    o, w = OS, WS
    ws_period = f"max(M, {w['load_period']})"
    rows = [
        ("", "output stationary", "weight stationary"),
        ("---", "---", "---"),
        ("result rows", f"row i = 0..R-1 at t_last + {o['first_row']} + i (the last at t_last + {o['last_row']})",
         f"row m at t_m + {w['first_row']} (one per input row)"),
        ("input rule", f"an `in_last` only {o['last_spacing']} or more steps after the previous one",
         f"{w['weight_load']} pushes per tile; `w_ready` opens {w['reload_gap']} steps after the tile's first row"),
        ("one tile, first input to last row", o["single_tile_total"], w["single_tile_total"]),
        ("tile period (back to back)", o["tile_period"], ws_period),
        ("steady-state utilization", o["utilization"], f"M / {ws_period}"),
        ("total for tiles 0..n (gap-free)",
         f"(K_0 - 1) + Σ_{{i≥1}} {o['tile_period'].replace('K', 'K_i')} + {o['last_row']} + 1",
         f"{w['weight_load']} + Σ_{{i<n}} max(M_i, {w['load_period']}) + (M_n - 1) + {w['last_row']} + 1"),
    ]
    return "\n".join("| " + " | ".join(r) + " |" for r in rows) + "\n"
