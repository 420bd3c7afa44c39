"""Telegram lifecycle wiring: handlers, command menu, polling or webhook, error boundary.

Everything a client sees is decided by the core; this module only moves events
in and messages out, answers callback queries, and shows "typing…".
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from telegram import BotCommand, InputFile, Update
from telegram.constants import ChatAction, ChatType
from telegram.error import BadRequest, NetworkError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, CallbackQueryHandler, ContextTypes, MessageHandler, filters
from telegram.request import BaseRequest

from bots.telegram.convert import desk_event, to_event, to_messages
from core.engine import Core
from core.events import Address, Attachment, Reply, ReplyKind
from core.settings import DeskSettings, TelegramSettings

log = logging.getLogger(__name__)
T = TypeVar("T")

SEND_ATTEMPTS = 3
MAX_RELAY_BYTES = 10 * 1024 * 1024
"""Photos and documents up to this size are passed to the staff desk."""


def replaces_message(reply: Reply) -> bool:
    """Menu navigation and multiple-choice toggles read better edited in place than piled up."""
    return reply.kind is ReplyKind.MENU or (reply.prompt is not None and reply.prompt.kind == "multi")


def file_url(base_url: str) -> str:
    """The file download URL that goes with a Bot API base URL (self-hosted servers included)."""
    return base_url.removesuffix("/bot") + "/file/bot"


class TelegramBot:
    def __init__(self, core: Core, token: str, settings: TelegramSettings, request: BaseRequest | None = None,
                 webhook_secret: str | None = None, backoff: float = 1.0, desk: DeskSettings | None = None) -> None:
        self.core = core
        self.settings = settings
        self.desk = desk if desk is not None and desk.platform == "telegram" and desk.telegram_chat_id else None
        self.webhook_secret = webhook_secret
        self.backoff = backoff
        builder = (ApplicationBuilder().token(token).base_url(settings.base_url).base_file_url(file_url(settings.base_url))
                   .rate_limiter(AIORateLimiter(max_retries=SEND_ATTEMPTS)).concurrent_updates(32))
        if request is not None:
            builder = builder.request(request).get_updates_request(request)
        self.app: Application = builder.build()
        private = filters.ChatType.PRIVATE
        self.app.add_handler(CallbackQueryHandler(self.on_button))
        if self.desk is not None:
            desk_chat = filters.Chat(self.desk.telegram_chat_id)
            self.app.add_handler(MessageHandler(filters.UpdateType.MESSAGE & desk_chat & filters.TEXT, self.on_desk_message))
        self.app.add_handler(MessageHandler(filters.UpdateType.MESSAGE & private, self.on_message))
        self.app.add_error_handler(self.on_error)

    async def start(self) -> None:
        """Initialise, publish the command menu, and start receiving updates."""
        await self.app.initialize()
        await self.register_commands()
        await self.app.start()
        updates = ["message", "callback_query"]  # edited messages are not asked for: no duplicate answers
        if self.settings.mode == "webhook":
            await self.app.updater.start_webhook(
                listen=self.settings.webhook_listen, port=self.settings.webhook_port, url_path="telegram",
                webhook_url=self.settings.webhook_url, secret_token=self.webhook_secret, allowed_updates=updates,
            )
        else:
            await self.app.updater.start_polling(allowed_updates=updates, bootstrap_retries=-1)

    async def stop(self) -> None:
        if self.app.updater and self.app.updater.running:
            await self.app.updater.stop()
        if self.app.running:
            await self.app.stop()
        await self.app.shutdown()

    async def register_commands(self) -> None:
        await self.app.bot.set_my_commands([BotCommand(name, text) for name, text in self.core.commands().items()])

    async def on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        event = to_event(update)
        if event is None:
            return
        if event.attachment in ("photo", "document"):
            event = event.model_copy(update={"file": await self._attachment(update.effective_message, event.attachment)})
        replies = await self._with_typing(update.effective_chat.id, self.core.handle(event))
        await self.send(update.effective_chat.id, replies)

    async def _attachment(self, message, kind: str) -> Attachment:
        """A photo or document, with its bytes when small enough, so any desk can show it."""
        media = message.photo[-1] if kind == "photo" else message.document
        data = None
        if (media.file_size or 0) <= MAX_RELAY_BYTES:
            telegram_file = await media.get_file()
            data = bytes(await telegram_file.download_as_bytearray())
        name = getattr(media, "file_name", None) or f"{kind}.jpg"
        return Attachment(kind=kind, name=name, data=data, source_platform="telegram", source_chat=str(message.chat_id),
                          source_message=str(message.message_id))

    def is_desk(self, update: Update) -> bool:
        return self.desk is not None and update.effective_chat is not None and update.effective_chat.id == self.desk.telegram_chat_id

    async def on_desk_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Staff in the desk group: only this chat's messages can act as staff."""
        event = desk_event(update, self.desk.telegram_topics)
        if event is None:
            return
        replies = await self.core.handle(event)
        message = update.effective_message
        await self.send_to(Address(platform="telegram", chat_id=str(message.chat_id), thread_id=event.thread), replies)

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        await query.answer()  # always, first: no button is left spinning
        if self.is_desk(update):
            event = desk_event(update, self.desk.telegram_topics)
            thread = str(query.message.message_thread_id) if query.message and query.message.message_thread_id else None
            await self.send_to(Address(platform="telegram", chat_id=str(update.effective_chat.id), thread_id=thread), await self.core.handle(event))
            return
        if update.effective_chat is None or update.effective_chat.type != ChatType.PRIVATE:
            return
        event = to_event(update)
        replies = await self.core.handle(event)
        menu_message = query.message if query.message is not None and query.message.is_accessible else None
        if menu_message is not None and len(replies) == 1 and replaces_message(replies[0]):
            [message] = to_messages(replies[0])
            try:
                await self._retry(lambda: menu_message.edit_text(message.text, parse_mode=message.parse_mode, reply_markup=message.reply_markup))
                return
            except BadRequest:
                log.debug("menu message could not be edited; sending a new one")
        await self.send(update.effective_chat.id, replies)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The one error boundary: log the traceback, give the client a neutral apology."""
        log.error("error while handling a Telegram update", exc_info=context.error)
        if isinstance(update, Update) and update.effective_chat and update.effective_chat.type == ChatType.PRIVATE:
            try:
                await self.send(update.effective_chat.id, [self.core.apology()])
            except Exception:  # noqa: BLE001 - the apology itself failing must not loop
                log.exception("could not send the apology")

    async def send(self, chat_id: int | str, replies: list[Reply]) -> None:
        await self.send_to(Address(platform="telegram", chat_id=str(chat_id)), replies)

    async def send_to(self, address: Address, replies: Reply | list[Reply]) -> None:
        """Send to a client chat or a desk thread (forum topic, or a reply to the ticket's first message)."""
        thread = int(address.thread_id) if address.thread_id and address.thread_id.isdigit() else None
        in_topic = thread is not None and self.desk is not None and self.desk.telegram_topics
        where = {"message_thread_id": thread if in_topic else None, "reply_to_message_id": thread if thread is not None and not in_topic else None}
        for reply in replies if isinstance(replies, list) else [replies]:
            if reply.file is not None:
                await self._send_file(int(address.chat_id), reply.file, where)
            for message in to_messages(reply):
                await self._retry(lambda m=message: self.app.bot.send_message(
                    int(address.chat_id), m.text, parse_mode=m.parse_mode, reply_markup=m.reply_markup, **where))

    async def _send_file(self, chat_id: int, file: Attachment, where: dict) -> None:
        """Telegram files are copied as they are; others are uploaded (or linked by URL)."""
        if file.source_platform == "telegram" and file.source_chat and file.source_message:
            await self._retry(lambda: self.app.bot.copy_message(chat_id, int(file.source_chat), int(file.source_message), **where))
            return
        content = InputFile(file.data, filename=file.name) if file.data is not None else file.url
        if content is None:
            return
        send = self.app.bot.send_photo if file.kind in ("photo", "image") else self.app.bot.send_document
        await self._retry(lambda: send(chat_id, content, **where))

    async def open_thread(self, title: str) -> Address:
        """A forum topic per ticket, or without topics a first message to reply under."""
        chat = self.desk.telegram_chat_id
        if self.desk.telegram_topics:
            topic = await self._retry(lambda: self.app.bot.create_forum_topic(chat, title[:128]))
            return Address(platform="telegram", chat_id=str(chat), thread_id=str(topic.message_thread_id))
        root = await self._retry(lambda: self.app.bot.send_message(chat, f"Ticket {title}"))
        return Address(platform="telegram", chat_id=str(chat), thread_id=str(root.message_id))

    async def _retry(self, call: Callable[[], Awaitable[T]]) -> T:
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

    async def _with_typing(self, chat_id: int | str, work: Awaitable[T]) -> T:
        """Show "typing…" if the reply takes longer than ``typing_after`` seconds."""
        task = asyncio.ensure_future(work)
        done, _ = await asyncio.wait({task}, timeout=self.settings.typing_after)
        while not done:
            await self.app.bot.send_chat_action(chat_id, ChatAction.TYPING)
            done, _ = await asyncio.wait({task}, timeout=4.5)
        return task.result()
