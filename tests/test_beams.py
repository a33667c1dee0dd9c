"""storyteller.beams: beam searches of several contexts stepped together give each context's ``beam_search``
result, and ``tell_many`` built on them tells ``tell``'s stories, on small decoders (incl. forced near ties), the
golden models and the default bundle."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from test_generation import ctx, make_decoder

import storyteller
from storyteller import batching, beams, generation, gru, ties

REPO = Path(__file__).resolve().parents[1]


def contexts(dec, seeds):
    return [generation._ctx(dec, ctx(s)) for s in seeds]


def batches(dec, width):
    """Whether this machine's BLAS lets blocks of ``width`` rows join a batch (the probe's verdict; every BLAS
    seen so far does from 4-12 rows on)."""
    return beams.invariant_rows(dec, width) <= width


class RowCounter:
    """Wraps ``ties.reference_step`` to record the rows of each call."""

    def __init__(self, monkeypatch):
        self.rows, self.real = [], ties.reference_step
        monkeypatch.setattr(ties, "reference_step", self)

    def __call__(self, dec, prev, state):
        self.rows.append(prev.shape[0])
        return self.real(dec, prev, state)


@pytest.mark.parametrize("chunk", [256, 45])
@pytest.mark.parametrize("kind", [{"gain": 1.5, "ties": True}, {"gain": 2.0, "doutput": False}, {"gain": 1.0}])
def test_search_many_equals_beam_search_per_context(kind, chunk, monkeypatch):
    """Bit for bit the plain path's hypotheses (tokens, order, float32 scores), with the searches of different
    contexts ending at different steps, in one chunk or several per step; on decoders with identical or
    1e-7-apart output rows the near ties (and exact ties) at the beam's cut are decided as ``beam_search``
    decides them."""
    dec = make_decoder(0 if kind["gain"] == 1.0 else 3, **kind)
    seeds = list(range(7))
    monkeypatch.setattr(beams, "CHUNK_ROWS", chunk)
    counter = RowCounter(monkeypatch)
    many = beams.search_many(dec, contexts(dec, seeds), 20, maxlen=60)
    assert max(counter.rows) > 20 or not batches(dec, 20)  # several images' hypotheses in one step
    monkeypatch.undo()
    steps = set()
    for s, got in zip(seeds, many):
        with gru.plain_paths():
            plain = generation.beam_search(dec, ctx(s), 20, maxlen=60)
        assert got == plain
        assert [t for t, _ in got] == [t for t, _ in generation.beam_search(dec, ctx(s), 20, maxlen=60)]
        steps.add(max(len(t) for t, _ in got))
    assert len(steps) > 1  # the searches ended at different steps


def test_search_many_at_maxlen_and_with_one_beam():
    dec = make_decoder(1, gain=1.0)  # beams that rarely end: maxlen decides
    for width, maxlen in ((7, 5), (1, 12), (30, 1)):
        many = beams.search_many(dec, contexts(dec, range(4)), width, maxlen=maxlen, use_unk=width == 1)
        with gru.plain_paths():
            assert many == [generation.beam_search(dec, ctx(s), width, maxlen=maxlen, use_unk=width == 1)
                            for s in range(4)]


def test_a_batch_that_rounds_differently_stops_the_batched_search(monkeypatch, golden, teller):
    """The per-step check: if a block's rows came out differently inside the batch, search_many gives up
    (NotInvariant) and tell_many decodes image by image, still telling tell's stories."""
    dec = make_decoder(0)
    if not batches(dec, 20) or not batches(teller.decoder, 20):
        pytest.skip("this BLAS gives no batch-invariant blocks of 20 rows")
    real = ties.reference_step

    def batch_rounds_differently(d, prev, state):
        logp, h = real(d, prev, state)
        return (logp * (1 + 1e-6), h) if prev.shape[0] > 70 else (logp, h)  # (the probe uses 67 rows)

    monkeypatch.setattr(ties, "reference_step", batch_rounds_differently)
    with pytest.raises(beams.NotInvariant):
        beams.search_many(dec, contexts(dec, range(5)), 20, maxlen=30)
    items = [golden.npz["image_features"][n] for n in range(4)]
    stories = teller.tell_many(items, num_beams=20)
    monkeypatch.undo()
    assert [s.text for s in stories] == [teller.tell(f, num_beams=20).text for f in items]


def test_invariant_rows_is_probed_once_per_decoder_and_threads(monkeypatch):
    dec = make_decoder(2)
    first = beams.invariant_rows(dec, 20)
    assert 1 <= first <= 21
    counter = RowCounter(monkeypatch)
    assert beams.invariant_rows(dec, 10) == min(first, 11) and counter.rows == []  # cached
    with torch.no_grad():
        dec.ff_logit.bias.add_(0.5)  # changed weights: probed again
    beams.invariant_rows(dec, 10)
    assert counter.rows


