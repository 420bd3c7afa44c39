"""Everything one incoming event is handled with, gathered in one place.

A turn pins the content version (so a reload mid-message cannot mix versions),
the clock reading, the conversation record being updated, and the side effects
(booking requests to store, messages for staff) that the engine carries out
once the conversation has been saved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from core.conversation.booking import BookingFlow
from core.desk.handoff import DeskAction, Handoff
from core.events import Event, Reply
from core.settings import CoreOptions
from core.storage.records import BookingRequest, Conversation
from core.storage.store import Store
from core.understanding.decide import Decision
from core.understanding.knowledge import Knowledge
from core.understanding.text import clean


@dataclass
class TurnContext:
    """What handling one event works with and leaves behind (not the stored transcript line,
    which is :class:`core.storage.records.TranscriptLine`)."""

    knowledge: Knowledge
    event: Event
    conversation: Conversation
    now: datetime
    store: Store
    options: CoreOptions
    languages: tuple[str, ...]
    """The languages clients can be answered in, from the content this turn pinned."""
    flow: BookingFlow = field(init=False)
    handoff: Handoff = field(init=False)
    before: list[Reply] = field(default_factory=list)
    """Replies that go ahead of whatever answers (an abandoned booking was dropped)."""
    requests: list[BookingRequest] = field(default_factory=list)
    staff: list[Reply] = field(default_factory=list)
    desk: list[DeskAction] = field(default_factory=list)
    forget: bool = False
    """The client confirmed /forget: delete their records instead of saving this turn."""
    readings: dict[str, Decision] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.speak(self.knowledge)

    @property
    def text(self) -> str:
        """What the client typed, cleaned; empty for a button or a photo."""
        return clean(self.event.text or "")

    def speak(self, knowledge: Knowledge) -> None:
        """Carry on the turn in another language (the client just picked one)."""
        self.knowledge = knowledge
        self.flow = BookingFlow(knowledge.library, self.options.booking_timeout)
        self.handoff = Handoff(self.store, knowledge.library, self.options.sign_with_name, self.options.on_call)

    def read(self, text: str) -> Decision:
        """What the message says, read once per turn whichever stage asks first
        (triage during a ticket or a booking, then routing)."""
        if text not in self.readings:
            self.readings[text] = self.knowledge.read(text, last_topic=self.conversation.last_topic)
        return self.readings[text]
