"""Teacher passages (``scripts/teacher_passages.py``) as training text: clean the LM's answers, tokenise them.

The LM's answers are stored as written (``raw``); what counts as the passage is decided here, so the rules can
change without regenerating the data. A small instruction model sometimes opens with a preamble ("Here is the
passage:"), adds comments about its own text, uses Markdown, or stops mid-sentence at its token limit.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path

from ..errors import InputError
from ..tokenize import sent_tokenize, word_tokenize

__all__ = ["clean", "read_passages", "tokenised"]

# A paragraph that talks about the text instead of telling it (the instruction leaking into the answer).
_META = re.compile(r"\b(?:this|the|a|my) (?:passage|prompt|picture above|description|revised version)\b|"
                   r"\bjane austen\b|\bas an ai\b|\bhere(?:'s| is) (?:an?|the|my|your)\b|^(?:note|title)\b",
                   re.IGNORECASE)
_OPENER = re.compile(r"^(?:sure|certainly|of course)\b.*$|^.{0,80}:$", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?][\"'\u201d\u2019)]*(?=\s|$)")


def clean(raw: str, min_words: int = 40) -> str | None:
    """The passage in one teacher answer ``raw``, re-flowed onto one line; ``None`` when fewer than
    ``min_words`` words of story are left. Drops an opening line that is a preamble ("Here is the passage:",
    "Sure!"), paragraphs that talk about the text (:data:`_META`), Markdown marks and quotes (as
    :func:`storyteller.train.corpus.paragraphs` does for the novels), and an unfinished last sentence."""
    if not isinstance(raw, str):
        raise InputError(f"a teacher passage must be a string, got {type(raw).__name__}")
    paras = [" ".join(p.split()) for p in re.split(r"\n\s*\n|\n", raw.strip())]
    paras = [p for p in paras if p]
    while paras and _OPENER.match(paras[0]):
        paras.pop(0)
    paras = [p for p in paras if not _META.search(p)]
    text = " ".join(paras)
    text = re.sub(r"[*#_\"\u201c\u201d]", "", text)
    text = " ".join(text.split())
    ends = [m.end() for m in _SENTENCE_END.finditer(text)]
    text = text[:ends[-1]] if ends else ""
    return text if len(text.split()) >= min_words else None


def read_passages(path: str | Path, min_words: int = 40) -> list[dict]:
    """The records of a ``passages.jsonl`` whose cleaned passage is long enough, each with ``text`` added.
    Raises :class:`~storyteller.errors.InputError` naming the file and line of a record that is not JSON or
    lacks ``raw``."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        why = getattr(e, "strerror", None) or str(e)
        raise InputError(f"{path}: cannot be read as UTF-8 JSON lines ({why}); give a passages.jsonl written by "
                         "scripts/teacher_passages.py") from None
    out = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            raw = rec["raw"]
            if not isinstance(raw, str):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            raise InputError(f"{path}, line {n}: not a teacher record (JSON with a string 'raw'); regenerate it "
                             "with scripts/teacher_passages.py") from None
        text = clean(raw, min_words)
        if text is not None:
            out.append({**rec, "text": text})
    return out


def tokenised(texts: Iterable[str]) -> list[list[list[str]]]:
    """Passages -> sentences -> tokens (Punkt + word_tokenize, as the novels): one document per passage.
    Raises :class:`~storyteller.errors.InputError` for a single string or a passage that is not a string."""
    if isinstance(texts, str):
        raise InputError("tokenised() takes a list of passages, got one string; wrap it in a list")
    texts = list(texts)
    for i, t in enumerate(texts):
        if not isinstance(t, str):
            raise InputError(f"passage {i} is {type(t).__name__}, not a string")
    return [[word_tokenize(s) for s in sent_tokenize(t)] for t in texts]
