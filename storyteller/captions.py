"""The caption pool: reading it, embedding it with the VSE, and caching those embeddings by content hash.

The original ``load_all`` read ``coco_train_caps.txt`` line by line and embedded all of it with the VSE at every
load (10-17 minutes on a CPU, neural-storyteller#38). Here the embeddings are cached on disk under a key made of
the SHA-256 of the captions and of the VSE's files, so a changed file never reuses a stale cache, and the file
hashes themselves are remembered by file signature so an unchanged 70 MB model is not re-read on every load.

Blank lines: the original kept them (``strip()`` of an empty line is an empty caption) and then failed when one
was among the retrieved captions (skip-thoughts cannot encode a sentence without tokens). :func:`load_pool`
skips them with a :class:`UserWarning` naming the file and the lines, so a stray empty line (often the last one)
costs nothing; :func:`read_captions` keeps the original reading exactly.
"""
from __future__ import annotations

import functools
import hashlib
import json
import operator
import os
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from . import embedding, formats
from .errors import InputError, ModelFileError
from .index import CaptionTexts, IndexedVectors, open_index
from .pool_texts import PoolTexts, check_pool_bytes, read_pool
from .store import atomic_write, sha256_bytes, sha256_file

__all__ = ["read_captions", "load_pool", "blank_lines", "embed_caption_pool", "caption_vectors", "caption_tokens",
           "indexed_pool", "CaptionTexts", "IndexedVectors", "PoolTexts"]

#: Pools of up to this many captions get their tokens cached by :func:`caption_tokens` (a JSON file of about 50
#: bytes per caption, held as a dict after loading); larger ones tokenise the retrieved captions when encoding.
TOKEN_CACHE_LIMIT = 100_000
#: Caption files larger than this are held as a :class:`PoolTexts` (bytes + offsets), not a list of str.
COMPACT_BYTES = 4 << 20

_ASCII_WS = " \t\n\r\x0b\x0c"  # what bytes.strip() removes


# ------------------------------------------------------------------------------------------------ reading
def read_captions(path: str | os.PathLike) -> list[str]:
    """Read the caption pool as text, one caption per line (the original ``load_all``'s reading).

    The original read bytes and ``strip()``ped them (ASCII whitespace only); doing the same before decoding
    keeps its exact captions while giving ``str`` (the Python-3 ``b'...'`` bug of neural-storyteller#37). Lines
    that are not UTF-8 are read as Latin-1. Blank lines are kept (see :func:`load_pool`).
    Raises :class:`~storyteller.errors.ModelFileError` when the file does not exist and
    :class:`~storyteller.errors.InputError` for a binary (or UTF-16) file or an absurdly long line (see
    :func:`storyteller.pool_texts.check_pool_bytes`).
    """
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"config key 'captions': {path}: file not found. Check the path in config.yaml.")
    data = path.read_bytes()
    check_pool_bytes(data, path)
    try:
        # Valid UTF-8 as a whole: every line is too ("\n" and ASCII whitespace never occur inside a multi-byte
        # character), and stripping the ASCII whitespace of the text equals stripping the bytes.
        caps = list(map(operator.methodcaller("strip", _ASCII_WS), data.decode("utf-8").split("\n")))
    except UnicodeDecodeError:
        caps = []
        for line in data.split(b"\n"):
            raw = line.strip()
            try:
                caps.append(raw.decode("utf-8"))
            except UnicodeDecodeError:
                caps.append(raw.decode("latin-1"))
    if caps and caps[-1] == "" and data.endswith(b"\n"):
        caps.pop()  # iterating a file yields no line after the final newline
    return caps


def blank_lines(captions: Sequence[str]) -> list[int]:
    """Indices of the captions without a single token (empty or only whitespace, Unicode whitespace included)."""
    return [i for i, c in enumerate(captions) if not c.split()]


def _lines_text(lines: Sequence[int], limit: int = 5) -> str:
    shown = ", ".join(str(i + 1) for i in lines[:limit])
    return shown + (f" and {len(lines) - limit} more" if len(lines) > limit else "")


