"""Command line: ``python -m storyteller``. Errors are one line on stderr and a non-zero exit; --debug re-raises."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from storyteller.__main__ import main

REPO = Path(__file__).resolve().parents[1]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, "-m", "storyteller", *args], capture_output=True, text=True,
                          cwd=REPO, env=env, timeout=120)


def one_error_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("storyteller: error: "), err
    assert "Traceback" not in err
    return lines[0]


@pytest.fixture
def image(tmp_path) -> Path:
    """An existing file to pass as IMAGE (the checks under test fail before it is opened)."""
    p = tmp_path / "cat.png"
    p.write_bytes(b"\x89PNG\r\n\x1a\n")
    return p


@pytest.fixture
def yaml_config(golden, tmp_path) -> Path:
    """A config.yaml for the golden folder, with paths relative to the YAML file (vgg empty)."""
    rel = os.path.relpath(golden.dir, tmp_path)
    text = "\n".join([
        f"skmodels: {rel}/", f"sktables: {rel}/", f"decmodel: {rel}/romance.npz",
        f"dictionary: {rel}/romance_dictionary.pkl", f"vsemodel: {rel}/coco_embedding.npz", "vgg: ''",
        f"captions: {rel}/coco_train_caps.txt", f"negbias: {rel}/caption_style.npy",
        f"posbias: {rel}/romance_style.npy", "styles:", f"  swift: {rel}/swift_style.npy", ""])
    p = tmp_path / "config.yaml"
    p.write_text(text)
    return p


# ------------------------------------------------------------------------------------------- subprocess
def test_help():
    r = run_cli("--help")
    assert r.returncode == 0, r.stderr
    for opt in ("IMAGE", "--config", "--k", "--bw", "--num-captions", "--num-beams", "--lyric", "--style", "--device",
                "--debug"):
        assert opt in r.stdout
    assert r.stderr == ""


def test_error_subprocess(image):
    r = run_cli(str(image), "--k", "0")
    assert r.returncode != 0
    line = one_error_line(r.stderr)
    assert "--k" in line
    assert r.stdout == ""


def test_debug_subprocess_shows_traceback(image):
    r = run_cli(str(image), "--k", "0", "--debug")
    assert r.returncode != 0
    assert "Traceback" in r.stderr and "InputError" in r.stderr


# ------------------------------------------------------------------------------------------- in-process
@pytest.mark.parametrize("args,needle", [
    (["--k", "0"], "--k"),
    (["--k", "-3"], "--k"),
    (["--bw", "0"], "--bw"),
])
def test_bad_parameter(capsys, image, args, needle):
    assert main([str(image), *args]) != 0
    out, err = capsys.readouterr()
    assert needle in one_error_line(err)
    assert out == ""


def test_missing_image(capsys, tmp_path):
    missing = tmp_path / "no_such_image.jpg"
    assert main([str(missing)]) != 0
    line = one_error_line(capsys.readouterr().err)
    assert "no_such_image.jpg" in line


def test_missing_images_fail_before_loading(capsys, tmp_path, monkeypatch):
    from storyteller import pipeline

    monkeypatch.setattr(pipeline, "load", lambda *a, **k: pytest.fail("nothing to tell: no model is loaded"))
    assert main([str(tmp_path / "one.jpg"), str(tmp_path / "other.jpg")]) == 1
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2 and "one.jpg" in lines[0] and "other.jpg" in lines[1]


@pytest.mark.parametrize("args,needle", [(["--num-captions", "0"], "--num-captions"),
                                         (["--num-beams", "-1"], "--num-beams")])
def test_hugging_face_aliases(capsys, image, args, needle):
    assert main([str(image), *args]) != 0
    assert needle in one_error_line(capsys.readouterr().err)


def test_usage_error_is_one_line(capsys, image):
    with pytest.raises(SystemExit) as e:
        main([str(image), "--num-captions", "x"])
    assert e.value.code == 2 and "--num-captions" in one_error_line(capsys.readouterr().err)


def test_device_gpu_is_one_clear_line(capsys, image):
    assert main([str(image), "--device", "gpu"]) != 0
    line = one_error_line(capsys.readouterr().err)
    assert "--device 'gpu'" in line and "'cuda'" in line and "xpu" not in line  # not torch's ~20 device types


def test_failing_images_are_reported_and_the_rest_go_on(capsys, golden, yaml_config, image, tmp_path):
    # no CNN in the golden config: every image fails, each on one line, and the exit status says so
    assert main([str(image), str(tmp_path / "other.jpg"), str(golden.dir / "story_image.png"),
                 "--config", str(yaml_config)]) == 1
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert out == "" and len(lines) == 3 and all(line.startswith("storyteller: error: ") for line in lines)
    assert "other.jpg" in lines[0] and "cat.png" in lines[1] and "story_image.png" in lines[2]


def test_missing_config(capsys, image, tmp_path):
    assert main([str(image), "--config", str(tmp_path / "nope.yaml")]) != 0
    assert "nope.yaml" in one_error_line(capsys.readouterr().err)


def test_invalid_yaml_config(capsys, image, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("decmodel: [unclosed\n  : :\n")
    assert main([str(image), "--config", str(bad)]) != 0
    assert "bad.yaml" in one_error_line(capsys.readouterr().err)


def test_unknown_config_key(capsys, image, tmp_path):
    bad = tmp_path / "config.yaml"
    bad.write_text("decmodle: romance.npz\n")
    assert main([str(image), "--config", str(bad)]) != 0
    assert "decmodle" in one_error_line(capsys.readouterr().err)


def test_config_pointing_to_missing_file(capsys, image, tmp_path):
    cfg = tmp_path / "config.yaml"
    cfg.write_text("decmodel: missing/romance.npz\n")
    assert main([str(image), "--config", str(cfg)]) != 0
    line = one_error_line(capsys.readouterr().err)
    assert "'decmodel'" in line and "romance.npz" in line


def test_debug_reraises(image):
    with pytest.raises(ValueError, match="--k"):
        main([str(image), "--k", "0", "--debug"])


def test_debug_reraises_bad_device(image):
    from storyteller.errors import InputError

    with pytest.raises(InputError, match="--device"):
        main([str(image), "--device", "gpu", "--debug"])


# ------------------------------------------------------------------------------ with the golden models
def test_yaml_config_relative_paths(golden, yaml_config):
    from storyteller import generate

    cfg = generate.load_config(yaml_config)
    assert Path(cfg["decmodel"]).samefile(golden.dir / "romance.npz")
    assert Path(cfg["styles"]["swift"]).samefile(golden.dir / "swift_style.npy")
    assert cfg["vgg"] == ""
    assert generate.load_config(yaml_config.parent) == cfg  # a folder holding config.yaml


def test_unknown_style(capsys, golden, yaml_config):
    assert main([str(golden.dir / "story_image.png"), "--config", str(yaml_config), "--style", "nope"]) != 0
    line = one_error_line(capsys.readouterr().err)
    assert "nope" in line and "swift" in line


def test_no_cnn_is_one_line_error(capsys, golden, yaml_config):
    # the golden config has no CNN (vgg ''), so telling a story from an image file fails cleanly
    assert main([str(golden.dir / "story_image.png"), "--config", str(yaml_config)]) != 0
    out, err = capsys.readouterr()
    assert "CNN" in one_error_line(err)


# ----------------------------------------------------------------------------- with the default bundle
SAMPLES = json.loads((REPO / "tests" / "data" / "sample_outputs.json").read_text(encoding="utf-8"))


def test_folder_of_images_skips_non_images_and_goes_on(capsys, tmp_path):
    """`storyteller images/*` and `storyteller images/`: CREDITS.md is skipped, a broken image is reported, the
    other images get their stories (byte for byte the sample outputs), and the exit status is 1."""
    folder = tmp_path / "images"
    folder.mkdir()
    for name in ("cat.jpg", "pizza.jpg", "CREDITS.md"):
        shutil.copy(REPO / "images" / name, folder / name)
    (folder / "broken.jpg").write_bytes(b"\xff\xd8 not really a JPEG")
    assert main([str(folder)]) == 1
    out, err = capsys.readouterr()
    want = "\n".join(f"=== {folder / name}\n" + SAMPLES["images"][name]["stdout"] for name in ("cat.jpg", "pizza.jpg"))
    assert out == want
    lines = err.splitlines()
    assert len(lines) == 2, err
    assert lines[0].startswith(f"storyteller: note: skipping {folder / 'CREDITS.md'} (not an image")
    assert lines[1].startswith("storyteller: error: ") and "broken.jpg" in lines[1]


def _closed_pipe(*args: str) -> tuple[int, str]:
    """Run the CLI with stdout into a pipe whose reader has gone away (as `| head` does after its lines)."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen([sys.executable, "-m", "storyteller", *args], stdout=subprocess.PIPE, stderr=err,
                                cwd=REPO, env=env)
        proc.stdout.close()
        rc = proc.wait(timeout=300)
        err.seek(0)
        return rc, err.read().decode()


