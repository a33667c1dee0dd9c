"""Text generation from the conditional decoder: one :class:`GenerationConfig`, the original's beam search and
sampling as strategies, and Hugging Face style logits processors for the knobs the original did not have.

With the defaults (``num_beams=50``, nothing else switched on) :func:`generate` is the original ``gen_sample``
(2015-11-03 fixed version) as ``run_sampler`` calls it: float32 costs ``score - log(p)``, UNK forbidden with a
1e20 cost, a beam that shrinks as hypotheses end with ``<eos>``, no length normalisation, hypotheses in the order
they finished. All live hypotheses are stepped as one batch.

Near ties on the fast CPU path are decided as the plain path decides them (:mod:`storyteller.ties`).
"""
from __future__ import annotations

import bisect
import dataclasses
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import torch

from . import ties
from .errors import InputError
from .processors import (
    MinNewTokens,
    NoRepeatNGram,
    Processor,
    RepetitionPenalty,
    Temperature,
    TopK,
    TopP,
    apply_processors,
)
from .ties import TIE_MARGIN, fast_near_ties, reference_step
from .ties import NearTie as _NearTie
from .ties import fast_path_active as _fast_path_active
from .ties import near_tie as _near_tie

if TYPE_CHECKING:
    from .decoder import Decoder

__all__ = [
    "TIE_MARGIN",
    "UNK_COST",
    "GenerationConfig",
    "MinNewTokens",
    "NoRepeatNGram",
    "RepetitionPenalty",
    "Temperature",
    "TopK",
    "TopP",
    "beam_search",
    "best_text",
    "decode_texts",
    "fast_near_ties",
    "force",
    "generate",
    "length_penalized",
    "logits_processors",
    "reference_step",
    "run_sampler",
    "sample",
]

UNK_COST = 1e20  # the original's way of forbidding UNK
UNK, EOS = 1, 0
LENGTH_PENALTY_MAX = 10.0
Hypothesis = tuple[list[int], float]