def load_pool(path: str | os.PathLike) -> tuple[Sequence[str], list[int] | None]:
    """The captions of ``path`` without its blank lines, and the file's signature when nothing was skipped.

    A file of more than :data:`COMPACT_BYTES` gives a :class:`~storyteller.pool_texts.PoolTexts` (the same
    captions, held as the file's bytes and offsets), a smaller one a list.

    Blank or whitespace-only lines are skipped with a :class:`UserWarning` that names the file and the lines
    (1-based). The signature (see :func:`_read_captions_signed`) lets the cache remember the captions' digest by
    file; it is None when lines were skipped (the captions are then hashed directly) or the file changed while
    being read. Raises :class:`~storyteller.errors.ModelFileError` for a missing file or a pool with no caption,
    :class:`~storyteller.errors.InputError` for a binary file or an absurdly long line (e.g. CR-only line ends).
    """
    caps: Sequence[str]
    sig: list[int] | None
    if Path(path).is_file() and os.path.getsize(path) > COMPACT_BYTES:
        sig = _DigestCache.signature(path)
        data = Path(path).read_bytes()
        check_pool_bytes(data, path)  # the same refusals as read_captions gives a small file
        caps, blanks = read_pool(data)
        sig = sig if sig == _DigestCache.signature(path) else None
    else:
        caps, sig = _read_captions_signed(path)
        blanks = blank_lines(caps)
        if blanks:
            skip = set(blanks)
            caps = [c for i, c in enumerate(caps) if i not in skip]
    if blanks:
        warnings.warn(f"caption pool {path}: skipped {len(blanks)} blank line(s) (line {_lines_text(blanks)}); "
                      "a caption needs at least one word", UserWarning, stacklevel=2)
        sig = None
    if not caps:
        raise ModelFileError(f"config key 'captions': {path} holds no caption (one caption per line expected).")
    return caps, sig


# ------------------------------------------------------------------------------------------------ caches
def _user_cache_dir(cfg: Mapping[str, Any] | None = None) -> Path:
    return Path((cfg or {}).get("cache") or os.environ.get("STORYTELLER_CACHE")
                or Path.home() / ".cache" / "storyteller")


def _cache_dirs(cfg: Mapping[str, Any]) -> list[Path]:
    dirs = []
    if cfg.get("captions"):
        dirs.append(Path(cfg["captions"]).parent / "cache")  # shipped with a bundle
    dirs.append(_user_cache_dir(cfg))
    return dirs


class _DigestCache:
    """SHA-256 digests of files remembered in ``file-hashes.json`` (in the user's cache folder) under the file's
    path and stat signature (size, mtime_ns, ctime_ns, inode), so an unchanged 70 MB model file is not re-read
    on every load. A changed file has another signature and is hashed again; the digests stay content hashes."""

    NAME, LIMIT = "file-hashes.json", 256

    def __init__(self, folder: Path) -> None:
        self.path = folder / self.NAME
        self.changed = False
        try:
            entries = json.loads(self.path.read_text(encoding="utf-8"))
            self.entries: dict[str, dict] = entries if isinstance(entries, dict) else {}
        except (OSError, ValueError):
            self.entries = {}

    @staticmethod
    def signature(path: str | os.PathLike) -> list[int]:
        st = os.stat(path)
        return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]

    def digest(self, path: Path, kind: str, compute: Callable[[], str], sig: list[int] | None = None) -> str:
        """The digest ``compute()`` gives for ``path`` (``kind`` names what is hashed), cached by signature.
        ``sig``: the signature the file had when the data ``compute`` hashes was read (default: now)."""
        key = f"{kind}:{os.path.abspath(path)}"
        sig = sig or self.signature(path)
        entry = self.entries.get(key)
        if isinstance(entry, dict) and entry.get("sig") == sig and isinstance(entry.get("sha256"), str):
            return entry["sha256"]
        value = compute()
        if self.signature(path) == sig:  # not modified since it was read
            self.entries.pop(key, None)
            self.entries[key] = {"sig": sig, "sha256": value}
            while len(self.entries) > self.LIMIT:
                self.entries.pop(next(iter(self.entries)))
            self.changed = True
        return value

    def save(self) -> None:
        if not self.changed:
            return
        try:
            with atomic_write(self.path) as tmp:
                tmp.write_text(json.dumps(self.entries, indent=0), encoding="utf-8")
        except OSError:
            pass  # a read-only cache folder only costs the hashing next time


