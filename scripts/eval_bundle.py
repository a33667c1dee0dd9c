#!/usr/bin/env python3
"""Measure a model (default: the bundle) on real photos it never saw.

Retrieval: for each labelled photo (``eval/photos/labels.json``: file -> subject + accepted words), does one of
the top-5 retrieved captions name the main subject? Stories (``--stories``): word counts, UNK, and whether
different images get different stories.

    python scripts/eval_bundle.py                    # retrieval on eval/photos
    python scripts/eval_bundle.py --stories images   # + story statistics for the sample images
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from storyteller import generate  # noqa: E402


def names_subject(caption: str, accept: list[str]) -> bool:
    text = caption.lower()
    return any(re.search(rf"\b{re.escape(a.lower())}\b", text) for a in accept)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", default=None, help="model folder or config.yaml (default: the bundle)")
    ap.add_argument("--photos", type=Path, default=ROOT / "eval" / "photos", help="folder with labels.json")
    ap.add_argument("--top", type=int, default=5, help="how many nearest captions count (default 5)")
    ap.add_argument("--stories", type=Path, default=None, help="also tell stories for the images in this folder")
    ap.add_argument("--k", type=int, default=100)
    ap.add_argument("--bw", type=int, default=50)
    ap.add_argument("--json", type=Path, default=None, help="write the results here")
    args = ap.parse_args()

    z = generate.load_all(args.config, verbose=False)
    labels = json.loads((args.photos / "labels.json").read_text())
    rows, hits = [], 0
    for name, lab in sorted(labels.items()):
        feats = z["net"](args.photos / name)
        top = [z["cap"][i] for i in generate.retrieve(z, feats, args.top)]
        hit = any(names_subject(c, lab["accept"]) for c in top)
        hits += hit
        rows.append({"photo": name, "subject": lab["subject"], "hit": hit, "top": top})
        print(f"{'HIT ' if hit else 'miss'} {name:22s} {lab['subject']:18s} | {top[0]}")
    result = {"photos": len(rows), f"subject_in_top{args.top}": hits / len(rows), "retrieval": rows}
    print(f"\nmain subject among the top-{args.top} captions: {hits}/{len(rows)} = {100 * hits / len(rows):.1f}%")

    if args.stories:
        stories = []
        for img in sorted(p for p in args.stories.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png")):
            t = time.perf_counter()
            with contextlib.redirect_stdout(io.StringIO()):
                text = generate.story(z, img, k=args.k, bw=args.bw)
            words = [w for w in text.split() if re.search(r"\w", w)]
            stories.append({"image": img.name, "words": len(words), "unk": "UNK" in text.split(),
                            "seconds": round(time.perf_counter() - t, 2), "story": text})
            print(f"\n[{img.name}] {len(words)} words, {stories[-1]['seconds']} s\n{text}")
        distinct = len({s["story"] for s in stories})
        result["stories"] = stories
        result["stories_distinct"] = f"{distinct}/{len(stories)}"
        result["words_range"] = [min(s["words"] for s in stories), max(s["words"] for s in stories)]
        print(f"\n{distinct}/{len(stories)} distinct stories; words {result['words_range']}; "
              f"UNK in {sum(s['unk'] for s in stories)}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
