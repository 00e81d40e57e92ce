"""Runner glue: build a design once per (simulator, configuration), run a cocotb testbench on it.

Builds are cached under ``$SCHW_CACHE`` (default ``~/.cache/schw``) in a directory named by the
simulator and a hash of the sources, the top name and the tool versions, so a second
regression of the same configuration costs no build. A file lock makes parallel test workers
share one build. The testbench reads its job from a JSON file and writes its results to
another; this module returns the parsed results or raises :class:`~schw.errors.ToolError`.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from schw import tools
from schw.errors import ToolError

TIMESCALE = ("1ns", "1ps")
STAMP = "schw-build.ok"


def cache_root() -> Path:
    root = Path(os.environ.get("SCHW_CACHE", Path.home() / ".cache" / "schw"))
    root.mkdir(parents=True, exist_ok=True)
    return root


@contextlib.contextmanager
def build_slot(kind: str, sim: str, top: str, parts: list[bytes]):
    """The one build cache: a directory ``$SCHW_CACHE/<kind>/<sim>-<top>-<hash of parts>`` held
    under an exclusive file lock (parallel test workers share one build). Yields
    ``(directory, done)``; ``done`` is true when a finished build is there. The caller builds
    when it is not and calls :func:`mark_built` once the build succeeded."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part)
        h.update(b"\0")
    d = cache_root() / kind / f"{sim}-{top}-{h.hexdigest()[:20]}"
    d.mkdir(parents=True, exist_ok=True)
    with open(d / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield d, (d / STAMP).exists()


def mark_built(d: Path) -> None:
    (d / STAMP).write_text("ok\n")


def _build_parts(sim: str, sources: list[Path], top: str, extra_args: list[str]) -> list[bytes]:
    return [f"{sim}\0{top}\0{tools.find(sim).version}\0{tools.find('cocotb').version}".encode(),
            "\0".join(extra_args).encode(), *(Path(src).read_bytes() for src in sources)]


def _tail(path: Path, lines: int = 25) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _public_top(build_dir: Path, top: str) -> Path:
    """A Verilator control file that makes only the top module's signals visible to VPI.

    cocotb's runner passes ``--public-flat-rw``, which makes every signal of every instance
    public: Verilator then keeps the whole hierarchy un-inlined and un-optimized, and an 8x8
    FP16 array became hundreds of MB of C++ that took many minutes to compile. The testbenches
    touch only top-level ports, so ``--no-public-flat-rw`` (in the build key) plus this file
    gives them what they need at a fraction of the cost.
    """
    vlt = build_dir / "public_top.vlt"
    vlt.write_text(f'`verilator_config\npublic_flat_rw -module "{top}" -var "*"\n')
    return vlt


def build(sim: str, sources: list[Path], top: str, build_args: list[str] | None = None):
    """Build (or reuse) a simulation of ``top``; returns (runner, build_dir)."""
    tools.require_simulator(sim)
    from cocotb_tools.runner import get_runner

    build_args = list(build_args or [])
    if sim == "verilator":
        build_args = ["-Wno-fatal", "-O2", "--no-public-flat-rw", *build_args]
    runner = get_runner(sim)
    with build_slot("builds", sim, top, _build_parts(sim, sources, top, build_args)) as (build_dir, done):
        if not done:
            log = build_dir / "build.log"
            if sim == "verilator":
                build_args.append(str(_public_top(build_dir, top)))
            try:
                runner.build(
                    sources=[str(s) for s in sources],
                    hdl_toplevel=top,
                    build_dir=str(build_dir),
                    build_args=build_args,
                    timescale=TIMESCALE,
                    always=True,
                    log_file=str(log),
                )
            except (SystemExit, Exception) as e:  # the runner exits or raises on a failed compile
                raise ToolError(f"{sim} failed to build {top}:\n{_tail(log)}") from e
            mark_built(build_dir)
    return runner, build_dir


def run(sim: str, sources: list[Path], top: str, test_module: str, job: dict,
        build_args: list[str] | None = None, keep: Path | None = None) -> dict:
    """Run the cocotb test module ``test_module`` against ``top`` with ``job``; returns the
    testbench's results. A dotted name (``schw.units.fp16_pe.tb``) is used as it is; a bare name
    (``tb_handshake``) means ``schw.sim.<test_module>``.

    ``keep``: a directory to keep the job, results and simulator log in (default: a temporary
    directory removed afterwards).
    """
    runner, build_dir = build(sim, sources, top, build_args)
    module = test_module if "." in test_module else f"schw.sim.{test_module}"
    work = Path(keep) if keep else Path(tempfile.mkdtemp(prefix=f"schw-{sim}-"))
    work.mkdir(parents=True, exist_ok=True)
    job_file, results_file, log = work / "job.json", work / "results.json", work / "sim.log"
    job_file.write_text(json.dumps(job))
    with contextlib.suppress(FileNotFoundError):
        results_file.unlink()
    try:
        try:
            runner.test(
                test_module=module,
                hdl_toplevel=top,
                hdl_toplevel_lang="verilog",
                build_dir=str(build_dir),
                test_dir=str(work),
                extra_env={"SCHW_JOB": str(job_file), "SCHW_RESULTS": str(results_file),
                           "PYTHONWARNINGS": "ignore"},
                results_xml=str(work / "results.xml"),
                timescale=TIMESCALE,
                log_file=str(log),
            )
        except SystemExit as e:
            raise ToolError(f"{sim} simulation of {top} failed (exit {e.code}):\n{_tail(log)}") from None
        if not results_file.exists():
            raise ToolError(f"{sim} simulation of {top} wrote no results; the testbench failed:\n{_tail(log)}")
        from cocotb_tools.runner import get_results
        tests, failed = get_results(work / "results.xml")
        if failed or not tests:
            raise ToolError(f"{sim}: testbench {test_module} failed on {top}:\n{_tail(log)}")
        return json.loads(results_file.read_text())
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