def _captions_digest(captions: Sequence[str]) -> str:
    if isinstance(captions, PoolTexts):  # the same digest, without joining a million captions in memory
        h = hashlib.sha256()
        for i, c in enumerate(captions):
            h.update(c.encode("utf-8", "surrogateescape") if i == 0 else b"\n" + c.encode("utf-8", "surrogateescape"))
        return h.hexdigest()
    return sha256_bytes("\n".join(captions).encode("utf-8", "surrogateescape"))


def _read_captions_signed(path: str | os.PathLike) -> tuple[list[str], list[int] | None]:
    """:func:`read_captions` and the file's signature before reading (None if it changed meanwhile)."""
    sig = _DigestCache.signature(path) if Path(path).is_file() else None
    caps = read_captions(path)
    return caps, (sig if sig == _DigestCache.signature(path) else None)


def _pool_digest(captions: Sequence[str], digests: _DigestCache,
                 captions_file: tuple[str | Path, list[int] | None] | None,
                 hash_captions: Callable[[Sequence[str]], str] = _captions_digest) -> str:
    """The captions' digest, from the digest cache when ``captions_file`` (path, signature) says where they were
    read from (see :func:`caption_vectors`)."""
    if captions_file is not None and captions_file[1] is not None:
        return digests.digest(Path(captions_file[0]), "read_captions-v1", lambda: hash_captions(captions),
                              captions_file[1])  # (bump the tag if read_captions ever reads differently)
    return hash_captions(captions)


def _vse_files(vse_path: Path) -> list[Path]:
    """The files a VSE is read from, as its format names them (those that exist go into the cache key)."""
    return formats.companions("vse", vse_path, key="vsemodel")


def caption_vectors(vse: embedding.VSE, captions: Sequence[str], cfg: Mapping[str, Any], verbose: bool = True, *,
                    captions_file: tuple[str | Path, list[int] | None] | None = None,
                    hash_file: Callable[[Path], str] = sha256_file,
                    hash_captions: Callable[[Sequence[str]], str] = _captions_digest) -> np.ndarray:
    """VSE embeddings of ``captions``, float32 (N, dim) unit rows, cached on disk.

    The cache file ``cvec-<key>.npy`` is looked up in ``<captions folder>/cache`` (a converted bundle's) and in
    the user's cache folder (config key ``cache``, else ``$STORYTELLER_CACHE``, else ``~/.cache/storyteller``),
    and written to the latter. Its key hashes the captions and the VSE's files (``cfg['vsemodel']`` and its
    companions), so a changed file never reuses a stale cache. ``captions_file``: ``(path, signature)`` of the
    file ``captions`` were read from by :func:`read_captions`, as :func:`_read_captions_signed` gives it; the
    captions' digest may then come from the digest cache. ``hash_file``/``hash_captions``: the digest functions.
    """
    vse_path = Path(cfg["vsemodel"])
    dirs = _cache_dirs(cfg)
    digests = _DigestCache(_user_cache_dir())  # never in a bundle's own cache folder
    h = _pool_digest(captions, digests, captions_file, hash_captions)
    for f in _vse_files(vse_path):
        if f.is_file():
            h += digests.digest(f, "file", functools.partial(hash_file, f))
    digests.save()
    name = f"cvec-{sha256_bytes(h.encode())[:20]}.npy"
    for d in dirs:
        if (d / name).is_file():
            cvec = np.load(d / name, mmap_mode="r")
            if cvec.shape == (len(captions), vse.options["dim"]):
                return np.asarray(cvec)
    cvec = embedding.encode_sentences(vse, list(captions), verbose=verbose and len(captions) > 5000)
    try:
        with atomic_write(dirs[-1] / name) as tmp:
            with open(tmp, "wb") as fh:
                np.save(fh, cvec)
    except OSError:
        pass  # a read-only home still works, just without the cache
    return cvec


