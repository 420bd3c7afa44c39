"""The one place that touches disk: TinyDB files behind a small repository.

TinyDB's JSON storage rewrites a whole file on every change, so one big file gets
slower as history grows. Here every conversation is its own small file, and the
unanswered-question log is split into segments of bounded size, so the cost of
handling a message stays flat however much has been stored.

Each write goes to a temporary file that is fsynced and then renamed over the
old one, so a crash mid-write leaves the previous version intact.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Document

from core.records import Conversation, Unanswered

SEGMENT_SIZE = 250


class StorageError(Exception):
    """A data file cannot be read; names the file so an operator can restore it."""


class AtomicJSONStorage(Storage):
    def __init__(self, path: str, fsync: bool = True) -> None:
        self.path = Path(path)
        self.fsync = fsync

    def read(self) -> dict[str, Any] | None:
        try:
            with self.path.open(encoding="utf-8") as f:
                return json.load(f)
        except FileNotFoundError:
            return None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise StorageError(f"{self.path}: unreadable data file ({exc})") from None

    def write(self, data: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        with tmp.open("w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False, separators=(",", ":"))
            if self.fsync:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, self.path)

    def close(self) -> None:
        """Nothing is held open between operations."""


class Store:
    """Repository for everything the bot persists. Safe to share between threads."""

    def __init__(self, root: Path | str, fsync: bool = True, segment_size: int = SEGMENT_SIZE) -> None:
        self.root = Path(root)
        self.fsync = fsync
        self.segment_size = segment_size
        self._lock = threading.RLock()
        self._segment: tuple[int, int] | None = None

    def _db(self, path: Path) -> TinyDB:
        return TinyDB(str(path), storage=AtomicJSONStorage, fsync=self.fsync)

    def _conversation_path(self, key: str) -> Path:
        digest = hashlib.sha256(key.encode()).hexdigest()
        return self.root / "conversations" / digest[:2] / f"{digest[2:34]}.json"

    def conversation(self, key: str) -> Conversation | None:
        with self._lock:
            doc = self._db(self._conversation_path(key)).table("conversation").get(doc_id=1)
        return Conversation.model_validate(doc) if doc else None

    def save_conversation(self, conversation: Conversation) -> None:
        data = conversation.model_dump(mode="json")
        with self._lock:
            self._db(self._conversation_path(conversation.key)).table("conversation").upsert(Document(data, doc_id=1))

    def log_unanswered(self, entry: Unanswered) -> None:
        with self._lock:
            number, count = self._current_segment()
            if count >= self.segment_size:
                number, count = number + 1, 0
            self._db(self._segment_path(number)).table("unanswered").insert(entry.model_dump(mode="json"))
            self._segment = (number, count + 1)

    def unanswered(self, since: datetime | None = None) -> Iterator[Unanswered]:
        with self._lock:
            paths = sorted((self.root / "unanswered").glob("*.json"))
        for path in paths:
            for doc in self._db(path).table("unanswered").all():
                entry = Unanswered.model_validate(doc)
                if since is None or entry.at >= since:
                    yield entry

    def _segment_path(self, number: int) -> Path:
        return self.root / "unanswered" / f"{number:06d}.json"

    def _current_segment(self) -> tuple[int, int]:
        if self._segment is None:
            existing = sorted((self.root / "unanswered").glob("*.json"))
            if existing:
                number = int(existing[-1].stem)
                self._segment = (number, len(self._db(existing[-1]).table("unanswered")))
            else:
                self._segment = (1, 0)
        return self._segment
