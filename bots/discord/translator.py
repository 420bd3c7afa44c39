"""Spanish names and descriptions for the Discord slash commands.

Discord shows each client the command list in their app's language, from the
localizations sent when commands are synced. discord.py asks a ``Translator``
for every name and description; this one answers from the core's command list
in each language the content is translated into, so staff edit the Spanish
descriptions in ``content/es/messages.yaml`` like every other text.
"""

from __future__ import annotations

import discord
from discord import app_commands

from core.conversation.commands import CLIENT, named
from core.conversation.engine import Core


class CommandTranslator(app_commands.Translator):
    def __init__(self, core: Core) -> None:
        self.core = core

    async def translate(
        self, string: app_commands.locale_str, locale: discord.Locale, context: app_commands.TranslationContextTypes
    ) -> str | None:
        language = locale.value.split("-")[0]
        command = context.data
        if language not in self.core.languages()[1:] or not isinstance(command, app_commands.Command):
            return None
        client_command = named(command.name, CLIENT)
        if client_command is None:
            return None
        name = client_command.name_in(language)
        if context.location is app_commands.TranslationContextLocation.command_name:
            return name if name != command.name else None
        if context.location is app_commands.TranslationContextLocation.command_description:
            description = self.core.commands(language).get(name)
            return description[:100] if description else None
        return None
