"""cocotb testbench for per-cycle units without a handshake (sc-gdc, sc-gdc-array, sc-gdm, fxp-acc).

Reads the job from ``SCHW_JOB``: ``inputs`` maps each input port to one value per clock
cycle, ``outputs`` names the ports to record. After a synchronous reset it checks that every
recorded output is 0, then drives cycle i's inputs before rising edge i and records every
output after that edge (the registers' new values). Writes ``outputs`` and ``vectors`` (the
number of cycles) to ``SCHW_RESULTS``; the host compares them with the golden model.
"""

import json
import os

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, FallingEdge, ReadOnly, RisingEdge

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

    Clock(dut.clk, PERIOD_NS, unit="ns").start()
    for port, _ in ports_in:
        port.value = 0
    dut.rst.value = 1
    await ClockCycles(dut.clk, 2)
    await FallingEdge(dut.clk)
    dut.rst.value = 0
    for name, port in ports_out:
        assert int(port.value) == 0, f"{name} is {int(port.value)} after reset, expected 0"

    outputs = {name: [] for name, _ in ports_out}
    for i in range(count):
        for port, values in ports_in:
            port.value = int(values[i])
        await RisingEdge(dut.clk)
        await ReadOnly()
        for name, port in ports_out:
            outputs[name].append(int(port.value))
        await FallingEdge(dut.clk)

    with open(os.environ["SCHW_RESULTS"], "w") as f:
        json.dump({"outputs": outputs, "vectors": count}, f)
