"""Visual-semantic embedding (Kiros, Salakhutdinov & Zemel, "Unifying Visual-Semantic Embeddings with
Multimodal Neural Language Models", 2014): a GRU sentence encoder and a linear image encoder into one space.

Reads the original ``coco_embedding.npz`` (+ ``.npz.pkl`` options, ``.npz.dictionary.pkl`` word -> index) or the
converted form (``.safetensors`` + ``.json`` options + ``.dictionary.json``) through :mod:`storyteller.formats`.
Encoding follows the original ``encode_sentences``, including the off-by-two rule: dictionary indices run
2..len+1 while ``n_words = len(dict)``, so the two rarest words map to UNK (1).
"""
from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence
from tqdm import tqdm  # not tqdm.auto: it warns "IProgress not found" in notebooks without ipywidgets

from . import formats
from .errors import ModelFileError  # noqa: F401  (re-exported: older code imports it from here)
from .gru import KirosGRU, kiros_gates, packed_linear
from .gru import embedding as gru_embedding
from .skipthoughts import check_texts

__all__ = ["VSE", "VSEOptions", "load_model", "save_model", "from_weights", "to_theano", "encode_sentences",
           "encode_images", "tokenize_caption"]


@dataclass
class VSEOptions:
    """The VSE's sizes (the original option names)."""

    n_words: int
    dim_word: int
    dim: int
    dim_image: int

    @classmethod
    def from_dict(cls, opts: dict[str, Any]) -> "VSEOptions":
        """From an options dict (original or converted; other keys are ignored)."""
        return cls(opts["n_words"], opts["dim_word"], opts["dim"], opts["dim_image"])


class VSE(nn.Module):
    """Word embeddings + GRU for sentences, a linear map for image features; both L2-normalised."""

    def __init__(self, n_words: int, dim_word: int, dim: int, dim_image: int) -> None:
        super().__init__()
        self.Wemb = gru_embedding(n_words, dim_word)
        self.encoder = KirosGRU(dim_word, dim)
        self.ff_image = nn.Linear(dim_image, dim)
        self.worddict: dict[str, int] = {}
        self.options: dict = {"n_words": n_words, "dim_word": dim_word, "dim": dim, "dim_image": dim_image,
                              "encoder": "gru"}

    @property
    def device(self) -> torch.device:
        return self.Wemb.weight.device

    def word_ids(self, caption: str) -> list[int]:
        """Word ids as the original builds them: whitespace tokens, UNK (1) unless ``idx < n_words``, then 0."""
        n = self.options["n_words"]
        ids = []
        for w in tokenize_caption(caption):
            i = self.worddict.get(w)
            ids.append(i if i is not None and i < n else 1)
        ids.append(0)  # the <eos> row, read by the GRU too
        return ids

    def sentence_vectors(self, ids: list[list[int]]) -> torch.Tensor:
        """Un-normalised final GRU states for id sequences (differentiable; used by training too)."""
        lengths = torch.tensor([len(s) for s in ids])
        x = torch.nn.utils.rnn.pad_sequence(
            [torch.tensor(s, dtype=torch.long) for s in ids], batch_first=True).to(self.device)
        packed = pack_padded_sequence(self.Wemb(x), lengths, batch_first=True, enforce_sorted=False)
        _, h_n = self.encoder(packed)
        return h_n[0]

    def image_vectors(self, feats: torch.Tensor) -> torch.Tensor:
        return self.ff_image(feats)


def tokenize_caption(caption: str) -> list[str]:
    """``caption.split()`` with Python-2 byte semantics: split on ASCII whitespace only.

    (Python 3 ``str.split`` also splits on U+0085, U+00A0 and U+001C..U+001F; the original split bytes.)
    """
    if caption.isascii():
        return caption.split()
    return [t.decode("utf-8", "surrogateescape") for t in caption.encode("utf-8", "surrogateescape").split()]


def _l2norm(x: torch.Tensor) -> torch.Tensor:
    return x / torch.linalg.vector_norm(x, dim=1, keepdim=True)  # no epsilon, as the original


# ----------------------------------------------------------------------------------------------- loading
# The files (coco_embedding.npz + .pkl + .dictionary.pkl, the converted .safetensors + .json + .dictionary.json)
# are read and written by storyteller.formats; these are the VSE's entry points into it.
def from_weights(w: formats.Weights) -> VSE:
    """Build a :class:`VSE` (with its dictionary) from what :func:`storyteller.formats.load_part` read."""
    o = VSEOptions.from_dict(w.options)
    with torch.device("meta"):  # no random init: the file's weights replace it
        model = VSE(o.n_words, o.dim_word, o.dim, o.dim_image)
    formats.assign(model, w)
    model.worddict = dict(w.vocab or ())
    model.options = {**model.options, **formats.json_safe(w.options)}
    return model


