"""The one place that reads, checks, discovers and writes ``config.yaml``.

A config names the files of a model with the keys of the original neural-storyteller ``config.py`` (its ``paths``
dict): ``skmodels sktables decmodel dictionary vsemodel vgg captions negbias posbias``, plus ``cnn`` (the feature
extractor), ``cache`` (where caption embeddings are cached), ``styles`` (named book styles), ``name`` and
``index`` (a caption index folder, see :mod:`storyteller.index`). Each key is documented on :class:`Config`.
An empty value means "not loaded"; relative paths are taken from the folder of the YAML file (from the current
folder for a dict).

A config can be given as None (the default bundle), a ``config.yaml``, a folder holding one, a folder of model
files without one (they are found by name, see :func:`discover`), a dict, or a :class:`Config`.

Public API::

    load(config=None, *, require=(), check_files=True) -> Config
    load_config(config=None, *, require=(), check_files=True) -> dict      # the dict generate.load_all uses
    check(config, require=STORY_KEYS) -> None                             # raises ConfigError naming every gap
    missing(config, require=STORY_KEYS) -> list[str]
    discover(folder, members=()) -> dict                # a folder of model files -> config dict (storyteller.discovery)
    write_config(folder, entries, *, header="") -> Path                   # config.yaml via yaml.safe_dump

Every problem raises :class:`storyteller.errors.ConfigError` (a ``ModelFileError``) with one line that names the
config, the key, what is wrong and the fix.
"""
from __future__ import annotations

import difflib
import os
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from . import catalog, discovery, formats
from .errors import ConfigError, ModelFileError
from .store import atomic_write

__all__ = ["Config", "load", "load_config", "check", "missing", "discover", "write_config", "DEFAULT_BUNDLE",
           "PATH_KEYS", "FOLDER_KEYS", "STORY_KEYS", "OTHER_KEYS", "KEYS", "CONFIG_NAME"]

DEFAULT_BUNDLE = Path(__file__).resolve().parent / "bundle"
CONFIG_NAME = "config.yaml"
# The original config.py keys; a key whose value is empty is not loaded.
PATH_KEYS = ("skmodels", "sktables", "decmodel", "dictionary", "vsemodel", "vgg", "captions", "negbias", "posbias")
FOLDER_KEYS = ("skmodels", "sktables")  # folders (the original concatenated file names to them)
OTHER_KEYS = ("cnn", "cache", "styles", "name", "index")
KEYS = PATH_KEYS + OTHER_KEYS
# What story() needs: everything but the CNN (image features may be passed instead of an image, as the original
# allowed by calling the model on features; the 'efficientnet-lite0' CNN needs no file).
STORY_KEYS = ("skmodels", "sktables", "decmodel", "dictionary", "vsemodel", "captions", "negbias", "posbias")
# Keys of the original config.py for its Caffe CPU path, which the port does not use (warned about and ignored).
UNUSED_ORIGINAL_KEYS = ("pycaffe", "vgg_proto_caffe", "vgg_model_caffe")
# A key that is only usable together with another.
_PAIRS = {"skmodels": "sktables", "sktables": "skmodels", "decmodel": "dictionary", "dictionary": "decmodel"}


def _doc(text: str) -> Any:
    return {"doc": text}


