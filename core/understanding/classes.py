"""The outcomes a client message can have, each described by example messages.

Every topic is an outcome, and so is each thing a client may want besides an
answer (booking, a person, small talk, a clinic detail) and each thing the bot
must not answer from the topics (a medical question, a complication, anything
out of scope). Treating them all alike is what lets the bot *decide* instead of
thresholding one score: "can I do it while pregnant" is close to a medical
example before it is close to any topic.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from core.content.models import Library


class Kind(StrEnum):
    TOPIC = "topic"
    BOOK = "book"
    APPOINTMENT = "appointment"
    HUMAN = "human"
    GREETING = "greeting"
    THANKS = "thanks"
    BYE = "bye"
    MENU = "menu"
    HELP = "help"
    PRICE = "price"
    LOCATION = "location"
    HOURS = "hours"
    CONTACT = "contact"
    MEDICAL = "medical"
    URGENT = "urgent"
    OUT_OF_SCOPE = "out_of_scope"


CLINIC_FACTS = frozenset({Kind.PRICE, Kind.LOCATION, Kind.HOURS, Kind.CONTACT})
SAFETY = frozenset({Kind.MEDICAL, Kind.URGENT})


@dataclass(frozen=True)
class OutcomeClass:
    """One outcome and the texts that describe it.

    ``id`` is the topic id for topics and the kind's name otherwise (the loader
    keeps topic ids from clashing with those names).
    """

    id: str
    kind: Kind
    examples: tuple[str, ...]
    title: str = ""
    keywords: tuple[str, ...] = ()
    section: str = ""
    """The menu section of a topic: topics of one section are parts of one subject."""


def outcome_classes(library: Library) -> list[OutcomeClass]:
    """Topics first (in file order), then every other outcome from examples.yaml."""
    sections = {topic: s.id for s in library.menu.sections for topic in s.topics}
    classes = [
        OutcomeClass(t.id, Kind.TOPIC, tuple(t.examples), t.title, tuple(t.keywords), sections.get(t.id, ""))
        for t in library.topics.values()
    ]
    for name in type(library.examples).model_fields:
        classes.append(OutcomeClass(name, Kind(name), tuple(getattr(library.examples, name))))
    return classes
