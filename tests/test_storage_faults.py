"""Storage under faults: a checkpoint that cannot write, damaged or hand-edited data, a data
folder the bot may not write, leftovers of a killed write, and a hostile display name."""

import errno
import gc
import io
import json
import logging
import os
import threading
from pathlib import Path

import pytest

from core.conversation.engine import Core
from core.events import Event, ReplyKind
from core.storage.journal import Journal
from core.storage.jsonfile import AtomicJSONStorage
from core.storage.records import Conversation
from core.storage.store import StorageError, Store
from tests.conftest import NOW, ticking
from tests.storage_helpers import Client, book, edit_record, kill, says, settle

ANN, BEA = Client("ann", "Ann Lee", "ann@example.com"), Client("bea", "Bea Moss", "bea@example.com")


def fail_background_writes(monkeypatch, times: int | None = None) -> None:
    """Background file writes fail as on a full disk: the first ``times`` of them, or all."""
    original = AtomicJSONStorage.write
    left = [times]

    def write(storage, data):
        if threading.current_thread() is not threading.main_thread() and left[0] != 0:
            left[0] = None if left[0] is None else left[0] - 1
            raise OSError(errno.ENOSPC, "No space left on device")
        original(storage, data)

    monkeypatch.setattr(AtomicJSONStorage, "write", write)


def storage_errors(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "core.storage.store" and r.levelno == logging.ERROR]


# -- a checkpoint that cannot write ---------------------------------------------------------


async def test_a_checkpoint_that_cannot_write_loses_no_confirmed_booking(knowledge, outbox, tmp_path, monkeypatch, caplog):
    root = tmp_path / "data"
    store = Store(root, fsync=False, checkpoint_every=5)
    core = Core(knowledge, store, outbox, clock=ticking())
    fail_background_writes(monkeypatch)
    refs = [await book(core, Client(f"c{n}", f"Client {'ABCDE'[n]}", f"c{n}@example.com")) for n in range(5)]
    assert all(refs)  # each client was told their request is confirmed
    monkeypatch.undo()  # the disk has room again
    await store.aclose()  # a clean shutdown
    restarted = Store(root, fsync=False)
    assert sorted(b.ref for b in restarted.bookings()) == sorted(refs)
    restarted.close()
    assert storage_errors(caplog), "the failed checkpoint was not logged at ERROR"
    gc.collect()
    assert "never retrieved" not in caplog.text


async def test_a_failing_checkpoint_is_retried_reported_once_and_recovers(knowledge, outbox, tmp_path, monkeypatch, caplog):
    root, reports = tmp_path / "data", []
    store = Store(root, fsync=False, checkpoint_every=3, on_failure=reports.append, retry_seconds=0)
    core = Core(knowledge, store, outbox, clock=ticking())
    fail_background_writes(monkeypatch, times=3)  # three attempts fail, then the disk has room again
    refs = [await book(core, Client(f"c{n}", f"Client {'ABCDE'[n]}", f"c{n}@example.com")) for n in range(3)]
    await settle()
    assert len(reports) == 1 and "No space left on device" in reports[0]
    assert len(storage_errors(caplog)) >= 1
    assert store.failing is None
    assert len(list(root.glob("journal-*.jsonl"))) == 1  # the failed batches' journals went only once they were written
    await store.aclose()
    assert sorted(b.ref for b in Store(root, readonly=True).bookings()) == sorted(refs)


async def test_a_clean_shutdown_that_cannot_write_keeps_the_journal(knowledge, outbox, tmp_path, monkeypatch):
    root = tmp_path / "data"
    store = Store(root, fsync=False)
    core = Core(knowledge, store, outbox, clock=ticking())
    ref = await book(core, ANN)
    monkeypatch.setattr(AtomicJSONStorage, "write", lambda *_: (_ for _ in ()).throw(OSError(errno.EROFS, "Read-only file system")))
    with pytest.raises(StorageError, match="journal is kept"):
        await store.aclose()
    monkeypatch.undo()
    restarted = Store(root, fsync=False)
    assert [b.ref for b in restarted.bookings()] == [ref]
    restarted.close()


