"""examples/quickstart.ipynb, executed with nbclient on a real ipykernel kernel; its outputs are checked.

Cells tagged ``needs-modes`` use the issue-10 modes (sampling knobs, sequences, prompts); without them in
``Storyteller.tell`` those cells are left out and their checks skip, the rest still runs and is checked."""
from __future__ import annotations

import html
import inspect
import json
import os
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="pip install -e .[test] (nbformat, nbclient, ipykernel)")
nbclient = pytest.importorskip("nbclient", reason="pip install -e .[test] (nbformat, nbclient, ipykernel)")
pytest.importorskip("ipykernel", reason="pip install -e .[test] (nbformat, nbclient, ipykernel)")

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "examples" / "quickstart.ipynb"
SAMPLES = json.loads((REPO / "tests" / "data" / "sample_outputs.json").read_text(encoding="utf-8"))


def missing_modes() -> str | None:
    """Why the ``needs-modes`` cells cannot run here, or None when Storyteller.tell has every mode they use."""
    from storyteller import pipeline

    params = inspect.signature(pipeline.Storyteller.tell).parameters
    absent = [p for p in ("prompt", "next_passage") if p not in params]  # (with them: every generation knob)
    return f"Storyteller.tell lacks {', '.join(absent)} (issue 10 modes, merged separately)" if absent else None


@pytest.fixture(scope="module")
def executed():
    """``(cells by source start, skip reason)``: the notebook run once in examples/, as a user runs it."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    reason = missing_modes()
    if reason:
        nb.cells = [c for c in nb.cells if "needs-modes" not in c.metadata.get("tags", [])]
    # the kernel imports this tree, and runs torch on one thread like the test process (conftest): on a shared
    # machine two OpenMP threads per process can make it several times slower
    env = dict(os.environ, OMP_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH", "")])))
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute(env=env)
    if os.environ.get("STORYTELLER_NOTEBOOK_TIMES"):  # how long each cell took
        from datetime import datetime

        for c in nb.cells:
            ex = c.metadata.get("execution", {})
            if ex:
                t0, t1 = (datetime.fromisoformat(ex[k].replace("Z", "+00:00")) for k in
                          ("iopub.execute_input", "shell.execute_reply"))
                print(f"{(t1 - t0).total_seconds():6.1f} s  {c.source.splitlines()[0]}")
    return [c for c in nb.cells if c.cell_type == "code"], reason


def cell(cells, start: str):
    found = [c for c in cells if c.source.startswith(start)]
    if not found:
        pytest.skip(f"cell {start!r} not run")
    return found[0]


def texts(c, kind: str | None = None) -> list[str]:
    out = []
    for o in c.outputs:
        if o.output_type == "stream" and kind in (None, "stream"):
            out.append(o.text)
        elif o.output_type in ("execute_result", "display_data") and kind in (None, o.output_type):
            out.extend(str(v) for v in o.data.values())
    return out


def test_no_warning_and_no_error_in_any_output(executed):
    cells, _ = executed
    for c in cells:
        for o in c.outputs:
            assert o.output_type != "error", o
            assert "IProgress not found" not in "".join(texts(c)), c.source
            if o.output_type == "stream":
                assert o.name == "stdout", (c.source, o.text)  # nothing on stderr: no warnings, no progress bars


def test_story_rich_output_shows_the_image_captions_and_story(executed):
    from storyteller.pipeline import Story

    if not hasattr(Story, "_repr_html_"):
        pytest.skip("Story has no _repr_html_ yet (issue 10 modes, merged separately)")
    cells, _ = executed
    c = cell(cells, "story = teller.tell")
    result, = [o for o in c.outputs if o.output_type == "execute_result"]
    page = result.data["text/html"]
    assert "<img" in page and "base64," in page
    near = SAMPLES["images"]["cat.jpg"]["stdout"].split("NEAREST-CAPTIONS: \n", 1)[1].split("\n\n", 1)[0].split("\n")
    for caption in near:  # the five nearest captions do not depend on the beam width
        assert caption in html.unescape(page)


def test_story_captions_have_scores(executed):
    cells, _ = executed
    c = cell(cells, "story.captions[:3]")
    near = SAMPLES["images"]["cat.jpg"]["stdout"].split("NEAREST-CAPTIONS: \n", 1)[1].split("\n")[:3]
    shown = texts(c, "execute_result")[0]
    for caption in near:
        assert repr(caption) in shown
    assert shown.count("0.") >= 3  # a cosine score beside each


def test_the_original_api_prints_once_and_exactly(executed):
    cells, _ = executed
    c = cell(cells, "from storyteller import generate")
    # printed once (the kernel may send it in pieces), the returned text not displayed again
    assert {(o.output_type, o.get("name")) for o in c.outputs} == {("stream", "stdout")}
    assert "".join(o.text for o in c.outputs) == SAMPLES["images"]["cat.jpg"]["stdout"]


def test_three_sampled_stories(executed):
    cells, reason = executed
    if reason:
        pytest.skip(reason)
    out = "".join(texts(cell(cells, "for seed in"), "stream"))
    stories = [s for s in out.split("\n\n") if s.strip()]
    assert [s.split(":", 1)[0] for s in stories] == ["seed 1", "seed 2", "seed 3"]
    assert len({s.split(":", 1)[1] for s in stories}) == 3


def test_sequence_has_one_passage_per_image(executed):
    cells, reason = executed
    if reason:
        pytest.skip(reason)
    out = "".join(texts(cell(cells, "sequence = teller.tell"), "stream"))
    passages = [s for s in out.split("\n\n") if s.strip()]
    assert [p.split("]", 1)[0] for p in passages] == ["[cat", "[pizza"]
    assert all(len(p.split("]", 1)[1].split()) > 3 for p in passages)


def test_prompt_starts_the_story(executed):
    cells, reason = executed
    if reason:
        pytest.skip(reason)
    shown = texts(cell(cells, "opened = teller.tell"), "execute_result")[0]
    assert shown.startswith("'She opened the door")
