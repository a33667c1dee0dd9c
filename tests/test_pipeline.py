"""The typed pipeline (``storyteller.load`` / ``Storyteller.tell`` / ``Story``), the caption pool module, and the
checks at the public edge (``load``, ``tell``, ``generate.load_all``/``story``/``retrieve``), on the golden models.
"""
from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

import storyteller
from storyteller import captions, embedding, generate, pipeline
from storyteller.errors import ConfigError, InputError, ModelFileError

REPO = Path(__file__).resolve().parents[1]


def feats(golden, n):
    return golden.npz["image_features"][n]


def quiet_story(z, image, **kw):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        ret = generate.story(z, image, **kw)
    return ret, buf.getvalue()


@pytest.fixture(scope="module")
def teller(golden, config):
    return storyteller.load(config)


# ------------------------------------------------------------------------------------------- tell / Story
@pytest.mark.parametrize("n", [0, 3])
def test_tell_gives_the_original_story(golden, teller, n):
    story = teller.tell(feats(golden, n))
    img = golden.images()[n]
    assert isinstance(story, storyteller.Story)
    assert story.text == str(story) == img["run_sampler_k100_bw50"]
    assert [c for c, _ in story.captions[:5]] == img["top5_captions"]
    assert len(story.captions) == 100
    scores = [s for _, s in story.captions]
    assert all(type(s) is float for s in scores) and scores == sorted(scores, reverse=True)
    np.testing.assert_allclose(scores[:10], golden.npz[f"img{n}/scores"][img["top10"]], rtol=1e-4, atol=1e-6)
    assert story.settings["num_captions"] == 100 and story.settings["num_beams"] == 50
    assert story.image.startswith("<features float32")
    d = json.loads(json.dumps(story.to_dict()))
    assert d["text"] == story.text and d["captions"][0] == {"caption": story.captions[0][0],
                                                           "score": story.captions[0][1]}


def test_tell_knobs_match_story_k10_bw5(golden, teller):
    story = teller.tell(feats(golden, 1), num_captions=10, num_beams=5)
    want = golden.images()[1]["story_k10_bw5"]["stdout"]
    assert want.endswith("OUTPUT: \n" + story.text + "\n")
    assert generate.format_story(story) == want
    # the same through a generation mapping, and a dataclass whose other fields keep their defaults
    assert teller.tell(feats(golden, 1), {"num_captions": 10, "num_beams": 5}).text == story.text

    @dataclasses.dataclass
    class Gen:
        num_beams: int = 5
        temperature: float = 1.0

    assert teller.tell(feats(golden, 1), Gen(), num_captions=10).text == story.text
    with pytest.raises(InputError, match="temperature"):
        teller.tell(feats(golden, 1), Gen(temperature=0.0))  # a knob of GenerationConfig, checked by it


def test_tell_unknown_knob(golden, teller):
    with pytest.raises(InputError, match="beam_size"):
        teller.tell(feats(golden, 0), beam_size=3)
    with pytest.raises(InputError, match="generation"):
        teller.tell(feats(golden, 0), generation=3)


def test_story_compat_matches_tell(golden, z, teller):
    ret, out = quiet_story(z, feats(golden, 2), k=10, bw=5)
    story = teller.tell(feats(golden, 2), num_captions=10, num_beams=5)
    assert out == generate.format_story(story) and ret == story.text


def test_use_style_switches_the_book_style(golden, teller, z):
    st = pipeline.Storyteller(teller.skipthoughts, teller.decoder, teller.vse, None, teller.captions,
                              teller.caption_vectors, teller.caption_style, teller.book_style)
    st.use_style(golden.dir / "swift_style.npy")
    assert st.tell(feats(golden, 0)).text == golden.images()[0]["run_sampler_swift_k100_bw50"]
    with pytest.raises(InputError, match="nope"):
        st.use_style("nope")


# ------------------------------------------------------------------------------------------- bad knobs
BAD_COUNTS = ["5", 5.0, True, 0, -3, None]


