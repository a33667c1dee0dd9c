"""Every on-disk format storyteller reads or writes, and one registry keyed by what a file *is*.

* :mod:`.kiros` - the original Theano ``.npz`` + ``.npz.pkl`` of the skip-thoughts encoders, the decoder and the
  VSE (kinds ``uni-skip``, ``bi-skip``, ``decoder``, ``vse``), ``dictionary.txt`` (``word-list``) and the
  pickled word dictionaries (``word-dictionary``); shape tables and the inverse ``to_theano``;
* :mod:`.pickles` - the restricted unpickler, ``.npz``/``.npy`` readers and the streaming reader of the pickled
  word tables ``utable.npy``/``btable.npy`` (``word-table``);
* :mod:`.native` - the converted format: ``.safetensors`` + ``.json`` for every part, float32 tables, JSON
  dictionaries (``native-*``);
* :mod:`.lasagne` - ``vgg19.pkl`` of the Lasagne model zoo and torchvision state dicts (``vgg19-lasagne``,
  ``torchvision-state-dict``);
* :mod:`.sniff` - what a file is, from its content.

``identify(path)`` names the kind of a file; ``expect(path, part, key=...)`` checks that a file holds the part a
config key wants (else one line: "config key 'decmodel': uni_skip.npz looks like a skip-thoughts encoder
(uni-skip), expected the decoder (...)"); ``load_part(part_or_kind, path, key=...)`` reads it. Adding a format:
a reader module here returning :class:`Weights` (or a table, a vocabulary) and one :data:`FORMATS` entry (or
:func:`register`) naming its part, its reader, its files and its ``sniff`` (or a rule in :mod:`.sniff`).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ModelFileError
from . import kiros, lasagne, native, pickles
from .common import Weights, assign, json_safe, where
from .sniff import identify as _identify

__all__ = ["Weights", "Format", "FORMATS", "PARTS", "CONFIG_PARTS", "identify", "describe", "expect", "load_part",
           "companions", "encoder_file", "table_file", "check_config", "register", "assign", "json_safe",
           "kiros", "lasagne", "native", "pickles"]


@dataclass(frozen=True)
class Format:
    """One kind of file: how to describe it, which part it holds, how to read it and which files make it up."""

    description: str
    part: str | None = None                                   # the part it can stand for (None: no part)
    reader: Callable[[Path, str | None], Any] | None = None   # (path, config key) -> content
    files: Callable[[Path], list[Path]] | None = None         # every file of it (default: [path])
    sniff: Callable[[Path, bytes], bool] | None = None         # (path, first 64 KB) -> is it this kind?


def _original(part: str, description: str) -> Format:
    """The Theano ``.npz`` + ``.npz.pkl`` of a model part (:mod:`.kiros`)."""
    return Format(description, part, lambda p, k: kiros.read_model(part, p, key=k),
                  lambda p: kiros.companions(part, p))


def _converted(part: str, description: str) -> Format:
    """The native ``.safetensors`` + ``.json`` of a model part (:mod:`.native`)."""
    return Format(description, part, lambda p, k: native.load(part, p, key=k), lambda p: native.companions(part, p))


def _read_lasagne(path: Path, key: str | None) -> Weights:
    state = lasagne.lasagne_to_state_dict(lasagne.read_lasagne_params(path, key=key))
    return Weights("vgg19-lasagne", path, {}, state, key=key)


def _read_state_dict(path: Path, key: str | None) -> Weights:
    return Weights("torchvision-state-dict", path, {}, lasagne.load_state_dict_file(path, key=key),
                   mapped=path.suffix == ".safetensors", key=key)


# kind -> Format. The kinds of one part are tried in this order when identify cannot tell.
FORMATS: dict[str, Format] = {
    "uni-skip": _original("uni-skip", "a skip-thoughts encoder (uni-skip)"),
    "bi-skip": _original("bi-skip", "a skip-thoughts encoder (bi-skip)"),
    "decoder": _original("decoder", "the decoder (romance.npz + .pkl)"),
    "vse": _original("vse", "the visual-semantic embedding (coco_embedding.npz + .pkl)"),
    "word-table": Format("a skip-thoughts word table (utable.npy/btable.npy)", "word-table",
                         lambda p, k: pickles.load_object_table(p, key=k)),
    "word-list": Format("the skip-thoughts vocabulary (dictionary.txt)", "word-list",
                        lambda p, k: kiros.read_word_list(p, key=k)),
    "word-dictionary": Format("a pickled word dictionary (romance_dictionary.pkl or coco_embedding.npz.dictionary.pkl)",
                              "word-dictionary", lambda p, k: kiros.read_word_dictionary(p, key=k)),
    "options": Format("the options of a model (an .npz.pkl: name the .npz beside it)"),
    "style-vector": Format("a style vector (.npy, e.g. caption_style.npy)", "style-vector"),
    "captions": Format("a caption file (text, e.g. coco_train_caps.txt)", "captions"),
    "vgg19-lasagne": Format("the Lasagne VGG-19 (vgg19.pkl)", "vgg19", _read_lasagne),
    "torchvision-state-dict": Format("a torchvision state dict (e.g. a converted vgg19.safetensors)", "vgg19",
                                     _read_state_dict),
    "native-uni-skip": _converted("uni-skip", "a converted skip-thoughts encoder (uni-skip, .safetensors + .json)"),
    "native-bi-skip": _converted("bi-skip", "a converted skip-thoughts encoder (bi-skip, .safetensors + .json)"),
    "native-decoder": _converted("decoder", "the converted decoder (.safetensors + .json)"),
    "native-vse": _converted("vse", "the converted visual-semantic embedding (.safetensors + .json)"),
    "native-word-table": Format("a float matrix (a converted skip-thoughts word table)", "word-table",
                                lambda p, k: native.read_word_table(p, key=k)),
    "native-word-dictionary": Format("a converted word dictionary (.json)", "word-dictionary",
                                     lambda p, k: native.read_word_dictionary(p, key=k)),
    "native-options": Format("the options of a converted model (a .json: name the .safetensors beside it)"),
    "npz": Format("a numpy .npz of other arrays"),
    "image": Format("an image"),
    "unknown": Format("a file of unknown kind"),
}

# part -> what a config key holding it expects (for messages)
PARTS: dict[str, str] = {
    "uni-skip": "a skip-thoughts encoder (uni-skip: uni_skip.npz + .pkl, or its converted .safetensors + .json)",
    "bi-skip": "a skip-thoughts encoder (bi-skip: bi_skip.npz + .pkl, or its converted .safetensors + .json)",
    "decoder": "the decoder (romance.npz + .pkl, or its converted .safetensors + .json)",
    "vse": "the visual-semantic embedding (coco_embedding.npz + .pkl, or its converted .safetensors + .json)",
    "word-table": "a skip-thoughts word table (utable.npy/btable.npy)",
    "word-list": "the skip-thoughts vocabulary (dictionary.txt)",
    "word-dictionary": "the decoder's word dictionary (romance_dictionary.pkl, or its converted .json)",
    "style-vector": "a style vector (.npy of floats, e.g. caption_style.npy)",
    "captions": "a caption file (text, one caption per line, e.g. coco_train_caps.txt)",
    "vgg19": "the VGG-19 weights (vgg19.pkl from the Lasagne model zoo, or a torchvision-format state dict)",
}

# config key -> part, for the keys that name one file; the folder keys are in _FOLDERS
CONFIG_PARTS: dict[str, str] = {"decmodel": "decoder", "dictionary": "word-dictionary", "vsemodel": "vse",
                                "vgg": "vgg19", "captions": "captions", "negbias": "style-vector",
                                "posbias": "style-vector", "styles": "style-vector"}
_FOLDERS = {"skmodels": "uni_skip.npz and bi_skip.npz (or their converted .safetensors + .json)",
            "sktables": "utable.npy, btable.npy and dictionary.txt"}


def register(kind: str, fmt: Format) -> None:
    """Add (or replace) a kind of file; ``fmt.part`` makes it acceptable wherever that part is expected and
    ``fmt.sniff`` lets :func:`identify` recognise it (before the built-in rules)."""
    FORMATS[kind] = fmt


def identify(path: str | Path) -> str:
    """The kind of file at ``path`` (a key of :data:`FORMATS`), from its content: a registered format's
    ``sniff`` first, then the built-in rules of :mod:`storyteller.formats.sniff`; ``'unknown'`` if none fits."""
    path = Path(path)
    sniffers = [(k, f.sniff) for k, f in FORMATS.items() if f.sniff is not None]
    if sniffers and path.is_file():
        with open(path, "rb") as fh:
            head = fh.read(1 << 16)
        for kind, sniff in sniffers:
            if sniff(path, head):
                return kind
    return _identify(path)


def describe(kind: str) -> str:
    """A few words for a kind, e.g. ``'a skip-thoughts encoder (uni-skip)'``."""
    return FORMATS[kind].description if kind in FORMATS else FORMATS["unknown"].description


def _kinds(part: str) -> list[str]:
    return [k for k, f in FORMATS.items() if f.part == part]


def expect(path: str | Path, part: str, *, key: str | None = None) -> str:
    """Check that ``path`` holds ``part`` (a key of :data:`PARTS`) and return its kind (``'unknown'`` if
    :func:`identify` cannot tell: the reader then says what is wrong with it).

    Raises :class:`ModelFileError` naming ``key`` and the file when it is missing, a folder, or another part.
    """
    if part not in PARTS:
        raise ValueError(f"unknown part {part!r}; known: {', '.join(PARTS)}")
    path = Path(path)
    if path.is_dir():
        raise ModelFileError(f"{where(path, key)} is a folder, expected {PARTS[part]}.")
    if not path.is_file():
        raise ModelFileError(f"{where(path, key)}: file not found. Check the path in config.yaml.")
    kind = identify(path)
    if kind == "unknown" or FORMATS.get(kind, FORMATS["unknown"]).part == part:
        return kind
    raise ModelFileError(f"{where(path, key)} looks like {describe(kind)}, expected {PARTS[part]}.")


def _fallback(part: str, path: Path) -> str:
    """The kind to read an unidentified file of ``part`` as (its reader then names the problem)."""
    kinds = _kinds(part)
    if path.suffix in (".safetensors", ".json"):
        kinds = [k for k in kinds if k.startswith("native-") or k == "torchvision-state-dict"] or kinds
    elif path.suffix in (".pt", ".pth"):
        kinds = [k for k in kinds if k == "torchvision-state-dict"] or kinds
    return kinds[0]


def load_part(name: str, path: str | Path, *, key: str | None = None) -> Any:
    """Read ``path`` as ``name``: a part (``'decoder'``: any format of it, checked with :func:`expect`) or an
    exact kind (``'native-decoder'``).

    Returns :class:`Weights` for models (``uni-skip``, ``bi-skip``, ``decoder``, ``vse``, ``vgg19``), a float32
    ``(words, dim)`` array for ``word-table``, ``list[str]`` for ``word-list`` and ``(word, index)`` pairs for
    ``word-dictionary``. Raises :class:`ModelFileError` (naming ``key`` and the file) for a missing, unreadable
    or wrong file.
    """
    path = Path(path)
    if name in PARTS:
        kind = expect(path, name, key=key)
        if kind == "unknown":
            kind = _fallback(name, path)
    elif name in FORMATS:
        kind = name
    else:
        raise ValueError(f"unknown part or kind {name!r}; parts: {', '.join(PARTS)}; kinds: {', '.join(FORMATS)}")
    reader = FORMATS[kind].reader
    if reader is None:
        raise ModelFileError(f"{where(path, key)}: no reader for {describe(kind)}.")
    return reader(path, key)


def companions(name: str, path: str | Path, *, key: str | None = None, check: bool = True) -> list[Path]:
    """Every file that makes up the part or kind ``name`` at ``path`` (e.g. ``romance.npz`` and
    ``romance.npz.pkl``; ``vse.safetensors``, ``vse.json`` and ``vse.dictionary.json``), ``path`` first.

    A part's files are those of the format :func:`expect` finds (ModelFileError if ``path`` is missing or holds
    another part); ``check=False`` instead gives a file that does not look like the part (or is missing) the files
    its name suggests (for finding parts by name: ``romance.npz`` needs ``romance.npz.pkl``)."""
    path = Path(path)
    kind = name
    if name in PARTS:
        if check:
            kind = expect(path, name, key=key)
        elif not path.is_file() or FORMATS.get(kind := identify(path), FORMATS["unknown"]).part != name:
            kind = "unknown"
        kind = _fallback(name, path) if kind == "unknown" else kind
    files = FORMATS[kind].files
    return files(path) if files else [path]


def _folder(folder: str | Path, key: str) -> Path:
    folder = Path(folder)
    if folder.is_file():
        raise ModelFileError(f"{where(folder, key)} is a file that looks like {describe(identify(folder))}; the key "
                             f"names the folder holding {_FOLDERS[key]}.")
    if not folder.is_dir():
        raise ModelFileError(f"{where(folder, key)}: folder not found. Check the path in config.yaml.")
    return folder


def encoder_file(folder: str | Path, name: str, *, key: str = "skmodels") -> Path:
    """``folder/NAME.safetensors`` (converted) if it exists, else the original ``folder/NAME.npz``
    (``name``: ``uni_skip`` or ``bi_skip``). Raises :class:`ModelFileError` if ``folder`` is not a folder."""
    folder = _folder(folder, key)
    converted = folder / f"{name}.safetensors"
    return converted if converted.is_file() else folder / f"{name}.npz"


def table_file(folder: str | Path, name: str, *, key: str = "sktables") -> Path:
    """``folder/name`` (``utable.npy``, ``btable.npy`` or ``dictionary.txt``), checking ``folder`` is one."""
    return _folder(folder, key) / name


def check_config(cfg: Mapping[str, Any]) -> None:
    """Check that every file a config names (absolute paths, as ``load_config`` gives them) holds the part its
    key wants. Raises :class:`ModelFileError` for the first one that is missing or another part."""
    for key, part in CONFIG_PARTS.items():
        value = cfg.get(key)
        if not value or (key == "vgg" and (cfg.get("cnn") or "vgg19") != "vgg19"):
            continue
        for path in (value.values() if isinstance(value, Mapping) else [value]):
            expect(path, part, key=key)
    if cfg.get("skmodels"):
        for name in ("uni_skip", "bi_skip"):
            expect(encoder_file(cfg["skmodels"], name), name.replace("_", "-"), key="skmodels")
    if cfg.get("sktables"):
        for name, part in (("utable.npy", "word-table"), ("btable.npy", "word-table"), ("dictionary.txt", "word-list")):
            expect(table_file(cfg["sktables"], name), part, key="sktables")
