"""Regression of the sample outputs: the default bundle's nearest captions and story for every photo in
images/, exact on CPU. After an intended change, refresh with ``python scripts/refresh_sample_outputs.py``."""
from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

from storyteller import generate

ROOT = Path(__file__).resolve().parents[1]
EXPECTED = ROOT / "tests" / "data" / "sample_outputs.json"
IMAGES = sorted((ROOT / "images").glob("*.jpg"))


@pytest.fixture(scope="module")
def bundle():
    return generate.load_all(device="cpu", verbose=False)


@pytest.fixture(scope="module")
def expected():
    return json.loads(EXPECTED.read_text(encoding="utf-8"))


def test_every_sample_image_has_an_expected_output(expected):
    assert sorted(expected["images"]) == [p.name for p in IMAGES]
    assert len(IMAGES) >= 8


@pytest.mark.parametrize("image", IMAGES, ids=[p.name for p in IMAGES])
def test_sample_story_is_unchanged(bundle, expected, image):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        text = generate.story(bundle, image, k=expected["settings"]["k"], bw=expected["settings"]["bw"])
    want = expected["images"][image.name]
    assert buf.getvalue() == want["stdout"], "refresh with scripts/refresh_sample_outputs.py if intended"
    assert text == want["story"]


def test_samples_tell_different_stories_of_sensible_length(expected):
    stories = [v["story"] for v in expected["images"].values()]
    assert len(set(stories)) == len(stories)  # not the "same story for every image" failure (#37)
    for s in stories:
        words = [w for w in s.split() if any(ch.isalnum() for ch in w)]
        # The bundle's stories open with a sentence about the photo and then one or more of the decoder's stock
        # sentences; they run 18-53 words on the sample images (issue 9's target is 30-250, not met yet: see the
        # README's figures). Below 15 or above 250 words is a broken decoder or search.
        assert 15 <= len(words) <= 250, s
        assert s.rstrip()[-1] in ".!?", s
        assert "UNK" not in s.split()
