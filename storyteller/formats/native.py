"""The converted ("native") format of every part: ``NAME.safetensors`` (the ``nn.Module`` state dict) beside
``NAME.json`` (its options), plus plain companions: the VSE's ``NAME.dictionary.json`` (word -> index), the
decoder's vocabulary (a JSON list, index -> word), float32 word tables (``.npy``, memory-mapped at load) and
``dictionary.txt``.

One writer (:func:`save`) and one reader (:func:`load`) serve the skip-thoughts encoders, the decoder and the
VSE. Every file is written atomically (:func:`storyteller.store.atomic_write`).
"""
from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from ..errors import ModelFileError
from ..store import atomic_write
from .common import Weights, check_options, where
from .pickles import npy_header, read_object_table

__all__ = ["save", "save_tensors", "save_json", "save_array", "save_table", "write_table", "save_words", "load",
           "read_word_dictionary", "read_word_table", "companions"]


# ------------------------------------------------------------------------------------------------ write
def save(path: str | Path, state: Mapping[str, torch.Tensor], options: Mapping[str, Any], *,
         half: bool = False) -> None:
    """Write ``state`` to ``path`` (``.safetensors``) and ``options`` to ``path`` with suffix ``.json``.

    ``half=True`` stores the tensors as float16 (loading makes them float32 again).
    """
    path = Path(path)
    save_tensors(path, state, dtype=torch.float16 if half else torch.float32)
    with atomic_write(path.with_suffix(".json")) as tmp:
        tmp.write_text(json.dumps(dict(options), indent=1, sort_keys=True))


def save_tensors(path: str | Path, state: Mapping[str, torch.Tensor], *, dtype: torch.dtype | None = None) -> None:
    """Write a state dict as one ``.safetensors`` file (CPU, contiguous; ``dtype``: cast to it, None: keep)."""
    tensors = {k: (v.detach().cpu() if dtype is None else v.detach().cpu().to(dtype)).contiguous()
               for k, v in state.items()}
    with atomic_write(path) as tmp:
        save_file(tensors, str(tmp))


def save_json(path: str | Path, obj: Any) -> None:
    """A vocabulary (list or dict) as UTF-8 JSON, non-ASCII words kept as they are."""
    with atomic_write(path) as tmp:
        tmp.write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")


def save_array(path: str | Path, array: np.ndarray) -> None:
    """One array as a ``.npy`` (no pickles), written atomically: word tables, style vectors."""
    with atomic_write(path) as tmp, open(tmp, "wb") as f:
        np.save(f, array, allow_pickle=False)


def save_table(path: str | Path, table: np.ndarray, *, half: bool = False) -> None:
    """A word table as a contiguous float32 (``half``: float16) ``(words, dim)`` ``.npy``."""
    save_array(path, np.ascontiguousarray(table, dtype=np.float16 if half else np.float32))


def _npy_header(path: Path, key: str | None) -> tuple[tuple[int, ...], np.dtype]:
    """``(shape, dtype)`` from the header of the ``.npy`` at ``path``; ModelFileError if it is missing or not one."""
    if not path.is_file():
        raise ModelFileError(f"{where(path, key)}: file not found. Check the path in config.yaml.")
    with open(path, "rb") as f:
        return npy_header(f, path, key)