def load_model(path_to_model: str | Path, device: str | torch.device = "cpu") -> VSE:
    """Load a VSE from ``coco_embedding.npz`` (+ ``.pkl``, ``.dictionary.pkl``) or ``.safetensors`` (+ ``.json``,
    ``.dictionary.json``). Raises :class:`ModelFileError` naming config key ``vsemodel`` and the file when one is
    missing, unreadable, inconsistent or another part."""
    return from_weights(formats.load_part("vse", path_to_model, key="vsemodel")).eval().to(device)


def save_model(model: VSE, path: str | Path, half: bool = False) -> None:
    """Write ``path`` (``.safetensors``) with ``.json`` options and ``.dictionary.json`` beside it.

    ``half=True`` stores the weights as float16 (computation stays float32 after loading).
    """
    path = Path(path)
    formats.native.save(path, model.state_dict(), model.options, half=half)
    formats.native.save_json(path.with_suffix(".dictionary.json"), model.worddict)


def to_theano(model: VSE) -> dict[str, np.ndarray]:
    """Parameters in the original naming (``Wemb``, ``encoder_*``, ``ff_image_W``, ``ff_image_b``)."""
    return formats.kiros.to_theano("vse", model.state_dict())


# ---------------------------------------------------------------------------------------------- encoding
@torch.no_grad()
def encode_sentences(
    model: VSE, X: Sequence[str], verbose: bool = False, batch_size: int | None = None
) -> np.ndarray:
    """Encode captions into the joint space: float32 (N, dim), unit rows.

    ``batch_size``: captions per GRU batch (default 256 on the prepacked CPU path, else 128).
    ``X``: a list of ``str``; ``bytes`` items (what the original received) are decoded as UTF-8 (latin-1 where
    invalid), matching the dictionary's words as the original's byte strings did. Anything else raises
    :class:`~storyteller.errors.InputError` naming the item's index and type.
    """
    X, _ = check_texts(X, "encode_sentences")
    ids = [model.word_ids(c) for c in X]
    out = np.empty((len(ids), model.options["dim"]), dtype=np.float32)
    if not ids:
        return out
    g = model.encoder
    hh = packed_linear(g, "hh", g.weight_hh_l0, g.bias_hh_l0, like=model.Wemb.weight)
    if hh is not None:
        _encode_packed(model, ids, out, hh, batch_size or 256, verbose)
        return out
    batch_size = batch_size or 128
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))  # similar lengths together: little padding
    batches = [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    for idx in tqdm(batches, disable=not verbose, desc="embedding captions", unit="batch"):
        out[idx] = _l2norm(model.sentence_vectors([ids[i] for i in idx])).cpu().numpy()
    return out


def _encode_packed(model: VSE, ids: list[list[int]], out: np.ndarray, hh, batch_size: int, verbose: bool) -> None:
    """The CPU fast path of :func:`encode_sentences` (same GRU, same results up to float rounding).

    The input projection ``x W + b`` of every word used is computed once (one GEMM over those rows of ``Wemb``)
    instead of once per token, and the recurrent product uses oneDNN's prepacked weights (``hh``). Captions run
    longest first, so at step t the captions still running are a prefix of the batch.
    """
    g = model.encoder
    lens = np.fromiter((len(s) for s in ids), dtype=np.int64, count=len(ids))
    flat = np.fromiter(itertools.chain.from_iterable(ids), dtype=np.int64, count=int(lens.sum()))
    words, token_rows = np.unique(flat, return_inverse=True)
    proj = nn.functional.linear(model.Wemb.weight[torch.from_numpy(words)], g.weight_ih_l0, g.bias_ih_l0)
    starts = np.cumsum(lens) - lens
    order = np.argsort(-lens, kind="stable")
    steps = range(0, len(order), batch_size)
    for s in tqdm(steps, disable=not verbose, desc="embedding captions", unit="batch"):
        idx = order[s:s + batch_size]
        blen = lens[idx]                                      # descending
        t = np.arange(blen[0])
        pos = np.minimum(starts[idx, None] + t, len(flat) - 1)  # (B, T) token positions (clipped past the end)
        rows = torch.from_numpy(token_rows.reshape(-1)[pos])   # rows of proj; ignored past each caption's end
        running = (blen[None, :] > t[:, None]).sum(1).tolist()  # captions still running at each step
        h = proj.new_zeros((len(idx), g.hidden_size))
        for step, a in enumerate(running):
            h[:a] = kiros_gates(proj[rows[:a, step]], hh(h[:a]), h[:a])
        out[idx] = _l2norm(h).numpy()


@torch.no_grad()
def encode_images(model: VSE, IM: np.ndarray) -> np.ndarray:
    """Encode image features (N, dim_image) — already L2-normalised CNN outputs — into the joint space."""
    feats = torch.as_tensor(np.asarray(IM, dtype=np.float32)).to(model.device)
    if feats.ndim != 2 or feats.shape[1] != model.options["dim_image"]:
        raise ValueError(
            f"encode_images expects features of shape (N, {model.options['dim_image']}), got {tuple(feats.shape)}; "
            "is the CNN in config.yaml the one this VSE was trained with?")
    return _l2norm(model.image_vectors(feats)).cpu().numpy()
