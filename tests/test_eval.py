"""Evaluation commands ``eval-vse`` and ``eval-decoder`` on the golden fixtures, checked against direct
computations: the original VSE ``evalrank`` formulas on the original code's own embeddings (golden.npz), and the
decoder's step-by-step log-probabilities (the beam search's own step)."""
from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from storyteller.__main__ import main

REPO = Path(__file__).resolve().parents[1]


def run_json(capsys, *args: str) -> dict:
    assert main(list(args)) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    return json.loads(out)


def original_i2t_t2i(images: np.ndarray, captions: np.ndarray) -> tuple[tuple, tuple]:
    """Kiros' visual-semantic-embedding ``evaluation.i2t``/``t2i`` (5 captions per image; ``images`` holds each
    image 5 times), ported line by line to Python 3."""
    def metrics(ranks):
        return (100.0 * len(np.where(ranks < 1)[0]) / len(ranks), 100.0 * len(np.where(ranks < 5)[0]) / len(ranks),
                100.0 * len(np.where(ranks < 10)[0]) / len(ranks), np.floor(np.median(ranks)) + 1)

    npts = images.shape[0] // 5
    ranks = np.zeros(npts)
    for index in range(npts):
        d = np.dot(images[5 * index].reshape(1, images.shape[1]), captions.T).flatten()
        inds = np.argsort(d)[::-1]
        ranks[index] = min(np.where(inds == i)[0][0] for i in range(5 * index, 5 * index + 5))
    i2t = metrics(ranks)
    ims = np.array([images[i] for i in range(0, len(images), 5)])
    ranks = np.zeros(5 * npts)
    for index in range(npts):
        d = np.dot(captions[5 * index:5 * index + 5], ims.T)
        for i in range(len(d)):
            ranks[5 * index + i] = np.where(np.argsort(d[i])[::-1] == index)[0][0]
    return i2t, metrics(ranks)


def as_tuple(m: dict) -> tuple:
    return (m["r1"], m["r5"], m["r10"], m["median_rank"])


@pytest.fixture
def config_yaml(golden, tmp_path) -> Path:
    p = tmp_path / "config.yaml"
    g = golden.dir
    p.write_text("\n".join([f"skmodels: {g}/", f"sktables: {g}/", f"decmodel: {g}/romance.npz",
                            f"dictionary: {g}/romance_dictionary.pkl", f"vsemodel: {g}/coco_embedding.npz", "vgg: ''",
                            f"captions: {g}/coco_train_caps.txt", f"negbias: {g}/caption_style.npy",
                            f"posbias: {g}/romance_style.npy", "styles:", f"  swift: {g}/swift_style.npy", ""]))
    return p


def caption_choice(golden) -> list[list[int]]:
    """Five distinct captions per golden image: two of its ten nearest (not the nearest), three others."""
    caps = golden.json["captions_as_read"]
    used, out = set(), []
    for i, img in enumerate(golden.images()):
        pick = [j for j in img["top10"][3::4] if caps[j] not in used][:2]
        j = 11 * i + 3
        while len(pick) < 5:
            if caps[j] not in used and j not in pick:
                pick.append(j)
            j += 17
        used.update(caps[j] for j in pick)
        out.append(pick)
    return out


# ------------------------------------------------------------------------------------------------ eval-vse
def test_eval_vse_equals_the_original_evalrank(capsys, golden, config_yaml, tmp_path):
    caps = golden.json["captions_as_read"]
    choice = caption_choice(golden)
    feats = golden.npz["image_features"]
    dataset = tmp_path / "set.jsonl"
    dataset.write_text("".join(json.dumps({"features": feats[i].tolist(), "captions": [caps[j] for j in pick]}) + "\n"
                               for i, pick in enumerate(choice)))
    result = run_json(capsys, "eval-vse", "--config", str(config_yaml), str(dataset))
    assert (result["images"], result["captions"]) == (5, 25)
    # the original's formulas on the original code's embeddings (image i repeated 5 times, as evalrank expects)
    ims = np.repeat(np.stack([golden.npz[f"img{i}/vse_emb"].reshape(-1) for i in range(5)]), 5, axis=0)
    sents = golden.npz["captions_cvec"][[j for pick in choice for j in pick]]
    i2t, t2i = original_i2t_t2i(ims, sents)
    assert as_tuple(result["image_to_text"]) == i2t
    assert as_tuple(result["text_to_image"]) == t2i
    assert 0 < i2t[0] < 100 and 0 < t2i[0] < 100  # neither trivial nor hopeless: the ranks are really tested


