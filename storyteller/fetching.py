"""Fetch one file over HTTP(S) (or from a local folder) with resume, retries and verification.

Used by :mod:`storyteller.download`: ``fetch`` streams into ``NAME.part`` (resuming it with HTTP ``Range``; a
server that ignores ``Range`` makes it restart from byte 0), checks the published MD5 (a prefix is enough), the
SHA-256 recorded at the first download, or, where no checksum is known, the file's structure (zip CRCs, ``.npy``
sizes, pickle end marker), and only then renames it to its final name.
"""
from __future__ import annotations

import hashlib
import http.client
import os
import re
import socket
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
from tqdm import tqdm  # not tqdm.auto: it warns "IProgress not found" in notebooks without ipywidgets

from .catalog import KNOWN_MIRROR, Remote
from .errors import DownloadError
from .formats.pickles import read_npy_header

__all__ = ["fetch", "mirror_url", "candidate_urls", "sanity_check", "CHUNK", "CHECKSUMS"]

CHUNK = 1 << 20
CHECKSUMS = "checksums.json"  # the record of SHA-256s in the download folder (named in messages)

TRANSIENT_HTTP = {408, 429, 500, 502, 503, 504}


class _Transient(Exception):
    """A failure worth retrying (connection cut, timeout, 5xx): the ``.part`` file is kept for resuming."""


# ------------------------------------------------------------------------------------------------ URLs
def mirror_url(mirror: str, remote: Remote) -> str:
    """The URL of ``remote`` on ``mirror``.

    ``mirror`` may hold ``{name}`` (the file name) and ``{path}`` (the original URL without its scheme, e.g.
    ``www.cs.toronto.edu/~rkiros/models/utable.npy``), as in ``http://mirror.nubenum.de/{path}``; otherwise
    the file name is appended (``http://host/dir`` -> ``http://host/dir/utable.npy``). A local folder works too.
    """
    parsed = urllib.parse.urlsplit(remote.url)
    name = PurePosixPath(parsed.path).name
    path = parsed.netloc + parsed.path
    if "://" not in mirror:  # a local folder (or file) path
        mirror = Path(mirror).expanduser().resolve().as_uri()
    if "{name}" in mirror or "{path}" in mirror:
        return mirror.replace("{name}", urllib.parse.quote(name, safe="~")).replace(
            "{path}", urllib.parse.quote(path, safe="/~"))
    return mirror.rstrip("/") + "/" + urllib.parse.quote(name, safe="~")


def candidate_urls(remote: Remote, mirrors: Sequence[str] = ()) -> list[str]:
    """URLs to try, in order: the mirrors when any are given (the original host is then not used), else the
    original URL."""
    return [mirror_url(m, remote) for m in mirrors] if mirrors else [remote.url]


# ------------------------------------------------------------------------------------------- hashing
def _hash_file(path: Path, md5: bool, progress: bool = False, desc: str = "") -> tuple[str, str | None]:
    h, m = hashlib.sha256(), (hashlib.md5() if md5 else None)
    bar = _bar(path.stat().st_size, desc or f"verifying {path.name}", progress)
    with open(path, "rb") as f:
        while block := f.read(CHUNK * 4):
            h.update(block)
            if m is not None:
                m.update(block)
            bar.update(len(block))
    bar.close()
    return h.hexdigest(), (m.hexdigest() if m is not None else None)


def _stat_record(path: Path) -> dict[str, int]:
    st = path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _bar(total: int | None, desc: str, progress: bool, initial: int = 0):
    return tqdm(total=total, initial=initial, desc=desc, unit="B", unit_scale=True, unit_divisor=1024,
                disable=None if progress else True, leave=False, file=sys.stderr)


