"""`run.py accuracy`: how often the bot does the right thing on a labelled set of messages.

Two formats are read: the team's own `tests/questions.yaml` (each answerable
question names the topic that must answer it) and JSON Lines sets such as the
clinic's client-question development set (each answerable question lists words
a right answer contains). Both are graded with one rule, the development set's:

| kind          | right when the reply is                                  |
|---------------|----------------------------------------------------------|
| answer        | an answer (from the named topic, containing a listed word) |
| booking       | booking or a handoff to the team                          |
| human         | a handoff to the team                                     |
| medical       | a medical referral, a handoff or an urgent escalation     |
| urgent        | an urgent escalation                                      |
| out_of_scope  | anything but a microneedling answer                       |
| smalltalk, clinic | a reply of that kind                                  |

Answers are also checked for their language: a Spanish question must be
answered in Spanish ("answer replies in Spanish: N/M").

A test enforces floors a little under the measured figures, so a content edit
that hurts understanding is caught before release.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from cli.ask import as_json, ask
from core.conversation.engine import Core
from core.understanding.language import NAMES, read_language

QUESTIONS = Path(__file__).resolve().parent.parent / "tests" / "questions.yaml"
RIGHT_KINDS = {
    "booking": {"booking", "human"},
    "human": {"human"},
    "medical": {"medical", "human", "urgent"},
    "urgent": {"urgent"},
    "smalltalk": {"smalltalk"},
    "clinic": {"clinic"},
}


@dataclass(frozen=True)
class Case:
    q: str
    kind: str
    topic: str | None = None
    must_mention_any: tuple[str, ...] = ()
    lang: str = "en"


def right(case: Case, reply: dict) -> bool:
    kind = reply.get("kind") or ""
    if case.kind == "answer":
        text = (reply.get("text") or "").lower()
        return (
            kind == "answer"
            and (case.topic is None or reply.get("topic") == case.topic)
            and (not case.must_mention_any or any(term.lower() in text for term in case.must_mention_any))
        )
    if case.kind == "out_of_scope":
        return kind != "answer"
    return kind in RIGHT_KINDS[case.kind]


@dataclass
class Report:
    total: Counter = field(default_factory=Counter)
    right: Counter = field(default_factory=Counter)
    misses: list[tuple[Case, str, str | None]] = field(default_factory=list)
    answers: Counter = field(default_factory=Counter)
    """Answer replies per language of the question."""
    in_language: Counter = field(default_factory=Counter)
    """Answer replies written in the language of the question."""

    def rate(self, kind: str) -> float:
        return self.right[kind] / self.total[kind] if self.total[kind] else 1.0

    @property
    def overall(self) -> float:
        n = sum(self.total.values())
        return sum(self.right.values()) / n if n else 1.0

    def summary(self) -> str:
        lines = ["kind          right / total   accuracy"]
        for kind in sorted(self.total):
            lines.append(f"{kind:<13} {self.right[kind]:>5} / {self.total[kind]:<5}   {self.rate(kind):6.1%}")
        lines.append(f"{'overall':<13} {sum(self.right.values()):>5} / {sum(self.total.values()):<5}   {self.overall:6.1%}")
        for language in sorted(self.answers):
            lines.append(f"answer replies in {NAMES.get(language, language)}: {self.in_language[language]}/{self.answers[language]}")
        return "\n".join(lines)


def load_cases(path: Path = QUESTIONS) -> list[Case]:
    """Cases from a YAML list or a JSON Lines file (extra fields, like a row's section, are ignored)."""
    text = path.read_text(encoding="utf-8")
    rows = [json.loads(line) for line in text.splitlines() if line.strip()] if path.suffix == ".jsonl" else yaml.safe_load(text)
    return [
        Case(
            q=r["q"], kind=r["kind"], topic=r.get("topic"), must_mention_any=tuple(r.get("must_mention_any", ())), lang=r.get("lang", "en")
        )
        for r in rows
    ]


async def evaluate(core: Core, cases: list[Case]) -> Report:
    """Each message is the first of a new conversation, as in the set's grading rule."""
    report = Report()
    for n, case in enumerate(cases):
        got = as_json(await ask(core, case.q.replace("\n", " "), chat_id=f"eval-{n}"))
        report.total[case.kind] += 1
        if right(case, got):
            report.right[case.kind] += 1
        else:
            report.misses.append((case, got["kind"], got["topic"]))
        if got["kind"] == "answer":
            reading = read_language(got["text"])
            report.answers[case.lang] += 1
            report.in_language[case.lang] += reading is not None and reading.language == case.lang
    return report
