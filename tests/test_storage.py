"""Storage: journalled, atomic, bounded per conversation, and whole after a crash."""

import json
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from core.storage.records import TRANSCRIPT_TURNS, Conversation, Unanswered
from core.storage.store import StorageError, Store
from tests.conftest import ROOT

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def conversation(key="test:1", **kw):
    return Conversation(key=key, platform="test", chat_id=key.split(":")[1], started_at=T0, updated_at=T0, **kw)


def conversation_files(root):
    return sorted((root / "conversations").rglob("*.json"))


async def test_conversation_round_trip_through_journal_and_files(tmp_path):
    store = Store(tmp_path)
    original = conversation(display_name="Zoë 💉", last_topic="pores")
    original.remember("client", "hello <b>", T0)
    store.save_conversation(original)
    await store.commit()
    assert store.conversation("test:1") == original
    assert store.conversation("test:unknown") is None
    store.close()
    assert len(conversation_files(tmp_path)) == 1 and not list(tmp_path.glob("journal-*"))
    reopened = Store(tmp_path)
    assert reopened.conversation("test:1") == original
    reopened.close()


async def test_checkpoint_moves_the_journal_into_files_in_the_background(tmp_path):
    store = Store(tmp_path, fsync=False, checkpoint_every=10)
    for n in range(25):
        store.save_conversation(conversation(f"test:{n % 5}", messages=n))
        await store.commit()
    await store.aclose()
    files = conversation_files(tmp_path)
    assert len(files) == 5
    assert all(len(json.loads(f.read_text())["conversation"]) == 1 for f in files)
    assert sorted(json.loads(f.read_text())["conversation"]["1"]["messages"] for f in files) == [20, 21, 22, 23, 24]


async def test_transcript_is_bounded_so_the_file_stays_small(tmp_path):
    store = Store(tmp_path, fsync=False)
    conv = conversation()
    for n in range(200):
        conv.remember("client", f"question number {n} " + "x" * 600, T0)
    store.save_conversation(conv)
    store.close()
    [path] = conversation_files(tmp_path)
    assert len(json.loads(path.read_text())["conversation"]["1"]["transcript"]) == TRANSCRIPT_TURNS
    assert path.stat().st_size < 15_000


def test_one_writer_per_data_folder_but_readers_are_welcome(tmp_path):
    store = Store(tmp_path)
    store.save_conversation(conversation(last_topic="pores"))
    with pytest.raises(StorageError, match="another bot process"):
        Store(tmp_path)
    reader = Store(tmp_path, readonly=True)
    store._journal.sync_blocking()
    assert Store(tmp_path, readonly=True).conversation("test:1").last_topic == "pores"
    with pytest.raises(StorageError, match="read-only"):
        reader.save_conversation(conversation())
    store.close()


def test_a_crash_during_a_file_write_leaves_the_previous_version(tmp_path, monkeypatch):
    store = Store(tmp_path)
    store.save_conversation(conversation(last_topic="pores"))
    store.close()
    store = Store(tmp_path)
    store.save_conversation(conversation(last_topic="downtime"))

    def crash(*_args):
        raise OSError("power cut")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(StorageError, match="journal is kept"):
        store.close()
    monkeypatch.undo()
    [path] = conversation_files(tmp_path)
    assert json.loads(path.read_text())["conversation"]["1"]["last_topic"] == "pores"
    # the journal still holds the newer state, and the next start applies it
    recovered = Store(tmp_path)
    assert recovered.conversation("test:1").last_topic == "downtime"
    recovered.close()


CRASHING_WRITER = """
import asyncio, sys
from datetime import datetime, UTC
from core.storage.records import Conversation
from core.storage.store import Store

async def main():
    store = Store(sys.argv[1])
    now = datetime.now(UTC)
    for n in range(300):
        store.save_conversation(Conversation(key=f"t:{n}", platform="t", chat_id=str(n), started_at=now, updated_at=now, messages=n))
        await store.commit()
        print(n, flush=True)
    with store._journal.path.open("ab") as journal:
        journal.write(b'{"op":"conversation","key":"t:torn"')  # a record cut short
    print("done", flush=True)
    await asyncio.sleep(60)

asyncio.run(main())
"""


def test_killed_process_loses_nothing_it_committed(tmp_path):
    with subprocess.Popen([sys.executable, "-c", CRASHING_WRITER, str(tmp_path)], cwd=ROOT, stdout=subprocess.PIPE, text=True) as proc:
        lines = [proc.stdout.readline().strip() for _ in range(301)]
        proc.send_signal(signal.SIGKILL)
    assert lines[-1] == "done"
    store = Store(tmp_path)
    assert [store.conversation(f"t:{n}").messages for n in range(300)] == list(range(300))
    assert store.conversation("t:torn") is None
    store.close()
    assert len(conversation_files(tmp_path)) == 300


def test_unreadable_file_names_itself_and_is_set_aside(tmp_path, caplog):
    store = Store(tmp_path)
    store.save_conversation(conversation())
    store.close()
    [path] = conversation_files(tmp_path)
    path.write_text("{not json")
    reader = Store(tmp_path, readonly=True)
    assert reader.conversation("test:1") is None and str(path.relative_to(tmp_path)) in caplog.text
    assert path.exists()  # a reader moves nothing; the bot sets it aside
    store = Store(tmp_path)
    assert store.conversation("test:1") is None and not path.exists()
    store.close()
    [note] = Store(tmp_path, readonly=True).set_aside()
    assert note["source"] == str(path.relative_to(tmp_path)) and "unreadable" in note["problem"]


async def test_unanswered_log_rolls_over_into_bounded_segments(tmp_path):
    store = Store(tmp_path, fsync=False, segment_size=10, checkpoint_every=7)
    for n in range(25):
        store.log_unanswered(Unanswered(at=T0 + timedelta(days=n), conversation="test:1", text=f"q{n}", kind="fallback"))
        await store.commit()
    assert [e.text for e in store.unanswered(since=T0 + timedelta(days=20))] == ["q20", "q21", "q22", "q23", "q24"]
    await store.aclose()
    segments = sorted((tmp_path / "unanswered").glob("*.json"))
    assert [len(json.loads(p.read_text())["unanswered"]) for p in segments] == [10, 10, 5]
    restarted = Store(tmp_path, fsync=False, segment_size=10)
    restarted.log_unanswered(Unanswered(at=T0, conversation="test:1", text="after restart", kind="clarify"))
    restarted.close()
    assert len(json.loads(segments[-1].read_text())["unanswered"]) == 6
    assert len(list(Store(tmp_path, readonly=True).unanswered())) == 26