def test_ranking_near_tie():
    eos = 0
    assert not beams.ranking_near_tie([([3, eos], 10.0), ([4, eos], 11.0)], 1)
    assert beams.ranking_near_tie([([3, eos], 10.0), ([4, eos], 10.00001)], 1)
    assert not beams.ranking_near_tie([([3, eos], 10.0), ([3, eos], 10.00001)], 1)  # the same text
    assert not beams.ranking_near_tie([([eos], 1.0), ([3, eos], 10.0), ([4, eos], 11.0)], 1)  # "" dropped first
    assert not beams.ranking_near_tie([([3, eos], 10.0), ([4, eos], 11.0), ([5, eos], 11.00001)], 1)
    assert beams.ranking_near_tie([([3, eos], 10.0), ([4, eos], 11.0), ([5, eos], 11.00001)], 2)


@pytest.fixture(scope="module")
def teller(config):
    return storyteller.load(config)


@pytest.mark.parametrize("knobs", [{"num_beams": 20}, {}, {"num_beams": 12, "max_new_tokens": 6},
                                   {"num_beams": 10, "num_return_sequences": 3, "length_penalty": 1.0}])
def test_tell_many_equals_tell_on_the_golden_models(golden, teller, monkeypatch, knobs):
    items = [golden.npz["image_features"][n] for n in range(5)] + [golden.npz["image_features"][0] * 2.5]
    counter = RowCounter(monkeypatch)
    stories = teller.tell_many(items, **knobs)
    width = knobs.get("num_beams", 50)
    assert max(counter.rows) > width or not batches(teller.decoder, width)  # the searches were stepped together
    monkeypatch.undo()
    for story, f in zip(stories, items):
        alone = teller.tell(f, **knobs)
        assert story.error is None and story.texts == alone.texts and story.text == alone.text


def test_tell_many_decodes_alone_where_the_final_ranking_nearly_ties(golden, teller, monkeypatch):
    items = [golden.npz["image_features"][n] for n in range(3)]
    monkeypatch.setattr(beams, "ranking_near_tie", lambda hyps, n: True)
    seen = []
    real = generation.generate
    monkeypatch.setattr(storyteller.modes, "generate", lambda *a, **k: seen.append(1) or real(*a, **k))
    stories = teller.tell_many(items, num_beams=20)
    # each decoded alone (only the fast path needs it; all of them where nothing could be batched)
    assert len(seen) == (3 if gru.packed_linear_available() or not batches(teller.decoder, 20) else 0)
    monkeypatch.undo()
    assert [s.text for s in stories] == [teller.tell(f, num_beams=20).text for f in items]


def test_tell_many_keeps_the_fast_paths_decisions_under_fast_near_ties(golden, teller):
    items = [golden.npz["image_features"][n] for n in range(3)]
    with generation.fast_near_ties():
        svecs = {i: teller.caption_skipthoughts([c for c, _ in teller.nearest(f, 100)]) for i, f in enumerate(items)}
        opts = teller._mode_options(generation.GenerationConfig())
        got = batching.decode_many(teller, svecs, generation.GenerationConfig(), opts)
        assert got == {} if gru.packed_linear_available() else len(got) == 3


@pytest.mark.skipif(not (REPO / "eval" / "photos" / "kitten.jpg").is_file(), reason="eval photos not present")
def test_tell_many_equals_tell_on_the_default_bundle(monkeypatch):
    bundle = storyteller.load()
    photos = [str(REPO / "eval" / "photos" / f"{n}.jpg") for n in ("kitten", "owl", "teacup", "windmill")]
    kw = {"num_beams": 16, "max_new_tokens": 30}
    counter = RowCounter(monkeypatch)
    stories = bundle.tell_many(photos, **kw)
    assert max(counter.rows) > 16 or not batches(bundle.decoder, 16)
    monkeypatch.undo()
    for story, path in zip(stories, photos):
        assert story.text == bundle.tell(path, **kw).text
    assert len({s.text for s in stories}) > 1
    np.testing.assert_equal(len(stories), 4)


def test_benchmark_quick_beam_step_parts_emits_a_json_line():
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, str(REPO / "benchmarks" / "bench_beams.py"), "--quick", "--threads", "1",
                           "--only", "beam_step_bw50_parts"], capture_output=True, text=True, timeout=180, env=env,
                          cwd=REPO)
    assert proc.returncode == 0, proc.stderr[-2000:]
    (line,) = [json.loads(s) for s in proc.stdout.splitlines() if s.strip()]
    assert line["figure"] == "beam_step_bw50_parts" and line["target"] == 0.8 and line["value"] > 0
    assert {"step", "gemms", "softmax", "log", "topk"} <= set(line["ms"])


@pytest.mark.parametrize("n", [1, 2])
def test_search_many_settles_as_beam_search_does(n):
    """With ``settle`` each image's search stops where ``beam_search``'s does: the same hypotheses, bit for bit."""
    dec = make_decoder(3, gain=2.0, doutput=False)
    many = beams.search_many(dec, contexts(dec, range(6)), 20, maxlen=60, settle=n)
    with gru.plain_paths():
        alone = [generation.beam_search(dec, ctx(s), 20, maxlen=60, settle=n) for s in range(6)]
        full = [generation.beam_search(dec, ctx(s), 20, maxlen=60) for s in range(6)]
    assert many == alone
    longest = lambda hyps: max(len(t) for t, _ in hyps)  # noqa: E731
    assert sum(longest(a) < longest(f) for a, f in zip(alone, full)) > 0  # some stopped sooner
