"""cocotb testbench for per-cycle units without a handshake (sc-gdc, sc-gdc-array, sc-gdm, fxp-acc).

Reads the job from ``SCHW_JOB``: ``inputs`` maps each input port to one value per clock
cycle, ``outputs`` names the ports to record. After a synchronous reset it checks that every
recorded output is 0 (one that is not, or has X/Z bits, is a violation in the results), then
drives cycle i's inputs before rising edge i and records every output after that edge (the
registers' new values; ``None`` for a value with X/Z bits, a mismatch on the host). Writes
``outputs``, ``vectors`` (the number of cycles) and ``violations`` to ``SCHW_RESULTS``; the host
compares them with the golden model.
"""

import cocotb
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge

from schw.sim import tbutil


@cocotb.test()
async def run_cycles(dut):
    count, ports_in, ports_out = tbutil.cycle_ports(dut, tbutil.load_job())
    await tbutil.start_and_reset(dut, [port for port, _ in ports_in])
    violations = []
    for name, port in ports_out:
        v = tbutil.value(port)
        if v != 0:
            violations.append(f"{name} is {'X/Z' if v is None else v} after reset, expected 0")

    outputs = {name: [] for name, _ in ports_out}
    for i in range(count):
        for port, values in ports_in:
            port.value = int(values[i])
        await RisingEdge(dut.clk)
        await ReadOnly()
        for name, port in ports_out:
            outputs[name].append(tbutil.value(port))
        await FallingEdge(dut.clk)

    tbutil.write_results(outputs=outputs, vectors=count, violations=violations)
