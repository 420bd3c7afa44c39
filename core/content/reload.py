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

from core.content import ContentError
from core.content.checks import review
from core.conversation.engine import Core
from core.events import Reply, ReplyKind
from core.outbox import STAFF_DESK
from core.understanding.text import escape_markdown

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
    """Watches one content folder. The core it switches is named on each call rather than held,
    so the reloader can be built first and handed to the core (for the desk's /reload)."""

    def __init__(self, root: Path | str, interval: float = 2.0) -> None:
        self.root = Path(root)
        self.interval = interval
        self._seen = fingerprint(self.root)
        self._refused = False

    async def reload(self, core: Core) -> list[ContentError]:
        """Check the content on disk and switch ``core`` to it; returns the errors if the change was refused."""
        today = core.clock().date()
        result = await asyncio.to_thread(review, self.root, today, True)
        if result.errors:
            errors = result.errors
            log.error("content change refused, still serving the previous version:\n%s", "\n".join(str(e) for e in errors))
            summary = "\n".join(f"- {escape_markdown(str(e))}" for e in errors[:LISTED])
            more = f"\n…and {len(errors) - LISTED} more" if len(errors) > LISTED else ""
            await self._tell_staff(
                core, f"Content change refused ({len(errors)} problem(s)); the bot keeps the previous version.\n{summary}{more}"
            )
            self._refused = True
            return errors
        core.use(result.knowledge)
        log.info("content reloaded: %d topics", len(result.knowledge.library.topics))
        if self._refused:
            self._refused = False
            await self._tell_staff(
                core, "Content change accepted: the problems reported earlier are fixed, and the bot now serves the new version."
            )
        return []

    @staticmethod
    async def _tell_staff(core: Core, text: str) -> None:
        await core.outbox.send(STAFF_DESK, Reply(kind=ReplyKind.NOTICE, text=text))

    async def reload_if_changed(self, core: Core) -> list[ContentError] | None:
        """Reload when files changed since last time; ``None`` when nothing changed."""
        current = fingerprint(self.root)
        if current == self._seen:
            return None
        self._seen = current
        return await self.reload(core)

    async def watch(self, core: Core) -> None:
        """Poll for changes until cancelled. Polling works on every filesystem, network shares included."""
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.reload_if_changed(core)
            except OSError as exc:
                log.warning("could not read the content folder: %s", exc)
