#!/usr/bin/env python3
"""Extract four public-domain novels (and the King James Bible) from Debian packages.

Writes ``data/novels/<name>.txt.gz`` (*Moby Dick*, *Great Expectations*, *The War of the Worlds*, *Twenty Thousand
Leagues under the Sea*), ``data/kjv/kjv.txt.gz`` and a ``README.md`` in each folder (provenance, licence, counts,
sha256 of every file). Same format as ``data/austen`` (see ``scripts/extract_austen.py``, whose R-data reading this
script shares): one printed line per line, UTF-8, gzip with mtime=0 and no stored name, so re-running the script
reproduces the files byte for byte.

Sources, each pinned by version and sha256 (``apt-get download`` needs no root; the .debs go to a temporary
folder and are never written into the repository):

* ``r-cran-tokenizers`` 0.3.0-1: ``data/Rdata.{rdx,rdb}``, object ``mobydick`` (the whole Project Gutenberg
  file #2701 as one string, licence included);
* ``r-cran-tidytext`` 0.4.1-1: ``extdata/books.rda``, a data frame (``gutenberg_id``, ``text``, ``title``) whose
  texts were already cut from their Gutenberg header and licence by ``gutenbergr``;
* ``bible-kjv-text`` 4.38 (compressed text) + ``bible-kjv`` 4.38 (the ``bible`` program, amd64, run from the
  unpacked .deb to print the whole text; optional, skipped with ``--no-kjv``).

What is cut: the Gutenberg header, licence and end line, transcriber's and editor's notes, volunteers' credits.
What is kept: the author's text from the title on, chapter headings included (Melville's "Etymology" and
"Extracts" are part of his book).

Build-time requirements (not runtime dependencies of ``storyteller``): ``apt-get``, ``dpkg-deb`` and PyPI ``rdata``
1.1.0 in a throw-away venv::

    python3 -m venv /tmp/rdata-venv && /tmp/rdata-venv/bin/pip install rdata==1.1.0
    /tmp/rdata-venv/bin/python scripts/extract_novels.py
"""
from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from extract_austen import _parse_r, download_deb, gzip_bytes, read_rdb, sha256_file  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[1]
SITE = "usr/lib/R/site-library"


@dataclass(frozen=True)
class Deb:
    """A pinned Debian package."""
    version: str
    arch: str
    sha256: str
    licence: str


PACKAGES: dict[str, Deb] = {
    "r-cran-tokenizers": Deb("0.3.0-1", "amd64",
                             "6312f013ebfde5650235bfd7ba5c44d9e4cf9f2da9855337c9483fe778f0d8c7",
                             "MIT: Copyright 2016-2018 Lincoln Mullen, Os Keyes, Dmitriy Selivanov, Jeffrey Arnold, "
                             "Kenneth Benoit; Debian packaging Copyright 2021 Andreas Tille"),
    "r-cran-tidytext": Deb("0.4.1-1", "all",
                           "8d693a8772b57e2dbdc907aa946fbeeefb03ba3eb2bbea86d5c888a4d15956ad",
                           "MIT: Copyright 2018-2021 Gabriela De Queiroz, Colin Fay, Emil Hvitfeldt, Os Keyes, "
                           "Kanishka Misra, Tim Mastny, Jeff Erickson, David Robinson, Julia Silge; Debian packaging "
                           "Copyright 2021 Andreas Tille"),
    "bible-kjv-text": Deb("4.38", "all",
                          "d61b6aad4c51ba9e2800b825325fa6a09e99a0d02a9bb6dc4724fcc4995a1b7a",
                          "the text is public domain (King James Version, 1611); Bible Retrieval System data "
                          "format by Chip Chapin, free for unrestricted use"),
    "bible-kjv": Deb("4.38", "amd64",
                     "75a49c032a6efa9faa2beb4a9acb70974380122906329d0e100de36cc88ff02d",
                     "GPL-2+ (the program only; it is run, not copied)"),
}


