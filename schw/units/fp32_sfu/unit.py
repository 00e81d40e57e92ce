"""The fp32-sfu unit: generator, golden model, vectors and the fast regression put together."""

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
from .contract import contract_dict
from .golden import evaluate
from .params import K_WIDTH, Fp32SfuParams
from .rtl import Fp32Sfu
from .vectors import generate, sample

PORTS_IN = {"op": 3, "rm": 3, "a": 32, "k": K_WIDTH}
PORTS_OUT = {"result": 32, "flags": 5}
#: vectors of an Icarus regression: a seeded sample of the Verilator set
ICARUS_VECTORS = 10_000


@register
class Fp32SfuUnit(Unit):
    name = "fp32-sfu"
    Params = Fp32SfuParams
    summary = ("binary32 SFU: binary16 <-> binary32 conversions, exponent modify (x * 2^k), approximate "
               "recip/rsqrt/exp2/log2; all RISC-V modes and flags")
    operation_name = "one operation of the selected op, one per cycle, pipelined"
    #: random vectors on top of the directed sets (f16_to_f32: all 65,536 inputs x 5 modes)
    default_vectors = 100_000

    def component(self, p):
        return Fp32Sfu(p)

    def latency_cycles(self, p):
        return p.stages

    def manifest_extra(self, p):
        return {"interface": {"in_valid": "operation presented this cycle (one per cycle, no stalls)",
                              "out_valid": "result and flags valid, latency_cycles cycles after in_valid "
                                           "(combinational when latency_cycles = 0)",
                              "reset": "synchronous rst drops the operations in flight"},
                **contract_dict(p.op_set)}

    def vectors(self, p, seed, count):
        return generate(seed, self.default_vectors if count is None else count, p.op_set)

    def golden(self, p, inputs):
        res, flg = evaluate(inputs["op"], inputs["rm"], inputs["a"], inputs["k"], p.op_set)
        return {"result": res, "flags": flg}

    def regression(self, p, sim, *, rtl=None, top=None, seed=1, count=None, keep=None, waves=None):
        """Verilator: the directed sets of every op generated (f16_to_f32 exhaustive in every
        mode) plus ``count`` random vectors (default 100,000); Icarus: a seeded sample of 10,000
        of them (``count`` given: of ``count``; the gate-level runs use that). Seeded bubbles;
        every result and flag compared bit-exactly, in order, with its latency. ``waves``: a VCD
        of the run (Icarus; ``schw ppa`` reads its activity)."""
        inputs = self.vectors(p, seed, count)
        if sim == "icarus":
            inputs = sample(inputs, seed, ICARUS_VECTORS if count is None else max(count, 1))
        return self.check(p, sim, inputs, rtl=rtl, top=top, seed=seed, waves=waves)

    def check(self, p, sim, inputs, *, rtl=None, top=None, seed=1, bubbles=0.1, waves=None) -> Report:
        expected = self.golden(p, inputs)
        if waves is not None and sim != "icarus":
            raise ParamError("waves", "used with --sim icarus for fp32-sfu (its Verilator harness does not trace)",
                             str(waves))
        with tempfile.TemporaryDirectory(prefix="schw-rtl-") as tmp:
            sources, top = rtl_sources(self, p, rtl, top, Path(tmp))
            run_sources, run_top = sources, top
            if waves is not None:  # drive a wrapper that dumps a VCD of the design
                path, run_top = gatesim.waves_wrapper(top, {"clk": 1, "rst": 1, "in_valid": 1, **PORTS_IN},
                                                      {"out_valid": 1, **PORTS_OUT}, waves, Path(tmp))
                run_sources = [*sources, path]
            got = harness.simulate(sim, run_sources, run_top, PORTS_IN, PORTS_OUT, inputs, bubbles=bubbles,
                                   seed=seed)
        if waves is not None and not (Path(waves).is_file() and Path(waves).stat().st_size > 0):
            raise ToolError(f"the fp32-sfu harness wrote no waveform to {waves}")
        n = len(inputs["op"])
        k = min(len(got["cycle"]), n)
        problems = [] if len(got["cycle"]) == n else [f"{len(got['cycle'])} outputs (out_valid cycles) for {n}"]
        bad = np.zeros(k, dtype=bool)
        for q, exp in expected.items():
            bad |= got[q][:k] != exp[:k]
        idx = np.flatnonzero(bad)
        mism = [Mismatch(int(i), {q: int(v[i]) for q, v in inputs.items()}, {q: int(v[i]) for q, v in expected.items()},
                         {q: int(got[q][i]) for q in expected}) for i in idx[:1000]]
        if problems:
            mism.append(Mismatch(-1, {}, {"outputs": n}, {"outputs": len(got["cycle"])}))
        lat = got["cycle"][:k] - got["at"][:k]
        return Report(self.name, sim, top, k, seed, mism, p.stages, sorted(set(int(x) for x in lat)),
                      {"path": "fast", "mismatching_vectors": int(idx.size), "problems": problems,
                       "ops": list(p.op_set), "sim_seconds": round(got["seconds"], 2), "cycles": got["cycles"]})
