"""The staff desk as a Telegram forum supergroup: one topic per ticket, relay both ways."""

from __future__ import annotations

import pytest
from telegram import Update

from bots.telegram.app import TelegramBot
from core.engine import Core
from core.events import Address, Event, Reply
from core.outbox import PlatformOutbox
from core.settings import DeskSettings, TelegramSettings
from tests.conftest import ticking
from tests.telegram_harness import TOKEN, RecordingRequest, callback_update, message_update

DESK = -100500
STAFF = 7


class TopicRecorder(RecordingRequest):
    def _result(self, method, params):
        if method == "createForumTopic":
            return {"message_thread_id": 55, "name": params["name"], "icon_color": 7322096}
        return super()._result(method, params)


class FakeDiscord:
    """Stands in for the Discord adapter, to show a Discord client served from this desk."""

    def __init__(self) -> None:
        self.sent: list[tuple[Address, Reply]] = []

    async def send_to(self, address: Address, reply: Reply) -> None:
        self.sent.append((address, reply))


def desk_message(text: str, thread: int | None = 55, uid: int = STAFF, first: str = "Dana") -> dict:
    extra = {"message_thread_id": thread, "is_topic_message": True} if thread else {}
    update = message_update(text, uid=uid, first=first, chat={"id": DESK, "type": "supergroup", "title": "Desk", "is_forum": True}, **extra)
    return update


def desk_bot(knowledge, store, topics: bool) -> tuple[TelegramBot, TopicRecorder, Core, PlatformOutbox]:
    """A Telegram bot that is also the staff desk, wired the way `serve` wires it."""
    recorder = TopicRecorder()
    outbox = PlatformOutbox()
    core = Core(knowledge, store, outbox, clock=ticking())
    bot = TelegramBot(core, TOKEN, TelegramSettings(), request=recorder, backoff=0,
                      desk=DeskSettings(platform="telegram", telegram_chat_id=DESK, telegram_topics=topics))
    outbox.register("telegram", bot)
    outbox.desk = bot
    outbox.desk_address = Address(platform="telegram", chat_id=str(DESK))
    return bot, recorder, core, outbox


@pytest.fixture
async def desk(knowledge, store):
    bot, recorder, core, outbox = desk_bot(knowledge, store, topics=True)
    discord = FakeDiscord()
    outbox.register("discord", discord)
    async with bot.app:
        yield bot, recorder, core, discord


async def feed(bot, raw):
    await bot.app.process_update(Update.de_json(raw, bot.app.bot))


def sent_to(recorder, chat):
    return [p for p in recorder.sent() if int(p["chat_id"]) == chat]


async def test_ticket_topic_card_and_relay_both_ways(desk, store):
    bot, recorder, core, _ = desk
    await feed(bot, message_update("downtime??"))
    await feed(bot, message_update("/human"))
    [topic] = recorder.sent("createForumTopic")
    assert topic["chat_id"] == DESK and topic["name"] == "#1 Ann (telegram)"
    [card] = sent_to(recorder, DESK)
    assert card["message_thread_id"] == 55 and card["text"].startswith("<b>Ticket #1</b>: Ann on telegram, asked for a person")
    assert "• downtime??" in card["text"]
    assert [k["callback_data"] for row in card["reply_markup"]["inline_keyboard"] for k in row] == ["ticket:claim:1", "ticket:close:1"]

    recorder.calls.clear()
    await feed(bot, message_update("is some redness normal?"))
    assert sent_to(recorder, 42) == []  # the bot stays quiet
    [relayed] = sent_to(recorder, DESK)
    assert relayed["message_thread_id"] == 55 and relayed["text"] == "<b>Ann:</b> is some redness normal?"

    await feed(bot, desk_message("Hi Ann, mild redness for a day is expected."))
    [to_client] = sent_to(recorder, 42)
    assert to_client["text"] == "<b>Dana (Clinic team):</b> Hi Ann, mild redness for a day is expected."

    recorder.calls.clear()
    await feed(bot, desk_message("/note called her, all fine"))
    assert sent_to(recorder, 42) == [] and "not sent to the client" in sent_to(recorder, DESK)[0]["text"]

    await feed(bot, callback_update("ticket:close:1", uid=STAFF) | {"callback_query": {
        **callback_update("ticket:close:1", uid=STAFF)["callback_query"],
        "message": {"message_id": 9, "date": 0, "chat": {"id": DESK, "type": "supergroup", "title": "Desk"}, "message_thread_id": 55,
                    "is_topic_message": True, "text": "card"}}})
    assert recorder.sent("answerCallbackQuery")
    assert sent_to(recorder, 42)[-1]["text"].startswith("Our team has closed this conversation.")
    assert store.tickets()[0].status == "closed"


