"""A write-ahead journal with group commit, and the batch of changes it holds.

Rewriting a file per message (create, write, fsync, rename) costs about half a
millisecond here, which caps the bot near 1,000 messages a second. Instead every
change is appended as one JSON line to the journal, and one fsync covers every
change made since the previous one, however many clients sent them. The store keeps
those changes in memory as a ``Batch`` and later copies them into its TinyDB files
(a checkpoint); a journal file is deleted only once what it holds is durably there.

A crash can only cut the last line short; such a line is ignored on replay, and
the client who sent it was never answered, since replies wait for the fsync. Any
other line that cannot be read is handed back to be set aside, never dropped.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from core.storage.records import BookingRequest, Conversation, Ticket, Unanswered

log = logging.getLogger(__name__)

PATTERN = "journal-*.jsonl"
RECORDS: dict[str, type[BaseModel]] = {"conversation": Conversation, "unanswered": Unanswered, "booking": BookingRequest, "ticket": Ticket}


def _number(path: Path) -> int:
    return int(path.stem.split("-", 1)[1])


def journal_files(directory: Path) -> list[Path]:
    return sorted(directory.glob(PATTERN), key=_number)


def replay(path: Path, damaged: Callable[[int, bytes, str], None], writer_alive: bool = False) -> Iterator[tuple[int, dict[str, Any]]]:
    """Complete records of a journal file with their line numbers, in order; a line that cannot
    be read goes to ``damaged``. A torn last line is skipped: after a crash it was never
    acknowledged, and next to a live bot (``writer_alive``) it is an append under way."""
    try:
        file = path.open("rb")
    except FileNotFoundError:
        return  # a live bot finished a checkpoint and deleted it
    with file:
        for number, line in enumerate(file, 1):
            if not line.endswith(b"\n"):
                if not writer_alive:
                    log.warning("%s, line %d: ignoring an incomplete last record (the process stopped mid-write)", path, number)
                return
            try:
                record = json.loads(line.decode("utf-8"))
            except ValueError as exc:
                damaged(number, line, f"not a journal record ({exc})")
                continue
            if not isinstance(record, dict) or "op" not in record:
                damaged(number, line, "not a journal record (no operation)")
                continue
            yield number, record


def checked(record: dict[str, Any]) -> BaseModel | None:
    """A journal record's document, validated; raises ValueError saying what is wrong."""
    op = record["op"]
    if op == "forget":
        if not isinstance(record.get("key"), str):
            raise ValueError("forget: no client key")
        return None
    if op not in RECORDS:
        raise ValueError(f"unknown operation {op!r}")
    if not isinstance(record.get("seq", 0), int):
        raise ValueError("unanswered: the sequence number is not a number")
    model = RECORDS[op].model_validate(record.get("doc"))
    if op == "conversation" and record.get("key") != model.key:
        raise ValueError("conversation: the key and the record disagree")
    return model


def owner(record: dict[str, Any]) -> str:
    """The client a journal record is about, if it says."""
    doc = record.get("doc")
    client = record.get("key") or (doc.get("conversation") or doc.get("client") if isinstance(doc, dict) else "")
    return client if isinstance(client, str) else ""


