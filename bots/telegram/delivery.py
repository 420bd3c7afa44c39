"""Getting messages to Telegram whatever the Bot API answers.

Network errors are retried with backoff; HTML that Telegram refuses (400) is sent
again as plain text; a client who blocked the bot (403) is reported to the core as
unreachable instead of being apologised to; flood limits (429) are waited out by
PTB's rate limiter exactly as long as Telegram says. Desk topics also show their
ticket's state here, since that is how a ticket's message is delivered.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from telegram import Bot, InlineKeyboardMarkup, InputFile, Message, ReplyKeyboardMarkup, ReplyKeyboardRemove
from telegram.constants import MessageLimit
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError

from bots.telegram.convert import OutgoingMessage, to_messages
from core.events import Address, Attachment, Reply, ThreadMark
from core.outbox import Unreachable
from core.settings import DeskSettings
from core.understanding.text import split_message

log = logging.getLogger(__name__)
T = TypeVar("T")

SEND_ATTEMPTS = 3
PLAIN_PART = MessageLimit.MAX_TEXT_LENGTH // 2
"""Telegram counts UTF-16 code units; half its limit in characters always fits."""
TOPIC_MARKS = {"open": "", "urgent": "🚨 ", "closed": "✅ "}
TOPIC_NAME = 128
NOT_DELIVERED = "⚠️ Not delivered to the client: {reason}"


class Delivery:
    def __init__(self, bot: Bot, desk: DeskSettings | None, backoff: float) -> None:
        self.bot = bot
        self.desk = desk
        self.backoff = backoff

    async def send(self, address: Address, replies: list[Reply], drop_keyboard: bool = False) -> None:
        """Send to a client chat or a desk thread (forum topic, or a reply to the ticket's first message).
        ``drop_keyboard`` takes away a "share my phone number" keyboard with the first message."""
        chat = int(address.chat_id)
        thread = int(address.thread_id) if address.thread_id and address.thread_id.isdigit() else None
        topic = thread if thread is not None and self.desk is not None and self.desk.telegram_topics else None
        where = {"message_thread_id": topic, "reply_to_message_id": thread if thread is not None and topic is None else None}
        try:
            for reply in replies:
                mark = reply.thread_mark if topic is not None else None
                if mark is not None and mark.state == "open":  # reopened before the message lands in it
                    await self._mark_topic(chat, topic, mark)
                if reply.file is not None:
                    await self._send_file(chat, reply.file, where)
                for message in to_messages(reply):
                    await self._send_text(chat, message, where, drop_keyboard)
                    drop_keyboard = False
                if mark is not None and mark.state != "open":  # marked (and closed) once the message is there
                    await self._mark_topic(chat, topic, mark)
        except Forbidden as exc:
            if self._is_desk(chat):
                raise
            raise Unreachable(f"telegram chat refused delivery: {exc.message}") from exc

    def _is_desk(self, chat: int) -> bool:
        return self.desk is not None and chat == self.desk.telegram_chat_id

    async def _send_text(self, chat: int, message: OutgoingMessage, where: dict[str, Any], drop_keyboard: bool) -> None:
        """A keyboard and an inline keyboard cannot ride on one message: the keyboard is removed by
        the message itself, then its inline buttons are added to it."""
        markup = message.reply_markup
        if drop_keyboard and not isinstance(markup, ReplyKeyboardMarkup):
            markup = ReplyKeyboardRemove()
        sent = await self._send_formatted(chat, message, markup, where)
        if markup is not message.reply_markup and isinstance(message.reply_markup, InlineKeyboardMarkup):
            await self.retry(lambda: self.bot.edit_message_reply_markup(chat, sent.message_id, reply_markup=message.reply_markup))

    async def _send_formatted(self, chat: int, message: OutgoingMessage, markup: Any, where: dict[str, Any]) -> Message:
        try:
            return await self.retry(
                lambda: self.bot.send_message(chat, message.text, parse_mode=message.parse_mode, reply_markup=markup, **where)
            )
        except BadRequest as exc:
            if message.parse_mode is None:
                raise
            log.warning("Telegram refused a formatted message; sending it as plain text")
            log.debug("Telegram said: %s", exc.message)
        parts = split_message(message.plain, PLAIN_PART) or ["…"]
        for n, part in enumerate(parts):
            last = n == len(parts) - 1
            sent = await self.retry(
                lambda p=part, last=last: self.bot.send_message(chat, p, reply_markup=markup if last else None, **where)
            )
        return sent

    async def _send_file(self, chat: int, file: Attachment, where: dict[str, Any]) -> None:
        """Telegram files are copied as they are; others are uploaded (or linked by URL). A file staff
        sent from this desk that cannot be delivered gets a note under the staff member's message."""
        try:
            if file.source_platform == "telegram" and file.source_chat and file.source_message:
                await self.retry(lambda: self.bot.copy_message(chat, int(file.source_chat), int(file.source_message), **where))
                return
            content = InputFile(file.data, filename=file.name) if file.data is not None else file.url
            if content is None:
                return
            send = self.bot.send_photo if file.kind in ("photo", "image") else self.bot.send_document
            await self.retry(lambda: send(chat, content, **where))
        except (BadRequest, Forbidden) as exc:
            await self._not_delivered(file, exc)
            if isinstance(exc, Forbidden):
                raise

    async def _not_delivered(self, file: Attachment, exc: TelegramError) -> None:
        if not (file.source_platform == "telegram" and file.source_chat and file.source_message and self._is_desk(int(file.source_chat))):
            log.warning("a %s could not be delivered: %s", file.kind, exc.message)
            return
        reason = "they blocked the bot" if isinstance(exc, Forbidden) else exc.message
        await self.retry(
            lambda: self.bot.send_message(
                int(file.source_chat), NOT_DELIVERED.format(reason=reason), reply_to_message_id=int(file.source_message)
            )
        )

    async def _mark_topic(self, chat: int, topic: int, mark: ThreadMark) -> None:
        """Show a ticket's state on its forum topic: its name, and closed while the ticket is."""
        name = (TOPIC_MARKS[mark.state] + mark.title)[:TOPIC_NAME]
        calls = [lambda: self.bot.reopen_forum_topic(chat, topic)] if mark.state == "open" else []
        calls.append(lambda: self.bot.edit_forum_topic(chat, topic, name=name))
        if mark.state == "closed":
            calls.append(lambda: self.bot.close_forum_topic(chat, topic))
        for call in calls:
            try:
                await self.retry(call)
            except BadRequest as exc:  # TOPIC_NOT_MODIFIED: staff already did it by hand
                log.info("forum topic left as it is: %s", exc.message)

    async def retry(self, call: Callable[[], Awaitable[T]]) -> T:
        """Retry network failures with exponential backoff; flood limits are the rate limiter's job."""
        for attempt in range(SEND_ATTEMPTS):
            try:
                return await call()
            except BadRequest:
                raise
            except NetworkError as exc:
                if attempt == SEND_ATTEMPTS - 1:
                    raise
                delay = self.backoff * 2**attempt
                log.warning("Telegram network error (%s); retrying in %.1fs", exc, delay)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")
