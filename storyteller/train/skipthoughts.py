"""Train skip-thought encoders (Kiros et al. 2015): encode a sentence, predict the previous and the next one.

Trains a uni-skip model (forward GRU) and a bi-skip model (forward + backward GRU, each half the size) side
by side on the same batches, each with its own word embeddings and its own two conditional decoders, as the
original trained two separate models. The decoders see the sentence vector at every step (concatenated to
the word input, like the original ``gru_cond_simple``) and are thrown away afterwards; what is kept are the
encoders and their word tables, written in the converted format ``skipthoughts.load_model`` reads.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

from .. import skipthoughts as st
from ..gru import KirosGRU
from ..store import atomic_write
from .common import Checkpoint, fit, output_on, pad, seed_everything
from .corpus import build_dictionary
from .distributed import fingerprint, setup

__all__ = ["SkipThoughtConfig", "SkipThoughtNet", "train_skipthoughts"]


@dataclass
class SkipThoughtConfig:
    dim_word: int = 256        # word embedding size (620 in the original)
    uni_dim: int = 1024        # uni-skip GRU size (2400)
    bi_dim: int = 512          # bi-skip size per direction (1200)
    dec_dim: int = 512         # training-only decoders
    max_words: int = 20000     # encoder vocabulary (after min_count)
    min_count: int = 2
    out_words: int = 8000      # decoders predict the most frequent words; rarer targets become UNK
    max_len: int = 50          # longer sentences are cut for training
    batch_size: int = 128
    epochs: int = 4
    lr: float = 2e-3
    grad_clip: float = 5.0
    seed: int = 1234
    heldout: float = 0.02


class SkipThoughtNet(nn.Module):
    """One skip-thought model: embeddings, encoder, and previous/next-sentence decoders."""

    def __init__(self, n_words: int, n_out: int, dim_word: int, dim: int, dec_dim: int, bidirectional: bool) -> None:
        super().__init__()
        self.Wemb = nn.Embedding(n_words, dim_word)
        self.encoder = KirosGRU(dim_word, dim, bidirectional=bidirectional)
        ctx = dim * (2 if bidirectional else 1)
        self.dec_prev = nn.GRU(dim_word + ctx, dec_dim, batch_first=True)
        self.dec_next = nn.GRU(dim_word + ctx, dec_dim, batch_first=True)
        self.out = nn.Linear(dec_dim, n_out)  # shared by both decoders
        nn.init.uniform_(self.Wemb.weight, -0.1, 0.1)

    def encode(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        packed = pack_padded_sequence(self.Wemb(x), lengths, batch_first=True, enforce_sorted=False)
        _, h_n = self.encoder(packed)
        return torch.cat(list(h_n), dim=1)

    def decode_loss(self, dec: nn.GRU, ctx: torch.Tensor, y: torch.Tensor,
                    y_len: torch.Tensor) -> tuple[torch.Tensor, int]:
        """Summed cross-entropy of targets ``y`` (B, T; eos included) given the sentence vectors ``ctx``."""
        prev = torch.cat([torch.zeros_like(y[:, :1]), y[:, :-1]], 1)
        emb = self.Wemb(prev)
        emb[:, 0] = 0.0  # the first input is the zero vector, as in the storyteller decoder
        inp = torch.cat([emb, ctx[:, None, :].expand(-1, y.shape[1], -1)], 2)
        h, _ = dec(inp)
        mask = torch.arange(y.shape[1], device=y.device)[None, :] < y_len[:, None].to(y.device)
        tgt = torch.where(y < self.out.out_features, y, torch.ones_like(y))
        loss = nn.functional.cross_entropy(output_on(self.out, h, mask), tgt[mask], reduction="sum")
        return loss, int(mask.sum())


def _triples(docs: Sequence[Sequence[Sequence[int]]]) -> list[tuple[int, int, int]]:
    """(doc, sentence) index triples for every sentence with both neighbours."""
    return [(d, i - 1, i + 1) for d, doc in enumerate(docs) for i in range(1, len(doc) - 1)]


def train_skipthoughts(
    docs: Sequence[Sequence[Sequence[str]]],
    out_models: str | Path,
    out_tables: str | Path,
    config: SkipThoughtConfig | None = None,
    *,
    extra_words: Sequence[str] = (),
    device: str | None = None,
    resume: bool = False,
    checkpoint: str | Path | None = None,
    time_budget: float | None = None,
    half: bool = False,
    checkpoint_every: int = 200,
) -> dict:
    """Train on ``docs`` (documents -> contiguous sentences -> tokens) and write the encoders and tables.

    ``extra_words`` are always in the vocabulary (e.g. every word of the caption pool). Returns metrics. Under
    torchrun every process calls this with the same arguments and trains its shard of each batch
    (``config.batch_size`` per process); only rank 0 writes the files, every process returns the metrics.
    """
    cfg = config or SkipThoughtConfig()
    world = setup(device)
    dev = world.device
    gen = seed_everything(cfg.seed)
    worddict = build_dictionary((s for doc in docs for s in doc), cfg.max_words, cfg.min_count)
    for w in extra_words:
        worddict.setdefault(w, len(worddict) + 2)
    words = ["<eos>", "UNK"] + sorted(worddict, key=worddict.__getitem__)
    V = len(words)
    ids = [[[worddict.get(w, 1) for w in s[: cfg.max_len]] for s in doc if s] for doc in docs]
    trip = _triples(ids)
    perm = torch.randperm(len(trip), generator=gen).tolist()
    n_held = max(1, int(len(trip) * cfg.heldout))
    held, train = [trip[i] for i in perm[:n_held]], [trip[i] for i in perm[n_held:]]

    n_out = min(cfg.out_words, V)
    uni = SkipThoughtNet(V, n_out, cfg.dim_word, cfg.uni_dim, cfg.dec_dim, False).to(dev)
    bi = SkipThoughtNet(V, n_out, cfg.dim_word, cfg.bi_dim, cfg.dec_dim, True).to(dev)
    opt = torch.optim.Adam(list(uni.parameters()) + list(bi.parameters()), lr=cfg.lr)
    ckpt = Checkpoint(checkpoint or Path(out_models) / "skipthoughts.ckpt")

    def batch_loss(items: Sequence[tuple[int, int, int]]) -> tuple[torch.Tensor, int]:
        cur = [ids[d][i + 1] for d, i, _ in items]
        prv = [ids[d][i] + [0] for d, i, _ in items]
        nxt = [ids[d][j] + [0] for d, _, j in items]
        x, xl = pad(cur)
        yp, ypl = pad(prv)
        yn, ynl = pad(nxt)
        x, yp, yn = x.to(dev), yp.to(dev), yn.to(dev)
        total: torch.Tensor | float = 0.0
        count = 0
        for net in (uni, bi):
            ctx = net.encode(x, xl)
            for dec, y, yl in ((net.dec_prev, yp, ypl), (net.dec_next, yn, ynl)):
                loss, n = net.decode_loss(dec, ctx, y, yl)
                total, count = total + loss, count + n
        assert isinstance(total, torch.Tensor)  # (four losses were added)
        return total, count

    # Four decoders (uni/bi x prev/next) predict every target token: losses are per-token means over all four.
    epoch, history = fit("skip-thoughts", {"uni": uni, "bi": bi}, opt, cfg, train, held, batch_loss, gen, ckpt,
                         resume=resume, time_budget=time_budget, checkpoint_every=checkpoint_every,
                         data_id=fingerprint(ids, trip, words))
    uni.eval().cpu(), bi.eval().cpu()
    model = st.SkipThoughts(
        uni=uni.encoder, bi=bi.encoder,
        utable=uni.Wemb.weight.detach().numpy().copy(), btable=bi.Wemb.weight.detach().numpy().copy(),
        word_rows={w: i for i, w in enumerate(words)}, words=words,
        uoptions={"dim_word": cfg.dim_word, "dim": cfg.uni_dim, "n_words_src": V, "encoder": "gru"},
        boptions={"dim_word": cfg.dim_word, "dim": cfg.bi_dim, "n_words_src": V, "encoder": "gru"},
    )
    metrics = {"vocabulary": V, "train_triples": len(train), "heldout_triples": len(held),
               "epochs_done": epoch, "history": history, "config": asdict(cfg), "finished": epoch >= cfg.epochs}
    if world.main:
        st.save_model(model, out_models, out_tables, half=half)
        with atomic_write(Path(out_models) / "skipthoughts_training.json") as tmp:
            tmp.write_text(json.dumps(metrics, indent=1))
    return metrics
