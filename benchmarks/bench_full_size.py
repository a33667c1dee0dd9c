#!/usr/bin/env python
"""Full-size performance figures for the storyteller, on a synthetic model with the original's dimensions.

Builds (in a temporary folder, in the converted format) a model with random weights and the dimensions of the
released one: uni-skip 2400, bi-skip 2x1200, word dim 620, word tables of 930,913 rows (2.3 GB each, float32,
memory-mapped), decoder dimctx 4800 / dim_word 620 / dim 2400 / 20,000 words / deep output, VSE dim 1024 /
word 300 / image 4096 / 30,000 words, and a caption pool of 414,113 random COCO-like captions. Then measures,
printing one JSON object per line on stdout (progress goes to stderr):

  matmul_peak             this machine's float32 matmul GFLOP/s (the yardstick for beam_step_bw50)
  build                   seconds to write the synthetic model (information only)
  caption_embedding       VSE caption-pool embedding throughput, captions/s (first cache build; target >= 2000)
  load_all_cold           load_all() in a fresh process, cvec cache present: seconds (target <= 3) and peak RSS
                          (target <= 2.5 GB); page cache of the model files dropped first ("cold disk")
  load_all_warm           the same with the files in the page cache
  skipthought_encode_100  skipthoughts.encode of 100 captions, seconds (target <= 1)
  retrieval_k100          VSE image encoding + scores against the whole pool + top-100, seconds
  beam_step_bw50          beam search bw=50: ms per step and GFLOP/s of the step vs matmul_peak (target >= 80%)
  story_k100_bw50         one story() from an image feature vector, k=100, bw=50, seconds (target <= 10)

Usage:
  python benchmarks/bench_full_size.py                  # full size (needs ~7 GB of temporary disk)
  python benchmarks/bench_full_size.py --quick          # scaled-down smoke run (seconds)
  python benchmarks/bench_full_size.py --table-rows 200000 --captions 50000 --workdir /big/tmp
  python benchmarks/bench_full_size.py --device cuda
  python benchmarks/bench_full_size.py --keep --workdir W ; ... --reuse W/model   # build once, measure again
  python benchmarks/bench_full_size.py --profile        # torch.profiler tables for the hot spots, on stderr
  python benchmarks/bench_full_size.py --plain          # also measure with the fast CPU paths switched off
"""
from __future__ import annotations

import argparse
import contextlib
import functools
import io
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

FULL = dict(uni=2400, bi=1200, dim_word=620, table_rows=930_913, dec_dim=2400, dec_words=20_000,
            vse_dim=1024, vse_word=300, vse_image=4096, vse_words=30_000, captions=414_113, matmul=2048)
QUICK = dict(uni=240, bi=120, dim_word=62, table_rows=5_000, dec_dim=240, dec_words=2_000,
             vse_dim=128, vse_word=30, vse_image=512, vse_words=3_000, captions=3_000, matmul=512)
TARGETS = {"caption_embedding": (">=", 2000.0), "load_all_cold": ("<=", 3.0), "load_all_peak_rss": ("<=", 2.5),
           "skipthought_encode_100": ("<=", 1.0), "beam_step_bw50": (">=", 0.8), "story_k100_bw50": ("<=", 10.0)}

# A small COCO-like vocabulary for the synthetic caption pool.
DETS = ["A", "The", "Two", "Three", "Some", "An", "a", "the", "Several", "Many"]
ADJS = ["small", "large", "white", "black", "red", "young", "old", "little", "big", "brown", "yellow", "green",
        "blue", "wooden", "tall", "empty", "busy", "crowded", "sunny", "rainy", "snowy", "grassy", "dirty", "clean"]
