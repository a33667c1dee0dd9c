"""Train the storyteller's conditional GRU decoder: each passage is conditioned on its own skip-thought vector
through the initial state (Kiros 2015: the romance decoder was trained this way on romance-novel passages)."""
from __future__ import annotations

import json
import math
import zlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from numbers import Integral, Real
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .. import decoder as dec_mod
from .. import skipthoughts as st
from ..errors import InputError
from ..store import atomic_write
from .common import Checkpoint, fit, output_on, pad, seed_everything
from .corpus import build_dictionary
from .distributed import fingerprint, setup

__all__ = ["DecoderConfig", "check_config", "make_passages", "train_decoder", "extend_vocabulary",
           "uncalibrate_conditioning"]


@dataclass
class DecoderConfig:
    dim_word: int = 256     # 620 in the romance decoder
    dim: int = 768          # GRU size (2400)
    max_words: int = 8000   # vocabulary incl. <eos> and UNK (20,000)
    doutput: bool = True    # deep output layer, as the romance model
    dropout: float = 0.0    # on word inputs and GRU outputs, training only
    word_dropout: float = 0.0  # share of previous-word inputs replaced by UNK (training only, Bowman et al. 2016)
    bow_weight: float = 0.0    # weight of the bag-of-words loss on the initial state (training only, Zhao et al. 2017)
    standardize: bool = False  # train on centred, rescaled conditioning vectors (folded back into ff_state)
    bow_skip: int = 0          # the bag-of-words loss ignores the vocabulary's first (most frequent) words
    lead_tokens: int = 0       # the first lead_tokens words of each passage weigh lead_weight in the loss
    lead_weight: float = 1.0   # (training only: where a story names its subject, its conditioning must decide)
    batch_size: int = 64
    epochs: int = 6
    lr: float = 2e-3
    grad_clip: float = 5.0
    seed: int = 1234
    heldout: float = 0.03


def make_passages(docs: Sequence[Sequence[Sequence[str]]], min_tokens: int = 40, max_tokens: int = 120,
                  stride: int = 1) -> list[list[str]]:
    """Passages of consecutive whole sentences with ``min_tokens``..``max_tokens`` tokens, one starting at every
    ``stride``-th sentence of each document (overlapping windows give the small corpus more examples)."""
    out = []
    for doc in docs:
        for start in range(0, len(doc), stride):
            toks: list[str] = []
            for sent in doc[start:]:
                if len(toks) + len(sent) > max_tokens:
                    break
                toks += sent
                if len(toks) >= min_tokens:
                    out.append(list(toks))
                    break
    return out


