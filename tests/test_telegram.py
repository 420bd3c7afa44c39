"""The Telegram adapter on a real python-telegram-bot Application, with HTTP recorded."""

from __future__ import annotations

import asyncio

import pytest
from telegram.error import NetworkError

from bots.telegram.app import TelegramBot
from core.settings import TelegramSettings
from tests.telegram_harness import TOKEN, RecordingRequest, callback_update, feed, message_update, methods


@pytest.fixture
def recorder():
    return RecordingRequest()


@pytest.fixture
async def telegram(core, recorder):
    bot = TelegramBot(core, TOKEN, TelegramSettings(), request=recorder, backoff=0)
    errors: list[BaseException] = []
    bot.app.add_error_handler(lambda update, context: errors.append(context.error) or asyncio.sleep(0))
    async with bot.app:
        yield bot
    assert errors == [], errors


def keyboard(params: dict) -> list[list[dict]]:
    return params["reply_markup"]["inline_keyboard"]


def callbacks(params: dict) -> list[str]:
    return [key.get("callback_data") or key.get("url") for row in keyboard(params) for key in row]


async def test_start_sends_greeting_with_privacy_notice_then_the_menu(telegram, recorder, library):
    await feed(telegram, message_update("/start", first="Ann"))
    greeting, menu = recorder.sent()
    assert greeting["chat_id"] == 42 and greeting["parse_mode"] == "HTML"
    assert greeting["text"].startswith("Hi Ann! I'm the virtual assistant of <b>Doctors Med Spa</b> in Little Rock, AR.")
    assert "<i>Privacy:" in greeting["text"]
    assert callbacks(menu) == [f"menu:{s.id}" for s in library.menu.sections] + ["book", "human"]


async def test_client_commands_are_published_for_private_chats_only(telegram, recorder, core):
    await telegram.register_commands()
    assert methods(recorder) == ["deleteMyCommands", "setMyCommands", "setMyCommands"]  # the old unscoped list goes
    params, spanish = recorder.sent("setMyCommands")
    assert params["scope"] == {"type": "all_private_chats"} and "language_code" not in params
    names = [c["command"] for c in params["commands"]]
    assert names == ["start", "ask", "menu", "help", "book", "human", "cancel", "privacy", "forget", "language"]
    assert spanish["scope"] == {"type": "all_private_chats"} and spanish["language_code"] == "es"
    described = {c["command"]: c["description"] for c in spanish["commands"]}
    assert described["book"] == "Pedir una consulta" and "idioma" in described and "language" not in described


async def test_menu_navigation_edits_the_menu_message(telegram, recorder):
    await feed(telegram, callback_update("menu:benefits", message_id=77))
    assert methods(recorder) == ["answerCallbackQuery", "editMessageText"]
    [edit] = recorder.sent("editMessageText")
    assert edit["message_id"] == 77 and edit["text"] == "<b>What microneedling can do for your skin</b>: pick a question."
    assert callbacks(edit)[-1] == "menu" and "faq:pores" in callbacks(edit)


async def test_topic_button_answers_in_a_new_message(telegram, recorder, library):
    await feed(telegram, callback_update("faq:downtime"))
    assert methods(recorder) == ["answerCallbackQuery", "sendMessage"]
    [answer] = recorder.sent()
    assert answer["text"].startswith("<b>Downtime and getting back to your day</b>\nDowntime is <b>minimal</b>.")
    assert callbacks(answer) == ["faq:aftercare-overview", "faq:session-length", "book", "human", "menu"]


async def test_book_and_human_buttons(telegram, recorder):
    await feed(telegram, callback_update("book"))
    await feed(telegram, callback_update("human", uid=43))
    booking, human = recorder.sent()
    assert "Let's book your consultation" in booking["text"]
    assert "passed your conversation to our team (ticket <b>#1</b>)" in human["text"]
    assert len(recorder.sent("answerCallbackQuery")) == 2


async def test_free_text_kinds(telegram, recorder, library):
    for text in ("downtime??", "weeks", "do you do botox", "I'm pregnant, can I do it?", "the redness is spreading and there's pus"):
        await feed(telegram, message_update(text))
    answer, clarify, fallback, medical, urgent, ticket = recorder.sent()
    assert "ticket <b>#1</b>" in ticket["text"]
    assert answer["text"].startswith("<b>Downtime")
    assert clarify["text"] == library.messages.clarify and "faq:initial-series" in callbacks(clarify)
    assert fallback["text"].startswith("That's outside what I can help with here") and callbacks(fallback) == ["menu", "book", "human"]
    assert "TODO" not in urgent["text"] and "911" in urgent["text"]
    assert medical["text"].startswith("That's a question about your own health") and callbacks(medical) == ["human", "book"]


@pytest.mark.parametrize(
    "kind,payload",
    [
        ("photo", {"photo": [{"file_id": "p", "file_unique_id": "pu", "width": 10, "height": 10}]}),
        (
            "sticker",
            {
                "sticker": {
                    "file_id": "s",
                    "file_unique_id": "su",
                    "width": 10,
                    "height": 10,
                    "is_animated": False,
                    "is_video": False,
                    "type": "regular",
                }
            },
        ),
        ("voice", {"voice": {"file_id": "v", "file_unique_id": "vu", "duration": 2}}),
        ("document", {"document": {"file_id": "d", "file_unique_id": "du"}}),
        ("location", {"location": {"latitude": 34.7, "longitude": -92.3}}),
        ("contact", {"contact": {"phone_number": "+15015550123", "first_name": "Ann"}}),
    ],
)
async def test_non_text_messages_get_a_polite_reply(telegram, recorder, library, store, kind, payload):
    await feed(telegram, message_update(None, **payload))
    [reply] = recorder.sent()
    assert reply["text"] == library.messages.non_text
    assert store.conversation("telegram:42").transcript[0].text == f"[{kind}]"
    assert methods(recorder) == ["sendMessage"]  # nothing is downloaded just to say "text only"


