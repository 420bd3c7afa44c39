"""Building the replies the client sees, from content only.

Every text comes from the content files; this module decides which pieces go
together and which next steps are offered as buttons.
"""

from __future__ import annotations

from collections.abc import Iterable

from core.content.models import Library, Section
from core.conversation import actions
from core.events import Button, Reply, ReplyKind
from core.understanding.classifier import Score

RELATED_BUTTONS = 2


class Replies:
    def __init__(self, library: Library) -> None:
        self.lib = library
        self.msg = library.messages

    def _fill(self, template: str, **extra: str) -> str:
        return self.lib.fill(template, **extra).strip()

    def _topic_button(self, topic_id: str) -> Button:
        return Button(label=self.lib.topics[topic_id].button, action=actions.faq(topic_id))

    @property
    def _book(self) -> Button:
        return Button(label=self.msg.buttons.book, action=actions.BOOK)

    @property
    def _human(self) -> Button:
        return Button(label=self.msg.buttons.human, action=actions.HUMAN)

    @property
    def _menu(self) -> Button:
        return Button(label=self.msg.buttons.menu, action=actions.MENU)

    def _offered(self, topic_ids: Iterable[str]) -> list[str]:
        """Topics whose answer is written; one still a placeholder is never shown or offered."""
        return [t for t in topic_ids if self.lib.offered(t)]

    def answer(self, topic_ids: tuple[str, ...], confidence: float | None = None) -> Reply:
        """One reply for one or more topics, then related topics, booking, staff and menu."""
        ready = self._offered(topic_ids)
        if not ready:
            return self.unfinished(topic_ids[0], confidence)
        topics = [self.lib.topics[t] for t in ready]
        text = "\n\n".join(f"**{t.title}**\n{self.lib.topic_body(t.id)}" for t in topics)
        if self.msg.untranslated and any(t in self.lib.untranslated for t in ready):
            text = f"{self.msg.untranslated}\n\n{text}"  # shown in English until staff translate it
        if any(t.disclaimer for t in topics):
            text = f"{text}\n\n{self.msg.disclaimer}"
        related = self._offered(dict.fromkeys(r for t in topics for r in t.related if r not in ready))[:RELATED_BUTTONS]
        buttons = (*(self._topic_button(r) for r in related), self._book, self._human, self._menu)
        return Reply(kind=ReplyKind.ANSWER, text=text, buttons=buttons, topic=ready[0], confidence=confidence)

    def unfinished(self, topic_id: str, confidence: float | None = None) -> Reply:
        """A question whose answer staff have not written yet: the team answers it instead.
        It is a fallback, so it reaches the unanswered report with the topic it was about."""
        return Reply(
            kind=ReplyKind.FALLBACK,
            text=self._fill(self.msg.clinic.unknown),
            buttons=(self._human, self._book, self._menu),
            topic=topic_id,
            confidence=confidence,
        )

    def clarify(self, topic_ids: tuple[str, ...], confidence: float) -> Reply:
        ready = self._offered(topic_ids)
        if not ready:
            return self.unfinished(topic_ids[0], confidence)
        buttons = (*(self._topic_button(t) for t in ready), self._human, self._menu)
        return Reply(kind=ReplyKind.CLARIFY, text=self.msg.clarify, buttons=buttons, topic=ready[0], confidence=confidence)

    def fallback(self, closest: Score | None = None) -> Reply:
        return Reply(
            kind=ReplyKind.FALLBACK,
            text=self._fill(self.msg.fallback),
            buttons=(self._menu, self._book, self._human),
            topic=None,
            confidence=closest.score if closest else 0.0,
        )

    def out_of_scope(self) -> Reply:
        return Reply(kind=ReplyKind.FALLBACK, text=self._fill(self.msg.out_of_scope), buttons=(self._menu, self._book, self._human))

    def clinic_fact(self, detail: str) -> Reply:
        """Price, address, hours or phone from clinic.yaml; while staff have not filled
        that detail in, the client is told the team will answer and offered both ways."""
        template = getattr(self.msg.clinic, detail)
        text = self.msg.clinic.unknown if self.lib.unfilled(template) else template
        return Reply(kind=ReplyKind.CLINIC, text=self._fill(text), buttons=(self._human, self._book, self._menu))

    def medical(self) -> Reply:
        return Reply(kind=ReplyKind.MEDICAL, text=self._fill(self.msg.medical), buttons=(self._human, self._book))

    def urgent(self, offer_team: bool = True) -> Reply:
        """The complication reply; without the team button when the client is already with staff."""
        return Reply(kind=ReplyKind.URGENT, text=self._fill(self.msg.urgent), buttons=(self._human,) if offer_team else ())

    def smalltalk(self, template: str, **extra: str) -> Reply:
        return Reply(kind=ReplyKind.SMALLTALK, text=self._fill(template, **extra), buttons=(self._menu,))

    def welcome(self, name: str) -> list[Reply]:
        """The greeting by name; without one, the greeting simply leaves it out ("Hi!", "¡Hola!")."""
        greeting = self.msg.greeting if name else self.msg.greeting.replace(", {name}", "").replace(" {name}", "")
        text = f"{self._fill(greeting, name=name)}\n\n{self.msg.privacy_notice}\n{self.msg.disclaimer}"
        switch = (self._other_language,) if self.lib.translations or self.lib.base else ()
        return [Reply(kind=ReplyKind.SMALLTALK, text=text, buttons=switch), self.menu()]

    @property
    def _other_language(self) -> Button:
        """The button to the other language ("Español" in English, "English" in Spanish)."""
        other = next(iter(self.lib.translations), None) or (self.lib.base.language if self.lib.base else self.lib.language)
        return Button(label=self.msg.buttons.language, action=actions.language(other))

    def language_choice(self, languages: tuple[str, ...]) -> Reply:
        """Every language the bot answers in, each button labelled in its own language: the
        label is the other language's "switch" button, which names it ("English", "Español")."""

        def label(code: str) -> str:
            other = next((lang for lang in languages if lang != code), code)
            return self.lib.in_language(other).messages.buttons.language

        buttons = tuple(Button(label=label(code), action=actions.language(code)) for code in languages)
        return Reply(kind=ReplyKind.NOTICE, text=self.msg.language_choice, buttons=buttons)

    def menu(self, notice: str | None = None) -> Reply:
        """The main menu; with a ``notice`` (e.g. a stale button) it is a NOTICE, which
        platforms may show privately."""
        buttons = tuple(Button(label=s.button, action=actions.section(s.id)) for s in self.lib.menu.sections if self._offered(s.topics))
        text = self.msg.menu_intro if notice is None else f"{notice}\n\n{self.msg.menu_intro}"
        kind = ReplyKind.MENU if notice is None else ReplyKind.NOTICE
        return Reply(kind=kind, text=text, buttons=(*buttons, self._book, self._human))

    def section(self, section: Section) -> Reply:
        buttons = tuple(self._topic_button(t) for t in self._offered(section.topics))
        text = self._fill(self.msg.section_intro, section=section.title)
        return Reply(kind=ReplyKind.MENU, text=text, buttons=(*buttons, self._menu))

    def help(self) -> Reply:
        return Reply(kind=ReplyKind.MENU, text=self._fill(self.msg.help), buttons=(self._menu, self._book, self._human))

    def notice(self, template: str, with_menu: bool = True) -> Reply:
        return Reply(kind=ReplyKind.NOTICE, text=self._fill(template), buttons=(self._menu,) if with_menu else ())
