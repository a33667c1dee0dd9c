"""Reading a corpus of passages for a style vector (``make-style``): text files, CSV files, folders of them.

* A text file (``.txt``, ``.txt.gz`` or any other name given directly) holds passages separated by blank lines;
  a file without any blank line holds one passage per line (lyrics, one-sentence-per-line corpora).
* A CSV file holds one passage per row in one column (the PoetRNN data layout), read with the ``csv`` module, so
  quoted cells may span several lines; the line breaks inside a cell count as spaces.
* A folder: every ``.txt``, ``.txt.gz`` and ``.csv`` file below it; files that cannot be read (unreadable,
  binary) are skipped with a note.

Text is decoded as UTF-8 (a byte-order mark, UTF-8 or UTF-16, is honoured); a file that is not valid UTF-8 is read
as Windows-1252 (latin-1 where that fails) with a note. Whitespace in a passage is collapsed to single spaces.
Each passage is a :class:`Passage`: a ``str`` that knows where it came from (``file:line``).
"""
from __future__ import annotations

import csv
import gzip
import io
import re
import sys
import warnings
from collections.abc import Callable
from pathlib import Path

from .errors import InputError

__all__ = ["Passage", "read_corpus", "read_passages", "decode_text"]

_SUFFIXES = (".txt", ".csv", ".txt.gz")
_BLANK_LINE = re.compile(r"\n[^\S\n]*\n")


class Passage(str):
    """A passage's text; ``source`` says where it was read (``file:line``)."""

    source: str = ""

    def __new__(cls, text: str, source: str = "") -> "Passage":
        p = super().__new__(cls, text)
        p.source = source
        return p


def decode_text(data: bytes, name: str, note: Callable[[str], None]) -> str:
    """Bytes of a text file -> str (see the module notes). Raises InputError for binary data."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise InputError(f"{name}: has a UTF-16 byte-order mark but is not valid UTF-16") from None
    if b"\0" in data[:8192]:
        raise InputError(f"{name}: looks like a binary file (it contains NUL bytes), not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        try:
            text = data.decode("cp1252")
            enc = "Windows-1252"
        except UnicodeDecodeError:
            text = data.decode("latin-1")
            enc = "latin-1"
        note(f"{name} is not UTF-8 (byte {e.start}); read it as {enc}")
        return text


def _read(path: Path, note: Callable[[str], None]) -> str:
    try:
        data = path.read_bytes()
    except OSError as e:
        raise InputError(f"{path}: cannot be read ({e.strerror or e})") from None
    if path.name.lower().endswith(".gz"):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as e:
            raise InputError(f"{path}: is not a valid gzip file ({e})") from None
    return decode_text(data, str(path), note)


def _text_passages(text: str, path: Path) -> list[Passage]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    out = []
    if _BLANK_LINE.search(text):  # paragraphs
        line = 1
        for block in re.split(r"(\n[^\S\n]*\n)", text):
            if block.strip() and not _BLANK_LINE.fullmatch(block):
                lead = len(block) - len(block.lstrip("\n"))
                out.append(Passage(" ".join(block.split()), f"{path}:{line + block.count(chr(10), 0, lead)}"))
            line += block.count("\n")
    else:  # no blank line: one passage per line
        for i, ln in enumerate(text.split("\n"), 1):
            if ln.strip():
                out.append(Passage(" ".join(ln.split()), f"{path}:{i}"))
    return out


def _column_index(column: str | int | None, header: list[str], path: Path) -> tuple[int, bool]:
    """``(index, first row is a header)`` for ``--column`` (a name, a 0-based index, or None = the first)."""
    if column is None:
        return 0, False
    if isinstance(column, str):
        names = [h.strip() for h in header]
        if column.strip() in names:
            return names.index(column.strip()), True
        if not column.strip().lstrip("-").isdigit():
            raise InputError(f"{path}: no column named {column!r} (the first row has: "
                             f"{', '.join(map(repr, names))}); give --column as a name from the first row or "
                             "a 0-based index")
        column = int(column)
    if isinstance(column, bool) or not isinstance(column, int) or column < 0:
        raise InputError(f"{path}: --column must be a column name or a 0-based index >= 0, got {column!r}")
    return column, False


def _csv_passages(text: str, path: Path, column, note: Callable[[str], None]) -> list[Passage]:
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))  # a cell may be a whole book
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = []
    start = 1
    try:
        for row in reader:
            rows.append((start, row))
            start = reader.line_num + 1
    except csv.Error as e:
        raise InputError(f"{path}:{reader.line_num}: not valid CSV ({e})") from None
    if not rows:
        return []
    idx, header = _column_index(column, rows[0][1], path)
    if header:
        rows = rows[1:]
    width = max((len(r) for _, r in rows), default=0)
    if rows and idx >= width:
        raise InputError(f"{path}: --column {idx} does not exist; the rows have at most {width} column(s) "
                         "(indices start at 0)")
    short = [line for line, r in rows if len(r) <= idx and any(c.strip() for c in r)]
    if short:
        note(f"{path}: {len(short)} row(s) have no column {idx} (first at line {short[0]}); skipped")
    return [Passage(" ".join(r[idx].split()), f"{path}:{line}") for line, r in rows if len(r) > idx]


def _note_to_warning(msg: str) -> None:
    warnings.warn(msg, stacklevel=3)


def read_corpus(source: str | Path, min_words: int = 0, column: str | int | None = None,
                report: Callable[[str], None] | None = None) -> list[Passage]:
    """The passages of ``source`` (a text file, a CSV file or a folder; see the module notes) with at least
    ``max(min_words, 1)`` words, as :class:`Passage` strings in file order.

    ``column`` (CSV): a column name (the first row is then the header) or a 0-based index (every row is data);
    default the first column. ``report`` receives notes (skipped files, encodings, short rows); default:
    :func:`warnings.warn`. Raises :class:`~storyteller.errors.InputError` naming the file for a missing source,
    an unreadable or binary file given directly, invalid CSV, a missing column, or a folder without readable
    text files.
    """
    note = report or _note_to_warning
    source = Path(source)
    if source.is_dir():
        files = sorted(p for p in source.rglob("*") if p.is_file() and p.name.lower().endswith(_SUFFIXES))
        if not files:
            raise InputError(f"{source}: no .txt, .txt.gz or .csv files in this folder")
        out, skipped = [], 0
        for f in files:
            try:
                out += _file_passages(f, column, note)
            except InputError as e:
                note(f"skipped {e}")
                skipped += 1
        if skipped == len(files):
            raise InputError(f"{source}: none of its {len(files)} .txt/.csv files could be read (see the notes)")
    elif source.is_file():
        out = _file_passages(source, column, note)
    else:
        raise InputError(f"{source}: no such file or folder")
    return [p for p in out if len(p.split()) >= max(min_words, 1)]


def _file_passages(path: Path, column, note: Callable[[str], None]) -> list[Passage]:
    text = _read(path, note)
    if path.suffix.lower() == ".csv":
        return _csv_passages(text, path, column, note)
    return _text_passages(text, path)


def read_passages(source: str | Path, min_words: int = 0, column: str | int | None = None) -> list[Passage]:
    """:func:`read_corpus` (kept under its old name); notes go to stderr."""
    return read_corpus(source, min_words, column, report=lambda m: print(f"note: {m}", file=sys.stderr))
