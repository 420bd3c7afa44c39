"""Everything derived from one version of the content, built once and swapped whole.

A reply is always computed from a single :class:`Knowledge`, so a content reload
in the middle of a conversation can never mix an old menu with a new topic.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.content.models import Library
from core.intents import IntentDetector
from core.matcher import Matcher
from core.replies import Replies
from core.safety import Triage
from core.text import STOPWORDS, stem
from core.vocabulary import Vocabulary


@dataclass(frozen=True)
class Analysis:
    """A message split into corrected stems, with the positions that carry meaning."""

    stems: tuple[str, ...]
    content: frozenset[int]
    known: frozenset[int]


class Knowledge:
    def __init__(self, library: Library) -> None:
        self.library = library
        texts: list[str] = []
        for topic in library.topics.values():
            texts += [topic.title, topic.body, *topic.examples, *topic.keywords]
        for phrases in (library.safety.urgent, library.safety.medical, library.safety.not_medical):
            texts += phrases
        for field in type(library.intents).model_fields:
            texts += getattr(library.intents, field)
        self.vocabulary = Vocabulary(texts)
        self.matcher = Matcher(library, self.vocabulary)
        self.triage = Triage(library.safety)
        self.intents = IntentDetector(library.intents)
        self.replies = Replies(library)

    def analyse(self, text: str) -> Analysis:
        corrected = self.vocabulary.words(text)
        stems = tuple(stem(w) for w in corrected)
        content = frozenset(i for i, w in enumerate(corrected) if w not in STOPWORDS)
        known = frozenset(i for i in content if self.matcher.distinctive(stems[i]))
        return Analysis(stems, content, known)
