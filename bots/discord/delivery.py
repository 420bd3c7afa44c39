"""Where the core's replies land on Discord, and how.

The rule users expect: nothing personal where other members can read it. In a
server channel, a reply that is personal (booking, a ticket, health, privacy)
goes to the client's DMs, with a public one-line pointer under their message;
answered through an interaction it is ephemeral instead. A client's conversation
(and any ticket) is their DM channel, so staff replies reach them privately and
notify them, as in Modmail. Files staff post reach the client uploaded, or linked
when too large; one that cannot be delivered is reported under the staff message.
"""

from __future__ import annotations

import io
import logging
from typing import Any

import discord

from bots.discord.convert import ALLOWED_MENTIONS, OutgoingMessage, to_messages
from core.events import Address, Attachment, Reply, ReplyKind
from core.outbox import Unreachable

log = logging.getLogger(__name__)

NOT_DELIVERED = "⚠️ Not delivered to the client: {reason}"
TOO_LARGE = 413
TOO_LARGE_CODE = 40005
CANNOT_DM = 50007


class Delivery:
    def __init__(self, client: discord.Client) -> None:
        self.client = client

    async def channel(self, address: Address) -> discord.abc.Messageable:
        """A desk thread, a client's DM channel, or (for conversations stored before clients were
        keyed by their DMs, as ``channel:user``) that user's DMs, never the shared channel. Sending
        needs only the id, so nothing is fetched."""
        _, _, user = address.chat_id.partition(":")
        if user and not address.thread_id:
            return await self.client.create_dm(discord.Object(int(user)))
        target = int(address.thread_id or address.chat_id)
        return self.client.get_channel(target) or self.client.get_partial_messageable(target)

    async def send_to(self, address: Address, replies: Reply | list[Reply]) -> None:
        """The outbox's way in: a client's DMs or a desk thread. A client who no longer accepts
        our DMs is reported as unreachable, so their ticket is closed."""
        try:
            await self.send(await self.channel(address), replies if isinstance(replies, list) else [replies])
        except discord.Forbidden as exc:
            if exc.code == CANNOT_DM:
                raise Unreachable(f"discord DM refused: {exc.text}") from exc
            raise

    async def send(self, channel: Any, replies: list[Reply], reference: discord.Message | None = None) -> None:
        for reply in replies:
            for n, part in enumerate(to_messages(reply)):
                if n == 0 and reply.file is not None:
                    await self._send_with_file(channel, part, reply.file, reference)
                else:
                    await self._post(channel, part, reference)
                reference = None

    async def in_channel(self, message: discord.Message, dm_channel: int, replies: list[Reply], pointer: str, closed: str) -> None:
        """Replies to a message in a server channel: public ones under it, personal ones in DMs
        with ``pointer`` under it (``closed`` when the client does not accept DMs)."""
        public = [r for r in replies if not r.personal]
        personal = [r for r in replies if r.personal]
        await self.send(message.channel, public, reference=message)
        if not personal:
            return
        try:
            await self.send(await self.channel(Address(platform="discord", chat_id=str(dm_channel))), personal)
        except discord.Forbidden as exc:
            if exc.code != CANNOT_DM:
                raise
            log.info("a client in a server channel does not accept DMs; told to use commands there")
            pointer = closed
        await self.send(message.channel, [Reply(kind=ReplyKind.NOTICE, text=pointer)], reference=message if not public else None)

    async def _post(self, channel: Any, part: OutgoingMessage, reference: discord.Message | None, **extra: Any) -> discord.Message:
        options: dict[str, Any] = {"allowed_mentions": part.mentions, **extra}
        if part.view is not None:
            options["view"] = part.view
        if reference is not None:
            options.update(reference=reference, mention_author=False)
        return await channel.send(part.content, **options)

    async def _send_with_file(self, channel: Any, part: OutgoingMessage, file: Attachment, reference: discord.Message | None) -> None:
        """Uploaded when there is a copy; linked when Discord finds it too large or there is only a link."""
        if file.data is not None:
            try:
                await self._post(channel, part, reference, file=discord.File(io.BytesIO(file.data), filename=file.name))
                return
            except discord.Forbidden:
                raise
            except discord.HTTPException as exc:
                too_large = exc.status == TOO_LARGE or exc.code == TOO_LARGE_CODE
                if not (too_large and file.url):
                    await self._post(channel, part, reference)
                    await self._not_delivered(file, exc.text or f"Discord refused the file ({exc.status})")
                    return
        if file.url:
            part = OutgoingMessage(f"{part.content}\n{file.url}", part.view, part.mentions)
        await self._post(channel, part, reference)

    async def _not_delivered(self, file: Attachment, reason: str) -> None:
        """Said under the staff member's message, so they know to send it another way."""
        if file.source_platform != "discord" or not (file.source_chat and file.source_message):
            log.warning("a %s could not be delivered", file.kind)
            return
        thread = await self.channel(Address(platform="discord", chat_id=file.source_chat))
        where = discord.MessageReference(message_id=int(file.source_message), channel_id=int(file.source_chat), fail_if_not_exists=False)
        await thread.send(NOT_DELIVERED.format(reason=reason), reference=where, mention_author=False, allowed_mentions=ALLOWED_MENTIONS)
