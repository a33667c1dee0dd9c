"""The caption index (config key 'index', ``index-captions``): exact retrieval equals the numpy ranking of
``pipeline.rank`` (captions and scores, ties included), approximate recall, resuming, stale indexes, load_all."""
from __future__ import annotations

import contextlib
import io
import json
import shutil

import numpy as np
import pytest

pytest.importorskip("faiss")

from storyteller import embedding, generate, pipeline  # noqa: E402
from storyteller.__main__ import main  # noqa: E402
from storyteller.errors import ConfigError  # noqa: E402
from storyteller.index import open_index  # noqa: E402
from storyteller.index_build import build_index  # noqa: E402

RECALL_FLOOR = 0.9  # at the default search settings on the synthetic 20k pool (measured: ivf 0.95, hnsw below)


@pytest.fixture(scope="module")
def vse(golden):
    return embedding.load_model(golden.dir / "coco_embedding.npz")


def _quiet_build(*args, **kw):
    return build_index(*args, verbose=False, say=lambda m: None, **kw)


def _listing(index, rows, scores):
    return [(index.captions[int(r)], float(s)) for r, s in zip(rows, scores)]


def _same_as_numpy(vse, index, plain_vectors, captions, feats, k):
    """pipeline.rank through the index == pipeline.rank on the plain vectors: same captions, same scores."""
    want_rows, want_scores = pipeline.rank(vse, plain_vectors, feats, k)
    got_rows, got_scores = pipeline.rank(vse, index.vectors, feats, k)
    want = [(captions[i], float(want_scores[i])) for i in want_rows]
    got = [(captions[i], float(got_scores[i])) for i in got_rows]
    assert got == want
    return got_rows, want_rows


@pytest.fixture(scope="module")
def synthetic_pool(golden, tmp_path_factory):
    """20,000 captions from the golden pool's words, with duplicates (same text) and distinct texts that embed
    identically (extra spaces, unknown words): exact ties of equal and of different captions."""
    rng = np.random.default_rng(7)
    base = [c for c in (golden.dir / "coco_train_caps.txt").read_text(encoding="utf-8").split("\n") if c.split()]
    words = sorted({w for c in base for w in c.split()})
    lines = []
    for i in range(20_000):
        r = rng.random()
        if r < 0.2 and lines:
            lines.append(lines[int(rng.integers(len(lines)))])                     # duplicate
        elif r < 0.3 and lines:
            lines.append(lines[int(rng.integers(len(lines)))].replace(" ", "  ", 1))  # same tokens, other text
        elif r < 0.35:
            lines.append(f"A zzunk{i} on the qqunk{i}")                             # unknown words: UNK vectors
        else:
            lines.append(" ".join(rng.choice(words, int(rng.integers(3, 12)))))
    path = tmp_path_factory.mktemp("pool") / "captions.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def synthetic_flat(vse, golden, synthetic_pool, tmp_path_factory):
    out = tmp_path_factory.mktemp("idx") / "flat"
    _quiet_build(synthetic_pool, vse, golden.dir / "coco_embedding.npz", out, chunk=4096)
    return open_index(out, synthetic_pool, golden.dir / "coco_embedding.npz")


def _queries(vse, n, seed):
    rng = np.random.default_rng(seed)
    return [np.abs(rng.standard_normal(vse.options["dim_image"])).astype(np.float32) for _ in range(n)]


def test_exact_index_equals_numpy_on_golden_pool(golden, vse, tmp_path):
    caps_path = golden.dir / "coco_train_caps.txt"
    vse_path = golden.dir / "coco_embedding.npz"
    _quiet_build(caps_path, vse, vse_path, tmp_path / "idx")
    index = open_index(tmp_path / "idx", caps_path, vse_path)
    caps = [c for c in generate.read_captions(caps_path) if c.split()]
    assert list(index.captions) == caps
    plain = embedding.encode_sentences(vse, caps)  # what load_all embeds (the pool fits one chunk)
    np.testing.assert_array_equal(np.asarray(index.vectors), plain)
    feats = [golden.npz["image_features"][n] for n in range(len(golden.npz["image_features"]))]
    for f in feats + _queries(vse, 20, 0):
        for k in (1, 5, 100, len(caps)):
            _same_as_numpy(vse, index, plain, caps, pipeline._check_features(f, vse.options["dim_image"], ""), k)


