#!/usr/bin/env python
"""Caption pools of millions: figures of the caption index (``index-captions``, config key ``index``).

At ``--captions`` (10^6) synthetic COCO-like captions and the original VSE's size (dim 1024, word dim 300, 30,000
words, image features 4096-d, random weights), prints one JSON object per line on stdout (progress on stderr):

  embedding_throughput   VSE encode_sentences, captions/s, measured on --embed-sample captions and extrapolated
                         to the whole pool (embedding 10^6 captions takes ~8 min on 2 cores; the index part uses
                         synthesised vectors: a mixture of 2,000 random directions plus noise, unit rows)
  index_build_exact      seconds to write the exact index (vectors.npy, offsets.npy, manifest) by index-captions
                         with synthesised vectors; exact search needs nothing more
  index_build_approx     seconds to train and fill faiss's IVF index (kind ivf) + its recall@100 on pool vectors
  query_exact            per-image seconds of pipeline.rank through the exact index (median over --queries;
                         first_s: the first query, answered by the full numpy product that calibrates re-scoring)
  query_numpy            per-image seconds of today's pipeline.rank on the same memory-mapped vectors
  query_approx           per-image seconds through the IVF index
  recall_at_100_approx   recall@100 of the IVF index against exact search, on image queries
  exact_same_as_numpy    whether the exact index gave the same top-100 (captions and scores) as numpy, per query
  peak_rss               peak RSS (VmHWM) of a fresh process that opens both indexes and runs every query, GB;
                         rss_anon_gb / rss_file_gb: the split after the queries (file = memory-mapped vectors)

Usage:
  python benchmarks/bench_pool.py                       # 10^6 captions, ~9 GB of temporary disk
  python benchmarks/bench_pool.py --quick               # 20,000 captions, seconds
  python benchmarks/bench_pool.py --captions 200000 --workdir /big/tmp --keep
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_full_size import kiros_bias, log, make_captions, vocabulary  # noqa: E402

VSE = dict(words=30_000, word=300, dim=1024, image=4096)


def emit(figure: str, value, unit: str, **extra) -> None:
    print(json.dumps({"figure": figure, "value": value if isinstance(value, bool) else round(float(value), 6),
                      "unit": unit, **extra}), flush=True)


def build_vse(folder: Path, d: dict):
    import torch

    from storyteller import embedding

    torch.manual_seed(0)
    vse = embedding.VSE(d["words"], d["word"], d["dim"], d["image"])
    kiros_bias(vse.encoder)
    wd = {w: i + 2 for i, w in enumerate(vocabulary())}
    for i in range(len(wd), d["words"]):
        wd[f"v{i}"] = i + 2
    vse.worddict = wd
    embedding.save_model(vse, folder / "vse.safetensors")
    return embedding.load_model(folder / "vse.safetensors")


def synthetic_vectors(dim: int, n_centres: int = 2000):
    """A function (captions, first row) -> float32 unit rows around seeded random centres (clustered like
    real embeddings; each row depends only on its index, so chunks and resumes give the same file)."""
    centres = np.random.default_rng(0).standard_normal((n_centres, dim)).astype(np.float32)

    def embed(caps, first):
        rng = np.random.default_rng(first + 1)
        c = centres[rng.integers(0, n_centres, len(caps))]
        v = c + 0.6 * rng.standard_normal(c.shape, dtype=np.float32)
        return (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)
    return embed


def query_phase(args) -> int:
    """Run in a fresh process: open the indexes, run the queries, report times, agreement and peak RSS."""
    from storyteller import embedding, pipeline
    from storyteller.index import open_index

    work = Path(args.query_phase)
    vse = embedding.load_model(work / "vse.safetensors")
    caps, vse_path = work / "captions.txt", work / "vse.safetensors"
    exact = open_index(work / "flat", caps, vse_path)
    approx = open_index(work / "ivf", caps, vse_path)
    rng = np.random.default_rng(1)
    feats = [np.abs(rng.standard_normal(VSE["image"] if not args.quick else 512)).astype(np.float32)
             for _ in range(args.queries)]
    t_exact, t_approx, t_numpy, same, recall = [], [], [], [], []
    plain = np.load(work / "flat" / "vectors.npy", mmap_mode="r")
    results = []
    for f in feats:
        t0 = time.perf_counter()
        rows, scores = pipeline.rank(vse, exact.vectors, f, 100)
        t_exact.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        arows, _ = pipeline.rank(vse, approx.vectors, f, 100)
        t_approx.append(time.perf_counter() - t0)
        recall.append(len(set(arows.tolist()) & set(rows.tolist())) / len(rows))
        results.append([(exact.captions[i], float(scores[i])) for i in rows])
    status = open("/proc/self/status").read()  # before numpy touches the whole file
    if args.numpy:
        for f, got in zip(feats, results):
            t0 = time.perf_counter()
            nrows, nscores = pipeline.rank(vse, plain, f, 100)
            t_numpy.append(time.perf_counter() - t0)
            same.append(got == [(exact.captions[i], float(nscores[i])) for i in nrows])
    kb = {k: int(v.split()[0]) for k, v in (ln.split(":", 1) for ln in status.splitlines())
          if k in ("VmHWM", "RssAnon", "RssFile")}
    hwm = {k: int(v.split()[0]) for k, v in (ln.split(":", 1) for ln in open("/proc/self/status").read().splitlines())
           if k == "VmHWM"}
    emit("query_exact", float(np.median(t_exact[1:] or t_exact)), "s", first_s=round(t_exact[0], 4),
         queries=len(feats), blas_split_threads=exact._threads, full_numpy_fallbacks=exact.fallbacks)
    emit("query_approx", float(np.median(t_approx)), "s", search=approx.manifest.get("search"))
    emit("recall_at_100_approx", float(np.mean(recall)), "fraction", queries=len(feats), on="image queries")
    if args.numpy:
        emit("query_numpy", float(np.median(t_numpy)), "s")
        emit("exact_same_as_numpy", all(same), "bool", queries=len(same), same=sum(same))
    emit("peak_rss", kb["VmHWM"] / 1e6, "GB", rss_anon_gb=round(kb["RssAnon"] / 1e6, 3),
         rss_file_gb=round(kb["RssFile"] / 1e6, 3), vm_hwm_with_numpy_gb=round(hwm["VmHWM"] / 1e6, 3),
         note="before the numpy comparison queries; vm_hwm_with_numpy_gb after them")
    return 0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--captions", type=int, default=1_000_000)
    p.add_argument("--embed-sample", type=int, default=10_000)
    p.add_argument("--queries", type=int, default=20)
    p.add_argument("--nlist", type=int, default=1024)
    p.add_argument("--nprobe", type=int, default=64)
    p.add_argument("--workdir", default=None)
    p.add_argument("--keep", action="store_true")
    p.add_argument("--quick", action="store_true", help="20,000 captions, a small VSE: a smoke run")
    p.add_argument("--no-numpy", dest="numpy", action="store_false", help="skip today's numpy search")
    p.add_argument("--query-phase", default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.quick:
        VSE.update(words=3000, word=30, dim=128, image=512)
        args.captions, args.embed_sample, args.nlist, args.nprobe = 20_000, 2000, 64, 8
    if args.query_phase:
        return query_phase(args)

    from storyteller.index_build import build_index

    work = Path(tempfile.mkdtemp(prefix="storyteller-pool-", dir=args.workdir))
    try:
        vse = build_vse(work, VSE)
        log(f"writing {args.captions} synthetic captions")
        caps = make_captions(args.captions)
        (work / "captions.txt").write_text("\n".join(caps) + "\n", encoding="utf-8")
        from storyteller import embedding

        sample = caps[:args.embed_sample]
        embedding.encode_sentences(vse, sample[:256])  # warm-up (prepacking, allocator)
        t0 = time.perf_counter()
        embedding.encode_sentences(vse, sample)
        dt = time.perf_counter() - t0
        rate = len(sample) / dt
        emit("embedding_throughput", rate, "captions/s", sample=len(sample), dim=VSE["dim"],
             pool_estimate_s=round(args.captions / rate, 1), extrapolated=True)
        del caps, sample
        embed = synthetic_vectors(VSE["dim"])
        quiet = dict(verbose=False, say=log, embed=embed, chunk=65536)
        t0 = time.perf_counter()
        build_index(work / "captions.txt", vse, work / "vse.safetensors", work / "flat", **quiet)
        emit("index_build_exact", time.perf_counter() - t0, "s", captions=args.captions, dim=VSE["dim"],
             note="synthesised vectors written through index-captions (no embedding)")
        t0 = time.perf_counter()
        build_index(work / "captions.txt", vse, work / "vse.safetensors", work / "ivf", kind="ivf",
                    nlist=args.nlist, nprobe=args.nprobe, **quiet)
        m = json.loads((work / "ivf" / "manifest.json").read_text())
        emit("index_build_approx", m["build_s"], "s", total_s=round(time.perf_counter() - t0, 1),
             factory=m["factory"], search=m["search"], recall_at_100_pool_queries=m["recall_at_100"],
             note="train + add; total_s includes writing the vectors again and measuring recall")
        cmd = [sys.executable, __file__, "--query-phase", str(work), "--queries", str(args.queries)]
        cmd += ["--quick"] if args.quick else []
        cmd += [] if args.numpy else ["--no-numpy"]
        return subprocess.call(cmd, env={**os.environ, "PYTHONPATH": os.pathsep.join(
            [str(Path(__file__).resolve().parents[1]), os.environ.get("PYTHONPATH", "")])})
    finally:
        if args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
