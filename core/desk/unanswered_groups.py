"""Unanswered questions grouped, so staff see a question asked 40 ways as one line.

Questions are grouped twice: first by wording (rapidfuzz token-set similarity
over the words that carry meaning), then by meaning, with the sentence encoder
the bot itself understands with, so "how much is it" and "what's the price"
are one line, not two. The report, the desk's /unanswered and the daily digest
all group this way.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from rapidfuzz import fuzz, process

from core.storage.records import Unanswered
from core.understanding.text import content_words

SIMILAR = 80
"""Token-set similarity (0-100) above which two wordings are one question."""
SAME_MEANING = 0.58
"""Cosine similarity above which two questions mean the same: "how much does it cost" and
"pricing?" are 0.6 apart, "do you do botox" and "do you offer fillers" 0.3."""
Encode = Callable[[Sequence[str]], np.ndarray]


@dataclass
class Group:
    key: str
    wordings: Counter = field(default_factory=Counter)
    last_seen: datetime | None = None

    @property
    def count(self) -> int:
        return sum(self.wordings.values())

    @property
    def example(self) -> str:
        return self.wordings.most_common(1)[0][0]


def group(entries: list[Unanswered], common: frozenset[str] = frozenset(), encode: Encode | None = None) -> list[Group]:
    """Groups of similar questions, most frequent first; ``common`` words are ignored
    when comparing, so "cost of microneedling" joins "how much does it cost". With
    ``encode`` (the bot's sentence encoder), groups that mean the same are merged too."""
    groups = _by_wording(entries, common)
    return _by_meaning(groups, encode) if encode is not None and len(groups) > 1 else groups


def _by_meaning(groups: list[Group], encode: Encode) -> list[Group]:
    """Each group joins the most frequent earlier one it means the same as. One vector per
    group (its most frequent wording), so a month of questions takes a second or two."""
    vectors = encode([g.example for g in groups])
    merged: list[Group] = []
    leaders: list[int] = []
    for n, g in enumerate(groups):
        similar = vectors[leaders] @ vectors[n] if leaders else np.empty(0)
        if similar.size and similar.max() >= SAME_MEANING:
            target = merged[int(similar.argmax())]
            target.wordings.update(g.wordings)
            target.last_seen = max(filter(None, (target.last_seen, g.last_seen)))
        else:
            merged.append(g)
            leaders.append(n)
    return sorted(merged, key=lambda g: (-g.count, g.example))


def _by_wording(entries: list[Unanswered], common: frozenset[str]) -> list[Group]:
    groups: list[Group] = []
    keys: list[str] = []
    for entry in entries:
        words = set(content_words(entry.text))
        key = " ".join(sorted(words - common or words)) or entry.text.casefold().strip()
        found = process.extractOne(key, keys, scorer=fuzz.token_set_ratio, score_cutoff=SIMILAR) if keys else None
        if found is None:
            groups.append(Group(key))
            keys.append(key)
            target = groups[-1]
        else:
            target = groups[found[2]]
        target.wordings[entry.text] += 1
        target.last_seen = max(filter(None, (target.last_seen, entry.at)))
    return sorted(groups, key=lambda g: (-g.count, g.example))
