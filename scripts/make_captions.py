#!/usr/bin/env python3
"""Generate the storyteller caption pool and its ImageNet subject groups.

The original neural-storyteller retrieved MS COCO training captions.  Those are
not available offline, so this script writes a COCO-style caption pool of its
own from hand-written phrase banks, together with a mapping from each caption's
subject to ImageNet-1k class indices (so a visual-semantic embedding can be
trained on (caption, ImageNet class distribution) pairs).

Outputs (relative to the repository root):

    data/captions/groups.json    subject groups: name, nouns, ImageNet classes
    data/captions/captions.txt   one caption per line
    data/captions/captions.jsonl the same captions, in the same order, with
                                 their group ("group", and "groups" when a
                                 caption clearly shows two subjects)

Usage:  python scripts/make_captions.py [--check]

The generator is deterministic (fixed seed); rerunning it rewrites the same
files.  ``--check`` only verifies that the files on disk are up to date.
Requires data/imagenet/classes.tsv (for validating class indices).
"""

import argparse
import json
import os
import random
import re
import sys

SEED = 20240611
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "data", "captions")
CLASSES_TSV = os.path.join(ROOT, "data", "imagenet", "classes.tsv")

MIN_WORDS, MAX_WORDS = 6, 16
DEFAULT_N = 14  # captions per group unless a group asks for more


# --------------------------------------------------------------------------
# Grammar helpers
# --------------------------------------------------------------------------

IRREGULAR = {
    "mouse": "mice", "goose": "geese", "crayfish": "crayfish", "wolf": "wolves", "calf": "calves",
    "knife": "knives", "ox": "oxen", "fish": "fish", "sheep": "sheep",
    "deer": "deer", "person": "people", "child": "children",
    "shelf": "shelves", "leaf": "leaves", "fungus": "fungi",
    "bison": "bison", "buffalo": "buffalo", "antelope": "antelope",
    "impala": "impala", "goldfish": "goldfish", "salmon": "salmon",
    "clownfish": "clownfish", "pufferfish": "pufferfish",
    "lionfish": "lionfish", "starfish": "starfish", "jellyfish": "jellyfish",
    "cattle": "cattle", "moose": "moose", "mongoose": "mongooses",
    "hippopotamus": "hippos", "cactus": "cacti", "tooth": "teeth",
    "foot": "feet", "man": "men", "woman": "women", "bus": "buses",
    "box": "boxes", "ibex": "ibexes", "lynx": "lynxes",
    "platypus": "platypuses", "octopus": "octopuses",
}


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


GROUPS = []
KINDS = {}
PROBLEMS = []


def kind(name, acts=(), tpl=(), nums=None):
    KINDS[name] = dict(acts=list(acts), tpl=list(tpl), nums=nums)


def G(name, classes, forms, acts=(), tpl=(), kind=None, nums=None, n=DEFAULT_N,
      nouns=(), plural=None, adjs=()):
    """Declare a subject group.

    classes: ImageNet-1k indices the subject corresponds to.
    forms:   list of Form specs (see Form).
    acts:    participle phrases used as "<subject NP> <act>"; a leading "1:"
             restricts an act to a single subject, "2:" to several.
    tpl:     whole-sentence templates (placeholders below).
    kind:    name of a shared bank of acts/templates/quantifiers.
    nouns:   extra nouns (besides the forms) that name the subject.
    plural:  probability that a subject NP is plural (default 0.3 for
             animals, 0.12 for everything else).
    adjs:    adjectives for forms that list none.

    Template placeholders: {NP}/{np} subject NP (number varies), {np1} singular
    NP with article, {nps} plural NP with quantifier, {n}/{ns} bare
    singular/plural noun (maybe with adjective), {N}/{NS} bare noun without
    adjective, {its}/{is}/{has} agree with the last NP.
    """
    k = KINDS.get(kind, {}) if kind else {}
    g = dict(
        name=name, classes=list(classes),
        forms=[Form(f) for f in forms],
        acts=list(acts) + list(k.get("acts", [])),
        tpl=list(tpl) + list(k.get("tpl", [])),
        nums=nums or k.get("nums") or NUMS_DEFAULT,
        n=n, extra_nouns=list(nouns), plural=plural, adjs=list(adjs),
    )
    if plural is None:
        animal = g["nums"] in (NUMS_ANIMAL, NUMS_HERD, NUMS_FLOCK)
        g["plural"] = 0.3 if animal else 0.12
    for f in g["forms"]:
        if not f.adjs:
            f.adjs = list(adjs)
        for a in f.adjs:
            REPEAT_CHECK.update(a.lower().split())
    GROUPS.append(g)
    return g


NUMS_DEFAULT = ["two", "three", "a couple of", "several", "a pair of"]
NUMS_ANIMAL = ["two", "three", "a couple of", "a group of", "several",
               "a pair of"]
NUMS_HERD = ["two", "three", "a herd of", "a group of", "several",
             "a small herd of"]
NUMS_FLOCK = ["two", "three", "a flock of", "a group of", "several",
              "a pair of"]
NUMS_THINGS = ["two", "three", "a couple of", "several"]
NUMS_VEH = ["two", "three", "a row of", "a line of", "several"]
NUMS_ITEMS = ["two", "three", "a few", "several", "a pile of"]


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
# Phrase banks and groups: animals
# ==========================================================================

kind("dog", nums=NUMS_ANIMAL, acts=[
    "running across a grassy field",
    "playing with a ball in the backyard",
    "lying on a couch in the living room",
    "sleeping on a rug in the living room",
    "sitting in the back seat of a car",
    "1:catching a frisbee in the park",
    "walking on a leash down the sidewalk",
    "1:looking out of a car window",
    "swimming in a lake",
    "running along a sandy beach",
    "1:chewing on a stick in the yard",
    "sitting on a wooden porch",
    "playing in the snow",
    "lying on a bed with white sheets",
    "resting on the kitchen floor",
    "waiting by the front door",
    "1:sitting in the grass with its tongue out",
    "drinking water from a metal bowl",
    "standing in the middle of a dirt road",
    "riding in the back of a pickup truck",
    "looking up at the camera",
    "sniffing the grass in a park",
    "2:playing together in the snow",
    "2:running side by side on the beach",
    "2:sleeping next to each other on a couch",
    "2:sitting together on a wooden deck",
    "1:lying on the floor next to a pair of shoes",
    "1:resting its head on a pillow",
    "waiting outside a coffee shop",
    "sitting on the grass in front of a house",
    "1:jumping into a swimming pool",
    "1:carrying a stick in its mouth",
    "1:wearing a red collar and sitting on the floor",
    "lying in the shade under a tree",
], tpl=[
    "A man walking his {n} down a city street",
    "A woman walking {np1} on a leash in the park",
    "A little girl hugging her {n} in the backyard",
    "A boy playing fetch with his {n} at the park",
    "A woman sitting on a bench with her {n}",
    "A man throwing a frisbee to his {n} on the beach",
    "A person petting {np1} on the head",
    "A family sitting on the couch with their {n}",
    "An old man sitting on a porch with his {n}",
    "Two children playing with {np1} in the snow",
    "A young woman taking a selfie with her {n}",
    "A man and his {n} walking along a country road",
])

G("small dog",
  [151, 152, 153, 154, 155, 156, 157, 158, 185, 186, 187, 192, 193, 194,
   196, 201, 203, 204, 237, 252, 254, 259, 262, 265, 266],
  ["dog!:small,little,tiny,small white,small brown,little black,"
   "small fluffy,tiny white,little brown",
   "puppy:tiny,little,fluffy,white,small",
   "chihuahua:tiny,little,brown",
   "pug:little,black,fat,sleepy",
   "poodle:white,fluffy,small,toy",
   "terrier:little,scruffy,small,white"],
  kind="dog", n=34, acts=[
      "1:sitting in a woman's lap",
      "1:peeking out of a handbag",
      "1:curled up on a pillow",
      "1:wearing a pink sweater on the sidewalk",
      "sitting on a chair at the kitchen table",
      "1:being held in its owner's arms",
  ], tpl=[
      "A woman carrying {np1} in her arms",
      "A little girl holding {np1} on her lap",
  ])

G("dog",
  [159, 160, 161, 162, 163, 164, 165, 166, 167, 168, 171, 172, 173, 175,
   176, 179, 180, 181, 182, 183, 184, 188, 189, 190, 191, 195, 197, 198,
   199, 200, 202, 205, 206, 207, 208, 209, 210, 211, 212, 213, 214, 215,
   216, 217, 218, 219, 220, 221, 223, 242, 245, 251, 253, 260, 261, 263,
   264, 267, 268],
  ["dog:brown,black,white,black and white,happy,young,old,spotted,wet,"
   "friendly,brown and white",
   "puppy:little,brown,cute,sleepy,black,playful",
   "golden retriever:happy,wet,young,old",
   "labrador:black,yellow,chocolate,young",
   "beagle:little,happy,young",
   "spaniel:brown and white,fluffy,black,happy",
   "dalmatian:spotted,young",
   "corgi:little,happy,fluffy"],
  kind="dog", n=46, acts=[
      "1:shaking water off its fur after a swim",
      "1:fetching a ball from the water",
      "1:holding a frisbee in its mouth",
      "2:chasing each other across the lawn",
  ], tpl=[
      "A man teaching his {n} to sit in the yard",
      "A woman running on the beach with her {n}",
  ])

G("large dog",
  [169, 170, 174, 177, 178, 222, 228, 233, 234, 235, 236, 238, 239, 240,
   241, 243, 244, 246, 247, 255, 256, 257],
  ["dog!:large,big,huge,giant,large black,big brown,large white,"
   "big fluffy",
   "German shepherd:large,young,old",
   "Great Dane:huge,black,gray",
   "Saint Bernard:large,big,fluffy",
   "mastiff:large,huge,brown",
   "Bernese mountain dog:fluffy,big",
   "Rottweiler:large,big"],
  kind="dog", n=30, acts=[
      "1:pulling hard on its leash",
      "1:standing guard in front of a house",
      "1:lying on the floor taking up the whole rug",
  ], tpl=[
      "A small child sitting next to {np1}",
      "A police officer walking with {np1}",
  ])

G("husky", [248, 249, 250, 258, 537],
  ["husky:fluffy,white,gray,young,blue eyed",
   "sled dog:fluffy,white,tired",
   "malamute:large,fluffy,gray"],
  kind="dog", n=24, nouns=["dog sled", "dog sleds"], acts=[
      "2:pulling a sled through the deep snow",
      "lying in the snow",
      "running through a snowy forest",
      "sitting in the snow",
      "1:howling in the snow",
  ], tpl=[
      "A team of {NS} pulling a sled across the snow",
      "A man riding a dog sled pulled by {ns}",
      "A woman hugging her {n} in the snow",
  ])

G("sheepdog", [224, 225, 226, 227, 229, 230, 231, 232],
  ["sheepdog:fluffy,black and white,old,shaggy",
   "collie:fluffy,young,brown and white",
   "border collie:black and white,young,happy"],
  kind="dog", n=22, acts=[
      "herding sheep in a green field",
      "2:herding a flock of sheep down a hill",
      "1:crouching low in a field of sheep",
      "1:jumping over a wooden fence",
  ], tpl=[
      "A farmer and his {n} herding sheep on a hill",
      "A shepherd walking behind his {n} in the field",
  ])

G("cat", [281, 282, 283, 284, 285],
  ["cat:black,white,orange,gray,tabby,fluffy,striped,black and white,"
   "sleepy,fat,Siamese",
   "kitten:little,tiny,gray,orange,fluffy,white,black",
   "kitty:little,fluffy,gray"],
  n=50, nums=NUMS_ANIMAL, acts=[
      "sleeping on a couch",
      "sitting on a window sill",
      "1:lying on top of a laptop keyboard",
      "curled up on a bed",
      "sitting inside a cardboard box",
      "1:looking at its reflection in a mirror",
      "sitting on a kitchen counter",
      "lying in a patch of sunlight on the floor",
      "1:playing with a ball of yarn",
      "peeking out from under a blanket",
      "sitting on top of a refrigerator",
      "1:drinking from a bathroom sink",
      "sitting in a bathroom sink",
      "lying on a wooden table",
      "1:stretching out on a soft rug",
      "looking out of a window at the birds",
      "sitting in the grass in the garden",
      "walking along the top of a fence",
      "1:sleeping inside an open suitcase",
      "sitting on a chair at the dining table",
      "lying next to a television remote",
      "2:sleeping together on a blanket",
      "2:sitting side by side on a window ledge",
      "1:staring at the camera with green eyes",
      "sitting on the hood of a car",
      "napping on an office chair",
      "1:curled up in a wicker basket",
      "sitting on a pile of books",
      "hiding under a bed",
      "1:eating from a bowl on the kitchen floor",
      "1:chasing a toy mouse across the floor",
      "lying on a stack of clean laundry",
      "2:playing together on the carpet",
      "watching the rain through a window",
  ], tpl=[
      "A woman holding {np1} in her arms",
      "A man lying on a couch with a {n} on his chest",
      "A little girl petting a {n} on the floor",
      "A person feeding {np1} in the kitchen",
      "A young boy playing with his {n} on the bed",
      "A woman reading a book with her {n} on her lap",
      "A man working on a laptop while his {n} watches",
  ])

kind("bigcat", nums=NUMS_ANIMAL, acts=[
    "lying in the tall grass",
    "resting in the shade of a tree",
    "walking along a dirt path",
    "lying on a large rock",
    "drinking water from a small pond",
    "walking through a zoo enclosure",
    "sitting on a rock in the sun",
    "looking out from behind a fence",
    "1:yawning and showing its teeth",
    "1:resting its head on its paws",
    "prowling through the dry grass",
    "standing on a grassy hill",
    "2:lying together in the grass",
    "2:resting next to each other on a rock",
], tpl=[
    "A close up of {np1} looking at the camera",
    "People at the zoo watching {np1} through the glass",
])

G("lion", [291],
  ["lion:male,large,young,sleepy,old",
   "lioness:young,sleek",
   "lion cub:little,playful,young"],
  kind="bigcat", n=20, acts=[
      "1:roaring on top of a rock",
      "lying in the savanna grass",
      "2:resting under a tree on the savanna",
      "walking across the open plain",
  ], tpl=["A group of tourists watching {np1} from a safari truck"])

G("tiger", [292],
  ["tiger:large,striped,orange,white,young,Bengal",
   "tiger cub:little,playful"],
  kind="bigcat", n=18, acts=[
      "swimming in a pool of water",
      "walking through the jungle",
      "1:lying in the snow",
      "1:stalking through the bushes",
  ])

G("leopard", [288, 289, 290],
  ["leopard:spotted,young,large",
   "jaguar:spotted,large,black",
   "snow leopard:young,fluffy"],
  kind="bigcat", n=16, acts=[
      "1:sleeping on a tree branch",
      "climbing up a tree",
      "1:crouching low in the grass",
  ])

G("cheetah", [293],
  ["cheetah:spotted,young,slender"],
  kind="bigcat", n=14, acts=[
      "running across the savanna",
      "sitting on top of a safari truck",
      "1:chasing a gazelle across the plain",
  ], tpl=["A group of tourists watching {np1} from a safari truck"])

G("cougar", [286],
  ["cougar:large,young", "mountain lion:large,young", "puma:large"],
  kind="bigcat", n=14, acts=[
      "walking on a snowy hillside",
      "crouching on a rocky ledge",
  ])

G("lynx", [287],
  ["lynx:young,wild", "bobcat:wild,young"],
  kind="bigcat", n=12, acts=[
      "walking through the snow in a forest",
      "sitting in the snow",
  ])

kind("wild", nums=NUMS_ANIMAL, acts=[
    "standing in a grassy field",
    "walking through the tall grass",
    "standing near some trees",
    "standing in the dirt near a fence",
    "in an enclosure at the zoo",
    "walking along a dirt road",
    "resting in the shade",
    "standing next to a wooden fence at the zoo",
])

G("elephant", [101, 385, 386],
  ["elephant:large,big,young,gray,old,adult,baby"],
  kind="wild", nums=NUMS_HERD, n=30, acts=[
      "1:spraying water with its trunk",
      "walking across a dirt road",
      "drinking water from a river",
      "2:walking in a line through the grass",
      "eating hay in a zoo enclosure",
      "standing in a muddy river",
      "1:reaching for leaves with its trunk",
      "2:standing together near a watering hole",
      "taking a bath in a muddy pond",
      "1:carrying a log with its trunk",
      "1:flapping its ears in the heat",
  ], tpl=[
      "A man riding on the back of {np1}",
      "A group of tourists watching {nps} from a jeep",
      "A mother elephant walking with her baby through the grass",
      "A baby elephant following its mother across the field",
      "Two people riding {np1} through the jungle",
  ])

G("zebra", [340],
  ["zebra:young,striped,adult,baby"],
  kind="wild", nums=NUMS_HERD, n=22, acts=[
      "grazing on the grass",
      "2:standing close together in a field",
      "drinking from a watering hole",
      "running across the plains",
      "1:standing alone in the dry grass",
      "2:grazing next to each other",
      "1:rolling in the dust",
      "standing on the savanna",
  ])

G("antelope", [351, 352, 353],
  ["antelope/antelope:young,small", "gazelle:young,small",
   "impala/impala:young,male"],
  kind="wild", nums=NUMS_HERD, n=16, acts=[
      "grazing on the short grass",
      "1:leaping through the air",
      "standing alert in the tall grass",
      "running across an open plain",
      "drinking at a watering hole",
  ])

G("buffalo", [346, 347],
  ["buffalo/buffalo:large,muddy", "water buffalo/water buffalo:large",
   "bison/bison:large,shaggy,American"],
  kind="wild", nums=NUMS_HERD, n=16, acts=[
      "wallowing in a muddy pond",
      "grazing on a grassy plain",
      "standing in the snow",
      "lying in the mud",
  ])

G("hippo", [344],
  ["hippo:large,baby,big", "hippopotamus:large,big"],
  n=14, nums=NUMS_ANIMAL, acts=[
      "swimming in a muddy river",
      "1:opening its mouth wide",
      "standing in shallow water",
      "resting on a river bank",
      "lying in the mud",
      "walking out of the water",
      "2:floating together in a river",
      "in an enclosure at the zoo",
  ])

G("camel", [354],
  ["camel:brown,tall,young,old"],
  n=16, nums=NUMS_ANIMAL, acts=[
      "walking across the sandy desert",
      "resting in the sand",
      "1:carrying a man on its back",
      "standing next to a stone wall",
      "2:walking in a line across the dunes",
      "2:resting together in the desert",
      "standing in a dusty pen",
  ], tpl=[
      "A man leading {np1} through the desert",
      "A tourist riding {np1} near the pyramids",
  ])

G("llama", [355],
  ["llama:white,brown,fluffy,young", "alpaca:white,fluffy,brown"],
  n=14, nums=NUMS_ANIMAL, acts=[
      "grazing in a mountain pasture",
      "standing behind a wooden fence",
      "looking at the camera",
      "2:standing together in a field",
  ], tpl=[
      "A woman feeding {np1} at a petting zoo",
      "A farmer leading {np1} on a rope",
  ])

G("kangaroo", [104],
  ["kangaroo:young,gray,large", "wallaby:small,young"],
  n=14, nums=NUMS_ANIMAL, acts=[
      "hopping across a grassy field",
      "resting in the shade of a tree",
      "2:boxing with each other in a field",
      "standing on {its} hind legs",
      "1:carrying a baby in its pouch",
      "lying in the grass",
      "grazing near the road",
  ])

G("koala", [105],
  ["koala:sleepy,gray,baby,fluffy", "koala bear:sleepy,baby"],
  n=13, nums=NUMS_ANIMAL, acts=[
      "sleeping in a eucalyptus tree",
      "clinging to a tree branch",
      "1:eating eucalyptus leaves",
      "sitting in the fork of a tree",
      "1:hugging a tree trunk",
  ], tpl=["A zookeeper holding {np1} in her arms"])

G("whale", [147, 148],
  ["whale:large,gray,huge,humpback", "killer whale:large",
   "orca:large,young"],
  n=16, nums=NUMS_ANIMAL, acts=[
      "jumping out of the ocean",
      "swimming near a boat",
      "breaching the surface of the water",
      "1:spouting water into the air",
      "swimming in the deep blue sea",
      "1:showing its tail above the water",
      "performing tricks in a large pool",
  ], tpl=["A group of people on a boat watching {np1}"])

G("sea lion", [150],
  ["sea lion:young,large,baby", "seal:gray,baby,spotted"],
  n=16, nums=NUMS_ANIMAL, acts=[
      "lying on a sandy beach",
      "sunbathing on a rock",
      "swimming in the clear water",
      "2:resting together on a wooden dock",
      "1:balancing a ball on its nose",
      "barking on the rocks by the shore",
  ])

G("bear", [294, 295, 297],
  ["bear:large,brown,black,young,big", "brown bear:large,young",
   "black bear:young,large", "grizzly bear:large,huge",
   "bear cub:little,young"],
  n=24, nums=NUMS_ANIMAL, acts=[
      "1:catching a fish in a river",
      "walking through the woods",
      "standing on {its} hind legs",
      "eating berries in a meadow",
      "climbing a tree",
      "1:sitting on a rock near a stream",
      "wandering across a grassy meadow",
      "searching for food near a river",
      "2:playing together in the water",
      "in an enclosure at the zoo",
      "lying in the grass",
      "walking along a rocky shore",
  ])

G("polar bear", [296],
  ["polar bear:large,white,young", "polar bear cub:little"],
  n=16, nums=NUMS_ANIMAL, acts=[
      "walking across the ice",
      "swimming in the cold water",
      "lying on the snow",
      "1:playing with a ball in a zoo pool",
      "standing on a rock at the zoo",
      "2:playing together in the snow",
      "1:diving into a pool",
  ])

G("panda", [388],
  ["panda:giant,baby,young,sleepy", "panda bear:baby,young,giant"],
  n=16, nums=NUMS_ANIMAL, acts=[
      "eating bamboo",
      "sitting in the grass eating bamboo",
      "climbing a tree at the zoo",
      "sleeping on a wooden platform",
      "1:rolling around in the grass",
      "2:playing together on a grassy hill",
      "1:lying on its back in the grass",
  ])

G("red panda", [387],
  ["red panda:little,fluffy,cute"],
  n=12, nums=NUMS_ANIMAL, acts=[
      "sitting on a tree branch",
      "climbing a tree",
      "sleeping in a tree",
      "1:eating leaves",
      "walking along a log",
      "1:peeking out from behind a tree trunk",
  ])

G("monkey", [368, 369, 370, 371, 372, 373, 374, 375, 376, 377, 378, 379,
             380, 381, 382],
  ["monkey:small,young,little,brown,baby", "baboon:large,young"],
  n=24, nums=NUMS_ANIMAL, acts=[
      "sitting on a tree branch",
      "1:eating a banana",
      "swinging from a tree",
      "1:grooming another monkey",
      "sitting on a rock at the zoo",
      "climbing on a wooden fence",
      "2:sitting together in a tree",
      "1:holding a baby in its arms",
      "looking down from a tree",
      "sitting on the roof of a car",
      "1:drinking from a stream",
  ], tpl=[
      "A tourist feeding {np1} in the park",
      "A baby {N} clinging to its mother on a branch",
  ])

G("gorilla", [366],
  ["gorilla:large,young,big,baby,silverback"],
  n=14, nums=NUMS_ANIMAL, acts=[
      "sitting in the grass",
      "1:eating leaves at the zoo",
      "walking on all fours",
      "resting in the shade of a tree",
      "1:beating its chest",
      "sitting behind a glass window at the zoo",
  ])

G("chimpanzee", [367],
  ["chimpanzee:young,baby", "chimp:young,baby"],
  n=12, nums=NUMS_ANIMAL, acts=[
      "sitting on a tree branch",
      "1:eating a piece of fruit",
      "climbing a rope at the zoo",
      "2:grooming each other",
      "1:making a funny face at the camera",
      "sitting in the grass",
  ])

G("orangutan", [365],
  ["orangutan:young,baby,large"],
  n=12, nums=NUMS_ANIMAL, acts=[
      "hanging from a rope",
      "climbing a tree",
      "1:eating a piece of fruit",
      "sitting in the grass at the zoo",
      "1:holding a baby in its arms",
      "swinging from branch to branch",
  ])

G("lemur", [383, 384],
  ["lemur:ring tailed,little,furry"],
  n=12, nums=NUMS_ANIMAL, acts=[
      "sitting on a tree branch",
      "sunbathing on a rock",
      "eating fruit",
      "jumping between branches",
      "2:huddled together on a branch",
      "1:holding its tail",
  ])

G("sloth", [364],
  ["sloth:baby,young,sleepy"],
  n=12, nums=NUMS_ANIMAL, acts=[
      "hanging upside down from a tree branch",
      "clinging to a tree",
      "1:eating leaves",
      "sleeping in a tree",
      "1:slowly crossing the road",
      "1:hugging a tree trunk",
  ])

G("otter", [360],
  ["otter:young,wet,river,little", "sea otter:furry,little"],
  n=14, nums=NUMS_ANIMAL, acts=[
      "1:floating on its back in the water",
      "swimming in a river",
      "lying on a rock by the water",
      "1:eating a fish on the riverbank",
      "2:holding hands in the water",
      "2:playing together in the water",
  ])

G("ferret", [356, 357, 358, 359],
  ["ferret:white,brown,young", "weasel:small,brown", "mink:wild,dark"],
  n=12, nums=NUMS_ANIMAL, acts=[
      "peeking out of a hole",
      "running across a lawn",
      "1:standing on its hind legs",
      "exploring a pile of logs",
      "sniffing around in the grass",
  ])

