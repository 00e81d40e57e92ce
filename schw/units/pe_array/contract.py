"""The pe-array interface contract, as written into the manifest (timing from :mod:`.timing`)."""

from __future__ import annotations

from . import hfp8_contract, timing, unary_timing
from .params import PeArrayParams


def contract(p: PeArrayParams) -> dict:
    if p.pe == "unary":
        return unary_timing.contract(p)
    R, C, W, AW, P = p.R, p.C, p.lane_width, p.acc_width, p.step_cycles
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
        ports["in_ready"] = (f"high unless in_last is high and fewer than {F['last_spacing']} steps have passed "
                             "since the previous accepted in_last (in_ready may depend on in_last)")
        loading = ("Stream a tile as K items: item k carries a = A[0..R-1, k] (column k of A) and "
                   "b = B[k, 0..C-1] (row k of B); in_last on item K-1. The next tile may follow at once.")
        draining = ("R result rows per tile, row i = C[i, 0..C-1] in order i = 0..R-1, one per step, starting "
                    f"{F['first_row']} steps after the step in_last was accepted. No backpressure on out.")
        order = "PE (i, j): acc = zero; for k = 0..K-1: acc = a*b + acc (one rounding per step for fp16)"
        order = hfp8_contract.order(p) or order
    else:
        ports["psum"] = f"{C} lanes x {AW} bits: the partial sum each output row starts from"
        ports["w_valid/w_ready"] = "weight push handshake"
        ports["w"] = f"{C} lanes x {W} bits: one weight row per push"
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
        "array": {"rows": R, "cols": C, "pe": p.pe, "dataflow": p.dataflow,
                  "lane_width": W, "acc_width": AW, "step_cycles": P},
        "ports_doc": ports,
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
        "next": _next_steps(p),
    }


def formulas(p: PeArrayParams) -> dict:
    """The manifest's latency and throughput formulas (steps; x step_cycles for clock cycles)."""
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


def _next_steps(p) -> dict:
    defaults = type(p)()
    args = " ".join(f"--{k.replace('_', '-')} {v}" for k, v in p.as_dict().items()
                    if v != getattr(defaults, k) or k == "rows")
    return {
        "simulate": f"schw sim pe-array {args} --sim both",
        "verify_other_rtl": f"schw verify pe-array {args} --rtl YOUR.v --top YOUR_TOP",
        "synthesize": f"schw synth pe-array {args}",
        # the manifest text still names the golden model's module by its path before
        # schw.units.pe_array.golden; kept so that manifests stay byte-identical
        "golden_model": "schw.array.model: build_program(p, [Problem(A, B)]).results, cycle_model(p, prog)",
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
