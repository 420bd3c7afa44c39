"""Ranking topics for a free-text question.

Each topic is described by its title, keywords and example questions. A question
is scored against each topic on three signals, weighted by how rare each word is
across topics (so "microneedling", which every topic mentions, decides little):

- coverage: how much of the question the topic's vocabulary explains;
- best example: the closest single example question (weighted Jaccard);
- keywords: how much of the question the topic's own keywords explain.

Everything is looked up through inverted indexes, so the work per question grows
with how common its words are, not with the number of topics. Staff tune
matching by adding examples and keywords, never by touching code.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from core.content.models import Library
from core.text import STOPWORDS, stem
from core.vocabulary import Vocabulary

W_COVERAGE, W_EXAMPLE, W_KEYWORD = 0.45, 0.35, 0.20
UNKNOWN_WEIGHT = 0.5
"""Words no topic uses count half as much as the rarest known word: they are often
filler ("a lot", "smaller"), but a question made mostly of them is out of scope."""


@dataclass(frozen=True)
class Candidate:
    topic_id: str
    score: float
    coverage: float
    example: float
    keyword: float
    best_example: str


class Matcher:
    def __init__(self, library: Library, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary
        self._topic_count = len(library.topics)
        self._postings: dict[str, set[str]] = defaultdict(set)
        self._keyword_postings: dict[str, set[str]] = defaultdict(set)
        self._phrases: dict[str, list[tuple[str, tuple[str, ...]]]] = defaultdict(list)
        self._example_postings: dict[str, list[int]] = defaultdict(list)
        self._examples: list[tuple[str, str, frozenset[str]]] = []
        self._uses: dict[tuple[str, str], int] = defaultdict(int)
        """(topic, stem) -> how many of the topic's title, examples and keywords use the stem."""
        self.example_index: dict[tuple[str, int], int] = {}
        for topic in library.topics.values():
            for n, text in enumerate((topic.title, *topic.examples)):
                stems = frozenset(self._stems(text))
                for s in stems:
                    self._example_postings[s].append(len(self._examples))
                    self._postings[s].add(topic.id)
                    self._uses[topic.id, s] += 1
                if n:
                    self.example_index[topic.id, n - 1] = len(self._examples)
                self._examples.append((topic.id, text, stems))
            for keyword in topic.keywords:
                stems = tuple(self._stems(keyword))
                if len(stems) == 1:
                    self._keyword_postings[stems[0]].add(topic.id)
                elif stems:
                    self._phrases[stems[0]].append((topic.id, stems))
                for s in set(stems):
                    self._postings[s].add(topic.id)
                    self._uses[topic.id, s] += 1
        n = self._topic_count
        self._idf = {s: math.log(1 + n / len(ids)) for s, ids in self._postings.items()}
        self._unknown_idf = UNKNOWN_WEIGHT * math.log(1 + n)
        self._example_weight = [sum(self._weight(s) for s in stems) for _, _, stems in self._examples]

    def _stems(self, text: str) -> list[str]:
        return [stem(w) for w in self.vocabulary.words(text) if w not in STOPWORDS]

    def _weight(self, s: str) -> float:
        return self._idf.get(s, self._unknown_idf)

    def common_stems(self) -> frozenset[str]:
        """Stems most topics use ("microneedling", "skin"): they say nothing about which topic."""
        return frozenset(s for s, ids in self._postings.items() if len(ids) > self._topic_count / 2)

    def distinctive(self, stem_: str) -> bool:
        """Used by some topics but not most: a word that points somewhere."""
        return 0 < len(self._postings.get(stem_, ())) <= self._topic_count / 2

    def rank(self, text: str, limit: int = 5, without: int | None = None) -> list[Candidate]:
        """Topics ordered by score, best first; empty when no word is known.

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
            for topic_id in self._postings.get(s, ()):
                coverage[topic_id] += w
            for topic_id in self._keyword_postings.get(s, ()):
                keyword[topic_id] += w
            for example in self._example_postings.get(s, ()):
                overlap[example] += w
        if without is not None:
            overlap.pop(without, None)
            topic_id, _, left_out = self._examples[without]
            for s in q & left_out:
                if self._uses[topic_id, s] == 1:
                    coverage[topic_id] -= self._weight(s)
        for topic_id, phrase_stems in self._phrase_hits(stems):
            extra = phrase_stems - self._keyword_set(topic_id, q)
            keyword[topic_id] += sum(self._weight(s) for s in extra)

        best: dict[str, tuple[float, str]] = {}
        for example, inter in overlap.items():
            topic_id, example_text, _ = self._examples[example]
            sim = inter / (total + self._example_weight[example] - inter)
            if sim > best.get(topic_id, (0.0, ""))[0]:
                best[topic_id] = (sim, example_text)

        out = []
        for topic_id, covered in coverage.items():
            if covered <= 1e-9 and topic_id not in best:
                continue
            cov = covered / total
            kw = min(1.0, keyword.get(topic_id, 0.0) / total)
            ex, example_text = best.get(topic_id, (0.0, ""))
            score = W_COVERAGE * cov + W_EXAMPLE * ex + W_KEYWORD * kw
            out.append(Candidate(topic_id, round(score, 4), cov, ex, kw, example_text))
        out.sort(key=lambda c: (-c.score, c.topic_id))
        return out[:limit]

    def _keyword_set(self, topic_id: str, q: set[str]) -> set[str]:
        """Question stems already credited to ``topic_id`` as single keywords."""
        return {s for s in q if topic_id in self._keyword_postings.get(s, ())}

    def _phrase_hits(self, stems: list[str]) -> list[tuple[str, set[str]]]:
        """(topic, stems) for each multi-word keyword found whole in the question."""
        found: dict[str, set[str]] = defaultdict(set)
        for i, first in enumerate(stems):
            for topic_id, phrase in self._phrases.get(first, ()):
                if tuple(stems[i : i + len(phrase)]) == phrase:
                    found[topic_id].update(phrase)
        return list(found.items())
