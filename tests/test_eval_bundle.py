"""scripts/eval_bundle.py and the measures of storyteller.story_quality: hand-made texts for each measure, and one
quick run of the script on real photos of the dev split with the default bundle (no timing assertions)."""

import importlib.util
import json
from pathlib import Path

import pytest

from storyteller import story_quality as q

ROOT = Path(__file__).resolve().parents[1]


def load_script(name: str):
    """A script of scripts/ imported as a module (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def script():
    return load_script("eval_bundle")


def test_distinct_4gram_ratio():
    assert q.distinct_ngram_ratio("a b c d e f") == 1.0
    # 4-grams: abcd bcda cdab dabc abcd -> 4 distinct of 5
    assert q.distinct_ngram_ratio("a b c d a b c d") == pytest.approx(0.8)
    loop = " ".join(["I am sure it would have been ."] * 10)
    assert q.distinct_ngram_ratio(loop) < 0.15
    assert q.distinct_ngram_ratio("too short .") is None


def test_plurals():
    assert q.plurals("box") == {"boxes"}
    assert q.plurals("berry") == {"berries"}
    assert q.plurals("day") == {"days"}
    assert q.plurals("leaf") == {"leaves", "leafs"}
    assert q.plurals("fire truck") == {"fire trucks"}


def test_names_subject_whole_tokens_plurals_and_phrases():
    lex = q.Lexicon()  # no WordNet: accept words + simple plurals
    puppy = lex.subject_words(["puppy"])
    assert puppy == {"puppy", "puppies"}
    assert q.names_subject("Two PUPPIES played in the yard .", puppy, lex)
    assert not q.names_subject("A puppyish grin .", puppy, lex)          # whole tokens only
    balloon = lex.subject_words(["hot air balloon"])
    assert q.names_subject("a Hot-Air Balloons rose", balloon, lex)      # hyphens split tokens; plural of the last
    assert not q.names_subject("the hot air rose", balloon, lex)         # every word of the phrase, in order
    assert not q.names_subject("", puppy, lex)


def test_wordnet_adds_first_sense_lemmas_and_irregular_plurals():
    wordnet, _ = q.load_wordnet()
    if wordnet is None:
        pytest.skip("no WordNet here (nltk wordnet data or /usr/share/wordnet)")
    lex = q.Lexicon(wordnet)
    assert "kitty" in lex.subject_words(["kitten"])                     # kitten.n.01: kitten, kitty
    assert q.names_subject("The geese flew over .", lex.subject_words(["goose"]), lex)
    assert "carriage" in lex.concrete_nouns("the carriage was at the door")
    assert "felt" not in lex.concrete_nouns("she felt it")              # mostly the verb feel


def test_concrete_nouns_without_wordnet_skip_names_and_function_words():
    nouns = q.Lexicon().concrete_nouns("Anne took the letter to Bath ; it was there .")
    assert nouns == {"took", "letter"}


def test_form_checks():
    assert q.word_count("Hello , world . ' Yes . '") == 3
    assert q.word_types(["The cat sat .", "the dog sat ."]) == 4
    assert q.ends_sentence("He left .")
    assert q.ends_sentence("She said , ' go ! '")
    assert not q.ends_sentence("and then ,")
    assert not q.ends_sentence("   ")


def test_chance_pairs_score_item_i_against_item_i_plus_1():
    assert q.chance_pairs(3) == [(0, 1), (1, 2), (2, 0)]
    assert q.chance_pairs(1) == []
    stories = ["A cat slept .", "A dog ran .", "A horse ate ."]
    subjects = [{"cat"}, {"dog"}, {"horse"}]
    own = [q.names_subject(s, w) for s, w in zip(stories, subjects)]
    chance = [q.names_subject(stories[i], subjects[j]) for i, j in q.chance_pairs(3)]
    assert q.rate(own) == 1.0 and q.rate(chance) == 0.0
    assert q.rate([]) is None


def test_consecutive_passages_do_not_overlap(script):
    sents = [["w"] * n for n in (50, 40, 30, 250, 60, 60, 10)]
    out = script.consecutive_passages(sents, 80, 200)
    assert [len(p) for p in out] == [90, 120]                         # 50+40; (30 dropped at the 250) 60+60
    assert all(80 <= len(p) <= 200 for p in out)


def test_script_on_two_dev_photos(script, tmp_path, capsys):
    out = tmp_path / "r.json"
    rc = script.main(["--split", "dev", "--limit", "2", "--k", "5", "--bw", "2", "--max-new-tokens", "40",
                      "--num-passages", "2", "--json", str(out)])
    assert rc == 0
    table = capsys.readouterr().out
    assert "story names the main subject" in table and "own passage" in table
    r = json.loads(out.read_text())
    s = r["summary"]
    assert r["split"] == "dev" and s["photos"] == s["stories"] == 2 and s["word_types_stories"] == 2
    rows = r["photos"]
    assert [p["photo"] for p in rows] == sorted(json.loads((ROOT / "eval/photos/labels.json").read_text()))[:2]
    for p in rows:
        assert len(p["top"]) == 5 and p["story"] and p["words"] == q.word_count(p["story"])
        assert isinstance(p["chance_story"], bool) and isinstance(p["subject_in_top"], bool)
    assert s["subject_top5"] == q.rate([p["subject_in_top"] for p in rows])
    assert s["stories_distinct"] == len({p["story"] for p in rows})
    own = r["own_passage"]
    assert own["passages"] == 2 and own["gain_undone"] > 1.0          # the bundle's calibrated conditioning
    assert all(p["story"] and "chance_returned" in p for p in r["passages"])


def test_time_budget_keeps_the_retrieval_of_every_photo(script, tmp_path, capsys):
    """With no time for stories, the captions of every photo are still measured and the story measures are empty."""
    out = tmp_path / "r.json"
    assert script.main(["--split", "heldout", "--limit", "3", "--k", "5", "--time-budget", "0", "--num-passages", "0",
                        "--json", str(out)]) == 0
    s = json.loads(out.read_text())["summary"]
    assert s["photos"] == 3 and s["stories"] == 0 and s["subject_top5"] is not None
    assert s["story_names_subject"] is None and s["word_types"] == 0
    assert "story names the main subject (0 stories)" in capsys.readouterr().out


def test_script_refuses_bad_numbers(script, capsys):
    with pytest.raises(SystemExit):
        script.main(["--bw", "0"])
    assert "--bw must be at least 1" in capsys.readouterr().err


def _photos(tmp_path, labels, raw: bytes | None = None) -> Path:
    """A --photos folder holding one real dev photo (cat.jpg) and labels.json (``labels`` as JSON, or ``raw``)."""
    folder = tmp_path / "photos"
    folder.mkdir()
    dev = ROOT / "eval" / "photos"
    first = sorted(json.loads((dev / "labels.json").read_text(encoding="utf-8")))[0]
    (folder / "cat.jpg").write_bytes((dev / first).read_bytes())
    (folder / "labels.json").write_bytes(raw if raw is not None else json.dumps(labels).encode())
    return folder


@pytest.mark.parametrize("labels, raw, expect", [
    ([1, 2], None, "expected a JSON object"),
    ({"cat.jpg": {"subject": "cat"}}, None, "entry 'cat.jpg' needs \"accept\""),
    ({"cat.jpg": {"subject": "cat", "accept": "cat"}}, None, "entry 'cat.jpg' needs \"accept\": a non-empty list"),
    ({"cat.jpg": {"accept": ["cat"]}}, None, "entry 'cat.jpg' needs \"subject\""),
    ({"cat.jpg": "cat"}, None, "entry 'cat.jpg' must be an object"),
    ({}, None, "lists no photo"),
    (None, b"{not json", "not valid JSON"),
    (None, b'{"caf\xe9.jpg": 1}', "not UTF-8"),
])
def test_bad_labels_json_is_refused_in_one_line(script, tmp_path, capsys, labels, raw, expect):
    """Checked before the model loads: rc 2 and one line naming labels.json, the entry and the expected form."""
    folder = _photos(tmp_path, labels, raw)
    assert script.main(["--photos", str(folder), "--num-passages", "0"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(folder / "labels.json") in err and expect in err


def test_photos_folder_without_labels_json(script, tmp_path, capsys):
    assert script.main(["--photos", str(tmp_path), "--num-passages", "0"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--photos needs a folder of photos with a labels.json" in err


@pytest.mark.parametrize("bad", ["missing", "not_image"])
def test_listed_photo_missing_or_not_an_image_is_refused_up_front(script, tmp_path, capsys, bad):
    lab = {"subject": "cat", "accept": ["cat"]}
    folder = _photos(tmp_path, {"cat.jpg": lab, "dog.jpg": lab})
    if bad == "not_image":
        (folder / "dog.jpg").write_text("not a picture")
    assert script.main(["--photos", str(folder), "--num-passages", "0"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(folder / "dog.jpg") in err and "remove its entry" in err


def test_json_path_checked_before_the_work(script, tmp_path, capsys):
    folder = _photos(tmp_path, {"cat.jpg": {"subject": "cat", "accept": ["cat"]}})
    for out, expect in ((tmp_path, "is a folder"), (tmp_path / "no" / "r.json", "does not exist")):
        assert script.main(["--photos", str(folder), "--num-passages", "0", "--json", str(out)]) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and f"--json {out}" in err and expect in err


@pytest.mark.parametrize("flag", ["--time-budget", "--num-passages"])
def test_script_refuses_negative_numbers(script, capsys, flag):
    with pytest.raises(SystemExit):
        script.main([flag, "-1"])
    assert f"{flag} must not be negative" in capsys.readouterr().err


@pytest.fixture(scope="module")
def retrieval():
    return load_script("measure_retrieval")


@pytest.mark.parametrize("flag, value, expect", [
    ("--vse", "nosuch.safetensors", "file not found"),
    ("--captions", "nosuchdir", "not a folder"),
    ("--captions", ".", "no captions.jsonl in it"),
])
def test_measure_retrieval_names_the_flag_of_a_missing_file(retrieval, tmp_path, capsys, flag, value, expect):
    """scripts/measure_retrieval.py: a missing --vse / --captions is one line naming the flag, before any work."""
    path = tmp_path / value
    assert retrieval.main([flag, str(path), "--work", str(tmp_path / "work")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and f"{flag} {path}" in err and expect in err and "config.yaml" not in err
    assert not (tmp_path / "work").exists()