@pytest.mark.parametrize("value", BAD_COUNTS, ids=repr)
@pytest.mark.parametrize("name", ["k", "bw"])
def test_story_bad_counts(golden, z, name, value, capsys):
    with pytest.raises(InputError, match=rf"^{name} must be"):
        generate.story(z, feats(golden, 0), **{name: value})
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("value", BAD_COUNTS, ids=repr)
@pytest.mark.parametrize("name", ["num_captions", "num_beams"])
def test_tell_bad_counts(golden, teller, name, value):
    with pytest.raises(InputError, match=rf"^{name} must be"):
        teller.tell(feats(golden, 0), **{name: value})


def test_retrieve_bad_k(golden, z):
    with pytest.raises(InputError, match="^k must be"):
        generate.retrieve(z, feats(golden, 0), "10")


def test_more_captions_than_the_pool_uses_all_with_a_warning(golden, z, teller):
    n = len(z["cap"])
    with pytest.warns(UserWarning, match=f"using all {n}"):
        story = teller.tell(feats(golden, 0), num_captions=10 * n, num_beams=2)
    assert len(story.captions) == n and story.settings["num_captions"] == n
    with pytest.warns(UserWarning, match=f"using all {n}"):
        ret, _ = quiet_story(z, feats(golden, 0), k=10 * n, bw=2)
    assert ret == story.text == quiet_story(z, feats(golden, 0), k=n, bw=2)[0]


# ------------------------------------------------------------------------------------------- bad features
@pytest.mark.parametrize("case,needle", [
    ("zeros", "all zero"), ("nan", "NaN or infinite"), ("inf", "NaN or infinite"), ("short", "expected"),
    ("text", "numbers"), ("list", "image must be"),
])
def test_bad_features_are_refused(golden, z, teller, case, needle, capsys):
    good = feats(golden, 0)
    dim = good.size
    bad = {"zeros": np.zeros(dim, np.float32), "nan": np.where(np.arange(dim) == 3, np.nan, good),
           "inf": np.where(np.arange(dim) == 3, np.inf, good), "short": good[:-1],
           "text": np.array(["a"] * dim), "list": list(good)}[case]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # not a RuntimeWarning and a story
        with pytest.raises(InputError, match=needle) as e:
            generate.story(z, bad)
        if case == "short":
            assert str(dim) in str(e.value)
        with pytest.raises(InputError, match=needle):
            teller.tell(torch.from_numpy(bad) if case in ("zeros", "nan") else bad)
    assert capsys.readouterr().out == ""


def test_no_cnn_is_an_input_error(golden, teller):
    with pytest.raises(InputError, match="no CNN"):
        teller.tell(golden.dir / "story_image.png")


# ------------------------------------------------------------------------------------------- bad z
@pytest.mark.parametrize("key", ["stv", "dec", "vse", "cap", "cvec", "bneg", "bpos"])
def test_z_missing_a_part_names_the_key(golden, z, key, capsys):
    z2 = dict(z)
    del z2[key]
    with pytest.raises(InputError, match=rf"z\['{key}'\] is missing"):
        generate.story(z2, feats(golden, 0))
    z2[key] = None
    with pytest.raises(InputError, match=rf"z\['{key}'\] is missing"):
        generate.story(z2, feats(golden, 0))
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("key", ["bpos", "bneg"])
@pytest.mark.parametrize("case,needle", [("short", "expected"), ("nan", "non-finite"), ("text", "numbers")])
def test_replaced_style_vector_is_checked(golden, z, key, case, needle, capsys):
    dim = z["stv"].dim
    vec = {"short": np.zeros(dim - 1, np.float32), "nan": np.full(dim, np.nan, np.float32), "text": "swift"}[case]
    with pytest.raises(InputError, match=rf"z\['{key}'\].*{needle}"):
        generate.story(dict(z, **{key: vec}), feats(golden, 0))
    assert capsys.readouterr().out == ""


