"""Whatever a client sends, the core answers without an exception and within platform limits."""

from itertools import count

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.events import MAX_ACTION_BYTES, Event

TELEGRAM_LIMIT = 4096
CHATS = count()

texts = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.sampled_from("<>&*_[]()`~|\\#!-+=.{}\n\t\x00\u202e👍🏽💉 abcXYZ"), max_size=200),
    st.sampled_from(["", " ", "/", "/start@bot extra", "/book now", "\x00" * 5, "a" * 12_000]),
)
actions = st.one_of(st.text(max_size=80), st.sampled_from(["faq:", "faq:pores", "menu:", "menu:x", "book", "human", "faq:" + "x" * 70]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=texts, action=st.one_of(st.none(), actions), media_kind=st.sampled_from([None, "photo", "sticker"]))
async def test_core_always_replies_within_limits(core, text, action, media_kind):
    chat = f"p{next(CHATS)}"  # a new client each time: a ticket opened by one example would silence the next
    event = Event(platform="test", chat_id=chat, user_id=chat, display_name=text[:40], text=text, action=action, media_kind=media_kind)
    replies = await core.handle(event)
    assert replies
    for reply in replies:
        assert reply.text.strip() and len(reply.text) < TELEGRAM_LIMIT
        assert all(len(b.action.encode()) <= MAX_ACTION_BYTES for b in reply.buttons if b.action)


markdownish = st.text(alphabet=st.sampled_from("<>&*_[]()`~|\\#!-+=.{}\n \t👍🏽💉abcXYZ\u202e@"), max_size=9000)


@settings(max_examples=120, deadline=None)
@given(text=markdownish, labels=st.lists(st.text(min_size=1, max_size=40), max_size=12))
def test_telegram_conversion_stays_within_limits(text, labels):
    from bots.telegram.convert import to_messages
    from core.events import Button, Reply

    reply = Reply(kind="answer", text=text or "x", buttons=tuple(Button(label=label, action=f"faq:t{n}") for n, label in enumerate(labels)))
    messages = to_messages(reply)
    assert messages and all(0 < len(m.text) <= TELEGRAM_LIMIT for m in messages)


@settings(max_examples=120, deadline=None)
@given(text=markdownish, labels=st.lists(st.text(min_size=1, max_size=40), max_size=30))
def test_discord_conversion_stays_within_limits_and_never_pings(text, labels):
    from bots.discord.convert import to_messages
    from core.events import Button, Reply

    reply = Reply(kind="answer", text=text or "x", buttons=tuple(Button(label=label, action=f"faq:t{n}") for n, label in enumerate(labels)))
    messages = to_messages(reply)
    assert messages and all(0 < len(m.content) <= 2000 for m in messages)
    assert all("@everyone" not in m.content and "@here" not in m.content for m in messages)
    assert messages[-1].view is None or len(messages[-1].view.children) <= 25


@pytest.fixture(scope="module")
def telegram_bot():
    """One Bot for every example: de_json only needs it to attach to the update."""
    from telegram import Bot

    return Bot("123:abc")


@settings(max_examples=100, deadline=None)
@given(text=st.text(max_size=500), name=st.text(max_size=60))
def test_telegram_update_conversion_never_fails(telegram_bot, text, name):
    from telegram import Update

    from bots.telegram.convert import to_event
    from tests.telegram_harness import message_update

    raw = message_update(text, first=name or "x")
    event = to_event(Update.de_json(raw, telegram_bot))
    assert event is not None and event.text == text
