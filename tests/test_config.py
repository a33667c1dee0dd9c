"""storyteller.config: reading, checking, discovering and writing configs (issues 7 and 8)."""
from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest
import yaml

from storyteller import catalog, config, generate
from storyteller.__main__ import main
from storyteller.errors import ConfigError, ModelFileError

ORIGINAL = ("uni_skip.npz", "uni_skip.npz.pkl", "bi_skip.npz", "bi_skip.npz.pkl", "utable.npy", "btable.npy",
            "dictionary.txt", "romance.npz", "romance.npz.pkl", "romance_dictionary.pkl", "coco_embedding.npz",
            "coco_embedding.npz.pkl", "coco_embedding.npz.dictionary.pkl", "coco_train_caps.txt",
            "caption_style.npy", "romance_style.npy", "swift_style.npy")


@pytest.fixture
def originals(golden, tmp_path) -> Path:
    """A plain folder of the original files (links to the golden ones), without config.yaml."""
    folder = tmp_path / "models"
    folder.mkdir()
    for name in ORIGINAL:
        (folder / name).symlink_to(golden.dir / name)
    return folder


def _touch(folder: Path, *names: str) -> None:
    for n in names:
        (folder / n).parent.mkdir(parents=True, exist_ok=True)
        (folder / n).write_bytes(b"x")


# ------------------------------------------------------------------------------------------ forms
def test_every_form_gives_the_same_config(originals):
    dict_cfg = {k: str(originals / v) if v else str(originals) for k, v in {
        "skmodels": "", "sktables": "", "decmodel": "romance.npz", "dictionary": "romance_dictionary.pkl",
        "vsemodel": "coco_embedding.npz", "captions": "coco_train_caps.txt", "negbias": "caption_style.npy",
        "posbias": "romance_style.npy"}.items()}
    from_dict = config.load_config(dict_cfg)
    from_folder = config.load_config(originals)  # no config.yaml: the files are found by name
    assert from_folder["styles"] == {"romance": str(originals / "romance_style.npy"),
                                     "swift": str(originals / "swift_style.npy")}
    assert {k: from_folder[k] for k in config.PATH_KEYS} == {k: from_dict[k] for k in config.PATH_KEYS}
    path = config.write_config(originals, from_folder, header="# test")
    assert config.load_config(path) == config.load_config(originals) == from_folder
    typed = config.load(originals)
    assert isinstance(typed, config.Config) and config.load_config(typed) == from_folder
    assert set(from_folder) == set(config.KEYS) and from_folder["cnn"] == "vgg19"
    assert generate.load_config is config.load_config and generate.PATH_KEYS == config.PATH_KEYS


def test_default_bundle_is_a_complete_story_config():
    cfg = config.load(None, require=config.STORY_KEYS)
    assert cfg.cnn == "efficientnet-lite0" and Path(cfg.decmodel).parent == config.DEFAULT_BUNDLE


@pytest.mark.parametrize("bad", [5, 3.5, ["models"], object(), b"models"])
def test_neither_path_nor_mapping(bad):
    with pytest.raises(ConfigError, match="a config must be a folder, a config.yaml path or a dict"):
        config.load_config(bad)


def test_empty_path_and_binary_file(tmp_path):
    with pytest.raises(ConfigError, match="empty"):
        config.load_config("")
    (tmp_path / "romance.npz").write_bytes(b"PK\x03\x04\xff\xfe\x00binary")
    with pytest.raises(ConfigError, match="not a config.yaml"):
        config.load_config(tmp_path / "romance.npz")
    (tmp_path / "list.yaml").write_text("- a\n- b\n")
    with pytest.raises(ConfigError, match="mapping"):
        config.load_config(tmp_path / "list.yaml")


# ------------------------------------------------------------------------------------------ types
@pytest.mark.parametrize("key, value, words", [
    ("captions", 5, "'captions' must be a path (text), not int 5"),
    ("decmodel", ["a.npz", "b.npz"], "'decmodel' must be a path (text), not list"),
    ("vgg", True, "'vgg' must be a path (text), not bool"),
    ("styles", ["swift_style.npy"], "'styles' must map style names to .npy files"),
    ("cnn", 19, "'cnn' must be the name of a feature extractor"),
    ("name", {"a": 1}, "'name' must be text"),
])
def test_wrong_types_name_the_key(tmp_path, key, value, words):
    with pytest.raises(ConfigError, match=words.replace("(", r"\(").replace(")", r"\)")):
        config.load_config({key: value})
    (tmp_path / "config.yaml").write_text(yaml.safe_dump({key: value}))
    with pytest.raises(ConfigError) as e:
        config.load_config(tmp_path)
    assert str(tmp_path / "config.yaml") in str(e.value) and f"'{key}'" in str(e.value)