def caption_tokens(captions: Sequence[str], cfg: Mapping[str, Any], *,
                   captions_file: tuple[str | Path, list[int] | None] | None = None) -> dict[str, str] | None:
    """Each caption's tokens as skip-thoughts' ``preprocess`` gives them (space-separated), by caption, cached on
    disk like the embeddings (``ctok-<key>.json``; the key hashes the captions and the tokenizer: NLTK's version
    and the Punkt data), so telling a story needs no NLTK (importing it takes about a second). ``captions_file``:
    as for :func:`caption_vectors`. None for pools of more than :data:`TOKEN_CACHE_LIMIT` captions.
    """
    if len(captions) > TOKEN_CACHE_LIMIT:
        return None
    from . import tokenize

    digests = _DigestCache(_user_cache_dir())
    h = _pool_digest(captions, digests, captions_file)
    digests.save()
    dirs = _cache_dirs(cfg)
    name = f"ctok-{sha256_bytes((h + tokenize.tokenizer_id()).encode())[:20]}.json"
    for d in dirs:
        try:
            toks = json.loads((d / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(toks, list) and len(toks) == len(captions) and all(isinstance(t, str) for t in toks):
            return dict(zip(captions, toks))
    toks = [" ".join(tokenize.text_tokens(c)[0]) for c in captions]
    try:
        with atomic_write(dirs[-1] / name) as tmp:
            tmp.write_text(json.dumps(toks), encoding="ascii")
    except OSError:
        pass  # a read-only home still works, tokenising the retrieved captions each time
    return dict(zip(captions, toks))


# ------------------------------------------------------------------------------------------------ public
def embed_caption_pool(vse: embedding.VSE, path_or_captions: str | os.PathLike | Sequence[str], *,
                       vse_path: str | os.PathLike | None = None, cache: str | os.PathLike | None | bool = None,
                       verbose: bool = False) -> tuple[list[str], torch.Tensor]:
    """Read (if a path) and embed a caption pool with the VSE: the original ``load_all``'s ``cap`` and ``cvec``.

    ``path_or_captions``: a caption file (one caption per line, read by :func:`load_pool`: blank lines skipped
    with a warning) or a list of captions (blank ones are an :class:`~storyteller.errors.InputError`).
    ``vse_path``: the file the VSE was loaded from; with it the embeddings are cached (see
    :func:`caption_vectors`) in ``cache`` (a folder; None: the user's cache folder; False: no cache).
    Returns ``(captions, vectors)``: the captions used and their float32 (N, dim) unit-row embeddings (CPU).
    """
    if isinstance(path_or_captions, (str, os.PathLike)):
        path: Path | None = Path(path_or_captions)
        pooled, sig = load_pool(path_or_captions)
        caps = pooled if isinstance(pooled, list) else list(pooled)
    else:
        if not isinstance(path_or_captions, Sequence) or not all(isinstance(c, str) for c in path_or_captions):
            raise InputError("captions must be a file path or a list of str")
        path, caps, sig = None, list(path_or_captions), None
        blanks = blank_lines(caps)
        if blanks:
            raise InputError(f"caption {blanks[0]} of the list is blank; every caption needs at least one word")
        if not caps:
            raise InputError("the caption list is empty")
    if vse_path is None or cache is False:
        vecs = embedding.encode_sentences(vse, caps, verbose=verbose)
    else:
        cfg = {"vsemodel": os.fspath(vse_path), "captions": os.fspath(path) if path else "",
               "cache": "" if cache is None or cache is True else os.fspath(cache)}
        vecs = caption_vectors(vse, caps, cfg, verbose, captions_file=(path, sig) if path else None)
    return caps, torch.from_numpy(np.ascontiguousarray(vecs, dtype=np.float32))


def indexed_pool(cfg: Mapping[str, Any]) -> tuple[CaptionTexts, IndexedVectors]:
    """The caption pool through the caption index that config key ``index`` names (``load``/``load_all``):
    ``(captions, vectors)`` - the captions read from ``cfg['captions']`` when retrieved, and the memory-mapped
    float32 (N, dim) vectors that carry the index (see :mod:`storyteller.index`). Raises
    :class:`~storyteller.errors.ConfigError` (one line) for a missing, damaged or stale index."""
    index = open_index(cfg["index"], cfg["captions"], cfg["vsemodel"])
    return index.captions, index.vectors