@dataclass
class Config:
    """A resolved config: absolute paths ('' = not loaded). Field docs say what each key names."""

    skmodels: str = field(default="", metadata=_doc(
        "folder of the skip-thoughts encoders: uni_skip.npz + bi_skip.npz (+ .pkl), or uni_skip/bi_skip "
        ".safetensors + .json"))
    sktables: str = field(default="", metadata=_doc(
        "folder of the skip-thoughts word tables: utable.npy, btable.npy, dictionary.txt"))
    decmodel: str = field(default="", metadata=_doc(
        "the decoder: romance.npz (+ romance.npz.pkl beside it) or a .safetensors (+ .json)"))
    dictionary: str = field(default="", metadata=_doc(
        "the decoder's vocabulary: romance_dictionary.pkl or a .dictionary.json"))
    vsemodel: str = field(default="", metadata=_doc(
        "the image-sentence embedding: coco_embedding.npz (+ .pkl, .dictionary.pkl) or a .safetensors (+ .json)"))
    vgg: str = field(default="", metadata=_doc(
        "VGG-19 weights (vgg19.pkl, Lasagne) for cnn 'vgg19'; '' to pass image features yourself"))
    captions: str = field(default="", metadata=_doc("the caption pool, one caption per line: coco_train_caps.txt"))
    negbias: str = field(default="", metadata=_doc("caption style vector c: caption_style.npy"))
    posbias: str = field(default="", metadata=_doc("book style vector b: romance_style.npy (or swift_style.npy)"))
    cnn: str = field(default="vgg19", metadata=_doc("feature extractor: 'vgg19' (the original) or "
                                                    "'efficientnet-lite0'"))
    cache: str = field(default="", metadata=_doc(
        "folder for cached caption embeddings ('' = $STORYTELLER_CACHE or ~/.cache/storyteller)"))
    styles: dict[str, str] = field(default_factory=dict, metadata=_doc(
        "named book styles for --style NAME: {name: style .npy}"))
    name: str = field(default="", metadata=_doc("a label for the model"))
    index: str = field(default="", metadata=_doc(
        "a caption index folder (python -m storyteller index-captions) to retrieve from instead of embedding "
        "the pool in memory ('' = none)"))
    origin: str = field(default="the config", repr=False, compare=False, metadata=_doc(
        "where the config came from (for messages; not a key)"))

    def to_dict(self) -> dict[str, Any]:
        """The keys as a plain dict (what ``generate.load_all`` keeps in ``z['config']``)."""
        return {f.name: (dict(v) if isinstance(v := getattr(self, f.name), dict) else v)
                for f in fields(self) if f.name in KEYS}


def help_for(key: str) -> str:
    """What config key ``key`` names (from :class:`Config`'s field docs)."""
    return next((f.metadata["doc"] for f in fields(Config) if f.name == key), "")


# --------------------------------------------------------------------------------------------- reading
def _read(config: Any) -> tuple[dict[str, Any], Path, str, bool]:
    """``(raw keys, base folder of relative paths, origin, discovered)`` of any accepted config form."""
    if config is None:
        config = DEFAULT_BUNDLE
    if isinstance(config, Config):
        return config.to_dict(), Path.cwd(), config.origin, False
    if isinstance(config, Mapping):
        return dict(config), Path.cwd(), "the config dict", False
    if not isinstance(config, (str, os.PathLike)):
        raise ConfigError(f"a config must be a folder, a config.yaml path or a dict of config keys, not "
                          f"{type(config).__name__} {_short(config)}")
    if str(config).strip() == "":
        raise ConfigError("the config path is empty; give a model folder or a config.yaml (or nothing for the "
                          "default bundle)")
    path = Path(config).expanduser()
    if path.is_dir():
        if not (path / CONFIG_NAME).is_file():
            return discover(path, resolve=False), path, f"the model files found in {path}", True
        path = path / CONFIG_NAME
    if not path.is_file():
        hint = (" The default model bundle is missing from this installation; reinstall the package."
                if Path(config) == DEFAULT_BUNDLE else " Give a model folder or a config.yaml.")
        raise ConfigError(f"config file {path} not found.{hint}")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path} is not a config.yaml (it is not text); give the folder of the model files "
                          "or a YAML config") from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise ConfigError(f"{path} is not valid YAML: {' '.join(str(e).split())}") from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path} must hold a mapping of config keys (key: value lines), not "
                          f"{type(raw).__name__}")
    return raw, path.parent, str(path), False


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _path_value(key: str, value: Any, origin: str) -> str:
    if value is None:
        return ""
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str):
        raise ConfigError(f"{origin}: config key '{key}' must be a path (text), not {type(value).__name__} "
                          f"{_short(value)}; it names {help_for(key)} (write '' to leave it out)")
    return value.strip()


def _absolute(value: str, base: Path) -> str:
    # abspath, not resolve(): a symlinked romance.npz keeps its .pkl companions beside the link
    return os.path.abspath(base / os.path.expanduser(value)) if value else ""


