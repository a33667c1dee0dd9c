"""The formats wing: every kind of file is recognised from its content, every loader refuses a file that holds
another part with one line naming the key, the file, what it looks like and what was expected (for every pair of
parts, original and converted formats), and the readers of both formats give the same parameters."""
from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import GOLDEN_VGG_DIR
from safetensors.torch import save_file

from storyteller import config as config_module
from storyteller import convert as C
from storyteller import decoder, embedding, formats, generate, skipthoughts
from storyteller.errors import ModelFileError
from storyteller.formats import kiros, native, pickles

VGG_EXAMPLE = GOLDEN_VGG_DIR / "vgg19_layout_example.pkl"
ORIGINALS = {  # kind -> file name in the golden folder
    "uni-skip": "uni_skip.npz", "bi-skip": "bi_skip.npz", "decoder": "romance.npz", "vse": "coco_embedding.npz",
    "word-table": "utable.npy", "word-list": "dictionary.txt", "word-dictionary": "romance_dictionary.pkl",
    "options": "romance.npz.pkl", "style-vector": "caption_style.npy", "captions": "coco_train_caps.txt",
    "image": "story_image.png",
}
NATIVES = {"native-uni-skip": "uni_skip.safetensors", "native-bi-skip": "bi_skip.safetensors",
           "native-decoder": "romance.safetensors", "native-vse": "coco_embedding.safetensors",
           "native-word-table": "utable.npy", "native-word-dictionary": "romance_dictionary.json",
           "native-options": "romance.json", "torchvision-state-dict": "vgg19.safetensors"}
# where a file is expected (config key, or folder key/file name) -> (part, kinds accepted there)
SLOTS = {
    "decmodel": ("decoder", {"decoder", "native-decoder"}),
    "dictionary": ("word-dictionary", {"word-dictionary", "native-word-dictionary"}),
    "vsemodel": ("vse", {"vse", "native-vse"}),
    "skmodels/uni_skip": ("uni-skip", {"uni-skip", "native-uni-skip"}),
    "skmodels/bi_skip": ("bi-skip", {"bi-skip", "native-bi-skip"}),
    "sktables/utable.npy": ("word-table", {"word-table", "native-word-table"}),
    "sktables/dictionary.txt": ("word-list", {"word-list"}),
    "captions": ("captions", {"captions"}),
    "negbias": ("style-vector", {"style-vector"}),
    "posbias": ("style-vector", {"style-vector"}),
    "vgg": ("vgg19", {"vgg19-lasagne", "torchvision-state-dict"}),
}


@pytest.fixture(scope="module")
def natives(tmp_path_factory, z) -> Path:
    """The golden models written in the native format by the model modules' save_model functions."""
    d = tmp_path_factory.mktemp("native")
    decoder.save_model(z["dec"], d / "romance.safetensors", d / "romance_dictionary.json")
    embedding.save_model(z["vse"], d / "coco_embedding.safetensors")
    skipthoughts.save_model(z["stv"], d, d)
    save_file({"features.0.weight": torch.zeros(2, 3, 3, 3), "features.0.bias": torch.zeros(2)},
              str(d / "vgg19.safetensors"))
    return d


@pytest.fixture(scope="module")
def files(golden, natives) -> dict[str, Path]:
    """kind -> a real file of that kind."""
    out = {k: golden.dir / n for k, n in ORIGINALS.items()}
    out.update({k: natives / n for k, n in NATIVES.items()})
    if VGG_EXAMPLE.is_file():
        out["vgg19-lasagne"] = VGG_EXAMPLE
    return out


def _load(slot: str, path: Path, tmp_path: Path, golden_dir: Path) -> None:
    """Give ``path`` to the loader of ``slot`` as a user would (the model modules' loaders where they exist)."""
    key, _, name = slot.partition("/")
    if key == "decmodel":
        decoder.load_model(path, golden_dir / "romance_dictionary.pkl")
    elif key == "dictionary":
        decoder.load_model(golden_dir / "romance.npz", path)
    elif key == "vsemodel":
        embedding.load_model(path)
    elif key in ("skmodels", "sktables"):
        folder = tmp_path / key
        folder.mkdir(parents=True)
        for f in ("uni_skip.npz", "uni_skip.npz.pkl", "bi_skip.npz", "bi_skip.npz.pkl", "utable.npy", "btable.npy",
                  "dictionary.txt"):
            shutil.copy(golden_dir / f, folder / f)
        target = name if key == "sktables" else name + (".safetensors" if path.suffix == ".safetensors" else ".npz")
        shutil.copy(path, folder / target)
        if path.with_suffix(".json").is_file() and key == "skmodels":  # a converted encoder's options
            shutil.copy(path.with_suffix(".json"), (folder / target).with_suffix(".json"))
        (skipthoughts.load_encoders if key == "skmodels" else skipthoughts.load_tables)(folder)
    else:
        formats.check_config({key: str(path)})


