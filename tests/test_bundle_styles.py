"""The default bundle's named book styles: ``sea`` next to ``austen``, by name from the API and the CLI, with an
unknown name answered by the list of names, and ``build_default_bundle.py --add-styles`` (how ``sea`` was added)."""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

import storyteller
from storyteller import config, style
from storyteller.__main__ import main
from storyteller.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
BUNDLE = ROOT / "storyteller" / "bundle"
SEA_BOOKS = ["data/novels/mobydick.txt.gz", "data/novels/twentythousandleagues.txt.gz"]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def teller():
    return storyteller.load(device="cpu")


def test_bundle_names_its_styles():
    cfg = yaml.safe_load((BUNDLE / "config.yaml").read_text())
    assert cfg["styles"] == {"austen": "austen_style.npy", "captions": "caption_style.npy", "sea": "sea_style.npy"}
    assert cfg["posbias"] == "austen_style.npy"  # Austen stays the default book style


def test_manifest_matches_the_bundle_and_names_the_sea_sources():
    """Every file the manifest lists has its recorded sha256 (config.yaml and sea_style.npy included, so the
    manifest was updated with them) and the sea style's novels are the committed ones."""
    man = json.loads((BUNDLE / "manifest.json").read_text())
    on_disk = {str(p.relative_to(BUNDLE)) for p in BUNDLE.rglob("*") if p.is_file() and p.name != "manifest.json"}
    assert set(man["files"]) == on_disk
    for name, sha in man["files"].items():
        assert _sha(BUNDLE / name) == sha, name
    assert man["styles"]["sea"]["file"] == "sea_style.npy" and man["styles"]["sea"]["sources"] == SEA_BOOKS
    assert man["styles"]["sea"]["passages"] > 1000
    for src in SEA_BOOKS:
        assert man["sources"][src] == _sha(ROOT / src), src


def test_sea_style_loads_and_differs_from_austen(teller):
    sea = style.load_style(BUNDLE / "sea_style.npy", teller.skipthoughts.dim)
    austen = style.load_style(BUNDLE / "austen_style.npy", teller.skipthoughts.dim)
    assert sea.shape == austen.shape == (teller.skipthoughts.dim,)
    # a mean of passage vectors whose halves are unit vectors: each half's norm is at most 1
    half = teller.skipthoughts.uni.hidden_size
    assert 0 < np.linalg.norm(sea[:half]) <= 1 and 0 < np.linalg.norm(sea[half:]) <= 1
    assert np.linalg.norm(sea - austen) > 0.01 * np.linalg.norm(austen)


def test_use_style_by_name_and_unknown_name(teller):
    teller.use_style("sea")
    try:
        assert teller.style_name == "sea"
        assert np.array_equal(teller.book_style.numpy(), np.load(BUNDLE / "sea_style.npy"))
        with pytest.raises(InputError, match=r"style 'nope'.*known styles: austen, captions, sea"):
            teller.use_style("nope")
        assert teller.style_name == "sea"  # a failed switch leaves the style as it was
    finally:
        teller.use_style("austen")
    assert np.array_equal(teller.book_style.numpy(), np.load(BUNDLE / "austen_style.npy"))


def test_cli_unknown_style_names_the_bundles_styles(capsys):
    assert main([str(ROOT / "images" / "cat.jpg"), "--style", "nope"]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "nope" in err[0] and "austen, captions, sea" in err[0], err


@pytest.mark.slow
def test_cli_style_sea_tells_the_sea_story(capsys, teller):
    """`--style sea` tells the story the API tells with use_style("sea"); it is not the default story."""
    assert main([str(ROOT / "images" / "cat.jpg"), "--style", "sea"]) == 0
    out = capsys.readouterr().out
    teller.use_style("sea")
    try:
        sea = teller.tell(str(ROOT / "images" / "cat.jpg")).text
    finally:
        teller.use_style("austen")
    samples = json.loads((ROOT / "tests" / "data" / "sample_outputs.json").read_text(encoding="utf-8"))
    assert sea in out and sea != samples["images"]["cat.jpg"]["story"]


def test_add_styles_adds_the_sea_style_to_a_bundle(tmp_path, golden):
    """``--add-styles`` on a toy bundle (the golden skip-thoughts, --tiny passage settings): writes sea_style.npy,
    adds it to config.yaml and the manifest, and leaves the other files as they were."""
    out = tmp_path / "bundle"
    (out / "skipthoughts").mkdir(parents=True)
    for name in ("uni_skip.npz", "uni_skip.npz.pkl", "bi_skip.npz", "bi_skip.npz.pkl", "utable.npy", "btable.npy",
                 "dictionary.txt"):
        (out / "skipthoughts" / name).symlink_to(golden.dir / name)
    austen = np.load(golden.dir / "romance_style.npy")
    np.save(out / "austen_style.npy", austen)
    (out / "config.yaml").write_text("name: toy\nposbias: austen_style.npy\nstyles:\n  austen: austen_style.npy\n")
    manifest = {"sources": {"data/austen/emma.txt.gz": "x"},
                "files": {"austen_style.npy": _sha(out / "austen_style.npy")},
                "settings": {"passages": {"min_tokens": 40, "max_tokens": 120, "stride": 8}}}
    (out / "manifest.json").write_text(json.dumps(manifest))
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_default_bundle.py"), "--add-styles", "--tiny",
                           "--out", str(out), "--work", str(tmp_path / "work"), "--device", "cpu"],
                          capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    sea = style.load_style(out / "sea_style.npy", austen.size)
    assert not np.allclose(sea, austen)
    cfg = yaml.safe_load((out / "config.yaml").read_text())
    assert cfg["styles"] == {"austen": "austen_style.npy", "sea": "sea_style.npy"} and cfg["name"] == "toy"
    man = json.loads((out / "manifest.json").read_text())
    assert man["files"]["austen_style.npy"] == manifest["files"]["austen_style.npy"]
    for name in ("sea_style.npy", "config.yaml"):
        assert man["files"][name] == _sha(out / name)
    assert man["sources"]["data/austen/emma.txt.gz"] == "x"
    assert {s: man["sources"][s] for s in SEA_BOOKS} == {s: _sha(ROOT / s) for s in SEA_BOOKS}
    assert man["styles"]["sea"]["sources"] == SEA_BOOKS and man["styles"]["sea"]["passages"] > 0
    assert np.array_equal(np.load(out / "austen_style.npy"), austen)
    loaded = config.load_config(out, check_files=False)
    assert Path(loaded["styles"]["sea"]).samefile(out / "sea_style.npy")
