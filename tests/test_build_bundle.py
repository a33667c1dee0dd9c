"""``scripts/build_default_bundle.py --tiny``: the whole build (every stage, toy sizes) writes a bundle that loads
and tells a story, its decoder is trained on teacher passages conditioned on story-time vectors, ``--until`` stops
after a stage, and ``--from-bundle`` reuses the skip-thoughts and starts the decoder from the given bundle's."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "build_default_bundle.py"


def build(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), "--tiny", "--threads", "1", *args], capture_output=True,
                          text=True, timeout=900, cwd=ROOT)


@pytest.fixture(scope="module")
def tiny_bundle(tmp_path_factory):
    if not (ROOT / "data" / "teacher" / "passages.jsonl").is_file():
        pytest.skip("data/teacher/passages.jsonl is missing")
    tmp = tmp_path_factory.mktemp("build")
    proc = build("--work", str(tmp / "work"), "--out", str(tmp / "bundle"), "--until", "vse")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "stopped after stage 'vse' (--until)" in proc.stdout
    assert (tmp / "work" / "vse.done.json").is_file() and not (tmp / "work" / "styles.npz").exists()
    assert not (tmp / "bundle").exists()
    proc = build("--work", str(tmp / "work"), "--out", str(tmp / "bundle"))  # goes on from the VSE
    assert proc.returncode == 0, proc.stderr[-2000:]
    return tmp


def test_tiny_build_writes_a_bundle_that_tells_a_story(tiny_bundle):
    import storyteller

    out = tiny_bundle / "bundle"
    manifest = json.loads((out / "manifest.json").read_text())
    mix = manifest["training"]["decoder"]["mix"]
    assert mix["teacher"] > 1000 and mix["teacher_groups"] >= 500 and mix["austen"] == 200
    assert "data/teacher/passages.jsonl" in manifest["sources"]
    assert manifest["metrics"]["conditioning"]["gain"] > 1
    teller = storyteller.load(out)
    story = teller.tell(ROOT / "images" / "cat.jpg", num_beams=2, max_new_tokens=20)
    assert story.text.strip() and len(story.captions) == 100


def test_from_bundle_reuses_skipthoughts_and_extends_the_decoder(tiny_bundle):
    from storyteller import decoder

    first = tiny_bundle / "bundle"
    proc = build("--work", str(tiny_bundle / "work2"), "--out", str(tiny_bundle / "bundle2"), "--from-bundle",
                 str(first))
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = tiny_bundle / "bundle2"
    for name in ("skipthoughts/uni_skip.safetensors", "skipthoughts/bi_skip.safetensors", "skipthoughts/utable.npy"):
        assert (out / name).read_bytes() == (first / name).read_bytes()
    old = decoder.load_model(first / "decoder.safetensors", first / "decoder.dictionary.json")
    new = decoder.load_model(out / "decoder.safetensors", out / "decoder.dictionary.json")
    assert all(new.word_idict[i] == w for i, w in old.word_idict.items())
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["training"]["skipthoughts"]["from_bundle"] == str(first)
    openers = manifest["training"]["decoder_openers"]  # captions of the pool, with story-time vectors, no <eos>
    n_captions = sum(1 for line in (ROOT / "data" / "captions" / "captions.jsonl").open() if line.strip())
    assert openers["mix"] == {"captions": n_captions, "caption_repeats": 1} and openers["finished"]
    focus = manifest["training"]["decoder_focus"]["mix"]
    assert focus["austen"] == 50  # the last (focus) phase ran after it
    # stock sentences and passages under min_teacher_tokens were left out, but not all of them
    assert 0 < focus["teacher_kept"] < focus["teacher"] * focus["teacher_repeats"]


def test_a_bad_from_bundle_is_one_line(tmp_path):
    proc = build("--work", str(tmp_path / "w"), "--out", str(tmp_path / "b"), "--from-bundle", str(tmp_path),
                 "--until", "skipthoughts")
    assert proc.returncode == 2 and proc.stderr.startswith("build_default_bundle: ")
    assert "--from-bundle" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("args, said", [
    (["--time-budget", "-5"], "--time-budget -5.0"), (["--time-budget", "nan"], "--time-budget nan"),
    (["--threads", "0"], "--threads 0"), (["--out", "FILE"], "--out"), (["--work", "FILE"], "--work")])
def test_bad_settings_are_refused_before_any_work(tmp_path, args, said):
    (tmp_path / "file").write_text("x")
    args = [str(tmp_path / "file") if a == "FILE" else a for a in args]
    base = {"--work": str(tmp_path / "w"), "--out": str(tmp_path / "b")}
    for a in ("--work", "--out"):
        if a not in args:
            args += [a, base[a]]
    proc = build(*args)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert said in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "w").exists() and not (tmp_path / "b").exists()


def test_subject_first_starts_a_teacher_passage_where_it_names_its_subject():
    import importlib.util
    spec = importlib.util.spec_from_file_location("build_default_bundle", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    doc = [["As", "I", "stood", "at", "the", "edge", "."], ["The", "Zebra", "grazed", "."], ["It", "ran", "."]]
    assert mod.subject_first(doc, {"zebra"}) == doc[1:]
    assert mod.subject_first(doc, {"owl"}) == []
    nouns = mod.group_nouns(ROOT / "data" / "captions")
    assert {"golden", "retriever", "dog"} <= nouns["dog"]


def test_a_bundle_of_other_sizes_is_refused_before_any_work(tmp_path):
    proc = build("--work", str(tmp_path / "w"), "--out", str(tmp_path / "b"), "--from-bundle",
                 str(ROOT / "storyteller" / "bundle"))
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert "dim_word 256, dim 768" in proc.stderr and "--tiny" in proc.stderr
    assert not (tmp_path / "w").exists() and not (tmp_path / "b").exists()


def test_a_text_mix_that_could_keep_no_passage_is_refused_before_any_work():
    import importlib.util
    spec = importlib.util.spec_from_file_location("build_default_bundle", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    for settings in ({**mod.FULL, **mod.FROM_BUNDLE}, {**mod.TINY, **mod.TINY_FROM_BUNDLE}, mod.FULL, mod.TINY):
        mod.check_settings(settings)  # the shipped settings pass
    bad = {**mod.FULL, **mod.FROM_BUNDLE}
    bad["focus"] = {**bad["focus"], "min_teacher_tokens": 81}
    with pytest.raises(mod.InputError, match="focus settings: min_teacher_tokens 81 is above max_teacher_tokens 80"):
        mod.check_settings(bad)
    for key, value, why in (("max_teacher_tokens", None, "max_teacher_tokens must be an integer >= 1, got None"),
                            ("min_teacher_tokens", "50", "min_teacher_tokens must be an integer >= 0, got '50'"),
                            ("max_teacher_tokens", float("nan"), "max_teacher_tokens must be an integer >= 1"),
                            ("max_teacher_tokens", 0, "max_teacher_tokens must be an integer >= 1, got 0"),
                            ("min_teacher_tokens", False, "min_teacher_tokens must be an integer >= 0, got False")):
        bad = {**mod.FULL, **mod.FROM_BUNDLE}
        bad["grounding"] = {**bad["grounding"], key: value}  # (was a KeyError / TypeError, or NaN passed)
        with pytest.raises(mod.InputError, match=f"grounding settings: {why}"):
            mod.check_settings(bad)
