"""The catalogue of the original neural-storyteller files: names, URLs, checksums, companions and groups.

One list that ``download`` (what to fetch and how to verify it), ``config`` (how to find the files of a model in a
folder) and ``convert`` (what the sources are called) share. Names, URLs and the zip's members come from the
READMEs and loaders of ryankiros/neural-storyteller and ryankiros/skip-thoughts (``config.py``, ``load_all``,
``skipthoughts.load_model``); the MD5 sums of the skip-thoughts files are third-party (posted in
geniusai-research/email-summarization#1). No SHA-256 of a published file is known: ``download`` records the
SHA-256 of the first download in ``checksums.json`` and pins later downloads to it.

Besides the original names, the catalogue knows the names of the converted/native format that ``convert`` and the
trainers write (``*.safetensors`` + ``.json``), so a folder of either kind can be used as a model. What files make
up a part is the format's business (:mod:`storyteller.formats`), not the catalogue's.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import formats

__all__ = [
    "Remote", "OriginalFile", "REMOTES", "FILES", "GROUPS", "SKIPTHOUGHTS_BASE", "STORYTELLER_ZIP", "VGG19_URL",
    "KNOWN_MIRROR", "ZIP_MEMBERS", "ZIP_COMPANIONS", "ZIP_OPTIONAL", "SKIPTHOUGHTS_FILES", "ENCODER_SETS",
    "TABLE_FILES", "MODEL_FILES", "STYLE_SUFFIX", "companions", "describe",
]

SKIPTHOUGHTS_BASE = "http://www.cs.toronto.edu/~rkiros/models/"
STORYTELLER_ZIP = "http://www.cs.toronto.edu/~rkiros/neural_storyteller.zip"
VGG19_URL = "https://s3.amazonaws.com/lasagne/recipes/pretrained/imagenet/vgg19.pkl"
# Announced in ryankiros/skip-thoughts#94 (third-party); mirrors the Toronto paths below its host name.
KNOWN_MIRROR = "http://mirror.nubenum.de/{path}"
GROUPS = ("skipthoughts", "storyteller", "vgg")


@dataclass(frozen=True)
class Remote:
    """One file to fetch. ``md5`` may be a prefix (the published utable.npy sum is truncated); ``sha256`` pins
    the exact bytes where known; ``unzip``: an archive that ``download`` unpacks."""

    name: str
    url: str
    group: str
    md5: str | None = None
    unzip: bool = False
    sha256: str | None = None


@dataclass(frozen=True)
class OriginalFile:
    """One file of the original release.

    ``key``: the config key that names it (None for a companion found beside another file); ``source``: the
    :class:`Remote` that brings it (its own name, or ``neural_storyteller.zip``); ``companions``: files that must
    sit beside it; ``optional``: not needed to tell stories; ``what``: a few words for messages.
    """

    name: str
    key: str | None
    source: str
    what: str
    companions: tuple[str, ...] = ()
    optional: bool = False


_SK = "skipthoughts"
REMOTES: tuple[Remote, ...] = (
    Remote("dictionary.txt", SKIPTHOUGHTS_BASE + "dictionary.txt", _SK, "26d8a3e6458500013723b380a4b4b55e"),
    Remote("uni_skip.npz.pkl", SKIPTHOUGHTS_BASE + "uni_skip.npz.pkl", _SK, "e1a0ead377877ff3ea5388bb11cfe8d7"),
    Remote("bi_skip.npz.pkl", SKIPTHOUGHTS_BASE + "bi_skip.npz.pkl", _SK, "c9b86840e1dedb05837735d8bf94cee2"),
    Remote("uni_skip.npz", SKIPTHOUGHTS_BASE + "uni_skip.npz", _SK, "8eb7c6948001740c3111d71a2fa446c1"),
    Remote("bi_skip.npz", SKIPTHOUGHTS_BASE + "bi_skip.npz", _SK, "9a15429d694a0e035f9ee1efcb1406f3"),
    # Only the first 31 hex digits of this sum survive in the post that published it; a prefix still pins the file.
    Remote("utable.npy", SKIPTHOUGHTS_BASE + "utable.npy", _SK, "5871cc62fc01b79788c79c219b17561"),
    Remote("btable.npy", SKIPTHOUGHTS_BASE + "btable.npy", _SK, "022b5b15f53a84c785e3153a2c383df6"),
    Remote("neural_storyteller.zip", STORYTELLER_ZIP, "storyteller", unzip=True),
    Remote("vgg19.pkl", VGG19_URL, "vgg"),
)

_ZIP = "neural_storyteller.zip"
FILES: tuple[OriginalFile, ...] = (
    OriginalFile("uni_skip.npz", "skmodels", "uni_skip.npz", "uni-skip encoder weights", ("uni_skip.npz.pkl",)),
    OriginalFile("uni_skip.npz.pkl", None, "uni_skip.npz.pkl", "uni-skip encoder options"),
    OriginalFile("bi_skip.npz", "skmodels", "bi_skip.npz", "bi-skip encoder weights", ("bi_skip.npz.pkl",)),
    OriginalFile("bi_skip.npz.pkl", None, "bi_skip.npz.pkl", "bi-skip encoder options"),
    OriginalFile("utable.npy", "sktables", "utable.npy", "uni-skip word table", ("btable.npy", "dictionary.txt")),
    OriginalFile("btable.npy", "sktables", "btable.npy", "bi-skip word table", ("utable.npy", "dictionary.txt")),
    OriginalFile("dictionary.txt", "sktables", "dictionary.txt", "skip-thoughts vocabulary"),
    OriginalFile("romance.npz", "decmodel", _ZIP, "romance decoder weights", ("romance.npz.pkl",)),
    OriginalFile("romance.npz.pkl", None, _ZIP, "romance decoder options"),
    OriginalFile("romance_dictionary.pkl", "dictionary", _ZIP, "decoder vocabulary"),
    OriginalFile("coco_embedding.npz", "vsemodel", _ZIP, "image-sentence embedding weights",
                 ("coco_embedding.npz.pkl", "coco_embedding.npz.dictionary.pkl")),
    OriginalFile("coco_embedding.npz.pkl", None, _ZIP, "image-sentence embedding options"),
    OriginalFile("coco_embedding.npz.dictionary.pkl", None, _ZIP, "image-sentence embedding vocabulary"),
    OriginalFile("coco_train_caps.txt", "captions", _ZIP, "MS COCO training captions"),
    OriginalFile("caption_style.npy", "negbias", _ZIP, "caption style vector c"),
    OriginalFile("romance_style.npy", "posbias", _ZIP, "romance style vector b"),
    OriginalFile("swift_style.npy", None, _ZIP, "Taylor Swift lyrics style vector (swap in for posbias)",
                 optional=True),
    OriginalFile("vgg19.pkl", "vgg", "vgg19.pkl", "Lasagne VGG-19 weights", optional=True),
)

# Members of neural_storyteller.zip the storyteller needs, by config key (from the storyteller's config.py and
# loaders; the zip's listing is not published), then the companions its loaders open beside them.
ZIP_MEMBERS: dict[str, str] = {f.key: f.name for f in FILES if f.source == _ZIP and f.key}
ZIP_COMPANIONS: tuple[str, ...] = tuple(f.name for f in FILES if f.source == _ZIP and f.key is None and not f.optional)
ZIP_OPTIONAL: tuple[str, ...] = tuple(f.name for f in FILES if f.source == _ZIP and f.optional)
SKIPTHOUGHTS_FILES: tuple[str, ...] = ("uni_skip.npz", "uni_skip.npz.pkl", "bi_skip.npz", "bi_skip.npz.pkl",
                                       "utable.npy", "btable.npy", "dictionary.txt")

# ---- what makes a part complete, in the original and in the converted/native format
# The folder of 'skmodels' holds one of these sets (original npz + options pickle, or native safetensors + json).
ENCODER_SETS: tuple[tuple[str, ...], ...] = (
    ("uni_skip.npz", "uni_skip.npz.pkl", "bi_skip.npz", "bi_skip.npz.pkl"),
    ("uni_skip.safetensors", "uni_skip.json", "bi_skip.safetensors", "bi_skip.json"),
)
# The folder of 'sktables' holds these (the original pickled tables or converted float32 matrices, same names).
TABLE_FILES: tuple[str, ...] = ("utable.npy", "btable.npy", "dictionary.txt")
# File-valued keys -> candidate names, most preferred first: original, converted (``convert``), trained/bundle.
MODEL_FILES: dict[str, tuple[str, ...]] = {
    "decmodel": ("romance.npz", "romance.safetensors", "decoder.safetensors"),
    "dictionary": ("romance_dictionary.pkl", "romance_dictionary.json", "decoder.dictionary.json"),
    "vsemodel": ("coco_embedding.npz", "coco_embedding.safetensors", "vse.safetensors"),
    "captions": ("coco_train_caps.txt", "captions.txt"),
    "negbias": ("caption_style.npy",),
    "posbias": ("romance_style.npy", "book_style.npy", "austen_style.npy"),
    "vgg": ("vgg19.pkl", "vgg19.safetensors"),
}
STYLE_SUFFIX = "_style.npy"  # every NAME_style.npy is offered as the style NAME (romance, swift, ...)


def companions(key: str, path: str | Path) -> list[Path]:
    """The files the loader of config key ``key`` opens beside ``path``, as the file's format names them
    (:func:`storyteller.formats.companions`: ``romance.npz.pkl`` beside ``romance.npz``, ``vse.json`` and
    ``vse.dictionary.json`` beside ``vse.safetensors``, nothing for a format of one file); [] for the folder
    keys. A file that is missing or holds another part gets those its name suggests (``config.load`` names the
    wrong part)."""
    part = formats.CONFIG_PARTS.get(key)
    return formats.companions(part, path, key=key, check=False)[1:] if part else []


def describe(name: str) -> str:
    """A few words on what the original file ``name`` is ('' if it is not in the catalogue)."""
    return next((f.what for f in FILES if f.name == name), "")
