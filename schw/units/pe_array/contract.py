"""The pe-array interface contract, as written into the manifest (timing from :mod:`.timing`;
--pe unary: :mod:`.unary_timing`)."""

from __future__ import annotations

from . import hfp8_contract, timing, unary_timing
from .params import PeArrayParams


def contract(p: PeArrayParams) -> dict:
    """The manifest's interface contract: the same keys and ports for every PE type. The
    int8/fp16/sc/hfp8 texts are in steps (:mod:`.timing`, :func:`_step_parts`), the unary ones in
    clock cycles (:mod:`.unary_timing`, :func:`_unary_parts`)."""
    R, C, W, AW = p.R, p.C, p.lane_width, p.acc_width
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
    else:
        ports["psum"] = f"{C} lanes x {AW} bits: the partial sum each output row starts from"
        ports["w_valid/w_ready"] = "weight push handshake" + (" (any cycle)" if p.pe == "unary" else "")
        ports["w"] = f"{C} lanes x {W} bits: one weight row per push"
    parts = (_unary_parts if p.pe == "unary" else _step_parts)(p, ports)  # adds the ready rules
    return {
        "array": {"rows": R, "cols": C, "pe": p.pe, "dataflow": p.dataflow,
                  "lane_width": W, "acc_width": AW, "step_cycles": p.step_cycles},
        "ports_doc": ports,
        **parts,
        "next": _next_steps(p),
    }


def _step_parts(p: PeArrayParams, ports: dict) -> dict:
    """int8, fp16, sc, hfp8: formats, order, loading and timing texts (in steps)."""
    P = p.step_cycles
    F = timing.FORMULAS[p.dataflow]
    lane = {
        "int8": "signed 8-bit two's complement",
        "fp16": "IEEE binary16 bit pattern",
        "sc": f"{p.inputs} unsigned {p.width}-bit bipolar codes (code t at bits t*{p.width}; value 2*code/2^{p.width} - 1)",
        **hfp8_contract.lane(p),
    }[p.pe]
    acc = {
        "int8": "signed 32-bit, wraps modulo 2^32",
        "fp16": f"IEEE binary{16 if p.acc == 'fp16' else 32} bit pattern (fma rounding {p.rm}, one rounding per step)",
        "sc": f"32-bit count of ones among the XNOR product bits; value = (2*count - Kp*L)/L with L={p.length}, "
              f"Kp = K rounded up to a multiple of {p.inputs}",
        **hfp8_contract.acc(p),
    }[p.pe]
    if p.dataflow == "os":
        ports["in_ready"] = (f"high unless in_last is high and fewer than {F['last_spacing']} steps have passed "
                             "since the previous accepted in_last (in_ready may depend on in_last)")
        loading = ("Stream a tile as K items: item k carries a = A[0..R-1, k] (column k of A) and "
                   "b = B[k, 0..C-1] (row k of B); in_last on item K-1. The next tile may follow at once.")
        draining = ("R result rows per tile, row i = C[i, 0..C-1] in order i = 0..R-1, one per step, starting "
                    f"{F['first_row']} steps after the step in_last was accepted. No backpressure on out.")
        order = "PE (i, j): acc = zero; for k = 0..K-1: acc = a*b + acc (one rounding per step for fp16)"
        order = hfp8_contract.order(p) or order
    else:
        ports["in_ready"] = f"low for the first row of a tile until all {F['weight_load']} weight rows have been pushed"
        ports["w_ready"] = (f"high when fewer than {F['weight_load']} rows are buffered and {F['reload_gap']} steps "
                            "have passed since the current tile's first row was accepted")
        loading = ("Push the weights W[k, 0..C-1] for k = 0..R-1 on w (R pushes; they are double-buffered, so "
                   "the next tile's pushes overlap the current tile's rows), then stream rows: item m carries "
                   "a = A[m, 0..R-1] and psum = P[m, 0..C-1]; in_last on the last row. Every tile needs its "
                   "own R pushes. To tile K > R, feed each K-tile's output rows back as psum of the next.")
        draining = f"one result row per accepted input row, out = psum + A[m, :] . W, {F['first_row']} steps after it"
        order = "column j: acc = psum; for k = 0..R-1: acc = a*w + acc (top to bottom)"
        order = hfp8_contract.order(p) or order
    return {
        "operand_format": lane,
        "result_format": acc,
        "accumulation_order": order,
        "zero": {"start_value": p.zero, "pad_a": p.pad_a, "pad_b": p.pad_b,
                 "note": "accumulators start at `zero`; pad_a * pad_b + x == x exactly (fp16: -0 "
                         "except under rdn), so padding edge tiles does not change results"},
        "loading": loading,
        "draining": draining,
        "timing_unit": ("clock cycles" if P == 1 else
                        f"steps of {P} cycles (inputs are accepted and outputs appear only in step cycles, "
                        "cycle 0 after reset and every step_cycles after)"),
        "formulas": formulas(p),
        "pe_detail": _pe_detail(p),
    }


