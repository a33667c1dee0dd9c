"""Training tools: tiny real runs that lower the loss, resume, and round-trip through the saved format."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from storyteller import decoder, embedding, generate, skipthoughts
from storyteller.__main__ import main
from storyteller.train import corpus
from storyteller.train.decoder import DecoderConfig, make_passages, train_decoder
from storyteller.train.skipthoughts import SkipThoughtConfig, train_skipthoughts
from storyteller.train.vse import VSEConfig, synthetic_images, train_vse

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def docs():
    """The first ~60 paragraphs of Pride and Prejudice, tokenised: real text, small."""
    paras = corpus.paragraphs(corpus.read_text(ROOT / "data" / "austen" / "prideprejudice.txt.gz"))[:60]
    return [[s for p in corpus.tokenize_paragraphs(paras) for s in p]]


@pytest.fixture(scope="module")
def stv_dir(tmp_path_factory, docs):
    out = tmp_path_factory.mktemp("st")
    cfg = SkipThoughtConfig(dim_word=16, uni_dim=24, bi_dim=12, dec_dim=24, max_words=400, out_words=200,
                            epochs=3, batch_size=16, lr=5e-3, heldout=0.1)
    m = train_skipthoughts(docs, out, out, cfg, extra_words=["pizza"], device="cpu")
    return out, m


def test_paragraphs_drop_headings_and_quotes():
    paras = corpus.paragraphs('PRIDE AND PREJUDICE\n\nChapter 1\n\n"My dear," said\nshe _warmly_.\n')
    assert paras == ["My dear, said she warmly."]
    assert corpus.build_dictionary([["a", "b", "a"]]) == {"a": 2, "b": 3}


def test_skipthoughts_training_lowers_heldout_loss_and_round_trips(stv_dir):
    out, m = stv_dir
    hist = [h["heldout_loss"] for h in m["history"]]
    assert m["finished"] and len(hist) == 3
    assert hist[-1] < hist[0] - 0.1, hist
    stv = skipthoughts.load_model(out, out)
    assert stv.dim == 24 + 24 and "pizza" in stv.word_rows
    v = skipthoughts.encode(stv, ["It is a truth universally acknowledged.", "A pizza on a table."])
    assert v.shape == (2, 48) and np.allclose(np.linalg.norm(v[:, :24], axis=1), 1, atol=1e-5)
    # save -> load gives the same vectors; float16 storage stays close
    again = out.parent / "st_again"
    skipthoughts.save_model(stv, again, again)
    two = ["It is a truth universally acknowledged.", "A pizza on a table."]
    assert np.array_equal(skipthoughts.encode(skipthoughts.load_model(again, again), two), v)
    half = out.parent / "st_half"
    skipthoughts.save_model(stv, half, half, half=True)
    reloaded = skipthoughts.encode(skipthoughts.load_model(half, half), ["A pizza on a table."])
    assert np.abs(reloaded - v[1:]).max() < 5e-3


def test_decoder_training_lowers_perplexity_resumes_and_round_trips(tmp_path, stv_dir, docs):
    st_out, _ = stv_dir
    stv = skipthoughts.load_model(st_out, st_out)
    passages = make_passages(docs, 20, 60, 1)
    assert passages and all(20 <= len(p) <= 60 for p in passages)
    cfg = DecoderConfig(dim_word=16, dim=32, max_words=300, epochs=3, batch_size=16, lr=5e-3, heldout=0.1)
    # a budget too small to finish: checkpointed, then resumed to the end
    m = train_decoder(passages, stv, tmp_path / "dec.safetensors", cfg, device="cpu", time_budget=1e-6)
    assert not m["finished"]
    m = train_decoder(passages, stv, tmp_path / "dec.safetensors", cfg, device="cpu", resume=True)
    assert m["finished"] and m["epochs_done"] == 3
    ppl = [h["heldout_ppl"] for h in m["history"]]
    assert ppl[-1] < ppl[0] * 0.8, ppl
    dec = decoder.load_model(tmp_path / "dec.safetensors", tmp_path / "dec.dictionary.json")
    ctx = skipthoughts.encode(stv, ["It is a truth universally acknowledged."])[0]
    text = decoder.run_sampler(dec, ctx, beam_width=3, maxlen=30)
    decoder.save_model(dec, tmp_path / "dec2.safetensors")
    dec2 = decoder.load_model(tmp_path / "dec2.safetensors", tmp_path / "dec2.dictionary.json")
    assert decoder.run_sampler(dec2, ctx, beam_width=3, maxlen=30) == text
    assert "UNK" not in text.split()


def test_vse_training_raises_recall_and_round_trips(tmp_path):
    words = {"cat": [281, 282, 285], "dog": [151, 207], "pizza": [963], "car": [436, 817], "boat": [484, 914],
             "horse": [339], "bird": [10, 11, 12], "train": [466, 547]}
    caps, classes, groups = [], [], []
    for g, (name, cls) in enumerate(words.items()):
        for a in ("sitting on a table", "in a field", "near the water", "on a street", "in the snow", "at night"):
            for d in ("A", "The", "One"):
                caps.append(f"{d} {name} {a}")
                classes.append(cls)
                groups.append(g)
    cfg = VSEConfig(dim=16, dim_word=12, epochs=15, batch_size=8, lr=1e-2, heldout=0.25)
    m = train_vse(caps, tmp_path / "vse.safetensors", cfg, caption_classes=classes, caption_groups=groups,
                  device="cpu")
    first, last = m["history"][0], m["history"][-1]
    assert last["train_loss"] < first["train_loss"] * 0.7
    assert last["R@1"] >= 60.0, m["history"]
    vse = embedding.load_model(tmp_path / "vse.safetensors")
    c1 = embedding.encode_sentences(vse, caps[:5])
    embedding.save_model(vse, tmp_path / "vse2.safetensors")
    assert np.array_equal(embedding.encode_sentences(embedding.load_model(tmp_path / "vse2.safetensors"), caps[:5]), c1)
    img = synthetic_images([[963]], 1000, cfg, np.random.default_rng(0))
    assert img.shape == (1, 1000) and abs(np.linalg.norm(img) - 1) < 1e-5


def test_trained_parts_load_together_and_tell_a_story(tmp_path, stv_dir, docs, capsys):
    st_out, _ = stv_dir
    stv = skipthoughts.load_model(st_out, st_out)
    passages = make_passages(docs, 20, 60, 2)
    train_decoder(passages, stv, tmp_path / "decoder.safetensors",
                  DecoderConfig(dim_word=16, dim=32, max_words=300, epochs=1, batch_size=16), device="cpu")
    caps = ["A cat on a table", "A dog in a field", "A pizza on a plate", "A car on a street"]
    train_vse(caps, tmp_path / "vse.safetensors", VSEConfig(dim=8, dim_word=8, epochs=2, heldout=0.25),
              caption_classes=[[281], [151], [963], [436]], device="cpu")
    (tmp_path / "captions.txt").write_text("\n".join(caps) + "\n")
    style = skipthoughts.encode(stv, caps).mean(0)
    np.save(tmp_path / "c.npy", style)
    np.save(tmp_path / "b.npy", skipthoughts.encode(stv, [" ".join(p) for p in passages], preprocessed=True).mean(0))
    cfg = {"skmodels": str(st_out), "sktables": str(st_out), "decmodel": str(tmp_path / "decoder.safetensors"),
           "dictionary": str(tmp_path / "decoder.dictionary.json"), "vsemodel": str(tmp_path / "vse.safetensors"),
           "vgg": "", "captions": str(tmp_path / "captions.txt"), "negbias": str(tmp_path / "c.npy"),
           "posbias": str(tmp_path / "b.npy"), "cache": str(tmp_path / "cache")}
    z = generate.load_all(cfg, verbose=False)
    capsys.readouterr()
    feats = np.zeros(1000, np.float32)
    feats[963] = 1
    generate.story(z, feats, k=2, bw=2)
    out = capsys.readouterr().out
    assert out.startswith("NEAREST-CAPTIONS: \n") and "OUTPUT: \n" in out


def test_make_style_cli(tmp_path, stv_dir, capsys):
    st_out, _ = stv_dir
    (tmp_path / "cfg.yaml").write_text(f"skmodels: {st_out}\nsktables: {st_out}\n")
    (tmp_path / "lyrics.csv").write_text("lyric\nwe were dancing in the rain\nshort\nyou belong with me tonight\n")
    rc = main(["make-style", str(tmp_path / "lyrics.csv"), "--out", str(tmp_path / "s.npy"), "--config",
               str(tmp_path / "cfg.yaml"), "--column", "lyric", "--min-words", "3"])
    assert rc == 0
    v = np.load(tmp_path / "s.npy")
    stv = skipthoughts.load_model(st_out, st_out)
    want = skipthoughts.encode(stv, ["we were dancing in the rain", "you belong with me tonight"]).mean(0)
    assert v.dtype == np.float32 and np.allclose(v, want, atol=1e-6)
    assert "2 passages" in capsys.readouterr().out


def test_train_cli_writes_a_loadable_folder(tmp_path, capsys):
    text = tmp_path / "book.txt"
    paras = corpus.paragraphs(corpus.read_text(ROOT / "data" / "austen" / "persuasion.txt.gz"))[:40]
    text.write_text("\n\n".join(paras))
    rc = main(["train-skipthoughts", str(text), "--out", str(tmp_path / "m"), "--device", "cpu", "--epochs", "1",
               "--dim-word", "8", "--uni-dim", "8", "--bi-dim", "4", "--max-words", "200", "--batch-size", "16"])
    assert rc == 0
    info = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert info["finished"] and info["epochs_done"] == 1
    cfg = generate.load_config(tmp_path / "m")
    assert skipthoughts.load_model(cfg["skmodels"], cfg["sktables"]).dim == 16


torch.set_num_threads(1)


def test_word_dropout_and_bow_loss_on_hand_made_batches():
    from storyteller.train.decoder import bow_loss, drop_words

    y = torch.tensor([[5, 6, 7, 8, 0], [9, 10, 0, 0, 0]])
    out = drop_words(y, 0.5, torch.Generator().manual_seed(0))
    assert torch.equal(out == 0, y == 0)                       # <eos> and padding stay
    assert set(out[y > 0].tolist()) <= set(y[y > 0].tolist()) | {1} and (out == 1).any()
    assert torch.equal(out, drop_words(y, 0.5, torch.Generator().manual_seed(0)))  # seeded: repeatable
    assert torch.equal(drop_words(y, 0.0, torch.Generator()), y)
    mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]], dtype=torch.bool)
    V = 12
    flat = torch.zeros(2, V)
    sharp = flat.clone()
    sharp[0, [5, 6, 7, 8]] = 5.0
    sharp[1, [9, 10]] = 5.0
    assert bow_loss(sharp, y, mask) < bow_loss(flat, y, mask)
    # only real words count: 4 + 2 words at log(V) each under a flat softmax (<eos>, UNK and padding excluded)
    assert torch.isclose(bow_loss(flat, y, mask), torch.tensor(6 * np.log(V), dtype=torch.float32))


def test_decoder_training_with_word_dropout_and_bow_loss(tmp_path, stv_dir, docs):
    st_out, _ = stv_dir
    stv = skipthoughts.load_model(st_out, st_out)
    passages = make_passages(docs, 20, 60, 1)
    cfg = DecoderConfig(dim_word=16, dim=32, max_words=300, epochs=2, batch_size=16, lr=5e-3, heldout=0.1,
                        word_dropout=0.25, bow_weight=0.5)
    m = train_decoder(passages, stv, tmp_path / "dec.safetensors", cfg, device="cpu", time_budget=1e-6)
    assert not m["finished"]
    m = train_decoder(passages, stv, tmp_path / "dec.safetensors", cfg, device="cpu", resume=True)
    assert m["finished"] and m["config"]["bow_weight"] == 0.5
    plain = train_decoder(passages, stv, tmp_path / "plain.safetensors",
                          DecoderConfig(dim_word=16, dim=32, max_words=300, epochs=2, batch_size=16, lr=5e-3,
                                        heldout=0.1), device="cpu")
    # the training-only head is not saved: the file holds exactly the parameters of a plain decoder
    from safetensors import safe_open
    with safe_open(tmp_path / "dec.safetensors", "pt") as a, safe_open(tmp_path / "plain.safetensors", "pt") as b:
        assert sorted(a.keys()) == sorted(b.keys())
    assert np.isfinite(m["history"][-1]["heldout_ppl"]) and np.isfinite(plain["history"][-1]["heldout_ppl"])
    dec = decoder.load_model(tmp_path / "dec.safetensors", tmp_path / "dec.dictionary.json")
    ctx = skipthoughts.encode(stv, ["It is a truth universally acknowledged."])[0]
    assert decoder.run_sampler(dec, ctx, beam_width=3, maxlen=20)
    with pytest.raises(ValueError, match="word_dropout"):
        train_decoder(passages, stv, tmp_path / "bad.safetensors", DecoderConfig(word_dropout=1.5), device="cpu")


@pytest.mark.parametrize("flag,value", [("--bow-weight", "inf"), ("--bow-weight", "nan"), ("--bow-weight", "-2"),
                                        ("--word-dropout", "1.5"), ("--word-dropout", "nan"),
                                        ("--word-dropout", "-1")])
def test_train_decoder_refuses_bad_aux_settings_before_any_work(tmp_path, capsys, flag, value):
    out = tmp_path / "out"
    text = tmp_path / "t.txt"
    text.write_text("It was a fine day. The cat slept.\n\nThe dog ran home. It rained.\n")
    assert main(["train-decoder", str(text), "--out", str(out), flag, value]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and flag in err[0], err
    assert not out.exists()                     # nothing made before the check


def test_a_diverging_loss_stops_training_before_the_step(tmp_path, stv_dir, docs):
    """A loss that becomes inf (here: a huge BoW weight overflows float32) stops with one line, no NaN model."""
    from storyteller.errors import StorytellerError

    st_out, _ = stv_dir
    stv = skipthoughts.load_model(st_out, st_out)
    passages = make_passages(docs, 20, 60, 1)
    cfg = DecoderConfig(dim_word=16, dim=32, max_words=300, epochs=1, batch_size=16, heldout=0.1, bow_weight=3e38)
    with pytest.raises(StorytellerError, match="training loss became"):
        train_decoder(passages, stv, tmp_path / "dec.safetensors", cfg, device="cpu")
    assert not (tmp_path / "dec.safetensors").exists()
