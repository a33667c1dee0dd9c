"""The storyteller pipeline (Kiros 2015): image -> nearest captions -> skip-thoughts -> style shift -> story.

``load_all`` builds the dict ``z`` of the original (``stv``, ``dec``, ``vse``, ``net``, ``cap``, ``cvec``,
``bneg``, ``bpos``); ``story`` prints exactly what the original prints and returns the story text.
"""
from __future__ import annotations

import json
import operator
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch

from . import decoder, embedding, skipthoughts, style
from .config import DEFAULT_BUNDLE, PATH_KEYS, load_config
from .gru import no_tf32
from .legacy import ModelFileError
from .store import atomic_write, sha256_bytes, sha256_file

__all__ = ["load_all", "story", "load_config", "read_captions", "retrieve", "DEFAULT_BUNDLE", "PATH_KEYS"]

# ------------------------------------------------------------------------------------------------ config
# load_config, PATH_KEYS and DEFAULT_BUNDLE live in config.py (imported above, still importable from here).


def read_captions(path: str | Path) -> list[str]:
    """Read the caption pool as text, one caption per line.

    The original read bytes and ``strip()``ped them (ASCII whitespace only); doing the same before decoding
    keeps its exact captions while giving ``str`` (the Python-3 ``b'...'`` bug of neural-storyteller#37).
    """
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"config key 'captions': {path}: file not found. Check the path in config.yaml.")
    data = path.read_bytes()
    try:
        # Valid UTF-8 as a whole: every line is too ("\n" and ASCII whitespace never occur inside a multi-byte
        # character), and stripping the ASCII whitespace of the text equals stripping the bytes.
        caps = list(map(operator.methodcaller("strip", _ASCII_WS), data.decode("utf-8").split("\n")))
    except UnicodeDecodeError:
        caps = []
        for line in data.split(b"\n"):
            raw = line.strip()
            try:
                caps.append(raw.decode("utf-8"))
            except UnicodeDecodeError:
                caps.append(raw.decode("latin-1"))
    if caps and caps[-1] == "" and data.endswith(b"\n"):
        caps.pop()  # iterating a file yields no line after the final newline
    return caps


_ASCII_WS = " \t\n\r\x0b\x0c"  # what bytes.strip() removes


def _user_cache_dir(cfg: Mapping[str, Any] | None = None) -> Path:
    return Path((cfg or {}).get("cache") or os.environ.get("STORYTELLER_CACHE")
                or Path.home() / ".cache" / "storyteller")


def _cache_dirs(cfg: Mapping[str, Any]) -> list[Path]:
    dirs = []
    if cfg.get("captions"):
        dirs.append(Path(cfg["captions"]).parent / "cache")  # shipped with a bundle
    dirs.append(_user_cache_dir(cfg))
    return dirs


class _DigestCache:
    """SHA-256 digests of files remembered in ``file-hashes.json`` (in the user's cache folder) under the file's
    path and stat signature (size, mtime_ns, ctime_ns, inode), so an unchanged 70 MB model file is not re-read
    on every load. A changed file has another signature and is hashed again; the digests stay content hashes."""

    NAME, LIMIT = "file-hashes.json", 256

    def __init__(self, folder: Path) -> None:
        self.path = folder / self.NAME
        self.changed = False
        try:
            entries = json.loads(self.path.read_text(encoding="utf-8"))
            self.entries: dict[str, dict] = entries if isinstance(entries, dict) else {}
        except (OSError, ValueError):
            self.entries = {}

    @staticmethod
    def signature(path: str | Path) -> list[int]:
        st = os.stat(path)
        return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]

    def digest(self, path: Path, kind: str, compute: Callable[[], str], sig: list[int] | None = None) -> str:
        """The digest ``compute()`` gives for ``path`` (``kind`` names what is hashed), cached by signature.
        ``sig``: the signature the file had when the data ``compute`` hashes was read (default: now)."""
        key = f"{kind}:{os.path.abspath(path)}"
        sig = sig or self.signature(path)
        entry = self.entries.get(key)
        if isinstance(entry, dict) and entry.get("sig") == sig and isinstance(entry.get("sha256"), str):
            return entry["sha256"]
        value = compute()
        if self.signature(path) == sig:  # not modified since it was read
            self.entries.pop(key, None)
            self.entries[key] = {"sig": sig, "sha256": value}
            while len(self.entries) > self.LIMIT:
                self.entries.pop(next(iter(self.entries)))
            self.changed = True
        return value

    def save(self) -> None:
        if not self.changed:
            return
        try:
            with atomic_write(self.path) as tmp:
                tmp.write_text(json.dumps(self.entries, indent=0), encoding="utf-8")
        except OSError:
            pass  # a read-only cache folder only costs the hashing next time