async def test_other_groups_and_clients_cannot_act_as_staff(desk, store):
    bot, recorder, core, _ = desk
    await feed(bot, message_update("/human"))
    other_group = message_update("/close 1", uid=STAFF, chat={"id": -999, "type": "supergroup", "title": "Friends"})
    await feed(bot, other_group)
    await feed(bot, message_update("/close 1"))  # the client tries a desk command: it is only relayed
    assert store.tickets()[0].status == "open"
    assert sent_to(recorder, DESK)[-1]["text"] == "<b>Ann:</b> /close 1"


async def test_a_discord_client_is_served_from_the_telegram_desk(desk, store):
    bot, recorder, core, discord = desk
    await core.handle(Event(platform="discord", chat_id="600", user_id="42", display_name="Zoe", text="/human"))
    [card] = sent_to(recorder, DESK)
    assert card["text"].startswith("<b>Ticket #1</b>: Zoe on discord")
    await feed(bot, desk_message("Hello Zoe!"))
    [(address, reply)] = discord.sent
    assert (address.platform, address.chat_id) == ("discord", "600") and reply.text == "**Dana (Clinic team):** Hello Zoe!"


async def test_without_topics_tickets_are_reply_threads(knowledge, store):
    bot, recorder, _, _ = desk_bot(knowledge, store, topics=False)
    async with bot.app:
        await feed(bot, message_update("/human"))
        root, card = sent_to(recorder, DESK)
        assert root["text"] == "Ticket #1 Ann (telegram)" and recorder.sent("createForumTopic") == []
        params = card["reply_parameters"]
        root_id = (params if isinstance(params, dict) else params.to_dict())["message_id"]
        assert root_id and "message_thread_id" not in card
        reply = message_update("Hello!", uid=STAFF, first="Dana", chat={"id": DESK, "type": "supergroup", "title": "Desk"},
                               reply_to_message={"message_id": root_id, "date": 0, "chat": {"id": DESK, "type": "supergroup"}, "text": "t"})
        await feed(bot, reply)
    assert sent_to(recorder, 42)[-1]["text"] == "<b>Dana (Clinic team):</b> Hello!"


async def test_client_photos_reach_the_desk_thread(desk):
    bot, recorder, core, _ = desk
    await feed(bot, message_update("/human"))
    recorder.calls.clear()
    photo = message_update(None, photo=[{"file_id": "p1", "file_unique_id": "pu", "width": 10, "height": 10, "file_size": 11}])
    await feed(bot, photo)
    [copy] = recorder.sent("copyMessage")
    assert (copy["chat_id"], copy["from_chat_id"], copy["message_id"], copy["message_thread_id"]) == (DESK, 42, photo["message"]["message_id"], 55)
    assert sent_to(recorder, DESK)[-1]["text"] == "<b>Ann:</b> [photo]"


async def test_a_discord_clients_photo_is_posted_by_url(desk):
    from core.events import Attachment

    bot, recorder, core, _ = desk
    await core.handle(Event(platform="discord", chat_id="600", user_id="9", display_name="Zoe", text="/human"))
    url = "https://cdn.discordapp.com/attachments/1/2/rash.png"
    await core.handle(Event(platform="discord", chat_id="600", user_id="9", display_name="Zoe", attachment="image",
                            file=Attachment(kind="photo", name="rash.png", url=url, source_platform="discord")))
    [photo] = recorder.sent("sendPhoto")
    assert photo["chat_id"] == DESK and photo["photo"] == url and photo["message_thread_id"] == 55


async def test_lead_cards_go_to_the_desk_group(desk, store):
    bot, recorder, core, _ = desk
    for raw in (callback_update("book"), message_update("Ann Lee"), message_update("ann@example.com"), callback_update("book:time:any"),
                callback_update("book:concerns-done"), callback_update("book:consent:yes"), callback_update("book:confirm")):
        await feed(bot, raw)
    [card] = sent_to(recorder, DESK)
    ref = store.bookings()[0].ref
    assert card["text"].startswith(f"<b>New consultation request {ref}</b>") and "message_thread_id" not in card
    assert [k["callback_data"] for row in card["reply_markup"]["inline_keyboard"] for k in row] == [f"lead:claim:{ref}", f"lead:contacted:{ref}"]

    press = callback_update(f"lead:contacted:{ref}", uid=STAFF)
    press["callback_query"]["message"]["chat"] = {"id": DESK, "type": "supergroup", "title": "Desk"}
    await feed(bot, press)
    assert store.bookings()[0].status == "contacted by Ann"
