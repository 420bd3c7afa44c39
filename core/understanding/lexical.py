"""The lexical signal: how well a message's words match each outcome's words.

Each outcome (a topic, booking, a medical question...) is described by its
title, keywords and example messages. A message is scored against each on three
signals, weighted by how rare each word is across outcomes (so "microneedling",
which nearly every outcome mentions, decides little):

- coverage: how much of the message the outcome's vocabulary explains;
- best example: the closest single example (weighted Jaccard);
- keywords: how much of the message the outcome's own keywords explain.

It is fast and strong on rare, exact words ("elastin", "spf") where a sentence
encoder is vague. Each word of the message adds its weight, through an inverted
index of numpy row numbers, to the outcomes and examples that use it; the rest is
a few array operations. A common word touches thousands of examples once the
content grows, and a Python loop over them was most of the time a message took.
Staff tune matching by adding examples and keywords, never code.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable

import numpy as np

from core.understanding.classes import OutcomeClass
from core.understanding.rounding import rounded
from core.understanding.text import STOPWORDS, stem
from core.understanding.vocabulary import Vocabulary

W_COVERAGE, W_EXAMPLE, W_KEYWORD = 0.45, 0.35, 0.20
UNKNOWN_WEIGHT = 0.5
"""Words no outcome uses count half as much as the rarest known word: they are often
filler ("a lot", "smaller"), but a question made mostly of them is out of scope."""


def _rows(postings: dict[str, Iterable[int]]) -> dict[str, np.ndarray]:
    """Posting lists as arrays of row numbers, for numpy to add a word's weight to all at once."""
    return {s: np.fromiter(sorted(rows), dtype=np.intp) for s, rows in postings.items()}


class Matcher:
    """Outcomes are numbered in the order given, examples (titles included) in a
    row each, grouped by outcome, so one reduction finds each outcome's best."""

    def __init__(self, classes: list[OutcomeClass], vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary
        self._class_count = n = len(classes)
        postings: dict[str, set[int]] = defaultdict(set)
        keyword_postings: dict[str, set[int]] = defaultdict(set)
        example_postings: dict[str, list[int]] = defaultdict(list)
        self._phrases: dict[str, list[tuple[int, tuple[str, ...]]]] = defaultdict(list)
        example_class: list[int] = []
        example_stems: list[frozenset[str]] = []
        self._uses: dict[tuple[int, str], int] = defaultdict(int)
        """(class, stem) -> how many of the class's title, examples and keywords use the stem."""
        self.example_index: dict[tuple[str, int], int] = {}
        for c, cls in enumerate(classes):
            for n_text, text in enumerate((cls.title, *cls.examples)):
                if not text:
                    continue
                stems = frozenset(self._stems(text))
                for s in stems:
                    example_postings[s].append(len(example_class))
                    postings[s].add(c)
                    self._uses[c, s] += 1
                if n_text:
                    self.example_index[cls.id, n_text - 1] = len(example_class)
                example_class.append(c)
                example_stems.append(stems)
            for keyword in cls.keywords:
                stems = tuple(self._stems(keyword))
                if len(stems) == 1:
                    keyword_postings[stems[0]].add(c)
                elif stems:
                    self._phrases[stems[0]].append((c, stems))
                for s in set(stems):
                    postings[s].add(c)
                    self._uses[c, s] += 1
        self._class_users = {s: len(ids) for s, ids in postings.items()}
        self._idf = {s: math.log(1 + n / len(ids)) for s, ids in postings.items()}
        self._unknown_idf = UNKNOWN_WEIGHT * math.log(1 + n)
        self._class_rows = _rows(postings)
        self._keyword_rows = _rows(keyword_postings)
        self._example_rows = _rows(example_postings)
        self._example_class = example_class
        self._example_stems = example_stems
        # One extra example row with no words, so an outcome without examples (its group
        # starting past the last row) still has a group for the reduction to read.
        self._example_weight = np.array([*(sum(self._weight(s) for s in stems) for stems in example_stems), 0.0])
        self._starts = np.searchsorted(example_class, np.arange(n))
        self._no_examples = self._starts == np.append(self._starts[1:], len(example_class))

    def _stems(self, text: str) -> list[str]:
        return [stem(w) for w in self.vocabulary.words(text) if w not in STOPWORDS]

    def _weight(self, s: str) -> float:
        return self._idf.get(s, self._unknown_idf)

    def common_stems(self) -> frozenset[str]:
        """Stems most outcomes use ("microneedling", "skin"): they say nothing about which outcome."""
        return frozenset(s for s, users in self._class_users.items() if users > self._class_count / 2)

    def distinctive(self, stem_: str) -> bool:
        """Used by some outcomes but not most: a word that points somewhere."""
        return 0 < self._class_users.get(stem_, 0) <= self._class_count / 2

    def scores(self, text: str, without: int | None = None) -> np.ndarray:
        """Each outcome's score, in the order the outcomes were given; 0 for an outcome
        that shares no word with the message.

        ``without`` leaves one example out (an index from ``example_index``), so
        the content check can ask how a question *like* that example would fare.
        """
        stems = self._stems(text)
        q = set(stems)
        total = sum(self._weight(s) for s in q)
        if not total:
            return np.zeros(self._class_count)
        coverage = np.zeros(self._class_count)
        keyword = np.zeros(self._class_count)
        overlap = np.zeros(len(self._example_weight))
        for s in q:
            w = self._weight(s)
            if (rows := self._class_rows.get(s)) is not None:
                coverage[rows] += w
            if (rows := self._keyword_rows.get(s)) is not None:
                keyword[rows] += w
            if (rows := self._example_rows.get(s)) is not None:
                overlap[rows] += w
        if without is not None:
            overlap[without] = 0.0
            c = self._example_class[without]
            for s in q & self._example_stems[without]:
                if self._uses[c, s] == 1:
                    coverage[c] -= self._weight(s)
        for c, phrase_stems in self._phrase_hits(stems):
            extra = phrase_stems - self._keyword_set(c, q)
            keyword[c] += sum(self._weight(s) for s in extra)

        similarity = overlap / (total + self._example_weight - overlap)
        best = np.maximum.reduceat(similarity, self._starts)
        best[self._no_examples] = 0.0
        score = W_COVERAGE * (coverage / total) + W_EXAMPLE * best + W_KEYWORD * np.minimum(1.0, keyword / total)
        kept = (coverage > 1e-9) | (best > 0.0)
        return np.where(kept, rounded(score, 4), 0.0)

    def _keyword_set(self, c: int, q: set[str]) -> set[str]:
        """Question stems already credited to outcome ``c`` as single keywords."""
        return {s for s in q if c in self._keyword_rows.get(s, ())}

    def _phrase_hits(self, stems: list[str]) -> list[tuple[int, set[str]]]:
        """(outcome, stems) for each multi-word keyword found whole in the question."""
        found: dict[int, set[str]] = defaultdict(set)
        for i, first in enumerate(stems):
            for c, phrase in self._phrases.get(first, ()):
                if tuple(stems[i : i + len(phrase)]) == phrase:
                    found[c].update(phrase)
        return list(found.items())