NOUNS = ["man", "woman", "dog", "cat", "boy", "girl", "bus", "train", "plate", "pizza", "table", "kitchen", "street",
         "horse", "bird", "giraffe", "elephant", "zebra", "bench", "car", "truck", "surfboard", "wave", "beach",
         "field", "tree", "building", "room", "bed", "clock", "tower", "sign", "road", "person", "people", "child",
         "player", "ball", "bat", "kite", "sky", "water", "boat", "bike", "motorcycle", "sandwich", "cake", "bowl",
         "bear", "sheep", "cow", "airplane", "runway", "laptop", "desk", "computer", "phone", "umbrella", "skier",
         "snow", "hill", "toilet", "bathroom", "sink", "mirror", "window", "couch", "television", "food", "fruit"]
VERBS = ["sitting on", "standing next to", "riding", "holding", "walking down", "parked on", "flying over",
         "eating", "looking at", "lying on", "playing with", "crossing", "waiting for", "filled with",
         "covered in", "standing in", "sitting in", "running across", "carrying", "hanging from"]
PREPS = ["in the", "on a", "near the", "with a", "at the", "next to a", "under a", "by the", "in front of a"]


def log(*a) -> None:
    print(*a, file=sys.stderr, flush=True)


def emit(figure: str, value: float, unit: str, quick: bool, device: str, **extra) -> None:
    target = TARGETS.get(figure)
    rec = {"figure": figure, "value": round(float(value), 4), "unit": unit, "quick": quick, "device": device}
    if target is not None:
        op, bound = target
        rec["target"] = f"{op} {bound:g}"
        rec["ok"] = bool(value >= bound if op == ">=" else value <= bound)
    rec.update(extra)
    print(json.dumps(rec), flush=True)


