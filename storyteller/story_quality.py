"""Measures of story quality: does a story name the photo's subject, does it loop, is it well formed.

Used by ``scripts/eval_bundle.py`` (the measures of the project's issue 9, after the method of
``story-quality``: subject words = the label's accept words + plurals + first-sense WordNet lemmas; whole-token,
case-insensitive matching; a chance baseline that scores story i against the subject of item i+1).

Texts are matched as lower-case tokens of letters and digits (``"Hot-air balloons ."`` -> ``hot air balloons``);
a subject word of several words (``"polar bear"``) matches as consecutive tokens. WordNet is optional: the nltk
``wordnet`` corpus where installed, or a WordNet 3.0 dictionary folder (e.g. Debian's ``wordnet-base``,
``/usr/share/wordnet``); without it the subject words are the accept words and their simple plurals.
"""
from __future__ import annotations

import io
import os
import re
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

__all__ = ["Lexicon", "chance_pairs", "distinct_ngram_ratio", "ends_sentence", "load_wordnet", "names_subject",
           "plurals", "rate", "tokens", "word_count", "word_types"]

_TOKEN = re.compile(r"[a-z0-9]+")
# WordNet's lexicographer files (lexnames(5WN)), in index order: nltk needs this table, which some
# distributions of the dictionary (Debian's wordnet-base) do not ship as a file.
_LEXNAMES = ("adj.all adj.pert adv.all noun.Tops noun.act noun.animal noun.artifact noun.attribute noun.body "
             "noun.cognition noun.communication noun.event noun.feeling noun.food noun.group noun.location "
             "noun.motive noun.object noun.person noun.phenomenon noun.plant noun.possession noun.process "
             "noun.quantity noun.relation noun.shape noun.state noun.substance noun.time verb.body verb.change "
             "verb.cognition verb.communication verb.competition verb.consumption verb.contact verb.creation "
             "verb.emotion verb.motion verb.perception verb.possession verb.social verb.stative verb.weather "
             "adj.ppl").split()
_LEXNAMES_FILE = "".join(f"{i:02d}\t{name}\t{ {'noun': 1, 'verb': 2, 'adj': 3, 'adv': 4}[name.split('.')[0]] }\n"
                         for i, name in enumerate(_LEXNAMES))
# Lexicographer files of things one can see or touch (people are left out: every Austen passage has them).
CONCRETE = frozenset({"noun.animal", "noun.artifact", "noun.body", "noun.food", "noun.object", "noun.plant",
                      "noun.substance"})
WORDNET_DIRS = ("/usr/share/wordnet",)  # where Debian's wordnet-base puts the dictionary


def tokens(text: str) -> list[str]:
    """Lower-case tokens of letters and digits, in order (punctuation and hyphens separate tokens)."""
    return _TOKEN.findall(text.lower())


def plurals(word: str) -> set[str]:
    """Simple English plurals of a lower-case noun (or of the last word of a phrase): ``box`` -> boxes,
    ``berry`` -> berries, ``leaf`` -> leaves (and leafs), else ``+s``. Irregular ones come from WordNet."""
    head, _, last = word.rpartition(" ")
    pre = head + " " if head else ""
    if last.endswith(("s", "x", "z", "ch", "sh")):
        out = {last + "es"}
    elif last.endswith("y") and len(last) > 1 and last[-2] not in "aeiou":
        out = {last[:-1] + "ies"}
    elif last.endswith("fe"):
        out = {last[:-2] + "ves", last + "s"}
    elif last.endswith("f"):
        out = {last[:-1] + "ves", last + "s"}
    else:
        out = {last + "s"}
    return {pre + p for p in out}


class _DictReader:
    """Factory for an nltk WordNet reader over a plain WordNet 3.0 dictionary folder."""

    @staticmethod
    def open(folder: Path) -> Any:
        import nltk
        from nltk.corpus.reader.wordnet import WordNetCorpusReader

        class Reader(WordNetCorpusReader):  # type: ignore[misc]
            def open(self, file: str) -> Any:  # the lexnames table where the folder lacks the file
                if file == "lexnames" and not (folder / "lexnames").is_file():
                    return io.StringIO(_LEXNAMES_FILE)
                return super().open(file)

            def map_wn(self, version: str = "wordnet") -> dict:  # no multilingual data: nothing to map
                return {}

        if str(folder) not in nltk.data.path:
            nltk.data.path.append(str(folder))  # nltk reads only below its data paths
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "multilingual functions are not available"
            return Reader(str(folder), None)


def load_wordnet(folder: str | os.PathLike | None = None) -> tuple[Any, str]:
    """``(reader, description)`` of the WordNet to use, or ``(None, reason)`` when there is none.

    ``folder``: a WordNet 3.0 dictionary folder (``data.noun``, ``index.noun``, ...) to use; None tries nltk's
    ``wordnet`` corpus, then :data:`WORDNET_DIRS`. Nothing is downloaded."""
    cands = [Path(folder)] if folder else []
    if not folder:
        try:
            from nltk.corpus import wordnet

            wordnet.ensure_loaded()
            return wordnet, "WordNet (nltk data)"
        except (LookupError, OSError, ImportError):
            cands = [Path(d) for d in WORDNET_DIRS]
    for d in cands:
        if (d / "data.noun").is_file() and (d / "index.noun").is_file():
            return _DictReader.open(d.resolve()), f"WordNet ({d})"
    if folder:
        raise FileNotFoundError(f"{folder}: not a WordNet dictionary folder (no data.noun / index.noun)")
    return None, "no WordNet found (accept words + simple plurals only)"


