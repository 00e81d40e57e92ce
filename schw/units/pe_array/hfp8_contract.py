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
    rnd = "round to nearest even" if mp.acc_round == "rne" else f"16-bit stochastic rounding (LFSR seed {mp.seed})"
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
                  "result output", "ws": "ws: rows CL-1, 2CL-1, ... and R-1 fold in the same step"}[p.dataflow]
    return {"pe": "Hfp8MacPe: hfp8-mac's exact FP8 product and binary16 adder; one product per step"
                  + (f"; {fold}" if mp.chunk else ""),
            "fmt": mp.format_a, "fmt_b": mp.format_b, "chunk": mp.chunk, "acc_round": mp.acc_round, "seed": mp.seed,
            "sr_words": "each PE: 32-bit LFSR (same seed in every PE), one word per product; inner rounding "
                        "bits 15..0, fold bits 31..16"}
