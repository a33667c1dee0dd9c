"""Text that users feed the encoders, make-style and the style vectors: bad input gets one clear error naming it,
odd input works (issue 7, part 3)."""
from __future__ import annotations

import gzip
import os
import random
import warnings

import nltk.redos
import numpy as np
import pytest
import torch

from storyteller import embedding, generate, skipthoughts, style
from storyteller import tokenize as T
from storyteller.__main__ import main
from storyteller.errors import InputError, ModelFileError
from storyteller.passages import read_corpus


@pytest.fixture(scope="module")
def stv(z):
    return z["stv"]


def _long_text(golden, n_chars: int, seed: int = 0) -> str:
    """Varied English prose (the golden inputs: abbreviations, quotes, contractions, ellipses) in random order."""
    pool = golden.inputs["test_sentences"] + golden.inputs["romance_corpus"] + golden.inputs["lyrics_corpus"]
    rng = random.Random(seed)
    parts, size = [], 0
    while size < n_chars:
        s = rng.choice(pool) + rng.choice([" ", " ", "\n", "\n\n", "  "])
        parts.append(s)
        size += len(s)
    return "".join(parts)[:n_chars]


# ------------------------------------------------------------------------------------------- encoder inputs
@pytest.mark.parametrize("bad, words", [
    ([1, None], ["sentence 0", "int"]),
    (["a cat", None], ["sentence 1", "NoneType"]),
    ([["a", "cat"]], ["sentence 0", "list", "flat list"]),
    ("a cat on a mat", ["single str", "wrap it in a list"]),
    (b"a cat", ["single bytes"]),
    (None, ["NoneType"]),
    (42, ["int"]),
])
def test_encode_rejects_what_is_not_a_list_of_text(stv, bad, words):
    with pytest.raises(InputError) as e:
        skipthoughts.encode(stv, bad)
    assert all(w in str(e.value) for w in words), str(e.value)
    with pytest.raises(InputError):
        skipthoughts.preprocess(bad)


def test_encode_takes_bytes_as_the_original_did(stv, golden):
    """Bytes items are decoded and, like the original's Python-2 byte strings, their non-ASCII tokens are UNK."""
    sentences = golden.inputs["test_sentences"]
    as_bytes = skipthoughts.encode(stv, [s.encode("utf-8") for s in sentences])
    np.testing.assert_array_equal(as_bytes, skipthoughts.encode(stv, sentences, nonascii_unk=True))
    np.testing.assert_allclose(as_bytes, golden.npz["stv_test_py2bytes"], rtol=0, atol=2e-6)
    latin1 = skipthoughts.encode(stv, [bytearray("The café was empty .".encode("latin-1"))])
    np.testing.assert_array_equal(latin1, skipthoughts.encode(stv, ["The UNK was empty ."]))


def test_empty_sentence_names_its_index_and_text(stv):
    with pytest.raises(InputError) as e:
        skipthoughts.encode(stv, ["A cat on a mat.", " \u00a0\t"])
    assert "sentence 1" in str(e.value) and repr(" \u00a0\t") in str(e.value)
    assert e.value.index == 1


def test_odd_unicode_and_punctuation_encode(stv):
    odd = ["\u200bcat\u200b", "e\u0301", "🐈 cat 🐈\u200d⬛", "a\0b", "\udcff cat", "?!...", "--", "«»", "a\x85b", "ﬁ"]
    v = skipthoughts.encode(stv, odd)
    assert v.shape == (len(odd), stv.dim) and np.isfinite(v).all()


def test_vse_checks_its_sentences_too(z):
    with pytest.raises(InputError, match=r"encode_sentences\(\): sentence 1 is int"):
        embedding.encode_sentences(z["vse"], ["a dog", 3])
    caps = ["A man riding a wave on top of a surfboard .", "a vase of flowers"]
    np.testing.assert_array_equal(embedding.encode_sentences(z["vse"], [c.encode() for c in caps]),
                                  embedding.encode_sentences(z["vse"], caps))


