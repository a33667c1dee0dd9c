"""``python -m storyteller index-captions CAPTIONS --config CONFIG --out DIR``: build a caption index.

Embeds the caption pool with the config's VSE in chunks (``--chunk`` captions; a tqdm bar), checkpointing each
chunk in ``DIR/.building`` so an interrupted run resumes where it stopped (the same command again; the files are
the same as an uninterrupted run's), then builds the faiss index of ``--kind`` (``flat``: exact, the default;
``ivf`` or ``hnsw``: approximate, recall@100 against exact search measured and printed) and moves the files into
``DIR``, ``manifest.json`` last. See :mod:`storyteller.index` for the format and how retrieval uses it.
"""
from __future__ import annotations

import argparse
import functools
import json
import math
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from . import captions as pool
from . import formats
from .errors import InputError
from .index import FORMAT, KINDS, MANIFEST, _faiss, exact_topk
from .pool_texts import read_pool
from .store import atomic_write, sha256_bytes, sha256_file

__all__ = ["build_index", "content_hashes", "caption_offsets", "register", "run"]

WORK = ".building"
PROGRESS = "progress.json"


def content_hashes(captions: str | os.PathLike, vse_path: str | os.PathLike) -> dict[str, str]:
    """SHA-256 of the captions file's bytes and of the VSE's files (its format's companions, in order); file
    digests are remembered by file signature in the user's cache (``file-hashes.json``) as the caption cache does."""
    digests = pool._DigestCache(pool._user_cache_dir())
    cap = Path(captions)
    if not cap.is_file():
        raise InputError(f"caption pool {cap}: file not found")
    out = {"captions_sha256": digests.digest(cap, "file", lambda: sha256_file(cap))}
    h = "".join(digests.digest(f, "file", functools.partial(sha256_file, f))
                for f in pool._vse_files(Path(vse_path)) if f.is_file())
    out["vse_sha256"] = sha256_bytes(h.encode())
    digests.save()
    return out


def caption_offsets(path: str | os.PathLike) -> np.ndarray:
    """int64 (N, 2) byte ranges of the captions :func:`storyteller.captions.load_pool` reads from ``path``
    (each line stripped of ASCII whitespace as the original did; blank lines left out)."""
    return read_pool(Path(path).read_bytes())[0].offsets


