"""cocotb testbench for units with the start/done/result handshake (sc-mul and kin).

Reads the job (input vectors per port, output ports, expected latency) from the JSON file
named by ``SCHW_JOB``; drives one run per vector, back to back or with seeded idle gaps;
records every output at ``done`` and the cycles from the edge that sampled ``start`` to the
edge after which ``done`` is high; writes them to ``SCHW_RESULTS``. The host compares against
the golden model. The testbench itself fails on protocol errors: no vectors, ``done``
longer than one cycle. A ``done`` that does not come (within the job's ``timeout_cycles``, or
2 L + 16 cycles when the latency L is known) ends the run with a ``done missing`` violation and
the outputs of the vectors finished so far. An output with X/Z bits at ``done`` is recorded as
``None`` (a mismatch on the host: ``result is X/Z at vector i``); ``done`` with X/Z bits is a
violation.

A :class:`Monitor` watches every rising edge and records violations of the handshake contract
(``schw.units.base.handshake``) in ``violations``, which fail the host's report:

* ``done`` only L edges after an accepted ``start`` (never while idle, never missing);
* every output holds its value from one ``done`` until the next ``done``;
* ``start`` while a run is under way is ignored (job ``busy_start``: ``"ignored"``, the
  default) - or, for a fully pipelined unit (``"accepted"``, int-mul), starts a run of its own.

With ``busy_start = "ignored"`` the driver pulses ``start`` once during the run of a seeded
subset of vectors (job ``busy_pulse_share``, default a quarter; listed in the results as
``busy_pulses``) with every input port inverted for that cycle, so a unit that takes the pulse
restarts (the monitor sees ``done`` L edges after the pulse) or computes with other operands
(the host sees a mismatch at that vector).
"""

import random

import cocotb
from cocotb.triggers import ClockCycles, Event, FallingEdge, ReadOnly, RisingEdge, SimTimeoutError, with_timeout

from . import tbutil
from .tbutil import PERIOD_NS

#: violations kept in the results (``violations_total`` counts them all)
KEEP_VIOLATIONS = 20


_value = tbutil.value


class Monitor:
    """Checks the handshake contract at every rising edge, from the values after the edge.

    Edges are numbered from 1 (the first edge after reset). ``start`` read after edge n is the
    value edge n sampled (the driver changes inputs at falling edges only). With latency L known,
    a start accepted at edge s is due ``done`` at edge s + L, and the unit is busy at edges
    s + 1 .. s + L (so a start in the cycle ``done`` is high, edge s + L + 1, is accepted);
    with L unknown, a run is in flight from its start to the first ``done`` after it.
    """

    def __init__(self, dut, outputs: list[str], latency: int | None, busy_start: str):
        self.dut = dut
        self.ports = [(n, getattr(dut, n)) for n in outputs]
        self.latency = latency
        self.ignore_busy = busy_start == "ignored"
        self.edge = 0
        self.vector = None  # the driver's current vector, for the messages
        self.due = {}  # done edge -> (start edge, vector) of accepted runs (latency known)
        self.inflight = []  # [(start edge, vector)] of accepted runs (latency unknown)
        self.ignored = {}  # edge + L -> (edge, vector) of starts ignored while busy (latency known)
        self.dones = []  # (edge, {output: value}) of every done
        self.done_seen = Event()
        self.held = None  # outputs at the last done: (edge, {output: value})
        self.changed = set()  # outputs already reported as not held since the last done
        self.violations = []
        self.total = 0
        self.done_x = False  # done was X/Z after the previous edge

    def violation(self, text: str) -> None:
        self.total += 1
        if len(self.violations) < KEEP_VIOLATIONS:
            self.violations.append(text)

    def _run(self, start_edge, vector) -> str:
        return f"the run started at edge {start_edge} (vector {vector})"

    async def watch(self):
        clk, start, done = self.dut.clk, self.dut.start, self.dut.done
        while True:
            await RisingEdge(clk)
            await ReadOnly()
            self.edge += 1
            d = _value(done)
            if d is None and not self.done_x:  # once per stretch of edges with done X/Z
                self.violation(f"done is X/Z after edge {self.edge}")
            self.done_x = d is None
            self.step(_value(start) == 1, d == 1, {n: _value(p) for n, p in self.ports})

    def step(self, start: bool, done: bool, values: dict) -> None:
        n, L = self.edge, self.latency
        # start sampled at this edge: the unit is busy if a run is in flight (one due at this
        # edge still counts: its last cycle)
        if start:
            busy = bool(self.due) if L is not None else bool(self.inflight)
            if busy and self.ignore_busy:
                if L is not None:
                    self.ignored[n + L] = (n, self.vector)
            elif L is not None:
                self.due[n + L] = (n, self.vector)
            else:
                self.inflight.append((n, self.vector))
        # done after this edge
        if L is not None:
            run = self.due.pop(n, None)
            pulse = self.ignored.pop(n, None)
            if done and run is None:
                if pulse is not None:
                    self.violation(f"start taken while busy: done at edge {n} came {L} edges after the start "
                                   f"pulse at edge {pulse[0]} during the run of vector {pulse[1]} (a start while "
                                   "busy must be ignored: no restart, no extra done)")
                elif self.due:
                    s, v = min(self.due.values())
                    self.violation(f"done off schedule: done at edge {n}, {n - s} edges after the start at edge "
                                   f"{s} (vector {v}); expected {L}")
                else:
                    self.violation(f"done while idle: done at edge {n} with no run in flight "
                                   f"({self._last_done()})")
            elif not done and run is not None:
                self.violation(f"done missing: no done at edge {n}, {L} edges after the start at edge {run[0]} "
                               f"(vector {run[1]})")
        elif done:
            if self.inflight:
                self.inflight.pop(0)
            else:
                self.violation(f"done while idle: done at edge {n} with no run in flight ({self._last_done()})")
        # outputs: new at done, held until the next done
        if done:
            self.dones.append((n, values))
            self.held = (n, values)
            self.changed.clear()
            self.done_seen.set()
        elif self.held is not None:
            at, held = self.held
            for name, v in values.items():
                if v != held[name] and name not in self.changed:
                    self.changed.add(name)
                    self.violation(f"result not held: {name} changed from {held[name]} to "
                                   f"{'X/Z' if v is None else v} at edge {n}, after the done at edge {at} "
                                   "and before the next done")
                elif v != held[name]:
                    self.total += 1

    def _last_done(self) -> str:
        return f"last done at edge {self.dones[-1][0]}" if self.dones else "no done before"