def train_decoder(
    passages: Sequence[Sequence[str]],
    stv: st.SkipThoughts,
    out_path: str | Path,
    config: DecoderConfig | None = None,
    *,
    device: str | None = None,
    resume: bool = False,
    checkpoint: str | Path | None = None,
    time_budget: float | None = None,
    half: bool = False,
    checkpoint_every: int = 200,
    contexts: np.ndarray | None = None,
    init: dec_mod.Decoder | None = None,
    eos: bool = True,
) -> dict:
    """Train on tokenised ``passages`` and write ``out_path`` (``.safetensors`` + ``.json`` +
    ``.dictionary.json``). Returns metrics including held-out perplexity.

    ``contexts`` (len(passages), dimctx) float32: the conditioning vector of each passage; default (None) each
    passage's own skip-thought vector from ``stv``, as the romance decoder was trained. ``init``: a decoder to
    start from (uncalibrated, see :func:`uncalibrate_conditioning`); its vocabulary is kept, word ids included, and
    extended by the passages' most frequent other words up to ``config.max_words``
    (:func:`extend_vocabulary`); ``config.dim_word``/``dim``/``doutput`` must match it. ``eos=False``: the
    passages are openings of longer texts (no ``<eos>`` is appended, so none is learnt after them).
    Raises :class:`InputError` for contexts of the wrong shape or an ``init`` of other sizes.

    Under torchrun every process calls this with the same arguments and trains its shard of each batch
    (``config.batch_size`` per process); only rank 0 writes the files, every process returns the metrics.
    """
    cfg = config or DecoderConfig()
    check_config(cfg)
    cfg = replace(cfg, lead_tokens=int(cfg.lead_tokens), lead_weight=float(cfg.lead_weight))  # numpy scalars: JSON
    if isinstance(passages, str) or len(passages) < 2 or any(isinstance(p, str) for p in passages):
        raise InputError("passages: give at least 2 tokenised passages (lists of words), e.g. from make_passages")
    if not isinstance(eos, bool):
        raise InputError(f"eos = {eos!r}: give True (each passage ends with <eos>) or False (openings)")
    if not eos and any(len(p) == 0 for p in passages):
        i = next(i for i, p in enumerate(passages) if len(p) == 0)
        raise InputError(f"passage {i} has no words; with eos=False every passage needs at least one word")
    world = setup(device)
    dev = world.device
    gen = seed_everything(cfg.seed)
    out_path = Path(out_path)
    if init is not None:
        model = extend_vocabulary(init, passages, cfg)
        worddict = {w: i for i, w in model.word_idict.items() if i > 1}
    else:
        worddict = build_dictionary(passages, cfg.max_words)
    ids = [[worddict.get(w, 1) for w in p] + ([0] if eos else []) for p in passages]
    # Condition on each passage's own skip-thought vector (the encoder is fixed; computed once).
    stv.to(dev)
    texts = [" ".join(p) for p in passages]
    if contexts is not None:
        ctx = torch.from_numpy(np.ascontiguousarray(contexts, dtype=np.float32))
        if ctx.ndim != 2 or len(ctx) != len(passages) or not torch.isfinite(ctx).all():
            raise InputError(f"contexts: give finite float32 (len(passages)={len(passages)}, dimctx) vectors, got "
                             f"shape {tuple(ctx.shape)}"
                             + ("" if ctx.ndim != 2 or torch.isfinite(ctx).all() else " with NaN or inf values"))
    elif world.size == 1:
        ctx = torch.from_numpy(st.encode(stv, texts, preprocessed=True, verbose=True, batch_size=256))
    else:  # each process encodes its share, then all have all (the same float32 vectors on every process)
        lo, hi = world.span(len(texts))
        mine = st.encode(stv, texts[lo:hi], preprocessed=True, verbose=world.main, batch_size=256) if hi > lo else None
        ctx = torch.from_numpy(np.concatenate([v for v in world.gather(mine) if v is not None]))
    perm = torch.randperm(len(ids), generator=gen).tolist()
    n_held = max(1, int(len(ids) * cfg.heldout))
    held, train = perm[:n_held], perm[n_held:]
    # Skip-thought vectors are unit-norm and nearly parallel (per-dimension spread ~0.003 around a mean ~0.03):
    # raw, they reach the initial state only through weights ~100x larger than an initialisation gives, so the
    # decoder learns to ignore them. Training on (v - mean) / spread and folding that back afterwards is the
    # same model at inference (ff_state's weights absorb it) with a conditioning it can learn from.
    if cfg.standardize:
        shift, scale = context_standardizer(ctx[train])
        ctx = (ctx - shift) / scale

    V = len(worddict) + 2
    if init is None:
        model = dec_mod.Decoder(V, cfg.dim_word, ctx.shape[1], cfg.dim, cfg.doutput)
        model.word_idict = {0: "<eos>", 1: "UNK", **{i: w for w, i in worddict.items()}}
    elif model.options["dimctx"] != ctx.shape[1]:
        raise InputError(f"init decoder takes {model.options['dimctx']}-d conditioning vectors, the contexts are "
                         f"{ctx.shape[1]}-d")
    if init is not None and cfg.standardize:  # init takes raw vectors: the same function on standardized ones
        fold_conditioning(model, shift, scale, inverse=True)
    model = model.to(dev)
    modules: dict[str, nn.Module] = {"model": model}
    if cfg.bow_weight > 0:  # training-only head: not part of the saved decoder
        modules["bow"] = nn.Linear(cfg.dim, V).to(dev)
    opt = torch.optim.Adam([p for m in modules.values() for p in m.parameters()], lr=cfg.lr)
    ckpt = Checkpoint(checkpoint or out_path.with_suffix(".ckpt"))

    def batch_loss(idx: Sequence[int]) -> tuple[torch.Tensor, int]:
        y, yl = pad([ids[i] for i in idx])
        y = y.to(dev)
        mask = torch.arange(y.shape[1], device=dev)[None, :] < yl[:, None].to(dev)
        inputs = y
        if model.training and cfg.word_dropout > 0:  # the mask depends on the batch's items only: resumable, DDP-safe
            seed = zlib.crc32(np.asarray(idx, dtype=np.int64).tobytes()) ^ cfg.seed
            inputs = drop_words(y, cfg.word_dropout, torch.Generator().manual_seed(seed))
        c = ctx[idx].to(dev)
        hs = model.hidden(c, inputs, cfg.dropout)
        if model.training and cfg.lead_tokens > 0 and cfg.lead_weight != 1.0:
            lead = torch.arange(y.shape[1], device=dev)[None, :].expand_as(y)[mask] < cfg.lead_tokens
            loss = (nn.functional.cross_entropy(output_on(model.logits, hs, mask), y[mask], reduction="none")
                    * torch.where(lead, float(cfg.lead_weight), 1.0)).sum()
        else:
            loss = nn.functional.cross_entropy(output_on(model.logits, hs, mask), y[mask], reduction="sum")
        if "bow" in modules and model.training:  # held-out perplexity stays the language model's alone
            loss = loss + cfg.bow_weight * bow_loss(modules["bow"](model.init_state(c)), y, mask,
                                                   cfg.bow_skip)
        return loss, int(mask.sum())

    epoch, history = fit("decoder", modules, opt, cfg, train, held, batch_loss, gen, ckpt, resume=resume,
                         time_budget=time_budget, checkpoint_every=checkpoint_every, data_id=fingerprint(ids))
    model.eval().cpu()
    if cfg.standardize:
        fold_conditioning(model, shift, scale)
    metrics = {"vocabulary": V, "train_passages": len(train), "heldout_passages": len(held), "epochs_done": epoch,
               "history": history, "config": asdict(cfg), "finished": epoch >= cfg.epochs}
    if world.main:
        dec_mod.save_model(model, out_path, half=half)
        with atomic_write(out_path.with_suffix(".training.json")) as tmp:
            tmp.write_text(json.dumps(metrics, indent=1))
    return metrics


