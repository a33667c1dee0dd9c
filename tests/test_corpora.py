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
import shutil
import struct
import subprocess
import sys
import types
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


@pytest.fixture
def no_download(novels, monkeypatch, tmp_path):
    """extract_novels.main with downloads forbidden, ``rdata`` importable (a stand-in) and output into tmp_path."""
    def download(*args, **kwargs):
        raise AssertionError("the script downloaded although the arguments were bad")

    monkeypatch.setattr(novels, "download_deb", download)
    monkeypatch.setitem(sys.modules, "rdata", types.ModuleType("rdata"))
    return lambda *args: novels.main(["--no-kjv", "--out", str(tmp_path / "out"), *args])


def test_extract_novels_refuses_bad_debs_before_downloading(no_download, tmp_path):
    # a missing --deb gave a FileNotFoundError traceback, and only after downloading the other packages
    with pytest.raises(SystemExit, match=r"--deb .*nowhere_1_all\.deb: file not found"):
        no_download("--deb", str(tmp_path / "nowhere_1_all.deb"))
    # a --deb that names no needed package was silently ignored and the package downloaded instead
    stray = tmp_path / "r-cran-other_1.0_all.deb"
    stray.write_bytes(b"x")
    with pytest.raises(SystemExit, match=r"r-cran-other_1\.0_all\.deb: matches no package this run needs "
                                         r"\(r-cran-tidytext, r-cran-tokenizers\)"):
        no_download("--deb", str(stray))


def test_extract_novels_checks_rdata_before_downloading(no_download, monkeypatch):
    monkeypatch.setitem(sys.modules, "rdata", None)  # import rdata -> ImportError
    with pytest.raises(SystemExit, match="needs PyPI 'rdata'"):
        no_download()


@pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="needs dpkg-deb")
def test_extract_novels_any_version_text_file_is_one_line(no_download, tmp_path):
    # --any-version skips the sha256 check, so dpkg-deb met the text file: a CalledProcessError traceback
    debs = []
    for name in ("r-cran-tidytext_0.4.1-1_all.deb", "r-cran-tokenizers_0.3.0-1_amd64.deb"):
        (tmp_path / name).write_text("not a package\n")
        debs += ["--deb", str(tmp_path / name)]
    with pytest.raises(SystemExit, match=r"r-cran-tidytext_0\.4\.1-1_all\.deb: dpkg-deb cannot unpack it .*give the "
                                         r"r-cran-tidytext \.deb") as err:
        no_download("--any-version", *debs)
    assert "\n" not in str(err.value.code)


def test_extract_novels_failed_download_is_one_line(novels, monkeypatch, tmp_path):
    def download(dest, package, version):
        raise subprocess.CalledProcessError(100, ["apt-get", "download", f"{package}={version}"])

    monkeypatch.setattr(novels, "download_deb", download)
    monkeypatch.setitem(sys.modules, "rdata", types.ModuleType("rdata"))
    monkeypatch.setattr(novels.shutil, "which", lambda name: f"/usr/bin/{name}")
    with pytest.raises(SystemExit, match=r"apt-get download r-cran-tidytext=0\.4\.1-1 failed \(exit 100\); .*--deb"):
        novels.main(["--no-kjv", "--out", str(tmp_path)])


def test_extract_novels_script_exits_non_zero_with_one_line(tmp_path):
    proc = subprocess.run([sys.executable, str(SCRIPTS / "extract_novels.py"), "--no-kjv", "--deb",
                           str(tmp_path / "missing.deb")], capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert proc.stderr.strip().splitlines() == [f"--deb {tmp_path / 'missing.deb'}: file not found"]


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