def test_assigned_book_style_is_checked(golden, teller):
    st = dataclasses.replace(teller)
    st.book_style = torch.full((teller.skipthoughts.dim,), float("nan"))
    with pytest.raises(InputError, match="book_style"):
        st.tell(feats(golden, 0))


def test_z_cap_and_cvec_must_agree(golden, z):
    with pytest.raises(InputError, match=r"z\['cvec'\]"):
        generate.story(dict(z, cap=z["cap"][:-1]), feats(golden, 0))
    with pytest.raises(InputError, match="dict load_all"):
        generate.story([z], feats(golden, 0))


# ------------------------------------------------------------------------------------------- bad configs
@pytest.mark.parametrize("key", ["decmodel", "captions", "negbias", "skmodels"])
def test_config_without_a_part_fails_at_load(golden, config_factory, key, capsys):
    cfg = config_factory()
    cfg[key] = None if key == "captions" else ""
    with pytest.raises(ConfigError, match=f"'{key}'"):
        generate.load_all(cfg)
    assert capsys.readouterr().out == ""  # before anything is loaded or printed


@pytest.mark.parametrize("config", [42, ["config.yaml"]])
def test_config_of_the_wrong_type(config):
    with pytest.raises(ConfigError, match="config must be"):
        storyteller.load(config)


def test_bad_device_is_one_input_error(config):
    with pytest.raises(InputError, match="'gpu'") as e:
        storyteller.load(config, device="gpu")
    assert "xpu" not in str(e.value)  # not torch's list of every device type


# ------------------------------------------------------------------------------------------- caption pool
@pytest.fixture
def blank_pool(golden, tmp_path):
    """The golden folder's files with blank and whitespace-only lines in the caption file (lines 3, 8, 12, 272)."""
    folder = tmp_path / "pool"
    folder.mkdir()
    for p in golden.dir.iterdir():
        if p.is_file() and not p.name.startswith("golden."):
            (folder / p.name).symlink_to(p)
    lines = (golden.dir / "coco_train_caps.txt").read_bytes().split(b"\n")[:-1]
    lines = lines[:2] + [b""] + lines[2:6] + [b"   \t"] + lines[6:9] + ["\u00a0\u2003".encode()] + lines[9:] + [b""]
    (folder / "coco_train_caps.txt").unlink()
    (folder / "coco_train_caps.txt").write_bytes(b"\n".join(lines) + b"\n")
    return folder


def test_blank_caption_lines_are_skipped_with_a_warning(golden, blank_pool, config_factory, z):
    path = blank_pool / "coco_train_caps.txt"
    assert captions.blank_lines(captions.read_captions(path)) == [2, 7, 11, 271]  # read as the original
    with pytest.warns(UserWarning, match=r"coco_train_caps\.txt: skipped 4 blank line\(s\) \(line 3, 8, 12, 272\)"):
        zb = generate.load_all(config_factory(blank_pool), verbose=False)
    assert zb["cap"] == z["cap"]
    np.testing.assert_allclose(zb["cvec"], z["cvec"], rtol=0, atol=1e-6)
    # every caption may be retrieved now: the blank ones once failed with "cannot encode an empty sentence"
    with pytest.warns(UserWarning, match="using all"):
        ret, out = quiet_story(zb, feats(golden, 0), k=len(zb["cap"]) + 5, bw=2)
    assert out.startswith("NEAREST-CAPTIONS: \n") and ret


def test_blank_retrieved_caption_in_a_user_list(golden, z):
    cap = list(z["cap"])
    cap[golden.images()[0]["top10"][0]] = "  "
    with pytest.raises(InputError, match="blank"):
        quiet_story(dict(z, cap=cap), feats(golden, 0))


def test_empty_pool_is_a_model_file_error(tmp_path):
    (tmp_path / "caps.txt").write_text("\n \n")
    with pytest.warns(UserWarning), pytest.raises(ModelFileError, match="no caption"):
        captions.load_pool(tmp_path / "caps.txt")


