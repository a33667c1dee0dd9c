"""storyteller.generation: the config and its checks, the decoder's log-probability seam, the original's beam
search on the fast path deciding near ties as the plain path does, sampling and the logits processors."""
from __future__ import annotations

import contextlib

import numpy as np
import pytest
import torch

from storyteller import decoder, generation, gru, ties
from storyteller.errors import InputError
from storyteller.generation import GenerationConfig, generate

needs_packed = pytest.mark.skipif(not gru.packed_linear_available(), reason="oneDNN prepacked linear unavailable")


def make_decoder(seed=0, n_words=60, dim=32, gain=3.0, ties=False, doutput=True) -> decoder.Decoder:
    torch.manual_seed(seed)
    dec = decoder.Decoder(n_words, 12, 20, dim, doutput=doutput)
    with torch.no_grad():
        dec.decoder.bias_hh_l0.zero_()  # the Kiros GRU has no recurrent bias
        for p in dec.parameters():
            p.mul_(gain)
        dec.ff_logit.bias[0] = 1.0  # some beams end with <eos>, others run on
        if ties:  # words 2..: pairs of identical output rows (exact ties) and rows 1e-7 apart (near ties)
            w, b = dec.ff_logit.weight, dec.ff_logit.bias
            for j in range(2, n_words - 1, 2):
                w[j + 1], b[j + 1] = w[j], b[j]
                if j % 4 == 0:
                    w[j + 1] += 1e-7 * torch.randn(w.shape[1])
    dec.word_idict = {i: f"w{i}" for i in range(n_words)}
    dec.word_idict.update({0: "<eos>", 1: "UNK"})
    return dec.eval()


def ctx(seed, dim=20):
    return np.random.default_rng(seed).standard_normal(dim).astype(np.float32)


# -------------------------------------------------------------------------------------------------- config
def test_defaults_are_the_originals():
    c = GenerationConfig()
    assert (c.num_beams, c.do_sample, c.max_new_tokens, c.use_unk, c.length_penalty) == (50, False, 1000, False, None)
    assert generation.logits_processors(c) == []
    assert c.validate() is c


@pytest.mark.parametrize("knob, value", [
    ("num_beams", 0), ("num_beams", "5"), ("num_beams", 2.0), ("num_beams", True), ("do_sample", 1),
    ("temperature", 0), ("temperature", float("inf")), ("temperature", "hot"), ("top_k", -1), ("top_p", 0.0),
    ("top_p", 1.5), ("num_return_sequences", 0), ("seed", -1), ("seed", 1.5), ("no_repeat_ngram_size", -2),
    ("repetition_penalty", 0), ("max_new_tokens", 0), ("min_new_tokens", 2000), ("length_penalty", float("nan")),
    ("use_unk", "yes"),
])
def test_validate_names_the_knob_and_value(knob, value):
    with pytest.raises(InputError, match=rf"{knob}={value!r}".replace("(", r"\(").replace(")", r"\)")):
        GenerationConfig(**{knob: value}).validate()


def test_an_infinite_temperature_is_refused_as_not_finite():
    for knob in ("temperature", "repetition_penalty"):
        with pytest.raises(InputError, match=f"{knob}=inf is not allowed; use a finite number > 0"):
            GenerationConfig(**{knob: float("inf")}).validate()  # before: "use a number > 0", which inf is


def test_unknown_knob_and_too_many_sequences():
    with pytest.raises(InputError, match="unknown generation option 'beam_width'"):
        GenerationConfig().replace(beam_width=5)
    with pytest.raises(InputError, match="num_return_sequences=6"):
        GenerationConfig(num_beams=5, num_return_sequences=6).validate()
    with pytest.raises(InputError, match="20-d vector, got 3"):
        generate(make_decoder(), [1.0, 2.0, 3.0], num_beams=2)


