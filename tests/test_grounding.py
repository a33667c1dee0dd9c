"""Grounding the decoder: story-time conditioning vectors, warm starts with an extended vocabulary, calibration."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from storyteller import decoder, embedding, skipthoughts
from storyteller.errors import InputError
from storyteller.train.decoder import (
    DecoderConfig,
    calibrate_conditioning,
    extend_vocabulary,
    train_decoder,
    uncalibrate_conditioning,
)
from storyteller.train.grounding import (
    group_classes,
    opened_passages,
    retrieved_means,
    stock_ngrams,
    story_time_contexts,
    whole_sentences,
    without_stock,
)
from storyteller.train.vse import VSEConfig


def small_decoder(words: list[str], dimctx: int = 6, seed: int = 0) -> decoder.Decoder:
    torch.manual_seed(seed)
    dec = decoder.Decoder(len(words) + 2, 8, dimctx, 12)
    dec.word_idict = {0: "<eos>", 1: "UNK", **{i + 2: w for i, w in enumerate(words)}}
    return dec.eval()


def test_uncalibrate_undoes_calibrate_and_is_a_no_op_without_a_gain():
    dec = small_decoder(["a", "b"])
    W, b0 = dec.ff_state.weight.detach().clone(), dec.ff_state.bias.detach().clone()
    center = np.linspace(-1, 1, 6).astype(np.float32)
    uncalibrate_conditioning(dec, center)  # never calibrated: nothing changes
    assert torch.equal(dec.ff_state.weight, W) and torch.equal(dec.ff_state.bias, b0)
    calibrate_conditioning(dec, center, 7.5)
    assert not torch.allclose(dec.ff_state.weight, W)
    uncalibrate_conditioning(dec, center)
    assert "conditioning_gain" not in dec.options
    torch.testing.assert_close(dec.ff_state.weight, W, rtol=1e-6, atol=1e-6)
    torch.testing.assert_close(dec.ff_state.bias, b0, rtol=1e-5, atol=1e-5)


def test_extend_vocabulary_keeps_old_words_and_their_scores_and_adds_frequent_new_ones():
    dec = small_decoder(["the", "cat"])
    passages = [["the", "dog", "saw", "a", "dog"], ["a", "dog", "and", "a", "fox"]]
    cfg = DecoderConfig(dim_word=8, dim=12, max_words=7)
    new = extend_vocabulary(dec, passages, cfg)
    # ids 0..3 unchanged; then by frequency: a (3), dog (3), then and/fox/saw alphabetically, cut at 7 words
    assert [new.word_idict[i] for i in range(7)] == ["<eos>", "UNK", "the", "cat", "a", "dog", "and"]
    assert new.options["n_words"] == 7 and new.Wemb.weight.shape == (7, 8)
    h = torch.randn(3, 12)
    with torch.no_grad():
        old_l, new_l = dec.logits(h), new.logits(h)
    torch.testing.assert_close(new_l[:, :4], old_l)
    # a new word's score starts at the lowest trained bias, whatever the state
    assert torch.equal(new_l[:, 4:], dec.ff_logit.bias.min().detach().expand(3, 3))
    with pytest.raises(InputError, match="dim_word"):
        extend_vocabulary(dec, passages, DecoderConfig(dim_word=16, dim=12))


def test_story_time_contexts_follow_the_retrieved_mean_and_refuse_unknown_groups():
    torch.manual_seed(0)
    vse = embedding.VSE(10, 4, 5, 1000).eval()
    rng = np.random.default_rng(0)
    cap_emb = rng.normal(size=(30, 5)).astype(np.float32)
    cap_emb /= np.linalg.norm(cap_emb, axis=1, keepdims=True)
    cap_vec = rng.normal(size=(30, 3)).astype(np.float32)
    feats = rng.random((4, 1000)).astype(np.float32)
    got = retrieved_means(vse, cap_emb, cap_vec, feats, k=7)
    top = np.argsort(-(embedding.encode_images(vse, feats) @ cap_emb.T), axis=1)[:, :7]
    np.testing.assert_allclose(got, cap_vec[top].mean(1), rtol=1e-6, atol=1e-6)
    with pytest.raises(InputError, match="30 caption embeddings but 29"):
        retrieved_means(vse, cap_emb, cap_vec[:29], feats)

    classes = group_classes(["cat", "dog"], [0, 0, 1], [[281, 282], [281], [151]])
    assert classes == {"cat": [281, 282], "dog": [151]}
    c, b, cfg = cap_vec.mean(0), np.ones(3, np.float32), VSEConfig()
    ctx = story_time_contexts(["cat", "dog"], classes, vse, cap_emb, cap_vec, c, b, 4.0, cfg,
                              np.random.default_rng(5), k=7)
    from storyteller.train.vse import synthetic_images
    x = retrieved_means(vse, cap_emb, cap_vec, synthetic_images([[281, 282], [151]], 1000, cfg,
                                                                 np.random.default_rng(5)), 7)
    np.testing.assert_allclose(ctx, b + 4.0 * (x - c), rtol=1e-5, atol=1e-6)
    with pytest.raises(InputError, match="owl"):
        story_time_contexts(["owl"], classes, vse, cap_emb, cap_vec, c, b, 4.0, cfg, np.random.default_rng(0))


@pytest.fixture(scope="module")
def stv(tmp_path_factory):
    """A tiny skip-thoughts model (only its output size matters here: contexts are given)."""
    from storyteller.train.skipthoughts import SkipThoughtConfig, train_skipthoughts
    out = tmp_path_factory.mktemp("st")
    docs = [[["a", "cat", "sat", "."], ["a", "dog", "ran", "."]] * 8]
    train_skipthoughts(docs, out, out, SkipThoughtConfig(dim_word=8, uni_dim=8, bi_dim=4, dec_dim=8, max_words=50,
                                                         out_words=20, epochs=1, batch_size=4), device="cpu")
    return skipthoughts.load_model(out, out)


def test_a_warm_started_decoder_learns_to_say_what_its_context_is_about(tmp_path, stv):
    """Two subjects, each with its own conditioning vector: after training from a decoder that had neither
    word, the decoder names the subject of the vector it is given (the grounding the bundle needs)."""
    dimctx = skipthoughts.encode(stv, ["a cat ."]).shape[1]
    torch.manual_seed(0)
    init = decoder.Decoder(6, 16, dimctx, 32)
    init.word_idict = {0: "<eos>", 1: "UNK", 2: "the", 3: "she", 4: "was", 5: "."}
    cat = ["the", "cat", "sat", "by", "the", "fire", "."]
    dog = ["the", "dog", "ran", "in", "the", "park", "."]
    passages = [cat, dog] * 40
    rng = np.random.default_rng(0)
    v = rng.normal(size=dimctx).astype(np.float32)
    contexts = np.stack([v, -v] * 40) + 0.05 * rng.normal(size=(80, dimctx)).astype(np.float32)
    cfg = DecoderConfig(dim_word=16, dim=32, max_words=30, epochs=30, batch_size=16, lr=1e-2, heldout=0.05)
    m = train_decoder(passages, stv, tmp_path / "dec.safetensors", cfg, device="cpu", contexts=contexts,
                      init=init)
    assert m["finished"] and m["vocabulary"] == 14
    dec = decoder.load_model(tmp_path / "dec.safetensors", tmp_path / "dec.dictionary.json")
    assert [dec.word_idict[i] for i in range(6)] == ["<eos>", "UNK", "the", "she", "was", "."]
    assert decoder.run_sampler(dec, v, beam_width=3, maxlen=10) == "the cat sat by the fire ."
    assert decoder.run_sampler(dec, -v, beam_width=3, maxlen=10) == "the dog ran in the park ."
    with pytest.raises(InputError, match="contexts"):
        train_decoder(passages, stv, tmp_path / "bad.safetensors", cfg, device="cpu", contexts=contexts[:3])


@pytest.mark.parametrize("standardize", [False, True])
def test_nearly_parallel_contexts_are_learnt_only_when_standardized(tmp_path, stv, standardize):
    """Skip-thought vectors share a large common part and differ by ~0.003 per dimension: a decoder trained on
    them raw cannot tell two subjects apart in a short run (the default bundle's decoder ignored its vectors the
    same way); trained on standardized vectors (folded back into ff_state) it names the subject of the raw vector
    it is given."""
    dimctx = skipthoughts.encode(stv, ["a cat ."]).shape[1]
    rng = np.random.default_rng(1)
    mu = rng.normal(size=dimctx).astype(np.float32)
    mu *= 1.4 / np.linalg.norm(mu)
    d = 0.003 * rng.normal(size=dimctx).astype(np.float32)
    cat = ["the", "cat", "sat", "by", "the", "fire", "."]
    dog = ["the", "dog", "ran", "in", "the", "park", "."]
    contexts = np.stack([mu + d, mu - d] * 40) + 0.0005 * rng.normal(size=(80, dimctx)).astype(np.float32)
    cfg = DecoderConfig(dim_word=16, dim=32, max_words=30, epochs=30, batch_size=16, lr=1e-2, heldout=0.05,
                        standardize=standardize)
    train_decoder([cat, dog] * 40, stv, tmp_path / "dec.safetensors", cfg, device="cpu", contexts=contexts)
    dec = decoder.load_model(tmp_path / "dec.safetensors", tmp_path / "dec.dictionary.json")
    told = {decoder.run_sampler(dec, mu + d, beam_width=3, maxlen=10),
            decoder.run_sampler(dec, mu - d, beam_width=3, maxlen=10)}
    if standardize:
        assert told == {"the cat sat by the fire .", "the dog ran in the park ."}
    else:
        assert len(told) == 1


def test_standardizing_is_folded_back_exactly():
    from storyteller.train.decoder import context_standardizer, fold_conditioning
    dec = small_decoder(["a"], dimctx=5)
    ctx = torch.randn(20, 5) * 0.01 + 3.0
    v = torch.randn(4, 5) * 0.01 + 3.0
    before = dec.init_state(v)
    shift, scale = context_standardizer(ctx)
    fold_conditioning(dec, shift, scale, inverse=True)   # now takes (v - shift) / scale
    torch.testing.assert_close(dec.init_state((v - shift) / scale), before, rtol=1e-4, atol=1e-5)
    fold_conditioning(dec, shift, scale)
    torch.testing.assert_close(dec.init_state(v), before, rtol=1e-4, atol=1e-5)


def test_bow_loss_can_skip_the_most_frequent_words():
    from storyteller.train.decoder import bow_loss
    logits = torch.zeros(1, 6)
    y = torch.tensor([[2, 3, 5, 0]])
    mask = torch.tensor([[True, True, True, False]])
    assert torch.isclose(bow_loss(logits, y, mask), torch.tensor(3 * np.log(6.0), dtype=torch.float32))
    assert torch.isclose(bow_loss(logits, y, mask, skip=2), torch.tensor(np.log(6.0), dtype=torch.float32))


def test_uncalibrate_refuses_a_bad_center_and_leaves_the_decoder_as_it_was():
    dec = small_decoder(["a", "b"])
    center = np.linspace(-1, 1, 6).astype(np.float32)
    calibrate_conditioning(dec, center, 5.0)
    W, b0 = dec.ff_state.weight.detach().clone(), dec.ff_state.bias.detach().clone()
    for bad in (np.zeros(5, np.float32), np.full(6, np.nan, np.float32), "abc"):
        with pytest.raises(InputError, match="center"):
            uncalibrate_conditioning(dec, bad)
        assert torch.equal(dec.ff_state.weight, W) and torch.equal(dec.ff_state.bias, b0)
        assert dec.options["conditioning_gain"] == 5.0


def test_training_and_retrieval_refuse_degenerate_inputs(tmp_path, stv):
    with pytest.raises(InputError, match="at least 2 tokenised passages"):
        train_decoder([], stv, tmp_path / "d.safetensors", DecoderConfig(dim_word=8, dim=12), device="cpu")
    with pytest.raises(InputError, match="at least 2 tokenised passages"):
        train_decoder(["a cat", "a dog"], stv, tmp_path / "d.safetensors", DecoderConfig(dim_word=8, dim=12),
                      device="cpu")
    with pytest.raises(InputError, match="bow_skip"):
        train_decoder([["a"], ["b"]], stv, tmp_path / "d.safetensors", DecoderConfig(bow_skip=True), device="cpu")
    vse = embedding.VSE(10, 4, 5, 1000).eval()
    with pytest.raises(InputError, match="k = 0"):
        retrieved_means(vse, np.ones((3, 5), np.float32), np.ones((3, 2), np.float32),
                        np.ones((1, 1000), np.float32), k=0)
    assert not (tmp_path / "d.safetensors").exists()


def test_whole_sentences_never_cut_a_sentence_unless_the_first_is_too_long():
    doc = [["The", "cat", "sat", "."], ["It", "purred", "loudly", "!"], ["Then", "it", "slept", "."]]
    assert whole_sentences(doc, 8) == ["The", "cat", "sat", ".", "It", "purred", "loudly", "!"]
    assert whole_sentences(doc, 7) == ["The", "cat", "sat", "."]  # the second sentence does not fit whole
    assert whole_sentences(doc, 100) == [w for s in doc for w in s]
    assert whole_sentences(doc, 2) == ["The", "cat"]  # a first sentence longer than the limit is cut
    with pytest.raises(InputError, match="max_tokens"):
        whole_sentences(doc, 0)


def test_opened_passages_start_with_a_caption_of_their_own_subject_fresh_for_each_repeat():
    docs = [[["It", "purred", "."], ["It", "slept", "."]], [["The", "sails", "filled", "."]]]
    openers = {"cat": [["A", "cat", "on", "a", "mat"], ["Two", "kittens", "playing", "."]],
               "boat": [["A", "sailboat", "at", "sea"]]}
    groups = ["cat", "boat"] * 20  # twenty repeats of both passages
    out = opened_passages(docs, groups, openers, np.random.default_rng(0), max_tokens=9)
    assert len(out) == 40
    for g, toks in zip(groups, out):
        cap = toks[:toks.index(".") + 1]
        assert cap in ([*c, "."] if c[-1] != "." else c for c in openers[g])  # a full stop is added once
        assert toks[-1] == "." and len(toks) <= 9
    assert out[1] == ["A", "sailboat", "at", "sea", ".", "The", "sails", "filled", "."]
    assert out[0][-3:] == ["It", "purred", "."]  # "It slept ." does not fit in 9 tokens after the caption
    assert len({tuple(t) for t, g in zip(out, groups) if g == "cat"}) == 2  # repeats draw fresh captions
    with pytest.raises(InputError, match="no captions"):
        opened_passages(docs, ["cat", "dog"], openers, np.random.default_rng(0), 9)
    with pytest.raises(InputError, match="3 subject groups for 2 passages"):
        opened_passages(docs, ["cat", "boat", "cat"], openers, np.random.default_rng(0), 9)


def test_lead_weight_makes_the_opening_words_learn_their_conditioning_sooner(tmp_path, stv):
    """The subject is one word in a long passage: a short run barely ties it to the conditioning vector, unless
    the passage's first words weigh more in the loss (``lead_tokens``/``lead_weight``). Held-out perplexity
    stays unweighted."""
    dimctx = skipthoughts.encode(stv, ["a cat ."]).shape[1]
    tail = ["and", "it", "was", "a", "very", "fine", "day", "in", "the", "old", "town", "by", "the", "river", "."] * 3
    passages = [["the", "cat", *tail], ["the", "dog", *tail]] * 24
    rng = np.random.default_rng(0)
    v = rng.normal(size=dimctx).astype(np.float32)
    contexts = np.stack([v, -v] * 24) + 0.05 * rng.normal(size=(48, dimctx)).astype(np.float32)

    def gap(**lead) -> tuple[float, float]:
        cfg = DecoderConfig(dim_word=8, dim=16, max_words=30, epochs=8, batch_size=16, lr=3e-3, heldout=0.1, **lead)
        m = train_decoder(passages, stv, tmp_path / "d.safetensors", cfg, device="cpu", contexts=contexts)
        dec = decoder.load_model(tmp_path / "d.safetensors", tmp_path / "d.dictionary.json")
        ids = {w: i for i, w in dec.word_idict.items()}
        y = torch.tensor([[ids["the"], ids["cat"]]])
        with torch.no_grad():
            lp = [torch.log_softmax(dec(torch.from_numpy(c[None]), y)[0, 1], -1) for c in (v, -v)]
        return float((lp[0][ids["cat"]] - lp[0][ids["dog"]]) - (lp[1][ids["cat"]] - lp[1][ids["dog"]])), \
            m["history"][-1]["heldout_loss"]

    plain, weighted = gap(), gap(lead_tokens=2, lead_weight=20.0)
    assert weighted[0] > plain[0] + 1.0, (plain, weighted)
    with pytest.raises(InputError, match="lead_weight"):
        train_decoder(passages, stv, tmp_path / "bad.safetensors", DecoderConfig(lead_weight=0.0), device="cpu",
                      contexts=contexts)


def test_openings_trained_without_eos_do_not_teach_the_decoder_to_stop(tmp_path, stv):
    """``eos=False``: the passages are story openings (the build's captions phase), so the decoder must not learn
    that a story ends after them; with the default it does."""
    dimctx = skipthoughts.encode(stv, ["a cat ."]).shape[1]
    rng = np.random.default_rng(0)
    contexts = rng.normal(size=(40, dimctx)).astype(np.float32)
    passages = [["the", "cat", "sat", "."]] * 40

    def p_end(eos: bool) -> float:
        cfg = DecoderConfig(dim_word=8, dim=16, max_words=30, epochs=10, batch_size=8, lr=1e-2, heldout=0.1)
        train_decoder(passages, stv, tmp_path / "d.safetensors", cfg, device="cpu", contexts=contexts, eos=eos)
        dec = decoder.load_model(tmp_path / "d.safetensors", tmp_path / "d.dictionary.json")
        ids = {w: i for i, w in dec.word_idict.items()}
        y = torch.tensor([[ids[w] for w in passages[0]] + [0]])
        with torch.no_grad():
            return float(torch.softmax(dec(torch.from_numpy(contexts[:1]), y)[0, -1], -1)[0])

    assert p_end(True) > 0.5 > 0.05 > p_end(False)


def test_openers_refuse_what_is_not_tokens_and_never_exceed_max_tokens():
    docs = [[["It", "purred", "."]]]
    rng = np.random.default_rng(0)
    with pytest.raises(InputError, match="max_tokens"):
        opened_passages(docs, ["cat"], {"cat": [["a", "cat"]]}, rng, 0)
    with pytest.raises(InputError, match="max_tokens"):
        opened_passages(docs, ["cat"], {"cat": [["a", "cat"]]}, rng, True)
    with pytest.raises(InputError, match="non-empty list of words"):
        opened_passages(docs, ["cat"], {"cat": [["a", "cat"], []]}, rng, 9)
    with pytest.raises(InputError, match="non-empty list of words"):
        opened_passages(docs, ["cat"], {"cat": ["a cat"]}, rng, 9)  # a string, not tokens
    with pytest.raises(InputError, match="numpy Generator"):
        opened_passages(docs, ["cat"], {"cat": [["a", "cat"]]}, 0, 9)
    with pytest.raises(InputError, match="group name"):
        opened_passages(docs, [0], {"cat": [["a", "cat"]]}, rng, 9)
    with pytest.raises(InputError, match="sentences of tokens"):
        whole_sentences(["a cat sat ."], 20)
    assert opened_passages(docs, ["dog"], {"dog": [["a", "dog", "."]]}, rng, 3) == [["a", "dog", "."]]


def test_lead_and_eos_settings_are_checked(tmp_path, stv):
    dimctx = skipthoughts.encode(stv, ["a cat ."]).shape[1]
    contexts = np.zeros((4, dimctx), dtype=np.float32)
    small = {"dim_word": 8, "dim": 16, "max_words": 30}
    with pytest.raises(InputError, match="no words"):
        train_decoder([["a"], [], ["b"], ["c"]], stv, tmp_path / "d.safetensors", DecoderConfig(**small),
                      device="cpu", contexts=contexts, eos=False)
    with pytest.raises(InputError, match="eos"):
        train_decoder([["a"]] * 4, stv, tmp_path / "d.safetensors", DecoderConfig(**small), device="cpu",
                      contexts=contexts, eos=None)
    for bad in (1e39, float("inf"), True):
        with pytest.raises(InputError, match="lead_weight"):
            train_decoder([["a"]] * 4, stv, tmp_path / "d.safetensors", DecoderConfig(**small, lead_weight=bad),
                          device="cpu", contexts=contexts)
    m = train_decoder([["a", "b"]] * 4, stv, tmp_path / "d.safetensors",
                      DecoderConfig(**small, epochs=1, lead_tokens=np.int64(1), lead_weight=np.float32(2.0)),
                      device="cpu", contexts=contexts)
    assert m["finished"]


def test_stock_phrases_are_the_most_repeated_ngrams_and_their_sentences_are_dropped():
    stock_line = "As I stood at the edge of the field ,".split()
    docs = [[stock_line, f"The {w} slept in the sun .".split()] for w in ("cat", "dog", "fox")]
    docs.append([["A", "lone", "Figure", "Stood", "at", "the", "edge", "of", "a", "cliff", "."]])
    stock = stock_ngrams(docs, 2)
    # counted once per passage, case-insensitively; among the 5-grams of 3 passages the first seen wins the cut
    assert stock == {("stood", "at", "the", "edge", "of"), ("as", "i", "stood", "at", "the")}
    assert without_stock(docs[0], stock) == [docs[0][1]]
    assert without_stock(docs[3], stock) == []
    assert without_stock([["The", "cat", "slept", "."]], stock) == [["The", "cat", "slept", "."]]
    assert stock_ngrams(docs, 0) == set() and without_stock(docs[0], set()) == docs[0]
    assert stock_ngrams(docs, 1, n=3) == {("stood", "at", "the")}  # in all four


@pytest.mark.parametrize("bad", [dict(docs=["a plain string"], top=3), dict(docs=[[["a"]]], top=-1),
                                 dict(docs=[[["a"]]], top=2.5), dict(docs=[[["a"]]], top=True),
                                 dict(docs=[[["a"]]], top=3, n=0)])
def test_stock_ngrams_refuse_what_is_not_tokens_and_bad_counts(bad):
    with pytest.raises(InputError):
        stock_ngrams(**bad)


STOCK = {("as", "i", "stood", "at", "the")}


@pytest.mark.parametrize("bad", [dict(doc="as i stood at the edge", stock=STOCK), dict(doc=["as", "i"], stock=STOCK),
                                 dict(doc=None, stock=STOCK), dict(doc=[[None, "a"]], stock=STOCK),
                                 dict(doc=[["a"]], stock=None), dict(doc=[["a"]], stock=["as i stood at the"]),
                                 dict(doc=[["a"]], stock={("As", "I", "stood", "at", "the")}),
                                 dict(doc=[["a"]], stock=STOCK, n=4), dict(doc=[["a"]], stock=STOCK, n=5.0),
                                 dict(doc=[["a"]], stock=STOCK, n=0)])
def test_without_stock_refuses_what_would_silently_remove_nothing(bad):
    """A passage given as a string or flat word list used to come back split into letters, and a stock of another
    n or case removed nothing (breaker findings)."""
    with pytest.raises(InputError):
        without_stock(**bad)


def test_stock_ngrams_refuses_no_list_of_passages():
    for bad in (None, 5, "a passage"):
        with pytest.raises(InputError):
            stock_ngrams(bad, 5)