# ----------------------------------------------------------------------------------------------- long texts
def test_tokenizer_runs_without_nltks_wall_clock_limit(monkeypatch, golden):
    """NLTK limits every regex to 5 s; a long passage took longer and died with NLTK's TimeoutError. A limit
    that any input exceeds shows that the tokenizer's patterns run without it."""
    monkeypatch.setattr(nltk.redos, "DEFAULT_TIMEOUT", 1e-9)
    text = _long_text(golden, 300_000)
    assert T.sent_tokenize(text) and T.preprocess([text])[0]


@pytest.mark.parametrize("limit", [1, 57, 600, 3000])
def test_prefix_tokenisation_gives_the_whole_texts_first_tokens(golden, limit):
    text = _long_text(golden, 120_000, seed=limit)
    full = T.preprocess([text])[0].split()
    assert len(text) > 2 * (limit + T._PREFIX_MARGIN)  # the prefix path is the one taken
    toks, more = T.text_tokens(text, limit)
    assert toks == full[:limit] and more
    assert T.text_tokens(text, None) == (full, False)
    assert T.text_tokens("A cat. A dog.", 100) == (["A", "cat", ".", "A", "dog", "."], False)


def test_encode_reads_the_first_max_tokens_of_a_long_text(stv, golden):
    text = _long_text(golden, 40_000)
    first = T.preprocess([text])[0].split()[:500]
    with pytest.warns(skipthoughts.LongTextWarning, match="max_tokens=500") as rec:
        skipthoughts.encode(stv, ["A cat.", text], max_tokens=500)
    assert rec[0].message.items == [1]
    with pytest.warns(skipthoughts.LongTextWarning):
        v = skipthoughts.encode(stv, [text], max_tokens=500)
    np.testing.assert_array_equal(v, skipthoughts.encode(stv, [" ".join(first)], preprocessed=True))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # below the limit: no warning, the original's result
        np.testing.assert_array_equal(skipthoughts.encode(stv, [text], max_tokens=None),
                                      skipthoughts.encode(stv, T.preprocess([text]), preprocessed=True,
                                                          max_tokens=None))
    with pytest.raises(InputError, match="max_tokens"):
        skipthoughts.encode(stv, ["A cat."], max_tokens=0)