def test_exact_index_equals_numpy_with_ties(vse, synthetic_flat, synthetic_pool):
    index = synthetic_flat
    caps = list(index.captions)
    plain = np.array(index.vectors)
    assert len(caps) == 20_000 and len(set(caps)) < 17_000  # duplicates
    ties = 0
    for f in _queries(vse, 30, 1):
        got, want = _same_as_numpy(vse, index, plain, caps, f, 100)
        s = plain @ embedding.encode_images(vse, (f / np.linalg.norm(f))[None])[0]
        ties += len(np.unique(s[want])) < len(want)
    assert ties > 0  # the queries met tied scores at or above the cut
    assert index.fallbacks > 0  # different captions tied at the cut: ranked by numpy in full


def test_rescoring_is_bitwise_the_full_product(vse, synthetic_flat):
    plain = np.array(synthetic_flat.vectors)
    queries = [embedding.encode_images(vse, (f / np.linalg.norm(f))[None]) for f in _queries(vse, 6, 2)]
    synthetic_flat.search(queries[0], 100)  # the first query calibrates the re-scoring to this BLAS
    if synthetic_flat._threads == 0:
        pytest.skip("this BLAS rounds a gemv in a way the re-scoring does not model: the index answers every "
                    "query with the full numpy product instead (identical by construction)")
    rows = np.random.default_rng(3).choice(len(plain), 2000, replace=False)
    for emb in queries[1:]:
        np.testing.assert_array_equal(synthetic_flat._rescore(emb, rows), np.dot(emb, plain.T).flatten()[rows])


@pytest.mark.parametrize("kind", ["ivf", "hnsw"])
def test_approximate_index_recall(vse, golden, synthetic_pool, tmp_path, kind):
    out = tmp_path / kind
    said = []
    build_index(synthetic_pool, vse, golden.dir / "coco_embedding.npz", out, kind=kind, verbose=False,
                say=said.append)
    manifest = json.loads((out / "manifest.json").read_text())
    print(f"{kind} recall@100 on the synthetic 20k pool: {manifest['recall_at_100']:.4f} ({manifest['factory']}, "
          f"{manifest['search']})")
    assert any("recall@100" in m for m in said)
    assert manifest["recall_at_100"] >= RECALL_FLOOR
    index = open_index(out, synthetic_pool, golden.dir / "coco_embedding.npz")
    plain = np.array(index.vectors)
    for f in _queries(vse, 3, 4):
        rows, scores = pipeline.rank(vse, index.vectors, f, 100)
        exact = np.dot(embedding.encode_images(vse, (f / np.linalg.norm(f))[None]), plain.T).flatten()
        np.testing.assert_array_equal(scores[rows], exact[rows])  # candidates are re-scored exactly
        assert (np.diff(scores[rows]) <= 0).all()


def test_index_captions_resumes_after_interrupt(golden, synthetic_pool, tmp_path, monkeypatch, config):
    cfg = tmp_path / "config.yaml"
    cfg.write_text("".join(f"{k}: '{v}'\n" for k, v in config.items()), encoding="utf-8")
    base = ["index-captions", str(synthetic_pool), "--config", str(cfg), "--chunk", "3000", "--quiet"]
    assert main(base + ["--out", str(tmp_path / "whole")]) == 0
    real, calls = embedding.encode_sentences, []

    def flaky(*a, **kw):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(*a, **kw)

    monkeypatch.setattr(embedding, "encode_sentences", flaky)
    assert main(base + ["--out", str(tmp_path / "resumed")]) == 130
    assert not (tmp_path / "resumed" / "manifest.json").exists()
    progress = json.loads((tmp_path / "resumed" / ".building" / "progress.json").read_text())
    assert progress["done"] == 2
    calls.clear()
    monkeypatch.setattr(embedding, "encode_sentences", lambda *a, **kw: (calls.append(1), real(*a, **kw))[1])
    assert main(base + ["--out", str(tmp_path / "resumed")]) == 0
    assert len(calls) == 5  # 7 chunks of 3000 for 20,000 captions, 2 were done
    for name in ("vectors.npy", "offsets.npy", "manifest.json"):
        assert (tmp_path / "whole" / name).read_bytes() == (tmp_path / "resumed" / name).read_bytes() or \
            name == "manifest.json"
    a, b = (json.loads((tmp_path / d / "manifest.json").read_text()) for d in ("whole", "resumed"))
    assert a == b
    assert not (tmp_path / "resumed" / ".building").exists()


