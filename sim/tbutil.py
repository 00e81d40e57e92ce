"""What the cocotb testbenches share: the job file, clock and reset, the results file.

The host (:func:`schw.sim.runner.run`) writes the job as JSON to the file named by ``SCHW_JOB``
and reads the results from the file named by ``SCHW_RESULTS``. Every testbench clocks ``clk``
with :data:`PERIOD_NS` and starts with a synchronous reset on ``rst``.

Outputs are read with :func:`value`: a value with X or Z bits (a 4-state simulator, e.g. an
unreset register in a gate-level netlist on Icarus) is recorded as ``None`` (JSON ``null``),
which the host reports as a mismatch (``result is X/Z at vector 17``), never as a number and
never as a crash of the testbench.
"""

import json
import os

from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, FallingEdge

PERIOD_NS = 10


def value(port) -> int | None:
    """The port's value as an int, or None while it has X or Z bits."""
    try:
        return int(port.value)
    except ValueError:
        return None


def load_job() -> dict:
    with open(os.environ["SCHW_JOB"]) as f:
        return json.load(f)


def job_inputs(job: dict, what: str) -> tuple[dict, list[str], int]:
    """The job's ``inputs`` (port name -> one value per vector or cycle), the port names and the
    number of values per port; fails the test when there are none ("job has zero <what>")."""
    inputs = job["inputs"]
    names = list(inputs)
    count = len(inputs[names[0]]) if names else 0
    assert count > 0, f"job has zero {what}"
    return inputs, names, count


def cycle_ports(dut, job: dict) -> tuple[int, list, list]:
    """For the per-cycle testbenches: the number of cycles, ``(port, values)`` per input port and
    ``(name, port)`` per output port the job names."""
    inputs, names, count = job_inputs(job, "cycles")
    ports_in = [(getattr(dut, n), inputs[n]) for n in names]
    ports_out = [(n, getattr(dut, n)) for n in job["outputs"]]
    return count, ports_in, ports_out


async def start_and_reset(dut, zero=()) -> None:
    """Start the clock, drive every port in ``zero`` to 0 and hold ``rst`` high for two rising
    edges; returns after the next falling edge with ``rst`` low (the first cycle after reset)."""
    Clock(dut.clk, PERIOD_NS, unit="ns").start()
    for port in zero:
        port.value = 0
    dut.rst.value = 1
    await ClockCycles(dut.clk, 2)
    await FallingEdge(dut.clk)
    dut.rst.value = 0


def write_results(**results) -> None:
    with open(os.environ["SCHW_RESULTS"], "w") as f:
        json.dump(results, f)
