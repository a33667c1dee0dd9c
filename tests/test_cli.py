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
