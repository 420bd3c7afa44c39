"""Helpers for the storage tests: clients that chat and book through the real core, a gate
that holds the storage's background writer mid-write, and a search of the data folder for
anything a client said or gave."""

from __future__ import annotations

import asyncio
import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from core.conversation.engine import Core
from core.events import Event, Reply
from core.storage.jsonfile import AtomicJSONStorage
from core.storage.store import Store

GUARD_SECONDS = 20
"""How long the gate holds a write before giving up; reached only when the code under test is stuck."""
BOOKING = ["book", "{name}", "{contact}", "book:time:any", "book:concerns-done", "book:consent:yes", "book:confirm"]


@dataclass(frozen=True)
class Client:
    chat: str
    name: str = "Ann Lee"
    contact: str = "ann@example.com"
    display_name: str = "Ann"

    @property
    def key(self) -> str:
        return f"test:{self.chat}"

    @property
    def user_id(self) -> str:
        return f"u-{self.chat}"

    def event(self, text: str | None = None, action: str | None = None) -> Event:
        return Event(platform="test", chat_id=self.chat, user_id=self.user_id, display_name=self.display_name, text=text, action=action)


async def says(core: Core, client: Client, text: str) -> list[Reply]:
    return await core.handle(client.event(text=text))


async def presses(core: Core, client: Client, action: str) -> list[Reply]:
    return await core.handle(client.event(action=action))


async def book(core: Core, client: Client, steps: int = len(BOOKING)) -> str:
    """Go through the booking flow (the first ``steps`` steps); returns the reference the client was told."""
    replies: list[Reply] = []
    for step in BOOKING[:steps]:
        step = step.format(name=client.name, contact=client.contact)
        is_action = step == "book" or step.startswith("book:")
        replies = await (presses(core, client, step) if is_action else says(core, client, step))
    return next((w.strip("*.") for r in replies for w in r.text.split() if w.strip("*.").startswith("MN-")), "")


def staff(text: str) -> Event:
    return Event(platform="desk", chat_id="staff", user_id="s", display_name="Dana", text=text, from_desk=True)


class Clock:
    """A clock that can be set to any day and ticks two seconds per reading, like a client typing."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=2)
        return self.now


def kill(store: Store) -> None:
    """What a SIGKILL leaves behind: the journal as last synced, and the folder free for the next process."""
    for fd, _ in store._journal._files:
        os.close(fd)
    store._lockfile.close()


async def settle() -> None:
    """Let the background work the store started run to its end, as a few seconds would."""
    while tasks := [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]:
        await asyncio.gather(*tasks)


def traces(root: Path, needles: list[str]) -> dict[str, list[str]]:
    """Which files anywhere under ``root`` (journal and set-aside data included) contain each needle."""
    found: dict[str, list[str]] = {}
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for needle in needles:
                if needle.encode() in data:
                    found.setdefault(needle, []).append(str(path.relative_to(root)))
    return found


class WriterGate:
    """Holds the first background file write that ``matches`` until ``open()``, so a test can act
    while a checkpoint or purge is under way. Writes made on the event loop's thread pass."""

    def __init__(self, monkeypatch, matches: Callable[[Path], bool] = lambda path: True) -> None:
        self.reached = threading.Event()
        self._open = threading.Event()
        self.timed_out = False
        original = AtomicJSONStorage.write

        def write(storage: AtomicJSONStorage, data: Any) -> None:
            if threading.current_thread() is not threading.main_thread() and not self._open.is_set() and matches(Path(storage.path)):
                self.reached.set()
                if not self._open.wait(GUARD_SECONDS):
                    self.timed_out = True
            original(storage, data)

        monkeypatch.setattr(AtomicJSONStorage, "write", write)

    async def wait_reached(self) -> None:
        await asyncio.to_thread(self.reached.wait, GUARD_SECONDS)
        assert self.reached.is_set(), "no background write happened"

    def open(self) -> None:
        self._open.set()


def edit_record(root: Path, folder: str, matches: Callable[[dict], bool], change: Callable[[dict], None]) -> Path:
    """Hand-edit one stored record, as staff might; returns the file it is in."""
    for path in sorted((root / folder).glob("*.json")):
        data = json.loads(path.read_text())
        for table in data.values():
            for doc in table.values():
                if matches(doc):
                    change(doc)
                    path.write_text(json.dumps(data))
                    return path
    raise AssertionError(f"no such record in {folder}")
