"""Ranking topics for a free-text question.

Each topic is described by its title, keywords and example questions. A question
is scored against each topic on three signals, weighted by how rare each word is
across topics (so "microneedling", which every topic mentions, decides little):

- coverage: how much of the question the topic's vocabulary explains;
- best example: the closest single example question;
- keywords: how much of the question the topic's own keywords explain.

Staff tune matching by adding examples and keywords, never by touching code.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from core.content.models import Library
from core.text import STOPWORDS, stem, words
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


@dataclass(frozen=True)
class _TopicIndex:
    vocab: frozenset[str]
    keyword_stems: frozenset[str]
    keyword_phrases: tuple[tuple[str, ...], ...]
    examples: tuple[tuple[str, frozenset[str]], ...]


class Matcher:
    def __init__(self, library: Library, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary
        self._topics: dict[str, _TopicIndex] = {}
        postings: dict[str, set[str]] = defaultdict(set)
        for topic in library.topics.values():
            examples = tuple((e, frozenset(self._stems(e))) for e in [topic.title, *topic.examples])
            keyword_lists = [self._stems(k) for k in topic.keywords]
            phrases = tuple(tuple(ks) for ks in keyword_lists if len(ks) > 1)
            keyword_stems = frozenset(ks[0] for ks in keyword_lists if len(ks) == 1)
            vocab = keyword_stems.union(*phrases, *(s for _, s in examples))
            self._topics[topic.id] = _TopicIndex(
                vocab=vocab,
                keyword_stems=keyword_stems,
                keyword_phrases=phrases,
                examples=examples,
            )
            for s in vocab:
                postings[s].add(topic.id)
        n = len(self._topics)
        self._idf = {s: math.log(1 + n / len(ids)) for s, ids in postings.items()}
        self._unknown_idf = UNKNOWN_WEIGHT * math.log(1 + n)
        self._postings = postings

    def _stems(self, text: str) -> list[str]:
        return [stem(w) for w in words(text) if w not in STOPWORDS]

    def query_stems(self, text: str) -> list[str]:
        return [stem(w) for w in self.vocabulary.words(text) if w not in STOPWORDS]

    def distinctive(self, stem_: str) -> bool:
        """Used by some topics but not most: a word that points somewhere."""
        return 0 < len(self._postings.get(stem_, ())) <= len(self._topics) / 2

    def _weight(self, s: str) -> float:
        return self._idf.get(s, self._unknown_idf)

    def rank(self, text: str, limit: int = 5) -> list[Candidate]:
        """Topics ordered by score, best first; empty when no word is known."""
        stems = self.query_stems(text)
        q = set(stems)
        total = sum(self._weight(s) for s in q)
        if not total:
            return []
        touched = set().union(*(self._postings.get(s, ()) for s in q))
        out = []
        for topic_id in touched:
            index = self._topics[topic_id]
            coverage = sum(self._weight(s) for s in q & index.vocab) / total
            in_phrases = self._phrase_stems(stems, index.keyword_phrases)
            keyword = sum(self._weight(s) for s in q & (index.keyword_stems | in_phrases)) / total
            example, best = 0.0, ""
            for text_, ex in index.examples:
                union = sum(self._weight(s) for s in q | ex)
                sim = sum(self._weight(s) for s in q & ex) / union if union else 0.0
                if sim > example:
                    example, best = sim, text_
            score = W_COVERAGE * coverage + W_EXAMPLE * example + W_KEYWORD * keyword
            out.append(Candidate(topic_id, round(score, 4), coverage, example, keyword, best))
        out.sort(key=lambda c: (-c.score, c.topic_id))
        return out[:limit]

    @staticmethod
    def _phrase_stems(stems: list[str], phrases: tuple[tuple[str, ...], ...]) -> set[str]:
        """Stems of the question covered by a multi-word keyword found in it whole."""
        found: set[str] = set()
        for phrase in phrases:
            n = len(phrase)
            if any(tuple(stems[i : i + n]) == phrase for i in range(len(stems) - n + 1)):
                found.update(phrase)
        return found
