#!/usr/bin/env python3
"""Teacher passages: a small pretrained LM writes book-register passages about the caption pool's subjects.

Why: the default bundle's GRU decoder, trained on Austen alone, cannot say most photo subjects ("cat" is not in
its vocabulary) and ignores its conditioning vector (measured: 0 of 47 stories name the photo's subject). The
original worked because BookCorpus passages and COCO captions share one skip-thought space; passages written
*about* the pool's subjects, in a novel's register, give the decoder training text where the conditioning vector
and the words agree. The LM (SmolLM2-135M-Instruct, the optional ``lm`` extra, see ``storyteller/lm.py``) is a
teacher at build time only; it is never part of the default inference path.

The output is data, made once and committed: ``data/teacher/passages.jsonl``, one JSON object per line
(``id``, ``group``, ``captions``, ``style``, ``seed``, ``raw``: the LM's answer as written). Cleaning the answers
(preambles such as "Here is the passage:") is the build's job, so it can change without regenerating.

Reproducible: the first run plans the items (3 captions of one subject group each, drawn from the pool with a
fixed seed, in round-robin order over the groups so that every subject is covered early) in fixed chunks of
``--batch`` items, chunk ``c`` sampled with seed ``--seed + c``, and writes the plan (``plan.jsonl``, data too);
later runs follow the plan, and ``--extend`` adds the groups of a new pool as new chunks. A run appends whole
chunks and can be stopped at any time (``--time-budget``, Ctrl-C, a crash): the same command resumes after the
last complete chunk (a half-written last line is dropped). The texts depend on the device and the thread count
(floating point), which ``data/teacher/README.md`` records.

    python scripts/teacher_passages.py --time-budget 3600            # 2 CPU cores: ~25 tokens/s per idle thread
    python scripts/teacher_passages.py --device cuda                 # a GPU writes the whole set in minutes
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from storyteller.errors import InputError, run_script  # noqa: E402
from storyteller.store import atomic_write  # noqa: E402

POOL = ROOT / "data" / "captions" / "captions.jsonl"
OUT = ROOT / "data" / "teacher" / "passages.jsonl"
PLAN = ROOT / "data" / "teacher" / "plan.jsonl"
PLAN_KEYS = ("id", "group", "captions", "chunk", "seed", "style", "max_new_tokens")


def read_jsonl(path: Path, what: str, keys: tuple[str, ...]) -> list[dict]:
    """The records of a JSON-lines file, each a mapping with ``keys``; one clear :class:`InputError` (file, line,
    fix) for a missing, unreadable or damaged file."""
    if path.is_dir() or not path.is_file():
        raise InputError(f"{path}: no such {what} file ({'a folder' if path.is_dir() else 'not found'})")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: cannot be read as UTF-8 JSON lines ({e}); give the {what} file") from None
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except ValueError:
            raise InputError(f"{path}, line {n}: not JSON; the {what} file has one JSON object per line") from None
        if not isinstance(rec, dict) or any(k not in rec for k in keys):
            raise InputError(f"{path}, line {n}: a {what} record needs the keys {', '.join(keys)}")
        out.append(rec)
    return out


def make_items(pool: Path, per_group: int, captions_per_item: int, seed: int) -> list[dict]:
    """Items ``{"id", "group", "captions"}``: for every subject group, ``per_group`` disjoint sets of captions,
    ordered round-robin (all groups' first item, then all groups' second, ...)."""
    by_group: dict[str, list[str]] = {}
    for rec in read_jsonl(pool, "caption pool (captions.jsonl)", ("caption", "group")):
        by_group.setdefault(str(rec["group"]), []).append(str(rec["caption"]))
    per: dict[str, list[dict]] = {}
    for g in sorted(by_group):
        caps = sorted(set(by_group[g]))
        random.Random(seed * 1_000_003 + zlib.crc32(g.encode())).shuffle(caps)
        n = min(per_group, len(caps) // captions_per_item)
        per[g] = [{"id": f"{g}#{j}", "group": g, "captions": caps[j * captions_per_item:(j + 1) * captions_per_item]}
                  for j in range(n)]
    items = [per[g][j] for j in range(per_group) for g in sorted(per) if j < len(per[g])]
    if not items:
        raise InputError(f"{pool}: no subject group has {captions_per_item} captions; nothing to plan")
    return items


def done_ids(out: Path) -> set[str]:
    """Ids already written. Only a last line that a crash cut short (no newline, not JSON) is dropped, with a note;
    any other damage is an :class:`InputError` naming the line (the file is left as it is)."""
    if not out.exists():
        return set()
    if not out.is_file():
        raise InputError(f"--out {out} is not a file; give the passages.jsonl to append to")
    data = out.read_bytes()
    lines = data.split(b"\n")
    tail = lines.pop()  # b"" when the file ends with a newline
    ids = set()
    for n, line in enumerate(lines, 1):
        if line.strip():
            ids.add(_record_id(out, n, line))
    if tail.strip():
        try:
            ids.add(_record_id(out, len(lines) + 1, tail))
            with open(out, "ab") as f:  # a complete last record without its newline: keep it, end the line
                f.write(b"\n")
        except InputError:
            with open(out, "r+b") as f:
                f.truncate(len(data) - len(tail))
            print(f"{out}: dropped a half-written last line (line {len(lines) + 1})", file=sys.stderr)
    return ids


def _record_id(out: Path, n: int, line: bytes) -> str:
    try:
        rec = json.loads(line)
        return str(rec["id"]) if isinstance(rec, dict) and "id" in rec and "raw" in rec else _raise()
    except (ValueError, KeyError):
        raise InputError(f"{out}, line {n}: not a teacher passage (JSON with 'id' and 'raw'); is --out the right "
                         "file?") from None


def _raise() -> str:
    raise ValueError


def load_plan(path: Path) -> list[dict]:
    """The planned items (``id``, ``group``, ``captions``, ``chunk``, ``seed``, ``style``, ``max_new_tokens``);
    an :class:`InputError` naming the line of an item whose values have the wrong types."""
    if not path.exists():
        return []
    plan = read_jsonl(path, "plan (plan.jsonl)", PLAN_KEYS)
    for n, it in enumerate(plan, 1):
        ok = (all(isinstance(it[k], str) for k in ("id", "group", "style"))
              and all(type(it[k]) is int for k in ("chunk", "seed", "max_new_tokens"))
              and isinstance(it["captions"], list) and all(isinstance(c, str) for c in it["captions"]))
        if not ok:
            raise InputError(f"{path}, item {n}: id, group and style must be strings, chunk, seed and max_new_tokens "
                             "whole numbers, captions a list of strings; restore the plan from git")
    return plan


def extend_plan(plan: list[dict], items: list[dict], args: argparse.Namespace) -> list[dict]:
    """``plan`` plus the ``items`` of subject groups it does not have yet, in new chunks of ``args.batch`` (chunk
    ``c`` sampled with seed ``args.seed + c``). A new caption pool thus adds its new subjects without changing
    a single planned item, so the texts already written stay what the plan says."""
    known = {it["group"] for it in plan}
    new = [it for it in items if it["group"] not in known]
    start = max((it["chunk"] for it in plan), default=-1) + 1
    return plan + [{**it, "chunk": start + i // args.batch, "seed": args.seed + start + i // args.batch,
                    "style": args.style, "max_new_tokens": args.max_new_tokens} for i, it in enumerate(new)]


def coverage_order(todo: list[int], chunks: dict[int, list[dict]], have: set[str]) -> list[int]:
    """``todo`` (chunk numbers) reordered so that chunks whose subject groups have the fewest written passages come
    first (ties in plan order): after ``--extend``, the new subjects get their first passages before the old
    subjects get more. Written chunks stay whole, so any order resumes the same way."""
    written: dict[str, int] = {}
    for it in (it for c in chunks.values() for it in c if it["id"] in have):
        written[it["group"]] = written.get(it["group"], 0) + 1
    return sorted(todo, key=lambda c: (min(written.get(it["group"], 0) for it in chunks[c]), c))


def write_plan(path: Path, plan: list[dict]) -> None:
    if path.is_dir():
        raise InputError(f"--plan {path} is a folder; give the plan.jsonl file to write")
    with atomic_write(path) as tmp:
        tmp.write_text("".join(json.dumps(it, ensure_ascii=False) + "\n" for it in plan), encoding="utf-8")


def main() -> int:
    """Run; a bad input is one line on stderr, exit status 2 (``--debug`` shows the traceback)."""
    return run_script("teacher_passages", run)


def run() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pool", type=Path, default=POOL, help="captions.jsonl (caption, group)")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--plan", type=Path, default=PLAN, help="the planned items (made on the first run, then read)")
    ap.add_argument("--extend", action="store_true",
                    help="add the subject groups of --pool that the plan lacks (a new caption pool)")
    ap.add_argument("--per-group", type=int, default=12, help="items per subject group (default 12)")
    ap.add_argument("--captions", type=int, default=3, help="captions per item, as the LM writer uses (3)")
    ap.add_argument("--style", default="a nineteenth-century novel",
                    help="register named in the instruction (a name of storyteller.lm.REGISTERS, or the register "
                         "itself; default: a nineteenth-century novel, which named a noun of the item's subject "
                         "group in 8 of 12 trial items)")
    ap.add_argument("--batch", type=int, default=32, help="items per chunk (one generate call)")
    ap.add_argument("--max-new-tokens", type=int, default=170)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    ap.add_argument("--time-budget", type=float, default=None, help="stop after the chunk that passes this (s)")
    ap.add_argument("--limit", type=int, default=None, help="at most this many chunks in this run")
    ap.add_argument("--order", choices=("plan", "coverage"), default="plan",
                    help="which unwritten chunks first: in plan order, or (coverage) those whose subject groups "
                         "have the fewest written passages, e.g. the groups a --extend just added")
    ap.add_argument("--debug", action="store_true", help="show the traceback of an error")
    args = ap.parse_args()
    for name in ("per_group", "captions", "batch", "max_new_tokens"):
        if getattr(args, name) < 1:
            ap.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.limit is not None and args.limit < 0:
        ap.error("--limit must be 0 or more")
    import torch
    if args.threads:
        torch.set_num_threads(args.threads)
    from storyteller.lm import LMWriter

    plan = load_plan(args.plan)
    if not plan and args.out.is_file() and args.out.stat().st_size > 0:
        raise InputError(f"--plan {args.plan} is missing or empty, but --out {args.out} already holds passages: give "
                         "the plan they were written from (data/teacher/plan.jsonl), or a new --out for a new plan")
    if not plan or args.extend:
        plan = extend_plan(plan, make_items(args.pool, args.per_group, args.captions, args.seed), args)
        write_plan(args.plan, plan)
    chunks: dict[int, list[dict]] = {}
    for it in plan:
        chunks.setdefault(it["chunk"], []).append(it)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    have = done_ids(args.out)
    todo = [c for c in sorted(chunks) if not all(it["id"] in have for it in chunks[c])]
    if args.order == "coverage":
        todo = coverage_order(todo, chunks, have)
    print(f"{len(plan)} items in {len(chunks)} chunks ({args.plan.name}); {len(chunks) - len(todo)} done, "
          f"{len(todo)} to write", flush=True)
    if not todo or args.limit == 0:
        return 0
    t0 = time.monotonic()
    writer = LMWriter.load(args.device)
    print(f"LM loaded in {time.monotonic() - t0:.0f} s", flush=True)
    for n, c in enumerate(todo):
        if args.limit is not None and n >= args.limit:
            break
        t = time.monotonic()
        chunk = [it for it in chunks[c] if it["id"] not in have]
        first = chunk[0]
        texts = writer.write_many([it["captions"] for it in chunk], style=first["style"], seed=first["seed"],
                                  max_new_tokens=first["max_new_tokens"])
        lines = "".join(json.dumps({k: it[k] for k in ("id", "group", "captions", "style", "seed")} | {"raw": tx[0]},
                                   ensure_ascii=False) + "\n" for it, tx in zip(chunk, texts))
        with open(args.out, "a", encoding="utf-8") as f:  # one write per chunk; a crash cuts at most its tail
            f.write(lines)
            f.flush()
            os.fsync(f.fileno())
        print(f"chunk {c + 1}/{len(chunks)}: {len(chunk)} passages in {time.monotonic() - t:.0f} s", flush=True)
        if args.time_budget is not None and time.monotonic() - t0 > args.time_budget:
            print("time budget used; run the same command again to resume", flush=True)
            break
    return 0


if __name__ == "__main__":
    sys.exit(main())
