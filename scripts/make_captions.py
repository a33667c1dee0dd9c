#!/usr/bin/env python3
"""Generate the storyteller caption pool and its ImageNet subject groups.

The original neural-storyteller retrieved MS COCO training captions.  Those are
not available offline, so this script writes a COCO-style caption pool of its
own from hand-written phrase banks, together with a mapping from each caption's
subject to ImageNet-1k class indices (so a visual-semantic embedding can be
trained on (caption, ImageNet class distribution) pairs).

Sources (data, edited by hand; format in data/captions/README.md):

    data/captions/pool.yaml       settings, quantifier sets, photo wrappers,
                                  irregular plurals, the list of bank files
    data/captions/banks/*.yaml    subject groups and shared scene banks (kinds)
    data/captions/multi.yaml      captions that show two or three subjects

Outputs (generated; relative to the repository root):

    data/captions/groups.json        subject groups: name, nouns, ImageNet classes
    data/captions/captions.jsonl     the captions, with their group ("group", and
                                     "groups" when a caption clearly shows two
                                     subjects)

The default bundle's plain list (storyteller/bundle/captions.txt) is not written
here: scripts/build_default_bundle.py writes it from captions.jsonl when it
builds the bundle, so the list always matches the VSE trained on it.

Usage:  python scripts/make_captions.py [--check] [--out DIR] [--pool YAML]

The generator is deterministic (fixed seed); rerunning it rewrites the same
files.  ``--check`` only verifies that the files on disk are up to date.
Requires data/imagenet/classes.tsv (for validating class indices) and PyYAML.
"""

import argparse
import json
import os
import random
import re
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA_DIR = os.path.join(ROOT, "data", "captions")
POOL_YAML = os.path.join(DATA_DIR, "pool.yaml")
CLASSES_TSV = os.path.join(ROOT, "data", "imagenet", "classes.tsv")
OUTPUTS = {  # file name -> where it lives in the repository
    "groups.json": os.path.join(DATA_DIR, "groups.json"),
    "captions.jsonl": os.path.join(DATA_DIR, "captions.jsonl"),
}

# Set from pool.yaml by load_pool().
MIN_WORDS, MAX_WORDS = 6, 16
IRREGULAR = {}


# --------------------------------------------------------------------------
# Grammar helpers
# --------------------------------------------------------------------------

def pluralize(word):
    """Plural of a (possibly multi-word) noun; the head is the last word,
    except for 'X of Y' phrases where the head is X."""
    if " of " in word:
        head, rest = word.split(" of ", 1)
        return pluralize(head) + " of " + rest
    parts = word.split(" ")
    last = parts[-1]
    low = last.lower()
    if low.endswith("shelf"):
        plural = last[:-1] + "ves"
    elif low in IRREGULAR:
        plural = IRREGULAR[low]
        if last[0].isupper():
            plural = plural[0].upper() + plural[1:]
    elif re.search(r"(s|x|z|ch|sh)$", low):
        plural = last + "es"
    elif re.search(r"[^aeiou]y$", low):
        plural = last[:-1] + "ies"
    elif low in ("potato", "tomato", "volcano", "hero", "mango"):
        plural = last + "es"
    else:
        plural = last + "s"
    return " ".join(parts[:-1] + [plural])


_AN_EXCEPT = ("uni", "use", "usu", "uk", "one", "once", "eu", "ur", "ut")
_AN_LETTERS = set("AEFHILMNORSX")


def _article(match):
    art, word = match.group(1), match.group(2)
    w = word.lower()
    if word.isupper() and len(word) > 1:           # acronyms: an RV, a TV
        use_an = word[0] in _AN_LETTERS
    elif w.startswith(("hour", "honest", "heir")):
        use_an = True
    else:
        use_an = w[0] in "aeiou" and not w.startswith(_AN_EXCEPT)
    new = ("an" if use_an else "a")
    if art[0].isupper():
        new = new.capitalize()
    return new + " " + word


def fix_articles(text):
    return re.sub(r"\b([Aa]n?) ([A-Za-z][\w'-]*)", _article, text)