def test_closed_pipe_is_quiet():
    # exit status 141 (128 + SIGPIPE, what a shell shows for `yes | head -1`), nothing on stderr
    assert _closed_pipe("images/cat.jpg", "--k", "5", "--bw", "2") == (141, "")


# ------------------------------------------------------------------ generation options, JSON Lines, --out
def test_help_lists_every_generation_knob_with_its_default():
    import dataclasses

    from storyteller.generation import GenerationConfig

    text = " ".join(story_help().split())  # argparse wraps lines
    for f in dataclasses.fields(GenerationConfig):
        flag = "--" + f.name.replace("_", "-")
        assert flag in text, flag
        assert f"(default: {f.default})" in text.split(flag, 1)[1], flag  # the default follows the option
    for opt in ("--prompt", "--dialogue", "--context", "--sequence", "--next", "--writer", "--json", "--out",
                "--progress", "eval-vse", "eval-decoder"):
        assert opt in text, opt


def story_help() -> str:
    from storyteller.__main__ import story_parser

    return story_parser().format_help()


def test_a_new_generation_knob_becomes_an_option(monkeypatch):
    import dataclasses

    from storyteller import generation

    @dataclasses.dataclass
    class Extended(generation.GenerationConfig):
        typical_p: float = 1.0

    monkeypatch.setattr(generation, "GenerationConfig", Extended)
    from storyteller.__main__ import story_parser

    assert "--typical-p" in story_parser().format_help()
    args = story_parser().parse_args(["x.png", "--typical-p", "0.5", "--temperature", "0.7", "--do-sample"])
    from storyteller.cli import generation_from_args

    gen = generation_from_args(args)
    assert (gen.typical_p, gen.temperature, gen.do_sample, gen.num_beams) == (0.5, 0.7, True, 50)


