"""Telegram lifecycle wiring: handlers, command menus, polling or webhook, error boundary.

Everything a client sees is decided by the core; this module only moves events
in and messages out, answers taps, and shows "typing…". How replies land around
a tap is in :mod:`bots.telegram.steps`, and how they reach Telegram in
:mod:`bots.telegram.delivery`.
"""

from __future__ import annotations

import asyncio
import html
import logging
import secrets
from collections.abc import Awaitable
from typing import TypeVar

from telegram import BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat, CallbackQuery, Message, Update
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import BadRequest, Forbidden
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, CallbackQueryHandler, ContextTypes, MessageHandler, filters
from telegram.request import BaseRequest

from bots.telegram.convert import PLATFORM, attachment, desk_event, to_event, to_messages
from bots.telegram.delivery import SEND_ATTEMPTS, Delivery
from bots.telegram.steps import TYPED, Settle, answer_tap, leaves_contact_step, picked
from core.conversation.commands import desk_commands
from core.conversation.engine import Core
from core.events import Address, Attachment, Event, Prompt, Reply
from core.outbox import STAFF_DESK, Unreachable
from core.settings import DeskSettings, TelegramSettings

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_RELAY_BYTES = 10 * 1024 * 1024
"""Files up to this size are downloaded when they must cross to another platform."""
UPDATES = ["message", "edited_message", "callback_query"]


def file_url(base_url: str) -> str:
    """The file download URL that goes with a Bot API base URL (self-hosted servers included)."""
    return base_url.removesuffix("/bot") + "/file/bot"