def test_unknown_keys_get_a_suggestion_and_caffe_keys_a_warning(tmp_path):
    with pytest.raises(ConfigError, match=r"'decmodle' \(did you mean 'decmodel'\?\)"):
        config.load_config({"decmodle": "romance.npz"})
    with pytest.warns(UserWarning, match="pycaffe"):
        cfg = config.load_config({"pycaffe": "/opt/caffe/python"})
    assert "pycaffe" not in cfg


# ------------------------------------------------------------------------------------------ files
def test_missing_files_and_companions_are_named(originals, tmp_path):
    with pytest.raises(ConfigError, match=r"'decmodel'.*nope\.npz: file not found"):
        config.load_config({"decmodel": str(tmp_path / "nope.npz"), "dictionary": str(tmp_path / "d.pkl")})
    lone = tmp_path / "lone"
    lone.mkdir()
    (lone / "romance.npz").symlink_to(originals / "romance.npz")  # without romance.npz.pkl beside it
    with pytest.raises(ConfigError, match=r"'decmodel': romance\.npz\.pkl not found beside"):
        config.load_config({"decmodel": str(lone / "romance.npz"),
                            "dictionary": str(originals / "romance_dictionary.pkl")})
    with pytest.raises(ConfigError, match=r"'skmodels' must be a folder .* use " + str(originals)):
        config.load_config({"skmodels": str(originals / "uni_skip.npz"), "sktables": str(originals)})
    with pytest.raises(ConfigError, match=r"'sktables': .* lacks btable\.npy"):
        _touch(tmp_path / "t", "utable.npy", "dictionary.txt")
        config.load_config({"skmodels": str(originals), "sktables": str(tmp_path / "t")})
    with pytest.raises(ConfigError, match=r"style 'x'.*file not found"):
        config.load_config({"styles": {"x": str(tmp_path / "x.npy")}})
    assert config.load_config({"decmodel": "missing.npz", "dictionary": "d.pkl"}, check_files=False)["decmodel"]


def test_a_part_without_its_partner_is_refused(originals):
    with pytest.raises(ConfigError, match="'decmodel' is set but 'dictionary' is empty"):
        config.load_config({"decmodel": str(originals / "romance.npz")})
    with pytest.raises(ConfigError, match="'sktables' is set but 'skmodels' is empty"):
        config.load_config({"sktables": str(originals)})


# -------------------------------------------------------------------------------- what a story needs
def test_required_keys_are_all_listed_at_load(originals):
    """A config without a decoder (or with captions: None) used to load and fail inside story()."""
    partial = {"skmodels": str(originals), "sktables": str(originals), "captions": None,
               "vsemodel": str(originals / "coco_embedding.npz")}
    cfg = config.load_config(partial)  # partial configs stay possible ...
    assert cfg["captions"] == "" and config.missing(cfg) == ["decmodel", "dictionary", "captions", "negbias",
                                                           "posbias"]
    with pytest.raises(ConfigError) as e:  # ... and a story config names every gap at once
        config.load_config(partial, require=config.STORY_KEYS)
    msg = str(e.value)
    assert "\n" not in msg and "to tell stories" in msg
    for key in ("'decmodel'", "'dictionary'", "'captions'", "'negbias'", "'posbias'"):
        assert key in msg
    assert "'skmodels'" not in msg and "romance.npz" in msg  # says what the key names
    with pytest.raises(ConfigError, match="'captions'"):
        config.check(cfg, require=("captions",))
    config.check(cfg, require=("skmodels", "vsemodel"))
    assert isinstance(e.value, ModelFileError)  # old code catching ModelFileError still catches it


# ------------------------------------------------------------------------------------------ discover
def test_plain_folder_of_original_files_works_as_config(golden, originals, capsys):
    """--config on a folder of original files used to say only "config.yaml not found"."""
    z = generate.load_all(originals, verbose=False)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        generate.story(z, golden.npz["image_features"][0])
    assert out.getvalue() == golden.images()[0]["story_default"]["stdout"]
    capsys.readouterr()
    assert main([str(golden.dir / "story_image.png"), "--config", str(originals)]) == 1
    err = capsys.readouterr().err
    assert "not found" not in err and "CNN" in err  # it got as far as the image: the folder has no VGG


