#!/usr/bin/env python3
"""Extract Jane Austen's six novels from Debian's ``r-cran-janeaustenr`` package.

Writes ``data/austen/<novel>.txt.gz`` (one printed line per line, UTF-8, gzip with
mtime=0 and no embedded file name, so the output is byte-reproducible) and
``data/austen/README.md`` (provenance, licence, counts).

Build-time requirements (not runtime dependencies of ``storyteller``):

* Debian tools ``apt-get`` and ``dpkg-deb`` (or pass ``--deb`` with a downloaded .deb);
* PyPI ``rdata`` (MIT, pure Python) to read R's lazy-load database, e.g.::

      python3 -m venv /tmp/rdata-venv && /tmp/rdata-venv/bin/pip install rdata==1.1.0
      /tmp/rdata-venv/bin/python scripts/extract_austen.py

No R installation is needed.  The .deb is downloaded into a temporary folder and never
written into the repository.
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import shutil
import struct
import subprocess
import sys
import tempfile
import warnings
import zlib
from pathlib import Path

PACKAGE = "r-cran-janeaustenr"
VERSION = "1.0.0-1"
DEB_SHA256 = "df6bddf211906d1ff404f8ff662c21b34e6660e7f54a311084e749050c019c95"
RDATA_BASE = "usr/lib/R/site-library/janeaustenr/data/Rdata"

#: R object name -> (title, year of first publication)
NOVELS: dict[str, tuple[str, int]] = {
    "sensesensibility": ("Sense and Sensibility", 1811),
    "prideprejudice": ("Pride and Prejudice", 1813),
    "mansfieldpark": ("Mansfield Park", 1814),
    "emma": ("Emma", 1815),
    "northangerabbey": ("Northanger Abbey", 1817),
    "persuasion": ("Persuasion", 1817),
}

REPO_ROOT = Path(__file__).resolve().parents[1]


def sha256_file(path: Path) -> str:
    """Return the hex sha256 of a file."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def download_deb(dest: Path, package: str = PACKAGE, version: str = VERSION) -> Path:
    """``apt-get download`` the pinned package version into ``dest`` (no root needed)."""
    subprocess.run(["apt-get", "download", f"{package}={version}"], cwd=dest, check=True)
    debs = sorted(dest.glob(f"{package}_*.deb"))
    if len(debs) != 1:
        raise SystemExit(f"expected one {package} .deb in {dest}, found {debs}")
    return debs[0]


def _parse_r(data: bytes) -> object:
    """Parse one R serialization stream with ``rdata`` and convert it to Python."""
    try:
        import rdata
    except ImportError as exc:  # pragma: no cover - build-time tool
        raise SystemExit("this script needs PyPI 'rdata' (pip install rdata==1.1.0 in a "
                         "throw-away venv; see the module docstring)") from exc
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Unknown file type: assumed RDS" is harmless
        return rdata.conversion.convert(rdata.parser.parse_data(data))


def rdb_entries(rdb: bytes, variables: dict) -> dict[str, bytes]:
    """Split an R lazy-load database into its objects' serialized bytes.

    ``variables`` maps each object name to ``(offset, length)`` in ``rdb`` (the ``variables`` entry of the
    ``.rdx`` index); each entry there is a 4-byte big-endian uncompressed length followed by a
    zlib-compressed R serialization of the object.
    """
    out: dict[str, bytes] = {}
    for name, (offset, length) in variables.items():
        name, offset, length = str(name), int(offset), int(length)
        blob = rdb[offset:offset + length]
        if len(blob) != length or length < 4:
            raise SystemExit(f"{name}: entry ({offset}, {length}) lies outside the {len(rdb)}-byte database")
        raw = zlib.decompress(blob[4:])
        if struct.unpack(">I", blob[:4])[0] != len(raw):
            raise SystemExit(f"{name}: length header does not match the data")
        out[name] = raw
    return out


def read_rdb(base: Path) -> dict[str, object]:
    """Every object of the lazy-load database ``base.{rdx,rdb}`` (``Rdata.rdx`` is a gzip'd RDS index)."""
    index = _parse_r(gzip.decompress(base.with_suffix(".rdx").read_bytes()))
    raws = rdb_entries(base.with_suffix(".rdb").read_bytes(), index["variables"])
    return {name: _parse_r(raw) for name, raw in raws.items()}


