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

NLTK itself is imported on the first tokenisation (:mod:`storyteller._nltk_tokenizers`), not with this module:
it takes about a second, which a story about an image does not need when its caption pool's tokens are cached.
"""
from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from .errors import PunktDataError  # (re-exported)

if TYPE_CHECKING:
    from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

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

    from ._nltk_tokenizers import PunktDecoder, PunktParameters

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
    from ._nltk_tokenizers import LangVars, PunktSentenceTokenizer, Token

    tokenizer = PunktSentenceTokenizer(lang_vars=LangVars(), token_cls=Token)
    tokenizer._params = load_punkt_params()  # what nltk's PunktTokenizer.load_lang does
    return tokenizer


def _word_tokenizer():
    """NLTK's ``NLTKWordTokenizer`` (imports NLTK on first use)."""
    from ._nltk_tokenizers import WORD_TOKENIZER

    return WORD_TOKENIZER


def sent_tokenize(text: str) -> list[str]:
    """Split ``text`` into sentences, exactly like ``nltk.sent_tokenize(text, 'english')``."""
    return _sentence_tokenizer().tokenize(text)


def word_tokenize(sentence: str) -> list[str]:
    """Tokenise like ``nltk.word_tokenize(sentence)`` (english, ``preserve_line=False``).

    As in NLTK, the input is first split into sentences with Punkt, then each piece is
    tokenised with ``NLTKWordTokenizer`` (the improved Treebank tokenizer).
    """
    words = _word_tokenizer()
    return [tok for sent in sent_tokenize(sentence) for tok in words.tokenize(sent)]


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


def warm() -> None:
    """Import NLTK and build the Punkt tokenizer now (what the first tokenisation would otherwise pay)."""
    _sentence_tokenizer()
    _word_tokenizer()


def tokenizer_id() -> str:
    """What the tokens depend on, for cache keys: the installed NLTK (its ``VERSION`` file and location, found
    without importing NLTK) and the vendored Punkt files' checksums."""
    import importlib.util

    spec = importlib.util.find_spec("nltk")
    origin = Path(spec.origin) if spec is not None and spec.origin else None
    try:
        version = (origin.parent / "VERSION").read_text(encoding="utf-8").strip() if origin else "missing"
    except OSError:  # (a build without the file: the key then names the location only)
        version = "unknown"
    return f"nltk-{version}@{origin}:" + ",".join(_PUNKT_SHA256[name][:16] for name in sorted(_PUNKT_SHA256))