# ------------------------------------------------------------------------------------------ structure
def sanity_check(path: Path, name: str) -> str | None:
    """Cheap structural check for truncation; returns a reason when the file is plainly broken."""
    size = path.stat().st_size
    if size == 0:
        return "the file is empty"
    lower = name.lower()
    try:
        if lower.endswith((".zip", ".npz")):
            with zipfile.ZipFile(path) as zf:
                bad = zf.testzip()
            if bad is not None:
                return f"archive member {bad!r} fails its CRC check"
        elif lower.endswith(".npy"):
            with open(path, "rb") as f:
                shape, _, dtype = read_npy_header(f)
                start = f.tell()
            if dtype.hasobject:
                if not _ends_with_stop(path):
                    return "the pickled array is cut short (no end marker)"
            else:
                want = start + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
                if size != want:
                    return f"expected {want} bytes from its header, found {size}"
        elif lower.endswith(".pkl"):
            if not _ends_with_stop(path):
                return "the pickle is cut short (no end marker)"
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as e:
        return f"{type(e).__name__}: {e}"
    return None


def _ends_with_stop(path: Path) -> bool:
    with open(path, "rb") as f:
        f.seek(-1, os.SEEK_END)
        return f.read(1) == b"."  # pickle STOP opcode


# ------------------------------------------------------------------------------------------- fetching
def _describe_error(e: BaseException) -> str:
    if isinstance(e, urllib.error.HTTPError):
        return f"HTTP {e.code} {e.reason}"
    if isinstance(e, urllib.error.URLError):
        r = e.reason
        if isinstance(r, socket.gaierror):
            return f"host name not resolved ({r.strerror or r})"
        if isinstance(r, ConnectionRefusedError):
            return "connection refused"
        if isinstance(r, (TimeoutError, socket.timeout)):
            return "timed out"
        if isinstance(r, FileNotFoundError):
            return "no such file"
        return str(getattr(r, "strerror", None) or r)
    if isinstance(e, http.client.IncompleteRead):
        return f"connection closed after {len(e.partial)} more bytes"
    return f"{type(e).__name__}: {e}" if str(e) else type(e).__name__


def _content_range(value: str | None) -> tuple[int, int | None] | None:
    m = re.match(r"\s*bytes\s+(\d+)-\d+/(\d+|\*)", value or "")
    if not m:
        return None
    return int(m.group(1)), (None if m.group(2) == "*" else int(m.group(2)))