# --------------------------------------------------------------------------------------------- building
def make_captions(n: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        words = [rng.choice(DETS)]
        if rng.random() < 0.7:
            words.append(rng.choice(ADJS))
        words += [rng.choice(NOUNS), rng.choice(VERBS), rng.choice(DETS[5:8]), rng.choice(NOUNS)]
        for _ in range(rng.randint(0, 2)):
            words += [rng.choice(PREPS), rng.choice(NOUNS)]
        text = " ".join(words)
        out.append(text + (" ." if rng.random() < 0.6 else "."))
    return out


def vocabulary() -> list[str]:
    words = set(ADJS + NOUNS + DETS + [".", "a", "the", "an"])
    for phrase in VERBS + PREPS:
        words.update(phrase.split())
    words.update(w.capitalize() for w in list(words))
    return sorted(words)


def estimate_bytes(d: dict) -> int:
    tables = 2 * d["table_rows"] * d["dim_word"] * 4
    dec = 4 * (d["dec_words"] * d["dim_word"] * 2 + 2 * d["uni"] * d["dec_dim"] + 3 * d["dec_dim"] ** 2
               + 3 * d["dim_word"] * d["dec_dim"] + d["dec_dim"] * d["dim_word"])
    vse = 4 * (d["vse_words"] * d["vse_word"] + d["vse_image"] * d["vse_dim"]
               + 3 * d["vse_dim"] * (d["vse_dim"] + d["vse_word"]))
    cvec = d["captions"] * d["vse_dim"] * 4
    return tables + dec + vse + cvec + d["captions"] * 60 + 64 * d["table_rows"]


def kiros_bias(*grus) -> None:
    """The Kiros GRU has no recurrent bias (bias_hh = 0); nn.GRU's random init gives one."""
    import torch

    with torch.no_grad():
        for g in grus:
            for name, p in g.named_parameters():
                if name.startswith("bias_hh"):
                    p.zero_()


def build_model(folder: Path, d: dict, seed: int = 0) -> None:
    """Write a random model with dimensions ``d`` in the converted format into ``folder``."""
    import torch

    from storyteller import decoder, embedding, skipthoughts
    from storyteller.gru import KirosGRU

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    vocab = vocabulary()

    # skip-thoughts: the encoders (the tables are written separately, streamed, never in RAM)
    log("building: skip-thought encoders")
    uni = KirosGRU(d["dim_word"], d["uni"])
    bi = KirosGRU(d["dim_word"], d["bi"], bidirectional=True)
    kiros_bias(uni, bi)
    skipthoughts.save_encoders(uni, bi, folder)
    n = d["table_rows"]
    words = ["UNK", "<eos>"] + vocab
    words += [f"w{i}" for i in range(n - len(words))]
    (folder / "dictionary.txt").write_text("".join(w + "\n" for w in words[:n]), encoding="utf-8")
    for name in ("utable", "btable"):
        log(f"building: {name} {n} x {d['dim_word']} float32 ({n * d['dim_word'] * 4 / 1e9:.2f} GB)")
        mm = np.lib.format.open_memmap(folder / f"{name}.npy", mode="w+", dtype=np.float32, shape=(n, d["dim_word"]))
        step = 65536
        for i in range(0, n, step):
            block = rng.standard_normal((min(step, n - i), d["dim_word"]), dtype=np.float32)
            block *= 0.1
            mm[i:i + step] = block
        mm.flush()
        del mm

    # decoder with a "clock" unit that ends the beams after ~80 steps (like the golden fixture's design)
    log("building: decoder")
    dimctx = d["uni"] + 2 * d["bi"]
    dec = decoder.Decoder(d["dec_words"], d["dim_word"], dimctx, d["dec_dim"], doutput=True)
    h, c = d["dec_dim"], 0
    kiros_bias(dec.decoder)
    with torch.no_grad():
        g = dec.decoder
        for m in (g.weight_ih_l0, g.weight_hh_l0):
            m[c] = 0
            m[h + c] = 0
            m[2 * h + c] = 0
        g.bias_ih_l0[h + c] = float(np.log(0.991 / 0.009))  # update gate ~0.991
        g.bias_ih_l0[2 * h + c] = 3.0  # candidate tanh(3)
        dec.ff_state.weight[c] = 0
        dec.ff_state.bias[c] = -2.0  # starts at tanh(-2) and climbs towards 1
        dec.ff_hid.weight[0] = 0
        dec.ff_hid.weight[0, c] = 3.0
        dec.ff_hid.bias[0] = 0.0
        dec.ff_logit.weight[0] = 0
        dec.ff_logit.weight[0, 0] = 12.0  # <eos> logit follows the clock
        dec.ff_logit.bias[0] = 0.0
    dec.word_idict = {i: (vocab[i - 2] if i - 2 < len(vocab) else f"word{i}") for i in range(2, d["dec_words"])}
    dec.word_idict.update({0: "<eos>", 1: "UNK"})
    decoder.save_model(dec, folder / "romance.safetensors", folder / "romance_dictionary.json")
    del dec

    log("building: VSE")
    vse = embedding.VSE(d["vse_words"], d["vse_word"], d["vse_dim"], d["vse_image"])
    kiros_bias(vse.encoder)
    wd = {w: i + 2 for i, w in enumerate(vocab)}
    for i in range(len(wd), d["vse_words"]):
        wd[f"v{i}"] = i + 2
    vse.worddict = wd
    vse.options["n_words"] = d["vse_words"]
    embedding.save_model(vse, folder / "coco_embedding.safetensors")
    del vse

    log(f"building: {d['captions']} captions, styles, config")
    caps = make_captions(d["captions"], seed)
    (folder / "coco_train_caps.txt").write_text("".join(x + "\n" for x in caps), encoding="utf-8")
    for name in ("caption_style", "romance_style"):
        np.save(folder / f"{name}.npy", (rng.standard_normal(dimctx) * 0.01).astype(np.float32))
    (folder / "config.yaml").write_text(
        "# synthetic full-size model (random weights) written by benchmarks/bench_full_size.py\n"
        "skmodels: .\nsktables: .\ndecmodel: romance.safetensors\ndictionary: romance_dictionary.json\n"
        "vsemodel: coco_embedding.safetensors\nvgg: ''\ncaptions: coco_train_caps.txt\n"
        "negbias: caption_style.npy\nposbias: romance_style.npy\ncnn: vgg19\n")


def fake_cache(folder: Path) -> None:
    """Write the cvec cache where load_all looks for it, with random unit rows (the real embedding of the whole
    pool is measured on a sample, unless --full-embed)."""
    from storyteller import convert, embedding

    real = embedding.encode_sentences

    def random_rows(model, X, verbose=False, batch_size=128):
        rng = np.random.default_rng(1)
        out = np.empty((len(X), model.options["dim"]), np.float32)
        for i in range(0, len(X), 65536):
            blk = rng.standard_normal((min(65536, len(X) - i), out.shape[1]), dtype=np.float32)
            out[i:i + 65536] = blk / np.linalg.norm(blk, axis=1, keepdims=True)
        return out

    embedding.encode_sentences = random_rows
    try:
        convert.build_caption_cache(folder, folder / "coco_embedding.safetensors", folder / "coco_train_caps.txt",
                                    progress=False, log=log)
    finally:
        embedding.encode_sentences = real


# ------------------------------------------------------------------------------------------- measuring
def sync(device: str) -> None:
    if device.startswith("cuda"):
        import torch

        torch.cuda.synchronize()


def matmul_gflops(n: int, device: str, reps: int = 5, onednn: bool = False) -> float:
    """Best-of-``reps`` float32 GFLOP/s of an n x n x n product (torch.mm, or oneDNN's prepacked linear)."""
    import torch

    a = torch.randn(n, n, device=device)
    b = torch.randn(n, n, device=device)
    if onednn:
        from storyteller.gru import PackedLinear

        packed = PackedLinear(b.t().contiguous(), None)  # y = a @ b
        fn = lambda: packed(a)  # noqa: E731
    else:
        fn = lambda: torch.mm(a, b)  # noqa: E731
    fn()
    sync(device)
    best = float("inf")
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        sync(device)
        best = min(best, time.perf_counter() - t)
    return 2 * n ** 3 / best / 1e9


def drop_page_cache(folder: Path) -> bool:
    """Evict this folder's files from the page cache (only ours; needs no privileges)."""
    if not hasattr(os, "posix_fadvise"):
        return False
    for p in folder.rglob("*"):
        if p.is_file():
            fd = os.open(p, os.O_RDONLY)
            try:
                os.fsync(fd)
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)
    return True