@dataclass(frozen=True)
class Book:
    """A novel to extract and the lines that delimit the author's text in its source."""
    name: str              # output file stem
    title: str
    author: str
    year: int              # first publication (in English for Verne)
    gutenberg: int         # Project Gutenberg etext number
    package: str
    where: str             # the object inside the package
    start: str             # first line kept (first occurrence)
    end: str | None        # last line kept (last occurrence); None = to the end
    drop: tuple[tuple[str, str], ...] = ()   # (first line, last line) of blocks cut out (notes, credits)


_RDA = "tidytext/extdata/books.rda`, rows with title `"
BOOKS: tuple[Book, ...] = (
    Book("mobydick", "Moby Dick; or The Whale", "Herman Melville", 1851, 2701, "r-cran-tokenizers",
         "tokenizers/data/Rdata.{rdx,rdb}`, object `mobydick", start="MOBY DICK; OR THE WHALE", end="orphan.",
         drop=(("Original Transcriber's Notes:", "for the British pound, a unit of currency."),)),
    Book("greatexpectations", "Great Expectations", "Charles Dickens", 1861, 1400, "r-cran-tidytext",
         _RDA + "Great Expectations", start="GREAT EXPECTATIONS", end=None,
         drop=(("[Project Gutenberg Editor's Note: There is also another version of",
                "this work etext98/grexp10.txt scanned from a different edition]"),)),
    Book("warofworlds", "The War of the Worlds", "H. G. Wells", 1898, 36, "r-cran-tidytext",
         _RDA + "The War of the Worlds", start="The War of the Worlds", end=None),
    Book("twentythousandleagues", "Twenty Thousand Leagues under the Sea", "Jules Verne", 1872, 164,
         "r-cran-tidytext", _RDA + "Twenty Thousand Leagues under the Sea",
         start="TWENTY THOUSAND LEAGUES UNDER THE SEA", end=None,
         drop=(("[Transcriber's Note: 'bread-fruit' has been substituted for", "'artocarpus' in this ed.]"),)),
)

#: words that must not survive the trimming (they only occur in Gutenberg's header, notes and licence)
BOILERPLATE = re.compile(r"\b(gutenberg|e-?text|e-?book|transcriber)", re.IGNORECASE)


def trim(lines: list[str], book: Book) -> list[str]:
    """The author's text of ``lines``: from ``book.start`` to ``book.end`` without the ``book.drop`` blocks, blank
    lines at either end removed. Raises SystemExit when a marker is missing or a Gutenberg word remains."""
    def find(line: str, last: bool = False, lo: int = 0) -> int:
        hits = [i for i, x in enumerate(lines) if x.strip() == line and i >= lo]
        if not hits:
            raise SystemExit(f"{book.name}: marker line {line!r} not found")
        return hits[-1] if last else hits[0]

    lo = find(book.start)
    hi = find(book.end, last=True) if book.end is not None else len(lines) - 1
    cut = set()
    for first, last in book.drop:
        a = find(first, lo=lo)
        cut.update(range(a, find(last, lo=a) + 1))
    kept = [x.rstrip() for i, x in enumerate(lines[lo:hi + 1], lo) if i not in cut]
    while kept and not kept[-1]:
        kept.pop()
    bad = [(i, x) for i, x in enumerate(kept) if BOILERPLATE.search(x)]
    if bad:
        raise SystemExit(f"{book.name}: boilerplate left at kept line {bad[0][0]}: {bad[0][1]!r}")
    return kept


def split_lines(text: str) -> list[str]:
    """One string (Windows line ends, maybe a byte-order mark) -> its lines."""
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")


def read_books(extracted: dict[str, Path]) -> dict[str, list[str]]:
    """The trimmed lines of every book in ``BOOKS``, from the unpacked packages (package -> folder)."""
    raw: dict[str, list[str]] = {}
    moby = read_rdb(extracted["r-cran-tokenizers"] / SITE / "tokenizers/data/Rdata")
    if list(moby) != ["mobydick"] or len(moby["mobydick"]) != 1:
        raise SystemExit(f"r-cran-tokenizers: expected one string 'mobydick', found {list(moby)}")
    raw["mobydick"] = split_lines(str(moby["mobydick"][0]))
    frames = _parse_r((extracted["r-cran-tidytext"] / SITE / "tidytext/extdata/books.rda").read_bytes())
    books = frames["books"]
    for book in BOOKS:
        if book.package != "r-cran-tidytext":
            continue
        rows = books[books["title"] == book.title]
        ids = sorted({int(x) for x in rows["gutenberg_id"]})
        if ids != [book.gutenberg]:
            raise SystemExit(f"{book.title}: expected Gutenberg #{book.gutenberg} in books.rda, found {ids}")
        lines = [str(x) for x in rows["text"]]
        if any("\n" in x or "\r" in x for x in lines):
            raise SystemExit(f"{book.title}: a line contains a line break")
        raw[book.name] = lines
    return {b.name: trim(raw[b.name], b) for b in BOOKS}