G("meerkat", [298, 299],
  ["meerkat:little", "mongoose:little"],
  n=12, nums=NUMS_ANIMAL, acts=[
      "1:standing on its hind legs",
      "2:standing guard in the sand",
      "digging in the sand",
      "sitting on a rock in the sun",
      "2:huddled together on a log",
      "looking around from a small mound",
  ])

G("rabbit", [330, 331, 332],
  ["rabbit:white,brown,gray,fluffy,small,wild",
   "bunny:little,white,fluffy,brown", "hare:brown,wild,large"],
  n=20, nums=NUMS_ANIMAL, acts=[
      "sitting in the grass",
      "1:eating a carrot",
      "hopping across a lawn",
      "nibbling on some clover",
      "sitting in a garden",
      "1:hiding under a bush",
      "2:sitting together in a field",
      "sitting in the straw of a hutch",
      "running across a snowy field",
  ], tpl=[
      "A little girl holding {np1} in her lap",
      "A child feeding a carrot to {np1}",
  ])

G("hamster", [333, 338],
  ["hamster:little,small,golden,brown",
   "guinea pig:brown,white,little,fluffy"],
  n=16, nums=NUMS_ANIMAL, acts=[
      "1:eating a piece of carrot",
      "sitting in a pile of wood shavings",
      "peeking out of a small house",
      "sitting in the palm of a hand",
      "1:nibbling on a piece of lettuce",
      "2:sitting together in a cage",
      "1:stuffing its cheeks with food",
  ], tpl=["A child holding {np1} in her hands"])

G("squirrel", [335],
  ["squirrel:gray,brown,red,little,fluffy"],
  n=16, nums=NUMS_ANIMAL, acts=[
      "sitting on a tree branch",
      "1:eating a nut",
      "climbing up a tree trunk",
      "standing on a park bench",
      "digging in the grass",
      "1:holding a nut in its paws",
      "running along a fence",
      "sitting on a bird feeder",
  ])

G("marmot", [336],
  ["marmot:fat,furry", "groundhog:fat,brown"],
  n=12, nums=NUMS_ANIMAL, acts=[
      "sitting on a rock in the mountains",
      "1:standing on its hind legs",
      "1:peeking out of its burrow",
      "eating grass in a meadow",
      "sunbathing on a rock",
  ])

G("beaver", [337],
  ["beaver:large,wet,brown"],
  n=12, nums=NUMS_ANIMAL, acts=[
      "swimming in a pond",
      "1:chewing on a tree branch",
      "building a dam in a stream",
      "sitting on a river bank",
      "1:carrying a stick through the water",
      "resting on a muddy log",
  ])

G("hedgehog", [334],
  ["hedgehog:little,small,baby", "porcupine:large,spiky"],
  n=12, nums=NUMS_ANIMAL, tpl=[
      "A baby hedgehog sitting in the palm of a hand",
      "A porcupine climbing a tree in the forest",
  ], acts=[
      "walking through the grass",
      "curled up in a ball",
      "1:sniffing a flower",
      "walking across a garden path",
      "hiding under some leaves",
  ])

G("wolf", [269, 270, 271, 272],
  ["wolf:gray,white,lone,young", "coyote:wild,lone,young"],
  n=16, nums=NUMS_ANIMAL, acts=[
      "walking through the snow",
      "standing in a snowy forest",
      "1:howling at the sky",
      "running through a meadow",
      "lying in the grass",
      "2:walking together through the woods",
      "standing on a rocky hill",
      "1:looking back over its shoulder",
  ])

G("fox", [277, 278, 279, 280],
  ["fox:red,young,little,wild,gray", "arctic fox:white,little"],
  n=16, nums=NUMS_ANIMAL, acts=[
      "walking through the snow",
      "sitting in a grassy meadow",
      "sleeping curled up in the grass",
      "1:jumping into the snow",
      "hiding in the tall grass",
      "trotting across a field",
      "1:looking at the camera from the bushes",
      "standing on a fallen log",
  ])

G("hyena", [276],
  ["hyena:spotted,young"],
  n=12, nums=NUMS_ANIMAL, acts=[
      "walking across the savanna",
      "standing in the dry grass",
      "lying in the dirt",
      "1:carrying a bone in its mouth",
      "2:resting together near a watering hole",
      "sniffing the ground",
  ])

kind("farm", nums=NUMS_HERD, acts=[
    "standing in a grassy field",
    "standing next to a wooden fence",
    "walking down a country road",
    "standing in a muddy field",
])

G("cow", [345],
  ["cow:brown,black and white,black,spotted,dairy,white",
   "bull:large,black,brown", "calf:young,little,brown",
   "ox:large,white"],
  kind="farm", n=28, acts=[
      "grazing in a green pasture",
      "lying in the grass",
      "2:grazing on a hillside",
      "eating hay in a barn",
      "drinking from a water trough",
      "standing on a sandy beach",
      "standing in the middle of the road",
      "1:looking over a barbed wire fence",
      "2:lying together in a field",
  ], tpl=[
      "A farmer leading {np1} into the barn",
      "A farmer herding {nps} along a dirt road",
      "A herd of {NS} grazing on a mountain slope",
  ])

G("sheep", [348],
  ["sheep/sheep:white,woolly,black,fluffy,young",
   "lamb:little,young,white", "ram:large,old"],
  kind="farm", n=26, nums=NUMS_FLOCK, acts=[
      "grazing in a green field",
      "standing on a grassy hillside",
      "lying in the grass",
      "2:huddled together in a pen",
      "standing next to a stone wall",
      "eating hay from a feeder",
  ], tpl=[
      "A farmer herding {nps} down a road",
      "A dog herding {nps} across a field",
      "A man shearing the wool off {np1}",
      "A little girl feeding a lamb from a bottle",
  ])

G("mountain goat", [349, 350],
  ["mountain goat:white,young", "ibex:wild,young",
   "bighorn sheep/bighorn sheep:young,large"],
  n=14, nums=NUMS_HERD, acts=[
      "standing on a rocky cliff",
      "climbing a steep mountain slope",
      "grazing on a rocky hillside",
      "1:standing on a ledge above a valley",
      "2:butting heads on the rocks",
  ])

G("horse", [339],
  ["horse:brown,white,black,chestnut,spotted,young,beautiful",
   "pony:little,brown,white,shaggy"],
  kind="farm", n=34, acts=[
      "grazing in a green pasture",
      "galloping across a field",
      "standing in a stable",
      "2:running together in a field",
      "eating hay in a barn",
      "walking along a sandy beach",
      "1:rolling in the dirt",
      "1:sticking its head over a stall door",
  ], tpl=[
      "A woman riding {np1} across a field",
      "A man riding {np1} down a dirt road",
      "A young girl brushing her {n} in the barn",
      "A cowboy riding {np1} in a rodeo",
      "A police officer riding {np1} down a city street",
      "A little girl feeding an apple to {np1}",
      "A jockey riding {np1} around a race track",
      "A man leading {np1} by a rope",
      "A woman jumping over a fence on {np1}",
  ])

G("pig", [341],
  ["pig:pink,little,fat,muddy,spotted,large", "piglet:little,pink"],
  kind="farm", n=16, acts=[
      "rolling in the mud",
      "eating from a trough",
      "sleeping in the hay",
      "standing in a muddy pen",
      "2:lying together in the straw",
      "sniffing the ground in a field",
  ])

G("wild boar", [342, 343],
  ["wild boar:large,young", "boar:wild,large", "warthog:large,young"],
  n=12, nums=NUMS_ANIMAL, acts=[
      "digging in the mud",
      "walking through the forest",
      "standing in the dry grass",
      "eating grass in a clearing",
      "2:drinking at a watering hole",
  ])

G("chicken", [7, 8],
  ["chicken:white,brown,black,red", "hen:brown,red,white,speckled",
   "rooster:colorful,proud,red,large"],
  kind="farm", nums=NUMS_FLOCK, n=20, acts=[
      "pecking at the ground in a farm yard",
      "walking around a chicken coop",
      "standing on a wooden fence",
      "eating corn in a yard",
      "sitting on a nest of straw",
      "2:scratching in the dirt",
      "roaming free in a backyard",
  ], tpl=[
      "A woman feeding {nps} in her backyard",
      "A little boy chasing {np1} around the yard",
  ])

G("ostrich", [9],
  ["ostrich:large,tall,young"],
  n=12, nums=NUMS_FLOCK, acts=[
      "running across the savanna",
      "standing in a dry field",
      "walking behind a fence at a farm",
      "1:looking at the camera with its big eyes",
      "2:walking together in the grass",
  ])

# ---- birds -------------------------------------------------------------

kind("perch", nums=NUMS_FLOCK, acts=[
    "perched on a tree branch",
    "sitting on a wooden fence",
    "standing on the ground",
    "sitting on a branch with green leaves",
    "perched on a branch covered in snow",
    "perched on a wooden post",
    "sitting on a branch in the rain",
    "1:spreading its wings on a branch",
    "2:sitting together on a branch",
])

G("small bird", [10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 91, 92, 95],
  ["bird:small,little,tiny,yellow,brown,blue,colorful,red",
   "finch:yellow,little,small", "robin:little,plump",
   "songbird:little,small,tiny", "chickadee:little,tiny"],
  kind="perch", n=32, acts=[
      "perched on a bird feeder",
      "sitting on a power line",
      "1:eating seeds from a bird feeder",
      "drinking from a bird bath",
      "bathing in a bird bath",
      "singing on a tree branch",
      "1:holding a worm in its beak",
      "hopping across the grass",
      "sitting on a window sill",
      "perched on a rose bush",
      "flying over a grassy field",
      "sitting on the edge of a roof",
  ], tpl=[
      "A person holding {np1} in their hand",
      "A close up of {np1} on a branch",
      "A woman feeding {ns} in a park",
  ])

G("hummingbird", [94],
  ["hummingbird:tiny,little,green,small"],
  n=14, nums=NUMS_FLOCK, acts=[
      "hovering next to a red flower",
      "drinking from a bird feeder",
      "flying near a pink flower",
      "1:sipping nectar from a flower",
      "perched on a thin branch",
      "1:hovering in midair with its wings blurred",
      "1:sitting in a tiny nest",
  ])

G("parrot", [87, 88, 89, 90],
  ["parrot:green,colorful,red,large,gray",
   "macaw:red,blue and yellow,colorful,scarlet",
   "cockatoo:white,large"],
  kind="perch", n=22, acts=[
      "sitting on a wooden perch",
      "sitting in a cage",
      "1:eating a piece of fruit",
      "1:sitting on a man's shoulder",
      "flying over the rainforest",
      "hanging upside down from a branch",
      "1:cracking a nut with its beak",
  ], tpl=[
      "A woman with {np1} on her shoulder",
      "A man holding {np1} on his arm",
  ])

G("toucan", [93, 96],
  ["toucan:colorful,black", "hornbill:large,black and white"],
  n=13, nums=NUMS_FLOCK, acts=[
      "perched on a tree branch",
      "sitting on a branch in the jungle",
      "1:eating a piece of fruit",
      "1:showing off its colorful beak",
      "sitting in a cage at the zoo",
      "2:sitting together on a branch",
      "flying through the trees",
  ])

G("owl", [24],
  ["owl:gray,brown,white,large,fluffy,sleepy", "owlet:little,fluffy"],
  n=18, nums=NUMS_FLOCK, acts=[
      "perched on a tree branch",
      "sitting on a wooden post",
      "sitting in a hollow tree",
      "1:looking at the camera with big yellow eyes",
      "flying over a snowy field",
      "1:turning its head",
      "perched on a fence at night",
      "2:sitting together on a branch",
      "1:sitting on a falconer's glove",
  ])

G("bird of prey", [21, 22, 23],
  ["eagle:bald,large,golden", "hawk:red tailed,large,young",
   "vulture:large,black", "bald eagle:large,majestic,young"],
  n=20, nums=NUMS_FLOCK, acts=[
      "perched on a tree branch",
      "soaring over the mountains",
      "flying over a lake",
      "sitting on top of a dead tree",
      "1:catching a fish in its talons",
      "1:spreading its wings wide",
      "perched on a rocky cliff",
      "circling high in the blue sky",
      "2:sitting together on a branch",
      "1:landing on a falconer's glove",
  ])

G("game bird", [80, 81, 82, 83, 85, 86],
  ["quail:little,brown", "grouse:brown,wild,black", "partridge:gray,brown"],
  n=13, nums=NUMS_FLOCK, acts=[
      "walking through the tall grass",
      "standing in a snowy field",
      "hiding among the dry leaves",
      "running across a dirt road",
      "2:walking together in a field",
      "sitting on a fallen log",
      "pecking at seeds on the ground",
  ])

G("peacock", [84],
  ["peacock:colorful,male,blue,proud"],
  n=14, nums=NUMS_FLOCK, acts=[
      "1:spreading its tail feathers",
      "walking across the lawn",
      "standing on a stone wall",
      "1:showing off its colorful feathers",
      "perched on a tree branch",
      "walking through a garden",
      "2:strolling through a park",
  ])

kind("water", nums=NUMS_FLOCK, acts=[
    "swimming in a pond",
    "floating on a calm lake",
    "standing on the shore of a lake",
    "2:swimming together in a river",
    "resting on a log in the water",
])

G("duck", [97, 98, 136, 137],
  ["duck:brown,white,wild,little,black", "mallard:male,female",
   "duckling:little,yellow,fluffy"],
  kind="water", n=22, acts=[
      "walking across a grassy field",
      "diving for food in the water",
      "1:flapping its wings in the water",
      "waddling along a path in the park",
      "sleeping on the grass by a pond",
  ], tpl=[
      "A little boy feeding bread to the {NS} at the pond",
      "A family of {NS} crossing the road",
      "A mother duck leading her ducklings across a pond",
  ])

G("goose", [99],
  ["goose:gray,white,Canada,wild"],
  kind="water", n=16, acts=[
      "flying over a lake",
      "grazing on the grass in a park",
      "2:flying in a V formation",
      "walking across a parking lot",
      "1:hissing at a person in the park",
  ])

G("swan", [100],
  ["swan:black,graceful"],
  kind="water", n=13, acts=[
      "gliding across a pond",
      "1:preening its feathers",
      "2:swimming side by side on a river",
      "resting on the grassy bank of a river",
      "1:spreading its wings on the water",
  ])

G("heron", [127, 128, 129, 131, 132, 133, 134, 135],
  ["heron:gray,blue,tall,great blue", "egret:white,great",
   "stork:white,black,tall", "spoonbill:pink"],
  n=20, nums=NUMS_FLOCK, acts=[
      "standing in shallow water",
      "wading through a marsh",
      "1:catching a fish in its beak",
      "flying low over a river",
      "standing on one leg in a pond",
      "perched on a dead tree by the water",
      "walking along the muddy shore",
      "2:standing together in a wetland",
  ], tpl=["A white stork building a nest on a rooftop"])

G("flamingo", [130],
  ["flamingo:pink,bright pink,tall"],
  n=14, nums=NUMS_FLOCK, acts=[
      "standing on one leg in the water",
      "wading through a shallow lake",
      "2:standing together in a lake",
      "1:preening its pink feathers",
      "feeding in the shallow water",
      "flying over a lagoon",
      "walking along the shore",
  ])

G("shorebird", [139, 140, 141, 142, 143],
  ["sandpiper:little,small", "shorebird:small,little",
   "oystercatcher:black and white"],
  n=12, nums=NUMS_FLOCK, acts=[
      "running along the wet sand",
      "walking along the beach",
      "searching for food in the mud",
      "standing at the edge of the water",
      "2:feeding together on a mud flat",
      "flying low over the waves",
  ])

G("pelican", [144],
  ["pelican:brown,white,large"],
  n=14, nums=NUMS_FLOCK, acts=[
      "sitting on a wooden post",
      "flying low over the ocean",
      "floating on the water near a pier",
      "standing on a dock",
      "1:diving into the sea for a fish",
      "2:resting together on a sandbar",
      "1:opening its large beak",
  ])

G("penguin", [145],
  ["penguin:king,little,young,emperor"],
  n=16, nums=NUMS_FLOCK, acts=[
      "standing on the ice",
      "walking across the snow",
      "2:standing together on a rocky beach",
      "swimming in the cold water",
      "1:sliding on its belly across the ice",
      "standing on a rock at the zoo",
      "waddling along the shore",
      "2:huddled together in the snow",
  ])

G("albatross", [146],
  ["albatross:large,white", "seabird:large,white"],
  n=12, nums=NUMS_FLOCK, acts=[
      "flying over the ocean",
      "gliding above the waves",
      "sitting on a nest on a cliff",
      "2:standing together on a grassy cliff",
      "resting on the water",
      "1:spreading its long wings",
  ])

# ---- reptiles and amphibians ------------------------------------------

G("frog", [30, 31, 32],
  ["frog:green,small,little,brown", "tree frog:green,little,red eyed",
   "bullfrog:large,green", "toad:brown,fat"],
  n=16, nums=NUMS_ANIMAL, acts=[
      "sitting on a lily pad",
      "sitting on a rock by the pond",
      "1:clinging to a green leaf",
      "hiding in the wet grass",
      "swimming in a pond",
      "sitting on the edge of a fountain",
      "1:jumping into the water",
      "resting on a branch in the rain",
  ])

G("salamander", [25, 26, 27, 28, 29],
  ["salamander:spotted,black and yellow,orange",
   "newt:little,orange,small"],
  n=12, nums=NUMS_ANIMAL, acts=[
      "crawling on a mossy rock",
      "resting on a bed of wet leaves",
      "walking across a forest floor",
      "hiding under a log",
      "sitting on a wet stone in a stream",
      "crawling through the grass",
  ])

G("sea turtle", [33, 34],
  ["sea turtle:large,green,young,baby"],
  n=14, nums=NUMS_ANIMAL, acts=[
      "swimming in the clear blue ocean",
      "swimming over a coral reef",
      "crawling across the sand",
      "resting on the ocean floor",
      "1:coming up for air",
      "swimming near the surface of the water",
      "2:crawling toward the ocean",
  ], tpl=["A scuba diver swimming next to {np1}"])

G("turtle", [35, 36, 37],
  ["turtle:little,small,box,painted", "tortoise:old,large,small"],
  n=16, nums=NUMS_ANIMAL, acts=[
      "sitting on a log in a pond",
      "crawling across the grass",
      "1:poking its head out of its shell",
      "sunbathing on a rock",
      "2:resting on a log in the sun",
      "walking across a dirt path",
      "1:eating a piece of lettuce",
      "swimming in a small pond",
  ])

G("lizard", [38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48],
  ["lizard:green,small,little,brown", "gecko:little,spotted",
   "iguana:green,large", "chameleon:green,colorful",
   "Komodo dragon:large,huge"],
  n=20, nums=NUMS_ANIMAL, acts=[
      "sitting on a rock in the sun",
      "climbing up a tree trunk",
      "sunbathing on a wooden log",
      "1:crawling across the sand",
      "resting on a branch",
      "hiding among the leaves",
      "1:sticking out its tongue",
      "sitting on a stone wall",
  ])

G("crocodile", [49, 50],
  ["crocodile:large,huge,young", "alligator:large,young"],
  n=14, nums=NUMS_ANIMAL, acts=[
      "lying on the bank of a river",
      "swimming in a muddy river",
      "1:opening its mouth wide",
      "resting in the sun near the water",
      "floating in the green water",
      "2:lying together on a sandy bank",
  ])

G("dinosaur", [51],
  ["dinosaur:large,huge,toy,plastic", "triceratops:large,giant"],
  n=12, plural=0.1, acts=[
      "on display in a museum",
      "standing in a park",
  ], tpl=[
      "A model of {np1} in a museum",
      "A dinosaur skeleton on display in a museum",
      "A large statue of {np1} in a park",
      "A child playing with a toy {N} on the floor",
      "A life size {N} model standing in the forest",
      "Kids looking up at a giant {N} statue",
  ])

G("snake", list(range(52, 69)),
  ["snake:green,black,long,large,brown", "python:large,huge",
   "cobra:large", "rattlesnake:large"],
  n=18, nums=NUMS_ANIMAL, acts=[
      "coiled up on a rock",
      "slithering through the grass",
      "hanging from a tree branch",
      "crawling across a dirt road",
      "1:sticking out its tongue",
      "lying in the sun on a log",
      "hiding among the leaves",
      "1:wrapped around a tree branch",
  ], tpl=[
      "A man holding {np1} around his neck",
      "A zoo keeper holding {np1} in his hands",
  ])

# ---- fish and sea life ---------------------------------------------------

G("fish", [0, 389, 391, 394, 395],
  ["fish:large,big,silver,fresh", "salmon:large,fresh",
   "sturgeon:huge,large"],
  n=18, nums=NUMS_ANIMAL, acts=[
      "lying on the grass next to a fishing rod",
      "swimming in a clear stream",
      "1:jumping out of the river",
      "lying on a bed of ice at the fish market",
  ], tpl=[
      "A man holding up {np1} he just caught",
      "A fisherman holding a large {N} on a boat",
      "A boy proudly holding {np1} by the lake",
      "A woman holding a large {N} on a dock",
      "A man cleaning {np1} on a wooden table",
      "A fisherman pulling {np1} out of the water",
      "Two men holding a huge {N} on a river bank",
  ])

G("goldfish", [1],
  ["goldfish:orange,little,small,fancy"],
  n=12, nums=NUMS_ANIMAL, acts=[
      "swimming in a glass bowl",
      "swimming in a small aquarium",
      "swimming in a garden pond",
      "2:swimming together in a fish tank",
      "1:swimming near some green plants",
  ], tpl=["A little girl looking at her {n} in a bowl"])

G("tropical fish", [392, 393, 396, 397],
  ["fish!:tropical,colorful,striped,bright yellow",
   "clownfish:orange,little", "lionfish:striped,large",
   "pufferfish:spotted,little"],
  n=14, nums=NUMS_ANIMAL, acts=[
      "swimming over a coral reef",
      "swimming in a large aquarium",
      "hiding among the coral",
      "swimming in clear blue water",
      "2:swimming together near a reef",
  ])

G("shark", [2, 3, 4],
  ["shark:large,great white,gray,huge", "hammerhead shark:large"],
  n=16, nums=NUMS_ANIMAL, acts=[
      "swimming in the deep blue ocean",
      "swimming near the surface of the water",
      "swimming through an aquarium tank",
      "1:showing its sharp teeth",
      "circling near a boat",
      "swimming over a coral reef",
      "2:swimming together near the ocean floor",
  ], tpl=[
      "A diver swimming next to {np1}",
      "People watching {np1} swim through a large aquarium tank",
  ])

G("stingray", [5, 6],
  ["stingray:large,spotted", "ray:spotted,large"],
  n=12, nums=NUMS_ANIMAL, acts=[
      "gliding over the sandy ocean floor",
      "swimming in an aquarium tank",
      "resting on the sand",
      "swimming in shallow water near the beach",
      "1:flapping its wide fins",
  ])

G("jellyfish", [107],
  ["jellyfish:pink,glowing,large,white,orange"],
  n=12, nums=NUMS_ANIMAL, acts=[
      "floating in the dark blue water",
      "swimming in an aquarium tank",
      "drifting near the surface of the ocean",
      "glowing in a dark aquarium",
      "washed up on a sandy beach",
      "2:floating together in the sea",
  ])

G("coral reef", [108, 109, 973],
  ["coral reef:colorful,beautiful,shallow",
   "coral/-:colorful,pink,bright",
   "sea anemone:purple,pink,green"],
  n=14, plural=0.0, acts=[
      "surrounded by small tropical fish",
      "under the clear blue water",
      "growing on the ocean floor",
      "in the shallow water of a lagoon",
      "seen from a glass bottom boat",
  ], tpl=[
      "A diver swimming over {np1}",
      "A purple sea anemone swaying in the ocean current",
      "A clownfish hiding in a pink sea anemone",
  ])

G("starfish", [327],
  ["starfish:orange,red,purple,small,large"],
  n=12, nums=NUMS_ANIMAL, acts=[
      "lying on the wet sand",
      "resting on a rock in a tide pool",
      "on the bottom of the ocean",
      "clinging to a rock under the water",
      "washed up on the beach",
      "1:held in a child's hand",
  ])

G("seashell", [112, 117],
  ["seashell:large,pink,white", "shell:spiral,pink,large",
   "conch:pink,large", "nautilus shell:spiral"],
  n=12, nums=NUMS_ITEMS, acts=[
      "lying on the sand",
      "sitting on a wooden table",
      "washed up on the beach",
      "resting on a bed of sand",
      "on display in a glass case",
  ], tpl=[
      "A child holding {np1} up to her ear",
      "A collection of {ns} on a shelf",
  ])

G("crab", [118, 119, 120, 121, 125],
  ["crab:red,orange,small,large", "hermit crab:little"],
  n=14, nums=NUMS_ANIMAL, acts=[
      "crawling across the sand",
      "sitting on a rock by the sea",
      "hiding in a tide pool",
      "1:raising its claws",
      "walking along the beach",
      "2:crawling over the rocks",
  ], tpl=["A pile of red {NS} on a table at a seafood market"])

G("lobster", [122, 123, 124],
  ["lobster:red,large,live", "crayfish:red,little"],
  n=12, nums=NUMS_ANIMAL, acts=[
      "crawling on the ocean floor",
      "sitting in a tank at a restaurant",
      "1:raising its claws",
      "on a plate with melted butter",
      "2:crawling in a fish market tank",
  ])