def _stream_once(url: str, part: Path, desc: str, progress: bool, timeout: float,
                 hashers: list[Any], log: Callable[[str], None]) -> None:
    """One attempt: fetch ``url`` into ``part`` (resuming it when possible) and feed ``hashers``.

    Raises ``_Transient`` for failures worth another try (keeping ``part``), urllib errors otherwise.
    """
    offset = part.stat().st_size if part.exists() else 0
    headers = {"User-Agent": "neural-storyteller-download/1", "Accept-Encoding": "identity"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    req = urllib.request.Request(url, headers=headers)
    try:
        resp = urllib.request.urlopen(req, timeout=timeout)
    except urllib.error.HTTPError as e:
        if e.code == 416 and offset:  # our .part is as long as (or longer than) the file: start again
            e.close()
            part.unlink()
            raise _Transient("the server refused to resume (HTTP 416); restarting") from None
        if e.code in TRANSIENT_HTTP:
            e.close()
            raise _Transient(f"HTTP {e.code} {e.reason}") from None
        raise
    except urllib.error.URLError as e:
        if isinstance(e.reason, (TimeoutError, socket.timeout, ConnectionResetError)):
            raise _Transient(_describe_error(e)) from None
        raise
    except (TimeoutError, ConnectionResetError, http.client.HTTPException) as e:
        raise _Transient(_describe_error(e)) from None
    with resp:
        status = getattr(resp, "status", None)
        length = resp.headers.get("Content-Length")
        length = int(length) if length and length.isdigit() else None
        mode = "wb"
        if offset and status == 206:
            cr = _content_range(resp.headers.get("Content-Range"))
            if cr is None or cr[0] != offset:
                part.unlink()
                raise _Transient(f"the server answered another range ({resp.headers.get('Content-Range')}); "
                                 "restarting")
            total = cr[1] if cr[1] is not None else (offset + length if length is not None else None)
            mode = "ab"
        else:
            if offset:
                log(f"  {part.name[:-5]}: the server does not support resuming; starting again from the beginning")
            offset = 0
            total = length
        if mode == "ab":  # the hashers are fresh: feed them what we already have before appending
            with open(part, "rb") as f:
                while block := f.read(CHUNK * 4):
                    for h in hashers:
                        h.update(block)
        bar = _bar(total, desc, progress, initial=offset)
        received = offset
        try:
            with open(part, mode) as out:
                while True:
                    try:
                        block = resp.read(CHUNK)
                    except (http.client.IncompleteRead, ConnectionResetError, TimeoutError, OSError,
                            http.client.HTTPException) as e:
                        raise _Transient(_describe_error(e)) from None
                    if not block:
                        break
                    out.write(block)
                    for h in hashers:
                        h.update(block)
                    received += len(block)
                    bar.update(len(block))
        finally:
            bar.close()
        if total is not None and received != total:
            raise _Transient(f"connection closed after {received} of {total} bytes")


def fetch(remote: Remote, dest: Path, urls: Sequence[str], *, expected_sha256: str | None = None,
          check_md5: bool = True, retries: int = 3, backoff: float = 1.0, timeout: float = 60.0,
          progress: bool = True, log: Callable[[str], None] = print) -> tuple[Path, dict[str, Any]]:
    """Download ``remote`` into ``dest/remote.name`` (verified, atomically placed); return (path, record)."""
    final = dest / remote.name
    part = dest / (remote.name + ".part")
    want_md5 = remote.md5.lower() if (check_md5 and remote.md5) else None
    errors: list[str] = []
    for url in urls:
        for attempt in range(retries + 1):
            hashers = [hashlib.sha256(), hashlib.md5()]
            try:
                _stream_once(url, part, remote.name, progress, timeout, hashers, log)
            except _Transient as e:
                if attempt < retries:
                    wait = backoff * (2 ** attempt)
                    log(f"  {remote.name}: {e}; retrying in {wait:g} s (resuming)")
                    time.sleep(wait)
                    continue
                raise DownloadError(
                    f"{remote.name}: download from {url} failed: {e}. The partial file {part} is kept; run the "
                    "same command again to resume it") from None
            except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException) as e:
                errors.append(f"{url}: {_describe_error(e)}")
                break
            sha256, md5 = hashers[0].hexdigest(), hashers[1].hexdigest()
            problem = None
            if want_md5 and not md5.startswith(want_md5):
                problem = (f"MD5 {md5} does not match the published {want_md5}; the download is "
                           "truncated or corrupt (use --no-md5 only if you trust this source)")
            elif expected_sha256 and sha256 != expected_sha256:
                problem = (f"SHA-256 {sha256} differs from {expected_sha256} recorded in {dest / CHECKSUMS} at the "
                           "first download; the file is corrupt or was changed on the server")
            else:
                problem = sanity_check(part, remote.name)
            if problem:
                part.unlink(missing_ok=True)
                raise DownloadError(f"{remote.name}: the file downloaded from {url} is bad: {problem}. It was "
                                    "deleted; run again, or try another source with --mirror")
            os.replace(part, final)
            rec = {"sha256": sha256, "md5": md5, "url": url, **_stat_record(final),
                   "verified": "md5" if want_md5 else ("sha256" if expected_sha256 else "recorded")}
            return final, rec
    if list(urls) == [remote.url]:
        hint = ("The original host may be gone: fetch the file from a mirror with --mirror URL (for the "
                f"skip-thoughts files e.g. --mirror {KNOWN_MIRROR}, see skip-thoughts#94) or a local folder")
    else:
        hint = f"Check the --mirror URL, or try another mirror (e.g. --mirror {KNOWN_MIRROR}) or a local folder"
    raise DownloadError(f"cannot download {remote.name}: {'; '.join(errors)}. {hint}")