@pytest.mark.parametrize("args,needle", [(["--top-p", "2"], "--top-p"), (["--temperature", "0"], "--temperature"),
                                         (["--min-new-tokens", "5", "--max-new-tokens", "3"], "--min-new-tokens"),
                                         (["--length-penalty", "11"], "--length-penalty 11.0 is not allowed; use a "
                                                                      "number in [-10.0, 10.0]")])
def test_bad_generation_option_is_one_line_before_loading(capsys, image, monkeypatch, args, needle):
    from storyteller import pipeline

    monkeypatch.setattr(pipeline, "load", lambda *a, **k: pytest.fail("checked before loading"))
    assert main([str(image), *args]) == 1
    out, err = capsys.readouterr()
    assert needle in one_error_line(err) and out == ""


class FakeTeller:
    """Stands in for a loaded Storyteller: records each tell() call; images named bad* fail like unreadable ones."""

    def __init__(self, calls: list, interrupt_at: int | None = None, modes: bool = True) -> None:
        self.calls, self.interrupt_at = calls, interrupt_at
        if not modes:
            self.tell = self._plain_tell

    def _story(self, image, **kw):
        from storyteller.errors import ImageError
        from storyteller.pipeline import Story

        self.calls.append((image, kw))
        if self.interrupt_at is not None and len(self.calls) > self.interrupt_at:
            raise KeyboardInterrupt
        if "bad" in str(image):
            raise ImageError(f"{image}: cannot identify image file")
        return Story(text=f"a story about {Path(str(image)).name}", captions=[("a cat on a mat", 0.5)],
                     image=str(image), settings={"num_beams": kw["generation"].num_beams})

    def tell(self, image, generation=None, *, prompt=None, dialogue=None, context=None, next_passage=False, **knobs):
        kw = {"generation": generation, "prompt": prompt, "dialogue": dialogue, "context": context,
              "next_passage": next_passage, **knobs}
        return self._story(image, **kw)

    def _plain_tell(self, image, generation=None, **knobs):
        return self._story(image, generation=generation, **knobs)


