#!/usr/bin/env python3
"""Write data/imagenet/neighbours.json: for each ImageNet-1k class, the classes the bundle's CNN confuses it with.

The default bundle's VSE is trained on synthetic class distributions (storyteller/train/vse.py). A real photo's
softmax spreads its leftover mass over classes the CNN finds similar to the subject (a cup photo: coffee mug,
espresso, pitcher). The CNN's own notion of similar is its classifier: two classes whose weight rows point the
same way (cosine similarity of the rows of EfficientNet-Lite0's final 1280 -> 1000 layer) win on the same
features. No photo is used.

    python scripts/make_class_neighbours.py            # write the file (needs the CNN's weights package)
    python scripts/make_class_neighbours.py --k 30

Output: ``{"cnn", "k", "neighbours"}``; ``neighbours[i]`` lists the K classes nearest to class i, nearest first
(ties by class index). Made once and committed, like the caption pool.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "data" / "imagenet" / "neighbours.json"


def neighbours(weights: np.ndarray, k: int) -> np.ndarray:
    """(C, k) nearest classes by cosine of the classifier's weight rows ``weights`` (C, D), in float64."""
    w = weights.astype(np.float64)
    w /= np.linalg.norm(w, axis=1, keepdims=True)
    sim = w @ w.T
    np.fill_diagonal(sim, -np.inf)
    return np.lexsort((np.broadcast_to(np.arange(len(w)), sim.shape), -sim), axis=1)[:, :k]


def render(table: np.ndarray, cnn: str) -> str:
    rows = ",\n".join("  " + json.dumps(row) for row in table.tolist())
    return f'{{"cnn": {json.dumps(cnn)}, "k": {table.shape[1]}, "neighbours": [\n{rows}\n]}}\n'


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--k", type=int, default=20, help="neighbours per class (default 20)")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    from storyteller.store import atomic_write
    from storyteller.vision import build_cnn
    fc = build_cnn("efficientnet-lite0").model._fc.weight.detach().cpu().numpy()
    text = render(neighbours(fc, args.k), "efficientnet-lite0")
    with atomic_write(args.out) as tmp:
        tmp.write_text(text, encoding="utf-8")
    print(f"{args.out}: {fc.shape[0]} classes x {args.k} neighbours")
    return 0


if __name__ == "__main__":
    sys.exit(main())