def _busy_edge(rng: random.Random, latency: int | None, seen: list[int]) -> int:
    """Which edge after the start (1 = the next one) the busy start pulse goes to: the second
    run edge, the last one (the edge done rises) or one in between; 2 .. the shortest latency
    seen so far when the latency is unknown."""
    last = latency if latency is not None else min(seen, default=2)
    if last < 2:
        return 1
    return rng.choice([2, last, rng.randint(2, last)])


@cocotb.test()
async def run_vectors(dut):
    job = tbutil.load_job()
    inputs, names, count = tbutil.job_inputs(job, "vectors")
    seed = job.get("seed", 0)
    latency = job.get("latency_cycles")
    timeout = int(job.get("timeout_cycles") or (2 * latency + 16 if latency is not None else 1 << 20))
    busy_start = job.get("busy_start", "ignored")
    gaps = random.Random(seed)
    pulses = random.Random(f"busy start {seed}")
    share = float(job.get("busy_pulse_share", 0.25)) if busy_start == "ignored" else 0.0
    pulsed = {i for i in range(count) if pulses.random() < share}
    if share > 0 and not pulsed:
        pulsed.add(pulses.randrange(count))
    ports = {n: getattr(dut, n) for n in names}
    masks = {n: (1 << len(p)) - 1 for n, p in ports.items()}

    await tbutil.start_and_reset(dut, [dut.start, *ports.values()])
    mon = Monitor(dut, job["outputs"], latency, busy_start)
    watcher = cocotb.start_soon(mon.watch())

    outputs = {name: [] for name in job["outputs"]}
    latencies, busy_pulses = [], []
    for i in range(count):
        if job.get("idle_gaps") and gaps.random() < 0.25:
            await ClockCycles(dut.clk, gaps.randint(1, 3), rising=False)
        for n, p in ports.items():
            p.value = int(inputs[n][i])
        dut.start.value = 1
        mon.vector = i
        start_edge, mark = mon.edge + 1, len(mon.dones)
        mon.done_seen.clear()
        await FallingEdge(dut.clk)
        dut.start.value = 0
        assert _value(dut.done) != 1, f"vector {i}: done high in the cycle after start (a pulse longer than one cycle?)"
        if i in pulsed:
            k = _busy_edge(pulses, latency, latencies)
            for _ in range(k - 1):
                await FallingEdge(dut.clk)
                if len(mon.dones) > mark:  # done came early: no longer busy
                    break
            if len(mon.dones) == mark:  # still busy: pulse start with other operands for one cycle
                busy_pulses.append(i)
                for n, p in ports.items():
                    p.value = int(inputs[n][i]) ^ masks[n]
                dut.start.value = 1
                await FallingEdge(dut.clk)
                dut.start.value = 0
                for n, p in ports.items():
                    p.value = int(inputs[n][i])
        waited = len(mon.dones) == mark
        if waited:
            try:
                await with_timeout(mon.done_seen.wait(), timeout * PERIOD_NS, "ns")
            except SimTimeoutError:
                mon.violation(f"done missing: vector {i}: no done within {timeout} cycles of its start at "
                              f"edge {start_edge}; the run stops here")
                break
        done_edge, values = mon.dones[mark]
        latencies.append(done_edge - start_edge)
        for name in outputs:
            outputs[name].append(values[name])  # None: X/Z bits, a mismatch on the host
        if waited:  # (else the driver is already at the falling edge after done)
            await FallingEdge(dut.clk)  # done is still high here: the next start goes back to back
    await RisingEdge(dut.clk)
    await ReadOnly()
    assert _value(dut.done) != 1, "done stayed high for more than one cycle"
    # idle to the end: a done now is a done while idle, a changing output one not held
    await ClockCycles(dut.clk, max(latency or 0, 16) + 4, rising=False)
    watcher.cancel()

    tbutil.write_results(outputs=outputs, latency_cycles=latencies, vectors=len(latencies),
                         violations=mon.violations, violations_total=mon.total, busy_pulses=busy_pulses)
