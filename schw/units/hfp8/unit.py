"""The hfp8 units: ``hfp8-conv`` and ``hfp8-mac`` (generator, golden model, fast regression)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from schw import gatesim
from schw.errors import ParamError, ToolError
from schw.registry import register
from schw.units.base import Unit
from schw.verify import Mismatch, Report, rtl_sources

from . import harness
from .golden import lfsr_words, mac_stream, to_fp8, to_fp16
from .params import FORMATS, SR_BITS, HfpConvParams, HfpMacParams
from .rtl import HfpConv, HfpMac
from .vectors import conv_vectors, mac_vectors

LFSR_TEXT = ("32-bit Galois LFSR, polynomial schw.sc.spec LFSR_TAPS[32][0], start lfsr_init(32, seed, 0), "
             "32 steps per operation; word t = state before the t-th advance (t counts accepted operations "
             "since reset)")


def _fmt_text(name):
    f = FORMATS[name]
    return {"name": name, "what": f.alias, "exponent_bits": f.ebits, "mantissa_bits": f.mbits, "bias": f.bias,
            "max": f.max_value, "min_normal": 2.0 ** f.emin, "min_subnormal": 2.0 ** f.qmin,
            "infinity": f.inf, "negative_zero": f.negzero, "nan": {"ieee": "exponent all ones, M != 0",
                                                                   "fn": "S.1111.111", "fnuz": "0x80"}[f.nan],
            "canonical_nan": f.nan_code}


def _report(unit, params, sim, top, inputs, expected, got, at, latency, n_expected_out, out_index, seed, extra):
    """Exact comparison of the outputs seen with the expected ones, in order, plus output count
    and latency (output cycle minus the cycle of the input it answers)."""
    problems = []
    k = min(len(got["cycle"]), n_expected_out)
    if len(got["cycle"]) != n_expected_out:
        problems.append(f"{len(got['cycle'])} outputs (out_valid cycles) for {n_expected_out} expected")
    bad = np.zeros(k, dtype=bool)
    for name, exp in expected.items():
        bad |= np.asarray(got[name][:k]) != np.asarray(exp[:k])
    idx = np.flatnonzero(bad)
    mism = [Mismatch(int(out_index[i]), {q: int(v[out_index[i]]) for q, v in inputs.items()},
                     {q: int(v[i]) for q, v in expected.items()}, {q: int(got[q][i]) for q in expected})
            for i in idx[:1000]]
    for i in range(k, min(n_expected_out, k + 20)):
        mism.append(Mismatch(int(out_index[i]), {q: int(v[out_index[i]]) for q, v in inputs.items()},
                             {q: int(v[i]) for q, v in expected.items()}, {q: -1 for q in expected}))
    lat = got["cycle"][:k] - at[np.asarray(out_index[:k], dtype=np.int64)]
    rep = Report(unit.name, sim, top, k, seed, mism, latency, sorted(set(int(x) for x in lat)),
                 {"path": "fast", "mismatching_vectors": int(idx.size), "problems": problems,
                  "sim_seconds": round(got["seconds"], 2), "cycles": got["cycles"], **extra})
    if problems:
        rep.mismatches.append(Mismatch(-1, {}, {"outputs": n_expected_out}, {"outputs": len(got["cycle"])}))
    return rep


def _with_waves(sim, sources, top, inputs, outputs, waves, directory):
    """The sources and top the stream harness drives: ``top`` itself, or with ``waves`` a wrapper
    that dumps a VCD of it (:func:`schw.gatesim.waves_wrapper`; Icarus only)."""
    if waves is None:
        return sources, top
    if sim != "icarus":
        raise ParamError("waves", "used with --sim icarus for the hfp8 units (their Verilator harness does not "
                         "trace)", str(waves))
    ports_in = {"clk": 1, "rst": 1, "in_valid": 1, **inputs}
    path, name = gatesim.waves_wrapper(top, ports_in, {"out_valid": 1, **outputs}, waves, directory)
    return [*sources, path], name


def _check_waves(waves):
    if waves is not None and not (Path(waves).is_file() and Path(waves).stat().st_size > 0):
        raise ToolError(f"the hfp8 harness wrote no waveform to {waves}")


@register
class HfpConvUnit(Unit):
    name = "hfp8-conv"
    Params = HfpConvParams
    summary = "HFP8 conversions: binary16 -> FP8 (RNE or stochastic rounding, LFSR inside) and FP8 -> binary16"
    operation_name = "one binary16 -> FP8 and one FP8 -> binary16 conversion, one per cycle, pipelined"
    default_vectors = 1 << 16

    def component(self, p):
        return HfpConv(p)

    def latency_cycles(self, p):
        return 1

    def manifest_extra(self, p):
        return {"format": _fmt_text(p.format), "rounding": p.rounding,
                "stochastic_rounding": {"random_bits": SR_BITS, "lfsr": LFSR_TEXT, "seed": p.seed,
                                        "rule": "round the magnitude up when the 16 bits below the kept ones plus "
                                                "bits 15..0 of the word carry out"} if p.rounding == "sr" else None,
                "interface": {"in_valid": "x (binary16) and y (FP8) presented; the LFSR advances",
                              "out_valid": "fp8 = x converted, fp16 = y converted (exact), one cycle later"}}

    def vectors(self, p, seed, count):
        return conv_vectors(p, seed, None if count is None or count >= (1 << 16) else count)

    def golden(self, p, inputs):
        words = lfsr_words(p.seed, len(inputs["x"])) if p.rounding == "sr" else None
        return {"fp8": to_fp8(inputs["x"], p.format, p.rounding, words), "fp16": to_fp16(inputs["y"], p.format)}

    def regression(self, p, sim, *, rtl=None, top=None, seed=1, count=None, keep=None, waves=None):
        """Every binary16 input (65,536) through the RTL, with seeded bubbles; ``count``: the
        corner patterns plus ``count`` random ones instead. ``waves``: a VCD of the run (Icarus)."""
        inputs = self.vectors(p, seed, count)
        expected = self.golden(p, inputs)
        ins, outs = {"x": 16, "y": 8}, {"fp8": 8, "fp16": 16}
        with tempfile.TemporaryDirectory(prefix="schw-rtl-") as tmp:
            sources, top = rtl_sources(self, p, rtl, top, Path(tmp))
            run_sources, run_top = _with_waves(sim, sources, top, ins, outs, waves, Path(tmp))
            got = harness.simulate(sim, run_sources, run_top, ins, outs, inputs, seed=seed)
        _check_waves(waves)
        n = len(inputs["x"])
        return _report(self, p, sim, top, inputs, expected, got, got["at"], 1, n, np.arange(n), seed,
                       {"format": p.format, "rounding": p.rounding})


@register
class HfpMacUnit(Unit):
    name = "hfp8-mac"
    Params = HfpMacParams
    summary = "HFP8 MAC: FP8 x FP8 products accumulated in binary16; chunk-based accumulation, RNE or SR"
    operation_name = "one FP8 x FP8 product accumulated, one per cycle"
    default_vectors = 200_000

    def component(self, p):
        return HfpMac(p)

    def latency_cycles(self, p):
        return p.latency

    def manifest_extra(self, p):
        return {"format_a": _fmt_text(p.format_a), "format_b": _fmt_text(p.format_b), "chunk": p.chunk,
                "acc_round": p.acc_round,
                "accumulation": ("acc <- round16(acc + a*b), the product exact (one rounding)" if p.chunk == 0 else
                                 f"inner <- round16(inner + a*b) for {p.chunk} products (or to last), then "
                                 "outer <- round16(outer + inner) in the next cycle"),
                "stochastic_rounding": {"random_bits": SR_BITS, "lfsr": LFSR_TEXT, "seed": p.seed,
                                        "inner": "bits 15..0 of the product's word",
                                        "fold": "bits 31..16 of the word of the chunk's last product"}
                if p.acc_round == "sr" else None,
                "interface": {"in_valid": "a product a*b this cycle (the LFSR advances)",
                              "first": "starts a dot product (accumulators restart at +0); implied after last",
                              "last": "ends the dot product",
                              "out_valid": f"result = the dot product, {p.latency} cycle(s) after its last product"}}

    def vectors(self, p, seed, count):
        return mac_vectors(p, seed, self.default_vectors if count is None else count)

    def golden(self, p, inputs):
        return {"result": mac_stream(p, inputs["a"], inputs["b"], inputs["first"], inputs["last"])}

    def regression(self, p, sim, *, rtl=None, top=None, seed=1, count=None, keep=None, waves=None):
        """Dot-product streams (default 200,000 products on Verilator, 20,000 on Icarus) with
        seeded bubbles; every result compared bit-exactly, in order, with its latency.
        ``waves``: a VCD of the run (Icarus)."""
        if count is None:
            count = self.default_vectors if sim == "verilator" else 20_000
        inputs = self.vectors(p, seed, count)
        return self.check(p, sim, inputs, rtl=rtl, top=top, seed=seed, waves=waves)

    def check(self, p, sim, inputs, *, rtl=None, top=None, seed=1, bubbles=0.1, waves=None):
        expected = self.golden(p, inputs)
        ins, outs = {"a": 8, "b": 8, "first": 1, "last": 1}, {"result": 16}
        with tempfile.TemporaryDirectory(prefix="schw-rtl-") as tmp:
            sources, top = rtl_sources(self, p, rtl, top, Path(tmp))
            run_sources, run_top = _with_waves(sim, sources, top, ins, outs, waves, Path(tmp))
            got = harness.simulate(sim, run_sources, run_top, ins, outs, inputs, bubbles=bubbles, seed=seed)
        _check_waves(waves)
        ends = np.flatnonzero(np.asarray(inputs["last"]) != 0)
        rep = _report(self, p, sim, top, inputs, expected, got, got["at"], p.latency, len(ends), ends, seed,
                      {"products": len(inputs["a"]), "dot_products": len(ends)})
        rep.vectors = min(rep.vectors, len(ends))
        return rep