def test_stale_index_refused(golden, vse, config, tmp_path, capsys):
    caps = tmp_path / "captions.txt"
    shutil.copy(golden.dir / "coco_train_caps.txt", caps)
    _quiet_build(caps, vse, golden.dir / "coco_embedding.npz", tmp_path / "idx")
    cfg = dict(config, captions=str(caps), index=str(tmp_path / "idx"))
    pipeline.load(cfg)  # fresh: fine
    with caps.open("a", encoding="utf-8") as f:
        f.write("A new caption about a dog\n")
    with pytest.raises(ConfigError, match=r"config key 'index': .* is stale: .*caption.*index-captions"):
        pipeline.load(cfg)
    yaml_cfg = tmp_path / "config.yaml"
    yaml_cfg.write_text("".join(f"{k}: '{v}'\n" for k, v in cfg.items()), encoding="utf-8")
    feats = tmp_path / "img.png"
    assert main([str(golden.dir / "story_image.png"), "--config", str(yaml_cfg)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "is stale" in err[0] and "index-captions" in err[0]
    del feats


def test_missing_index_is_one_clear_error(config, tmp_path):
    with pytest.raises(ConfigError, match=r"config key 'index': .* not found; build it with"):
        pipeline.load(dict(config, index=str(tmp_path / "nowhere")))


def test_load_all_with_index_tells_the_golden_story(golden, z, config, vse, tmp_path):
    caps_path = golden.dir / "coco_train_caps.txt"
    _quiet_build(caps_path, vse, golden.dir / "coco_embedding.npz", tmp_path / "idx")
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        zi = generate.load_all(dict(config, index=str(tmp_path / "idx")))
    assert type(zi["cvec"]).__name__ == "IndexedVectors" and len(zi["cap"]) == len(z["cap"])
    for n in range(2):
        f = golden.npz["image_features"][n]
        outs = []
        for zz in (z, zi):
            buf = io.StringIO()
            with contextlib.redirect_stdout(buf):
                generate.story(zz, f)
            outs.append(buf.getvalue())
        assert outs[0] == outs[1] == golden.images()[n]["story_default"]["stdout"]
    st = pipeline.load(dict(config, index=str(tmp_path / "idx")))
    plain = pipeline.load(config)
    f = golden.npz["image_features"][0]
    assert st.nearest(f, 100) == plain.nearest(f, 100)


def test_exact_index_equals_numpy_on_bundle_pool(tmp_path):
    from storyteller import captions as pool
    from storyteller.config import DEFAULT_BUNDLE, load_config

    cfg = load_config(DEFAULT_BUNDLE)
    vse = embedding.load_model(cfg["vsemodel"])
    caps, sig = pool.load_pool(cfg["captions"])
    cached = pool.caption_vectors(vse, caps, cfg, False, captions_file=(cfg["captions"], sig))  # what load uses
    _quiet_build(cfg["captions"], vse, cfg["vsemodel"], tmp_path / "idx")
    index = open_index(tmp_path / "idx", cfg["captions"], cfg["vsemodel"])
    np.testing.assert_array_equal(np.asarray(index.vectors), cached)  # one chunk: the same embedding call
    rng = np.random.default_rng(5)
    for _ in range(30):  # softmax-like features, as the bundle's EfficientNet gives
        logits = rng.standard_normal(vse.options["dim_image"]) * 3
        f = (np.exp(logits) / np.exp(logits).sum()).astype(np.float32)
        _same_as_numpy(vse, index, cached, caps, f, 100)


def test_rank_without_index_takes_tensors_and_arrays(vse, synthetic_flat):
    """torch.Tensor has an ``index`` attribute of its own: only IndexedVectors route retrieval to an index."""
    import torch

    plain = np.array(synthetic_flat.vectors)
    f = _queries(vse, 1, 9)[0]
    rows_t, scores_t = pipeline.rank(vse, torch.from_numpy(plain), f, 50)
    rows_a, scores_a = pipeline.rank(vse, plain, f, 50)
    np.testing.assert_array_equal(rows_t, rows_a)
    assert np.isfinite(scores_t).all() and len(scores_t) == len(plain)  # all N scores, as without an index
