"""Taps and flow steps as Telegram users expect them: picks stay visible, used buttons go,
the contact keyboard leaves with its step, short notices are toasts, typo fixes are answered."""

from __future__ import annotations

import asyncio

import pytest

from bots.telegram.app import TelegramBot
from core.conversation.engine import Core
from core.outbox import LogOutbox
from core.settings import TelegramSettings
from tests.conftest import NOW
from tests.telegram_harness import TOKEN, RecordingRequest, callback_update, edited, feed, message_update, methods

CONTACT = {"phone_number": "+1 501 555 0123", "first_name": "Ann", "user_id": 42}


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


def callbacks(params: dict) -> list[str]:
    return [key["callback_data"] for row in params["reply_markup"]["inline_keyboard"] for key in row]


def buttons_of(params: dict) -> dict[str, str]:
    """A sent message's inline keyboard as Telegram would send it back with a tap."""
    return {key["callback_data"]: key["text"] for row in params["reply_markup"]["inline_keyboard"] for key in row}


async def tap(bot: TelegramBot, recorder: RecordingRequest, data: str, question: dict, message_id: int) -> None:
    """Tap ``data`` under a question the bot sent earlier (``question`` are its recorded parameters)."""
    recorder.clear()
    await feed(bot, callback_update(data, message_id=message_id, text=question["text"], buttons=buttons_of(question)))


async def to_contact_step(bot: TelegramBot) -> None:
    await feed(bot, callback_update("book"))
    await feed(bot, message_update("Ann Lee"))


async def test_the_share_phone_keyboard_leaves_once_the_contact_is_given(telegram, recorder):
    await to_contact_step(telegram)
    assert recorder.sent()[-1]["reply_markup"]["keyboard"][0][0]["request_contact"] is True
    recorder.clear()
    await feed(telegram, message_update(None, contact=CONTACT))
    assert methods(recorder) == ["sendMessage", "editMessageReplyMarkup"]
    [ask_times] = recorder.sent()
    assert ask_times["text"].startswith("Which <b>days and times</b>") and ask_times["reply_markup"] == {"remove_keyboard": True}
    [buttons] = recorder.sent("editMessageReplyMarkup")  # the times buttons join the same message
    assert buttons["message_id"] == recorder.message_ids()[0] and callbacks(buttons)[0] == "book:time:weekday-morning"


async def test_the_share_phone_keyboard_leaves_when_the_booking_is_cancelled(telegram, recorder, library):
    await to_contact_step(telegram)
    recorder.clear()
    await feed(telegram, message_update("Cancel"))  # the keyboard's own Cancel button
    [cancelled] = recorder.sent()
    assert cancelled["text"] == library.messages.booking_flow.cancelled and cancelled["reply_markup"] == {"remove_keyboard": True}
    assert callbacks(recorder.sent("editMessageReplyMarkup")[0]) == ["menu"]


async def test_a_bad_number_keeps_the_share_phone_keyboard(telegram, recorder):
    await to_contact_step(telegram)
    recorder.clear()
    await feed(telegram, message_update("12345"))
    assert "keyboard" in recorder.sent()[-1]["reply_markup"] and recorder.sent("editMessageReplyMarkup") == []


