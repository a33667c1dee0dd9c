"""Every code block of README.md runs, so its examples keep working.

Blocks are run in order, in a scratch folder that links to the repository's top-level entries (so relative paths
such as ``images/cat.jpg`` work and whatever a block writes lands in the scratch folder). ``python`` blocks run in
one interpreter session (later blocks see earlier names, as in a notebook); ``bash`` blocks run with the test's
Python first on ``PATH``. A block preceded by ``<!-- readme-test: skip REASON -->`` is not run (only for blocks that
need the network, run for hours, or are this test suite itself); the reason is required and the number of such
blocks is kept small. ``<!-- readme-test: expect-fail -->`` marks a block that shows an error on purpose.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
MARK = re.compile(r"<!--\s*readme-test:\s*(skip|expect-fail)\s*(.*?)\s*-->")
FENCE = re.compile(r"^```(\w*)\s*$")
MAX_SKIPPED = 6


def blocks(text: str) -> list[dict]:
    """The fenced blocks of ``text``: ``{'lang', 'code', 'line', 'mark', 'reason'}`` (``mark`` from a comment on
    the lines just before the fence)."""
    out, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        start, lang, body = i, m.group(1), []
        i += 1
        while i < len(lines) and not lines[i].startswith("```"):
            body.append(lines[i])
            i += 1
        mark = reason = None
        for back in lines[max(0, start - 2):start][::-1]:
            mm = MARK.search(back)
            if mm:
                mark, reason = mm.group(1), mm.group(2)
                break
        out.append({"lang": lang, "code": "\n".join(body) + "\n", "line": start + 1, "mark": mark, "reason": reason})
        i += 1
    return out


def _scratch(tmp_path: Path) -> Path:
    work = tmp_path / "work"
    work.mkdir()
    for entry in ROOT.iterdir():
        if entry.name not in (".git", ".venv") and not entry.name.startswith(".pytest"):
            (work / entry.name).symlink_to(entry)
    return work


def test_readme_blocks_are_marked_sensibly() -> None:
    bs = blocks(README.read_text(encoding="utf-8"))
    assert any(b["lang"] == "python" for b in bs) and any(b["lang"] == "bash" for b in bs)
    skipped = [b for b in bs if b["mark"] == "skip"]
    assert all(b["reason"] for b in skipped), "every skipped README block needs a reason"
    assert len(skipped) <= MAX_SKIPPED, [b["line"] for b in skipped]


@pytest.mark.slow
def test_readme_code_blocks_run(tmp_path: Path) -> None:
    work = _scratch(tmp_path)
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
               PYTHONPATH=str(ROOT), MPLBACKEND="Agg")
    pending: list[dict] = []  # consecutive python blocks run as one session (later ones use earlier names)
    ran = 0

    def run(cmd: list[str], where: str, expect_fail: bool) -> None:
        r = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True, timeout=600)
        if expect_fail:
            assert r.returncode != 0, f"{where} was expected to fail"
        else:
            assert r.returncode == 0, f"{where} failed:\n{r.stdout[-2000:]}\n{r.stderr[-3000:]}"

    def flush() -> None:
        if pending:
            code = "\n".join(f"# README.md line {b['line']}\n{b['code']}" for b in pending)
            where = "README.md python block(s) at line(s) " + ", ".join(str(b["line"]) for b in pending)
            run([sys.executable, "-c", code], where, any(b["mark"] == "expect-fail" for b in pending))
            pending.clear()

    for b in blocks(README.read_text(encoding="utf-8")):
        if b["mark"] == "skip" or b["lang"] not in ("python", "bash", "sh"):
            continue  # skipped with a reason, or plain text such as example output
        ran += 1
        if b["lang"] == "python":
            pending.append(b)
            continue
        flush()
        run(["bash", "-euo", "pipefail", "-c", b["code"]], f"README.md bash block at line {b['line']}",
            b["mark"] == "expect-fail")
    flush()
    assert ran >= 3