# ---------------------------------------------------------------------------------------------- identify
@pytest.mark.parametrize("kind", sorted(set(ORIGINALS) | set(NATIVES) | {"vgg19-lasagne"}))
def test_identify_by_content(files, kind, tmp_path):
    if kind not in files:
        pytest.skip(f"{VGG_EXAMPLE} not found")
    assert formats.identify(files[kind]) == kind
    renamed = tmp_path / "renamed.bin"  # the content decides, not the name
    shutil.copy(files[kind], renamed)
    if not files[kind].name.endswith(".pkl"):  # (protocol-2 pickles are known by content, protocol 0 by .pkl)
        assert formats.identify(renamed) == kind


def test_identify_protocol0_pickles(golden):
    for name, kind in (("romance.npz.pkl", "options"), ("romance_dictionary.pkl", "word-dictionary"),
                       ("coco_embedding.npz.dictionary.pkl", "word-dictionary")):
        assert formats.identify(golden.dir / "py2_protocol0" / name) == kind


def test_identify_never_unpickles(tmp_path):
    marker = tmp_path / "pwned"
    evil = tmp_path / "romance.npz.pkl"
    evil.write_bytes(b"\x80\x02cos\nsystem\nq\x00X\x0c\x00\x00\x00touch pwned!q\x01\x85q\x02Rq\x03.")
    assert formats.identify(evil) == "unknown"
    assert not marker.exists()


# ------------------------------------------------------------------------------------------ wrong parts
@pytest.mark.parametrize("slot", sorted(SLOTS))
def test_every_loader_refuses_every_other_part(files, slot, tmp_path, golden):
    """For every place a file is expected and every kind of file that does not belong there: one line naming
    the config key, the file, what it looks like and what was expected (original and converted formats)."""
    part, accepted = SLOTS[slot]
    key = slot.partition("/")[0]
    checked = 0
    for kind, path in sorted(files.items()):
        if kind in accepted:
            continue
        case = tmp_path / kind
        case.mkdir()
        with pytest.raises(ModelFileError) as e:
            _load(slot, path, case, golden.dir)
        msg = str(e.value)
        assert msg.startswith(f"config key '{key}': "), (kind, msg)
        assert f"looks like {formats.describe(kind)}, expected {formats.PARTS[part]}." in msg, (kind, msg)
        assert "\n" not in msg
        checked += 1
    assert checked >= len(files) - len(accepted) - 1


@pytest.mark.parametrize("slot", sorted(SLOTS))
def test_every_loader_accepts_its_own_parts(files, slot, tmp_path, golden):
    part, accepted = SLOTS[slot]
    for kind in sorted(accepted & set(files)):
        path = files[kind]
        assert formats.expect(path, part, key=slot.partition("/")[0]) == kind
        if slot != "vgg":  # (the Lasagne reader wants the real VGG-19 layout; tests/test_vision.py covers it)
            _load(slot, path, tmp_path / kind, golden.dir)


def test_the_issue_example(golden, config_factory):
    """An encoder given as the decoder printed "storyteller: error: 'dimctx'" (a KeyError from the options)."""
    path = golden.dir / "uni_skip.npz"
    want = (f"config key 'decmodel': {path} looks like a skip-thoughts encoder (uni-skip), expected the decoder "
            "(romance.npz + .pkl, or its converted .safetensors + .json).")
    with pytest.raises(ModelFileError) as e:
        decoder.load_model(path, golden.dir / "romance_dictionary.pkl")
    assert str(e.value) == want
    cfg = config_factory(golden.dir, decmodel=path)  # complete: a partial config is refused before loading
    with pytest.raises(ModelFileError, match="looks like a skip-thoughts encoder"):
        generate.load_all(cfg, verbose=False)


def test_folder_keys_given_a_file(golden):
    with pytest.raises(ModelFileError, match=r"config key 'skmodels': .*uni_skip\.npz is a file that looks like a "
                                             r"skip-thoughts encoder \(uni-skip\); the key names the folder"):
        skipthoughts.load_encoders(golden.dir / "uni_skip.npz")
    with pytest.raises(ModelFileError, match="config key 'sktables'.*folder holding utable.npy"):
        skipthoughts.load_tables(golden.dir / "utable.npy")