# ---- insects, spiders, snails ------------------------------------------

G("spider", [70, 72, 73, 74, 75, 76, 77],
  ["spider:large,black,hairy,small,yellow and black",
   "tarantula:hairy,large,brown"],
  n=13, nums=NUMS_ANIMAL, acts=[
      "crawling across a wooden floor",
      "crawling on a green leaf",
      "sitting on a white wall",
  ], tpl=[
      "A small spider sitting in the middle of its web",
      "A black spider waiting for prey in its web",
      "A garden spider hanging from a thin thread",
      "A yellow and black spider in a web in the garden",
  ])

G("spider web", [815],
  ["spider web:large,delicate", "cobweb:dusty,old"],
  n=12, nums=["two", "several"], plural=0.1, acts=[
      "covered in morning dew",
      "stretched between two branches",
      "glistening in the sunlight",
      "hanging in the corner of a window",
      "on a fence in the garden",
  ])

G("beetle", [300, 302, 303, 304, 305, 306, 307],
  ["beetle:black,green,shiny,large,little", "weevil:tiny,brown"],
  n=12, nums=NUMS_ANIMAL, acts=[
      "crawling on a green leaf",
      "sitting on a flower",
      "crawling across the ground",
      "climbing up a blade of grass",
      "walking on a tree trunk",
      "1:flying away from a leaf",
  ])

G("ladybug", [301],
  ["ladybug:red,little,tiny,spotted"],
  n=12, nums=NUMS_ANIMAL, acts=[
      "crawling on a green leaf",
      "sitting on a flower petal",
      "climbing up a blade of grass",
      "crawling on a person's finger",
      "resting on a daisy",
      "2:crawling on a plant stem",
  ])

G("fly", [308],
  ["fly:big,little,green,black", "housefly:little,black"],
  n=12, nums=NUMS_ANIMAL, acts=[
      "sitting on a green leaf",
      "resting on a window",
      "sitting on a white flower",
      "landing on a piece of fruit",
      "1:rubbing its legs together",
      "crawling on a wooden table",
      "perched on a blade of grass",
  ])

G("bee", [309, 410, 599],
  ["bee:little,busy,fuzzy", "honeybee:busy,little",
   "bumblebee:fuzzy,big"],
  n=18, nums=NUMS_ANIMAL,
  nouns=["beehive", "beehives", "hive", "honeycomb", "beekeeper"], acts=[
      "collecting pollen from a yellow flower",
      "sitting on a purple flower",
      "flying toward a flower",
      "crawling on a honeycomb",
      "landing on a sunflower",
      "2:buzzing around a flower bed",
  ], tpl=[
      "A beekeeper holding a frame covered with {ns}",
      "A close up of a honeycomb filled with honey",
      "Rows of wooden beehives in a green field",
      "A beekeeper checking a beehive in the garden",
      "A honeycomb dripping with golden honey",
      "A white beehive at the edge of an orchard",
  ])

G("ant", [310],
  ["ant:black,red,little,tiny"],
  n=12, nums=NUMS_ANIMAL, acts=[
      "carrying a leaf",
      "crawling on a green leaf",
      "walking along a tree branch",
      "2:marching in a line across the ground",
      "1:carrying a crumb of food",
      "crawling on a flower",
  ])

G("grasshopper", [311, 312],
  ["grasshopper:green,brown,large", "cricket:brown,black"],
  n=12, nums=NUMS_ANIMAL, acts=[
      "sitting on a blade of grass",
      "resting on a green leaf",
      "perched on a stem of wheat",
      "crawling on a flower",
      "hiding in the tall grass",
      "1:jumping through a field",
  ])

G("mantis", [315],
  ["praying mantis:green,large", "mantis:green,brown"],
  n=12, nums=NUMS_ANIMAL, acts=[
      "sitting on a green leaf",
      "perched on a flower",
      "climbing up a plant stem",
      "1:holding up its front legs",
      "resting on a tree branch",
      "1:waiting for prey on a flower",
  ])

G("dragonfly", [319, 320],
  ["dragonfly:blue,red,green", "damselfly:blue,thin"],
  n=12, nums=NUMS_ANIMAL, acts=[
      "resting on a blade of grass",
      "perched on a twig by the pond",
      "flying over the water",
      "sitting on a green leaf",
      "1:resting on the tip of a reed",
      "hovering over a lily pad",
  ])

G("butterfly", [321, 322, 323, 324, 325, 326],
  ["butterfly:orange,white,yellow,blue,colorful,monarch,beautiful"],
  n=20, nums=NUMS_ANIMAL, acts=[
      "sitting on a purple flower",
      "resting on a green leaf",
      "flying over a field of flowers",
      "drinking nectar from a flower",
      "1:spreading its wings in the sun",
      "landing on a person's hand",
      "perched on a daisy",
      "2:flying together over a garden",
      "resting on a yellow flower in a garden",
  ])

G("snail", [113, 114],
  ["snail:little,small,garden", "slug:large,slimy,garden"],
  n=12, nums=NUMS_ANIMAL, acts=[
      "crawling on a green leaf",
      "crawling along a wet rock",
      "climbing up a flower stem",
      "crawling across a garden path",
      "sitting on a wet log after the rain",
  ])


# ==========================================================================
# Vehicles
# ==========================================================================

kind("road", nums=NUMS_VEH, acts=[
    "parked on the side of a street",
    "driving down a city street",
    "parked in front of a brick building",
    "stopped at a red traffic light",
    "driving along a country road",
    "parked in a parking lot",
    "driving on a busy highway",
    "parked next to a tree on a quiet street",
    "1:waiting at an intersection",
    "2:parked next to each other on the street",
    "covered in snow in a parking lot",
    "parked outside a house",
])

G("car", [436, 475, 479, 581],
  ["car:red,blue,white,black,silver,small,old,yellow,green",
   "car:red,blue,white,black,silver,small,old,yellow,green",
   "car:red,blue,white,black,silver,small,old,yellow,green",
   "station wagon:old,blue,white,brown"],
  kind="road", n=28, nums=["two", "three", "a row of", "several",
                            "a line of"], acts=[
      "1:with its hood open in a garage",
      "1:being washed in a driveway",
      "driving through a rainy street",
      "stuck in heavy traffic",
  ], tpl=[
      "A man washing his {n} in the driveway",
      "A woman getting into her {n} on a city street",
      "A close up of the front wheel of {np1}",
      "A side mirror of {np1} reflecting the street",
      "A family loading bags into the back of their {n}",
      "A close up of the front grille of {np1}",
      "A dog looking out the window of {np1}",
  ])

G("sports car", [511, 751, 817],
  ["sports car:red,yellow,black,shiny,silver,blue",
   "convertible:red,white,vintage,blue"],
  n=18, nums=NUMS_VEH, nouns=["race car", "race cars"], acts=[
      "speeding down a race track",
      "parked on a city street",
      "driving along a coastal road",
      "on display at a car show",
  ], tpl=[
      "A man leaning against his {n}",
      "People admiring {np1} at a car show",
      "A driver in a helmet sitting in a race car",
      "A red convertible with its top down on a sunny day",
      "A race car speeding around a track",
      "Two race cars battling for the lead on a track",
      "A driver climbing out of his race car",
      "A line of race cars at the starting line",
  ])

G("taxi", [468],
  ["taxi:yellow,white,black", "taxi cab:yellow", "cab:yellow,black"],
  kind="road", n=16, acts=[
      "picking up a passenger on a street corner",
      "waiting outside a hotel",
      "2:lined up outside a train station",
  ], tpl=[
      "A woman hailing {np1} on a busy street",
      "A man stepping out of {np1} in the rain",
  ])

G("limousine", [627],
  ["limousine:white,black,long,stretch", "limo:white,black,long"],
  n=12, nums=NUMS_VEH, acts=[
      "parked outside a hotel",
      "parked in front of a church",
      "driving down a city street",
      "waiting outside a wedding reception",
  ], tpl=[
      "A bride stepping out of {np1}",
      "A driver holding open the door of {np1}",
  ])

G("jeep", [609],
  ["jeep:green,old,red,black,muddy"],
  n=14, nums=NUMS_VEH, acts=[
      "driving along a muddy trail",
      "parked on a dirt road",
      "crossing a shallow stream",
      "driving through the desert",
      "1:covered in mud after a drive",
      "driving through a forest",
  ], tpl=["A group of tourists riding in {np1} on a safari"])

G("vintage car", [661],
  ["vintage car:black,old,shiny,red", "antique car:black,restored",
   "old car:classic,black,rusty"],
  n=14, nums=NUMS_VEH, acts=[
      "parked on a cobblestone street",
      "on display at a car show",
      "driving down a country road",
      "parked in front of an old farmhouse",
      "1:with shiny chrome wheels",
  ], tpl=[
      "A man in a hat driving {np1}",
      "People looking at {nps} at an outdoor show",
  ])

G("van", [654, 656],
  ["van:white,blue,old,small,red", "minivan:silver,white,blue",
   "minibus:white,small,yellow"],
  kind="road", n=16, tpl=[
      "A family loading luggage into their {n}",
      "A man unloading boxes from {np1}",
  ])

G("camper", [660, 757],
  ["camper:white,old,big", "RV:large,white", "motor home:large,white",
   "mobile home:old,white,small"],
  n=14, nums=NUMS_VEH, acts=[
      "parked at a campsite in the woods",
      "driving down a mountain road",
      "parked by a lake",
      "parked in a grassy field",
      "2:parked in a row at a campground",
  ], tpl=["A family sitting outside their {n} at a campground"])

G("ambulance", [407],
  ["ambulance:white,red and white,yellow"],
  kind="road", n=14, acts=[
      "parked outside a hospital",
      "driving down a street with its lights on",
      "parked at the scene of an accident",
      "speeding through traffic",
  ], tpl=["Paramedics loading a patient into {np1}"])

G("fire truck", [555],
  ["fire truck:red,large,old,big", "fire engine:red,old,shiny"],
  n=16, nums=NUMS_VEH, acts=[
      "parked in front of a fire station",
      "racing down a city street",
      "parked outside a burning building",
      "1:with its ladder extended",
      "parked at the scene of a fire",
      "2:lined up outside the station",
  ], tpl=[
      "Firefighters standing next to {np1}",
      "A little boy sitting in the driver seat of {np1}",
      "Children climbing on {np1} at a fair",
  ])

G("police van", [734],
  ["police van:white,black,blue", "police car:white,black and white"],
  kind="road", n=14, acts=[
      "parked at the scene of an accident",
      "1:with its lights flashing",
      "blocking a city street",
  ], tpl=["Police officers standing next to {np1}"])

G("truck", [569, 675, 864, 867],
  ["truck:large,big,red,white,old,blue", "semi truck:large,white,red",
   "moving truck:large,white,yellow"],
  kind="road", n=22, acts=[
      "parked at a loading dock",
      "carrying a load of logs",
  ], tpl=[
      "A garbage truck picking up trash on a residential street",
      "A tow truck pulling a broken car down the road",
      "A yellow tow truck parked next to a wrecked car",
      "A green garbage truck parked on the side of the road",
      "Two men loading furniture into a moving truck",
      "A long line of trucks on a highway at dusk",
  ])

G("pickup truck", [717],
  ["pickup truck:red,white,old,blue,black,rusty", "pickup:old,red,white"],
  kind="road", n=16, acts=[
      "loaded with firewood",
      "parked in front of a barn",
      "driving down a dirt road",
      "1:with a dog in the back",
  ])

G("bus", [874],
  ["bus:city,red,blue,white,large,double decker,yellow",
   "trolley bus:electric,red,blue"],
  n=26, nums=NUMS_VEH, acts=[
      "driving down a city street",
      "parked at a bus stop",
      "pulling into a bus station",
      "driving through an intersection",
      "1:making a turn at an intersection",
      "2:parked next to each other at a depot",
      "stopped in traffic on a rainy day",
      "driving past tall buildings",
      "full of passengers on a busy street",
  ], tpl=[
      "People getting on {np1} at a bus stop",
      "A man waiting for the {N} at a bus stop",
      "A woman sitting by the window on {np1}",
  ])

G("school bus", [779],
  ["school bus:yellow,old,big"],
  n=14, nums=NUMS_VEH, acts=[
      "parked in front of a school",
      "driving down a country road",
      "1:stopped with its stop sign out",
      "2:parked in a row in a lot",
      "picking up children on a street corner",
  ], tpl=["Children getting off {np1} in front of a school"])

G("tractor", [866],
  ["tractor:red,green,old,large,yellow,blue"],
  n=16, nums=NUMS_VEH, acts=[
      "plowing a field",
      "parked next to a barn",
      "driving down a dirt road",
      "1:pulling a trailer full of hay",
      "working in a muddy field",
      "parked in a field of wheat",
  ], tpl=[
      "A farmer driving {np1} across a field",
      "A little boy sitting on an old {N}",
  ])

G("farm machinery", [595, 730, 856],
  ["combine harvester:green,red,large", "harvester:green,large",
   "plow:old,rusty,wooden"],
  n=13, nums=NUMS_VEH, nouns=["combine", "thresher"], acts=[
      "working in a golden field",
      "parked next to a barn",
      "sitting in a muddy field",
  ], tpl=[
      "A combine harvester cutting wheat in a large field",
      "A green combine unloading grain into a truck",
      "A farmer plowing a field with an old plow",
      "A horse pulling a wooden plow through the dirt",
      "A harvester working in a golden field at sunset",
      "An old thresher on display at a farm show",
  ])

G("forklift", [561],
  ["forklift:yellow,orange,small,red"],
  n=12, nums=NUMS_VEH, acts=[
      "lifting a stack of boxes in a warehouse",
      "carrying a pallet across a warehouse",
      "parked at a loading dock",
      "moving crates in a storage yard",
      "1:driving between tall shelves",
  ], tpl=["A worker driving {np1} in a warehouse"])

G("crane", [517],
  ["crane:tall,large,yellow,red", "construction crane:tall,yellow"],
  n=12, nums=NUMS_VEH, acts=[
      "towering over a construction site",
      "lifting steel beams at a construction site",
      "standing next to a new building",
      "silhouetted against the sunset",
      "2:standing over a busy harbor",
      "lifting a container at the docks",
  ])

G("snowplow", [803],
  ["snowplow:large,orange,yellow,big"],
  n=12, nums=NUMS_VEH, acts=[
      "clearing snow from a road",
      "driving down a snowy street",
      "pushing snow off a highway",
      "parked in a lot covered with snow",
      "working during a snow storm",
  ])

G("snowmobile", [802],
  ["snowmobile:red,black,yellow,blue"],
  n=12, nums=NUMS_VEH, acts=[
      "parked in the snow",
      "racing across a frozen lake",
      "speeding through a snowy forest",
      "2:parked in front of a cabin",
  ], tpl=[
      "A man riding {np1} across a snowy field",
      "A family riding {nps} in the mountains",
  ])

G("golf cart", [575],
  ["golf cart:white,small,electric"],
  n=12, nums=NUMS_VEH, acts=[
      "parked on a golf course",
      "driving along a cart path",
      "parked next to a green",
      "2:parked outside a club house",
  ], tpl=[
      "Two men riding in {np1} on a golf course",
      "A golfer driving {np1} across the fairway",
  ])

G("go kart", [573],
  ["go kart:red,small,fast,blue"],
  n=12, nums=NUMS_VEH, acts=[
      "racing around a track",
      "speeding around a corner",
      "2:racing on an indoor track",
  ], tpl=[
      "A young boy driving {np1} on a track",
      "A man in a helmet racing {np1}",
  ])

G("motorcycle", [665, 670],
  ["motorcycle:red,black,old,shiny,vintage,blue",
   "scooter:red,small,blue,vintage,white", "moped:small,red,old",
   "motorbike:black,red,old"],
  n=34, nums=NUMS_VEH, acts=[
      "parked on the side of the street",
      "parked in front of a building",
      "2:parked in a row on a sidewalk",
      "parked next to a brick wall",
      "1:leaning on its kickstand",
      "parked outside a small cafe",
  ], tpl=[
      "A man riding {np1} down a city street",
      "A woman riding {np1} through traffic",
      "A man sitting on his {n} in a parking lot",
      "A couple riding {np1} along a country road",
      "A police officer on {np1} at an intersection",
      "A man in a helmet riding {np1} on a highway",
      "A young woman sitting on {np1} outside a cafe",
      "A man fixing his {n} in the garage",
      "A man doing a wheelie on {np1}",
      "Two people riding {np1} on a dirt road",
  ])

G("bicycle", [444, 671],
  ["bicycle:red,blue,old,black,yellow,white", "bike:red,old,blue,green",
   "mountain bike:muddy,red,black"],
  n=32, nums=NUMS_VEH, acts=[
      "parked next to a brick wall",
      "leaning against a tree",
      "locked to a metal railing",
      "parked on a sidewalk",
      "2:parked in a bike rack",
      "leaning against a wooden fence",
      "parked outside a coffee shop",
      "1:with a basket of flowers on the front",
  ], tpl=[
      "A man riding {np1} down a city street",
      "A woman riding {np1} along a path in the park",
      "A boy riding his {n} down a dirt road",
      "A man riding {np1} on a mountain trail",
      "Two people riding a tandem bicycle on a country road",
      "A cyclist riding {np1} in the rain",
      "A girl pushing her {n} up a steep hill",
      "A man carrying his {n} up a flight of stairs",
      "A group of people riding {ns} through the city",
  ])

G("tricycle", [870],
  ["tricycle:red,little,small,old"],
  n=12, nums=NUMS_VEH, acts=[
      "parked on the sidewalk",
      "sitting in the driveway",
      "left in front of a house",
  ], tpl=[
      "A toddler riding {np1} down the sidewalk",
      "A little girl pedaling her {n} in the park",
      "A child riding {np1} in the driveway",
      "An old man riding a large {N} with a basket",
  ])

G("unicycle", [880],
  ["unicycle:tall,red,black"],
  n=12, plural=0.0, tpl=[
      "A man riding {np1} down the street",
      "A performer juggling while riding {np1}",
      "A boy learning to ride {np1} in a parking lot",
      "A clown riding {np1} at the circus",
      "A girl balancing on {np1} in the park",
      "A young man riding {np1} on a mountain trail",
      "A street performer on a tall {N} in a plaza",
      "{np} leaning against a wall in a garage",
  ])

G("rickshaw", [612],
  ["rickshaw:red,wooden,old,colorful"],
  n=12, nums=NUMS_VEH, acts=[
      "parked on a busy street",
      "waiting for passengers at a street corner",
      "2:lined up along a street",
  ], tpl=[
      "A man pulling {np1} down a busy street",
      "Two tourists riding in {np1} through the city",
      "A driver pedaling {np1} through the market",
      "A woman sitting in {np1} on a narrow street",
  ])

G("horse cart", [603, 690],
  ["horse drawn carriage:white,old,black", "cart:wooden,old",
   "carriage:white,old,black", "ox cart:wooden,old"],
  n=14, nums=NUMS_VEH, acts=[
      "driving down a cobblestone street",
      "parked in a town square",
      "carrying tourists through the park",
      "traveling down a dirt road",
      "1:waiting by the side of the road",
  ], tpl=[
      "A wooden cart pulled by two oxen on a dirt road",
      "A white horse pulling a carriage through the city",
      "A farmer riding in a horse cart full of hay",
  ])

G("tank", [847],
  ["tank:army,military,old,green"],
  n=12, nums=NUMS_VEH, acts=[
      "driving across a muddy field",
      "parked in a museum",
      "on display in a park",
      "rolling down a dirt road",
      "2:parked at a military base",
  ], tpl=[
      "Soldiers standing next to {np1}",
      "Children climbing on an old {N} at a museum",
  ])

G("train", [547, 565, 705],
  ["train:passenger,freight,long,red,blue,yellow,commuter"],
  n=28, nums=["two", "a pair of", "several"], plural=0.15,
  nouns=["locomotive"], acts=[
      "traveling down the tracks",
      "pulling into a station",
      "stopped at a train platform",
      "crossing a bridge over a river",
      "passing through the countryside",
      "traveling through a snowy landscape",
      "going around a bend in the tracks",
      "2:parked side by side in a rail yard",
      "passing by a row of houses",
  ], tpl=[
      "People waiting on a platform as {np1} pulls in",
      "A man boarding {np1} at the station",
      "A freight train carrying cargo containers through a valley",
      "The inside of a passenger train with empty seats",
      "A woman looking out the window of {np1}",
      "An old electric locomotive pulling a line of cars",
      "A red locomotive parked in a rail yard",
  ])

G("steam train", [820],
  ["steam train:old,black,vintage", "steam locomotive:old,black",
   "steam engine:old,black,green"],
  n=14, nums=NUMS_VEH, plural=0.1, acts=[
      "puffing smoke down the tracks",
      "crossing an old stone bridge",
      "pulling into a small station",
      "on display at a museum",
      "traveling through the mountains",
      "1:blowing steam into the air",
  ])

G("bullet train", [466],
  ["bullet train:white,sleek,fast", "high speed train:white,modern"],
  n=12, nums=NUMS_VEH, plural=0.1, acts=[
      "speeding down the tracks",
      "pulling into a station",
      "passing through the countryside",
      "waiting at a platform",
      "racing past a city",
      "1:speeding past a mountain",
  ])

G("streetcar", [829],
  ["streetcar:red,old,green", "tram:yellow,red,modern,old",
   "trolley:old,red,green"],
  n=16, nums=NUMS_VEH, acts=[
      "traveling down a city street",
      "stopped at a tram stop",
      "going around a corner",
      "2:passing each other on a busy street",
      "crossing a bridge in the city",
      "moving past tall buildings",
  ], tpl=["People boarding {np1} on a rainy day"])

G("airplane", [404, 908],
  ["airplane:white,large,small,red,blue", "plane:large,white,small",
   "jet:large,white,jumbo", "airliner:large,white",
   "passenger jet:large,white"],
  n=32, nums=NUMS_VEH, nouns=["wing"], acts=[
      "flying through a blue sky",
      "taking off from a runway",
      "landing at an airport",
      "parked at an airport gate",
      "flying over the clouds",
      "taxiing on the runway",
      "2:parked on the tarmac",
      "flying low over a city",
      "1:with its landing gear down",
      "flying over the ocean at sunset",
  ], tpl=[
      "A view of the wing from a window seat above the clouds",
      "People boarding {np1} on the tarmac",
      "A view of the wing of {np1} above the clouds",
      "A small child looking out the window at {np1}",
  ])

G("fighter jet", [895],
  ["fighter jet:gray,military,fast", "military plane:gray,old",
   "warplane:old,gray"],
  n=13, nums=NUMS_VEH, acts=[
      "flying over the ocean",
      "taking off from a runway",
      "on display at an air show",
      "2:flying in formation",
      "parked on the tarmac",
      "flying low over the mountains",
  ], tpl=["A crowd watching {nps} at an air show"])

G("blimp", [405],
  ["blimp:large,white,silver", "airship:large,old"],
  n=12, nums=NUMS_VEH, plural=0.0, acts=[
      "floating over a stadium",
      "flying above the city",
      "drifting across a blue sky",
      "moored at an airfield",
      "flying over a crowded beach",
  ], tpl=["People watching {np1} float over the stadium"])

G("balloon", [417],
  ["hot air balloon:colorful,large,red,striped"],
  n=18, nums=["two", "three", "several", "a group of", "dozens of"],
  nouns=["balloon", "balloons"], acts=[
      "floating over the countryside",
      "rising above a green valley",
      "2:floating in the morning sky",
      "drifting over the mountains",
      "taking off from a field",
      "flying over a small town",
  ], tpl=[
      "A little girl holding a bunch of red balloons",
      "A bunch of colorful balloons tied to a chair at a party",
      "A man selling balloons in the park",
      "A child chasing a red balloon down the street",
      "A room decorated with pink and white balloons",
  ])

G("parachute", [701],
  ["parachute:colorful,red,orange", "paraglider:colorful,red"],
  n=12, nums=NUMS_VEH, acts=[
      "floating over a green valley",
      "drifting above the beach",
      "descending over a field",
      "flying over the mountains",
  ], tpl=[
      "A skydiver floating down under {np1}",
      "A person gliding over the mountains with {np1}",
      "A man landing with {np1} in a field",
  ])

G("rocket", [657, 744, 812],
  ["rocket:tall,white,large", "space shuttle:white",
   "missile:large,old"],
  n=14, nums=NUMS_VEH, plural=0.1, acts=[
      "launching into the sky",
      "standing on the launch pad",
      "on display at a museum",
      "lifting off in a cloud of smoke",
      "1:leaving a trail of smoke",
      "sitting on the launch pad at dawn",
  ], tpl=[
      "A crowd watching {np1} launch into the sky",
      "Kids looking at {np1} at a space museum",
  ])

kind("boat", nums=NUMS_VEH, acts=[
    "docked in a harbor",
    "anchored in a quiet bay",
])

G("sailboat", [484, 780, 871, 914],
  ["sailboat:white,small,red,blue", "yacht:white,large,luxury",
   "catamaran:white,large", "schooner:old,large"],
  kind="boat", n=22, acts=[
      "sailing across a calm blue sea",
      "docked at a marina",
      "2:tied up along a wooden dock",
      "sailing near the shore",
      "2:racing across the water",
      "sailing at sunset",
      "1:with white sails on a windy day",
  ], tpl=[
      "A man steering {np1} on the open sea",
      "A family sailing {np1} on a lake",
  ])