def test_eval_vse_any_number_of_captions_per_image(capsys, golden, config_yaml, tmp_path):
    """Counted directly: a caption's rank is the number of captions (images) scored strictly higher."""
    from storyteller import embedding

    caps = golden.json["captions_as_read"]
    feats = golden.npz["image_features"]
    groups = [[caps[j] for j in range(k * 9, k * 9 + n)] for k, n in enumerate([1, 3, 2, 6, 4])]
    dataset = tmp_path / "set.jsonl"
    dataset.write_text("\n".join(json.dumps({"features": feats[i].tolist(), "captions": g})
                                 for i, g in enumerate(groups)) + "\n\n")
    result = run_json(capsys, "eval-vse", "--config", str(config_yaml), str(dataset))
    vse = embedding.load_model(golden.dir / "coco_embedding.npz")
    im = embedding.encode_images(vse, feats / np.linalg.norm(feats, axis=1, keepdims=True))
    se = embedding.encode_sentences(vse, [c for g in groups for c in g])
    owner = np.array([i for i, g in enumerate(groups) for _ in g])
    s = im @ se.T  # (images, captions)
    i2t = np.array([min((s[i] > s[i, j]).sum() for j in np.where(owner == i)[0]) for i in range(len(groups))])
    t2i = np.array([(s[:, j] > s[owner[j], j]).sum() for j in range(len(owner))])
    for ranks, got in ((i2t, result["image_to_text"]), (t2i, result["text_to_image"])):
        assert got["r1"] == pytest.approx(100 * np.mean(ranks < 1))
        assert got["r5"] == pytest.approx(100 * np.mean(ranks < 5))
        assert got["r10"] == pytest.approx(100 * np.mean(ranks < 10))
        assert got["median_rank"] == np.floor(np.median(ranks)) + 1
    assert (result["images"], result["captions"]) == (5, 16)


def test_eval_vse_images_through_the_cnn(capsys, tmp_path):
    """Default bundle: each sample photo's five nearest captions (tests/data/sample_outputs.json) rank its own
    caption first among both photos' captions, so image->text R@1 is 100."""
    samples = json.loads((REPO / "tests" / "data" / "sample_outputs.json").read_text(encoding="utf-8"))
    lines = []
    for name in ("cat.jpg", "pizza.jpg"):
        shutil.copy(REPO / "images" / name, tmp_path / name)
        near = samples["images"][name]["stdout"].split("NEAREST-CAPTIONS: \n", 1)[1].split("\n\n", 1)[0]
        lines.append(json.dumps({"image": name, "captions": near.split("\n")}))  # relative to the set file
    (tmp_path / "set.jsonl").write_text("\n".join(lines) + "\n")
    out = tmp_path / "result.json"
    assert main(["eval-vse", str(tmp_path / "set.jsonl"), "--out", str(out)]) == 0
    result = json.loads(out.read_text())
    assert (result["images"], result["captions"]) == (2, 10)
    assert result["image_to_text"]["r1"] == 100.0 and result["image_to_text"]["median_rank"] == 1.0


@pytest.mark.parametrize("line,needle", [
    ("{not json", "set.jsonl:2: not valid JSON"),
    ('{"captions": ["a dog"]}', 'exactly one of "image"'),
    ('{"features": [1, 2], "captions": []}', "non-empty list"),
    ('{"features": [1, "x"], "captions": ["a dog"]}', "list of numbers"),
    ('{"features": [1, 2, 3], "captions": ["a dog"]}', "expected 64"),
    ('{"image": "cat.jpg", "captions": ["a dog"]}', "CNN"),
])
def test_eval_vse_bad_set_is_one_line(capsys, golden, config_yaml, tmp_path, line, needle):
    feats = golden.npz["image_features"]
    (tmp_path / "set.jsonl").write_text(json.dumps({"features": feats[0].tolist(), "captions": ["a dog"]}) + "\n"
                                        + line + "\n")
    assert main(["eval-vse", "--config", str(config_yaml), str(tmp_path / "set.jsonl")]) == 1
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1 and needle in err, err


