"""Tests for storyteller.tokenize: golden parity with the original preprocess, offline use."""
from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path

import nltk
import pytest

from storyteller import tokenize as T

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
GOLDEN = SHARED / "golden"


@pytest.fixture(scope="module")
def golden() -> dict:
    path = GOLDEN / "golden.json"
    if not path.is_file():
        pytest.skip(f"golden fixtures not found at {GOLDEN} (expected ../shared beside the repo)")
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def inputs() -> dict:
    path = GOLDEN / "inputs.json"
    if not path.is_file():
        pytest.skip(f"golden fixtures not found at {GOLDEN} (expected ../shared beside the repo)")
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture
def fresh_cache():
    """Force the tokenizer to be rebuilt inside the test (and again afterwards)."""
    T._sentence_tokenizer.cache_clear()
    yield
    T._sentence_tokenizer.cache_clear()


@pytest.fixture
def offline(monkeypatch, tmp_path, fresh_cache):
    """No nltk downloads, no network, and an empty NLTK data path."""
    def refuse(*args, **kwargs):
        raise AssertionError("network/nltk.download used")

    empty = tmp_path / "nltk_data"
    empty.mkdir()
    monkeypatch.setenv("NLTK_DATA", str(empty))
    monkeypatch.setattr(nltk.data, "path", [str(empty)])
    monkeypatch.setattr(nltk, "download", refuse)
    monkeypatch.setattr(nltk.downloader, "download", refuse, raising=False)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_preprocess_matches_golden(golden, inputs):
    sentences = inputs["test_sentences"]
    assert len(sentences) == 22
    assert T.preprocess(sentences) == golden["preprocess"]


def test_tokens_match_golden(golden, inputs):
    tokens = [p.split() for p in T.preprocess(inputs["test_sentences"])]
    assert tokens == golden["preprocess_tokens"]


def test_py2_byte_string_path_matches_golden(golden, inputs):
    """The original saw captions as Python-2 byte strings (a latin-1 view of UTF-8)."""
    latin1 = [s.encode("utf-8").decode("latin-1") for s in inputs["test_sentences"]]
    out = [p.encode("latin-1").decode("utf-8") for p in T.preprocess(latin1)]
    assert out == golden["preprocess_py2bytes"]


def test_captions_tokenise(golden):
    """No golden tokens exist for the captions: check they tokenise and lose no characters."""
    captions = golden["captions_as_read"]
    out = T.preprocess(captions)
    assert len(out) == len(captions) == 268

    def squash(s: str) -> str:  # Treebank rewrites '"' as `` or ''
        return "".join(s.split()).replace("``", '"').replace("''", '"')

    for caption, text in zip(captions, out):
        assert text.startswith(" ") and "  " not in text
        assert squash(text) == squash(caption)


def test_works_offline(offline):
    assert T.preprocess(["Mr. Darcy arrived. He smiled."]) == [" Mr. Darcy arrived . He smiled ."]


def test_abbreviations_split_into_two_sentences():
    assert T.sent_tokenize("Mr. Darcy arrived. He smiled.") == ["Mr. Darcy arrived.", "He smiled."]
    assert T.sent_tokenize("Dr. Smith left at 3 p.m. on Jan. 5. She stayed.")[-1] == "She stayed."


def test_word_tokenize_splits_sentences_first():
    # NLTKWordTokenizer alone would leave "left." attached; nltk.word_tokenize splits first.
    assert T.word_tokenize("He left. She stayed.") == ["He", "left", ".", "She", "stayed", "."]
    assert T.word_tokenize("I can't go.") == ["I", "ca", "n't", "go", "."]


def test_empty_and_blank_texts():
    assert T.preprocess(["", "   "]) == ["", ""]
    assert T.sent_tokenize("") == []
    assert T.word_tokenize("") == []


def test_matches_nltk_with_same_data(monkeypatch, tmp_path):
    """Same output as nltk.sent_tokenize/word_tokenize reading the same punkt_tab files."""
    texts = ["Mr. Bennet said, \"It is 5 p.m.\" 'Are you sure?' she asked... No!",
             "She whispered: 'I love you.' The U.S. army (est. 1775) can't wait; he won't."]
    for name, keys in (("golden.json", ["captions_as_read"]),
                       ("inputs.json", ["test_sentences", "romance_corpus", "lyrics_corpus"])):
        if (GOLDEN / name).is_file():
            data = json.loads((GOLDEN / name).read_text(encoding="utf-8"))
            texts += [t for key in keys for t in data[key]]
    data = tmp_path / "nltk_data"
    shutil.copytree(T.PUNKT_DIR, data / "tokenizers" / "punkt_tab" / "english")
    monkeypatch.setattr(nltk.data, "path", [str(data)])
    nltk.tokenize._get_punkt_tokenizer.cache_clear()
    try:
        for text in texts:
            assert T.sent_tokenize(text) == nltk.sent_tokenize(text)
            assert T.word_tokenize(text) == nltk.word_tokenize(text)
    finally:
        nltk.tokenize._get_punkt_tokenizer.cache_clear()


def test_missing_data_gives_clear_error(monkeypatch, tmp_path, fresh_cache):
    monkeypatch.setattr(T, "PUNKT_DIR", tmp_path / "nowhere")
    with pytest.raises(T.PunktDataError, match="nowhere") as info:
        T.sent_tokenize("Hello there.")
    assert isinstance(info.value, ValueError)
    assert "punkt_tab" in str(info.value) and "llama-index-core" in str(info.value)


def test_corrupt_data_gives_clear_error(tmp_path):
    broken = tmp_path / "english"
    shutil.copytree(T.PUNKT_DIR, broken)
    with (broken / "abbrev_types.txt").open("a", encoding="utf-8") as f:
        f.write("\nxyz")
    with pytest.raises(ValueError, match="corrupt.*abbrev_types.txt"):
        T.load_punkt_params(broken)