# ---------------------------------------------------------------------------------------------- the seam
def test_step_logprobs_is_log_of_step_and_reference_step_is_the_plain_path():
    dec = make_decoder()
    prev, state = torch.tensor([-1, 3, 7, 0, 59]), dec.init_state(torch.randn(5, 20)).detach()
    with torch.no_grad():
        p, h = dec.step(prev, state)
        lp, h2 = dec.step_logprobs(prev, state)
        with gru.plain_paths():
            lp_plain, h_plain = dec.step_logprobs(prev, state)
        lp_ref, h_ref = generation.reference_step(dec, prev, state)
    assert torch.equal(lp, torch.log(p)) and torch.equal(h, h2)
    assert torch.equal(lp_ref, lp_plain) and torch.equal(h_ref, h_plain)  # same ops, same shapes: bit-identical


def test_old_names_stay_importable():
    assert decoder.beam_search is generation.beam_search and decoder.run_sampler is generation.run_sampler
    assert decoder.sample is generation.sample and decoder.UNK_COST == 1e20


def test_generate_defaults_are_the_beam_search_and_run_sampler():
    dec = make_decoder()
    for seed in range(3):
        hyps = generate(dec, ctx(seed), max_new_tokens=40)
        assert hyps == decoder.beam_search(dec, ctx(seed), 50, maxlen=40)
        assert generation.best_text(dec, hyps) == decoder.run_sampler(dec, ctx(seed), 50, maxlen=40)
    texts = generation.decode_texts(dec, generate(dec, ctx(0), num_beams=5, max_new_tokens=40), 3)
    assert len(texts) == 3 and texts[0] == decoder.run_sampler(dec, ctx(0), 5, maxlen=40)


# ------------------------------------------------------------------------------------------------ near ties
def same_beams(fast, plain):
    """Tokens and order exactly. Scores: the two paths' float32 sums differ by rounding only (a few ulps per
    step, ~3e-6 of the cost at most was seen), so 1e-5 relative plus 1e-5 absolute."""
    if [t for t, _ in fast] != [t for t, _ in plain]:
        return False
    np.testing.assert_allclose([s for _, s in fast], [s for _, s in plain], rtol=1e-5, atol=1e-5)
    return True


def tie_cases():
    for seed in range(6):
        for bw in (3, 12, 20):
            for c in range(4):
                yield seed, bw, c


@needs_packed
def test_fast_path_decides_near_ties_as_the_plain_path():
    """Decoders whose output rows come in identical pairs or pairs 1e-7 apart make exact and near ties at the
    beam's cut common; the fast path must still give the plain path's beams, hypothesis by hypothesis."""
    diverged, ties_met = [], 0
    real = generation._beam

    def counting(*a, check_ties=False):
        nonlocal ties_met
        try:
            return real(*a, check_ties=check_ties)
        except generation._NearTie:
            ties_met += 1
            raise

    for seed, bw, c in tie_cases():
        dec = make_decoder(seed, gain=1.5, ties=True)
        with pytest.MonkeyPatch.context() as m:
            m.setattr(generation, "_beam", counting)
            fast = generation.beam_search(dec, ctx(100 + c), bw, maxlen=30)
        with gru.plain_paths():
            plain = generation.beam_search(dec, ctx(100 + c), bw, maxlen=30)
        if not same_beams(fast, plain):
            diverged.append((seed, bw, c))
    assert ties_met > 10  # the decoders do provoke near ties
    assert diverged == []


@needs_packed
def test_fast_near_ties_skips_the_plain_rerun(monkeypatch):
    reference, reruns = generation.reference_step, []
    monkeypatch.setattr(generation, "reference_step", lambda *a: reruns.append(1) or reference(*a))
    dec = make_decoder(0, gain=1.5, ties=True)  # identical output rows: exact ties on any CPU
    for c in range(4):
        generation.beam_search(dec, ctx(100 + c), 12, maxlen=30)
    assert reruns
    reruns.clear()
    with generation.fast_near_ties():
        for c in range(4):
            generation.beam_search(dec, ctx(100 + c), 12, maxlen=30)
    assert reruns == [] and ties.CHECK_TIES  # switched on again after the block


