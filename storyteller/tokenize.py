"""Offline NLTK tokenisation, as used by the original skip-thoughts ``preprocess``.

The original code split text into sentences with NLTK's pretrained English Punkt model
and word-tokenised each sentence with ``nltk.word_tokenize``.  Modern NLTK (>= 3.9)
reads Punkt from ``punkt_tab`` data that normally has to be downloaded.  This module
builds the same tokenizer from a vendored copy of the English ``punkt_tab`` files
(``storyteller/_data/punkt_tab/english``), so it never touches the network, never looks
at ``nltk.data.path``/``NLTK_DATA``/``~/nltk_data``, and gives exactly what
``nltk.sent_tokenize`` / ``nltk.word_tokenize`` (language ``english``) give.

NLTK (>= 3.10) runs every regular expression under a 5-second wall-clock limit meant for patterns supplied by
callers; a long passage (a few MB) exceeds it and fails with NLTK's own ``TimeoutError``. The patterns used here are
NLTK's fixed tokenizer patterns (linear-time), so this module uses them without that limit.
"""
from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import TextIO

from nltk import redos
from nltk.tabdata import PunktDecoder
from nltk.tokenize import punkt
from nltk.tokenize.destructive import NLTKWordTokenizer
from nltk.tokenize.punkt import PunktLanguageVars, PunktParameters, PunktSentenceTokenizer, PunktToken

__all__ = [
    "PUNKT_DIR", "PunktDataError", "load_punkt_params", "preprocess", "sent_tokenize", "word_tokenize",
    "text_tokens",
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


def _untimed(pattern):
    """NLTK's own pattern without the wall-clock limit (same compiled regex, ``timeout=None``)."""
    return redos.compile(pattern, timeout=None)


class _WordTokenizer(NLTKWordTokenizer):
    """``NLTKWordTokenizer`` with the same patterns, run without NLTK's 5-second limit."""

    STARTING_QUOTES = [(_untimed(rx), sub) for rx, sub in NLTKWordTokenizer.STARTING_QUOTES]
    PUNCTUATION = [(_untimed(rx), sub) for rx, sub in NLTKWordTokenizer.PUNCTUATION]
    PARENS_BRACKETS = (_untimed(NLTKWordTokenizer.PARENS_BRACKETS[0]), NLTKWordTokenizer.PARENS_BRACKETS[1])
    CONVERT_PARENTHESES = [(_untimed(rx), sub) for rx, sub in NLTKWordTokenizer.CONVERT_PARENTHESES]
    DOUBLE_DASHES = (_untimed(NLTKWordTokenizer.DOUBLE_DASHES[0]), NLTKWordTokenizer.DOUBLE_DASHES[1])
    ENDING_QUOTES = [(_untimed(rx), sub) for rx, sub in NLTKWordTokenizer.ENDING_QUOTES]


class _LangVars(PunktLanguageVars):
    """English Punkt language variables with the same patterns, run without NLTK's 5-second limit."""

    re_boundary_realignment = _untimed(PunktLanguageVars.re_boundary_realignment)

    def __init__(self) -> None:
        super().__init__()
        self._re_period_context = _untimed(PunktLanguageVars().period_context_re())
        self._re_word_tokenizer = _untimed(PunktLanguageVars()._word_tokenizer_re())


class _Token(PunktToken):
    """``PunktToken`` with the same patterns, run without NLTK's 5-second limit."""

    __slots__ = ()
    _RE_ELLIPSIS = _untimed(PunktToken._RE_ELLIPSIS)
    _RE_NUMERIC = _untimed(PunktToken._RE_NUMERIC)
    _RE_INITIAL = _untimed(PunktToken._RE_INITIAL)
    _RE_ALPHA = _untimed(PunktToken._RE_ALPHA)
    _RE_NON_PUNCT = _untimed(punkt._re_non_punct)

    @property
    def is_non_punct(self):
        return self._RE_NON_PUNCT.search(self.type)


_WORD_TOKENIZER = _WordTokenizer()


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


@functools.cache
def _sentence_tokenizer() -> PunktSentenceTokenizer:
    """The English Punkt tokenizer built from the vendored parameters (cached)."""
    tokenizer = PunktSentenceTokenizer(lang_vars=_LangVars(), token_cls=_Token)
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


#: How far (in tokens) cutting a text can change its tokenisation: Punkt decides a boundary from the tokens on
#: either side of it and the Treebank rules look at a sentence's two ends, so only the last few tokens of a prefix
#: can differ from the whole text's. A generous margin keeps prefix tokenisation exact for the tokens kept.
_PREFIX_MARGIN = 256


def _all_tokens(text: str) -> list[str]:
    return [tok for s in sent_tokenize(text) for tok in word_tokenize(s)]


def text_tokens(text: str, limit: int | None = None) -> tuple[list[str], bool]:
    """The tokens of ``preprocess([text])[0].split()``, at most ``limit`` of them, and whether there were more.

    A text much longer than ``limit`` tokens is tokenised only as far as needed (a growing prefix, until it
    holds ``limit`` tokens and a safety margin), so the first ``limit`` tokens of a 5 MB text cost no more
    than those of a short one; they equal the first ``limit`` tokens of the whole text's tokenisation.
    """
    if limit is None:
        return _all_tokens(text), False
    need = limit + _PREFIX_MARGIN
    size = 2 * need  # chars: a token and its space take at least 2, usually 5-6
    while size < len(text):
        toks = _all_tokens(text[:size])
        if len(toks) > need:
            return toks[:limit], True
        # grow in proportion to the tokens still missing (at least doubling when few or none were found)
        if len(toks) < need / 2:
            size = int(size * max(2.0, 1.25 * need / max(len(toks), 1)))
        else:
            size = int(size * 1.25 * need / len(toks)) + 1
    toks = _all_tokens(text)
    return toks[:limit], len(toks) > limit
