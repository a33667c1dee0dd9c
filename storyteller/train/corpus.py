"""Text corpora for training: plain-text books into paragraphs, sentences and token lists."""
from __future__ import annotations

import gzip
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from ..errors import InputError
from ..tokenize import sent_tokenize, word_tokenize

__all__ = ["read_text", "paragraphs", "tokenize_paragraphs", "build_dictionary"]

_HEADING = re.compile(r"^(?i:chapter|volume|book|by jane austen)\b|^[^a-z]*$")


def read_text(path: str | Path) -> str:
    """Read a ``.txt`` or ``.txt.gz`` file as UTF-8."""
    path = Path(path)
    try:
        data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    except (OSError, EOFError) as e:
        raise InputError(f"{path}: cannot be read as {'gzip' if path.suffix == '.gz' else 'a file'} "
                         f"({getattr(e, 'strerror', None) or e})") from None
    if b"\0" in data[:4096]:
        raise InputError(f"{path} looks like a binary file (it contains NUL bytes), not text; give UTF-8 text files")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(f"{path} is not UTF-8 text (byte {e.start}: {e.reason}); convert it to UTF-8") from None


def paragraphs(text: str, min_words: int = 1) -> list[str]:
    """Blank-line separated paragraphs, re-flowed onto one line; headings ("Chapter 3", all-caps titles) dropped.

    Double quotes and ``_emphasis_`` marks are removed so that the decoder learns plain narrative text.
    """
    out = []
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
        para = " ".join(block.split())
        if not para or (_HEADING.match(para) and len(para.split()) < 12):
            continue
        para = para.replace('"', "").replace("_", "")
        para = " ".join(para.split())
        if len(para.split()) >= min_words:
            out.append(para)
    return out


def tokenize_paragraphs(paras: Iterable[str]) -> list[list[list[str]]]:
    """Paragraphs -> sentences -> tokens, with the same Punkt + word_tokenize as skip-thoughts' preprocess."""
    return [[word_tokenize(s) for s in sent_tokenize(p)] for p in paras]


def build_dictionary(token_lists: Iterable[Sequence[str]], max_words: int | None = None,
                     min_count: int = 1) -> dict[str, int]:
    """Word -> index from 2 by descending frequency (0 = <eos>, 1 = UNK), as the original ``build_dictionary``."""
    counts = Counter(w for toks in token_lists for w in toks)
    words = [w for w, c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if c >= min_count]
    if max_words is not None:
        words = words[: max(0, max_words - 2)]
    return {w: i + 2 for i, w in enumerate(words)}