def test_convert_refuses_a_config_naming_wrong_parts_before_writing(tmp_path, golden):
    """The keys whose loaders live elsewhere (captions, styles, vgg) are checked when convert reads its SRC."""
    for key, name, kind in (("captions", "romance.npz", "decoder"), ("negbias", "coco_train_caps.txt", "captions"),
                            ("posbias", "coco_embedding.npz", "vse"), ("vgg", "caption_style.npy", "style-vector")):
        cfg = {"decmodel": str(golden.dir / "romance.npz"), "dictionary": str(golden.dir / "romance_dictionary.pkl")}
        cfg[key] = str(golden.dir / name)
        src = tmp_path / f"{key}.yaml"
        src.write_text("".join(f"{k}: {v}\n" for k, v in cfg.items()))
        with pytest.raises(ModelFileError) as e:
            C.convert(src, tmp_path / "dest", progress=False, log=lambda *_: None)
        assert str(e.value).startswith(f"config key '{key}': {golden.dir / name} looks like {formats.describe(kind)}")
        assert not (tmp_path / "dest").exists()


# --------------------------------------------------------------------------------- both formats, one reading
@pytest.mark.parametrize("part,name", [("uni-skip", "uni_skip"), ("bi-skip", "bi_skip"), ("decoder", "romance"),
                                       ("vse", "coco_embedding")])
def test_native_and_original_read_the_same(golden, natives, part, name):
    orig = formats.load_part(part, golden.dir / f"{name}.npz", key="k")
    conv = formats.load_part(part, natives / f"{name}.safetensors", key="k")
    assert (orig.kind, conv.kind, conv.mapped, orig.mapped) == (part, f"native-{part}", True, False)
    assert set(orig.state) == set(conv.state)
    for k in orig.state:
        torch.testing.assert_close(conv.state[k], orig.state[k].contiguous(), rtol=0, atol=0, msg=k)
    if part == "vse":
        assert dict(conv.vocab) == dict(orig.vocab)
    for k in kiros.shapes(part, orig.options):  # and back to the original arrays, bit for bit
        assert k in kiros.to_theano(part, orig.state)
    with np.load(golden.dir / f"{name}.npz") as f:
        back = kiros.to_theano(part, conv.state)
        for k, v in back.items():
            np.testing.assert_array_equal(v, f[k], err_msg=k)


def test_golden_models_give_their_arrays_back(golden, z):
    """decoder/embedding/skipthoughts.to_theano of the loaded golden models: the .npz arrays, unchanged."""
    outs = {"romance.npz": decoder.to_theano(z["dec"]), "coco_embedding.npz": embedding.to_theano(z["vse"]),
            **{f"{k}.npz": v for k, v in skipthoughts.to_theano(z["stv"]).items()}}
    for name, back in outs.items():
        with np.load(golden.dir / name) as f:
            for k, v in back.items():
                np.testing.assert_array_equal(v, f[k], err_msg=f"{name}:{k}")
    assert set(np.load(golden.dir / "romance.npz").files) - set(outs["romance.npz"]) == {"history_errs"}


def test_companions(golden, natives):
    assert formats.companions("decoder", golden.dir / "romance.npz") == [
        golden.dir / "romance.npz", golden.dir / "romance.npz.pkl"]
    assert [p.name for p in formats.companions("vse", natives / "coco_embedding.safetensors")] == [
        "coco_embedding.safetensors", "coco_embedding.json", "coco_embedding.dictionary.json"]


def test_check_config_accepts_the_golden_config(config):
    formats.check_config(config)


# ------------------------------------------------------------------------------------------ broken files
def test_native_part_without_its_options(tmp_path, natives):
    shutil.copy(natives / "romance.safetensors", tmp_path / "romance.safetensors")
    with pytest.raises(ModelFileError, match=r"config key 'decmodel': .*romance\.json: file not found"):
        decoder.load_model(tmp_path / "romance.safetensors", natives / "romance_dictionary.json")


def test_truncated_native_part(tmp_path, natives):
    for f in ("coco_embedding.json", "coco_embedding.dictionary.json"):
        shutil.copy(natives / f, tmp_path / f)
    data = (natives / "coco_embedding.safetensors").read_bytes()
    (tmp_path / "coco_embedding.safetensors").write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError, match=r"config key 'vsemodel': .*not a readable safetensors file"):
        embedding.load_model(tmp_path / "coco_embedding.safetensors")


def test_options_without_a_size(tmp_path, golden):
    opts = pickles.load_pickle(golden.dir / "romance.npz.pkl")
    del opts["dimctx"]
    shutil.copy(golden.dir / "romance.npz", tmp_path / "romance.npz")
    (tmp_path / "romance.npz.pkl").write_bytes(pickle.dumps(dict(opts), protocol=2))
    with pytest.raises(ModelFileError, match=r"config key 'decmodel': .*romance\.npz\.pkl has no option 'dimctx'"):
        decoder.load_model(tmp_path / "romance.npz", golden.dir / "romance_dictionary.pkl")


