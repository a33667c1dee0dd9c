"""The fast CPU paths (oneDNN prepacked weights in ``Decoder.step``/``KirosGRU.step``, the folded input projection
in ``embedding.encode_sentences``) give the plain paths' results, fall back when the private ops are missing, and
re-pack when the weights change; plus the loading shortcuts (meta-device construction, lazy skip-thoughts word
map, caption reading, the file-hash cache) and the public encoder save/load."""
from __future__ import annotations

import random

import numpy as np
import pytest
import torch

from storyteller import decoder, embedding, generate, gru, skipthoughts
from storyteller.gru import KirosGRU

needs_packed = pytest.mark.skipif(not gru.packed_linear_available(), reason="oneDNN prepacked linear unavailable")


# ----------------------------------------------------------------------------------------------- helpers
plain_path = gru.plain_paths


def kiros(*grus: torch.nn.GRU) -> None:
    with torch.no_grad():
        for g in grus:
            for name, p in g.named_parameters():
                if name.startswith("bias_hh"):
                    p.zero_()


def make_decoder(seed: int = 0, doutput: bool = True, n_words: int = 60, dim: int = 32) -> decoder.Decoder:
    torch.manual_seed(seed)
    dec = decoder.Decoder(n_words, 12, 20, dim, doutput=doutput)
    kiros(dec.decoder)
    with torch.no_grad():
        for p in dec.parameters():
            p.mul_(3.0)  # peaked distributions: beams with clear margins
        dec.ff_logit.bias[0] = 1.0  # some beams end with <eos>, others run to maxlen
    dec.word_idict = {i: f"w{i}" for i in range(n_words)}
    dec.word_idict.update({0: "<eos>", 1: "UNK"})
    return dec.eval()


def make_vse(seed: int = 0) -> embedding.VSE:
    torch.manual_seed(seed)
    vse = embedding.VSE(40, 10, 24, 16)
    kiros(vse.encoder)
    vse.worddict = {f"w{i}": i + 2 for i in range(40)}
    return vse.eval()


def captions(n: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(f"w{rng.randrange(45)}" for _ in range(rng.randrange(0, 25))) for _ in range(n)]


def assert_same_beams(fast, plain):
    assert [t for t, _ in fast] == [t for t, _ in plain]
    np.testing.assert_allclose([s for _, s in fast], [s for _, s in plain], rtol=1e-4, atol=1e-4)


# ---------------------------------------------------------------------------------------- decoder / GRU
@needs_packed
@pytest.mark.parametrize("doutput", [True, False])
@pytest.mark.parametrize("bw", [1, 5, 20])
def test_beam_search_fast_equals_plain(doutput, bw):
    dec = make_decoder(doutput=doutput)
    ended = 0
    for seed in range(3):
        c = np.random.default_rng(seed).standard_normal(20).astype(np.float32)
        fast = decoder.beam_search(dec, c, bw, maxlen=40)
        with plain_path():
            plain = decoder.beam_search(dec, c, bw, maxlen=40)
        assert_same_beams(fast, plain)
        ended += sum(t[-1] == 0 for t, _ in fast)
        with plain_path():
            want = decoder.run_sampler(dec, c, bw, maxlen=40)
        assert decoder.run_sampler(dec, c, bw, maxlen=40) == want
    assert ended > 0
    assert dec in gru._PACKS and set(gru._PACKS[dec]) == ({"logit", "hid"} if doutput else {"logit"})
    assert set(gru._PACKS[dec.decoder]) == {"ih", "hh"}


@needs_packed
def test_step_fast_equals_plain_and_gru_cell():
    dec = make_decoder()
    prev = torch.tensor([-1, 3, 7, 0, 59])
    state = dec.init_state(torch.randn(5, 20))
    with torch.no_grad():
        p_fast, h_fast = dec.step(prev, state)
        with plain_path():
            p_plain, h_plain = dec.step(prev, state)
        x = dec.embed(prev)
        g = dec.decoder
        ref = torch.gru_cell(x, state, g.weight_ih_l0, g.weight_hh_l0, g.bias_ih_l0, g.bias_hh_l0)
        # equal projections give bit-identical gates
        same_gates = gru.kiros_gates(torch.nn.functional.linear(x, g.weight_ih_l0, g.bias_ih_l0),
                                     torch.nn.functional.linear(state, g.weight_hh_l0, g.bias_hh_l0), state)
    torch.testing.assert_close(h_fast, h_plain, rtol=0, atol=1e-5)
    torch.testing.assert_close(p_fast, p_plain, rtol=0, atol=1e-5)
    torch.testing.assert_close(h_plain, ref, rtol=0, atol=0)
    torch.testing.assert_close(same_gates, ref, rtol=0, atol=1e-6)


