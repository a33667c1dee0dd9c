"""What the default story path loads and imports: the caption pool's cached tokens (no NLTK import), the same
skip-thought vectors with and without them, and no NLTK, scipy, torchvision or transformers in a CLI run on the
default bundle once its caches exist."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from storyteller import captions as pool
from storyteller import pipeline, skipthoughts, tokenize

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("nltk", "scipy", "torchvision", "transformers", "sklearn")


def _run(code: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, cwd=ROOT,
                          env={**os.environ, **env})


def test_importing_the_pipeline_imports_no_nltk():
    proc = _run("import sys, storyteller.pipeline, storyteller.tokenize, storyteller.modes, storyteller.generate; "
                f"print([m for m in {HEAVY!r} if m in sys.modules])")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "[]"


def test_default_cli_path_imports_no_nltk_torchvision_or_transformers():
    pipeline.load()  # builds the bundle's caches (caption vectors and tokens) in the session's cache folder
    code = ("import sys, io, contextlib\n"
            "from storyteller.__main__ import main\n"
            "out = io.StringIO()\n"
            "with contextlib.redirect_stdout(out):\n"
            "    rc = main(['images/cat.jpg', '--k', '5', '--bw', '2'])\n"
            "assert rc == 0 and 'OUTPUT:' in out.getvalue(), out.getvalue()\n"
            f"print([m for m in {HEAVY!r} if m in sys.modules])\n")
    proc = _run(code)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip().splitlines()[-1] == "[]"


@pytest.fixture(scope="module")
def teller():
    return pipeline.load()


def test_cached_tokens_are_the_tokenizers(teller):
    toks = teller.caption_tokens
    assert toks is not None and len(toks) == len(set(teller.captions))
    for cap in list(teller.captions)[::97]:
        assert toks[cap] == " ".join(tokenize.text_tokens(cap)[0]) == tokenize.preprocess([cap])[0].strip()


def test_skipthought_vectors_with_cached_tokens_equal_tokenising(teller):
    caps = [c for c, _ in teller.nearest("images/cat.jpg", 40)]
    with_tokens = teller.caption_skipthoughts(caps)
    direct = skipthoughts.encode(teller.skipthoughts, caps, nonascii_unk=True)
    np.testing.assert_array_equal(with_tokens, direct)  # same tokens, same batches: bit-identical
    teller_without = pipeline.Storyteller(teller.skipthoughts, teller.decoder, teller.vse, teller.cnn,
                                          teller.captions, teller.caption_vectors, teller.caption_style,
                                          teller.book_style)
    np.testing.assert_array_equal(teller_without.caption_skipthoughts(caps), with_tokens)


def test_caption_not_in_the_cache_is_tokenised(teller, monkeypatch):
    caps = ["A cat naps on the sofa.", "Mr. Smith's dog, Rex, barks!"]
    monkeypatch.setattr(teller, "caption_tokens", {caps[0]: "WRONG tokens"})  # one missing: all are tokenised
    np.testing.assert_array_equal(teller.caption_skipthoughts(caps),
                                  skipthoughts.encode(teller.skipthoughts, caps, nonascii_unk=True))


def test_token_cache_is_written_reused_and_keyed_by_captions(tmp_path, monkeypatch):
    monkeypatch.setenv("STORYTELLER_CACHE", str(tmp_path / "cache"))
    caps = ["A man riding a horse.", "Two dogs play in the snow", "Dr. Who's \u201cTARDIS\u201d, blue."]
    cfg = {"captions": str(tmp_path / "caps.txt")}
    first = pool.caption_tokens(caps, cfg)
    assert first == {c: " ".join(tokenize.text_tokens(c)[0]) for c in caps}
    files = list((tmp_path / "cache").glob("ctok-*.json"))
    assert len(files) == 1 and json.loads(files[0].read_text()) == [first[c] for c in caps]
    files[0].write_text(json.dumps(["x"] * 3))  # what is in the file is what is used (no re-tokenising)
    assert pool.caption_tokens(caps, cfg) == dict(zip(caps, ["x"] * 3))
    other = pool.caption_tokens(caps[:2], cfg)  # other captions: another key
    assert other == {c: first[c] for c in caps[:2]}
    assert len(list((tmp_path / "cache").glob("ctok-*.json"))) == 2
    files[0].write_text("[1, 2")  # damaged: tokenised again
    assert pool.caption_tokens(caps, cfg) == first


def test_no_token_cache_for_large_pools(monkeypatch, tmp_path):
    monkeypatch.setenv("STORYTELLER_CACHE", str(tmp_path))
    monkeypatch.setattr(pool, "TOKEN_CACHE_LIMIT", 2)
    assert pool.caption_tokens(["a b", "c d", "e f"], {"captions": ""}) is None
    assert not list(tmp_path.glob("ctok-*"))
