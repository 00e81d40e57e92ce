"""cocotb testbench for the SNG units (lfsr, sobol, halton, ramp): per-cycle, no handshake.

Reads the job from ``SCHW_JOB``: ``inputs`` maps each input port (restart, step, x<c>) to one
value per clock cycle, ``outputs`` names the ports to record (code<c>, bit<c>). After a
synchronous reset it drives cycle i's inputs after falling edge i-1 and records the outputs in
the same cycle, before rising edge i (they are combinational from the state and the operands),
so output i shows position i. Writes ``outputs`` and ``vectors`` (cycles) to ``SCHW_RESULTS``.
"""

import json
import os

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, FallingEdge, ReadOnly

PERIOD_NS = 10


@cocotb.test()
async def run_cycles(dut):
    with open(os.environ["SCHW_JOB"]) as f:
        job = json.load(f)
    inputs = job["inputs"]
    names = list(inputs)
    count = len(inputs[names[0]]) if names else 0
    assert count > 0, "job has zero cycles"
    ports_in = [(getattr(dut, n), inputs[n]) for n in names]
    ports_out = [(n, getattr(dut, n)) for n in job["outputs"]]
    assert ports_out, "job names no outputs"

    Clock(dut.clk, PERIOD_NS, unit="ns").start()
    for port, _ in ports_in:
        port.value = 0
    dut.rst.value = 1
    await ClockCycles(dut.clk, 2)
    await FallingEdge(dut.clk)
    dut.rst.value = 0

    outputs = {name: [] for name, _ in ports_out}
    for i in range(count):
        for port, values in ports_in:
            port.value = int(values[i])
        await ReadOnly()
        for name, port in ports_out:
            outputs[name].append(int(port.value))
        await FallingEdge(dut.clk)

    with open(os.environ["SCHW_RESULTS"], "w") as f:
        json.dump({"outputs": outputs, "vectors": count}, f)
