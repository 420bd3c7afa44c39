"""Everything derived from one version of the content, built once and swapped whole.

A reply is always computed from a single :class:`Knowledge`, so a content reload
in the middle of a conversation can never mix an old menu with a new topic.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from core.content.models import Library
from core.conversation.replies import Replies
from core.understanding.classes import outcome_classes
from core.understanding.classifier import Classifier
from core.understanding.decide import Decision, Outcome, decide
from core.understanding.encoder import EmbeddingCache, Encoder
from core.understanding.intents import Intent, IntentDetector
from core.understanding.safety import Triage
from core.understanding.text import STOPWORDS, plain, stem
from core.understanding.vocabulary import Vocabulary

DECISIVE_INTENTS = (Intent.HUMAN, Intent.GREETING, Intent.THANKS, Intent.BYE, Intent.MENU, Intent.HELP)
"""Phrase matches that need no classifier: "talk to a person", or a message that is only "hi".
Booking phrases are left to the classifier, which tells a new booking from a change to one."""


@dataclass(frozen=True)
class Analysis:
    """A message split into corrected stems, with the positions that carry meaning."""

    stems: tuple[str, ...]
    content: frozenset[int]
    known: frozenset[int]


@cache
def shared_encoder() -> Encoder:
    """One encoder per process: every content version uses the same model."""
    return Encoder.load()


@cache
def shared_cache() -> EmbeddingCache:
    """Example vectors are kept on disk by content, so a restart or reload of
    unchanged examples costs a file read instead of encoding them again."""
    folder = os.environ.get("MEDSPA_CACHE_DIR") or Path.home() / ".cache" / "medspa-bot" / "embeddings"
    return EmbeddingCache(Path(folder))


class Knowledge:
    def __init__(self, library: Library, encoder: Encoder | None = None, cache: EmbeddingCache | None = None) -> None:
        self.library = library
        classes = outcome_classes(library)
        texts: list[str] = []
        for c in classes:
            texts += [c.title, *c.examples, *c.keywords]
        for topic in library.topics.values():
            texts.append(topic.body)
        for phrases in (library.safety.urgent, library.safety.medical, library.safety.not_medical):
            texts += phrases
        for field in type(library.intents).model_fields:
            texts += getattr(library.intents, field)
        self.vocabulary = Vocabulary(texts)
        self.classifier = Classifier(classes, self.vocabulary, encoder or shared_encoder(), cache or shared_cache())
        self.triage = Triage(library.safety)
        self.intents = IntentDetector(library.intents)
        self.replies = Replies(library)
        self._speaking: dict[str, Knowledge] = {library.language: self}

    def in_language(self, language: str) -> Knowledge:
        """The same understanding answering in ``language``: the content's translation when
        there is one, otherwise this. Built once per content version and language."""
        if language not in self._speaking:
            library = self.library.in_language(language)
            if library.language != language:
                return self
            view = copy.copy(self)
            view.library, view.replies = library, Replies(library)
            self._speaking[language] = view
        return self._speaking[language]

    def read(self, text: str, last_topic: str | None = None, without: tuple[str, int] | None = None) -> Decision:
        """What a client's message asks for, in the order that keeps clients safe: safety
        phrases (never skipped), then unmistakable phrases ("talk to a person", a bare
        "hi"), then the classifier. ``without`` leaves one example out (the content check)."""
        text = plain(text) or text
        analysis = self.analyse(text)
        verdict = self.triage.assess(analysis.stems)
        if verdict is not None:
            return Decision(Outcome(verdict.level.value), (), 1.0, (), phrase=verdict.phrase)
        intent = self.intents.detect(analysis.stems, set(analysis.content), set(analysis.known))
        if intent is not None and intent.strong and intent.intent in DECISIVE_INTENTS:
            return Decision(Outcome(intent.intent.value), (), 1.0, (), phrase=intent.phrase)
        decision = decide(self.classifier, text, without, last_topic)
        if decision.outcome is Outcome.FALLBACK and intent is not None and intent.intent in (Intent.BOOK, Intent.HUMAN):
            return replace(decision, outcome=Outcome(intent.intent.value))  # a weak phrase tips an unsure reading
        return decision

    def analyse(self, text: str) -> Analysis:
        corrected = self.vocabulary.words(text)
        stems = tuple(stem(w) for w in corrected)
        content = frozenset(i for i, w in enumerate(corrected) if w not in STOPWORDS)
        known = frozenset(i for i in content if self.classifier.lexical.distinctive(stems[i]))
        return Analysis(stems, content, known)
