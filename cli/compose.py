"""Wiring: settings -> storage -> content -> core. Kept in one place so every command
builds the bot the same way."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import time, timedelta
from pathlib import Path

from core.content import ContentError, ContentErrors, load_library
from core.content.checks import content_warnings
from core.content.reload import ContentReloader
from core.conversation.engine import Core
from core.desk.digest import send_daily
from core.events import Reply, ReplyKind
from core.outbox import STAFF_DESK, LogOutbox, Outbox
from core.settings import Settings
from core.storage.store import Store
from core.understanding.knowledge import Knowledge
from core.understanding.text import escape_markdown


@contextlib.asynccontextmanager
async def running(core: Core, content_dir: Path, digest_at: time | None = None) -> AsyncIterator[Core]:
    """The bot's lifetime: the core's content reloader watching in the background (when it
    has an interval), the daily digest if configured, storage closed at the end."""
    tasks = [asyncio.create_task(purge_daily(core))]
    if isinstance(core.reloader, ContentReloader) and core.reloader.interval > 0:
        tasks.append(asyncio.create_task(core.reloader.watch(core)))
    if digest_at is not None:
        tasks.append(asyncio.create_task(daily_digest(core, content_dir, digest_at)))
    try:
        yield core
    finally:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await core.store.aclose()


def storage_problems_to(outbox: Outbox) -> Callable[[str], None]:
    """What a store is built with (``Store(on_failure=...)``) so that its one-time report of a
    failing checkpoint reaches the staff desk; the store calls it outside any coroutine."""
    sending: set[asyncio.Task] = set()

    def tell_desk(problem: str) -> None:
        task = asyncio.get_running_loop().create_task(
            outbox.send(STAFF_DESK, Reply(kind=ReplyKind.NOTICE, text=f"Storage problem: {escape_markdown(problem)}"))
        )
        sending.add(task)
        task.add_done_callback(sending.discard)

    return tell_desk


async def purge_daily(core: Core) -> None:
    """Retention: old messages, unanswered questions and booking requests are deleted once a day.
    The store does the file work in a thread, so messages are answered meanwhile."""
    while True:
        now = core.clock()
        removed = await core.store.purge(now - timedelta(days=core.options.retention_days), now - timedelta(days=core.options.booking_days))
        logging.getLogger(__name__).info("retention: %d old records deleted", removed)
        await asyncio.sleep(24 * 3600)


def daily_digest(core: Core, content_dir: Path, at: time) -> Awaitable[None]:
    """The digest's schedule, reading whatever content the core serves at each run."""

    async def warnings() -> list[ContentError]:
        return await asyncio.to_thread(content_warnings, content_dir, core.knowledge, core.clock().date())

    return send_daily(
        core.store,
        lambda reply: core.outbox.send(STAFF_DESK, reply),
        at,
        zone=lambda: core.knowledge.library.clinic.hours.timezone,
        clock=core.clock,
        encode=lambda: core.knowledge.classifier.semantic.encoder.encode,
        warnings=warnings,
    )


class StartupError(Exception):
    """A problem an operator can fix; printed without a traceback."""


def load_knowledge(content_dir: Path) -> Knowledge:
    try:
        return Knowledge(load_library(content_dir))
    except ContentErrors as exc:
        raise StartupError(f"The content in {content_dir} has errors:\n{exc}") from None


def build_core(content_dir: Path, store: Store, outbox: Outbox | None = None, settings: Settings | None = None) -> Core:
    settings = settings or Settings()
    return Core(
        load_knowledge(content_dir),
        store,
        outbox or LogOutbox(),
        settings.core,
        reloader=ContentReloader(content_dir, settings.content.reload_seconds),
    )


class SecretFilter(logging.Filter):
    """Blanks secrets out of every log line, whoever logs them: libraries log request
    URLs at DEBUG, and Telegram's URLs contain the bot token."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(secret in message for secret in self.secrets):
            for secret in self.secrets:
                message = message.replace(secret, "[redacted]")
            record.msg, record.args = message, ()
        return True


def hide_secrets(secrets: list[str]) -> None:
    for handler in logging.getLogger().handlers:
        handler.addFilter(SecretFilter(secrets))


def configure_logging(level: str) -> None:
    """Log at ``level``; HTTP client libraries stay at WARNING because their INFO
    lines contain request URLs, and Telegram's URLs contain the bot token."""
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "httpcore", "telegram.ext.Updater", "discord.http"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))
