"""Days and times in Spanish: said by the bot ("el martes a las 9:00 AM") and read from
what a client types at the booking's preferred-times step ("el martes por la mañana").

Staff read every booking in English, so what a Spanish-speaking client typed is shown
to them with an English reading beside it. The vocabulary is small and closed (days,
parts of the day, "after 3", "weekends"), so a table reads it more predictably than a
general date parser, which would turn "el martes" into one particular date.
"""

from __future__ import annotations

import re
from datetime import datetime

from core.understanding.text import words

WEEKDAYS = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")
ENGLISH_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

_DAYS = {"lunes": 0, "martes": 1, "miercoles": 2, "jueves": 3, "viernes": 4, "sabado": 5, "sabados": 5, "domingo": 6, "domingos": 6}
_PHRASES = (
    (("entre", "semana"), "weekdays"),
    (("dias", "de", "semana"), "weekdays"),
    (("fin", "de", "semana"), "weekends"),
    (("fines", "de", "semana"), "weekends"),
    (("por", "la", "manana"), "morning"),
    (("en", "la", "manana"), "morning"),
    (("de", "manana"), "morning"),
    (("mananas",), "mornings"),
    (("mediodia",), "midday"),
    (("por", "la", "tarde"), "afternoon"),
    (("en", "la", "tarde"), "afternoon"),
    (("tardes",), "afternoons"),
    (("por", "la", "noche"), "evening"),
    (("en", "la", "noche"), "evening"),
    (("noches",), "evenings"),
    (("cualquier", "dia"), "any day"),
    (("cualquier", "hora"), "any time"),
    (("cualquier", "horario"), "any time"),
    (("a", "cualquier", "hora"), "any time"),
    (("hoy",), "today"),
    (("pasado", "manana"), "the day after tomorrow"),
    (("manana",), "tomorrow"),
    (("proxima", "semana"), "next week"),
    (("semana", "que", "viene"), "next week"),
)
"""Spanish phrases (accents folded) and their English reading, longest match first at each word."""
_CLOCK = re.compile(
    r"\b(despu[eé]s de|antes de|a partir de|desde|hasta|a|de)\s+las?\s+(\d{1,2})(?::(\d{2}))?"
    r"\s*(am|pm|de la (?:mañana|manana|tarde|noche))?",
    re.IGNORECASE,
)
_RELATIONS = {
    "despues de": "after",
    "después de": "after",
    "antes de": "before",
    "a partir de": "from",
    "desde": "from",
    "hasta": "until",
    "a": "at",
    "de": "from",
}


def opening(moment: datetime) -> str:
    """When the team is back, as a Spanish sentence reads it: "martes 9:00 AM"."""
    return f"{WEEKDAYS[moment.weekday()]} {moment.strftime('%-I:%M %p')}"


def week_in_spanish(week: str) -> str:
    """Opening hours as ``Hours.describe`` writes them ("- Monday: 9:00 AM to 5:00 PM"), in Spanish."""
    for english, spanish in zip(ENGLISH_DAYS, WEEKDAYS, strict=True):
        week = week.replace(f"- {english}:", f"- {spanish.capitalize()}:")
    return week.replace(" to ", " a ").replace(": closed", ": cerrado")


def in_english(text: str) -> str:
    """An English reading of the days and times in Spanish text, for staff; empty when none is found.
    "el martes por la mañana" -> "Tuesday morning"; "lunes o miércoles después de las 3" ->
    "Monday, Wednesday, after 3 PM"."""
    said = words(text)
    found: list[str] = []
    i = 0
    while i < len(said):
        day = _DAYS.get(said[i])
        if day is not None:
            plural = said[i] in ("sabados", "domingos") or (i > 0 and said[i - 1] == "los")
            found.append(ENGLISH_DAYS[day] + ("s" if plural else ""))
            i += 1
            continue
        for phrase, english in sorted(_PHRASES, key=lambda p: -len(p[0])):
            if tuple(said[i : i + len(phrase)]) == phrase:
                found.append(english)
                i += len(phrase)
                break
        else:
            i += 1
    for relation, hour, minute, part in _CLOCK.findall(text):
        found.append(f"{_RELATIONS.get(relation.lower(), relation)} {_clock(int(hour), minute, part)}")
    return _joined(found)


def _clock(hour: int, minute: str, part: str) -> str:
    part = part.lower()
    if part in ("am", "pm"):
        suffix = part.upper()
    elif part.endswith(("tarde", "noche")) or 1 <= hour <= 7:
        suffix = "PM"  # "después de las 3" is three in the afternoon at a clinic
    else:
        suffix = "AM" if hour < 12 else "PM"
    return f"{hour}{':' + minute if minute else ''} {suffix}"


_PARTS = ("morning", "afternoon", "evening", "midday")


def _joined(parts: list[str]) -> str:
    """Days joined by commas, a part of the day kept with its day ("Tuesday morning", "weekday afternoons")."""
    out: list[str] = []
    for part in parts:
        last = out[-1] if out else ""
        if part.rstrip("s") in _PARTS and last in ("weekdays", "weekends"):
            out[-1] = f"{last[:-1]} {part.rstrip('s')}s"
        elif part in ("weekdays", "weekends") and last.rstrip("s") in _PARTS:
            out[-1] = f"{part[:-1]} {last.rstrip('s')}s"
        elif part.rstrip("s") in _PARTS and last.rstrip("s") in ENGLISH_DAYS:
            out[-1] = f"{last} {part}"
        else:
            out.append(part)
    return ", ".join(out)
