"""Discord lifecycle wiring: intents, slash commands, persistent buttons, error hooks.

The client decides only *where* it answers (DMs, the support channel, mentions)
and *how* a reply is delivered (message, interaction response, ephemeral
notice); what is said comes from the core.
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Awaitable
from typing import Any

import discord
from discord import app_commands

from bots.discord.convert import (ALLOWED_MENTIONS, FORM_ACTION, PREFIX, ActionButton, BookingForm, ChoiceSelect, interaction_event,
                                  message_event, strip_mention, to_messages)
from bots.discord.translator import CommandTranslator
from core.engine import Core
from core.events import Address, Event, Reply, ReplyKind
from core.settings import DeskSettings, DiscordSettings

log = logging.getLogger(__name__)

ACK_WITHIN = 2.0
"""Discord wants an interaction acknowledged within 3 s; past this we defer first."""
SLASH_COMMANDS = ("ask", "menu", "book", "human", "help", "cancel", "language")


def intents(settings: DiscordSettings, desk: DeskSettings | None = None) -> discord.Intents:
    """Only what is used: DMs and guild messages; message content only for the support
    channel and the staff desk, where the bot reads messages that do not mention it."""
    wanted = discord.Intents.none()
    wanted.guilds = True
    wanted.dm_messages = True
    wanted.guild_messages = True
    wanted.message_content = settings.support_channel_id is not None or desk is not None
    return wanted


class ClinicClient(discord.Client):
    def __init__(self, core: Core, settings: DiscordSettings, desk: DeskSettings | None = None, **options: Any) -> None:
        self.desk = desk if desk is not None and desk.platform == "discord" and desk.discord_channel_id else None
        super().__init__(intents=intents(settings, self.desk), allowed_mentions=ALLOWED_MENTIONS, **options)
        self.core = core
        self.settings = settings
        self.tree = app_commands.CommandTree(self)
        self.tree.on_error = self.on_app_command_error
        descriptions = core.commands()
        for name in SLASH_COMMANDS:
            self.tree.add_command(self._command(name, descriptions.get(name, name)))

    def _command(self, name: str, description: str) -> app_commands.Command:
        if name == "ask":
            async def ask(interaction: discord.Interaction, question: str) -> None:
                await self.answer_interaction(interaction, interaction_event(interaction, text=question))

            ask.__doc__ = description
            return app_commands.Command(name="ask", description=description[:100], callback=ask)

        async def command(interaction: discord.Interaction) -> None:
            await self.answer_interaction(interaction, interaction_event(interaction, text=f"/{name}"))

        return app_commands.Command(name=name, description=description[:100], callback=command)

    async def setup_hook(self) -> None:
        self.add_dynamic_items(ActionButton, ChoiceSelect)
        await self.tree.set_translator(CommandTranslator(self.core))
        guild = discord.Object(self.settings.guild_id) if self.settings.guild_id else None
        if self.settings.sync_commands == "guild" and guild is not None:
            self.tree.copy_global_to(guild=guild)
            await self.tree.sync(guild=guild)
        elif self.settings.sync_commands == "global":
            await self.tree.sync()

    # -- where the bot answers ---------------------------------------------

    def text_for(self, message: discord.Message) -> str | None:
        """The text to answer, or ``None`` when this message is not for the bot."""
        if message.author.bot or self.user is None:
            return None
        if message.guild is None:
            return message.content
        if self.settings.guild_id and message.guild.id != self.settings.guild_id:
            return None
        if message.channel.id == self.settings.support_channel_id:
            return strip_mention(message.content, self.user.id)
        if self.user in message.mentions:
            return strip_mention(message.content, self.user.id)
        return None

    # -- the staff desk ---------------------------------------------------------

    def in_desk(self, channel: Any) -> bool:
        if self.desk is None or channel is None:
            return False
        return channel.id == self.desk.discord_channel_id or getattr(channel, "parent_id", None) == self.desk.discord_channel_id

    def is_staff(self, member: Any) -> bool:
        """Desk messages count only from members holding the staff role."""
        role = self.desk.discord_staff_role_id if self.desk else None
        return role is not None and any(r.id == role for r in getattr(member, "roles", []))

    def desk_event(self, channel: Any, member: Any, text: str | None = None, action: str | None = None) -> Event:
        thread = str(channel.id) if getattr(channel, "parent_id", None) == self.desk.discord_channel_id else None
        return Event(platform="discord", chat_id=str(self.desk.discord_channel_id), user_id=str(member.id),
                     display_name=member.display_name, text=text, action=action, thread=thread, from_desk=True)

    async def send_to(self, address: Address, replies: Reply | list[Reply]) -> None:
        """Send to a client's channel or a desk thread."""
        target = int(address.thread_id or address.chat_id.split(":")[0])
        channel = self.get_channel(target) or await self.fetch_channel(target)
        for reply in replies if isinstance(replies, list) else [replies]:
            parts = to_messages(reply)
            for n, part in enumerate(parts):
                extra: dict[str, Any] = {}
                if n == 0 and reply.file is not None and reply.file.data is not None:
                    extra["file"] = discord.File(io.BytesIO(reply.file.data), filename=reply.file.name)
                content = part.content
                if n == 0 and reply.file is not None and reply.file.data is None and reply.file.url:
                    content = f"{content}\n{reply.file.url}"
                await channel.send(content, view=part.view, allowed_mentions=ALLOWED_MENTIONS, **extra)

    async def open_thread(self, title: str) -> Address:
        """One thread per ticket in the staff channel."""
        channel = self.get_channel(self.desk.discord_channel_id) or await self.fetch_channel(self.desk.discord_channel_id)
        thread = await channel.create_thread(name=title[:100], type=discord.ChannelType.public_thread, auto_archive_duration=10080)
        return Address(platform="discord", chat_id=str(self.desk.discord_channel_id), thread_id=str(thread.id))

    async def on_message(self, message: discord.Message) -> None:
        if self.in_desk(message.channel):
            if not message.author.bot and self.is_staff(message.author):
                where = Address(platform="discord", chat_id=str(message.channel.id))
                await self.core.handle(self.desk_event(message.channel, message.author, text=message.content),
                                       lambda replies: self.send_to(where, replies))
            return
        text = self.text_for(message)
        if text is None:
            return

        async def deliver(replies: list[Reply]) -> None:
            reference = message if message.guild is not None else None
            for reply in replies:
                for part in to_messages(reply):
                    await message.channel.send(part.content, view=part.view, reference=reference, mention_author=False,
                                               allowed_mentions=ALLOWED_MENTIONS)
                    reference = None

        async with message.channel.typing():
            await self.core.handle(message_event(message, text), deliver)

    # -- interactions --------------------------------------------------------

    async def on_action(self, interaction: discord.Interaction, action: str) -> None:
        """A click on one of our buttons (also after a restart: see ActionButton)."""
        try:
            if self.in_desk(interaction.channel):
                if not self.is_staff(interaction.user):
                    await interaction.response.send_message(self.core.staff_only().text, ephemeral=True)
                    return
                event = self.desk_event(interaction.channel, interaction.user, action=action)
                await self.answer_interaction(interaction, event)
            elif action == FORM_ACTION:
                await self.open_form(interaction)
            else:
                await self.answer_interaction(interaction, interaction_event(interaction, action=action))
        except Exception as exc:  # noqa: BLE001 - dynamic items bypass View.on_error; this is their boundary
            await self.on_view_error(interaction, exc)

    async def on_form(self, interaction: discord.Interaction, values: dict[str, str]) -> None:
        """Answers from the booking form or a multiple-choice select menu."""
        try:
            await self.answer_interaction(interaction, interaction_event(interaction, form=values))
        except Exception as exc:  # noqa: BLE001 - same boundary as on_action
            await self.on_view_error(interaction, exc)

    async def open_form(self, interaction: discord.Interaction) -> None:
        """Show the booking form for the step the client is at, pre-filled from the core."""
        event = interaction_event(interaction, action=FORM_ACTION)
        prompt = self.core.pending_prompt(event.conversation_key)
        if prompt is None or not prompt.form:
            await self.answer_interaction(interaction, interaction_event(interaction, action="book:resume"))
            return
        await interaction.response.send_modal(BookingForm(prompt.form_label or "", prompt))

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Components that are not ours (or from an older bot) get a polite ephemeral note."""
        if interaction.type is not discord.InteractionType.component:
            return
        custom_id = (interaction.data or {}).get("custom_id", "")
        if not custom_id.startswith(PREFIX):
            await self.answer_interaction(interaction, interaction_event(interaction, action=custom_id or "?"))

    async def answer_interaction(self, interaction: discord.Interaction, event: Event) -> None:
        await self._acknowledged(interaction, self.core.handle(event, lambda replies: self._respond(interaction, replies)))

    async def _respond(self, interaction: discord.Interaction, replies: list[Reply]) -> None:
        """Replies go out as soon as the core has them, in turn order; the desk is told after."""
        ephemeral = all(r.kind is ReplyKind.NOTICE for r in replies)
        messages = [m for r in replies for m in to_messages(r)]
        if not messages and not interaction.response.is_done():  # nothing to say (relayed to staff, or a flood)
            if interaction.type is discord.InteractionType.component:
                await interaction.response.defer()
            else:
                await interaction.response.defer(ephemeral=True, thinking=True)
                await interaction.delete_original_response()
            return
        for message in messages:
            kwargs = {"ephemeral": ephemeral, "allowed_mentions": ALLOWED_MENTIONS}
            if message.view is not None:
                kwargs["view"] = message.view
            if not interaction.response.is_done():
                await interaction.response.send_message(message.content, **kwargs)
            else:
                await interaction.followup.send(message.content, **kwargs)

    async def _acknowledged(self, interaction: discord.Interaction, work: Awaitable[list[Reply]]) -> list[Reply]:
        """Run ``work``; if it is slow, defer first so Discord's 3-second window is kept."""
        task = asyncio.ensure_future(work)
        done, _ = await asyncio.wait({task}, timeout=ACK_WITHIN)
        if not done and not interaction.response.is_done():  # the replies may be out while the desk is still told
            await interaction.response.defer(thinking=True)
        return await task

    # -- error hooks: log, then answer neutrally -----------------------------

    async def on_error(self, event_method: str, *args: Any, **kwargs: Any) -> None:
        log.exception("error in Discord event %s", event_method)
        message = args[0] if args and isinstance(args[0], discord.Message) else None
        if message is not None and self.text_for(message) is not None:
            await self._apologise(lambda text: message.channel.send(text, allowed_mentions=ALLOWED_MENTIONS))

    async def on_app_command_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        log.error("error in slash command", exc_info=error)
        await self._apologise_interaction(interaction)

    async def on_view_error(self, interaction: discord.Interaction, error: Exception) -> None:
        log.error("error in a button callback", exc_info=error)
        await self._apologise_interaction(interaction)

    async def _apologise_interaction(self, interaction: discord.Interaction) -> None:
        if interaction.response.is_done():
            await self._apologise(lambda text: interaction.followup.send(text, ephemeral=True))
        else:
            await self._apologise(lambda text: interaction.response.send_message(text, ephemeral=True))

    async def _apologise(self, send) -> None:
        try:
            await send(self.core.apology().text)
        except Exception:  # noqa: BLE001 - the apology itself failing must not loop
            log.exception("could not send the apology")


class DiscordBot:
    """Runs a :class:`ClinicClient` next to the other platforms in one event loop."""

    def __init__(self, core: Core, token: str, settings: DiscordSettings, desk: DeskSettings | None = None) -> None:
        self.client = ClinicClient(core, settings, desk)
        self.token = token
        self._gateway: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Log in (fails fast on a rejected token), then keep the gateway connected in the background."""
        await self.client.login(self.token)
        self._gateway = asyncio.create_task(self.client.connect(reconnect=True), name="discord-gateway")

    async def stop(self) -> None:
        await self.client.close()
        if self._gateway is not None:
            try:
                await self._gateway
            except Exception:  # noqa: BLE001 - shutting down; the gateway's last error is only logged
                log.exception("Discord gateway stopped with an error")
