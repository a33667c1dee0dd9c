"""Safe reading of the original (Python 2, 2015) pickles, ``.npz`` and ``.npy`` files.

The original releases are Python-2 pickles (option dicts, dictionaries, the Lasagne ``vgg19.pkl``) and
``.npy`` files holding *pickled object arrays* (``utable.npy``/``btable.npy``). ``pickle.load`` on such a
file can run arbitrary code, so everything here goes through an unpickler that resolves only the handful of
globals these files really contain (``collections.OrderedDict`` and numpy's array reconstruction helpers).
Byte strings are decoded as latin-1, which maps bytes 1:1 to code points and so keeps Python-2 ``str``
equality exactly; :func:`py2_text` turns such a string back into the real (UTF-8) text.

The word tables are read by one streaming reader (:func:`read_object_table`): each pickled row is written
straight into the output matrix (in memory, or a memory map when converting), so neither the pickled rows nor
a second copy of the table is ever held.
"""
from __future__ import annotations

import io
import pickle
import struct
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from ..errors import ModelFileError
from .common import where

__all__ = ["ModelFileError", "RestrictedUnpickler", "load_pickle", "load_pickles", "load_npz", "load_object_table",
           "read_object_table", "read_npy_header", "npy_header", "py2_text"]


def _numpy_reconstruct() -> Any:
    try:  # numpy >= 2 moved the module; the pickles name the old path.
        from numpy._core.multiarray import _reconstruct
    except ImportError:  # pragma: no cover - numpy 1.x
        from numpy.core.multiarray import _reconstruct  # type: ignore[no-redef]  # (same name, other numpy)
    return _reconstruct


def _numpy_scalar() -> Any:
    try:
        from numpy._core.multiarray import scalar
    except ImportError:  # pragma: no cover - numpy 1.x
        from numpy.core.multiarray import scalar  # type: ignore[no-redef]  # (same name, other numpy)
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


def _refuse(source: str, module: str, name: str) -> ModelFileError:
    return ModelFileError(
        f"{source}: refusing to unpickle global '{module}.{name}'. The original model files only contain dicts, "
        "lists, strings, numbers and numpy arrays; this file is not one of them (or has been tampered with). "
        "Re-download it (python -m storyteller download).")


class RestrictedUnpickler(pickle.Unpickler):
    """Unpickler that refuses every global except those the original model files contain."""

    def __init__(self, file: io.BufferedIOBase, *, source: str = "<stream>") -> None:
        super().__init__(file, encoding="latin1")
        self._source = source

    def find_class(self, module: str, name: str) -> Any:  # noqa: D401 - pickle API
        factory = _ALLOWED_GLOBALS.get((module, name))
        if factory is None:
            raise _refuse(self._source, module, name)
        return factory()


def _exists(path: Path, key: str | None) -> None:
    if not path.is_file():
        raise ModelFileError(f"{where(path, key)}: file not found. Check the path in config.yaml.")


def load_pickles(path: str | Path, *, key: str | None = None, count: int | None = None) -> list[Any]:
    """Read consecutive pickled objects from ``path`` (all of them, or the first ``count``).

    Raises :class:`ModelFileError` (naming ``key`` and the file) if it is missing, empty, truncated, not a pickle,
    or names a global outside the allow-list (nothing of such a file is ever executed).
    """
    path = Path(path)
    _exists(path, key)
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
                    f"{where(path, key)}: not a readable Python pickle ({type(e).__name__}: {e}). "
                    "The file may be truncated or the wrong file; re-download it."
                ) from None
    if not objs:
        raise ModelFileError(f"{where(path, key)}: file is empty; re-download it.")
    return objs


def load_pickle(path: str | Path, *, key: str | None = None) -> Any:
    """Read the first pickled object of ``path`` (the original ``load_model`` reads only the first)."""
    return load_pickles(path, key=key, count=1)[0]


def load_npz(path: str | Path, *, key: str | None = None) -> dict[str, np.ndarray]:
    """Read an ``.npz`` of parameters (name -> array) without allowing pickled objects inside it."""
    path = Path(path)
    _exists(path, key)
    try:
        with np.load(path, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}
    except Exception as e:
        raise ModelFileError(
            f"{where(path, key)}: not a readable numpy .npz ({type(e).__name__}: {e}). "
            "The file may be truncated; re-download it."
        ) from None


def npy_header(f: io.BufferedIOBase, path: Path, key: str | None) -> tuple[tuple[int, ...], np.dtype]:
    """``(shape, dtype)`` of the ``.npy`` open as ``f`` (left at the start of the data); ModelFileError naming
    ``key`` and ``path`` if it is not a ``.npy``."""
    try:
        shape, _, dtype = read_npy_header(f)
    except Exception as e:
        raise ModelFileError(f"{where(path, key)} is not a .npy file ({e}).") from None
    return shape, dtype