# ------------------------------------------------------------------------------------------------- config
@dataclasses.dataclass
class GenerationConfig:
    """How to generate text (names as in Hugging Face ``GenerationConfig``); the defaults are the original's.

    ``num_beams`` beam width (``bw`` of ``story``); ``do_sample`` draw words instead of searching;
    ``temperature``/``top_k`` (0 = off)/``top_p`` (1.0 = off) shape the sampling distribution;
    ``num_return_sequences`` texts to return; ``seed`` makes sampling repeatable (same seed, same device, same
    text); ``no_repeat_ngram_size`` forbids repeating any n-gram; ``repetition_penalty`` (> 1 discourages words
    already generated: their log-probability is multiplied by it); ``max_new_tokens`` the original's ``maxlen``;
    ``min_new_tokens`` forbids ``<eos>`` before that many words; ``length_penalty`` ranks finished beams by
    ``cost / len ** length_penalty`` (None: the original's unnormalised cost); ``use_unk`` allows the UNK word.
    """
    num_beams: int = 50
    do_sample: bool = False
    temperature: float = 1.0
    top_k: int = 0
    top_p: float = 1.0
    num_return_sequences: int = 1
    seed: int | None = None
    no_repeat_ngram_size: int = 0
    repetition_penalty: float = 1.0
    max_new_tokens: int = 1000
    min_new_tokens: int = 0
    length_penalty: float | None = None
    use_unk: bool = False

    def validate(self) -> GenerationConfig:
        """Check every knob; raises :class:`~storyteller.errors.InputError` naming the knob, its value and the
        allowed range. Returns ``self``."""
        def check(name, kinds, ok, allowed):
            v = getattr(self, name)
            if isinstance(v, bool) and bool not in kinds or not isinstance(v, kinds) or not ok(v):
                raise InputError(f"generation option {name}={v!r} is not allowed; use {allowed}")

        integer, number = (int, np.integer), (int, float, np.integer, np.floating)
        check("num_beams", integer, lambda v: v >= 1, "an integer >= 1")
        check("do_sample", (bool,), lambda v: True, "True or False")
        check("temperature", number, lambda v: 0 < v < math.inf, "a finite number > 0")
        check("top_k", integer, lambda v: v >= 0, "an integer >= 0 (0 = off)")
        check("top_p", number, lambda v: 0 < v <= 1, "a number in (0, 1] (1.0 = off)")
        check("num_return_sequences", integer, lambda v: v >= 1, "an integer >= 1")
        check("no_repeat_ngram_size", integer, lambda v: v >= 0, "an integer >= 0 (0 = off)")
        check("repetition_penalty", number, lambda v: 0 < v < math.inf, "a finite number > 0 (1.0 = off)")
        check("max_new_tokens", integer, lambda v: v >= 1, "an integer >= 1")
        check("min_new_tokens", integer, lambda v: 0 <= v <= self.max_new_tokens, "an integer in [0, max_new_tokens]")
        check("use_unk", (bool,), lambda v: True, "True or False")
        if self.seed is not None:
            check("seed", integer, lambda v: 0 <= v < 2 ** 63, "None or an integer in [0, 2**63)")
        if self.length_penalty is not None:
            # (|lp| <= 10 keeps len ** lp finite in float64 for any length; 1e30 overflowed)
            check("length_penalty", number, lambda v: math.isfinite(v) and abs(v) <= LENGTH_PENALTY_MAX,
                  f"None or a number in [-{LENGTH_PENALTY_MAX}, {LENGTH_PENALTY_MAX}] (1.0: cost per word)")
        if not self.do_sample and self.num_return_sequences > self.num_beams:
            raise InputError(f"generation option num_return_sequences={self.num_return_sequences!r} is not allowed; "
                             f"use at most num_beams={self.num_beams} without sampling")
        return self

    def replace(self, **knobs) -> GenerationConfig:
        """A copy with ``knobs`` changed (unknown names raise :class:`~storyteller.errors.InputError`)."""
        names = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(knobs) - names)
        if unknown:
            raise InputError(f"unknown generation option {unknown[0]!r}; known: {', '.join(sorted(names))}")
        return dataclasses.replace(self, **knobs)


def logits_processors(config: GenerationConfig, prompt_len: int = 0) -> list[Processor]:
    """The processors ``config`` asks for, in order (empty for the original's search). ``prompt_len``: forced
    prompt tokens at the start of the history the processors see (``min_new_tokens`` counts only new words;
    the n-gram block and the repetition penalty see the prompt too, as in Hugging Face)."""
    procs: list[Processor] = []
    if config.repetition_penalty != 1.0:
        procs.append(RepetitionPenalty(config.repetition_penalty))
    if config.no_repeat_ngram_size:
        procs.append(NoRepeatNGram(config.no_repeat_ngram_size))
    if config.min_new_tokens:
        procs.append(MinNewTokens(config.min_new_tokens + prompt_len))
    if config.do_sample:
        if config.temperature != 1.0:
            procs.append(Temperature(config.temperature))
        if config.top_k:
            procs.append(TopK(config.top_k))
        if config.top_p < 1.0:
            procs.append(TopP(config.top_p))
    return procs


# ------------------------------------------------------------------------------------------------- search
def _ctx(dec: Decoder, c: np.ndarray | torch.Tensor) -> torch.Tensor:
    try:
        t = c.detach().to(torch.float32) if isinstance(c, torch.Tensor) else torch.as_tensor(np.asarray(c, np.float32))
        ctx = t.to(dec.device).reshape(1, -1)
    except (TypeError, ValueError) as e:
        raise InputError(f"the decoder's context must be a vector of numbers: {e}") from None
    if ctx.shape[1] != dec.options["dimctx"]:
        raise InputError(f"the decoder expects a {dec.options['dimctx']}-d vector, got {ctx.shape[1]} values")
    return ctx


