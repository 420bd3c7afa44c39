"""`run.py serve`: every configured chat platform in one asyncio process.

A platform runs when its token is in the environment. Tokens are checked for
shape before anything starts, so a pasted-wrong token fails at once with a clear
message instead of a stream of 401 errors, and they are never printed.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import signal
from pathlib import Path

from bots.discord.app import DiscordBot
from bots.telegram.app import TelegramBot
from cli.compose import StartupError, build_core, hide_secrets, running, storage_problems_to
from core.content.checks import drafts, unfilled_placeholders
from core.content.models import Library
from core.outbox import PlatformOutbox
from core.settings import Settings
from core.storage.store import Store

log = logging.getLogger(__name__)

TELEGRAM_TOKEN = "TELEGRAM_BOT_TOKEN"
TELEGRAM_SECRET = "TELEGRAM_WEBHOOK_SECRET"
DISCORD_TOKEN = "DISCORD_BOT_TOKEN"
TOKEN_SHAPES = {
    TELEGRAM_TOKEN: (re.compile(r"^\d{5,}:[A-Za-z0-9_-]{30,}$"), "digits, a colon, then 30+ letters, e.g. 123456789:AAE..."),
    DISCORD_TOKEN: (re.compile(r"^[\w-]{20,}\.[\w-]{4,}\.[\w-]{20,}$"), "three parts separated by dots, e.g. MTE4...Gx.Yb2c...Q"),
}
NO_PLATFORM = f"""No chat platform is configured, so there is nothing to serve.
Set a bot token in the environment, for example:
    export {TELEGRAM_TOKEN}=123456789:AA...   (from @BotFather on Telegram)
    export {DISCORD_TOKEN}=MTE4...            (from the Discord developer portal)
To try the bot in this terminal without any token, run:
    .venv/bin/medspa chat"""


def token(name: str) -> str | None:
    """A token from the environment, checked for shape; never echoed back."""
    value = os.environ.get(name, "").strip()
    if not value:
        return None
    shape, example = TOKEN_SHAPES[name]
    if not shape.match(value):
        raise StartupError(f"{name} is set but does not look like a token ({example}). Check that it was copied whole.")
    return value


def warn_unfilled(content: Path, library: Library) -> None:
    """Clients never see a placeholder (lines naming one are left out), so without this
    warning nobody would notice that the phone number is missing from every message."""
    root = Path(content).resolve()
    unfilled = unfilled_placeholders(root, library) + drafts(root, library)
    if unfilled:
        listed = "\n".join(f"  {p.file}:{p.line}: {p.field}: {p.message}" for p in unfilled)
        log.warning(
            "%d placeholder(s) or draft(s) in the content are not filled in yet; the bot leaves them out of its messages"
            " until they are:\n%s",
            len(unfilled),
            listed,
        )


async def serve(settings: Settings, content: Path) -> int:
    telegram_token, discord_token = token(TELEGRAM_TOKEN), token(DISCORD_TOKEN)
    if telegram_token is None and discord_token is None:
        raise StartupError(NO_PLATFORM)
    webhook_secret = os.environ.get(TELEGRAM_SECRET, "").strip() or None
    hide_secrets([telegram_token or "", (telegram_token or ":").split(":", 1)[1], webhook_secret or "", discord_token or ""])
    if telegram_token and settings.telegram.mode == "webhook" and not settings.telegram.webhook_url:
        raise StartupError("telegram.mode is 'webhook' but telegram.webhook_url is empty; set the public https URL in config.toml")

    outbox = PlatformOutbox(desk_address=settings.desk.address)
    store = Store(settings.storage.dir, fsync=settings.storage.fsync, on_failure=storage_problems_to(outbox))
    core = build_core(content, store, outbox, settings)
    warn_unfilled(content, core.knowledge.library)
    bots: list[TelegramBot | DiscordBot] = []
    if telegram_token:
        telegram = TelegramBot(core, telegram_token, settings.telegram, webhook_secret=webhook_secret, desk=settings.desk)
        outbox.register("telegram", telegram)
        bots.append(telegram)
    if discord_token:
        discord = DiscordBot(core, discord_token, settings.discord, desk=settings.desk)
        outbox.register("discord", discord.client)
        bots.append(discord)
    if settings.desk.platform and outbox.desk is None:
        raise StartupError(f"desk.platform is {settings.desk.platform!r} but that platform has no token or no desk chat/channel set")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    started = []
    async with running(core, content, settings.desk.digest_at):
        try:
            for bot in bots:
                await bot.start()
                started.append(bot)
            log.info("serving on %s", ", ".join(type(b).__name__ for b in started))
            await stop.wait()
            log.info("stopping")
        finally:
            for bot in reversed(started):
                await bot.stop()
    return 0
