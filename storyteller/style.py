"""Style vectors and the style shift of neural-storyteller: ``F(x) = x - c + b``.

x is the mean skip-thought vector of the retrieved captions, c the "caption style" (mean over the caption
corpus) and b the "book style" (mean over passages of the target genre, e.g. romance novels or lyrics).
Nothing is normalised (spec §2 step 8). A style vector is simply the mean combine-skip vector of a corpus
(neural-storyteller#14, #31), which :func:`make_style` computes.
"""
from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from . import skipthoughts

__all__ = ["shift", "make_style", "read_passages", "load_style"]


def shift(svecs: np.ndarray, bneg: np.ndarray, bpos: np.ndarray) -> np.ndarray:
    """``mean(svecs) - bneg + bpos`` in float32, as the original computes it."""
    return svecs.mean(0) - np.asarray(bneg).reshape(-1) + np.asarray(bpos).reshape(-1)


def load_style(path: str | Path, dim: int | None = None, key: str = "posbias") -> np.ndarray:
    """Load a style ``.npy`` (shape (dim,) or (1, dim)) as float32 (dim,), checking its size."""
    from .legacy import ModelFileError

    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"config key '{key}': {path}: file not found. Check the path in config.yaml.")
    try:
        v = np.load(path, allow_pickle=False)
    except Exception as e:
        raise ModelFileError(f"config key '{key}': {path} is not a readable .npy array ({e}).") from None
    v = np.asarray(v, dtype=np.float32).reshape(-1)
    if dim is not None and v.size != dim:
        raise ModelFileError(
            f"config key '{key}': {path} has {v.size} values, expected {dim} (the skip-thought vector size). "
            "Style vectors must be made with the same skip-thoughts model (python -m storyteller make-style).")
    return v


def read_passages(source: str | Path, min_words: int = 0, column: str | int | None = None) -> list[str]:
    """Read passages from a text file (blank-line separated paragraphs), a CSV (one passage per row, as
    PoetRNN's data), or a folder of ``.txt``/``.csv`` files. Passages shorter than ``min_words`` are dropped.
    """
    source = Path(source)
    if source.is_dir():
        files = sorted(p for p in source.rglob("*") if p.suffix.lower() in (".txt", ".csv"))
        if not files:
            raise ValueError(f"{source}: no .txt or .csv files found")
        return [p for f in files for p in read_passages(f, min_words, column)]
    if not source.is_file():
        raise FileNotFoundError(f"{source}: no such file or folder")
    text = source.read_text(encoding="utf-8", errors="replace")
    if source.suffix.lower() == ".csv":
        rows = list(csv.reader(text.splitlines()))
        if rows and column is not None and isinstance(column, str):
            header, rows = rows[0], rows[1:]
            if column not in header:
                raise ValueError(f"{source}: no column named {column!r} (columns: {header})")
            column = header.index(column)
        col = int(column or 0)
        passages = [" ".join(r[col].split()) for r in rows if len(r) > col]
    else:
        passages = [" ".join(p.split()) for p in text.replace("\r\n", "\n").split("\n\n")]
    return [p for p in passages if p and len(p.split()) >= max(min_words, 1)]


def make_style(stv: skipthoughts.SkipThoughts, passages: Sequence[str] | Iterable[str],
               batch_size: int = 128, verbose: bool = True) -> np.ndarray:
    """The mean combine-skip vector of ``passages`` (float32), the way the original style files were made."""
    passages = list(passages)
    if not passages:
        raise ValueError("no passages to compute a style from")
    vecs = skipthoughts.encode(stv, passages, batch_size=batch_size, verbose=verbose)
    return vecs.mean(0).astype(np.float32)
