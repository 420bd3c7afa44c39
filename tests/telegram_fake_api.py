"""A small fake Bot API server on 127.0.0.1, for the tests that need real HTTP: long polling,
the webhook, and the Bot API's error answers (403, 400, 429) as python-telegram-bot parses them."""

from __future__ import annotations

import asyncio
import json
from itertools import count

import pytest
from aiohttp import web

from tests.telegram_harness import BOT_USER

LONG_POLL_HOLD = 0.5
"""The fake server answers an empty getUpdates after this long, so stopping is quick."""
_ids = count(5000)


class FakeBotApi:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []
        self.updates: list[dict] = []
        self.new_update = asyncio.Event()
        self.sent = asyncio.Event()
        self.errors: dict[str, list[tuple[int, str, dict]]] = {}
        """Per method, the error answers to give first: (HTTP status, description, parameters)."""

    def fail(self, method: str, status: int, description: str, **parameters: object) -> None:
        self.errors.setdefault(method, []).append((status, description, parameters))

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = {k: v for k, v in (await request.post()).items()}
        self.calls.append((method, params))
        if self.errors.get(method):
            status, description, parameters = self.errors[method].pop(0)
            body = {"ok": False, "error_code": status, "description": description, **({"parameters": parameters} if parameters else {})}
            return web.Response(status=status, text=json.dumps(body), content_type="application/json")
        if method == "getUpdates":
            result = await self._updates(int(params.get("offset", 0)))
        elif method == "getMe":
            result = BOT_USER
        elif method == "sendMessage":
            self.sent.set()
            result = {
                "message_id": next(_ids),
                "date": 0,
                "chat": {"id": int(params["chat_id"]), "type": "private"},
                "text": params["text"],
            }
        else:
            result = True
        return web.Response(text=json.dumps({"ok": True, "result": result}), content_type="application/json")

    async def _updates(self, offset: int) -> list[dict]:
        self.updates = [u for u in self.updates if u["update_id"] >= offset]  # acknowledged by offset
        if not self.updates:
            self.new_update.clear()
            try:
                await asyncio.wait_for(self.new_update.wait(), LONG_POLL_HOLD)
            except TimeoutError:
                return []
        return self.updates

    def push(self, update: dict) -> None:
        self.updates.append(update)
        self.new_update.set()

    def made(self, method: str) -> list[dict]:
        return [params for name, params in self.calls if name == method]


async def serve_fake_api(api: FakeBotApi) -> tuple[web.AppRunner, int]:
    """Start the fake Bot API on a free port of 127.0.0.1."""
    app = web.Application()
    app.router.add_post("/bot{token}/{method}", api.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, site._server.sockets[0].getsockname()[1]


@pytest.fixture
async def api(monkeypatch):
    """The fake Bot API serving on 127.0.0.1 for one test."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    api = FakeBotApi()
    runner, api.port = await serve_fake_api(api)
    yield api
    await runner.cleanup()
