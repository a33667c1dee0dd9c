"""Style vectors and the style shift of neural-storyteller: ``F(x) = x - c + b``.

x is the mean skip-thought vector of the retrieved captions, c the "caption style" (mean over the caption
corpus) and b the "book style" (mean over passages of the target genre, e.g. romance novels or lyrics).
Nothing is normalised (the original ``story``). A style vector is simply the mean combine-skip vector of a corpus
(neural-storyteller#14, #31), which :func:`make_style` computes from the passages :func:`read_passages` reads.
"""
from __future__ import annotations

import os
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from . import skipthoughts
from .errors import InputError, ModelFileError
from .passages import Passage, read_corpus, read_passages

__all__ = ["shift", "check_style", "make_style", "read_passages", "read_corpus", "Passage", "load_style"]


def _problem(vec, dim: int | None) -> tuple[np.ndarray | None, str | None]:
    """``(vector, None)`` as float32 (dim,), or ``(None, what is wrong)``."""
    if hasattr(vec, "detach"):  # a torch tensor (any device)
        vec = vec.detach().cpu().numpy()
    try:
        a = np.asarray(vec)
    except Exception as e:  # noqa: BLE001 - whatever numpy refuses is reported as such
        return None, f"is not an array of numbers ({type(vec).__name__}: {e})"
    if a.dtype == object or not (np.issubdtype(a.dtype, np.floating) or np.issubdtype(a.dtype, np.integer)):
        return None, f"holds {a.dtype} values, not real numbers ({type(vec).__name__})"
    big = [n for n in a.shape if n != 1]
    if a.size == 0 or len(big) > 1 or (dim is not None and a.size != dim):
        return None, f"has shape {a.shape} ({a.size} values)"
    with np.errstate(over="ignore"):  # values beyond float32 become inf, reported just below
        v = a.astype(np.float32).reshape(-1)
    if not np.all(np.isfinite(v)):
        bad = int(np.flatnonzero(~np.isfinite(v))[0])
        return None, f"holds a non-finite value ({v[bad]} at index {bad}, after conversion to float32)"
    return v, None


def _expected(dim: int | None) -> str:
    if dim is None:
        return "a 1-D vector of finite numbers"
    return f"{dim} finite numbers, shape ({dim},) or (1, {dim}) (the skip-thought vector size)"


def check_style(vec, dim: int | None, name: str = "style vector") -> np.ndarray:
    """Check a style vector given through the Python API and return it as float32 of shape ``(dim,)``.

    ``vec``: a numpy array, list or torch tensor of real numbers with ``dim`` elements, shaped ``(dim,)``,
    ``(1, dim)`` or ``(dim, 1)`` (the original reshaped it to ``(1, dimctx)``), all finite after conversion to
    float32. ``dim=None`` accepts any length. ``name`` names the vector in the message (e.g. ``"z['bpos']"``).
    Raises :class:`~storyteller.errors.InputError` naming it, what is wrong and the expected shape.
    """
    v, problem = _problem(vec, dim)
    if problem:
        raise InputError(f"{name} {problem}; expected {_expected(dim)}. Make style vectors with the same "
                         "skip-thoughts model (python -m storyteller make-style) and load them with style.load_style.")
    assert v is not None  # (_problem gives a vector whenever it finds no problem)
    return v


def shift(svecs: np.ndarray, bneg: np.ndarray, bpos: np.ndarray) -> np.ndarray:
    """``mean(svecs) - bneg + bpos`` in float32, as the original ``story`` computes it.

    ``svecs``: (k, dim) float32 skip-thought vectors; ``bneg``/``bpos``: style vectors, checked by
    :func:`check_style` (a few microseconds next to the beam search). Returns float32 (dim,).
    Raises :class:`~storyteller.errors.InputError` for vectors of the wrong size or non-finite values.
    """
    s = np.asarray(svecs)
    if s.ndim != 2 or s.shape[0] == 0:
        raise InputError(f"style.shift: the skip-thought vectors have shape {s.shape}; expected (k, dim) with k >= 1")
    dim = s.shape[1]
    return s.mean(0) - check_style(bneg, dim, "bneg (caption style)") + check_style(bpos, dim, "bpos (book style)")


def _label(key: str | None) -> str:
    """Message prefix: a config key (``posbias``), a CLI option (``--style``) or nothing."""
    if not key:
        return ""
    return f"{key}: " if key.startswith("-") else f"config key '{key}': "


