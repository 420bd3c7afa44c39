"""Slash commands: the client's everywhere (DMs first), the staff's in the desk only.

Client commands are the core's command list, published globally so they work in
DMs, the private place to talk, as well as in the server. Staff commands go to the
server, hidden from members by default permissions (a server admin grants the staff
role under Server Settings → Integrations) and checked for the staff role in the
desk, so a member who can see one still cannot use it. Typed in a ticket thread,
the same commands keep working as messages.
"""

from __future__ import annotations

import discord
from discord import app_commands

from core.conversation.commands import desk_commands
from core.settings import DiscordSettings

EVERYWHERE = app_commands.AppCommandContext(guild=True, dm_channel=True, private_channel=False)
SERVER_ONLY = app_commands.AppCommandContext(guild=True, dm_channel=False, private_channel=False)
INSTALLED_IN_SERVER = app_commands.AppInstallationType(guild=True, user=False)


def client_commands(client: discord.Client, commands: dict[str, str], options: dict[str, str]) -> list[app_commands.Command]:
    """One slash command per core command; each is the typed command handed to the core.
    ``options`` names the commands that read text after them, with what to type there."""

    def command(name: str, description: str) -> app_commands.Command:
        if name in options:

            @app_commands.describe(question=options[name][:100])
            async def with_text(interaction: discord.Interaction, question: str) -> None:
                await client.on_client_command(interaction, f"/{name} {question}")

            callback = with_text
        else:

            async def callback(interaction: discord.Interaction) -> None:
                await client.on_client_command(interaction, f"/{name}")

        return app_commands.Command(
            name=name, description=description[:100], callback=callback, allowed_contexts=EVERYWHERE, allowed_installs=INSTALLED_IN_SERVER
        )

    return [command(name, description) for name, description in commands.items()]


def staff_commands(client: discord.Client) -> list[app_commands.Command]:
    """The desk commands of the core's registry, each the typed command handed to the core as staff.
    /help is left out: Discord's command picker already lists each one with its help line."""

    @app_commands.describe(text="The note, kept with the ticket")
    async def note(interaction: discord.Interaction, text: str) -> None:
        await client.on_staff_command(interaction, f"/note {text}")

    @app_commands.describe(ticket="The ticket's number", text="What to send the client")
    async def reply(interaction: discord.Interaction, ticket: app_commands.Range[int, 1], text: str) -> None:
        await client.on_staff_command(interaction, f"/reply {ticket} {text}")

    def plain(name: str):
        async def callback(interaction: discord.Interaction) -> None:
            await client.on_staff_command(interaction, f"/{name}")

        return callback

    callbacks = {"note": note, "reply": reply}
    commands = []
    for desk in sorted(desk_commands(), key=lambda c: (not c.in_ticket, c.is_async)):  # ticket commands, lists, then reload
        if desk.name == "help":
            continue
        command = app_commands.Command(
            name=desk.name,
            description=desk.summary.capitalize()[:100],
            callback=callbacks.get(desk.name) or plain(desk.name),
            allowed_contexts=SERVER_ONLY,
            allowed_installs=INSTALLED_IN_SERVER,
        )
        command.default_permissions = discord.Permissions.none()
        command.add_check(client.staff_in_desk)
        commands.append(command)
    return commands


def register(
    tree: app_commands.CommandTree, settings: DiscordSettings, clients: list[app_commands.Command], staff: list[app_commands.Command]
) -> None:
    """Client commands globally; staff commands to the clinic's server ("guild", the default)
    or, with "global", everywhere but only usable in servers."""
    guild = discord.Object(settings.guild_id) if settings.guild_id and settings.sync_commands == "guild" else None
    for command in clients:
        tree.add_command(command)
    for command in staff:
        tree.add_command(command, guild=guild)


async def publish(tree: app_commands.CommandTree, settings: DiscordSettings) -> None:
    """Syncing the server as well clears the copies of client commands that earlier versions
    published there, which would show twice."""
    if settings.sync_commands == "off":
        return
    await tree.sync()
    if settings.guild_id:
        await tree.sync(guild=discord.Object(settings.guild_id))
