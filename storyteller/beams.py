"""Beam searches of several contexts stepped together (``Storyteller.tell_many``), with ``beam_search``'s results.

One decoder step runs over the live hypotheses of every image at once; each image keeps its own beam (its own
top-k, its own shrinking width) and ends when its own search would end. The results equal what
:func:`storyteller.generation.beam_search` returns for each context alone, because:

* The step runs on the plain ops (:func:`storyteller.ties.reference_step`: ``torch.gru_cell``, ``F.linear``,
  ``log(softmax)``), the ops that decide ``beam_search``'s near ties. On the default bundle nearly every search
  meets a near tie and is decided on them, so the fast prepacked path could not give the same beams.
* Those ops compute each row on its own (the GEMMs' summation order does not depend on the other rows) except
  for GEMMs with very few rows, which BLAS runs through other kernels. :func:`invariant_rows` finds, once per
  decoder, from how many rows on a block's rows come out bit-identical alone and inside a larger batch; smaller
  blocks (an image whose beam has shrunk, the first step's single row) are computed alone, as ``beam_search``
  computes them. One image's block is also recomputed alone and compared bit for bit (every step while ten or
  more images are searched, less often with fewer); a difference stops the batched search
  (:class:`NotInvariant`) and the caller searches image by image.
* The top-k of each image is ``torch.topk`` on that image's flat costs with its width, as in ``beam_search``
  (the same call on the same numbers, so even exact ties are ordered alike).

Where ``beam_search`` runs the fast path without a near tie it returns the fast path's beams; those equal the
plain ones (the fast and plain costs differ far less than :data:`storyteller.ties.TIE_MARGIN`), except that the
final ranking of hypotheses that ended at different steps is not checked there: :func:`ranking_near_tie` finds
such images, and the caller decodes them alone.
"""
from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import torch

from . import ties
from .generation import STEP_ARRAYS, UNK_COST, Hypothesis, Settled

if TYPE_CHECKING:
    from .decoder import Decoder

__all__ = ["NotInvariant", "invariant_rows", "ranking_near_tie", "search_many"]

UNK, EOS = 1, 0
CHUNK_ROWS = 512  # rows per chunk of a step: (512, 8000) float32 costs are 16 MB, below glibc's mmap threshold
CHECK_SHARE = 10  # a block is re-checked alone every ceil(CHECK_SHARE / active images) steps (<= ~10 % extra)
# decoder -> (weights and threads, width probed, first invariant row count)
_INVARIANT: "weakref.WeakKeyDictionary[torch.nn.Module, tuple[tuple, int, int]]" = weakref.WeakKeyDictionary()


class NotInvariant(Exception):
    """A block's rows differed alone and inside the batch: the batched search cannot give ``beam_search``'s beams."""


def _weights_stamp(dec: Decoder) -> tuple:
    return tuple((id(p), p.data_ptr(), -1 if p.is_inference() else p._version) for p in dec.parameters())


def probe_bytes(dec: Decoder, width: int) -> int:
    """Bytes :func:`invariant_rows` holds for ``width``: its ``3 * width + 7`` random rows stepped at once (the
    step's float32 arrays, as :func:`storyteller.generation.search_bytes` counts them)."""
    return (3 * width + 7) * (dec.options["n_words"] * STEP_ARRAYS + 3 * dec.options["dim"]) * 4


