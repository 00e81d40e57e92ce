"""The fp16-pe unit: generator, golden model, vectors and the fast regression put together."""

from __future__ import annotations

import numpy as np

from schw.registry import register
from schw.units.base import Unit

from . import golden_ext, harness, shard
from .contract import contract_dict
from .golden import evaluate
from .params import BOUNDARIES, CUTS, Fp16PeParams
from .rtl import Fp16Pe
from .vectors import ext_vectors, generate


@register
class Fp16PeUnit(Unit):
    name = "fp16-pe"
    operation_name = "one operation of the selected op (FMA, mul, add, ...), one per cycle, pipelined"
    Params = Fp16PeParams
    summary = "IEEE binary16 PE: fma/mul/add (fp16 or fp32 accumulation), min/max, lt/le/eq; all RISC-V modes and flags"
    testbench = "schw.units.fp16_pe.tb"
    #: random vectors of a Verilator regression (Icarus: a 20,000-vector sample); see
    #: harness.DEFAULT_COUNT, which the regression hook below uses
    default_vectors = 1_000_000

    def component(self, p):
        return Fp16Pe(p)

    def latency_cycles(self, p):
        return p.stages

    def manifest_extra(self, p):
        return {
            "interface": {
                "in_valid": "operation presented this cycle (one per cycle, no stalls)",
                "out_valid": "result and flags valid; high latency_cycles cycles after in_valid "
                             "(combinational when latency_cycles = 0)",
                "reset": "synchronous rst drops the operations in flight (out_valid low until new ones arrive)",
                "throughput": "one operation per cycle, no stalls, op and rm may change every cycle",
            },
            "pipeline_registers": [BOUNDARIES[k] for k in CUTS[p.stages]],
            **contract_dict(p.acc, p.ftz, p.op_set if p.extended else None),
        }

    def vectors(self, p, seed, count):
        """Default op set: corner classes, directed cases and ``count`` random rows. With --ops:
        the same plus :func:`.vectors.ext_vectors` (the one-operand ops and expmod exhaustive over
        a in all five modes, 100,000 rows each for ternary, xnor and bool, 500 per left-out code)."""
        v = generate(seed, count, acc=p.acc)
        if p.extended:
            x = ext_vectors(p.op_set, seed, acc=p.acc)
            v = {k: np.concatenate([v[k], x[k]]) for k in ("op", "rm", "a", "b", "c")}
        return {k: np.asarray(v[k], dtype=np.int64) for k in ("op", "rm", "a", "b", "c")}

    def golden(self, p, inputs):
        if p.extended:
            res, flg = golden_ext.evaluate(inputs["op"], inputs["rm"], inputs["a"], inputs["b"], inputs["c"],
                                           acc=p.acc, ftz=p.ftz, ops=p.op_set)
            return {"result": res.astype(np.int64), "flags": flg.astype(np.int64)}
        res, flg = evaluate(inputs["op"], inputs["rm"], inputs["a"], inputs["b"], inputs["c"], acc=p.acc, ftz=p.ftz)
        return {"result": res.astype(np.int64), "flags": flg.astype(np.int64)}

    def regression(self, p, sim, *, rtl=None, top=None, seed=1, count=None, keep=None, full=False, waves=None):
        """``schw sim|verify fp16-pe``: the fast path (10^6 vectors on Verilator) plus the cocotb
        pipeline run; see :func:`schw.units.fp16_pe.harness.full_regression`. ``full=True``: the
        exhaustive RNE mul and add instead (2 x 2^32 vectors, hours; acc fp16)."""
        if full:
            return harness.exhaustive_both(p, sim, rtl=rtl, top=top)
        return harness.full_regression(self, p, sim, rtl=rtl, top=top, seed=seed, count=count, keep=keep,
                                       waves=waves)

    def exhaustive_sharded(self, p, sim, **kwargs):
        """``schw sim|verify fp16-pe --full [--scheduler ADDR | --workers N]``: the exhaustive RNE
        mul and add, one Dask task per chunk, resumable; see :mod:`schw.units.fp16_pe.shard`."""
        return shard.exhaustive_sharded(p, sim, **kwargs)

    def testbench_config(self, p):
        return {"latency_cycles": p.stages, "bubbles": 0.2, "width": p.width}
