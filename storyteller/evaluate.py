"""Evaluation commands: ``eval-vse`` (image-caption retrieval, as the original VSE's ``evalrank``) and
``eval-decoder`` (perplexity of a text under the decoder). Both print one JSON object (or write it with ``--out``).

**eval-vse** reads an image-caption set: a JSON Lines file, one image per line::

    {"image": "photos/cat.jpg", "captions": ["A cat on a mat .", "A sleeping kitten ."]}
    {"features": [0.1, 0.0, ...], "captions": ["..."]}

``image`` is a path (relative to the set file's folder) run through the config's CNN; ``features`` are the CNN
features themselves (``dim_image`` numbers). Features are L2-normalised as ``story()`` does before the VSE's
image encoder; captions go through the VSE's sentence encoder. Ranks follow Kiros' visual-semantic-embedding
``evaluation.py`` (``i2t``/``t2i``), generalised from exactly 5 captions per image to any number: image->text
ranks every caption of the set by cosine and takes the best position of the image's own captions; text->image
ranks every image for each caption. R@K is the percentage of queries whose rank is below K (0-based), the median
rank ``floor(median) + 1``, ties ordered by ``numpy.argsort`` reversed, exactly as there.

**eval-decoder** reads passages as ``make-style`` does (blank-line separated paragraphs; a file without blank
lines holds one passage per line; ``.csv``: one per row) and tokenises them as skip-thoughts' ``preprocess``.
Each passage is conditioned on **its own skip-thought vector** (the decoder's training objective, so the number
is comparable to the held-out perplexity of ``train-decoder``), or with ``--style`` on one given style vector for
every passage. Perplexity = exp(total negative log-likelihood / tokens), over every word and the closing
``<eos>``; words outside the decoder's vocabulary count as ``UNK`` (their number is reported).
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "eval_decoder",
    "eval_vse",
    "passage_nll",
    "rank_metrics",
    "read_pairs",
    "register",
    "retrieval_ranks",
    "run",
]


def register(parser: argparse.ArgumentParser, command: str) -> None:
    parser.add_argument("--config", default=None, help="config.yaml or model folder (default: the bundled model)")
    parser.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N or auto (default cpu)")
    parser.add_argument("--out", metavar="FILE", default=None, help="write the JSON to FILE (atomically)")
    if command == "eval-vse":
        parser.add_argument("dataset", metavar="IMAGE_CAPTION_SET",
                            help='JSON Lines: {"image": PATH or "features": [...], "captions": [...]} per line')
    else:
        parser.add_argument("text", metavar="TEXTFILE",
                            help="passages separated by blank lines (or one per line; .csv: one per row)")
        parser.add_argument("--style", default=None,
                            help="condition every passage on this style vector (.npy file, a style name of the "
                                 "config, or 'book' for its posbias) instead of each passage's own skip-thought "
                                 "vector")
        parser.add_argument("--batch-size", type=int, default=16, help="passages per batch (default 16)")


# ------------------------------------------------------------------------------------------------ VSE
def read_pairs(path: str | Path) -> list[dict[str, Any]]:
    """The lines of an image-caption set as ``{"image": str | None, "features": list | None, "captions": [str]}``.

    Raises :class:`~storyteller.errors.InputError` naming ``file:line`` for invalid JSON, a missing or doubled
    image/features entry, or captions that are not a non-empty list of non-blank strings."""
    from .errors import InputError

    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: cannot be read as a UTF-8 text file ({getattr(e, 'strerror', None) or e})") from None
    out = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{path}:{n}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise InputError(f"{where}: not valid JSON ({e.msg}); expected one object per line") from None
        if not isinstance(obj, dict) or ("image" in obj) == ("features" in obj):
            raise InputError(f'{where}: expected an object with exactly one of "image" (a path) or "features"')
        caps = obj.get("captions")
        if not isinstance(caps, list) or not caps or not all(isinstance(c, str) and c.split() for c in caps):
            raise InputError(f'{where}: "captions" must be a non-empty list of non-blank strings')
        image = obj.get("image")
        if image is not None:
            if not isinstance(image, str):
                raise InputError(f'{where}: "image" must be a path (a string)')
            image = str(path.parent / image)
        feats = obj.get("features")
        if feats is not None and not (isinstance(feats, list) and all(isinstance(v, (int, float)) and
                                                                       not isinstance(v, bool) for v in feats)):
            raise InputError(f'{where}: "features" must be a list of numbers')
        out.append({"image": image, "features": feats, "captions": caps, "where": where})
    if not out:
        raise InputError(f"{path}: no image-caption pairs in this file")
    return out


def retrieval_ranks(images: np.ndarray, captions: np.ndarray, owner: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """0-based ranks: image->text (N,) and text->image (M,), as the original ``i2t``/``t2i``.

    ``images`` (N, D) and ``captions`` (M, D) float32 unit embeddings; ``owner[j]`` the image of caption j.
    Scores are ``numpy.dot``, orders ``numpy.argsort(...)[::-1]`` (the original's, ties included)."""
    own = np.asarray(owner)
    i2t = np.zeros(len(images))
    for i in range(len(images)):
        inds = np.argsort(np.dot(images[i][None, :], captions.T).flatten())[::-1]
        pos = np.empty(len(inds), dtype=np.int64)
        pos[inds] = np.arange(len(inds))
        i2t[i] = pos[own == i].min()
    t2i = np.zeros(len(captions))
    d = np.dot(captions, images.T)
    for j in range(len(captions)):
        t2i[j] = np.where(np.argsort(d[j])[::-1] == own[j])[0][0]
    return i2t, t2i


def rank_metrics(ranks: np.ndarray) -> dict[str, float]:
    """``{"r1", "r5", "r10"}`` (percent of ranks below 1, 5, 10) and ``median_rank`` (floor(median) + 1)."""
    return {"r1": 100.0 * float((ranks < 1).sum()) / len(ranks), "r5": 100.0 * float((ranks < 5).sum()) / len(ranks),
            "r10": 100.0 * float((ranks < 10).sum()) / len(ranks),
            "median_rank": float(np.floor(np.median(ranks)) + 1)}


def eval_vse(dataset: str | Path, config: Any = None, device: str = "cpu") -> dict[str, Any]:
    """R@1/5/10 and median rank, image->text and text->image, of the config's VSE on ``dataset`` (see the module
    notes for the format). Raises :class:`~storyteller.errors.InputError` / ``ConfigError`` / ``ImageError``."""
    from . import embedding, pipeline
    from .config import load_config
    from .errors import InputError
    from .runtime import resolve_device

    pairs = read_pairs(dataset)
    dev = resolve_device(device, option="--device")
    cfg = load_config(config, require=("vsemodel",))
    vse = embedding.load_model(cfg["vsemodel"], dev)
    dim = vse.options["dim_image"]
    cnn: Any = None
    if any(p["image"] is not None for p in pairs):
        if not (cfg["vgg"] or cfg["cnn"] != "vgg19"):
            raise InputError(f"{pairs[0]['where']}: images need a CNN, but the config has none (key 'vgg' is "
                             'empty); give "features" instead, or set vgg/cnn in config.yaml')
        from . import vision

        cnn = vision.build_cnn(cfg["cnn"], cfg["vgg"] or None, dev)
    feats = []
    for p in pairs:
        if p["image"] is not None:
            f = pipeline._check_features(cnn(p["image"]), dim, f" of {p['image']}")
        else:
            f = pipeline._check_features(np.asarray(p["features"], dtype=np.float64), dim, f" at {p['where']}")
        feats.append(f / np.linalg.norm(f))  # as story() normalises
    caps = [c for p in pairs for c in p["captions"]]
    owner = [i for i, p in enumerate(pairs) for _ in p["captions"]]
    ims = embedding.encode_images(vse, np.stack(feats))
    sents = embedding.encode_sentences(vse, caps)
    i2t, t2i = retrieval_ranks(ims, sents, owner)
    return {"dataset": str(dataset), "images": len(pairs), "captions": len(caps),
            "image_to_text": rank_metrics(i2t), "text_to_image": rank_metrics(t2i), "vsemodel": cfg["vsemodel"]}


# -------------------------------------------------------------------------------------------- decoder
def _word_ids(dec: Any, tokens: Sequence[str]) -> list[int]:
    """Decoder ids of ``tokens`` + ``<eos>`` (0); words outside the first ``n_words`` entries are UNK (1)."""
    n = dec.options["n_words"]
    if not hasattr(dec, "_eval_worddict"):
        dec._eval_worddict = {w: i for i, w in dec.word_idict.items() if 1 < i < n}
    return [dec._eval_worddict.get(w, 1) for w in tokens] + [0]


def passage_nll(dec: Any, ctx: np.ndarray, ids: Sequence[Sequence[int]], batch_size: int = 16) -> np.ndarray:
    """Negative log-likelihood (float64 sums, nats) of each id sequence under ``dec`` conditioned on the
    matching row of ``ctx`` (P, dimctx): teacher forcing, first input the zero vector (the original decoder)."""
    import torch

    out = np.zeros(len(ids))
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))  # similar lengths together: little padding
    with torch.no_grad():
        for s in range(0, len(order), batch_size):
            idx = order[s:s + batch_size]
            lens = torch.tensor([len(ids[i]) for i in idx])
            y = torch.zeros((len(idx), int(lens.max())), dtype=torch.long)
            for r, i in enumerate(idx):
                y[r, :len(ids[i])] = torch.tensor(ids[i])
            y = y.to(dec.device)
            c = torch.as_tensor(np.asarray(ctx[idx], dtype=np.float32), device=dec.device)
            hs = dec.hidden(c, y)
            mask = (torch.arange(y.shape[1])[None, :] < lens[:, None]).to(dec.device)
            logp = torch.log_softmax(dec.logits(hs[mask]), dim=-1)       # only the real positions
            nll = -logp.gather(1, y[mask][:, None])[:, 0].double().cpu()
            for r, part in enumerate(torch.split(nll, lens.tolist())):
                out[idx[r]] = float(part.sum())
    return out