def force(dec: Decoder, ctx: torch.Tensor, prefix: Sequence[int] = (), step=None) -> tuple[torch.Tensor, torch.Tensor]:
    """Teacher-force ``prefix`` (word ids) through the decoder from the context's initial state: ``(prev, state)``
    to continue from, (B,) long and (B, dim) for a (B, dimctx) ``ctx``. An empty prefix gives the start of the
    original's search (``prev`` = -1, the zero embedding; ``state`` = ``f_init(ctx)``). ``step``: the step function
    (default ``dec.step_logprobs``)."""
    step = step or dec.step_logprobs
    state = dec.init_state(ctx)                                               # (B, dim)
    prev = torch.full((ctx.shape[0],), -1, dtype=torch.long, device=dec.device)  # -1: zero embedding at step 1
    for w in prefix:
        _, state = step(prev, state)
        prev = torch.full_like(prev, int(w))
    return prev, state


class Settled:
    """The ``n`` best finished costs as :func:`decode_texts` ranks them (the first hypothesis dropped when its
    text is empty), kept to tell when a search can stop without changing them: costs only grow along a hypothesis
    (each step adds ``-log p >= 0``), so once every live hypothesis costs at least the ``n``-th best finished
    one, nothing finishing later can rank among the ``n`` (an equal cost ranks after: the ranking is stable)."""

    def __init__(self, n: int) -> None:
        self.n, self.seen = n, 0
        self.best: list[float] = []

    def add(self, hyps: Sequence[Hypothesis]) -> None:
        for toks, cost in hyps:
            self.seen += 1
            if self.seen == 1 and len(toks) <= 1:  # decode_texts drops an empty first text
                continue
            bisect.insort(self.best, cost)
            del self.best[self.n:]

    def done(self, live: torch.Tensor, check_ties: bool = False) -> bool:
        """Whether the live hypotheses' (L,) float32 costs can no longer change the ``n`` best; with
        ``check_ties`` a decision within :data:`TIE_MARGIN` raises :class:`NearTie` (the plain ops decide)."""
        if len(self.best) < self.n or live.numel() == 0:
            return False
        nth, low = self.best[-1], float(live.min())
        if check_ties and abs(low - nth) <= max(abs(nth), 8.0) * TIE_MARGIN:
            raise _NearTie("settle")
        return nth <= low


def _beam(dec, ctx, width0, maxlen, use_unk, procs, step, check_ties=False, prefix=(), settle=None
          ) -> list[Hypothesis]:
    """The search; with ``check_ties`` it raises :class:`_NearTie` at the first near tie. ``prefix``: word ids
    forced first (with the same ``step``); the hypotheses hold only the words after it. ``settle``: stop once
    the ``settle`` best can no longer change (:class:`Settled`)."""
    settled = Settled(settle) if settle else None
    dev = dec.device
    prev, state = force(dec, ctx, prefix, step)                # (L,), (L, dim)
    scores = torch.zeros(1, dtype=torch.float32, device=dev)   # (L,) running NLL sums
    n0 = len(prefix)
    tokens = torch.tensor([list(prefix)], dtype=torch.long, device=dev).reshape(1, n0)  # (L, t) words so far
    finished: list[Hypothesis] = []
    for t in range(maxlen):
        logp, new_state = step(prev, state)
        # float32, like the original
        cand = scores[:, None] - (apply_processors(procs, tokens, logp) if procs else logp)
        if not use_unk:
            cand[:, UNK] = UNK_COST
        width = width0 - len(finished)
        flat = cand.reshape(-1)
        best = torch.topk(flat, min(width, flat.numel()), largest=False, sorted=True).indices
        V = cand.shape[1]
        if check_ties and _near_tie(flat, best, V, last=t == maxlen - 1):
            raise _NearTie(t)
        ti, wi = best // V, best % V                           # integer division, as the original's back-pointers
        new_tokens = torch.cat([tokens[ti], wi[:, None]], 1)
        new_scores = flat[best]
        done = wi == EOS
        if bool(done.any()):
            ended = list(zip(new_tokens[done][:, n0:].tolist(), new_scores[done].tolist()))
            finished.extend(ended)
            if settled is not None:
                settled.add(ended)
        keep = ~done
        tokens, scores, state, prev = new_tokens[keep], new_scores[keep], new_state[ti[keep]], wi[keep]
        if tokens.shape[0] == 0 or len(finished) >= width0:
            break
        if settled is not None and t < maxlen - 1 and settled.done(scores, check_ties):
            return finished  # (the live hypotheses, unfinished, could not rank among the settled best)
    finished.extend(zip(tokens[:, n0:].tolist(), scores.tolist()))  # only when maxlen was hit
    return finished


