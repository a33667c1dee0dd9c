"""``python -m storyteller download``: fetch, verify and unpack the original model files.

The files and URLs are those of the READMEs of ryankiros/neural-storyteller and ryankiros/skip-thoughts; the list
lives in :mod:`storyteller.catalog`.

    python -m storyteller download                      # everything into ./models
    python -m storyteller download --dest DIR --only skipthoughts
    python -m storyteller download --mirror http://mirror.nubenum.de/{path}

What it does, per file:

* downloads into ``NAME.part`` with a progress bar; an interrupted download is **resumed** on the next run
  (HTTP ``Range``); a server that ignores ``Range`` makes it restart cleanly from byte 0;
* **verifies** the file (:mod:`storyteller.fetching`): the MD5 sums published for the skip-thoughts files
  (third-party: posted in geniusai-research/email-summarization#1) and, for every file, the SHA-256 recorded
  in ``DEST/checksums.json`` the first time it was downloaded (a later download, e.g. from a mirror, must give
  the same bytes). Cheap structural checks (zip CRCs, ``.npy`` sizes, pickle end marker) catch truncation
  where no checksum is known;
* moves it to its final name only once verified (``os.replace``), so a final name never holds a half-written
  or corrupt file; a corrupt download is deleted and named in the error;
* unpacks ``neural_storyteller.zip`` member by member (refusing absolute paths, ``..`` and links), each member
  written atomically, and deletes the zip (``--keep-zip`` keeps it);
* finally writes ``DEST/config.yaml`` with the original keys pointing at the parts that are there and complete
  (also after a failure; none when no part is complete), so ``generate.load_all(DEST)`` (or
  ``python -m storyteller IMAGE --config DEST``) works.

Existing files are checked quickly (size and modification time against ``checksums.json``) and skipped;
``--verify`` re-hashes them.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import stat
import zipfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from . import config as _config
from .catalog import (  # noqa: F401
    GROUPS,
    KNOWN_MIRROR,
    REMOTES,
    SKIPTHOUGHTS_BASE,
    SKIPTHOUGHTS_FILES,
    STORYTELLER_ZIP,
    VGG19_URL,
    ZIP_COMPANIONS,
    ZIP_MEMBERS,
    ZIP_OPTIONAL,
    Remote,
)
from .errors import DownloadError
from .fetching import CHECKSUMS, CHUNK, _bar, _hash_file, _stat_record, candidate_urls, fetch, mirror_url, sanity_check  # noqa: F401
from .store import atomic_write

__all__ = [
    "Remote", "CATALOG", "GROUPS", "DownloadError", "download", "fetch", "candidate_urls", "mirror_url",
    "safe_extract", "write_config", "register", "run",
]

CONFIG_MARKER = "# Written by `python -m storyteller download`"
CATALOG = REMOTES  # the files to fetch (storyteller.catalog.REMOTES)


# ------------------------------------------------------------------------------------------- checksums
def _load_checksums(dest: Path) -> dict[str, Any]:
    path = dest / CHECKSUMS
    if not path.is_file():
        return {"version": 1, "files": {}}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data.get("files"), dict):
            raise ValueError("no 'files' mapping")
        return data
    except (ValueError, AttributeError) as e:
        raise DownloadError(f"{path} is not a valid checksum record ({e}); delete it to start afresh") from None


def _save_checksums(dest: Path, data: dict[str, Any]) -> None:
    with atomic_write(dest / CHECKSUMS) as tmp:
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def _quick_ok(path: Path, rec: dict[str, Any] | None) -> bool:
    """The file is unchanged since it was verified (same size and modification time)."""
    if not rec or not path.is_file():
        return False
    st = path.stat()
    return rec.get("size") == st.st_size and rec.get("mtime_ns") == st.st_mtime_ns


# --------------------------------------------------------------------------------------------- unzip
def _member_target(dest: Path, info: zipfile.ZipInfo) -> Path | None:
    """Where a zip member goes under ``dest``; None to skip it; raises on an unsafe name."""
    name = info.filename
    if name.endswith("/") or info.is_dir():
        return None
    parts = [p for p in re.split(r"[\\/]+", name) if p not in ("", ".")]
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or ".." in parts or not parts:
        raise DownloadError(f"refusing unsafe archive member {name!r} (absolute path or '..')")
    if parts[0] == "__MACOSX" or parts[-1] == ".DS_Store":
        return None
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise DownloadError(f"refusing archive member {name!r}: it is a symbolic link")
    target = dest.joinpath(*parts)
    if not target.resolve().is_relative_to(dest.resolve()):
        raise DownloadError(f"refusing archive member {name!r}: it would be written outside {dest}")
    return target


def safe_extract(archive: Path, dest: Path, progress: bool = True) -> dict[str, dict[str, Any]]:
    """Extract ``archive`` into ``dest`` safely; each member is written atomically and CRC-checked.

    Returns ``{relative path: {sha256, size, mtime_ns}}`` for the files written.
    """
    out: dict[str, dict[str, Any]] = {}
    try:
        zf = zipfile.ZipFile(archive)
    except zipfile.BadZipFile as e:
        raise DownloadError(f"{archive.name}: not a valid zip archive ({e}); delete it and run again") from None
    with zf:
        targets = [(info, _member_target(dest, info)) for info in zf.infolist()]
        plan = [(i, t) for i, t in targets if t is not None]
        need = sum(i.file_size for i, _ in plan)
        free = shutil.disk_usage(dest).free
        if need > free:
            raise DownloadError(f"{archive.name}: unpacking needs {need / 1e9:.2f} GB but {dest} has only "
                                f"{free / 1e9:.2f} GB free")
        bar = _bar(need, f"unpacking {archive.name}", progress)
        for info, target in plan:
            h = hashlib.sha256()
            try:
                with zf.open(info) as src, atomic_write(target) as tmp, open(tmp, "wb") as dst:
                    while block := src.read(CHUNK):
                        dst.write(block)
                        h.update(block)
                        bar.update(len(block))
            except (zipfile.BadZipFile, EOFError, OSError) as e:  # includes CRC mismatches
                bar.close()
                raise DownloadError(f"{archive.name}: member {info.filename!r} is corrupt ({e}); delete "
                                    f"{archive} and run again") from None
            out[target.relative_to(dest).as_posix()] = {"sha256": h.hexdigest(), **_stat_record(target)}
        bar.close()
    return out


# -------------------------------------------------------------------------------------------- config
def config_entries(dest: Path, members: Iterable[str] = ()) -> dict[str, Any]:
    """Config keys (the original config.py names) for the complete parts present in ``dest``, as paths relative
    to ``dest`` ('' = absent); ``members`` (unpacked archive members) are preferred. See ``config.discover``."""
    return _config.discover(dest, members, resolve=False)


_WANTED = ("skmodels", "decmodel", "vsemodel", "captions", "negbias", "posbias")


def write_config(dest: Path, members: Iterable[str] = (), log: Callable[[str], None] = print) -> Path | None:
    """Write ``dest/config.yaml`` for the parts that are present and complete, and say which are missing.

    Writes nothing when no part is complete (and removes a config.yaml this command wrote earlier, which would
    name files that are gone); never touches a config.yaml the user wrote. Returns its path, or None.
    """
    path = dest / _config.CONFIG_NAME
    ours = not path.is_file() or path.read_text(encoding="utf-8", errors="replace").startswith(CONFIG_MARKER)
    if not ours:
        log(f"kept your own {path} (it was not written by this command)")
        return None
    entries = config_entries(dest, members)
    have = [k for k in _config.PATH_KEYS if entries.get(k)]
    if not have:
        if path.is_file():
            path.unlink()
        log(f"no {path.name} written: none of the model files in {dest} is complete yet (run the command again)")
        return None
    missing = [k for k in _WANTED if not entries.get(k)]
    header = (f"{CONFIG_MARKER}; it names the complete parts found in this folder.\n"
              + (f"Not yet available: {', '.join(missing)} (run the download again).\n" if missing else "")
              + "Convert to the fast format with: python -m storyteller convert THIS_FOLDER OUT_FOLDER")
    _config.write_config(dest, entries, header=header)
    log(f"wrote {path}" + (f" (not yet available: {', '.join(missing)})" if missing else ""))
    return path


# ---------------------------------------------------------------------------------------------- main
def _installed(remote: Remote, dest: Path, rec: dict[str, Any] | None, verify: bool, check_md5: bool,
               progress: bool, log: Callable[[str], None]) -> dict[str, Any] | None:
    """The (updated) record if ``remote`` is already in place and good, else None (a bad file is removed)."""
    if remote.unzip:
        members = (rec or {}).get("members") or {}
        if not members or not all((dest / m).is_file() for m in members):
            return None
        for m, mrec in members.items():
            if not verify and _quick_ok(dest / m, mrec):
                continue
            sha, _ = _hash_file(dest / m, False, progress)
            if sha != mrec.get("sha256"):
                log(f"  {m} (from {remote.name}) fails its recorded SHA-256; fetching {remote.name} again")
                (dest / m).unlink()
                return None
            mrec.update(_stat_record(dest / m))
        return rec
    path = dest / remote.name
    if not path.is_file():
        return None
    if not verify and _quick_ok(path, rec):
        return rec
    want_md5 = remote.md5.lower() if (check_md5 and remote.md5) else None
    sha, md5 = _hash_file(path, True, progress)
    if (want_md5 and not (md5 or "").startswith(want_md5)) or (rec and rec.get("sha256") not in (None, sha)):
        log(f"  {remote.name} is present but fails verification; downloading it again")
        path.unlink()
        return None
    if rec is None:
        log(f"  {remote.name}: already present; " + ("MD5 verified" if want_md5 else "SHA-256 recorded (first seen)"))
        rec = {"url": remote.url, "verified": "md5" if want_md5 else "recorded"}
    return {**rec, "sha256": sha, "md5": md5, **_stat_record(path)}


def download(dest: str | Path = "models", only: Sequence[str] | None = None, mirrors: Sequence[str] = (), *,
             catalog: Sequence[Remote] = CATALOG, retries: int = 3, backoff: float = 1.0, timeout: float = 60.0,
             verify: bool = False, keep_zip: bool = False, check_md5: bool = True, progress: bool = True,
             log: Callable[[str], None] = print) -> Path | None:
    """Fetch the groups in ``only`` (default all: skipthoughts, storyteller, vgg) into ``dest``, verify and unpack
    them, then write ``dest/config.yaml`` for the complete parts (also when a file fails: then the
    ``DownloadError`` is raised after it); returns its path (None if a user config was kept or no part is
    complete)."""
    dest = Path(dest).expanduser()
    dest.mkdir(parents=True, exist_ok=True)
    groups = list(only) if only else list(GROUPS)
    unknown = set(groups) - set(GROUPS) - {r.group for r in catalog}
    if unknown:
        raise DownloadError(f"unknown --only {sorted(unknown)}; choose from {', '.join(GROUPS)}")
    sums = _load_checksums(dest)
    files = sums["files"]
    members: list[str] = [m for r in catalog if r.unzip for m in (files.get(r.name) or {}).get("members", {})]
    failure: DownloadError | None = None
    try:
        for remote in (r for r in catalog if r.group in groups):
            rec = files.get(remote.name)
            present = _installed(remote, dest, rec, verify, check_md5, progress, log)
            if present is not None:
                files[remote.name] = present
                _save_checksums(dest, sums)
                log(f"{remote.name}: ok (already here)")
                continue
            log(f"{remote.name}: downloading")
            urls = candidate_urls(remote, mirrors)
            path, new = fetch(remote, dest, urls, expected_sha256=(rec or {}).get("sha256"), check_md5=check_md5,
                              retries=retries, backoff=backoff, timeout=timeout, progress=progress, log=log)
            if remote.unzip:
                new["members"] = safe_extract(path, dest, progress)
                members = [m for m in members if m not in new["members"]] + list(new["members"])
                missing = [n for n in (*ZIP_MEMBERS.values(), *ZIP_COMPANIONS)
                           if not any(PurePosixPath(m).name == n for m in new["members"])]
                files[remote.name] = new
                _save_checksums(dest, sums)
                if not keep_zip:
                    path.unlink()
                if missing:  # the member list is inferred from the original loaders (unpublished): warn, do not fail
                    log(f"warning: {remote.name} lacks {', '.join(missing)} (it holds "
                        f"{', '.join(sorted(new['members'])[:12])}); config.yaml leaves those parts empty")
            else:
                files[remote.name] = new
                _save_checksums(dest, sums)
            log(f"{remote.name}: ok ({new['verified'] if new['verified'] != 'recorded' else 'SHA-256 recorded'})")
    except DownloadError as e:
        failure = e
    config = write_config(dest, members, log)
    if failure is not None:
        raise failure
    return config


# ----------------------------------------------------------------------------------------------- CLI
def register(parser: argparse.ArgumentParser, command: str) -> None:
    parser.description = ("Download the original neural-storyteller files (skip-thoughts, the storyteller zip, "
                          "VGG-19), verify them, unpack, and write DEST/config.yaml.")
    parser.add_argument("--dest", default="models", help="folder to download into (default ./models)")
    parser.add_argument("--only", action="append", choices=GROUPS,
                        help="fetch only this group (repeatable; default: all)")
    parser.add_argument("--mirror", action="append", default=[], metavar="URL",
                        help="fetch from this mirror instead of the original hosts (repeatable, tried in order): "
                             "URL/NAME, or a template with {name} / {path} "
                             f"(e.g. {KNOWN_MIRROR}), or a local folder")
    parser.add_argument("--verify", action="store_true", help="re-hash files already present (default: size+mtime)")
    parser.add_argument("--keep-zip", action="store_true", help="keep neural_storyteller.zip after unpacking")
    parser.add_argument("--no-md5", action="store_true",
                        help="do not check the published (third-party) MD5 sums; SHA-256 is still recorded")
    parser.add_argument("--retries", type=int, default=3,
                        help="retries per file after a dropped connection (default 3)")
    parser.add_argument("--timeout", type=float, default=60.0, help="network timeout in seconds (default 60)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


def run(args: argparse.Namespace) -> int:
    download(args.dest, args.only, args.mirror, retries=max(0, args.retries), timeout=args.timeout,
             verify=args.verify, keep_zip=args.keep_zip, check_md5=not args.no_md5, progress=not args.quiet)
    return 0
