"""The two conversions of the Discord adapter, as pure functions.

Message -> core Event, and core Reply -> message parts (Discord Markdown, at most
2,000 characters each) with a View of persistent buttons on the last part.
Button custom ids are the core's action ids behind a prefix, so a button keeps
working after a restart: any process can read what it means.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import discord

from bots.markdown import Style, render
from core.events import Attachment, Event, Prompt, Reply
from core.text import split_message

PLATFORM = "discord"
LIMIT = 2000
PREFIX = "mn:"
ALLOWED_MENTIONS = discord.AllowedMentions.none()
SOURCE_BUDGET = 1900
"""Markdown is split before rendering, leaving room for what escaping adds."""


def escape(text: str) -> str:
    """Client-supplied text can neither format nor ping."""
    return discord.utils.escape_mentions(discord.utils.escape_markdown(text))


DISCORD = Style(bold=("**", "**"), italic=("_", "_"), escape=escape)


SELECT = f"{PREFIX}sel:"
FORM_ACTION = "book:form"
"""Not a core action: the button that opens the booking form (a Discord modal)."""


class ActionButton(discord.ui.DynamicItem[discord.ui.Button], template=re.escape(PREFIX) + r"(?!sel:)(?P<action>.*)"):
    """A button carrying a core action id; rebuilt from its custom id on every click."""

    def __init__(self, action: str, label: str = "…") -> None:
        super().__init__(discord.ui.Button(label=label[:80], custom_id=f"{PREFIX}{action}"[:100], style=discord.ButtonStyle.secondary))
        self.action = action

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]) -> ActionButton:
        return cls(match["action"], item.label or "…")

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.client.on_action(interaction, self.action)


class ChoiceSelect(discord.ui.DynamicItem[discord.ui.Select], template=re.escape(SELECT) + r"(?P<mode>one|multi):(?P<field>\w+)"):
    """A select menu for a flow's choices; its custom id says how to read the picks."""

    def __init__(self, mode: str, field: str, options: list[discord.SelectOption] | None = None) -> None:
        options = options or [discord.SelectOption(label="…", value="…")]
        super().__init__(discord.ui.Select(custom_id=f"{SELECT}{mode}:{field}", options=options, min_values=0 if mode == "multi" else 1,
                                           max_values=len(options) if mode == "multi" else 1))
        self.mode, self.field = mode, field

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Select, match: re.Match[str]) -> ChoiceSelect:
        return cls(match["mode"], match["field"], list(item.options))

    async def callback(self, interaction: discord.Interaction) -> None:
        values = self.item.values
        if self.mode == "multi":
            await interaction.client.on_form(interaction, {self.field: "|".join(values)})
        else:
            await interaction.client.on_action(interaction, values[0] if values else "book:resume")


class BookingForm(discord.ui.Modal):
    """The flow's text fields in one Discord form, pre-filled with what was already given."""

    def __init__(self, title: str, prompt: Prompt) -> None:
        super().__init__(title=title[:45], timeout=600)
        self.inputs: dict[str, discord.ui.TextInput] = {}
        for field in prompt.form[:5]:
            text_input = discord.ui.TextInput(label=field.label[:45], default=field.value or None, required=field.required,
                                              max_length=min(field.max_length, 4000))
            self.inputs[field.name] = text_input
            self.add_item(text_input)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.client.on_form(interaction, {name: i.value for name, i in self.inputs.items()})

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:
        await interaction.client.on_view_error(interaction, error)


@dataclass(frozen=True)
class OutgoingMessage:
    content: str
    view: discord.ui.View | None


def view_for(reply: Reply) -> discord.ui.View | None:
    """Buttons, plus what the flow's prompt needs: a form button, or a select menu for choices."""
    prompt = reply.prompt
    if not reply.buttons and prompt is None:
        return None
    view = discord.ui.View(timeout=None)
    buttons = list(reply.buttons)
    if prompt is not None and prompt.form and prompt.form_label:
        view.add_item(ActionButton(FORM_ACTION, prompt.form_label))
    if prompt is not None and prompt.kind in ("choice", "multi") and prompt.options:
        mode = "multi" if prompt.kind == "multi" else "one"
        options = [discord.SelectOption(label=o.label.removeprefix("✓ ")[:100], value=o.action or "", default=o.action in prompt.selected)
                   for o in prompt.options[:25]]
        view.add_item(ChoiceSelect(mode, prompt.field, options))
        buttons = [b for b in buttons if b not in prompt.options]
    for button in buttons[:20]:
        if button.url:
            view.add_item(discord.ui.Button(label=button.label[:80], url=button.url))
        else:
            view.add_item(ActionButton(button.action or "", button.label))
    return view


def to_messages(reply: Reply) -> list[OutgoingMessage]:
    parts = [p for chunk in split_message(reply.text, SOURCE_BUDGET) for p in split_message(render(chunk, DISCORD), LIMIT) if p.strip()]
    parts = parts or ["…"]  # Discord refuses an empty message
    view = view_for(reply)
    return [OutgoingMessage(part, view if i == len(parts) - 1 else None) for i, part in enumerate(parts)]


def conversation_id(channel_id: int, user_id: int, in_guild: bool) -> str:
    """DMs are one conversation per channel; in a shared channel each member has their own."""
    return f"{channel_id}:{user_id}" if in_guild else str(channel_id)


def message_event(message: discord.Message, text: str) -> Event:
    attachment = file = None
    if not text.strip() and (message.attachments or message.stickers):
        attachment = "sticker" if message.stickers else (message.attachments[0].content_type or "file").split("/")[0]
    if message.attachments:
        first = message.attachments[0]
        kind = "photo" if (first.content_type or "").startswith("image/") else "document"
        file = Attachment(kind=kind, name=first.filename, url=first.url, source_platform=PLATFORM)
    return Event(
        file=file,
        platform=PLATFORM,
        chat_id=conversation_id(message.channel.id, message.author.id, message.guild is not None),
        user_id=str(message.author.id),
        display_name=message.author.display_name,
        text=text,
        attachment=attachment,
        message_id=str(message.id),
    )


def interaction_event(interaction: discord.Interaction, text: str | None = None, action: str | None = None,
                      form: dict[str, str] | None = None) -> Event:
    return Event(
        form=form,
        platform=PLATFORM,
        chat_id=conversation_id(interaction.channel_id or 0, interaction.user.id, interaction.guild_id is not None),
        user_id=str(interaction.user.id),
        display_name=interaction.user.display_name,
        text=text,
        action=action,
    )


def strip_mention(content: str, bot_id: int) -> str:
    return re.sub(rf"<@!?{bot_id}>", "", content).strip()