def formulas(p: PeArrayParams) -> dict:
    """The manifest's latency and throughput formulas (steps; x step_cycles for clock cycles; unary:
    clock cycles)."""
    if p.pe == "unary":
        return _unary_formulas(p)
    F = timing.FORMULAS[p.dataflow]
    unit = "steps" if p.step_cycles > 1 else "cycles"
    if p.dataflow == "os":
        return {
            "unit": unit,
            "tile": "C[R x C] = A[R x K] . B[K x C]; K >= 1 elements of A columns / B rows, one per step",
            "result_row_i": f"out row i appears t_last + {F['first_row']} + i = t_last + {timing.steps(p, 'first_row')} + i "
                            "(t_last: step the in_last element was accepted)",
            "latency_first_row": F["first_row"],
            "latency_last_row": F["last_row"],
            "tile_period": f"{F['tile_period']}  (an in_last is accepted only {F['last_spacing']} or more steps "
                           "after the previous one)",
            "single_tile_total": f"{F['single_tile_total']} (from the first input to the last result row, inclusive)",
            "throughput": f"R*C*K MACs per {F['tile_period']} steps; utilization {F['utilization']} in steady state",
        }
    return {
        "unit": unit,
        "tile": "out[m, :] = psum[m, :] + sum_k A[m, k] W[k, :] for k = 0..R-1, one row m per step",
        "weight_load": f"{F['weight_load']} pushes on w (row k = push k), needs w_ready",
        "result_row_m": f"out row m appears t_m + {F['first_row']} = t_m + {timing.steps(p, 'first_row')}",
        "latency": F["first_row"],
        "tile_period": f"{F['tile_period']} with overlapped weight loading (next load may start {F['reload_gap']} "
                       f"steps after the tile's first row; the next tile's first row needs all {F['weight_load']} pushes)",
        "single_tile_total": f"{F['single_tile_total']} (load, rows, drain)",
        "throughput": f"R*C MACs per step while rows stream; utilization {F['utilization']} in steady state",
    }


def _unary_formulas(p: PeArrayParams) -> dict:
    """--pe unary: the manifest's latency and throughput formulas, in clock cycles."""
    u = unary_timing
    T = p.step_cycles
    if p.dataflow == "os":
        return {
            "unit": "cycles (T = L >> et cycles per step; inputs only in step cycles)",
            "step_cycles_T": T,
            "tile": "C[R x C] = A[R x K] . B[K x C]; K items, one per step",
            "result_row_i": f"t_last + T + R + C - 1 + i = t_last + {u.first_row(p)} + i",
            "latency_first_row": "T + R + C - 1",
            "latency_last_row": "T + 2R + C - 2",
            "tile_period": f"max(K, S) steps with S = max(1, ceil((2R + C - 2) / T)) = {u.last_spacing(p)} "
                           "(an in_last is accepted only S or more steps after the previous one)",
            "single_tile_total": "K*T + T + 2R + C - 2 cycles, first input to last row",
            "throughput": "R*C MACs per step of T cycles; utilization K / max(K, S)",
        }
    return {
        "unit": "cycles (T = L >> et cycles per step; rows only in step cycles, weight pushes in any cycle)",
        "step_cycles_T": T,
        "tile": "out[m, :] = psum[m, :] + sum_k A[m, k] W[k, :] for k = 0..R-1, one row m per step",
        "weight_load": "R pushes on w, one per cycle at most",
        "result_row_m": f"t_m + T + R + C - 1 = t_m + {u.first_row(p)}",
        "latency": "T + R + C - 1",
        "reload_gap": f"R + C - 1 = {u.reload_gap(p)} cycles after the tile's first row, w_ready opens",
        "tile_period": f"max(M, ceil((2R + C - 1) / T)) = max(M, {u.ws_period(p)}) steps",
        "throughput": "R*C MACs per step of T cycles while rows stream",
    }


