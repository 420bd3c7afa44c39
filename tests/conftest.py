"""Shared fixtures: the shipped content is loaded once; every core gets fresh storage."""

from __future__ import annotations

import gc
import hashlib
import io
import logging
import os
import shutil
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import count
from pathlib import Path

import pytest

from core.content import ContentError, ContentErrors, load_library
from core.content.checks import check
from core.conversation.engine import Core
from core.events import Event, Reply
from core.outbox import LogOutbox
from core.storage.records import BookingRequest
from core.storage.store import Store
from core.understanding.knowledge import Knowledge

pytest_plugins = ["tests.telegram_fake_api"]  # its fake Bot API fixture, `api`

TEST_EMBEDDINGS = Path(__file__).resolve().parent / ".embeddings"
os.environ.setdefault("MEDSPA_CACHE_DIR", str(TEST_EMBEDDINGS))
"""Example vectors are kept between test runs in tests/.embeddings (git-ignored), never in the
user's own cache folder. The cache is keyed by model fingerprint and text, so it is never stale;
encoding the benchmark's ten-times content alone takes ~20 s a run without it. Point
MEDSPA_CACHE_DIR at an empty folder to time a cold run."""

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"
NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
TODAY = date(2026, 11, 24)
"""The day content checks run on (reviews fall due against it)."""


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
def content(tmp_path):
    """A copy of the shipped content for a test to edit."""
    target = tmp_path / "content"
    shutil.copytree(CONTENT, target)
    return target


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


# -- Content files: edits to a copy, and where things are in them ----------------------------------


def edit(path, old, new):
    text = path.read_text()
    assert old in text, f"fixture text not found in {path.name}: {old!r}"
    path.write_text(text.replace(old, new, 1))


def errors_of(content):
    with pytest.raises(ContentErrors) as info:
        load_library(content)
    return info.value.errors


def line_of(path, needle):
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


_checked: dict[tuple, tuple[ContentError, ...]] = {}


def checked(root: Path | str, today: date = TODAY) -> list[ContentError]:
    """``check(root, today)``, run once per distinct content in a test run: its routing analysis
    takes seconds, and several tests (and commands) check the very same, unedited files. The key
    is every file's path and bytes, and the folder's name, which the problems are named from."""
    root = Path(root).resolve()
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        if path.is_file():
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    key = (root.name, today, digest.hexdigest())
    if key not in _checked:
        _checked[key] = tuple(check(root, today))
    return list(_checked[key])


# -- The staff desk in the core ---------------------------------------------------------------------


def staff(text=None, thread="1", name="Dana Smith", action=None):
    return Event(platform="desk", chat_id="staff", user_id="s1", display_name=name, text=text, action=action, thread=thread, from_desk=True)


def to_client(outbox, chat="c1"):
    return [r.text for a, r in outbox.sent if a.platform == "test" and a.chat_id == chat]


def to_desk(outbox, thread="1"):
    return [r.text for a, r in outbox.sent if a.platform == "desk" and a.thread_id == thread]


def booking_request(**fields) -> BookingRequest:
    """A confirmed consultation request, as the store keeps it."""
    base = dict(
        ref="MN-1",
        conversation="t:1",
        platform="telegram",
        chat_id="1",
        user_id="1",
        name="Ann",
        contact="+15015550147",
        contact_kind="phone",
        times="Saturdays",
        concerns=["Pores"],
        consent=True,
        created_at=datetime(2026, 11, 24, 15, 0, tzinfo=UTC),
        updated_at=datetime(2026, 11, 24, 15, 0, tzinfo=UTC),
    )
    return BookingRequest(**{**base, **fields})


# -- Discord: a recorded-HTTP Discord and a ready client on the shared core -----------------------


@pytest.fixture
def recorder(monkeypatch):
    """Discord's HTTP API, recorded (modules testing Telegram define their own ``recorder``)."""
    from tests.discord_harness import Recorder

    recorder = Recorder()
    recorder.install(monkeypatch)
    return recorder


@pytest.fixture
async def client(core, recorder):
    """A logged-in, ready Discord client on ``core``; the start-up calls are not recorded."""
    from tests.discord_harness import start

    client = await start(core, recorder)
    recorder.calls.clear()
    yield client
    await client.close()


# -- run.py's commands, in this process ----------------------------------------------------------


@dataclass(frozen=True)
class Ran:
    """What a command left behind, like ``subprocess.CompletedProcess``."""

    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def medspa(capsys, monkeypatch):
    """``medspa(*argv, stdin=...)`` runs ``cli.main.main(argv)`` as ``python run.py *argv`` would from
    the project folder, without paying for a new interpreter and model per command. A few tests
    still run the real process (tests/test_cli.py's smoke tests)."""
    from cli.main import main

    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("MEDSPA_CONFIG", raising=False)
    loggers = [logging.getLogger(), *(logging.getLogger(n) for n in ("httpx", "httpcore", "telegram.ext.Updater", "discord.http"))]
    levels = [logger.level for logger in loggers]

    def run(*argv, stdin: str | None = None, cwd: Path | None = None) -> Ran:
        monkeypatch.chdir(cwd or ROOT)
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin or ""))
        monkeypatch.setattr(sys, "argv", ["medspa", *map(str, argv)])  # argparse names the program from it
        capsys.readouterr()
        try:
            code = main([str(a) for a in argv])
        except SystemExit as exc:  # argparse: --help, usage errors
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        gc.collect()  # anything a command left open warns here, in its own test
        out, err = capsys.readouterr()
        return Ran(code, out, err)

    yield run
    for logger, level in zip(loggers, levels, strict=True):  # the commands configure logging as a process would
        logger.setLevel(level)
