#!/usr/bin/env python
"""Does a GPU tell the same stories as the CPU? (Run on a machine with CUDA; not a test.)

Checks, with ``load_all(..., device=DEVICE)`` against ``device='cpu'`` in the same process:

* golden: the fixtures of ``--golden`` (default ``../shared/golden``, or ``.gold`` in the repo): every golden
  beam (tokens and order exactly, scores within 1e-4 relative) and the printed ``story()`` output of each image
  (default, ``k=10, bw=5``, lyric, Swift-style lyric) against golden.json and against the CPU;
* bundle: the default bundle's stories for the photos in ``images/`` (CNN included) against
  ``tests/data/sample_outputs.json`` and against the CPU; also the largest CNN-feature and caption-vector
  differences (the stories on both devices use the one on-disk caption-vector cache, as ``load_all`` does).

Prints one JSON object (also written to ``--out``) and exits 1 if any printed output differs.

  python benchmarks/cuda_check.py --device cuda --out result.json
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def run_story(generate, z, image, **kw) -> tuple[str, str]:
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        ret = generate.story(z, image, **kw)
    return ret, buf.getvalue()


def caption_vector_diff(zs: dict, device: str) -> float:
    """Largest difference of the caption-pool embeddings computed on ``device`` and on the CPU. (z["cvec"] itself
    comes from one shared on-disk cache, whichever device filled it, so the stories use the same vectors.)"""
    from storyteller import embedding

    caps = zs["cpu"]["cap"]
    vecs = {d: embedding.encode_sentences(zs[d]["vse"], caps) for d in ("cpu", device)}
    return float(np.abs(vecs[device] - vecs["cpu"]).max())


def golden_config(folder: Path) -> dict:
    names = {"decmodel": "romance.npz", "dictionary": "romance_dictionary.pkl", "vsemodel": "coco_embedding.npz",
             "captions": "coco_train_caps.txt", "negbias": "caption_style.npy", "posbias": "romance_style.npy"}
    cfg = {k: str(folder / v) for k, v in names.items()}
    cfg.update(skmodels=str(folder) + "/", sktables=str(folder) + "/", vgg="")
    return cfg


def check_golden(folder: Path, device: str, report: dict) -> None:
    from storyteller import decoder, generate, style

    gold = json.loads((folder / "golden.json").read_text(encoding="utf-8"))
    with np.load(folder / "golden.npz") as f:
        npz = {k: f[k] for k in f.files}
    cfg = golden_config(folder)
    zs = {d: generate.load_all(cfg, device=d, verbose=False) for d in ("cpu", device)}
    r = report["golden"] = {"stories": 0, "differ_from_golden": [], "differ_from_cpu": [], "beams": 0,
                            "beam_mismatches": [], "max_beam_score_rel_diff": 0.0}
    r["max_caption_vector_diff_vs_cpu"] = caption_vector_diff(zs, device)
    swift = style.load_style(folder / "swift_style.npy", zs["cpu"]["stv"].dim)
    for n, img in enumerate(gold["images"]):
        feats = npz["image_features"][n]
        # beams from the golden style-shifted vectors
        for name, (key, bw) in {"beam_k100_bw5": ("k100/shift", 5), "beam_k100_bw50": ("k100/shift", 50),
                                "beam_k10_bw50": ("k10/shift", 50),
                                "beam_swift_k100_bw50": ("k100/shift_swift", 50)}.items():
            pre = f"img{n}/{name}"
            if f"{pre}/scores" not in npz:
                continue
            flat, off, scores = npz[f"{pre}/tokens_flat"], npz[f"{pre}/offsets"], npz[f"{pre}/scores"]
            want = [flat[off[j]:off[j + 1]].tolist() for j in range(len(scores))]
            got = decoder.beam_search(zs[device]["dec"], npz[f"img{n}/{key}"], bw)
            r["beams"] += 1
            if [t for t, _ in got] != want:
                r["beam_mismatches"].append(pre)
            else:
                rel = np.abs(np.array([s for _, s in got]) - scores) / np.maximum(np.abs(scores), 1e-6)
                r["max_beam_score_rel_diff"] = max(r["max_beam_score_rel_diff"], float(rel.max()))
        for label, kw, zmod in (("story_default", {}, {}), ("story_k10_bw5", {"k": 10, "bw": 5}, {}),
                                ("story_romance_lyric", {"lyric": True}, {}),
                                ("story_swift_lyric", {"lyric": True}, {"bpos": swift})):
            outs = {d: run_story(generate, dict(zs[d], **zmod), feats, **kw)[1] for d in ("cpu", device)}
            r["stories"] += 1
            if outs[device] != outs["cpu"]:
                r["differ_from_cpu"].append(f"img{n}/{label}")
            g = img[label]
            if (outs[device] != g["stdout"]) if g["error"] is None else not outs[device].startswith(g["stdout"]):
                r["differ_from_golden"].append(f"img{n}/{label}")


def check_bundle(device: str, report: dict) -> None:
    from storyteller import generate

    expected = json.loads((ROOT / "tests" / "data" / "sample_outputs.json").read_text(encoding="utf-8"))
    k, bw = expected["settings"]["k"], expected["settings"]["bw"]
    zs = {d: generate.load_all(device=d, verbose=False) for d in ("cpu", device)}
    r = report["bundle"] = {"stories": 0, "differ_from_expected": [], "differ_from_cpu": [],
                            "max_feature_diff_vs_cpu": 0.0, "seconds": {}}
    r["max_caption_vector_diff_vs_cpu"] = caption_vector_diff(zs, device)
    for d in ("cpu", device):
        r["seconds"][d] = 0.0
    for name, want in sorted(expected["images"].items()):
        path = ROOT / "images" / name
        f = {d: zs[d]["net"](path) for d in ("cpu", device)}
        r["max_feature_diff_vs_cpu"] = max(r["max_feature_diff_vs_cpu"], float(np.abs(f[device] - f["cpu"]).max()))
        outs = {}
        for d in ("cpu", device):
            t = time.perf_counter()
            outs[d] = run_story(generate, zs[d], path, k=k, bw=bw)[1]
            r["seconds"][d] += time.perf_counter() - t
        r["stories"] += 1
        if outs[device] != outs["cpu"]:
            r["differ_from_cpu"].append(name)
        if outs[device] != want["stdout"]:
            r["differ_from_expected"].append(name)
        if outs["cpu"] != want["stdout"]:
            r.setdefault("cpu_differs_from_expected", []).append(name)
            from storyteller import gru

            saved, gru._PACKED_OK = gru._PACKED_OK, False  # the CPU without its fast paths: the same?
            try:
                if run_story(generate, zs["cpu"], path, k=k, bw=bw)[1] != want["stdout"]:
                    r.setdefault("cpu_plain_differs_from_expected", []).append(name)
            finally:
                gru._PACKED_OK = saved
    r["seconds"] = {d: round(s, 2) for d, s in r["seconds"].items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--golden", default=None, help="golden folder (default ../shared/golden, else .gold)")
    ap.add_argument("--out", default=None, help="also write the JSON result here")
    ap.add_argument("--skip-bundle", action="store_true")
    args = ap.parse_args(argv)

    import torch

    from storyteller import gru

    if args.device.startswith("cuda") and not torch.cuda.is_available():
        print("no CUDA device", file=sys.stderr)
        return 2
    report: dict = {"device": args.device, "torch": torch.__version__,
                    "gpu": torch.cuda.get_device_name() if args.device.startswith("cuda") else None,
                    "cpu_fast_paths": gru.packed_linear_available(), "threads": torch.get_num_threads()}
    folder = Path(args.golden) if args.golden else next(
        (p for p in (ROOT.parent / "shared" / "golden", ROOT / ".gold") if (p / "golden.json").is_file()), None)
    t = time.perf_counter()
    if folder is not None:
        check_golden(folder, args.device, report)
    else:
        report["golden"] = "skipped: no golden folder"
    if not args.skip_bundle:
        check_bundle(args.device, report)
    report["seconds"] = round(time.perf_counter() - t, 1)
    bad = []
    for part in ("golden", "bundle"):
        r = report.get(part)
        if isinstance(r, dict):
            bad += r.get("differ_from_golden", []) + r.get("differ_from_expected", []) + r["differ_from_cpu"] \
                + r.get("beam_mismatches", [])
    report["ok"] = not bad
    text = json.dumps(report, indent=1)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    return 0 if not bad else 1


if __name__ == "__main__":
    sys.exit(main())
