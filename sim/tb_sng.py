"""cocotb testbench for the SNG units (lfsr, sobol, halton, ramp): per-cycle, no handshake.

Reads the job from ``SCHW_JOB``: ``inputs`` maps each input port (restart, step, x<c>) to one
value per clock cycle, ``outputs`` names the ports to record (code<c>, bit<c>). After a
synchronous reset it drives cycle i's inputs after falling edge i-1 and records the outputs in
the same cycle, before rising edge i (they are combinational from the state and the operands),
so output i shows position i. Writes ``outputs`` and ``vectors`` (cycles) to ``SCHW_RESULTS``;
an output with X/Z bits is recorded as ``None`` (a mismatch on the host).
"""

import cocotb
from cocotb.triggers import FallingEdge, ReadOnly

from . import tbutil


@cocotb.test()
async def run_cycles(dut):
    count, ports_in, ports_out = tbutil.cycle_ports(dut, tbutil.load_job())
    assert ports_out, "job names no outputs"
    await tbutil.start_and_reset(dut, [port for port, _ in ports_in])

    outputs = {name: [] for name, _ in ports_out}
    for i in range(count):
        for port, values in ports_in:
            port.value = int(values[i])
        await ReadOnly()
        for name, port in ports_out:
            outputs[name].append(tbutil.value(port))
        await FallingEdge(dut.clk)

    tbutil.write_results(outputs=outputs, vectors=count)