@needs_packed
def test_packed_weights_follow_weight_changes():
    dec = make_decoder()
    c = np.random.default_rng(1).standard_normal(20).astype(np.float32)
    decoder.beam_search(dec, c, 5, maxlen=20)
    first = dict(gru._PACKS[dec])
    with torch.no_grad():  # in place: the version counter moves
        dec.ff_logit.weight.mul_(0.5)
        dec.decoder.weight_hh_l0.mul_(1.5)
    fast = decoder.beam_search(dec, c, 5, maxlen=20)
    with plain_path():
        plain = decoder.beam_search(dec, c, 5, maxlen=20)
    assert_same_beams(fast, plain)
    assert gru._PACKS[dec]["logit"] is not first["logit"] and gru._PACKS[dec]["hid"] is first["hid"]
    # replaced parameters (load_state_dict(assign=True)) are noticed as well
    other = make_decoder(seed=5)
    dec.load_state_dict(other.state_dict(), assign=True)
    fast = decoder.beam_search(dec, c, 5, maxlen=20)
    with plain_path():
        plain = decoder.beam_search(other, c, 5, maxlen=20)
    assert_same_beams(fast, plain)


def test_plain_path_when_autograd_records_or_not_cpu_float32():
    g = KirosGRU(4, 3)
    x = torch.randn(2, 4)
    with torch.enable_grad():
        assert gru.packed_linear(g, "ih", g.weight_ih_l0, g.bias_ih_l0, like=x) is None
        h = g.step(x, torch.zeros(2, 3))
    assert h.requires_grad  # autograd still works through step()
    with torch.no_grad():
        assert gru.packed_linear(g, "ih", g.weight_ih_l0, g.bias_ih_l0, like=x.double()) is None
        assert gru.packed_linear(g, "ih", g.weight_ih_l0, g.bias_ih_l0, like=x.to("meta")) is None


def test_fallback_when_the_ops_are_unavailable(monkeypatch):
    dec, vse = make_decoder(), make_vse()
    c = np.random.default_rng(2).standard_normal(20).astype(np.float32)
    caps = captions(50)
    with plain_path():
        want_beams = decoder.beam_search(dec, c, 5, maxlen=30)
        want_vecs = embedding.encode_sentences(vse, caps)

    def forbidden(*a, **k):
        raise AssertionError("the prepacked path was used although the ops are unavailable")

    monkeypatch.setattr(gru.PackedLinear, "__init__", forbidden)
    monkeypatch.setattr(embedding, "_encode_packed", forbidden)
    for breakage in ("no mkldnn", "ops raise"):
        with monkeypatch.context() as m:
            if breakage == "no mkldnn":
                m.setattr(torch.backends.mkldnn, "is_available", lambda: False)
            else:
                m.setattr(torch.ops.mkldnn, "_reorder_linear_weight", forbidden, raising=False)
            m.setattr(gru, "_PACKED_OK", None)  # probe again
            assert not gru.packed_linear_available()
            assert decoder.beam_search(dec, c, 5, maxlen=30) == want_beams
            np.testing.assert_array_equal(embedding.encode_sentences(vse, caps), want_vecs)


def test_probe_leaves_the_random_generator_alone(monkeypatch):
    monkeypatch.setattr(gru, "_PACKED_OK", None)
    torch.manual_seed(123)
    gru.packed_linear_available()
    a = torch.rand(3)
    torch.manual_seed(123)
    torch.testing.assert_close(a, torch.rand(3), rtol=0, atol=0)


# ------------------------------------------------------------------------------------------- VSE encode
@needs_packed
@pytest.mark.parametrize("batch_size", [None, 7, 128])
def test_encode_sentences_fast_equals_plain(batch_size):
    vse = make_vse()
    caps = captions(300) + ["", "w3", "zzz unknown words only", "w1 " * 60]
    fast = embedding.encode_sentences(vse, caps, batch_size=batch_size)
    with plain_path():
        plain = embedding.encode_sentences(vse, caps, batch_size=batch_size)
    assert fast.dtype == np.float32 and fast.shape == (len(caps), 24)
    np.testing.assert_allclose(fast, plain, rtol=0, atol=1e-5)
    assert embedding.encode_sentences(vse, []).shape == (0, 24)


