"""Timing and manifest contract of the unary pe-array (``--pe unary``), in clock cycles.

A step is ``T = L >> et`` cycles; an input item (os: a column of A and a row of B; ws: a row of
A) is accepted only in a step cycle (cycle 0 after reset and every T after) and its streams run
during the T cycles after it. The streams move one PE per cycle, so the skew costs R + C cycles
per tile, not R + C steps. Read by :func:`.timing.cycle_timing` (the unary array's
:class:`.timing.CycleTiming`, which the one cycle model of :mod:`.golden`, the harnesses and the
unit read), by contract and by the RTL's template values; the Verilog templates implement the same
rules.
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


def formulas(p) -> dict:
    T = p.step_cycles
    if p.dataflow == "os":
        return {
            "unit": "cycles (T = L >> et cycles per step; inputs only in step cycles)",
            "step_cycles_T": T,
            "tile": "C[R x C] = A[R x K] . B[K x C]; K items, one per step",
            "result_row_i": f"t_last + T + R + C - 1 + i = t_last + {first_row(p)} + i",
            "latency_first_row": "T + R + C - 1",
            "latency_last_row": "T + 2R + C - 2",
            "tile_period": f"max(K, S) steps with S = max(1, ceil((2R + C - 2) / T)) = {last_spacing(p)} "
                           "(an in_last is accepted only S or more steps after the previous one)",
            "single_tile_total": "K*T + T + 2R + C - 2 cycles, first input to last row",
            "throughput": "R*C MACs per step of T cycles; utilization K / max(K, S)",
        }
    return {
        "unit": "cycles (T = L >> et cycles per step; rows only in step cycles, weight pushes in any cycle)",
        "step_cycles_T": T,
        "tile": "out[m, :] = psum[m, :] + sum_k A[m, k] W[k, :] for k = 0..R-1, one row m per step",
        "weight_load": "R pushes on w, one per cycle at most",
        "result_row_m": f"t_m + T + R + C - 1 = t_m + {first_row(p)}",
        "latency": "T + R + C - 1",
        "reload_gap": f"R + C - 1 = {reload_gap(p)} cycles after the tile's first row, w_ready opens",
        "tile_period": f"max(M, ceil((2R + C - 1) / T)) = max(M, {ws_period(p)}) steps",
        "throughput": "R*C MACs per step of T cycles while rows stream",
    }


def contract(p) -> dict:
    """The manifest's interface contract for --pe unary (same ports as the other PE types)."""
    R, C, W, AW, T, n = p.R, p.C, p.lane_width, p.acc_width, p.step_cycles, p.width
    coding = ("temporal: the column/weight edge sends thermometer codes (ramp j mod 2^N), the row edge "
              "van der Corput-ordered blocks; a full step counts m_a*m_b exactly" if p.sng == "temporal" else
              f"rate: comparator SNGs on a {p.sng} bank, source 0 shared by all rows, source 1 by all "
              "columns/weights (streams of one edge never meet)")
    ports = {
        "clk": "clock, rising edge",
        "rst": "synchronous reset, active high",
        "in_valid/in_ready": "input handshake: an item is accepted in a cycle where both are high",
        "in_last": "marks the last item of a tile (os: last k; ws: last row of A for the loaded weights)",
        "a": f"{R} lanes x {W} bits, lane i at bits [i*{W} +: {W}]",
        "out_valid": "1-cycle pulse per result row",
        "out": f"{C} lanes x {AW} bits, lane j = column j, at bits [j*{AW} +: {AW}]",
    }
    if p.dataflow == "os":
        ports["b"] = f"{C} lanes x {W} bits, lane j at bits [j*{W} +: {W}]"
        ports["in_ready"] = (f"high in step cycles (every {T}), unless in_last is high and fewer than "
                             f"{last_spacing(p)} steps have passed since the previous accepted in_last")
        loading = "Stream a tile as K items: a = A[:, k], b = B[k, :]; in_last on item K-1, one item per step."
        draining = f"R result rows per tile, row i at t_last + {first_row(p)} + i cycles, one per cycle"
        order = "PE (i, j): count = 0; for k: count += signed AND count of the A[i,k] and B[k,j] streams"
    else:
        ports["psum"] = f"{C} lanes x {AW} bits: the partial sum each output row starts from"
        ports["w_valid/w_ready"] = "weight push handshake (any cycle)"
        ports["w"] = f"{C} lanes x {W} bits: one weight row per push"
        ports["in_ready"] = f"high in step cycles (every {T}) once all R weight rows of the tile are pushed"
        ports["w_ready"] = (f"high when fewer than R rows are buffered and {reload_gap(p)} cycles have passed "
                            "since the current tile's first row was accepted")
        loading = ("Push W[k, :] for k = 0..R-1 (double-buffered), then stream rows a = A[m, :], psum = P[m, :], "
                   "one per step; in_last on the last row. For K > R feed each K-tile's rows back as psum.")
        draining = f"one result row per accepted row, out = psum + A[m, :] . W (signed counts), {first_row(p)} cycles after it"
        order = "column j: acc = psum; for k = 0..R-1 (top to bottom): acc += signed AND count of A[m,k] and W[k,j]"
    return {
        "array": {"rows": R, "cols": C, "pe": p.pe, "dataflow": p.dataflow,
                  "lane_width": W, "acc_width": AW, "step_cycles": T},
        "ports_doc": ports,
        "operand_format": f"sign-magnitude: bit {n} sign, bits [0, {n}) magnitude m; value (-1)^s * m / 2^{n}",
        "result_format": (f"signed {AW}-bit count (two's complement, wraps), the sum of +-count over T = {T} "
                          f"cycles per product; value = count / {T}"),
        "accumulation_order": order,
        "zero": {"start_value": 0, "pad_a": 0, "pad_b": 0, "note": "magnitude 0 sends no ones: pads add nothing"},
        "loading": loading,
        "draining": draining,
        "timing_unit": "clock cycles",
        "formulas": formulas(p),
        "pe_detail": {
            "pe": ("UnaryPe: AND of the two magnitude bits, XOR of the two signs, up/down counter"
                   + ("; at the end of each window the count is added to the partial sum from above"
                      if p.dataflow == "ws" else "; the count is captured at the end of the tile")),
            "coding": coding, "width": n, "length": p.length, "et": p.et, "step_cycles": T,
            "sng": p.sng, "seed": p.seed, "counter": AW,
            "edges": ("streams are made once per row and column at the array edge and move 1 bit per PE per "
                      "cycle" + ("; each PE compares its stationary weight with the weight code delayed along "
                                 "the anti-diagonal" if p.dataflow == "ws" else "")),
        },
        "next": {
            "simulate": f"schw sim pe-array {_args(p)} --sim both",
            "verify_other_rtl": f"schw verify pe-array {_args(p)} --rtl YOUR.v --top YOUR_TOP",
            "synthesize": f"schw synth pe-array {_args(p)}",
            "golden_model": "schw.units.pe_array.golden: build_program(p, [Problem(A, B)]).results, cycle_model(p, prog)",
        },
    }


def _args(p) -> str:
    defaults = type(p)()
    return " ".join(f"--{k.replace('_', '-')} {v}" for k, v in p.as_dict().items()
                    if v != getattr(defaults, k) or k == "rows")
