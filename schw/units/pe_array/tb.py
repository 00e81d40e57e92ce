"""cocotb testbench for the pe-array (``schw.units.pe_array.tb``): drives valid/ready streams,
records every output row.

Job (JSON file named by ``SCHW_JOB``): ``streams`` {name: [{port: value, ...}, ...]} where the
stream ``in`` uses ``in_valid``/``in_ready`` and ``w`` uses ``w_valid``/``w_ready``; ``gaps``
{name: [idle cycles before item i]}; ``expected_rows``; ``tail`` (cycles to keep watching after
the last expected row, to catch extra outputs); ``timeout_cycles``; ``junk`` (drive seeded random
data on the data ports while valid is low).

Results (``SCHW_RESULTS``): ``outputs`` {"out": [...], "cycle": [...]} (one entry per cycle with
``out_valid`` high; ``None`` for an ``out`` with X/Z bits, a mismatch on the host), ``accepts``
{name: [cycles]}, ``end`` (last output cycle + 1), ``vectors``, ``violations`` (``out_valid`` or
a ready with X/Z bits - read as 0 -, a run that timed out).
Cycle 0 is the first clock cycle after reset is released (:func:`schw.sim.tbutil.start_and_reset`).
"""

import random

import cocotb
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge

from schw.sim.tbutil import load_job, start_and_reset, value, write_results

HANDSHAKE = {"in": ("in_valid", "in_ready"), "w": ("w_valid", "w_ready")}


@cocotb.test()
async def run_streams(dut):
    job = load_job()
    streams = job["streams"]
    gaps = job.get("gaps") or {}
    expected = int(job["expected_rows"])
    tail = int(job.get("tail", 8))
    timeout = int(job.get("timeout_cycles") or 1 << 22)
    junk = random.Random(job.get("seed", 0)) if job.get("junk") else None
    assert expected > 0, "job expects zero output rows"

    names = [s for s in streams if streams[s]]
    ports = {s: sorted({k for item in streams[s] for k in item}) for s in names}
    widths = {k: len(getattr(dut, k)) for s in names for k in ports[s]}
    handles = {k: getattr(dut, k) for s in names for k in ports[s]}
    valid = {s: getattr(dut, HANDSHAKE[s][0]) for s in streams}
    ready = {s: getattr(dut, HANDSHAKE[s][1]) for s in streams}

    await start_and_reset(dut, zero=[*valid.values(), *handles.values()])

    idx = dict.fromkeys(names, 0)
    idle = {s: (gaps.get(s) or [0])[0] for s in names}
    accepts = {s: [] for s in names}
    outs, out_cycles = [], []
    shown, shown_valid = {}, {}
    cycle = 0
    last_out = None
    violations = []

    def bit(port, name):  # a handshake bit; X/Z is a violation and reads as 0
        v = value(port)
        if v is None:
            if len(violations) < 20:
                violations.append(f"{name} is X/Z at cycle {cycle}")
            return 0
        return v

    while True:
        # drive this cycle's inputs (we are just after a falling edge)
        presenting = {}
        for s in names:
            if idx[s] < len(streams[s]) and idle[s] <= 0:
                item = streams[s][idx[s]]
                presenting[s] = True
                for k in ports[s]:
                    v = int(item.get(k, 0))
                    if shown.get(k) != v:
                        handles[k].value = v
                        shown[k] = v
                if shown_valid.get(s) != 1:
                    valid[s].value = 1
                    shown_valid[s] = 1
            else:
                if idx[s] < len(streams[s]):
                    idle[s] -= 1
                presenting[s] = False
                if shown_valid.get(s) != 0:
                    valid[s].value = 0
                    shown_valid[s] = 0
                if junk is not None:
                    for k in ports[s]:
                        v = junk.getrandbits(widths[k])
                        handles[k].value = v
                        shown[k] = v
        await ReadOnly()
        for s in names:
            if presenting[s] and bit(ready[s], HANDSHAKE[s][1]):
                accepts[s].append(cycle)
                idx[s] += 1
                if idx[s] < len(streams[s]):
                    g = gaps.get(s)
                    idle[s] = int(g[idx[s]]) if g else 0
        if bit(dut.out_valid, "out_valid"):
            outs.append(value(dut.out))
            out_cycles.append(cycle)
            last_out = cycle
        done_in = all(idx[s] >= len(streams[s]) for s in names)
        if done_in and len(outs) >= expected and cycle >= last_out + tail:
            break
        if cycle >= timeout:
            violations.append(f"timeout after {cycle} cycles: inputs accepted {({s: idx[s] for s in names})}, "
                              f"{len(outs)} of {expected} rows out")
            break
        cycle += 1
        await RisingEdge(dut.clk)
        await FallingEdge(dut.clk)

    write_results(outputs={"out": outs, "cycle": out_cycles}, accepts=accepts,
                  end=(last_out + 1) if last_out is not None else 0, vectors=len(outs), violations=violations)