def test_dictionary_that_is_not_word_to_index(tmp_path, golden):
    bad = tmp_path / "romance_dictionary.pkl"
    bad.write_bytes(pickle.dumps({"a": "b"}, protocol=2))
    with pytest.raises(ModelFileError, match=r"config key 'dictionary': .*expected word -> integer index"):
        decoder.load_model(golden.dir / "romance.npz", bad)


def test_load_part_names(golden):
    with pytest.raises(ValueError, match="unknown part or kind"):
        formats.load_part("romance", golden.dir / "romance.npz")
    w = formats.load_part("decoder", golden.dir / "romance.npz")  # a part: the format is found
    assert w.kind == "decoder" and w.options["dimctx"] == 48
    assert formats.load_part("word-list", golden.dir / "dictionary.txt")[:2] == ["warm", "up"]


# ------------------------------------------------------------------------------------------- word tables
def test_streamed_and_whole_table_readers_agree(golden, tmp_path):
    for name in ("utable.npy", "btable.npy"):
        whole = pickles.read_object_table(golden.dir / name)
        streamed = pickles.read_object_table(golden.dir / name, stream=True)
        assert whole.dtype == streamed.dtype == np.float32 and whole.shape == (524, 16)
        np.testing.assert_array_equal(streamed, whole)
    native_table = native.read_word_table(Path(shutil.copy(golden.dir / "image_features.npy", tmp_path / "t.npy")))
    assert isinstance(native_table, np.memmap)


# ------------------------------------------------------------------------------------------- a new format
def test_a_new_format_needs_one_registry_entry(tmp_path, golden, config, monkeypatch, capsys):
    """A decoder shipped as one torch file (options + Theano-named arrays): one Format entry (reader, part, sniff)
    makes every loader of the decoder read it, and the result is the same model as romance.npz; a config naming
    it loads (config.load_config checks it, load_all tells the golden story) and converts, with no change outside
    storyteller.formats (the config, the catalogue and convert ask the registry what the file is and holds)."""
    params = pickles.load_npz(golden.dir / "romance.npz")
    opts = dict(pickles.load_pickle(golden.dir / "romance.npz.pkl"))
    path = tmp_path / "romance.pt"
    torch.save({"options": {k: v for k, v in opts.items() if isinstance(v, (int, str))},
                "params": {k: torch.from_numpy(v) for k, v in params.items() if k != "history_errs"}}, path)
    assert formats.identify(path) == "unknown"

    def read(p: Path, key: str | None) -> formats.Weights:
        d = torch.load(p, weights_only=True)
        state = kiros.theano_to_state("decoder", {k: v.numpy() for k, v in d["params"].items()})
        return formats.Weights("decoder-pt", p, dict(d["options"]), state, key=key)

    monkeypatch.setitem(formats.FORMATS, "decoder-pt", formats.Format(
        "a decoder in one torch file", "decoder", read, sniff=lambda p, head: p.suffix == ".pt"))
    assert formats.identify(path) == "decoder-pt"
    ours = decoder.load_model(path, golden.dir / "romance_dictionary.pkl")
    ref = decoder.load_model(golden.dir / "romance.npz", golden.dir / "romance_dictionary.pkl")
    for (name, a), (_, b) in zip(ours.state_dict().items(), ref.state_dict().items()):
        torch.testing.assert_close(a, b, rtol=0, atol=0, msg=name)
    with pytest.raises(ModelFileError, match="looks like a decoder in one torch file, expected the visual"):
        embedding.load_model(path)

    # end to end: a config naming it is checked, loaded and tells the golden story, byte for byte
    cfg = {**config, "decmodel": str(path)}
    assert config_module.load_config(cfg, require=config_module.STORY_KEYS)["decmodel"] == str(path)
    with pytest.raises(ModelFileError, match="'vsemodel'.*looks like a decoder in one torch file"):
        config_module.load_config({**config, "vsemodel": str(path)})
    z = generate.load_all(cfg, verbose=False)
    capsys.readouterr()
    generate.story(z, golden.npz["image_features"][0])
    assert capsys.readouterr().out == golden.images()[0]["story_default"]["stdout"]
    # ... and converts to the native format, which loads as the same model
    written = config_module.write_config(tmp_path / "model", cfg)
    C.convert(written, tmp_path / "converted", progress=False, log=lambda *a: None)
    native_cfg = config_module.load_config(tmp_path / "converted")
    assert formats.identify(native_cfg["decmodel"]) == "native-decoder"
    again = decoder.load_model(native_cfg["decmodel"], native_cfg["dictionary"])
    for (name, a), (_, b) in zip(again.state_dict().items(), ref.state_dict().items()):
        torch.testing.assert_close(a, b, rtol=0, atol=0, msg=name)