@needs_packed
def test_a_decoder_that_keeps_tying_searches_on_the_plain_ops_at_once(monkeypatch):
    """After RECENT fast searches at one width that all met a near tie, the fast try is skipped (no fast step is
    taken) except every PROBE_EVERY-th search; the beams stay the plain path's, and other widths are unaffected."""
    fast_steps, plain_steps = [], []
    reference = generation.reference_step
    monkeypatch.setattr(generation, "reference_step", lambda *a: plain_steps.append(1) or reference(*a))
    dec = make_decoder(0, gain=1.5, ties=True)  # identical output rows: exact ties on any CPU
    step = dec.step_logprobs
    monkeypatch.setattr(dec, "step_logprobs", lambda *a: fast_steps.append(1) or step(*a))
    tried_fast = []
    for c in range(ties.RECENT + ties.PROBE_EVERY + 1):
        fast_steps.clear()
        hyps = generation.beam_search(dec, ctx(100 + c), 12, maxlen=30)
        tried_fast.append(bool(fast_steps))
        with gru.plain_paths():
            assert same_beams(hyps, generation.beam_search(dec, ctx(100 + c), 12, maxlen=30))
    # the first RECENT searches try the fast path and tie; then plain at once, but for the PROBE_EVERY-th
    assert tried_fast[:ties.RECENT] == [True] * ties.RECENT
    after = tried_fast[ties.RECENT:]
    assert after.count(True) == 1 and after[ties.PROBE_EVERY - 1]
    fast_steps.clear()
    generation.beam_search(dec, ctx(100), 5, maxlen=30)  # another width: its own history, so a fast try
    assert fast_steps


@needs_packed
def test_a_decoder_without_ties_keeps_the_fast_path():
    dec = make_decoder(3, gain=1.0)
    for c in range(ties.RECENT + 2):
        generation.beam_search(dec, ctx(200 + c), 1, maxlen=10)  # distinct output rows: no near ties
    assert not ties.plain_first(dec, 1)


# ------------------------------------------------------------------------------------------------ sampling
def test_sampling_is_repeatable_by_seed_and_varies_between_seeds():
    dec = make_decoder(gain=1.0)
    cfg = GenerationConfig(do_sample=True, max_new_tokens=30, num_return_sequences=4)
    a = generate(dec, ctx(0), cfg, seed=7)
    assert len(a) == 4 and a == generate(dec, ctx(0), cfg, seed=7)
    texts = {tuple(t) for s in range(5) for t, _ in generate(dec, ctx(0), cfg, seed=s)}
    assert len(texts) > 10
    for toks, score in a:
        assert score > 0 and (toks[-1] == 0 or len(toks) == 30) and 0 not in toks[:-1] and 1 not in toks


def test_top_k_1_is_greedy_and_small_top_p_too():
    dec = make_decoder(gain=1.0)
    for seed in range(3):
        greedy, _ = decoder.sample(dec, ctx(seed), maxlen=30, argmax=True)
        for knobs in ({"top_k": 1}, {"top_p": 1e-6}, {"top_k": 1, "temperature": 5.0}):
            (toks, _), = generate(dec, ctx(seed), do_sample=True, seed=seed, max_new_tokens=30, **knobs)
            assert toks == greedy, knobs


def test_temperature_flattens_the_distribution():
    dec = make_decoder(gain=1.0)
    cold = {tuple(t) for t, _ in generate(dec, ctx(1), do_sample=True, seed=3, temperature=0.05,
                                          num_return_sequences=20, max_new_tokens=8)}
    hot = {tuple(t) for t, _ in generate(dec, ctx(1), do_sample=True, seed=3, temperature=3.0,
                                         num_return_sequences=20, max_new_tokens=8)}
    assert len(cold) < len(hot)


