"""What the default story path loads and imports: the caption pool's cached tokens (no NLTK import), the same
skip-thought vectors with and without them, no NLTK, scipy, torchvision or transformers in a CLI run on the
default bundle once its caches exist; large caption pools held compactly (the same captions) and the skip-thoughts
word map's hash index (the same rows as the dict)."""
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


# ------------------------------------------------------------------------------------ large pools, word map
POOL_CASES = [
    b"A dog .\nTwo cats\n", b"no final newline", b"", b"\n", b"\n\n x \n", b" a\r\n\tb \x0b\x0c\r\n",
    "caf\u00e9 \u00a0au lait\u00a0\n\u2003em space\u2003\nx\u0085\n\x1c y\x1f\n".encode("utf-8"),
    b"latin-1 \xe9t\xe9 \xa0\nutf-8 \xc3\xa9\n", "\u3000\n\u3000 \u2003\n\x1c\x1d\n\xa0\n".encode(),
    b"\xa0\n\x85\nok\n", b"  \n\t\n a b \n",
]


def _random_pools(n: int = 150) -> list[bytes]:
    import random

    rng = random.Random(0)
    alphabet = [b" ", b"\t", b"\r", b"\n", b"a", b"B", b"\xc3\xa9", b"\xe9", b"\xa0", b"\x1c", b"\xe3\x80\x80", b"."]
    return [b"".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(n)]


@pytest.mark.parametrize("data", POOL_CASES + _random_pools())
def test_compact_pool_reads_what_read_captions_reads(tmp_path, data):
    from storyteller.pool_texts import read_pool

    path = tmp_path / "caps.txt"
    path.write_bytes(data)
    lines = pool.read_captions(path)
    blanks = pool.blank_lines(lines)
    texts, blank = read_pool(data)
    assert blank == blanks
    kept = [c for i, c in enumerate(lines) if i not in set(blanks)]
    assert list(texts) == kept and [texts[i] for i in range(len(texts))] == kept and texts[:] == kept
    if kept:
        assert texts[-1] == kept[-1]
        assert pool._captions_digest(texts) == pool._captions_digest(kept)


def test_large_caption_file_is_held_compactly_with_the_same_captions(tmp_path, monkeypatch):
    path = tmp_path / "caps.txt"
    path.write_bytes(b"A dog runs .\n\nTwo cats\xe9 sleep\n  a red bus  \n")
    monkeypatch.setattr(pool, "COMPACT_BYTES", 1 << 30)
    with pytest.warns(UserWarning, match="line 2"):
        small, small_sig = pool.load_pool(path)
    monkeypatch.setattr(pool, "COMPACT_BYTES", 0)
    with pytest.warns(UserWarning, match="line 2"):
        big, big_sig = pool.load_pool(path)
    assert isinstance(small, list) and isinstance(big, pool.PoolTexts)
    assert list(big) == small and small_sig is None and big_sig is None
    with pytest.raises(IndexError):
        big[len(small)]


def _bad_pools() -> dict[str, tuple[bytes, str]]:
    import random

    rng = random.Random(2)
    junk = bytes(rng.randrange(256) for _ in range(30_000)) + b"\0"
    cr_only = b"".join(b"A dog runs on the beach number %d .\r" % i for i in range(2_000))
    return {
        "binary": (junk, r"caps\.txt: looks like a binary file .*NUL.*give UTF-8 text, one caption per line"),
        "utf-16": ("A dog runs .\nTwo cats sleep .\n".encode("utf-16"), r"caps\.txt: looks like a binary file"),
        "cr-only": (cr_only, r"caps\.txt: line 1 is [\d,]+ bytes long .*no \\n line ends \(CR-only"),
        "long line": (b"ok .\n" + b"word " * 3_000 + b"\n", r"caps\.txt: line 2 is 15,000 bytes long"),
    }


@pytest.mark.parametrize("compact", [False, True], ids=["list", "PoolTexts"])
@pytest.mark.parametrize("case", list(_bad_pools()))
def test_unreadable_pool_is_refused_in_one_line_by_both_readers(tmp_path, monkeypatch, case, compact):
    # a binary/UTF-16 file gave junk captions; a CR-only file one caption of the whole file that the VSE stepped
    # through for minutes; both the small-file reader and the compact one (files over COMPACT_BYTES) refuse them
    from storyteller.errors import InputError

    data, message = _bad_pools()[case]
    path = tmp_path / "caps.txt"
    path.write_bytes(data)
    monkeypatch.setattr(pool, "COMPACT_BYTES", 0 if compact else 1 << 30)
    with pytest.raises(InputError, match=message) as err:
        pool.load_pool(path)
    assert "\n" not in str(err.value)
    if not compact:
        with pytest.raises(InputError, match=message):
            pool.read_captions(path)


def test_long_but_acceptable_lines_and_crlf_still_read(tmp_path, monkeypatch):
    from storyteller.pool_texts import MAX_LINE_BYTES

    line = b"a" * (MAX_LINE_BYTES - 1) + b"\r"  # CRLF ends: the \r counts and the line is at the limit
    data = b"A dog runs .\r\n" + line + b"\n" + b"x" * MAX_LINE_BYTES
    path = tmp_path / "caps.txt"
    path.write_bytes(data)
    for limit in (1 << 30, 0):
        monkeypatch.setattr(pool, "COMPACT_BYTES", limit)
        caps, _ = pool.load_pool(path)
        assert list(caps) == ["A dog runs .", "a" * (MAX_LINE_BYTES - 1), "x" * MAX_LINE_BYTES]


def test_word_rows_lookup_without_the_dict_matches_it():
    import random

    class Colliding(str):  # every word the same hash: the index must still find the right row
        def __hash__(self) -> int:
            return 7

    rng = random.Random(1)
    for trial in range(200):
        vocab = [f"w{i}" for i in range(rng.randint(1, 20))]
        kind = Colliding if trial % 3 == 0 else str
        words = [kind(rng.choice(vocab)) for _ in range(rng.randint(1, 40))]
        reference = {str(w): i for i, w in enumerate(words)}  # the original's: the last duplicate wins
        rows = skipthoughts.WordRows(words)
        probe = [kind(w) for w in vocab + ["zz", "w99"]]
        found = rows.rows_of(probe, -5)
        assert rows._rows is None  # no dict was built
        assert {str(w): r for w, r in found.items()} == {str(w): reference.get(str(w), -5) for w in probe}
        assert all((w in rows) == (str(w) in reference) for w in probe)


def test_encode_gives_the_same_vectors_with_the_dict_or_the_index(teller):
    caps = [c for c, _ in teller.nearest("images/dog.jpg", 30)] + ["Zyzzyva qwerty caf\u00e9 ."]
    stv = teller.skipthoughts
    fresh = skipthoughts.WordRows(stv.words)
    plain = dict(zip(stv.words, range(len(stv.words))))
    out = []
    for rows in (fresh, plain):
        model = skipthoughts.SkipThoughts(stv.uni, stv.bi, stv.utable, stv.btable, rows, stv.words)
        out.append(skipthoughts.encode(model, caps, nonascii_unk=True))
    np.testing.assert_array_equal(out[0], out[1])