def invariant_rows(dec: Decoder, width: int) -> int:
    """The smallest row count ``m`` (<= ``width``) from which a block of ``m`` rows of the plain step comes out
    bit-identical computed alone and inside a larger batch, for every block size from ``m`` to ``width`` (every
    size up to 64, a few above; ``width + 1``: none). Probed on random rows once per decoder and thread count
    (and again when the weights change)."""
    stamp = (_weights_stamp(dec), torch.get_num_threads())  # (the BLAS kernels may depend on the threads)
    known = _INVARIANT.get(dec)
    if known is not None and known[0] == stamp and known[1] >= width:
        return min(known[2], width + 1)
    gen = torch.Generator().manual_seed(12345)
    rows = 3 * width + 7
    prev = torch.randint(0, dec.options["n_words"], (rows,), generator=gen).to(dec.device)
    prev[::5] = -1
    state = (torch.rand(rows, dec.options["dim"], generator=gen) * 2 - 1).to(dec.device)
    logp, h = ties.reference_step(dec, prev, state)
    first = width + 1
    sizes = sorted(set(range(1, min(width, 64) + 1)) | {width, (width + 64) // 2}, reverse=True)
    for m in sizes:  # (above 64 rows a few sizes; the per-step check covers the rest)
        off = (7 * m) % (rows - m + 1)
        a, b = ties.reference_step(dec, prev[off:off + m].clone(), state[off:off + m].clone())  # (fresh, aligned)
        if not (torch.equal(a, logp[off:off + m]) and torch.equal(b, h[off:off + m])):
            break
        first = m
    _INVARIANT[dec] = (stamp, width, first)
    return first


class _Search:
    """Bookkeeping of one image's search (the live rows are the block ``off:off + live`` of the batch)."""

    __slots__ = ("index", "finished", "live", "off", "settled")

    def __init__(self, index: int, settle: int | None = None) -> None:
        self.index, self.live, self.off = index, 1, 0
        self.finished: list[Hypothesis] = []
        self.settled = Settled(settle) if settle else None


def _aligned(x: torch.Tensor) -> torch.Tensor:
    """``x``, copied when its start is not 64-byte aligned (as beam_search's own fresh tensors are)."""
    return x if x.data_ptr() % 64 == 0 else x.clone()


def _step(dec: Decoder, prev: torch.Tensor, state: torch.Tensor, blocks: list[_Search], lo: int,
          alone_below: int, check: _Search | None) -> tuple[torch.Tensor, torch.Tensor]:
    """The plain step of the rows of ``blocks`` (``prev``/``state`` hold them, from batch row ``lo`` on); blocks
    smaller than ``alone_below`` rows computed alone; ``check`` (one of ``blocks`` or None) recomputed alone and
    compared."""
    small = [b for b in blocks if b.live < alone_below]
    if not small:
        logp, h = ties.reference_step(dec, _aligned(prev), _aligned(state))
    else:
        logp = torch.empty(prev.shape[0], dec.options["n_words"], dtype=torch.float32, device=prev.device)
        h = torch.empty_like(state)
        big = [b for b in blocks if b.live >= alone_below]
        if big:
            idx = torch.cat([torch.arange(b.off - lo, b.off - lo + b.live) for b in big]).to(prev.device)
            logp[idx], h[idx] = ties.reference_step(dec, prev[idx], state[idx])
        for b in small:  # (fresh copies: aligned as beam_search's own tensors)
            s = slice(b.off - lo, b.off - lo + b.live)
            logp[s], h[s] = ties.reference_step(dec, prev[s].clone(), state[s].clone())
    if check is not None and len(blocks) > 1 and check.live >= alone_below:
        s = slice(check.off - lo, check.off - lo + check.live)
        a, g = ties.reference_step(dec, prev[s].clone(), state[s].clone())
        if not (torch.equal(a, logp[s]) and torch.equal(g, h[s])):
            raise NotInvariant(f"rows {check.off}..{check.off + check.live} of {prev.shape[0]}")
    return logp, h


def _chunks(active: list[_Search], rows: int) -> list[list[_Search]]:
    """Consecutive searches, about ``rows`` rows at most per chunk (a search is never split)."""
    out: list[list[_Search]] = [[]]
    n = 0
    for s in active:
        if out[-1] and n + s.live > rows:
            out.append([])
            n = 0
        out[-1].append(s)
        n += s.live
    return out


@torch.no_grad()
def search_many(dec: Decoder, ctxs: Sequence[torch.Tensor], width0: int, maxlen: int = 1000,
                use_unk: bool = False, settle: int | None = None) -> list[list[Hypothesis]]:
    """For each (1, dimctx) float32 context, the hypotheses :func:`storyteller.generation.beam_search` returns
    for it (on the plain ops; same tokens, order and float32 scores), the searches stepped together. The
    contexts must already be checked (``generation._ctx``). Raises :class:`NotInvariant` when the batch's
    rounding differs from one image's (then search image by image). ``settle``: as ``beam_search``'s (each
    image stops once its ``settle`` best can no longer change).

    Each step runs in chunks of about :data:`CHUNK_ROWS` rows: large enough for efficient GEMMs, small enough
    that the (rows, n_words) costs stay in reused memory instead of fresh pages every step."""
    n = len(ctxs)
    if n == 0:
        return []
    dev = dec.device
    alone_below = invariant_rows(dec, width0)
    searches = [_Search(i, settle) for i in range(n)]
    for i, s in enumerate(searches):
        s.off = i
    state = torch.cat([dec.init_state(c) for c in ctxs])        # each (1, dimctx) alone: a 1-row GEMM as there
    prev = torch.full((n,), -1, dtype=torch.long, device=dev)   # -1: the zero embedding at step 1
    scores = torch.zeros(n, dtype=torch.float32, device=dev)
    tokens = torch.zeros(n, 0, dtype=torch.long, device=dev)
    out: list[list[Hypothesis]] = [[] for _ in range(n)]
    active = searches
    for t in range(maxlen):
        period = -(-CHECK_SHARE // len(active))
        check = active[(t // period) % len(active)] if t % period == 0 else None
        rows, words, news, states, still = [], [], [], [], []
        off = 0
        for chunk in _chunks(active, max(CHUNK_ROWS, alone_below)):
            lo, hi = chunk[0].off, chunk[-1].off + chunk[-1].live
            logp, h = _step(dec, prev[lo:hi], state[lo:hi], chunk, lo, alone_below,
                            check if any(s is check for s in chunk) else None)
            cand = torch.sub(scores[lo:hi, None], logp, out=logp)  # float32 costs, as beam_search's
            if not use_unk:
                cand[:, UNK] = UNK_COST
            V = cand.shape[1]
            for s in chunk:  # one topk per image: the same call on the same numbers as beam_search's
                flat = cand[s.off - lo:s.off - lo + s.live].reshape(-1)
                k = min(width0 - len(s.finished), flat.numel())
                best = torch.topk(flat, k, largest=False, sorted=True).indices
                ti, wi = best // V, best % V
                done = wi == EOS
                if bool(done.any()):
                    toks = torch.cat([tokens[s.off + ti[done]], wi[done][:, None]], 1)
                    ended = list(zip(toks.tolist(), flat[best[done]].tolist()))
                    s.finished.extend(ended)
                    if s.settled is not None:
                        s.settled.add(ended)
                keep = ~done
                live = int(keep.sum())
                if (live and s.settled is not None and t < maxlen - 1
                        and s.settled.done(flat[best[keep]])):  # its best are settled: end as beam_search does
                    out[s.index] = s.finished
                elif live and len(s.finished) < width0:
                    rows.append(s.off + ti[keep])
                    words.append(wi[keep])
                    news.append(flat[best[keep]])
                    states.append(h[s.off - lo + ti[keep]])
                    s.off, s.live = off, live
                    off += live
                    still.append(s)
                else:  # this image's search ends here (no live rows are left then)
                    out[s.index] = s.finished
        if t == maxlen - 1:  # maxlen: the live hypotheses come last, in their order
            for s, r, w, sc in zip(still, rows, words, news):
                toks = torch.cat([tokens[r], w[:, None]], 1)
                out[s.index] = s.finished + list(zip(toks.tolist(), sc.tolist()))
            still = []
        if not still:
            break
        r = torch.cat(rows)
        w = torch.cat(words)
        tokens = torch.cat([tokens[r], w[:, None]], 1)
        scores, state, prev, active = torch.cat(news), torch.cat(states), w, still
    return out


def ranking_near_tie(hyps: Sequence[Hypothesis], n: int) -> bool:
    """Whether the ``n`` best texts ``decode_texts`` picks from ``hyps`` could change with the last float32 bits
    of the scores: two of the scores that decide them (after the empty first text is dropped) lie within
    :data:`storyteller.ties.TIE_MARGIN` and belong to different texts."""
    items = [(toks[:-1], s) for toks, s in hyps]
    if items and not items[0][0]:
        items = items[1:]
    if len(items) < 2:
        return False
    scores = np.asarray([s for _, s in items], dtype=np.float32)
    order = np.argsort(scores, kind="stable")[: n + 1]
    v = torch.as_tensor(scores[order])
    close = (v[1:] - v[:-1] <= ties.margin(v[1:])).tolist()
    return any(c and items[a][0] != items[b][0] for c, a, b in zip(close, order[:-1], order[1:]))
