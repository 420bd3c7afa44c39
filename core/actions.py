"""Button action ids: short strings such as ``faq:downtime`` or ``menu:benefits``.

They travel through Telegram callback data and Discord custom ids and must still
mean the same thing after a restart or a content reload, so they carry names,
never positions or object ids. Anything that does not parse is treated as stale.
"""

from __future__ import annotations

from typing import NamedTuple

MENU = "menu"
BOOK = "book"
HUMAN = "human"


class Action(NamedTuple):
    verb: str
    arg: str = ""


def faq(topic_id: str) -> str:
    return f"faq:{topic_id}"


def section(section_id: str) -> str:
    return f"menu:{section_id}"


def language(code: str) -> str:
    return f"lang:{code}"


KNOWN_VERBS = frozenset({"faq", "menu", "book", "human", "forget", "lang"})


def parse(action_id: str) -> Action | None:
    """Split an action id; ``None`` for anything the core never issued."""
    verb, _, arg = action_id.strip().partition(":")
    if verb not in KNOWN_VERBS:
        return None
    if verb == "faq" and not arg:
        return None
    return Action(verb, arg)
