"""Safe reading of the original (Python 2, 2015) model files.

The original releases are Python-2 pickles (option dicts, dictionaries, the Lasagne ``vgg19.pkl``) and
``.npy`` files holding *pickled object arrays* (``utable.npy``/``btable.npy``). ``pickle.load`` on such a
file can run arbitrary code, so everything here goes through :class:`RestrictedUnpickler`, which resolves
only the handful of globals these files really contain (``collections.OrderedDict`` and numpy's array
reconstruction helpers). Byte strings are decoded as latin-1, which maps bytes 1:1 to code points and so keeps
Python-2 ``str`` equality exactly (spec §8.3).
"""
from __future__ import annotations

import io
import pickle
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "ModelFileError",
    "RestrictedUnpickler",
    "load_pickle",
    "load_pickles",
    "load_npz",
    "load_object_table",
    "read_npy_header",
    "py2_text",
]


from .errors import ModelFileError  # noqa: E402  (re-exported: older code imports it from here)


def _numpy_reconstruct() -> Any:
    try:  # numpy >= 2 moved the module; the pickles name the old path.
        from numpy._core.multiarray import _reconstruct
    except ImportError:  # pragma: no cover - numpy 1.x
        from numpy.core.multiarray import _reconstruct
    return _reconstruct


def _numpy_scalar() -> Any:
    try:
        from numpy._core.multiarray import scalar
    except ImportError:  # pragma: no cover - numpy 1.x
        from numpy.core.multiarray import scalar
    return scalar


# (module, name) -> factory returning the object. Nothing else may be resolved.
_ALLOWED_GLOBALS = {
    ("collections", "OrderedDict"): lambda: OrderedDict,
    ("numpy", "ndarray"): lambda: np.ndarray,
    ("numpy", "dtype"): lambda: np.dtype,
    ("numpy.core.multiarray", "_reconstruct"): _numpy_reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _numpy_reconstruct,
    ("numpy.core.multiarray", "scalar"): _numpy_scalar,
    ("numpy._core.multiarray", "scalar"): _numpy_scalar,
}


class RestrictedUnpickler(pickle.Unpickler):
    """Unpickler that refuses every global except those the original model files contain."""

    def __init__(self, file: io.BufferedIOBase, *, source: str = "<stream>") -> None:
        super().__init__(file, encoding="latin1")
        self._source = source

    def find_class(self, module: str, name: str) -> Any:  # noqa: D401 - pickle API
        factory = _ALLOWED_GLOBALS.get((module, name))
        if factory is None:
            raise ModelFileError(
                f"{self._source}: refusing to unpickle global '{module}.{name}'. The original model files "
                "only contain dicts, lists, strings, numbers and numpy arrays; this file is not one of them "
                "(or has been tampered with). Re-download it (python -m storyteller download)."
            )
        return factory()


def _describe(path: Path, key: str | None) -> str:
    return f"config key '{key}': {path}" if key else str(path)


def load_pickles(path: str | Path, *, key: str | None = None, count: int | None = None) -> list[Any]:
    """Read consecutive pickled objects from ``path`` (all of them, or the first ``count``)."""
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"{_describe(path, key)}: file not found. Check the path in config.yaml.")
    objs: list[Any] = []
    with open(path, "rb") as f:
        while count is None or len(objs) < count:
            if not f.peek(1)[:1]:  # type: ignore[attr-defined]
                break
            try:
                objs.append(RestrictedUnpickler(f, source=str(path)).load())
            except ModelFileError:
                raise
            except Exception as e:  # truncated or not a pickle at all
                raise ModelFileError(
                    f"{_describe(path, key)}: not a readable Python pickle ({type(e).__name__}: {e}). "
                    "The file may be truncated or the wrong file; re-download it."
                ) from None
    if not objs:
        raise ModelFileError(f"{_describe(path, key)}: file is empty; re-download it.")
    return objs


def load_pickle(path: str | Path, *, key: str | None = None) -> Any:
    """Read the first pickled object of ``path`` (the original reads only the first; spec §4.1)."""
    return load_pickles(path, key=key, count=1)[0]


def load_npz(path: str | Path, *, key: str | None = None) -> dict[str, np.ndarray]:
    """Read an ``.npz`` of parameters without allowing pickled objects inside it."""
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"{_describe(path, key)}: file not found. Check the path in config.yaml.")
    try:
        with np.load(path, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}
    except Exception as e:
        raise ModelFileError(
            f"{_describe(path, key)}: not a readable numpy .npz ({type(e).__name__}: {e}). "
            "The file may be truncated; re-download it."
        ) from None


def read_npy_header(f: io.BufferedIOBase) -> tuple[tuple[int, ...], bool, np.dtype]:
    """Parse an ``.npy`` header from an open file; returns (shape, fortran_order, dtype)."""
    version = np.lib.format.read_magic(f)
    if version == (1, 0):
        return np.lib.format.read_array_header_1_0(f)
    return np.lib.format.read_array_header_2_0(f)


def load_object_table(path: str | Path, *, key: str | None = None) -> np.ndarray:
    """Load an original word table (``.npy`` of a pickled object array of vectors) as one float32 matrix.

    Elements are float32 arrays of shape ``(d,)`` (training vocabulary) or ``(1, d)`` (words added by
    vocabulary expansion, spec §3.1); both become one row.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"{_describe(path, key)}: file not found. Check the path in config.yaml.")
    with open(path, "rb") as f:
        try:
            shape, _, dtype = read_npy_header(f)
        except Exception as e:
            raise ModelFileError(f"{_describe(path, key)}: not a .npy file ({e}).") from None
        if not dtype.hasobject:
            raise ModelFileError(f"{_describe(path, key)}: expected a pickled object array, found {dtype}.")
        try:
            arr = RestrictedUnpickler(f, source=str(path)).load()
        except ModelFileError:
            raise
        except Exception as e:
            raise ModelFileError(
                f"{_describe(path, key)}: cannot read the pickled word table ({type(e).__name__}: {e}). "
                "The file is probably truncated; re-download it."
            ) from None
    if len(arr) == 0:
        raise ModelFileError(f"{_describe(path, key)}: the word table is empty.")
    out = np.empty((len(arr), np.asarray(arr[0]).size), dtype=np.float32)
    for i, v in enumerate(arr):
        out[i] = np.asarray(v, dtype=np.float32).reshape(-1)
    return out


def py2_text(s: str) -> str:
    """Turn a latin-1 view of Python-2 bytes (as the pickles load) back into the real (UTF-8) text.

    Strings that are not valid UTF-8 are returned unchanged.
    """
    try:
        return s.encode("latin1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return s
