"""Safety triage: the check that runs before any answer and is never skipped.

Possible complications are urgent; personal medical situations need a person's
judgement. Both lists are content, so clinicians can extend them without code.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import NamedTuple

from core.content.models import Safety
from core.understanding.phrases import PhraseList


class Level(StrEnum):
    URGENT = "urgent"
    MEDICAL = "medical"


class Verdict(NamedTuple):
    level: Level
    phrase: str


class Triage:
    def __init__(self, safety: Safety) -> None:
        self._urgent = PhraseList(safety.urgent)
        self._medical = PhraseList(safety.medical)
        self._not_medical = PhraseList(safety.not_medical)

    def assess(self, stems: Sequence[str]) -> Verdict | None:
        """Urgent beats medical; a medical phrase inside a `not_medical` phrase is ignored."""
        for hit in self._urgent.find(stems):
            return Verdict(Level.URGENT, hit.phrase)
        masked = self._not_medical.covered(stems)
        for hit in self._medical.find(stems):
            if not masked.intersection(range(hit.start, hit.end)):
                return Verdict(Level.MEDICAL, hit.phrase)
        return None