def _check_maxlen(maxlen: object) -> int:
    if isinstance(maxlen, bool) or not isinstance(maxlen, (int, np.integer)) or maxlen < 1:
        raise InputError(f"maxlen (max_new_tokens) must be an integer >= 1, got {maxlen!r}")
    return int(maxlen)


# Float32 arrays of (hypotheses x vocabulary) that one search step holds at once (logits, softmax, log, costs,
# the flat copy topk reads, ...): peaks measured on the bundle came 5-12 % above an estimate of 8, so 10 leaves a
# margin; the estimate only has to tell "fits" from "cannot fit".
STEP_ARRAYS = 10


def search_bytes(beam_width: int, maxlen: int, n_words: int, dim: int = 0) -> int:
    """Bytes the widest step of a beam search holds: the hypotheses it extends (at most ``beam_width``, and at
    step ``t`` at most ``n_words ** (t - 1)``) times the vocabulary times :data:`STEP_ARRAYS` float32 arrays,
    plus the hypotheses it keeps (at most ``beam_width``): two (dim,) float32 states and two rows of word ids
    (int64, as long as the step) each."""
    rows, t = 1, 1  # the rows step t extends
    while t < maxlen and rows < beam_width:
        rows, t = min(beam_width, rows * n_words), t + 1
    kept = min(beam_width, rows * n_words)
    return rows * n_words * 4 * STEP_ARRAYS + kept * (2 * dim * 4 + 2 * t * 8)


def sample_bytes(num_sequences: int, n_words: int, dim: int = 0) -> int:
    """Bytes a sampling step holds: ``num_sequences`` rows (all drawn at once) times the vocabulary times
    :data:`STEP_ARRAYS` float32 arrays, plus two (dim,) float32 states per row."""
    return num_sequences * (n_words * 4 * STEP_ARRAYS + 2 * dim * 4)


def available_bytes(device: torch.device) -> int | None:
    """Memory a search could still take on ``device``: free CUDA memory, or ``MemAvailable`` of /proc/meminfo on
    CPU; None where it cannot be told (then nothing is refused up front)."""
    try:
        if device.type == "cuda":
            return int(torch.cuda.mem_get_info(device)[0])
        if device.type == "cpu":
            with open("/proc/meminfo", encoding="ascii") as f:
                for line in f:
                    if line.startswith("MemAvailable:"):
                        return int(line.split()[1]) * 1024
    except (OSError, ValueError, RuntimeError):
        pass
    return None


def check_search_memory(dec: Decoder, beam_width: int, maxlen: int, sampled: int | None = None) -> None:
    """Refuse a beam search (or, with ``sampled``, that many draws at once) that cannot fit in memory before it
    runs, instead of an out-of-memory crash minutes later. Raises :class:`~storyteller.errors.InputError` naming
    ``num_beams`` (``num_return_sequences``), the memory it needs and the fix."""
    words, dim = dec.options["n_words"], dec.options["dim"]
    need = sample_bytes(int(sampled), words, dim) if sampled else search_bytes(int(beam_width), maxlen, words, dim)
    have = available_bytes(dec.device)
    if have is not None and need > have:
        gib = 2.0 ** 30
        what = f"num_return_sequences={sampled} are too many" if sampled else f"num_beams={beam_width} is too wide"
        step = "a sampling step" if sampled else "a search step"
        fix = ("fewer num_return_sequences (several calls with other seeds give more)" if sampled
               else "a smaller num_beams (the original's default is 50)")
        raise InputError(f"{what} for this {words:,}-word decoder: {step} would need about {need / gib:,.1f} GiB, "
                         f"and {have / gib:,.1f} GiB is available on {dec.device.type}; use {fix}")


