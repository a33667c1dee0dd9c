"""Checks for the caption pool (sources and generated files in data/captions; the default bundle's copy
storyteller/bundle/captions.txt) and the ImageNet class list.

Fast, no torch: the generator runs in a subprocess (about a second).
"""

import hashlib
import json
import re
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CAPTIONS = ROOT / "data" / "captions"
BUNDLE_CAPTIONS = ROOT / "storyteller" / "bundle" / "captions.txt"
CLASSES_TSV = ROOT / "data" / "imagenet" / "classes.tsv"
SCRIPT = ROOT / "scripts" / "make_captions.py"

# Class indices deliberately shared by two groups: (index, group_a, group_b).
# Anything else appearing in two groups fails test_group_class_overlaps.
ALLOWED_OVERLAPS = set()

MIN_WORDS, MAX_WORDS = 6, 16


@pytest.fixture(scope="module")
def groups():
    with open(CAPTIONS / "groups.json", encoding="utf-8") as f:
        return json.load(f)


@pytest.fixture(scope="module")
def groups_by_name(groups):
    return {g["name"]: g for g in groups}


@pytest.fixture(scope="module")
def records():
    out = []
    with open(CAPTIONS / "captions.jsonl", encoding="utf-8") as f:
        for line in f:
            out.append(json.loads(line))
    return out


@pytest.fixture(scope="module")
def lines(records):
    return [r["caption"] for r in records]


@pytest.fixture(scope="module")
def bundle_lines():
    text = BUNDLE_CAPTIONS.read_text(encoding="utf-8")
    assert text.endswith("\n")
    return text[:-1].split("\n")


@pytest.fixture(scope="module")
def class_names():
    names = {}
    with open(CLASSES_TSV, encoding="utf-8") as f:
        header = next(f).rstrip("\n").split("\t")
        assert header == ["index", "synset", "lemmas"]
        for line in f:
            idx, synset, lemmas = line.rstrip("\n").split("\t")
            names[int(idx)] = (synset, lemmas)
    return names


def test_classes_tsv(class_names):
    assert sorted(class_names) == list(range(1000))
    assert class_names[285] == ("n02124075", "Egyptian cat")
    assert class_names[0][1].startswith("tench")
    assert class_names[999][1].startswith("toilet tissue")
    synsets = [s for s, _ in class_names.values()]
    assert len(set(synsets)) == 1000
    assert all(re.fullmatch(r"n\d{8}", s) for s in synsets)


def test_caption_count_and_uniqueness(lines):
    assert len(lines) >= 3000
    assert all(line.strip() == line and line for line in lines)
    assert all("\r" not in line for line in lines)
    lowered = [line.lower() for line in lines]
    assert len(set(lowered)) == len(lowered), "duplicate captions"


def test_caption_style(lines):
    for line in lines:
        assert line.isascii(), line
        assert line[0].isupper(), line
        assert "," not in line and not line.endswith("."), line
        n = len(line.split())
        assert MIN_WORDS <= n <= MAX_WORDS, line
        assert "{" not in line and "}" not in line, line


def test_bundle_captions_come_from_the_pool(bundle_lines, lines):
    """The bundle's plain list is the pool it was built from (its manifest names that pool's hash): the same
    list when the pool is unchanged since the build; the pool may only have grown since (a new bank adds
    captions after the old ones in the random stream, so the earlier captions stay as they were)."""
    built_from = json.loads((BUNDLE_CAPTIONS.parent / "manifest.json").read_text())["sources"]
    digest = hashlib.sha256((CAPTIONS / "captions.jsonl").read_bytes()).hexdigest()
    if built_from.get("data/captions/captions.jsonl") == digest:
        assert bundle_lines == lines
    else:
        missing = set(bundle_lines) - set(lines)
        assert not missing, sorted(missing)[:10]


def test_records_reference_groups(records, groups_by_name):
    for r in records:
        assert set(r) <= {"caption", "group", "groups"}, r
        assert r["group"] in groups_by_name, r
        if "groups" in r:
            gs = r["groups"]
            assert len(gs) >= 2 and len(set(gs)) == len(gs), r
            assert gs[0] == r["group"], r
            for name in gs:
                assert name in groups_by_name, r
    multi = sum(1 for r in records if "groups" in r)
    assert multi < len(records) * 0.1, "most captions should be single-subject"


def test_groups_schema(groups, class_names):
    names = [g["name"] for g in groups]
    assert len(set(names)) == len(names), "duplicate group names"
    for g in groups:
        assert set(g) == {"name", "nouns", "classes"}, g["name"]
        assert g["nouns"] and all(isinstance(n, str) and n == n.lower()
                                  for n in g["nouns"]), g["name"]
        cls = g["classes"]
        assert cls, g["name"]
        assert all(isinstance(c, int) and 0 <= c <= 999 for c in cls), \
            g["name"]
        assert len(set(cls)) == len(cls), g["name"]
        assert all(c in class_names for c in cls)


def test_group_class_overlaps(groups):
    owner = {}
    overlaps = []
    for g in groups:
        for c in g["classes"]:
            if c in owner:
                overlaps.append((c, owner[c], g["name"]))
            else:
                owner[c] = g["name"]
    if overlaps:
        warnings.warn("classes shared between groups: %r" % overlaps, stacklevel=1)
    unexpected = [o for o in overlaps if o not in ALLOWED_OVERLAPS]
    assert not unexpected, unexpected