class Lexicon:
    """Subject words and concrete nouns, with WordNet where available (``wordnet`` from :func:`load_wordnet`)."""

    def __init__(self, wordnet: Any = None, description: str = "accept words + simple plurals") -> None:
        self.wordnet, self.description = wordnet, description

    def subject_words(self, accept: Iterable[str]) -> set[str]:
        """The accept words, their plurals, and (with WordNet) the lemmas of each word's first noun sense and
        their plurals; lower case, several-word names joined by single spaces."""
        out: set[str] = set()
        for a in accept:
            base = " ".join(tokens(a))
            if not base:
                continue
            out |= {base} | plurals(base)
            if self.wordnet is not None:
                senses = self.wordnet.synsets(base.replace(" ", "_"), "n")
                for lemma in senses[0].lemma_names() if senses else []:
                    name = " ".join(tokens(lemma.replace("_", " ")))
                    if name:
                        out |= {name} | plurals(name)
        return out

    def lemma(self, token: str) -> str:
        """The noun lemma of a token (WordNet's morphy: geese -> goose), or the token itself."""
        if self.wordnet is None:
            return token
        return self.wordnet.morphy(token, "n") or token

    def _bases(self, word: str, pos: str) -> list[str]:
        """Every base form of ``word`` as ``pos`` ("felt" as a verb: felt and feel; morphy gives only the first)."""
        find = getattr(self.wordnet, "_morphy", None)
        if find is not None:
            return list(find(word, pos))
        base = self.wordnet.morphy(word, pos)
        return [base] if base else []

    def concrete_nouns(self, text: str) -> set[str]:
        """Lemmas of the words of ``text`` that are concrete nouns: written in lower case (names are not), whose
        first noun sense is an animal, artefact, body part, food, natural object, plant or substance, and
        which WordNet's sense counts use as a noun at least as often as as a verb, adjective or adverb (of the
        word's own base form for each: "felt" is the verb "feel"). Without
        WordNet: the lower-case words of 3+ letters outside a small list of function words (a rougher measure)."""
        words = {w for w in re.findall(r"[A-Za-z]+", text) if w.islower() and len(w) > 2}
        if self.wordnet is None:
            return words - _FUNCTION_WORDS
        out = set()
        for w in words - _FUNCTION_WORDS:
            lem = self.lemma(w)
            senses = self.wordnet.synsets(lem, "n")
            if not senses or senses[0].lexname() not in CONCRETE:
                continue
            noun = sum(le.count() for s in senses for le in s.lemmas() if le.name().lower() == lem)
            other = 0  # uses of the word as another part of speech ("felt" counts as the verb "feel")
            for pos in "vasr":
                for base in set(self._bases(w, pos)):
                    other += sum(le.count() for s in self.wordnet.synsets(base, pos) for le in s.lemmas()
                                 if le.name().lower() == base)
            if noun >= other:
                out.add(lem)
        return out


_FUNCTION_WORDS = frozenset(
    "the and but for not you your yours she her hers him his they them their theirs our ours its this that these "
    "those was were are been being have has had having does did doing done will would shall should can could may "
    "might must very much more most such what which who whom whose when where why how all any both each few other "
    "some than too only own same then there here now just into from with about against between through during "
    "before after above below again further once upon off out over under one two nothing something anything "
    "everything said says say yes well like even ever never always also though although because while whether"
    .split())


def names_subject(text: str, words: Iterable[str], lexicon: Lexicon | None = None) -> bool:
    """Whether ``text`` names one of ``words`` (lower-case subject words, e.g. from
    :meth:`Lexicon.subject_words`): a whole-token, case-insensitive match, several-word names as consecutive
    tokens; with a WordNet lexicon a token also matches through its noun lemma (``geese`` for ``goose``)."""
    toks = tokens(text)
    if not toks:
        return False
    phrases = [tuple(w.split()) for w in words if w.split()]
    single = {p[0] for p in phrases if len(p) == 1}
    if lexicon is not None and lexicon.wordnet is not None:
        if any(t in single or lexicon.lemma(t) in single for t in toks):
            return True
    elif single.intersection(toks):
        return True
    joined = " " + " ".join(toks) + " "
    return any(len(p) > 1 and " " + " ".join(p) + " " in joined for p in phrases)


def distinct_ngram_ratio(text: str, n: int = 4) -> float | None:
    """Distinct ``n``-grams / all ``n``-grams of the whitespace tokens of ``text`` (1.0: no ``n``-gram repeats);
    None when the text has fewer than ``n`` tokens."""
    toks = text.split()
    grams = [tuple(toks[i:i + n]) for i in range(len(toks) - n + 1)]
    return len(set(grams)) / len(grams) if grams else None


def word_count(text: str) -> int:
    """Words of a story: its whitespace tokens that hold a letter or digit (punctuation tokens do not count)."""
    return sum(1 for t in text.split() if re.search(r"\w", t))


def word_types(texts: Iterable[str]) -> int:
    """Distinct lower-case words (whitespace tokens holding a letter or digit) over all ``texts``."""
    return len({t.lower() for text in texts for t in text.split() if re.search(r"\w", t)})


def ends_sentence(text: str) -> bool:
    """Whether ``text`` ends with ``.``, ``!`` or ``?`` (closing quotes and brackets after it allowed)."""
    return bool(re.search(r"[.!?][\s'\"’”)\]]*$", text.strip())) if text.strip() else False


def chance_pairs(n: int) -> list[tuple[int, int]]:
    """The chance baseline's pairs ``(i, i+1 mod n)``: story ``i`` scored against item ``i+1``'s subject (an empty
    list for fewer than 2 items, where no other item exists)."""
    return [(i, (i + 1) % n) for i in range(n)] if n >= 2 else []


def rate(hits: Sequence[bool]) -> float | None:
    """The share of True in ``hits`` (None for none)."""
    return sum(bool(h) for h in hits) / len(hits) if hits else None