def test_embed_caption_pool(golden, z, tmp_path, monkeypatch):
    vse_path = golden.dir / "coco_embedding.npz"
    caps, vecs = captions.embed_caption_pool(z["vse"], golden.dir / "coco_train_caps.txt", vse_path=vse_path,
                                             cache=tmp_path)
    assert caps == z["cap"] and vecs.dtype == torch.float32 and vecs.shape == z["cvec"].shape
    np.testing.assert_array_equal(vecs.numpy(), z["cvec"])  # the same computation (or its cache)
    assert len(list(tmp_path.glob("cvec-*.npy"))) == 1
    monkeypatch.setattr(embedding, "encode_sentences", lambda *a, **k: pytest.fail("the cache must be used"))
    again = captions.embed_caption_pool(z["vse"], golden.dir / "coco_train_caps.txt", vse_path=vse_path,
                                        cache=tmp_path)[1]
    assert torch.equal(again, vecs)
    monkeypatch.undo()
    _, v = captions.embed_caption_pool(z["vse"], z["cap"][:3])
    np.testing.assert_allclose(v.numpy(), z["cvec"][:3], rtol=0, atol=1e-6)
    with pytest.raises(InputError, match="caption 1 of the list is blank"):
        captions.embed_caption_pool(z["vse"], ["a dog", ""])


# ------------------------------------------------------------------------------------------- notebooks
def test_story_return_value_does_not_echo_in_a_notebook(golden, z):
    ret, out = quiet_story(z, feats(golden, 0), k=10, bw=5)
    text = golden.images()[0]["story_k10_bw5"]["stdout"].split("OUTPUT: \n")[1][:-1]
    assert isinstance(ret, str) and ret == text and ret + "!" == text + "!" and hash(ret) == hash(text)
    assert type(ret + "") is str and ret.split() == text.split() and out.endswith("OUTPUT: \n" + text + "\n")
    try:
        from IPython.core.formatters import DisplayFormatter
    except ImportError:
        assert ret._ipython_display_() is None  # IPython calls it instead of showing any repr

        class Printer:
            def __init__(self):
                self.out = []

            def text(self, s):
                self.out.append(s)

            pretty = breakable = text

        p = Printer()
        ret._repr_pretty_(p, False)
        assert p.out == []
    else:
        assert DisplayFormatter().format(ret) == ({}, {})


def test_no_ipywidgets_warning_in_a_notebook():
    """tqdm.auto warns "IProgress not found" on import inside a Jupyter kernel without ipywidgets."""
    code = "\n".join([
        "import sys, types, warnings, importlib",
        "sys.modules['ipykernel.zmqshell'] = types.ModuleType('ipykernel.zmqshell')  # as inside a kernel",
        "ip = types.ModuleType('IPython'); ip.get_ipython = lambda: type('ZMQInteractiveShell', (), {})()",
        "sys.modules['IPython'] = ip",
        "warnings.simplefilter('always')",
        "with warnings.catch_warnings(record=True) as w:",
        "    warnings.simplefilter('always')",
        "    for m in ('generate', 'pipeline', 'convert', 'train.common', 'train.vse', 'train.cli', '__main__'):",
        "        importlib.import_module('storyteller.' + m)",
        "print(len(w), [str(x.message)[:80] for x in w])",
    ])
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False,
                       env=dict(os.environ, PYTHONPATH=str(REPO)))
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("0 "), r.stdout


def test_import_stays_light_and_exports_the_api():
    code = ("import sys, storyteller; assert 'torch' not in sys.modules; "
            "print(storyteller.load.__module__, storyteller.Storyteller.__name__, storyteller.Story.__name__, "
            "storyteller.InputError.__name__, storyteller.__version__)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False,
                       env=dict(os.environ, PYTHONPATH=str(REPO)))
    assert r.returncode == 0, r.stderr
    assert r.stdout.split()[:4] == ["storyteller.pipeline", "Storyteller", "Story", "InputError"]
    assert {"load", "Storyteller", "Story"} <= set(dir(storyteller))