@torch.no_grad()
def extend_vocabulary(init: dec_mod.Decoder, passages: Sequence[Sequence[str]], cfg: DecoderConfig) -> dec_mod.Decoder:
    """A copy of ``init`` (trainable, CPU) whose vocabulary keeps every word of ``init`` at its id and adds the
    most frequent words of ``passages`` that it lacks, up to ``cfg.max_words`` in all. New input embeddings are
    drawn like the trained rows (same standard deviation); new output rows start at zero weight and the lowest
    trained bias (a new word's score starts at the lowest prior score of an old one) and are learnt from the
    passages.
    Raises :class:`InputError` when ``cfg``'s sizes are not ``init``'s."""
    o = init.options
    if (o["dim_word"], o["dim"], bool(o.get("doutput", True))) != (cfg.dim_word, cfg.dim, cfg.doutput):
        raise InputError(f"init decoder has dim_word {o['dim_word']}, dim {o['dim']}, doutput {o.get('doutput')}; "
                         f"the config asks {cfg.dim_word}, {cfg.dim}, {cfg.doutput}: give the init decoder's sizes")
    old = {w: i for i, w in init.word_idict.items()}
    n_old = max(init.word_idict) + 1
    new = [w for w in build_dictionary(passages) if w not in old][: max(0, cfg.max_words - n_old)]
    V = n_old + len(new)
    dec = dec_mod.Decoder(V, cfg.dim_word, o["dimctx"], cfg.dim, cfg.doutput)
    state = {k: v.detach().cpu().float() for k, v in init.state_dict().items()}
    for k, v in dec.state_dict().items():
        src = state[k]
        if src.shape == v.shape:
            v.copy_(src)
        elif k == "Wemb.weight":
            v[:n_old] = src
            gen = torch.Generator().manual_seed(cfg.seed)
            v[n_old:] = torch.randn(V - n_old, src.shape[1], generator=gen) * src.std()
        elif k == "ff_logit.weight":
            v[:n_old], v[n_old:] = src, 0.0
        elif k == "ff_logit.bias":
            v[:n_old], v[n_old:] = src, src.min()
        else:  # (only the vocabulary-sized tensors differ)
            raise InputError(f"init decoder: tensor {k} has shape {tuple(src.shape)}, expected {tuple(v.shape)}")
    dec.word_idict = {**init.word_idict, **{n_old + j: w for j, w in enumerate(new)}}
    dec.options = {**dict(o), "n_words": V}
    dec.options.pop("conditioning_gain", None)
    return dec.train()