def _unary_parts(p: PeArrayParams, ports: dict) -> dict:
    """--pe unary: formats, order, loading and timing texts (in clock cycles, :mod:`.unary_timing`)."""
    AW, T, n = p.acc_width, p.step_cycles, p.width
    u = unary_timing
    coding = ("temporal: the column/weight edge sends thermometer codes (ramp j mod 2^N), the row edge "
              "van der Corput-ordered blocks; a full step counts m_a*m_b exactly" if p.sng == "temporal" else
              f"rate: comparator SNGs on a {p.sng} bank, source 0 shared by all rows, source 1 by all "
              "columns/weights (streams of one edge never meet)")
    if p.dataflow == "os":
        ports["in_ready"] = (f"high in step cycles (every {T}), unless in_last is high and fewer than "
                             f"{u.last_spacing(p)} steps have passed since the previous accepted in_last")
        loading = "Stream a tile as K items: a = A[:, k], b = B[k, :]; in_last on item K-1, one item per step."
        draining = f"R result rows per tile, row i at t_last + {u.first_row(p)} + i cycles, one per cycle"
        order = "PE (i, j): count = 0; for k: count += signed AND count of the A[i,k] and B[k,j] streams"
    else:
        ports["in_ready"] = f"high in step cycles (every {T}) once all R weight rows of the tile are pushed"
        ports["w_ready"] = (f"high when fewer than R rows are buffered and {u.reload_gap(p)} cycles have passed "
                            "since the current tile's first row was accepted")
        loading = ("Push W[k, :] for k = 0..R-1 (double-buffered), then stream rows a = A[m, :], psum = P[m, :], "
                   "one per step; in_last on the last row. For K > R feed each K-tile's rows back as psum.")
        draining = f"one result row per accepted row, out = psum + A[m, :] . W (signed counts), {u.first_row(p)} cycles after it"
        order = "column j: acc = psum; for k = 0..R-1 (top to bottom): acc += signed AND count of A[m,k] and W[k,j]"
    return {
        "operand_format": f"sign-magnitude: bit {n} sign, bits [0, {n}) magnitude m; value (-1)^s * m / 2^{n}",
        "result_format": (f"signed {AW}-bit count (two's complement, wraps), the sum of +-count over T = {T} "
                          f"cycles per product; value = count / {T}"),
        "accumulation_order": order,
        "zero": {"start_value": 0, "pad_a": 0, "pad_b": 0, "note": "magnitude 0 sends no ones: pads add nothing"},
        "loading": loading,
        "draining": draining,
        "timing_unit": "clock cycles",
        "formulas": _unary_formulas(p),
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
    }


def _next_steps(p) -> dict:
    defaults = type(p)()
    args = " ".join(f"--{k.replace('_', '-')} {v}" for k, v in p.as_dict().items()
                    if v != getattr(defaults, k) or k == "rows")
    return {
        "simulate": f"schw sim pe-array {args} --sim both",
        "verify_other_rtl": f"schw verify pe-array {args} --rtl YOUR.v --top YOUR_TOP",
        "synthesize": f"schw synth pe-array {args}",
        "golden_model": "schw.units.pe_array.golden: build_program(p, [Problem(A, B)]).results, "
                        "cycle_model(p, prog)",
    }


def _pe_detail(p) -> dict:
    if p.pe == "hfp8":
        return hfp8_contract.pe_detail(p)
    if p.pe == "int8":
        return {"pe": "Int8Pe: result <= c + a*b, 8x8 signed multiply, 32-bit add, 1 register stage"}
    if p.pe == "fp16":
        return {"pe": "Fp16MacPe: the fp16-pe FMA (stages=0, op fma) and one result register",
                "acc": p.acc, "rm": p.rm}
    return {"pe": "ScMacPe: one sc-dot PE (k XNOR products, APC) per array PE; each step runs L cycles "
                  "and adds its count to the 32-bit partial sum",
            "inputs": p.inputs, "width": p.width, "length": p.length, "sng": p.sng, "seed": p.seed,
            "mapping": "K is split into chunks of k; each step a PE consumes one chunk of its A row "
                       "and B column (os) or multiplies its k stationary weights (ws)"}