def read_npy_header(f: io.BufferedIOBase) -> tuple[tuple[int, ...], bool, np.dtype]:
    """Parse an ``.npy`` header from an open file; returns (shape, fortran_order, dtype)."""
    version = np.lib.format.read_magic(f)
    if version == (1, 0):
        return np.lib.format.read_array_header_1_0(f)
    return np.lib.format.read_array_header_2_0(f)


# ------------------------------------------------------------------------------------ word tables
_BULKY = 64  # pickled strings longer than this are row data; they are never kept in the unpickler memo
_LAYOUT_ERRORS = (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, KeyError, IndexError,
                  struct.error)


class _Row:
    """Stands in for each numpy array while a table is unpickled; BUILD hands it its state."""

    __slots__ = ("reader", "index", "items")

    def __init__(self, reader: "_TableUnpickler") -> None:
        self.reader, self.index, self.items = reader, -1, None

    def __setstate__(self, state: tuple) -> None:
        self.reader.build(self, state)


def _bulky(v: Any) -> bool:
    t = type(v)
    if t is tuple:
        if not v:
            return False
        v = v[-1]  # an ndarray state tuple ends with its raw data
        t = type(v)
    return (t is str or t is bytes) and len(v) > _BULKY


class _TableUnpickler(pickle._Unpickler):  # the Python unpickler: its memo is a dict we can keep small
    """Restricted unpickler for an original word table that writes each row straight into ``rows``.

    Only the allow-listed globals resolve. ``numpy``'s ``_reconstruct`` returns a :class:`_Row` instead of an
    array; each element's state (shape, dtype, raw bytes) is decoded into the next output row; the row bytes are
    not memoised (the original pickler never refers back to them).
    """

    # The pure-Python unpickler's internals, which typeshed does not declare (annotations only: no new attributes).
    dispatch: ClassVar[dict[int, Callable[[Any], None]]] = dict(pickle._Unpickler.dispatch)
    stack: list[Any]
    memo: dict[int, Any]
    read: Callable[[int], bytes]
    readline: Callable[[], bytes]

    def __init__(self, f: io.BufferedIOBase, n_rows: int, make_rows: Callable[[int, int], np.ndarray], source: str):
        super().__init__(f, encoding="latin1")
        self.n_rows, self.make_rows, self.source = n_rows, make_rows, source
        self.rows: np.ndarray | None = None
        self.count = 0
        self.on_row: Callable[[int], None] = lambda i: None

    def _put(self, i: int) -> None:
        v = self.stack[-1]
        if not _bulky(v):
            self.memo[i] = v

    def load_binput(self) -> None:
        self._put(self.read(1)[0])

    def load_long_binput(self) -> None:
        self._put(struct.unpack("<I", self.read(4))[0])

    def load_put(self) -> None:
        self._put(int(self.readline()[:-1]))

    dispatch[pickle.BINPUT[0]] = load_binput
    dispatch[pickle.LONG_BINPUT[0]] = load_long_binput
    dispatch[pickle.PUT[0]] = load_put

    def find_class(self, module: str, name: str) -> Any:
        factory = _ALLOWED_GLOBALS.get((module, name))
        if factory is None:
            raise _refuse(self.source, module, name)
        if name == "_reconstruct":
            return self._reconstruct
        return factory()

    def _reconstruct(self, cls: Any, shape: Any, typecode: Any) -> _Row:
        if cls is not np.ndarray:
            raise pickle.UnpicklingError(f"unexpected array class {cls!r}")
        return _Row(self)

    def build(self, row: _Row, state: tuple) -> None:
        if len(state) == 5:
            _, shape, dtype, _fortran, raw = state
        elif len(state) == 4:
            shape, dtype, _fortran, raw = state
        else:
            raise pickle.UnpicklingError("unexpected ndarray state")
        if not isinstance(dtype, np.dtype):
            raise pickle.UnpicklingError("unexpected dtype in ndarray state")
        if dtype.hasobject:
            row.items = raw  # the table itself: a list of rows
            return
        if isinstance(raw, str):
            raw = raw.encode("latin1")
        vec = np.frombuffer(raw, dtype=dtype)
        if self.rows is None:
            self.rows = self.make_rows(self.n_rows, vec.size)
        if self.count >= self.n_rows:
            raise ModelFileError(f"{self.source}: more word vectors than the {self.n_rows} its header announces")
        if vec.size != self.rows.shape[1]:
            raise ModelFileError(f"{self.source}: word vector {self.count} has {vec.size} values, the first had "
                                 f"{self.rows.shape[1]}; the table is corrupt")
        self.rows[self.count] = vec
        row.index = self.count
        self.count += 1
        if self.count % 8192 == 0:
            self.on_row(self.count)


