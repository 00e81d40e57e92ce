"""The layer rules of docs/DEVELOPING.md, checked by import-linter on the installed tree:
golden models import neither Amaranth nor a generator, generators import no golden model or
harness, the CLI sits on top, and nothing imports in a circle. A broken contract fails here."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import need_module

ROOT = Path(__file__).resolve().parents[1]


def _lint_imports() -> str:
    need_module("importlinter")
    exe = shutil.which("lint-imports", path=os.path.dirname(sys.executable)) or shutil.which("lint-imports")
    assert exe, "lint-imports not found next to the test interpreter"
    return exe


def test_import_contracts_are_kept():
    proc = subprocess.run([_lint_imports(), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    declared = (ROOT / "pyproject.toml").read_text().count("[[tool.importlinter.contracts]]")
    assert declared >= 7
    assert "0 broken" in out and f"{declared} kept" in out  # every declared contract was checked


def test_a_golden_model_importing_amaranth_breaks_a_contract(tmp_path):
    """The contracts can fail: the same configuration on a copy of schw in which a golden model
    imports the gateware is reported broken."""
    copy = tmp_path / "tree"
    shutil.copytree(ROOT / "schw", copy / "schw", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    golden = copy / "schw" / "units" / "sc_mul" / "golden.py"
    golden.write_text(golden.read_text() + "\nfrom .rtl import ScMul  # noqa: E402,F401\n")
    exe = _lint_imports()
    # the copy comes first on the path, so import-linter analyses it, not the installed schw
    proc = subprocess.run([exe, "--no-cache"], cwd=copy, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(copy)})
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out
    assert "1 broken" in out and "schw.units.sc_mul.golden" in out
