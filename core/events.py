"""The neutral messages that cross the boundary between adapters and the core.

They are frozen so that an adapter can never mutate what the core decided, and
plain strings for ids so that Telegram's ints and Discord's snowflakes look alike.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

MAX_ACTION_BYTES = 64
"""Telegram's callback_data limit; Discord's custom_id (100 chars) is looser."""
MAX_DISPLAY_NAME = 64
"""Longer names are cut: a platform name is the client's to choose, and it is echoed in greetings and desk cards."""


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Attachment(Frozen):
    """A client's photo or document, carried so staff can see it in their desk."""

    kind: str
    name: str = "file"
    url: str | None = None
    data: bytes | None = Field(default=None, repr=False)
    source_platform: str | None = None
    source_chat: str | None = None
    source_message: str | None = None


class Event(Frozen):
    """Something a client did: sent text, pressed a button, or sent something else."""

    platform: str
    chat_id: str
    user_id: str
    display_name: str = ""
    text: str | None = None
    action: str | None = None
    media_kind: str | None = Field(default=None, description="What the client sent instead of (or with) text: photo, sticker, voice...")
    message_id: str | None = None
    media_file: Attachment | None = Field(
        default=None, description="That photo or document itself, where the adapter fetched it for the staff desk."
    )
    from_desk: bool = Field(default=False, description="Sent by staff in the configured staff desk; set only by adapters that checked it.")
    thread: str | None = Field(default=None, description="Desk thread (forum topic, Discord thread) the message is in.")
    form: dict[str, str] | None = Field(default=None, description="Several answers at once, e.g. from a Discord modal or select menu.")
    channel: str | None = Field(
        default=None,
        description="A shared channel the event came from (a Discord server channel); chat_id stays the "
        "client's private chat, where anything personal is sent.",
    )
    locale: str | None = Field(
        default=None, description="The language the client's app is set to (e.g. 'es', 'es-MX'), where the platform says."
    )

    @field_validator("display_name")
    @classmethod
    def _cap_display_name(cls, value: str) -> str:
        return value[:MAX_DISPLAY_NAME]

    @property
    def conversation_key(self) -> str:
        """Stable storage key: one conversation per platform chat."""
        return f"{self.platform}:{self.chat_id}"


class ReplyKind(StrEnum):
    ANSWER = "answer"
    CLARIFY = "clarify"
    FALLBACK = "fallback"
    BOOKING = "booking"
    HUMAN = "human"
    MEDICAL = "medical"
    URGENT = "urgent"
    SMALLTALK = "smalltalk"
    MENU = "menu"
    CLINIC = "clinic"
    """A clinic detail (price, address, hours, phone), never a microneedling answer."""
    NOTICE = "notice"


PERSONAL = frozenset({ReplyKind.BOOKING, ReplyKind.HUMAN, ReplyKind.MEDICAL, ReplyKind.URGENT, ReplyKind.NOTICE})
"""Notices included: privacy answers, forget confirmations and receipts are about the client."""


class Button(Frozen):
    """A next step offered to the client: either an action for the core or a link."""

    label: str
    action: str | None = None
    url: str | None = None
    checked: bool = False
    """An option already picked in a multiple choice; each platform shows it its own way."""

    @field_validator("action")
    @classmethod
    def _fits_platform_limits(cls, value: str | None) -> str | None:
        if value is not None and len(value.encode()) > MAX_ACTION_BYTES:
            raise ValueError(f"action id longer than {MAX_ACTION_BYTES} bytes: {value!r}")
        return value


class FormField(Frozen):
    name: str
    label: str
    value: str = ""
    max_length: int = 200
    required: bool = True


class Prompt(Frozen):
    """What a multi-step flow expects next, so each platform can ask for it natively
    (Telegram's contact button, a Discord modal or select menu)."""

    field: str
    kind: Literal["text", "contact", "choice", "multi", "consent", "summary"]
    options: tuple[Button, ...] = ()
    selected: tuple[str, ...] = ()
    form: tuple[FormField, ...] = ()
    """The text fields of this flow, pre-filled, for platforms that show a form."""
    form_label: str | None = None
    """Label of the button that opens that form."""
    form_action: str | None = None
    """The action that button stands for, also sent when a platform cannot show the form."""


class ThreadMark(Frozen):
    """A ticket's state for its desk thread to show (a closed or urgent forum topic), with the
    thread's plain title; desks that cannot show a state ignore it."""

    state: Literal["open", "urgent", "closed"]
    title: str


class Reply(Frozen):
    """One message to show the client, in the core's small Markdown subset.

    Supported markup: ``**bold**``, ``_italic_``, and lines starting with ``- ``.
    ``topic`` and ``confidence`` say why the core chose this reply, for tools and logs.
    """

    kind: ReplyKind
    text: str
    buttons: tuple[Button, ...] = ()
    topic: str | None = None
    confidence: float | None = None
    prompt: Prompt | None = None
    file: Attachment | None = None
    thread_mark: ThreadMark | None = None
    """Set on a message to a ticket's desk thread when the ticket opens urgent, closes or reopens."""
    alert: str | None = None
    """Whom this desk message must alert (``[handoff] on_call``, also written in the text), for
    platforms where a mention pings only when it is explicitly allowed."""

    @property
    def personal(self) -> bool:
        """About the client themselves (booking, a ticket, their health, their data): never shown
        where other people can read it."""
        return self.kind in PERSONAL


class Address(Frozen):
    """Where an outbound message goes when it is not a reply to the current event."""

    platform: str
    chat_id: str
    thread_id: str | None = None
