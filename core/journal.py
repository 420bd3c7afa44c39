"""A write-ahead journal with group commit.

Rewriting a file per message (create, write, fsync, rename) costs about half a
millisecond here, which caps the bot near 1,000 messages a second. Instead every
change is appended as one JSON line to the journal, and one fsync covers every
change made since the previous one, however many clients sent them. The store
later copies the latest state into its TinyDB files (a checkpoint) and deletes
the journal files that are fully copied.

A crash can only cut the last line short; such a line is ignored on replay, and
the client who sent it was never answered, since replies wait for the fsync.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

log = logging.getLogger(__name__)

PATTERN = "journal-*.jsonl"


def _number(path: Path) -> int:
    return int(path.stem.split("-", 1)[1])


def journal_files(directory: Path) -> list[Path]:
    return sorted(directory.glob(PATTERN), key=_number)


def replay(path: Path) -> Iterator[dict[str, Any]]:
    """Complete records of a journal file, in order; a torn last line is skipped."""
    with path.open("rb") as f:
        for line in f:
            if not line.endswith(b"\n"):
                log.warning("%s: ignoring an incomplete last record (the process stopped mid-write)", path)
                return
            yield json.loads(line)


class Journal:
    def __init__(self, directory: Path, fsync: bool) -> None:
        self.directory = directory
        self.fsync = fsync
        self.records = 0
        self._appended = 0
        self._synced = 0
        self._syncing: asyncio.Future[None] | None = None
        existing = journal_files(directory)
        self._open(_number(existing[-1]) + 1 if existing else 1)

    def _open(self, number: int) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.path = self.directory / f"journal-{number:08d}.jsonl"
        self._file: BinaryIO = self.path.open("ab")
        self.records = 0

    def append(self, record: dict[str, Any]) -> None:
        self._file.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode() + b"\n")
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
        target = self._appended
        try:
            self._file.flush()
            if self.fsync:
                await asyncio.to_thread(os.fsync, self._file.fileno())
            self._synced = max(self._synced, target)
        finally:
            self._syncing = None

    def sync_blocking(self) -> None:
        self._file.flush()
        if self.fsync:
            os.fsync(self._file.fileno())
        self._synced = self._appended

    @property
    def idle(self) -> bool:
        return self._syncing is None

    def rotate(self) -> Path:
        """Start a new file and return the finished one. Call only when idle and synced."""
        finished = self.path
        self._file.close()
        self._open(_number(finished) + 1)
        return finished

    def close(self) -> None:
        self.sync_blocking()
        self._file.close()