@needs_packed
def test_encode_sentences_follows_weight_changes():
    vse = make_vse()
    caps = captions(40, seed=3)
    embedding.encode_sentences(vse, caps)
    with torch.no_grad():
        vse.encoder.weight_hh_l0.mul_(1.3)
        vse.Wemb.weight.add_(0.1)
    fast = embedding.encode_sentences(vse, caps)
    with plain_path():
        plain = embedding.encode_sentences(vse, caps)
    np.testing.assert_allclose(fast, plain, rtol=0, atol=1e-5)


# -------------------------------------------------------------------------------------------- loading
def test_models_load_without_random_init_aligned_float32(tmp_path):
    dec, vse = make_decoder(), make_vse()
    decoder.save_model(dec, tmp_path / "dec.safetensors", half=True)
    embedding.save_model(vse, tmp_path / "vse.safetensors")
    d2 = decoder.load_model(tmp_path / "dec.safetensors", tmp_path / "dec.dictionary.json")
    v2 = embedding.load_model(tmp_path / "vse.safetensors")
    for m, ref, atol in ((d2, dec, 2e-2), (v2, vse, 0)):
        for (name, p), (_, q) in zip(m.named_parameters(), ref.named_parameters()):
            assert p.device.type == "cpu" and p.dtype == torch.float32 and p.is_contiguous(), name
            assert p.data_ptr() % 64 == 0, name
            torch.testing.assert_close(p, q, rtol=0, atol=atol)
    assert d2.decoder._flat_weights[0] is d2.decoder.weight_ih_l0  # nn.GRU sees the loaded tensors

    caps = captions(20)
    np.testing.assert_array_equal(embedding.encode_sentences(v2, caps), embedding.encode_sentences(vse, caps))


def test_assign_state_copies_mapped_and_misaligned_tensors():
    def linear():
        with torch.device("meta"):
            return torch.nn.Linear(16, 4)

    state = {"weight": torch.randn(4, 16), "bias": torch.randn(4)}
    assert state["weight"].data_ptr() % 64 == 0
    m = gru.assign_state(linear(), state)
    assert m.weight.data_ptr() == state["weight"].data_ptr()  # fresh and aligned: assigned as is
    m = gru.assign_state(linear(), state, copy=True)
    assert m.weight.data_ptr() != state["weight"].data_ptr()
    odd = torch.zeros(4 * 16 + 1)[1:].view(4, 16)
    m = gru.assign_state(linear(), {"weight": odd, "bias": state["bias"]})
    assert m.weight.data_ptr() % 64 == 0 and m.weight.device.type == "cpu"
    torch.testing.assert_close(m.weight, odd, rtol=0, atol=0)


@pytest.mark.parametrize("kind", ["decoder", "vse", "skipthoughts"])
def test_safetensors_weights_are_copied_not_mapped(tmp_path, monkeypatch, kind):
    """safetensors.load_file maps the file; a file overwritten in place must not change a loaded model."""
    from safetensors.torch import load_file

    seen = []
    from storyteller.formats import native  # the one safetensors reader of every part

    monkeypatch.setattr(native, "load_file", lambda *a, **k: seen.append(load_file(*a, **k)) or seen[-1])
    if kind == "decoder":
        decoder.save_model(make_decoder(), tmp_path / "d.safetensors")
        model = decoder.load_model(tmp_path / "d.safetensors", tmp_path / "d.dictionary.json")
    elif kind == "vse":
        embedding.save_model(make_vse(), tmp_path / "v.safetensors")
        model = embedding.load_model(tmp_path / "v.safetensors")
    else:
        skipthoughts.save_encoders(KirosGRU(6, 8), KirosGRU(6, 4, bidirectional=True), tmp_path)
        model = torch.nn.ModuleList(skipthoughts.load_encoders(tmp_path)[:2])
    mapped = {t.untyped_storage().data_ptr() for sd in seen for t in sd.values()}
    assert seen and not any(p.untyped_storage().data_ptr() in mapped for p in model.parameters())