def test_discover_converted_nested_and_incomplete(tmp_path):
    converted = ("uni_skip.safetensors", "uni_skip.json", "bi_skip.safetensors", "bi_skip.json", "utable.npy",
                 "btable.npy", "dictionary.txt", "romance.safetensors", "romance.json", "romance_dictionary.json",
                 "coco_embedding.safetensors", "coco_embedding.json", "coco_embedding.dictionary.json",
                 "coco_train_caps.txt", "caption_style.npy", "romance_style.npy", "vgg19.safetensors")
    _touch(tmp_path / "a" / "b", *converted)
    _touch(tmp_path, "romance.npz", "swift_style.npy", "x.part", ".hidden/romance.npz", "cache/captions.txt")
    rel = config.discover(tmp_path, resolve=False)
    assert rel["skmodels"] == rel["sktables"] == "a/b"
    assert rel["decmodel"] == "a/b/romance.safetensors"  # the top romance.npz lacks its .pkl: not a part
    assert rel["dictionary"] == "a/b/romance_dictionary.json" and rel["vsemodel"] == "a/b/coco_embedding.safetensors"
    assert rel["captions"] == "a/b/coco_train_caps.txt" and rel["vgg"] == "a/b/vgg19.safetensors"
    assert rel["styles"] == {"romance": "a/b/romance_style.npy", "swift": "swift_style.npy"}
    _touch(tmp_path, "romance.npz.pkl", "romance_dictionary.pkl")
    assert config.discover(tmp_path)["decmodel"] == str(tmp_path / "romance.npz")  # now complete, and shallower
    # members given (what an archive unpacked) are preferred
    _touch(tmp_path / "z", "romance.npz", "romance.npz.pkl")
    assert config.discover(tmp_path, ["z/romance.npz"], resolve=False)["decmodel"] == "z/romance.npz"


def test_folder_without_any_model_file(tmp_path):
    _touch(tmp_path, "notes.txt")
    with pytest.raises(ConfigError, match=r"no config.yaml and none of the model files .*download"):
        config.load_config(tmp_path)
    with pytest.raises(ConfigError, match="not a folder"):
        config.discover(tmp_path / "notes.txt")


def test_catalog_is_consistent():
    names = {f.name for f in catalog.FILES}
    for f in catalog.FILES:
        assert set(f.companions) <= names and f.source in {r.name for r in catalog.REMOTES}
    assert set(catalog.SKIPTHOUGHTS_FILES) == {r.name for r in catalog.REMOTES if r.group == "skipthoughts"}
    assert set(catalog.ZIP_MEMBERS) == set(config.STORY_KEYS) - {"skmodels", "sktables"}
    assert all(k in config.PATH_KEYS for k in catalog.MODEL_FILES)
    assert catalog.describe("romance.npz") and catalog.describe("nope") == ""


# ------------------------------------------------------------------------------------------ write
def test_write_config_round_trips_awkward_paths(tmp_path):
    """Paths YAML would misread if written by hand (': ', '#', a leading '*', quotes) survive safe_dump."""
    folder = tmp_path / "out"
    odd = tmp_path / "a: b #c" / "*star's"
    _touch(odd, "romance.npz", "romance.npz.pkl", "dict.pkl")
    _touch(folder / "x: y", "caption_style.npy")
    path = config.write_config(folder, {"decmodel": str(odd / "romance.npz"), "dictionary": str(odd / "dict.pkl"),
                                        "negbias": str(folder / "x: y" / "caption_style.npy"),
                                        "styles": {"c: d": str(folder / "x: y" / "caption_style.npy")},
                                        "name": "#1 model"}, header="Written by a test")
    text = path.read_text()
    assert text.startswith("# Written by a test\n")
    raw = yaml.safe_load(text)
    assert raw["negbias"] == "x: y/caption_style.npy"  # inside the folder: relative
    assert raw["decmodel"] == str(odd / "romance.npz")  # outside: absolute
    cfg = config.load_config(folder, check_files=False)  # (the files are stand-ins: only their paths matter here)
    assert cfg["decmodel"] == str(odd / "romance.npz") and cfg["name"] == "#1 model"
    assert cfg["styles"] == {"c: d": str(folder / "x: y" / "caption_style.npy")}


def test_write_config_refuses_bad_entries_and_writes_nothing(tmp_path):
    for bad in ({"decmodle": "x"}, {"captions": 5}, {"decmodel": "romance.npz"}):
        with pytest.raises(ConfigError):
            config.write_config(tmp_path, bad)
    assert not (tmp_path / "config.yaml").exists()


def test_no_hand_written_yaml_left():
    """Every config.yaml writer goes through config.write_config (yaml.safe_dump)."""
    root = Path(__file__).resolve().parents[1]
    for rel in ("storyteller/download.py", "storyteller/train/cli.py", "scripts/build_default_bundle.py"):
        src = (root / rel).read_text()
        assert "write_config" in src and "yaml.safe_dump" not in src and 'decmodel: ' not in src, rel

