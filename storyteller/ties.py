"""Near ties on the fast CPU path, decided as the reference (plain) path decides them.

Near ties on the fast CPU path: ``Decoder.step`` uses oneDNN's prepacked weights on CPU, whose summation order
differs from the plain ``torch.gru_cell``/``F.linear`` path (the reference, which matched the original where they
disagreed) by a few float32 ulps, accumulating to ~3e-6 of a long hypothesis's cost. When two candidates that
decide the result (the last one kept and the first one cut, or two that finish at the same step) lie within
:data:`TIE_MARGIN`, the fast search stops and the search runs again on the plain ops, which decide exactly as the
plain path does (its rounding depends on the batch sizes, so only a rerun of the same batches reproduces it).
Searches without such a tie cost nothing extra; the others cost up to one plain search more. A decoder whose
recent fast searches at a beam width all met a near tie (large vocabularies nearly always do: the 50th and 51st
of ~10^6 candidates are often within the margin) skips the fast try and searches on the plain ops at once
(:func:`plain_first`): the same hypotheses, minus the wasted steps (their float32 scores are then the plain ops',
which can differ from the fast path's in the last digits, as after any near tie).
"""
from __future__ import annotations

import contextlib
import weakref
from collections import deque
from collections.abc import Iterator
from typing import TYPE_CHECKING, cast

import torch

from . import gru

if TYPE_CHECKING:
    from .decoder import Decoder

__all__ = ["TIE_MARGIN", "NearTie", "fast_near_ties", "fast_path_active", "margin", "near_tie", "plain_first",
           "record_search", "reference_step"]

EOS = 0  # <eos>
# Relative margin of a near tie: fast and plain costs were seen to differ by at most ~3e-6 of the cost (about 25
# float32 epsilons, accumulated over ~150 steps of a 768-unit decoder); 2**-15 (3e-5) leaves a factor >= 10.
# Costs below 8 use the margin of 8 (the per-step log-probabilities, not the sum, dominate there).
TIE_MARGIN = 2.0 ** -15


def reference_step(dec: Decoder, prev: torch.Tensor, state: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``Decoder.step_logprobs`` on the plain ops (``torch.gru_cell``, ``F.linear``), whatever the fast path:
    what ``step_logprobs`` computes under ``gru.plain_paths()``. Shapes as there."""
    g = dec.decoder
    w = [cast(torch.Tensor, getattr(g, n)) for n in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")]
    h = torch.gru_cell(dec.embed(prev), state, *w)
    return torch.log(torch.softmax(dec.logits(h), dim=-1)), h


CHECK_TIES = True  # False inside fast_near_ties()


@contextlib.contextmanager
def fast_near_ties() -> Iterator[None]:
    """Let the fast CPU path decide near ties with its own rounding (no rerun on the plain ops): faster on large
    decoders, whose long searches nearly always meet a near tie, but the beams may then differ from the plain
    path's (and the original's) where two candidates are within float32 noise."""
    global CHECK_TIES
    saved, CHECK_TIES = CHECK_TIES, False
    try:
        yield
    finally:
        CHECK_TIES = saved


def fast_path_active(dec: Decoder) -> bool:
    """Whether ``dec.step`` runs on the prepacked weights (then its near ties are checked on the plain ops)."""
    w = dec.ff_logit.weight
    return CHECK_TIES and (w.device.type == "cpu" and w.dtype == torch.float32 and not torch.is_grad_enabled()
            and gru.packed_linear_available())


def margin(v: torch.Tensor) -> torch.Tensor:
    return v.abs().clamp(min=8.0) * TIE_MARGIN


class NearTie(Exception):
    """Raised by the fast search at its first near tie: the plain search decides instead."""


def near_tie(flat: torch.Tensor, best: torch.Tensor, V: int, last: bool) -> bool:
    """Whether the fast ops' rounding could have decided this step: the last kept candidate and a cut one, or two
    hypotheses that end at this step (their order is the output's), lie within :data:`TIE_MARGIN`."""
    vals = flat[best]
    if best.numel() < flat.numel():
        edge = vals[-1]
        if int((flat <= edge + margin(edge)).sum()) > best.numel():
            return True
    fin = vals if last else vals[best % V == EOS]  # at maxlen the live ones are output in their order, too
    return fin.numel() > 1 and bool((fin[1:] - fin[:-1] <= margin(fin[1:])).any())


# Fast searches remembered per (decoder, beam width), and how often a decoder that skips the fast try tries it again
# (its searches may have become shorter or its ties rarer). Neither changes a result, only which path computes it.
RECENT = 3
PROBE_EVERY = 8
_HISTORY: weakref.WeakKeyDictionary[Decoder, dict[int, list]] = weakref.WeakKeyDictionary()


def plain_first(dec: Decoder, width: int) -> bool:
    """Whether a search of ``dec`` at beam ``width`` should go straight to the plain ops: its last :data:`RECENT`
    fast searches at this width all met a near tie (then the fast try only adds its steps before the tie), except
    every :data:`PROBE_EVERY`-th such search, which tries the fast path again."""
    entry = _HISTORY.get(dec, {}).get(width)
    if entry is None or len(entry[0]) < RECENT or not all(entry[0]):
        return False
    entry[1] += 1
    return entry[1] % PROBE_EVERY != 0


def record_search(dec: Decoder, width: int, tied: bool) -> None:
    """Remember whether a fast search of ``dec`` at beam ``width`` met a near tie (see :func:`plain_first`)."""
    per_width = _HISTORY.setdefault(dec, {})
    per_width.setdefault(width, [deque(maxlen=RECENT), 0])[0].append(bool(tied))
