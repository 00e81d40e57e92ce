"""The hfp8 PE's entries in the pe-array manifest (see :mod:`.contract`; no Amaranth)."""

from __future__ import annotations


def lane(p) -> dict:
    if p.pe != "hfp8":
        return {}
    mp = p.hfp8_params()
    b = "" if mp.format_b == mp.format_a else f" (b, w: {mp.format_b})"
    return {"hfp8": f"FP8 code, format {mp.format_a}{b} (docs/hfp8.md)"}


def acc(p) -> dict:
    if p.pe != "hfp8":
        return {}
    mp = p.hfp8_params()
    rnd = ("round to nearest even" if mp.acc_round == "rne" else
           f"16-bit stochastic rounding (one LFSR per PE, seeds derived from seed {mp.seed}: pe_detail.sr_seeds)")
    text = f"IEEE binary16 bit pattern; every accumulation one rounding ({rnd}), products exact"
    if mp.chunk and p.dataflow == "ws":
        text += ("; 32-bit lanes {inner[31:16], outer[15:0]}: psum bits 31..16 must be +0 (0), out bits 31..16 "
                 "are always 0 (the bottom row folds)")
    return {"hfp8": text}


def order(p) -> str | None:
    if p.pe != "hfp8":
        return None
    CL = p.chunk
    if not CL:
        start = "acc = +0; for k = 0..K-1" if p.dataflow == "os" else "column j: acc = psum; for k = 0..R-1"
        return f"{start}: acc = round16(acc + a*b) (exact product, one rounding)"
    if p.dataflow == "os":
        return (f"PE (i, j): outer = +0; chunks of {CL} products (the last one ends at k = K-1): "
                "inner = +0; inner = round16(inner + a*b) per product; then outer = round16(outer + inner)")
    return (f"column j: outer = psum, inner = +0; for k = 0..R-1: inner = round16(inner + a*w); at rows "
            f"k % {CL} == {CL - 1} and k = R-1: outer = round16(outer + inner), inner = +0")


def pe_detail(p) -> dict:
    mp = p.hfp8_params()
    fold = {"os": "os: a chunk's fold deferred to the next chunk's first product, the last chunk's fold is the "
                  "result output", "ws": "ws: rows CL-1, 2CL-1, ... and R-1 fold on their output, combinationally from "
                  "their registers (one binary16 adder between registers)"}[p.dataflow]
    d = {"pe": "Hfp8MacPe: hfp8-mac's exact FP8 product and binary16 adder; one product per step"
               + (f"; {fold}" if mp.chunk else ""),
         "fmt": mp.format_a, "fmt_b": mp.format_b, "chunk": mp.chunk, "acc_round": mp.acc_round, "seed": mp.seed}
    if mp.acc_round == "rne":
        d["sr_words"] = "none: every rounding is round to nearest even, the PEs have no LFSR"
        return d
    who = "computes output (i, j) of every tile" if p.dataflow == "os" else "holds weight W[i, j]"
    d["sr_words"] = ("each PE: its own 32-bit Galois LFSR (hfp8-mac's), advanced 32 steps per product it computes, "
                     "one word per product; inner rounding bits 15..0, fold bits 31..16")
    d["sr_seeds"] = {
        "rule": (f"PE (i, j) ({who}; i = 0..{p.R - 1}, j = 0..{p.C - 1}) has LFSR seed "
                 "(seed + i*0x9E3779B9 + j*0x85EBCA6B) mod 2^32 and start state (pe_seed mod (2^32 - 1)) + 1, "
                 "loaded at reset"),
        "pe_seeds": [[p.pe_seed(i, j) for j in range(p.C)] for i in range(p.R)],
    }
    return d