@torch.no_grad()
def beam_search(
    dec: Decoder, c: np.ndarray | torch.Tensor, beam_width: int, maxlen: int = 1000, use_unk: bool = False,
    processors: Sequence[Processor] = (), prefix: Sequence[int] = (), settle: int | None = None,
) -> list[Hypothesis]:
    """Every hypothesis the original ``gen_sample`` returns, as ``(token_ids, score)`` in its order.

    ``c``: the (dimctx,) float32 context. Finished hypotheses end with 0 (``<eos>``); hypotheses still alive at
    ``maxlen`` come last, without it. Scores are float32 sums of negative log-probabilities (after
    ``processors``, if any). ``prefix``: word ids forced through the decoder first (a prompt); the search
    continues from there and the hypotheses hold only the new words (``maxlen`` counts only those).
    ``settle``: when only the ``settle`` best texts are wanted (``run_sampler`` and ``story`` want 1), stop as
    soon as they can no longer change (:class:`Settled`); they are then exactly the full search's, and the list
    holds the hypotheses that finished before the stop (the full search's first ones, in its order): it lacks
    those that would have finished later, none of which could rank among them, and returns no unfinished ones
    unless ``maxlen`` was reached first. Not with ``processors`` (their costs need not only grow).
    Raises :class:`~storyteller.errors.InputError` for a bad width, ``maxlen`` or context, and for a width whose
    steps could not fit in the memory available (:func:`check_search_memory`).
    """
    if isinstance(beam_width, bool) or not isinstance(beam_width, (int, np.integer)) or beam_width < 1:
        raise InputError(f"beam width must be an integer >= 1, got {beam_width!r}")
    maxlen = _check_maxlen(maxlen)
    ctx = _ctx(dec, c)
    check_search_memory(dec, beam_width, maxlen)
    try:
        procs = [] if processors is None else list(processors)
    except TypeError:
        raise InputError(f"processors must be a sequence of logits processors, got {processors!r}") from None
    args = (dec, ctx, beam_width, maxlen, use_unk, procs)
    kw: dict = {"prefix": [int(w) for w in prefix]} if len(prefix) else {}  # (the original's call has no prefix)
    if settle is not None:
        if isinstance(settle, bool) or not isinstance(settle, (int, np.integer)) or settle < 1:
            raise InputError(f"settle must be None or an integer >= 1, got {settle!r}")
        if not procs:
            kw["settle"] = int(settle)
    if not _fast_path_active(dec):
        return _beam(*args, dec.step_logprobs, **kw)
    plain = lambda p, s: reference_step(dec, p, s)  # noqa: E731
    if ties.plain_first(dec, int(beam_width)):  # its fast searches keep meeting near ties: the same result, sooner
        return _beam(*args, plain, **kw)
    try:
        hyps = _beam(*args, dec.step_logprobs, check_ties=True, **kw)
    except _NearTie:  # the plain ops decide: same batches, order and rounding as the plain path
        ties.record_search(dec, int(beam_width), True)
        return _beam(*args, plain, **kw)
    ties.record_search(dec, int(beam_width), False)
    return hyps