class Journal:
    """The journal files being written. ``append`` only queues a line in memory; each sync writes
    what is queued and fsyncs it in a thread, because under heavy disk activity even a plain
    write can stall for a long time, and the event loop must never wait for the disk."""

    def __init__(self, directory: Path, fsync: bool) -> None:
        self.directory = directory
        self.fsync = fsync
        self.records = 0
        """Records in the current file."""
        self._appended = 0
        self._synced = 0
        self._syncing: asyncio.Future[None] | None = None
        self._files: list[tuple[int, list[bytes]]] = []
        """Open journal files, oldest first (the last is the current one), with lines not yet written to each."""
        existing = journal_files(directory)
        self._open(_number(existing[-1]) + 1 if existing else 1)

    def _open(self, number: int) -> None:
        path = self.directory / f"journal-{number:08d}.jsonl"
        self._files.append((os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644), []))
        self.path, self.records = path, 0

    def append(self, record: dict[str, Any]) -> None:
        self._files[-1][1].append(json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode() + b"\n")
        self._appended += 1
        self.records += 1

    async def sync(self) -> None:
        """Return once every record appended so far is on disk (or handed to the OS without fsync)."""
        target = self._appended
        while self._synced < target:
            if self._syncing is None:
                self._syncing = asyncio.ensure_future(self._sync_now())
            await asyncio.shield(self._syncing)

    async def _sync_now(self) -> None:
        target, work = self._appended, self._queued()
        try:
            await asyncio.to_thread(self._write, work)
        except BaseException:
            self._requeue(work)
            raise
        else:
            self._written(target, work)
        finally:
            self._syncing = None

    def sync_blocking(self) -> None:
        target, work = self._appended, self._queued()
        try:
            self._write(work)
        except BaseException:
            self._requeue(work)
            raise
        self._written(target, work)

    def _queued(self) -> list[list[Any]]:
        """Take the queued lines: ``[fd, bytes, bytes written so far]`` per open file."""
        work = [[fd, b"".join(lines), 0] for fd, lines in self._files]
        for _, lines in self._files:
            lines.clear()
        return work

    def _write(self, work: list[list[Any]]) -> None:
        for item in work:
            fd, data = item[0], memoryview(item[1])
            while item[2] < len(data):
                item[2] += os.write(fd, data[item[2] :])
            if self.fsync:
                os.fsync(fd)

    def _requeue(self, work: list[list[Any]]) -> None:
        """What a failed write left unwritten goes back first in line, so the file never has a gap."""
        # files opened since the work was taken are not in it
        for (_, lines), (_, data, written) in zip(self._files, work, strict=False):
            if written < len(data):
                lines.insert(0, data[written:])

    def _written(self, target: int, work: list[list[Any]]) -> None:
        self._synced = max(self._synced, target)
        retired = len(work) - 1  # files rotated away before this sync began are now complete
        for fd, _ in self._files[:retired]:
            os.close(fd)
        del self._files[:retired]

    def rotate(self) -> Path:
        """Start a new file and return the finished one; the next sync writes what is still queued for it.
        Raises OSError (and changes nothing) if no new file can be made, e.g. with no inodes left."""
        finished = self.path
        self._open(_number(finished) + 1)
        return finished

    def close(self) -> None:
        try:
            self.sync_blocking()
        finally:
            for fd, _ in self._files:
                os.close(fd)
            self._files.clear()


@dataclass
class Batch:
    """Changes that are in the journal but not yet in the TinyDB files, and the journal files
    that hold them. A checkpoint writes one batch; until it has, readers look here first."""

    conversations: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    """By key; None for a client who asked to be forgotten and has not come back since."""
    unanswered: dict[int, dict[str, Any]] = field(default_factory=dict)
    """By sequence number, which fixes each entry's place in the files."""
    bookings: dict[str, tuple[Path, int, dict[str, Any] | None]] = field(default_factory=dict)
    """By reference: the file, the document id there, and the request (None to delete it)."""
    tickets: dict[int, dict[str, Any]] = field(default_factory=dict)
    forgotten: set[str] = field(default_factory=set)
    """Clients to erase from the files before anything in this batch is written."""
    journals: list[Path] = field(default_factory=list)
    records: int = 0

    def forget(self, key: str) -> None:
        self.forgotten.add(key)
        self.conversations[key] = None
        self.unanswered = {seq: doc for seq, doc in self.unanswered.items() if doc["conversation"] != key}

    def then(self, newer: Batch) -> Batch:
        """This batch followed by ``newer``, as one: newer changes win, and what newer forgot
        goes (the store puts the deletion of a forgotten client's requests and tickets in it)."""
        return Batch(
            conversations={**self.conversations, **newer.conversations},
            unanswered={
                **{seq: doc for seq, doc in self.unanswered.items() if doc["conversation"] not in newer.forgotten},
                **newer.unanswered,
            },
            bookings={**self.bookings, **newer.bookings},
            tickets={**self.tickets, **newer.tickets},
            forgotten=self.forgotten | newer.forgotten,
            journals=[*self.journals, *newer.journals],
            records=self.records + newer.records,
        )
