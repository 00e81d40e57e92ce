"""The pe-array unit: parameters, generator (template top + Amaranth PE), contract and the
tiling regression put together."""

from __future__ import annotations

import dataclasses
import hashlib
import json

from schw.registry import register
from schw.units.base import Unit

from . import fast as fast_path
from . import harness, rtl, timing
from .contract import contract
from .params import PeArrayParams


@register
class PeArrayUnit(Unit):
    name = "pe-array"
    Params = PeArrayParams
    summary = "systolic R x C PE array (int8 | fp16 | sc PEs; os | ws dataflow) with input skew and output de-skew"
    testbench = "schw.units.pe_array.tb"
    default_vectors = 6  # random GEMM problems on top of the corner problems

    def top(self, p):
        tag = hashlib.sha256(json.dumps(p.as_dict(), sort_keys=True).encode()).hexdigest()[:6]
        return f"pe_array_{p.pe}_{p.dataflow}_{p.R}x{p.C}_{tag}"

    def pe_module(self, p) -> str:
        return self.top(p) + "_pe"

    def component(self, p):
        """The top's interface (ports for the manifest). The Verilog comes from :meth:`emit_verilog`;
        ``PeArray(p)`` elaborated by Amaranth is an equivalent second implementation (tests)."""
        arr = rtl.PeArray(p, pe_module=self.pe_module(p))
        arr._MustUse__silence = True  # only its signature is used here
        return arr

    def top_verilog(self, p) -> str:
        """The array top (and its delay-line module) without the PE module."""
        return rtl.top_verilog(p, self.top(p), self.pe_module(p))

    def pe_verilog(self, p) -> str:
        """The PE module, emitted once by Amaranth (ports clk, rst, en, a, b, c, result)."""
        return rtl.pe_verilog(p, self.pe_module(p))

    def emit_verilog(self, p) -> str:
        """The array top from ``pe_array_<dataflow>.v.tmpl`` followed by the PE module."""
        return rtl.emit_verilog(p, self.top(p), self.pe_module(p))

    def hier_parts(self, p):
        """For hierarchical synthesis: the PE module, instantiated R x C times."""
        return [(self.pe_module(p), p.R * p.C)]

    def hier_calibration(self, p):
        """For calibrated hierarchical synthesis: the 2x2 array (at most R x C) of the same PE and dataflow."""
        return dataclasses.replace(p, rows=min(p.R, 2), cols=min(p.C, 2))

    operation_name = "one multiply-accumulate (MAC)"

    def operation(self, p):
        """Steady state: every PE does one MAC per step (an sc PE k per step of L + 1 cycles)."""
        macs_per_step = p.R * p.C * (p.inputs if p.pe == "sc" else 1)
        return {"name": self.operation_name, "cycles_per_op": p.step_cycles / macs_per_step}

    def latency_cycles(self, p):
        return timing.latency_cycles(p)

    def manifest_extra(self, p):
        return contract(p)

    def regression(self, p, sim, *, fast: bool | None = None, **kwargs):
        """``fast``: the compiled driver of :mod:`.fast` (Verilator only); ``None`` chooses it on
        Verilator for arrays of more than :data:`.fast.AUTO_FAST_PES` PEs (larger than 16 x 16)
        when no waveform or kept build is asked for, else the cocotb testbench (:mod:`.tb`)."""
        if fast is None:
            fast = (sim == "verilator" and p.R * p.C > fast_path.AUTO_FAST_PES
                    and kwargs.get("waves") is None and kwargs.get("keep") is None)
        if fast:
            return fast_path.regression(self, p, sim, **kwargs)
        return harness.regression(self, p, sim, **kwargs)