@pytest.fixture
def fake(monkeypatch, tmp_path):
    """``(calls, folder)``: pipeline.load gives a FakeTeller; folder holds a.png, b.png, bad.png and notes.txt."""
    from storyteller import pipeline

    calls: list = []
    state = {"interrupt_at": None, "modes": True}
    monkeypatch.setattr(pipeline, "load", lambda config=None, device="cpu": FakeTeller(calls, **state))
    folder = tmp_path / "imgs"
    folder.mkdir()
    for name in ("a.png", "b.png", "bad.png"):
        (folder / name).write_bytes(b"\x89PNG\r\n\x1a\n")
    (folder / "notes.txt").write_text("not an image")
    return calls, folder, state


def _jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def test_json_lines_one_object_per_image_and_errors_as_objects(capsys, fake):
    calls, folder, _ = fake
    assert main([str(folder), "--json", "--num-beams", "3", "--k", "7"]) == 1  # bad.png failed
    out, err = capsys.readouterr()
    rows = _jsonl(out)
    assert [Path(r["image"]).name for r in rows] == ["a.png", "b.png", "bad.png"]
    for r in rows[:2]:
        assert set(r) >= {"image", "captions", "text", "settings"} and r.get("error") is None
        assert r["captions"] == [{"caption": "a cat on a mat", "score": 0.5}] and r["text"].startswith("a story")
    bad = rows[2]
    assert bad["text"] == "" and bad["captions"] == [] and "cannot identify image file" in bad["error"]
    assert bad["settings"]["num_beams"] == 3 and bad["settings"]["num_captions"] == 7
    assert [c[1]["num_captions"] for c in calls] == [7, 7, 7] and calls[0][1]["generation"].num_beams == 3
    lines = err.splitlines()  # the skipped file and the failed image, one line each; no progress bar (not a tty)
    assert len(lines) == 2 and "notes.txt" in lines[0] and "bad.png" in lines[1]


def test_exit_status_zero_when_every_image_succeeds(capsys, fake):
    _, folder, _ = fake
    assert main([str(folder / "a.png"), str(folder / "b.png"), "--json"]) == 0
    assert len(_jsonl(capsys.readouterr().out)) == 2


def test_out_file_is_written_atomically(capsys, fake):
    _, folder, state = fake
    target = folder.parent / "stories.jsonl"
    assert main([str(folder / "a.png"), str(folder / "b.png"), "--json", "--out", str(target)]) == 0
    assert capsys.readouterr().out == ""
    assert [Path(r["image"]).name for r in _jsonl(target.read_text())] == ["a.png", "b.png"]
    # interrupted after the first story: the old file stays as it was, no temporary file is left
    before = target.read_bytes()
    state["interrupt_at"] = 1
    assert main([str(folder / "a.png"), str(folder / "b.png"), "--json", "--out", str(target)]) == 130
    assert target.read_bytes() == before
    assert sorted(p.name for p in target.parent.iterdir()) == ["imgs", "stories.jsonl"]


def test_out_file_not_created_when_loading_fails(capsys, image, tmp_path):
    target = tmp_path / "out.jsonl"
    assert main([str(image), "--json", "--out", str(target), "--config", str(tmp_path / "nope.yaml")]) == 1
    assert "nope.yaml" in one_error_line(capsys.readouterr().err)
    assert not target.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["cat.png"]


def test_progress_bar_on_stderr_only_when_asked_or_a_terminal(capsys, fake):
    _, folder, _ = fake
    assert main([str(folder / "a.png"), str(folder / "b.png"), "--json", "--progress"]) == 0
    out, err = capsys.readouterr()
    assert len(_jsonl(out)) == 2  # stdout stays pure JSON Lines
    assert "0/2 [" in err and "image/s" in err  # the bar (tqdm redraws it at most 10 times a second)
    assert main([str(folder / "a.png"), str(folder / "b.png"), "--json"]) == 0
    assert capsys.readouterr().err == ""  # stderr is not a terminal here


