"""The local terminal chat: the adapter a newcomer tries first, with no tokens.

Buttons are listed with numbers; typing the number (or the button's text)
presses it. Like the platform adapters it only converts: lines to events,
replies to printed text.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import TextIO

from bots.markdown import Style, render
from core.events import Button, Event, Reply

Handler = Callable[[Event], Awaitable[list[Reply]]]

ANSI = Style(bold=("\033[1m", "\033[0m"), italic=("\033[3m", "\033[0m"), escape=lambda s: s)
PLAIN = Style(bold=("", ""), italic=("", ""), escape=lambda s: s)
QUIT = {"/quit", "/exit", "quit", "exit"}


def format_reply(reply: Reply, style: Style = PLAIN, first_number: int = 1) -> str:
    """A reply as a person reads it in a terminal, buttons numbered from ``first_number``."""
    lines = [render(reply.text, style)]
    for n, button in enumerate(reply.buttons, start=first_number):
        target = f" -> {button.url}" if button.url else ""
        lines.append(f"  [{n}] {button.label}{target}")
    return "\n".join(lines)


def to_event(line: str, buttons: list[Button], user: str = "local") -> Event:
    """A typed line becomes a button press when it names one of the last buttons shown."""
    choice = line.strip()
    pressed = None
    if choice.isdigit() and 1 <= int(choice) <= len(buttons):
        pressed = buttons[int(choice) - 1]
    else:
        pressed = next((b for b in buttons if b.label.casefold() == choice.casefold()), None)
    if pressed is not None and pressed.action is not None:
        return Event(platform="terminal", chat_id=user, user_id=user, action=pressed.action)
    return Event(platform="terminal", chat_id=user, user_id=user, text=line)


async def chat(handle: Handler, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> None:
    """Run the conversation until end of input or /quit."""
    style = ANSI if stdout.isatty() else PLAIN
    buttons: list[Button] = []

    async def show(event: Event) -> None:
        nonlocal buttons
        buttons = []
        for reply in await handle(event):
            stdout.write("\nbot> " + format_reply(reply, style, first_number=len(buttons) + 1) + "\n")
            buttons.extend(reply.buttons)
        stdout.flush()

    stdout.write("Chat with the clinic's bot. Type a question, a button number, or /quit to leave.\n")
    await show(Event(platform="terminal", chat_id="local", user_id="local", text="/start"))
    while True:
        stdout.write("\nyou> ")
        stdout.flush()
        line = await asyncio.to_thread(stdin.readline)
        if not line or line.strip() in QUIT:
            stdout.write("\nBye!\n")
            return
        await show(to_event(line.rstrip("\n"), buttons))
