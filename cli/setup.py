"""`medspa setup`: the clinic's details asked one by one, checked, and written into clinic.yaml.

Staff should not have to learn YAML quoting to enter a phone number. Each answer
is checked as it is typed (a real US phone number, opening hours as ranges), and
clinic.yaml is rewritten with ruamel.yaml's round-trip mode, so its comments and
layout stay as they were and only the values change. Pressing Enter keeps a
value; a placeholder disappears as soon as it is answered.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from core.content.models import Clinic, is_placeholder
from core.conversation.answers import parse_contact, show_contact

Ask = Callable[[str], str]
Say = Callable[[str], None]
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_TIME = r"(\d{1,2})(?:[:.](\d{2}))?\s*([ap]\.?m\.?)?"
_RANGE = re.compile(rf"^{_TIME}\s*(?:-|–|to)\s*{_TIME}$", re.IGNORECASE)


class Invalid(ValueError):
    """An answer that cannot be used; its message says what to type instead."""


@dataclass(frozen=True)
class Question:
    path: tuple[str, ...]
    prompt: str
    check: Callable[[str], str]


def phone(text: str) -> str:
    found = parse_contact(text)
    if found is None or found[0] != "phone":
        raise Invalid("that is not a phone number we can dial; type it like (501) 555-0100")
    return show_contact(found[1], "phone")


def sentence(limit: int) -> Callable[[str], str]:
    def check(text: str) -> str:
        text = " ".join(text.split())
        if len(text) > limit:
            raise Invalid(f"please keep it under {limit} characters (this is {len(text)})")
        if is_placeholder(text):
            raise Invalid("type the real value, not TODO")
        return text

    return check


def hours(text: str) -> str:
    """ "closed", or a range in any usual spelling ("9-5", "9am-5:30pm", "09:00-17:00") as "09:00-17:00"."""
    text = text.strip().lower()
    if text == "closed":
        return text
    found = _RANGE.match(text)
    if found is None:
        raise Invalid('type "closed" or opening and closing times like 9:00-17:00 or 9am-5pm')
    start = _clock(*found.groups()[:3])
    end = _clock(*found.groups()[3:])
    if end <= start and not found[6] and end < 12 * 60:
        end += 12 * 60  # "9-5": closing at five in the afternoon
    if end <= start:
        raise Invalid(f"the clinic would close ({_show(end)}) before it opens ({_show(start)}); check the times")
    return f"{_show(start)}-{_show(end)}"


def _clock(hour: str, minute: str | None, half: str | None) -> int:
    """Minutes after midnight, from "9", "9:30", "9am" or "17:00"."""
    h, m = int(hour), int(minute or 0)
    if half:
        if not 1 <= h <= 12:
            raise Invalid(f"{hour} {half} is not a time; use 1-12 with am/pm, or 0-23 without")
        h = h % 12 + (12 if half.startswith("p") else 0)
    if h > 23 or m > 59:
        raise Invalid(f"{hour}:{minute or '00'} is not a time of day")
    return h * 60 + m


def _show(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


QUESTIONS = (
    Question(("phone",), "The clinic's phone number", phone),
    Question(("address",), "The street address, as clients should type it into a map", sentence(200)),
    *(Question(("hours", "days", day), f"Opening hours on {day.capitalize()} (e.g. 9:00-17:00, or closed)", hours) for day in DAYS),
    Question(("prices",), "A sentence about prices, e.g. 'Microneedling starts at $300 a session.'", sentence(400)),
    Question(("callback_time",), "How soon the team calls back, as it reads in a sentence, e.g. 'within one business day'", sentence(100)),
)


def setup(content: Path, ask: Ask = input, say: Say = print) -> int:
    """Ask every question, then write clinic.yaml once; nothing is written if the user stops."""
    path = content / "clinic.yaml"
    yaml = YAML()
    yaml.preserve_quotes = True
    try:
        data = yaml.load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, YAMLError) as exc:
        say(f"{path} cannot be read ({exc}); run `medspa check {content}` to see what is wrong with it.")
        return 1
    say(f"Setting up {path}. Press Enter to keep a value as it is; Ctrl-D stops without saving.")
    changed = 0
    try:
        for question in QUESTIONS:
            changed += _ask(question, data, ask, say)
    except (EOFError, KeyboardInterrupt):
        say("\nStopped; nothing was saved.")
        return 1
    try:
        Clinic.model_validate(data)
    except ValidationError as exc:
        say(f"{path} would not be valid after these answers ({exc.errors()[0]['msg']}); nothing was saved.")
        return 1
    if changed:
        with path.open("w", encoding="utf-8") as out:
            yaml.dump(data, out)
    left = [".".join(q.path) for q in QUESTIONS if is_placeholder(str(_get(data, q.path)))]
    say(f"Saved {changed} change(s) to {path}." if changed else "Nothing changed.")
    if left:
        say("Still to fill in (the bot leaves these out until they are): " + ", ".join(left))
    return 0


def _ask(question: Question, data: dict, ask: Ask, say: Say) -> int:
    current = str(_get(data, question.path) or "")
    shown = "not filled in yet" if is_placeholder(current) or not current else current
    while True:
        answer = ask(f"{question.prompt} [{shown}]: ").strip()
        if not answer:
            return 0
        try:
            value = question.check(answer)
        except Invalid as exc:
            say(f"  {exc}")
            continue
        if value == current:
            return 0
        parent = _get(data, question.path[:-1])
        parent[question.path[-1]] = DoubleQuotedScalarString(value)
        return 1


def _get(data: dict, path: tuple[str, ...]) -> object:
    for key in path:
        data = data.get(key, {}) if isinstance(data, dict) else {}
    return data
