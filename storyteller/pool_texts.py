"""A large caption pool held compactly: the file's bytes and each caption's byte range, decoded when asked for.

A list of a million captions costs about 110 bytes per caption as ``str`` objects, and reading it as
:func:`storyteller.captions.read_captions` does (decode, split, strip) briefly holds three times that; a
:class:`PoolTexts` holds the file (about 50 bytes per caption) and 16 bytes of offsets per caption, and finds the
lines with numpy. The captions are exactly ``read_captions``'s: lines stripped of ASCII whitespace (as the
original's ``bytes.strip()``), decoded as UTF-8, else Latin-1 (a file that is valid UTF-8 as a whole has only
valid UTF-8 lines, so deciding per line gives the same text).
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import overload

import numpy as np

from .errors import InputError

__all__ = ["PoolTexts", "read_pool", "check_pool_bytes", "MAX_LINE_BYTES"]

#: A caption line longer than this (in bytes) is refused: captions are a sentence (COCO's are ~50 bytes), and one
#: this long almost always means the file's lines do not end with "\n" (CR-only line ends), which would make the
#: whole file one caption that the VSE then steps through for many minutes.
MAX_LINE_BYTES = 10_000
_SNIFF = 1 << 16  # bytes checked for NUL (a binary or UTF-16 file has them early)

_WS = b" \t\n\r\x0b\x0c"  # what bytes.strip() removes
_STRIPPED = np.zeros(256, dtype=bool)
_STRIPPED[list(_WS)] = True
# ASCII bytes that str.split() does not treat as whitespace: a line starting with one holds a word
_SOLID = np.zeros(256, dtype=bool)
_SOLID[:0x80] = True
_SOLID[[0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x1F, 0x20]] = False
_CHUNK = 1 << 24  # bytes scanned at a time for newlines (bounds the temporary boolean mask)


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def decode_line(raw: bytes) -> str:
    """A caption line as :func:`storyteller.captions.read_captions` decodes it: UTF-8, else Latin-1."""
    return _decode(raw)


class OffsetTexts(Sequence[str]):
    """Captions held as byte ranges (``offsets``: int64 (N, 2) ``[start, end)``), decoded one at a time by the
    subclass's ``_read(i)``; indexing checks the range, a slice gives a list. Shared by the in-memory pool
    (:class:`PoolTexts`) and the index's file-backed captions (:class:`storyteller.index.CaptionTexts`)."""

    offsets: np.ndarray

    def __len__(self) -> int:
        return len(self.offsets)

    def _read(self, i: int) -> str:
        raise NotImplementedError

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> list[str]: ...

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self._read(j) for j in range(*i.indices(len(self)))]
        i = int(i)
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(f"caption {i} out of range (the pool holds {len(self)})")
        return self._read(i)


class PoolTexts(OffsetTexts):
    """The captions of a pool (a ``Sequence[str]``): ``data`` the file's bytes, ``offsets`` int64 (N, 2) byte
    ranges ``[start, end)`` of each caption. Indexing decodes one caption; a slice gives a list."""

    def __init__(self, data: bytes, offsets: np.ndarray) -> None:
        self._data = data
        self.offsets = offsets

    def _read(self, i: int) -> str:
        a, b = self.offsets[i]
        return _decode(self._data[a:b])


    def __iter__(self) -> Iterator[str]:
        data = self._data
        return (_decode(data[a:b]) for a, b in self.offsets.tolist())

    def __repr__(self) -> str:
        return f"PoolTexts({len(self)} captions)"


def check_pool_bytes(data: bytes, name: object) -> None:
    """Refuse caption-pool bytes that are not one caption per line of text, with one line naming ``name``.

    Raises :class:`~storyteller.errors.InputError` when the first 64 KB hold a NUL byte (a binary or UTF-16
    file) or a line is longer than :data:`MAX_LINE_BYTES` (CR-only line ends, or not a caption file). Both
    readers (:func:`storyteller.captions.read_captions` and :func:`read_pool`'s caller) apply it, so a file is
    refused the same way whatever its size.
    """
    head = data[:_SNIFF]
    if b"\0" in head:
        raise InputError(f"caption pool {name}: looks like a binary file (it contains NUL bytes; UTF-16 text has them "
                         "too), not UTF-8 text; give UTF-8 text, one caption per line")
    arr = np.frombuffer(data, dtype=np.uint8)
    n, prev, longest, at = len(arr), -1, 0, 0
    for i in range(0, n, _CHUNK):  # the longest line, chunk by chunk (bounds the temporary mask)
        nl = np.flatnonzero(arr[i:i + _CHUNK] == 0x0A) + i
        if len(nl):
            bounds = np.concatenate(([prev], nl))
            gaps = np.diff(bounds) - 1
            j = int(np.argmax(gaps))
            if gaps[j] > longest:
                longest, at = int(gaps[j]), int(bounds[j]) + 1
            prev = int(nl[-1])
    if n - prev - 1 > longest:
        longest, at = n - prev - 1, prev + 1
    if longest > MAX_LINE_BYTES:
        line = int(np.count_nonzero(arr[:at] == 0x0A)) + 1
        cause = ("the file has no \\n line ends (CR-only, old Mac?); convert them, e.g. tr '\\r' '\\n'"
                 if b"\r" in data[at:at + longest] else "a caption is one sentence per line")
        raise InputError(f"caption pool {name}: line {line} is {longest:,} bytes long (at most {MAX_LINE_BYTES:,}); "
                         f"{cause}")


def read_pool(data: bytes) -> tuple[PoolTexts, list[int]]:
    """The captions :func:`storyteller.captions.read_captions` reads from a file holding ``data``, without the
    blank ones (no word: empty, or only whitespace, Unicode whitespace included), and the 0-based line numbers
    of those blank lines."""
    arr = np.frombuffer(data, dtype=np.uint8)
    n = len(arr)
    newlines = [np.flatnonzero(arr[i:i + _CHUNK] == 0x0A) + i for i in range(0, n, _CHUNK)]
    nl = np.concatenate(newlines) if newlines else np.zeros(0, dtype=np.int64)
    starts = np.concatenate(([0], nl + 1)).astype(np.int64)
    ends = np.concatenate((nl, [n])).astype(np.int64)
    if data.endswith(b"\n"):  # no line after the final newline
        starts, ends = starts[:-1], ends[:-1]
    if n:
        filled = starts < ends
        first = arr[np.minimum(starts, n - 1)]
        last = arr[np.maximum(ends - 1, 0)]
        for i in np.flatnonzero(filled & (_STRIPPED[first] | _STRIPPED[last])).tolist():  # rare: strip in Python
            line = data[starts[i]:ends[i]]
            starts[i] += len(line) - len(line.lstrip(_WS))
            ends[i] = starts[i] + len(line.strip(_WS))
        filled = starts < ends
        maybe = filled & ~_SOLID[arr[np.minimum(starts, n - 1)]]  # starts with non-ASCII or \x1c-\x1f: look
        blank = ~filled
        for i in np.flatnonzero(maybe).tolist():
            blank[i] = not _decode(data[starts[i]:ends[i]]).split()
    else:
        blank = np.ones(len(starts), dtype=bool)
    keep = ~blank
    offsets = np.stack([starts[keep], ends[keep]], axis=1)
    return PoolTexts(data, offsets), np.flatnonzero(blank).tolist()
