"""Live content reload: staff save a file and the running bot picks it up.

A change is validated before it is used. If it has errors the bot keeps serving
the last good content, logs the errors and tells the staff desk, so a typo in a
topic file can never take the bot down. The swap itself is one reference
assignment (core.Core.use), so every reply is built from one consistent version.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from core.content import ContentError, ContentErrors, load_library
from core.engine import Core
from core.events import Reply, ReplyKind
from core.knowledge import Knowledge
from core.outbox import STAFF_DESK

log = logging.getLogger(__name__)


def fingerprint(root: Path) -> tuple[tuple[str, int, int], ...]:
    """What changes when any content file is saved, added or removed."""
    entries = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.name.startswith("."):
            stat = path.stat()
            entries.append((str(path.relative_to(root)), stat.st_mtime_ns, stat.st_size))
    return tuple(entries)


class ContentReloader:
    def __init__(self, core: Core, root: Path | str, interval: float = 2.0) -> None:
        self.core = core
        self.root = Path(root)
        self.interval = interval
        self._seen = fingerprint(self.root)

    async def reload(self) -> list[ContentError]:
        """Load, validate and switch to the content on disk; returns the errors if refused."""
        try:
            knowledge = await asyncio.to_thread(lambda: Knowledge(load_library(self.root)))
        except ContentErrors as exc:
            log.error("content change refused, still serving the previous version:\n%s", exc)
            summary = "\n".join(f"- {e}" for e in exc.errors[:10])
            more = f"\n…and {len(exc.errors) - 10} more" if len(exc.errors) > 10 else ""
            await self.core.outbox.send(STAFF_DESK, Reply(
                kind=ReplyKind.NOTICE,
                text=f"Content change refused ({len(exc.errors)} problem(s)); the bot keeps the previous version.\n{summary}{more}",
            ))
            return exc.errors
        self.core.use(knowledge)
        log.info("content reloaded: %d topics", len(knowledge.library.topics))
        return []

    async def reload_if_changed(self) -> list[ContentError] | None:
        """Reload when files changed since last time; ``None`` when nothing changed."""
        current = fingerprint(self.root)
        if current == self._seen:
            return None
        self._seen = current
        return await self.reload()

    async def watch(self) -> None:
        """Poll for changes until cancelled. Polling works on every filesystem, network shares included."""
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.reload_if_changed()
            except OSError as exc:
                log.warning("could not read the content folder: %s", exc)
