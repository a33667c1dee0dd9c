"""Bad inputs found by trying to break the product (each failed before its fix): one clear error, no wrong result."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import storyteller
from storyteller import style
from storyteller.__main__ import main
from storyteller.errors import InputError, ModelFileError
from storyteller.train import corpus


@pytest.fixture(scope="module")
def teller(golden):
    return storyteller.load(golden.dir)


@pytest.fixture(scope="module")
def feats(golden):
    return np.load(golden.dir / "image_features.npy")


@pytest.mark.parametrize("scale, word", [(1e-30, "small"), (1e30, "large")])
def test_features_that_float32_cannot_normalise_are_refused(teller, feats, scale, word):
    # before: the norm under/overflowed and a story came back from NaN (or the wrong captions), with a warning only
    with pytest.raises(InputError, match=f"too {word} to normalise in float32.*divide by their largest"):
        teller.tell((feats[0] * scale).astype(np.float32), num_beams=2)
    with pytest.raises(InputError, match="beyond the float32 range"):
        teller.tell(feats[0].astype(np.float64) * 1e300, num_beams=2)


def test_feature_tensors_of_any_float_dtype_work_and_meta_ones_are_refused(teller, feats):
    want = teller.tell(torch.tensor(feats[0]).bfloat16().float().numpy(), num_beams=2).text
    assert teller.tell(torch.tensor(feats[0]).bfloat16(), num_beams=2).text == want  # before: TypeError
    with pytest.raises(InputError, match="meta"):
        teller.tell(torch.empty(64, device="meta"))  # before: NotImplementedError


@pytest.mark.parametrize("bad", [5, None, ""])
def test_load_style_needs_a_path(bad):
    with pytest.raises(InputError, match="style file must be a path"):
        style.load_style(bad, 48)  # before: TypeError from pathlib


def test_an_npz_of_several_arrays_is_not_called_damaged(golden):
    with pytest.raises(ModelFileError) as e:
        style.load_style(golden.dir / "romance.npz", 48)
    assert "damaged" not in str(e.value) and "arrays" in str(e.value)


@pytest.mark.parametrize("bad", [None, "one passage as a str", 3])
def test_make_style_needs_a_list_of_passages(z, bad):
    with pytest.raises(InputError, match="list of passages"):
        style.make_style(z["stv"], bad)  # before: TypeError, or the str read character by character


def test_training_text_that_is_binary_or_not_utf8_is_named(tmp_path):
    binary, latin = tmp_path / "x.npy", tmp_path / "y.txt"
    binary.write_bytes(b"\x93NUMPY\x00\x01")
    latin.write_bytes("caf\xe9".encode("latin-1"))
    with pytest.raises(InputError, match="x.npy looks like a binary file"):
        corpus.read_text(binary)  # before: 'utf-8' codec can't decode ... (no file named)
    with pytest.raises(InputError, match="y.txt is not UTF-8"):
        corpus.read_text(latin)


def test_index_captions_refuses_a_binary_file(golden, tmp_path, capsys):
    src = tmp_path / "nan.npy"
    np.save(src, np.full(3, np.nan))
    out = tmp_path / "idx"
    assert main(["index-captions", str(src), "--config", str(golden.dir), "--out", str(out), "--quiet"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "looks like" in err[0] and not out.exists()  # before: indexed as 2 captions, exit 0


def test_out_onto_a_folder_is_one_clear_line(tmp_path, capsys):
    img = tmp_path / "x.png"
    assert main([str(img), "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "is a folder; give the name of the file" in err[0]  # before: [Errno 21] ... .tmp


def test_out_onto_an_input_image_is_refused(tmp_path, capsys):
    root = __import__("pathlib").Path(__file__).resolve().parents[1]
    img = tmp_path / "victim.jpg"
    img.write_bytes((root / "images" / "cat.jpg").read_bytes())
    before = img.read_bytes()
    assert main([str(img), "--out", str(tmp_path / "." / "victim.jpg")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "is one of the input images" in err[0]
    assert img.read_bytes() == before  # before: the photo was replaced by its story, exit 0


def test_out_where_no_file_can_be_written_names_out(tmp_path, capsys):
    root = __import__("pathlib").Path(__file__).resolve().parents[1]
    img = tmp_path / "x.jpg"
    img.write_bytes((root / "images" / "cat.jpg").read_bytes())
    blocker = tmp_path / "plain_file"
    blocker.write_text("not a folder")
    out = blocker / "stories.txt"
    assert main([str(img), "--out", str(out)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"--out {out}: cannot write there" in err[0]  # before: [Errno 20] naming a .tmp


def test_a_truncated_image_is_decoded_with_a_note(tmp_path):
    """Decoded as far as it goes, as the original did (LOAD_TRUNCATED_IMAGES), but no longer silently."""
    from PIL import Image, ImageFile

    from storyteller.vision import preprocess

    root = __import__("pathlib").Path(__file__).resolve().parents[1]
    src = tmp_path / "trunc.jpg"
    src.write_bytes((root / "images" / "cat.jpg").read_bytes()[:2000])
    with pytest.warns(UserWarning, match="trunc.jpg' is truncated or damaged"):
        got = preprocess.open_image(str(src))
    ImageFile.LOAD_TRUNCATED_IMAGES = True
    try:
        with Image.open(src) as f:
            f.load()
            want = np.asarray(f.copy())
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = False
    assert np.array_equal(np.asarray(got), want)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a complete file: no note
        preprocess.open_image(str(root / "images" / "cat.jpg"))
