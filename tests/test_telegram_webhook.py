"""Smoke test: the real webhook server on 127.0.0.1, with the fake Bot API behind the bot.
Only requests carrying the secret token Telegram was given are taken as updates."""

from __future__ import annotations

import asyncio
import json
import socket

import aiohttp

from bots.telegram.app import TelegramBot
from core.settings import TelegramSettings
from tests.telegram_fake_api import FakeBotApi
from tests.telegram_harness import message_update

TOKEN = "123456:WEBHOOK"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def run_webhook(core, api: FakeBotApi, secret: str | None, posts: list[dict[str, str]]) -> list[int]:
    """Start the bot in webhook mode, post one update per set of headers, and return the HTTP statuses."""
    port = free_port()
    settings = TelegramSettings(
        mode="webhook",
        base_url=f"http://127.0.0.1:{api.port}/bot",
        webhook_url="https://clinic.example/telegram",
        webhook_listen="127.0.0.1",
        webhook_port=port,
    )
    bot = TelegramBot(core, TOKEN, settings, webhook_secret=secret)
    statuses = []
    try:
        await bot.start()
        async with aiohttp.ClientSession() as http:
            for headers in posts:
                async with http.post(f"http://127.0.0.1:{port}/telegram", json=message_update("downtime??"), headers=headers) as response:
                    statuses.append(response.status)
        if 200 in statuses:
            await asyncio.wait_for(api.sent.wait(), timeout=10)
    finally:
        await bot.stop()
    return statuses


async def test_webhook_takes_updates_with_the_secret_token_only(core, api):
    statuses = await run_webhook(core, api, "s3cret-token", [{}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: "s3cret-token"}])
    assert statuses == [403, 403, 200]
    [hook] = api.made("setWebhook")
    assert hook["url"] == "https://clinic.example/telegram" and hook["secret_token"] == "s3cret-token"
    assert json.loads(hook["allowed_updates"]) == ["message", "edited_message", "callback_query"]
    [answer] = api.made("sendMessage")  # one update got through, and was answered
    assert answer["chat_id"] == "42" and answer["text"].startswith("<b>Downtime")


async def test_without_a_configured_secret_one_is_made_up_and_required(core, api):
    statuses = await run_webhook(core, api, None, [{}])
    assert statuses == [403] and api.made("sendMessage") == []
    [hook] = api.made("setWebhook")
    assert len(hook["secret_token"]) >= 32
