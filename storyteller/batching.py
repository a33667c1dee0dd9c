"""The batched steps of ``Storyteller.tell_many``: one CNN call for the pictures, one matmul for the retrieval,
and the beam searches stepped together (:mod:`storyteller.beams`, :func:`decode_many`).

Batching changes the shapes BLAS sees, so the CNN features and cosines may differ from one-image calls in the last
float32 bits. Only the order of the nearest captions reaches the story, so an image whose order could hinge on
such bits (two of its top k+1 cosines within :data:`RANK_MARGIN`) is ranked again alone, exactly as
``Storyteller.nearest`` ranks it; the stories then equal ``tell``'s image by image.
"""
from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from . import (  # (pipeline imports this module: its names are looked up at call time)
    beams,
    embedding,
    generation,
    gru,
    modes,
    pipeline,
    ties,
)
from .errors import InputError, StorytellerError

__all__ = ["RANK_MARGIN", "decode_many", "features", "nearest", "tell_many"]

# Cosines lie in [-1, 1]; batched and one-image BLAS calls were seen to differ by ~1e-7 (about one float32
# epsilon); 1e-5 leaves a factor of 100.
RANK_MARGIN = 1e-5


def features(teller: Any, images: list[Any], errors: dict[int, Exception], where: list[int]) -> dict[int, np.ndarray]:
    """Checked features of ``images`` (item ``where[j]`` for ``images[j]``): the pictures in one CNN call
    (one at a time if that call fails, to find the bad one); errors go to ``errors``."""
    out: dict[int, np.ndarray] = {}
    pics = [j for j, im in enumerate(images) if not (isinstance(im, (np.ndarray, torch.Tensor)) and im.ndim == 1)]
    batch = getattr(teller.cnn, "features", None)
    if len(pics) > 1 and batch is not None:
        try:
            rows = batch([images[j] for j in pics])
            for j, row in zip(pics, rows):
                try:
                    out[where[j]] = pipeline._check_features(row, teller.vse.options["dim_image"],
                                                             f" of {pipeline._describe(images[j])}")
                except StorytellerError as e:
                    errors[where[j]] = e
        except (StorytellerError, OSError, ValueError):
            pass  # one bad image spoils the batch: take them one by one below
    for j, im in enumerate(images):
        if where[j] not in out and where[j] not in errors:
            try:
                out[where[j]] = teller.features(im)
            except (StorytellerError, OSError, ValueError) as e:
                errors[where[j]] = e
    return out


def nearest(teller: Any, feats: dict[int, np.ndarray], k: int) -> dict[int, list[tuple[str, float]]]:
    """The ``k`` nearest captions of each image from one matmul; an image whose order could hinge on the
    batch's rounding (two of its top k+1 cosines within :data:`RANK_MARGIN`, different captions) is ranked
    alone as ``Storyteller.nearest`` does."""
    if not feats:
        return {}
    if k > len(teller.captions):
        warnings.warn(f"num_captions={k} is more than the caption pool holds; using all {len(teller.captions)}",
                      UserWarning, stacklevel=3)
    keys = list(feats)
    unit = np.stack([feats[i] / np.linalg.norm(feats[i]) for i in keys])
    scores = np.dot(embedding.encode_images(teller.vse, unit), teller.caption_vectors.numpy().T)
    out = {}
    for row, i in zip(scores, keys):
        idx = np.argsort(row)[::-1][:k + 1]
        gaps = np.abs(np.diff(row[idx])) <= RANK_MARGIN
        if any(g and teller.captions[a] != teller.captions[b] for g, a, b in zip(gaps, idx[:-1], idx[1:])):
            idx, row = pipeline.rank(teller.vse, teller.caption_vectors, feats[i], k)
        out[i] = [(teller.captions[j], float(row[j])) for j in idx[:k]]
    return out