def write_table(src: str | Path, out: str | Path, *, key: str | None = "sktables",
                on_row: Callable[[int], None] | None = None) -> tuple[int, int]:
    """Convert a word table of any format (the original pickled object array, streamed row by row; or a float
    matrix, copied in 64 MB blocks) into a float32 ``(words, dim)`` ``.npy`` at ``out``, written atomically and
    through a memory map, so memory stays small. Returns its shape. ``on_row(count)``: progress while streaming.
    """
    src = Path(src)
    shape, dtype = _npy_header(src, key)
    with atomic_write(out) as tmp:
        mm: list[np.memmap] = []

        def make_rows(n: int, d: int) -> np.ndarray:
            mm[:] = [np.lib.format.open_memmap(tmp, mode="w+", dtype=np.float32, shape=(n, d))]
            return np.asarray(mm[0])  # plain ndarray view: faster row assignment than through np.memmap

        if dtype.hasobject:
            rows = read_object_table(src, key=key, make_rows=make_rows, on_row=on_row)
        elif len(shape) == 2 and dtype.kind == "f":
            rows, data = make_rows(*shape), np.load(src, mmap_mode="r")
            step = max(1, (64 << 20) // max(1, shape[1] * 4))
            for i in range(0, shape[0], step):
                rows[i:i + step] = data[i:i + step]
            del data
        else:
            raise ModelFileError(f"{where(src, key)} holds {dtype}{shape}; expected a word table")
        mm[0].flush()
        result = rows.shape
        del rows, mm[:]
    return int(result[0]), int(result[1])


def save_words(path: str | Path, words: Sequence[str]) -> None:
    """``dictionary.txt``: one word per line, UTF-8."""
    with atomic_write(path) as tmp:
        tmp.write_text("".join(w + "\n" for w in words), encoding="utf-8")


# ------------------------------------------------------------------------------------------------- read
def companions(part: str, path: str | Path) -> list[Path]:
    """Every file of a native part: the ``.safetensors``, its ``.json`` (and the VSE's ``.dictionary.json``)."""
    path = Path(path)
    return [path] + [path.with_suffix(s) for s in ((".json", ".dictionary.json") if part == "vse" else (".json",))]


def _json(path: Path, key: str | None, what: str) -> Any:
    if not path.is_file():
        raise ModelFileError(f"{where(path, key)}: file not found ({what}); a converted model needs it beside its "
                             ".safetensors. Convert again (python -m storyteller convert).")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        raise ModelFileError(f"{where(path, key)} is not valid JSON ({e}); convert again.") from None


def load(part: str, path: str | Path, *, key: str | None = None) -> Weights:
    """Read a native part (``uni-skip``, ``bi-skip``, ``decoder`` or ``vse``): its state dict (the tensors map
    the file; :func:`storyteller.formats.assign` copies them), options and, for the VSE, its dictionary.

    Raises :class:`ModelFileError` naming ``key`` and the file if a file is missing, truncated or incomplete.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"{where(path, key)}: file not found. Check the path in config.yaml.")
    opts = _json(path.with_suffix(".json"), key, f"the options of {path.name}")
    if not isinstance(opts, dict):
        raise ModelFileError(f"{where(path.with_suffix('.json'), key)} holds a {type(opts).__name__}, expected the "
                             "options dict.")
    check_options(part, opts, path.with_suffix(".json"), key)
    try:
        state = load_file(str(path))
    except (SafetensorError, OSError, ValueError) as e:
        raise ModelFileError(f"{where(path, key)}: not a readable safetensors file ({e}). The file may be "
                             "truncated; convert or download it again.") from None
    vocab = read_word_dictionary(path.with_suffix(".dictionary.json"), key=key) if part == "vse" else None
    return Weights(f"native-{part}", path, opts, state, vocab=vocab, mapped=True, key=key)


def read_word_dictionary(path: str | Path, *, key: str | None = "dictionary") -> list[tuple[str, int]]:
    """A JSON vocabulary as ``(word, index)`` pairs: a list (the decoder's: position = index) or a dict (the
    VSE's: word -> index)."""
    path = Path(path)
    data = _json(path, key, "a word dictionary")
    if isinstance(data, list) and all(isinstance(w, str) for w in data):
        return [(w, i) for i, w in enumerate(data)]
    if isinstance(data, dict) and all(isinstance(i, int) and not isinstance(i, bool) for i in data.values()):
        return list(data.items())
    raise ModelFileError(f"{where(path, key)}: expected a JSON list of words or an object of word -> index.")


def read_word_table(path: str | Path, *, key: str | None = "sktables") -> np.ndarray:
    """A converted word table: a float32 (or float16) ``(words, dim)`` matrix, memory-mapped read-only."""
    path = Path(path)
    shape, dtype = _npy_header(path, key)
    if dtype not in (np.float32, np.float16) or len(shape) != 2:
        raise ModelFileError(f"{where(path, key)} holds {dtype}{shape}; expected a float32 (words, dim) matrix.")
    try:
        return np.load(path, mmap_mode="r")
    except ValueError as e:  # shorter than its header says
        raise ModelFileError(f"{where(path, key)}: {e}. The file is truncated; convert it again.") from None
