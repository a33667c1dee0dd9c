"""Finding the parts of a model in a folder that has no ``config.yaml``, by the names of their files.

Knows the original names (uni_skip.npz, bi_skip.npz, utable.npy, btable.npy, dictionary.txt, romance.npz,
romance_dictionary.pkl, coco_embedding.npz, coco_train_caps.txt, caption_style.npy, romance_style.npy,
swift_style.npy, vgg19.pkl), the converted ones (``*.safetensors`` + ``.json``) and the trainers' ones
(decoder/vse.safetensors, captions.txt, book_style.npy) from :mod:`storyteller.catalog`, up to four folders deep.
A part counts only when complete: the files its format needs beside it are there (``romance.npz.pkl`` beside
``romance.npz``, as :func:`storyteller.catalog.companions` names them). :func:`storyteller.config.discover` turns
the result into a config; ``download`` and ``convert`` find their files the same way.
"""
from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import Any

from . import catalog

__all__ = ["find"]

_SKIP_DIRS = {"cache", "__MACOSX", "__pycache__"}
# The config keys that name files (the folder keys skmodels/sktables come first).
_FILE_KEYS = ("skmodels", "sktables", *catalog.MODEL_FILES)


def _scan(folder: Path, depth: int = 4) -> list[str]:
    """Relative POSIX paths of the files under ``folder`` (hidden, cache and partial files left out)."""
    out = []
    for root, dirs, files in os.walk(folder):
        rel = Path(root).relative_to(folder)
        if len(rel.parts) >= depth:
            dirs[:] = []
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _SKIP_DIRS)
        out += [(rel / f).as_posix() for f in sorted(files)
                if not f.startswith(".") and not f.endswith((".part", ".tmp"))]
    return out


def _order(hits: Iterable[str], members: list[str]) -> list[str]:
    """Recorded members first (their order), then the shallowest path."""
    rank = {m: i for i, m in enumerate(members)}
    return sorted(hits, key=lambda m: (rank.get(m, len(rank)), m.count("/"), m))


def _parent(m: str) -> str:
    return str(PurePosixPath(m).parent)


def find(folder: Path, members: Iterable[str] = ()) -> dict[str, Any]:
    """The config keys of the parts found under the folder ``folder``, as POSIX paths relative to it ('' = not
    found), plus ``cnn: vgg19`` and ``styles`` (every ``NAME_style.npy`` but the caption style, as style NAME)
    when there are any. ``members``: relative paths to prefer (e.g. what an archive unpacked)."""
    members = list(members)
    present = set(_scan(folder)) | {m for m in members if (folder / m).is_file()}
    by_name: dict[str, list[str]] = {}
    for m in present:
        by_name.setdefault(PurePosixPath(m).name, []).append(m)
    rel: dict[str, Any] = dict.fromkeys(_FILE_KEYS, "")

    def folders_with(names: tuple[str, ...]) -> list[str]:
        cands = [_parent(m) for m in _order(by_name.get(names[0], []), members)]
        return [d for d in cands if all((folder / d / n).is_file() for n in names)]

    enc = [d for s in catalog.ENCODER_SETS for d in folders_with(s)]
    rel["skmodels"] = enc[0] if enc else ""
    tables = folders_with(catalog.TABLE_FILES)
    if tables:  # beside the encoders if possible
        rel["sktables"] = rel["skmodels"] if rel["skmodels"] in tables else tables[0]
    if not (rel["skmodels"] and rel["sktables"]):
        rel["skmodels"] = rel["sktables"] = ""
    for key, names in catalog.MODEL_FILES.items():
        for name in names:
            hits = [m for m in _order(by_name.get(name, []), members)
                    if all(c.is_file() for c in catalog.companions(key, folder / m))]
            if key == "dictionary" and rel["decmodel"]:  # the vocabulary beside its decoder first
                hits.sort(key=lambda m: _parent(m) != _parent(rel["decmodel"]))
            if hits:
                rel[key] = hits[0]
                break
    if not (rel["decmodel"] and rel["dictionary"]):
        rel["decmodel"] = rel["dictionary"] = ""
    rel["cnn"] = "vgg19"
    styles: dict[str, str] = {}
    negbias_name = PurePosixPath(rel["negbias"]).name if rel["negbias"] else "caption_style.npy"
    for m in _order([m for m in present if m.endswith(catalog.STYLE_SUFFIX)], members):
        name = PurePosixPath(m).name
        if name != negbias_name:
            styles.setdefault(name[: -len(catalog.STYLE_SUFFIX)], m)
    if styles:
        rel["styles"] = dict(sorted(styles.items()))
    return rel