# -------------------------------------------------------------------------------------------- eval-decoder
def direct_nll(dec, ctx: np.ndarray, ids: list[int]) -> float:
    """Sum of -log p of ``ids`` under the decoder, one ``step_logprobs`` call per word (as the beam search steps)."""
    import torch

    with torch.no_grad():
        state = dec.init_state(torch.as_tensor(ctx[None, :], dtype=torch.float32))
        prev = torch.tensor([-1])
        total = 0.0
        for w in ids:
            logp, state = dec.step_logprobs(prev, state)
            total -= float(logp[0, w])
            prev = torch.tensor([w])
    return total


@pytest.fixture
def romance_text(golden, tmp_path) -> tuple[Path, list[str]]:
    corpus = json.loads((golden.dir / "inputs.json").read_text(encoding="utf-8"))["romance_corpus"][:6]
    passages = [" ".join(corpus[i:i + 2]) for i in range(0, 6, 2)]
    p = tmp_path / "romance.txt"
    p.write_text("\n\n".join(passages) + "\n", encoding="utf-8")
    return p, passages


@pytest.mark.parametrize("style", [None, "book", "swift"])
def test_eval_decoder_perplexity_equals_a_direct_computation(capsys, golden, config_yaml, romance_text, style):
    from storyteller import decoder, skipthoughts
    from storyteller.tokenize import text_tokens

    path, passages = romance_text
    args = ["eval-decoder", "--config", str(config_yaml), str(path), *(["--style", style] if style else [])]
    result = run_json(capsys, *args)
    dec = decoder.load_model(golden.dir / "romance.npz", golden.dir / "romance_dictionary.pkl")
    words = {w: i for i, w in dec.word_idict.items() if 1 < i < dec.options["n_words"]}
    tokens = [text_tokens(p)[0] for p in passages]
    if style is None:
        stv = skipthoughts.load_model(golden.dir, golden.dir)
        ctx = skipthoughts.encode(stv, [" ".join(t) for t in tokens], preprocessed=True)
    else:
        vec = np.load(golden.dir / ("romance_style.npy" if style == "book" else "swift_style.npy")).reshape(-1)
        ctx = np.repeat(vec[None, :].astype(np.float32), len(tokens), axis=0)
    ids = [[words.get(w, 1) for w in t] + [0] for t in tokens]
    nll = sum(direct_nll(dec, c, i) for c, i in zip(ctx, ids))
    n = sum(map(len, ids))
    assert (result["passages"], result["tokens"]) == (3, n)
    assert result["unk_tokens"] == sum(i.count(1) for i in ids) and 0 < result["unk_tokens"] < n
    # float32 log-probabilities summed in a different order (batched vs one step at a time): ~1e-6 relative
    assert result["perplexity"] == pytest.approx(math.exp(nll / n), rel=1e-5)
    assert result["conditioning"] == ("each passage's own skip-thought vector" if style is None else f"style {style}")


def test_eval_decoder_conditioning_matters(capsys, config_yaml, romance_text):
    path, _ = romance_text
    own = run_json(capsys, "eval-decoder", "--config", str(config_yaml), str(path))
    book = run_json(capsys, "eval-decoder", "--config", str(config_yaml), str(path), "--style", "book")
    assert own["perplexity"] != book["perplexity"] and own["tokens"] == book["tokens"]


def test_eval_decoder_batches_agree(capsys, config_yaml, romance_text):
    path, _ = romance_text
    one = run_json(capsys, "eval-decoder", "--config", str(config_yaml), str(path), "--batch-size", "1")
    many = run_json(capsys, "eval-decoder", "--config", str(config_yaml), str(path), "--batch-size", "3")
    # padding changes only the batch's float rounding, not the sums beyond it
    assert many["perplexity"] == pytest.approx(one["perplexity"], rel=1e-5)


@pytest.mark.parametrize("args,needle", [(["--style", "nope"], "nope"), (["--batch-size", "0"], "--batch-size")])
def test_eval_decoder_bad_options_are_one_line(capsys, config_yaml, romance_text, args, needle):
    path, _ = romance_text
    assert main(["eval-decoder", "--config", str(config_yaml), str(path), *args]) == 1
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1 and needle in err


def test_eval_decoder_empty_text_is_one_line(capsys, config_yaml, tmp_path):
    (tmp_path / "empty.txt").write_text("\n\n  \n")
    assert main(["eval-decoder", "--config", str(config_yaml), str(tmp_path / "empty.txt")]) == 1
    assert "empty.txt" in capsys.readouterr().err
