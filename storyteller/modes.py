"""The ways :meth:`storyteller.Storyteller.tell` can tell a story beyond the original's one image -> one passage.

- **Knobs**: every :class:`~storyteller.generation.GenerationConfig` field plus ``num_captions`` (the original's
  ``k``), read generically (:func:`split_knobs`): a field added to ``GenerationConfig`` is a knob at once.
- **Prompt** (PoetRNN's seed text; iNLG): the prompt is tokenised as the decoder's training text was (Punkt
  sentences + ``word_tokenize``, case kept), its word ids are forced through the decoder from the
  image-conditioned initial state, and generation continues from there. A word the decoder does not know stays
  in the text as written, is fed as ``UNK``, and is listed in ``settings['oov']`` with a warning.
- **Extra text** (ChatPainter): dialogue lines / a context text are encoded with skip-thoughts and join the
  caption vectors in a weighted mean, each text counting as ``text_weight`` captions (default
  :data:`TEXT_WEIGHT`): ``x = (sum of k caption vectors + w * sum of L text vectors) / (k + w L)``, then the
  style shift ``x - c + b``.
- **Sequences** (visual storytelling): passage i is decoded from ``(1 - m) * (x_i - c + b) + m * p_{i-1}``,
  ``x_i`` the mean caption vector of image i, ``p_{i-1}`` the skip-thought vector of the previous passage
  (encoded as the decoder's training passages were), ``m = sequence_memory`` (default :data:`SEQUENCE_MEMORY`).
  "What happens next" (``next_passage=True``) is decoded from the mean skip-thought vector of all passages so
  far: the story so far only.
"""
from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from . import skipthoughts, style
from .errors import InputError
from .generation import GenerationConfig, check_search_memory, decode_texts, generate
from .tokenize import text_tokens

__all__ = [
    "SEQUENCE_MEMORY",
    "TEXT_WEIGHT",
    "blend",
    "context_vector",
    "decode",
    "prompt_ids",
    "split_knobs",
    "text_vectors",
]

TEXT_WEIGHT = 10.0       # one dialogue line / context text counts as this many captions
SEQUENCE_MEMORY = 0.3    # share of the previous passage's vector in a sequence passage's context
_COUNTS = ("num_captions", "num_beams")


def split_knobs(generation: Any, knobs: Mapping[str, Any]) -> tuple[GenerationConfig, int]:
    """``(GenerationConfig, num_captions)`` in force: defaults < ``generation`` < ``knobs``.

    ``generation``: None, a :class:`GenerationConfig` (all its fields), a mapping, or another dataclass (its
    fields that differ from their defaults). Raises :class:`InputError` naming an unknown or bad knob.
    """
    from .pipeline import check_count

    given: dict[str, Any] = {}
    base = GenerationConfig()
    if isinstance(generation, GenerationConfig):
        base = dataclasses.replace(generation)
    elif isinstance(generation, Mapping):
        given.update(generation)
    elif dataclasses.is_dataclass(generation) and not isinstance(generation, type):
        for f in dataclasses.fields(generation):
            value = getattr(generation, f.name)
            if f.name in _COUNTS or f.default is dataclasses.MISSING or value != f.default:
                given[f.name] = value
    elif generation is not None:
        raise InputError(f"generation must be a GenerationConfig or a dict, got {type(generation).__name__}")
    given.update(knobs)
    for name in _COUNTS:
        if name in given:
            check_count(given[name], name)
    k = int(given.pop("num_captions", 100))
    return base.replace(**given).validate(), k


def prompt_ids(dec: Any, prompt: str) -> tuple[list[str], list[int], list[str]]:
    """``(tokens, word ids, out-of-vocabulary tokens)`` of a prompt, tokenised as the decoder's training text was.

    Unknown tokens (and words whose id is beyond the decoder's ``n_words``, as the original's training code
    treated them) get the ``UNK`` id (1) and are listed (in order, once each). Raises :class:`InputError` for a
    prompt that is not a string or holds no word.
    """
    if not isinstance(prompt, str):
        raise InputError(f"prompt must be a str, got {type(prompt).__name__}")
    tokens = text_tokens(prompt)[0]
    if not tokens:
        raise InputError(f"prompt {prompt!r} holds no word; give the words the story should start with")
    vocab = getattr(dec, "_word_ids", None)
    if vocab is None or len(vocab) != len(dec.word_idict):
        vocab = {w: i for i, w in sorted(dec.word_idict.items(), reverse=True)}  # the lowest id wins
        dec._word_ids = vocab
    n_words = dec.options["n_words"]  # a dictionary may list more words than the decoder has rows (the
    ids = [i if 1 < i < n_words else 1  # original's rule: an id >= n_words is UNK)
           for i in (vocab.get(t, 1) if t not in ("<eos>", "UNK") else 1 for t in tokens)]
    oov = list(dict.fromkeys(t for t, i in zip(tokens, ids) if i == 1))
    return tokens, ids, oov


