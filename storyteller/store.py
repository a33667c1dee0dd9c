"""Small file helpers shared by the loaders, converters and trainers: atomic writes and content hashes."""
from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["atomic_write", "sha256_file", "sha256_bytes"]

_UMASK = os.umask(0)
os.umask(_UMASK)


@contextlib.contextmanager
def atomic_write(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success rename it over ``path``, on failure delete it.

    A reader therefore sees either the old file or the complete new one, never a half-written file.
    An :class:`OSError` of its own steps (making the folder or the temporary file, the final rename) names
    ``path`` as its ``filename``, not the temporary file the caller never asked for.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as e:
        raise _naming(e, path) from None
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        # np.save appends '.npy' when the name lacks it; accept that quietly.
        if not tmp_path.exists() and Path(tmp + ".npy").exists():
            os.replace(tmp + ".npy", tmp)
        try:
            os.chmod(tmp_path, 0o666 & ~_UMASK)  # mkstemp makes 0600 files; give the usual permissions
            os.replace(tmp_path, path)
        except OSError as e:
            raise _naming(e, path) from None
    finally:
        for leftover in (tmp_path, Path(tmp + ".npy")):
            if leftover.exists():
                leftover.unlink()


def _naming(e: OSError, path: Path) -> OSError:
    """``e`` as the same kind of error with ``path`` as its file name."""
    return type(e)(e.errno, e.strerror, str(path)) if e.errno is not None else e


def sha256_file(path: str | Path, chunk: int = 1 << 22) -> str:
    """Hex SHA-256 of a file, read in chunks (works for multi-GB files)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