def read_novels(extracted: Path) -> dict[str, list[str]]:
    """Read the six character vectors from the package's ``data/Rdata.{rdx,rdb}``."""
    base = extracted / RDATA_BASE
    novels: dict[str, list[str]] = {}
    for name, obj in read_rdb(base).items():
        lines = [str(x) for x in obj]
        if any("\n" in x or "\r" in x for x in lines):
            raise SystemExit(f"{name}: a line contains a line break")
        novels[name] = lines
    if set(novels) != set(NOVELS):
        raise SystemExit(f"unexpected objects in {base}: {sorted(novels)}")
    return novels


def gzip_bytes(text: str) -> bytes:
    """Gzip ``text`` (UTF-8) deterministically: mtime=0, no file name, level 9."""
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=9, mtime=0) as f:
        f.write(text.encode("utf-8"))
    return buf.getvalue()


def readme(novels: dict[str, list[str]], deb_sha: str) -> str:
    """Render ``data/austen/README.md``."""
    rows = []
    tot_lines = tot_words = 0
    for name, (title, year) in NOVELS.items():
        lines = novels[name]
        words = sum(len(x.split()) for x in lines)
        tot_lines += len(lines)
        tot_words += words
        rows.append(f"| `{name}.txt.gz` | {title} | {year} | {len(lines):,} | {words:,} |")
    rows.append(f"| **total** | | | **{tot_lines:,}** | **{tot_words:,}** |")
    table = "\n".join(rows)
    return f"""# Jane Austen's six novels (training corpus)

Plain text of Jane Austen's six completed novels, used to train the project's default
model bundle (the "romance novel" style corpus).

## Source

* Debian package `{PACKAGE}` version `{VERSION}` (architecture `all`), the Debian
  packaging of the CRAN package `janeaustenr` 1.0.0 by Julia Silge
  (<https://github.com/juliasilge/janeaustenr>), whose texts come from Project Gutenberg.
* sha256 of `{PACKAGE}_{VERSION}_all.deb`: `{deb_sha}`
* Extracted from `/{RDATA_BASE}.{{rdx,rdb}}` by `scripts/extract_austen.py`
  (R data parsed with PyPI `rdata`; no R needed). The .deb itself is not kept.

## Licence

* The novels are in the **public domain** (Jane Austen, 1775-1817; Project Gutenberg texts).
* The `janeaustenr` package (and its Debian packaging) is **MIT**-licensed:
  Copyright 2016-2017 Julia Silge; Debian packaging Copyright 2021 Andreas Tille.

## Format

* One file per novel, named after the R object: `<novel>.txt.gz`.
* UTF-8, one line of the package's character vector per line (these are the printed
  lines of the Gutenberg edition; blank lines kept), each line ending with `\\n`.
* gzip level 9 with mtime=0 and no stored file name, so re-running the script
  reproduces the files byte for byte.

## Counts

Words = whitespace-separated tokens (`str.split()`).

| file | novel | published | lines | words |
|---|---|---|---:|---:|
{table}

## Reproduce

```bash
python3 -m venv /tmp/rdata-venv && /tmp/rdata-venv/bin/pip install rdata==1.1.0
/tmp/rdata-venv/bin/python scripts/extract_austen.py   # runs apt-get download + dpkg-deb -x
```
"""


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--deb", type=Path, help="use this .deb instead of running apt-get download")
    ap.add_argument("--out", type=Path, default=REPO_ROOT / "data" / "austen",
                    help="output folder (default: data/austen in the repository)")
    ap.add_argument("--any-version", action="store_true",
                    help="accept a .deb whose sha256 differs from the pinned one")
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="austen-") as tmp:
        tmpdir = Path(tmp)
        deb = args.deb.resolve() if args.deb else download_deb(tmpdir)
        deb_sha = sha256_file(deb)
        if deb_sha != DEB_SHA256 and not args.any_version:
            raise SystemExit(f"{deb}: sha256 {deb_sha} != pinned {DEB_SHA256} "
                             "(use --any-version to accept it)")
        if shutil.which("dpkg-deb") is None:
            raise SystemExit("dpkg-deb not found")
        extracted = tmpdir / "x"
        subprocess.run(["dpkg-deb", "-x", str(deb), str(extracted)], check=True)
        novels = read_novels(extracted)

    args.out.mkdir(parents=True, exist_ok=True)
    for name in NOVELS:
        path = args.out / f"{name}.txt.gz"
        path.write_bytes(gzip_bytes("".join(line + "\n" for line in novels[name])))
        print(f"wrote {path} ({len(novels[name])} lines)")
    (args.out / "README.md").write_text(readme(novels, deb_sha), encoding="utf-8")
    print(f"wrote {args.out / 'README.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