def test_mode_options_reach_tell(capsys, fake):
    calls, folder, _ = fake
    assert main([str(folder / "a.png"), "--prompt", "She opened the door", "--dialogue", "is it a cat? yes",
                 "--dialogue", "is it asleep? no", "--context", "a rainy day", "--next", "--json",
                 "--do-sample", "--seed", "3", "--temperature", "0.8"]) == 0
    (image, kw), = calls
    assert image == str(folder / "a.png")
    assert kw["prompt"] == "She opened the door" and kw["dialogue"] == ["is it a cat? yes", "is it asleep? no"]
    assert kw["context"] == "a rainy day" and kw["next_passage"] is True
    gen = kw["generation"]
    assert (gen.do_sample, gen.seed, gen.temperature, gen.num_beams) == (True, 3, 0.8, 50)


def test_sequence_is_one_story_over_the_images(capsys, fake):
    calls, folder, _ = fake
    assert main([str(folder / "b.png"), str(folder / "a.png"), "--sequence", "--json"]) == 0
    (images, _), = calls
    assert images == [str(folder / "b.png"), str(folder / "a.png")]  # in the order given
    assert len(_jsonl(capsys.readouterr().out)) == 1


def test_mode_option_unsupported_by_tell_is_one_line(capsys, fake):
    _, folder, state = fake
    state["modes"] = False
    assert main([str(folder / "a.png"), "--prompt", "Once"]) == 1
    assert "--prompt" in one_error_line(capsys.readouterr().err)
    assert main([str(folder / "a.png"), "--writer", "lm"]) == 1  # this load() has no writer parameter
    assert "--writer" in one_error_line(capsys.readouterr().err)


def test_json_of_the_default_bundle_validates_and_matches_the_text_output(capsys, tmp_path):
    folder = tmp_path / "images"
    folder.mkdir()
    for name in ("cat.jpg", "pizza.jpg"):
        shutil.copy(REPO / "images" / name, folder / name)
    (folder / "broken.jpg").write_bytes(b"\xff\xd8 not really a JPEG")
    args = [str(folder), "--k", "5", "--bw", "2"]
    assert main([*args]) == 1
    text_out = capsys.readouterr().out
    target = tmp_path / "out" / "stories.jsonl"
    assert main([*args, "--json", "--out", str(target)]) == 1
    rows = _jsonl(target.read_text(encoding="utf-8"))
    assert [Path(r["image"]).name for r in rows] == ["broken.jpg", "cat.jpg", "pizza.jpg"]
    assert rows[0]["error"] and rows[0]["text"] == ""
    for r in rows[1:]:
        assert len(r["captions"]) == 5 and all(isinstance(c["score"], float) for c in r["captions"])
        assert r["settings"]["num_beams"] == 2 and r["settings"]["num_captions"] == 5
        block = text_out.split(f"=== {r['image']}\n", 1)[1]
        captions = block.split("NEAREST-CAPTIONS: \n", 1)[1].split("\n\nOUTPUT: \n", 1)[0].split("\n")
        assert captions == [c["caption"] for c in r["captions"]]
        assert block.split("OUTPUT: \n", 1)[1].split("\n", 1)[0] == r["text"]


# -------------------------------------------- modes (need the modes helper's Storyteller.tell; skipped without)
def _tell_has(name: str) -> None:
    import inspect

    from storyteller.pipeline import Storyteller

    if name not in inspect.signature(Storyteller.tell).parameters:
        pytest.skip(f"Storyteller.tell has no '{name}' parameter yet (issue 10 modes, merged separately)")


def test_prompt_starts_the_story(capsys):
    _tell_has("prompt")
    assert main(["images/cat.jpg", "--prompt", "She opened the door", "--k", "10", "--bw", "5", "--json"]) == 0
    row, = _jsonl(capsys.readouterr().out)
    assert row["text"].startswith("She opened the door") and row["prompt"] == "She opened the door"


def test_sequence_gives_one_passage_per_image_and_next(capsys):
    _tell_has("next_passage")
    assert main(["images/cat.jpg", "images/pizza.jpg", "--sequence", "--next", "--k", "10", "--bw", "5",
                 "--json"]) == 0
    row, = _jsonl(capsys.readouterr().out)
    assert len(row["passages"]) == 3 and all(p.strip() for p in row["passages"])


def test_dialogue_changes_the_story(capsys):
    _tell_has("dialogue")
    base = ["images/cat.jpg", "--k", "10", "--bw", "5", "--json"]
    assert main(base) == 0
    plain, = _jsonl(capsys.readouterr().out)
    assert main([*base, "--dialogue", "is the cat asleep? yes", "--dialogue", "is it raining? no"]) == 0
    steered, = _jsonl(capsys.readouterr().out)
    assert steered["text"] != plain["text"]


