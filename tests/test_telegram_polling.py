"""Smoke test: real long polling against a small fake Bot API server on 127.0.0.1."""

from __future__ import annotations

import asyncio

from bots.telegram.app import TelegramBot
from core.settings import TelegramSettings
from tests.telegram_fake_api import FakeBotApi, serve_fake_api
from tests.telegram_harness import message_update

TOKEN = "123456:POLLING"


async def test_long_polling_round_trip_and_clean_stop(core, monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    api = FakeBotApi()
    runner, port = await serve_fake_api(api)
    bot = TelegramBot(core, TOKEN, TelegramSettings(base_url=f"http://127.0.0.1:{port}/bot"))
    try:
        await bot.start()
        api.push(message_update("downtime??"))
        await asyncio.wait_for(api.sent.wait(), timeout=10)
    finally:
        await bot.stop()
        await runner.cleanup()
    methods = [m for m, _ in api.calls]
    assert methods[:5] == ["getMe", "deleteMyCommands", "setMyCommands", "setMyCommands", "deleteWebhook"]  # English, then Spanish
    assert "getUpdates" in methods and "sendMessage" in methods
    [sent] = [p for m, p in api.calls if m == "sendMessage"]
    assert sent["chat_id"] == "42" and sent["text"].startswith("<b>Downtime")
    assert not bot.app.running and not bot.app.updater.running


async def test_serve_runs_until_sigterm_and_never_logs_the_token(tmp_path, monkeypatch):
    import signal
    import sys

    from tests.conftest import ROOT

    api = FakeBotApi()
    runner, port = await serve_fake_api(api)
    config = tmp_path / "config.toml"
    config.write_text(
        f'[storage]\ndir = "{tmp_path / "data"}"\n[content]\ndir = "{ROOT / "content"}"\n'
        f'[telegram]\nbase_url = "http://127.0.0.1:{port}/bot"\n[logging]\nlevel = "DEBUG"\n'
    )
    token = "987654321:" + "A" * 35
    env = {"PATH": "/usr/bin:/bin", "TELEGRAM_BOT_TOKEN": token, "NO_PROXY": "127.0.0.1,localhost"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "run.py",
        "--config",
        str(config),
        "serve",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        api.push(message_update("pores"))
        await asyncio.wait_for(api.sent.wait(), timeout=30)
        proc.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(proc.communicate(), timeout=30)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await runner.cleanup()
    assert proc.returncode == 0, stderr.decode()
    log = stderr.decode()
    assert "stopping" in log and token not in log and token.split(":")[1] not in log