def context_standardizer(ctx: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``(shift, scale)`` for conditioning vectors ``ctx`` (N, dimctx) float32: their mean (dimctx,) and the mean
    per-dimension standard deviation (a 0-d tensor, one scale for all dimensions so that no near-constant
    dimension is blown up)."""
    shift = ctx.mean(0)
    return shift, (ctx - shift).std(0).mean().clamp_min(1e-8)


@torch.no_grad()
def fold_conditioning(dec: dec_mod.Decoder, shift: torch.Tensor, scale: torch.Tensor, inverse: bool = False) -> None:
    """In place: make ``dec`` take raw vectors ``v`` where it took ``(v - shift) / scale`` (``W = W_z / scale``,
    ``b0 = b0_z - W shift``), or with ``inverse`` the other way round. Exact up to float rounding."""
    W, b0 = dec.ff_state.weight, dec.ff_state.bias
    shift = shift.to(W.device, W.dtype)
    if inverse:
        b0.add_(W @ shift)
        W.mul_(scale.to(W.device))
    else:
        W.div_(scale.to(W.device))
        b0.sub_(W @ shift)


@torch.no_grad()
def uncalibrate_conditioning(dec: dec_mod.Decoder, center: np.ndarray) -> None:
    """Undo :func:`calibrate_conditioning` in place, using the gain recorded in ``dec.options``
    (``conditioning_gain``; nothing to undo without it): ``W = W' / gain``, ``b0 = b0' - (1 - gain) W b``."""
    gain = dec.options.get("conditioning_gain")
    if gain is None:
        return
    W, b0 = dec.ff_state.weight, dec.ff_state.bias
    try:
        c = torch.as_tensor(np.asarray(center, dtype=np.float32), device=W.device)
    except (TypeError, ValueError):
        raise InputError(f"center: give the book style the decoder was calibrated around, a ({W.shape[1]},) "
                         f"float vector; got {type(center).__name__}") from None
    if c.shape != (W.shape[1],) or not torch.isfinite(c).all():
        raise InputError(f"center: give the finite ({W.shape[1]},) book style the decoder was calibrated around; "
                         f"got shape {tuple(c.shape)}")
    if not (isinstance(gain, (int, float)) and math.isfinite(gain) and gain != 0):
        raise InputError(f"the decoder's conditioning_gain is {gain!r}; a calibrated decoder has a finite, "
                         "non-zero gain")
    dec.options.pop("conditioning_gain")  # (checked first: a refused call leaves the decoder as it was)
    W.div_(float(gain))
    b0.sub_((1.0 - float(gain)) * (W @ c))


def check_config(cfg: DecoderConfig) -> None:
    """Refuse word dropout outside [0, 1), a negative or non-finite BoW weight and a lead weight <= 0 (they would
    train NaNs or nothing)."""
    if not (isinstance(cfg.word_dropout, (int, float)) and 0.0 <= cfg.word_dropout < 1.0):
        raise InputError(f"word_dropout (--word-dropout) = {cfg.word_dropout}: give a share in [0, 1), e.g. 0.25")
    if not (isinstance(cfg.bow_weight, (int, float)) and math.isfinite(cfg.bow_weight) and cfg.bow_weight >= 0):
        raise InputError(f"bow_weight (--bow-weight) = {cfg.bow_weight}: give a finite weight >= 0, e.g. 1.0")
    if not (isinstance(cfg.bow_skip, int) and not isinstance(cfg.bow_skip, bool) and cfg.bow_skip >= 0):
        raise InputError(f"bow_skip = {cfg.bow_skip}: give a whole number of words >= 0, e.g. 200")
    if isinstance(cfg.lead_tokens, bool) or not isinstance(cfg.lead_tokens, Integral) or cfg.lead_tokens < 0:
        raise InputError(f"lead_tokens = {cfg.lead_tokens!r}: give a whole number of words >= 0, e.g. 12")
    if (isinstance(cfg.lead_weight, bool) or not isinstance(cfg.lead_weight, Real)
            or not 0 < float(cfg.lead_weight) <= 1e6):
        raise InputError(f"lead_weight = {cfg.lead_weight!r}: give a weight > 0 and at most 1e6, e.g. 4.0")


def drop_words(y: torch.Tensor, p: float, gen: torch.Generator) -> torch.Tensor:
    """``y`` (B, T) int64 with each word replaced by UNK (id 1) with probability ``p`` (word dropout, Bowman et
    al. 2016, "Generating sentences from a continuous space"): the decoder must lean on its conditioning vector
    for what the passage is about. ``<eos>`` (id 0) and padding stay. Draws from ``gen`` (a CPU generator)."""
    keep = torch.rand(y.shape, generator=gen) >= p
    return torch.where(keep.to(y.device) | (y == 0), y, torch.ones_like(y))


def bow_loss(logits: torch.Tensor, y: torch.Tensor, mask: torch.Tensor, skip: int = 0) -> torch.Tensor:
    """Bag-of-words loss (Zhao et al. 2017, "Learning discourse-level diversity..."): the summed negative
    log-likelihood of each passage's words (``y`` (B, T), real positions ``mask``) under one softmax ``logits``
    (B, V) computed from the initial state alone, so that the state must say which words come. ``<eos>`` and UNK
    (ids 0, 1) are not counted, nor the ``skip`` words after them (the most frequent words of a dictionary made
    by ``build_dictionary``: "the", "of", ... say nothing of what a passage is about). Returns a 0-d float32
    tensor (summed over the batch, like the main loss)."""
    logp = torch.log_softmax(logits, -1).gather(1, y)
    return -(logp * (mask & (y > 1 + skip))).sum()


def passage_vectors_mean(stv: st.SkipThoughts, passages: Sequence[Sequence[str]]) -> np.ndarray:
    """The book style: mean skip-thought vector of tokenised passages."""
    return st.encode(stv, [" ".join(p) for p in passages], preprocessed=True).mean(0).astype(np.float32)


@torch.no_grad()
def calibrate_conditioning(dec: dec_mod.Decoder, center: np.ndarray, gain: float) -> None:
    """Rescale the decoder's conditioning around ``center`` (the book style b) by ``gain``, in place.

    ``h_0 = tanh(W c + b0)`` becomes ``tanh(W (b + gain (c - b)) + b0)``: an exact reparametrisation
    (``W' = gain W``, ``b0' = b0 + (1 - gain) W b``). At story time the decoder sees ``x - c + b``, whose offset from
    b (the image's captions against the average caption) is far smaller than the offsets of the passages it was
    trained on; the gain maps the one scale onto the other, so different images start the decoder as differently
    as different passages do. (The golden fixtures calibrate ``ff_state`` the same way.)
    """
    W, b0 = dec.ff_state.weight, dec.ff_state.bias
    center_t = torch.as_tensor(np.asarray(center, dtype=np.float32), device=W.device)
    b0.add_((1.0 - gain) * (W @ center_t))
    W.mul_(gain)
    dec.options["conditioning_gain"] = float(gain)
