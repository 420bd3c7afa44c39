"""`run.py report unanswered`: what clients asked that the bot could not answer, grouped.

Similar wordings are grouped (rapidfuzz token-set similarity over the words that
carry meaning) so staff see "how much is it" asked 40 times as one line, with
the topic the current content would come closest to.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from rapidfuzz import fuzz, process

from cli.spreadsheet import as_csv as spreadsheet_csv
from cli.spreadsheet import local_time
from core.knowledge import Knowledge
from core.records import Unanswered
from core.text import content_words

SIMILAR = 80


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


def group(entries: list[Unanswered], common: frozenset[str] = frozenset()) -> list[Group]:
    """Groups of similar questions, most frequent first; ``common`` words are ignored
    when comparing, so "cost of microneedling" joins "how much does it cost"."""
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


def rows(groups: list[Group], knowledge: Knowledge) -> list[dict]:
    zone = knowledge.library.clinic.hours.timezone
    out = []
    for g in groups:
        ranked = [s for s in knowledge.classifier.scores(g.example) if s.kind == "topic"][:1]
        out.append({
            "count": g.count,
            "question": g.example,
            "other_wordings": len(g.wordings) - 1,
            "closest_topic": ranked[0].class_id if ranked else "",
            "score": round(ranked[0].score, 2) if ranked else 0.0,
            "last_seen": local_time(g.last_seen, zone),
        })
    return out


def as_csv(table: list[dict]) -> str:
    return spreadsheet_csv(table, ["count", "question", "other_wordings", "closest_topic", "score", "last_seen"])


def as_text(table: list[dict]) -> str:
    if not table:
        return "No unanswered questions in this period."
    lines = ["count  closest topic (score)            question"]
    for row in table:
        closest = f"{row['closest_topic'] or '-'} ({row['score']:.2f})"
        more = f"  (+{row['other_wordings']} similar wordings)" if row["other_wordings"] else ""
        lines.append(f"{row['count']:>5}  {closest:<32} {row['question']}{more}")
    return "\n".join(lines)
