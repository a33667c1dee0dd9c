"""``python -m storyteller convert SRC DEST``: turn the original files into the fast, safe converted format.

SRC is a folder holding the original files (the names of spec §1, e.g. what ``python -m storyteller download``
fetched; found at the top or below it) or a ``config.yaml`` naming them. DEST gets:

=========================================  ==================================================================
``uni_skip/bi_skip.safetensors`` + .json   skip-thought encoders (``skipthoughts.save_model`` format)
``utable.npy``, ``btable.npy``             float32 (words, 620) matrices, memory-mapped at load
``dictionary.txt``                         skip-thoughts vocabulary (stripped lines, UTF-8)
``romance.safetensors`` + .json            decoder (``decoder.save_model``) and ``romance_dictionary.json``
``coco_embedding.safetensors`` + json      VSE (``embedding.save_model``) with ``.dictionary.json``
``coco_train_caps.txt``                    captions as read by the original (stripped), as UTF-8 text
``*_style.npy``                            style vectors as float32
``vgg19.safetensors``                      VGG-19 in torchvision layout (if ``vgg19.pkl`` and ``vision`` exist)
``cache/cvec-*.npy``                       VSE embeddings of the caption pool (what ``load_all`` computes)
``config.yaml``                            the original keys, relative paths
``manifest.json``                          SHA-256 of every source file, and what each output came from
=========================================  ==================================================================

Every file is written to a temporary name and renamed when complete, and ``config.yaml``/``manifest.json``
come last, so an interrupted conversion never leaves a half-written file or a config naming one. Running it
again skips the parts whose sources are unchanged (``--force`` redoes everything).

The original word tables are pickled object arrays of 930,913 small arrays. They are streamed row by row into
the output matrix (a memory map) by a restricted unpickler that keeps neither the pickled row data nor a
second copy of the table in memory, so converting needs well under one table's worth of RAM.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import datetime as _dt
import io
import json
import os
import pickle
import shutil
import struct
import sys
from collections.abc import Callable, Mapping
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np

from .legacy import _ALLOWED_GLOBALS, ModelFileError, load_object_table, read_npy_header
from .store import atomic_write, sha256_file

__all__ = ["convert", "convert_table", "build_caption_cache", "source_config", "register", "run"]

CONFIG_MARKER = "# Written by `python -m storyteller convert`"
MANIFEST = "manifest.json"
FORMAT = "neural-storyteller-converted"
_BULKY = 64  # pickled strings longer than this are row data; they are never kept in the unpickler memo


# --------------------------------------------------------------------------------- streaming word tables
class _Row:
    """Stands in for each numpy array while a table is unpickled; BUILD hands it its state."""

    __slots__ = ("reader", "index", "items")

    def __init__(self, reader: "_TableUnpickler") -> None:
        self.reader, self.index, self.items = reader, -1, None

    def __setstate__(self, state: tuple) -> None:
        self.reader.build(self, state)


def _bulky(v: Any) -> bool:
    t = type(v)
    if t is tuple:
        if not v:
            return False
        v = v[-1]  # an ndarray state tuple ends with its raw data
        t = type(v)
    return (t is str or t is bytes) and len(v) > _BULKY


class _TableUnpickler(pickle._Unpickler):  # the Python unpickler: its memo is a dict we can keep small
    """Restricted unpickler for an original word table that writes each row straight into ``rows``.

    Only the globals of :mod:`storyteller.legacy`'s allow-list resolve. ``numpy``'s ``_reconstruct`` returns a
    :class:`_Row` instead of an array; each element's state (shape, dtype, raw bytes) is decoded into the next
    output row; the row bytes are not memoised (the original pickler never refers back to them).
    """

    dispatch = dict(pickle._Unpickler.dispatch)

    def __init__(self, f: io.BufferedIOBase, n_rows: int, make_rows: Callable[[int], np.ndarray], source: str):
        super().__init__(f, encoding="latin1")
        self.n_rows, self.make_rows, self.source = n_rows, make_rows, source
        self.rows: np.ndarray | None = None
        self.count = 0
        self.on_row: Callable[[int], None] = lambda i: None

    def _put(self, i: int) -> None:
        v = self.stack[-1]
        if not _bulky(v):
            self.memo[i] = v

    def load_binput(self) -> None:
        self._put(self.read(1)[0])

    def load_long_binput(self) -> None:
        self._put(struct.unpack("<I", self.read(4))[0])

    def load_put(self) -> None:
        self._put(int(self.readline()[:-1]))

    dispatch[pickle.BINPUT[0]] = load_binput
    dispatch[pickle.LONG_BINPUT[0]] = load_long_binput
    dispatch[pickle.PUT[0]] = load_put

    def find_class(self, module: str, name: str) -> Any:
        factory = _ALLOWED_GLOBALS.get((module, name))
        if factory is None:
            raise ModelFileError(f"{self.source}: refusing to unpickle global '{module}.{name}'; this is not an "
                                 "original word table (or it has been tampered with). Re-download it.")
        if name == "_reconstruct":
            return self._reconstruct
        return factory()

    def _reconstruct(self, cls: Any, shape: Any, typecode: Any) -> _Row:
        if cls is not np.ndarray:
            raise pickle.UnpicklingError(f"unexpected array class {cls!r}")
        return _Row(self)

    def build(self, row: _Row, state: tuple) -> None:
        if len(state) == 5:
            _, shape, dtype, _fortran, raw = state
        elif len(state) == 4:
            shape, dtype, _fortran, raw = state
        else:
            raise pickle.UnpicklingError("unexpected ndarray state")
        if not isinstance(dtype, np.dtype):
            raise pickle.UnpicklingError("unexpected dtype in ndarray state")
        if dtype.hasobject:
            row.items = raw  # the table itself: a list of rows
            return
        if isinstance(raw, str):
            raw = raw.encode("latin1")
        vec = np.frombuffer(raw, dtype=dtype)
        if self.rows is None:
            self.rows = self.make_rows(vec.size)
        if self.count >= self.n_rows:
            raise ModelFileError(f"{self.source}: more word vectors than the {self.n_rows} its header announces")
        if vec.size != self.rows.shape[1]:
            raise ModelFileError(f"{self.source}: word vector {self.count} has {vec.size} values, the first had "
                                 f"{self.rows.shape[1]}; the table is corrupt")
        self.rows[self.count] = vec
        row.index = self.count
        self.count += 1
        if self.count % 8192 == 0:
            self.on_row(self.count)


def _stream_object_table(src: Path, out: Path, n_rows: int, progress: bool) -> tuple[int, int]:
    """Stream an object-array table at ``src`` into a float32 ``.npy`` at ``out``; returns its shape."""
    from tqdm.auto import tqdm

    holder: dict[str, np.memmap] = {}

    def make_rows(dim: int) -> np.ndarray:
        holder["mm"] = np.lib.format.open_memmap(out, mode="w+", dtype=np.float32, shape=(n_rows, dim))
        return np.asarray(holder["mm"])  # plain ndarray view: faster row assignment than through np.memmap

    bar = tqdm(total=n_rows, desc=f"converting {src.name}", unit="word", disable=None if progress else True,
               leave=False, file=sys.stderr)
    with open(src, "rb") as f:
        read_npy_header(f)
        unpickler = _TableUnpickler(io.BufferedReader(f, 1 << 20), n_rows, make_rows, str(src))
        unpickler.on_row = lambda i: bar.update(i - bar.n)
        try:
            root = unpickler.load()
        finally:
            bar.close()
    items = getattr(root, "items", None)
    rows = unpickler.rows
    if not isinstance(items, list) or rows is None or len(items) != n_rows:
        raise pickle.UnpicklingError("not a one-dimensional object array of vectors")
    index = np.fromiter((getattr(r, "index", -1) for r in items), dtype=np.int64, count=n_rows)
    if (index < 0).any():
        raise pickle.UnpicklingError("table elements that are not numeric arrays")
    if (index != np.arange(n_rows)).any():
        # The same array object appeared twice (a memo reference): rows were written in first-seen order.
        # index[i] <= i always, so filling from the end never overwrites a row still to be copied.
        for i in range(n_rows - 1, -1, -1):
            if index[i] != i:
                rows[i] = rows[index[i]]
    holder["mm"].flush()
    shape = rows.shape
    del rows, holder["mm"]
    return shape[0], shape[1]


def convert_table(src: str | Path, out: str | Path, key: str = "sktables", progress: bool = True) -> tuple[int, int]:
    """Convert one word table (original pickled object array, or an existing float32 matrix) into a float32
    ``(words, dim)`` ``.npy`` at ``out`` (written atomically). Returns its shape."""
    src, out = Path(src), Path(out)
    if not src.is_file():
        raise ModelFileError(f"config key '{key}': {src}: file not found. Check the path in config.yaml.")
    with open(src, "rb") as f:
        try:
            shape, fortran, dtype = read_npy_header(f)
        except Exception as e:
            raise ModelFileError(f"config key '{key}': {src} is not a .npy file ({e}).") from None
    with atomic_write(out) as tmp:
        if dtype.hasobject:
            if len(shape) != 1:
                raise ModelFileError(f"config key '{key}': {src} is an object array of shape {shape}, expected 1-D")
            try:
                result = _stream_object_table(src, tmp, shape[0], progress)
            except ModelFileError:
                raise
            except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, KeyError,
                    IndexError, struct.error):
                # Unexpected layout: fall back to the generic (memory-hungrier) reader, which names the problem.
                matrix = load_object_table(src, key=key)
                with open(tmp, "wb") as fh:  # (np.save on a bare path would append '.npy')
                    np.save(fh, matrix)
                result = matrix.shape
                del matrix
        else:
            if len(shape) != 2 or dtype.kind != "f":
                raise ModelFileError(f"config key '{key}': {src} holds {dtype}{shape}; expected a word table")
            data = np.load(src, mmap_mode="r")
            mm = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.float32, shape=shape)
            step = max(1, (64 << 20) // max(1, shape[1] * 4))
            for i in range(0, shape[0], step):
                mm[i:i + step] = data[i:i + step]
            mm.flush()
            result = shape
            del mm, data
    return int(result[0]), int(result[1])


# ------------------------------------------------------------------------------------------- sources
def source_config(src: str | Path) -> tuple[dict[str, Any], Path]:
    """Resolve SRC (a config.yaml, a folder with one, or a folder of original files) into a config dict of
    absolute paths (empty = absent); also returns the folder relative paths are reported against."""
    from . import download, generate

    p = Path(src).expanduser()
    if p.is_file() or (p.is_dir() and (p / "config.yaml").is_file()):
        cfg = generate.load_config(p)
        return cfg, (p if p.is_dir() else p.parent).resolve()
    if not p.is_dir():
        raise ModelFileError(f"convert: {p} is neither a folder of original files nor a config.yaml")
    p = p.resolve()
    members = sorted(q.relative_to(p).as_posix() for q in p.rglob("*") if q.is_file())
    rel = download.config_entries(p, members)
    if not rel.get("skmodels"):  # skip-thoughts files somewhere below the top?
        for m in members:
            if PurePosixPath(m).name == "uni_skip.npz":
                folder = str(PurePosixPath(m).parent)
                if all((p / folder / f).is_file() for f in download.SKIPTHOUGHTS_FILES):
                    rel["skmodels"] = rel["sktables"] = folder
                    break
    if not rel.get("vgg"):
        rel["vgg"] = next((m for m in members if PurePosixPath(m).name == "vgg19.pkl"), "")
    cfg: dict[str, Any] = {k: (str((p / v).resolve()) if k in generate.PATH_KEYS and v else v)
                           for k, v in rel.items() if k != "styles"}
    cfg["styles"] = {k: str((p / v).resolve()) for k, v in (rel.get("styles") or {}).items()}
    for key in generate.PATH_KEYS:
        cfg.setdefault(key, "")
    cfg.setdefault("cnn", "vgg19")
    if not any(cfg.get(k) for k in generate.PATH_KEYS):
        raise ModelFileError(f"convert: found none of the original files (uni_skip.npz, romance.npz, "
                             f"coco_embedding.npz, ...) in {p}")
    return cfg, p


def _encoder_sources(folder: Path, name: str) -> list[Path]:
    st = folder / f"{name}.safetensors"
    if st.is_file():
        return [st, folder / f"{name}.json"]
    return [folder / f"{name}.npz", folder / f"{name}.npz.pkl"]


def _model_sources(path: Path, companions: tuple[str, ...], native: tuple[str, ...]) -> list[Path]:
    if path.suffix == ".safetensors":
        return [path] + [path.with_suffix(s) for s in native if path.with_suffix(s).is_file()]
    return [path] + [Path(str(path) + s) for s in companions]


# ---------------------------------------------------------------------------------------- the parts
class _Job:
    """Bookkeeping for one conversion: hashes of sources (in a background thread), outputs, skipping."""

    def __init__(self, dest: Path, old: Mapping[str, Any], force: bool, log: Callable[[str], None]) -> None:
        self.dest, self.force, self.log = dest, force, log
        self.old_parts: Mapping[str, Any] = old.get("parts", {}) if isinstance(old, Mapping) else {}
        self.parts: dict[str, Any] = {}
        self.kept: set[str] = set()  # parts skipped because their sources are unchanged
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="sha256")
        self.hashes: dict[Path, concurrent.futures.Future] = {}
        self.known: dict[str, dict[str, Any]] = {}
        for part in self.old_parts.values():
            for s in part.get("sources", []):
                self.known[s.get("path", "")] = s

    def source_record(self, path: Path) -> dict[str, Any]:
        st = path.stat()
        return {"path": str(path), "size": st.st_size, "mtime_ns": st.st_mtime_ns}

    def _unchanged(self, path: Path) -> dict[str, Any] | None:
        rec, old = self.source_record(path), self.known.get(str(path))
        if old and old.get("size") == rec["size"] and old.get("mtime_ns") == rec["mtime_ns"] and old.get("sha256"):
            return {**rec, "sha256": old["sha256"]}
        return None

    def hash_later(self, paths: list[Path]) -> None:
        for p in paths:
            if p not in self.hashes and self._unchanged(p) is None:
                self.hashes[p] = self.pool.submit(sha256_file, p)

    def skip(self, name: str, sources: list[Path], outputs: list[str]) -> bool:
        """True if part ``name`` was made from these unchanged sources and its outputs are still there."""
        old = self.old_parts.get(name)
        if self.force or not old:
            return False
        if sorted(s["path"] for s in old.get("sources", [])) != sorted(str(p) for p in sources):
            return False
        if any(self._unchanged(p) is None for p in sources):
            return False
        for out in outputs:
            rec = old.get("outputs", {}).get(out)
            f = self.dest / out
            if not rec or not f.is_file() or f.stat().st_size != rec.get("size"):
                return False
        self.parts[name] = old
        self.kept.add(name)
        self.log(f"{name}: unchanged, kept")
        return True

    def done(self, name: str, sources: list[Path], outputs: list[str], **extra: Any) -> None:
        self.hash_later(sources)
        self.parts[name] = {"sources": sources, "outputs": {o: {"size": (self.dest / o).stat().st_size}
                                                            for o in outputs}, **extra}

    def finish(self) -> dict[str, Any]:
        """Resolve the source hashes (waiting for the background thread) into the manifest's parts."""
        out = {}
        for name, part in self.parts.items():
            srcs = []
            for s in part["sources"]:
                if isinstance(s, Mapping):
                    srcs.append(dict(s))
                    continue
                rec = self._unchanged(s)
                if rec is None:
                    fut = self.hashes.get(s)
                    rec = {**self.source_record(s), "sha256": fut.result() if fut else sha256_file(s)}
                srcs.append(rec)
            out[name] = {**part, "sources": srcs}
        self.pool.shutdown()
        return out