def tell_many(teller: Any, images: Sequence[Any], generation: Any, options: dict[str, Any]) -> list[Any]:
    """``Storyteller.tell_many`` (see there): the batched CNN, retrieval and skip-thought encoding, then each
    story composed on its own; a failing item becomes a ``Story`` with ``error``."""
    if isinstance(images, (str, os.PathLike, np.ndarray, torch.Tensor)) or not isinstance(images, Sequence):
        raise InputError(f"tell_many takes a list of images, got {type(images).__name__}; use tell() for one")
    generation_knobs = {n: options.pop(n) for n in list(options) if n not in pipeline._MODE_OPTIONS}
    cfg, k = modes.split_knobs(generation, generation_knobs)
    modes.check_search(teller, cfg)
    if cfg.num_return_sequences > 1 and options.get("next_passage"):
        raise InputError("num_return_sequences > 1 cannot be combined with next_passage")
    opts = teller._mode_options(cfg, **options)
    modes.warn_oov(opts.get("oov", []))
    items, errors = list(images), dict[int, Exception]()
    single = [i for i, im in enumerate(items) if not isinstance(im, (list, tuple))]
    feats = features(teller, [items[i] for i in single], errors, single)
    nears = nearest(teller, feats, k)
    want = sorted({c for i in nears for c, _ in nears[i]})
    vec = dict(zip(want, teller.caption_skipthoughts(want))) if want else {}
    svecs = {i: np.stack([vec[c] for c, _ in nears[i]]) for i in nears}
    texts = decode_many(teller, svecs, cfg, opts)
    out = []
    for i, item in enumerate(items):
        try:
            if i in errors:
                raise errors[i]
            if i not in nears:  # a sequence
                out.append(teller.tell(item, cfg, num_captions=k, **options))
                continue
            out.append(teller._compose(item, [item], [nears[i]], [svecs[i]], cfg, opts, texts=texts.get(i)))
        except (StorytellerError, OSError, ValueError) as e:
            line = " ".join(str(e).split()) or type(e).__name__
            describe = pipeline._describe
            desc = [describe(x) for x in item] if isinstance(item, (list, tuple)) else describe(item)
            out.append(pipeline.Story(text="", captions=[], image=desc, settings=teller._settings(cfg, k, opts),
                                      error=line, source=item))
    return out



def decode_many(teller: Any, svecs: dict[int, np.ndarray], cfg: Any, opts: dict[str, Any]) -> dict[int, list[str]]:
    """The texts of the one-passage stories whose caption vectors are ``svecs`` (item -> (k, dim)), from beam
    searches stepped together (:mod:`storyteller.beams`), equal to what ``Storyteller.tell`` decodes for each.
    Items left out (all of them where the batched search does not apply: sampling, logits processors, a prompt,
    ``next_passage``, the LM writer, ``fast_near_ties``, beams too narrow for any block to be batched; or where
    the final ranking nearly ties) are decoded alone by the caller."""
    dec = teller.decoder
    if (len(svecs) < 2 or cfg.do_sample or generation.logits_processors(cfg) or opts.get("prompt_ids")
            or opts.get("next_passage") or teller.writer is not None):
        return {}
    with torch.no_grad():
        fast = dec.device.type == "cpu" and gru.packed_linear_available()
        if fast and not ties.CHECK_TIES:  # tell keeps the fast path's own decisions then
            return {}
        have = generation.available_bytes(dec.device)  # (tell_many refused a search too wide at the start)
        if have is not None and beams.probe_bytes(dec, cfg.num_beams) > have // 2:
            return {}  # beams this wide would gain nothing from batching, and its probe could not fit
        if beams.invariant_rows(dec, cfg.num_beams) > cfg.num_beams:  # no block could join the batch: no gain
            return {}
        bneg, bpos = teller._styles()
        keys = list(svecs)
        try:  # (a context the decoder refuses is reported per item by the caller's own decode)
            ctxs = [generation._ctx(dec, modes.context_vector(svecs[i], bneg, bpos, opts.get("extra"),
                                                              opts.get("text_weight", 0.0))) for i in keys]
            settle = cfg.num_return_sequences if cfg.length_penalty is None else None
            found = beams.search_many(dec, ctxs, cfg.num_beams, cfg.max_new_tokens, cfg.use_unk, settle)
        except (beams.NotInvariant, StorytellerError):
            return {}
    out = {}
    for i, hyps in zip(keys, found):
        hyps = generation.length_penalized(hyps, cfg.length_penalty)
        if fast and beams.ranking_near_tie(hyps, cfg.num_return_sequences):
            continue  # tell may have ranked the fast path's scores: decode it alone
        out[i] = modes.warn_short(generation.decode_texts(dec, hyps, cfg.num_return_sequences), cfg) or [""]
    return out