def read_kjv(extracted: dict[str, Path]) -> list[str]:
    """The King James Bible as printed by ``bible``: per chapter a heading in capitals ("GENESIS 1", which
    ``train.corpus.paragraphs`` drops as a heading), a blank line, one verse per line (numbers removed), a blank
    line."""
    prog = extracted["bible-kjv"] / "usr/bin/bible"
    data = extracted["bible-kjv-text"] / "usr/lib"
    out = subprocess.run([str(prog), "-p", str(data), "-l100000", "gen1:1-rev22:21"], check=True,
                         capture_output=True, text=True, encoding="utf-8").stdout
    lines: list[str] = []
    verses = 0
    for line in out.splitlines():
        if not line.strip():
            continue
        if line.startswith("  "):
            num, _, text = line.strip().partition(" ")
            if not num.isdigit() or not text:
                raise SystemExit(f"bible: unexpected verse line {line[:80]!r}")
            lines.append(text)
            verses += 1
        else:
            if lines:
                lines.append("")
            lines += [line.strip().upper(), ""]
    if verses != 31102:  # the KJV's verse count
        raise SystemExit(f"bible: printed {verses} verses, expected 31102")
    return lines


def words(lines: list[str]) -> int:
    return sum(len(x.split()) for x in lines)


def novels_readme(books: dict[str, list[str]], debs: dict[str, str], files: dict[str, str]) -> str:
    """Render ``data/novels/README.md``."""
    rows = [f"| `{b.name}.txt.gz` | *{b.title}* | {b.author} | {b.year} | #{b.gutenberg} | {len(books[b.name]):,} "
            f"| {words(books[b.name]):,} | `{files[b.name + '.txt.gz']}` |" for b in BOOKS]
    rows.append(f"| **total** | | | | | **{sum(len(v) for v in books.values()):,}** "
                f"| **{sum(words(v) for v in books.values()):,}** | |")
    src = [f"| `{b.name}.txt.gz` | `{b.package}` {PACKAGES[b.package].version} | `/{SITE}/{b.where}` |" for b in BOOKS]
    pk = sorted({b.package for b in BOOKS})
    pkg_rows = [f"| `{p}` | `{PACKAGES[p].version}` | {PACKAGES[p].arch} | `{debs[p]}` | {PACKAGES[p].licence} |"
                for p in pk]
    return f"""# Four public-domain novels (training corpus)

Plain text of four novels from Project Gutenberg, for style vectors (the bundle's `sea` style is made from
*Moby Dick* and *Twenty Thousand Leagues under the Sea*) and as more training fiction beside `data/austen`.

## Source

Extracted by `scripts/extract_novels.py` (R data parsed with PyPI `rdata` 1.1.0; no R needed). The .debs
themselves are not kept; the script checks their sha256 before use.

| package | version | arch | sha256 of the .deb | licence of the package |
|---|---|---|---|---|
{chr(10).join(pkg_rows)}

| file | package | object |
|---|---|---|
{chr(10).join(src)}

What was cut: *Moby Dick* is the whole Gutenberg file #2701 in the package; the script keeps the lines from the
title `MOBY DICK; OR THE WHALE` to the Epilogue's last line, without the Gutenberg header and licence, the
"Produced by" credit and the transcriber's notes. The tidytext texts come without header and licence; the
volunteers' credit before *Twenty Thousand Leagues* and a transcriber's note inside it, and the Gutenberg editor's
note in *Great Expectations* are cut. No line of the output contains "Gutenberg", "etext", "ebook" or
"transcriber" (the script checks).

## Licence

* The novels are in the **public domain** (Melville 1851, Dickens 1861, Wells 1898; Verne 1870, in the English
  translation of Gutenberg etext #164, 1872, translator not named in the text).
* The packages they come from are **MIT**-licensed (see the table above).

## Format

* One file per novel: `<name>.txt.gz`, UTF-8, one printed line of the Gutenberg edition per line (blank lines
  kept, chapter headings kept, trailing spaces removed), each line ending with `\\n`.
* gzip level 9 with mtime=0 and no stored file name, so re-running the script reproduces the files byte for byte.

## Counts

Words = whitespace-separated tokens (`str.split()`); sha256 of the `.txt.gz` file.

| file | novel | author | published | Gutenberg | lines | words | sha256 |
|---|---|---|---:|---:|---:|---:|---|
{chr(10).join(rows)}

## Reproduce

```bash
python3 -m venv /tmp/rdata-venv && /tmp/rdata-venv/bin/pip install rdata==1.1.0
/tmp/rdata-venv/bin/python scripts/extract_novels.py   # apt-get download + dpkg-deb -x, into a temporary folder
```
"""