def test_run_sampler_stochastic_branch_keeps_its_quirks():
    dec = make_decoder(gain=1.0)
    words, score = decoder.sample(dec, ctx(0), maxlen=30, generator=torch.Generator().manual_seed(5))
    assert 0 < score and (words[-1] == 0 or len(words) == 30)
    text = decoder.run_sampler(dec, ctx(0), stochastic=True, maxlen=30, seed=5)
    assert text == " ".join(dec.word_idict[w] for w in words[:-1])


# ----------------------------------------------------------------------------------------- beam processors
def ngrams(toks, n):
    return [tuple(toks[i:i + n]) for i in range(len(toks) - n + 1)]


def test_no_repeat_ngram_size():
    dec = make_decoder(gain=1.0)
    with torch.no_grad():
        dec.ff_logit.bias[0] = -10.0  # long texts, where repeats happen
    plain = generate(dec, ctx(2), num_beams=5, max_new_tokens=40)
    assert any(len(set(ngrams(t, 3))) < len(ngrams(t, 3)) for t, _ in plain)  # repeats without the knob
    for n in (1, 2, 3):
        for toks, _ in generate(dec, ctx(2), num_beams=5, max_new_tokens=40, no_repeat_ngram_size=n):
            assert len(set(ngrams(toks, n))) == len(ngrams(toks, n)), (n, toks)


def test_repetition_penalty_and_min_new_tokens():
    dec = make_decoder(gain=1.0)
    with torch.no_grad():
        dec.ff_logit.bias[0] = -10.0
    before = generate(dec, ctx(2), num_beams=5, max_new_tokens=30)
    after = generate(dec, ctx(2), num_beams=5, max_new_tokens=30, repetition_penalty=50.0)

    def repeats(hyps):
        return sum(len(t) - len(set(t)) for t, _ in hyps)

    assert repeats(after) < repeats(before)
    dec = make_decoder()
    with torch.no_grad():
        dec.ff_logit.bias[0] = 6.0  # early <eos>
    assert any(len(t) < 6 for t, _ in generate(dec, ctx(0), num_beams=5, max_new_tokens=30))
    for toks, _ in generate(dec, ctx(0), num_beams=5, max_new_tokens=30, min_new_tokens=6):
        assert len(toks) >= 7 or (len(toks) == 30 and toks[-1] != 0)
        assert 0 not in toks[:6]


def test_length_penalty_ranks_by_normalised_cost():
    dec = make_decoder()
    raw = generate(dec, ctx(0), num_beams=8, max_new_tokens=30)
    ranked = generate(dec, ctx(0), num_beams=8, max_new_tokens=30, length_penalty=1.0)
    want = sorted(((t, s / len(t)) for t, s in raw), key=lambda h: h[1])
    assert [t for t, _ in ranked] == [t for t, _ in want]
    np.testing.assert_allclose([s for _, s in ranked], [s for _, s in want], rtol=1e-6)


@pytest.mark.parametrize("maxlen", [2.5, "10", None, 0, -3, True])
def test_a_bad_maxlen_is_refused_with_its_name(maxlen):
    dec = make_decoder()
    for run in (lambda: generation.beam_search(dec, ctx(1), 3, maxlen=maxlen),
                lambda: generation.sample(dec, ctx(1), maxlen=maxlen)):
        with pytest.raises(InputError, match=r"maxlen \(max_new_tokens\) must be an integer >= 1"):
            run()


def test_search_bytes_counts_the_live_hypotheses_of_the_widest_step():
    # step 1 extends one row, step 2 at most n_words rows, step 3 at most n_words ** 2; the rows a step keeps (at
    # most the width) hold two states and two rows of word ids as long as the step
    a = 4 * generation.STEP_ARRAYS
    assert generation.search_bytes(50, 1000, 60) == 50 * 60 * a + 50 * 2 * 2 * 8
    assert generation.search_bytes(10 ** 6, 2, 60, dim=8) == 60 * 60 * a + 3600 * (2 * 8 * 4 + 2 * 2 * 8)
    assert generation.search_bytes(10 ** 6, 3, 60) == 3600 * 60 * a + 216000 * 2 * 3 * 8
    assert generation.search_bytes(7, 1, 60) == 1 * 60 * a + 7 * 2 * 1 * 8