G("pirate ship", [724],
  ["pirate ship:old,wooden,large", "tall ship:old,large",
   "old ship!:wooden,sailing"],
  kind="boat", n=12, acts=[
      "sailing on the open sea",
      "1:with its sails raised",
      "anchored near a rocky shore",
      "sailing into the sunset",
  ], tpl=["Tourists standing on the deck of {np1}"])

G("canoe", [472, 693],
  ["canoe:red,green,wooden,yellow", "kayak:red,yellow,blue,orange"],
  n=18, nums=NUMS_VEH, nouns=["paddle"], acts=[
      "floating on a calm lake",
      "pulled up on the shore of a lake",
      "2:lined up on a sandy beach",
      "resting on a wooden dock",
      "gliding down a river",
  ], tpl=[
      "A man paddling {np1} across a lake",
      "Two people paddling {np1} down a river",
      "A woman sitting in {np1} on a quiet lake",
      "A family carrying {np1} to the water",
      "A boy holding a wooden paddle next to {np1}",
  ])

G("speedboat", [814],
  ["speedboat:white,red,fast", "motorboat:small,white",
   "boat:small,white,blue,red,fishing,wooden"],
  kind="boat", n=24, acts=[
      "speeding across the water",
      "2:tied up along a wooden dock",
      "1:pulling a water skier",
      "docked at a marina",
      "cruising on a lake",
      "racing across the bay",
      "anchored near a sandy beach",
      "floating on a calm lake at sunset",
  ], tpl=[
      "A man driving {np1} on a lake",
      "A family riding in {np1} on a sunny day",
  ])

G("gondola", [576],
  ["gondola:black,wooden"],
  n=12, nums=NUMS_VEH, acts=[
      "floating down a canal in Venice",
      "docked along a canal",
      "2:tied up along a canal",
  ], tpl=[
      "A gondolier rowing {np1} through a narrow canal",
      "A couple riding in {np1} under a bridge",
      "Tourists riding {np1} down a canal",
  ])

G("cruise ship", [628],
  ["cruise ship:large,white,huge,big", "ocean liner:large,old"],
  kind="boat", n=14, acts=[
      "docked at a port",
      "sailing on the open ocean",
      "leaving the harbor",
      "anchored off a tropical island",
      "sailing past a city skyline",
      "1:with passengers on its deck",
  ])

G("cargo ship", [510],
  ["cargo ship:large,huge", "container ship:large,huge"],
  kind="boat", n=12, acts=[
      "loaded with colorful containers",
      "sailing out of the harbor",
      "docked at a port",
      "sailing across the ocean",
      "passing under a bridge",
  ])

G("warship", [403, 833],
  ["aircraft carrier:large,huge,gray", "submarine:yellow,black,old"],
  n=12, nums=NUMS_VEH, plural=0.1, acts=[
      "docked at a naval base",
      "cruising through calm waters",
      "on the surface of the ocean",
      "1:surrounded by smaller ships",
  ], tpl=[
      "An aircraft carrier with jets parked on its deck",
      "A submarine surfacing in the ocean",
      "A submarine on display at a museum",
  ])

G("fireboat", [554, 625],
  ["fireboat:red", "lifeboat:orange,red,wooden"],
  n=12, nums=NUMS_VEH, acts=[
      "docked at a pier",
      "sailing through the harbor",
      "heading out to sea",
  ], tpl=[
      "A fireboat spraying water into the air",
      "A red fireboat shooting jets of water over the harbor",
      "An orange lifeboat hanging on the side of a ship",
      "A lifeboat racing through rough waves",
  ])


# ==========================================================================
# Buildings and places
# ==========================================================================

G("church", [406, 442, 497],
  ["church:old,white,stone,small,large,brick", "chapel:small,white,old",
   "cathedral:large,old,gothic"],
  n=20, plural=0.05, acts=[
      "with a tall steeple",
      "on top of a hill",
      "surrounded by tall trees",
      "in a small village",
      "under a blue sky",
      "covered in snow",
      "at the end of a quiet street",
      "next to an old graveyard",
  ], tpl=[
      "The inside of {np1} with rows of wooden pews",
      "The altar inside an old stone {N}",
      "A bride and groom leaving {np1}",
      "A bell tower on top of an old {N}",
      "People walking into {np1} on a Sunday morning",
  ])

G("castle", [483],
  ["castle:old,large,medieval,stone,ancient"],
  n=16, plural=0.0, acts=[
      "on top of a green hill",
      "surrounded by a moat",
      "overlooking a small town",
      "next to a river",
      "under a cloudy sky",
      "with tall stone towers",
      "surrounded by a lush garden",
      "lit up at night",
  ], tpl=[
      "Tourists walking up to {np1}",
      "A view of {np1} from across the lake",
  ])

G("palace", [698],
  ["palace:large,royal,grand,white"],
  n=12, plural=0.0, acts=[
      "with a large fountain in front",
      "surrounded by gardens",
      "lit up at night",
      "under a blue sky",
      "with golden gates",
  ], tpl=[
      "Tourists taking pictures in front of {np1}",
      "Guards standing in front of {np1}",
  ])

G("mosque", [538, 668],
  ["mosque:large,white,old,beautiful,grand"],
  n=12, plural=0.0, nouns=["dome"], acts=[
      "with tall minarets",
      "with a large blue dome",
      "at sunset",
      "lit up at night",
      "in the middle of a busy city",
  ], tpl=["People walking in the courtyard of {np1}"])

G("temple", [832, 663],
  ["stupa:white,golden,large,ancient",
   "temple:golden,old,ancient,Buddhist",
   "monastery:old,stone,ancient,remote"],
  n=14, plural=0.0, acts=[
      "surrounded by prayer flags",
      "on top of a hill",
      "under a blue sky",
      "on the side of a mountain",
      "surrounded by trees",
  ], tpl=[
      "Monks walking around {np1}",
      "People praying in front of {np1}",
  ])

G("greenhouse", [580],
  ["greenhouse:large,glass,small"],
  n=12, nums=NUMS_THINGS, plural=0.1, acts=[
      "full of green plants",
      "filled with rows of seedlings",
      "in a backyard garden",
      "full of tomato plants",
      "with flowers growing inside",
  ], tpl=[
      "A woman watering plants in {np1}",
      "A gardener working inside {np1}",
  ])

G("barn", [425],
  ["barn:red,old,wooden,large,white"],
  n=16, nums=NUMS_THINGS, plural=0.05, acts=[
      "in the middle of a green field",
      "surrounded by snow",
      "next to a tall silo",
      "on a farm at sunset",
      "with a rusty metal roof",
      "behind a wooden fence",
      "in the countryside",
  ], tpl=[
      "Cows standing in front of {np1}",
      "Bales of hay stacked next to {np1}",
  ])

G("boathouse", [449],
  ["boathouse:wooden,old,red,small"],
  n=12, plural=0.0, acts=[
      "on the edge of a lake",
      "next to a calm river",
      "with a small dock in front",
      "reflected in the still water",
      "surrounded by trees",
  ])

G("yurt", [915],
  ["yurt:white,traditional,round,large"],
  n=12, nums=NUMS_THINGS, acts=[
      "on a grassy plain",
      "in the mountains",
      "surrounded by snow",
      "2:standing in a green valley",
      "1:with smoke coming from the top",
  ], tpl=[
      "A family sitting outside {np1}",
      "Horses grazing near {np1}",
  ])

G("cottage", [853],
  ["cottage:thatched,old,small,stone,white"],
  n=12, nums=NUMS_THINGS, nouns=["thatched roof"], acts=[
      "with a thatched roof",
      "in a quiet village",
      "surrounded by a flower garden",
      "next to a country lane",
      "with a stone chimney",
  ])

G("roof", [858],
  ["tile roof:red,old,orange", "roof!:red tile,clay tile,tiled,sloped"],
  n=12, nums=NUMS_THINGS, nouns=["rooftop", "rooftops"], tpl=[
      "Red tile roofs of an old town under a blue sky",
      "A view of {ns} over an old city",
      "A bird perched on {np1}",
      "A man repairing {np1} on a sunny day",
      "A chimney on top of {np1}",
      "{NP} covered with green moss",
      "{NP} of a small house in the hills",
      "A cat sleeping on {np1} in the sun",
  ])

G("water tower", [900],
  ["water tower:tall,old,rusty,white"],
  n=12, plural=0.0, acts=[
      "standing over a small town",
      "next to a highway",
      "against a blue sky",
      "rising above the trees",
      "painted with the name of a town",
  ])

G("monument", [682, 873, 863, 649],
  ["arch:stone,large,old,triumphal", "obelisk:tall,stone,ancient",
   "totem pole:tall,carved,wooden,colorful"],
  n=14, plural=0.05, nouns=["monument", "standing stones"], acts=[
      "in the middle of a city square",
      "at the end of a wide avenue",
      "lit up at night",
      "under a cloudy sky",
      "surrounded by tourists",
  ], tpl=[
      "A circle of ancient standing stones in a green field",
      "A man carving a tall totem pole",
  ])

G("fountain", [562],
  ["fountain:large,stone,old,marble"],
  n=16, plural=0.0, acts=[
      "in the middle of a city square",
      "in a park surrounded by trees",
      "spraying water into the air",
      "lit up at night",
      "in front of a large building",
  ], tpl=[
      "Children playing in {np1} on a hot day",
      "A woman sitting on the edge of {np1}",
      "Tourists tossing coins into {np1}",
  ])

G("flag", [557],
  ["flag:large,red,colorful,national,American"],
  n=12, nums=NUMS_THINGS, nouns=["flagpole"], acts=[
      "waving in the wind",
      "flying against a blue sky",
      "on top of a building",
      "2:flying in front of a government building",
  ], tpl=["A soldier raising a flag on a tall flagpole"])

G("lighthouse", [437],
  ["lighthouse:white,red and white,tall,old,striped"],
  n=18, plural=0.0, acts=[
      "on a rocky shore",
      "standing on a cliff above the sea",
      "at sunset",
      "at the end of a long pier",
      "with waves crashing against the rocks",
      "under a cloudy sky",
      "shining its light at night",
      "on a small island",
  ])

G("bridge", [821, 839, 888],
  ["bridge:long,old,large,steel,stone",
   "suspension bridge:long,large", "viaduct:old,stone,tall"],
  n=22, plural=0.0, acts=[
      "spanning a wide river",
      "over a deep valley",
      "lit up at night",
      "in the fog",
      "at sunset",
      "crossing a river in the city",
      "with cars driving across",
  ], tpl=[
      "A train crossing {np1} over a river",
      "People walking across {np1} in the city",
      "A boat passing under {np1}",
  ])

G("pier", [460, 536, 718],
  ["pier:wooden,long,old", "dock:wooden,small,floating",
   "jetty:stone,long,wooden", "breakwater:stone,long"],
  n=18, plural=0.0, acts=[
      "stretching out into the ocean",
      "on a calm lake at sunset",
      "covered in seagulls",
      "at the edge of a harbor",
      "reflected in the still water",
  ], tpl=[
      "A man fishing off the end of {np1}",
      "People walking along {np1} at sunset",
      "A boat tied to {np1}",
      "Waves crashing against {np1} in a storm",
  ])

G("dam", [525],
  ["dam:large,concrete,huge,old"],
  n=12, plural=0.0, acts=[
      "holding back a large lake",
      "with water rushing down",
      "between two mountains",
      "spanning a river valley",
      "releasing water into the river",
  ])

G("library", [624],
  ["library:public,large,quiet,old"],
  n=14, plural=0.0, acts=[
      "with rows of tall bookshelves",
      "full of old books",
      "with long wooden tables",
  ], tpl=[
      "A woman reading a book in {np1}",
      "Students studying at a table in {np1}",
      "A man searching the shelves of {np1}",
      "People sitting at computers in {np1}",
      "The quiet reading room of {np1}",
  ])

G("bookshelf", [453],
  ["bookshelf:wooden,tall,large,white", "bookcase:wooden,tall,old"],
  n=14, nums=NUMS_THINGS, acts=[
      "full of books",
      "filled with old books and pictures",
      "in the corner of a living room",
      "next to a reading chair",
      "packed with colorful books",
      "2:lining the walls of a study",
  ], tpl=[
      "A woman taking a book from {np1}",
      "A cat sitting on top of {np1}",
  ])

kind("shop", nums=NUMS_THINGS, acts=[
    "on a busy street",
    "on a quiet street corner",
    "lit up at night",
])

G("bookstore", [454],
  ["bookstore:small,old,busy"],
  kind="shop", n=12, acts=[
      "with books stacked to the ceiling",
      "with a display window full of books",
  ], tpl=[
      "People browsing the shelves at {np1}",
      "A woman reading in the corner of {np1}",
      "A man paying for books at {np1}",
      "The front window of {np1} on a rainy day",
  ])

G("bakery", [415],
  ["bakery:small,local,busy,French"],
  kind="shop", n=14, acts=[
      "with fresh bread in the window",
      "with shelves of fresh bread",
      "with a glass case full of pastries",
  ], tpl=[
      "A baker taking bread out of the oven at {np1}",
      "People waiting in line at {np1}",
      "A woman buying bread at {np1}",
      "The display case of {np1} full of cakes",
  ])

G("butcher shop", [467],
  ["butcher shop:small,local,old"],
  kind="shop", n=12, nouns=["butcher"], acts=[
      "with meat hanging in the window",
      "with a counter full of fresh meat",
  ], tpl=[
      "A butcher cutting meat in {np1}",
      "A man buying sausages at {np1}",
      "A woman standing at the counter of {np1}",
      "Cuts of meat on display in {np1}",
  ])

G("restaurant", [762],
  ["restaurant:busy,small,fancy,Italian", "diner:small,old"],
  kind="shop", n=18, acts=[
      "with tables set for dinner",
      "full of people eating dinner",
      "with outdoor seating on the sidewalk",
  ], tpl=[
      "A waiter serving food in {np1}",
      "A couple having dinner in {np1}",
      "A group of friends eating at {np1}",
      "People sitting at tables inside {np1}",
      "A chef cooking in the kitchen of {np1}",
  ])

G("grocery store", [582],
  ["grocery store:small,busy,large", "market:outdoor,busy,farmers",
   "fruit stand:roadside,colorful"],
  kind="shop", n=16, acts=[
      "with fresh fruit on display",
      "full of fresh vegetables",
  ], tpl=[
      "A woman shopping for vegetables at {np1}",
      "A man pushing a cart through {np1}",
      "Rows of fresh produce at {np1}",
      "A vendor selling fruit at {np1}",
  ])

G("candy store", [509],
  ["candy store:colorful,old fashioned", "candy shop:colorful,small"],
  kind="shop", n=12, acts=[
      "with jars of candy on the shelves",
      "full of colorful sweets",
  ], tpl=[
      "A child looking at the sweets in {np1}",
      "A girl choosing candy at {np1}",
  ])

G("shoe store", [788],
  ["shoe store:small,busy", "shoe shop:small,old"],
  kind="shop", n=12, tpl=[
      "A woman trying on shoes in {np1}",
      "Rows of sneakers on display in {np1}",
      "A man looking at boots in {np1}",
      "A salesman helping a customer in {np1}",
  ])

G("toy store", [865],
  ["toy store:colorful,large", "toy shop:small,old"],
  kind="shop", n=12, tpl=[
      "A little boy looking at toys in {np1}",
      "Shelves full of stuffed animals in {np1}",
      "A girl holding a doll in {np1}",
      "The window display of {np1} at Christmas",
  ])

G("movie theater", [498],
  ["movie theater:old,large,empty", "cinema:old,empty,small"],
  kind="shop", n=12, acts=[
      "with rows of red seats",
      "with a large marquee sign",
  ], tpl=[
      "People sitting in {np1} watching a film",
      "A couple eating popcorn in {np1}",
  ])

G("stage", [819, 854],
  ["stage:large,empty,wooden,dark"],
  n=12, plural=0.0, acts=[
      "with red velvet curtains",
      "lit by bright spotlights",
      "set up for a concert",
  ], tpl=[
      "A band playing music on {np1}",
      "Actors performing on {np1}",
      "A woman singing on {np1}",
      "Dancers performing on {np1} in a theater",
  ])

G("barbershop", [423, 424],
  ["barbershop:old,small,busy", "barber chair:old,red,leather"],
  n=12, nums=NUMS_THINGS, plural=0.0, nouns=["barber", "barbers", "barber shop"], tpl=[
      "A man getting a haircut in {np1}",
      "A barber cutting a man's hair in a small shop",
      "An empty barber chair in front of a mirror",
      "A barber trimming a customer's beard",
      "A row of barber chairs in an old shop",
      "A little boy getting his first haircut at the barber",
      "A barber shaving a man with a razor",
      "A small barbershop with a striped pole outside",
  ])

G("patio", [706],
  ["patio:stone,small,brick,sunny", "terrace:sunny,stone"],
  n=12, plural=0.0, acts=[
      "with a table and chairs",
      "surrounded by potted plants",
      "overlooking a garden",
      "with a view of the ocean",
      "decorated with string lights",
  ], tpl=[
      "People having drinks on {np1}",
      "A family eating dinner on {np1}",
  ])

G("carousel", [476],
  ["carousel:colorful,old", "merry go round:colorful,old"],
  n=12, plural=0.0, acts=[
      "at an amusement park",
      "lit up at night",
      "in the middle of a park",
      "with painted wooden horses",
  ], tpl=[
      "Children riding {np1} at a fair",
      "A little girl riding a horse on {np1}",
  ])

G("gas station", [571],
  ["gas pump:old,red", "gas station:old,empty,small"],
  n=12, nums=NUMS_THINGS, acts=[
      "at the side of a country road",
      "lit up at night",
      "in the middle of the desert",
  ], tpl=[
      "A man filling up his car at {np1}",
      "A woman pumping gas at {np1}",
      "An old {N} in front of a shop",
  ])


# ==========================================================================
# Household objects and furniture
# ==========================================================================

G("chair", [559, 765],
  ["chair:wooden,old,white,red,metal", "rocking chair:wooden,old,white",
   "folding chair:metal,white"],
  n=18, nums=NUMS_THINGS, acts=[
      "sitting on a front porch",
      "in the corner of a room",
      "next to a window",
      "on a wooden deck",
      "2:lined up in a row on the lawn",
      "by the fireplace",
  ], tpl=[
      "An old man sitting in {np1} on the porch",
      "A woman reading in {np1} by the window",
      "A cat sleeping on {np1}",
  ])

G("bench", [703],
  ["bench:wooden,park,old,metal,green", "park bench:wooden,green,empty"],
  n=24, nums=NUMS_THINGS, acts=[
      "in a quiet park",
      "under a large tree",
      "next to a walking path",
      "facing the ocean",
      "covered in snow",
      "by a lake",
      "2:lined up along a path",
      "surrounded by fallen leaves",
  ], tpl=[
      "A man sitting on {np1} reading a newspaper",
      "An old couple sitting on {np1} in the park",
      "A woman feeding pigeons from {np1}",
      "A dog sitting on {np1} in the park",
      "A man sleeping on {np1} in the park",
  ])

G("couch", [831],
  ["couch:brown,leather,gray,blue,white,red,old",
   "sofa:leather,brown,gray,white,comfortable"],
  n=24, nums=NUMS_THINGS, plural=0.05, acts=[
      "in a living room",
      "covered with pillows",
      "next to a large window",
      "in front of a television",
      "with a blanket draped over it",
      "against a white wall",
  ], tpl=[
      "A man sleeping on {np1}",
      "A woman sitting on {np1} reading a book",
      "A cat lying on {np1}",
      "Two kids jumping on {np1}",
      "A living room with {np1} and a coffee table",
      "A family watching TV on {np1}",
  ])

G("bed", [564],
  ["bed:large,king size,wooden,white,unmade",
   "four poster bed:large,wooden,white"],
  n=20, nums=NUMS_THINGS, plural=0.05, acts=[
      "with white sheets and pillows",
      "in a hotel room",
      "next to a large window",
      "in a small bedroom",
      "with a colorful quilt",
      "covered with a white canopy",
  ], tpl=[
      "A cat sleeping on {np1}",
      "A woman reading a book in {np1}",
      "A little girl jumping on {np1}",
      "A dog curled up at the foot of {np1}",
  ])

G("quilt", [750],
  ["quilt:colorful,patchwork,old,handmade",
   "blanket:warm,soft,colorful,wool"],
  n=12, nums=NUMS_THINGS, acts=[
      "on a bed",
      "draped over a chair",
      "folded on a shelf",
      "hanging on a clothesline",
      "spread out on the grass",
  ], tpl=[
      "A woman sewing {np1}",
      "A child wrapped in {np1} on the couch",
  ])

G("pillow", [721],
  ["pillow:white,soft,colorful,fluffy,decorative"],
  n=12, nums=NUMS_THINGS, acts=[
      "on a bed",
      "on a couch",
      "2:stacked on a bed",
      "on a window seat",
  ], tpl=[
      "A cat sleeping on {np1}",
      "A child hugging {np1} on the couch",
      "Two kids having a pillow fight in the bedroom",
  ])

G("tent", [672],
  ["tent:green,orange,blue,small,yellow"],
  n=18, nums=NUMS_THINGS, acts=[
      "set up in the woods",
      "pitched by a lake",
      "on a mountain top",
      "in a grassy field",
      "2:set up at a campsite",
      "lit up at night",
      "covered in snow",
  ], tpl=[
      "A family camping in {np1} by a river",
      "A man sitting outside {np1} by a campfire",
      "A dog peeking out of {np1}",
  ])

G("sleeping bag", [797],
  ["sleeping bag:red,blue,green,warm"],
  n=12, nums=NUMS_THINGS, acts=[
      "inside a tent",
      "laid out next to a campfire",
      "rolled up on the ground",
  ], tpl=[
      "A man sleeping in {np1} under the stars",
      "A child zipped up in {np1}",
      "A woman rolling up {np1}",
      "A camper reading in {np1}",
  ])

G("crib", [431, 516, 520],
  ["crib:wooden,white", "cradle:wooden,old", "bassinet:white,small"],
  n=12, nums=NUMS_THINGS, acts=[
      "in a nursery",
      "next to a window",
      "with a mobile hanging above",
      "with soft blankets",
  ], tpl=[
      "A baby sleeping in {np1}",
      "A baby standing up in {np1}",
      "A mother putting her baby in {np1}",
  ])

G("cabinet", [493, 495, 894],
  ["cabinet:wooden,old,white,antique", "dresser:wooden,white,old",
   "wardrobe:large,wooden,old"],
  n=12, nums=NUMS_THINGS, acts=[
      "in a bedroom",
      "against a white wall",
      "in a living room",
      "with glass doors",
      "1:with its drawers open",
  ], tpl=[
      "A woman putting clothes in {np1}",
      "A cat sitting on top of {np1}",
      "An antique china cabinet filled with old dishes",
      "A wooden china cabinet with glass doors in a dining room",
  ])

G("desk", [526],
  ["desk:wooden,white,old,cluttered"],
  n=16, nums=NUMS_THINGS, acts=[
      "with a computer and a lamp",
      "covered with papers and books",
      "next to a window",
      "in a home office",
      "in a classroom",
  ], tpl=[
      "A man working at {np1}",
      "A student studying at {np1}",
      "A cat sleeping on {np1}",
  ])

G("dining table", [532],
  ["dining table:wooden,long,large,round", "kitchen table:wooden,small"],
  n=16, plural=0.0, acts=[
      "set for dinner",
      "with chairs around it",
      "covered with plates of food",
      "in a bright dining room",
      "with a vase of flowers in the center",
  ], tpl=[
      "A family eating dinner at {np1}",
      "Friends sitting around {np1} sharing a meal",
  ])

G("lamp", [619, 846],
  ["lamp:small,old,brass,white,bedside", "table lamp:small,white,old"],
  n=12, nums=NUMS_THINGS, acts=[
      "on a nightstand next to a bed",
      "on a wooden desk",
      "glowing in a dark room",
      "sitting on a table by the couch",
      "next to a stack of books",
  ], tpl=["A woman reading under {np1}"])

G("fireplace", [556],
  ["fireplace:stone,brick,old,large,cozy"],
  n=12, plural=0.0, acts=[
      "with a fire burning",
      "in a cozy living room",
      "with a screen in front",
      "with logs burning inside",
  ], tpl=[
      "A cat sleeping in front of {np1}",
      "A family sitting around {np1}",
      "Christmas stockings hanging over {np1}",
  ])

G("christmas stocking", [496],
  ["Christmas stocking:red,knitted", "stocking:red,Christmas"],
  n=12, nums=NUMS_THINGS, acts=[
      "hanging from the fireplace",
      "filled with small gifts",
      "hanging on a wall",
      "2:hanging in a row above a fireplace",
  ], tpl=["A child hanging {np1} on the mantel"])

G("vase", [883],
  ["vase:glass,blue,white,tall,small,ceramic,clear"],
  n=24, nums=NUMS_THINGS, acts=[
      "filled with flowers on a table",
      "with red roses sitting on a table",
      "on a window sill",
      "full of fresh flowers",
      "on a wooden shelf",
      "with sunflowers on a kitchen table",
      "2:sitting on a shelf",
      "with a single rose",
      "sitting next to a lamp",
  ], tpl=["A woman arranging flowers in {np1}"])

G("potted plant", [738],
  ["potted plant:small,green,large", "flower pot:clay,small"],
  n=18, nums=NUMS_THINGS, acts=[
      "on a window sill",
      "sitting on a porch",
      "next to a couch",
      "2:lined up on a balcony",
      "on a wooden table",
      "in the corner of a room",
  ], tpl=[
      "A woman watering {np1}",
      "A cat sniffing {np1}",
  ])