def kjv_readme(lines: list[str], debs: dict[str, str], file_sha: str) -> str:
    """Render ``data/kjv/README.md``."""
    pkg_rows = [f"| `{p}` | `{PACKAGES[p].version}` | {PACKAGES[p].arch} | `{debs[p]}` | {PACKAGES[p].licence} |"
                for p in ("bible-kjv-text", "bible-kjv")]
    verses = sum(1 for x in lines if x and not x.isupper())
    chapters = sum(1 for x in lines if x and x.isupper())
    return f"""# The King James Bible (archaic register)

The Authorized (King James) Version of the Old and New Testaments, 1611: an archaic register for style vectors
or training text. Not a novel; kept apart from `data/novels`.

## Source

Printed by the `bible` program of Debian's `bible-kjv` from the compressed text of `bible-kjv-text`
(`bible -p DIR -l100000 gen1:1-rev22:21`), both run from the unpacked .debs by `scripts/extract_novels.py`
(the program is an amd64 binary, so this part of the script runs on amd64 Linux only). The .debs are not kept.

| package | version | arch | sha256 of the .deb | licence |
|---|---|---|---|---|
{chr(10).join(pkg_rows)}

## Licence

The King James Version's text is in the **public domain** (its Crown copyright applies in the United Kingdom only;
the Debian package states that the copyright is expired).

## Format

`kjv.txt.gz`: UTF-8; per chapter a heading in capitals (`GENESIS 1`), a blank line, one verse per line without
its number, a blank line. gzip level 9, mtime=0, no stored name (byte-reproducible).

| file | chapters | verses | lines | words | sha256 |
|---|---:|---:|---:|---:|---|
| `kjv.txt.gz` | {chapters:,} | {verses:,} | {len(lines):,} | {words(lines):,} | `{file_sha}` |

## Reproduce

```bash
python3 -m venv /tmp/rdata-venv && /tmp/rdata-venv/bin/pip install rdata==1.1.0
/tmp/rdata-venv/bin/python scripts/extract_novels.py
```
"""


def fetch(package: str, tmpdir: Path, given: dict[str, Path], any_version: bool) -> tuple[Path, str]:
    """The package's .deb (downloaded unless given), its sha256 checked, unpacked; returns (folder, sha256).
    Raises SystemExit (one line) when apt-get cannot download it or dpkg-deb cannot unpack it."""
    deb = given.get(package)
    if deb is None:
        try:
            deb = download_deb(tmpdir, package, PACKAGES[package].version)
        except subprocess.CalledProcessError as exc:
            raise SystemExit(f"apt-get download {package}={PACKAGES[package].version} failed (exit {exc.returncode}); "
                             f"download the .deb elsewhere and give it with --deb") from None
    sha = sha256_file(deb)
    if sha != PACKAGES[package].sha256 and not any_version:
        raise SystemExit(f"{deb}: sha256 {sha} != pinned {PACKAGES[package].sha256} (use --any-version to accept it)")
    folder = tmpdir / package
    done = subprocess.run(["dpkg-deb", "-x", str(deb), str(folder)], capture_output=True, text=True)
    if done.returncode:
        why = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise SystemExit(f"{deb}: dpkg-deb cannot unpack it ({why}); give the {package} .deb")
    return folder, sha