def test_a_beam_whose_kept_states_cannot_fit_is_refused(monkeypatch):
    """The last step of a short search keeps up to num_beams states even where it extends few rows (a 17,000-word
    decoder at max_new_tokens=2 and num_beams=10**7: 30 GB of states, a raw allocator error before)."""
    dec = make_decoder()
    logits = 60 * 60 * 4 * generation.STEP_ARRAYS  # what step 2 extends: 60 rows x 60 words
    monkeypatch.setattr(generation, "available_bytes", lambda device: logits + 1000)
    with pytest.raises(InputError, match="num_beams=3600 is too wide"):
        generation.beam_search(dec, ctx(1), 3600, maxlen=2)
    assert generation.beam_search(dec, ctx(1), 3, maxlen=2)  # a few kept states fit


def test_a_beam_too_wide_for_memory_is_refused_before_searching(monkeypatch):
    dec = make_decoder()
    steps = []
    monkeypatch.setattr(generation, "_beam", lambda *a, **k: steps.append(1) or [])
    with pytest.raises(InputError, match=r"num_beams=1000000000000 is too wide for this 60-word decoder.*"
                                         r"use a smaller num_beams"):
        generation.beam_search(dec, ctx(1), 10 ** 12)
    assert not steps  # refused up front, not after a search that runs out of memory
    # what fits still runs, however wide (the memory is measured, not a fixed cap)
    assert generation.available_bytes(dec.device) is not None
    generation.beam_search(dec, ctx(1), 10 ** 4, maxlen=3)
    assert steps


# -------------------------------------------------------------------------------------------------- settle
@pytest.mark.parametrize("kind", [{"gain": 3.0}, {"gain": 1.5, "ties": True}, {"gain": 2.0, "doutput": False}])
@pytest.mark.parametrize("n", [1, 3])
def test_a_settled_search_keeps_the_n_best_texts_and_stops_sooner(kind, n):
    """The n best texts (decode_texts' ranking) of a search that stops once they are settled are the full
    search's, on the fast path and on the plain ops; the hypotheses that finished before the stop are the full
    search's first ones, in order (bit for bit on the plain ops); and some searches stop before the full one ends."""
    dec = make_decoder(3 if kind["gain"] != 3.0 else 0, **kind)
    shorter = 0
    for seed in range(8):
        for plain in (False, True):
            with gru.plain_paths() if plain else contextlib.nullcontext():
                full = generation.beam_search(dec, ctx(seed), 20, maxlen=80)
                got = generation.beam_search(dec, ctx(seed), 20, maxlen=80, settle=n)
            assert generation.decode_texts(dec, got, n) == generation.decode_texts(dec, full, n)
            ended = [h for h in got if h[0][-1] == 0]
            if max(len(t) for t, _ in got) < 80:  # stopped settled: only finished hypotheses, none cut short
                assert len(ended) == len(got)
            if plain:
                assert got[:len(ended)] == full[:len(ended)]
            else:  # (the full search may have met a near tie later, and its scores are then the plain ops')
                assert [t for t, _ in got[:len(ended)]] == [t for t, _ in full[:len(ended)]]
            shorter += max(len(t) for t, _ in got) < max(len(t) for t, _ in full)
    assert shorter > 0


