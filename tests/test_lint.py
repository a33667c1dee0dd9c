"""The linters CI runs: ``ruff check`` on the repository and ``mypy`` on the package (settings in pyproject.toml).

Both run in subprocesses from the repository root, as a developer would run them; their output is shown when they
fail. mypy keeps its incremental cache in ``.mypy_cache`` (ignored by git), so a repeated run takes seconds.
"""
from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run_tool(module: str, *args: str) -> None:
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} is not installed (pip install -e '.[test]' installs it)")
    proc = subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, (f"{module} {' '.join(args)} found problems (exit {proc.returncode}):\n"
                                  f"{proc.stdout}{proc.stderr}")


def test_ruff_check_passes():
    _run_tool("ruff", "check", "--no-fix", ".")


def test_mypy_passes_on_the_package():
    _run_tool("mypy")
