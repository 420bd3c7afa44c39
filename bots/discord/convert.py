"""The two conversions of the Discord adapter, as pure functions.

Message or interaction -> core Event, and core Reply -> message parts (Discord
Markdown, at most 2,000 characters each) with their components on the last part
and the mentions each part may ping: none, except the on-call alert the core
marks on an urgent desk message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import discord

from bots.discord.components import view_for
from bots.markdown import Style, render
from core.events import Attachment, Event, Reply
from core.understanding.text import split_message

PLATFORM = "discord"
LIMIT = 2000
ALLOWED_MENTIONS = discord.AllowedMentions.none()
SOURCE_BUDGET = 1900
"""Markdown is split before rendering, leaving room for what escaping adds."""
MENTION = re.compile(r"<@(?P<kind>[!&]?)(?P<id>\d{15,20})>")
READ_TYPES = (discord.MessageType.default, discord.MessageType.reply)
"""What people write; pins, joins, boosts and thread notices are not for the bot."""


def escape(text: str) -> str:
    """Client-supplied text can neither format nor ping."""
    return discord.utils.escape_mentions(discord.utils.escape_markdown(text))


DISCORD = Style(bold=("**", "**"), italic=("_", "_"), escape=escape)


@dataclass(frozen=True)
class OutgoingMessage:
    content: str
    view: discord.ui.View | None
    mentions: discord.AllowedMentions = ALLOWED_MENTIONS


def alert_mentions(alert: str | None) -> tuple[list[str], discord.AllowedMentions]:
    """The Discord mentions in ``[handoff] on_call`` and permission to ping exactly those."""
    found = list(MENTION.finditer(alert or ""))
    users = [discord.Object(int(m["id"])) for m in found if m["kind"] != "&"]
    roles = [discord.Object(int(m["id"])) for m in found if m["kind"] == "&"]
    allowed = discord.AllowedMentions(everyone=False, users=users, roles=roles, replied_user=False) if found else ALLOWED_MENTIONS
    return [m[0] for m in found], allowed


def to_messages(reply: Reply) -> list[OutgoingMessage]:
    """The reply's text, escaped and split; an on-call alert goes unescaped on the first part,
    the only mention that part may ping."""
    mentions, allowed = alert_mentions(reply.alert)
    text = "\n".join(line for line in reply.text.split("\n") if line != reply.alert) if mentions else reply.text
    parts = [p for chunk in split_message(text, SOURCE_BUDGET) for p in split_message(render(chunk, DISCORD), LIMIT) if p.strip()]
    parts = parts or ["…"]  # Discord refuses an empty message
    view = view_for(reply)
    out = [OutgoingMessage(part, view if i == len(parts) - 1 else None) for i, part in enumerate(parts)]
    if mentions:
        out[0] = OutgoingMessage(f"{out[0].content}\n{' '.join(mentions)}", out[0].view, allowed)
    return out


def is_from_a_person(message: discord.Message) -> bool:
    return message.type in READ_TYPES and not message.author.bot and not message.author.system


def attachment_of(message: discord.Message, text: str) -> tuple[str | None, Attachment | None]:
    """What kind of non-text a client sent, and the first file, for staff to see."""
    kind = file = None
    if not text.strip() and (message.attachments or message.stickers):
        kind = "sticker" if message.stickers else (message.attachments[0].content_type or "file").split("/")[0]
    if message.attachments:
        first = message.attachments[0]
        file = Attachment(kind=file_kind(first), name=first.filename, url=first.url, source_platform=PLATFORM)
    return kind, file


def file_kind(attachment: discord.Attachment) -> str:
    return "photo" if (attachment.content_type or "").startswith("image/") else "document"


def message_event(message: discord.Message, text: str, chat_id: int) -> Event:
    """``chat_id`` is the client's DM channel, also for a message in a server channel."""
    kind, file = attachment_of(message, text)
    return Event(
        platform=PLATFORM,
        chat_id=str(chat_id),
        user_id=str(message.author.id),
        display_name=message.author.display_name,
        text=text,
        media_kind=kind,
        media_file=file,
        message_id=str(message.id),
        channel=str(message.channel.id) if message.guild is not None else None,
    )


def interaction_event(
    interaction: discord.Interaction, chat_id: int, text: str | None = None, action: str | None = None, form: dict[str, str] | None = None
) -> Event:
    return Event(
        platform=PLATFORM,
        chat_id=str(chat_id),
        user_id=str(interaction.user.id),
        display_name=interaction.user.display_name,
        text=text,
        action=action,
        form=form,
        channel=str(interaction.channel_id) if interaction.guild_id is not None else None,
        locale=interaction.locale.value,
    )


def form_values(data: Any) -> dict[str, str]:
    """A submitted form's answers by field name (each text input's custom id is its field)."""
    values: dict[str, str] = {}
    pending = list((data or {}).get("components", []))
    while pending:
        component = pending.pop()
        if "value" in component and "custom_id" in component:
            values[component["custom_id"]] = component["value"]
        pending += component.get("components", []) + ([component["component"]] if "component" in component else [])
    return values


def strip_mention(content: str, bot_id: int) -> str:
    return re.sub(rf"<@!?{bot_id}>", "", content).strip()