def _resolve(raw: Mapping[str, Any], base: Path, origin: str) -> Config:
    """Check keys and types and make paths absolute (no file is looked at)."""
    bad = [k for k in raw if not isinstance(k, str)]
    if bad:
        raise ConfigError(f"{origin}: config keys must be names, not {_short(bad[0])}; known keys: {', '.join(KEYS)}")
    unused = sorted(set(raw) & set(UNUSED_ORIGINAL_KEYS))
    if unused:
        warnings.warn(f"{origin}: ignoring {', '.join(unused)} (the original's Caffe path; this port runs VGG-19 "
                      "from the 'vgg' weights)", stacklevel=3)
    unknown = sorted(set(raw) - set(KEYS) - set(UNUSED_ORIGINAL_KEYS))
    if unknown:
        guesses = {k: difflib.get_close_matches(k, KEYS, n=1) for k in unknown}
        said = ", ".join(f"'{k}'" + (f" (did you mean '{guesses[k][0]}'?)" if guesses[k] else "") for k in unknown)
        raise ConfigError(f"{origin}: unknown config key(s) {said}; known keys: {', '.join(KEYS)}")
    cfg = Config(origin=origin)
    for key in PATH_KEYS:
        setattr(cfg, key, _absolute(_path_value(key, raw.get(key), origin), base))
    cfg.cache = _absolute(_path_value("cache", raw.get("cache"), origin), base)
    cfg.index = _absolute(_path_value("index", raw.get("index"), origin), base)
    cnn = raw.get("cnn")
    if cnn is not None and (not isinstance(cnn, str) or not cnn.strip()):
        raise ConfigError(f"{origin}: config key 'cnn' must be the name of a feature extractor ('vgg19' or "
                          f"'efficientnet-lite0'), not {_short(cnn)}")
    cfg.cnn = cnn.strip() if cnn else "vgg19"
    name = raw.get("name")
    if name is not None and not isinstance(name, (str, int, float)):
        raise ConfigError(f"{origin}: config key 'name' must be text, not {type(name).__name__}")
    cfg.name = "" if name is None else str(name)
    styles = raw.get("styles")
    if styles is not None and not isinstance(styles, Mapping):
        raise ConfigError(f"{origin}: config key 'styles' must map style names to .npy files (e.g. "
                          f"'swift: swift_style.npy' indented below 'styles:'), not {type(styles).__name__}")
    for sname, value in (styles or {}).items():
        path = _path_value(f"styles: {sname}", value, origin)
        if not path:
            raise ConfigError(f"{origin}: style '{sname}' (config key 'styles') has no file; give its .npy or "
                              "remove the entry")
        cfg.styles[str(sname)] = _absolute(path, base)
    return cfg


def _check_pairs(cfg: Config) -> None:
    for key, other in _PAIRS.items():
        if getattr(cfg, key) and not getattr(cfg, other):
            raise ConfigError(f"{cfg.origin}: config key '{key}' is set but '{other}' is empty; '{key}' needs "
                              f"{help_for(other)}")


