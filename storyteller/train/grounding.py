"""Story-time conditioning vectors for training the decoder on passages about the caption pool's subjects.

At story time the decoder starts from ``F(x) = x - c + b`` (Kiros 2015), where ``x`` is the mean skip-thought
vector of the k captions the VSE retrieves for the image. A decoder trained only on book passages, each
conditioned on its own skip-thought vector, never sees such a vector during training and learns to ignore it
(measured on the first default bundle: 0 of 47 stories named the photo's subject). Here a passage written about a
subject group (``data/teacher``) is paired with the vector the same pipeline would compute for a photo of that
subject: a synthetic class distribution of the group (as the VSE is trained on) goes through the VSE, its top-k
captions of the pool are averaged in skip-thought space, and the style shift is applied. Each draw of the
synthetic image gives another vector, so a passage seen several times is seen with the spread real photos have.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from numbers import Integral

import numpy as np

from .. import embedding
from ..errors import InputError
from .vse import VSEConfig, synthetic_images

__all__ = ["SENTENCE_ENDS", "group_classes", "opened_passages", "retrieved_means", "stock_ngrams",
           "story_time_contexts", "whole_sentences", "with_full_stop", "without_stock"]


def group_classes(group_names: Sequence[str], caption_groups: Sequence[int],
                  caption_classes: Sequence[Sequence[int]]) -> dict[str, list[int]]:
    """Subject group name -> the ImageNet classes of its first caption (as the VSE's training pairs and the
    bundle build's calibration draw them). ``caption_groups[i]`` indexes ``group_names``."""
    out: dict[str, list[int]] = {}
    for g, classes in zip(caption_groups, caption_classes):
        out.setdefault(group_names[g], list(classes))
    return out


def retrieved_means(vse: embedding.VSE, caption_embeddings: np.ndarray, caption_vectors: np.ndarray,
                    feats: np.ndarray, k: int = 100) -> np.ndarray:
    """For each image feature row of ``feats`` (N, dim_image) float32: the mean of ``caption_vectors``
    (M, dim) float32, the pool's skip-thought vectors, over the ``k`` captions whose VSE embeddings
    (``caption_embeddings`` (M, dim_vse), unit rows) score highest, as ``generate.story`` ranks them.
    Returns float32 (N, dim). Raises :class:`InputError` when the two caption arrays disagree in length."""
    if len(caption_embeddings) != len(caption_vectors):
        raise InputError(f"{len(caption_embeddings)} caption embeddings but {len(caption_vectors)} skip-thought "
                         "vectors; give both for the same caption pool")
    if not (isinstance(k, int) and k >= 1) or len(caption_vectors) == 0:
        raise InputError(f"k = {k!r} over {len(caption_vectors)} captions: give k >= 1 and a non-empty caption pool")
    k = min(k, len(caption_vectors))
    out = np.empty((len(feats), caption_vectors.shape[1]), dtype=np.float32)
    for lo in range(0, len(feats), 256):  # bounded memory: 256 x M scores at a time
        scores = embedding.encode_images(vse, feats[lo:lo + 256]) @ caption_embeddings.T
        top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        out[lo:lo + 256] = caption_vectors[top].mean(1)
    return out


def story_time_contexts(
    groups: Sequence[str],
    classes_of: Mapping[str, Sequence[int]],
    vse: embedding.VSE,
    caption_embeddings: np.ndarray,
    caption_vectors: np.ndarray,
    caption_style: np.ndarray,
    book_style: np.ndarray,
    gain: float,
    cfg: VSEConfig,
    rng: np.random.Generator,
    neighbours: np.ndarray | None = None,
    k: int = 100,
) -> np.ndarray:
    """Conditioning vectors (N, dim) float32 for passages about ``groups`` (a subject group name per passage),
    in the space of the uncalibrated decoder: ``b + gain * (x - c)``, where ``x`` is the retrieved mean
    (:func:`retrieved_means`) for a fresh synthetic image of the group (:func:`~storyteller.train.vse.synthetic_images`
    with ``cfg`` and ``rng``), ``c`` the caption style and ``b`` the book style. After
    :func:`~storyteller.train.decoder.calibrate_conditioning` with the same ``b`` and ``gain``, the decoder sees
    exactly these vectors for the story-time input ``x - c + b``.

    Raises :class:`InputError` naming a group that ``classes_of`` does not know."""
    missing = sorted({str(g) for g in groups if g not in classes_of})
    if missing:
        raise InputError(f"subject group(s) {', '.join(missing[:5])} are not in the caption pool; the teacher "
                         "passages were written for another pool (rerun scripts/teacher_passages.py --extend)")
    feats = synthetic_images([classes_of[g] for g in groups], vse.options["dim_image"], cfg, rng, neighbours)
    x = retrieved_means(vse, caption_embeddings, caption_vectors, feats, k)
    b = np.asarray(book_style, dtype=np.float32)
    return (b + np.float32(gain) * (x - np.asarray(caption_style, dtype=np.float32))).astype(np.float32)


SENTENCE_ENDS = frozenset({".", "!", "?"})


def whole_sentences(doc: Sequence[Sequence[str]], max_tokens: int) -> list[str]:
    """The tokens of the leading sentences of ``doc`` (sentences of tokens) that fit in ``max_tokens`` together;
    at least the first sentence, cut at ``max_tokens`` when it alone is longer. A decoder trained on passages cut
    mid-sentence learns to stop mid-sentence; cut here, every training passage ends with a sentence end."""
    _check_max_tokens(max_tokens)
    _check_passage(doc, "whole_sentences")
    out: list[str] = []
    for sent in doc:
        if out and len(out) + len(sent) > max_tokens:
            break
        out.extend(sent)
    return out[:max_tokens]


def opened_passages(docs: Sequence[Sequence[Sequence[str]]], groups: Sequence[str],
                    openers: Mapping[str, Sequence[Sequence[str]]], rng: np.random.Generator,
                    max_tokens: int) -> list[list[str]]:
    """Training passages that open with a caption of their subject: for passage ``i`` (``docs[i % len(docs)]``,
    about subject group ``groups[i]``), a caption drawn with ``rng`` from ``openers[groups[i]]`` (tokens; a full
    stop is added when it has no sentence end), then the passage's leading sentences (:func:`whole_sentences`,
    ``max_tokens`` in all). ``groups`` may repeat ``docs`` (``len(groups)`` a multiple of ``len(docs)``); each
    repeat draws a fresh caption.

    Why: the decoder sees the photo only through its initial state, and a GRU keeps a word its initial state
    says for a few steps far more easily than for a whole sentence. A caption names the subject in its first
    words, and the passage that follows is then about the subject through the words already written (the
    original's stories likewise echo the retrieved captions, whose skip-thought mean conditions them).
    Raises :class:`InputError` for a group without captions or lengths that do not line up."""
    _check_max_tokens(max_tokens)
    if not isinstance(openers, Mapping) or not isinstance(rng, np.random.Generator):
        raise InputError(f"openers must map a group name to its captions (got {type(openers).__name__}) and rng be "
                         f"a numpy Generator, e.g. np.random.default_rng(0) (got {type(rng).__name__})")
    if isinstance(groups, str) or any(not isinstance(g, str) for g in groups):
        raise InputError("groups: give one subject group name (a string) per passage")
    if not docs or len(groups) % len(docs):
        raise InputError(f"{len(groups)} subject groups for {len(docs)} passages: give a group per passage "
                         "(repeats allowed)")
    missing = sorted({g for g in groups if not len(openers.get(g) or ())})
    if missing:
        raise InputError(f"subject group(s) {', '.join(missing[:5])} have no captions to open a passage with")
    bad = sorted({g for g in set(groups) for c in openers[g] if _not_tokens(c) or not len(c)})
    if bad:
        raise InputError(f"subject group(s) {', '.join(bad[:5])}: every caption must be a non-empty list of words")
    out = []
    for i, g in enumerate(groups):
        cap = with_full_stop(openers[g][int(rng.integers(len(openers[g])))])
        if len(cap) >= max_tokens:  # (captions are far shorter than a passage's budget; never over max_tokens)
            out.append(cap[:max_tokens])
        else:
            out.append(cap + whole_sentences(docs[i % len(docs)], max_tokens - len(cap)))
    return out


def stock_ngrams(docs: Sequence[Sequence[Sequence[str]]], top: int, n: int = 5) -> set[tuple[str, ...]]:
    """The ``top`` most frequent word ``n``-grams (lower case, within sentences) of ``docs`` (passages as sentences
    of tokens), counted once per passage: the stock phrases of a corpus ("stood at the edge of", "the air was
    alive with"). Ties at the cut are broken by first occurrence, so the set depends only on ``docs``.
    Raises :class:`InputError` for docs that are not tokens or a bad ``top``/``n``."""
    for name, v in (("top", top), ("n", n)):
        if isinstance(v, bool) or not isinstance(v, Integral) or v < (0 if name == "top" else 1):
            raise InputError(f"{name} = {v!r}: give a whole number (top >= 0, n >= 1), e.g. top=40, n=5")
    if isinstance(docs, str) or not isinstance(docs, Sequence):
        raise InputError(f"stock_ngrams() takes a list of passages (sentences of tokens), got {type(docs).__name__}")
    counts: Counter[tuple[str, ...]] = Counter()
    for doc in docs:
        _check_passage(doc, "stock_ngrams")
        # once per passage, in order of occurrence (a set's order would vary with the hash seed)
        counts.update(dict.fromkeys((g for sent in doc for g in _ngrams(sent, n)), 1))
    return {g for g, _ in counts.most_common(top)}


def without_stock(doc: Sequence[Sequence[str]], stock: set[tuple[str, ...]], n: int = 5) -> list[list[str]]:
    """The sentences of ``doc`` that contain none of the ``n``-grams in ``stock`` (:func:`stock_ngrams`).

    Why: beam search returns the decoder's most probable continuation, and the most probable continuation of a
    corpus written by a small teacher LM is its most repeated phrase; trained on the passages as they are, the
    decoder follows every caption with "As I stood at the edge of the ..." whatever the photo. Without those
    sentences the continuation the decoder learns is the passage's own, which is about its subject.
    Raises :class:`InputError` for a ``doc`` that is not sentences of tokens, a ``stock`` that is not a set of
    lower-case ``n``-word tuples, or a bad ``n``."""
    if isinstance(n, bool) or not isinstance(n, Integral) or n < 1:
        raise InputError(f"n = {n!r}: give a whole number >= 1, the n given to stock_ngrams (e.g. 5)")
    _check_passage(doc, "without_stock")
    if not isinstance(stock, (set, frozenset)) or any(
            not isinstance(g, tuple) or len(g) != n or any(not isinstance(w, str) or w != w.lower() for w in g)
            for g in stock):
        raise InputError(f"stock: give the set stock_ngrams(docs, top, n={n}) returns (lower-case {n}-word tuples), "
                         f"got {type(stock).__name__} {str(stock)[:60]!r}")
    return [list(sent) for sent in doc if not any(g in stock for g in _ngrams(sent, n))]


def with_full_stop(tokens: Sequence[str]) -> list[str]:
    """``tokens`` (a caption's words, non-empty) as a sentence: a full stop is added unless it ends with one of
    :data:`SENTENCE_ENDS` (the pool's captions have none; a story's sentences do)."""
    return list(tokens) + ([] if tokens[-1] in SENTENCE_ENDS else ["."])


def _check_max_tokens(max_tokens: object) -> None:
    if isinstance(max_tokens, bool) or not isinstance(max_tokens, Integral) or max_tokens < 1:
        raise InputError(f"max_tokens = {max_tokens!r}: give a whole number of tokens >= 1, e.g. 80")


def _ngrams(sent: Sequence[str], n: int) -> list[tuple[str, ...]]:
    """The lower-case word ``n``-grams of one sentence, in order."""
    low = [w.lower() for w in sent]
    return [tuple(low[i:i + n]) for i in range(len(low) - n + 1)]


def _check_passage(doc: object, fn: str) -> None:
    """Refuse a passage that is not sentences of tokens (a list of lists of words), naming the function."""
    if isinstance(doc, str) or not isinstance(doc, Sequence) or any(_not_tokens(sent) for sent in doc):
        raise InputError(f"{fn}() takes a passage as sentences of tokens (a list of lists of words), got "
                         f"{type(doc).__name__} {str(doc)[:60]!r}; tokenise it first (train.teacher.tokenised)")


def _not_tokens(sent: object) -> bool:
    """True unless ``sent`` is a sequence of words (strings), not a string itself."""
    return isinstance(sent, str) or not isinstance(sent, Sequence) or not all(isinstance(w, str) for w in sent)
