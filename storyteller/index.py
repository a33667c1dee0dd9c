"""Caption pools of millions: a caption index on disk (``index-captions``) and retrieval through faiss.

An index folder (built by ``python -m storyteller index-captions``, :mod:`storyteller.index_build`) holds

* ``vectors.npy`` - the VSE embeddings of the pool, float32 (N, dim) unit rows, opened memory-mapped (never read
  into RAM as a whole);
* ``offsets.npy`` - int64 (N, 2) byte ranges of each caption in the captions file, so a caption's text is read
  when it is retrieved (:class:`CaptionTexts`) and a pool of millions costs no text in RAM;
* ``index.faiss`` - only for an approximate index (``ivf``: faiss ``IndexIVFFlat``; ``hnsw``: ``IndexHNSWFlat``,
  both inner product), read with faiss's memory-mapping flags;
* ``manifest.json`` - written last: the kind, sizes, and the SHA-256 of the captions file and of the VSE's
  files. :meth:`CaptionIndex.open` refuses an index whose hashes differ from the config's files (stale).

Exact retrieval (kind ``flat``, the default) reproduces the original ``story``'s ranking (``np.dot`` of the image
embedding with every caption vector, then the reversed ``np.argsort``; :func:`storyteller.pipeline.rank`):

1. faiss's exact inner-product search (``faiss.knn``, the kernel of ``IndexFlatIP``) over the memory-mapped
   vectors, chunk by chunk (pages released after each chunk), gives the ``k + m`` best candidates by faiss's
   own rounding;
2. the candidates are re-scored with ``np.dot`` so that each score is rounded exactly as in the full product
   (a BLAS gemv rounds a row's score by where the row falls in the thread split of the call; the split is
   found on the first query, which is answered by the full product itself - see :meth:`CaptionIndex._calibrate`;
   where no split reproduces it, e.g. another BLAS, every query is answered by the full product) and sorted;
3. the cut is proven: the k-th re-scored value must exceed the worst faiss score left out by more than the
   float32 error bound of two dot products of length dim (else ``m`` doubles);
4. ties: ``np.argsort`` orders equal scores in an order that depends on the CPU's vector extensions (AVX-512,
   AVX2 and baseline numpy give different orders). Equal scores of identical captions are indistinguishable in
   the story; equal scores of *different* captions at or above the cut fall back to the full numpy ranking.

So the captions and scores retrieved equal :func:`storyteller.pipeline.rank`'s exactly; the row indices differ
only among identical captions with identical scores. Approximate kinds give faiss's candidates (``2k``),
re-scored exactly; their recall@100 against exact search is measured when the index is built (manifest).
"""
from __future__ import annotations

import json
import mmap
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ConfigError, InputError
from .pool_texts import OffsetTexts, decode_line

__all__ = ["CaptionIndex", "CaptionTexts", "IndexedVectors", "open_index", "exact_topk", "KINDS", "MANIFEST"]

KINDS = ("flat", "ivf", "hnsw")
MANIFEST = "manifest.json"
FORMAT = "storyteller-caption-index-v1"
CHUNK = 1 << 16       # rows per faiss.knn call over the memory map


def _faiss():
    try:
        import faiss
    except ImportError:  # pragma: no cover - faiss-cpu is a dependency
        raise ConfigError("config key 'index' needs faiss: pip install faiss-cpu") from None
    return faiss


# ---------------------------------------------------------------------------------------------- texts
class CaptionTexts(OffsetTexts):
    """The captions of an index, read from the captions file when asked for (a ``Sequence[str]``).

    ``offsets``: int64 (N, 2) byte ranges ``[start, end)`` of each caption's stripped line. A line is decoded as
    UTF-8, else Latin-1, exactly as :func:`storyteller.captions.read_captions` reads it.
    """

    def __init__(self, path: str | Path, offsets: np.ndarray) -> None:
        self.path = Path(path)
        self.offsets = offsets
        self._fd: int | None = None

    def _read(self, i: int) -> str:
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDONLY)
        a, b = (int(x) for x in self.offsets[i])
        return decode_line(os.pread(self._fd, b - a, a))


    def __iter__(self) -> Iterator[str]:
        return (self._read(i) for i in range(len(self)))

    def __repr__(self) -> str:
        return f"CaptionTexts({str(self.path)!r}, {len(self)} captions)"

    def __getstate__(self) -> dict:
        return {"path": self.path, "offsets": self.offsets, "_fd": None}

    def __del__(self) -> None:
        fd = getattr(self, "_fd", None)
        if fd is not None:
            os.close(fd)