def _check_files(cfg: Config) -> None:
    """Every non-empty path exists as the kind of thing its key names (a file or a folder), holds the part its
    key names (:func:`storyteller.formats.check_config`, from the content), with the files its format needs
    beside it. Raises ConfigError, or ModelFileError from ``formats`` (:func:`load` makes it a ConfigError)."""
    where = cfg.origin
    beside: list[tuple[str, Path, list[Path]]] = []  # (key, file, the files its format needs beside it)
    for key in PATH_KEYS:
        value = getattr(cfg, key)
        if not value:
            continue
        p = Path(value)
        if key in FOLDER_KEYS:
            if p.is_file():
                raise ConfigError(f"{where}: config key '{key}' must be a folder ({help_for(key)}), not the file "
                                  f"{p}; use {p.parent}")
            if not p.is_dir():
                raise ConfigError(f"{where}: config key '{key}': folder {p} not found; it should hold "
                                  f"{help_for(key).split(': ', 1)[-1]}")
            names = catalog.TABLE_FILES if key == "sktables" else ()
            if key == "skmodels":
                encoders = {n.replace("_", "-"): formats.encoder_file(p, n) for n in ("uni_skip", "bi_skip")}
                if not all(e.is_file() for e in encoders.values()):
                    sets = " or ".join(" + ".join(s) for s in catalog.ENCODER_SETS)
                    raise ConfigError(f"{where}: config key 'skmodels': {p} lacks the skip-thoughts encoders ({sets})")
                beside += [(key, e, formats.companions(part, e, check=False)[1:]) for part, e in encoders.items()]
            lack = [n for n in names if not (p / n).is_file()]
            if lack:
                raise ConfigError(f"{where}: config key '{key}': {p} lacks {', '.join(lack)}")
            continue
        if p.is_dir():
            raise ConfigError(f"{where}: config key '{key}' must be a file ({help_for(key)}), not the folder {p}")
        if not p.is_file():
            raise ConfigError(f"{where}: config key '{key}': {p}: file not found. Check the path in the config "
                              "(relative paths are taken from the config file's folder).")
        beside.append((key, p, catalog.companions(key, p)))
    for sname, value in cfg.styles.items():
        if not Path(value).is_file():
            raise ConfigError(f"{where}: style '{sname}' (config key 'styles'): {value}: file not found")
    formats.check_config(cfg.to_dict())  # a file of another part is named before its missing companions
    for key, p, companions in beside:
        for c in companions:
            if not c.is_file():
                raise ConfigError(f"{where}: config key '{key}': {c.name} not found beside {p}; the loader needs it "
                                  f"({help_for(key)})")


def load(config: Any = None, *, require: Iterable[str] = (), check_files: bool = True) -> Config:
    """Resolve ``config`` into a :class:`Config` of absolute paths and check it.

    ``config``: None (the default bundle), a ``config.yaml``, a folder holding one, a folder of model files
    without one (:func:`discover`), a dict of config keys or a :class:`Config`. ``require``: keys that must be
    set (e.g. :data:`STORY_KEYS`); the others may stay empty. ``check_files``: every set path must exist with
    the companions its loader opens (``romance.npz.pkl`` beside ``romance.npz``, ...) and hold the part its key
    names, as :func:`storyteller.formats.check_config` reads it from the content (``decmodel`` naming a
    skip-thoughts encoder, ``posbias`` naming a word table, ... are named here, before anything is loaded).

    Raises :class:`ConfigError` naming the config, the key and the fix: not a path or mapping, unreadable or
    invalid YAML, unknown keys (with a close match), values of the wrong type, a key without its partner
    (``decmodel`` without ``dictionary``), missing files, files of another part, and required keys left empty
    (all listed at once).
    """
    raw, base, origin, discovered = _read(config)
    cfg = _resolve(raw, base, origin)
    if discovered and not any(getattr(cfg, k) for k in PATH_KEYS):
        raise ConfigError(f"{base}: no {CONFIG_NAME} and none of the model files (uni_skip.npz, romance.npz, "
                          "coco_embedding.npz, ... or their converted .safetensors) in it; give a folder with "
                          "model files or a config.yaml, or fetch them with `python -m storyteller download`")
    if check_files:
        try:
            _check_files(cfg)
        except ConfigError:
            raise
        except ModelFileError as e:  # from storyteller.formats: a file of another part, or unreadable
            raise ConfigError(str(e)) from None
    _check_pairs(cfg)
    check(cfg, require)
    return cfg


def load_config(config: Any = None, *, require: Iterable[str] = (), check_files: bool = True) -> dict[str, Any]:
    """:func:`load` as the plain dict of absolute paths that ``generate.load_all`` keeps in ``z['config']``:
    every key of :data:`KEYS` (''/{} when empty; ``cnn`` defaults to 'vgg19'). Raises :class:`ConfigError`."""
    return load(config, require=require, check_files=check_files).to_dict()


def missing(config: Config | Mapping[str, Any], require: Iterable[str] = STORY_KEYS) -> list[str]:
    """The keys of ``require`` that ``config`` (resolved, or a dict) leaves empty, in the order given."""
    get = (lambda k: getattr(config, k, "")) if isinstance(config, Config) else (lambda k: config.get(k))
    return [k for k in require if not get(k)]


