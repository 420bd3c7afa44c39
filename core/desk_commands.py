"""The staff desk's commands, each declared once with its usage, help line and handler.

Dispatch, `/help` in the desk and the platforms' command menus all read this
registry (errbot's idea), so a command cannot work without being listed, or be
listed without working. Handlers register with :func:`desk_command` where they
are written: the handoff's (tickets, lists) take the desk message's ticket, if
any; the core's own (reload, digest) are coroutines, since they wait on files.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class DeskCommand:
    name: str
    usage: str
    summary: str
    in_ticket: bool
    """Acts on one ticket: typed in its thread, or with its number (/reply 12 text)."""
    handler: Callable

    @property
    def is_async(self) -> bool:
        return inspect.iscoroutinefunction(self.handler)


_REGISTRY: dict[str, DeskCommand] = {}


def desk_command(usage: str, summary: str, in_ticket: bool = False) -> Callable[[Callable], Callable]:
    """Declare a desk command: ``usage`` starts with its name ("/reply N text")."""
    def register(handler: Callable) -> Callable:
        name = usage.split()[0].removeprefix("/")
        _REGISTRY[name] = DeskCommand(name, usage, summary, in_ticket, handler)
        return handler
    return register


def desk_commands() -> list[DeskCommand]:
    """Every desk command, in the order they are listed to staff."""
    return sorted(_REGISTRY.values(), key=lambda c: (not c.in_ticket, c.name == "help", c.name))


def find(text: str) -> tuple[DeskCommand | None, str]:
    """The command a desk message starts with ("/claim@medspa_bot" included) and the rest of it;
    (None, text) when the message is not a command we know."""
    if not text.startswith("/"):
        return None, text
    word, _, rest = text[1:].partition(" ")
    return _REGISTRY.get(word.split("@")[0].lower()), rest.strip()


def named(name: str) -> DeskCommand | None:
    return _REGISTRY.get(name)


def help_text() -> str:
    lines = [f"- **{c.usage}**: {c.summary}" for c in desk_commands()]
    return "\n".join(["**Desk commands**", *lines, "In a ticket's thread, anything else you write goes to the client."])
