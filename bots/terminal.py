"""The local terminal chat: the adapter a newcomer tries first, with no tokens.

Buttons are listed with numbers; typing the number (or the button's text)
presses it. Like the platform adapters it only converts: lines to events,
replies to printed text. The replies follow the conversation's language, which
the core keeps; the terminal's language (``LANG``) is passed on as the app's,
so a Spanish terminal is greeted in Spanish.
"""

from __future__ import annotations

import asyncio
import sys
import uuid
from collections.abc import Awaitable, Callable
from typing import TextIO

from bots.markdown import Style, render
from core.events import Address, Button, Event, Reply

Deliver = Callable[[list[Reply]], Awaitable[None]]
Handler = Callable[[Event, Deliver], Awaitable[list[Reply]]]
"""`Core.handle`: it prints each turn's replies through ``Deliver`` before the desk's
messages, so the terminal shows them in the order a client would see them."""

ANSI = Style(bold=("\033[1m", "\033[0m"), italic=("\033[3m", "\033[0m"), escape=lambda s: s)
PLAIN = Style(bold=("", ""), italic=("", ""), escape=lambda s: s)
QUIT = {"/quit", "/exit", "quit", "exit"}
PLATFORM = "terminal"
DESK = "terminal-desk"


class TerminalDesk:
    """The staff desk in the same terminal: desk messages are printed marked as such,
    and messages staff send to the local client appear as the bot's."""

    def __init__(self, stdout: TextIO = sys.stdout) -> None:
        self.stdout = stdout

    async def open_thread(self, title: str) -> Address:
        return Address(platform=DESK, chat_id="desk", thread_id=uuid.uuid4().hex[:8])

    async def send(self, address: Address, reply: Reply) -> None:
        who = "bot> " if address.platform == PLATFORM else "[staff desk] "
        self.stdout.write(f"\n{who}{format_reply(reply)}\n")
        self.stdout.flush()


def staff_event(line: str) -> Event | None:
    """`/staff <ticket> <text>` answers as staff; `/staff <ticket> /close` (or /note, /claim) runs a desk command."""
    parts = line.split(maxsplit=2)
    if len(parts) < 3 or parts[0] != "/staff" or not parts[1].lstrip("#").isdigit():
        return None
    number, text = parts[1].lstrip("#"), parts[2]
    if text.startswith("/"):
        command, _, rest = text.partition(" ")
        text = f"{command} {number} {rest}".strip()
    else:
        text = f"/reply {number} {text}"
    return Event(platform=DESK, chat_id="desk", user_id="staff", display_name="Staff", text=text, from_desk=True)


def format_reply(reply: Reply, style: Style = PLAIN, first_number: int = 1) -> str:
    """A reply as a person reads it in a terminal, buttons numbered from ``first_number``."""
    lines = [render(reply.text, style)]
    for n, button in enumerate(reply.buttons, start=first_number):
        target = f" -> {button.url}" if button.url else ""
        lines.append(f"  [{n}] {button.label}{target}")
    return "\n".join(lines)


def to_event(line: str, buttons: list[Button], user: str = "local", locale: str | None = None) -> Event:
    """A typed line becomes a button press when it names one of the last buttons shown."""
    choice = line.strip()
    pressed = None
    if choice.isdigit() and 1 <= int(choice) <= len(buttons):
        pressed = buttons[int(choice) - 1]
    else:
        pressed = next((b for b in buttons if b.label.casefold() == choice.casefold()), None)
    if pressed is not None and pressed.action is not None:
        return Event(platform=PLATFORM, chat_id=user, user_id=user, action=pressed.action, locale=locale)
    return staff_event(line) or Event(platform=PLATFORM, chat_id=user, user_id=user, text=line, locale=locale)


def terminal_locale(environ: dict[str, str]) -> str | None:
    """The terminal's language as a locale ("es_MX.UTF-8" -> "es-MX"); ``None`` for C/POSIX."""
    value = environ.get("LC_ALL") or environ.get("LC_MESSAGES") or environ.get("LANG") or ""
    code = value.split(".")[0].replace("_", "-")
    return code if code and code not in ("C", "POSIX") else None


async def chat(handle: Handler, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout, locale: str | None = None) -> None:
    """Run the conversation until end of input or /quit; ``locale`` is the terminal's language."""
    style = ANSI if stdout.isatty() else PLAIN
    buttons: list[Button] = []

    async def show(event: Event) -> None:
        nonlocal buttons
        buttons = []
        prefix = "\n[staff desk] " if event.from_desk else "\nbot> "

        async def deliver(replies: list[Reply]) -> None:
            for reply in replies:
                stdout.write(prefix + format_reply(reply, style, first_number=len(buttons) + 1) + "\n")
                buttons.extend(reply.buttons)
            stdout.flush()

        await handle(event, deliver)

    stdout.write(
        "Chat with the clinic's bot. Type a question, a button number, or /quit to leave. (Español: /idioma)\n"
        "Staff desk: /staff <ticket> <text> answers as staff; /staff <ticket> /close closes the ticket.\n"
    )
    await show(Event(platform=PLATFORM, chat_id="local", user_id="local", text="/start", locale=locale))
    while True:
        stdout.write("\nyou> ")
        stdout.flush()
        line = await asyncio.to_thread(stdin.readline)
        if not line or line.strip() in QUIT:
            stdout.write("\nBye!\n")
            return
        await show(to_event(line.rstrip("\n"), buttons, locale=locale))
