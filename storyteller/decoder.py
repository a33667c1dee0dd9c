"""The conditional GRU decoder of neural-storyteller (the original ``decoder.py``/``search.py``).

``h_0 = tanh(c W_state + b_state)`` from a 4800-d skip-thought vector; the first input is the zero vector;
then ``h_t = GRU(Wemb[y_{t-1}], h_{t-1})``; with a deep output (``doutput``) ``logit = tanh(h W_hid + b_hid)
W_logit + b_logit``, otherwise ``logit = h W_logit + b_logit``; ``p = softmax(logit)``.

The beam search (the original ``gen_sample``) and sampling live in :mod:`storyteller.generation`;
``beam_search``, ``sample`` and ``run_sampler`` stay importable from here.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from . import formats
from .errors import ModelFileError  # noqa: F401  (re-exported: older code imports it from here)

# Beam search and sampling live in generation.py; their old names stay importable from here.
from .generation import UNK_COST, beam_search, run_sampler, sample  # noqa: F401
from .gru import KirosGRU, embedding, packed_linear

__all__ = ["Decoder", "DecoderOptions", "load_model", "save_model", "from_weights", "to_theano", "beam_search",
           "run_sampler", "sample"]

@dataclass
class DecoderOptions:
    """The decoder's sizes (the original option names; ``doutput``: the deep output layer ``ff_hid``)."""

    n_words: int
    dim_word: int
    dimctx: int
    dim: int
    doutput: bool = True

    @classmethod
    def from_dict(cls, opts: dict[str, Any]) -> "DecoderOptions":
        """From an options dict (original or converted; other keys are ignored; absent ``doutput`` = True)."""
        return cls(opts["n_words"], opts["dim_word"], opts["dimctx"], opts["dim"], bool(opts.get("doutput", True)))