def _captions_digest(captions: list[str]) -> str:
    return sha256_bytes("\n".join(captions).encode("utf-8", "surrogateescape"))


def _read_captions_signed(path: str | Path) -> tuple[list[str], list[int] | None]:
    """:func:`read_captions` and the file's signature before reading (None if it changed meanwhile)."""
    sig = _DigestCache.signature(path) if Path(path).is_file() else None
    caps = read_captions(path)
    return caps, (sig if sig == _DigestCache.signature(path) else None)


def caption_vectors(vse: embedding.VSE, captions: list[str], cfg: Mapping[str, Any], verbose: bool = True, *,
                    captions_file: tuple[str | Path, list[int] | None] | None = None) -> np.ndarray:
    """VSE embeddings of the caption pool, cached on disk under a key made of the captions' and the VSE's
    hashes (so a changed file never reuses a stale cache).

    ``captions_file``: ``(path, signature)`` of the file ``captions`` were read from, as
    ``_read_captions_signed`` gives it; the captions' digest may then come from the hash cache.
    """
    vse_path = Path(cfg["vsemodel"])
    vse_files = [vse_path] + [Path(str(vse_path) + s) for s in (".pkl", ".dictionary.pkl")] + \
        [vse_path.with_suffix(s) for s in (".json", ".dictionary.json")]
    dirs = _cache_dirs(cfg)
    digests = _DigestCache(_user_cache_dir())  # never in a bundle's own cache folder
    if captions_file is not None and captions_file[1] is not None:
        h = digests.digest(Path(captions_file[0]), "read_captions-v1", lambda: _captions_digest(captions),
                           captions_file[1])  # (bump the tag if read_captions ever reads differently)
    else:
        h = _captions_digest(captions)
    for f in vse_files:
        if f.is_file():
            h += digests.digest(f, "file", lambda f=f: sha256_file(f))
    digests.save()
    name = f"cvec-{sha256_bytes(h.encode())[:20]}.npy"
    for d in dirs:
        if (d / name).is_file():
            cvec = np.load(d / name, mmap_mode="r")
            if cvec.shape == (len(captions), vse.options["dim"]):
                return np.asarray(cvec)
    cvec = embedding.encode_sentences(vse, captions, verbose=verbose and len(captions) > 5000)
    try:
        with atomic_write(dirs[-1] / name) as tmp:
            with open(tmp, "wb") as f:
                np.save(f, cvec)
    except OSError:
        pass  # a read-only home still works, just without the cache
    return cvec


# ------------------------------------------------------------------------------------------------ loading
def load_all(config: str | Path | Mapping[str, Any] | None = None, device: str | torch.device = "cpu",
             verbose: bool = True) -> dict[str, Any]:
    """Load every part named in ``config`` and return ``z`` with the original's keys.

    ``config``: None for the default bundle, a folder with ``config.yaml``, a YAML path, or a dict with the
    original keys (``skmodels``, ``sktables``, ``decmodel``, ``dictionary``, ``vsemodel``, ``vgg``, ``captions``,
    ``negbias``, ``posbias``) plus ``cnn`` (``vgg19`` or ``efficientnet-lite0``). Empty paths are not loaded.
    """
    device = torch.device(device)
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise RuntimeError("device 'cuda' was asked for but no CUDA GPU is available; use --device cpu")
        no_tf32()
    cfg = load_config(config)
    say = print if verbose else (lambda *a, **k: None)
    z: dict[str, Any] = {"config": cfg}
    say(cfg["decmodel"])
    say("Loading skip-thoughts...")
    z["stv"] = skipthoughts.load_model(cfg["skmodels"], cfg["sktables"], device) if cfg["skmodels"] else None
    say("Loading decoder...")
    z["dec"] = decoder.load_model(cfg["decmodel"], cfg["dictionary"], device) if cfg["decmodel"] else None
    say("Loading image-sentence embedding...")
    z["vse"] = embedding.load_model(cfg["vsemodel"], device) if cfg["vsemodel"] else None
    say("Loading and initializing ConvNet...")
    z["net"] = None
    if cfg["vgg"] or cfg["cnn"] != "vgg19":
        from . import vision

        z["net"] = vision.build_cnn(cfg["cnn"], cfg["vgg"] or None, device)
    say("Loading captions...")
    z["cap"], cap_sig = _read_captions_signed(cfg["captions"]) if cfg["captions"] else ([], None)
    say("Embedding captions...")
    z["cvec"] = (caption_vectors(z["vse"], z["cap"], cfg, verbose, captions_file=(cfg["captions"], cap_sig))
                 if z["vse"] is not None and z["cap"] else None)
    say("Loading biases...")
    dim = z["stv"].dim if z["stv"] is not None else None
    z["bneg"] = style.load_style(cfg["negbias"], dim, "negbias") if cfg["negbias"] else None
    z["bpos"] = style.load_style(cfg["posbias"], dim, "posbias") if cfg["posbias"] else None
    z["styles"] = dict(cfg.get("styles") or {})
    _check_parts(z)
    return z