G("clock", [409, 530, 892],
  ["clock:large,old,round,white,antique,digital",
   "wall clock:round,old,large", "alarm clock:digital,red,old"],
  n=22, nums=NUMS_THINGS, plural=0.1, acts=[
      "on a wooden wall",
      "hanging on a brick wall",
      "on top of a tall tower",
      "on the side of a building",
      "on a bedside table",
      "above a doorway",
      "in a train station",
  ], tpl=[
      "A large {N} on the front of an old building",
      "A clock tower in the middle of a town square",
  ])

G("watch", [531, 826],
  ["watch:gold,silver,black,digital", "wristwatch:gold,silver,old",
   "stopwatch:silver,old"],
  n=12, nums=NUMS_THINGS, acts=[
      "on a wooden table",
      "in a glass display case",
      "lying on a white cloth",
  ], tpl=[
      "A man checking the watch on his wrist",
      "A close up of a gold watch on a woman's wrist",
      "A coach holding a stopwatch at a race",
  ])

G("trash can", [412],
  ["trash can:metal,green,black,overflowing", "garbage can:metal,large"],
  n=12, nums=NUMS_THINGS, acts=[
      "on a city sidewalk",
      "next to a park bench",
      "in the corner of a kitchen",
      "2:lined up on the curb",
      "full of garbage",
  ], tpl=["A man throwing trash into {np1}"])

G("bucket", [463],
  ["bucket:red,plastic,metal,old,blue", "pail:metal,plastic"],
  n=12, nums=NUMS_THINGS, acts=[
      "full of water",
      "sitting on a wooden floor",
      "on the beach",
      "full of sand",
      "filled with ice and drinks",
  ], tpl=["A child playing with {np1} on the beach"])

G("barrel", [427, 756],
  ["barrel:wooden,old,large,metal"],
  n=12, nums=NUMS_THINGS, acts=[
      "in a dark cellar",
      "2:stacked in a wine cellar",
      "next to a barn",
      "full of rain water",
  ], tpl=[
      "A man rolling {np1} across the yard",
      "A plastic rain barrel under a drain pipe",
      "A rain barrel full of water next to a garden",
  ])

G("box", [478, 519],
  ["box:cardboard,large,small,brown", "cardboard box:large,small,open",
   "crate:wooden,old"],
  n=16, nums=NUMS_THINGS, acts=[
      "on the floor of an empty room",
      "2:stacked in a warehouse",
      "sitting on a porch",
      "full of old books",
      "on the kitchen table",
  ], tpl=[
      "A cat sitting in {np1}",
      "A man carrying {np1} up the stairs",
      "A child playing in {np1}",
  ])

G("backpack", [414],
  ["backpack:red,black,blue,large,hiking"],
  n=16, nums=NUMS_THINGS, acts=[
      "sitting on a bench",
      "lying on the floor of a classroom",
      "leaning against a tree",
      "hanging on a hook",
  ], tpl=[
      "A student carrying {np1} to school",
      "A hiker wearing {np1} on a mountain trail",
      "A boy with {np1} waiting for the bus",
      "A man carrying {np1} through the airport",
  ])

G("purse", [748, 893],
  ["purse:black,leather,red,small", "handbag:leather,brown,black",
   "wallet:leather,brown,black"],
  n=16, nums=NUMS_THINGS, acts=[
      "on a table",
      "on a chair",
      "sitting on the floor",
      "on display in a shop window",
  ], tpl=[
      "A woman carrying {np1} down the street",
      "A woman holding {np1} while shopping",
      "A dog sitting next to {np1}",
  ])

G("umbrella", [879],
  ["umbrella:red,black,blue,yellow,large,colorful,striped,open"],
  n=30, nums=NUMS_THINGS, acts=[
      "open on a rainy street",
      "standing on a sandy beach",
      "leaning against a wall",
      "2:shading tables at an outdoor cafe",
      "lying open on the grass",
  ], tpl=[
      "A woman holding {np1} on a rainy sidewalk",
      "A man walking in the rain with {np1}",
      "A couple sharing {np1} in the rain",
      "A little girl holding {np1} in the rain",
      "People walking with {ns} on a busy street",
      "A man carrying {np1} through the snow",
      "A woman holding {np1} at the beach",
      "A businessman holding {np1} outside an office",
      "A woman sitting under {np1} at the beach",
  ])

G("teddy bear", [850],
  ["teddy bear:brown,white,old,large,fluffy,pink,small"],
  n=22, nums=NUMS_THINGS, acts=[
      "sitting on a bed",
      "sitting on a chair",
      "lying on the floor",
      "sitting in a window",
      "2:sitting on a shelf",
      "wearing a red bow",
      "sitting on a park bench",
      "in a baby's crib",
  ], tpl=[
      "A little girl hugging {np1}",
      "A child sleeping with {np1}",
      "A dog playing with {np1}",
  ])

G("jigsaw puzzle", [611],
  ["jigsaw puzzle:unfinished,large", "puzzle:large,colorful"],
  n=12, nums=NUMS_THINGS, plural=0.0, acts=[
      "on a wooden table",
      "half finished on a table",
  ], tpl=[
      "A family putting together {np1}",
      "A child doing {np1} on the floor",
      "An old woman working on {np1}",
  ])

G("book", [917, 921],
  ["book:old,open,thick,red,blue", "comic book:old,colorful"],
  n=20, nums=NUMS_THINGS, acts=[
      "on a wooden table",
      "lying open on a bed",
      "2:stacked on a desk",
      "on a shelf",
      "next to a cup of coffee",
  ], tpl=[
      "A woman reading {np1} in the park",
      "A child reading {np1} in bed",
      "A man reading {np1} on a train",
      "A boy reading {np1} on the couch",
  ])

G("mailbox", [637],
  ["mailbox:old,red,blue,metal,rusty"],
  n=12, nums=NUMS_THINGS, acts=[
      "next to a country road",
      "on a wooden post",
      "in front of a house",
      "covered in snow",
      "on a street corner",
  ], tpl=[
      "A man putting a letter in {np1}",
      "A mail carrier delivering letters to {np1}",
  ])

G("candle", [470],
  ["candle:white,red,tall,small,lit"],
  n=14, nums=NUMS_THINGS, acts=[
      "burning on a table",
      "glowing in a dark room",
      "2:lit on a birthday cake",
      "on a wooden shelf",
      "in a glass holder",
  ], tpl=[
      "A woman lighting {np1}",
      "A child blowing out the {NS} on a cake",
  ])

G("knife", [499],
  ["knife:large,kitchen,sharp", "cleaver:large,meat"],
  n=12, nums=NUMS_THINGS, acts=[
      "on a cutting board",
      "next to a pile of vegetables",
      "lying on a kitchen counter",
  ], tpl=[
      "A chef chopping vegetables with {np1}",
      "A man cutting meat with {np1}",
      "A woman slicing bread with {np1}",
  ])

G("frying pan", [567, 909],
  ["frying pan:black,hot,cast iron", "pan:hot,black",
   "skillet:cast iron,hot", "wok:large,black"],
  n=14, nums=NUMS_THINGS, acts=[
      "on the stove",
      "hanging on a kitchen wall",
      "sizzling with vegetables",
      "full of fried eggs",
  ], tpl=[
      "A chef cooking in {np1}",
      "A man frying eggs in {np1}",
      "A woman stirring vegetables in {np1}",
  ])

G("teapot", [849],
  ["teapot:white,ceramic,blue,silver,old"],
  n=12, nums=NUMS_THINGS, acts=[
      "on a wooden table",
      "next to two cups",
      "on a tray with cookies",
      "on a stove",
  ], tpl=[
      "A woman pouring tea from {np1}",
      "An old man holding {np1} at a table",
  ])

G("shopping cart", [790, 791],
  ["shopping cart:empty,metal"],
  n=12, nums=NUMS_THINGS, nouns=["shopping basket"], acts=[
      "in a parking lot",
      "in a grocery store aisle",
      "1:full of groceries",
  ], tpl=[
      "A red shopping basket full of fruit and bread",
      "A woman carrying a shopping basket through a store",
      "A woman pushing {np1} through a store",
      "A child sitting in {np1}",
  ])

# ---- kitchen and bathroom -----------------------------------------------

G("refrigerator", [760],
  ["refrigerator:white,stainless steel,old,large",
   "fridge:white,small,old"],
  n=14, nums=NUMS_THINGS, acts=[
      "in a small kitchen",
      "covered with magnets and photos",
      "1:with its door open",
      "next to the kitchen counter",
  ], tpl=[
      "A man looking inside {np1}",
      "A woman taking milk out of {np1}",
  ])

G("microwave", [651],
  ["microwave:white,black,small,stainless steel"],
  n=12, nums=NUMS_THINGS, acts=[
      "on a kitchen counter",
      "above a stove",
      "in a small office kitchen",
      "1:with its door open",
  ], tpl=[
      "A man heating food in {np1}",
      "A woman putting a bowl in {np1}",
  ])

G("stove", [827],
  ["stove:old,gas,white,stainless steel"],
  n=12, nums=NUMS_THINGS, plural=0.0, acts=[
      "in a small kitchen",
      "with pots on it",
      "with a kettle on top",
      "next to a counter",
  ], tpl=[
      "A woman cooking on {np1}",
      "A man stirring a pot on {np1}",
      "A chef cooking on {np1} in a restaurant kitchen",
  ])

G("toaster", [859],
  ["toaster:silver,chrome,white,old"],
  n=12, nums=NUMS_THINGS, acts=[
      "on a kitchen counter",
      "next to a coffee maker",
  ], tpl=[
      "A slice of bread popping out of {np1}",
      "A man putting bread in {np1}",
      "Two slices of toast in {np1}",
  ])

G("dishwasher", [534],
  ["dishwasher:stainless steel,white,open"],
  n=12, nums=NUMS_THINGS, plural=0.0, acts=[
      "in a modern kitchen",
      "1:with its door open",
      "full of clean dishes",
      "next to a kitchen sink",
  ], tpl=[
      "A woman loading plates into {np1}",
      "A man unloading {np1}",
  ])

G("washing machine", [897],
  ["washing machine:white,front loading,old", "washer:white,old"],
  n=12, nums=NUMS_THINGS, acts=[
      "in a laundry room",
      "next to a dryer",
      "in a small bathroom",
      "full of clothes",
  ], tpl=[
      "A woman putting clothes in {np1}",
      "A cat sitting on top of {np1}",
  ])

G("vacuum cleaner", [882],
  ["vacuum cleaner:red,old,small,blue", "vacuum:red,old"],
  n=12, nums=NUMS_THINGS, plural=0.0, acts=[
      "in the middle of a living room",
      "leaning against a wall",
  ], tpl=[
      "A woman cleaning the carpet with {np1}",
      "A man using {np1} in the living room",
      "A dog hiding from {np1}",
      "A boy pushing {np1} across the floor",
  ])

G("sewing machine", [786],
  ["sewing machine:old,antique,black,white"],
  n=12, nums=NUMS_THINGS, acts=[
      "on a wooden table",
      "with fabric under the needle",
      "in a tailor shop",
  ], tpl=[
      "A woman sewing a dress on {np1}",
      "A tailor working at {np1}",
  ])

G("toilet", [861, 999],
  ["toilet:white,clean,old,small"],
  n=22, nums=NUMS_THINGS, plural=0.05,
  nouns=["toilet paper"], acts=[
      "in a small bathroom",
      "next to a bathtub",
      "in a clean white bathroom",
      "1:with the lid up",
      "in a public restroom",
      "next to a white sink",
  ], tpl=[
      "A bathroom with {np1} and a sink",
      "A roll of toilet paper on a holder next to the toilet",
      "Rolls of toilet paper stacked on a shelf",
      "A cat playing with a roll of toilet paper",
      "A puppy unrolling toilet paper in the bathroom",
  ])

G("sink", [896],
  ["sink:white,bathroom,kitchen,small,clean"],
  n=16, nums=NUMS_THINGS, plural=0.1, acts=[
      "in a small bathroom",
      "under a large mirror",
      "next to a toilet",
      "in a kitchen with white cabinets",
      "with a silver faucet",
  ], tpl=[
      "A cat sitting in {np1}",
      "A man washing his hands in {np1}",
  ])

G("bathtub", [435],
  ["bathtub:white,old,clawfoot,large", "tub:white,old"],
  n=14, nums=NUMS_THINGS, plural=0.0, acts=[
      "in a clean bathroom",
      "full of bubbles",
      "next to a window",
      "in a bathroom with white tiles",
  ], tpl=[
      "A baby taking a bath in {np1}",
      "A dog getting a bath in {np1}",
      "A cat sitting on the edge of {np1}",
  ])

G("shower curtain", [794],
  ["shower curtain:white,striped,blue,colorful"],
  n=12, plural=0.0, acts=[
      "in a small bathroom",
      "next to a white bathtub",
      "hanging over a bathtub",
  ], tpl=[
      "A bathroom with {np1} and a toilet",
      "A cat peeking out from behind {np1}",
  ])


# ==========================================================================
# Electronics
# ==========================================================================

G("television", [548, 598, 851],
  ["television:large,flat screen,old,small", "TV:large,flat screen,old,big"],
  n=20, nums=NUMS_THINGS, plural=0.05, acts=[
      "on a wooden stand",
      "mounted on a wall",
      "in a living room",
      "sitting in the corner of a room",
      "turned on in a dark room",
      "showing a football game",
  ], tpl=[
      "A family watching {np1} in the living room",
      "A man watching {np1} on the couch",
      "A cat sitting in front of {np1}",
  ])

G("computer", [527, 664, 782],
  ["computer:desktop,old,white", "monitor:large,computer,wide",
   "computer screen:large,bright"],
  n=18, nums=NUMS_THINGS, acts=[
      "on a wooden desk",
      "in an office",
      "next to a keyboard and mouse",
      "sitting on a cluttered desk",
      "2:side by side on a desk",
  ], tpl=[
      "A man working at {np1} in an office",
      "A woman looking at {np1} at her desk",
  ])

G("laptop", [620, 681],
  ["laptop:open,silver,black,white,small,old",
   "laptop computer:open,black,silver"],
  n=26, nums=NUMS_THINGS, acts=[
      "on a wooden desk",
      "sitting on a kitchen table",
      "on a bed next to a cup of coffee",
      "on a couch",
      "open on a cluttered desk",
      "2:on a long table in an office",
      "next to a stack of books",
  ], tpl=[
      "A woman working on {np1} at a cafe",
      "A man typing on {np1} in a coffee shop",
      "A student using {np1} in a library",
      "A cat sitting on top of {np1}",
      "A young man using {np1} on the couch",
  ])

G("keyboard", [508, 810],
  ["keyboard:black,white,computer,wireless"],
  n=12, nums=NUMS_THINGS, plural=0.05, acts=[
      "on a wooden desk",
      "next to a computer mouse",
      "in front of a monitor",
  ], tpl=[
      "A person typing on {np1}",
      "A close up of the keys on {np1}",
      "A cat lying on top of {np1}",
  ])

G("computer mouse", [673],
  ["computer mouse:black,wireless,white", "mouse!:wireless,computer"],
  n=12, nums=NUMS_THINGS, plural=0.0, acts=[
      "on a mouse pad",
      "next to a keyboard",
      "on a wooden desk",
  ], tpl=[
      "A hand holding {np1}",
      "A man clicking {np1} at his desk",
  ])

G("remote control", [761],
  ["remote control:black,gray,old", "remote:black,TV"],
  n=12, nums=NUMS_THINGS, acts=[
      "on a coffee table",
      "lying on a couch",
      "next to a bowl of popcorn",
      "on the arm of a sofa",
  ], tpl=[
      "A man holding {np1} in front of the TV",
      "A hand pointing {np1} at a television",
  ])

G("cell phone", [487],
  ["cell phone:black,white,old,new", "phone:black,mobile,white",
   "smartphone:new,black"],
  n=24, nums=NUMS_THINGS, plural=0.1, acts=[
      "on a wooden table",
      "lying next to a laptop",
      "on a desk next to a coffee cup",
  ], tpl=[
      "A woman talking on {np1}",
      "A man looking at his {n} on the subway",
      "A young woman taking a picture with her {n}",
      "A hand holding {np1}",
      "A girl texting on her {n} at the park",
      "A man talking on his {n} while walking",
  ])

G("telephone", [528, 707],
  ["telephone:old,black,red,rotary"],
  n=12, nums=NUMS_THINGS, nouns=["pay phone"], acts=[
      "on a wooden desk",
      "hanging on a wall",
      "on a table in a hallway",
  ], tpl=[
      "A man making a call from a pay phone on the street",
      "An old pay phone on a brick wall",
      "A woman talking on {np1} in the kitchen",
  ])

G("camera", [732, 759, 872],
  ["camera:digital,black,old,vintage,film"],
  n=16, nums=NUMS_THINGS, nouns=["tripod"], acts=[
      "on a wooden table",
      "sitting on a tripod",
      "next to a camera bag",
  ], tpl=[
      "A man taking a picture with {np1}",
      "A woman holding {np1} up to her eye",
      "A photographer setting up {np1} on a tripod",
      "A tourist taking photos with {np1}",
  ])

G("office machine", [713, 742, 878],
  ["printer:office,white,large", "copier:large,office",
   "typewriter:old,vintage,black"],
  n=13, nums=NUMS_THINGS, acts=[
      "in an office",
      "on a wooden desk",
      "next to a stack of paper",
  ], tpl=[
      "A man making copies on {np1}",
      "A woman typing a letter on an old typewriter",
      "A man typing on a vintage typewriter",
      "Paper coming out of a printer in an office",
  ])

G("radio", [754, 632],
  ["radio:old,small,portable,vintage"],
  n=12, nums=NUMS_THINGS, acts=[
      "on a kitchen counter",
      "on a shelf",
      "on a wooden table",
  ], tpl=[
      "A man listening to {np1} on the porch",
      "A DJ standing next to a pair of large speakers",
      "A large black speaker on a stage at a concert",
  ], nouns=["speaker", "speakers"])

G("microphone", [650],
  ["microphone:old,black,silver"],
  n=12, nums=NUMS_THINGS, plural=0.05, acts=[
      "on a stand on a stage",
      "in a recording studio",
      "on a wooden table",
  ], tpl=[
      "A woman singing into {np1}",
      "A man speaking into {np1} at a podium",
      "A singer holding {np1} on stage",
  ])

G("satellite dish", [755, 807],
  ["radio telescope:large,giant", "satellite dish:large,white"],
  n=12, nums=NUMS_THINGS, acts=[
      "pointing at the sky",
      "in the middle of a desert",
      "under a starry sky",
      "on top of a hill",
      "2:standing in a green field",
  ])


# ==========================================================================
# Clothing and accessories
# ==========================================================================

G("tie", [457, 906],
  ["tie:red,blue,striped,black,silk", "necktie:red,blue,striped",
   "bow tie:black,red"],
  n=16, nums=NUMS_THINGS, acts=[
      "hanging on a rack",
      "lying on a bed",
  ], tpl=[
      "A man in a suit wearing {np1}",
      "A young man adjusting his {n}",
      "A groom wearing {np1} at his wedding",
      "A little boy wearing {np1} and a white shirt",
      "A man in a white shirt and {n}",
  ])

G("suit", [834],
  ["suit:black,gray,blue,dark"],
  n=14, nums=NUMS_THINGS, plural=0.0, acts=[
      "hanging in a closet",
      "on display in a shop window",
  ], tpl=[
      "A man in {np1} walking down the street",
      "A businessman in {np1} talking on the phone",
      "A man wearing {np1} standing in front of a building",
      "A young man in {np1} at a wedding",
      "Two men wearing dark suits shaking hands",
      "A man in {np1} holding a briefcase",
  ])

G("sweater", [474, 841],
  ["sweater:red,wool,knit,striped,warm", "cardigan:gray,wool",
   "sweatshirt:gray,hooded"],
  n=12, nums=NUMS_THINGS, plural=0.0, acts=[
      "hanging on a chair",
      "folded on a shelf",
  ], tpl=[
      "A woman wearing {np1} in the snow",
      "A man in {np1} drinking coffee",
      "A girl in {np1} reading a book",
      "A dog wearing {np1} on a cold day",
  ])

G("t-shirt", [610],
  ["t-shirt:white,black,red,blue,gray", "jersey:soccer,red,blue"],
  n=12, nums=NUMS_THINGS, acts=[
      "hanging on a clothesline",
      "folded on a table",
      "on display in a shop window",
  ], tpl=[
      "A man wearing {np1} and jeans",
      "A soccer player wearing {np1}",
      "A boy in {np1} playing in the park",
  ])

G("jeans", [608],
  ["pair of jeans:blue,old,torn,black"],
  n=12, nums=NUMS_THINGS, nouns=["jeans"], acts=[
      "hanging on a clothesline",
      "folded on a shelf",
      "lying on a bed",
  ], tpl=[
      "A man wearing {np1} and a white shirt",
      "A woman in {np1} and a red sweater",
      "A girl in torn jeans sitting on a wall",
  ])

G("coat", [568, 869],
  ["coat:long,black,warm,winter,wool", "fur coat:long,white",
   "trench coat:long,beige"],
  n=12, nums=NUMS_THINGS, plural=0.0, acts=[
      "hanging on a hook by the door",
      "on display in a store window",
  ], tpl=[
      "A woman in {np1} walking in the snow",
      "A man wearing {np1} on a city street",
      "A woman in {np1} waiting for a train",
  ])

G("shoes", [630, 770, 774],
  ["shoe:red,black,brown,leather", "sneaker:white,old,new,red",
   "sandal:leather,brown"],
  n=14, nums=["a pair of", "two pairs of", "a row of", "several"],
  plural=0.6, acts=[
      "on a wooden floor",
      "2:lined up by the front door",
      "on a shelf in a store",
      "sitting on the floor",
  ], tpl=[
      "A woman holding a pair of {ns}",
      "A dog chewing on an old {N}",
      "A man tying the laces of his {NS}",
  ])

G("cowboy hat", [514, 515],
  ["cowboy hat:brown,black,old,straw"],
  n=12, nums=NUMS_THINGS, nouns=["cowboy", "cowboy boots"], acts=[
      "on a wooden table",
      "hanging on a fence post",
  ], tpl=[
      "A cowboy in {np1} riding a horse",
      "A man wearing {np1} at a rodeo",
      "A pair of cowboy boots on a wooden porch",
      "A cowboy in leather boots leaning on a fence",
      "A little boy wearing {np1} and boots",
  ])

G("sombrero", [808],
  ["sombrero:large,colorful,straw"],
  n=12, nums=NUMS_THINGS, plural=0.0, acts=[
      "hanging on a wall",
      "on a table",
  ], tpl=[
      "A man wearing {np1} playing a guitar",
      "A mariachi band wearing large sombreros",
      "A man in {np1} sitting in the shade",
      "A tourist trying on {np1} at a market",
      "A child wearing a giant {N}",
  ])

G("helmet", [518, 560],
  ["helmet:black,red,white,motorcycle,bicycle"],
  n=12, nums=NUMS_THINGS, plural=0.1, acts=[
      "sitting on a motorcycle seat",
      "on a bench in a locker room",
      "hanging from a handlebar",
  ], tpl=[
      "A man wearing {np1} riding a bike",
      "A football player holding his helmet",
      "A child putting on {np1}",
      "A white football helmet sitting on a bench",
  ])

G("kimono", [614],
  ["kimono:colorful,red,silk,traditional"],
  n=12, nums=NUMS_THINGS, plural=0.0, acts=[
      "hanging on a wall",
      "on display in a museum",
  ], tpl=[
      "A woman in {np1} walking through a garden",
      "Two women wearing {ns} in a temple garden",
      "A girl in {np1} holding a paper umbrella",
      "A woman in {np1} pouring tea",
  ])

G("swimsuit", [445, 639, 842],
  ["bikini:red,blue,striped", "swimsuit:red,black,blue,striped"],
  n=12, nums=NUMS_THINGS, plural=0.0, nouns=["swim trunks"], tpl=[
      "A woman in {np1} walking on the beach",
      "A girl in {np1} lying by the pool",
      "A woman in {np1} sitting on a towel",
      "A man in red swim trunks diving into the ocean",
      "A boy in swim trunks running on the beach",
      "A young woman in {np1} playing in the waves",
  ])

G("sunglasses", [836, 837],
  ["pair of sunglasses:black,dark,red,round"],
  n=14, nums=NUMS_THINGS, nouns=["sunglasses"], acts=[
      "on a table next to a drink",
      "lying on a beach towel",
      "on a sandy beach",
  ], tpl=[
      "A woman wearing sunglasses on the beach",
      "A man in dark sunglasses walking down the street",
      "A dog wearing sunglasses in the back of a car",
      "A young woman wearing big sunglasses and a hat",
  ])

G("necklace", [679],
  ["necklace:gold,silver,pearl,beaded"],
  n=12, nums=NUMS_THINGS, acts=[
      "on a velvet display",
      "lying on a wooden table",
      "in a jewelry box",
  ], tpl=[
      "A woman wearing {np1}",
      "A girl trying on {np1} in a shop",
  ])

G("binoculars", [447],
  ["pair of binoculars:black,old"],
  n=12, nums=NUMS_THINGS, nouns=["binoculars"], plural=0.0, acts=[
      "on a table",
      "hanging from a hook",
  ], tpl=[
      "A man looking through {np1} at birds",
      "A woman watching boats through {np1}",
      "A boy holding {np1} on a hike",
      "A hunter scanning the hills with {np1}",
  ])

