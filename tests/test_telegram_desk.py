"""The staff desk as a Telegram forum supergroup: one topic per ticket, relay both ways."""

from __future__ import annotations

import pytest
from telegram.error import BadRequest, Forbidden

from bots.telegram.app import TelegramBot
from core.conversation.engine import Core
from core.events import Address, Attachment, Event, Reply, ReplyKind, ThreadMark
from core.outbox import PlatformOutbox
from core.settings import DeskSettings, TelegramSettings
from tests.conftest import ticking
from tests.telegram_harness import TOKEN, RecordingRequest, callback_update, feed, message_update, methods

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

    async def open_thread(self, title: str) -> Address:
        return Address(platform="discord", chat_id="700", thread_id="800")


def desk_message(text: str, thread: int | None = 55, uid: int = STAFF, first: str = "Dana") -> dict:
    extra = {"message_thread_id": thread, "is_topic_message": True} if thread else {}
    update = message_update(text, uid=uid, first=first, chat={"id": DESK, "type": "supergroup", "title": "Desk", "is_forum": True}, **extra)
    return update


def desk_bot(knowledge, store, topics: bool) -> tuple[TelegramBot, TopicRecorder, Core, PlatformOutbox]:
    """A Telegram bot that is also the staff desk, wired the way `serve` wires it."""
    recorder = TopicRecorder()
    outbox = PlatformOutbox(desk_address=Address(platform="telegram", chat_id=str(DESK)))
    core = Core(knowledge, store, outbox, clock=ticking())
    bot = TelegramBot(
        core,
        TOKEN,
        TelegramSettings(),
        request=recorder,
        backoff=0,
        desk=DeskSettings(platform="telegram", telegram_chat_id=DESK, telegram_topics=topics),
    )
    outbox.register("telegram", bot)
    return bot, recorder, core, outbox


@pytest.fixture
async def desk(knowledge, store):
    bot, recorder, core, outbox = desk_bot(knowledge, store, topics=True)
    discord = FakeDiscord()
    outbox.register("discord", discord)
    async with bot.app:
        yield bot, recorder, core, discord


def sent_to(recorder, chat):
    return [p for p in recorder.sent() if int(p["chat_id"]) == chat]


PHOTO = {"photo": [{"file_id": "p1", "file_unique_id": "pu", "width": 10, "height": 10, "file_size": 11}]}


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

    await feed(
        bot,
        callback_update("ticket:close:1", uid=STAFF)
        | {
            "callback_query": {
                **callback_update("ticket:close:1", uid=STAFF)["callback_query"],
                "message": {
                    "message_id": 9,
                    "date": 0,
                    "chat": {"id": DESK, "type": "supergroup", "title": "Desk"},
                    "message_thread_id": 55,
                    "is_topic_message": True,
                    "text": "card",
                },
            }
        },
    )
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
        reply = message_update(
            "Hello!",
            uid=STAFF,
            first="Dana",
            chat={"id": DESK, "type": "supergroup", "title": "Desk"},
            reply_to_message={"message_id": root_id, "date": 0, "chat": {"id": DESK, "type": "supergroup"}, "text": "t"},
        )
        await feed(bot, reply)
    assert sent_to(recorder, 42)[-1]["text"] == "<b>Dana (Clinic team):</b> Hello!"


async def test_client_photos_reach_the_desk_thread(desk):
    bot, recorder, core, _ = desk
    await feed(bot, message_update("/human"))
    recorder.calls.clear()
    photo = message_update(None, **PHOTO)
    await feed(bot, photo)
    [copy] = recorder.sent("copyMessage")
    assert (copy["chat_id"], copy["from_chat_id"], copy["message_id"], copy["message_thread_id"]) == (
        DESK,
        42,
        photo["message"]["message_id"],
        55,
    )
    assert sent_to(recorder, DESK)[-1]["text"] == "<b>Ann:</b> [photo]"
    assert recorder.sent("getFile") == [] and "download" not in methods(recorder)  # copied, so never downloaded


