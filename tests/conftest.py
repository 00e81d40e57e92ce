"""Shared test fixtures. Tool discovery goes through schw.tools only.

A test that needs a missing simulator or Yosys is skipped with the reason on a developer's
machine and FAILS when CI=true (a green CI must mean the tools ran).
"""

import importlib
import os

import pytest

from schw import tools

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def pytest_addoption(parser):
    parser.addoption("--runslow", action="store_true", help="also run tests marked slow (long jobs)")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--runslow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --runslow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


def need(*names: str) -> None:
    """Skip (developer) or fail (CI) unless every named tool is usable."""
    for name in names:
        tool = tools.find(name)
        if not tool.ok:
            msg = f"{name} {tool.problem}; install: {tool.hint}"
            if IN_CI:
                pytest.fail(f"CI=true and {msg}", pytrace=False)
            pytest.skip(msg)
    if "verilator" in names:
        tools.activate()


def need_module(name: str):
    """The Python module a test uses as its oracle (e.g. softfloatpy); skip (developer) or fail
    (CI) when it cannot be imported, as need() does for tools."""
    try:
        return importlib.import_module(name)
    except ImportError as e:
        msg = f"python module {name} cannot be imported ({e}); install: {tools.find(name).hint}"
        if IN_CI:
            pytest.fail(f"CI=true and {msg}", pytrace=False)
        pytest.skip(msg)


@pytest.fixture(params=tools.SIMULATORS)
def sim(request):
    """Each simulator in turn; skipped/failed through need()."""
    need("cocotb", request.param)
    return request.param


@pytest.fixture
def yosys():
    need("yosys", "yosys-abc")