def _read_style_file(path: Path, key: str | None):
    """The array in a style file: .npy, .npz with one array, or text (.txt/.csv) of numbers."""
    def fail(why: str) -> ModelFileError:
        return ModelFileError(f"{_label(key)}style file {path} {why}.")

    with open(path, "rb") as f:
        head = f.read(6)
    if head.startswith(b"\x93NUMPY"):
        try:
            return np.load(path, allow_pickle=False)
        except ValueError as e:
            if "pickle" in str(e):
                raise fail("holds Python objects (a pickled array); a style vector is a plain float array") from None
            raise fail(f"is a damaged .npy file ({e})") from None
    if head.startswith(b"PK"):
        try:
            with np.load(path, allow_pickle=False) as z:
                names = list(z.files)
                if len(names) != 1:
                    raise fail(f"is an .npz archive holding {len(names)} arrays ({', '.join(names) or 'none'}); "
                               "expected exactly one (or save the vector with numpy.save as .npy)")
                return z[names[0]]
        except ModelFileError:
            raise  # (a ValueError too: not a damaged archive)
        except (zipfile.BadZipFile, ValueError, OSError, EOFError) as e:
            raise fail(f"is a damaged .npz archive ({e})") from None
    data = path.read_bytes()
    if b"\0" in data[:4096]:
        raise fail("is neither a .npy/.npz array nor a text file of numbers")
    text = data.decode("utf-8", "replace")
    values = []
    for lineno, line in enumerate(text.splitlines(), 1):
        for tok in line.replace(",", " ").replace(";", " ").split():
            try:
                values.append(float(tok))
            except ValueError:
                raise fail(f"line {lineno}: {tok[:40]!r} is not a number (a text style file holds numbers "
                           "separated by spaces, commas or newlines)") from None
    return np.asarray(values, dtype=np.float64)


def load_style(path: str | Path, dim: int | None = None, key: str | None = "posbias") -> np.ndarray:
    """Load a style vector as float32 ``(dim,)``: a ``.npy`` (shape (dim,) or (1, dim)), an ``.npz`` holding
    exactly one such array, or a text file (``.txt``/``.csv``) of ``dim`` numbers. The format is recognised from
    the content. Raises :class:`~storyteller.errors.ModelFileError` naming ``key`` (a config key such as
    ``'posbias'``, a CLI option such as ``'--style'``, or None), the file and the expected shape when the file is
    missing, unreadable, of the wrong size or holds non-finite values."""
    if not isinstance(path, (str, os.PathLike)) or not os.fspath(path):
        raise InputError(f"{_label(key)}a style file must be a path to a .npy file, got {path!r}")
    path = Path(path)
    if path.is_dir():
        raise ModelFileError(f"{_label(key)}{path} is a folder; expected a style vector file (.npy).")
    if not path.is_file():
        hint = " Check the path in config.yaml." if key and not key.startswith("-") else ""
        raise ModelFileError(f"{_label(key)}{path}: file not found.{hint}")
    try:
        raw = _read_style_file(path, key)
    except OSError as e:
        raise ModelFileError(f"{_label(key)}style file {path} cannot be read ({e.strerror or e}).") from None
    v, problem = _problem(raw, dim)
    if problem:
        raise ModelFileError(
            f"{_label(key)}style file {path} {problem}; expected {_expected(dim)}. "
            "Style vectors must be made with the same skip-thoughts model (python -m storyteller make-style).")
    assert v is not None  # (_problem gives a vector whenever it finds no problem)
    return v


def make_style(stv: skipthoughts.SkipThoughts, passages: Sequence[str] | Iterable[str],
               batch_size: int = 128, verbose: bool = True) -> np.ndarray:
    """The mean combine-skip vector of ``passages`` (float32 (dim,)), the way the original style files were made
    (``encode`` with its defaults, then ``mean(0)``). Raises :class:`~storyteller.errors.InputError` when there
    are no passages or one cannot be encoded (naming it: ``file:line`` for passages from :func:`read_corpus`)."""
    if isinstance(passages, (str, bytes)) or not isinstance(passages, Iterable):
        raise InputError(f"make_style takes a list of passages (str), got {type(passages).__name__}; "
                         "wrap a single passage in a list")
    passages = list(passages)
    if not passages:
        raise InputError("make_style: no passages to compute a style from")
    try:
        vecs = skipthoughts.encode(stv, passages, batch_size=batch_size, verbose=verbose)
    except InputError as e:
        i = getattr(e, "index", None)
        where = getattr(passages[i], "source", None) if i is not None else None
        if where:
            raise InputError(f"passage at {where}: {e}") from None
        raise
    return vecs.mean(0).astype(np.float32)