async def test_a_journal_write_cut_short_by_a_full_disk_leaves_no_gap(tmp_path, monkeypatch):
    root = tmp_path / "data"
    store = Store(root, fsync=False)
    store.save_conversation(Conversation(key="test:1", platform="test", chat_id="1", started_at=NOW, updated_at=NOW))

    def half_then_full(journal, work):
        work[0][2] = os.write(work[0][0], work[0][1][: len(work[0][1]) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Journal, "_write", half_then_full)
    with pytest.raises(OSError):
        await store.commit()  # so the client is told nothing
    monkeypatch.undo()
    store.save_conversation(Conversation(key="test:2", platform="test", chat_id="2", started_at=NOW, updated_at=NOW))
    await store.commit()  # the rest of the first record, then the second
    kill(store)
    restarted = Store(root, fsync=False)
    assert restarted.conversation("test:1") and restarted.conversation("test:2") and not restarted.set_aside()
    restarted.close()


# -- damaged or hand-edited data ------------------------------------------------------------


def listing(root: Path) -> str:
    from cli.data import listing as data_listing

    return data_listing(root)[0]


def conversation_record(key: str, topic: str) -> bytes:
    doc = Conversation(key=key, platform="test", chat_id=key.split(":")[1], started_at=NOW, updated_at=NOW, last_topic=topic)
    return json.dumps({"op": "conversation", "key": key, "doc": doc.model_dump(mode="json")}).encode() + b"\n"


def test_a_zero_filled_journal_line_is_set_aside_and_the_rest_replayed(tmp_path, caplog):
    root = tmp_path / "data"
    root.mkdir()
    journal = root / "journal-00000001.jsonl"
    journal.write_bytes(conversation_record("test:a", "pores") + b"\x00" * 60 + b"\n" + conversation_record("test:b", "downtime"))
    store = Store(root, fsync=False)
    assert store.conversation("test:a").last_topic == "pores" and store.conversation("test:b").last_topic == "downtime"
    store.close()
    assert "journal-00000001.jsonl, line 2" in caplog.text
    assert "journal-00000001.jsonl, line 2" in listing(root)


async def test_a_bookings_file_replaced_by_a_list_is_set_aside_and_the_bot_starts(knowledge, outbox, tmp_path, caplog):
    root = tmp_path / "data"
    store = Store(root, fsync=False)
    await book(Core(knowledge, store, outbox, clock=ticking()), ANN)
    await store.aclose()
    [path] = (root / "bookings").glob("*.json")
    path.write_text("[]")
    store = Store(root, fsync=False)
    assert store.bookings() == []
    ref = await book(Core(knowledge, store, outbox, clock=ticking()), BEA)
    await store.aclose()
    assert f"bookings/{path.name}" in caplog.text
    assert [b.ref for b in Store(root, readonly=True).bookings()] == [ref]
    assert f"bookings/{path.name}" in listing(root)


async def test_a_booking_with_a_bad_date_is_skipped_by_leads_and_set_aside_by_the_bot(knowledge, outbox, tmp_path, capsys, caplog):
    from cli.main import main

    root = tmp_path / "data"
    store = Store(root, fsync=False)
    core = Core(knowledge, store, outbox, clock=ticking())
    bad, good = await book(core, ANN), await book(core, BEA)
    await store.aclose()
    path = edit_record(root, "bookings", lambda doc: doc["ref"] == bad, lambda doc: doc.update(created_at="31/02/2026"))
    config = tmp_path / "config.toml"
    config.write_text(f'[storage]\ndir = "{root}"\n')
    assert main(["--config", str(config), "leads"]) == 0
    out = capsys.readouterr().out
    assert good in out and bad not in out
    assert f"bookings/{path.name}" in caplog.text and "created_at" in caplog.text
    store = Store(root, fsync=False)  # the bot sets the record aside, for staff to repair
    assert [b.ref for b in store.bookings()] == [good]
    store.close()
    assert bad in listing(root) and "created_at" in listing(root)
    assert [b.ref for b in Store(root, readonly=True).bookings()] == [good]


async def test_a_ticket_with_an_unknown_status_affects_only_its_client(knowledge, outbox, tmp_path, caplog):
    root = tmp_path / "data"
    store = Store(root, fsync=False)
    core = Core(knowledge, store, outbox, clock=ticking())
    await says(core, ANN, "/human")
    await says(core, BEA, "/human")
    await store.aclose()
    path = edit_record(root, "tickets", lambda doc: doc["id"] == 1, lambda doc: doc.update(status="escalated"))
    store = Store(root, fsync=False)
    core = Core(knowledge, store, outbox, clock=ticking())
    [reply] = await says(core, ANN, "pores")  # the bot answers Ann again: her ticket is set aside
    assert reply.kind is ReplyKind.ANSWER
    assert await says(core, BEA, "still there?") == []  # Bea's ticket is untouched: relayed to staff
    await says(core, ANN, "/human")
    assert store.open_ticket_of(ANN.key).id == 3  # the set-aside ticket keeps its number
    await store.aclose()
    assert f"tickets/{path.name}, record 1" in caplog.text and "status" in caplog.text
    assert f"tickets/{path.name}, record 1" in listing(root)


async def test_a_damaged_conversation_file_affects_only_its_client(knowledge, outbox, tmp_path, caplog):
    root = tmp_path / "data"
    store = Store(root, fsync=False)
    core = Core(knowledge, store, outbox, clock=ticking())
    await says(core, ANN, "pores")
    await says(core, BEA, "pores")
    await store.aclose()
    damaged = next(p for p in (root / "conversations").rglob("*.json") if '"ann"' in p.read_text())
    damaged.write_bytes(b"\x00" * 100)
    store = Store(root, fsync=False)
    core = Core(knowledge, store, outbox, clock=ticking())
    [reply] = await says(core, ANN, "downtime??")
    assert reply.kind is ReplyKind.ANSWER and store.conversation(ANN.key).messages == 1
    assert store.conversation(BEA.key).messages == 1
    await store.aclose()
    where = str(damaged.relative_to(root))
    assert where in caplog.text and where in listing(root)


def test_the_data_command_says_when_nothing_is_set_aside(tmp_path):
    from cli.data import listing as data_listing

    Store(tmp_path / "data", fsync=False).close()
    text, damaged = data_listing(tmp_path / "data")
    assert not damaged and "Nothing" in text


# -- the data folder itself ------------------------------------------------------------------


def test_a_read_only_data_folder_gets_a_clear_message(tmp_path, monkeypatch, capsys):
    """The tests run as root, which ignores permissions, so the refusal is simulated where files are opened."""
    from cli.main import main

    root = tmp_path / "data"
    root.mkdir()
    real_open = io.open

    def refusing_open(file, mode="r", *args, **kwargs):
        if any(c in mode for c in "wax+") and Path(file).is_relative_to(root):
            raise PermissionError(errno.EACCES, "Permission denied", str(file))
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(io, "open", refusing_open)
    with pytest.raises(StorageError, match="cannot write") as refused:
        Store(root)
    assert str(root) in str(refused.value) and "Permission denied" in str(refused.value)
    config = tmp_path / "config.toml"
    config.write_text(f'[storage]\ndir = "{root}"\n')
    assert main(["--config", str(config), "chat"]) == 2
    assert "cannot write" in capsys.readouterr().err


def test_leftovers_of_a_killed_write_are_removed_at_start(tmp_path):
    root = tmp_path / "data"
    store = Store(root, fsync=False)
    store.save_conversation(Conversation(key="test:1", platform="test", chat_id="1", started_at=NOW, updated_at=NOW))
    store.close()
    [conversation] = (root / "conversations").rglob("*.json")
    leftovers = [conversation.with_name(f".{conversation.name}.4242.1.tmp"), root / "tickets" / ".0000.json.4242.1.tmp"]
    for path in leftovers:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text('{"half": ')
    Store(root, fsync=False).close()
    assert not any(path.exists() for path in leftovers)


def test_a_reader_next_to_a_live_bot_does_not_warn_of_a_torn_write(tmp_path, caplog):
    root = tmp_path / "data"
    bot = Store(root, fsync=False)
    bot.save_conversation(Conversation(key="test:1", platform="test", chat_id="1", started_at=NOW, updated_at=NOW))
    bot._journal.sync_blocking()
    with sorted(root.glob("journal-*.jsonl"))[-1].open("ab") as journal:
        journal.write(b'{"op":"conversation","key":"test:2"')  # the bot is mid-append
    with caplog.at_level(logging.WARNING):
        assert Store(root, readonly=True).conversation("test:1") is not None
    assert "stopped mid-write" not in caplog.text
    kill(bot)  # now the torn line means the bot stopped mid-write
    Store(root, readonly=True)
    assert "stopped mid-write" in caplog.text


# -- hostile input ----------------------------------------------------------------------------


async def test_a_huge_display_name_is_capped_and_greets_in_one_message(core):
    event = Event(platform="test", chat_id="1", user_id="1", display_name="Z" * 50_000, text="/start")
    assert len(event.display_name) == 64
    greeting = (await core.handle(event))[0]
    assert len(greeting.text) < 4096  # one Telegram message


async def test_a_storage_problem_reaches_the_staff_desk(knowledge, tmp_path):
    """A store built as the commands build it sends its one-time failure report to the desk."""
    import asyncio

    from cli.compose import running, storage_problems_to
    from core.conversation.engine import Core
    from core.outbox import STAFF_DESK, LogOutbox
    from core.storage.store import Store

    outbox = LogOutbox()
    core = Core(knowledge, Store(tmp_path / "data", fsync=False, on_failure=storage_problems_to(outbox)), outbox)
    async with running(core, tmp_path / "content-not-watched"):
        core.store.on_failure("the disk is full (data/conversations)")
        await asyncio.sleep(0)  # let the report task run
    [(address, notice)] = [(a, r) for a, r in outbox.sent if r.text.startswith("Storage problem")]
    assert address == STAFF_DESK and "the disk is full" in notice.text
