"""The two conversions of the Telegram adapter, as pure functions.

Update -> core Event, and core Reply -> the parameters of Telegram's
sendMessage (HTML text, inline keyboard), split to fit its 4,096-character limit,
with a plain-text twin for when Telegram refuses the HTML.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, Message, ReplyKeyboardMarkup, Update
from telegram.constants import CallbackQueryLimit, MessageLimit, ParseMode

from bots.markdown import PLAIN, Style, render
from core.events import Attachment, Button, Event, Reply
from core.understanding.text import split_message

PLATFORM = "telegram"
HTML = Style(bold=("<b>", "</b>"), italic=("<i>", "</i>"), escape=lambda s: html.escape(s, quote=False))
SOURCE_BUDGET = 3800
"""Markdown is split before rendering, leaving room for what escaping adds."""
PICKED = "✓ "
"""Marks a picked option of a multiple choice, and what a tapped message shows as chosen."""
PAIR_LABEL = 18
"""Buttons with labels this short go two to a row; longer ones get a row each."""

RELAYED_FILES = ("photo", "document")
"""What staff and clients can send each other through a ticket."""
ATTACHMENTS = (
    "photo",
    "sticker",
    "voice",
    "video",
    "video_note",
    "audio",
    "document",
    "animation",
    "location",
    "venue",
    "contact",
    "poll",
    "dice",
)


@dataclass(frozen=True)
class OutgoingMessage:
    text: str
    parse_mode: str | None
    reply_markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | None
    plain: str
    """The same text without markup, for when Telegram refuses the HTML."""


def to_event(update: Update) -> Event | None:
    """A client's message or button press as a core event; ``None`` for anything else."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return None
    common = dict(platform=PLATFORM, chat_id=str(chat.id), user_id=str(user.id), display_name=user.full_name, locale=user.language_code)
    if update.callback_query is not None:
        return Event(**common, action=update.callback_query.data or "")
    message = update.message or update.edited_message
    if message is None:
        return None
    if message.text is not None:
        return Event(**common, text=message.text, message_id=str(message.message_id))
    if message.contact is not None and message.contact.user_id == user.id:
        return Event(**common, text=message.contact.phone_number, message_id=str(message.message_id))  # "share my phone number"
    return Event(**common, text=message.caption, media_kind=attachment_kind(message), message_id=str(message.message_id))


def desk_event(update: Update, topics: bool) -> Event | None:
    """A staff member's message or button press in the desk group. The thread is the
    forum topic, or (without topics) the message being replied to."""
    chat, user, message = update.effective_chat, update.effective_user, update.effective_message
    if chat is None or user is None:
        return None
    common = dict(platform=PLATFORM, chat_id=str(chat.id), user_id=str(user.id), display_name=user.full_name, from_desk=True)
    if update.callback_query is not None:
        return Event(**common, action=update.callback_query.data or "")
    if message is None:
        return None
    if topics:
        thread = str(message.message_thread_id) if message.is_topic_message and message.message_thread_id else None
    else:
        thread = str(message.reply_to_message.message_id) if message.reply_to_message else None
    if message.text is not None:
        return Event(**common, text=message.text, thread=thread, message_id=str(message.message_id))
    kind = attachment_kind(message)
    if kind not in RELAYED_FILES:
        return None
    return Event(
        **common,
        text=message.caption or f"[{kind}]",
        media_kind=kind,
        media_file=attachment(message, kind),
        thread=thread,
        message_id=str(message.message_id),
    )


def attachment_kind(message: Message) -> str:
    return next((kind for kind in ATTACHMENTS if getattr(message, kind, None)), "other")


def attachment(message: Message, kind: str) -> Attachment:
    """A photo or document as the core carries it: where it is, so Telegram can copy it without a download."""
    media = message.photo[-1] if kind == "photo" else message.document
    return Attachment(
        kind=kind,
        name=getattr(media, "file_name", None) or f"{kind}.jpg",
        source_platform=PLATFORM,
        source_chat=str(message.chat_id),
        source_message=str(message.message_id),
    )


def keyboard(buttons: tuple[Button, ...]) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    rows: list[list[InlineKeyboardButton]] = []
    for button in buttons:
        label = PICKED + button.label if button.checked else button.label
        key = InlineKeyboardButton(label, url=button.url) if button.url else InlineKeyboardButton(label, callback_data=button.action)
        short = len(label) <= PAIR_LABEL
        if rows and short and len(rows[-1]) == 1 and len(rows[-1][0].text) <= PAIR_LABEL:
            rows[-1].append(key)
        else:
            rows.append([key])
    return InlineKeyboardMarkup(rows)


def contact_keyboard(reply: Reply) -> ReplyKeyboardMarkup | None:
    """For a phone/e-mail question: Telegram's "share my phone number" button (plus the
    text buttons of the reply, such as Cancel, which arrive as typed text)."""
    prompt = reply.prompt
    if prompt is None or prompt.kind != "contact" or not prompt.options:
        return None
    rows = [[KeyboardButton(prompt.options[0].label, request_contact=True)]]
    rows += [[KeyboardButton(b.label)] for b in reply.buttons if not b.url]
    return ReplyKeyboardMarkup(rows, one_time_keyboard=True, resize_keyboard=True)


def to_messages(reply: Reply) -> list[OutgoingMessage]:
    """One or more messages for a reply; the buttons go under the last one."""
    texts: list[tuple[str, str | None, str]] = []
    for part in split_message(reply.text, SOURCE_BUDGET):
        rendered, plain = render(part, HTML), render(part, PLAIN)
        if len(rendered) <= MessageLimit.MAX_TEXT_LENGTH:
            texts.append((rendered, ParseMode.HTML, plain))
        else:  # pathological escaping: send plain text rather than broken HTML
            texts += [(p, None, p) for p in split_message(plain, MessageLimit.MAX_TEXT_LENGTH)]
    texts = [t for t in texts if t[0].strip()] or [("…", None, "…")]  # Telegram refuses an empty message
    markup = contact_keyboard(reply) or keyboard(reply.buttons)
    return [OutgoingMessage(text, mode, markup if i == len(texts) - 1 else None, plain) for i, (text, mode, plain) in enumerate(texts)]


def toast(reply: Reply) -> str:
    """A notice's first paragraph as plain text, for the small pop-up a button tap can answer with."""
    first = reply.text.strip().split("\n\n", 1)[0]
    return render(first, PLAIN)[: CallbackQueryLimit.ANSWER_CALLBACK_QUERY_TEXT_LENGTH]
