"""Each trainer's output folder has a complete, loadable config.yaml (issue 7: a train-decoder folder used to fail
with "z['stv'] is not loaded"): tiny real runs of the CLI, chained as a user would chain them."""
from __future__ import annotations

import contextlib
import io
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

from storyteller import config, generate
from storyteller.__main__ import main
from storyteller.errors import ConfigError
from storyteller.train import corpus

torch.set_num_threads(1)
ROOT = Path(__file__).resolve().parents[1]
TINY = ["--device", "cpu", "--epochs", "1", "--batch-size", "16", "--dim-word", "8", "--max-words", "200"]
CAPTIONS = ["A cat sitting on a table", "A dog running in a field", "A pizza on a white plate",
            "A red car parked on a street", "A boat near the water", "A horse in the snow"]


def _cli(argv: list[str]) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        rc = main(argv)
    assert rc == 0, out.getvalue()
    return out.getvalue()


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    """train-skipthoughts (from the bundle) -> train-vse (from it) -> train-decoder (from that)."""
    tmp = tmp_path_factory.mktemp("chain")
    book = tmp / "book.txt"
    paras = corpus.paragraphs(corpus.read_text(ROOT / "data" / "austen" / "persuasion.txt.gz"))[:40]
    book.write_text("\n\n".join(paras))
    (tmp / "caps.txt").write_text("\n".join(CAPTIONS) + "\n")
    feats = np.random.default_rng(0).random((len(CAPTIONS), 1000), dtype=np.float32)  # the bundle CNN's 1000-d
    np.save(tmp / "feats.npy", feats)
    _cli(["train-skipthoughts", str(book), "--out", str(tmp / "sk"), *TINY, "--uni-dim", "8", "--bi-dim", "4"])
    _cli(["train-vse", "--captions", str(tmp / "caps.txt"), "--features", str(tmp / "feats.npy"), "--config",
          str(tmp / "sk"), "--out", str(tmp / "vse"), "--device", "cpu", "--epochs", "1", "--dim", "8",
          "--dim-word", "8"])
    _cli(["train-decoder", str(book), "--config", str(tmp / "vse"), "--out", str(tmp / "dec"), *TINY, "--dim", "16",
          "--min-tokens", "20", "--max-tokens", "60", "--stride", "4"])
    return tmp, feats


def test_skipthoughts_output_names_the_base_parts_it_can_keep(chain):
    tmp, _ = chain
    text = (tmp / "sk" / "config.yaml").read_text()
    assert text.startswith("# Written by `python -m storyteller train-skipthoughts`")
    cfg = config.load_config(tmp / "sk", require=("skmodels", "sktables"))
    assert cfg["skmodels"] == str(tmp / "sk") and cfg["sktables"] == str(tmp / "sk")
    bundle = config.load_config()
    assert cfg["vsemodel"] == bundle["vsemodel"] and cfg["cnn"] == bundle["cnn"]  # named, by absolute path
    assert yaml.safe_load(text)["vsemodel"] == bundle["vsemodel"]
    # the bundle's decoder and styles belong to another encoder: left out, and the check says what is missing
    assert cfg["decmodel"] == cfg["negbias"] == cfg["posbias"] == "" and cfg["styles"] == {}
    assert "train-decoder" in text
    with pytest.raises(ConfigError, match=r"'decmodel'.*'dictionary'.*'negbias'.*'posbias'"):
        config.check(cfg)


def test_vse_output_has_its_captions_and_their_style(chain):
    tmp, _ = chain
    cfg = config.load_config(tmp / "vse", require=("skmodels", "vsemodel", "captions", "negbias"))
    assert cfg["skmodels"] == str(tmp / "sk") and cfg["vsemodel"] == str(tmp / "vse" / "vse.safetensors")
    assert generate.read_captions(cfg["captions"]) == CAPTIONS
    assert np.load(cfg["negbias"]).shape == (8 + 8,)  # the caption style, in the tiny encoder's space
    assert yaml.safe_load((tmp / "vse" / "config.yaml").read_text())["vsemodel"] == "vse.safetensors"


def test_decoder_output_loads_and_tells_a_story(chain, capsys):
    """The issue's case: a train-decoder folder given as the config tells a story."""
    tmp, feats = chain
    raw = yaml.safe_load((tmp / "dec" / "config.yaml").read_text())
    assert raw["decmodel"] == "decoder.safetensors" and raw["posbias"] == "book_style.npy"  # its own: relative
    assert raw["skmodels"] == str(tmp / "sk") and raw["negbias"] == str(tmp / "vse" / "caption_style.npy")
    config.check(config.load_config(tmp / "dec"))  # complete: nothing missing
    z = generate.load_all(tmp / "dec", verbose=False)
    capsys.readouterr()
    text = generate.story(z, feats[2], k=3, bw=2)
    out = capsys.readouterr().out
    assert out.startswith("NEAREST-CAPTIONS: \n") and "OUTPUT: \n" in out
    assert out.split("NEAREST-CAPTIONS: \n")[1].splitlines()[0] in CAPTIONS
    assert isinstance(text, str) and text.strip()
    assert set(z["styles"]) == {"book"}