def _rel(path: str | Path, base: Path) -> str:
    return Path(os.path.relpath(Path(path).resolve(), base.resolve())).as_posix()


def convert(src: str | Path, dest: str | Path, *, force: bool = False, cache: bool = True, progress: bool = True,
            log: Callable[[str], None] = print) -> Path:
    """Convert the original files named by ``src`` into ``dest``; returns ``dest/config.yaml``."""
    import yaml

    from . import decoder, embedding, generate, skipthoughts, style

    cfg, src_base = source_config(src)
    dest = Path(dest).expanduser().resolve()
    dest.mkdir(parents=True, exist_ok=True)
    old: dict[str, Any] = {}
    if (dest / MANIFEST).is_file():
        try:
            old = json.loads((dest / MANIFEST).read_text(encoding="utf-8"))
        except ValueError:
            old = {}
    # The config goes last; remove ours now so a failed run does not leave it naming a mixture of files.
    config_path = dest / "config.yaml"
    if config_path.is_file():
        if not config_path.read_text(encoding="utf-8", errors="replace").startswith(CONFIG_MARKER):
            raise ModelFileError(f"convert: {config_path} exists and was not written by convert; choose an empty DEST")
        config_path.unlink()
    (dest / MANIFEST).unlink(missing_ok=True)
    job = _Job(dest, old, force, log)
    out_cfg: dict[str, Any] = {k: "" for k in generate.PATH_KEYS}
    out_cfg["cnn"] = cfg.get("cnn") or "vgg19"
    if cfg.get("name"):
        out_cfg["name"] = cfg["name"]

    def guard(sources: list[Path], outputs: list[str]) -> None:
        for s in sources:
            if not s.is_file():
                raise ModelFileError(f"convert: {s}: file not found")
            if s.resolve() in {(dest / o).resolve() for o in outputs}:
                raise ModelFileError(f"convert: {s} would be overwritten by its own conversion; choose another DEST")

    # ---- skip-thoughts: the two tables first (the memory-heavy part), then the encoders and the vocabulary.
    if cfg.get("skmodels") and cfg.get("sktables"):
        models, tables = Path(cfg["skmodels"]), Path(cfg["sktables"])
        n_words = None
        dict_src = tables / "dictionary.txt"
        guard([dict_src], ["dictionary.txt"])
        if not job.skip("dictionary", [dict_src], ["dictionary.txt"]):
            words = [line.strip() for line in dict_src.read_bytes().decode("utf-8").split("\n")]
            if words and words[-1] == "":
                words.pop()
            with atomic_write(dest / "dictionary.txt") as tmp:
                tmp.write_text("".join(w + "\n" for w in words), encoding="utf-8")
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
        enc_srcs = _encoder_sources(models, "uni_skip") + _encoder_sources(models, "bi_skip")
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
        srcs = _model_sources(path, (".pkl",), (".json",)) + [Path(cfg["dictionary"])]
        guard(srcs, outs)
        if not job.skip("decoder", srcs, outs):
            dec = decoder.load_model(path, cfg["dictionary"])
            decoder.save_model(dec, dest / outs[0], dest / outs[2])
            job.done("decoder", srcs, outs)
            o = dec.options
            log(f"decoder: {o['n_words']} words, dim {o['dim']}, dim_word {o['dim_word']}, doutput {o['doutput']}")
            del dec
        out_cfg["decmodel"], out_cfg["dictionary"] = outs[0], outs[2]

    # ---- visual-semantic embedding
    vse_out = None
    if cfg.get("vsemodel"):
        path = Path(cfg["vsemodel"])
        stem = path.name[: -len(path.suffix)] if path.suffix in (".npz", ".safetensors") else path.name
        outs = [f"{stem}.safetensors", f"{stem}.json", f"{stem}.dictionary.json"]
        srcs = _model_sources(path, (".pkl", ".dictionary.pkl"), (".json", ".dictionary.json"))
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
            caps = generate.read_captions(path)
            with atomic_write(dest / out) as tmp:
                tmp.write_text("".join(c + "\n" for c in caps), encoding="utf-8")
                if generate.read_captions(tmp) != caps:
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
                raw = np.load(path, allow_pickle=False)
                with atomic_write(dest / out) as tmp:
                    with open(tmp, "wb") as f:
                        np.save(f, vec.reshape(raw.shape).astype(np.float32))
                job.done(f"style {out}", [path], [out])
        if key in ("negbias", "posbias"):
            out_cfg[key] = style_paths[str(path)]
    if cfg.get("styles"):
        out_cfg["styles"] = {k: style_paths[str(Path(v).resolve())] for k, v in cfg["styles"].items() if v}

    # ---- VGG-19 (optional; needs storyteller.vision)
    if cfg.get("vgg"):
        out_cfg["vgg"] = _convert_vgg(Path(cfg["vgg"]), dest, job, log)

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
    text = (f"{CONFIG_MARKER} from {manifest['source']}.\n"
            "# Paths are relative to this file; keys as in the original config.py (spec §1.1). Source hashes are\n"
            f"# in {MANIFEST}; cache/ holds the caption-pool embeddings (cvec).\n")
    text += yaml.safe_dump(out_cfg, sort_keys=False, allow_unicode=True)
    with atomic_write(config_path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    log(f"wrote {config_path}")
    return config_path


def _convert_vgg(path: Path, dest: Path, job: _Job, log: Callable[[str], None]) -> str:
    """vgg19.pkl -> vgg19.safetensors (torchvision layout) via storyteller.vision; skipped if it is absent."""
    out = "vgg19.safetensors"
    if path.suffix == ".safetensors":
        if path.resolve() != (dest / out).resolve():
            with atomic_write(dest / out) as tmp:
                shutil.copyfile(path, tmp)
            job.done("vgg", [path], [out])
        return out
    if job.skip("vgg", [path], [out]):
        return out
    try:
        from . import vision  # written separately; optional here
        read, to_state = vision.read_lasagne_params, vision.lasagne_to_state_dict
    except (ImportError, AttributeError) as e:
        log(f"vgg: not converted (storyteller.vision is unavailable: {e}); config.yaml points at the original")
        return _rel(path, dest)
    from safetensors.torch import save_file

    state = to_state(read(path))
    with atomic_write(dest / out) as tmp:
        save_file({k: v.detach().cpu().contiguous() for k, v in state.items()}, str(tmp))
    job.done("vgg", [path], [out])
    log(f"vgg: {len(state)} tensors")
    return out


def build_caption_cache(dest: str | Path, vsemodel: str | Path, captions: str | Path, *, fresh: bool = True,
                        progress: bool = True, log: Callable[[str], None] = print, vse: Any = None) -> Path | None:
    """Embed the caption pool with the VSE into ``dest/cache`` exactly where ``generate.load_all`` looks for it
    (``<captions folder>/cache``, keyed by the hashes of the captions and the VSE files).

    ``fresh``: delete older ``cvec-*.npy`` there first (they belong to other captions or models).
    Returns the cache file.
    """
    import time

    from . import embedding, generate

    dest = Path(dest)
    cache_dir = Path(captions).parent / "cache"
    if fresh and cache_dir.is_dir():
        for old in cache_dir.glob("cvec-*.npy"):
            old.unlink()
    before = {p: p.stat().st_mtime_ns for p in cache_dir.glob("cvec-*.npy")} if cache_dir.is_dir() else {}
    cfg = generate.load_config({"vsemodel": str(Path(vsemodel).resolve()), "captions": str(Path(captions).resolve()),
                                "cache": str(cache_dir.resolve())})
    if vse is None:
        vse = embedding.load_model(cfg["vsemodel"])
    caps, sig = generate._read_captions_signed(cfg["captions"])
    t0 = time.perf_counter()
    cvec = generate.caption_vectors(vse, caps, cfg, verbose=progress, captions_file=(cfg["captions"], sig))
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