def check_requirements(debs: list[Path], wanted: list[str]) -> dict[str, Path]:
    """Check everything the run needs before anything is downloaded: every ``--deb`` exists and is one of the
    ``wanted`` packages (named ``<package>_<version>_<arch>.deb``, as apt-get saves it), PyPI ``rdata`` imports,
    ``dpkg-deb`` (and ``apt-get`` when a package is not given) is installed. Returns package -> given .deb;
    raises SystemExit with one line naming the problem and the fix."""
    given: dict[str, Path] = {}
    for d in debs:
        if not d.is_file():
            raise SystemExit(f"--deb {d}: file not found")
        package = d.name.split("_")[0]
        if package not in wanted:
            raise SystemExit(f"--deb {d}: matches no package this run needs ({', '.join(wanted)}); name it as "
                             "apt-get download does: package_version_arch.deb")
        if package in given:
            raise SystemExit(f"--deb {d}: {package} is already given as {given[package]}")
        given[package] = d.resolve()
    try:
        import rdata  # noqa: F401  (used by extract_austen's R-data reading, after the downloads)
    except ImportError:
        raise SystemExit("this script needs PyPI 'rdata' (pip install rdata==1.1.0 in a throw-away venv; see the "
                         "module docstring)") from None
    if shutil.which("dpkg-deb") is None:
        raise SystemExit("dpkg-deb not found (install dpkg)")
    missing = [p for p in wanted if p not in given]
    if missing and shutil.which("apt-get") is None:
        raise SystemExit(f"apt-get not found: give the .debs of {', '.join(missing)} with --deb")
    return given


def write(path: Path, lines: list[str]) -> str:
    """Write ``lines`` gzipped (deterministic) through a temporary name; return the file's sha256."""
    tmp = path.with_name(path.name + ".partial")
    tmp.write_bytes(gzip_bytes("".join(x + "\n" for x in lines)))
    os.replace(tmp, path)
    print(f"wrote {path} ({len(lines)} lines, {words(lines)} words)")
    return sha256_file(path)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--deb", type=Path, action="append", default=[],
                    help="use this downloaded .deb instead of running apt-get download (repeatable)")
    ap.add_argument("--out", type=Path, default=REPO_ROOT / "data",
                    help="data folder; writes OUT/novels and OUT/kjv (default: data in the repository)")
    ap.add_argument("--no-kjv", action="store_true", help="skip the King James Bible")
    ap.add_argument("--any-version", action="store_true", help="accept .debs whose sha256 differs from the pinned")
    args = ap.parse_args(argv)
    kjv = not args.no_kjv
    wanted = sorted({b.package for b in BOOKS} | ({"bible-kjv-text", "bible-kjv"} if kjv else set()))
    given = check_requirements(args.deb, wanted)
    if kjv and (platform.system(), platform.machine()) != ("Linux", "x86_64"):
        raise SystemExit("the King James Bible needs the amd64 'bible' program; run on amd64 Linux or use --no-kjv")

    with tempfile.TemporaryDirectory(prefix="novels-") as tmp:
        tmpdir = Path(tmp)
        extracted, debs = {}, {}
        for package in wanted:
            extracted[package], debs[package] = fetch(package, tmpdir, given, args.any_version)
        books = read_books(extracted)
        bible = read_kjv(extracted) if kjv else None

    novels = args.out / "novels"
    novels.mkdir(parents=True, exist_ok=True)
    files = {f"{b.name}.txt.gz": write(novels / f"{b.name}.txt.gz", books[b.name]) for b in BOOKS}
    (novels / "README.md").write_text(novels_readme(books, debs, files), encoding="utf-8")
    print(f"wrote {novels / 'README.md'}")
    if bible is not None:
        (args.out / "kjv").mkdir(parents=True, exist_ok=True)
        sha = write(args.out / "kjv" / "kjv.txt.gz", bible)
        (args.out / "kjv" / "README.md").write_text(kjv_readme(bible, debs, sha), encoding="utf-8")
        print(f"wrote {args.out / 'kjv' / 'README.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