G("soldier", [652],
  ["soldier:young,uniformed"],
  n=12, nums=["two", "a group of", "several", "a line of"], acts=[
      "standing at attention",
      "marching in a parade",
      "2:marching in a line",
      "standing guard in front of a palace",
      "in military uniform standing by a truck",
  ], tpl=["A soldier saluting the flag at a ceremony"])

G("graduation", [400, 667],
  ["gown"], n=12,
  nouns=["graduation cap", "graduation caps", "mortarboard", "gowns"],
  tpl=[
      "A young woman in a cap and gown holding a diploma",
      "Graduates in black gowns throwing their caps in the air",
      "A young man in a graduation gown posing with his parents",
      "A group of students in caps and gowns at a ceremony",
      "A smiling graduate wearing a mortarboard and gown",
      "A girl in a graduation cap hugging her mother",
      "A professor in an academic gown giving a speech",
      "Students in blue gowns walking across a stage",
      "A man adjusting his graduation cap before the ceremony",
      "A row of graduates in gowns sitting in chairs",
      "A graduate in a cap and gown standing on the lawn",
      "Two friends in graduation gowns taking a selfie",
      "A graduation cap resting on a stack of books",
  ])

G("wedding", [578, 982],
  ["bride"], n=14,
  nouns=["groom", "wedding dress", "gown", "brides", "grooms"], tpl=[
      "A bride and groom cutting a wedding cake",
      "A bride in a white wedding dress holding flowers",
      "A groom in a black suit standing at the altar",
      "A bride and groom dancing at their reception",
      "A bride walking down the aisle with her father",
      "A bride and groom posing for photos in a garden",
      "A bride in a long white gown standing by a window",
      "A groom kissing his bride in front of a church",
      "The bride and groom walking out of a chapel",
      "A bride holding a bouquet of red roses",
      "A groom adjusting his bow tie before the wedding",
      "A bride and groom sitting on a bench in the park",
      "A woman trying on a wedding dress in a shop",
      "A woman in a long evening gown walking down the stairs",
  ])

G("armor", [461, 490, 524, 787],
  ["suit of armor:old,shiny,medieval", "shield:wooden,round,metal,old"],
  n=12, nums=NUMS_THINGS, nouns=["armor"], acts=[
      "on display in a museum",
      "standing in the hall of a castle",
      "in a glass case",
      "2:lined up in a museum hall",
  ], tpl=[
      "A knight in shining armor riding a horse",
      "Two men in armor fighting with swords at a festival",
      "A knight in armor holding a sword and shield",
  ])


# ==========================================================================
# Musical instruments
# ==========================================================================

kind("instr", nums=NUMS_THINGS, acts=[
    "on a stage",
    "leaning against a wall",
    "on a stand in a music store",
])

G("guitar", [402, 546],
  ["guitar:acoustic,electric,old,red,black,wooden",
   "acoustic guitar:old,wooden", "electric guitar:red,black,white"],
  kind="instr", n=24, acts=["lying on a bed", "in an open case"], tpl=[
      "A man playing {np1} on a stage",
      "A woman playing {np1} in a park",
      "A street musician playing {np1}",
      "A young man sitting on a bed playing {np1}",
      "A girl strumming {np1} by a campfire",
      "A band playing {ns} at an outdoor concert",
  ])

G("violin", [486, 889],
  ["violin:old,wooden", "cello:large,old", "fiddle:old"],
  kind="instr", n=14, acts=["in an open case"], tpl=[
      "A woman playing {np1} on stage",
      "A young girl practicing {np1}",
      "A man playing {np1} in an orchestra",
      "A street musician playing {np1}",
  ])

G("piano", [579, 881],
  ["piano:grand,black,old,white,upright", "grand piano:black,white"],
  n=16, plural=0.0, acts=[
      "on a stage",
      "in a concert hall",
      "in a living room",
      "next to a window in a music room",
  ], tpl=[
      "A woman playing {np1} in a concert hall",
      "A little girl practicing on {np1}",
      "A man playing {np1} at a party",
      "A cat sitting on {np1}",
  ])

G("drums", [541, 542, 822],
  ["drum:large,bass,snare,steel,old"],
  n=13, acts=["on a stage", "in a music store", "set up in a garage"], nouns=["drummer", "drumsticks"], tpl=[
      "A man playing the drums at a concert",
      "A drummer playing on stage",
      "A boy hitting {np1} with drumsticks",
      "A group of people playing {ns} in a park",
      "A man playing a steel drum on the beach",
  ])

G("brass instrument", [513, 566, 875],
  ["trumpet:shiny,brass,gold,old", "trombone:brass,old",
   "French horn:brass,shiny"],
  kind="instr", n=14, tpl=[
      "A man playing {np1} in a band",
      "A jazz musician playing {np1}",
      "A boy playing {np1} in a marching band",
  ])

G("saxophone", [776],
  ["saxophone:gold,shiny", "sax:old,gold"],
  kind="instr", n=12, plural=0.0, tpl=[
      "A man playing {np1} on a street corner",
      "A jazz musician playing {np1}",
      "A woman playing {np1} in a club",
  ])

G("flute", [432, 558, 683],
  ["flute:silver,wooden", "oboe:black", "bassoon:wooden"],
  kind="instr", n=12, plural=0.0, tpl=[
      "A girl playing {np1} in the orchestra",
      "A woman playing {np1} in the park",
      "A man practicing {np1} at home",
  ])

G("harp", [594],
  ["harp:golden,large,wooden,small"],
  n=12, plural=0.0, acts=["on a stage", "in a concert hall"], tpl=[
      "A woman playing {np1} at a wedding",
      "A musician playing {np1} in a concert hall",
  ])

G("accordion", [401],
  ["accordion:old,red"],
  kind="instr", n=12, plural=0.0, tpl=[
      "A man playing {np1} on a street corner",
      "An old man playing {np1} at a festival",
      "A street musician with {np1} in a town square",
  ])

G("banjo", [420, 593],
  ["banjo:old,wooden", "harmonica:old,silver"],
  n=12, plural=0.0, acts=["on a wooden porch", "in a music store window"],
  tpl=[
      "A man playing {np1} on a front porch",
      "A musician playing {np1} at a folk festival",
      "An old man playing {np1} in a rocking chair",
      "A street musician playing {np1} for a crowd",
  ])

G("organ", [687],
  ["pipe organ:large,old", "organ:old,church"],
  n=12, plural=0.0, acts=["in an old church", "in a concert hall",
                           "with hundreds of pipes"], tpl=[
      "A man playing {np1} in a church",
      "A woman playing {np1} during a service",
  ])

G("xylophone", [642],
  ["xylophone:colorful,wooden,toy", "marimba:large,wooden"],
  n=12, plural=0.0, acts=["on a stage", "in a music classroom",
                           "on a wooden floor"], tpl=[
      "A child playing {np1} with two mallets",
      "A musician playing {np1} on stage",
      "A little boy hitting {np1} with a stick",
  ])


# ==========================================================================
# Sports and games
# ==========================================================================

G("baseball", [429, 981],
  ["baseball:white,old"], n=22, plural=0.0,
  nouns=["baseball player", "baseball players", "ballplayer"], tpl=[
      "A baseball player swinging a bat at a pitch",
      "A baseball player sliding into second base",
      "A pitcher throwing a baseball from the mound",
      "A catcher waiting for the baseball behind home plate",
      "A young boy catching a baseball in his glove",
      "{NP} sitting on the grass of a field",
      "A batter hitting a baseball during a game",
      "A baseball player running to first base",
      "A group of baseball players standing on the field",
      "A little league baseball player holding a bat",
      "A baseball game at a crowded stadium",
      "A close up of {np1} on a wooden bench",
      "A baseball player wearing a red helmet at the plate",
      "A man throwing a baseball to his son in the yard",
      "A baseball player jumping to catch a fly ball",
      "An outfielder throwing a baseball toward the infield",
      "A baseball player waiting on deck with his bat",
      "{NP} lying in the dirt near home plate",
      "Two baseball players talking on the pitcher's mound",
      "A baseball player signing autographs for fans",
      "{NP} resting in a leather glove",
      "A baseball team celebrating a win on the field",
  ])

G("basketball", [430],
  ["basketball:orange,old"], n=14, plural=0.0, tpl=[
      "A man shooting a basketball at the hoop",
      "A basketball player dribbling down the court",
      "A boy holding a basketball on an outdoor court",
      "{NP} sitting on a wooden court",
      "Two players jumping for a basketball",
      "A basketball going through the hoop",
      "A group of kids playing basketball in the park",
      "A man spinning a basketball on his finger",
      "{NP} lying on the grass",
      "A girl practicing basketball in her driveway",
      "A basketball player dunking the ball",
      "A basketball game in a crowded arena",
  ])

G("soccer ball", [805],
  ["soccer ball:white,black and white,old"], n=16, plural=0.0,
  nouns=["soccer"], tpl=[
      "A boy kicking {np1} in a field",
      "A group of kids playing soccer in a park",
      "A soccer player dribbling the ball down the field",
      "A goalkeeper diving to catch {np1}",
      "{NP} sitting on the grass near a goal",
      "Two soccer players running after the ball",
      "A girl balancing {np1} on her knee",
      "A dog playing with {np1} in the yard",
      "{NP} in the back of a net",
      "A soccer team celebrating a goal",
      "A man juggling {np1} on the beach",
      "Children playing soccer on a dirt field",
  ])

G("volleyball", [890],
  ["volleyball:white,yellow"], n=12, plural=0.0, tpl=[
      "A woman serving {np1} on the beach",
      "Two teams playing volleyball on the sand",
      "A volleyball player jumping to spike the ball",
      "{NP} flying over the net",
      "A group of friends playing volleyball in a park",
      "{NP} lying on the sand next to a net",
      "A girl diving to hit {np1}",
      "A volleyball game in a school gym",
      "Two men playing beach volleyball at sunset",
  ])

G("tennis", [752, 852],
  ["tennis racket:new,old", "tennis ball:yellow,green,fuzzy"],
  n=26, nums=NUMS_THINGS, nouns=["tennis"], tpl=[
      "A man swinging a tennis racket on a court",
      "A woman hitting a tennis ball with her racket",
      "A tennis player serving the ball",
      "A young girl holding {np1}",
      "A tennis player reaching for a low ball",
      "{NP} lying on a clay court",
      "Two women playing tennis on a grass court",
      "A tennis player jumping to hit the ball",
      "A man waiting to return a serve on a tennis court",
      "A dog chasing a tennis ball in the yard",
      "A boy practicing his tennis swing against a wall",
      "A woman in a white dress playing tennis",
      "A tennis racket and three balls on a bench",
      "A man hitting a backhand during a tennis match",
      "A crowd watching a tennis match in a large stadium",
      "A tennis player wearing a white cap and shorts",
      "{NP} resting against the net",
      "A young man tossing a tennis ball to serve",
      "A dog carrying a tennis ball in its mouth",
      "A tennis player running across the court",
  ])

G("golf", [574],
  ["golf ball:white"], n=12, nums=NUMS_THINGS, nouns=["golf", "golfer"],
  acts=[
      "sitting on a tee",
      "lying on the green near the hole",
      "resting in a sand trap",
      "rolling toward the hole",
  ], tpl=[
      "A man hitting {np1} off the tee",
      "A golfer putting {np1} on the green",
      "A golfer swinging a club on a sunny course",
      "A woman playing golf on a green course",
  ])

G("table games", [722, 736],
  ["ping pong ball:white,orange", "pool table:green,old,large"],
  n=14, nums=NUMS_THINGS, plural=0.05,
  nouns=["ping pong", "table tennis", "pool"], tpl=[
      "Two men playing ping pong in a garage",
      "A boy hitting a ping pong ball across the table",
      "A woman playing table tennis in a gym",
      "A white ping pong ball bouncing on a table",
      "A man leaning over {np1} to take a shot",
      "Friends playing pool in a dark bar",
      "{NP} in the middle of a game room",
      "Billiard balls racked on {np1}",
      "A young man lining up a shot on {np1}",
      "Two kids playing ping pong at a summer camp",
      "A green pool table under a hanging lamp",
      "Two women playing pool in a bar",
  ])

G("rugby", [768],
  ["rugby ball:old,leather"], n=12, plural=0.0, nouns=["rugby"], tpl=[
      "A rugby player running with the ball",
      "Two rugby teams fighting for the ball",
      "A rugby player kicking the ball down the field",
      "{NP} lying on the muddy grass",
      "A group of men playing rugby in the rain",
      "A man holding {np1} under his arm",
      "A rugby player diving over the line to score",
      "Two rugby players tackling each other in the mud",
      "A rugby team huddled together before a game",
      "A boy throwing {np1} to his friend in the park",
      "A rugby player catching a high ball",
      "Kids practicing rugby on a school field",
  ])

G("hockey", [746],
  ["hockey puck:black,rubber"], n=12, plural=0.0,
  nouns=["hockey", "puck"], tpl=[
      "A hockey player hitting a puck across the ice",
      "Two hockey players chasing the puck",
      "A goalie blocking a hockey puck",
      "{NP} sitting on the ice",
      "Kids playing hockey on a frozen pond",
      "A hockey game in a crowded arena",
      "A hockey player skating with the puck",
      "A man shooting a puck at the net",
      "A hockey team celebrating a goal on the ice",
      "A young boy learning to play hockey",
      "Two hockey players fighting for the puck along the boards",
      "A hockey goalie in a white mask",
      "{NP} lying next to a hockey stick",
  ])

G("skis", [795],
  ["ski:long,red"], n=22, nums=["a pair of", "two pairs of"],
  nouns=["skier", "skiers", "skiing"], tpl=[
      "A skier going down a snowy slope",
      "A man skiing down a mountain",
      "A woman on skis standing at the top of a hill",
      "Two skiers riding a ski lift",
      "A pair of skis leaning against a wall",
      "A child learning to ski on a small hill",
      "A skier jumping off a ramp",
      "A group of people skiing in fresh powder",
      "A man on cross country skis in the woods",
      "A skier resting at the bottom of the slope",
      "Skis and poles stuck in the snow outside a lodge",
      "A woman carrying her skis to the lift",
      "A skier racing between the gates",
      "A family skiing together on a sunny day",
      "A skier in a red jacket on a snowy mountain",
      "A man putting on his skis in the parking lot",
      "A young girl skiing behind her instructor",
      "A line of skiers waiting for the chairlift",
      "A skier carving a turn on a steep slope",
      "A snowy slope covered with skiers",
      "A skier posing for a picture on top of the mountain",
      "A man skiing through the trees in deep snow",
  ])

G("scuba diver", [801, 983],
  ["scuba diver:young", "diver:scuba"], n=14, nums=NUMS_ANIMAL,
  nouns=["snorkel", "snorkeling", "snorkeler", "divers"], acts=[
      "swimming over a coral reef",
      "exploring a sunken ship",
      "swimming with a sea turtle",
      "floating in the clear blue water",
      "2:swimming together near the ocean floor",
      "giving a thumbs up under the water",
  ], tpl=[
      "A woman snorkeling in the clear water",
      "A boy wearing a snorkel and mask in the pool",
      "A man with a snorkel swimming near the beach",
  ])

G("gymnastics", [416, 602, 702],
  ["gymnast:young"], n=12, plural=0.0,
  nouns=["balance beam", "parallel bars", "high bar", "gymnasts"], tpl=[
      "A gymnast balancing on a balance beam",
      "A young gymnast doing a flip on the balance beam",
      "A gymnast swinging on the parallel bars",
      "A male gymnast performing on the high bar",
      "A girl practicing on a balance beam in a gym",
      "A gymnast doing a handstand on the parallel bars",
      "A gymnast leaping into the air during a routine",
      "A coach spotting a young gymnast on the bars",
      "A gymnast landing a jump at a competition",
      "A team of gymnasts warming up in a large gym",
      "A gymnast hanging from the high bar",
      "A little girl walking across a low balance beam",
  ])

G("weights", [422, 543, 747],
  ["dumbbell:heavy,black,red,small", "barbell:heavy,loaded"],
  n=14, nums=NUMS_THINGS, nouns=["weights", "punching bag"], acts=[
      "on the gym floor",
      "2:lined up on a rack",
      "in an empty gym",
  ], tpl=[
      "A man lifting {np1} at the gym",
      "A woman exercising with a pair of dumbbells",
      "A weightlifter lifting a heavy barbell over his head",
      "A boxer hitting a punching bag",
      "A woman kicking a punching bag at the gym",
      "A red punching bag hanging in an empty gym",
  ])

G("archery", [456],
  ["bow:wooden,long,compound"], n=12, plural=0.0,
  nouns=["archer", "archers", "bow and arrow"], tpl=[
      "A woman shooting a bow and arrow at a target",
      "An archer pulling back the string of {np1}",
      "A man aiming {np1} at a target in a field",
      "A young boy learning to shoot {np1}",
      "A row of archers aiming at targets",
      "A wooden bow and arrows lying on the grass",
      "An archer in a green hood holding {np1}",
      "A girl drawing {np1} at an archery range",
  ])

G("swing", [843],
  ["swing:wooden,old,tire,rope"], n=14, nums=NUMS_THINGS, acts=[
      "hanging from a large tree",
      "in an empty playground",
      "2:swaying in the wind at a park",
  ], tpl=[
      "A little girl on {np1} in the park",
      "A child swinging on {np1} in the backyard",
      "A father pushing his son on {np1}",
      "Two kids playing on the swings at a playground",
  ])

G("bubbles", [971],
  ["bubble:soap,large,giant,colorful"], n=12, nums=NUMS_THINGS,
  plural=0.8, acts=[
      "floating in the air",
      "2:floating over a park",
      "reflecting the sunlight",
  ], tpl=[
      "A child blowing {ns} in the backyard",
      "A girl chasing {ns} in the park",
      "A man making giant {NS} in the park",
      "A dog trying to catch {ns}",
  ])


# ==========================================================================
# Tools and outdoor equipment
# ==========================================================================

G("tools", [477, 587, 740, 784],
  ["hammer:old,heavy", "screwdriver:red,yellow,small",
   "power drill:cordless,yellow,black", "toolbox:red,metal,open,old"],
  n=16, nums=NUMS_THINGS, nouns=["tool", "tools", "drill"], acts=[
      "on a wooden workbench",
      "lying on the floor of a garage",
      "next to a pile of nails",
  ], tpl=[
      "A man hitting a nail with a hammer",
      "A carpenter holding a hammer at a construction site",
      "A man fixing a chair with a screwdriver",
      "A man drilling a hole in the wall with a power drill",
      "A woman putting together furniture with a drill",
      "A mechanic opening a red toolbox",
      "A toolbox full of wrenches and screwdrivers",
      "Tools hanging on the wall of a workshop",
  ])

G("axe", [491, 596],
  ["axe:old,sharp,rusty", "hatchet:small,old"],
  n=13, nums=NUMS_THINGS, plural=0.0, nouns=["chainsaw"], acts=[
      "stuck in a tree stump",
      "leaning against a pile of firewood",
      "on a wooden bench",
  ], tpl=[
      "A man chopping wood with {np1}",
      "A man splitting logs with an axe",
      "A man cutting down a tree with a chainsaw",
      "A worker trimming branches with a chainsaw",
      "A lumberjack holding an axe in the forest",
      "An orange chainsaw lying on a pile of logs",
  ])

G("shovel", [792],
  ["shovel:old,snow,rusty,garden"], n=12, nums=NUMS_THINGS, acts=[
      "stuck in a pile of dirt",
      "leaning against a wall",
      "standing in the snow",
  ], tpl=[
      "A man digging a hole with {np1}",
      "A man clearing snow off the driveway with a shovel",
      "A child playing with a small {N} in the sand",
      "A woman planting a tree with {np1}",
  ])

G("wheelbarrow", [428],
  ["wheelbarrow:old,rusty,red,green"], n=12, nums=NUMS_THINGS, acts=[
      "full of dirt",
      "in a garden",
      "full of firewood",
      "next to a pile of bricks",
  ], tpl=[
      "A man pushing {np1} across a garden",
      "A child riding in {np1}",
  ])

G("lawn mower", [621],
  ["lawn mower:red,green,old"], n=12, nums=NUMS_THINGS, acts=[
      "on a green lawn",
      "in a garden shed",
      "parked on the grass",
  ], tpl=[
      "A man mowing the lawn with {np1}",
      "A woman pushing {np1} across the yard",
      "A man riding {np1} across a large lawn",
  ])

G("broom", [462, 840],
  ["broom:old,straw,wooden"], n=12, nums=NUMS_THINGS,
  nouns=["mop", "mops"], acts=[
      "leaning against a wall",
      "in the corner of a kitchen",
  ], tpl=[
      "A woman sweeping the floor with {np1}",
      "A man sweeping leaves with {np1}",
      "A man cleaning the kitchen floor with a mop",
      "A janitor pushing a mop and bucket down a hallway",
      "A little girl playing with a toy broom",
  ])

G("fence", [489, 716, 912],
  ["fence:wooden,white,old,chain link,rustic",
   "picket fence:white,old"],
  n=18, nums=NUMS_THINGS, plural=0.0, acts=[
      "around a green field",
      "in front of a house",
      "along a country road",
      "covered in snow",
      "with a gate",
      "next to a garden",
  ], tpl=[
      "A cat walking along the top of {np1}",
      "A horse standing behind {np1}",
      "A man painting {np1}",
  ])

G("stone wall", [825],
  ["stone wall:old,long,low,mossy"], n=12, plural=0.0, acts=[
      "along a country road",
      "covered in moss",
      "next to a green field",
      "surrounding an old garden",
  ], tpl=[
      "A dog sitting on {np1}",
      "Sheep grazing behind {np1}",
  ])

G("parking meter", [704],
  ["parking meter:old,coin,silver"], n=14, nums=NUMS_THINGS, acts=[
      "on a city sidewalk",
      "next to a parked car",
      "covered in snow",
      "2:lined up along a street",
  ], tpl=[
      "A man putting coins in {np1}",
      "A woman paying at {np1}",
  ])

G("traffic light", [920],
  ["traffic light:red,green,yellow"], n=18,
  nums=["two", "a pair of", "several"], acts=[
      "at a busy intersection",
      "hanging over a street",
      "on a pole at a crosswalk",
      "glowing at night",
      "in the rain",
  ], tpl=[
      "Cars waiting at {np1}",
      "A pedestrian waiting at {np1}",
  ])

G("street sign", [919],
  ["street sign:green,old", "stop sign:red,old", "sign!:street,road"],
  n=20, nums=NUMS_THINGS, plural=0.1, acts=[
      "on a street corner",
      "covered in snow",
      "on a pole next to a building",
      "in front of a tree",
      "near a busy intersection",
  ], tpl=["A man standing next to {np1}"])

G("pen", [418, 563, 749],
  ["pen:black,blue,red", "fountain pen:old,black",
   "quill:feather,old"], n=12, nums=NUMS_THINGS, acts=[
      "on a notebook",
      "lying on a sheet of paper",
      "on a wooden desk",
  ], tpl=[
      "A hand writing with {np1}",
      "A man signing a document with {np1}",
  ])

G("paintbrush", [696],
  ["paintbrush:small,large,wet"], n=12, nums=NUMS_THINGS, acts=[
      "on a palette",
      "2:in a jar on a table",
  ], tpl=[
      "An artist painting with {np1}",
      "A child holding {np1}",
      "A woman painting a canvas with {np1}",
  ])

G("cannon", [471],
  ["cannon:old,iron,black,bronze"], n=12, nums=NUMS_THINGS, acts=[
      "on top of a castle wall",
      "pointing out to sea",
      "in a museum courtyard",
      "on display in a park",
      "2:lined up along a fort wall",
  ])

G("yarn", [911],
  ["ball of yarn:red,blue,colorful,wool"], n=12, nums=NUMS_THINGS,
  nouns=["yarn", "wool"], acts=[
      "in a basket",
      "on a wooden table",
      "next to knitting needles",
  ], tpl=[
      "A cat playing with {np1}",
      "A woman knitting with {np1}",
  ])


# ==========================================================================
# Food and drink
# ==========================================================================

kind("dish", nums=NUMS_THINGS, acts=[
    "on a wooden table",
    "sitting on a white plate",
    "on a table at a restaurant",
])

G("pizza", [963],
  ["pizza:large,cheese,pepperoni,small,vegetable,homemade",
   "slice of pizza:cheese,pepperoni,hot"],
  kind="dish", n=32, acts=[
      "1:with a slice missing",
      "topped with cheese and tomatoes",
      "fresh out of the oven",
      "in a cardboard box",
      "with mushrooms and olives",
      "on a paper plate",
      "2:on a table at a party",
      "on a metal tray",
      "covered with melted cheese",
      "next to a glass of soda",
  ], tpl=[
      "A man eating {np1} at a restaurant",
      "A woman holding {np1}",
      "A chef putting {np1} into a brick oven",
      "A group of friends sharing {np1}",
      "A man cutting {np1} with a pizza cutter",
      "A cook tossing pizza dough in the air",
      "A little boy taking a bite of {np1}",
  ])

G("burger", [933],
  ["burger:big,juicy,double", "hamburger:big,juicy",
   "cheeseburger:big,juicy,double"],
  kind="dish", n=22, acts=[
      "with fries on a white plate",
      "on a wooden board",
      "with lettuce and tomato",
      "sitting next to a pile of fries",
      "on a plate with onion rings",
      "wrapped in paper",
  ], tpl=[
      "A man eating {np1} at a diner",
      "A woman taking a bite of {np1}",
      "A cook grilling {ns} on a barbecue",
  ])

