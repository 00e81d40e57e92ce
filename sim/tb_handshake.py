"""cocotb testbench for units with the start/done/result handshake (sc-mul and kin).

Reads the job (input vectors per port, output ports, expected latency) from the JSON file
named by ``SCHW_JOB``; drives one run per vector, back to back or with seeded idle gaps;
records every output and the cycles from the edge that sampled ``start`` to the edge after
which ``done`` is high; writes them to ``SCHW_RESULTS``. The host compares against the golden
model. The testbench itself fails on protocol errors: no vectors, ``done`` that never comes,
``done`` longer than one cycle.
"""

import random

import cocotb
from cocotb.triggers import ClockCycles, FallingEdge, ReadOnly, RisingEdge, SimTimeoutError, with_timeout
from cocotb.utils import get_sim_time

from . import tbutil
from .tbutil import PERIOD_NS


@cocotb.test()
async def run_vectors(dut):
    job = tbutil.load_job()
    inputs, names, count = tbutil.job_inputs(job, "vectors")
    timeout = int(job.get("timeout_cycles") or 1 << 20)
    gaps = random.Random(job.get("seed", 0))

    await tbutil.start_and_reset(dut, [dut.start, *(getattr(dut, n) for n in names)])

    outputs = {name: [] for name in job["outputs"]}
    latencies = []
    for i in range(count):
        if job.get("idle_gaps") and gaps.random() < 0.25:
            await ClockCycles(dut.clk, gaps.randint(1, 3), rising=False)
        for n in names:
            getattr(dut, n).value = int(inputs[n][i])
        dut.start.value = 1
        await RisingEdge(dut.clk)
        t0 = get_sim_time("ns")
        await FallingEdge(dut.clk)
        dut.start.value = 0
        assert int(dut.done.value) == 0, f"vector {i}: done high in the cycle after start (a pulse longer than one cycle?)"
        try:
            await with_timeout(RisingEdge(dut.done), timeout * PERIOD_NS, "ns")
        except SimTimeoutError:
            raise AssertionError(f"vector {i}: done did not come within {timeout} cycles") from None
        await ReadOnly()
        latencies.append(round((get_sim_time("ns") - t0) / PERIOD_NS))
        for name in outputs:
            outputs[name].append(int(getattr(dut, name).value))
        await FallingEdge(dut.clk)  # done is still high here: the next start goes back to back
    await RisingEdge(dut.clk)
    await ReadOnly()
    assert int(dut.done.value) == 0, "done stayed high for more than one cycle"

    tbutil.write_results(outputs=outputs, latency_cycles=latencies, vectors=count)
