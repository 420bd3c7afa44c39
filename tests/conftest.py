"""Shared fixtures: the shipped content is loaded once; every core gets fresh storage."""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path

import pytest

from core.content import load_library
from core.engine import Core
from core.events import Event, Reply
from core.knowledge import Knowledge
from core.outbox import LogOutbox
from core.storage import Store

os.environ.setdefault("MEDSPA_CACHE_DIR", tempfile.mkdtemp(prefix="medspa-test-embeddings-"))
"""Example vectors are cached per test run, never in the user's own cache folder."""

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"
NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


def ticking(start: datetime = NOW, step: timedelta = timedelta(seconds=2)):
    """A clock that moves on a little with every reading, like a client typing at human speed
    (a frozen clock would look like a flood to the rate limiter)."""
    ticks = count()
    return lambda: start + step * next(ticks)


@pytest.fixture(scope="session")
def library():
    return load_library(CONTENT)


@pytest.fixture(scope="session")
def knowledge(library):
    return Knowledge(library)


@pytest.fixture
async def store(tmp_path):
    store = Store(tmp_path / "data", fsync=False)
    yield store
    await store.aclose()


@pytest.fixture
def outbox():
    return LogOutbox()


@pytest.fixture
def core(knowledge, store, outbox):
    return Core(knowledge, store, outbox, clock=ticking())


def text_event(text: str, chat: str = "c1", name: str = "Ann") -> Event:
    return Event(platform="test", chat_id=chat, user_id=chat, display_name=name, text=text)


def button_event(action: str, chat: str = "c1") -> Event:
    return Event(platform="test", chat_id=chat, user_id=chat, display_name="Ann", action=action)


async def say(core: Core, text: str, chat: str = "c1") -> list[Reply]:
    return await core.handle(text_event(text, chat))


async def press(core: Core, action: str, chat: str = "c1") -> list[Reply]:
    return await core.handle(button_event(action, chat))