async def test_user_text_and_names_are_escaped(telegram, recorder):
    await feed(telegram, message_update("/start", first="<b>Eve</b> & _*[x]"))
    greeting = recorder.sent()[0]["text"]
    assert greeting.startswith("Hi &lt;b&gt;Eve&lt;/b&gt; &amp; _*[x]! I'm")
    await feed(telegram, message_update("<b>downtime</b> & _*[ ??"))
    assert recorder.sent()[-1]["text"].startswith("<b>Downtime")


async def test_long_replies_are_split_at_paragraphs(telegram, recorder, core):
    from core.events import Reply, ReplyKind

    paragraphs = [f"Paragraph {n} " + "word " * 150 for n in range(12)]
    await telegram.send(42, [Reply(kind=ReplyKind.ANSWER, text="\n\n".join(paragraphs), buttons=core.knowledge.replies.fallback().buttons)])
    parts = recorder.sent()
    assert len(parts) == 3 and all(len(p["text"]) <= 4096 for p in parts)
    assert [p["text"].split(" ", 2)[:2] for p in parts] == [["Paragraph", "0"], ["Paragraph", "4"], ["Paragraph", "8"]]
    assert "reply_markup" not in parts[0] and callbacks(parts[-1]) == ["menu", "book", "human"]


async def test_a_stale_button_answers_with_a_toast_and_its_message_becomes_the_menu(telegram, recorder, library):
    await feed(telegram, callback_update("faq:retired-topic", message_id=77))
    assert methods(recorder) == ["answerCallbackQuery", "editMessageText"]  # no whole new menu
    [toast] = recorder.sent("answerCallbackQuery")
    assert toast["text"] == library.messages.stale_button
    [menu] = recorder.sent("editMessageText")
    assert menu["message_id"] == 77 and "menu:benefits" in callbacks(menu)


async def test_group_messages_and_edits_are_ignored(telegram, recorder):
    group = {"id": -100123, "type": "supergroup", "title": "Friends"}
    await feed(telegram, message_update("downtime??", chat=group))
    edited = message_update("downtime??")
    edited["edited_message"] = edited.pop("message")
    await feed(telegram, edited)
    assert methods(recorder) == []


async def test_typing_is_shown_while_a_reply_takes_time(core, recorder):
    bot = TelegramBot(core, TOKEN, TelegramSettings(typing_after=0), request=recorder)
    async with bot.app:
        await feed(bot, message_update("pores"))
    assert methods(recorder)[:2] == ["sendChatAction", "sendMessage"]
    assert recorder.sent("sendChatAction")[0]["action"] == "typing"


async def test_network_errors_are_retried(core):
    recorder = RecordingRequest(fail={"sendMessage": [NetworkError("connection reset"), NetworkError("again")]})
    bot = TelegramBot(core, TOKEN, TelegramSettings(), request=recorder, backoff=0)
    async with bot.app:
        await feed(bot, message_update("pores"))
    assert len(recorder.sent()) == 1


async def test_a_failure_gets_a_neutral_apology(core, recorder, library, monkeypatch):
    bot = TelegramBot(core, TOKEN, TelegramSettings(), request=recorder, backoff=0)

    async def broken(event, deliver=None):
        raise RuntimeError("boom")

    monkeypatch.setattr(core, "handle", broken)
    async with bot.app:
        await feed(bot, message_update("pores"))
    [apology] = recorder.sent()
    assert apology["text"] == library.messages.error_apology


async def test_booking_steps_with_the_share_phone_button(telegram, recorder, store):
    await feed(telegram, callback_update("book"))
    await feed(telegram, message_update("Ann Lee"))
    ask_name, ask_contact = recorder.sent()
    assert ask_name["text"].startswith("Let's book your consultation.") and callbacks(ask_name) == ["book:cancel"]
    markup = ask_contact["reply_markup"]
    assert markup["keyboard"] == [[{"text": "Share my phone number", "request_contact": True}], [{"text": "Cancel"}]]
    assert markup["one_time_keyboard"] is True
    await feed(telegram, message_update(None, contact={"phone_number": "+1 501 555 0123", "first_name": "Ann", "user_id": 42}))
    ask_times = recorder.sent()[-1]
    assert ask_times["text"].startswith("Which <b>days and times</b> suit you best?")
    [buttons] = recorder.sent("editMessageReplyMarkup")
    assert callbacks(buttons)[:2] == ["book:time:weekday-morning", "book:time:weekday-afternoon"]
    assert store.conversation("telegram:42").booking.contact == "+15015550123"
    await feed(telegram, callback_update("book:time:saturday", message_id=80))
    recorder.clear()
    await feed(telegram, callback_update("book:concern:pores", message_id=81))
    assert methods(recorder) == ["answerCallbackQuery", "editMessageText"]  # the toggle is shown in place
    [edit] = recorder.sent("editMessageText")
    assert edit["message_id"] == 81 and any("✓ Pores" == key["text"] for row in keyboard(edit) for key in row)


async def test_someone_elses_contact_card_is_not_taken_as_a_phone_number(telegram, recorder, library):
    await feed(telegram, message_update(None, contact={"phone_number": "+15015550199", "first_name": "Bob", "user_id": 7}))
    assert recorder.sent()[0]["text"] == library.messages.non_text
