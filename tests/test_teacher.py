"""Teacher passages: the cleaning rules on hand-made answers and on the committed data."""
from __future__ import annotations

import json
import re
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