async def test_each_pick_stays_visible_and_used_buttons_go(telegram, recorder, library):
    await to_contact_step(telegram)
    await feed(telegram, message_update(None, contact=CONTACT))
    ask_times = recorder.sent()[-1] | recorder.sent("editMessageReplyMarkup")[-1]

    await tap(telegram, recorder, "book:time:saturday", ask_times, message_id=80)
    assert methods(recorder) == ["answerCallbackQuery", "editMessageText", "sendMessage"]
    [times] = recorder.sent("editMessageText")
    assert times["message_id"] == 80 and times["text"].endswith("\n\n<b>✓ Saturdays</b>") and "reply_markup" not in times
    assert times["text"].startswith("Which <b>days and times</b>")  # the question is kept, not rewritten
    [ask_concerns] = recorder.sent()
    assert ask_concerns["text"].startswith("What would you like to <b>improve</b>?")

    await tap(telegram, recorder, "book:concern:pores", ask_concerns, message_id=81)
    [toggled] = recorder.sent("editMessageText")  # a toggle is shown in place, buttons kept
    await tap(telegram, recorder, "book:concerns-done", toggled, message_id=81)
    [concerns] = recorder.sent("editMessageText")
    assert concerns["text"].endswith("<b>✓ Pores</b>") and "reply_markup" not in concerns
    [ask_consent] = recorder.sent()

    await tap(telegram, recorder, "book:consent:yes", ask_consent, message_id=82)
    [summary] = recorder.sent()
    assert "book:confirm" in callbacks(summary)

    await tap(telegram, recorder, "book:confirm", summary, message_id=83)
    [confirmed_summary] = recorder.sent("editMessageText")
    assert confirmed_summary["message_id"] == 83 and "reply_markup" not in confirmed_summary
    assert confirmed_summary["text"].endswith(f"<b>✓ {library.messages.booking_flow.buttons.confirm}</b>")
    assert "Your reference is" in recorder.sent()[-1]["text"]


async def test_buttons_of_an_old_question_go_when_the_core_asks_again(telegram, recorder):
    await to_contact_step(telegram)
    await feed(telegram, message_update(None, contact=CONTACT))
    ask_times = recorder.sent()[-1] | recorder.sent("editMessageReplyMarkup")[-1]
    await feed(telegram, message_update("weekday evenings"))  # typed instead of tapped
    await tap(telegram, recorder, "book:time:any", ask_times, message_id=80)  # the old question's button
    assert methods(recorder) == ["answerCallbackQuery", "editMessageReplyMarkup", "sendMessage"]
    [stripped] = recorder.sent("editMessageReplyMarkup")
    assert stripped["message_id"] == 80 and "reply_markup" not in stripped
    assert recorder.sent()[0]["text"].startswith("What would you like to <b>improve</b>?")


async def test_taps_while_a_ticket_is_open_get_a_toast_only(telegram, recorder, library):
    await feed(telegram, message_update("/human"))
    recorder.clear()
    await feed(telegram, callback_update("faq:downtime"))
    assert methods(recorder) == ["answerCallbackQuery"]
    assert recorder.sent("answerCallbackQuery")[0]["text"] == library.messages.handoff.relayed


async def test_rate_limited_taps_get_one_toast_then_silence(knowledge, store, library):
    recorder = RecordingRequest()
    bot = TelegramBot(Core(knowledge, store, LogOutbox(), clock=lambda: NOW), TOKEN, TelegramSettings(), request=recorder)
    async with bot.app:
        for _ in range(30):
            await feed(bot, callback_update("faq:downtime"))
    toasts = [params.get("text") for params in recorder.sent("answerCallbackQuery")]
    assert len(toasts) == 30 and toasts.count(library.messages.slow_down) == 1
    assert len(recorder.sent()) == toasts.index(library.messages.slow_down)  # answered until the limit, silent after


async def test_an_edit_re_answers_a_step_waiting_for_typed_input(telegram, recorder, store):
    await to_contact_step(telegram)
    typo = message_update("501 555 012")
    await feed(telegram, typo)
    assert "keyboard" in recorder.sent()[-1]["reply_markup"]  # asked again
    recorder.clear()
    await feed(telegram, edited(typo, "501 555 0123"))
    assert store.conversation("telegram:42").booking.contact == "+15015550123"
    assert recorder.sent()[0]["text"].startswith("Which <b>days and times</b>")

    recorder.clear()
    await feed(telegram, edited(typo, "501 555 0199"))  # the times step waits for a tap: edits are ignored
    assert methods(recorder) == [] and store.conversation("telegram:42").booking.contact == "+15015550123"
