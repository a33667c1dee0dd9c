"""Which files are images: expand command-line arguments (files and folders) into the images to describe."""
from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from PIL import Image

from ..errors import InputError

__all__ = ["IMAGE_SUFFIXES", "is_image_file", "expand_images"]

# File name suffixes taken as images without looking inside (lower case). Other files count as images only if
# their first bytes are one of the formats in _SNIFF (formats with a magic number, so text is never mistaken).
IMAGE_SUFFIXES = frozenset({
    ".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".apng", ".gif", ".bmp", ".dib", ".tif", ".tiff", ".webp",
    ".ppm", ".pgm", ".pbm", ".pnm", ".tga", ".pcx", ".qoi", ".ico", ".jp2", ".j2k", ".jpx", ".avif",
})
_SNIFF = ["JPEG", "PNG", "GIF", "BMP", "TIFF", "WEBP"]


def is_image_file(path: str | os.PathLike) -> bool:
    """True if ``path`` is an existing regular file (or a link to one) that looks like an image: a suffix in
    :data:`IMAGE_SUFFIXES` (any case), or, for other names, JPEG/PNG/GIF/BMP/TIFF/WebP content. The content of a
    file with an image suffix is not checked (decoding it may still fail with an ImageError). Never raises."""
    try:
        p = Path(path)
        if not p.is_file():
            return False
        if p.suffix.lower() in IMAGE_SUFFIXES:
            return True
        with Image.open(p, formats=_SNIFF):  # reads the header only
            return True
    except Exception:  # not a path, unreadable, or not an image
        return False


def _why_not(p: Path) -> str:
    if p.is_dir():
        return "a folder inside a folder (not searched; give it as an argument of its own)"
    if not p.is_file():
        return "not a regular file"
    return f"not an image file ({p.suffix or 'no suffix'})"


def expand_images(paths: Iterable[str | os.PathLike]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Expand arguments into image files: ``(images, skipped)``.

    Each argument, in order: an image file (:func:`is_image_file`) is kept; a folder contributes its image files
    in sorted name order (not recursive); any other existing file is skipped. ``skipped`` holds ``(path,
    reason)`` for every file or sub-folder left out and for a folder without images: notes for the user, not
    errors. An argument that does not exist is kept in ``images`` so that reading it reports it (``load_image``
    raises :class:`~storyteller.errors.ImageError` "no such file"): a wrong name is a failure, not a note.
    A path named twice is kept once; a single path may be given instead of a list. Raises
    :class:`~storyteller.errors.InputError` for an argument that is not a path.
    """
    images: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    seen: set[Path] = set()

    def keep(p: Path) -> None:
        if p not in seen:
            seen.add(p)
            images.append(p)

    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    for arg in paths:
        if not isinstance(arg, (str, os.PathLike)):
            raise InputError(f"expand_images: {arg!r} is not a path (str or os.PathLike)")
        if os.fspath(arg) == "":
            skipped.append((Path(arg), "an empty argument"))
            continue
        p = Path(arg)
        if p.is_dir():
            try:
                entries = sorted(p.iterdir(), key=lambda q: q.name)
            except OSError as e:
                skipped.append((p, f"cannot list the folder ({e.strerror or type(e).__name__})"))
                continue
            found = False
            for q in entries:
                if is_image_file(q):
                    keep(q)
                    found = True
                else:
                    skipped.append((q, _why_not(q)))
            if not found:
                skipped.append((p, "a folder without image files"))
        elif is_image_file(p) or not p.exists():
            keep(p)
        else:
            skipped.append((p, _why_not(p)))
    return images, skipped
