"""NLTK's English tokenizers, their fixed patterns run without NLTK's 5-second regex limit.

:mod:`storyteller.tokenize` imports this module on first use, not with the package: importing NLTK takes about a
second (``nltk/__init__`` imports all of NLTK, scipy.stats included), which the default story path does not need
when the caption pool's tokens are cached (:func:`storyteller.captions.caption_tokens`).
"""
from __future__ import annotations

from nltk import redos
from nltk.tabdata import PunktDecoder
from nltk.tokenize import punkt
from nltk.tokenize.destructive import NLTKWordTokenizer
from nltk.tokenize.punkt import PunktLanguageVars, PunktParameters, PunktSentenceTokenizer, PunktToken

__all__ = ["WORD_TOKENIZER", "LangVars", "PunktDecoder", "PunktParameters", "PunktSentenceTokenizer", "Token"]


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


class LangVars(PunktLanguageVars):
    """English Punkt language variables with the same patterns, run without NLTK's 5-second limit."""

    re_boundary_realignment = _untimed(PunktLanguageVars.re_boundary_realignment)

    def __init__(self) -> None:
        super().__init__()
        self._re_period_context = _untimed(PunktLanguageVars().period_context_re())
        self._re_word_tokenizer = _untimed(PunktLanguageVars()._word_tokenizer_re())


class Token(PunktToken):
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


WORD_TOKENIZER = _WordTokenizer()
