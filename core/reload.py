"""Live content reload: staff save a file and the running bot picks it up.

A change is validated with the very review ``run.py check`` runs, so content
that ``check`` rejects never goes live. If it has errors the bot keeps serving
the last good content, logs the errors and tells the staff desk, so a typo in a
topic file can never take the bot down; once a later change is accepted, the
desk is told that too, so nobody keeps fixing what is already fixed. The swap
itself is one reference assignment (core.Core.use), so every reply is built
from one consistent version.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from core.checks import review
from core.content import ContentError
from core.engine import Core
from core.events import Reply, ReplyKind
from core.outbox import STAFF_DESK
from core.text import escape_markdown

log = logging.getLogger(__name__)
LISTED = 10
"""Problems listed in the desk; the log has them all."""


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
        self._refused = False

    async def reload(self) -> list[ContentError]:
        """Check and switch to the content on disk; returns the errors if the change was refused."""
        today = self.core.clock().date()
        result = await asyncio.to_thread(review, self.root, today, True)
        if result.errors:
            errors = result.errors
            log.error("content change refused, still serving the previous version:\n%s", "\n".join(str(e) for e in errors))
            summary = "\n".join(f"- {escape_markdown(str(e))}" for e in errors[:LISTED])
            more = f"\n…and {len(errors) - LISTED} more" if len(errors) > LISTED else ""
            await self._tell_staff(f"Content change refused ({len(errors)} problem(s)); the bot keeps the previous version.\n{summary}{more}")
            self._refused = True
            return errors
        self.core.use(result.knowledge)
        log.info("content reloaded: %d topics", len(result.knowledge.library.topics))
        if self._refused:
            self._refused = False
            await self._tell_staff("Content change accepted: the problems reported earlier are fixed, and the bot now serves the new version.")
        return []

    async def _tell_staff(self, text: str) -> None:
        await self.core.outbox.send(STAFF_DESK, Reply(kind=ReplyKind.NOTICE, text=text))

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
