"""Offline NLTK tokenisation, as used by the original skip-thoughts ``preprocess``.

The original code split text into sentences with NLTK's pretrained English Punkt model
and word-tokenised each sentence with ``nltk.word_tokenize``.  Modern NLTK (>= 3.9)
reads Punkt from ``punkt_tab`` data that normally has to be downloaded.  This module
builds the same tokenizer from a vendored copy of the English ``punkt_tab`` files
(``storyteller/_data/punkt_tab/english``), so it never touches the network, never looks
at ``nltk.data.path``/``NLTK_DATA``/``~/nltk_data``, and gives exactly what
``nltk.sent_tokenize`` / ``nltk.word_tokenize`` (language ``english``) give.
"""
from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import TextIO

from nltk.tabdata import PunktDecoder
from nltk.tokenize.destructive import NLTKWordTokenizer
from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

__all__ = [
    "PUNKT_DIR", "PunktDataError", "load_punkt_params", "preprocess", "sent_tokenize", "word_tokenize",
]

#: Folder holding the vendored English ``punkt_tab`` model.
PUNKT_DIR: Path = Path(__file__).resolve().parent / "_data" / "punkt_tab" / "english"

#: sha256 of each vendored file (NLTK ``punkt_tab`` English, as shipped in llama-index-core 0.14.25).
_PUNKT_SHA256: dict[str, str] = {
    "abbrev_types.txt": "92a3e070f43d9b4c5534758ca40ad7343b04e7e29bfe0c2eb658a39445a4f779",
    "collocations.tab": "8e2da1225e4dd2cc9dba261ee231ccb134859e21b46006e7f472c5ee269af0cf",
    "ortho_context.tab": "4bbcca25ed3d3f06c02402abf8419b9f033b8adc06e7b482eca4e45f81a5dc4c",
    "sent_starters.txt": "f3f8535483e1dba487241b764945168123bca3209a9645e59acd1225dc76edac",
}

_WORD_TOKENIZER = NLTKWordTokenizer()


from .errors import PunktDataError  # noqa: E402  (re-exported)


def _data_error(problem: str, directory: Path) -> PunktDataError:
    return PunktDataError(
        f"Vendored Punkt data in {directory} is {problem}. Reinstall storyteller, or restore "
        f"the four English punkt_tab files ({', '.join(sorted(_PUNKT_SHA256))}) into that "
        "folder, e.g. from the llama-index-core 0.14.25 wheel "
        "(llama_index/core/_static/nltk_cache/tokenizers/punkt_tab/english/); "
        "see storyteller/_data/punkt_tab/README.md."
    )


def load_punkt_params(directory: Path | None = None) -> PunktParameters:
    """Read and verify ``punkt_tab`` parameters, like ``nltk.tokenize.punkt.load_punkt_params``.

    ``directory`` defaults to :data:`PUNKT_DIR`.  Raises :class:`PunktDataError` if a
    file is missing, differs from the vendored checksum, or cannot be parsed.
    """
    directory = PUNKT_DIR if directory is None else Path(directory)
    for name, digest in _PUNKT_SHA256.items():
        path = directory / name
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise _data_error(f"incomplete ({name}: {exc.strerror or exc})", directory) from exc
        if hashlib.sha256(data).hexdigest() != digest:
            raise _data_error(f"corrupt ({name} fails its sha256 check)", directory)

    dec = PunktDecoder()
    params = PunktParameters()

    def lines(name: str) -> TextIO:
        return (directory / name).open(encoding="utf-8", newline="")

    try:
        with lines("collocations.tab") as f:
            params.collocations = set(dec.tab2tups(f))
        with lines("sent_starters.txt") as f:
            params.sent_starters = dec.txt2set(f)
        with lines("abbrev_types.txt") as f:
            params.abbrev_types = dec.txt2set(f)
        with lines("ortho_context.tab") as f:
            params.ortho_context = dec.tab2intdict(f)
    except (OSError, ValueError) as exc:
        raise _data_error(f"unreadable ({exc})", directory) from exc
    return params


@functools.lru_cache(maxsize=None)
def _sentence_tokenizer() -> PunktSentenceTokenizer:
    """The English Punkt tokenizer built from the vendored parameters (cached)."""
    tokenizer = PunktSentenceTokenizer()
    tokenizer._params = load_punkt_params()  # what nltk's PunktTokenizer.load_lang does
    return tokenizer


def sent_tokenize(text: str) -> list[str]:
    """Split ``text`` into sentences, exactly like ``nltk.sent_tokenize(text, 'english')``."""
    return _sentence_tokenizer().tokenize(text)


def word_tokenize(sentence: str) -> list[str]:
    """Tokenise like ``nltk.word_tokenize(sentence)`` (english, ``preserve_line=False``).

    As in NLTK, the input is first split into sentences with Punkt, then each piece is
    tokenised with ``NLTKWordTokenizer`` (the improved Treebank tokenizer).
    """
    return [tok for sent in sent_tokenize(sentence) for tok in _WORD_TOKENIZER.tokenize(sent)]


def preprocess(texts: list[str]) -> list[str]:
    """The skip-thoughts ``preprocess``: Punkt sentences, word tokens, space-joined.

    Each sentence contributes ``' ' + ' '.join(word_tokenize(sentence))``, so a non-empty
    result starts with a space; an empty text gives ``''``.
    """
    out = []
    for text in texts:
        out.append("".join(" " + " ".join(word_tokenize(s)) for s in sent_tokenize(text)))
    return out