def text_vectors(stv: Any, dialogue: Any, context: Any) -> tuple[np.ndarray | None, list[str]]:
    """Skip-thought vectors (L, dim) of the dialogue lines and the context text (None when neither is given)."""
    lines: list[str] = []
    if dialogue is not None:
        if isinstance(dialogue, str) or not isinstance(dialogue, Sequence) or \
                not all(isinstance(d, str) for d in dialogue):
            raise InputError("dialogue must be a list of str (one line per question/answer), e.g. "
                             "['is the cat asleep? yes']")
        lines += list(dialogue)
    if context is not None:
        if not isinstance(context, str):
            raise InputError(f"context must be a str, got {type(context).__name__}")
        lines.append(context)
    blank = next((t for t in lines if not t.split()), None)
    if blank is not None:
        raise InputError(f"dialogue/context text {blank!r} is blank; give at least one word or leave it out")
    if not lines:
        return None, []
    return skipthoughts.encode(stv, lines), lines


def check_weight(value: Any, name: str, upper: float | None = None) -> float:
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool) and \
        np.isfinite(value) and value >= 0 and (upper is None or value <= upper)
    if not ok:
        rng = f"a number in [0, {upper}]" if upper is not None else "a number >= 0"
        raise InputError(f"{name}={value!r} is not allowed; use {rng}")
    return float(value)


def context_vector(svecs: np.ndarray, bneg: np.ndarray, bpos: np.ndarray, extra: np.ndarray | None = None,
                   text_weight: float = TEXT_WEIGHT) -> np.ndarray:
    """The decoder's (dim,) float32 context: ``mean(svecs) - c + b`` (the original, bit for bit) or, with
    ``extra`` text vectors, the weighted mean ``(sum svecs + w sum extra) / (k + w L)`` shifted the same way."""
    if extra is None or len(extra) == 0:
        return style.shift(svecs, bneg, bpos)
    w = np.float32(text_weight)
    mixed = (svecs.sum(0, dtype=np.float32) + w * extra.sum(0, dtype=np.float32)) / \
        np.float32(len(svecs) + text_weight * len(extra))
    return style.shift(mixed[None, :].astype(np.float32), bneg, bpos)


def blend(ctx: np.ndarray, memory: np.ndarray | None, m: float) -> np.ndarray:
    """``(1 - m) * ctx + m * memory`` in float32 (``ctx`` itself without memory)."""
    if memory is None:
        return ctx
    return (np.float32(1 - m) * ctx + np.float32(m) * memory).astype(np.float32)


def passage_vector(stv: Any, passages: Sequence[str]) -> np.ndarray:
    """Mean skip-thought vector (dim,) of passages, encoded as the decoder's training passages were (their
    tokens, space-separated)."""
    return skipthoughts.encode(stv, list(passages), preprocessed=True).mean(0).astype(np.float32)


def decode(dec: Any, ctx: np.ndarray, cfg: GenerationConfig, prefix: Sequence[int] = ()) -> list[str]:
    """The ``num_return_sequences`` texts for a context, best first (the original's text with the defaults)."""
    hyps = generate(dec, ctx, cfg, prefix=prefix, best_only=True)
    return warn_short(decode_texts(dec, hyps, cfg.num_return_sequences), cfg)


def check_search(teller: Any, cfg: GenerationConfig) -> None:
    """Refuse, before any image is read, a beam search (or the draws of sampling) that the memory cannot hold
    (:func:`~storyteller.generation.check_search_memory`; not for the LM writer)."""
    dec = getattr(teller, "decoder", None)
    if dec is None or getattr(teller, "writer", None) is not None:
        return
    check_search_memory(dec, cfg.num_beams, cfg.max_new_tokens,
                        sampled=cfg.num_return_sequences if cfg.do_sample else None)


def warn_short(texts: list[str], cfg: GenerationConfig) -> list[str]:
    """``texts`` unchanged; a warning when there are fewer than ``num_return_sequences`` (the original drops an
    empty first hypothesis) or one is empty (the decoder ended at once, or ``max_new_tokens`` cut the hypothesis:
    a text is its words but the last, as the original's)."""
    n = cfg.num_return_sequences
    if 0 < len(texts) < n:
        warnings.warn(f"num_return_sequences={n}, but only {len(texts)} text(s) came back: an empty first text is "
                      f"dropped, as the original's run_sampler does (its hypothesis ended at once, or "
                      f"max_new_tokens={cfg.max_new_tokens} cut it)", stacklevel=3)
    if not texts or "" in texts:
        warnings.warn(f"the decoder gave an empty text (it ended at once, or max_new_tokens="
                      f"{cfg.max_new_tokens} cut it: a text is a hypothesis's words but the last)", stacklevel=3)
    return texts


def warn_oov(oov: list[str]) -> None:
    if oov:
        warnings.warn(f"prompt word(s) not in the decoder's vocabulary: {', '.join(oov)}; kept in the text, fed "
                      "to the decoder as UNK (listed in story.settings['oov'])", UserWarning, stacklevel=3)
