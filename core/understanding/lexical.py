"""The lexical signal: how well a message's words match each outcome's words.

Each outcome (a topic, booking, a medical question...) is described by its
title, keywords and example messages. A message is scored against each on three
signals, weighted by how rare each word is across outcomes (so "microneedling",
which nearly every outcome mentions, decides little):

- coverage: how much of the message the outcome's vocabulary explains;
- best example: the closest single example (weighted Jaccard);
- keywords: how much of the message the outcome's own keywords explain.

It is fast and strong on rare, exact words ("elastin", "spf") where a sentence
encoder is vague. Everything is looked up through inverted indexes, so the work
per message grows with how common its words are, not with the number of
outcomes. Staff tune matching by adding examples and keywords, never code.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from core.text import STOPWORDS, stem
from core.understanding.classes import OutcomeClass
from core.understanding.vocabulary import Vocabulary

W_COVERAGE, W_EXAMPLE, W_KEYWORD = 0.45, 0.35, 0.20
UNKNOWN_WEIGHT = 0.5
"""Words no outcome uses count half as much as the rarest known word: they are often
filler ("a lot", "smaller"), but a question made mostly of them is out of scope."""


@dataclass(frozen=True)
class Candidate:
    class_id: str
    score: float
    coverage: float
    example: float
    keyword: float
    best_example: str


class Matcher:
    def __init__(self, classes: list[OutcomeClass], vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary
        self._class_count = len(classes)
        self._postings: dict[str, set[str]] = defaultdict(set)
        self._keyword_postings: dict[str, set[str]] = defaultdict(set)
        self._phrases: dict[str, list[tuple[str, tuple[str, ...]]]] = defaultdict(list)
        self._example_postings: dict[str, list[int]] = defaultdict(list)
        self._examples: list[tuple[str, str, frozenset[str]]] = []
        self._uses: dict[tuple[str, str], int] = defaultdict(int)
        """(class, stem) -> how many of the class's title, examples and keywords use the stem."""
        self.example_index: dict[tuple[str, int], int] = {}
        for cls in classes:
            for n, text in enumerate((cls.title, *cls.examples)):
                if not text:
                    continue
                stems = frozenset(self._stems(text))
                for s in stems:
                    self._example_postings[s].append(len(self._examples))
                    self._postings[s].add(cls.id)
                    self._uses[cls.id, s] += 1
                if n:
                    self.example_index[cls.id, n - 1] = len(self._examples)
                self._examples.append((cls.id, text, stems))
            for keyword in cls.keywords:
                stems = tuple(self._stems(keyword))
                if len(stems) == 1:
                    self._keyword_postings[stems[0]].add(cls.id)
                elif stems:
                    self._phrases[stems[0]].append((cls.id, stems))
                for s in set(stems):
                    self._postings[s].add(cls.id)
                    self._uses[cls.id, s] += 1
        n = self._class_count
        self._idf = {s: math.log(1 + n / len(ids)) for s, ids in self._postings.items()}
        self._unknown_idf = UNKNOWN_WEIGHT * math.log(1 + n)
        self._example_weight = [sum(self._weight(s) for s in stems) for _, _, stems in self._examples]

    def _stems(self, text: str) -> list[str]:
        return [stem(w) for w in self.vocabulary.words(text) if w not in STOPWORDS]

    def _weight(self, s: str) -> float:
        return self._idf.get(s, self._unknown_idf)

    def common_stems(self) -> frozenset[str]:
        """Stems most outcomes use ("microneedling", "skin"): they say nothing about which outcome."""
        return frozenset(s for s, ids in self._postings.items() if len(ids) > self._class_count / 2)

    def distinctive(self, stem_: str) -> bool:
        """Used by some outcomes but not most: a word that points somewhere."""
        return 0 < len(self._postings.get(stem_, ())) <= self._class_count / 2

    def rank(self, text: str, limit: int | None = 5, without: int | None = None) -> list[Candidate]:
        """Outcomes ordered by score, best first; empty when no word is known.

        ``without`` leaves one example out (an index from ``example_index``), so
        the content check can ask how a question *like* that example would fare.
        """
        stems = self._stems(text)
        q = set(stems)
        total = sum(self._weight(s) for s in q)
        if not total:
            return []
        coverage: dict[str, float] = defaultdict(float)
        keyword: dict[str, float] = defaultdict(float)
        overlap: dict[int, float] = defaultdict(float)
        for s in q:
            w = self._weight(s)
            for class_id in self._postings.get(s, ()):
                coverage[class_id] += w
            for class_id in self._keyword_postings.get(s, ()):
                keyword[class_id] += w
            for example in self._example_postings.get(s, ()):
                overlap[example] += w
        if without is not None:
            overlap.pop(without, None)
            class_id, _, left_out = self._examples[without]
            for s in q & left_out:
                if self._uses[class_id, s] == 1:
                    coverage[class_id] -= self._weight(s)
        for class_id, phrase_stems in self._phrase_hits(stems):
            extra = phrase_stems - self._keyword_set(class_id, q)
            keyword[class_id] += sum(self._weight(s) for s in extra)

        best: dict[str, tuple[float, str]] = {}
        for example, inter in overlap.items():
            class_id, example_text, _ = self._examples[example]
            sim = inter / (total + self._example_weight[example] - inter)
            if sim > best.get(class_id, (0.0, ""))[0]:
                best[class_id] = (sim, example_text)

        out = []
        for class_id, covered in coverage.items():
            if covered <= 1e-9 and class_id not in best:
                continue
            cov = covered / total
            kw = min(1.0, keyword.get(class_id, 0.0) / total)
            ex, example_text = best.get(class_id, (0.0, ""))
            score = W_COVERAGE * cov + W_EXAMPLE * ex + W_KEYWORD * kw
            out.append(Candidate(class_id, round(score, 4), cov, ex, kw, example_text))
        out.sort(key=lambda c: (-c.score, c.class_id))
        return out if limit is None else out[:limit]

    def _keyword_set(self, class_id: str, q: set[str]) -> set[str]:
        """Question stems already credited to ``class_id`` as single keywords."""
        return {s for s in q if class_id in self._keyword_postings.get(s, ())}

    def _phrase_hits(self, stems: list[str]) -> list[tuple[str, set[str]]]:
        """(topic, stems) for each multi-word keyword found whole in the question."""
        found: dict[str, set[str]] = defaultdict(set)
        for i, first in enumerate(stems):
            for class_id, phrase in self._phrases.get(first, ()):
                if tuple(stems[i : i + len(phrase)]) == phrase:
                    found[class_id].update(phrase)
        return list(found.items())