class TelegramBot:
    def __init__(
        self,
        core: Core,
        token: str,
        settings: TelegramSettings,
        request: BaseRequest | None = None,
        webhook_secret: str | None = None,
        backoff: float = 1.0,
        desk: DeskSettings | None = None,
    ) -> None:
        self.core = core
        self.settings = settings
        self.desk = desk if desk is not None and desk.platform == "telegram" and desk.telegram_chat_id else None
        self.webhook_secret = webhook_secret or secrets.token_urlsafe(32)
        """Telegram sends it with every webhook call, so nobody else can post updates; made up when not configured."""
        builder = (
            ApplicationBuilder()
            .token(token)
            .base_url(settings.base_url)
            .base_file_url(file_url(settings.base_url))
            .rate_limiter(AIORateLimiter(max_retries=SEND_ATTEMPTS))
            .concurrent_updates(32)
        )
        if request is not None:
            builder = builder.request(request).get_updates_request(request)
        self.app: Application = builder.build()
        self.delivery = Delivery(self.app.bot, self.desk, backoff)
        private = filters.ChatType.PRIVATE
        self.app.add_handler(CallbackQueryHandler(self.on_button))
        if self.desk is not None:
            desk_chat = filters.Chat(self.desk.telegram_chat_id)
            staff_input = filters.TEXT | filters.PHOTO | filters.Document.ALL
            self.app.add_handler(MessageHandler(filters.UpdateType.MESSAGE & desk_chat & staff_input, self.on_desk_message))
        self.app.add_handler(MessageHandler(filters.UpdateType.MESSAGE & private, self.on_message))
        self.app.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE & private & filters.TEXT, self.on_edit))
        self.app.add_error_handler(self.on_error)

    async def start(self) -> None:
        """Initialise, publish the command menus, and start receiving updates."""
        await self.app.initialize()
        await self.register_commands()
        await self.app.start()
        if self.settings.mode == "webhook":
            await self.app.updater.start_webhook(
                listen=self.settings.webhook_listen,
                port=self.settings.webhook_port,
                url_path="telegram",
                webhook_url=self.settings.webhook_url,
                secret_token=self.webhook_secret,
                allowed_updates=UPDATES,
            )
        else:
            await self.app.updater.start_polling(allowed_updates=UPDATES, bootstrap_retries=-1)

    async def stop(self) -> None:
        if self.app.updater and self.app.updater.running:
            await self.app.updater.stop()
        if self.app.running:
            await self.app.stop()
        await self.app.shutdown()

    async def register_commands(self) -> None:
        """Client commands in private chats only, desk commands in the desk only; the unscoped
        list earlier versions published (and showed in every group) is removed."""
        bot = self.app.bot
        await bot.delete_my_commands()
        clients = [BotCommand(name, text) for name, text in self.core.commands().items()]
        await bot.set_my_commands(clients, scope=BotCommandScopeAllPrivateChats())
        for language in self.core.languages()[1:]:  # clients whose app is set to Spanish see Spanish descriptions
            local = [BotCommand(name, text) for name, text in self.core.commands(language).items()]
            await bot.set_my_commands(local, scope=BotCommandScopeAllPrivateChats(), language_code=language)
        if self.desk is not None:
            staff = [BotCommand(c.name, c.summary.capitalize()[:256]) for c in desk_commands()]
            await bot.set_my_commands(staff, scope=BotCommandScopeChat(self.desk.telegram_chat_id))

    # -- clients -------------------------------------------------------------

    async def on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        event = to_event(update)
        if event is not None:
            await self._answer(update, event, self.core.pending_prompt(event.conversation_key))

    async def on_edit(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A client fixing a typo while a step waits for typed input gets that step answered again;
        other edits are ignored (the message was answered as it was)."""
        event = to_event(update)
        prompt = self.core.pending_prompt(event.conversation_key) if event is not None else None
        if prompt is not None and prompt.kind in TYPED:
            await self._answer(update, event, prompt)

    async def _answer(self, update: Update, event: Event, before: Prompt | None) -> None:
        message = update.effective_message
        if event.media_file is None and event.media_kind in ("photo", "document"):
            event = event.model_copy(update={"media_file": await self._client_file(message, event)})

        async def deliver(replies: list[Reply]) -> None:
            after = self.core.pending_prompt(event.conversation_key)
            await self.send(message.chat_id, replies, drop_keyboard=leaves_contact_step(before, after))

        await self._with_typing(message.chat_id, self.core.handle(event, deliver))

    async def _client_file(self, message: Message, event: Event) -> Attachment:
        """Where the photo or document is; its bytes only when it must cross to another platform's desk."""
        ticket = self.core.store.open_ticket_of(event.conversation_key)
        crosses = ticket is not None and ticket.desk_platform not in (None, PLATFORM, STAFF_DESK.platform)
        return await self._attachment(message, event.media_kind, download=crosses)

    async def _attachment(self, message: Message, kind: str, download: bool) -> Attachment:
        file = attachment(message, kind)
        media = message.photo[-1] if kind == "photo" else message.document
        if not download or (media.file_size or 0) > MAX_RELAY_BYTES:
            return file
        telegram_file = await media.get_file()
        return file.model_copy(update={"data": bytes(await telegram_file.download_as_bytearray())})

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if self.is_desk(update):
            await query.answer()
            await self.on_desk_button(update, query)
            return
        event = to_event(update) if update.effective_chat is not None and update.effective_chat.type == ChatType.PRIVATE else None
        if event is None:
            await query.answer()
            return
        before = self.core.pending_prompt(event.conversation_key)
        delivered = False

        async def deliver(replies: list[Reply]) -> None:
            nonlocal delivered
            delivered = True
            await self._deliver_tap(update, query, event, replies, before)

        try:
            await self.core.handle(event, deliver)
        except Exception:
            if not delivered:
                await self._acknowledge(query)  # no button is left spinning
            raise

    async def _deliver_tap(self, update: Update, query: CallbackQuery, event: Event, replies: list[Reply], before: Prompt | None) -> None:
        """The tap's replies, sent in turn order (Core.handle calls this before the desk is told)."""
        after = self.core.pending_prompt(event.conversation_key)
        tap = answer_tap(replies, event.action or "", before, after)
        await self._acknowledge(query, tap.toast)
        tapped = query.message if query.message is not None and query.message.is_accessible else None
        new = tap.send
        if tap.replace is not None:
            new = [] if tapped is not None and await self._replace(tapped, tap.replace) else [tap.replace]
        elif tapped is not None and tap.settle != "keep":
            await self._settle(tapped, query, before, tap.settle)
        await self.send(update.effective_chat.id, new, drop_keyboard=leaves_contact_step(before, after))

    @staticmethod
    async def _acknowledge(query: CallbackQuery, toast: str | None = None) -> None:
        """Stop the tap's spinner, with a toast when there is one; a tap Telegram no longer waits for is fine."""
        try:
            await query.answer(text=toast)
        except BadRequest as exc:  # "query is too old": the client has moved on
            log.debug("tap not acknowledged: %s", exc.message)

    async def _replace(self, tapped: Message, reply: Reply) -> bool:
        messages = to_messages(reply)
        if len(messages) != 1:
            return False
        [message] = messages
        try:
            await self.delivery.retry(
                lambda: tapped.edit_text(message.text, parse_mode=message.parse_mode, reply_markup=message.reply_markup)
            )
            return True
        except BadRequest:
            log.debug("tapped message could not be edited; sending a new one")
            return False

    async def _settle(self, tapped: Message, query: CallbackQuery, before: Prompt | None, settle: Settle) -> None:
        """Take the used buttons away, keeping what was picked readable in the chat."""
        choice = picked(tapped.reply_markup, query.data or "", before) if settle == "picked" and tapped.text else None
        try:
            if choice is not None:
                text = f"{tapped.text_html}\n\n<b>{html.escape(choice, quote=False)}</b>"
                await self.delivery.retry(lambda: tapped.edit_text(text, parse_mode=ParseMode.HTML))
            else:
                await self.delivery.retry(lambda: tapped.edit_reply_markup(reply_markup=None))
        except BadRequest:
            log.debug("used buttons could not be taken away")

    async def send(self, chat_id: int | str, replies: list[Reply], drop_keyboard: bool = False) -> None:
        await self.delivery.send(Address(platform="telegram", chat_id=str(chat_id)), replies, drop_keyboard)

    # -- the staff desk --------------------------------------------------------

    def is_desk(self, update: Update) -> bool:
        return self.desk is not None and update.effective_chat is not None and update.effective_chat.id == self.desk.telegram_chat_id

    async def on_desk_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Staff in the desk group: only this chat's messages can act as staff."""
        event = desk_event(update, self.desk.telegram_topics)
        if event is None:
            return
        if event.media_file is not None:
            event = event.model_copy(update={"media_file": await self._staff_file(update.effective_message, event)})
        where = Address(platform="telegram", chat_id=str(event.chat_id), thread_id=event.thread)
        await self.core.handle(event, lambda replies: self.send_to(where, replies))

    async def _staff_file(self, message: Message, event: Event) -> Attachment:
        """Telegram clients get a copy of the message; only a client on another platform needs the bytes."""
        ticket = self.core.store.open_ticket_in(PLATFORM, event.chat_id, event.thread) if event.thread else None
        return await self._attachment(message, event.media_kind, download=ticket is not None and ticket.platform != PLATFORM)

    async def on_desk_button(self, update: Update, query: CallbackQuery) -> None:
        event = desk_event(update, self.desk.telegram_topics)
        thread = str(query.message.message_thread_id) if query.message and query.message.message_thread_id else None
        where = Address(platform="telegram", chat_id=str(update.effective_chat.id), thread_id=thread)
        await self.core.handle(event, lambda replies: self.send_to(where, replies))

    async def send_to(self, address: Address, replies: Reply | list[Reply]) -> None:
        """The outbox port: a client chat or a desk thread."""
        await self.delivery.send(address, replies if isinstance(replies, list) else [replies])

    async def open_thread(self, title: str) -> Address:
        """A forum topic per ticket, or without topics a first message to reply under."""
        chat = self.desk.telegram_chat_id
        if self.desk.telegram_topics:
            topic = await self.delivery.retry(lambda: self.app.bot.create_forum_topic(chat, title[:128]))
            return Address(platform="telegram", chat_id=str(chat), thread_id=str(topic.message_thread_id))
        root = await self.delivery.retry(lambda: self.app.bot.send_message(chat, f"Ticket {title}"))
        return Address(platform="telegram", chat_id=str(chat), thread_id=str(root.message_id))

    # -- errors and "typing…" --------------------------------------------------

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The one error boundary: log the traceback, give the client a neutral apology
        (unless they blocked the bot, when there is nobody to apologise to)."""
        if isinstance(context.error, (Unreachable, Forbidden)):
            log.info("a Telegram chat can no longer be reached")
            return
        log.error("error while handling a Telegram update", exc_info=context.error)
        if isinstance(update, Update) and update.effective_chat and update.effective_chat.type == ChatType.PRIVATE:
            try:
                await self.send(update.effective_chat.id, [self.core.apology(f"{PLATFORM}:{update.effective_chat.id}")])
            except Exception:  # the apology itself failing must not loop
                log.exception("could not send the apology")

    async def _with_typing(self, chat_id: int | str, work: Awaitable[T]) -> T:
        """Show "typing…" if the reply takes longer than ``typing_after`` seconds."""
        task = asyncio.ensure_future(work)
        done, _ = await asyncio.wait({task}, timeout=self.settings.typing_after)
        while not done:
            await self.app.bot.send_chat_action(chat_id, ChatAction.TYPING)
            done, _ = await asyncio.wait({task}, timeout=4.5)
        return task.result()
