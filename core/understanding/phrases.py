"""Whole-word phrase lists from content files (safety triage, intents, scope).

Phrases are compared as sequences of stems, so "blister" also finds "blisters"
and "hurt" does not fire inside "shirt".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from core.understanding.text import stem, words


class Hit(NamedTuple):
    phrase: str
    start: int
    end: int


class PhraseList:
    def __init__(self, phrases: Iterable[str]) -> None:
        self._by_first: dict[str, list[tuple[str, tuple[str, ...]]]] = defaultdict(list)
        for phrase in phrases:
            target = tuple(stem(w) for w in words(phrase))
            if target:
                self._by_first[target[0]].append((phrase, target))

    def find(self, stems: Sequence[str]) -> list[Hit]:
        """Every occurrence of every phrase in the stem sequence, longest first."""
        hits = []
        for i, first in enumerate(stems):
            for phrase, target in self._by_first.get(first, ()):
                if tuple(stems[i : i + len(target)]) == target:
                    hits.append(Hit(phrase, i, i + len(target)))
        return sorted(hits, key=lambda h: h.start - h.end)

    def covered(self, stems: Sequence[str]) -> set[int]:
        """Positions of the stems that belong to some phrase."""
        return {i for hit in self.find(stems) for i in range(hit.start, hit.end)}
