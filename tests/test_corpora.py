"""The committed text corpora (data/austen, data/novels, data/kjv) and the extraction scripts that made them.

The scripts need Debian packages and PyPI ``rdata`` to run end to end; here their pure-Python parts (splitting an R
lazy-load database, cutting the Gutenberg boilerplate) run on tiny synthetic samples, and the committed files are
checked against the sha256 their READMEs record.
"""
from __future__ import annotations

import gzip
import hashlib
import importlib.util
import re
import struct
import sys
import zlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ROOT / "scripts"


def _script(name: str):
    sys.path.insert(0, str(SCRIPTS))  # extract_novels imports extract_austen by name, as when run as a script
    try:
        spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod  # (dataclasses look their module up there)
        spec.loader.exec_module(mod)
        return mod
    finally:
        sys.path.remove(str(SCRIPTS))


@pytest.fixture(scope="module")
def novels():
    return _script("extract_novels")


@pytest.fixture(scope="module")
def austen():
    return _script("extract_austen")


def _entry(raw: bytes, claimed: int | None = None) -> bytes:
    return struct.pack(">I", len(raw) if claimed is None else claimed) + zlib.compress(raw)


def test_rdb_entries_splits_a_synthetic_database(austen):
    a, b = b"X\n\x00\x00\x00\x03serialized-a", b"serialized-b" * 50
    rdb = b"junk" + _entry(a) + _entry(b)
    index = {"first": (4, len(_entry(a))), "second": (4 + len(_entry(a)), len(_entry(b)))}
    assert austen.rdb_entries(rdb, index) == {"first": a, "second": b}


@pytest.mark.parametrize("case", ["bad length header", "outside the file"])
def test_rdb_entries_rejects_damaged_entries(austen, case):
    entry = _entry(b"abc", claimed=7) if case == "bad length header" else _entry(b"abc")
    index = {"x": (0, len(entry) + (0 if case == "bad length header" else 10))}
    with pytest.raises(SystemExit, match="length header" if case == "bad length header" else "outside"):
        austen.rdb_entries(entry, index)


def _book(novels, **kw):
    return novels.Book(name="toy", title="Toy", author="A", year=1900, gutenberg=1, package="p", where="w",
                       **{"start": "TOY", "end": "The end.", **kw})


SOURCE = """\ufeffThe Project Gutenberg EBook of Toy\r
\r
*** START OF THIS PROJECT GUTENBERG EBOOK TOY ***\r
TOY\r
\r
Transcriber's Notes: fixed typos.\r
and more notes.\r
\r
CHAPTER 1. The Sea.\r
Call me Toy.   \r
The end.\r
\r
End of Project Gutenberg's Toy\r
*** END OF THIS PROJECT GUTENBERG EBOOK TOY ***\r
"""


def test_trim_keeps_the_authors_text_only(novels):
    lines = novels.split_lines(SOURCE)
    assert lines[0].startswith("The Project")  # byte-order mark and \r removed
    book = _book(novels, drop=(("Transcriber's Notes: fixed typos.", "and more notes."),))
    assert novels.trim(lines, book) == ["TOY", "", "", "CHAPTER 1. The Sea.", "Call me Toy.", "The end."]


def test_trim_fails_on_left_boilerplate_or_a_missing_marker(novels):
    lines = novels.split_lines(SOURCE)
    with pytest.raises(SystemExit, match="boilerplate left.*Transcriber"):
        novels.trim(lines, _book(novels))
    with pytest.raises(SystemExit, match="marker line 'THE END' not found"):
        novels.trim(lines, _book(novels, end="THE END"))
    # "pretext" (Great Expectations) is a word, not Gutenberg's "etext"
    assert novels.trim(["TOY", "If a pretext to get him away", "The end."], _book(novels))[1].endswith("away")


def _recorded_hashes(readme: Path) -> dict[str, str]:
    rows = re.findall(r"^\| `([\w.]+\.txt\.gz)` \|.*`([0-9a-f]{64})` \|$", readme.read_text(), re.MULTILINE)
    return dict(rows)


@pytest.mark.parametrize("folder,count", [("novels", 4), ("kjv", 1)])
def test_committed_texts_match_their_readme(folder, count):
    """Each file's sha256 is the one its README records (the extraction is byte-reproducible), it is gzip with
    mtime 0, UTF-8, and no Gutenberg header, licence or note survived."""
    d = ROOT / "data" / folder
    recorded = _recorded_hashes(d / "README.md")
    assert sorted(recorded) == sorted(p.name for p in d.glob("*.txt.gz")) and len(recorded) == count
    for name, sha in recorded.items():
        data = (d / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == sha, name
        assert data[4:8] == b"\0\0\0\0", f"{name}: gzip mtime is not 0"
        text = gzip.decompress(data).decode("utf-8")
        assert text.endswith("\n") and "\r" not in text and "\ufeff" not in text
        assert not re.search(r"\b(gutenberg|e-?text|e-?book|transcriber)", text, re.IGNORECASE), name


def test_sea_novels_are_whole_books():
    moby = gzip.decompress((ROOT / "data/novels/mobydick.txt.gz").read_bytes()).decode()
    assert moby.startswith("MOBY DICK; OR THE WHALE\n") and "CHAPTER 135. The Chase.--Third Day." in moby
    assert moby.rstrip().endswith("only found another\norphan.")
    verne = gzip.decompress((ROOT / "data/novels/twentythousandleagues.txt.gz").read_bytes()).decode()
    assert verne.startswith("TWENTY THOUSAND LEAGUES UNDER THE SEA\n")
    assert verne.rstrip().endswith("CAPTAIN NEMO AND MYSELF.")