def test_sampling_with_a_seed_is_repeatable(capsys):
    _tell_has("prompt")  # the issue-10 tell(), which takes every GenerationConfig knob
    base = ["images/cat.jpg", "--k", "10", "--do-sample", "--temperature", "0.9", "--json"]
    texts = []
    for seed in ("1", "1", "2"):
        assert main([*base, "--seed", seed]) == 0
        texts.append(_jsonl(capsys.readouterr().out)[0]["text"])
    assert texts[0] == texts[1] != texts[2]


def test_several_return_sequences_are_all_printed(capsys, monkeypatch, fake):
    import dataclasses

    from storyteller.pipeline import Story

    if "texts" not in {f.name for f in dataclasses.fields(Story)}:
        pytest.skip("Story has no 'texts' field yet (issue 10 modes, merged separately)")
    _, folder, _ = fake
    story = Story(text="first one", captions=[("a cat", 0.5)], image="a.png", settings={},
                  texts=["first one", "second , two", "third"])  # type: ignore[call-arg]
    monkeypatch.setattr(FakeTeller, "tell", lambda self, image, generation=None, **kw: story)
    assert main([str(folder / "a.png"), "--num-return-sequences", "3", "--do-sample"]) == 0
    assert capsys.readouterr().out == ("NEAREST-CAPTIONS: \na cat\n\nOUTPUT: \nfirst one\n"
                                       "\nOUTPUT 2: \nsecond , two\n\nOUTPUT 3: \nthird\n")


def test_sequence_text_output_shows_each_passage_under_its_image(capsys):
    """--sequence --next in text mode: one block per passage, named after its image (before: the first image's
    captions and all passages run together in one OUTPUT paragraph)."""
    from storyteller.__main__ import main as cli_main

    root = Path(__file__).resolve().parents[1]
    images = [str(root / "images" / "cat.jpg"), str(root / "images" / "dog.jpg")]
    assert cli_main(images + ["--sequence", "--next", "--num-beams", "2", "--max-new-tokens", "6",
                              "--num-captions", "5"]) == 0
    out = capsys.readouterr().out
    assert out.count("--- passage ") == 3 and out.count("NEAREST-CAPTIONS:") == 2 and out.count("OUTPUT:") == 3
    assert "cat.jpg)" in out and "dog.jpg)" in out and "(what happens next)" in out


@pytest.mark.parametrize("command", ["train-skipthoughts", "train-decoder", "train-vse"])
def test_every_trainer_option_is_described_with_its_default(command):
    """Before, --epochs, --lr, --dim ... had neither a description nor their real default in --help."""
    import argparse

    from storyteller.train import cli as train_cli

    parser = argparse.ArgumentParser()
    train_cli.register(parser, command)
    for action in parser._actions:
        if action.option_strings and action.dest != "help" and not isinstance(action.default, bool):
            assert action.help, action.dest
            if action.type in (int, float) and not action.required and action.dest != "time_budget":
                assert "default" in action.help, (action.dest, action.help)


def test_a_search_too_wide_is_one_error_for_all_images(capsys, monkeypatch):
    from storyteller import generation

    monkeypatch.setattr(generation, "available_bytes", lambda device: 1000)
    images = [str(REPO / "images" / name) for name in ("cat.jpg", "dog.jpg")]
    assert main([*images, "--num-beams", "5"]) == 1
    err = capsys.readouterr().err.splitlines()  # (was one error per image, each after its CNN and retrieval)
    assert len(err) == 1 and "num_beams=5 is too wide" in err[0] and err[0].startswith("storyteller: error:")


def test_each_images_notes_are_printed_and_name_it(capsys):
    images = [str(REPO / "images" / name) for name in ("cat.jpg", "dog.jpg")]
    assert main([*images, "--num-beams", "2", "--max-new-tokens", "1"]) == 0
    notes = [line for line in capsys.readouterr().err.splitlines() if "empty text" in line]
    # (was one note for the whole run, naming no image: Python shows a warning once per place)
    assert len(notes) == 2 and "cat.jpg: " in notes[0] and "dog.jpg: " in notes[1]