def finish(text):
    text = re.sub(r"\s+", " ", text).strip()
    text = fix_articles(text)
    return text[0].upper() + text[1:]


def valid(text):
    if not text or "," in text or text.endswith(".") or "{" in text:
        return False
    if not all(32 <= ord(c) < 127 for c in text):
        return False
    if not text[0].isupper():
        return False
    n = len(text.split())
    if n < MIN_WORDS or n > MAX_WORDS:
        return False
    words = text.lower().split()
    for a, b in zip(words, words[1:]):          # no stuttering "a a", "the the"
        if a == b:
            return False
    # no repeated adjective or quantifier ("an old car by an old barn")
    seen = set()
    for w in words:
        w = {"line": "row", "lined": "row"}.get(w, w)   # "a line of X in a row"
        if w in REPEAT_CHECK and w in seen:
            return False
        seen.add(w)
    return True


# Words a caption may hold only once; load_pool() adds every adjective of the banks.
REPEAT_CHECK = {"row", "group", "pair", "couple", "line", "bunch", "pile",
                "herd", "flock", "several"}


# --------------------------------------------------------------------------
# Groups
# --------------------------------------------------------------------------

class Form:
    """A way of naming a group's subject: 'dog', 'puppy', 'golden retriever'.

    Spec string: "sing[/plural][!][:adj1,adj2,...]"
      plural "-" means a mass noun (no plural, no article: "broccoli");
      "!" means an adjective is always used;
      adjectives may contain spaces ("black and white").
    """

    def __init__(self, spec):
        adjs = []
        if ":" in spec:
            spec, adj_s = spec.split(":", 1)
            adjs = [a.strip() for a in adj_s.split(",") if a.strip()]
        self.req_adj = spec.endswith("!")
        spec = spec.rstrip("!")
        if "/" in spec:
            sing, plur = spec.split("/", 1)
        else:
            sing, plur = spec, None
        self.sing = sing.strip()
        self.mass = plur is not None and plur.strip() == "-"
        if self.mass:
            self.plur = None
        else:
            self.plur = plur.strip() if plur else pluralize(self.sing)
        self.adjs = adjs

    def nouns(self):
        out = [self.sing.lower()]
        if self.plur:
            out.append(self.plur.lower())
        return out


# --------------------------------------------------------------------------
# Template filling
# --------------------------------------------------------------------------

def _bare(form, rng, adj_p=0.5, plural=False):
    noun = form.plur if plural and form.plur else form.sing
    if form.adjs and (form.req_adj or rng.random() < adj_p):
        adj = rng.choice(form.adjs)
        if " of " in noun:               # "cup of coffee" -> "cup of hot coffee"
            head, rest = noun.split(" of ", 1)
            return head + " of " + adj + " " + rest
        return adj + " " + noun
    return noun


def _np(g, form, rng, number):
    """number: 1 singular, 2 plural."""
    if number == 2 and form.plur:
        q = rng.choice(g["nums"])
        return q + " " + _bare(form, rng, plural=True)
    head = _bare(form, rng)
    if form.mass:
        return head
    return "a " + head


def fill(g, template, rng, number=None):
    form = rng.choice(g["forms"])
    if number == 2 and not form.plur:
        form = rng.choice([f for f in g["forms"] if f.plur])
    state = {"num": 1}

    def pick_number(force=None):
        if force:
            return force
        if number:
            return number
        if form.plur and rng.random() < g["plural"]:
            return 2
        return 1

    def repl(m):
        key = m.group(1)
        if key in ("NP", "np"):
            num = pick_number()
            state["num"] = num if form.plur else 1
            return _np(g, form, rng, state["num"])
        if key == "np1":
            state["num"] = 1
            return _np(g, form, rng, 1)
        if key == "nps":
            state["num"] = 2
            return _np(g, form, rng, 2)
        if key == "n":
            return _bare(form, rng)
        if key == "ns":
            return _bare(form, rng, plural=True)
        if key == "N":
            return form.sing
        if key == "NS":
            return form.plur or form.sing
        if key == "its":
            return "its" if state["num"] == 1 else "their"
        if key == "is":
            return "is" if state["num"] == 1 else "are"
        if key == "has":
            return "has" if state["num"] == 1 else "have"
        raise KeyError(key)

    # plural-only templates need a countable form
    if ("{nps}" in template or "{ns}" in template or "{NS}" in template) \
            and not form.plur:
        countable = [f for f in g["forms"] if f.plur]
        if not countable:
            return None
        form = rng.choice(countable)
    text = re.sub(r"\{(\w+)\}", repl, template)
    return finish(text)


