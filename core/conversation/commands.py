"""Every command, the clients' and the staff desk's, each declared once: its name, who may
use it, its help line and its handler.

Dispatch, `/help` and the platforms' command menus all read this registry (errbot's
idea), so a command cannot work without being listed, or be listed without working.
Handlers register where they are written: the engine's client commands take the turn
and the text after the command; the handoff's desk commands (tickets, lists) take the
desk message's ticket, if any; the core's own desk commands (reload) are coroutines,
since they wait on files. A client command's description is the clinic's wording, in
``commands:`` of content/messages.yaml and its translations; a desk command's help
line is written with it here, since staff read English.

Typed commands are read by :func:`parse_command` alone: "/Claim@medspa_bot 12 text",
a name in another language ("/idioma") and any case mean the same command.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal, NamedTuple

from core.content.models import DeskMessages

Who = Literal["client", "staff"]
CLIENT: Who = "client"
STAFF: Who = "staff"


@dataclass(frozen=True)
class Command:
    name: str
    who: Who
    usage: str
    summary: str
    """The help line of a desk command; a client command's is in the content."""
    handler: Callable
    in_ticket: bool = False
    """Acts on one ticket: typed in its thread, or with its number (/reply 12 text)."""
    local_names: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """Its name in a language where it has one of its own: {"es": "idioma"}."""
    takes_text: bool = False
    """Reads the words after it (/ask question), so a platform's menu offers a text field."""
    with_staff: bool = False
    """Answered by the bot even while the client's ticket is open (privacy, language)."""

    @property
    def is_async(self) -> bool:
        return inspect.iscoroutinefunction(self.handler)

    def name_in(self, language: str) -> str:
        return self.local_names.get(language, self.name)


class Typed(NamedTuple):
    """A typed command: its name (in English, lower case) and the text after it."""

    name: str
    rest: str


_REGISTRY: dict[tuple[Who, str], Command] = {}


def _register(command: Command) -> Callable:
    _REGISTRY[command.who, command.name] = command
    return command.handler


def desk_command(usage: str, summary: str, in_ticket: bool = False) -> Callable[[Callable], Callable]:
    """Declare a desk command: ``usage`` starts with its name ("/reply N text")."""
    name = usage.split()[0].removeprefix("/")
    return lambda handler: _register(Command(name, STAFF, usage, summary, handler, in_ticket))


def client_command(
    name: str, local_names: Mapping[str, str] | None = None, takes_text: bool = False, with_staff: bool = False
) -> Callable[[Callable], Callable]:
    """Declare a client command; they are listed to clients in the order they are declared."""
    names = MappingProxyType(dict(local_names or {}))
    return lambda handler: _register(
        Command(name, CLIENT, f"/{name}", "", handler, local_names=names, takes_text=takes_text, with_staff=with_staff)
    )


def parse_command(text: str) -> Typed | None:
    """The command ``text`` starts with ("/Idioma@medspa_bot es" is ``language`` with "es");
    ``None`` when it is not a command at all."""
    text = text.strip()
    if not text.startswith("/"):
        return None
    word, _, rest = text[1:].partition(" ")
    name = word.split("@", 1)[0].lower()
    english = next((c.name for c in _REGISTRY.values() if name in c.local_names.values()), name)
    return Typed(english, rest.strip())


def find(text: str, who: Who = STAFF) -> tuple[Command | None, str]:
    """The command of ``who`` a message starts with and the rest of it; (None, text) when the
    message is not a command we know."""
    typed = parse_command(text)
    if typed is None:
        return None, text
    return _REGISTRY.get((who, typed.name)), typed.rest


def named(name: str, who: Who = STAFF) -> Command | None:
    return _REGISTRY.get((who, name))


def client_commands() -> list[Command]:
    return [c for c in _REGISTRY.values() if c.who == CLIENT]


def desk_commands() -> list[Command]:
    """Every desk command, in the order they are listed to staff."""
    staff = [c for c in _REGISTRY.values() if c.who == STAFF]
    return sorted(staff, key=lambda c: (not c.in_ticket, c.name == "help", c.name))


def help_text(desk: DeskMessages) -> str:
    """The desk's /help: every desk command with its one line, framed by the desk's wording."""
    lines = [f"- **{c.usage}**: {c.summary}" for c in desk_commands()]
    return "\n".join([desk.help_title, *lines, desk.help_footer])
