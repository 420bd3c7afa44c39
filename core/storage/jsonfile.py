"""The data folder's TinyDB files: where each record lives, how files are written and
read, and what happens to damaged ones.

A write goes to a temporary file that is renamed over the old one, so no file is ever
half-written and a reader on another thread never needs a lock. Files are checked as
they are read: a damaged file or record is set aside in ``quarantine/`` rather than
stopping the bot or being dropped. Only one thread writes at a time (``DataFiles``
holds a lock for it): a checkpoint, a step of the retention purge, or shutdown.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import threading
import time
import uuid
from collections import OrderedDict, defaultdict
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from tinydb import Query, TinyDB
from tinydb import table as tinydb_table
from tinydb.storages import Storage

from core.storage.journal import Batch
from core.storage.records import Conversation, explain, stamp

log = logging.getLogger(__name__)

TMP = ".tmp"
OPEN_FILES = 64
"""How many parsed segment and ticket files the writer keeps for its next write (the newest are
the ones written again); others are simply re-read when needed."""
OWNER = {"bookings": "conversation", "tickets": "client", "unanswered": "conversation"}
"""Which field of each kind of record names the client it belongs to."""
TIMESTAMP = re.compile(rb'"(?:at|updated_at)":"([^"]*)"')
"""The times retention looks at in a conversation file: its turns', its own and its draft's last update."""


class StorageError(Exception):
    """A data file cannot be read or written, or the folder is busy; says which, so an operator can act."""


class DamagedFile(StorageError):
    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path, self.problem = path, problem


def let_the_loop_in() -> None:
    """Offer the GIL to the event loop's thread between files. Parsing and writing JSON hold it,
    and otherwise the loop, each time it wakes (several times a message), waits out the
    interpreter's 5 ms switch interval. Measured with a thread parsing conversation files:
    loop lag p99 15 ms without this, 3.5 ms with it; a thread round trip p99 30 ms, 4 ms."""
    time.sleep(0)


def segment_name(number: int) -> str:
    """The file of a numbered segment of booking requests or unanswered questions."""
    return f"{number:06d}.json"


def write_json(path: Path, data: Any) -> None:
    """Write atomically: a crash leaves the old version or the new, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}{TMP}")
    try:
        tmp.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def remove_leftovers(root: Path) -> None:
    """Temporary files of writes that a killed process never finished."""
    for folder, _, names in os.walk(root):
        for name in names:
            if name.startswith(".") and name.endswith(TMP):
                Path(folder, name).unlink(missing_ok=True)


class AtomicJSONStorage(Storage):
    """TinyDB storage that writes atomically, checks what it reads, and remembers it."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._data: dict[str, Any] | None = None

    def read(self) -> dict[str, Any] | None:
        if self._data is not None:
            return self._data
        try:
            data = json.loads(self.path.read_bytes().decode("utf-8"))
        except FileNotFoundError:
            return None
        except ValueError as exc:
            raise DamagedFile(self.path, f"unreadable data file ({exc})") from None
        if not _is_tinydb(data):
            raise DamagedFile(self.path, "not a TinyDB file (expected {table: {id: record}})")
        self._data = data
        return data

    def write(self, data: dict[str, Any]) -> None:
        self._data = None  # if anything below fails, the next read comes from disk
        write_json(self.path, data)
        self._data = data

    def close(self) -> None:
        """Nothing is held open between operations."""


def _is_tinydb(data: Any) -> bool:
    return isinstance(data, dict) and all(
        isinstance(table, dict) and all(isinstance(k, str) and k.isdigit() and isinstance(doc, dict) for k, doc in table.items())
        for table in data.values()
    )


class Table(tinydb_table.Table):
    """TinyDB's table, plus changing many documents in one write."""

    def put(self, docs: Mapping[int, Mapping[str, Any] | None]) -> None:
        """Insert, replace or (given None) remove documents by id in one atomic file write;
        TinyDB's upsert would write the whole file once per document. Built, like TinyDB's own
        operations, on its ``_update_table``."""

        def change(table: dict[int, Any]) -> None:
            for doc_id, doc in docs.items():
                if doc is None:
                    table.pop(doc_id, None)
                else:
                    table[doc_id] = dict(doc)

        self._update_table(change)