def expand_templates(g):
    """All templates for a group, as (template, forced number) pairs."""
    out = []
    for a in g["acts"]:
        num = None
        if a.startswith("1:"):
            num, a = 1, a[2:]
        elif a.startswith("2:"):
            num, a = 2, a[2:]
        out.append(("{NP} " + a, num))
    for t in g["tpl"]:
        out.append((t, None))
    return out


def is_once(template):
    """Generic photo wrappers are used at most once per group."""
    return template.startswith("!")


def mentions(text, nouns):
    low = text.lower()
    for noun in nouns:
        if re.search(r"(?<![a-z])" + re.escape(noun) + r"(?![a-z])", low):
            return True
    return False


def group_nouns(g):
    seen = []
    for f in g["forms"]:
        for n in f.nouns():
            if n not in seen:
                seen.append(n)
    for n in g["extra_nouns"]:
        n = n.lower()
        if n not in seen:
            seen.append(n)
    return seen


def generate_group(g, rng, seen):
    temps = expand_templates(g)
    if not temps:
        raise ValueError("group %s has no templates" % g["name"])
    nouns = group_nouns(g)
    got = []
    order = list(range(len(temps)))
    rng.shuffle(order)
    tries = 0
    i = 0
    used_once = set()
    while len(got) < g["n"] and tries < g["n"] * 60:
        k = order[i % len(order)]
        t, num = temps[k]
        i += 1
        if i % len(order) == 0:
            rng.shuffle(order)
        tries += 1
        if num == 2 and not any(f.plur for f in g["forms"]):
            continue
        if is_once(t):
            if k in used_once:
                continue
            t = t[1:]
        text = fill(g, t, rng, number=num)
        if not text or not valid(text) or text.lower() in seen:
            continue
        if not mentions(text, nouns):
            PROBLEMS.append("%s: caption lacks group noun: %s"
                            % (g["name"], text))
            continue
        seen.add(text.lower())
        got.append(text)
        if is_once(temps[k][0]):
            used_once.add(k)
    if len(got) < min(g["n"], 12):
        PROBLEMS.append("group %s: only %d captions (templates %d)"
                        % (g["name"], len(got), len(temps)))
    return got


# ==========================================================================
# Reading the phrase banks (data/captions/*.yaml)
# ==========================================================================

PROBLEMS = []  # filled by generate_group(), reported by build()

# What each entry of the YAML files may hold (key -> type).
GROUP_SCHEMA = {"name": "str", "classes": "list of int", "forms": "list of str", "kind": "str",
                "nums": "quantifiers", "n": "int", "plural": "number", "nouns": "list of str",
                "adjs": "list of str", "acts": "list of str", "tpl": "list of str",
                "extra_acts": "list of str", "extra_tpl": "list of str", "wide": "bool"}
KIND_SCHEMA = {"nums": "quantifiers", "acts": "list of str", "tpl": "list of str"}
MULTI_SCHEMA = {"caption": "str", "groups": "list of str"}
POOL_SCHEMA = {"seed": "int", "min_words": "int", "max_words": "int", "default_n": "int",
               "banks": "list of str", "multi": "str", "quantifiers": "dict", "photo_wrappers": "dict",
               "irregular_plurals": "dict"}
_IS = {"str": lambda v: isinstance(v, str),
       "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
       "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
       "bool": lambda v: isinstance(v, bool),
       "dict": lambda v: isinstance(v, dict)}
_NAME = {"str": "a string", "int": "an integer", "number": "a number", "bool": "true or false",
         "dict": "a mapping"}
# Quantifier sets of animals: their groups are plural more often.
ANIMAL_NUMS = ("animal", "herd", "flock")


