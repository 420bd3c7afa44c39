"""The daily digest in the staff desk: what needs a person today, in one message.

Staff should not have to remember to run reports. Once a day, at a local time
of the clinic's choosing, the desk gets: consultation requests that came in,
tickets nobody has claimed (oldest first, since they have waited longest), the
questions the bot could not answer (grouped by meaning; stored already redacted)
and the content warnings worth a look. An empty section is left out, and a
day with nothing to say sends nothing, so the digest is never noise.

The schedule is an asyncio task that computes the next run from the clinic's
time zone (8:30 stays 8:30 across daylight-saving changes); its clock and its
sleep are injected, so tests run a week of digests without waiting.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.content import ContentError
from core.conversation.answers import show_contact
from core.desk.unanswered_groups import Encode, group
from core.events import Reply, ReplyKind
from core.storage.store import Store
from core.understanding.text import escape_markdown

log = logging.getLogger(__name__)
TOP_QUESTIONS = 5
LISTED = 10
"""Entries listed per section; the rest are counted."""

Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[None]]


def next_run(now: datetime, at: time, zone: str) -> datetime:
    """The next moment the clinic's wall clock shows ``at``, strictly after ``now`` (UTC)."""
    local = now.astimezone(ZoneInfo(zone))
    candidate = datetime.combine(local.date(), at, tzinfo=ZoneInfo(zone))
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), at, tzinfo=ZoneInfo(zone))
    return candidate.astimezone(now.tzinfo)


def digest(store: Store, since: datetime, zone: str, encode: Encode | None, warnings: list[ContentError]) -> Reply | None:
    """The digest for everything since ``since``; ``None`` when there is nothing to say."""
    sections = [
        _requests(store, since, zone),
        _unclaimed(store, zone),
        _questions(store, since, encode),
        _warnings(warnings),
    ]
    sections = [s for s in sections if s]
    if not sections:
        return None
    return Reply(kind=ReplyKind.NOTICE, text="\n\n".join(["📋 **Daily digest**", *sections]))


def _requests(store: Store, since: datetime, zone: str) -> str:
    new = [b for b in store.bookings(since) if b.status != "withdrawn"]
    lines = [
        f"- {b.ref}, {_clock(b.created_at, zone)}: {escape_markdown(b.name)}, "
        f"{escape_markdown(show_contact(b.contact, b.contact_kind))}, {escape_markdown(b.times)}"
        for b in new[:LISTED]
    ]
    return _section(f"New consultation requests ({len(new)})", lines, len(new))


def _unclaimed(store: Store, zone: str) -> str:
    waiting = sorted((t for t in store.tickets() if t.status == "open"), key=lambda t: t.opened_at)
    lines = [
        f"- {'🚨 ' if t.urgent else ''}#{t.id} {escape_markdown(t.display_name or 'Client')} ({t.platform}), "
        f"waiting since {_clock(t.opened_at, zone)}"
        for t in waiting[:LISTED]
    ]
    return _section(f"Open tickets nobody has claimed ({len(waiting)}), oldest first", lines, len(waiting))


def _questions(store: Store, since: datetime, encode: Encode | None) -> str:
    groups = group(list(store.unanswered(since)), encode=encode)[:TOP_QUESTIONS]
    lines = [
        f"- {g.count} × {escape_markdown(g.example[:120])}" + (f" (+{len(g.wordings) - 1} similar)" if len(g.wordings) > 1 else "")
        for g in groups
    ]
    return _section("Most asked, not answered", lines, len(lines))


def _warnings(warnings: list[ContentError]) -> str:
    lines = [f"- {escape_markdown(str(w).splitlines()[0])}" for w in warnings[:LISTED]]
    return _section(f"Content to look at ({len(warnings)})", lines, len(warnings))


def _section(title: str, lines: list[str], total: int) -> str:
    if not lines:
        return ""
    more = [f"…and {total - len(lines)} more"] if total > len(lines) else []
    return "\n".join([f"**{title}**", *lines, *more])


def _clock(moment: datetime, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime("%a %-I:%M %p %Z")


async def send_daily(
    store: Store,
    send: Callable[[Reply], Awaitable[None]],
    at: time,
    zone: Callable[[], str],
    clock: Clock,
    encode: Callable[[], Encode | None],
    warnings: Callable[[], Awaitable[list[ContentError]]],
    sleep: Sleep = asyncio.sleep,
) -> None:
    """Send the digest every day at ``at`` in the clinic's zone, until cancelled. ``zone``,
    ``encode`` and ``warnings`` are read at each run, so a content reload is followed."""
    while True:
        now = clock()
        due = next_run(now, at, zone())
        await sleep((due - now).total_seconds())
        try:
            reply = digest(store, due - timedelta(days=1), zone(), encode(), await warnings())
            if reply is not None:
                await send(reply)
            log.info("daily digest: %s", "sent" if reply else "nothing to say")
        except Exception:  # one failed digest must not end tomorrow's
            log.exception("daily digest failed")
