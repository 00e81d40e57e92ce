"""schw sweep and the sharded fp16-pe --full run on a real Dask cluster: a scheduler and two
workers started as separate processes on 127.0.0.1 (random free ports, bounded waits, killed at
the end), compared with the serial result and with a local cluster; a worker killed in the
middle of a run loses no point and counts none twice; bad input exits 1 or 2."""

from __future__ import annotations

import csv
import io
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import need
from schw import cluster, sweep
from schw.cli import main
from schw.registry import get
from schw.units.fp16_pe import harness, shard

pytest.importorskip("distributed")
from distributed import Client  # noqa: E402

START_TIMEOUT = 60  # seconds for the scheduler and the workers to come up
#: the sweep of the tests: 4 points, accuracy (golden model) and area (Yosys)
SMALL = {"length": "16,64", "sng": "lfsr,sobol"}
METRICS = ("accuracy", "area")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """``dask scheduler`` and ``dask worker`` processes on loopback, each in its own process
    group so that one worker (with its nanny) can be killed outright."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.port = _free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.procs: dict[str, subprocess.Popen] = {}
        self._spawn("scheduler", ["scheduler", "--host", "127.0.0.1", "--port", str(self.port), "--no-dashboard"])

    def _spawn(self, name, args):
        log = open(self.tmp / f"{name}.log", "w")
        self.procs[name] = subprocess.Popen([sys.executable, "-m", "dask", *args], stdout=log, stderr=log,
                                            stdin=subprocess.DEVNULL, start_new_session=True, env=os.environ.copy())

    def start_worker(self, name: str) -> None:
        self._spawn(name, ["worker", self.address, "--nworkers", "1", "--nthreads", "1", "--no-dashboard",
                           "--name", name, "--death-timeout", "30"])

    def client(self, workers: int) -> Client:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                c = Client(self.address, timeout="2s", set_as_default=False)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        c.wait_for_workers(workers, timeout=START_TIMEOUT)
        return c

    def names(self, client) -> dict[str, str]:
        """worker address -> worker name"""
        return {a: w["name"] for a, w in client.scheduler_info()["workers"].items()}

    def kill(self, name: str) -> None:
        proc = self.procs.pop(name)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)

    def close(self) -> None:
        for name in list(self.procs):
            try:
                self.kill(name)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    need("yosys", "yosys-abc", "verilator")
    cl = Cluster(tmp_path_factory.mktemp("dask"))
    try:
        cl.start_worker("w1")
        cl.start_worker("w2")
        with cl.client(2):
            pass
        yield cl
    finally:
        cl.close()


def _rows(path: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text())))


def _without_seconds(path: Path) -> list[dict]:
    return [{k: v for k, v in r.items() if k != "seconds"} for r in _rows(path)]


def _serial_csv(unit_name: str, values: dict, options: sweep.Options) -> list[dict]:
    """The sweep computed point by point in this process, no Dask: the reference."""
    unit = get(unit_name)
    points, _ = sweep.plan(unit, values)
    rows = [{**p, **sweep.evaluate(unit_name, p, options)} for p in points]
    for r in rows:
        r.pop("traceback", None)
    text = sweep.csv_text(rows, sweep.columns(unit, options.metrics))
    return [{k: v for k, v in r.items() if k != "seconds"} for r in csv.DictReader(io.StringIO(text))]


def _sweep_cli(out: Path, *extra: str, values=SMALL, metrics=METRICS) -> int:
    args = ["sweep", "sc-mul", *[x for k, v in values.items() for x in (f"--{k}", v)],
            "--metrics", ",".join(metrics), "--out", str(out), "--quiet", *extra]
    return main(args)


def test_sweep_cluster_equals_serial_and_local_and_resumes(dask_cluster, tmp_path, capsys):
    """The same sweep through the scheduler and on a local cluster gives the same CSV (row order
    and values; seconds aside) as computing each point in this process; a rerun computes nothing."""
    options = sweep.Options(metrics=METRICS)
    reference = _serial_csv("sc-mul", SMALL, options)
    assert len(reference) == 4 and not any(r["error"] for r in reference)

    remote, local = tmp_path / "remote", tmp_path / "local"
    assert _sweep_cli(remote, "--scheduler", dask_cluster.address) == 0
    assert "4 computed, 0 from the cache, 0 failed" in capsys.readouterr().out
    assert _sweep_cli(local, "--workers", "2") == 0
    assert _without_seconds(remote / "results.csv") == reference
    assert _without_seconds(local / "results.csv") == reference
    head = (remote / "results.csv").read_text().splitlines()[0].split(",")
    assert head == ["width", "length", "coding", "sng", "seed", "mode", "offset", "rmse", "mae", "max_error", "bias",
                    "cases", "area_um2", "ge", "cell_count", "flip_flops", "error", "seconds"]
    for d in (remote, local):
        assert sorted(p.name for p in d.iterdir()) == ["pareto.csv", "pareto.png", "points", "results.csv",
                                                        "results.parquet", "sweep.json"]
        assert len(list((d / "points").glob("*.json"))) == 4

    import pyarrow.parquet as pq
    table = pq.read_table(remote / "results.parquet")
    assert table.column_names == head and table.num_rows == 4
    assert table.column("rmse").to_pylist() == [float(r["rmse"]) for r in reference]

    # the Pareto front: no other point is at most as large on both axes and smaller on one
    front = _rows(remote / "pareto.csv")
    allr = _rows(remote / "results.csv")
    pts = [(float(r["rmse"]), float(r["area_um2"])) for r in allr]
    for r in front:
        x, y = float(r["rmse"]), float(r["area_um2"])
        assert not any(a <= x and b <= y and (a, b) != (x, y) for a, b in pts)
    on_front = {(float(r["rmse"]), float(r["area_um2"])) for r in front}
    for x, y in set(pts) - on_front:
        assert any(a <= x and b <= y for a, b in on_front)

    # repeated: everything from the cache, same CSV
    before = (remote / "results.csv").read_text()
    assert _sweep_cli(remote, "--scheduler", dask_cluster.address) == 0
    assert "0 computed, 4 from the cache" in capsys.readouterr().out
    assert (remote / "results.csv").read_text() == before


def test_sweep_interrupted_resumes(dask_cluster, tmp_path, capsys):
    """A sweep stopped after its first point (the client goes away) leaves that point in the cache
    and no result files; the rerun computes only the rest and matches the serial result."""
    out = tmp_path / "cut"
    values = {"length": "16,32", "sng": "lfsr,sobol"}
    options = sweep.Options(metrics=("accuracy",))

    class Stop(Exception):
        pass

    def stop(i, row):
        raise Stop

    with dask_cluster.client(1) as c:
        with pytest.raises(Stop):
            sweep.run("sc-mul", values, options, out, client=c, progress=False, on_result=stop)
    assert sorted(p.name for p in out.iterdir()) == ["points"]  # nothing a resume could take as done
    assert len(list((out / "points").glob("*.json"))) == 1
    assert _sweep_cli(out, "--scheduler", dask_cluster.address, values=values, metrics=("accuracy",)) == 0
    assert "3 computed, 1 from the cache" in capsys.readouterr().out
    assert _without_seconds(out / "results.csv") == _serial_csv("sc-mul", values, options)


def test_sharded_fp16_on_cluster_equals_serial_and_resumes(dask_cluster, tmp_path):
    """A few tiny chunks of the exhaustive mul and add through the cluster: the same vectors and
    verdict as the serial harness.exhaustive; a rerun computes nothing."""
    p = get("fp16-pe").Params(stages=2)
    state = tmp_path / "state"
    with dask_cluster.client(2) as c:
        rep = shard.exhaustive_sharded(p, client=c, chunk_bits=10, chunks=(0, 3), state_dir=state, progress=False)
        print(rep.summary())
        rep.raise_if_failed()
        assert rep.vectors == 2 * 3 * 1024 and rep.details["computed_chunks"] == 6
        assert sorted(f.name for f in state.iterdir()) == sorted(f"{o}-{k}.json" for o in ("mul", "add")
                                                                  for k in range(3))
        again = shard.exhaustive_sharded(p, client=c, chunk_bits=10, chunks=(0, 3), state_dir=state, progress=False)
        assert again.passed and again.details["computed_chunks"] == 0 and again.details["resumed_chunks"] == 6
        assert again.vectors == rep.vectors
    for op in ("mul", "add"):
        serial = harness.exhaustive(op, params=p, chunk_bits=10, start=0, stop=3)
        assert serial.passed and serial.vectors == 3 * 1024
        assert rep.details["cases"][op] == serial.details["cases"][op]


def test_sharded_fp16_catches_a_bad_design(dask_cluster, tmp_path):
    """A PE with a wrong latency (3 stages checked as 2) fails every chunk on the cluster."""
    from schw.output import generate
    unit = get("fp16-pe")
    path = tmp_path / "pe3.v"
    path.write_text(generate(unit, unit.Params(stages=3)).verilog)
    with dask_cluster.client(1) as c:
        rep = shard.exhaustive_sharded(unit.Params(stages=2), rtl=[path], client=c, chunk_bits=10, chunks=(0, 1),
                                       ops=("mul",), state_dir=tmp_path / "state", progress=False)
    assert not rep.passed and not rep.latency_ok and rep.details["failed_chunks"] == [("mul", 0)]


def test_tally_missing_and_duplicated_chunks():
    def rec(op, k, checked=1024):
        return {"op": op, "chunk": k, "sent": 1024, "checked": checked, "mismatching": 0, "passed": True,
                "latency_seen": [2], "problems": [], "mismatches": [], "cases": {}}
    expected = [("mul", 0), ("mul", 1), ("add", 0), ("add", 1)]
    good = [rec(o, k) for o, k in expected]
    assert shard.tally(good, expected, 10)["problems"] == []
    t = shard.tally(good[:3], expected, 10)
    assert "chunk add 1 missing" in t["problems"] and t["vectors"] == 3 * 1024
    t = shard.tally(good + [rec("mul", 1)], expected, 10)
    assert "chunk mul 1 counted 2 times" in t["problems"]
    t = shard.tally(good[:3] + [rec("add", 1, checked=1000)], expected, 10)
    assert any("1000 vectors checked of 1024" in p for p in t["problems"])
    assert any("expected exactly 4096" in p for p in t["problems"])


def test_killed_worker_loses_nothing(tmp_path):
    """A worker killed (with its nanny) while it runs a point, and another while it runs a chunk:
    every point and chunk still comes exactly once, with the serial values."""
    need("yosys", "yosys-abc", "verilator")
    cl = Cluster(tmp_path)
    try:
        cl.start_worker("w1")
        cl.start_worker("w2")
        values = {"length": "16,32,64,128", "sng": "lfsr,sobol"}
        options = sweep.Options(metrics=METRICS)
        with cl.client(2) as c:
            killed, budget = [], [1]  # workers killed, kills allowed so far

            def kill_busy(*_):
                if len(killed) >= budget[0]:
                    return
                names = cl.names(c)
                busy = [names[a] for a, keys in c.processing().items() if keys and a in names]
                if busy:  # else try again at the next result: the kill must hit a worker with work
                    cl.kill(busy[0])
                    killed.append(busy[0])

            points = []
            res = sweep.run("sc-mul", values, options, tmp_path / "out", client=c, progress=False,
                            on_result=lambda i, row: (points.append(i), kill_busy()))
            assert killed and res.failed == 0 and res.computed == 8 and len(res.rows) == 8
            assert sorted(points) == list(range(8))  # each point exactly once
            assert len(list((tmp_path / "out" / "points").glob("*.json"))) == 8
            cl.start_worker("w3")
            c.wait_for_workers(2, timeout=START_TIMEOUT)

            p = get("fp16-pe").Params(stages=2)
            seen = []
            budget[0] = 2

            def kill_again(op, k, r):
                seen.append((op, k))
                kill_busy()

            rep = shard.exhaustive_sharded(p, client=c, chunk_bits=12, chunks=(0, 8), state_dir=tmp_path / "state",
                                           progress=False, on_result=kill_again)
            print(rep.summary())
            rep.raise_if_failed()
            assert len(killed) == 2
            assert sorted(seen) == sorted((o, k) for o in ("mul", "add") for k in range(8))  # each exactly once
            assert rep.vectors == 16 * 4096 and rep.details["computed_chunks"] == 16
        assert _without_seconds(tmp_path / "out" / "results.csv") == _serial_csv("sc-mul", values, options)
    finally:
        cl.close()


# ---- bad input --------------------------------------------------------------------------------
def test_unreachable_scheduler_exits_1_with_the_address(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT", 2)
    address = f"tcp://127.0.0.1:{_free_port()}"
    assert _sweep_cli(tmp_path / "out", "--scheduler", address, metrics=("accuracy",)) == 1
    err = capsys.readouterr().err
    assert address in err and "cannot reach the Dask scheduler" in err
    assert not any(p.is_file() for p in (tmp_path / "out").rglob("*"))
    p = get("fp16-pe").Params(stages=2)
    with pytest.raises(Exception, match="127.0.0.1"):
        shard.exhaustive_sharded(p, scheduler=address, chunk_bits=10, chunks=(0, 1), state_dir=tmp_path / "s")


@pytest.mark.parametrize("args, name", [
    (["--width", "8", "--colour", "red"], "--colour"),         # unknown parameter
    (["--length", "16,17"], "--length"),                        # a value outside the rule
    (["--length", "16", "--sng", "lfsr,halton"], "--sng"),      # a choice that does not exist
    (["--length", "16", "--metrics", "accuracy,speed"], "speed"),  # unknown metric
    (["--length", "16", "--scheduler", "nohost"], "--scheduler"),  # no port: not an address
    (["--length", "16", "--workers", "0"], "--workers"),
])
def test_bad_input_exits_2_naming_it(tmp_path, capsys, args, name):
    out = tmp_path / "out"
    assert main(["sweep", "sc-mul", *args, "--out", str(out), "--quiet"]) == 2
    captured = capsys.readouterr()
    assert name in captured.err + captured.out
    assert not any(p.is_file() for p in out.rglob("*")) if out.exists() else True


def test_full_options_need_full(capsys):
    assert main(["sim", "sc-mul", "--workers", "2"]) == 2
    assert "--workers" in capsys.readouterr().err


def test_failing_point_is_recorded_and_not_cached(tmp_path):
    """A point that raises (here: a parameter set its Params refuse) is a row with
    its error; the others are computed; only good points are cached."""
    options = sweep.Options(metrics=("accuracy",))
    unit = get("sc-mul")
    ok = sweep.evaluate("sc-mul", unit.Params(length=16).as_dict(), options)
    bad = sweep.evaluate("sc-mul", {**unit.Params(length=16).as_dict(), "width": 99}, options)
    assert ok["error"] is None and ok["rmse"] > 0
    assert bad["error"].startswith("ParamError") and "--width" in bad["error"]
    key = "k" * 64
    sweep.store(tmp_path, key, "sc-mul", {}, options, bad)
    assert sweep.load_cached(tmp_path, key) is None
    sweep.store(tmp_path, key, "sc-mul", {}, options, ok)
    assert sweep.load_cached(tmp_path, key) == ok


def test_pareto_front():
    rows = [{"rmse": 0.1, "area_um2": 10.0}, {"rmse": 0.05, "area_um2": 20.0}, {"rmse": 0.1, "area_um2": 30.0},
            {"rmse": 0.2, "area_um2": 10.0}, {"rmse": 0.01, "area_um2": 50.0}, {"rmse": None, "area_um2": 1.0},
            {"rmse": 0.001, "area_um2": 1.0, "error": "boom"}]
    front = sweep.pareto_front(rows, "rmse", "area_um2")
    assert [(r["rmse"], r["area_um2"]) for r in front] == [(0.01, 50.0), (0.05, 20.0), (0.1, 10.0)]


def test_ppa_metric_missing_exits_2(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(sweep, "ppa_flow", None)
    assert _sweep_cli(tmp_path / "out", metrics=("accuracy", "ppa")) == 2
    assert "ppa metric needs schw ppa" in capsys.readouterr().err


def test_ppa_metric(tmp_path):
    """With schw ppa present: energy, timing and area columns of one point (vectorless activity,
    so no gate-level simulation), the Pareto axis is energy, and the values are schw ppa's."""
    if not sweep.ppa_available():
        pytest.skip("schw.ppa is not part of this schw")
    need("yosys", "yosys-abc", "sta", "osu018")
    options = sweep.Options(metrics=("accuracy", "ppa"), activity="0.2")
    assert options.liberty == "osu018"
    p = get("sc-mul").Params(length=16)
    row = sweep.evaluate("sc-mul", p.as_dict(), options)
    assert row["error"] is None, row.get("traceback")
    ref = sweep.ppa_flow.ppa(get("sc-mul"), p, liberty="osu018", activity=0.2)
    for name, _ in sweep.METRIC_COLUMNS["ppa"]:
        assert row[name] == pytest.approx(ref[name]) and row[name] > 0
    assert sweep.pareto_axis(options.metrics) == ("rmse", "energy_per_op_pj")


def test_command_lists_the_metrics_of_schw_sweep():
    from schw.commands import sweep as command
    assert command.METRICS == sweep.METRICS


def test_worker_check_names_the_worker_and_the_missing_tool(dask_cluster):
    """A tool missing on the workers fails the check before anything is scheduled, one line per
    worker naming it and the tool; the tools they have come back with their versions."""
    from schw.errors import ToolError
    with dask_cluster.client(2) as c:
        env = cluster.check_workers(c, ["numpy", "yosys"])
        assert set(env["tools"]) == {"numpy", "yosys"} and len(env["workers"]) == 2
        with pytest.raises(ToolError) as e:
            cluster.check_workers(c, ["numpy", "no-such-tool"])
        addresses = list(dask_cluster.names(c))
    text = str(e.value)
    assert "nothing was scheduled" in text
    lines = text.splitlines()[1:]
    assert len(lines) == 2 and all("no-such-tool not installed" in ln for ln in lines)
    for address in addresses:
        assert any(f"worker {address}" in ln for ln in lines)
