"""The one place the bot's state is kept: a repository over TinyDB files and a journal.

Every change is applied in memory and appended to a write-ahead journal (core.journal);
``commit()`` makes it durable, one fsync for many clients. A checkpoint later copies what
the journal holds into the TinyDB files (core.jsonfile) in a thread, and deletes journal
files only once that is durable. If it fails, nothing is dropped: the changes stay in
memory and in the journal, the failure is logged and reported once, and the checkpoint is
retried. The event loop never waits for a checkpoint or the retention purge: it finds
recent changes in memory and reads anything else from files that are only ever replaced
whole. /forget starts a checkpoint at once, which erases the client from the files and
deletes the journal that still held them.

Only one process may write a data folder at a time; reports open it read-only.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from core.storage import journal
from core.storage.journal import Batch, Journal, journal_files
from core.storage.jsonfile import DataFiles, Quarantine, StorageError, remove_leftovers, segment_name
from core.storage.records import BookingRequest, Conversation, Ticket, Unanswered, explain, stamp

log = logging.getLogger(__name__)

SEGMENT_SIZE = 100
CHECKPOINT_EVERY = 5000
"""Journal records gathered before they are copied into the TinyDB files."""
RETRY_SECONDS, MAX_RETRY_SECONDS = 10.0, 300.0
ANONYMOUS: dict[str, Any] = {"client": "", "chat_id": "", "user_id": "", "display_name": "", "transcript": []}
"""What a ticket keeps of its client once they are forgotten or past retention: nothing. Its
number, reason and dates stay, for the counts."""


class Store:
    """Repository for everything the bot persists.

    ``save_*``, ``log_*`` and ``forget`` take effect at once for readers in this process;
    ``await commit()`` makes them durable, and the core awaits it before replying.
    While changes cannot reach the data files, ``failing`` says why; ``on_failure`` is called
    with that text (on the event loop, and must not raise) the first time, for the staff desk.
    """

    def __init__(
        self,
        root: Path | str,
        fsync: bool = True,
        segment_size: int = SEGMENT_SIZE,
        checkpoint_every: int = CHECKPOINT_EVERY,
        readonly: bool = False,
        on_failure: Callable[[str], None] | None = None,
        retry_seconds: float = RETRY_SECONDS,
    ) -> None:
        self.root = Path(root)
        self.fsync = fsync
        self.segment_size = segment_size
        self.checkpoint_every = checkpoint_every
        self.readonly = readonly
        self.on_failure = on_failure
        self.retry_seconds = retry_seconds
        self.failing: str | None = None
        self._files = DataFiles(self.root, segment_size, fsync, Quarantine(self.root, readonly))
        self._pending, self._flushing = Batch(), None
        """Changes since the last checkpoint began, and those a checkpoint is writing (or failed to)."""
        self._job: asyncio.Task[None] | None = None
        self._wanted = self._sleeping = self._closing = False
        self._tickets: dict[int, dict[str, Any]] = {}
        self._open_by_client: dict[str, int] = {}
        self._open_by_thread: dict[tuple[str | None, str | None, str | None], int] = {}
        self._highest_ticket = 0
        self._bookings: dict[str, BookingRequest] = {}
        self._booking_at: dict[str, tuple[str, int]] = {}
        """Where each request is stored: file name and document id (plain values, which the garbage collector skips)."""
        self._booking_slot = (1, 0)
        self._next_seq = 0
        if not readonly:
            self._take_folder()
        try:
            self._load()
            if not readonly:
                self._journal = Journal(self.root, fsync)
        except OSError as exc:
            self._release_folder()
            raise StorageError(f"{self.root}: cannot use the data folder ({exc})") from None

    # -- conversations ---------------------------------------------------

    def conversation(self, key: str) -> Conversation | None:
        for batch in (self._pending, self._flushing):
            if batch is not None and key in batch.conversations:
                doc = batch.conversations[key]
                return Conversation.model_validate(doc) if doc is not None else None
        return self._files.read_conversation(key)

    def forget(self, key: str) -> None:
        """Delete everything stored about one client: conversation, unanswered questions, booking
        requests, and what their tickets say about them (the tickets stay, empty, for the count).
        The next commit starts a checkpoint that erases them from the files and the journal."""
        self._write({"op": "forget", "key": key})

    def save_conversation(self, conversation: Conversation) -> None:
        self._write({"op": "conversation", "key": conversation.key, "doc": conversation.model_dump(mode="json")})

    # -- unanswered questions --------------------------------------------

    def log_unanswered(self, entry: Unanswered) -> None:
        self._write({"op": "unanswered", "seq": self._next_seq, "doc": entry.model_dump(mode="json")})

    def unanswered(self, since: datetime | None = None) -> Iterator[Unanswered]:
        pending, flushing = self._pending, self._flushing or Batch()
        erased = pending.forgotten | flushing.forgotten  # the files may still hold theirs
        after = stamp(since) if since else ""
        docs = {seq: doc for seq, doc in self._files.read_unanswered(after).items() if doc.get("conversation") not in erased}
        docs.update((seq, doc) for seq, doc in flushing.unanswered.items() if doc["conversation"] not in pending.forgotten)
        docs.update(pending.unanswered)
        for seq in sorted(docs):
            entry = Unanswered.model_validate(docs[seq])
            if since is None or entry.at >= since:
                yield entry

    # -- booking requests ------------------------------------------------

    def save_booking(self, request: BookingRequest) -> None:
        """Create or update by reference: saving the same request twice keeps one copy."""
        self._write({"op": "booking", "doc": request.model_dump(mode="json")}, request)

    def bookings(self, since: datetime | None = None) -> list[BookingRequest]:
        """All of them are kept in memory (a year's worth at most, by retention), so this never reads a file."""
        return sorted((r for r in self._bookings.values() if since is None or r.updated_at >= since), key=lambda r: r.created_at)

    def _put_booking(self, request: BookingRequest, doc: dict[str, Any]) -> None:
        self._bookings[request.ref] = request
        if request.ref not in self._booking_at:
            segment, last = self._booking_slot
            self._booking_slot = (segment + 1, 1) if last >= self.segment_size else (segment, last + 1)
            self._booking_at[request.ref] = (segment_name(self._booking_slot[0]), self._booking_slot[1])
        name, doc_id = self._booking_at[request.ref]
        self._pending.bookings[request.ref] = (self._files.booking_path(name), doc_id, doc)

    def _drop_booking(self, ref: str) -> None:
        del self._bookings[ref]
        name, doc_id = self._booking_at.pop(ref)
        self._pending.bookings[ref] = (self._files.booking_path(name), doc_id, None)

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

    def ticket(self, number: int) -> Ticket | None:
        doc = self._tickets.get(number)
        return Ticket.model_validate(doc) if doc else None

    def next_ticket_number(self) -> int:
        return max(self._highest_ticket, max(self._tickets, default=0)) + 1

    def _put_ticket(self, doc: dict[str, Any]) -> None:
        self._index_ticket(doc)
        self._pending.tickets[doc["id"]] = doc

    def _index_ticket(self, doc: dict[str, Any]) -> None:
        """Every ticket is kept in memory, open ones indexed by client and desk thread, so no message scans them."""
        number = doc["id"]
        old = self._tickets.get(number)
        for index, key in self._ticket_indexes(old) if old else ():
            if index.get(key) == number:
                del index[key]
        self._tickets[number] = doc
        if doc["status"] != "closed":
            for index, key in self._ticket_indexes(doc):
                index[key] = number

    def _ticket_indexes(self, doc: dict[str, Any]) -> list[tuple[dict[Any, int], Any]]:
        return [
            (self._open_by_client, doc["client"]),
            (self._open_by_thread, (doc.get("desk_platform"), doc.get("desk_chat"), doc.get("desk_thread"))),
        ]

    # -- retention ---------------------------------------------------------

    async def purge(self, messages_before: datetime, bookings_before: datetime) -> int:
        """Delete chat messages and unanswered questions older than ``messages_before`` (with
        conversations idle since then, abandoned booking drafts, and the people in closed
        tickets), and booking requests older than ``bookings_before``; returns how many records
        went. File work runs in a thread, a folder at a time, so checkpoints carry on in between.

        Everything pending is checkpointed first, so old records cannot come back from a
        journal replay after a restart; then the changes made here are checkpointed too."""
        await self.checkpoint()
        removed = self._retire(messages_before, bookings_before)
        cutoff = stamp(messages_before)
        for folder in await asyncio.to_thread(self._files.conversation_folders):
            removed += await asyncio.to_thread(self._files.purge_conversations, folder, cutoff)
        removed += await asyncio.to_thread(self._files.purge_unanswered, cutoff)
        await asyncio.to_thread(self._files.quarantine.purge, stamp(bookings_before))
        await self.checkpoint()
        return removed

    def _retire(self, messages_before: datetime, bookings_before: datetime) -> int:
        """Retention for what is held in memory: booking requests and tickets."""
        removed, cutoff = 0, stamp(messages_before)
        for ref in [ref for ref, request in self._bookings.items() if request.updated_at < bookings_before]:
            self._drop_booking(ref)
            removed += 1
        for doc in list(self._tickets.values()):
            kept = [turn for turn in doc["transcript"] if turn["at"] >= cutoff]
            if doc["status"] == "closed" and (doc["closed_at"] or doc["opened_at"]) < cutoff:
                if any(doc[field] for field in ANONYMOUS):
                    self._put_ticket({**doc, **ANONYMOUS})
                    removed += 1 + len(doc["transcript"])
            elif len(kept) < len(doc["transcript"]):
                self._put_ticket({**doc, "transcript": kept})
                removed += len(doc["transcript"]) - len(kept)
        return removed

    # -- durability ------------------------------------------------------

    async def commit(self) -> None:
        """Make every change so far durable; start a background checkpoint when one is due."""
        await self._journal.sync()
        self._start_checkpoints()

    async def checkpoint(self) -> None:
        """Copy every change so far into the files now (after any checkpoint under way); while
        the files cannot be written this keeps waiting, as the checkpoint keeps retrying."""
        self._wanted = True
        self._start_checkpoints()
        if self._job is None:
            raise StorageError(f"{self.root}: storage is closing")
        await asyncio.shield(self._job)

    def _due(self) -> bool:
        """A checkpoint is due when asked for, after a failure, after /forget, after a crash (the
        journal holds files from before the start), and when enough records have gathered."""
        return bool(
            self._wanted
            or self._flushing is not None
            or self._pending.forgotten
            or self._pending.journals
            or self._pending.records >= self.checkpoint_every
        )

    def _start_checkpoints(self) -> None:
        if self._job is None and not self._closing and self._due():
            self._job = asyncio.create_task(self._run_checkpoints())

    async def _run_checkpoints(self) -> None:
        """Checkpoint while one is due (a /forget may arrive during one); after a failure, wait,
        longer each time, and try again."""
        delay = self.retry_seconds
        try:
            while not self._closing and self._due():
                if await self._checkpoint_once():
                    delay = self.retry_seconds
                    continue
                if self._closing:
                    return
                self._sleeping = True
                try:
                    await asyncio.sleep(delay)
                finally:
                    self._sleeping = False
                delay = min(2 * delay, MAX_RETRY_SECONDS)
        finally:
            self._job = None

    async def _checkpoint_once(self) -> bool:
        try:
            batch = self._take()
            await asyncio.to_thread(self._files.write, batch)
        except Exception as exc:  # noqa: BLE001 - whatever it was, the batch stays in memory and its journal on disk
            self._failed(exc)
            return False
        self._flushing = None
        if self.failing is not None:
            log.warning("%s: the data files can be written again; everything kept meanwhile is now in them", self.root)
            self.failing = None
        return True

    def _take(self) -> Batch:
        """Hand every change so far to a checkpoint. The journal moves on to a new file (unless
        the current one is empty), and readers find the changes in the batch until it is written;
        one that failed before is written again, with everything since."""
        if self._journal.records:
            self._pending.journals.append(self._journal.rotate())
        batch = self._pending if self._flushing is None else self._flushing.then(self._pending)
        self._pending, self._flushing, self._wanted = Batch(), batch, False
        return batch

    def _failed(self, exc: Exception) -> None:
        problem = (
            f"{self.root}: cannot copy changes into the data files ({exc}). Nothing is lost: they are kept in "
            "memory and in the journal, and storage keeps trying."
        )
        log.error("%s", problem, exc_info=not isinstance(exc, (OSError, StorageError)))
        if self.failing is None and self.on_failure is not None:
            self.on_failure(problem)
        self.failing = problem

    async def aclose(self) -> None:
        """Finish background work (a journal write under way included), then copy everything into
        the files and release the folder."""
        self._closing = True
        if self._job is not None:
            if self._sleeping:
                self._job.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._job
        try:
            if not self.readonly:
                await self._journal.sync()
        finally:
            self.close()

    def close(self) -> None:
        """Copy everything into the TinyDB files and release the folder. If that fails, the
        journal is kept and applied at the next start."""
        if self.readonly:
            return
        self._closing = True
        try:
            self._journal.close()
            self._pending.journals.append(self._journal.path)
            self._files.write(self._pending if self._flushing is None else self._flushing.then(self._pending))
            self._pending, self._flushing = Batch(), None
        except (OSError, StorageError) as exc:
            raise StorageError(
                f"{self.root}: could not copy the journal into the data files ({exc}); the journal is kept and applied at the next start"
            ) from exc
        finally:
            self._release_folder()

    def _release_folder(self) -> None:
        """Let another process write the folder."""
        if not self.readonly:
            self._lockfile.close()

    # -- damaged data --------------------------------------------------------

    def set_aside(self) -> list[dict[str, Any]]:
        """Notes on the damaged files and records set aside for repair, oldest first."""
        return self._files.quarantine.notes()

    def check(self) -> list[str]:
        """Damage a read-only store found (conversation files included, so this reads them all):
        what the bot will set aside when it next starts."""
        self._files.check_conversations()
        return list(self._files.quarantine.found)

    # -- internals -------------------------------------------------------

    def _write(self, record: dict[str, Any], model: BaseModel | None = None) -> None:
        if self.readonly:
            raise StorageError(f"{self.root}: opened read-only")
        self._apply(record, model)
        self._journal.append(record)

    def _apply(self, record: dict[str, Any], model: Any) -> None:
        op, batch = record["op"], self._pending
        if op == "conversation":
            batch.conversations[record["key"]] = record["doc"]
        elif op == "unanswered":
            seq = record.get("seq", self._next_seq)
            batch.unanswered[seq] = record["doc"]
            self._next_seq = max(self._next_seq, seq + 1)
        elif op == "booking":
            self._put_booking(model, record["doc"])
        elif op == "ticket":
            self._put_ticket(record["doc"])
        else:
            self._apply_forget(record["key"])
        batch.records += 1

    def _apply_forget(self, key: str) -> None:
        self._pending.forget(key)
        for ref in [ref for ref, request in self._bookings.items() if request.conversation == key]:
            self._drop_booking(ref)
        for doc in list(self._tickets.values()):
            if doc["client"] == key:
                self._put_ticket({**doc, **ANONYMOUS})

    def _take_folder(self) -> None:
        """Lock the folder for this process, then clear away what a killed one left half-written."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            self._lockfile = (self.root / ".lock").open("a")
        except OSError as exc:
            raise StorageError(
                f"{self.root}: the bot cannot write to its data folder ({exc.strerror}). Give it write access, "
                "or set storage.dir in config.toml to a folder it may write; leads and report only read it."
            ) from None
        try:
            fcntl.flock(self._lockfile, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lockfile.close()
            raise StorageError(f"{self.root}: another bot process is using this data folder") from None
        remove_leftovers(self.root)

    def _writer_alive(self) -> bool:
        """Whether a bot process holds the folder, so its journal may end in an append under way."""
        try:
            with (self.root / ".lock").open("rb") as lock:
                fcntl.flock(lock, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except FileNotFoundError:
            return False
        except BlockingIOError:
            return True
        return False

    def _load(self) -> None:
        """Tickets and booking requests are kept in memory: there are thousands at most, and the
        desk looks them up on every message. Conversations stay on disk. Then the journal is replayed."""
        for _, number, ticket in self._files.load("tickets", Ticket):
            self._highest_ticket = max(self._highest_ticket, number)
            if ticket is not None:
                self._index_ticket(ticket.model_dump(mode="json"))
        for path, doc_id, request in self._files.load("bookings", BookingRequest):
            if path.stem.isdigit():
                self._booking_slot = max(self._booking_slot, (int(path.stem), doc_id))
            if request is not None:
                self._bookings[request.ref], self._booking_at[request.ref] = request, (path.name, doc_id)
        for path, doc_id, _ in self._files.load("unanswered", Unanswered):
            self._next_seq = max(self._next_seq, self._files.sequence(path, doc_id) + 1)
        self._replay()

    def _replay(self) -> None:
        """Apply what the journal holds beyond the files: after a crash, or next to a live bot."""
        alive, quarantine = self.readonly and self._writer_alive(), self._files.quarantine
        for path in journal_files(self.root):

            def damaged(number: int, line: bytes, problem: str, path: Path = path) -> None:
                quarantine.record(path, f"line {number}", problem, line.decode("utf-8", "replace"))

            for number, record in journal.replay(path, damaged, alive):
                try:
                    model = journal.checked(record)
                except ValueError as exc:
                    quarantine.record(path, f"line {number}", explain(exc), record, journal.owner(record))
                    continue
                self._apply(record, model)
            self._pending.journals.append(path)