def _stream(f: io.BufferedIOBase, n_rows: int, make_rows: Callable[[int, int], np.ndarray], source: str,
            on_row: Callable[[int], None] | None) -> np.ndarray:
    unpickler = _TableUnpickler(io.BufferedReader(f, 1 << 20), n_rows, make_rows, source)  # type: ignore[arg-type]
    if on_row is not None:
        unpickler.on_row = on_row
    root = unpickler.load()
    items = getattr(root, "items", None)
    rows = unpickler.rows
    if not isinstance(items, list) or rows is None or len(items) != n_rows:
        raise pickle.UnpicklingError("not a one-dimensional object array of vectors")
    index = np.fromiter((getattr(r, "index", -1) for r in items), dtype=np.int64, count=n_rows)
    if (index < 0).any():
        raise pickle.UnpicklingError("table elements that are not numeric arrays")
    if (index != np.arange(n_rows)).any():
        # The same array object appeared twice (a memo reference): rows were written in first-seen order.
        # index[i] <= i always, so filling from the end never overwrites a row still to be copied.
        for i in range(n_rows - 1, -1, -1):
            if index[i] != i:
                rows[i] = rows[index[i]]
    return rows


def _whole(f: io.BufferedIOBase, path: Path, key: str | None, make_rows: Callable[[int, int], np.ndarray]
           ) -> np.ndarray:
    """The generic reader, for layouts the streaming one does not know (elements that are lists, ...)."""
    try:
        arr = RestrictedUnpickler(f, source=str(path)).load()
        if len(arr) == 0:
            raise ModelFileError(f"{where(path, key)}: the word table is empty.")
        first = np.asarray(arr[0]).size
        out = make_rows(len(arr), first)
        for i, v in enumerate(arr):
            out[i] = np.asarray(v, dtype=np.float32).reshape(-1)
        return out
    except ModelFileError:
        raise
    except Exception as e:
        raise ModelFileError(
            f"{where(path, key)}: cannot read the pickled word table ({type(e).__name__}: {e}). "
            "The file is probably truncated; re-download it.") from None


def read_object_table(path: str | Path, *, key: str | None = None,
                      make_rows: Callable[[int, int], np.ndarray] | None = None,
                      on_row: Callable[[int], None] | None = None, stream: bool | None = None) -> np.ndarray:
    """Read an original word table (``.npy`` of a pickled 1-D object array of vectors) into a float32 matrix.

    Elements are arrays of shape ``(d,)`` (training vocabulary) or ``(1, d)`` (words added by vocabulary
    expansion); each becomes one row. ``make_rows(n, d)`` gives the ``(n, d)`` float32 buffer to fill (default: a
    new array; ``convert`` passes a memory map); ``on_row(count)`` is called every 8192 rows while streaming.

    ``stream`` (default: when ``make_rows`` is given) writes each row as it is unpickled, so memory stays at one
    table; otherwise the C unpickler reads the whole pickle first (about twice as fast, twice the memory).
    Raises :class:`ModelFileError` for a missing, truncated, malicious or non-table file.
    """
    path = Path(path)
    _exists(path, key)
    make = make_rows or (lambda n, d: np.empty((n, d), dtype=np.float32))
    with open(path, "rb") as f:
        shape, dtype = npy_header(f, path, key)
        if not dtype.hasobject:
            raise ModelFileError(f"{where(path, key)}: expected a pickled object array, found {dtype}.")
        if len(shape) != 1:
            raise ModelFileError(f"{where(path, key)}: an object array of shape {shape}, expected a 1-D word table.")
        if shape[0] == 0:
            raise ModelFileError(f"{where(path, key)}: the word table is empty.")
        start = f.tell()
        if not (make_rows is not None if stream is None else stream):
            return _whole(f, path, key, make)
        try:
            return _stream(f, shape[0], make, str(path), on_row)
        except ModelFileError:
            raise
        except _LAYOUT_ERRORS:
            f.seek(start)  # an unexpected layout (or a truncated file): the generic reader names the problem
            return _whole(f, path, key, make)


def load_object_table(path: str | Path, *, key: str | None = None) -> np.ndarray:
    """An original word table as one float32 ``(words, dim)`` matrix in memory (see :func:`read_object_table`)."""
    return read_object_table(path, key=key)


def py2_text(s: str) -> str:
    """Turn a latin-1 view of Python-2 bytes (as the pickles load) back into the real (UTF-8) text.

    Strings that are not valid UTF-8 are returned unchanged.
    """
    try:
        return s.encode("latin1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return s