class DataError(Exception):
    """A source file of the caption pool is malformed (the message names file, entry and fix)."""


def _read_yaml(path):
    try:
        with open(path, encoding="utf-8") as f:
            return yaml.safe_load(f)
    except OSError as e:
        raise DataError("%s: cannot read (%s)" % (path, e.strerror)) from None
    except yaml.YAMLError as e:
        raise DataError("%s: not valid YAML: %s" % (path, str(e).replace("\n", " "))) from None


def _check_entry(where, entry, schema, required=()):
    """Raise DataError unless entry is a mapping with known keys of the right types."""
    if not isinstance(entry, dict):
        raise DataError("%s: expected a mapping (key: value lines), got %r" % (where, entry))
    unknown = sorted(set(entry) - set(schema))
    if unknown:
        raise DataError("%s: unknown key(s) %s; allowed: %s"
                        % (where, ", ".join(map(str, unknown)), ", ".join(schema)))
    for key in required:
        if key not in entry:
            raise DataError("%s: missing key %r" % (where, key))
    for key, value in entry.items():
        kind = schema[key]
        if kind == "quantifiers":   # a set's name or a list of its own
            kind = "str" if isinstance(value, str) else "list of str"
        if kind.startswith("list of "):
            item = kind[len("list of "):]
            bad = ([(i, v) for i, v in enumerate(value) if not _IS[item](v)]
                   if isinstance(value, list) else [(None, value)])
            if bad:
                i, v = bad[0]
                raise DataError("%s: %r must be a list, each item %s; %s is %r (put text that contains "
                                "': ' or starts with '!', '{' or '*' in double quotes)"
                                % (where, key, _NAME[item], "it" if i is None else "item %d" % (i + 1), v))
        elif not _IS[kind](value):
            raise DataError("%s: %r must be %s, got %r" % (where, key, _NAME[kind], value))


def _nums(where, value, quantifiers):
    """A quantifier set: the name of one in pool.yaml, or a list of its own."""
    if value is None or isinstance(value, list):
        return value
    if value not in quantifiers:
        raise DataError("%s: nums %r is not a quantifier set of pool.yaml (%s)"
                        % (where, value, ", ".join(quantifiers)))
    return quantifiers[value]


def make_group(where, e, kinds, pool):
    """One subject group from its YAML entry (the former ``G(...)`` call).

    classes: ImageNet-1k indices the subject corresponds to.
    forms:   list of Form specs (see Form).
    acts:    participle phrases used as "<subject NP> <act>"; a leading "1:"
             restricts an act to a single subject, "2:" to several.
    tpl:     whole-sentence templates (placeholders below); a leading "!"
             marks a template used at most once per group.
    kind:    name of a shared bank of acts/templates/quantifiers (its acts
             and templates follow the group's own).
    nums:    quantifier set for plural subjects (name or list).
    nouns:   extra nouns (besides the forms) that name the subject.
    plural:  probability that a subject NP is plural (default 0.3 for
             animals, 0.12 for everything else).
    adjs:    adjectives for forms that list none.
    extra_acts, extra_tpl: more scenes, after the kind's.
    wide:    a landscape or building (gets the 'wide' photo wrappers).

    Template placeholders: {NP}/{np} subject NP (number varies), {np1} singular
    NP with article, {nps} plural NP with quantifier, {n}/{ns} bare
    singular/plural noun (maybe with adjective), {N}/{NS} bare noun without
    adjective, {its}/{is}/{has} agree with the last NP.
    """
    _check_entry(where, e, GROUP_SCHEMA, required=("name", "classes", "forms"))
    quantifiers = pool["quantifiers"]
    k = {}
    if e.get("kind"):
        if e["kind"] not in kinds:
            raise DataError("%s: kind %r is not defined (kinds: %s)" % (where, e["kind"], ", ".join(kinds)))
        k = kinds[e["kind"]]
    g = {
        "name": e["name"], "classes": list(e["classes"]),
        "forms": [Form(f) for f in e["forms"]],
        "acts": list(e.get("acts", [])) + list(k.get("acts", [])),
        "tpl": list(e.get("tpl", [])) + list(k.get("tpl", [])),
        "nums": _nums(where, e.get("nums"), quantifiers) or k.get("nums") or quantifiers["default"],
        "n": e.get("n", pool["default_n"]), "extra_nouns": list(e.get("nouns", [])),
        "plural": e.get("plural"), "adjs": list(e.get("adjs", [])),
    }
    if g["plural"] is None:
        animal = g["nums"] in [quantifiers[q] for q in ANIMAL_NUMS]
        g["plural"] = 0.3 if animal else 0.12
    for f in g["forms"]:
        if not f.adjs:
            f.adjs = list(g["adjs"])
        for a in f.adjs:
            REPEAT_CHECK.update(a.lower().split())
    g["acts"].extend(e.get("extra_acts", []))
    g["tpl"].extend(e.get("extra_tpl", []))
    if g["forms"]:
        # one generic photo template, two for groups with few scenes of their own
        wraps = pool["photo_wrappers"]["wide" if e.get("wide") else "universal"]
        count = 1 if len(expand_templates(g)) >= 10 else 2
        start = sum(map(ord, g["name"])) % len(wraps)
        g["tpl"].extend((wraps * 2)[start:start + count])
    return g