async def test_a_client_photo_is_downloaded_only_for_a_desk_on_another_platform(knowledge, store):
    recorder, outbox = RecordingRequest(), PlatformOutbox(desk_address=Address(platform="discord", chat_id="700"))
    bot = TelegramBot(Core(knowledge, store, outbox, clock=ticking()), TOKEN, TelegramSettings(), request=recorder, backoff=0)
    discord = FakeDiscord()
    outbox.register("telegram", bot)
    outbox.register("discord", discord)
    async with bot.app:
        await feed(bot, message_update(None, **PHOTO))  # no ticket: "I can only read text"
        assert methods(recorder) == ["sendMessage"]
        await feed(bot, message_update("/human"))
        await feed(bot, message_update(None, **PHOTO))
    assert len(recorder.sent("getFile")) == 1
    [relayed] = [reply for _, reply in discord.sent if reply.file is not None]
    assert relayed.file.data == b"IMAGE-BYTES"


async def test_staff_photos_are_taken_from_the_topic_without_a_download(desk):
    bot, recorder, core, _ = desk
    await feed(bot, message_update("/human"))
    recorder.clear()
    await feed(bot, desk_message(None) | {"message": {**desk_message(None)["message"], **PHOTO, "caption": "like this"}})
    assert sent_to(recorder, 42)[-1]["text"] == "<b>Dana (Clinic team):</b> like this"
    assert recorder.sent("getFile") == []


async def test_staff_photos_reach_the_client(desk):
    bot, recorder, core, _ = desk
    await feed(bot, message_update("/human"))
    recorder.clear()
    photo = desk_message(None)
    photo["message"].update(PHOTO)
    await feed(bot, photo)
    [copy] = recorder.sent("copyMessage")
    assert (copy["chat_id"], copy["from_chat_id"], copy["message_id"]) == (42, DESK, photo["message"]["message_id"])
    assert sent_to(recorder, 42)[-1]["text"] == "<b>Dana (Clinic team):</b> [photo]"


async def test_staff_are_told_under_their_message_when_a_file_cannot_be_delivered(desk):
    bot, recorder, core, _ = desk
    recorder.fail = {"copyMessage": [BadRequest("Message to copy not found")]}
    file = Attachment(kind="document", name="aftercare.pdf", source_platform="telegram", source_chat=str(DESK), source_message="321")
    await core.outbox.send(Address(platform="telegram", chat_id="42"), Reply(kind=ReplyKind.HUMAN, text="**Dana:** [document]", file=file))
    [note] = sent_to(recorder, DESK)
    assert note["text"] == "⚠️ Not delivered to the client: Message to copy not found"
    assert note["reply_parameters"]["message_id"] == 321  # under the staff message, so in its topic
    assert sent_to(recorder, 42)[-1]["text"] == "<b>Dana:</b> [document]"


async def test_a_discord_clients_photo_is_posted_by_url(desk):
    from core.events import Attachment

    bot, recorder, core, _ = desk
    await core.handle(Event(platform="discord", chat_id="600", user_id="9", display_name="Zoe", text="/human"))
    url = "https://cdn.discordapp.com/attachments/1/2/rash.png"
    await core.handle(
        Event(
            platform="discord",
            chat_id="600",
            user_id="9",
            display_name="Zoe",
            media_kind="image",
            media_file=Attachment(kind="photo", name="rash.png", url=url, source_platform="discord"),
        )
    )
    [photo] = recorder.sent("sendPhoto")
    assert photo["chat_id"] == DESK and photo["photo"] == url and photo["message_thread_id"] == 55


async def test_lead_cards_go_to_the_desk_group(desk, store):
    bot, recorder, core, _ = desk
    for raw in (
        callback_update("book"),
        message_update("Ann Lee"),
        message_update("ann@example.com"),
        callback_update("book:time:any"),
        callback_update("book:concerns-done"),
        callback_update("book:consent:yes"),
        callback_update("book:confirm"),
    ):
        await feed(bot, raw)
    [card] = sent_to(recorder, DESK)
    ref = store.bookings()[0].ref
    assert card["text"].startswith(f"<b>New consultation request {ref}</b>") and "message_thread_id" not in card
    assert [k["callback_data"] for row in card["reply_markup"]["inline_keyboard"] for k in row] == [
        f"lead:claim:{ref}",
        f"lead:contacted:{ref}",
    ]

    press = callback_update(f"lead:contacted:{ref}", uid=STAFF)
    press["callback_query"]["message"]["chat"] = {"id": DESK, "type": "supergroup", "title": "Desk"}
    await feed(bot, press)
    assert store.bookings()[0].status == "contacted by Ann"


