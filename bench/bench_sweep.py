"""Throughput of the Dask jobs: schw sweep points per minute, sharded FP16 vectors per second.

    python bench/bench_sweep.py                   # accuracy+area sweep of sc-mul, 1 vs 2 local workers
    python bench/bench_sweep.py --processes       # the same on `dask scheduler` + `dask worker` processes
                                                  # started as the docs say (each in its own session)
    python bench/bench_sweep.py --fp16 --chunks 6 # sharded exhaustive fp16-pe: 1 vs 2 workers,
                                                  # projected to 16 and 64 workers

Prints JSON lines with stable keys. Every sweep starts from an empty point cache, so each point
is computed (Verilog generation, Yosys, golden-model accuracy); ``seconds`` is the sweep on a
running cluster (worker check, scheduling, every point, the result files), ``startup_seconds``
the local cluster's start. The FP16 figures run ``--chunks`` chunks of 2^22 vectors per op from
the middle of the range with an empty state directory (the Verilator harness build is cached, so
run once to build it first); the projection assumes each worker keeps the rate of one worker
on its own core (tasks are independent, ~2 KB of result each) and adds nothing for the build a
new worker makes once; it is given from the wall time of the one-worker run and from the CPU
seconds per chunk (worker process plus harness process), which the load of other sessions on a
shared machine does not inflate. On Linux with autogroup scheduling (the default on desktop
kernels and on this machine), CPU time is shared between sessions, not processes: while other
sessions are busy, a second worker in the same session gains little.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from schw import cluster, sweep
from schw.registry import get
from schw.units.fp16_pe import shard

SWEEP = {"width": "8", "length": "16,32,64,128,256,512,1024", "coding": "unipolar,bipolar", "sng": "lfsr,sobol"}
FULL_VECTORS = 2 * (1 << 32)


def _emit(**row):
    print(json.dumps(row), flush=True)


@contextlib.contextmanager
def process_cluster(n: int):
    """``dask scheduler`` and ``n`` ``dask worker --nworkers 1 --nthreads 1`` processes on loopback,
    each started in its own session as from its own shell; a client on them; all killed at the end."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    run = lambda *a: subprocess.Popen([sys.executable, "-m", "dask", *a], stdout=subprocess.DEVNULL,  # noqa: E731
                                      stderr=subprocess.DEVNULL, start_new_session=True)
    procs = [run("scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard")]
    try:
        procs += [run("worker", address, "--nworkers", "1", "--nthreads", "1", "--no-dashboard",
                      "--death-timeout", "30") for _ in range(n)]
        with cluster.connect(address, worker_timeout=60) as c:
            c.wait_for_workers(n, timeout=60)
            yield c
    finally:
        for p in procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGKILL)
            p.wait()


def bench_sweep(workers: list[int], processes: bool = False) -> None:
    options = sweep.Options(metrics=("accuracy", "area"))
    for n in workers:
        t0 = time.perf_counter()
        start = process_cluster(n) if processes else cluster.connect(workers=n)
        with start as c, tempfile.TemporaryDirectory(prefix="schw-bench-sweep-") as tmp:
            startup = time.perf_counter() - t0
            t1 = time.perf_counter()
            res = sweep.run("sc-mul", SWEEP, options, Path(tmp), client=c, progress=False)
            dt = time.perf_counter() - t1
        _emit(bench="sweep", cluster="processes" if processes else "local", unit="sc-mul", metrics="accuracy,area",
              workers=n, points=len(res.rows),
              computed=res.computed, failed=res.failed, seconds=round(dt, 1), startup_seconds=round(startup, 1),
              points_per_min=round(60 * len(res.rows) / dt, 1),
              point_seconds_sum=round(sum(r["seconds"] or 0 for r in res.rows), 1))


def bench_fp16(workers: list[int], chunks: int, chunk_bits: int = 22, processes: bool = False) -> None:
    p = get("fp16-pe").Params(stages=2)
    mid = (1 << (32 - chunk_bits)) // 2
    rates = {}
    for n in workers:
        start = process_cluster(n) if processes else cluster.connect(workers=n)
        with start as c, tempfile.TemporaryDirectory(prefix="schw-bench-fp16-") as tmp:
            shard.exhaustive_sharded(p, client=c, chunk_bits=chunk_bits, chunks=(0, 1), ops=("mul",),
                                     state_dir=Path(tmp) / "warm", progress=False)  # each worker: model, imports
            t0 = time.perf_counter()
            rep = shard.exhaustive_sharded(p, client=c, chunk_bits=chunk_bits, chunks=(mid, mid + chunks),
                                           state_dir=Path(tmp) / "run", progress=False)
            dt = time.perf_counter() - t0
        rates[n] = rep.vectors / dt
        cpu_rate = rep.vectors / max(rep.details["cpu_seconds"], 1e-9)
        _emit(bench="fp16_sharded", cluster="processes" if processes else "local", workers=n, vectors=rep.vectors, passed=rep.passed, chunk_bits=chunk_bits,
              seconds=round(dt, 1), vectors_per_s=round(rates[n]), task_seconds=rep.details["task_seconds"],
              harness_seconds=rep.details["harness_seconds"], golden_seconds=rep.details["golden_seconds"],
              cpu_seconds=rep.details["cpu_seconds"],
              vectors_per_cpu_s=round(rep.vectors / max(rep.details["cpu_seconds"], 1e-9)),
              full_run_hours=round(FULL_VECTORS / rates[n] / 3600, 2))
    one = rates[min(rates)] / min(rates)
    for n in (16, 64):  # from wall time with one worker, and from CPU time (a core per worker)
        _emit(bench="fp16_projection", workers=n, per_worker_vectors_per_s=round(one),
              hours=round(FULL_VECTORS / (one * n) / 3600, 3), per_core_vectors_per_s=round(cpu_rate),
              hours_per_core_rate=round(FULL_VECTORS / (cpu_rate * n) / 3600, 3),
              tasks_per_worker=round(2048 / n, 1))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workers", default="1,2", help="local worker counts to compare")
    ap.add_argument("--fp16", action="store_true", help="sharded exhaustive fp16-pe instead of the sweep")
    ap.add_argument("--chunks", type=int, default=6, help="--fp16: chunks of 2^22 vectors per op")
    ap.add_argument("--processes", action="store_true",
                    help="on dask scheduler/worker processes started as docs/sweep.md says (each its own session)")
    args = ap.parse_args()
    workers = [int(x) for x in args.workers.split(",")]
    if args.fp16:
        bench_fp16(workers, args.chunks, processes=args.processes)
    else:
        bench_sweep(workers, args.processes)


if __name__ == "__main__":
    main()