def load_pool(path=POOL_YAML):
    """Read pool.yaml and the files it names.  Returns (settings, groups, multi)."""
    global MIN_WORDS, MAX_WORDS
    pool = _read_yaml(path)
    _check_entry(path, pool, POOL_SCHEMA, required=tuple(POOL_SCHEMA))
    quantifiers = pool["quantifiers"]
    _check_entry(path + ": quantifiers", quantifiers, dict.fromkeys(quantifiers, "list of str"),
                 required=("default",) + ANIMAL_NUMS)
    _check_entry(path + ": photo_wrappers", pool["photo_wrappers"],
                 {"universal": "list of str", "wide": "list of str"}, required=("universal", "wide"))
    _check_entry(path + ": irregular_plurals", pool["irregular_plurals"],
                 dict.fromkeys(pool["irregular_plurals"], "str"))
    MIN_WORDS, MAX_WORDS = pool["min_words"], pool["max_words"]
    IRREGULAR.clear()
    IRREGULAR.update(pool["irregular_plurals"])
    base = os.path.dirname(path)
    banks = [(os.path.join(base, b), _read_yaml(os.path.join(base, b))) for b in pool["banks"]]
    kinds = {}
    for fn, bank in banks:          # kinds first: a group may use a kind from any bank
        _check_entry(fn, bank, {"kinds": "dict", "groups": "list of dict"})
        for name, kd in (bank.get("kinds") or {}).items():
            where = "%s: kind %r" % (fn, name)
            _check_entry(where, kd, KIND_SCHEMA)
            if name in kinds:
                raise DataError("%s: defined twice" % where)
            kinds[name] = {"acts": kd.get("acts", []), "tpl": kd.get("tpl", []),
                           "nums": _nums(where, kd.get("nums"), quantifiers)}
    groups = [make_group("%s: group %r" % (fn, e.get("name", "#%d" % (i + 1))), e, kinds, pool)
              for fn, bank in banks for i, e in enumerate(bank.get("groups") or [])]
    mfile = os.path.join(base, pool["multi"])
    entries = _read_yaml(mfile)
    if not isinstance(entries, list):
        raise DataError("%s: expected a list of '- caption: ...' entries" % mfile)
    multi = []
    for i, m in enumerate(entries):
        _check_entry("%s: entry %d" % (mfile, i + 1), m, MULTI_SCHEMA, required=tuple(MULTI_SCHEMA))
        multi.append((m["caption"], list(m["groups"])))
    return pool, groups, multi


# ==========================================================================
# Main
# ==========================================================================

def load_classes():
    names = {}
    with open(CLASSES_TSV) as f:
        next(f)
        for line in f:
            idx, syn, lemma = line.rstrip("\n").split("\t")
            names[int(idx)] = lemma
    return names


