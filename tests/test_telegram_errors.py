"""The Bot API's refusals, answered by the fake server over real HTTP: a client who blocked the
bot (403), HTML or a length Telegram refuses (400), and flood limits (429)."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bots.telegram.app import TelegramBot
from core.events import Address, Reply, ReplyKind
from core.outbox import PlatformOutbox
from core.settings import TelegramSettings
from tests.telegram_harness import feed, message_update

TOKEN = "123456:ERRORS"


@pytest.fixture
async def telegram(core, api):
    bot = TelegramBot(core, TOKEN, TelegramSettings(base_url=f"http://127.0.0.1:{api.port}/bot"), backoff=0)
    async with bot.app:
        yield bot


def errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """Errors reach the adapter's error boundary, which logs them; none is expected here."""
    return [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_client_who_blocked_the_bot_is_reported_unreachable_to_the_core(telegram, api):
    gone: list[Address] = []

    async def unreachable(address: Address) -> None:
        gone.append(address)

    outbox = PlatformOutbox(on_unreachable=unreachable)
    outbox.register("telegram", telegram)
    api.fail("sendMessage", 403, "Forbidden: bot was blocked by the user")
    await outbox.send(Address(platform="telegram", chat_id="42"), Reply(kind=ReplyKind.HUMAN, text="**Dana (Clinic team):** Hello"))
    assert gone == [Address(platform="telegram", chat_id="42")]
    assert len(api.made("sendMessage")) == 1  # not retried


async def test_a_blocked_client_gets_no_apology_and_no_error_is_logged(telegram, api, caplog):
    api.fail("sendMessage", 403, "Forbidden: bot was blocked by the user")
    with caplog.at_level(logging.INFO):
        await feed(telegram, message_update("downtime??"))
    assert len(api.made("sendMessage")) == 1 and errors(caplog) == []


async def test_html_telegram_refuses_is_sent_again_as_plain_text(telegram, api, caplog):
    api.fail("sendMessage", 400, "Bad Request: can't parse entities: unsupported start tag")
    await feed(telegram, message_update("downtime??"))
    refused, plain = api.made("sendMessage")
    assert refused["parse_mode"] == "HTML" and refused["text"].startswith("<b>Downtime")
    assert "parse_mode" not in plain and plain["text"].startswith("Downtime and getting back to your day\nDowntime is minimal.")
    assert "reply_markup" in plain and errors(caplog) == []  # the buttons come along


async def test_a_message_telegram_finds_too_long_is_sent_in_smaller_plain_parts(telegram, api, caplog):
    api.fail("sendMessage", 400, "Bad Request: message is too long")
    text = "🙂 " * 1500  # under 4,096 characters, over 4,096 UTF-16 code units
    await telegram.send(42, [Reply(kind=ReplyKind.ANSWER, text=text)])
    _, *parts = api.made("sendMessage")
    assert len(parts) == 2 and all(len(p["text"].encode("utf-16-le")) // 2 <= 4096 for p in parts)
    assert errors(caplog) == []


async def test_flood_limits_are_waited_out_as_telegram_says(telegram, api, monkeypatch, caplog):
    waits: list[float] = []
    real_sleep = asyncio.sleep

    async def sleep(delay: float, *args: object) -> None:
        waits.append(delay)
        await real_sleep(0)

    monkeypatch.setattr(asyncio, "sleep", sleep)
    monkeypatch.setenv("PTB_TIMEDELTA", "1")  # PTB 22 warns about its own int retry_after, and warnings are errors here
    api.fail("sendMessage", 429, "Too Many Requests: retry after 3", retry_after=3)
    await feed(telegram, message_update("downtime??"))
    assert len(api.made("sendMessage")) == 2  # refused, then sent
    assert 3.1 in waits and errors(caplog) == []  # PTB's rate limiter waits what Telegram said, plus a tenth of a second
