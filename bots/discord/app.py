"""Discord lifecycle wiring: intents, where the bot listens, interactions, error hooks.

The client decides only *where* it answers (DMs, the support channel, mentions,
the staff desk) and *how* a reply is delivered (see delivery); what is said comes
from the core.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any

import discord
from discord import app_commands

from bots.discord.commands import client_commands, publish, register, staff_commands
from bots.discord.components import FORM, PREFIX, ActionButton, ChoiceSelect, FormButton, booking_form, used
from bots.discord.convert import (
    ALLOWED_MENTIONS,
    PLATFORM,
    file_kind,
    form_values,
    interaction_event,
    is_from_a_person,
    message_event,
    strip_mention,
    to_messages,
)
from bots.discord.delivery import Delivery
from bots.discord.translator import CommandTranslator
from core.conversation.engine import Core
from core.events import Address, Attachment, Event, Reply, ReplyKind
from core.settings import DeskSettings, DiscordSettings
from core.understanding.text import escape_markdown

log = logging.getLogger(__name__)

ACK_WITHIN = 2.0
"""Discord wants an interaction acknowledged within 3 s; past this we defer first."""
DOWNLOAD_LIMIT = 8 * 1024 * 1024
"""Staff files up to this size are uploaded to the client (every Discord DM and Telegram accepts
them); larger ones are linked."""
SETTLING = (discord.InteractionType.component, discord.InteractionType.modal_submit)


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
        self.delivery = Delivery(self)
        self.tree = app_commands.CommandTree(self)
        self.tree.on_error = self.on_app_command_error
        clients = client_commands(self, core.commands(), core.command_options())
        register(self.tree, settings, clients, staff_commands(self) if self.desk else [])

    async def setup_hook(self) -> None:
        self.add_dynamic_items(ActionButton, FormButton, ChoiceSelect)
        await self.tree.set_translator(CommandTranslator(self.core))
        await publish(self.tree, self.settings)

    # -- clients ---------------------------------------------------------------

    def text_for(self, message: discord.Message) -> str | None:
        """The text to answer, or ``None`` when this message is not for the bot."""
        if not is_from_a_person(message) or self.user is None:
            return None
        if message.guild is None:
            return message.content
        if self.settings.guild_id and message.guild.id != self.settings.guild_id:
            return None
        if message.channel.id == self.settings.support_channel_id or self.user in message.mentions:
            return strip_mention(message.content, self.user.id)
        return None

    async def dm_of(self, user: discord.abc.User) -> int:
        """A client's conversation is their DM channel, wherever they write from."""
        return (await self.create_dm(user)).id

    async def on_message(self, message: discord.Message) -> None:
        if self.in_desk(message.channel):
            if is_from_a_person(message) and self.is_staff(message.author):
                await self.on_staff_message(message)
            return
        text = self.text_for(message)
        if text is None:
            return
        if message.guild is None:
            chat = message.channel.id

            async def deliver(replies: list[Reply]) -> None:
                await self.delivery.send(message.channel, replies)
        else:
            chat = await self.dm_of(message.author)
            words = self.core.knowledge.library.messages

            async def deliver(replies: list[Reply]) -> None:
                await self.delivery.in_channel(message, chat, replies, words.moved_to_dm, words.dm_closed)

        async with message.channel.typing():
            await self.core.handle(message_event(message, text, chat), deliver)

    async def client_event(self, interaction: discord.Interaction, **what: Any) -> Event:
        chat = interaction.channel_id if interaction.guild_id is None else await self.dm_of(interaction.user)
        return interaction_event(interaction, chat or 0, **what)

    # -- the staff desk ----------------------------------------------------------

    def in_desk(self, channel: Any) -> bool:
        if self.desk is None or channel is None:
            return False
        return channel.id == self.desk.discord_channel_id or getattr(channel, "parent_id", None) == self.desk.discord_channel_id

    def is_staff(self, member: Any) -> bool:
        """Desk messages count only from members holding the staff role."""
        role = self.desk.discord_staff_role_id if self.desk else None
        return role is not None and any(r.id == role for r in getattr(member, "roles", []))

    async def staff_in_desk(self, interaction: discord.Interaction) -> bool:
        """The check on every staff command: in the desk, by a member with the staff role."""
        return self.in_desk(interaction.channel) and self.is_staff(interaction.user)

    def desk_event(
        self, channel: Any, member: Any, text: str | None = None, action: str | None = None, file: Attachment | None = None
    ) -> Event:
        thread = str(channel.id) if getattr(channel, "parent_id", None) == self.desk.discord_channel_id else None
        return Event(
            platform=PLATFORM,
            chat_id=str(self.desk.discord_channel_id),
            user_id=str(member.id),
            display_name=member.display_name,
            text=text,
            action=action,
            thread=thread,
            from_desk=True,
            media_file=file,
        )

    async def on_staff_message(self, message: discord.Message) -> None:
        """Staff text and files; each extra file goes to the client as its own signed message."""
        files = await staff_files(message)
        if not message.content.strip() and not files:
            return
        first = self.desk_event(message.channel, message.author, text=message.content, file=files[0] if files else None)
        for event in [first, *(self.desk_event(message.channel, message.author, text="", file=f) for f in files[1:])]:
            await self.core.handle(event, lambda replies: self.delivery.send(message.channel, replies))

    async def on_staff_command(self, interaction: discord.Interaction, text: str) -> None:
        """A staff slash command is the typed command; one that only relays is echoed in the thread."""
        event = self.desk_event(interaction.channel, interaction.user, text=text)
        echo = Reply(kind=ReplyKind.NOTICE, text=escape_markdown(text))
        await self._acknowledged(interaction, self.core.handle(event, lambda replies: self.respond(interaction, replies or [echo])))

    async def send_to(self, address: Address, replies: Reply | list[Reply]) -> None:
        await self.delivery.send_to(address, replies)

    async def open_thread(self, title: str) -> Address:
        """One thread per ticket in the staff channel."""
        channel = self.get_channel(self.desk.discord_channel_id) or await self.fetch_channel(self.desk.discord_channel_id)
        thread = await channel.create_thread(name=title[:100], type=discord.ChannelType.public_thread, auto_archive_duration=10080)
        return Address(platform=PLATFORM, chat_id=str(self.desk.discord_channel_id), thread_id=str(thread.id))

    # -- interactions --------------------------------------------------------

    async def on_client_command(self, interaction: discord.Interaction, text: str) -> None:
        await self.answer(interaction, await self.client_event(interaction, text=text))

    async def on_action(self, interaction: discord.Interaction, action: str) -> None:
        """A click on one of our buttons (also after a restart: see ActionButton)."""
        try:
            if not self.in_desk(interaction.channel):
                await self.answer(interaction, await self.client_event(interaction, action=action))
            elif self.is_staff(interaction.user):
                await self.answer(interaction, self.desk_event(interaction.channel, interaction.user, action=action))
            else:
                await interaction.response.send_message(self.core.staff_only().text, ephemeral=True)
        except Exception as exc:  # noqa: BLE001 - dynamic items bypass View.on_error; this is their boundary
            await self.on_view_error(interaction, exc)

    async def on_form(self, interaction: discord.Interaction, values: dict[str, str]) -> None:
        """Answers from a form or a multiple-choice select menu, applied to the stored draft."""
        try:
            await self.answer(interaction, await self.client_event(interaction, form=values))
        except Exception as exc:  # noqa: BLE001 - same boundary as on_action
            await self.on_view_error(interaction, exc)

    async def open_form(self, interaction: discord.Interaction, action: str) -> None:
        """The form for the step the client is at, pre-filled from the core; without one (the
        booking ended meanwhile) the core answers the button's action."""
        try:
            event = await self.client_event(interaction, action=action)
            prompt = self.core.pending_prompt(event.conversation_key)
            if prompt is not None and prompt.form:
                await interaction.response.send_modal(booking_form(prompt))
            else:
                await self.answer(interaction, event)
        except Exception as exc:  # noqa: BLE001 - same boundary as on_action
            await self.on_view_error(interaction, exc)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Form submits are read here, from their custom ids, so they outlive a restart; components
        that are not ours (or from an older bot) get a polite note."""
        custom_id = (interaction.data or {}).get("custom_id", "")
        if interaction.type is discord.InteractionType.modal_submit and custom_id.startswith(FORM):
            await self.on_form(interaction, form_values(interaction.data))
        elif interaction.type is discord.InteractionType.component and not custom_id.startswith(PREFIX):
            await self.on_action(interaction, custom_id or "?")

    async def answer(self, interaction: discord.Interaction, event: Event) -> None:
        """Hand the event to the core; a click that moved the client's flow on (or ended it)
        also disables the clicked message's components."""
        before = None if event.from_desk else self.core.pending_prompt(event.conversation_key)

        async def deliver(replies: list[Reply]) -> None:
            after = self.core.pending_prompt(event.conversation_key) if before is not None else None
            moved_on = before is not None and (after is None or after.field != before.field)
            settle = moved_on and interaction.type in SETTLING and interaction.message is not None
            custom_id = (interaction.data or {}).get("custom_id", "")
            await self.respond(interaction, replies, used(interaction.message, custom_id) if settle else None)

        await self._acknowledged(interaction, self.core.handle(event, deliver))

    def hidden(self, interaction: discord.Interaction, replies: list[Reply]) -> list[bool]:
        """Which replies only the client may see: in a server channel anything personal; in DMs
        a lone notice (a receipt, an outdated button); at the desk nothing."""
        if self.in_desk(interaction.channel):
            return [False] * len(replies)
        if interaction.guild_id is not None:
            return [r.personal for r in replies]
        notices = all(r.kind is ReplyKind.NOTICE for r in replies)
        return [notices] * len(replies)

    async def respond(self, interaction: discord.Interaction, replies: list[Reply], settle: discord.ui.View | None = None) -> None:
        """Replies go out as soon as the core has them, in turn order; the desk is told after."""
        if settle is not None and interaction.response.is_done():
            await interaction.edit_original_response(view=settle)
        elif settle is not None:
            await interaction.response.edit_message(view=settle)
        sends = [(m, hide) for r, hide in zip(replies, self.hidden(interaction, replies), strict=True) for m in to_messages(r)]
        if not sends and not interaction.response.is_done():  # nothing to say (relayed to staff, or a flood)
            if interaction.type in SETTLING:
                await interaction.response.defer()
            else:
                await interaction.response.defer(ephemeral=True, thinking=True)
                await interaction.delete_original_response()
            return
        for message, ephemeral in sends:
            options: dict[str, Any] = {"ephemeral": ephemeral, "allowed_mentions": message.mentions}
            if message.view is not None:
                options["view"] = message.view
            if not interaction.response.is_done():
                await interaction.response.send_message(message.content, **options)
            else:
                await interaction.followup.send(message.content, **options)

    async def _acknowledged(self, interaction: discord.Interaction, work: Awaitable[list[Reply]]) -> list[Reply]:
        """Run ``work``; if it is slow, defer first so Discord's 3-second window is kept (privately
        in a server channel, where what follows may be personal)."""
        task = asyncio.ensure_future(work)
        done, _ = await asyncio.wait({task}, timeout=ACK_WITHIN)
        if not done and not interaction.response.is_done():  # the replies may be out while the desk is still told
            if interaction.type in SETTLING:
                await interaction.response.defer()
            else:
                in_server = interaction.guild_id is not None and not self.in_desk(interaction.channel)
                await interaction.response.defer(thinking=True, ephemeral=in_server)
        return await task

    # -- error hooks: log, then answer neutrally -----------------------------

    async def on_error(self, event_method: str, *args: Any, **kwargs: Any) -> None:
        log.exception("error in Discord event %s", event_method)
        message = args[0] if args and isinstance(args[0], discord.Message) else None
        if message is not None and self.text_for(message) is not None:
            await self._apologise(lambda text: message.channel.send(text, allowed_mentions=ALLOWED_MENTIONS))

    async def on_app_command_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        """An unknown or outdated command gets the current list; a staff command used by anyone
        else gets a private refusal; anything else is a fault."""
        if isinstance(error, (app_commands.CommandNotFound, app_commands.CommandSignatureMismatch)):
            log.info("an unknown or outdated slash command: answered with the help")
            await self.answer(interaction, await self.client_event(interaction, text="/help"))
        elif isinstance(error, app_commands.CheckFailure):
            await interaction.response.send_message(self.core.staff_only().text, ephemeral=True)
        else:
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
        except Exception:  # the apology itself failing must not loop
            log.exception("could not send the apology")


async def staff_files(message: discord.Message) -> list[Attachment]:
    """A staff member's files, with a copy when small enough to upload to the client; larger
    ones (or one Discord would not hand over) are sent as a link."""
    files = []
    for attachment in message.attachments:
        data = None
        if attachment.size <= DOWNLOAD_LIMIT:
            try:
                data = await attachment.read()
            except discord.HTTPException:
                log.warning("could not download a staff %s; sending its link instead", file_kind(attachment))
        files.append(
            Attachment(
                kind=file_kind(attachment),
                name=attachment.filename,
                url=attachment.url,
                data=data,
                source_platform=PLATFORM,
                source_chat=str(message.channel.id),
                source_message=str(message.id),
            )
        )
    return files


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
            except Exception:  # shutting down; the gateway's last error is only logged
                log.exception("Discord gateway stopped with an error")
