"""Buttons, select menus and forms that keep working after a restart.

Every custom id carries what its click or submit needs: a button the core's action
id, a select menu how to read its picks, a form's text inputs their field names.
Nothing is kept in live View or Modal objects, so a form opened before a restart
(or more than ten minutes ago) is still read on submit, against the draft the
core has stored.
"""

from __future__ import annotations

import re

import discord

from core.events import Prompt, Reply

PREFIX = "mn:"
SELECT = f"{PREFIX}sel:"
FORM = f"{PREFIX}form:"
MAX_FORM_FIELDS = 5


class ActionButton(discord.ui.DynamicItem[discord.ui.Button], template=re.escape(PREFIX) + r"(?!sel:|form:)(?P<action>.*)"):
    """A button carrying a core action id; rebuilt from its custom id on every click."""

    def __init__(self, action: str, label: str = "…") -> None:
        super().__init__(discord.ui.Button(label=label[:80], custom_id=f"{PREFIX}{action}"[:100], style=discord.ButtonStyle.secondary))
        self.action = action

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]) -> ActionButton:
        return cls(match["action"], item.label or "…")

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.client.on_action(interaction, self.action)


class FormButton(discord.ui.DynamicItem[discord.ui.Button], template=re.escape(FORM) + r"(?P<action>.+)"):
    """Opens the form for the step the client is at; the core's action for it is the fallback."""

    def __init__(self, action: str, label: str = "…") -> None:
        super().__init__(discord.ui.Button(label=label[:80], custom_id=f"{FORM}{action}"[:100], style=discord.ButtonStyle.primary))
        self.action = action

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]) -> FormButton:
        return cls(match["action"], item.label or "…")

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.client.open_form(interaction, self.action)


class ChoiceSelect(discord.ui.DynamicItem[discord.ui.Select], template=re.escape(SELECT) + r"(?P<mode>one|multi):(?P<field>\w+)"):
    """A select menu for a flow's choices; its custom id says how to read the picks."""

    def __init__(self, mode: str, field: str, options: list[discord.SelectOption] | None = None) -> None:
        options = options or [discord.SelectOption(label="…", value="…")]
        super().__init__(
            discord.ui.Select(
                custom_id=f"{SELECT}{mode}:{field}",
                options=options,
                min_values=0 if mode == "multi" else 1,
                max_values=len(options) if mode == "multi" else 1,
            )
        )
        self.mode, self.field = mode, field

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Select, match: re.Match[str]) -> ChoiceSelect:
        return cls(match["mode"], match["field"], list(item.options))

    async def callback(self, interaction: discord.Interaction) -> None:
        values = self.item.values
        if self.mode == "multi":
            await interaction.client.on_form(interaction, {self.field: "|".join(values)})
        else:
            await interaction.client.on_action(interaction, values[0])


def booking_form(prompt: Prompt) -> discord.ui.Modal:
    """The flow's text fields in one form, pre-filled with what was already given. It is only a
    payload: stopped before it is sent, so discord.py keeps no object that a restart or its
    timeout would lose; the submit is read from its custom ids (see ``form_values``)."""
    form = discord.ui.Modal(title=(prompt.form_label or "…")[:45], custom_id=f"{FORM}{prompt.field}"[:100], timeout=None)
    for field in prompt.form[:MAX_FORM_FIELDS]:
        form.add_item(
            discord.ui.TextInput(
                label=field.label[:45],
                custom_id=field.name,
                default=field.value or None,
                required=field.required,
                max_length=min(field.max_length, 4000),
            )
        )
    form.stop()
    return form


def view_for(reply: Reply) -> discord.ui.View | None:
    """Buttons, plus what the flow's prompt needs: a form button, or a select menu for choices."""
    prompt = reply.prompt
    if not reply.buttons and prompt is None:
        return None
    view = discord.ui.View(timeout=None)
    buttons = list(reply.buttons)
    if prompt is not None and prompt.form and prompt.form_action:
        view.add_item(FormButton(prompt.form_action, prompt.form_label or prompt.form_action))
    if prompt is not None and prompt.kind in ("choice", "multi") and prompt.options:
        mode = "multi" if prompt.kind == "multi" else "one"
        options = [discord.SelectOption(label=o.label[:100], value=o.action or "", default=o.checked) for o in prompt.options[:25]]
        view.add_item(ChoiceSelect(mode, prompt.field, options))
        buttons = [b for b in buttons if b not in prompt.options]
    for button in buttons[:20]:
        if button.url:
            view.add_item(discord.ui.Button(label=button.label[:80], url=button.url))
        else:
            view.add_item(ActionButton(button.action or "", button.label))
    return view


def used(message: discord.Message, pressed: str) -> discord.ui.View:
    """The clicked message's components once they have done their job: disabled, the pick
    highlighted, so an old step cannot be answered again."""
    view = discord.ui.View.from_message(message, timeout=None)
    for item in view.children:
        item.disabled = True
        if isinstance(item, discord.ui.Button) and item.custom_id == pressed:
            item.style = discord.ButtonStyle.success
    view.stop()
    return view
