"""The one place that touches disk: TinyDB files behind a small repository.

TinyDB's JSON storage rewrites a whole file on every change, so one big file gets
slower as history grows. Here every conversation is its own small file, and the
unanswered-question log is split into segments of bounded size, so the cost of a
message stays flat however much has been stored.

Changes are first appended to a write-ahead journal (core.journal) and made
durable together by one fsync; the TinyDB files are brought up to date in the
background once enough changes have gathered, and after a crash on the next
start. TinyDB file writes go to a temporary file that is renamed into place, so
no file is ever left half-written. Only one process may write a data folder at a
time; reports open it read-only.
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from tinydb import Query, TinyDB
from tinydb.table import Document

from core import journal
from core.jsonfile import AtomicJSONStorage, StorageError
from core.records import BookingRequest, Conversation, Ticket, Unanswered

DELETED = "__deleted__"
"""Marks a conversation a client asked to have forgotten, until its file is removed."""
SEGMENT_SIZE = 100
OPEN_FILES = 4096
"""How many parsed files to keep in memory; older ones are simply re-read when needed."""
CHECKPOINT_EVERY = 5000
"""Journal records gathered before they are copied into the TinyDB files."""


class Store:
    """Repository for everything the bot persists.

    ``save_*`` and ``log_*`` take effect at once for readers in this process;
    ``await commit()`` makes them durable, and the core awaits it before replying.
    """

    def __init__(self, root: Path | str, fsync: bool = True, segment_size: int = SEGMENT_SIZE,
                 checkpoint_every: int = CHECKPOINT_EVERY, readonly: bool = False) -> None:
        self.root = Path(root)
        self.fsync = fsync
        self.segment_size = segment_size
        self.checkpoint_every = checkpoint_every
        self.readonly = readonly
        self._lock = threading.RLock()
        self._open: OrderedDict[Path, TinyDB] = OrderedDict()
        self._segment: tuple[int, int] | None = None
        self._conversations: dict[str, dict[str, Any]] = {}
        self._unanswered: list[dict[str, Any]] = []
        self._flushing: dict[str, dict[str, Any]] = {}
        self._flushing_unanswered: list[dict[str, Any]] = []
        self._bookings: dict[str, dict[str, Any]] = {}
        self._flushing_bookings: dict[str, dict[str, Any]] = {}
        self._forgotten: set[str] = set()
        """Clients who asked to be forgotten; their records leave the files at the next checkpoint."""
        self._tickets: dict[int, dict[str, Any]] = {}
        self._dirty_tickets: set[int] = set()
        self._open_by_client: dict[str, int] = {}
        self._open_by_thread: dict[tuple[str | None, str | None, str | None], int] = {}
        """Every ticket, kept in memory: a clinic has hundreds, and the desk looks them up by thread."""
        self._checkpoint: asyncio.Task[None] | None = None
        self._load_tickets()
        if readonly:
            for path in journal.journal_files(self.root):
                self._apply(journal.replay(path))
            return
        self.root.mkdir(parents=True, exist_ok=True)
        self._lockfile = (self.root / ".lock").open("w")
        try:
            fcntl.flock(self._lockfile, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lockfile.close()
            raise StorageError(f"{self.root}: another bot process is using this data folder") from None
        self._recover()
        self._journal = journal.Journal(self.root, fsync)

    # -- conversations ---------------------------------------------------

    def conversation(self, key: str) -> Conversation | None:
        doc = self._conversations.get(key) or self._flushing.get(key)
        if doc is None and key not in self._forgotten:
            with self._lock:
                doc = self._db(self._conversation_path(key)).table("conversation").get(doc_id=1)
        return Conversation.model_validate(doc) if doc and not doc.get(DELETED) else None

    def forget(self, key: str) -> None:
        """Delete everything stored about one client: conversation, unanswered questions,
        booking requests, and the text of their tickets (the tickets stay, emptied, for the count)."""
        self._write({"op": "forget", "key": key})

    def save_conversation(self, conversation: Conversation) -> None:
        self._forgotten.discard(conversation.key)
        data = conversation.model_dump(mode="json")
        self._write({"op": "conversation", "key": conversation.key, "doc": data})

    # -- unanswered questions --------------------------------------------

    def log_unanswered(self, entry: Unanswered) -> None:
        self._write({"op": "unanswered", "doc": entry.model_dump(mode="json")})

    def unanswered(self, since: datetime | None = None) -> Iterator[Unanswered]:
        with self._lock:  # a checkpoint moves entries from memory to files under this lock
            docs = [doc for path in sorted((self.root / "unanswered").glob("*.json"))
                    for doc in self._db(path).table("unanswered").all()]
            docs += [*self._flushing_unanswered, *self._unanswered]
        for doc in docs:
            if doc["conversation"] in self._forgotten:
                continue
            entry = Unanswered.model_validate(doc)
            if since is None or entry.at >= since:
                yield entry

    # -- booking requests ------------------------------------------------

    def save_booking(self, request: BookingRequest) -> None:
        """Create or update by reference: saving the same request twice keeps one copy."""
        self._write({"op": "booking", "doc": request.model_dump(mode="json")})

    def bookings(self, since: datetime | None = None) -> list[BookingRequest]:
        with self._lock:
            docs = {doc["ref"]: doc for path in sorted((self.root / "bookings").glob("*.json"))
                    for doc in self._db(path).table("bookings").all()}
            docs.update(self._flushing_bookings)
            docs.update(self._bookings)
        requests = [BookingRequest.model_validate(doc) for doc in docs.values() if doc["conversation"] not in self._forgotten]
        return sorted((r for r in requests if since is None or r.updated_at >= since), key=lambda r: r.created_at)

    # -- tickets -----------------------------------------------------------

    def save_ticket(self, ticket: Ticket) -> None:
        self._write({"op": "ticket", "doc": ticket.model_dump(mode="json")})

    def tickets(self) -> list[Ticket]:
        return [Ticket.model_validate(doc) for _, doc in sorted(self._tickets.items())]

    def open_ticket_of(self, client: str) -> Ticket | None:
        number = self._open_by_client.get(client)
        return self.ticket(number) if number is not None else None

    def open_ticket_in(self, platform: str, chat: str, thread: str) -> Ticket | None:
        number = self._open_by_thread.get((platform, chat, thread))
        return self.ticket(number) if number is not None else None

    def _index_ticket(self, doc: dict[str, Any]) -> None:
        """Keep the open-ticket lookups current, so no message has to scan every ticket."""
        self._tickets[doc["id"]] = doc
        for index, key in ((self._open_by_client, doc["client"]),
                           (self._open_by_thread, (doc.get("desk_platform"), doc.get("desk_chat"), doc.get("desk_thread")))):
            if doc["status"] != "closed":
                index[key] = doc["id"]
            elif index.get(key) == doc["id"]:
                del index[key]

    def ticket(self, number: int) -> Ticket | None:
        doc = self._tickets.get(number)
        return Ticket.model_validate(doc) if doc else None

    def next_ticket_number(self) -> int:
        return max(self._tickets, default=0) + 1

    def _load_tickets(self) -> None:
        for path in sorted((self.root / "tickets").glob("*.json")):
            for doc in self._db(path).table("tickets").all():
                self._index_ticket(dict(doc))

    # -- retention ---------------------------------------------------------

    def purge(self, messages_before: datetime, bookings_before: datetime) -> int | None:
        """Delete chat messages and unanswered questions older than ``messages_before`` and
        booking requests older than ``bookings_before``; returns how many records went,
        or ``None`` when storage is busy (a checkpoint or fsync under way) and it should retry.

        Everything pending is checkpointed and the journal emptied first, so the old
        records cannot come back from a journal replay after a restart.
        """
        if self._checkpoint is not None or not self._journal.idle:
            return None
        self._journal.sync_blocking()
        finished = journal.journal_files(self.root)
        self._journal.rotate()
        self._copy_into_files(self._conversations, self._unanswered, self._bookings, finished)
        self._conversations, self._unanswered, self._bookings = {}, [], {}
        cutoff, booking_cutoff = messages_before.isoformat(), bookings_before.isoformat()
        removed = 0
        with self._lock:
            for path in self.root.glob("unanswered/*.json"):
                removed += len(self._db(path).table("unanswered").remove(Query().at < cutoff))
            for path in self.root.glob("bookings/*.json"):
                removed += len(self._db(path).table("bookings").remove(Query().updated_at < booking_cutoff))
            for path in self.root.glob("conversations/*/*.json"):
                table = self._db(path).table("conversation")
                doc = table.get(doc_id=1)
                kept = [t for t in doc["transcript"] if t["at"] >= cutoff] if doc else []
                if doc and len(kept) < len(doc["transcript"]):
                    removed += len(doc["transcript"]) - len(kept)
                    table.update({"transcript": kept}, doc_ids=[1])
            for number, doc in list(self._tickets.items()):
                kept = [t for t in doc["transcript"] if t["at"] >= cutoff]
                if len(kept) < len(doc["transcript"]):
                    removed += len(doc["transcript"]) - len(kept)
                    self._index_ticket({**doc, "transcript": kept})
                    self._dirty_tickets.add(number)
            self._copy_into_files({}, [], {}, [])
            for path in self.root.glob("*/*.json"):
                if path.parent.name in ("unanswered", "bookings") and not self._db(path).table(path.parent.name):
                    self._open.pop(path, None)
                    path.unlink()
        self._segment = None
        return removed

    # -- durability ------------------------------------------------------

    async def commit(self) -> None:
        """Make every change so far durable; start a background checkpoint when due."""
        await self._journal.sync()
        if self._journal.records >= self.checkpoint_every and self._checkpoint is None and self._journal.idle:
            finished = self._journal.rotate()
            self._flushing, self._conversations = self._conversations, {}
            self._flushing_unanswered, self._unanswered = self._unanswered, []
            self._flushing_bookings, self._bookings = self._bookings, {}
            self._checkpoint = asyncio.create_task(self._checkpoint_in_background(finished))

    async def _checkpoint_in_background(self, finished: Path) -> None:
        try:
            await asyncio.to_thread(self._copy_into_files, self._flushing, self._flushing_unanswered, self._flushing_bookings, [finished])
        finally:
            self._flushing, self._flushing_unanswered, self._flushing_bookings = {}, [], {}
            self._checkpoint = None

    async def aclose(self) -> None:
        if self._checkpoint is not None:
            await self._checkpoint
        self.close()

    def close(self) -> None:
        """Copy everything into the TinyDB files and release the folder."""
        if self.readonly:
            return
        self._journal.close()
        self._copy_into_files(self._conversations, self._unanswered, self._bookings, journal.journal_files(self.root))
        self._conversations, self._unanswered, self._bookings = {}, [], {}
        self._lockfile.close()

    # -- internals -------------------------------------------------------

    def _write(self, record: dict[str, Any]) -> None:
        if self.readonly:
            raise StorageError(f"{self.root}: opened read-only")
        self._apply([record])
        self._journal.append(record)

    def _apply(self, records) -> None:
        for record in records:
            if record["op"] == "conversation":
                self._conversations[record["key"]] = record["doc"]
            elif record["op"] == "unanswered":
                self._unanswered.append(record["doc"])
            elif record["op"] == "booking":
                self._bookings[record["doc"]["ref"]] = record["doc"]
            elif record["op"] == "ticket":
                self._index_ticket(record["doc"])
                self._dirty_tickets.add(record["doc"]["id"])
            elif record["op"] == "forget":
                self._apply_forget(record["key"])

    def _apply_forget(self, key: str) -> None:
        self._forgotten.add(key)
        self._conversations[key] = {DELETED: True}
        self._unanswered[:] = [d for d in self._unanswered if d["conversation"] != key]
        for ref in [r for r, d in self._bookings.items() if d["conversation"] == key]:
            del self._bookings[ref]
        for number, doc in list(self._tickets.items()):
            if doc["client"] == key:
                self._index_ticket({**doc, "display_name": "", "transcript": [], "user_id": ""})
                self._dirty_tickets.add(number)

    def _recover(self) -> None:
        """Finish what a previous process left in its journal."""
        files = journal.journal_files(self.root)
        if files:
            for path in files:
                self._apply(journal.replay(path))
            self._copy_into_files(self._conversations, self._unanswered, self._bookings, files)
            self._conversations, self._unanswered, self._bookings = {}, [], {}

    def _copy_into_files(self, conversations: dict[str, dict[str, Any]], unanswered: list[dict[str, Any]],
                         bookings: dict[str, dict[str, Any]], done: list[Path]) -> None:
        """Checkpoint: write the latest state into TinyDB files, make it durable, drop the journal files."""
        with self._lock:
            for key, doc in conversations.items():
                path = self._conversation_path(key)
                if doc.get(DELETED):
                    self._open.pop(path, None)
                    path.unlink(missing_ok=True)
                else:
                    self._db(path).table("conversation").upsert(Document(doc, doc_id=1))
            forgotten = set(self._forgotten)
            for key in forgotten:
                for path in [*self.root.glob("unanswered/*.json"), *self.root.glob("bookings/*.json")]:
                    table = self._db(path).table(path.parent.name)
                    if table.contains(Query().conversation == key):
                        table.remove(Query().conversation == key)
            self._forgotten -= forgotten  # the files are clean now; nothing left to filter
            for ref, doc in bookings.items():
                month = doc["created_at"][:7]
                self._db(self.root / "bookings" / f"{month}.json").table("bookings").upsert(doc, Query().ref == ref)
            written = set(self._dirty_tickets)  # tickets changed meanwhile stay dirty for the next checkpoint
            for number in sorted(written):
                doc = self._tickets[number]
                self._db(self.root / "tickets" / f"{number // 1000:04d}.json").table("tickets").upsert(Document(doc, doc_id=number))
            self._dirty_tickets -= written
            self._append_unanswered(unanswered)
            unanswered.clear()  # in place and under the lock, so no reader sees an entry twice
            if self.fsync:
                os.sync()
            for path in done:
                path.unlink(missing_ok=True)

    def _append_unanswered(self, docs: list[dict[str, Any]]) -> None:
        docs = list(docs)
        number, count = self._current_segment()
        while docs:
            if count >= self.segment_size:
                number, count = number + 1, 0
            batch, docs = docs[: self.segment_size - count], docs[self.segment_size - count :]
            self._db(self._segment_path(number)).table("unanswered").insert_multiple(batch)
            count += len(batch)
        self._segment = (number, count)

    def _db(self, path: Path) -> TinyDB:
        db = self._open.pop(path, None)
        if db is None:  # not `or`: an empty TinyDB is falsy
            db = TinyDB(str(path), storage=AtomicJSONStorage)
        self._open[path] = db
        if len(self._open) > OPEN_FILES:
            self._open.popitem(last=False)
        return db

    def _conversation_path(self, key: str) -> Path:
        digest = hashlib.sha256(key.encode()).hexdigest()
        return self.root / "conversations" / digest[:2] / f"{digest[2:34]}.json"

    def _segment_path(self, number: int) -> Path:
        return self.root / "unanswered" / f"{number:06d}.json"

    def _current_segment(self) -> tuple[int, int]:
        if self._segment is None:
            existing = sorted((self.root / "unanswered").glob("*.json"))
            if existing:
                self._segment = (int(existing[-1].stem), len(self._db(existing[-1]).table("unanswered")))
            else:
                self._segment = (1, 0)
        return self._segment