class Database(TinyDB):
    table_class = Table


class Quarantine:
    """Damaged files and records, set aside in ``quarantine/`` for staff to repair: each gets a
    note saying where it came from and what is wrong, with the record's data or the file as it
    was. ``run.py data`` lists them. A read-only user (a report next to a running bot) may move
    nothing, so it logs the damage and lists it in ``found``."""

    def __init__(self, root: Path, readonly: bool) -> None:
        self.root, self.folder, self.readonly = root, root / "quarantine", readonly
        self.found: list[str] = []

    def record(self, source: Path, record: str, problem: str, data: Any, client: Any = "") -> None:
        """Set one record aside; the caller then removes it from ``source``."""
        self._note(source, record, problem, {"client": client if isinstance(client, str) else "", "data": data})

    def file(self, source: Path, problem: str) -> None:
        """Set a whole unreadable file aside, moved as it is."""
        if self.readonly:
            self._note(source, "", problem, {})
            return
        name = self._new_name()
        self.folder.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(source, self.folder / f"{name}.damaged")
        except FileNotFoundError:
            return  # another thread set it aside first
        self._note(source, "", problem, {"file": f"{name}.damaged"}, name)

    def notes(self) -> list[dict[str, Any]]:
        notes = []
        for path in sorted(self.folder.glob("*.json")):
            try:
                notes.append({**json.loads(path.read_text(encoding="utf-8")), "note": path.name})
            except (OSError, ValueError) as exc:
                notes.append(
                    {"at": "", "source": f"quarantine/{path.name}", "record": "", "problem": f"unreadable note ({exc})", "note": path.name}
                )
        return notes

    def forget(self, client: str) -> None:
        """A client asked to be forgotten: their set-aside records go too."""
        self._drop(lambda note: note.get("client") == client)

    def purge(self, before: str) -> None:
        """Retention: nothing set aside is kept longer than the longest retention period."""
        self._drop(lambda note: note.get("at", "") < before)

    def _drop(self, matches) -> None:
        for note in self.notes():
            if matches(note):
                (self.folder / note["note"]).unlink(missing_ok=True)
                if note.get("file"):
                    (self.folder / note["file"]).unlink(missing_ok=True)

    def _note(self, source: Path, record: str, problem: str, details: dict[str, Any], name: str | None = None) -> None:
        where = f"{source.relative_to(self.root)}{', ' + record if record else ''}"
        if self.readonly:
            log.warning("%s: %s; skipped (the bot sets it aside when it next starts)", where, problem)
            self.found.append(f"{where}: {problem}")
            return
        note = self.folder / f"{name or self._new_name()}.json"
        write_json(
            note,
            {"at": stamp(datetime.now(UTC)), "source": str(source.relative_to(self.root)), "record": record, "problem": problem, **details},
        )
        log.error("%s: %s; set aside as quarantine/%s for staff to repair (run.py data lists them)", where, problem, note.name)

    @staticmethod
    def _new_name() -> str:
        return f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"


