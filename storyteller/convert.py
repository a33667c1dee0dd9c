"""``python -m storyteller convert SRC DEST``: read the original files (any format ``storyteller.formats`` knows)
and write the fast, safe converted ("native") format.

SRC is a folder holding the original files (their original names, e.g. what ``python -m storyteller download``
fetched; found at the top or below it) or a ``config.yaml`` naming them. DEST gets:

=========================================  ==================================================================
``uni_skip/bi_skip.safetensors`` + .json   skip-thought encoders (``skipthoughts.save_model`` format)
``utable.npy``, ``btable.npy``             float32 (words, 620) matrices, memory-mapped at load
``dictionary.txt``                         skip-thoughts vocabulary (stripped lines, UTF-8)
``romance.safetensors`` + .json            decoder (``decoder.save_model``) and ``romance_dictionary.json``
``coco_embedding.safetensors`` + json      VSE (``embedding.save_model``) with ``.dictionary.json``
``coco_train_caps.txt``                    captions as read by the original (stripped), as UTF-8 text
``*_style.npy``                            style vectors as float32
``vgg19.safetensors``                      VGG-19 in torchvision layout (if ``vgg19.pkl`` is given)
``cache/cvec-*.npy``                       VSE embeddings of the caption pool (what ``load_all`` computes)
``config.yaml``                            the original keys, relative paths
``manifest.json``                          SHA-256 of every source file, and what each output came from
=========================================  ==================================================================

Every source is first checked to be the part its key names. The output is built in ``.DEST.converting`` beside
DEST and moved in at the end (``config.yaml``/``manifest.json`` last), so a conversion that fails midway leaves
DEST as it was. Running it again keeps the parts whose sources are unchanged (``--force`` redoes everything).
The original word tables (930,913 pickled arrays each) are streamed row by row into a memory map
(``formats.pickles.read_object_table``), so converting needs well under one table's worth of RAM.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import shutil
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm  # not tqdm.auto: it warns "IProgress not found" in notebooks without ipywidgets

from . import captions as pool
from . import config, decoder, embedding, formats, skipthoughts, style
from .errors import ModelFileError
from .formats import kiros, native
from .staging import Job, StagedFolder
from .store import atomic_write

__all__ = ["convert", "convert_table", "build_caption_cache", "source_config", "register", "run"]

CONFIG_MARKER = "# Written by `python -m storyteller convert`"
MANIFEST = "manifest.json"
FORMAT = "neural-storyteller-converted"


# ------------------------------------------------------------------------------------------- word tables
def convert_table(src: str | Path, out: str | Path, key: str = "sktables", progress: bool = True) -> tuple[int, int]:
    """Convert one word table (original pickled object array, or an existing float matrix) into a float32
    ``(words, dim)`` ``.npy`` at ``out`` (written atomically, streamed: see ``formats.native.write_table``).
    Returns its shape."""
    with tqdm(desc=f"converting {Path(src).name}", unit="word", disable=None if progress else True, leave=False,
              file=sys.stderr) as bar:
        return native.write_table(src, out, key=key, on_row=lambda i: bar.update(i - bar.n))


# ------------------------------------------------------------------------------------------- sources
def source_config(src: str | Path) -> tuple[dict[str, Any], Path]:
    """Resolve SRC (a config.yaml, a folder with one, or a folder of original files, found by name as
    :func:`storyteller.config.discover` finds them) into a config dict of absolute paths (empty = absent), each
    file checked to hold the part its key names (:func:`storyteller.config.load_config`); also returns the folder
    relative paths are reported against. Raises :class:`ModelFileError` (a ``ConfigError`` for a bad config)."""
    p = Path(src).expanduser()
    if not p.exists():
        raise ModelFileError(f"convert: {p} is neither a folder of original files nor a config.yaml")
    if p.is_dir() and not (p / config.CONFIG_NAME).is_file() and not any(
            v for k, v in config.discover(p, resolve=False).items() if k in config.PATH_KEYS):
        raise ModelFileError(f"convert: found none of the original files (uni_skip.npz, romance.npz, "
                             f"coco_embedding.npz, ...) in {p}")
    return config.load_config(p), (p if p.is_dir() else p.parent).resolve()


# ---------------------------------------------------------------------------------------- the parts
def convert(src: str | Path, dest: str | Path, *, force: bool = False, cache: bool = True, progress: bool = True,
            log: Callable[[str], None] = print) -> Path:
    """Convert the original files named by ``src`` into ``dest``; returns ``dest/config.yaml``.

    Every file is first checked to hold the part its config key names (``config.load_config``). The output is
    built in a temporary folder beside ``dest`` and moved in at the end, so a conversion that fails midway (a
    truncated or malicious source, a full disk, Ctrl-C) leaves ``dest`` as it was, or absent.
    Raises :class:`ModelFileError` for a missing, unreadable, unsafe or wrong source file.
    """
    cfg, _ = source_config(src)
    final = Path(dest).expanduser().resolve()
    if final.exists() and not final.is_dir():
        raise ModelFileError(f"convert: {final} is a file; DEST must be a folder")
    old: dict[str, Any] = {}
    if (final / MANIFEST).is_file():
        try:
            old = json.loads((final / MANIFEST).read_text(encoding="utf-8"))
        except ValueError:
            old = {}
    config_path = final / config.CONFIG_NAME
    if config_path.is_file() and not config_path.read_text(encoding="utf-8", errors="replace").startswith(
            CONFIG_MARKER):
        raise ModelFileError(f"convert: {config_path} exists and was not written by convert; choose an empty DEST")
    parts = old.get("parts") if isinstance(old, Mapping) else None
    keep = [o for part in (parts.values() if isinstance(parts, Mapping) else []) if isinstance(part, Mapping)
            for o in (part.get("outputs") or {})]
    keep += [p.relative_to(final).as_posix() for p in (final / "cache").glob("cvec-*.npy")]
    stage = StagedFolder(final, keep, log)  # the outputs of the earlier run, hard-linked: unchanged parts stay
    try:
        _convert_into(stage.path, final, cfg, src, old, force=force, cache=cache, progress=progress, log=log)
        stage.commit(last=[MANIFEST, config.CONFIG_NAME])
    except BaseException:
        stage.discard()
        raise
    log(f"wrote {config_path}")
    return config_path


def _convert_into(dest: Path, final: Path, cfg: dict[str, Any], src: str | Path, old: Mapping[str, Any], *,
                  force: bool, cache: bool, progress: bool, log: Callable[[str], None]) -> None:
    """The conversion itself, written into ``dest`` (the stage of ``final``)."""
    job = Job(dest, old, force, log)
    out_cfg: dict[str, Any] = dict.fromkeys(config.PATH_KEYS, "")
    out_cfg["cnn"] = cfg.get("cnn") or "vgg19"
    if cfg.get("name"):
        out_cfg["name"] = cfg["name"]

    def guard(sources: list[Path], outputs: list[str]) -> None:
        for s in sources:
            if not s.is_file():
                raise ModelFileError(f"convert: {s}: file not found")
            if s.resolve() in {(final / o).resolve() for o in outputs}:
                raise ModelFileError(f"convert: {s} would be overwritten by its own conversion; choose another DEST")

    # ---- skip-thoughts: the two tables first (the memory-heavy part), then the encoders and the vocabulary.
    if cfg.get("skmodels") and cfg.get("sktables"):
        models, tables = Path(cfg["skmodels"]), Path(cfg["sktables"])
        n_words = None
        dict_src = tables / "dictionary.txt"
        guard([dict_src], ["dictionary.txt"])
        if not job.skip("dictionary", [dict_src], ["dictionary.txt"]):
            words = kiros.read_word_list(dict_src, key="sktables")
            native.save_words(dest / "dictionary.txt", words)
            n_words = len(words)
            job.done("dictionary", [dict_src], ["dictionary.txt"])
            log(f"dictionary: {n_words} words")
        for name in ("utable", "btable"):
            t_src = tables / f"{name}.npy"
            guard([t_src], [f"{name}.npy"])
            if job.skip(name, [t_src], [f"{name}.npy"]):
                continue
            job.hash_later([t_src])  # hashed by the background thread while this thread converts
            rows, dim = convert_table(t_src, dest / f"{name}.npy", "sktables", progress)
            if n_words is not None and rows != n_words:
                (dest / f"{name}.npy").unlink()
                raise ModelFileError(f"config key 'sktables': {t_src} has {rows} rows but dictionary.txt has "
                                     f"{n_words} words; the files must come from the same release")
            job.done(name, [t_src], [f"{name}.npy"], shape=[rows, dim])
            log(f"{name}: {rows} x {dim} float32")
        enc_srcs = [f for name in ("uni_skip", "bi_skip") for f in
                    formats.companions(name.replace("_", "-"), formats.encoder_file(models, name), key="skmodels")]
        enc_outs = ["uni_skip.safetensors", "uni_skip.json", "bi_skip.safetensors", "bi_skip.json"]
        guard(enc_srcs, enc_outs)
        if not job.skip("skipthoughts", enc_srcs, enc_outs):
            uni, bi, uopts, bopts = skipthoughts.load_encoders(models, "skmodels")
            skipthoughts.save_encoders(uni, bi, dest, uopts, bopts)  # the tables were streamed above
            job.done("skipthoughts", enc_srcs, enc_outs)
            log(f"skip-thoughts encoders: uni {uni.hidden_size}, bi 2x{bi.hidden_size}, dim_word {uni.input_size}")
            del uni, bi
        out_cfg["skmodels"] = out_cfg["sktables"] = "."

    # ---- decoder
    if cfg.get("decmodel"):
        path = Path(cfg["decmodel"])
        stem = path.name[: -len(path.suffix)] if path.suffix in (".npz", ".safetensors") else path.name
        outs = [f"{stem}.safetensors", f"{stem}.json", f"{Path(cfg['dictionary']).stem}.json"]
        srcs = formats.companions("decoder", path, key="decmodel") + [Path(cfg["dictionary"])]
        guard(srcs, outs)
        if not job.skip("decoder", srcs, outs):
            dec = decoder.load_model(path, cfg["dictionary"])
            decoder.save_model(dec, dest / outs[0], dest / outs[2])
            job.done("decoder", srcs, outs)
            o = dec.options  # (a format may leave 'doutput' out: the deep output layer is then there or not)
            log(f"decoder: {o['n_words']} words, dim {o['dim']}, dim_word {o['dim_word']}, "
                f"doutput {dec.ff_hid is not None}")
            del dec
        out_cfg["decmodel"], out_cfg["dictionary"] = outs[0], outs[2]

    # ---- visual-semantic embedding
    vse_out = None
    if cfg.get("vsemodel"):
        path = Path(cfg["vsemodel"])
        stem = path.name[: -len(path.suffix)] if path.suffix in (".npz", ".safetensors") else path.name
        outs = [f"{stem}.safetensors", f"{stem}.json", f"{stem}.dictionary.json"]
        srcs = formats.companions("vse", path, key="vsemodel")
        guard(srcs, outs)
        if not job.skip("vse", srcs, outs):
            vse = embedding.load_model(path)
            embedding.save_model(vse, dest / outs[0])
            job.done("vse", srcs, outs)
            o = vse.options
            log(f"VSE: {o['n_words']} words, dim {o['dim']}, dim_word {o['dim_word']}, dim_image {o['dim_image']}")
            del vse
        out_cfg["vsemodel"] = vse_out = outs[0]

    # ---- captions
    if cfg.get("captions"):
        path = Path(cfg["captions"])
        out = path.name if path.suffix == ".txt" else path.name + ".txt"
        guard([path], [out])
        if not job.skip("captions", [path], [out]):
            caps = pool.read_captions(path)
            with atomic_write(dest / out) as tmp:
                tmp.write_text("".join(c + "\n" for c in caps), encoding="utf-8")
                if pool.read_captions(tmp) != caps:
                    raise ModelFileError(f"config key 'captions': {path} does not survive a round trip as UTF-8 "
                                         "text (a caption holds a line break?)")
            job.done("captions", [path], [out], count=len(caps))
            log(f"captions: {len(caps)}")
        out_cfg["captions"] = out

    # ---- style vectors (negbias, posbias and any named styles), float32
    style_paths: dict[str, str] = {}
    named = {"negbias": cfg.get("negbias"), "posbias": cfg.get("posbias"),
             **{f"style:{k}": v for k, v in (cfg.get("styles") or {}).items()}}
    for key, value in named.items():
        if not value:
            continue
        path = Path(value).resolve()
        if str(path) not in style_paths:
            out = path.name if path.suffix == ".npy" else path.name + ".npy"
            while out in style_paths.values():
                out = f"{Path(out).stem}_{len(style_paths)}.npy"
            style_paths[str(path)] = out
            guard([path], [out])
            if not job.skip(f"style {out}", [path], [out]):
                vec = style.load_style(path, None, key if not key.startswith("style:") else "styles")
                shape = np.load(path, allow_pickle=False).shape  # (dim,) or (1, dim), kept
                native.save_array(dest / out, vec.reshape(shape).astype(np.float32))
                job.done(f"style {out}", [path], [out])
        if key in ("negbias", "posbias"):
            out_cfg[key] = style_paths[str(path)]
    if cfg.get("styles"):
        out_cfg["styles"] = {k: style_paths[str(Path(v).resolve())] for k, v in cfg["styles"].items() if v}

    # ---- VGG-19 (optional: the original ran it through Caffe or Lasagne; stories can start from features)
    if cfg.get("vgg"):
        out_cfg["vgg"] = _convert_vgg(Path(cfg["vgg"]), dest, final, job, log)

    # ---- the caption-pool embedding cache
    cache_file = None
    if cache and vse_out and out_cfg["captions"]:
        cache_file = build_caption_cache(dest, dest / vse_out, dest / out_cfg["captions"],
                                         fresh=not {"vse", "captions"} <= job.kept,
                                         progress=progress, log=log)

    # ---- config.yaml and manifest.json, last
    parts = job.finish()
    manifest = {
        "format": FORMAT, "version": 1,
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "source": str(Path(src).expanduser().resolve()),
        "parts": parts,
        "cache": ({cache_file.relative_to(dest).as_posix(): {"size": cache_file.stat().st_size}}
                  if cache_file else {}),
    }
    with atomic_write(dest / MANIFEST) as tmp:
        tmp.write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    config.write_config(dest, out_cfg, header=f"{CONFIG_MARKER} from {manifest['source']}.\n"
                        f"Source hashes are in {MANIFEST}; cache/ holds the caption-pool embeddings (cvec).")


def _convert_vgg(path: Path, dest: Path, final: Path, job: Job, log: Callable[[str], None]) -> str:
    """vgg19.pkl (or a torchvision state dict) -> vgg19.safetensors (torchvision layout)."""
    out = "vgg19.safetensors"
    if path.suffix == ".safetensors":
        if path.resolve() != (final / out).resolve():
            with atomic_write(dest / out) as tmp:
                shutil.copyfile(path, tmp)
            job.done("vgg", [path], [out])
        return out
    if job.skip("vgg", [path], [out]):
        return out
    state = formats.load_part("vgg19", path, key="vgg").state
    native.save_tensors(dest / out, state)
    job.done("vgg", [path], [out])
    log(f"vgg: {len(state)} tensors")
    return out


def build_caption_cache(dest: str | Path, vsemodel: str | Path, captions: str | Path, *, fresh: bool = True,
                        progress: bool = True, log: Callable[[str], None] = print, vse: Any = None) -> Path | None:
    """Embed the caption pool with the VSE into ``<captions folder>/cache`` exactly as ``storyteller.load`` looks
    for it: :func:`storyteller.captions.embed_caption_pool` (the pool read by ``captions.load_pool``, blank lines
    skipped; keyed by the hashes of the captions and of the VSE's files), so the cache file is the one ``load``
    finds. ``fresh``: delete older ``cvec-*.npy`` there first (they belong to other captions or models).
    Returns the cache file (None if it could not be written).
    """
    dest = Path(dest)
    cache_dir = Path(captions).parent / "cache"
    if fresh and cache_dir.is_dir():
        for old in cache_dir.glob("cvec-*.npy"):
            old.unlink()
    before = {p: p.stat().st_mtime_ns for p in cache_dir.glob("cvec-*.npy")} if cache_dir.is_dir() else {}
    vsemodel = Path(vsemodel).resolve()
    if vse is None:
        vse = embedding.load_model(vsemodel)
    t0 = time.perf_counter()
    caps, cvec = pool.embed_caption_pool(vse, Path(captions).resolve(), vse_path=vsemodel, cache=cache_dir.resolve(),
                                         verbose=progress)
    dt = time.perf_counter() - t0
    after = sorted(cache_dir.glob("cvec-*.npy"), key=lambda p: p.stat().st_mtime_ns) if cache_dir.is_dir() else []
    new = [p for p in after if before.get(p) != p.stat().st_mtime_ns]
    if new:
        log(f"caption embeddings: {len(caps)} x {cvec.shape[1]} in {dt:.1f} s -> {new[-1].relative_to(dest)}")
        return new[-1]
    if after:
        log(f"caption embeddings: cached ({after[-1].relative_to(dest)})")
        return after[-1]
    log(f"caption embeddings: could not write the cache in {cache_dir}; load_all will recompute them")
    return None


# ----------------------------------------------------------------------------------------------- CLI
def register(parser: argparse.ArgumentParser, command: str) -> None:
    parser.description = ("Convert the original model files (folder or config.yaml) into the fast converted format "
                          "(safetensors + JSON + memory-mapped float32 tables + caption-embedding cache).")
    parser.add_argument("src", metavar="SRC", help="folder with the original files, or a config.yaml naming them")
    parser.add_argument("dest", metavar="DEST", help="output folder (gets config.yaml and manifest.json)")
    parser.add_argument("--force", action="store_true", help="redo every part even if its sources are unchanged")
    parser.add_argument("--no-cache", action="store_true", help="do not precompute the caption embeddings")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


def run(args: argparse.Namespace) -> int:
    convert(args.src, args.dest, force=args.force, cache=not args.no_cache, progress=not args.quiet)
    return 0