async def test_desk_commands_are_published_in_the_desk_only(desk):
    bot, recorder, _, _ = desk
    await bot.register_commands()
    clients, _spanish, staff = recorder.sent("setMyCommands")
    assert clients["scope"] == {"type": "all_private_chats"} and "close" not in [c["command"] for c in clients["commands"]]
    assert staff["scope"] == {"type": "chat", "chat_id": DESK}
    assert [c["command"] for c in staff["commands"]] == ["claim", "close", "note", "reply", "leads", "reload", "unanswered", "help"]


async def test_a_topic_shows_its_tickets_state(desk):
    bot, recorder, core, _ = desk
    topic, title = Address(platform="telegram", chat_id=str(DESK), thread_id="55"), "#1 Ann (telegram)"
    for state, text in (("urgent", "card"), ("closed", "Ticket #1 closed by Dana."), ("open", "**Ann:** back again")):
        await core.outbox.send(topic, Reply(kind=ReplyKind.HUMAN, text=text, thread_mark=ThreadMark(state=state, title=title)))
    assert methods(recorder) == [
        "sendMessage",
        "editForumTopic",  # urgent: marked once the card is there
        "sendMessage",
        "editForumTopic",
        "closeForumTopic",  # closed after the last word
        "reopenForumTopic",
        "editForumTopic",
        "sendMessage",
    ]  # reopened before the client's message
    assert [p["name"] for p in recorder.sent("editForumTopic")] == [f"🚨 {title}", f"✅ {title}", title]
    assert {(p["chat_id"], p["message_thread_id"]) for name, p in recorder.calls if "Forum" in name} == {(DESK, 55)}


async def test_a_topic_staff_already_closed_by_hand_is_left_as_it_is(desk):
    bot, recorder, core, _ = desk
    recorder.fail = {"closeForumTopic": [BadRequest("Topic_not_modified")]}
    mark = ThreadMark(state="closed", title="#1 Ann (telegram)")
    await core.outbox.send(
        Address(platform="telegram", chat_id=str(DESK), thread_id="55"), Reply(kind=ReplyKind.NOTICE, text="closed", thread_mark=mark)
    )
    assert methods(recorder) == ["sendMessage", "editForumTopic"]


async def test_closing_a_ticket_closes_and_marks_its_topic(desk):
    bot, recorder, core, _ = desk
    await feed(bot, message_update("/human"))
    await feed(bot, desk_message("/close"))
    assert [p["name"] for p in recorder.sent("editForumTopic")] == ["✅ #1 Ann (telegram)"]
    assert recorder.sent("closeForumTopic")[0]["message_thread_id"] == 55


async def test_an_urgent_tickets_topic_is_marked_urgent(desk):
    bot, recorder, core, _ = desk
    await feed(bot, message_update("the redness is spreading and there's pus"))
    assert [p["name"] for p in recorder.sent("editForumTopic")] == ["🚨 #1 Ann (telegram)"]


async def test_a_client_who_blocked_the_bot_has_their_ticket_closed_with_a_note_to_staff(knowledge, store):
    bot, recorder, core, outbox = desk_bot(knowledge, store, topics=True)
    async with bot.app:
        await feed(bot, message_update("/human"))
        recorder.fail = {"sendMessage": [Forbidden("Forbidden: bot was blocked by the user")]}
        await feed(bot, desk_message("Hi Ann, are the photos ready?"))
    assert store.tickets()[0].status == "closed"
    assert "blocked" in sent_to(recorder, DESK)[-1]["text"] and sent_to(recorder, DESK)[-1]["message_thread_id"] == 55