class IndexedVectors(np.ndarray):
    """The memory-mapped caption vectors (float32 (N, dim), read-only) carrying their :class:`CaptionIndex` as
    ``.index``, so :func:`storyteller.pipeline.rank` retrieves through it. Slices and copies drop the index."""

    index: "CaptionIndex | None"

    def __array_finalize__(self, obj: Any) -> None:
        self.index = None


# ---------------------------------------------------------------------------------------------- search
def _map_npy(path: Path) -> tuple[np.ndarray, mmap.mmap, int]:
    """``(array, mmap, data offset)`` of a C-order .npy opened read-only and memory-mapped."""
    with open(path, "rb") as f:
        version = np.lib.format.read_magic(f)
        read = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, fortran, dtype = read(f)
        offset = f.tell()
        mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    if fortran:
        raise ConfigError(f"{path}: not a C-order array; rebuild the index")
    arr = np.ndarray(shape, dtype=dtype, buffer=mm, offset=offset)
    return arr, mm, offset


def _thread_ranges(n: int, dim: int, threads: int) -> np.ndarray:
    """Boundaries of the column ranges OpenBLAS's threaded gemv_t gives each of ``threads`` threads for
    ``np.dot`` of a (1, dim) row with (dim, n) (``gemv_thread.c``: ceil(rest / threads left), at least 4 wide;
    one thread below 2304 * 4 multiply-adds)."""
    if threads <= 1 or n * dim < 9216:
        return np.array([0, n], dtype=np.int64)
    bounds, rest, used = [0], n, 0
    while rest > 0:
        width = min(rest, max(4, -(-rest // (threads - used)) if threads > used else rest))
        bounds.append(bounds[-1] + width)
        rest, used = rest - width, used + 1
    return np.asarray(bounds, dtype=np.int64)


def _error_bound(dim: int, qnorm: float, max_norm: float) -> float:
    """Largest possible difference between two float32 evaluations of one dot product of length ``dim``
    (each within gamma_dim * sum|x_i y_i| of the exact value, Higham 2002, Thm 3.1; Cauchy-Schwarz)."""
    u = 2.0 ** -24
    gamma = dim * u / (1 - dim * u)
    return 2 * gamma * qnorm * max_norm * 1.001


def exact_topk(vectors: np.ndarray, queries: np.ndarray, k: int, *, chunk: int = CHUNK,
               release: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """faiss's exact inner-product top-``k`` (``IndexFlatIP``'s kernel) of float32 (Q, dim) ``queries`` over
    float32 (N, dim) ``vectors`` (e.g. memory-mapped), ``chunk`` rows at a time. Returns ``(scores, rows)``,
    both (Q, min(k, N)), best first by faiss's rounding. ``release(a, b)`` is called after rows a..b were read."""
    faiss = _faiss()
    n = len(vectors)
    k = min(k, n)
    queries = np.ascontiguousarray(queries, dtype=np.float32)
    best_s = np.full((len(queries), 0), -np.inf, dtype=np.float32)
    best_i = np.zeros((len(queries), 0), dtype=np.int64)
    for a in range(0, n, chunk):
        b = min(n, a + chunk)
        s, i = faiss.knn(queries, np.ascontiguousarray(vectors[a:b]), min(k, b - a),
                         metric=faiss.METRIC_INNER_PRODUCT)
        if release is not None:
            release(a, b)
        best_s, best_i = np.hstack([best_s, s]), np.hstack([best_i, i + a])
        if best_s.shape[1] > k:
            keep = np.argpartition(-best_s, k - 1, axis=1)[:, :k]
            best_s, best_i = np.take_along_axis(best_s, keep, 1), np.take_along_axis(best_i, keep, 1)
    order = np.argsort(-best_s, axis=1, kind="stable")
    return np.take_along_axis(best_s, order, 1), np.take_along_axis(best_i, order, 1)


class CaptionIndex:
    """An opened caption index (see the module docs). Use :func:`open_index` or :meth:`open`.

    ``captions``: :class:`CaptionTexts`; ``vectors``: :class:`IndexedVectors` (memory-mapped float32 (N, dim));
    ``manifest``: the manifest dict; ``kind``: 'flat' | 'ivf' | 'hnsw'. Counters: ``fallbacks`` (full numpy
    rankings done because different captions tied at the cut).
    """

    def __init__(self, folder: Path, manifest: dict, captions_path: Path) -> None:
        self.folder, self.manifest, self.kind = folder, manifest, manifest["kind"]
        vec, self._mm, self._offset = _map_npy(folder / "vectors.npy")
        off = np.load(folder / "offsets.npy", mmap_mode="r")
        if vec.dtype != np.float32 or vec.ndim != 2 or vec.shape != (manifest["n"], manifest["dim"]) \
                or off.shape != (manifest["n"], 2):
            raise ConfigError(f"config key 'index': {folder}: vectors.npy/offsets.npy do not match its "
                              f"{MANIFEST} (a damaged index); rebuild it with index-captions")
        self.vectors = vec.view(IndexedVectors)
        self.vectors.index = self
        self.captions = CaptionTexts(captions_path, off)
        self.max_norm = float(manifest.get("max_norm", 1.0))
        self.fallbacks = 0
        self._threads: int | None = None  # the BLAS thread split _rescore follows (0: none found; None: not yet)
        self._faiss_index = None
        if self.kind != "flat":
            faiss = _faiss()
            flags = faiss.IO_FLAG_MMAP if self.kind == "ivf" else faiss.IO_FLAG_MMAP_IFC
            self._faiss_index = faiss.read_index(str(folder / "index.faiss"), flags | faiss.IO_FLAG_READ_ONLY)
            params = manifest.get("search", {})
            if "nprobe" in params:
                faiss.extract_index_ivf(self._faiss_index).nprobe = int(params["nprobe"])
            if "efSearch" in params:
                self._faiss_index.hnsw.efSearch = int(params["efSearch"])

    @classmethod
    def open(cls, folder: str | os.PathLike, captions: str | os.PathLike, vse_path: str | os.PathLike, *,
             check: bool = True) -> "CaptionIndex":
        """:func:`open_index`."""
        return open_index(folder, captions, vse_path, check=check)

    def __len__(self) -> int:
        return len(self.vectors)

    def __repr__(self) -> str:
        return f"CaptionIndex({str(self.folder)!r}, kind={self.kind!r}, captions={len(self)})"

    def _release(self, a: int, b: int) -> None:
        """Drop rows a..b from this process's resident pages (they stay in the page cache): scanning a pool of
        millions then costs one chunk of RSS, not the whole file."""
        page = mmap.PAGESIZE
        start = (self._offset + a * self.vectors.strides[0]) // page * page
        end = self._offset + b * self.vectors.strides[0]
        if hasattr(self._mm, "madvise") and hasattr(mmap, "MADV_DONTNEED") and end > start:
            self._mm.madvise(mmap.MADV_DONTNEED, start, end - start)

    def _rescore(self, emb: np.ndarray, rows: np.ndarray, threads: int | None = None) -> np.ndarray:
        """``np.dot(emb, vectors.T).flatten()[rows]`` rounded as that full product rounds it.

        A BLAS gemv rounds each score by where its row falls in the call: the call is split into one column
        range per thread, and each range is summed in groups of columns from its start. So each row is scored
        by a small single-threaded call over a block that starts at a multiple of 8 rows from the start of its
        thread's range (the ranges of OpenBLAS's split for ``threads``), ending at the range end at the latest.
        """
        threads = threads or self._threads or 1
        n, dim = self.vectors.shape
        bounds = _thread_ranges(n, dim, threads)
        width = max(8, 9215 // dim // 8 * 8)  # columns x dim below OpenBLAS's threading threshold (one thread)
        starts = bounds[np.searchsorted(bounds, rows, side="right") - 1]
        ends = bounds[np.searchsorted(bounds, rows, side="right")]
        first = starts + (rows - starts) // width * width
        out = np.empty(len(rows), dtype=np.float32)
        plain = self.vectors.view(np.ndarray)
        for a in np.unique(first):
            sel = first == a
            b = min(int(a) + width, int(ends[sel][0]))
            out[sel] = np.dot(emb, plain[int(a):b].T).flatten()[rows[sel] - a]
        return out

    def _calibrate(self, emb: np.ndarray, full: np.ndarray) -> None:
        """Find the thread split under which :meth:`_rescore` equals ``full`` (= np.dot(emb, vectors.T) of the
        first query, the answer to that query anyway), on every row near a range boundary and 2,000 others.
        None found (another BLAS): every query is answered by the full product (:meth:`_full`)."""
        n, dim = self.vectors.shape
        rng = np.random.default_rng(0)
        env = [int(v) for v in (os.environ.get(e, "") for e in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"))
               if v.isdigit()]
        for threads in range(1, max([os.cpu_count() or 1, *env]) + 1):
            bounds = _thread_ranges(n, dim, threads)
            near = (bounds[:, None] + np.arange(-9, 9)[None, :]).ravel()
            rows = np.unique(np.concatenate([near[(near >= 0) & (near < n)], rng.integers(0, n, min(n, 2000))]))
            if np.array_equal(self._rescore(emb, rows, threads), full[rows]):
                self._threads = threads
                return
        self._threads = 0

    def _candidates(self, embs: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
        if self._faiss_index is not None:
            s, i = self._faiss_index.search(np.ascontiguousarray(embs, dtype=np.float32), m)
            return s, i
        return exact_topk(self.vectors.view(np.ndarray), embs, m, release=self._release)

    def search(self, embs: np.ndarray, k: int) -> list[tuple[np.ndarray, np.ndarray]]:
        """The ``k`` nearest captions of each image embedding: float32 (Q, dim) rows as
        ``embedding.encode_images`` gives them. Returns one ``(rows int64 (k,), scores float32 (k,))`` per
        query, best first, with :func:`storyteller.pipeline.rank`'s scores (see the module docs)."""
        embs = np.asarray(embs, dtype=np.float32)
        if embs.ndim != 2 or embs.shape[1] != self.vectors.shape[1]:
            raise InputError(f"image embeddings of shape {embs.shape} do not match the index's {self.vectors.shape[1]}"
                             "-d caption vectors")
        n = len(self)
        k = min(int(k), n)
        todo = list(range(len(embs)))
        out: list[Any] = [None] * len(embs)
        if self._threads is None and todo:  # the first query: the full product, which calibrates _rescore
            full = np.dot(embs[:1], self.vectors.view(np.ndarray).T).flatten()
            self._release(0, n)
            self._calibrate(embs[:1], full)
            rows = np.argsort(full)[::-1][:k]
            out[0], todo = (rows, full[rows]), todo[1:]
        if self._threads == 0 and self.kind == "flat":  # no bit-identical re-scoring here: numpy in full
            for q in todo:
                out[q] = self._full(embs[q:q + 1], k)
            return out
        m = min(n, k + max(k, 64))
        while todo:
            cs, ci = self._candidates(embs[todo], m)
            retry = []
            for j, q in enumerate(todo):
                res = self._exact_cut(embs[q:q + 1], cs[j], ci[j], k, m)
                if res is None:
                    retry.append(q)
                else:
                    out[q] = res
            todo, m = retry, min(n, 2 * m)
        return out

    def _exact_cut(self, emb: np.ndarray, fscores: np.ndarray, rows: np.ndarray, k: int,
                   m: int) -> tuple[np.ndarray, np.ndarray] | None:
        valid = rows >= 0
        fscores, rows = fscores[valid], rows[valid]
        scores = self._rescore(emb, rows)
        order = np.lexsort((rows, -scores))
        rows, scores = rows[order], scores[order]
        if self.kind != "flat":
            return rows[:k], scores[:k]
        n = len(self)
        if len(rows) < n:  # rows left out must score below the k-th by any rounding
            bound = _error_bound(emb.shape[1], float(np.linalg.norm(emb)), self.max_norm)
            if not scores[k - 1] > float(fscores.min()) + bound:
                return None if m < n else self._full(emb, k)
        kth = scores[k - 1]
        tied = scores[scores >= kth]
        values, counts = np.unique(tied, return_counts=True)
        for v in values[counts > 1]:  # equal scores: the order np.argsort gives them is the CPU's choice
            if len({self.captions[int(r)] for r in rows[scores == v]}) > 1:
                self.fallbacks += 1
                return self._full(emb, k)
        return rows[:k], scores[:k]

    def _full(self, emb: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The original ranking over the whole pool (what pipeline.rank does)."""
        scores = np.dot(emb, self.vectors.view(np.ndarray).T).flatten()
        self._release(0, len(self))
        rows = np.argsort(scores)[::-1][:k]
        return rows, scores[rows]

    def rank(self, emb: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """:func:`storyteller.pipeline.rank`'s result for one (1, dim) image embedding: ``(rows (k,), scores
        (N,))``; ``scores`` holds the cosines of the rows returned and NaN elsewhere (a pool of millions is not
        scored in full)."""
        rows, s = self.search(emb, k)[0]
        scores = np.full(len(self), np.nan, dtype=np.float32)
        scores[rows] = s
        return rows, scores


# ---------------------------------------------------------------------------------------------- open
def open_index(folder: str | os.PathLike, captions: str | os.PathLike, vse_path: str | os.PathLike, *,
               check: bool = True) -> CaptionIndex:
    """Open the index in ``folder`` for the caption file ``captions`` and the VSE at ``vse_path``.

    Raises :class:`~storyteller.errors.ConfigError` with one line when the folder is not an index, or when it
    was built from other captions or another VSE than the config names (stale: rebuild it with
    ``python -m storyteller index-captions``). ``check=False`` skips the hash comparison.
    """
    from .index_build import content_hashes  # the hashes index-captions records

    folder = Path(folder)
    fix = f"python -m storyteller index-captions {captions} --config CONFIG --out {folder}"
    mpath = folder / MANIFEST
    if not mpath.is_file():
        what = "not found" if not folder.exists() else f"holds no {MANIFEST} (not a finished caption index)"
        raise ConfigError(f"config key 'index': {folder} {what}; build it with `{fix}`")
    try:
        manifest = json.loads(mpath.read_text(encoding="utf-8"))
        assert manifest.get("format") == FORMAT and manifest.get("kind") in KINDS
    except (ValueError, AssertionError, AttributeError):
        raise ConfigError(f"config key 'index': {mpath} is not a caption index manifest ({FORMAT}); rebuild "
                          f"it with `{fix}`") from None
    if check:
        have = content_hashes(captions, vse_path)
        for key, what in (("captions_sha256", f"caption pool than {captions}"), ("vse_sha256", f"VSE than {vse_path}")):
            if manifest.get(key) != have[key]:
                raise ConfigError(f"config key 'index': {folder} is stale: it was built from another {what} "
                                  f"(sha256 {str(manifest.get(key))[:12]}, now {have[key][:12]}); rebuild it with "
                                  f"`{fix}`")
    return CaptionIndex(folder, manifest, Path(captions))