@torch.no_grad()
def sample(
    dec: Decoder, c: np.ndarray | torch.Tensor, maxlen: int = 1000, argmax: bool = False,
    use_unk: bool = False, generator: torch.Generator | None = None,
) -> tuple[list[int], float]:
    """The original's stochastic branch: draw (or take the argmax of) one word per step until ``<eos>``.

    Its score sums the raw probabilities of the chosen words, not their logs (a quirk kept as is). Raises
    :class:`~storyteller.errors.InputError` for a bad ``maxlen`` or context.
    """
    maxlen = _check_maxlen(maxlen)
    state = dec.init_state(_ctx(dec, c))
    prev = torch.full((1,), -1, dtype=torch.long, device=dec.device)
    words: list[int] = []
    score = 0.0
    for _ in range(maxlen):
        probs, state = dec.step(prev, state)
        p = probs[0].clone()
        if not use_unk:
            p[UNK] = 0.0
        w = int(p.argmax()) if argmax else int(torch.multinomial(p.cpu(), 1, generator=generator))
        words.append(w)
        score += float(probs[0, w])
        if w == EOS:
            break
        prev = torch.tensor([w], device=dec.device)
    return words, score


@torch.no_grad()
def _sample_batch(dec: Decoder, ctx: torch.Tensor, config: GenerationConfig,
                  prefix: Sequence[int] = ()) -> list[Hypothesis]:
    """``num_return_sequences`` independent draws as one batch; score = sum of -log p of the drawn words under
    the processed distribution. ``prefix``: word ids forced first; the draws hold only the new words."""
    n, dev = config.num_return_sequences, dec.device
    check_search_memory(dec, 1, config.max_new_tokens, sampled=n)
    gen = torch.Generator()
    gen.manual_seed(config.seed) if config.seed is not None else gen.seed()
    n0 = len(prefix)
    procs = logits_processors(config, n0)
    prev, state = force(dec, ctx.expand(n, -1), prefix)
    tokens = torch.tensor([list(prefix)] * n, dtype=torch.long, device=dev).reshape(n, n0)
    scores = torch.zeros(n, dtype=torch.float32)
    alive = torch.ones(n, dtype=torch.bool)
    for _ in range(config.max_new_tokens):
        logp, state = dec.step_logprobs(prev, state)
        if not config.use_unk:
            logp[:, UNK] = -math.inf
        logp = torch.log_softmax(apply_processors(procs, tokens, logp), dim=1).cpu()
        w = torch.multinomial(logp.exp(), 1, generator=gen)[:, 0]
        w = torch.where(alive, w, torch.full_like(w, EOS))  # finished rows only pad
        scores -= torch.where(alive, logp.gather(1, w[:, None])[:, 0], torch.zeros(n))
        tokens = torch.cat([tokens, w.to(dev)[:, None]], 1)
        alive &= w != EOS
        prev = w.to(dev)
        if not bool(alive.any()):
            break
    out = []
    for row, s in zip(tokens[:, n0:].tolist(), scores.tolist()):
        end = row.index(EOS) + 1 if EOS in row else len(row)
        out.append((row[:end], s))
    return out


def generate(dec: Decoder, c: np.ndarray | torch.Tensor, config: GenerationConfig | None = None, *,
             prefix: Sequence[int] = (), best_only: bool = False, **knobs) -> list[Hypothesis]:
    """Hypotheses ``(token_ids, score)`` for the context ``c`` (a (dimctx,) float32 vector), as ``config`` (and
    ``knobs`` overriding it, e.g. ``num_beams=5``) asks. Lower scores are better (negative log-probabilities).

    Beam search (``do_sample=False``): every hypothesis of the search in the order they finished (the original's
    ``gen_sample``); with ``length_penalty`` they are re-ranked by ``score / len ** length_penalty`` and that is
    their score. Sampling: ``num_return_sequences`` draws. ``prefix``: word ids (e.g. a prompt) forced through
    the decoder from the context's initial state before generating; the hypotheses hold only the words after it
    (``max_new_tokens``/``min_new_tokens`` count those). ``best_only``: the caller keeps only the
    ``num_return_sequences`` best (:func:`decode_texts`), so the search may stop once they are settled (the same
    texts, sooner; see :func:`beam_search`'s ``settle``). Raises :class:`~storyteller.errors.InputError`.
    """
    config = (config or GenerationConfig()).replace(**knobs).validate()
    if not isinstance(best_only, bool):
        raise InputError(f"best_only must be True or False, got {best_only!r}")
    ctx = _ctx(dec, c)
    prefix = _check_prefix(dec, prefix)
    if config.do_sample:
        return _sample_batch(dec, ctx, config, prefix)
    settle = config.num_return_sequences if best_only and config.length_penalty is None else None
    hyps = beam_search(dec, ctx, config.num_beams, maxlen=config.max_new_tokens, use_unk=config.use_unk,
                       processors=logits_processors(config, len(prefix)), prefix=prefix, settle=settle)
    return length_penalized(hyps, config.length_penalty)