LOAD_SCRIPT = r"""
import json, os, sys, time
hashes = os.path.join(os.environ["STORYTELLER_CACHE"], "file-hashes.json")
hash_cache = os.path.isfile(hashes)
t0 = time.perf_counter()
import torch
from storyteller import generate
t1 = time.perf_counter()
if len(sys.argv) > 3 and int(sys.argv[3]) > 0:
    torch.set_num_threads(int(sys.argv[3]))
z = generate.load_all(sys.argv[1], device=sys.argv[2], verbose=False)
if sys.argv[2].startswith("cuda"):
    torch.cuda.synchronize()
t2 = time.perf_counter()
st = {l.split(":")[0]: int(l.split()[1]) for l in open("/proc/self/status")
      if l.startswith(("VmHWM", "VmRSS", "RssAnon", "RssFile"))}
print(json.dumps({"import_s": t1 - t0, "load_s": t2 - t1, "status_kb": st, "hash_cache": hash_cache,
                  "utable_mapped": type(z["stv"].utable).__name__, "cvec_rows": int(z["cvec"].shape[0])}))
"""


def load_in_subprocess(folder: Path, device: str, threads: int) -> dict:
    proc = subprocess.run([sys.executable, "-c", LOAD_SCRIPT, str(folder), device, str(threads)],
                          capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise RuntimeError(f"load_all subprocess failed: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def step_flops(L: int, o: dict) -> float:
    d, dw, V = o["dim"], o["dim_word"], o["n_words"]
    per = dw * 3 * d + d * 3 * d + ((d * dw + dw * V) if o.get("doutput", True) else d * V)
    return 2.0 * L * per


class StepTimer:
    """Wraps dec.step to time each call and record the live-beam width."""

    def __init__(self, dec, device: str) -> None:
        self.dec, self.device, self.orig = dec, device, dec.step
        self.times: list[float] = []
        self.widths: list[int] = []

    def __enter__(self):
        self.had = "step" in self.dec.__dict__

        def timed(prev, state):
            sync(self.device)
            t = time.perf_counter()
            out = self.orig(prev, state)
            sync(self.device)
            self.times.append(time.perf_counter() - t)
            self.widths.append(int(prev.shape[0]))
            return out

        self.dec.step = timed
        return self

    def __exit__(self, *exc):
        if self.had:
            self.dec.step = self.orig
        else:
            del self.dec.step  # back to the class method


def profile(fn, title: str, rows: int = 15) -> None:
    import torch

    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]
                                + ([torch.profiler.ProfilerActivity.CUDA] if torch.cuda.is_available() else []),
                                record_shapes=True) as prof:
        fn()
    log(f"---- torch.profiler: {title}")
    log(prof.key_averages(group_by_input_shape=True).table(sort_by="self_cpu_time_total", row_limit=rows))