class Decoder(nn.Module):
    """GRU language model conditioned on a vector through its initial state."""

    def __init__(self, n_words: int, dim_word: int, dimctx: int, dim: int, doutput: bool = True) -> None:
        super().__init__()
        self.Wemb = embedding(n_words, dim_word)
        self.ff_state = nn.Linear(dimctx, dim)
        self.decoder = KirosGRU(dim_word, dim)
        self.ff_hid = nn.Linear(dim, dim_word) if doutput else None
        self.ff_logit = nn.Linear(dim_word if doutput else dim, n_words)
        self.options: dict = {"n_words": n_words, "dim_word": dim_word, "dimctx": dimctx, "dim": dim,
                              "doutput": doutput, "decoder": "gru"}
        self.word_idict: dict[int, str] = {0: "<eos>", 1: "UNK"}

    @property
    def device(self) -> torch.device:
        return self.Wemb.weight.device

    def init_state(self, ctx: torch.Tensor) -> torch.Tensor:
        """``f_init``: (B, dimctx) -> initial state (B, dim)."""
        return torch.tanh(self.ff_state(ctx))

    def embed(self, prev: torch.Tensor) -> torch.Tensor:
        """Word embeddings of the previous words; id < 0 (the first step) gives the zero vector."""
        emb = self.Wemb(prev.clamp(min=0))
        return torch.where((prev < 0).unsqueeze(1), torch.zeros_like(emb), emb)

    def logits(self, h: torch.Tensor) -> torch.Tensor:
        if self.ff_hid is not None:
            h = torch.tanh(self.ff_hid(h))
        return self.ff_logit(h)

    def step(self, prev: torch.Tensor, state: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``f_next``: previous word ids (B,) and states (B, dim) -> (probabilities (B, V), new states).

        On CPU without autograd the four weight matrices are used prepacked for oneDNN (packed once per model
        and re-packed if the weights change; see ``gru.packed_linear``), else through ``F.linear``."""
        h = self.decoder.step(self.embed(prev), state)
        return torch.softmax(self._step_logits(h), dim=-1), h

    def step_logprobs(self, prev: torch.Tensor, state: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """:meth:`step` with log-probabilities (B, V) float32, computed as ``log(softmax(logit))`` like the
        original's beam search (not ``log_softmax``: the two differ in the last bits)."""
        probs, h = self.step(prev, state)
        return torch.log(probs), h

    def _step_logits(self, h: torch.Tensor) -> torch.Tensor:
        """:meth:`logits` of one step's states (B, dim), with the prepacked weights where they may be used."""
        logit = packed_linear(self, "logit", self.ff_logit.weight, self.ff_logit.bias, like=h)
        if logit is None:
            return self.logits(h)
        if self.ff_hid is not None:
            hid = packed_linear(self, "hid", self.ff_hid.weight, self.ff_hid.bias, like=h)
            assert hid is not None  # (the conditions that gave logit hold for hid)
            h = torch.tanh(hid(h))
        return logit(h)

    def hidden(self, ctx: torch.Tensor, inputs: torch.Tensor, dropout: float = 0.0) -> torch.Tensor:
        """Teacher-forced GRU states (B, T, dim) for target words ``inputs`` (B, T) (training; ``dropout`` on the
        word inputs and the states applies in training mode only)."""
        prev = torch.cat([torch.full_like(inputs[:, :1], -1), inputs[:, :-1]], 1)
        x = self.embed(prev.reshape(-1)).view(*prev.shape, -1)
        x = nn.functional.dropout(x, dropout, self.training)
        hs, _ = self.decoder(x, self.init_state(ctx).unsqueeze(0))
        return nn.functional.dropout(hs, dropout, self.training)

    def forward(self, ctx: torch.Tensor, inputs: torch.Tensor, dropout: float = 0.0) -> torch.Tensor:
        """Teacher-forced logits (B, T, V) for target words ``inputs`` (B, T)."""
        return self.logits(self.hidden(ctx, inputs, dropout))

    def __getitem__(self, key: str):  # old notebooks read dec['options'] / dec['word_idict']
        return getattr(self, key)


# ----------------------------------------------------------------------------------------------- loading
# The files (romance.npz + .pkl, romance_dictionary.pkl, the converted .safetensors + .json) are read and written
# by storyteller.formats; these are the decoder's entry points into it.
def from_weights(w: formats.Weights) -> Decoder:
    """Build a :class:`Decoder` from what :func:`storyteller.formats.load_part` read (no dictionary yet)."""
    o = DecoderOptions.from_dict(w.options)
    with torch.device("meta"):  # no random init: the file's weights replace it
        dec = Decoder(o.n_words, o.dim_word, o.dimctx, o.dim, o.doutput)
    formats.assign(dec, w)
    dec.options = formats.json_safe(w.options)
    return dec


def load_model(
    path_to_model: str | Path, path_to_dictionary: str | Path, device: str | torch.device = "cpu"
) -> Decoder:
    """Load the decoder from ``romance.npz`` (+ ``.npz.pkl``) or ``.safetensors`` (+ ``.json``) and its dictionary
    (``romance_dictionary.pkl`` or a JSON list), as the original ``load_model``: index 0 is ``<eos>``, 1 ``UNK``.

    Raises :class:`ModelFileError` naming the config key (``decmodel``/``dictionary``) and the file when one is
    missing, unreadable, inconsistent or another part (e.g. a skip-thoughts encoder).
    """
    dec = from_weights(formats.load_part("decoder", path_to_model, key="decmodel"))
    pairs = formats.load_part("word-dictionary", path_to_dictionary, key="dictionary")
    dec.word_idict = {i: w for w, i in pairs}
    dec.word_idict[0], dec.word_idict[1] = "<eos>", "UNK"
    return dec.eval().to(device)


def save_model(dec: Decoder, path: str | Path, path_to_dictionary: str | Path | None = None,
               half: bool = False) -> None:
    """Write ``path`` (``.safetensors``) + ``.json`` options, and the vocabulary as a JSON list (index -> word;
    default ``path`` with suffix ``.dictionary.json``).

    ``half=True`` stores the weights as float16 (computation stays float32 after loading).
    """
    path = Path(path)
    formats.native.save(path, dec.state_dict(), dec.options, half=half)
    n = max(dec.word_idict) + 1
    formats.native.save_json(Path(path_to_dictionary) if path_to_dictionary else path.with_suffix(".dictionary.json"),
                             [dec.word_idict.get(i, "UNK") for i in range(n)])


def to_theano(dec: Decoder) -> dict[str, np.ndarray]:
    """Parameters in the original naming (as ``romance.npz`` stores them)."""
    return formats.kiros.to_theano("decoder", dec.state_dict())