G("hot dog", [934],
  ["hot dog:grilled,big,long"],
  kind="dish", n=20, acts=[
      "with mustard and ketchup",
      "on a paper plate",
      "in a bun with onions",
      "with a side of fries",
      "wrapped in a napkin",
  ], tpl=[
      "A man eating {np1} at a baseball game",
      "A vendor selling {NS} on the street",
      "A child holding {np1} with ketchup",
      "A woman putting mustard on {np1}",
  ])

G("burrito", [965],
  ["burrito:large,big,beef,chicken"],
  kind="dish", n=12, acts=[
      "cut in half on a plate",
      "wrapped in foil",
      "with rice and beans",
      "on a plate with salsa",
  ], tpl=[
      "A man eating {np1} at a food truck",
      "A woman holding {np1}",
  ])

G("guacamole", [924],
  ["guacamole/-:fresh,homemade", "bowl of guacamole:fresh"],
  n=12, acts=[
      "with tortilla chips",
      "on a wooden table",
      "next to a bowl of salsa",
      "garnished with cilantro",
  ], tpl=["A man dipping a chip into {np1}"])

G("pasta", [959],
  ["pasta/-:fresh,creamy", "spaghetti/-:", "plate of spaghetti",
   "bowl of pasta:creamy"],
  n=18, acts=[
      "with tomato sauce",
      "with meatballs on a white plate",
      "topped with cheese and basil",
      "in a large bowl",
      "with bacon and cream sauce",
      "on a table next to a glass of wine",
  ], tpl=[
      "A man eating {np1} at an Italian restaurant",
      "A chef cooking pasta in a large pot",
      "A child with spaghetti sauce all over her face",
  ])

G("mashed potatoes", [935],
  ["mashed potatoes/-:creamy,buttery"],
  n=12, tpl=["A bowl of mashed potatoes on the dinner table"], acts=[
      "with gravy",
      "next to a piece of chicken",
      "on a white plate with green beans",
      "topped with butter",
      "next to a slice of meatloaf",
  ])

G("meatloaf", [962],
  ["meatloaf/-:homemade", "slice of meatloaf"],
  n=12, acts=[
      "on a plate with mashed potatoes",
      "with ketchup on top",
      "next to green beans",
      "on a cutting board",
      "in a baking dish",
  ])

G("pot pie", [964],
  ["pot pie:chicken,hot,golden", "meat pie:hot,golden"],
  kind="dish", n=12, acts=[
      "fresh out of the oven",
      "with a flaky golden crust",
      "with steam rising from it",
  ])

G("soup", [809, 925, 926],
  ["soup/-:hot", "bowl of soup:hot,vegetable,chicken",
   "hot pot:spicy,steaming"],
  n=16, acts=[
      "on a wooden table",
      "with a spoon",
      "next to a piece of bread",
      "with vegetables and noodles",
  ], tpl=[
      "A man eating {np1} at a restaurant",
      "A woman serving {np1}",
      "Friends sharing a spicy hot pot at a restaurant",
  ])

G("baking", [659, 961],
  ["dough/-:fresh,soft"], n=13, nouns=["mixing bowl"], tpl=[
      "A woman kneading bread dough on a table",
      "A baker rolling out dough with a rolling pin",
      "A child helping mix cookie dough in a bowl",
      "A ball of pizza dough on a floured counter",
      "A mixing bowl full of cake batter",
      "A large mixing bowl on a kitchen counter",
      "A man stirring dough in a mixing bowl",
      "A baker shaping dough into loaves",
      "Balls of dough rising on a baking sheet",
      "Two kids mixing dough in a large bowl",
      "A woman pouring flour into a mixing bowl",
      "A metal mixing bowl with a whisk in it",
      "Pizza dough being stretched by a cook",
  ])

G("waffle", [891],
  ["waffle:golden,fresh,Belgian"], kind="dish", n=12, acts=[
      "with strawberries and whipped cream",
      "topped with butter and syrup",
      "2:stacked on a plate",
  ], tpl=[
      "A man pouring syrup on {np1}",
      "A waffle iron on a kitchen counter",
  ])

G("ice cream", [928, 960],
  ["ice cream/-:vanilla,chocolate,strawberry",
   "ice cream cone:chocolate,vanilla,strawberry",
   "bowl of ice cream:vanilla,chocolate", "sundae:chocolate,hot fudge"],
  n=22, acts=[
      "on a table",
      "topped with chocolate sauce",
      "with sprinkles on top",
      "melting in the sun",
      "with a cherry on top",
  ], tpl=[
      "A little girl eating {np1}",
      "A boy licking a dripping ice cream cone",
      "A man holding two ice cream cones",
      "A woman sharing {np1} with her daughter",
      "A child with ice cream all over his face",
      "A dog licking an ice cream cone",
  ])

G("popsicle", [929],
  ["popsicle:red,orange,frozen", "ice pop:red,cherry"],
  n=12, nums=NUMS_THINGS, acts=[
      "melting in the sun",
      "on a plate",
  ], tpl=[
      "A child eating {np1} on a hot day",
      "A girl holding {np1} by the pool",
  ])

G("dessert", [927],
  ["trifle:layered,berry,chocolate"], n=12, nums=NUMS_THINGS,
  nouns=["dessert"], acts=[
      "in a glass bowl",
      "with layers of cream and berries",
      "topped with fresh strawberries",
      "on a dessert table",
  ])

G("bread", [930],
  ["loaf of bread:fresh,warm", "baguette:long,fresh,crusty",
   "bread/-:fresh,homemade,crusty"],
  n=18, nums=NUMS_ITEMS, acts=[
      "on a wooden cutting board",
      "in a basket on a table",
      "fresh from the oven",
      "on a bakery shelf",
      "next to a block of cheese",
  ], tpl=[
      "A baker pulling {np1} out of the oven",
      "A man slicing {np1}",
      "A woman carrying a baguette home from the bakery",
  ])

G("bagel", [931],
  ["bagel:sesame,toasted,plain,fresh"], kind="dish", n=12, acts=[
      "with cream cheese",
      "cut in half",
      "with smoked salmon",
      "2:in a paper bag",
      "next to a cup of coffee",
  ], tpl=["A man eating {np1} for breakfast"])

G("pretzel", [932],
  ["pretzel:large,soft,salted,warm"], kind="dish", n=12, acts=[
      "on a wooden board",
      "with mustard on the side",
      "sprinkled with salt",
      "next to a glass of beer",
  ], tpl=["A girl eating {np1} at the fair"])

G("plate", [923],
  ["plate:white,large,blue", "dinner plate:white"],
  n=24, nums=NUMS_THINGS, acts=[
      "with chicken and rice",
      "full of food on a wooden table",
      "with eggs and toast",
      "2:stacked in a kitchen cabinet",
      "on a table with a fork and knife",
      "with a steak and potatoes",
      "with a slice of cake",
      "with grilled fish and vegetables",
      "with fruit and cheese",
      "with a sandwich and chips",
      "with pasta and a side salad",
  ], tpl=[
      "A woman holding {np1} of food",
      "A waiter carrying {np1} to a table",
  ])

kind("produce", nums=NUMS_ITEMS, acts=[
    "on a wooden table",
    "in a bowl on the kitchen counter",
    "at a market stand",
    "on a cutting board",
    "2:in a wicker basket",
    "in a grocery store display",
])

G("apple", [948],
  ["apple:green,red,ripe,shiny,fresh,crisp"], kind="produce", n=20,
  acts=["hanging from a tree branch", "next to a knife on the counter"],
  tpl=[
      "A woman biting into {np1}",
      "A child holding {np1} in the orchard",
      "A basket full of {ns}",
      "A teacher's desk with {np1} on it",
  ])

G("orange", [950],
  ["orange:ripe,fresh,juicy,big"], kind="produce", n=20, acts=[
      "cut in half on a cutting board",
      "hanging on a tree",
      "next to a glass of juice",
  ], tpl=[
      "A man peeling {np1}",
      "A bowl of {ns} on the table",
  ])

G("banana", [954],
  ["banana:ripe,yellow,green,brown"],
  kind="produce", n=22, acts=[
      "next to a bowl of cereal",
  ], tpl=[
      "A bunch of ripe bananas hanging from a hook",
      "A man holding a bunch of green bananas",
      "A man holding {np1}",
      "A monkey eating {np1}",
      "A woman slicing {np1} onto her cereal",
      "A child peeling {np1}",
  ])

G("strawberry", [949],
  ["strawberry:fresh,ripe,red,large"], kind="produce", n=16, acts=[
      "with whipped cream",
      "dipped in chocolate",
      "in a small bowl",
      "growing in a garden",
  ], tpl=[
      "A woman picking {ns} in a field",
      "A bowl of fresh {NS} on a table",
  ])

G("lemon", [951],
  ["lemon:yellow,fresh,ripe"], kind="produce", n=12, acts=[
      "cut in half",
      "hanging on a tree",
      "next to a glass of water",
  ], tpl=["A woman squeezing {np1} into a glass"])

G("pineapple", [953],
  ["pineapple:ripe,fresh,whole"], kind="produce", n=12, acts=[
      "cut in half",
      "at a fruit stand",
  ], tpl=["A man cutting {np1} on a cutting board"])

G("pomegranate", [957, 952],
  ["pomegranate:red,ripe", "fig:fresh,ripe,purple"],
  kind="produce", n=12, acts=[
      "cut open to show the seeds",
      "hanging on a tree",
  ])

G("broccoli", [937],
  ["broccoli/-:fresh,green,steamed", "head of broccoli:fresh"],
  n=20, nums=NUMS_ITEMS, acts=[
      "on a wooden cutting board",
      "in a white bowl",
      "with rice on a white plate",
      "in a frying pan with garlic",
      "steaming in a pot",
      "at a farmers market",
      "next to some carrots",
  ], tpl=[
      "A plate of food with {n} and rice",
      "A woman cutting {n} on a cutting board",
      "A bowl of pasta with chicken and {n}",
      "A child refusing to eat {n} at dinner",
  ])

G("cauliflower", [938],
  ["cauliflower/-:fresh,roasted,white", "head of cauliflower:fresh"],
  n=12, acts=[
      "on a wooden cutting board",
      "in a white bowl",
      "at a farmers market",
      "roasted on a baking sheet",
      "next to a head of broccoli",
  ])

G("cabbage", [936],
  ["cabbage:green,red,large,fresh"], kind="produce", n=12, acts=[
      "growing in a garden",
      "cut in half",
  ])

G("zucchini", [939, 943],
  ["zucchini:green,fresh,large", "cucumber:green,fresh,long"],
  kind="produce", n=13, acts=[
      "sliced on a cutting board",
      "growing in a garden",
  ])

G("squash", [940, 941, 942],
  ["squash:butternut,acorn,yellow,orange,large"], kind="produce", n=12,
  acts=["cut in half", "on a harvest table"])

G("artichoke", [944],
  ["artichoke:green,fresh,large"], kind="produce", n=12, acts=[
      "steamed on a plate",
      "growing in a garden",
  ])

G("bell pepper", [945],
  ["bell pepper:red,green,yellow,orange", "pepper:red,green,yellow"],
  kind="produce", n=13, acts=[
      "sliced on a cutting board",
      "growing in a garden",
      "stuffed with rice and meat",
  ])

G("mushroom", [947],
  ["mushroom:white,fresh,brown,button"], kind="produce", n=12, acts=[
      "sliced in a frying pan",
      "cooking in butter",
  ])

G("corn", [987],
  ["corn/-:fresh,sweet", "ear of corn:fresh,grilled,yellow"],
  n=12, nums=NUMS_ITEMS, acts=[
      "on the grill",
      "with butter",
      "at a farmers market",
      "in a basket",
  ], tpl=[
      "A man eating {np1} at a picnic",
      "A field of tall corn under a blue sky",
  ])

G("coffee", [504, 505, 550, 967, 968],
  ["mug:white,red,large,coffee", "cup of coffee:hot,black",
   "coffee cup:white,paper", "cup:white,small,blue"],
  n=24, nums=NUMS_THINGS, nouns=["coffee", "espresso"], acts=[
      "on a wooden table",
      "next to a laptop",
      "sitting on a saucer",
      "next to a plate of cookies",
      "on a cafe table",
      "by a window on a rainy day",
  ], tpl=[
      "A woman drinking {np1} at a cafe",
      "A man holding {np1} in the morning",
      "A barista making espresso at a coffee shop",
      "A cup of espresso on a small saucer",
      "A coffee cup with a heart drawn in the foam",
      "A glass coffee pot on a warmer in a diner",
      "An espresso machine on a counter in a small cafe",
  ])

G("wine", [572, 907, 966],
  ["glass of wine:red,white", "wine glass:empty,tall",
   "bottle of wine:red", "wine bottle:empty,green"],
  n=18, nums=NUMS_THINGS, nouns=["wine"], acts=[
      "on a wooden table",
      "next to a plate of cheese",
      "on a restaurant table",
      "next to a candle",
  ], tpl=[
      "A woman holding {np1} at dinner",
      "A man pouring red wine into a glass",
      "Two people toasting with glasses of wine",
      "A waiter opening a bottle of wine at the table",
  ])

G("beer", [440, 441],
  ["glass of beer:cold", "beer bottle:empty,green,brown",
   "bottle of beer:cold"],
  n=16, nums=NUMS_THINGS, nouns=["beer"], acts=[
      "on a bar counter",
      "on a wooden table",
      "next to a plate of fries",
  ], tpl=[
      "A man drinking {np1} at a bar",
      "Two friends toasting with {ns}",
      "A bartender pouring beer from a tap",
  ])

G("bottle", [737, 898, 899, 725],
  ["bottle:plastic,glass,empty,green", "water bottle:plastic,blue,empty",
   "soda bottle:plastic,green", "pitcher:glass,white,ceramic",
   "jug:water,glass,clay"],
  n=16, nums=NUMS_THINGS, acts=[
      "on a kitchen counter",
      "on a wooden table",
      "2:lined up on a shelf",
      "on a picnic table",
  ], tpl=[
      "A runner drinking from a water bottle",
      "A woman pouring water from a glass pitcher",
      "A boy drinking soda from a bottle",
  ])


# ==========================================================================
# Landscapes and plants
# ==========================================================================

G("beach", [977, 978],
  ["beach:sandy,empty,white sand,tropical,rocky,quiet,long",
   "shore:rocky,sandy", "sandbar:long,narrow"],
  n=30, plural=0.0, nouns=["seashore", "coast"], acts=[
      "with waves crashing on the shore",
      "with palm trees and blue water",
      "at sunset",
      "covered with colorful umbrellas",
      "under a cloudy sky",
      "with footprints in the sand",
      "on a bright summer day",
  ], tpl=[
      "People walking along {np1} at sunset",
      "A couple walking their dog on {np1}",
      "Children building sandcastles on {np1}",
      "A surfer walking along {np1} with his board",
      "A man sitting on {np1} watching the waves",
      "A family having a picnic on {np1}",
      "A person flying a kite on {np1}",
      "A woman reading a book on {np1}",
      "Seagulls standing on {np1}",
  ])

G("lake", [975],
  ["lake:calm,mountain,clear,blue,quiet"],
  n=22, plural=0.0, nouns=["lakeside", "lakeshore"], acts=[
      "surrounded by tall pine trees",
      "with mountains in the background",
      "at sunset",
      "reflecting the clouds",
      "with a small wooden dock",
      "on a foggy morning",
  ], tpl=[
      "A man fishing on the shore of {np1}",
      "A family swimming in {np1}",
      "A canoe floating on {np1}",
      "A couple sitting on a bench by {np1}",
      "Ducks swimming on {np1}",
      "A small cabin on the edge of {np1}",
  ])

G("mountain", [970],
  ["mountain:snowy,tall,high,rocky,snow covered"],
  n=22, nums=["two", "a range of", "several"], nouns=["alps"], acts=[
      "covered in snow",
      "under a clear blue sky",
      "with a green valley below",
      "reflected in a lake",
      "at sunrise",
      "with clouds around the peak",
  ], tpl=[
      "A hiker standing on top of {np1}",
      "A group of hikers climbing {np1}",
      "A small village at the foot of {np1}",
      "Skiers going down the side of {np1}",
  ])

G("valley", [979],
  ["valley:green,deep,wide,quiet"], n=12, plural=0.0, acts=[
      "surrounded by tall mountains",
      "with a river running through it",
      "covered in morning fog",
      "with a small village",
      "at sunset",
  ], tpl=[
      "A view of {np1} from the top of a hill",
      "Cows grazing in {np1}",
  ])

G("cliff", [972, 976],
  ["cliff:rocky,steep,tall,white", "headland:rocky,green"],
  n=14, nums=NUMS_THINGS, plural=0.1, acts=[
      "overlooking the ocean",
      "with waves crashing below",
      "at sunset",
      "covered in green grass",
      "above a sandy beach",
  ], tpl=[
      "A man standing at the edge of {np1}",
      "A climber scaling {np1}",
      "A lighthouse on top of {np1}",
  ])

G("volcano", [980],
  ["volcano:active,large,snow capped"], n=12, plural=0.0, acts=[
      "erupting with smoke and ash",
      "with lava flowing down its side",
      "towering over a small town",
      "under a clear sky",
      "at sunset",
  ], tpl=["Hikers walking up the side of {np1}"])

G("geyser", [974],
  ["geyser:hot,large,famous"], n=12, plural=0.0, acts=[
      "shooting water into the air",
      "erupting in a national park",
      "steaming in the cold morning air",
      "surrounded by tourists",
      "spraying steam into the blue sky",
  ], tpl=["Tourists watching {np1} erupt"])

G("wild mushroom", [991, 992, 993, 994, 995, 996, 997],
  ["mushroom:wild,small,brown,red,white,spotted", "fungus:orange,white",
   "toadstool:red,spotted"],
  n=16, nums=NUMS_ANIMAL, acts=[
      "growing on a mossy log",
      "growing in the forest",
      "on the forest floor",
      "growing at the base of a tree",
      "in the grass after the rain",
      "2:growing in a cluster on a tree stump",
      "among the fallen leaves",
  ])

G("daisy", [985],
  ["daisy:white,yellow,little"], n=14, nums=["two", "a few", "several"],
  plural=0.4, acts=[
      "growing in a green field",
      "in a small vase",
      "blooming in the garden",
      "covered in morning dew",
      "2:growing along the road",
      "in the grass",
  ], tpl=[
      "A girl holding {np1} in the meadow",
      "A field of white {NS} under a blue sky",
  ])

G("orchid", [986],
  ["orchid:yellow,wild,white"], n=12, nums=NUMS_ITEMS, acts=[
      "growing in the forest",
      "blooming in a pot",
      "in a greenhouse",
      "growing among green leaves",
  ])

G("canola field", [984],
  ["canola field:yellow,bright", "field of canola:yellow,bright"],
  n=12, plural=0.0, nouns=["canola", "rapeseed"], acts=[
      "under a blue sky",
      "stretching to the horizon",
      "in full bloom",
      "next to a country road",
  ], tpl=["A farmhouse in the middle of {np1}"])

G("wheat", [998],
  ["wheat/-:golden,ripe", "field of wheat:golden,ripe"],
  n=12, plural=0.0, acts=[
      "blowing in the wind",
      "under a blue sky",
      "ready for harvest",
      "at sunset",
  ], tpl=["A farmer walking through {np1}"])

G("hay", [958],
  ["hay bale:round,large,square", "bale of hay"],
  n=12, nums=NUMS_THINGS, nouns=["hay"], acts=[
      "in a field",
      "2:stacked in a barn",
      "in the middle of a golden field",
      "wrapped in white plastic",
      "under a blue sky",
  ], tpl=["A horse eating from {np1}"])

G("pumpkin", [607],
  ["jack o lantern:carved,glowing", "carved pumpkin:glowing,orange"],
  n=12, nums=NUMS_THINGS, nouns=["pumpkin", "pumpkins"], acts=[
      "sitting on a front porch",
      "glowing in the dark",
      "on a wooden step",
  ], tpl=[
      "A child carving a pumpkin on the kitchen table",
      "A row of carved pumpkins on a porch at night",
  ])

G("acorn", [988, 990],
  ["acorn:brown,green,small", "chestnut:brown,shiny"],
  n=12, nums=NUMS_ITEMS, acts=[
      "lying on the ground",
      "on a bed of fallen leaves",
      "hanging from a branch",
  ], tpl=["A squirrel holding {np1} in its paws"])


# ==========================================================================
# Extra scenes for groups with few templates of their own
# ==========================================================================

# Photo-style wrappers that read naturally for any subject.
UNIVERSAL_TPL = [
    "!A black and white photo of {np1}",
    "!A close up photo of {np1}",
    "!A blurry picture of {np1}",
]