def test_encoders_save_and_load_without_tables(tmp_path):
    torch.manual_seed(0)
    uni, bi = KirosGRU(6, 8), KirosGRU(6, 4, bidirectional=True)
    kiros(uni, bi)
    model = skipthoughts.SkipThoughts(uni, bi, np.zeros((0, 6), np.float32), np.zeros((0, 6), np.float32), {}, [],
                                      {"note": "x", "bad": object()}, {})
    skipthoughts.save_model(model, tmp_path / "a", tables=False)
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == [
        "bi_skip.json", "bi_skip.safetensors", "uni_skip.json", "uni_skip.safetensors"]
    skipthoughts.save_encoders(uni, bi, tmp_path / "b", {"note": "x"})
    for folder in ("a", "b"):
        u2, b2, uo, bo = skipthoughts.load_encoders(tmp_path / folder)
        assert uo["note"] == "x" and uo["dim"] == 8 and bo["dim"] == 4 and not u2.training
        for m, ref in ((u2, uni), (b2, bi)):
            for (_, p), (_, q) in zip(m.named_parameters(), ref.named_parameters()):
                torch.testing.assert_close(p, q, rtol=0, atol=0)
    with pytest.raises(TypeError, match="path_to_tables"):
        skipthoughts.save_model(model, tmp_path / "c")


def test_word_rows_lazy_last_duplicate_wins():
    rows = skipthoughts.WordRows(["UNK", "<eos>", "a", "b", "a"])
    assert rows._rows is None
    assert rows["a"] == 4 and rows.get("zz", 1) == 1 and "b" in rows and "zz" not in rows
    assert dict(rows) == {"UNK": 0, "<eos>": 1, "a": 4, "b": 3} and len(rows) == 4
    assert rows == {"UNK": 0, "<eos>": 1, "a": 4, "b": 3}


def _read_captions_per_line(data: bytes) -> list[str]:
    """The reference semantics (the previous implementation)."""
    caps = []
    for line in data.split(b"\n"):
        raw = line.strip()
        try:
            caps.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            caps.append(raw.decode("latin-1"))
    if caps and caps[-1] == "" and data.endswith(b"\n"):
        caps.pop()
    return caps


@pytest.mark.parametrize("data", [
    b"A dog .\nTwo cats\n", b"no final newline", b"", b"\n", b"\n\n x \n", b" a\r\n\tb \x0b\x0c\r\n",
    "caf\u00e9 \u00a0au lait\u00a0\n\u2003em space\u2003\nx\u0085\n\x1c y\x1f\n".encode("utf-8"),
    b"latin-1 \xe9t\xe9 \xa0\nutf-8 \xc3\xa9\n",
])
def test_read_captions_matches_the_per_line_reading(tmp_path, data):
    path = tmp_path / "caps.txt"
    path.write_bytes(data)
    assert generate.read_captions(path) == _read_captions_per_line(data)


def test_file_hashes_are_remembered_by_signature(tmp_path, monkeypatch):
    monkeypatch.setenv("STORYTELLER_CACHE", str(tmp_path / "cache"))
    vse = make_vse()
    embedding.save_model(vse, tmp_path / "vse.safetensors")
    cap_file = tmp_path / "caps.txt"
    cap_file.write_text("\n".join(captions(30)) + "\n", encoding="utf-8")
    cfg = generate.load_config({"vsemodel": str(tmp_path / "vse.safetensors"), "captions": str(cap_file)})
    calls = []
    real_file, real_caps = generate.sha256_file, generate._captions_digest
    monkeypatch.setattr(generate, "sha256_file", lambda p: calls.append(p) or real_file(p))
    monkeypatch.setattr(generate, "_captions_digest", lambda c: calls.append("caps") or real_caps(c))

    def load():
        caps, sig = generate._read_captions_signed(cap_file)
        return generate.caption_vectors(vse, caps, cfg, verbose=False, captions_file=(cap_file, sig))

    first = load()
    assert "caps" in calls and len(calls) == 4  # captions + vse .safetensors/.json/.dictionary.json
    calls.clear()
    np.testing.assert_array_equal(load(), first)
    assert calls == []  # all digests from file-hashes.json, and the same cache file
    assert len(list((tmp_path / "cache").glob("cvec-*.npy"))) == 1
    # a changed file is hashed again and gets its own cache entry
    cap_file.write_text("\n".join(captions(31)) + "\n", encoding="utf-8")
    assert load().shape == (31, 24) and "caps" in calls
    assert len(list((tmp_path / "cache").glob("cvec-*.npy"))) == 2
    # without a signature (captions not read from the file) the captions are always hashed
    calls.clear()
    generate.caption_vectors(vse, generate.read_captions(cap_file), cfg, verbose=False)
    assert calls == ["caps"]