def test_five_megabyte_texts_encode(stv):
    """A 5 MB single sentence and a 5 MB text of many sentences (which ran into NLTK's time limit) encode
    from their first MAX_TOKENS tokens."""
    n = 5_000_000
    texts = [("the cat sat on the mat and " * (n // 27 + 1))[:n], ("The cat sat on the mat. " * (n // 24 + 1))[:n]]
    with pytest.warns(skipthoughts.LongTextWarning):
        v = skipthoughts.encode(stv, texts)
    assert v.shape == (2, stv.dim) and np.isfinite(v).all()


# ---------------------------------------------------------------------------------------------- style vectors
def test_style_files_in_every_format(tmp_path, golden):
    v = np.load(golden.dir / "swift_style.npy")
    np.savez(tmp_path / "one.npz", v)
    np.savetxt(tmp_path / "col.txt", v)
    (tmp_path / "row.csv").write_text(",".join(map(repr, v.tolist())) + "\n")
    np.save(tmp_path / "row2d.npy", v[None].astype(np.float64))
    for name in ("one.npz", "col.txt", "row.csv", "row2d.npy"):
        out = style.load_style(tmp_path / name, 48)
        assert out.dtype == np.float32 and out.shape == (48,)
        np.testing.assert_array_equal(out, v)


@pytest.mark.parametrize("make, words", [
    (lambda p, v: np.savez(p.open("wb"), a=v, b=v), ["2 arrays", "a, b", "exactly one"]),
    (lambda p, v: np.save(p, v[:47]), ["47 values", "(48,)"]),
    (lambda p, v: np.save(p, v.reshape(2, 24)), ["(2, 24)", "(48,)"]),
    (lambda p, v: np.save(p, np.where(np.arange(48) == 5, np.nan, v)), ["non-finite", "index 5"]),
    (lambda p, v: np.save(p, np.full(48, 1e39)), ["non-finite"]),
    (lambda p, v: np.save(p, np.array([v], dtype=object), allow_pickle=True), ["Python objects"]),
    (lambda p, v: p.write_text("0.1 0.2\nzero 0.4\n"), ["line 2", "'zero'"]),
    (lambda p, v: p.write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0"), ["neither"]),
    (lambda p, v: p.write_bytes(b"PK\x03\x04garbage"), ["damaged .npz"]),
    (lambda p, v: p.mkdir(), ["folder"]),
])
def test_bad_style_files_name_the_file_and_the_shape(tmp_path, golden, make, words):
    path = tmp_path / "style.npy"
    make(path, np.load(golden.dir / "swift_style.npy"))
    with pytest.raises(ModelFileError) as e:
        style.load_style(path, 48, "posbias")
    msg = str(e.value)
    assert "'posbias'" in msg and str(path) in msg and all(w in msg for w in words), msg


def test_style_file_messages_name_a_cli_option(tmp_path):
    np.save(tmp_path / "s.npy", np.zeros(3, np.float32))
    with pytest.raises(ModelFileError, match=r"^--style: style file .*s\.npy has shape \(3,\)"):
        style.load_style(tmp_path / "s.npy", 48, "--style")
    with pytest.raises(ModelFileError, match=r"^--style: .*nope\.npy: file not found\.$"):
        style.load_style(tmp_path / "nope.npy", 48, "--style")


def test_check_style(golden):
    v = np.load(golden.dir / "swift_style.npy")
    for ok in (v, v[None], v[:, None], v.astype(np.float64), v.tolist(), torch.from_numpy(v)):
        out = style.check_style(ok, 48, "z['bpos']")
        assert out.dtype == np.float32 and out.shape == (48,)
        np.testing.assert_array_equal(out, v)
    for bad, word in ((v[:40], "40 values"), (v.reshape(2, 24), "(2, 24)"), (np.array(["a"] * 48), "<U1"),
                      (np.full(48, np.inf), "non-finite"), ("swift_style.npy", "str"), (None, "object")):
        with pytest.raises(InputError) as e:
            style.check_style(bad, 48, "z['bpos']")
        assert "z['bpos']" in str(e.value) and word in str(e.value) and "(48,)" in str(e.value), str(e.value)


def test_story_with_a_wrong_size_style_vector_says_so(z, golden, capsys):
    feats = np.load(golden.dir / "image_features.npy")[0]
    with pytest.raises(InputError, match=r"z\['bpos'\] has shape \(47,\)"):  # named as the user wrote it
        generate.story(dict(z, bpos=np.zeros(47, np.float32)), feats, k=5, bw=2)
    with pytest.raises(InputError, match="non-finite"):
        style.shift(np.zeros((3, 48), np.float32), np.zeros(48), np.full(48, np.nan))


# ---------------------------------------------------------------------------------------------------- corpora
def test_text_without_blank_lines_is_one_passage_per_line(tmp_path):
    (tmp_path / "lyrics.txt").write_text("We were dancing\r\n\r\nin the rain\n", encoding="utf-8")
    assert read_corpus(tmp_path / "lyrics.txt") == ["We were dancing", "in the rain"]
    (tmp_path / "lines.txt").write_text("first line here\nsecond line\n  \nthird\n", encoding="utf-8")
    ps = read_corpus(tmp_path / "lines.txt")
    assert ps == ["first line here second line", "third"]
    assert [p.source.rsplit(":", 1)[1] for p in ps] == ["1", "4"]
    (tmp_path / "flat.txt").write_text("one\ntwo words\nthree more words\n", encoding="utf-8")
    ps = read_corpus(tmp_path / "flat.txt", min_words=2)
    assert ps == ["two words", "three more words"] and ps[1].source.endswith("flat.txt:3")


def test_csv_cells_spanning_lines_keep_their_line_breaks_as_spaces(tmp_path):
    path = tmp_path / "poems.csv"
    path.write_text('title,text\nSea,"the ship in the harbour\nthe gulls, crying"\nNight,"stars\r\nabove"\n',
                    encoding="utf-8")
    ps = read_corpus(path, column="text")
    assert ps == ["the ship in the harbour the gulls, crying", "stars above"]
    assert [p.source for p in ps] == [f"{path}:2", f"{path}:4"]
    assert read_corpus(path, column=1)[1:] == ps and read_corpus(path, column="1")[1:] == ps
    with pytest.raises(InputError, match=r"no column named 'lyrics'.*'title', 'text'"):
        read_corpus(path, column="lyrics")
    with pytest.raises(InputError, match="--column 5 does not exist; the rows have at most 2"):
        read_corpus(path, column=5)


def test_folder_with_binary_unreadable_and_non_utf8_files(tmp_path):
    (tmp_path / "good.txt").write_text("A good passage here.\n\nAnother one.\n", encoding="utf-8")
    (tmp_path / "latin.txt").write_bytes("Le caf\xe9 \xe9tait vide.".encode("latin-1"))
    (tmp_path / "utf16.txt").write_text("Sixteen bits wide.", encoding="utf-16")
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    (tmp_path / "sub").mkdir()
    with gzip.open(tmp_path / "sub" / "book.txt.gz", "wt", encoding="utf-8") as f:
        f.write("Compressed text.")
    locked = tmp_path / "locked.txt"
    locked.write_text("secret")
    locked.chmod(0)
    notes = []
    ps = read_corpus(tmp_path, report=notes.append)
    readable = ["secret"] if os.access(locked, os.R_OK) else []  # (root reads the locked file)
    assert sorted(ps) == sorted(["A good passage here.", "Another one.", "Le café était vide.",
                                 "Sixteen bits wide.", "Compressed text."] + readable)
    assert any("binary.txt" in n and "binary" in n for n in notes)
    assert any("latin.txt is not UTF-8" in n for n in notes)
    with pytest.raises(InputError, match="binary"):
        read_corpus(tmp_path / "binary.txt")
    with pytest.raises(InputError, match="no such file"):
        read_corpus(tmp_path / "missing.txt")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="no .txt"):
        read_corpus(empty)


def test_make_style_cli_counts_and_names(tmp_path, golden, capsys):
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(f"skmodels: {golden.dir}/\nsktables: {golden.dir}/\n")
    lines = golden.inputs["lyrics_corpus"][:4]
    (tmp_path / "lyrics.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    rc = main(["make-style", str(tmp_path / "lyrics.txt"), "--out", str(tmp_path / "s.npy"), "--config", str(cfg)])
    out, err = capsys.readouterr()
    assert rc == 0 and f"{len(lines)} passages" in out
    assert "skip-thoughts" not in err  # no progress bar where stderr is not a terminal (was one, unlike `story`)
    n_sent = sum(len(T.sent_tokenize(s)) for s in lines)
    assert f"({n_sent} sentences) from 1 file(s)" in out
    want = skipthoughts.encode(skipthoughts.load_model(golden.dir, golden.dir), lines).mean(0)
    np.testing.assert_allclose(np.load(tmp_path / "s.npy"), want, rtol=0, atol=1e-6)  # batch composition only
    (tmp_path / "p.csv").write_text("a,b\n1,2\n")
    rc = main(["make-style", str(tmp_path / "p.csv"), "--out", str(tmp_path / "t.npy"), "--column", "text",
               "--config", str(cfg)])
    err = capsys.readouterr().err
    assert rc == 1 and "p.csv: no column named 'text'" in err and not (tmp_path / "t.npy").exists()
