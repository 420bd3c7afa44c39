"""Deciding what to do with a message, the way a person at the front desk would.

Answer when one topic clearly wins; when the two closest are parts of one
subject (the same menu section, say the first series and the later intervals),
answer both, as a person would; when two or three unrelated topics are close,
ask "did you mean" with real alternatives; when the best match is booking, a person, small
talk, a clinic detail or out of scope, do that; otherwise fall back to the menu,
booking and the team. Safety is asymmetric: a complication or a personal
medical question that comes close to the top is escalated even when a topic
scores a little higher, because a needless phone call costs little and a
missed complication costs a great deal.

Messages holding two questions ("how long does it take and does it hurt?") are
split and answered together, and any part that reads as a complication makes
the whole message urgent.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from core.understanding.classes import Kind
from core.understanding.classifier import Classifier, Score

ANSWER_AT = 0.23
"""A topic below this is never answered outright."""
MARGIN = 0.01
"""How far the best topic must lead the runner-up to be answered without asking."""
SHORT_MARGIN, SHORT_WORDS = 0.08, 2
"""A message of a word or two ("weeks?") says too little to choose between two
close topics, so it needs a clearer lead."""
CLARIFY_AT = 0.21
CLARIFY_WINDOW = 0.02
OTHER_AT = 0.25
"""Booking, a person, small talk and the rest act only above this."""
URGENT_AT, URGENT_WINDOW = 0.27, 0.0
"""An urgent outcome this close to the top wins even when it is not first."""
MEDICAL_AT, MEDICAL_WINDOW = 0.30, 0.01
PART_URGENT_AT = 0.45
"""One sentence of a longer message is urgent only when it reads as urgent on its own."""
MAX_TOPICS_PER_REPLY = 3
FOLLOW_UP_WORDS = 5
"""Messages this short may lean on the conversation's last topic ("and after that?")."""

_SPLIT = re.compile(
    r"[?;!\n]+|\.\s+|\s+(?:and|also|plus|&|y|tambien|también)\s+(?=(?:how|what|whats|when|where|can|could|do|does|is|are|will|should|would|any|como|cuanto|cuando|que|puedo|se)\b)",
    re.IGNORECASE,
)


Outcome = StrEnum(
    "Outcome",
    {
        "ANSWER": "answer",
        "CLARIFY": "clarify",
        "FALLBACK": "fallback",
        **{kind.name: kind.value for kind in Kind if kind is not Kind.TOPIC},
    },
)
"""What to do with a message: answer topics, ask "did you mean", fall back, or act on one of
the other outcome classes (built from ``Kind``, so a new class is a new outcome too)."""


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    topics: tuple[str, ...]
    confidence: float
    scores: tuple[Score, ...]
    phrase: str = ""
    """The safety or intent phrase that decided; empty when the classifier did."""


Siblings = Callable[[str, str], bool]
"""Whether two topics are parts of one subject (the same menu section)."""


def _best(scores: list[Score], kind: Kind) -> Score | None:
    return next((s for s in scores if s.kind is kind), None)


def _decide(scores: list[Score], margin: float = MARGIN, siblings: Siblings = lambda a, b: False) -> Decision:
    if not scores:
        return Decision(Outcome.FALLBACK, (), 0.0, ())
    top = scores[0]
    kept = tuple(scores)
    for kind, at, window in ((Kind.URGENT, URGENT_AT, URGENT_WINDOW), (Kind.MEDICAL, MEDICAL_AT, MEDICAL_WINDOW)):
        best = _best(scores, kind)
        if best is not None and (best is top or (best.score >= at and top.score - best.score <= window)):
            return Decision(Outcome(kind.value), (), best.score, kept)
    if top.kind is not Kind.TOPIC:
        outcome = Outcome(top.kind.value) if top.score >= OTHER_AT else Outcome.FALLBACK
        return Decision(outcome, (), top.score, kept)
    runner_up = scores[1].score if len(scores) > 1 else 0.0
    if top.score >= ANSWER_AT and top.score - runner_up >= margin:
        return Decision(Outcome.ANSWER, (top.class_id,), top.score, kept)
    close = tuple(
        s.class_id
        for s in scores[: MAX_TOPICS_PER_REPLY + 1]
        if s.kind is Kind.TOPIC and top.score - s.score <= max(CLARIFY_WINDOW, margin)
    )[:MAX_TOPICS_PER_REPLY]
    if top.score >= ANSWER_AT and len(close) >= 2 and margin == MARGIN and siblings(close[0], close[1]):
        return Decision(Outcome.ANSWER, close[:2], top.score, kept)  # two parts of one subject: answer both
    if top.score >= CLARIFY_AT and len(close) >= 2:
        return Decision(Outcome.CLARIFY, close, top.score, kept)
    if top.score >= ANSWER_AT and top.score - runner_up >= MARGIN:
        return Decision(Outcome.ANSWER, (top.class_id,), top.score, kept)
    return Decision(Outcome.FALLBACK, (), top.score, kept)


def _margin(text: str) -> float:
    return SHORT_MARGIN if len(text.split()) <= SHORT_WORDS else MARGIN


def split_questions(text: str) -> list[str]:
    return [part.strip() for part in _SPLIT.split(text) if part and part.strip()]


def decide(classifier: Classifier, text: str, without: tuple[str, int] | None = None, last_topic: str | None = None) -> Decision:
    """Decide on the whole message, or on its parts when it holds several questions."""
    whole = _decide(classifier.scores(text, without), _margin(text), classifier.siblings)
    parts = split_questions(text)
    decisions = [_decide(classifier.scores(part, without), _margin(part), classifier.siblings) for part in parts] if len(parts) > 1 else []
    if whole.outcome is not Outcome.URGENT:
        urgent = next((d for d in decisions if d.scores[0].kind is Kind.URGENT and d.confidence >= PART_URGENT_AT), None)
        if urgent is not None:
            return Decision(Outcome.URGENT, (), urgent.confidence, whole.scores)
    answered: list[Decision] = []
    for decision in decisions:
        if decision.outcome is Outcome.ANSWER and decision.topics[0] not in {d.topics[0] for d in answered}:
            answered.append(decision)
    if len(answered) >= 2 and whole.outcome in (Outcome.ANSWER, Outcome.CLARIFY, Outcome.FALLBACK):
        answered = answered[:MAX_TOPICS_PER_REPLY]
        return Decision(Outcome.ANSWER, tuple(d.topics[0] for d in answered), min(d.confidence for d in answered), whole.scores)
    if last_topic and whole.outcome is Outcome.FALLBACK and len(text.split()) <= FOLLOW_UP_WORDS:
        follow_up = _decide(classifier.scores(f"{text} {classifier.title(last_topic)}", without))
        if follow_up.outcome is Outcome.ANSWER:
            return follow_up
    return whole
