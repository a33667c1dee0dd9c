#!/usr/bin/env python3
"""Measure caption retrieval of a VSE on a dev set of labelled photos, and train a VSE for measuring only.

Dev set: ``eval/photos`` (``labels.json``) and the sample photos of ``images/`` (labels below). A photo is a hit
when one of its top-5 retrieved captions names its subject (an accepted word, whole words, case-insensitive).
Photo-independent measure (``synthetic_*``): for each of the 1000 ImageNet classes, a class distribution peaked
on that class goes through the VSE; a hit is a top-5 caption that names the class's subject (a noun of its group
in data/captions/groups.json, which covers every class; a pool without such a group cannot hit).

    python scripts/measure_retrieval.py                                  # the bundle's VSE and caption pool
    python scripts/measure_retrieval.py --train work/vse_new             # train a VSE on data/captions, measure
    python scripts/measure_retrieval.py --vse work/vse_new/vse.safetensors --captions data/captions

Training writes only into the ``--train`` folder (never into the bundle); CNN features of the dev photos are
cached in ``--work``.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from storyteller import embedding  # noqa: E402
from storyteller.errors import InputError, StorytellerError  # noqa: E402

# Subjects of the sample photos in images/ (see images/CREDITS.md); eval/photos has its own labels.json.
IMAGE_LABELS = {
    "canoes.jpg": ["canoe", "canoes", "boat", "boats", "kayak", "kayaks"],
    "cat.jpg": ["cat", "cats", "kitten", "kittens", "kitty"],
    "coffee.jpg": ["coffee", "cup", "cups", "espresso", "mug", "cappuccino", "latte"],
    "dog.jpg": ["dog", "dogs", "puppy", "german shepherd", "shepherd"],
    "flower.jpg": ["flower", "flowers", "dahlia", "dahlias"],
    "ladybug.jpg": ["ladybug", "ladybugs", "ladybird", "ladybirds", "beetle"],
    "pagoda.jpg": ["pagoda", "pagodas", "temple", "temples", "tower", "palace", "shrine"],
    "pizza.jpg": ["pizza", "pizzas"],
    "raccoon.jpg": ["raccoon", "raccoons"],
    "rocket.jpg": ["rocket", "rockets", "missile", "spacecraft", "launch"],
}


def dev_labels() -> dict[str, list[str]]:
    """Photo path (relative to the repository) -> accepted subject words."""
    labels = {f"images/{k}": v for k, v in IMAGE_LABELS.items()}
    for k, v in json.loads((ROOT / "eval" / "photos" / "labels.json").read_text()).items():
        labels[f"eval/photos/{k}"] = v["accept"]
    return dict(sorted(labels.items()))


def dev_features(work: Path, paths: list[str]) -> np.ndarray:
    """EfficientNet-Lite0 class probabilities (N, 1000) of the photos, cached by name in ``work``."""
    cache = work / "dev_features.npz"
    if cache.is_file():
        z = np.load(cache)
        if list(z["names"]) == paths:
            return z["feats"]
    from storyteller.vision import build_cnn
    feats = build_cnn("efficientnet-lite0").features([str(ROOT / p) for p in paths])
    work.mkdir(parents=True, exist_ok=True)
    np.savez(cache, feats=feats, names=np.array(paths))
    return feats


def names_subject(caption: str, accept: list[str]) -> bool:
    text = caption.lower()
    return any(re.search(rf"\b{re.escape(a.lower())}\b", text) for a in accept)


def load_pool(folder: Path) -> tuple[list[str], list[list[int]], list[int], list[dict]]:
    sys.path.insert(0, str(ROOT / "scripts"))
    from build_default_bundle import load_captions
    caps, classes, gids, _ = load_captions(folder)
    groups = json.loads((folder / "groups.json").read_text())
    return caps, classes, gids, groups


def top5(vse: embedding.VSE, cvec: np.ndarray, feats: np.ndarray, k: int = 5) -> np.ndarray:
    f = feats / np.linalg.norm(feats, axis=1, keepdims=True)
    return np.argsort(-(embedding.encode_images(vse, f) @ cvec.T), axis=1)[:, :k]


def synthetic_recall(vse: embedding.VSE, cvec: np.ndarray, caps: list[str], subjects: list[dict],
                     peak: float, spread: str, seed: int = 0) -> float:
    """Share of the 1000 ImageNet classes whose synthetic distribution retrieves, among the top 5, a caption
    naming the class's subject (a noun of the class's group in ``subjects``, a groups.json list).

    The distribution puts ``peak`` on the class and the rest either uniformly on all others (``spread``
    "uniform") or, Dirichlet-weighted, on the class's 20 nearest classes in the CNN's classifier ("neighbours",
    data/imagenet/neighbours.json; the kind of noise a real softmax has). No photo is involved."""
    from storyteller.train.vse import load_class_neighbours
    nouns = {c: g["nouns"] for g in subjects for c in g["classes"]}
    feats = np.full((1000, 1000), (1 - peak) / 999 if spread == "uniform" else 0.0, dtype=np.float32)
    if spread == "neighbours":
        table, rng = load_class_neighbours(ROOT / "data" / "imagenet" / "neighbours.json"), np.random.default_rng(seed)
        for c in range(1000):
            feats[c, table[c]] = (1 - peak) * rng.dirichlet(np.full(table.shape[1], 0.5))
    feats[np.arange(1000), np.arange(1000)] = peak
    top = top5(vse, cvec, feats)
    return float(np.mean([any(names_subject(caps[i], nouns[c]) for i in t) for c, t in enumerate(top)]))


def measure(vse_path: Path, captions: Path, work: Path, verbose: bool = True,
            subjects: Path = ROOT / "data" / "captions" / "groups.json") -> dict:
    labels = dev_labels()
    paths = list(labels)
    feats = dev_features(work, paths)
    caps, _, _, groups = load_pool(captions)
    subject_groups = json.loads(subjects.read_text())
    try:
        vse = embedding.load_model(vse_path)
    except StorytellerError as e:  # its message names config.yaml's key; here the file came from --vse
        why = re.sub(r"^config key '\w+': |\s*Check the path in config\.yaml\.", "", str(e))
        raise InputError(f"--vse {vse_path}: not VSE weights that load ({why})") from None
    cvec = embedding.encode_sentences(vse, caps)
    top = top5(vse, cvec, feats)
    rows = []
    for p, t in zip(paths, top):
        hit = any(names_subject(caps[i], labels[p]) for i in t)
        rows.append({"photo": p, "hit": hit, "top": [caps[i] for i in t]})
        if verbose:
            print(f"{'HIT ' if hit else 'miss'} {p:30s} | {caps[t[0]]}")
    ev = [r["hit"] for r in rows if r["photo"].startswith("eval/")]
    im = [r["hit"] for r in rows if r["photo"].startswith("images/")]
    out = {"eval_photos": f"{sum(ev)}/{len(ev)}", "images": f"{sum(im)}/{len(im)}",
           "dev": f"{sum(ev) + sum(im)}/{len(rows)}", "dev_pct": round(100 * (sum(ev) + sum(im)) / len(rows), 1),
           **{f"synthetic_{spread}_{peak}": round(100 * synthetic_recall(vse, cvec, caps, subject_groups, peak,
                                                                          spread), 1)
              for spread, peak in (("uniform", 0.7), ("neighbours", 0.7), ("neighbours", 0.4))},
           "classes_covered": len({c for g in groups for c in g["classes"]}), "rows": rows}
    print(json.dumps({k: v for k, v in out.items() if k != "rows"}))
    return out


def train(folder: Path, captions: Path, epochs: int | None, threads: int | None,
          time_budget: float | None = None, neighbour_noise: float | None = None) -> Path:
    import torch
    from build_default_bundle import FULL, NEIGHBOURS

    from storyteller.train.vse import load_class_neighbours, train_vse
    if threads:
        torch.set_num_threads(threads)
    caps, classes, gids, _ = load_pool(captions)
    cfg = FULL["vse"] if epochs is None else replace(FULL["vse"], epochs=epochs)
    if neighbour_noise is not None:
        cfg = replace(cfg, neighbour_noise=neighbour_noise)
    table = load_class_neighbours(NEIGHBOURS) if cfg.neighbour_noise else None
    folder.mkdir(parents=True, exist_ok=True)
    t = time.monotonic()
    m = train_vse(caps, folder / "vse.safetensors", cfg, caption_classes=classes, caption_groups=gids,
                  class_neighbours=table,
                  device="cpu", resume=True, half=False, time_budget=time_budget)
    print(f"VSE trained in {time.monotonic() - t:.0f} s ({m['epochs_done']} epochs, {len(caps)} captions)")
    return folder / "vse.safetensors"


def check_args(args: argparse.Namespace) -> None:
    """The files the flags name exist, checked before any work; raises InputError naming the flag and the fix."""
    if not args.train and not args.vse.is_file():
        raise InputError(f"--vse {args.vse}: file not found; give a VSE weights file (vse.safetensors), e.g. "
                         "storyteller/bundle/vse.safetensors, or train one with --train DIR")
    if not args.captions.is_dir():
        raise InputError(f"--captions {args.captions}: not a folder; give a caption pool folder holding "
                         "captions.jsonl and groups.json (e.g. data/captions)")
    for name in ("captions.jsonl", "groups.json"):
        if not (args.captions / name).is_file():
            raise InputError(f"--captions {args.captions}: no {name} in it; give a caption pool folder holding "
                             "captions.jsonl and groups.json (e.g. data/captions)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vse", type=Path, default=ROOT / "storyteller" / "bundle" / "vse.safetensors")
    ap.add_argument("--captions", type=Path, default=ROOT / "data" / "captions",
                    help="caption pool folder (captions.jsonl, groups.json)")
    ap.add_argument("--train", type=Path, default=None, metavar="DIR",
                    help="first train a VSE (bundle settings, CPU) into DIR (not the bundle) and measure it")
    ap.add_argument("--epochs", type=int, default=None, help="with --train: epochs (default: the bundle's)")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--neighbour-noise", type=float, default=None,
                    help="with --train: VSEConfig.neighbour_noise (default: the bundle's)")
    ap.add_argument("--time-budget", type=float, default=None,
                    help="with --train: stop after this many seconds (run again to resume)")
    ap.add_argument("--work", type=Path, default=ROOT / "work" / "retrieval", help="feature cache")
    ap.add_argument("--json", type=Path, default=None, help="write the results here")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    try:
        check_args(args)
    except InputError as e:
        print(f"measure_retrieval: {e}", file=sys.stderr)
        return 2
    if args.train:
        if args.train.resolve().is_relative_to((ROOT / "storyteller").resolve()):
            raise SystemExit("--train: write measurement models outside the package (e.g. work/vse_new)")
        args.vse = train(args.train, args.captions, args.epochs, args.threads, args.time_budget,
                         args.neighbour_noise)
    try:
        out = measure(args.vse, args.captions, args.work, verbose=not args.quiet)
    except StorytellerError as e:
        print(f"measure_retrieval: {e}", file=sys.stderr)
        return 2
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