# ------------------------------------------------------------------------------------------ fast paths
# On CPU, Decoder.step and embedding.encode_sentences use oneDNN's prepacked weights (storyteller.gru.packed_linear,
# built on the private torch.ops.mkldnn._reorder_linear_weight / _linear_pointwise), and encode_sentences folds
# the GRU's input projection into one GEMM over the words used. ``--plain`` measures the same figures with them
# switched off, i.e. the fallback code that runs where the ops are missing, and checks the results agree.
def packed_linear_ok() -> bool:
    from storyteller import gru

    return gru.packed_linear_available()


def plain_paths():
    from storyteller import gru

    return gru.plain_paths()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="scaled-down smoke run (seconds)")
    ap.add_argument("--table-rows", type=int, help="rows of each word table (default 930913)")
    ap.add_argument("--captions", type=int, help="size of the caption pool (default 414113)")
    ap.add_argument("--embed-sample", type=int, default=20000,
                    help="captions embedded to measure throughput (default 20000; the rest of the cache is random)")
    ap.add_argument("--full-embed", action="store_true", help="really embed the whole pool to build the cache")
    ap.add_argument("--device", default="cpu", help="cpu or cuda")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (default: torch's choice)")
    ap.add_argument("--workdir", default=None, help="where the temporary model goes (default: system temp)")
    ap.add_argument("--reuse", default=None, help="use a model folder built earlier (with --keep) instead of building")
    ap.add_argument("--keep", action="store_true", help="keep the synthetic model folder")
    ap.add_argument("--profile", action="store_true", help="print torch.profiler tables for the hot spots on stderr")
    ap.add_argument("--plain", action="store_true",
                    help="also measure the decoder step / caption embedding with the fast CPU paths switched off")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    import torch

    from storyteller import embedding, generate, skipthoughts, style

    if args.threads > 0:
        torch.set_num_threads(args.threads)
    dims = dict(QUICK if args.quick else FULL)
    if args.table_rows:
        dims["table_rows"] = args.table_rows
    if args.captions:
        dims["captions"] = args.captions
    device, quick = args.device, args.quick
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise SystemExit("--device cuda: no CUDA GPU available")
    common = {"threads": torch.get_num_threads()}
    E = lambda fig, val, unit, **kw: emit(fig, val, unit, quick, device, **common, **kw)  # noqa: E731

    mkl = max(matmul_gflops(n, device) for n in {dims["matmul"], dims["matmul"] // 2})
    onednn = (max(matmul_gflops(n, device, onednn=True) for n in {dims["matmul"], dims["matmul"] // 2})
              if device == "cpu" and packed_linear_ok() else 0.0)
    peak = max(mkl, onednn)
    E("matmul_peak", peak, "GFLOP/s", n=dims["matmul"], torch_mm_gflops=round(mkl, 1),
      onednn_prepacked_gflops=round(onednn, 1))
    fast = device == "cpu" and packed_linear_ok()
    common["fast_cpu_paths"] = fast
    plain = args.plain and fast
    if args.plain and not plain:
        log("--plain: the fast paths are not in use here (they need the CPU and oneDNN's prepacked linear); skipped")

    tmp_root = None
    if args.reuse:
        folder = Path(args.reuse)
    else:
        base = Path(args.workdir or tempfile.gettempdir())
        base.mkdir(parents=True, exist_ok=True)
        need = estimate_bytes(dims)
        free = shutil.disk_usage(base).free
        if need * 1.1 > free:
            raise SystemExit(f"need about {need / 1e9:.1f} GB in {base} but only {free / 1e9:.1f} GB are free; use "
                             "--workdir elsewhere or shrink with --table-rows N / --captions N")
        tmp_root = Path(tempfile.mkdtemp(prefix="storyteller-bench-", dir=base))
        folder = tmp_root / "model"
        t = time.perf_counter()
        build_model(folder, dims, args.seed)
        E("build", time.perf_counter() - t, "s", disk_gb=round(need / 1e9, 2), **{k: dims[k] for k in
                                                                                 ("table_rows", "captions")})
    # load_all's user cache (file-hashes.json; cvec files it cannot write beside the captions) stays with the model
    os.environ.setdefault("STORYTELLER_CACHE", str(folder.parent / "user-cache"))
    try:
        # --- caption-pool embedding throughput (first cache build)
        vse = embedding.load_model(folder / "coco_embedding.safetensors", device)
        caps = generate.read_captions(folder / "coco_train_caps.txt")
        sample = caps[: min(len(caps), args.embed_sample)] if not args.full_embed else caps
        have_cache = bool(list((folder / "cache").glob("cvec-*.npy")))
        if args.full_embed and not have_cache:
            from storyteller import convert

            t = time.perf_counter()
            convert.build_caption_cache(folder, folder / "coco_embedding.safetensors",
                                        folder / "coco_train_caps.txt", progress=True, log=log, vse=vse)
            dt = time.perf_counter() - t
        else:
            embedding.encode_sentences(vse, sample[:256])  # warm-up
            sync(device)
            t = time.perf_counter()
            embedding.encode_sentences(vse, sample)
            sync(device)
            dt = time.perf_counter() - t
            if not have_cache:
                fake_cache(folder)
        E("caption_embedding", len(sample) / dt, "captions/s", captions=len(sample),
          full_pool_estimate_s=round(len(caps) / (len(sample) / dt), 1))
        if plain:
            check = sample[:2000]
            with plain_paths():
                ref = embedding.encode_sentences(vse, check)
                t = time.perf_counter()
                embedding.encode_sentences(vse, sample)
                dt = time.perf_counter() - t
            diff = float(np.abs(embedding.encode_sentences(vse, check) - ref).max())
            E("caption_embedding_plain", len(sample) / dt, "captions/s", captions=len(sample),
              full_pool_estimate_s=round(len(caps) / (len(sample) / dt), 1), max_abs_diff_vs_fast=diff)
        if args.profile:
            profile(functools.partial(embedding.encode_sentences, vse, sample[:2048]),
                    "VSE encode_sentences, 2048 captions")
        del vse

        # --- load_all in a fresh process: cold (page cache dropped) and warm
        for label, drop in (("load_all_cold", True), ("load_all_warm", False)):
            dropped = drop_page_cache(folder) if drop else False
            r = load_in_subprocess(folder, device, args.threads)
            st = r["status_kb"]
            E(label, r["load_s"], "s", import_s=round(r["import_s"], 3), peak_rss_gb=round(st["VmHWM"] / 2**20, 3),
              rss_anon_gb=round(st.get("RssAnon", 0) / 2**20, 3), rss_file_gb=round(st.get("RssFile", 0) / 2**20, 3),
              page_cache_dropped=dropped, tables=r["utable_mapped"], file_hash_cache=r["hash_cache"])
            if drop:
                E("load_all_peak_rss", st["VmHWM"] / 2**20, "GB")

        # --- in this process: the pieces of story()
        z = generate.load_all(folder, device=device, verbose=False)
        rng = np.random.default_rng(args.seed)
        feats = np.maximum(rng.standard_normal(dims["vse_image"]).astype(np.float32), 0)
        t = time.perf_counter()
        idx = generate.retrieve(z, feats, 100)
        t_first = time.perf_counter() - t
        t = time.perf_counter()
        idx = generate.retrieve(z, feats, 100)
        E("retrieval_k100", time.perf_counter() - t, "s", first_s=round(t_first, 3), pool=len(z["cap"]))
        sents = [z["cap"][i] for i in idx]
        times = []
        for _ in range(3):
            sync(device)
            t = time.perf_counter()
            svecs = skipthoughts.encode(z["stv"], sents, nonascii_unk=True)
            sync(device)
            times.append(time.perf_counter() - t)
        E("skipthought_encode_100", min(times), "s", first_s=round(times[0], 3))
        if args.profile:
            profile(lambda: skipthoughts.encode(z["stv"], sents), "skipthoughts.encode, 100 captions")
        shift = style.shift(svecs, z["bneg"], z["bpos"])

        from storyteller import decoder

        dec = z["dec"]
        with StepTimer(dec, device) as st:
            sync(device)
            t = time.perf_counter()
            hyps = decoder.beam_search(dec, shift, 50)
            sync(device)
            total = time.perf_counter() - t
        flops = sum(step_flops(w, dec.options) for w in st.widths)
        step_s = sum(st.times)
        full = [tm for tm, w in zip(st.times, st.widths) if w == 50]
        gflops_step = flops / step_s / 1e9
        base_hyps = hyps
        E("beam_step_bw50", gflops_step / peak, "fraction of matmul_peak",
          ms_per_step=round(1e3 * total / len(st.times), 2),
          step_ms_per_step=round(1e3 * step_s / len(st.times), 2),
          ms_per_step_at_width50=round(1e3 * float(np.median(full)), 2) if full else None,
          gflops_step=round(gflops_step, 1), gflops_whole_search=round(flops / total / 1e9, 1),
          matmul_peak_gflops=round(peak, 1), steps=len(st.times), hyps=len(hyps), search_s=round(total, 3))
        if args.profile:
            def few_steps():
                decoder.beam_search(dec, shift, 50, maxlen=10)

            profile(few_steps, "beam_search bw=50, 10 steps")

        # --- one whole story
        def one_story(label: str) -> str:
            with StepTimer(dec, device) as st:
                sync(device)
                t = time.perf_counter()
                buf = io.StringIO()
                with contextlib.redirect_stdout(buf):
                    generate.story(z, feats, k=100, bw=50)
                sync(device)
                dt = time.perf_counter() - t
            E(label, dt, "s", steps=len(st.times),
              peak_rss_gb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 3))
            return buf.getvalue()

        text = one_story("story_k100_bw50")

        if plain:  # the same with the fast paths switched off
            with plain_paths():
                with StepTimer(dec, device) as st:
                    t = time.perf_counter()
                    hyps = decoder.beam_search(dec, shift, 50)
                    total = time.perf_counter() - t
                flops = sum(step_flops(w, dec.options) for w in st.widths)
                step_s = sum(st.times)
                gflops_step = flops / step_s / 1e9
                same = [h for h, _ in hyps] == [h for h, _ in base_hyps]
                E("beam_step_bw50_plain", gflops_step / peak, "fraction of matmul_peak",
                  ms_per_step=round(1e3 * total / len(st.times), 2),
                  step_ms_per_step=round(1e3 * step_s / len(st.times), 2), gflops_step=round(gflops_step, 1),
                  matmul_peak_gflops=round(peak, 1), steps=len(st.times), same_beams_as_fast=same,
                  max_score_diff=float(max(abs(a - b) for (_, a), (_, b) in zip(hyps, base_hyps))) if same else None)
                text_plain = one_story("story_k100_bw50_plain")
            E("story_plain_same_text", float(text_plain == text), "bool")
    finally:
        if tmp_root is not None:
            if args.keep:
                log(f"kept the synthetic model in {folder}")
            else:
                shutil.rmtree(tmp_root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