def _check_parts(z: Mapping[str, Any]) -> None:
    """Cross-check the sizes of the loaded parts, naming the config keys that disagree."""
    stv, dec, vse, net = z["stv"], z["dec"], z["vse"], z["net"]
    if stv is not None and dec is not None and stv.dim != dec.options["dimctx"]:
        raise ModelFileError(f"config keys 'skmodels' and 'decmodel' disagree: skip-thought vectors are {stv.dim}-d "
                             f"but the decoder expects dimctx={dec.options['dimctx']}.")
    if vse is not None and net is not None and net.dim != vse.options["dim_image"]:
        raise ModelFileError(f"config keys 'vgg'/'cnn' and 'vsemodel' disagree: the CNN gives {net.dim}-d features "
                             f"but the VSE expects dim_image={vse.options['dim_image']}.")


# ------------------------------------------------------------------------------------------------- story
def retrieve(z: Mapping[str, Any], feats: np.ndarray, k: int) -> list[int]:
    """Indices of the ``k`` captions nearest to image features (descending cosine, the original's order)."""
    feats = np.asarray(feats, dtype=np.float32).reshape(-1)
    feats = feats / np.linalg.norm(feats)
    emb = embedding.encode_images(z["vse"], feats[None, :])
    scores = np.dot(emb, z["cvec"].T).flatten()
    return np.argsort(scores)[::-1][:k].tolist()


def _features(z: Mapping[str, Any], image: Any) -> np.ndarray:
    if isinstance(image, (np.ndarray, torch.Tensor)) and np.ndim(image) == 1:
        return np.asarray(image, dtype=np.float32)
    if z.get("net") is None:
        raise ValueError("no CNN is loaded (config key 'vgg' is empty); pass image features as a 1-D array, "
                         "or set 'vgg' (or 'cnn') in config.yaml")
    return z["net"](image)


def story(z: Mapping[str, Any], image: Any, k: int = 100, bw: int = 50, lyric: bool = False) -> str:
    """Generate a story for ``image`` (a path, a PIL image, or a 1-D array of CNN features).

    Prints ``NEAREST-CAPTIONS:``, the five nearest captions, a blank line, ``OUTPUT:`` and the passage (or, with
    ``lyric=True``, one line per comma-separated piece), exactly as the original; returns the printed story.
    """
    if k < 1 or bw < 1:
        raise ValueError(f"k and bw must be >= 1 (got k={k}, bw={bw})")
    for key in ("stv", "dec", "vse", "cvec", "bneg", "bpos"):
        if z.get(key) is None:
            raise ValueError(f"z['{key}'] is not loaded; load_all() needs every part except 'vgg' to tell stories")
    feats = _features(z, image)
    sentences = [z["cap"][a] for a in retrieve(z, feats, k)]
    print("NEAREST-CAPTIONS: ")
    for s in sentences[:5]:
        print(s)
    print("")
    # Captions reached encode() as Python-2 byte strings: non-ASCII tokens were UNK (spec §3.3).
    svecs = skipthoughts.encode(z["stv"], sentences, verbose=False, nonascii_unk=True)
    shift = style.shift(svecs, z["bneg"], z["bpos"])
    passage = decoder.run_sampler(z["dec"], shift, beam_width=bw)
    print("OUTPUT: ")
    if not lyric:
        print(passage)
        return passage
    lines = []
    for piece in passage.split(","):
        if not piece:
            continue  # the original raised IndexError here; skipping the empty piece is the sensible reading
        lines.append(piece[1:] if piece[0] == " " else piece)
        print(lines[-1])
    return "\n".join(lines)
