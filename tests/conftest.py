"""Shared fixtures: the golden fixture set computed by the original 2015 code.

The golden folders hold small synthetic models in the original file formats plus outputs computed by the original
neural-storyteller (see tests/fixtures/golden/README.md). A copy travels with the repository
(``tests/fixtures/golden``, ``tests/fixtures/golden-vgg``), so the parity tests run on a user's clone too; where the
project's shared folder (``../shared`` beside the repository, present in CI) exists, it is used instead and
``tests/test_fixtures.py`` checks that the copy in the repository still equals it.
"""
from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

torch.set_num_threads(1)

FIXTURES = Path(__file__).resolve().parent / "fixtures"   # the copy in the repository
SHARED = Path(__file__).resolve().parents[2] / "shared"     # the project's shared folder, where present


def _fixture_dir(name: str) -> Path:
    shared = SHARED / name
    return shared if shared.is_dir() else FIXTURES / name


GOLDEN_DIR = _fixture_dir("golden")
GOLDEN_VGG_DIR = _fixture_dir("golden-vgg")
SKIP_REASON = f"golden fixtures not found in {GOLDEN_DIR} (restore tests/fixtures/golden from the repository)"

# The original config.py keys -> file name inside a folder laid out like ../shared/golden.
CONFIG_FILES = {
    "skmodels": "",            # a folder (the original concatenated strings, so it ended with '/')
    "sktables": "",
    "decmodel": "romance.npz",
    "dictionary": "romance_dictionary.pkl",
    "vsemodel": "coco_embedding.npz",
    "captions": "coco_train_caps.txt",
    "negbias": "caption_style.npy",
    "posbias": "romance_style.npy",
}


def make_config(folder: str | Path | None = None, **overrides: Any) -> dict[str, str]:
    """A config dict with the original keys pointing into ``folder`` (default: the golden folder); vgg=''."""
    folder = Path(folder) if folder is not None else GOLDEN_DIR
    cfg = {key: (str(folder) + "/" if not name else str(folder / name)) for key, name in CONFIG_FILES.items()}
    cfg["vgg"] = ""
    cfg.update({k: str(v) for k, v in overrides.items()})
    return cfg


class Golden:
    """The golden folder: ``dir``, ``json`` (golden.json), ``npz`` (golden.npz, loaded), ``inputs`` (inputs.json)."""

    def __init__(self, folder: Path) -> None:
        self.dir = folder
        self.json = json.loads((folder / "golden.json").read_text(encoding="utf-8"))
        with np.load(folder / "golden.npz") as f:
            self.npz = {k: f[k] for k in f.files}
        self.inputs = json.loads((folder / "inputs.json").read_text(encoding="utf-8"))
        self.meta = json.loads((folder / "fixture_meta.json").read_text(encoding="utf-8"))

    def images(self) -> list[dict]:
        return self.json["images"]

    def beam(self, name: str) -> list[tuple[list[int], float]]:
        """A golden beam (``imgN/beam_...`` or ``edge/...``) as [(tokens, score), ...] in the returned order."""
        flat = self.npz[f"{name}/tokens_flat"]
        off = self.npz[f"{name}/offsets"]
        scores = self.npz[f"{name}/scores"]
        return [(flat[off[j]:off[j + 1]].tolist(), float(scores[j])) for j in range(len(scores))]


@pytest.fixture(scope="session", autouse=True)
def _private_cache(tmp_path_factory):
    """Point the caption-vector cache at a temporary folder so tests never write into the user's home."""
    mp = pytest.MonkeyPatch()
    mp.setenv("STORYTELLER_CACHE", str(tmp_path_factory.mktemp("storyteller-cache")))
    yield
    mp.undo()


@pytest.fixture(scope="session")
def golden() -> Golden:
    if not (GOLDEN_DIR / "golden.json").is_file() or not (GOLDEN_DIR / "golden.npz").is_file():
        pytest.skip(SKIP_REASON)
    return Golden(GOLDEN_DIR)


@pytest.fixture(scope="session")
def config(golden) -> dict[str, str]:
    """The config dict of the golden run (decoder, VSE, skip-thoughts and styles from the golden folder)."""
    return make_config(golden.dir)


@pytest.fixture(scope="session")
def loaded(golden, config) -> tuple[dict, str]:
    """``(z, stdout)``: ``generate.load_all(config)`` on the golden folder and what it printed."""
    from storyteller import generate

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        z = generate.load_all(config)
    return z, buf.getvalue()


@pytest.fixture(scope="session")
def z(loaded) -> dict:
    """The ``z`` dict of the golden folder (tests must not modify it: copy it first)."""
    return loaded[0]


@pytest.fixture(scope="session")
def config_factory(golden):
    """``make_config(folder=None, **overrides)``: a config dict for a folder laid out like the golden one."""
    return make_config
