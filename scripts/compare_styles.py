#!/usr/bin/env python3
"""How different two book styles' stories are, image by image: identical stories, shared words, the common
opening, and how often each style uses a few sea-adventure words (or the words given with --words).

    python scripts/compare_styles.py                              # austen vs sea on images/*.jpg, default bundle
    python scripts/compare_styles.py eval/photos --config my-bundle --styles austen sea --json out.json

Both styles tell with the same settings (the original's defaults unless --num-beams etc. are given).
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import storyteller  # noqa: E402

SEA_WORDS = ("sea", "seas", "ship", "ships", "whale", "whales", "water", "waters", "boat", "boats", "captain",
             "ocean", "wave", "waves", "deck", "sail", "sails", "shore", "voyage", "harpoon", "sailor", "sailors",
             "crew", "island", "coast", "storm", "wind", "fish", "vessel", "deep", "mast")


def words(text: str) -> list[str]:
    """Lower-cased tokens that hold a letter or digit (punctuation tokens dropped)."""
    return [w.lower() for w in text.split() if any(c.isalnum() for c in w)]


def compare(a: str, b: str, marked: set[str]) -> dict:
    """Measures of story ``b`` against story ``a``."""
    wa, wb = words(a), words(b)
    sa, sb = set(wa), set(wb)
    prefix = 0
    for x, y in zip(a.split(), b.split()):
        if x != y:
            break
        prefix += 1
    return {"identical": a == b, "jaccard_word_types": len(sa & sb) / max(1, len(sa | sb)),
            "tokens_of_b_in_a": sum(w in sa for w in wb) / max(1, len(wb)), "common_opening_tokens": prefix,
            "words_a": len(wa), "words_b": len(wb),
            "marked_a": sum(w in marked for w in wa), "marked_b": sum(w in marked for w in wb)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("images", nargs="*", default=[str(ROOT / "images")], help="images or folders (default images/)")
    ap.add_argument("--config", default=None, help="model bundle (default: the package's bundle)")
    ap.add_argument("--styles", nargs=2, default=["austen", "sea"], metavar=("A", "B"), help="two style names/files")
    ap.add_argument("--words", nargs="+", default=list(SEA_WORDS), help="register words to count")
    ap.add_argument("--num-beams", type=int, default=None, help="beam width (default the original's 50)")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--json", type=Path, default=None, help="also write the stories and measures here")
    args = ap.parse_args(argv)
    paths = [p for x in args.images for p in (sorted(Path(x).glob("*.jpg")) if Path(x).is_dir() else [Path(x)])]
    teller = storyteller.load(args.config, device=args.device)
    knobs = {} if args.num_beams is None else {"num_beams": args.num_beams}
    stories = {}
    for name in args.styles:
        teller.use_style(name)
        stories[name] = [s.text for s in teller.tell_many([str(p) for p in paths], **knobs)]
    a, b = (stories[n] for n in args.styles)
    marked = {w.lower() for w in args.words}
    rows = [{"image": p.name, **compare(x, y, marked)} for p, x, y in zip(paths, a, b)]
    print(f"{args.styles[1]} against {args.styles[0]} on {len(rows)} images")
    print(f"identical stories: {sum(r['identical'] for r in rows)} / {len(rows)}")
    for key in ("jaccard_word_types", "tokens_of_b_in_a", "common_opening_tokens", "words_a", "words_b"):
        print(f"mean {key}: {sum(r[key] for r in rows) / max(1, len(rows)):.3f}")
    ca, cb = Counter(w for s in a for w in words(s)), Counter(w for s in b for w in words(s))
    for name, count in zip(args.styles, (ca, cb)):
        print(f"register words ({name}): {sum(count[w] for w in marked)} "
              f"{dict(sorted((w, count[w]) for w in marked if count[w]))}")
    print(f"word types: {args.styles[0]} {len(ca)}, {args.styles[1]} {len(cb)}, shared {len(set(ca) & set(cb))}")
    only_b = sorted((w for w in cb if w not in ca), key=lambda w: (-cb[w], w))[:30]
    print(f"most frequent words only in {args.styles[1]}: {', '.join(f'{w} ({cb[w]})' for w in only_b)}")
    if args.json:
        args.json.write_text(json.dumps({"styles": args.styles, "rows": rows, "stories": stories}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
