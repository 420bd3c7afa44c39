"""Whatever a client sends, the core answers without an exception and within platform limits."""

from itertools import count

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
@given(text=texts, action=st.one_of(st.none(), actions), attachment=st.sampled_from([None, "photo", "sticker"]))
async def test_core_always_replies_within_limits(core, text, action, attachment):
    chat = f"p{next(CHATS)}"  # a new client each time: a ticket opened by one example would silence the next
    event = Event(platform="test", chat_id=chat, user_id=chat, display_name=text[:40], text=text, action=action, attachment=attachment)
    replies = await core.handle(event)
    assert replies
    for reply in replies:
        assert reply.text.strip() and len(reply.text) < TELEGRAM_LIMIT
        assert all(len(b.action.encode()) <= MAX_ACTION_BYTES for b in reply.buttons if b.action)