def test_class_coverage(groups, class_names):
    """Every ImageNet-1k class belongs to a subject group, so the CNN's top class always has captions."""
    covered = {c for g in groups for c in g["classes"]}
    missing = sorted(set(class_names) - covered)
    assert not missing, ["%d %s" % (c, class_names[c][1]) for c in missing]


def test_group_nouns_name_the_subject(groups, records):
    """A group's nouns are words of its captions (the hit test of retrieval evaluation looks for them)."""
    text = " ".join(r["caption"].lower() for r in records)
    for g in groups:
        assert any(re.search(r"(?<![a-z])" + re.escape(n) + r"(?![a-z])", text) for n in g["nouns"]), g["name"]


def _mentions(caption, nouns):
    low = caption.lower()
    return any(re.search(r"(?<![a-z])" + re.escape(n) + r"(?![a-z])", low)
               for n in nouns)


def test_captions_mention_group_noun(records, groups_by_name):
    bad = []
    for r in records:
        for name in r.get("groups", [r["group"]]):
            if not _mentions(r["caption"], groups_by_name[name]["nouns"]):
                bad.append((name, r["caption"]))
    assert not bad, bad[:20]


def test_every_group_has_captions(records, groups):
    counts = {g["name"]: 0 for g in groups}
    for r in records:
        counts[r["group"]] += 1
    thin = {k: v for k, v in counts.items() if v < 12}
    assert not thin, thin


def _generator(*args):
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)],
                          capture_output=True, text=True, timeout=120)


def test_generator_reproduces_pool():
    """The generated files (data/captions/*.json*, the bundle's captions.txt) are
    byte for byte what scripts/make_captions.py makes of the phrase banks."""
    res = _generator("--check")
    assert res.returncode == 0, res.stdout + res.stderr


def test_one_plain_caption_list():
    """The plain caption list exists once, in the bundle (its cache is keyed by content)."""
    assert not (CAPTIONS / "captions.txt").exists()
    cfg = (ROOT / "storyteller" / "bundle" / "config.yaml").read_text(encoding="utf-8")
    assert re.search(r"^captions: captions.txt$", cfg, re.M)


def test_check_detects_drift(tmp_path):
    """--check fails, naming the file, when a generated file differs by one byte."""
    assert _generator("--out", tmp_path, "--quiet").returncode == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["captions.jsonl", "groups.json"]
    for name in ("groups.json", "captions.jsonl"):
        assert (tmp_path / name).read_bytes() == (CAPTIONS / name).read_bytes()
    assert _generator("--check", "--out", tmp_path).returncode == 0
    path = tmp_path / "captions.jsonl"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n", 1))
    res = _generator("--check", "--out", tmp_path)
    assert res.returncode == 1 and "captions.jsonl" in res.stdout, res.stdout + res.stderr


def test_seed_decides_the_pool(pool_copy, tmp_path):
    """Same seed, same bytes (two runs); another seed in pool.yaml, other captions from the same banks."""
    for out in ("a", "b"):
        assert _generator("--pool", pool_copy / "pool.yaml", "--out", tmp_path / out, "--quiet").returncode == 0
    for name in ("groups.json", "captions.jsonl"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    pool = pool_copy / "pool.yaml"
    text = pool.read_text(encoding="utf-8")
    assert re.search(r"^seed: \d+$", text, re.M)
    pool.write_text(re.sub(r"^seed: \d+$", "seed: 7", text, flags=re.M), encoding="utf-8")
    assert _generator("--pool", pool, "--out", tmp_path / "c", "--quiet").returncode == 0
    assert (tmp_path / "c" / "groups.json").read_bytes() == (tmp_path / "a" / "groups.json").read_bytes()
    assert (tmp_path / "c" / "captions.jsonl").read_bytes() != (tmp_path / "a" / "captions.jsonl").read_bytes()


@pytest.fixture
def pool_copy(tmp_path):
    """A copy of the pool's sources to break."""
    dest = tmp_path / "captions"
    shutil.copytree(CAPTIONS, dest, ignore=shutil.ignore_patterns("*.json", "*.jsonl", "*.md"))
    return dest


@pytest.mark.parametrize("old, new, message", [
    ("    n: 30\n", "    nn: 30\n", "group 'large dog': unknown key(s) nn"),
    ("    kind: dog\n", "    kind: dgo\n", "kind 'dgo' is not defined"),
    ("    nums: animal\n", "    nums: animals\n", "nums 'animals' is not a quantifier set"),
    ("    n: 30\n", "    n: thirty\n", "'n' must be an integer, got 'thirty'"),
    ("      - 1:pulling hard on its leash\n", "      - 1: pulling hard on its leash\n",
     "'acts' must be a list, each item a string; item 1 is {1: 'pulling hard on its leash'}"),
])
def test_bad_bank_gives_one_clear_line(pool_copy, tmp_path, old, new, message):
    bank = pool_copy / "banks" / "mammals.yaml"
    text = bank.read_text(encoding="utf-8")
    assert old in text
    bank.write_text(text.replace(old, new, 1), encoding="utf-8")
    res = _generator("--pool", pool_copy / "pool.yaml", "--out", tmp_path / "out")
    assert res.returncode == 2, res.stdout + res.stderr
    assert "Traceback" not in res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "mammals.yaml" in lines[0] and message in lines[0], res.stderr
    assert not (tmp_path / "out").exists()
