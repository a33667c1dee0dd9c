"""The storyteller pipeline (Kiros 2015) with the original's API: ``load_all`` and ``story``.

``load_all`` builds the dict ``z`` of the original (``stv``, ``dec``, ``vse``, ``net``, ``cap``, ``cvec``,
``bneg``, ``bpos``) from a :class:`storyteller.Storyteller`; ``story`` prints exactly what the original prints and
returns the story text. New code can use :func:`storyteller.load` and ``Storyteller.tell`` directly.
"""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch

from . import captions as _captions
from . import decoder, embedding, pipeline, skipthoughts
from .captions import _DigestCache, _read_captions_signed, read_captions  # noqa: F401 (old names, still importable)
from .config import DEFAULT_BUNDLE, PATH_KEYS, load_config  # (old names, still importable)
from .errors import InputError
from .pipeline import Storyteller, check_count, lyric_lines
from .store import sha256_file  # looked up here by caption_vectors, so tests can count the calls

__all__ = ["load_all", "story", "load_config", "read_captions", "retrieve", "DEFAULT_BUNDLE", "PATH_KEYS",
           "StoryText", "format_story"]

# ------------------------------------------------------------------------------------------------ captions
_captions_digest = _captions._captions_digest


def caption_vectors(vse: embedding.VSE, captions: list[str], cfg: Mapping[str, Any], verbose: bool = True, *,
                    captions_file: tuple[str | Path, list[int] | None] | None = None) -> np.ndarray:
    """:func:`storyteller.captions.caption_vectors` (the VSE embeddings of the caption pool, cached on disk)."""
    return _captions.caption_vectors(vse, captions, cfg, verbose, captions_file=captions_file,
                                     hash_file=lambda p: sha256_file(p), hash_captions=lambda c: _captions_digest(c))


# ------------------------------------------------------------------------------------------------ loading
def load_all(config: str | Path | Mapping[str, Any] | None = None, device: str | torch.device = "cpu",
             verbose: bool = True) -> dict[str, Any]:
    """Load every part named in ``config`` and return ``z`` with the original's keys (the original ``load_all``).

    ``config``: None for the default bundle, a folder with ``config.yaml``, a YAML path, or a dict with the
    original keys (``skmodels``, ``sktables``, ``decmodel``, ``dictionary``, ``vsemodel``, ``vgg``, ``captions``,
    ``negbias``, ``posbias``) plus ``cnn`` (``vgg19`` or ``efficientnet-lite0``); only ``vgg`` may be empty.
    ``verbose`` prints the original's progress lines. ``z['cvec']`` is a read-only float32 (N, D) array;
    ``z['bpos'] = numpy.load(...)`` switches the book style. Errors: see :func:`storyteller.load`.
    """
    st = pipeline.load(config, device, progress=print if verbose else None)
    cvec = st._cvec_array if st._cvec_array is not None else st.caption_vectors.numpy()
    cvec.flags.writeable = False  # it may be a memory-mapped cache file
    return {"config": st.config, "stv": st.skipthoughts, "dec": st.decoder, "vse": st.vse, "net": st.cnn,
            "cap": st.captions, "cvec": cvec, "bneg": st.caption_style.numpy(), "bpos": st.book_style.numpy(),
            "styles": st.styles, "model_dir": st.model_dir, "ctok": st.caption_tokens}


_Z_PARTS: dict[str, tuple[str, type | tuple[type, ...] | None]] = {
    "stv": ("skipthoughts", skipthoughts.SkipThoughts), "dec": ("decoder", decoder.Decoder),
    "vse": ("vse", embedding.VSE), "cap": ("captions", (list, tuple, _captions.CaptionTexts, _captions.PoolTexts)),
    "cvec": ("caption_vectors", None),
    "bneg": ("caption_style", None), "bpos": ("book_style", None)}


def _storyteller(z: Any, keys: tuple[str, ...] = tuple(_Z_PARTS)) -> Storyteller:
    """A :class:`Storyteller` on the parts of ``z`` (as they are now: ``z['bpos']`` may have been replaced)."""
    if not isinstance(z, Mapping):
        raise InputError(f"z must be the dict load_all() returns, got {type(z).__name__}")
    for key in keys:
        part, kind = _Z_PARTS[key]
        if z.get(key) is None:
            raise InputError(f"z['{key}'] is missing; z must be the dict load_all() returns (every part but "
                             "'net' is needed to tell a story)")
        if kind is not None and not isinstance(z[key], kind):
            raise InputError(f"z['{key}'] is a {type(z[key]).__name__}, not the {part} load_all() gives")
    return Storyteller(**{part: z[key] for key, (part, _) in _Z_PARTS.items()}, cnn=z.get("net"),
                       config=dict(z.get("config") or {}), device=z["stv"].device, styles=dict(z.get("styles") or {}),
                       model_dir=z.get("model_dir"), caption_tokens=z.get("ctok"),
                       labels={part: f"z['{key}']" for key, (part, _) in _Z_PARTS.items()})


# ------------------------------------------------------------------------------------------------- story
def retrieve(z: Mapping[str, Any], feats: np.ndarray, k: int) -> list[int]:
    """Indices of the ``k`` captions nearest to image features (descending cosine, the original's order)."""
    k = check_count(k, "k")
    if not isinstance(z, Mapping) or z.get("vse") is None or z.get("cvec") is None:
        raise InputError("z must be the dict load_all() returns, with z['vse'] and z['cvec']")
    feats = pipeline._check_features(np.asarray(feats), z["vse"].options["dim_image"], "")
    return pipeline.rank(z["vse"], z["cvec"], feats, k)[0].tolist()


def format_story(story: pipeline.Story, lyric: bool = False) -> str:
    """What the original ``story`` prints for ``story``: the five nearest captions, then the passage."""
    lines = ["NEAREST-CAPTIONS: ", *(c for c, _ in story.captions[:5]), "", "OUTPUT: ",
             *(lyric_lines(story.text) if lyric else [story.text])]
    return "".join(line + "\n" for line in lines)


class StoryText(str):
    """The story text :func:`story` returns after printing it: a ``str`` in every way, except that a notebook
    does not display it (the original returned None, so a notebook showed the story once, as printed)."""

    def _ipython_display_(self) -> None:
        pass

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        pass


def story(z: Mapping[str, Any], image: Any, k: int = 100, bw: int = 50, lyric: bool = False) -> StoryText:
    """Generate a story for ``image`` (a path, a PIL image, a uint8 array, or a 1-D array of CNN features).

    Prints ``NEAREST-CAPTIONS:``, the five nearest captions, a blank line, ``OUTPUT:`` and the passage (or, with
    ``lyric=True``, one line per comma-separated piece), exactly as the original ``story``; returns the printed
    story as a :class:`StoryText`. ``k`` captions (at most the pool) condition a beam search of width ``bw``.
    Raises :class:`~storyteller.errors.InputError` for a bad ``k``/``bw``, features or ``z``.
    """
    k, bw = check_count(k, "k"), check_count(bw, "bw")
    st = _storyteller(z)
    sentences = [c for c, _ in st.nearest(image, k)]
    print("NEAREST-CAPTIONS: ")
    for s in sentences[:5]:
        print(s)
    print("")
    passage = st.write(sentences, num_beams=bw)
    print("OUTPUT: ")
    if not lyric:
        print(passage)
        return StoryText(passage)
    lines = lyric_lines(passage)
    for line in lines:
        print(line)
    return StoryText("\n".join(lines))
