"""What a unit is: a parameter dataclass plus generator, golden model, vectors and testbench.

A subclass sets ``name``, ``Params`` and ``summary`` and implements :meth:`component`,
:meth:`vectors` and :meth:`golden`. The verification flow (``schw sim|verify`` and the test
suite) generates vectors, asks the golden model for the expected outputs, runs the cocotb
testbench named by ``testbench`` (``tb_handshake`` and ``tb_sng`` in ``schw.sim``, or a family's
own ``schw.units.<family>.tb``) and compares exactly.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import params


class Unit:
    name: str = ""
    Params: type[params.Params]
    summary: str = ""
    #: cocotb test module that drives this unit's interface: a bare name is ``schw.sim.<name>``,
    #: a dotted name (``schw.units.fp16_pe.tb``) is used as it is
    testbench: str = "tb_handshake"
    #: default number of random vectors in a regression (corners come on top)
    default_vectors: int = 500

    # -- generation ---------------------------------------------------------------------
    def top(self, p) -> str:
        """Verilog module name (the unit name with ``_`` for ``-``); builds are cached by content."""
        return self.name.replace("-", "_")

    def component(self, p):
        """The Amaranth ``wiring.Component`` of the top (clk/rst implicit, ``sync`` domain)."""
        raise NotImplementedError

    #: optional ``emit_verilog(p) -> str``: a unit that writes its own Verilog top (e.g. from a
    #: template, as pe-array does) instead of converting ``component(p)`` with Amaranth
    emit_verilog = None
    #: optional ``regression(p, sim, *, rtl, top, seed, count, keep[, full][, waves]) -> Report``:
    #: a unit with its own driver (fast harness, tiling) replaces the generic handshake regression;
    #: it runs whatever Verilog ``rtl`` lists (at gate level: the netlist and the cell models) and
    #: writes a waveform to ``waves`` when it takes that argument
    regression = None
    #: optional ``hier_parts(p) -> [(module, count)]``: modules the generated Verilog repeats
    #: (pe-array: the PE, R*C times); ``schw synth --hier`` maps each once and counts it.
    #: optional ``hier_calibration(p) -> params``: a small instance whose flat synthesis is quick
    #: (pe-array: 2x2), on which the parts' area inside a flat design is measured
    hier_parts = None
    hier_calibration = None

    def latency_cycles(self, p) -> int | None:
        return None

    #: what one operation of the unit is, for energy per operation and throughput (``schw ppa``)
    operation_name: str = "one clock cycle"

    def operation(self, p) -> dict[str, Any]:
        """The manifest's ``operation``: its ``name`` and ``cycles_per_op``, the clock cycles one
        operation takes in steady state (a fraction when several complete per cycle)."""
        return {"name": self.operation_name, "cycles_per_op": 1}

    def manifest_extra(self, p) -> dict[str, Any]:
        """Unit-specific manifest fields: interface contract, encodings, formulas."""
        return {}

    # -- verification -------------------------------------------------------------------
    def vectors(self, p, seed: int, count: int) -> dict[str, np.ndarray]:
        """Input port values, one array per port, corners first then ``count`` seeded random."""
        raise NotImplementedError

    def golden(self, p, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Expected output port values for ``inputs`` (bit-exact)."""
        raise NotImplementedError

    #: the handshake testbench inserts seeded idle cycles between some runs (besides back-to-back starts)
    idle_gaps: bool = False

    #: what a ``start`` during a run does: ``"ignored"`` (the start/done contract of
    #: :func:`handshake`; the handshake testbench pulses start during runs and checks that nothing
    #: changes) or ``"accepted"`` (a fully pipelined unit: every start is a run of its own)
    busy_start: str = "ignored"

    def testbench_config(self, p) -> dict[str, Any]:
        """Extra settings handed to the cocotb testbench (JSON-serialisable)."""
        return {"latency_cycles": self.latency_cycles(p), "idle_gaps": self.idle_gaps, "busy_start": self.busy_start}

    # -- accuracy -------------------------------------------------------------------------
    def accuracy(self, p, lengths: list[int], seed: int = 1) -> list[dict]:
        """Error statistics from the golden model, one row per stream length: at least
        ``length``, ``mae``, ``rmse``, ``max_error``, ``bias``, ``cases``. Units without a
        statistical error leave this unimplemented (``schw accuracy`` then says so)."""
        raise NotImplementedError


class RunUnit(Unit):
    """A binary-in, binary-out unit with the start/done/result handshake whose run takes
    ``p.length`` cycles (sc-mul and the other SC units): latency L, regression through
    ``tb_handshake`` with back-to-back starts and seeded idle gaps."""

    idle_gaps = True

    def latency_cycles(self, p) -> int:
        return p.length

    def operation(self, p) -> dict[str, Any]:
        return {"name": self.operation_name, "cycles_per_op": p.length}


def handshake(result: str, latches: str = "the operands, restarts the generators",
              done_after: str = "latency_cycles (= L)") -> dict[str, str]:
    """The manifest's ``handshake`` block of a :class:`RunUnit`: ``start`` latches ``latches``,
    ``done`` pulses ``done_after`` edges after the edge that sampled it, ``result`` is ``result``
    (held until the next done), and runs may go back to back."""
    return {
        "start": f"1-cycle pulse; latches {latches}; ignored while busy",
        "done": f"1-cycle pulse {done_after} edges after the edge that sampled start",
        "result": f"{result}; held until the next done",
        "back_to_back": "start may be high in the cycle done is high",
    }
