"""Deciding between a confident answer, a "did you mean", and the fallback.

The rule is to never give a confident wrong answer: a topic is answered only when
it scores well *and* clearly beats the runner-up. Messages holding two questions
("how long does it take and does it hurt?") are split and answered together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from core.matcher import Candidate, Matcher

ANSWER_AT = 0.5
MARGIN = 0.08
CLARIFY_AT = 0.3
CLARIFY_WINDOW = 0.2
MAX_TOPICS_PER_REPLY = 3

_SPLIT = re.compile(
    r"[?;!\n]+|\.\s+|,\s*(?=\w)|\s+(?:and|also|plus|&)\s+(?=(?:how|what|whats|when|where|can|could|do|does|is|are|will|should|would|any)\b)",
    re.IGNORECASE,
)


class Outcome(StrEnum):
    ANSWER = "answer"
    CLARIFY = "clarify"
    FALLBACK = "fallback"


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    topics: tuple[str, ...]
    confidence: float
    candidates: tuple[Candidate, ...]


def _decide(candidates: list[Candidate]) -> Decision:
    if not candidates or candidates[0].score < CLARIFY_AT:
        top = candidates[0].score if candidates else 0.0
        return Decision(Outcome.FALLBACK, (), top, tuple(candidates))
    top = candidates[0]
    runner_up = candidates[1].score if len(candidates) > 1 else 0.0
    if top.score >= ANSWER_AT and top.score - runner_up >= MARGIN:
        return Decision(Outcome.ANSWER, (top.topic_id,), top.score, tuple(candidates))
    close = tuple(c.topic_id for c in candidates if top.score - c.score <= CLARIFY_WINDOW)
    return Decision(Outcome.CLARIFY, close[:MAX_TOPICS_PER_REPLY], top.score, tuple(candidates))


def split_questions(text: str) -> list[str]:
    return [part.strip() for part in _SPLIT.split(text) if part and part.strip()]


def decide(matcher: Matcher, text: str, without: int | None = None) -> Decision:
    """Decide on the whole message, or on its parts when it holds several clear questions."""
    whole = _decide(matcher.rank(text, without=without))
    parts = split_questions(text)
    if len(parts) < 2:
        return whole
    answered: list[Decision] = []
    for part in parts:
        decision = _decide(matcher.rank(part, without=without))
        names_it = decision.candidates and decision.candidates[0].keyword > 0  # "wait," alone is no question
        if decision.outcome is Outcome.ANSWER and names_it and decision.topics[0] not in {d.topics[0] for d in answered}:
            answered.append(decision)
    if len(answered) < 2:
        return whole
    answered = answered[:MAX_TOPICS_PER_REPLY]
    return Decision(
        Outcome.ANSWER,
        tuple(d.topics[0] for d in answered),
        min(d.confidence for d in answered),
        whole.candidates,
    )
