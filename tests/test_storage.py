"""Storage: atomic, bounded per conversation, and readable after a crash."""

import json
import os
from datetime import UTC, datetime, timedelta

import pytest

from core.records import TRANSCRIPT_TURNS, Conversation, Unanswered
from core.storage import StorageError, Store

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def conversation(key="test:1", **kw):
    return Conversation(key=key, platform="test", chat_id=key.split(":")[1], started_at=T0, updated_at=T0, **kw)


def test_conversation_round_trip(tmp_path):
    store = Store(tmp_path)
    original = conversation(display_name="Zoë 💉", last_topic="pores")
    original.remember("client", "hello <b>", T0)
    store.save_conversation(original)
    assert Store(tmp_path).conversation("test:1") == original
    assert store.conversation("test:unknown") is None


def test_transcript_is_bounded_so_the_file_stays_small(tmp_path):
    store = Store(tmp_path, fsync=False)
    conv = conversation()
    sizes = []
    for n in range(200):
        conv.remember("client", f"question number {n} " + "x" * 600, T0)
        store.save_conversation(conv)
        sizes.append(next((tmp_path / "conversations").rglob("*.json")).stat().st_size)
    assert len(store.conversation("test:1").transcript) == TRANSCRIPT_TURNS
    assert sizes[-1] == sizes[TRANSCRIPT_TURNS + 10]


def test_each_conversation_is_its_own_file(tmp_path):
    store = Store(tmp_path, fsync=False)
    for n in range(50):
        store.save_conversation(conversation(f"test:{n}"))
    files = list((tmp_path / "conversations").rglob("*.json"))
    assert len(files) == 50
    assert all(len(json.loads(f.read_text())["conversation"]) == 1 for f in files)


def test_a_crash_during_write_leaves_the_previous_version(tmp_path, monkeypatch):
    store = Store(tmp_path)
    store.save_conversation(conversation(last_topic="pores"))

    def crash(*_args):
        raise OSError("power cut")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        store.save_conversation(conversation(last_topic="downtime"))
    monkeypatch.undo()
    assert Store(tmp_path).conversation("test:1").last_topic == "pores"


def test_unreadable_file_names_itself(tmp_path):
    store = Store(tmp_path)
    store.save_conversation(conversation())
    [path] = (tmp_path / "conversations").rglob("*.json")
    path.write_text("{not json")
    with pytest.raises(StorageError, match=str(path)):
        Store(tmp_path).conversation("test:1")


def test_unanswered_log_rolls_over_into_bounded_segments(tmp_path):
    store = Store(tmp_path, fsync=False, segment_size=10)
    for n in range(25):
        store.log_unanswered(Unanswered(at=T0 + timedelta(days=n), conversation="test:1", text=f"q{n}", kind="fallback"))
    segments = sorted((tmp_path / "unanswered").glob("*.json"))
    assert [len(json.loads(p.read_text())["unanswered"]) for p in segments] == [10, 10, 5]
    assert [e.text for e in store.unanswered(since=T0 + timedelta(days=20))] == ["q20", "q21", "q22", "q23", "q24"]
    # a restarted process continues the last segment instead of starting over
    restarted = Store(tmp_path, fsync=False, segment_size=10)
    restarted.log_unanswered(Unanswered(at=T0, conversation="test:1", text="after restart", kind="clarify"))
    assert len(json.loads(segments[-1].read_text())["unanswered"]) == 6
    assert len(list(restarted.unanswered())) == 26
