"""Teacher passages: the cleaning rules on hand-made answers and on the committed data."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from storyteller.errors import InputError
from storyteller.train.teacher import clean, read_passages, tokenised

ROOT = Path(__file__).resolve().parents[1]
STORY = ("The cat slept in the basket by the fire, and nobody in the house dared to move it. "
         "Mrs. Bennet declared that it was the handsomest cat in the county, and the girls agreed with her "
         "at once, for the evening was cold and the fire was warm.")


def test_clean_keeps_the_story_and_drops_preambles_meta_and_a_cut_sentence():
    raw = f"Here is the passage:\n\n**{STORY}**\n\nThis passage shows the cat's importance.\n\nShe rose and went"
    assert clean(raw) == STORY
    assert clean(f"Sure! Here's a possible example:\n{STORY}") == STORY
    assert clean(f'"{STORY}"') == STORY


def test_clean_refuses_short_or_empty_answers():
    assert clean("The cat slept.") is None
    assert clean("") is None
    assert clean(STORY.replace(".", ",")) is None          # never ends a sentence
    with pytest.raises(InputError, match="string"):
        clean(None)


def test_read_passages_names_a_bad_line(tmp_path):
    f = tmp_path / "p.jsonl"
    f.write_text(json.dumps({"id": "cat#0", "raw": STORY}) + "\n" + json.dumps({"id": "x", "raw": "Short."}) + "\n")
    recs = read_passages(f)
    assert [r["id"] for r in recs] == ["cat#0"] and recs[0]["text"] == STORY
    assert tokenised([STORY])[0][0][:3] == ["The", "cat", "slept"]
    f.write_text(json.dumps({"id": "cat#0"}) + "\n")
    with pytest.raises(InputError, match=r"p\.jsonl, line 1"):
        read_passages(f)
    f.write_text(json.dumps({"id": "cat#0", "raw": None}) + "\n")
    with pytest.raises(InputError, match=r"p\.jsonl, line 1"):
        read_passages(f)
    for bad in (tmp_path / "nosuch.jsonl", tmp_path):
        with pytest.raises(InputError, match="cannot be read"):
            read_passages(bad)
    f.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(InputError, match="UTF-8"):
        read_passages(f)
    with pytest.raises(InputError, match="list of passages"):
        tokenised(STORY)
    with pytest.raises(InputError, match="passage 0 is NoneType"):
        tokenised([None])


def test_committed_teacher_passages_are_mostly_usable():
    f = ROOT / "data" / "teacher" / "passages.jsonl"
    if not f.is_file():
        pytest.skip("data/teacher/passages.jsonl not generated yet")
    n = sum(1 for line in f.read_text(encoding="utf-8").splitlines() if line.strip())
    recs = read_passages(f)
    assert len(recs) >= 0.8 * n
    # the passages are about their subject: many name a noun of their caption group (8 of 12 in a trial)
    groups = json.loads((ROOT / "data" / "captions" / "groups.json").read_text())
    nouns = {g["name"]: g["nouns"] for g in (groups.get("groups", groups) if isinstance(groups, dict) else groups)}
    named = sum(any(re.search(rf"\b{re.escape(n)}\b", r["text"].lower()) for n in nouns.get(r["group"], []))
                for r in recs)
    assert named >= 0.4 * len(recs), (named, len(recs))


def _script():
    import importlib.util
    spec = importlib.util.spec_from_file_location("teacher_passages", ROOT / "scripts" / "teacher_passages.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _rec(i):
    return json.dumps({"id": f"cat#{i}", "group": "cat", "captions": ["A cat"], "style": "s", "seed": 0,
                       "raw": STORY})


def test_done_ids_keeps_a_complete_last_record_and_drops_only_a_cut_one(tmp_path, capsys):
    tp = _script()
    f = tmp_path / "p.jsonl"
    f.write_text(_rec(0) + "\n" + _rec(1))                 # complete last record, newline missing
    assert tp.done_ids(f) == {"cat#0", "cat#1"} and f.read_text().endswith("\n")
    f.write_text(_rec(0) + "\n" + _rec(1)[:40])             # a crash cut the last record
    assert tp.done_ids(f) == {"cat#0"} and f.read_text() == _rec(0) + "\n"
    assert "half-written" in capsys.readouterr().err


def test_done_ids_refuses_a_file_that_is_not_teacher_output(tmp_path):
    tp = _script()
    f = tmp_path / "other.txt"
    f.write_text("some notes\nmore notes")
    with pytest.raises(InputError, match=r"other\.txt, line 1: not a teacher passage"):
        tp.done_ids(f)
    assert f.read_text() == "some notes\nmore notes"      # left as it was
    with pytest.raises(InputError, match="not a file"):
        tp.done_ids(tmp_path)


@pytest.mark.parametrize("content,match", [("not json\n", "line 1: not JSON"), ("[1, 2]\n", "line 1: a plan"),
                                           ('{"id": "x"}\n', "needs the keys"), (b"\xff\xfe\n", "UTF-8")])
def test_bad_plan_files_give_one_line(tmp_path, content, match):
    tp = _script()
    f = tmp_path / "plan.jsonl"
    f.write_bytes(content.encode() if isinstance(content, str) else content)
    with pytest.raises(InputError, match=match):
        tp.load_plan(f)


def test_teacher_script_cli_errors_are_one_line_and_leave_nothing(tmp_path):
    import subprocess
    import sys
    script = str(ROOT / "scripts" / "teacher_passages.py")
    pool = tmp_path / "pool.jsonl"
    pool.write_text('{"caption": "A cat", "group": "cat"}\n{"caption": "x"}\n')
    (tmp_path / "plandir").mkdir()
    cases = [["--pool", str(pool), "--plan", str(tmp_path / "p.jsonl")],        # a record without 'group'
             ["--pool", str(tmp_path / "nosuch.jsonl"), "--plan", str(tmp_path / "p.jsonl")],
             ["--batch", "0"],
             ["--plan", str(tmp_path / "plandir")]]
    for args in cases:
        r = subprocess.run([sys.executable, script, *args, "--out", str(tmp_path / "out.jsonl"), "--limit", "0"],
                           capture_output=True, text=True, timeout=120)
        lines = r.stderr.strip().splitlines()
        assert r.returncode != 0 and "Traceback" not in r.stderr, (args, r.stderr)
        assert lines[-1].startswith(("teacher_passages: ", "teacher_passages.py: error: ")), (args, r.stderr)
        assert sum(not ln.startswith(" ") and not ln.startswith("usage") for ln in lines) == 1, (args, r.stderr)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plandir", "pool.jsonl"]
    assert not list((tmp_path / "plandir").iterdir())


def test_coverage_order_writes_the_least_covered_subjects_first():
    tp = _script()
    chunks = {0: [{"id": "cat#0", "group": "cat"}, {"id": "dog#0", "group": "dog"}],
              1: [{"id": "cat#1", "group": "cat"}, {"id": "dog#1", "group": "dog"}],
              2: [{"id": "owl#0", "group": "owl"}],           # a group a --extend added
              3: [{"id": "cat#2", "group": "cat"}, {"id": "owl#1", "group": "owl"}]}
    have = {"cat#0", "dog#0"}
    assert tp.coverage_order([1, 2, 3], chunks, have) == [2, 3, 1]
    assert tp.coverage_order([1, 3], chunks, have | {"owl#0"}) == [1, 3]  # ties stay in plan order


@pytest.mark.parametrize("bad", [{"group": ["a"]}, {"chunk": "0"}, {"chunk": None}, {"id": ["x"]}])
def test_plan_items_of_the_wrong_types_are_one_line(tmp_path, bad):
    tp = _script()
    item = {"id": "cat#0", "group": "cat", "captions": ["A cat"], "chunk": 0, "seed": 0, "style": "s",
            "max_new_tokens": 10}
    f = tmp_path / "plan.jsonl"
    f.write_text(json.dumps({**item, **bad}) + "\n")
    with pytest.raises(InputError, match=r"plan\.jsonl, item 1: id, group and style must be strings"):
        tp.load_plan(f)


def test_a_missing_plan_beside_written_passages_is_refused(tmp_path):
    out = tmp_path / "p.jsonl"
    out.write_text(_rec(0) + "\n")
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "teacher_passages.py"), "--plan",
                           str(tmp_path / "nope" / "plan.jsonl"), "--out", str(out), "--limit", "0"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "already holds passages" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "nope").exists()
