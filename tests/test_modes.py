"""The modes of ``Storyteller.tell`` beyond the original (sampling, prompts, sequences, extra text, batches) and
the ``Story`` displays, on the golden models (and, for the CNN and thumbnails, once on the default bundle)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import storyteller
from storyteller import generation, modes
from storyteller.errors import InputError
from storyteller.story import Story

REPO = Path(__file__).resolve().parents[1]


def feats(golden, n):
    return golden.npz["image_features"][n]


@pytest.fixture(scope="module")
def teller(golden, config):
    return storyteller.load(config)


# ------------------------------------------------------------------------------------------- knobs / sampling
def test_defaults_are_the_original_story(golden, teller):
    story = teller.tell(feats(golden, 0), storyteller.GenerationConfig())
    assert story.text == golden.images()[0]["run_sampler_k100_bw50"]
    assert story.passages == [story.text] == story.texts and story.prompt is None and story.error is None
    assert story.settings["num_beams"] == 50 and story.settings["do_sample"] is False


def test_same_seed_same_text_other_seeds_other_texts(golden, teller):
    kw = {"do_sample": True, "temperature": 1.2, "max_new_tokens": 40}
    a = teller.tell(feats(golden, 0), seed=7, **kw)
    assert teller.tell(feats(golden, 0), seed=7, **kw).text == a.text and a.text
    others = {teller.tell(feats(golden, 0), seed=s, **kw).text for s in range(1, 6)}
    assert len(others | {a.text}) > 2
    assert a.settings["seed"] == 7 and a.settings["temperature"] == 1.2


def test_several_return_sequences(golden, teller):
    story = teller.tell(feats(golden, 1), do_sample=True, seed=3, num_return_sequences=3, max_new_tokens=30)
    assert len(story.texts) == 3 and story.text == story.texts[0] == story.passages[0]
    beams = teller.tell(feats(golden, 1), num_return_sequences=4)
    assert len(beams.texts) == 4 and beams.text == golden.images()[1]["run_sampler_k100_bw50"]


def test_generic_knobs_reach_the_decoder(golden, teller):
    short = teller.tell(feats(golden, 2), max_new_tokens=4)
    assert 1 <= len(short.text.split()) <= 4  # (the last word is cut as the original cuts <eos>)
    with pytest.raises(InputError, match="top_p"):
        teller.tell(feats(golden, 2), top_p=2.0)


# ------------------------------------------------------------------------------------------- prompts
def test_prompt_starts_the_story_and_forcing_continues_the_state(golden, teller):
    greedy = teller.tell(feats(golden, 0), num_beams=1).text.split()
    assert len(greedy) > 4
    # forcing the greedy search's own first words must leave it where it was: the same story
    prompt = " ".join(greedy[:3])
    story = teller.tell(feats(golden, 0), num_beams=1, prompt=prompt)
    assert story.text.split() == greedy and story.prompt == prompt and story.settings["oov"] == []
    beam = teller.tell(feats(golden, 0), prompt=prompt)
    assert beam.text.startswith(prompt + " ")


def test_prompt_out_of_vocabulary_words_are_kept_and_listed(golden, teller):
    with pytest.warns(UserWarning, match="Zorblax"):
        story = teller.tell(feats(golden, 3), prompt="A Zorblax cat sitting on the qwxyz", num_beams=3)
    assert story.settings["oov"] == ["Zorblax", "qwxyz"]
    assert story.text.startswith("A Zorblax cat sitting on the qwxyz ")
    _, ids, oov = modes.prompt_ids(teller.decoder, "A Zorblax cat")
    assert ids[1] == 1 and ids[0] != 1 and oov == ["Zorblax"]
    # a word of the dictionary beyond the decoder's n_words rows is UNK too (the original's rule)
    beyond = next(w for i, w in sorted(teller.decoder.word_idict.items()) if i >= teller.decoder.options["n_words"])
    assert modes.prompt_ids(teller.decoder, beyond)[1:] == ([1], [beyond])
    with pytest.raises(InputError, match="no word"):
        teller.tell(feats(golden, 3), prompt="   ")


def test_generation_prefix_empty_is_the_original(golden, teller):
    c = np.random.default_rng(0).standard_normal(teller.decoder.options["dimctx"]).astype(np.float32)
    assert generation.generate(teller.decoder, c, num_beams=4, prefix=[]) == \
        generation.beam_search(teller.decoder, c, 4)
    hyps = generation.generate(teller.decoder, c, num_beams=4, prefix=[5, 6], min_new_tokens=3)
    assert all(len(t) >= 4 for t, _ in hyps)  # 3 new words + <eos>: the prompt does not count
    with pytest.raises(InputError, match="vocabulary"):
        generation.generate(teller.decoder, c, prefix=[10 ** 6])


# ------------------------------------------------------------------------------------------- sequences
def test_sequence_one_passage_per_image_plus_next(golden, teller):
    images = [feats(golden, 0), feats(golden, 1)]
    story = teller.tell(images, num_beams=5)
    assert len(story.passages) == 2 and isinstance(story.image, list) and len(story.image) == 2
    assert story.passages[0] == teller.tell(images[0], num_beams=5).text  # no memory before the first
    assert story.text == " ".join(story.passages)
    assert len(story.passage_captions) == 2 and story.passage_captions[1] == teller.tell(images[1]).captions
    more = teller.tell(images, num_beams=5, next_passage=True)
    assert len(more.passages) == 3 and more.passages[:2] == story.passages and more.passages[2]
    alone = teller.tell(images, num_beams=5, sequence_memory=0.0)
    assert alone.passages[1] == teller.tell(images[1], num_beams=5).text
    strong = teller.tell(images, num_beams=5, sequence_memory=0.9)
    assert strong.passages[1] != alone.passages[1]  # the previous passage steers the next one
    with pytest.raises(InputError, match="sequence_memory"):
        teller.tell(images, sequence_memory=1.5)


# ------------------------------------------------------------------------------------------- extra text
def test_dialogue_and_context_change_the_story(golden, teller):
    plain = teller.tell(feats(golden, 2), num_beams=5).text
    talk = teller.tell(feats(golden, 2), num_beams=5, dialogue=["is the cat asleep ? yes", "is it red ? no"],
                       text_weight=50)
    assert talk.text != plain and talk.settings["dialogue"] and talk.settings["text_weight"] == 50
    ctx = teller.tell(feats(golden, 2), num_beams=5, context="A train stopped at the station .", text_weight=50)
    assert ctx.text != plain
    with pytest.raises(InputError, match="dialogue"):
        teller.tell(feats(golden, 2), dialogue="one string")


# ------------------------------------------------------------------------------------------- batches
def test_tell_many_equals_tell_and_reports_bad_images(golden, teller):
    good = [feats(golden, n) for n in range(4)]
    items = [good[0], np.zeros_like(good[1]), good[1], "no/such/image.jpg", good[2], good[3]]
    stories = teller.tell_many(items, num_beams=5)
    assert len(stories) == len(items)
    assert stories[1].error and "all zero" in stories[1].error and stories[1].text == "" and \
        "\n" not in stories[1].error
    assert stories[3].error and stories[3].image == "no/such/image.jpg"
    for story, f in zip([stories[i] for i in (0, 2, 4, 5)], good):
        alone = teller.tell(f, num_beams=5)
        assert story.error is None and story.text == alone.text
        assert [c for c, _ in story.captions] == [c for c, _ in alone.captions]
        # one matmul for the batch vs one per image: BLAS may round the cosines differently in the last bits
        np.testing.assert_allclose([s for _, s in story.captions], [s for _, s in alone.captions], atol=1e-5)
    with pytest.raises(InputError, match="list of images"):
        teller.tell_many(good[0])


def test_too_few_or_empty_texts_are_warned(golden, teller):
    with pytest.warns(UserWarning, match="empty text.*max_new_tokens=1"):
        story = teller.tell(feats(golden, 0), num_beams=2, max_new_tokens=1)  # (was an empty story, silently)
    assert story.text == ""
    cfg = generation.GenerationConfig(num_beams=3, num_return_sequences=3)
    with pytest.warns(UserWarning, match=r"num_return_sequences=3, but only 2 text\(s\) came back"):
        assert modes.warn_short(["a b", "c d"], cfg) == ["a b", "c d"]


def test_a_search_too_wide_is_refused_before_any_image_is_read(golden, teller, monkeypatch):
    read = []
    monkeypatch.setattr(generation, "available_bytes", lambda device: 1000)
    monkeypatch.setattr(type(teller), "nearest", lambda self, *a, **k: read.append(1))
    for run in (lambda: teller.tell(feats(golden, 0), num_beams=5),
                lambda: teller.tell_many([feats(golden, 0), feats(golden, 1)], num_beams=5)):
        with pytest.raises(InputError, match="num_beams=5 is too wide"):
            run()
    for run in (lambda: teller.tell(feats(golden, 0), do_sample=True, num_return_sequences=3),
                lambda: teller.tell_many([feats(golden, 0), "x.jpg"], do_sample=True, num_return_sequences=3)):
        with pytest.raises(InputError, match="num_return_sequences=3 are too many.*fewer num_return_sequences"):
            run()  # (sampling allocated its draws at once: a raw allocator error for 10**12 of them)
    assert not read


# ------------------------------------------------------------------------------------------- Story displays
def test_to_dict_round_trips_through_json(golden, teller):
    story = teller.tell([feats(golden, 0), feats(golden, 1)], num_beams=3, prompt="A", next_passage=True,
                        dialogue=["is it a cat ? yes"])
    d = json.loads(json.dumps(story.to_dict()))
    assert d == story.to_dict()
    assert d["passages"] == story.passages and d["prompt"] == "A" and d["error"] is None
    assert d["settings"]["num_beams"] == 3 and len(d["passage_captions"]) == 2


def test_repr_html_shows_captions_escaped_and_a_thumbnail(golden, teller):
    story = teller.tell(feats(golden, 0), num_beams=3)
    page = story._repr_html_()
    assert "<img" not in page and "image features" in page
    for c, s in story.captions[:5]:
        assert c.replace("&", "&amp;").replace("<", "&lt;") in page and f"{s:.3f}" in page
    pic = Image.new("RGB", (64, 40), (200, 30, 30))
    made = Story(text="a <b> & c", captions=[("x < y", 0.5)], image="<PIL>", settings={}, source=pic)
    page = made._repr_html_()
    assert '<img src="data:image/png;base64,' in page and "a &lt;b&gt; &amp; c" in page and "x &lt; y" in page
    assert json.loads(json.dumps(made.to_dict()))["captions"] == [{"caption": "x < y", "score": 0.5}]


@pytest.mark.skipif(not (REPO / "eval" / "photos" / "kitten.jpg").is_file(), reason="eval photos not present")
def test_default_bundle_tell_many_and_thumbnail(tmp_path):
    teller = storyteller.load()
    kitten, owl = REPO / "eval/photos/kitten.jpg", REPO / "eval/photos/owl.jpg"
    bad = tmp_path / "not-an-image.jpg"
    bad.write_text("plain text")
    kw = {"num_beams": 2, "max_new_tokens": 25}
    stories = teller.tell_many([str(kitten), str(bad), str(owl)], **kw)
    assert stories[1].error and str(bad) in stories[1].error and stories[1].text == ""
    for story, path in ((stories[0], kitten), (stories[2], owl)):
        alone = teller.tell(str(path), **kw)
        assert story.text == alone.text and [c for c, _ in story.captions] == [c for c, _ in alone.captions]
    page = stories[0]._repr_html_()
    assert '<img src="data:image/png;base64,' in page and stories[0].captions[0][0].split()[0] in page
    assert stories[0].settings["manifest_sha256"] and stories[0].settings["model"]