def _factory(kind: str, n: int, nlist: int | None) -> tuple[str, dict[str, int]]:
    if kind == "ivf":
        nlist = nlist or max(1, min(int(4 * math.sqrt(n)), n // 39 or 1))
        return f"IVF{nlist},Flat", {"nlist": nlist}
    return "HNSW32,Flat", {}


def _build_faiss(kind: str, vectors: np.ndarray, nlist: int | None, nprobe: int | None, out: Path,
                 say) -> dict[str, Any]:
    faiss = _faiss()
    n, dim = vectors.shape
    spec, params = _factory(kind, n, nlist)
    index = faiss.index_factory(dim, spec, faiss.METRIC_INNER_PRODUCT)
    t0 = time.perf_counter()
    if kind == "ivf":
        rng = np.random.default_rng(0)
        sample = np.sort(rng.choice(n, min(n, 40 * params["nlist"]), replace=False))
        index.train(np.ascontiguousarray(vectors[sample]))
        params["nprobe"] = nprobe or max(1, params["nlist"] // 16)
    else:
        index.hnsw.efConstruction = 80
        params["efSearch"] = 256
    for a in range(0, n, 1 << 16):
        index.add(np.ascontiguousarray(vectors[a:a + (1 << 16)]))
    build_s = time.perf_counter() - t0
    faiss.write_index(index, str(out))
    if kind == "ivf":
        index.nprobe = params["nprobe"]
    else:
        index.hnsw.efSearch = params["efSearch"]
    recall = measure_recall(index, vectors)
    say(f"index-captions: {kind} index ({spec}, {params}) built in {build_s:.1f} s; recall@100 against exact "
        f"search: {recall:.4f} (on {min(256, n)} pool vectors as queries)")
    return {"factory": spec, "search": {k: v for k, v in params.items() if k in ("nprobe", "efSearch")},
            "build_s": round(build_s, 3), "recall_at_100": recall}


def measure_recall(index: Any, vectors: np.ndarray, queries: np.ndarray | None = None, k: int = 100,
                   n_queries: int = 256) -> float:
    """Mean recall@k of a faiss ``index`` against exact search of ``vectors`` (queries: a seeded sample of
    ``n_queries`` pool rows, or ``queries``)."""
    n = len(vectors)
    if queries is None:
        rows = np.sort(np.random.default_rng(1).choice(n, min(n, n_queries), replace=False))
        queries = np.ascontiguousarray(vectors[rows])
    k = min(k, n)
    _, exact = exact_topk(vectors, queries, k)
    _, approx = index.search(np.ascontiguousarray(queries, dtype=np.float32), k)
    return float(np.mean([len(set(e) & set(a)) / k for e, a in zip(exact.tolist(), approx.tolist())]))


def _write_json(path: Path, obj: dict) -> None:
    with atomic_write(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=1), encoding="utf-8")


def build_index(captions: str | os.PathLike, vse: Any, vse_path: str | os.PathLike, out: str | os.PathLike, *,
                kind: str = "flat", chunk: int = 16384, nlist: int | None = None, nprobe: int | None = None,
                verbose: bool = True, say=None, embed=None) -> Path:
    """Build (or resume building) the caption index of ``captions`` with ``vse`` (loaded from ``vse_path``) in
    folder ``out``; returns ``out``. An up-to-date index is left as it is. ``embed``: a function of
    ``(captions list, first row)`` giving their float32 (n, dim) vectors instead of ``vse``'s
    ``encode_sentences`` (benchmarks synthesise vectors with it). Raises
    :class:`~storyteller.errors.InputError` for a bad kind/chunk or an empty pool."""
    from tqdm import tqdm

    from . import embedding

    say = say or (lambda m: print(m, file=sys.stderr))
    if kind not in KINDS:
        raise InputError(f"--kind must be one of {', '.join(KINDS)}, got {kind!r}")
    if chunk < 1:
        raise InputError(f"--chunk must be at least 1, got {chunk}")
    out = Path(out)
    hashes = content_hashes(captions, vse_path)
    dim = int(vse.options["dim"])
    key = {"format": FORMAT, **hashes, "chunk": chunk, "dim": dim}
    mpath = out / MANIFEST
    if mpath.is_file():
        try:
            old = json.loads(mpath.read_text(encoding="utf-8"))
        except ValueError:
            old = {}
        if all(old.get(k) == v for k, v in key.items()) and old.get("kind") == kind and \
                (kind == "flat" or (nlist is None and nprobe is None)):
            say(f"index-captions: {out} is up to date")
            return out
    formats.expect(Path(captions), "captions")  # a model file or other part is named, not indexed as captions
    with open(captions, "rb") as fh:
        if b"\0" in fh.read(4096):
            raise InputError(f"{captions} looks like a binary file (it contains NUL bytes), not a caption file "
                             "(text, one caption per line)")
    caps, _ = pool.load_pool(captions)
    offsets = caption_offsets(captions)
    if len(offsets) != len(caps):  # cannot happen unless the file changed while being read
        raise InputError(f"caption pool {captions} changed while being read; run again")
    n = len(caps)
    work = out / WORK
    progress = work / PROGRESS
    state = {}
    if progress.is_file():
        try:
            state = json.loads(progress.read_text(encoding="utf-8"))
        except ValueError:
            state = {}
    if state.get("key") != {**key, "n": n}:
        shutil.rmtree(work, ignore_errors=True)
        state = {"key": {**key, "n": n}, "done": 0}
    work.mkdir(parents=True, exist_ok=True)
    vpath = work / "vectors.npy"
    if state["done"] and vpath.is_file():
        vec = np.load(vpath, mmap_mode="r+")
    else:
        state["done"] = 0
        vec = np.lib.format.open_memmap(vpath, mode="w+", dtype=np.float32, shape=(n, dim))
    n_chunks = math.ceil(n / chunk)
    if state["done"]:
        say(f"index-captions: resuming after {min(n, state['done'] * chunk)} of {n} captions")
    bar = tqdm(total=n, initial=min(n, state["done"] * chunk), unit="caption", desc="embedding captions",
               disable=not verbose)
    with bar:
        for c in range(state["done"], n_chunks):
            a, b = c * chunk, min(n, (c + 1) * chunk)
            vec[a:b] = embed(caps[a:b], a) if embed else embedding.encode_sentences(vse, caps[a:b])
            vec.flush()
            state["done"] = c + 1
            _write_json(progress, state)  # the checkpoint: chunks done
            bar.update(b - a)
    del caps
    norms = [float(np.linalg.norm(vec[a:a + chunk], axis=1).max()) for a in range(0, n, chunk)]
    manifest: dict[str, Any] = {**key, "kind": kind, "n": n, "captions": os.path.abspath(captions),
                                "max_norm": max(norms)}
    np.save(work / "offsets.npy", offsets)
    files = ["vectors.npy", "offsets.npy"]
    if kind != "flat":
        manifest.update(_build_faiss(kind, np.load(vpath, mmap_mode="r"), nlist, nprobe, work / "index.faiss", say))
        files.append("index.faiss")
    del vec
    if mpath.is_file():
        mpath.unlink()  # no manifest while the files are swapped: a half-replaced index is never opened
    for name in ("index.faiss",):
        if name not in files and (out / name).exists():
            (out / name).unlink()
    for name in files:
        os.replace(work / name, out / name)
    _write_json(mpath, manifest)
    shutil.rmtree(work, ignore_errors=True)
    say(f"index-captions: wrote {out} ({kind}, {n} captions, {dim}-d)")
    return out


# -------------------------------------------------------------------------------------------- command line
def register(parser: argparse.ArgumentParser, command: str) -> None:
    parser.add_argument("captions", metavar="CAPTIONS", help="the caption pool, one caption per line")
    parser.add_argument("--config", default=None, help="config.yaml or model folder whose VSE embeds the pool "
                                                       "(default: the bundled model)")
    parser.add_argument("--out", required=True, help="the index folder to write (config key 'index' names it)")
    parser.add_argument("--kind", default="flat", choices=KINDS,
                        help="flat: exact search, the original's ranking (default); ivf/hnsw: approximate")
    parser.add_argument("--chunk", type=int, default=16384, help="captions embedded per checkpoint (16384)")
    parser.add_argument("--nlist", type=int, default=None, help="ivf: number of lists (default 4*sqrt(N))")
    parser.add_argument("--nprobe", type=int, default=None, help="ivf: lists searched per query (nlist/16)")
    parser.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N or auto (default cpu)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    from . import embedding
    from .config import load_config
    from .runtime import resolve_device

    cfg = load_config(args.config, require=("vsemodel",))
    vse = embedding.load_model(cfg["vsemodel"], resolve_device(args.device, option="--device"))
    build_index(args.captions, vse, cfg["vsemodel"], args.out, kind=args.kind, chunk=args.chunk,
                nlist=args.nlist, nprobe=args.nprobe, verbose=not args.quiet)
    return 0