class DataFiles:
    """Where each record lives, and every read and write of the TinyDB files.

    One small file per conversation, named by a hash of its key; tickets a thousand to a
    file; booking requests and unanswered questions in numbered segments of
    ``segment_size`` records, so changing one rewrites a bounded file however many are kept.
    Writers hold ``_lock``; readers rely on files only ever being replaced whole.
    """

    def __init__(self, root: Path, segment_size: int, fsync: bool, quarantine: Quarantine) -> None:
        self.root, self.segment_size, self.fsync, self.quarantine = root, segment_size, fsync, quarantine
        self._lock = threading.Lock()
        self._open: OrderedDict[Path, Database] = OrderedDict()

    # -- layout ------------------------------------------------------------------

    def conversation_path(self, key: str) -> Path:
        digest = hashlib.sha256(key.encode()).hexdigest()
        return self.root / "conversations" / digest[:2] / f"{digest[2:34]}.json"

    def ticket_path(self, number: int) -> Path:
        return self.root / "tickets" / f"{number // 1000:04d}.json"

    def booking_path(self, name: str) -> Path:
        return self.root / "bookings" / name

    def unanswered_place(self, seq: int) -> tuple[Path, int]:
        return self.root / "unanswered" / segment_name(seq // self.segment_size + 1), seq % self.segment_size + 1

    def sequence(self, path: Path, doc_id: int) -> int:
        return (int(path.stem) - 1) * self.segment_size + doc_id - 1

    def conversation_folders(self) -> list[Path]:
        return sorted(p for p in (self.root / "conversations").glob("*") if p.is_dir())

    # -- reading -----------------------------------------------------------------

    def load(self, kind: str, model: type[BaseModel]) -> list[tuple[Path, int, Any]]:
        """Every record of one kind (a folder), checked: ``(file, id, record)``, with None for a
        record that was set aside (and, unless read-only, removed from its file)."""
        loaded: list[tuple[Path, int, Any]] = []
        with self._lock:
            for path in sorted((self.root / kind).glob("*.json")):
                try:
                    docs = self._table(path, kind).all()
                except DamagedFile as exc:
                    self._set_aside(exc)
                    continue
                damaged: dict[int, None] = {}
                for doc in docs:
                    try:
                        loaded.append((path, doc.doc_id, model.model_validate(doc)))
                    except ValidationError as exc:
                        ref = f" ({doc['ref']})" if isinstance(doc.get("ref"), str) else ""
                        self.quarantine.record(path, f"record {doc.doc_id}{ref}", explain(exc), dict(doc), doc.get(OWNER[kind]))
                        loaded.append((path, doc.doc_id, None))
                        damaged[doc.doc_id] = None
                if damaged and not self.quarantine.readonly:
                    self._put(path, kind, damaged)
        return loaded

    def read_conversation(self, key: str) -> Conversation | None:
        """One client's conversation; a damaged file is set aside, so the client simply starts afresh."""
        return self._read_conversation(self.conversation_path(key))

    def check_conversations(self) -> None:
        """Read every conversation file, so that damaged ones are set aside (or, read-only, listed)."""
        for path in sorted((self.root / "conversations").glob("*/*.json")):
            self._read_conversation(path)

    def _read_conversation(self, path: Path) -> Conversation | None:
        try:
            data = AtomicJSONStorage(path).read()
            return None if data is None else Conversation.model_validate(data["conversation"]["1"])
        except DamagedFile as exc:
            problem = exc.problem
        except (KeyError, ValidationError) as exc:
            problem = f"not a conversation ({explain(exc) if isinstance(exc, ValidationError) else f'no {exc}'})"
        self.quarantine.file(path, problem)
        return None

    def read_unanswered(self, since: str = "") -> dict[int, dict[str, Any]]:
        """Unanswered questions in the files from ``since`` on, by sequence number. They are logged
        in time order, so segments are read newest first, up to the first that is all older."""
        docs: dict[int, dict[str, Any]] = {}
        for path in sorted((self.root / "unanswered").glob("*.json"), reverse=True):
            try:
                table = (AtomicJSONStorage(path).read() or {}).get("unanswered", {})
            except DamagedFile as exc:
                log.warning("%s", exc)  # set aside at the next start
                continue
            recent = {self.sequence(path, int(doc_id)): doc for doc_id, doc in table.items() if doc.get("at", "") >= since}
            if table and not recent:
                break
            docs.update(recent)
        return docs

    # -- writing -----------------------------------------------------------------

    def write(self, batch: Batch) -> None:
        """A checkpoint: bring the files up to date with ``batch``, make that durable, then delete
        the journal files it came from. Every step can be repeated, so a checkpoint that failed
        half-way is simply run again. Forgotten clients are erased before anything is written,
        so what a client said after /forget stays."""
        with self._lock:
            if batch.forgotten:
                self._erase(batch.forgotten)
            changes: defaultdict[tuple[Path, str], dict[int, Any]] = defaultdict(dict)
            for key, doc in batch.conversations.items():
                if doc is not None:
                    changes[self.conversation_path(key), "conversation"][1] = doc
            for path, doc_id, doc in batch.bookings.values():
                changes[path, "bookings"][doc_id] = doc
            for number, doc in batch.tickets.items():
                changes[self.ticket_path(number), "tickets"][number] = doc
            for seq, doc in batch.unanswered.items():
                path, doc_id = self.unanswered_place(seq)
                changes[path, "unanswered"][doc_id] = doc
            for (path, name), docs in changes.items():
                self._put(path, name, docs)
                let_the_loop_in()
            if self.fsync:
                os.sync()
            for path in batch.journals:
                path.unlink(missing_ok=True)
            if self.fsync and batch.forgotten:
                os.sync()  # those journal files held what the client asked to have forgotten

    def _erase(self, keys: set[str]) -> None:
        """What the store does not hold in memory about these clients: conversation files,
        unanswered questions and set-aside records (their requests and tickets are in the batch)."""
        for key in keys:
            self.conversation_path(key).unlink(missing_ok=True)
            self.quarantine.forget(key)
        for path in sorted((self.root / "unanswered").glob("*.json")):
            theirs = self._table(path, "unanswered", writing=True).search(Query().conversation.one_of(sorted(keys)))
            if theirs:
                self._put(path, "unanswered", dict.fromkeys(doc.doc_id for doc in theirs))

    def purge_conversations(self, folder: Path, cutoff: str) -> int:
        """Retention for one folder of conversations: one idle since before ``cutoff`` is deleted
        whole, as nothing of it may identify the client any more; others lose older turns and an
        abandoned booking draft. Returns how many records went."""
        removed, old = 0, cutoff.encode()
        with self._lock:
            for path in folder.glob("*.json"):
                let_the_loop_in()
                try:
                    if min((m[1] for m in TIMESTAMP.finditer(path.read_bytes())), default=b"") >= old:
                        continue  # nothing in it is old: most files, on most days, need no parsing
                except FileNotFoundError:
                    continue
                table = Database(path, storage=AtomicJSONStorage).table("conversation")
                try:
                    doc = table.get(doc_id=1)
                    removed += _retain(path, table, doc, cutoff) if doc is not None else 0
                except DamagedFile as exc:
                    self._set_aside(exc)
                except (KeyError, TypeError) as exc:
                    self.quarantine.file(path, f"not a conversation ({exc!r})")
        return removed

    def purge_unanswered(self, cutoff: str) -> int:
        removed = 0
        with self._lock:
            for path in sorted((self.root / "unanswered").glob("*.json")):
                let_the_loop_in()
                old = self._table(path, "unanswered", writing=True).search(Query().at < cutoff)
                if old:
                    self._put(path, "unanswered", dict.fromkeys(doc.doc_id for doc in old))
                    removed += len(old)
        return removed

    def _put(self, path: Path, name: str, docs: Mapping[int, Mapping[str, Any] | None]) -> None:
        table = self._table(path, name, writing=True)
        table.put(docs)
        if not len(table):
            self._open.pop(path, None)
            path.unlink(missing_ok=True)

    def _table(self, path: Path, name: str, writing: bool = False) -> Table:
        """A table. One about to be written is kept parsed for the next checkpoint, unless it is a
        conversation's: each of those is written at most once a checkpoint, so keeping thousands
        parsed would only cost memory and garbage-collection pauses. Before writing, a damaged
        file is set aside (the batch holds its news)."""
        db = self._open.pop(path, None)
        if db is None:  # not `or`: an empty TinyDB is falsy
            db = Database(str(path), storage=AtomicJSONStorage)
        if writing:
            try:
                db.storage.read()
            except DamagedFile as exc:
                self._set_aside(exc)
                db = Database(str(path), storage=AtomicJSONStorage)
            if name != "conversation":
                self._open[path] = db
                if len(self._open) > OPEN_FILES:
                    self._open.popitem(last=False)
        return db.table(name)

    def _set_aside(self, exc: DamagedFile) -> None:
        self._open.pop(exc.path, None)
        self.quarantine.file(exc.path, exc.problem)


def _retain(path: Path, table: Table, doc: dict[str, Any], cutoff: str) -> int:
    turns, draft = doc["transcript"], doc.get("booking")
    if doc["updated_at"] < cutoff:
        path.unlink()
        return len(turns) + 1
    kept = [turn for turn in turns if turn["at"] >= cutoff]
    stale_draft = draft is not None and draft["updated_at"] < cutoff
    if len(kept) == len(turns) and not stale_draft:
        return 0
    table.put({1: {**doc, "transcript": kept, "booking": None if stale_draft else draft}})
    return len(turns) - len(kept) + stale_draft
