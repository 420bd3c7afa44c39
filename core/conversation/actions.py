"""Button action ids: short strings such as ``faq:downtime`` or ``ticket:claim:12``.

They travel through Telegram callback data and Discord custom ids and must still
mean the same thing after a restart or a content reload, so they carry names,
never positions or object ids, and every id is built and read here: the
strings below are a stored format (buttons sent before an upgrade are still
pressed after it). Anything that does not parse is treated as stale.
"""

from __future__ import annotations

from typing import NamedTuple

MENU = "menu"
BOOK = "book"
HUMAN = "human"
FAQ = "faq"
FORGET = "forget"
LANGUAGE = "lang"
TICKET = "ticket"
LEAD = "lead"

CLIENT_VERBS = frozenset({FAQ, MENU, BOOK, HUMAN, FORGET, LANGUAGE})
"""What a client's buttons can say; staff's cards carry ``ticket`` and ``lead``."""
KNOWN_VERBS = CLIENT_VERBS | {TICKET, LEAD}


class Action(NamedTuple):
    verb: str
    arg: str = ""

    @property
    def step(self) -> str:
        """The first part of the argument: ``concern`` in ``book:concern:pores``, ``claim`` in ``ticket:claim:12``."""
        return self.arg.partition(":")[0]

    @property
    def value(self) -> str:
        """The rest of the argument: ``pores`` in ``book:concern:pores``, ``12`` in ``ticket:claim:12``."""
        return self.arg.partition(":")[2]


def _join(*parts: str) -> str:
    return ":".join(p for p in parts if p)


def faq(topic_id: str) -> str:
    return _join(FAQ, topic_id)


def section(section_id: str) -> str:
    return _join(MENU, section_id)


def language(code: str) -> str:
    return _join(LANGUAGE, code)


def forget(choice: str) -> str:
    """``forget:confirm`` deletes the client's records; ``forget:keep`` keeps them."""
    return _join(FORGET, choice)


def book(step: str = "", value: str = "") -> str:
    """A booking action: ``book`` starts one, ``book:confirm``, ``book:concern:pores`` act on the draft."""
    return _join(BOOK, step, value)


def ticket(verb: str, number: int) -> str:
    """A desk card's button on a ticket: ``ticket:claim:12``, ``ticket:close:12``."""
    return _join(TICKET, verb, str(number))


def lead(verb: str, ref: str) -> str:
    """A lead card's button on a consultation request: ``lead:claim:MN-AB12-CD34``."""
    return _join(LEAD, verb, ref)


def parse(action_id: str) -> Action | None:
    """Split an action id; ``None`` for anything the core never issued."""
    verb, _, arg = action_id.strip().partition(":")
    if verb not in KNOWN_VERBS:
        return None
    if verb == FAQ and not arg:
        return None
    return Action(verb, arg)
