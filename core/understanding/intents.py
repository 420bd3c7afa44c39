"""What a client wants besides an answer: to book, to reach a person, small talk.

A one-word phrase such as "book" is only *weak* evidence when the rest of the
message is a real question ("how often should I book?"); the FAQ gets the first
say then. Small talk counts only when the message is nothing but small talk, so
"hi, what's the downtime?" is still answered.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import NamedTuple

from core.content.models import Intents
from core.understanding.phrases import PhraseList

ONLY_ALONE = ("menu", "help", "greeting", "thanks", "bye")
"""Intents that count only when the message says nothing else ("can it help with scars?")."""


class Intent(StrEnum):
    BOOK = "book"
    HUMAN = "human"
    MENU = "menu"
    HELP = "help"
    GREETING = "greeting"
    THANKS = "thanks"
    BYE = "bye"


class Match(NamedTuple):
    intent: Intent
    strong: bool
    phrase: str


class IntentDetector:
    def __init__(self, intents: Intents) -> None:
        self._lists = {intent: PhraseList(getattr(intents, intent.value)) for intent in Intent}

    def detect(self, stems: Sequence[str], content: set[int], known: set[int]) -> Match | None:
        """Find the intent.

        ``content`` are positions of non-filler words, ``known`` those of them the
        topics also use: an intent word among known words is only weak evidence.
        """
        for intent in (Intent.BOOK, Intent.HUMAN):
            hits = self._lists[intent].find(stems)
            if hits:
                covered = self._lists[intent].covered(stems)
                strong = (hits[0].end - hits[0].start) > 1 or not (known - covered)
                return Match(intent, strong, hits[0].phrase)
        for name in ONLY_ALONE:
            intent = Intent(name)
            covered = self._lists[intent].covered(stems)
            if covered and not (content - covered):
                return Match(intent, True, self._lists[intent].find(stems)[0].phrase)
        return None
