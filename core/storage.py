"""The one place that touches disk: TinyDB files behind a small repository.

TinyDB's JSON storage rewrites a whole file on every change, so one big file gets
slower as history grows. Here every conversation is its own small file, and the
unanswered-question log is split into segments of bounded size, so the cost of
handling a message stays flat however much has been stored.

Each write goes to a temporary file that is fsynced and then renamed over the
old one, so a crash mid-write leaves the previous version intact. Recently used
files stay parsed in memory (this process is their only writer), so a message
costs one small write and no reads.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Document

from core.records import Conversation, Unanswered

SEGMENT_SIZE = 100
OPEN_FILES = 4096
"""How many parsed files to keep in memory; older ones are simply re-read when needed."""


class StorageError(Exception):
    """A data file cannot be read; names the file so an operator can restore it."""


class AtomicJSONStorage(Storage):
    """TinyDB storage that writes atomically and remembers what it last read or wrote."""

    def __init__(self, path: str, fsync: bool = True) -> None:
        self.path = Path(path)
        self.fsync = fsync
        self._data: dict[str, Any] | None = None

    def read(self) -> dict[str, Any] | None:
        if self._data is not None:
            return self._data
        try:
            with self.path.open(encoding="utf-8") as f:
                self._data = json.load(f)
        except FileNotFoundError:
            return None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise StorageError(f"{self.path}: unreadable data file ({exc})") from None
        return self._data

    def write(self, data: dict[str, Any]) -> None:
        self._data = None  # if anything below fails, the next read comes from disk
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        encoded = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        with tmp.open("w", encoding="utf-8") as f:
            f.write(encoded)
            if self.fsync:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, self.path)
        self._data = data

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
        self._open: OrderedDict[Path, TinyDB] = OrderedDict()

    def _db(self, path: Path) -> TinyDB:
        db = self._open.pop(path, None)
        if db is None:  # not `or`: an empty TinyDB is falsy
            db = TinyDB(str(path), storage=AtomicJSONStorage, fsync=self.fsync)
        self._open[path] = db
        if len(self._open) > OPEN_FILES:
            self._open.popitem(last=False)
        return db

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
            with self._lock:
                docs = self._db(path).table("unanswered").all()
            for doc in docs:
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