def check(config: Config | Mapping[str, Any], require: Iterable[str] = STORY_KEYS) -> None:
    """Raise :class:`ConfigError` listing every key of ``require`` that ``config`` leaves empty (default: all
    that ``story`` needs) with what each names, e.g. ``load_all`` calls ``check(cfg)`` before loading."""
    require = list(require)
    unknown = [k for k in require if k not in KEYS]
    if unknown:
        raise ValueError(f"check(): unknown required key(s) {unknown}")
    gaps = missing(config, require)
    if not gaps:
        return
    origin = config.origin if isinstance(config, Config) else "the config"
    what = "; ".join(f"'{k}' ({help_for(k)})" for k in gaps)
    purpose = "what is needed to tell stories" if set(require) >= set(STORY_KEYS) else "required key(s)"
    raise ConfigError(f"{origin} lacks {purpose}: {what}. Set "
                      f"{'it' if len(gaps) == 1 else 'them'} in the config, or use a complete model (the default "
                      "bundle, or `python -m storyteller download`)")


# -------------------------------------------------------------------------------------------- discover
def discover(folder: str | Path, members: Iterable[str] = (), *, resolve: bool = True) -> dict[str, Any]:
    """The config of a folder of model files, found by their names (:func:`storyteller.discovery.find`: the
    original names, the converted ``*.safetensors`` + ``.json`` and the trainers' names, up to four folders deep,
    a part only when complete; ``members``: relative paths to prefer).

    Returns the config dict (:func:`load_config`'s form, absolute paths; ``resolve=False``: relative to
    ``folder``); parts not found are ''. Raises :class:`ConfigError` if ``folder`` is not a folder.
    """
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise ConfigError(f"{folder} is not a folder of model files")
    found = discovery.find(folder, members)
    rel = {**{k: found[k] for k in PATH_KEYS}, **found}  # in the order of the keys
    if not resolve:
        return rel
    return _resolve(rel, folder, f"the model files found in {folder}").to_dict()


# ---------------------------------------------------------------------------------------------- writing
def _relative(value: str, folder: Path) -> str:
    """A path as written into ``folder/config.yaml``: relative (POSIX) inside ``folder``, else absolute."""
    if not value or not os.path.isabs(value):
        return Path(value).as_posix() if value else ""
    try:
        return Path(os.path.relpath(value, folder.resolve())).as_posix() if Path(value).resolve().is_relative_to(
            folder.resolve()) else value
    except ValueError:  # another drive on Windows
        return value


def write_config(folder: str | Path, entries: Config | Mapping[str, Any], *, header: str = "") -> Path:
    """Write ``folder/config.yaml`` (atomically, with ``yaml.safe_dump``) from ``entries`` and return its path.

    ``entries``: config keys (absent = ''); absolute paths inside ``folder`` are written relative to it, others
    stay absolute, relative ones are taken as relative to ``folder``. The keys are checked as :func:`load`
    checks them (unknown keys, types; files are not looked at). ``header``: comment lines put first (a
    marker such as "# Written by ...").
    """
    folder = Path(folder).expanduser()
    data = entries.to_dict() if isinstance(entries, Config) else dict(entries)
    _check_pairs(_resolve(data, folder, f"write_config({folder})"))  # validation only
    out: dict[str, Any] = {}
    if data.get("name"):
        out["name"] = str(data["name"])
    out["cnn"] = data.get("cnn") or "vgg19"
    for key in PATH_KEYS:
        out[key] = _relative(os.fspath(data.get(key) or ""), folder)
    if data.get("styles"):
        out["styles"] = {str(k): _relative(os.fspath(v), folder) for k, v in data["styles"].items()}
    if data.get("cache"):
        out["cache"] = _relative(os.fspath(data["cache"]), folder)
    if data.get("index"):
        out["index"] = _relative(os.fspath(data["index"]), folder)
    lines = [ln if ln.startswith("#") else f"# {ln}" for ln in header.strip("\n").splitlines()] if header else []
    lines += ["# Keys as in the original neural-storyteller config.py; an empty value is not loaded.",
              "# Relative paths are taken from this file's folder."]
    text = "\n".join(lines) + "\n" + yaml.safe_dump(out, sort_keys=False, allow_unicode=True, default_flow_style=False)
    path = folder / CONFIG_NAME
    with atomic_write(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path
