"""cocotb testbench for fp16-pe (valid-in/valid-out pipeline, one operation per cycle).

Reads the job from ``SCHW_JOB``: ``inputs`` (op, rm, a, b, c per vector), ``latency_cycles``
(S), ``bubbles`` (probability of 1-3 idle cycles before a vector, with random data on the
inputs), ``reset_before`` (vector indices before which ``rst`` is pulsed for 1-2 cycles while
the pipeline still holds earlier vectors) and ``seed``. Drives one line per cycle: op and rm
change every cycle. Samples the outputs every cycle just before the rising edge; a vector that
went in in cycle t must come out in cycle t+S, unless a reset edge came while it was in flight
(it is then dropped: "killed"). Outputs are matched to vectors in order.

Writes ``SCHW_RESULTS``: ``outputs`` {result, flags} per vector (-1 for killed vectors,
``None`` for a value with X/Z bits: a mismatch on the host), ``killed`` (indices),
``latency_cycles`` (per delivered vector), ``vectors`` (delivered count), ``violations``
of the protocol: ``out_valid`` with X/Z bits (read as 0), ``out_valid`` with nothing in flight,
vectors that never come out (their outputs stay -1: mismatches on the host).
"""

import random
from collections import deque

import cocotb
from cocotb.triggers import FallingEdge, ReadOnly

from schw.sim import tbutil

PORTS = ("op", "rm", "a", "b", "c")


@cocotb.test()
async def run_vectors(dut):
    job = tbutil.load_job()
    inputs = job["inputs"]
    count = len(inputs["op"])
    assert count > 0, "job has zero vectors"
    lat = int(job.get("latency_cycles") or 0)
    bubbles = float(job.get("bubbles", 0.0))
    reset_before = set(int(i) for i in job.get("reset_before", []))
    rng = random.Random(job.get("seed", 0))
    cwidth = len(dut.c)

    await tbutil.start_and_reset(dut, [dut.in_valid, *(getattr(dut, n) for n in PORTS)])

    results = {"result": [-1] * count, "flags": [-1] * count}
    killed, latencies, violations = [], [], []
    pending = deque()  # (vector index, cycle it went in)
    cycle = 0
    i = 0
    resets_done = set()
    plan = deque()  # what to drive in the next cycles: ("rst",), ("idle",), ("vec", i)
    idle_tail = 0
    while i < count or plan or pending:
        if not plan:
            if i < count:
                if i in reset_before and i not in resets_done:
                    resets_done.add(i)
                    plan.extend([("rst",)] * rng.randint(1, 2))
                if bubbles and rng.random() < bubbles:
                    plan.extend([("idle",)] * rng.randint(1, 3))
                plan.append(("vec", i))
                i += 1
            else:
                plan.append(("idle",))
                idle_tail += 1
                if idle_tail > lat + 4:
                    violations.append(f"vectors {[v for v, _ in pending]} never came out (latency {lat})")
                    break
        what = plan.popleft()
        # drive this cycle (random data when not valid: the PE must ignore it)
        dut.rst.value = 1 if what[0] == "rst" else 0
        if what[0] == "vec":
            v = what[1]
            for n in PORTS:
                getattr(dut, n).value = int(inputs[n][v])
            dut.in_valid.value = 1
        else:
            dut.op.value = rng.getrandbits(3)
            dut.rm.value = rng.getrandbits(3)
            dut.a.value = rng.getrandbits(16)
            dut.b.value = rng.getrandbits(16)
            dut.c.value = rng.getrandbits(cwidth)
            dut.in_valid.value = 0
        await ReadOnly()
        valid = tbutil.value(dut.out_valid)
        if valid is None and len(violations) < 20:
            violations.append(f"out_valid is X/Z at cycle {cycle}")
        if valid and not (pending or (lat == 0 and what[0] == "vec")):
            violations.append(f"cycle {cycle}: out_valid high with nothing in flight")
        elif valid:
            if lat == 0 and what[0] == "vec":
                pending.append((what[1], cycle))
            v, t_in = pending.popleft()
            results["result"][v] = tbutil.value(dut.result)  # None: X/Z bits
            results["flags"][v] = tbutil.value(dut.flags)
            latencies.append(cycle - t_in)
        elif lat == 0 and what[0] == "vec":
            violations.append(f"vector {what[1]}: out_valid low in the cycle it went in (latency 0)")
        if what[0] == "vec" and lat > 0:
            pending.append((what[1], cycle))
        if what[0] == "rst":  # the reset edge at the end of this cycle drops everything in flight
            killed.extend(v for v, _ in pending)
            pending.clear()
        await FallingEdge(dut.clk)
        cycle += 1

    tbutil.write_results(outputs=results, killed=sorted(killed), latency_cycles=latencies,
                         vectors=count - len(killed), violations=violations)