def eval_decoder(text: str | Path, config: Any = None, device: str = "cpu", style: str | None = None,
                 batch_size: int = 16) -> dict[str, Any]:
    """Perplexity of the passages of ``text`` under the config's decoder (see the module notes)."""
    from . import decoder as decoding
    from . import skipthoughts
    from . import style as styles
    from .config import load_config
    from .errors import InputError
    from .passages import read_corpus
    from .runtime import resolve_device
    from .tokenize import text_tokens

    if batch_size < 1:
        raise InputError(f"--batch-size must be at least 1, got {batch_size}")
    passages = read_corpus(text, report=lambda m: print(f"storyteller: note: {m}", file=sys.stderr))
    tokens = [t for t in (text_tokens(p)[0] for p in passages) if t]
    if not tokens:
        raise InputError(f"{text}: no passages with words in this file")
    dev = resolve_device(device, option="--device")
    need = ("decmodel", "dictionary") + (("skmodels", "sktables") if style is None else ())
    cfg = load_config(config, require=need + (("posbias",) if style == "book" else ()))
    dec = decoding.load_model(cfg["decmodel"], cfg["dictionary"], dev)
    dimctx = dec.options["dimctx"]
    if style is None:
        stv = skipthoughts.load_model(cfg["skmodels"], cfg["sktables"], dev)
        ctx = skipthoughts.encode(stv, [" ".join(t) for t in tokens], preprocessed=True, max_tokens=None)
        conditioning = "each passage's own skip-thought vector"
    else:
        named = dict(cfg.get("styles") or {})
        path = cfg["posbias"] if style == "book" else named.get(style, style)
        if not Path(path).is_file():
            known = f" (styles of this model: {', '.join(named)})" if named else ""
            raise InputError(f"--style '{style}' is neither a file nor a style of this model{known}")
        vec = styles.load_style(path, dimctx, "--style")
        ctx = np.repeat(vec[None, :], len(tokens), axis=0)
        conditioning = f"style {style}"
    ids = [_word_ids(dec, t) for t in tokens]
    nll = passage_nll(dec, ctx, ids, batch_size)
    n_tok = sum(len(i) for i in ids)
    total = float(nll.sum())
    return {"file": str(text), "passages": len(ids), "tokens": n_tok, "unk_tokens": sum(i.count(1) for i in ids),
            "nll_per_token": total / n_tok, "perplexity": math.exp(total / n_tok), "conditioning": conditioning,
            "decmodel": cfg["decmodel"]}


# ------------------------------------------------------------------------------------------------ run
def run(args: argparse.Namespace) -> int:
    from .store import atomic_write

    with warnings.catch_warnings():
        warnings.showwarning = lambda m, *a, **k: print(f"storyteller: note: {m}", file=sys.stderr)
        if args.command == "eval-vse":
            result = eval_vse(args.dataset, args.config, args.device)
        else:
            result = eval_decoder(args.text, args.config, args.device, args.style, args.batch_size)
    text = json.dumps(result, indent=1, allow_nan=False) + "\n"
    if args.out:
        with atomic_write(args.out) as tmp:
            Path(tmp).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0
