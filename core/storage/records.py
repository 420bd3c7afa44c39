"""What the bot remembers, as typed records. Storage persists them; the core owns their meaning."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

TRANSCRIPT_TURNS = 20
TURN_CHARS = 500


def stamp(moment: datetime) -> str:
    """A time as records store it: UTC ISO text, which sorts in time order, so cutoffs compare without parsing."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def explain(exc: Exception) -> str:
    """What is wrong with a stored record, field by field, in one line."""
    if isinstance(exc, ValidationError):
        return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'record'}: {e['msg']}" for e in exc.errors())
    return str(exc)


class Record(BaseModel):
    model_config = ConfigDict(extra="ignore")


class TranscriptLine(Record):
    """One line of a stored transcript: who said it, what, and when."""

    role: Literal["client", "bot", "staff"]
    text: str
    at: datetime


class Draft(Record):
    """A booking in progress: the step reached and what was collected so far."""

    step: str = "name"
    name: str = ""
    contact: str = ""
    contact_kind: str = ""
    times: str = ""
    concerns: list[str] = []
    concerns_done: bool = False
    other: str = ""
    consent: bool = False
    editing: bool = False
    updating: str | None = None
    started_at: datetime
    updated_at: datetime


class BookingRequest(Record):
    """A confirmed consultation request, as staff see it. Frozen, because storage keeps the
    very instances it hands out (changes are saved as copies)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    ref: str
    conversation: str
    platform: str
    chat_id: str
    user_id: str = ""
    name: str
    contact: str
    contact_kind: str
    times: str
    concerns: list[str]
    other: str = ""
    consent: bool
    created_at: datetime
    updated_at: datetime
    status: str = "new"
    language: str = "en"
    """The language the client booked in, so staff know which to call back in."""

    @field_validator("created_at", "updated_at")
    @classmethod
    def _shared_utc(cls, value: datetime) -> datetime:
        """Parsed times each get their own time-zone object; storage keeps a year of requests in
        memory, and sharing the one UTC object spares the garbage collector two objects a request."""
        return value.astimezone(UTC) if value.tzinfo is not None else value


class Ticket(Record):
    """A client handed to staff. It also holds the desk thread it is discussed in, so
    the mapping never has to be parsed back out of message text."""

    id: int
    client: str
    platform: str
    chat_id: str
    user_id: str = ""
    display_name: str = ""
    reason: Literal["asked", "fallback", "medical", "urgent", "appointment"]
    urgent: bool = False
    status: Literal["open", "claimed", "closed"] = "open"
    opened_at: datetime
    claimed_at: datetime | None = None
    closed_at: datetime | None = None
    claimed_by: str | None = None
    desk_platform: str | None = None
    desk_chat: str | None = None
    desk_thread: str | None = None
    transcript: list[TranscriptLine] = []

    @property
    def is_open(self) -> bool:
        return self.status != "closed"


class Conversation(Record):
    """One client chat on one platform. Small and bounded, so saving it costs the same
    on day one and after a year of chatting."""

    key: str
    platform: str
    chat_id: str
    user_id: str = ""
    display_name: str = ""
    started_at: datetime
    updated_at: datetime
    messages: int = 0
    last_topic: str | None = None
    transcript: list[TranscriptLine] = []
    booking: Draft | None = None
    last_request: str | None = None
    last_request_at: datetime | None = None
    language: str | None = None
    """"en" or "es" once a message has read clearly enough (replies are English until then)."""
    language_chosen: bool = False
    """The client picked the language themselves; what they write no longer changes it."""

    def remember(self, role: Literal["client", "bot", "staff"], text: str, at: datetime) -> None:
        self.transcript.append(TranscriptLine(role=role, text=text[:TURN_CHARS], at=at))
        del self.transcript[:-TRANSCRIPT_TURNS]


class Unanswered(Record):
    """A question the bot could not answer confidently, for staff to turn into content."""

    at: datetime
    conversation: str
    text: str
    kind: Literal["fallback", "clarify"]
    closest_topic: str | None = None
    score: float = 0.0