def test_settled_ranks_as_decode_texts_and_refuses_a_close_call_on_the_fast_path():
    s = generation.Settled(2)
    s.add([([0], 0.5)])                    # an empty first text: decode_texts drops it
    s.add([([4, 0], 3.0), ([5, 6, 0], 1.0)])
    assert s.best == [1.0, 3.0]
    assert not s.done(torch.tensor([2.9, 7.0]))  # a live one could still finish below 3.0
    assert s.done(torch.tensor([3.0, 7.0]))      # equal ranks after (the ranking is stable)
    assert not generation.Settled(1).done(torch.tensor([5.0]))  # nothing finished yet
    with pytest.raises(ties.NearTie):
        s.done(torch.tensor([3.0 + 1e-6, 9.0]), check_ties=True)
    with pytest.raises(InputError, match="settle must be None or an integer >= 1"):
        generation.beam_search(make_decoder(), ctx(1), 3, settle=0)


def test_story_paths_settle_but_generate_returns_every_hypothesis():
    dec = make_decoder()
    full = generation.beam_search(dec, ctx(2), 20, maxlen=80)
    assert generate(dec, ctx(2), num_beams=20, max_new_tokens=80) == full  # the original's gen_sample list
    settled = generate(dec, ctx(2), num_beams=20, max_new_tokens=80, best_only=True)
    assert max(len(t) for t, _ in settled) < max(len(t) for t, _ in full)  # stopped sooner
    assert generation.decode_texts(dec, settled, 1) == generation.decode_texts(dec, full, 1)
    assert generation.run_sampler(dec, ctx(2), beam_width=20, maxlen=80) == generation.best_text(dec, full)


def test_length_penalty_beyond_ten_is_refused_not_overflowed():
    dec = make_decoder()
    for lp in (1e30, -11.0, 10.5):  # (1e30 overflowed len ** lp in float32: every score 0, a numpy warning)
        with pytest.raises(InputError, match=r"length_penalty=.*use None or a number in \[-10.0, 10.0\]"):
            generate(dec, ctx(0), num_beams=4, max_new_tokens=20, length_penalty=lp)
    for lp in (10, -10.0):
        with np.errstate(all="raise"):
            assert generate(dec, ctx(0), num_beams=4, max_new_tokens=20, length_penalty=lp)


def test_best_only_and_processors_are_checked():
    dec = make_decoder()
    for bad in ("yes", None, 0):
        with pytest.raises(InputError, match="best_only must be True or False"):
            generate(dec, ctx(0), num_beams=3, best_only=bad)
    assert generation.beam_search(dec, ctx(0), 3, maxlen=20, processors=None) == \
        generation.beam_search(dec, ctx(0), 3, maxlen=20)
    with pytest.raises(InputError, match="processors must be a sequence"):
        generation.beam_search(dec, ctx(0), 3, maxlen=20, processors=5)
    # a generator of processors is read once, and its processors switch settling off as a list's do
    procs = generation.logits_processors(GenerationConfig(no_repeat_ngram_size=2))
    want = generation.beam_search(dec, ctx(0), 3, maxlen=20, processors=procs, settle=1)
    assert generation.beam_search(dec, ctx(0), 3, maxlen=20, processors=iter(procs), settle=1) == want
    assert want == generation.beam_search(dec, ctx(0), 3, maxlen=20, processors=procs)


def test_sampling_too_many_sequences_for_memory_is_refused():
    dec = make_decoder()
    with pytest.raises(InputError, match=r"num_return_sequences=1000000000000 are too many for this 60-word"):
        generate(dec, ctx(0), do_sample=True, num_return_sequences=10 ** 12, seed=1)
    assert len(generate(dec, ctx(0), do_sample=True, num_return_sequences=4, seed=1, max_new_tokens=5)) == 4


def test_length_penalty_ranks_long_hypotheses_without_overflow():
    hyps = [([5] * 4000, 12000.0), ([6] * 4000, 11000.0)]  # (float32 made both inf at -10, both 0 at +10 for 8000)
    for lp in (-10, 10):
        ranked = generation.length_penalized(hyps, lp)
        assert [t[0] for t, _ in ranked] == [6, 5] and all(np.isfinite(s) and s > 0 for _, s in ranked)