EXTRA = {
    "acorn": ["2:scattered across a forest path",
              "2:collected in a small wooden bowl",
              "sitting on a mossy stone"],
    "dessert": ["served in a tall glass", "on a table at a birthday party",
                "with a silver spoon beside it"],
    "orchid": ["on a window sill", "blooming next to a mossy log",
               "2:growing together in a shady forest"],
    "popsicle": ["1:dripping onto the sidewalk",
                 "2:in a cooler full of ice",
                 "on a stick next to a glass of lemonade"],
    "barrel": ["2:lined up outside a winery", "floating in a river",
               "1:sitting under a drain pipe"],
    "boathouse": ["at the end of a long dock", "on a misty morning",
                  "covered in snow"],
    "cannon": ["overlooking a harbor", "on top of a grassy hill",
               "next to a stack of cannonballs"],
    "canola field": ["with a farmhouse in the distance",
                     "at sunset", "with a tractor on the edge"],
    "cauliflower": ["in a frying pan with garlic", "on a white plate",
                    "2:piled at a market stand"],
    "christmas stocking": ["hanging next to a Christmas tree",
                           "with a name sewn on top"],
    "coat": ["draped over a chair", "hanging in a closet"],
    "computer mouse": ["next to a laptop on a desk",
                       "on a cluttered office desk"],
    "cottage": ["under a cloudy sky", "covered in climbing roses",
                "beside a small stream"],
    "dam": ["surrounded by green hills", "at sunset",
            "with a road running across the top"],
    "ferret": ["1:curled up in a blanket", "2:playing together on a rug",
               "sitting in a cardboard box"],
    "flag": ["2:hanging from the front of a building",
             "on the back of a boat", "flying at half mast on a cloudy day",
             "on a tall flagpole in a park"],
    "go kart": ["parked in the pit area", "sliding around a tight turn"],
    "guacamole": ["on a table at a party",
                  "served with tacos on a plate"],
    "harp": ["on a stage in a concert hall", "next to a grand piano"],
    "jigsaw puzzle": ["spread out on the living room floor",
                      "with a few pieces missing"],
    "lobster": ["1:waving its antennae in a tank",
                "hiding under a rock on the sea floor",
                "on ice at a seafood market"],
    "marmot": ["2:playing together in a meadow",
               "lying on a warm rock", "1:whistling from a rock"],
    "mashed potatoes": ["on a plate with roast beef",
                        "with a spoon on a white plate"],
    "meatloaf": ["on a white plate", "with a side of peas"],
    "necklace": ["hanging on a jewelry stand", "in a store display case"],
    "organ": ["lit by colorful church windows"],
    "ostrich": ["2:running together across a field",
                "1:sitting on its nest in the sand",
                "standing next to a dirt road"],
    "paintbrush": ["resting on a can of paint", "next to a blank canvas",
                   "on an artist's table"],
    "pen": ["next to a cup of coffee", "on an open notebook",
            "2:in a cup on a desk"],
    "pumpkin": ["next to a pile of autumn leaves",
                "2:lined up on a windowsill"],
    "radio": ["next to an open window", "in an old car"],
    "satellite dish": ["on the roof of a house", "at sunset"],
    "sewing machine": ["next to a pile of fabric",
                       "in a small workroom"],
    "shopping cart": ["2:lined up outside a supermarket",
                      "left in an empty parking lot"],
    "shower curtain": ["with a floral pattern", "in a hotel bathroom"],
    "snail": ["1:leaving a trail on a stone", "crawling on a lettuce leaf",
              "2:crawling on a wet fence"],
    "snowplow": ["parked in a town garage", "spraying snow to the side"],
    "spider web": ["hanging between two fence posts",
                   "lit by the morning sun", "on a dark forest path"],
    "stingray": ["hiding in the sand", "2:swimming together in the shallows",
                 "swimming past a coral reef"],
    "telephone": ["next to a notepad", "in a red phone booth"],
    "toaster": ["on a table next to a jar of jam", "in a small kitchen"],
    "water tower": ["in the middle of a field", "at sunset"],
    "wheat": ["stretching to the horizon", "next to a dirt road"],
    "wild boar": ["1:rooting in the leaves", "2:running through the woods"],
    "yarn": ["2:piled in a wicker basket", "next to a half knitted scarf",
             "on a rocking chair"],
    "mountain goat": ["1:licking salt from a rock",
                      "2:resting together on a ledge",
                      "standing in the snow"],
    "tropical fish": ["swimming near a sea anemone",
                      "1:hiding in a crack in the rocks",
                      "swimming past a diver"],
    "accordion": ["in an open case", "on a wooden chair"],
    "albatross": ["1:landing on the water", "flying over a fishing boat"],
    "ant": ["climbing up a blade of grass",
            "2:carrying food back to the nest"],
    "banjo": ["leaning against a rocking chair"],
    "beaver": ["1:swimming with its head above water",
               "2:working on a dam together"],
    "beetle": ["crawling on a tree branch", "1:lying on its back"],
    "binoculars": ["on a windowsill overlooking the sea",
                   "next to a bird guide on a table"],
    "blimp": ["floating over the ocean", "at sunset"],
    "bucket": ["next to a garden hose", "1:hanging on a hook in a barn"],
    "bullet train": ["1:crossing a long bridge", "2:parked at a station"],
    "carousel": ["on a boardwalk by the sea", "in a town square"],
    "chimpanzee": ["1:holding a banana", "2:playing together on a log"],
    "corn": ["on a plate with a steak", "on a picnic table"],
    "crane": ["lifting a load over a city street",
              "at a port next to a ship"],
    "dishwasher": ["in a small apartment kitchen",
                   "1:loaded with plates and cups"],
    "dragonfly": ["1:resting on a person's finger",
                  "2:flying over a pond"],
    "flute": ["on a music stand", "lying on a sheet of music"],
    "forklift": ["1:loading a truck at a warehouse",
                 "parked next to a stack of pallets"],
    "gas station": ["on a rainy night", "with a small shop next to it"],
    "geyser": ["surrounded by snow", "next to a wooden boardwalk"],
    "goldfish": ["2:swimming in a pond with lily pads",
                 "swimming in a bowl on a kitchen counter"],
    "golf cart": ["parked on a quiet road", "1:covered with a rain cover"],
    "gondola": ["gliding under a stone bridge",
                "floating past old buildings"],
    "grasshopper": ["sitting on a flower petal",
                    "1:clinging to a wooden fence"],
    "hay": ["2:lined up along the edge of a field",
            "in the back of a truck"],
    "hedgehog": ["1:eating a piece of fruit", "2:sleeping in a basket"],
    "helmet": ["hanging on a hook in a garage",
               "on the seat of a scooter"],
    "hyena": ["walking along a dirt road", "1:looking back at the camera"],
    "jeans": ["hanging in a shop window", "on a chair"],
    "jellyfish": ["glowing under a blue light",
                  "1:floating with its long tentacles"],
    "keyboard": ["next to a cup of coffee", "on a cluttered desk"],
    "kimono": ["folded on a shelf in a shop"],
    "knife": ["next to a loaf of bread", "in a wooden knife block"],
    "ladybug": ["1:spreading its wings on a leaf",
                "crawling on a rose"],
    "lamp": ["in the corner of a living room",
             "on a table next to a bed"],
    "lawn mower": ["next to a garden shed", "in a backyard"],
    "lemur": ["2:sitting together in a tree", "1:eating a piece of fruit"],
    "limousine": ["parked in front of a theater",
                  "driving along a highway"],
    "mantis": ["1:crawling on a person's hand", "hiding among the leaves"],
    "meerkat": ["2:looking in the same direction",
                "peeking out of a burrow"],
    "microphone": ["next to a laptop in a studio"],
    "microwave": ["next to a refrigerator", "on a shelf in a small kitchen"],
    "mosque": ["under a blue sky", "surrounded by palm trees"],
    "orangutan": ["1:resting in a hammock at the zoo",
                  "2:sitting together in a tree"],
    "pot pie": ["with a slice cut out", "next to a green salad"],
    "red panda": ["2:playing together on a log",
                  "curled up asleep on a branch"],
    "remote control": ["lying on a bed", "next to a cup of tea"],
    "salamander": ["1:walking across a wet road",
                   "hiding among the fallen leaves"],
    "saxophone": ["in an open case", "lying on a wooden chair"],
    "shorebird": ["2:standing together on a rock",
                  "walking on a muddy beach"],
    "sloth": ["1:yawning in a tree", "1:reaching for a branch"],
    "snowmobile": ["parked next to a pine tree",
                   "covered in fresh snow"],
    "soldier": ["2:standing in a row on a parade ground",
                "1:holding a flag in a parade"],
    "starfish": ["2:clinging to the side of a rock",
                 "in a shallow pool of water"],
    "stone wall": ["under a blue sky",
                   "with a wooden gate in the middle"],
    "sweater": ["on display in a store window",
                "lying on a bed"],
    "swimsuit": ["hanging on a clothesline by the sea"],
    "t-shirt": ["lying on a bed", "hanging in a closet"],
    "teapot": ["1:with steam coming out of the spout",
               "on a shelf with cups"],
    "trash can": ["in front of a house", "at the edge of a park"],
    "vacuum cleaner": ["in a hallway", "next to a couch"],
    "volcano": ["reflected in a lake", "seen from an airplane window"],
    "washing machine": ["in a laundromat", "1:with its door open"],
    "watch": ["on a nightstand", "next to a wallet on a table"],
    "wheelbarrow": ["leaning against a shed",
                    "parked next to a vegetable garden"],
    "xylophone": ["next to a drum set"],
    "koala": ["2:sleeping together in a tree",
              "1:climbing down a tree trunk"],
    "spider": ["crawling along a window sill",
               "hiding under a flat rock"],
    "brass instrument": ["on a chair in an orchestra",
                         "in an open case"],
    "camper": ["parked next to a beach", "driving through the desert"],
    "crocodile": ["1:lying with its mouth open",
                  "hiding in the reeds by a river"],
    "gorilla": ["1:holding a baby", "2:sitting together in the shade"],
    "llama": ["1:carrying a pack on its back",
              "walking along a mountain trail"],
    "otter": ["diving into a pond", "1:eating a crab"],
    "parking meter": ["next to a bicycle rack",
                      "in front of a row of shops"],
    "refrigerator": ["filled with fresh food", "next to a window"],
    "school bus": ["driving through a small town",
                   "1:parked in front of a house"],
    "steam train": ["2:parked in a rail yard", "at sunset"],
    "beer": ["on a table at a picnic", "in a cooler full of ice"],
    "sea lion": ["2:lying together on a sandy beach",
                 "swimming near a pier"],
    "street sign": ["at the edge of a park", "on a rainy day"],
}


# Subjects that rarely come in numbers ("a row of bakeries" reads badly).
PLURAL_OVERRIDE = {
    "ambulance": 0.1, "police van": 0.1, "limousine": 0.1,
    "fire truck": 0.15, "fireboat": 0.0, "camper": 0.15,
    "bookstore": 0.0, "bakery": 0.0, "butcher shop": 0.0,
    "restaurant": 0.0, "grocery store": 0.0, "candy store": 0.0,
    "shoe store": 0.0, "toy store": 0.0, "movie theater": 0.0,
    "greenhouse": 0.05, "cottage": 0.1, "temple": 0.0, "warship": 0.0,
    "snowplow": 0.1, "tank": 0.15, "toilet": 0.0, "bathtub": 0.0,
    "refrigerator": 0.05, "stove": 0.0, "dishwasher": 0.0,
}


# Landscapes and buildings: no "close up" of a valley.
WIDE_TPL = [
    "!A black and white photo of {np1}",
    "!A blurry picture of {np1}",
    "!A distant view of {np1}",
]
WIDE_GROUPS = {
    "beach", "lake", "mountain", "valley", "cliff", "volcano", "geyser",
    "canola field", "wheat", "bridge", "dam", "castle", "palace", "mosque",
    "temple", "church", "lighthouse", "water tower", "monument", "barn",
    "boathouse", "cottage", "yurt", "greenhouse", "pier", "coral reef",
    "fountain", "library", "bookstore", "bakery", "butcher shop",
    "restaurant", "grocery store", "candy store", "shoe store", "toy store",
    "movie theater", "stage", "patio", "carousel", "gas station", "roof",
    "cruise ship", "cargo ship", "warship", "pirate ship",
}


# More scenes for the common (COCO-like) subjects with large quotas.
EXTRA_TPL = {
    "cell phone": [
        "A man holding {np1} up to his ear",
        "A teenager playing a game on {np1}",
        "A woman checking {np1} at a bus stop",
        "{np1} charging on a nightstand",
        "A close up of a hand scrolling on {np1}",
        "A person taking a photo of their food with {np1}",
        "{np1} lying on a stack of papers",
        "A young man sitting on a bench looking at his {n}",
    ],
    "vase": [
        "{np1} of yellow tulips on a dining table",
        "{np1} holding a bunch of wild flowers",
        "A cat knocking over {np1} on a shelf",
        "{np1} on a coffee table in a living room",
        "A large {N} full of lilies in a hotel lobby",
        "{np1} with pink flowers next to a window",
        "An old {N} on display in a museum",
    ],
    "airplane": [
        "A small plane parked on a grassy field",
        "A red and white {N} flying over the trees",
        "People walking across the tarmac toward {np1}",
        "{np1} being refueled at the airport",
        "{np1} leaving a white trail across the sky",
        "The tail of {np1} against a blue sky",
        "A man standing next to a small propeller plane",
    ],
    "computer": [
        "A cat sitting in front of {np1}",
        "A boy playing a game on {np1}",
        "{np1} on a desk next to a potted plant",
        "An office full of desks with {ns}",
        "A woman working late in front of {np1}",
        "{np1} showing a colorful picture",
    ],
    "traffic light": [
        "{np1} next to a tall building in the city",
        "A cyclist stopped at {np1}",
        "{np1} at a quiet intersection in a small town",
        "A bus passing under {np1}",
        "{np1} covered in snow on a winter day",
        "A city street at dusk with {np1} glowing red",
    ],
    "street sign": [
        "{np1} with a bird sitting on top",
        "A tall pole with {np1} and a lamp",
        "{np1} next to a row of parked cars",
        "A man reading {np1} on a busy corner",
        "{np1} covered with stickers",
        "A dog sitting under {np1}",
    ],
    "lizard": [
        "A chameleon changing colors on a branch",
        "A gecko clinging to a window at night",
        "A Komodo dragon walking along a sandy beach",
        "An iguana lying on a rock by the sea",
        "A frilled lizard standing on a log",
        "A small lizard hiding in the cracks of a wall",
    ],
    "bridge": [
        "A couple standing on {np1} at sunset",
        "{np1} covered with snow in winter",
        "A view of the city skyline from {np1}",
        "Traffic moving slowly across {np1}",
        "{np1} reflected in the calm water",
        "A cyclist riding across {np1}",
    ],
    "clock": [
        "An old {N} on a mantel above a fireplace",
        "A large {N} in the middle of a shopping mall",
        "{np1} showing ten minutes past two",
        "A man fixing an old {N}",
        "{np1} on a shelf between two books",
        "{np1} on a pole at a train platform",
    ],
    "mountain": [
        "A winding road leading up to {np1}",
        "A cabin in the woods below {np1}",
        "A lake at the foot of {np1}",
        "A man taking a picture of {np1}",
        "Sheep grazing on the slope of {np1}",
        "A train passing through a valley below {np1}",
    ],
    "guitar": [
        "A man tuning his {n} before a show",
        "A boy learning to play {np1}",
        "A musician playing {np1} in a crowded bar",
        "Two friends playing {ns} on a porch",
        "{np1} hanging on a wall in a music store",
        "A woman singing while playing {np1}",
    ],
    "bus": [
        "A city {N} driving in the rain at night",
        "A tour {N} parked outside a hotel",
        "A long line of {NS} on a busy road",
        "Passengers sitting inside a crowded {N}",
        "A {N} driving across a bridge",
        "A bicycle rack on the front of {np1}",
    ],
    "laptop": [
        "A man using {np1} on a train",
        "A child watching a movie on {np1}",
        "{np1} on a table in a hotel room",
        "Two people looking at {np1} together",
        "{np1} next to a phone and a notebook",
        "A woman typing on {np1} in bed",
    ],
    "umbrella": [
        "A man holding {np1} over his dog",
        "A row of colorful umbrellas along a beach",
        "Two women walking under {np1} in the city",
        "{np1} drying on a balcony",
        "A boy splashing in puddles with {np1}",
        "A bride and groom standing under {np1}",
    ],
    "motorcycle": [
        "A man cleaning his {n} in the driveway",
        "A group of bikers riding {ns} down a highway",
        "A woman in a leather jacket standing by her {n}",
        "{np1} parked in front of a gas station",
        "A dog sitting on the seat of {np1}",
        "A delivery man riding {np1} through the city",
    ],
    "couch": [
        "A dog asleep on {np1} with a blanket",
        "A man reading the newspaper on {np1}",
        "Two friends playing video games on {np1}",
        "{np1} in the lobby of a hotel",
        "Movers carrying {np1} up the stairs",
    ],
    "bear": [
        "A mother bear walking with two cubs",
        "A bear fishing for salmon in a waterfall",
        "A bear sleeping in a hollow log",
        "A bear scratching its back against a tree",
    ],
    "speedboat": [
        "A man fishing from {np1} on a lake",
        "{np1} pulling a tube full of kids",
        "A family riding in {np1} on a river",
        "A dog riding in the front of {np1}",
    ],
    "sailboat": [
        "A man tying up {np1} at a dock",
        "{np1} sailing past a lighthouse",
        "A family on the deck of {np1}",
        "{np1} heeling over in the wind",
    ],
    "ice cream": [
        "A man buying ice cream from a truck",
        "A girl holding a pink ice cream cone",
        "Two scoops of ice cream in a waffle cone",
        "A family eating ice cream on a bench",
    ],
    "teddy bear": [
        "A teddy bear sitting on a pile of pillows",
        "A teddy bear with a bow tie on a shelf",
        "A boy carrying a teddy bear to bed",
        "A pile of teddy bears in a toy store window",
    ],
    "toilet": [
        "A toilet in a bathroom with blue tiles",
        "A cat sitting on the lid of a toilet",
        "A plumber fixing a toilet in a small bathroom",
        "An old toilet sitting outside on the grass",
    ],
    "bed": [
        "A neatly made {N} in a guest room",
        "A baby sleeping in the middle of a large {N}",
        "Two kids reading books on {np1}",
        "{np1} with a teddy bear on the pillow",
    ],
    "book": [
        "A girl reading {np1} under a tree",
        "A stack of old books on a wooden floor",
        "A man holding {np1} in a bookstore",
        "A cat sleeping next to {np1}",
    ],
    "television": [
        "A kid sitting on the floor watching {np1}",
        "{np1} showing the news in a bar",
        "A dog watching {np1} on the couch",
        "{np1} in a hotel room",
    ],
    "butterfly": [
        "A butterfly resting on a child's finger",
        "A butterfly sitting on a purple lilac bush",
        "A monarch butterfly on an orange flower",
    ],
    "bird of prey": [
        "A falconer holding an eagle on his glove",
        "A vulture sitting on a fence post",
        "A hawk diving toward a field",
    ],
    "heron": [
        "A heron standing on a rock in a river",
        "An egret walking through the grass by a pond",
        "A stork flying over a green field",
    ],
}



def apply_extras():
    names = {g["name"] for g in GROUPS}
    for name in (list(EXTRA) + list(EXTRA_TPL) + list(PLURAL_OVERRIDE)
                 + list(WIDE_GROUPS)):
        if name not in names:
            raise ValueError("EXTRA for unknown group " + name)
    for g in GROUPS:
        if g["name"] in PLURAL_OVERRIDE:
            g["plural"] = PLURAL_OVERRIDE[g["name"]]
        g["acts"].extend(EXTRA.get(g["name"], []))
        g["tpl"].extend(EXTRA_TPL.get(g["name"], []))
        if g["forms"]:
            # one photo wrapper, two for groups with few scenes of their own
            wraps = WIDE_TPL if g["name"] in WIDE_GROUPS else UNIVERSAL_TPL
            k = 1 if len(expand_templates(g)) >= 10 else 2
            start = sum(map(ord, g["name"])) % len(wraps)
            g["tpl"].extend((wraps * 2)[start:start + k])


apply_extras()


# ==========================================================================
# Captions that clearly show two (or three) subjects
# ==========================================================================

MULTI = [
    ("A dog sitting next to a bicycle on the sidewalk", ["dog", "bicycle"]),
    ("A cat sleeping on a laptop on the bed", ["cat", "laptop"]),
    ("A man in a dark suit and a red tie standing by a window",
     ["suit", "tie"]),
    ("A bathroom with a toilet and a white sink", ["toilet", "sink"]),
    ("A cat sitting on a couch next to a teddy bear",
     ["cat", "teddy bear"]),
    ("A small dog lying on a bed with a teddy bear",
     ["small dog", "teddy bear"]),
    ("A bowl of bananas and oranges on a kitchen table",
     ["banana", "orange"]),
    ("A white plate with a burger and a pile of fries", ["plate", "burger"]),
    ("A pizza and a glass of beer on a wooden table", ["pizza", "beer"]),
    ("A horse pulling a wooden cart down a dirt road",
     ["horse", "horse cart"]),
    ("A brown cow standing next to a red barn", ["cow", "barn"]),
    ("Sheep grazing in front of an old wooden barn", ["sheep", "barn"]),
    ("A dog chasing a soccer ball across the park",
     ["dog", "soccer ball"]),
    ("A cat sitting next to a vase of flowers on a table",
     ["cat", "vase"]),
    ("A laptop and a cup of coffee on a wooden desk",
     ["laptop", "coffee"]),
    ("A cell phone lying next to a laptop on a desk",
     ["cell phone", "laptop"]),
    ("A television and a gray couch in a small living room",
     ["television", "couch"]),
    ("A man sitting on a park bench next to his bicycle",
     ["bench", "bicycle"]),
    ("A red bus stopped at a traffic light in the city",
     ["bus", "traffic light"]),
    ("A yellow taxi waiting at a red traffic light",
     ["taxi", "traffic light"]),
    ("A stop sign on a street corner next to a parked car",
     ["street sign", "car"]),
    ("A motorcycle parked next to a red sports car",
     ["motorcycle", "sports car"]),
    ("A train crossing a steel bridge over a river", ["train", "bridge"]),
    ("A white lighthouse on a rocky cliff above the sea",
     ["lighthouse", "cliff"]),
    ("A sailboat anchored near a sandy beach", ["sailboat", "beach"]),
    ("A red canoe resting on the shore of a calm lake", ["canoe", "lake"]),
    ("An airplane flying over a snowy mountain", ["airplane", "mountain"]),
    ("A hot air balloon floating over a green valley",
     ["balloon", "valley"]),
    ("A duck swimming next to a black swan in a pond", ["duck", "swan"]),
    ("A dog and a cat sleeping together on a couch", ["dog", "cat"]),
    ("A horse and a cow grazing in the same field", ["horse", "cow"]),
    ("A zebra and an elephant drinking at a watering hole",
     ["zebra", "elephant"]),
    ("A monkey eating a banana on a tree branch", ["monkey", "banana"]),
    ("A squirrel eating an acorn in the grass", ["squirrel", "acorn"]),
    ("A butterfly resting on a white daisy", ["butterfly", "daisy"]),
    ("A bee collecting pollen from a daisy in the garden", ["bee", "daisy"]),
    ("A little girl holding a teddy bear and a red balloon",
     ["teddy bear", "balloon"]),
    ("A woman holding an umbrella while riding a bicycle in the rain",
     ["umbrella", "bicycle"]),
    ("A man wearing sunglasses and a cowboy hat",
     ["sunglasses", "cowboy hat"]),
    ("A skier in a red helmet going down the slope", ["skis", "helmet"]),
    ("A bride and groom stepping out of a white limousine",
     ["wedding", "limousine"]),
    ("A bottle of wine and a loaf of bread on a table", ["wine", "bread"]),
    ("A cup of coffee and a bagel with cream cheese", ["coffee", "bagel"]),
    ("A hot dog and a cold beer at a baseball game",
     ["hot dog", "beer", "baseball"]),
    ("A cheeseburger with a side of mashed potatoes",
     ["burger", "mashed potatoes"]),
    ("A plate of spaghetti with a side of broccoli", ["pasta", "broccoli"]),
    ("A pizza topped with mushrooms and bell peppers",
     ["pizza", "mushroom", "bell pepper"]),
    ("A bowl of vanilla ice cream with fresh strawberries",
     ["ice cream", "strawberry"]),
    ("A lemon and an orange on a wooden cutting board",
     ["lemon", "orange"]),
    ("A green apple and a banana on an office desk", ["apple", "banana"]),
    ("A man playing the guitar next to a grand piano", ["guitar", "piano"]),
    ("A woman playing the violin next to a grand piano",
     ["violin", "piano"]),
    ("A jazz band with a saxophone and a trumpet on stage",
     ["saxophone", "brass instrument"]),
    ("A round clock on the wall above a stone fireplace",
     ["clock", "fireplace"]),
    ("A desk lamp shining on a computer monitor", ["lamp", "computer"]),
    ("A keyboard and mouse in front of a computer monitor",
     ["keyboard", "computer mouse", "computer"]),
    ("A remote control lying on the couch in front of the TV",
     ["remote control", "couch", "television"]),
    ("A black backpack sitting on a park bench", ["backpack", "bench"]),
    ("A teddy bear sitting in a wooden rocking chair",
     ["teddy bear", "chair"]),
    ("A potted plant on a desk next to an open laptop",
     ["potted plant", "laptop"]),
    ("A fire truck parked next to an ambulance on the street",
     ["fire truck", "ambulance"]),
    ("A police car parked behind a yellow taxi",
     ["police van", "taxi"]),
    ("A yellow school bus stopped behind a pickup truck",
     ["school bus", "pickup truck"]),
    ("A tractor pulling a trailer loaded with hay bales",
     ["tractor", "hay"]),
    ("A man on a motorcycle wearing a black helmet",
     ["motorcycle", "helmet"]),
    ("A toddler on a tricycle holding a red balloon",
     ["tricycle", "balloon"]),
    ("A dog sitting in a green canoe on a river", ["dog", "canoe"]),
    ("A man in a gray suit talking on his cell phone",
     ["suit", "cell phone"]),
    ("A girl in a striped bikini holding a beach umbrella",
     ["swimsuit", "umbrella"]),
    ("An old stone church next to a fountain in the square",
     ["church", "fountain"]),
    ("An old castle overlooking a calm blue lake", ["castle", "lake"]),
    ("A red barn with a green tractor parked in front",
     ["barn", "tractor"]),
    ("A pelican sitting at the end of a wooden pier", ["pelican", "pier"]),
    ("An owl perched on top of a wooden fence", ["owl", "fence"]),
    ("A horse standing behind a white picket fence", ["horse", "fence"]),
    ("A border collie herding sheep in a green field",
     ["sheepdog", "sheep"]),
    ("A teapot and two cups of coffee on a tray", ["teapot", "coffee"]),
    ("A pair of sneakers next to a tennis racket", ["shoes", "tennis"]),
    ("A cat sleeping in a cardboard box on the floor", ["cat", "box"]),
    ("A man with a backpack riding a mountain bike",
     ["backpack", "bicycle"]),
]


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


def build():
    rng = random.Random(SEED)
    names = load_classes()
    by_name = {}
    for g in GROUPS:
        if g["name"] in by_name:
            raise ValueError("duplicate group " + g["name"])
        by_name[g["name"]] = g
        if not g["classes"]:
            raise ValueError("group without classes: " + g["name"])
        for c in g["classes"]:
            if c not in names:
                raise ValueError("%s: bad class %r" % (g["name"], c))
        if len(set(g["classes"])) != len(g["classes"]):
            raise ValueError("%s: repeated class" % g["name"])

    seen = set()
    records = []
    for g in GROUPS:
        for cap in generate_group(g, rng, seen):
            records.append({"caption": cap, "group": g["name"]})
    for cap, gs in MULTI:
        text = finish(cap)
        if not valid(text):
            raise ValueError("invalid multi caption: " + cap)
        if text.lower() in seen:
            continue
        for name in gs:
            if not mentions(text, group_nouns(by_name[name])):
                raise ValueError("multi caption %r lacks a noun of %s"
                                 % (cap, name))
        seen.add(text.lower())
        records.append({"caption": text, "group": gs[0], "groups": gs})
    if PROBLEMS:
        raise ValueError("caption pool problems:\n  " + "\n  ".join(PROBLEMS))
    rng.shuffle(records)

    groups_out = [{"name": g["name"], "nouns": group_nouns(g),
                   "classes": g["classes"]} for g in GROUPS]
    return groups_out, records, names


def render(groups_out, records):
    gjson = "[\n" + ",\n".join("  " + json.dumps(g) for g in groups_out) \
        + "\n]\n"
    txt = "".join(r["caption"] + "\n" for r in records)
    jsonl = "".join(json.dumps(r) + "\n" for r in records)
    return {"groups.json": gjson, "captions.txt": txt,
            "captions.jsonl": jsonl}


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
    print("classes covered: %d / 1000" % len(covered))
    print("captions/group:  min %d, max %d"
          % (min(counts.values()), max(counts.values())))
    if overlaps:
        print("class overlaps:")
        for c, a, b in overlaps:
            print("  %d %s: %s / %s" % (c, names[c], a, b))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true",
                    help="only check that the files on disk are up to date")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    groups_out, records, names = build()
    files = render(groups_out, records)
    if args.check:
        stale = []
        for fn, text in files.items():
            path = os.path.join(OUT_DIR, fn)
            if not os.path.exists(path) or open(path).read() != text:
                stale.append(fn)
        if stale:
            print("out of date: " + ", ".join(stale))
            return 1
        print("caption pool is up to date")
        return 0
    os.makedirs(OUT_DIR, exist_ok=True)
    for fn, text in files.items():
        with open(os.path.join(OUT_DIR, fn), "w") as f:
            f.write(text)
    if not args.quiet:
        stats(groups_out, records, names)
    return 0


if __name__ == "__main__":
    sys.exit(main())
