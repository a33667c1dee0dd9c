#!/usr/bin/env python3
"""Regenerate ``tests/data/sample_outputs.json``: the nearest captions and the story the default bundle gives
for every photo in ``images/`` (default settings, CPU). Run it after an intended change to the bundle or the
pipeline, review the diff, and commit it:

    python scripts/refresh_sample_outputs.py && git diff tests/data/sample_outputs.json
"""
from __future__ import annotations

import contextlib
import io
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from storyteller import generate  # noqa: E402

OUT = ROOT / "tests" / "data" / "sample_outputs.json"
K, BW = 100, 50  # the original defaults


def sample_outputs() -> dict:
    z = generate.load_all(device="cpu", verbose=False)
    out = {"settings": {"k": K, "bw": BW, "device": "cpu", "torch": torch.__version__}, "images": {}}
    for img in sorted((ROOT / "images").glob("*.jpg")):
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            text = generate.story(z, img, k=K, bw=BW)
        out["images"][img.name] = {"stdout": buf.getvalue(), "story": text}
    return out


if __name__ == "__main__":
    data = sample_outputs()
    OUT.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({len(data['images'])} images)")