def build(pool_path=POOL_YAML):
    pool, groups, multi = load_pool(pool_path)
    del PROBLEMS[:]
    rng = random.Random(pool["seed"])
    names = load_classes()
    by_name = {}
    for g in groups:
        if g["name"] in by_name:
            raise DataError("duplicate group " + g["name"])
        by_name[g["name"]] = g
        if not g["classes"]:
            raise DataError("group without classes: " + g["name"])
        for c in g["classes"]:
            if c not in names:
                raise DataError("%s: bad class %r" % (g["name"], c))
        if len(set(g["classes"])) != len(g["classes"]):
            raise DataError("%s: repeated class" % g["name"])

    seen = set()
    records = []
    for g in groups:
        for cap in generate_group(g, rng, seen):
            records.append({"caption": cap, "group": g["name"]})
    for cap, gs in multi:
        text = finish(cap)
        if not valid(text):
            raise DataError("invalid multi caption: " + cap)
        if text.lower() in seen:
            continue
        for name in gs:
            if name not in by_name:
                raise DataError("multi caption %r: unknown group %r" % (cap, name))
            if not mentions(text, group_nouns(by_name[name])):
                raise DataError("multi caption %r lacks a noun of %s" % (cap, name))
        seen.add(text.lower())
        records.append({"caption": text, "group": gs[0], "groups": gs})
    if PROBLEMS:
        raise DataError("caption pool problems:\n  " + "\n  ".join(PROBLEMS))
    rng.shuffle(records)

    groups_out = [{"name": g["name"], "nouns": group_nouns(g),
                   "classes": g["classes"]} for g in groups]
    return groups_out, records, names


def render(groups_out, records):
    gjson = "[\n" + ",\n".join("  " + json.dumps(g) for g in groups_out) \
        + "\n]\n"
    jsonl = "".join(json.dumps(r) + "\n" for r in records)
    return {"groups.json": gjson, "captions.jsonl": jsonl}


def stats(groups_out, records, names):
    covered = set()
    owner = {}
    overlaps = []
    for g in groups_out:
        for c in g["classes"]:
            if c in owner:
                overlaps.append((c, owner[c], g["name"]))
            owner[c] = g["name"]
            covered.add(c)
    counts = {}
    for r in records:
        counts[r["group"]] = counts.get(r["group"], 0) + 1
    print("groups:          %d" % len(groups_out))
    print("captions:        %d (multi-subject: %d)"
          % (len(records), sum(1 for r in records if "groups" in r)))
    print("classes covered: %d / %d" % (len(covered), len(names)))
    missing = sorted(set(names) - covered)
    if missing:
        print("classes without a group: " + ", ".join(
            "%d %s" % (c, names[c].split(",")[0]) for c in missing))
    print("captions/group:  min %d, max %d"
          % (min(counts.values()), max(counts.values())))
    if overlaps:
        print("class overlaps:")
        for c, a, b in overlaps:
            print("  %d %s: %s / %s" % (c, names[c], a, b))


def _read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true",
                    help="only check that the files on disk are up to date")
    ap.add_argument("--out", metavar="DIR",
                    help="write (or check) the two files in DIR instead of their places in the repository")
    ap.add_argument("--pool", default=POOL_YAML, metavar="YAML",
                    help="pool file naming the phrase banks (default: data/captions/pool.yaml)")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    try:
        groups_out, records, names = build(args.pool)
    except DataError as e:
        print("make_captions: %s" % e, file=sys.stderr)
        return 2
    files = render(groups_out, records)
    paths = {fn: os.path.join(args.out, fn) if args.out else OUTPUTS[fn] for fn in files}
    if args.check:
        stale = []
        for fn, text in files.items():
            path = paths[fn]
            if not os.path.exists(path) or _read_bytes(path) != text.encode("utf-8"):
                stale.append(os.path.relpath(path, ROOT))
        if stale:
            print("out of date: " + ", ".join(stale)
                  + " (run python scripts/make_captions.py)")
            return 1
        print("caption pool is up to date")
        return 0
    for fn, text in files.items():
        os.makedirs(os.path.dirname(paths[fn]) or ".", exist_ok=True)
        with open(paths[fn], "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
    if not args.quiet:
        stats(groups_out, records, names)
    return 0


if __name__ == "__main__":
    sys.exit(main())