def length_penalized(hyps: list[Hypothesis], length_penalty: float | None) -> list[Hypothesis]:
    """``hyps`` re-ranked by ``score / len ** length_penalty`` (in float64), which becomes their score; ``hyps``
    unchanged for None (the original's unnormalised cost)."""
    if length_penalty is None:
        return hyps
    lp = float(length_penalty)  # (float64: len ** lp stays finite for any max_new_tokens; float32 overflowed)
    return sorted(((t, float(s) / float(max(len(t), 1)) ** lp) for t, s in hyps), key=lambda h: h[1])


def _check_prefix(dec: Decoder, prefix: Sequence[int]) -> list[int]:
    n = dec.options["n_words"]
    if isinstance(prefix, (str, bytes)) or not all(isinstance(w, (int, np.integer)) and not isinstance(w, bool)
                                                   for w in prefix):
        raise InputError("prefix must be a list of word ids (ints); for a prompt's text use "
                         "Storyteller.tell(image, prompt=...)")
    bad = [int(w) for w in prefix if not 0 <= w < n]
    if bad:
        raise InputError(f"prefix word id {bad[0]} is outside the decoder's vocabulary (0..{n - 1})")
    return [int(w) for w in prefix]


def decode_texts(dec: Decoder, hyps: Sequence[Hypothesis], n: int | None = None) -> list[str]:
    """Texts of ``hyps`` as the original's ``run_sampler`` makes them: the words except the last one (so the
    ``<eos>``) joined by spaces, an empty first hypothesis removed, best (lowest score) first, ties in order.
    ``n``: how many (None = all)."""
    texts = [" ".join(dec.word_idict[w] for w in toks[:-1]) for toks, _ in hyps]
    scores = [s for _, s in hyps]
    if texts and texts[0] == "":
        texts, scores = texts[1:], scores[1:]
    order = np.argsort(np.asarray(scores, dtype=np.float32), kind="stable")
    return [texts[i] for i in order[:n]]


def best_text(dec: Decoder, hyps: Sequence[Hypothesis]) -> str:
    """The text ``run_sampler`` returns for these hypotheses ("" when there is none)."""
    texts = decode_texts(dec, hyps, 1)
    return texts[0] if texts else ""


def run_sampler(
    dec: Decoder, c: np.ndarray | torch.Tensor, beam_width: int = 1, stochastic: bool = False,
    use_unk: bool = False, maxlen: int = 1000, *, seed: int | None = None,
) -> str:
    """Generate text conditioned on ``c`` exactly as the storyteller's ``run_sampler`` (compatibility wrapper).

    Beam search (``stochastic=False``): each hypothesis's words except its last one are joined by spaces (so
    ``<eos>`` is dropped), an empty first hypothesis is removed, and the lowest-NLL text is returned. The
    stochastic branch is the original's (:func:`sample`; drops the last word, eos or not).
    """
    if stochastic:
        gen = torch.Generator().manual_seed(seed) if seed is not None else None
        words, _ = sample(dec, c, maxlen=maxlen, use_unk=use_unk, generator=gen)
        return " ".join(dec.word_idict[w] for w in words[:-1])
    return best_text(dec, beam_search(dec, c, beam_width, maxlen=maxlen, use_unk=use_unk, settle=1))
