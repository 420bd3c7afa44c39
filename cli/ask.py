"""`run.py ask`: one question in, the reply out, for staff testing their edits and for tools."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable
from itertools import count

from bots.terminal import format_reply
from core.conversation.engine import Core
from core.events import Event, Reply
from core.understanding.decide import decide
from core.understanding.knowledge import Knowledge
from core.understanding.text import clean, plain


async def ask(core: Core, question: str, chat_id: str = "ask") -> list[Reply]:
    """Ask as the first message of a new conversation."""
    return await core.handle(Event(platform="cli", chat_id=chat_id, user_id=chat_id, display_name="", text=question))


def as_json(replies: list[Reply]) -> dict:
    """The `--json` shape: kind, topic and confidence of the main reply, all text and buttons."""
    main = next((r for r in replies if r.kind != "notice"), replies[0])
    return {
        "kind": str(main.kind),
        "topic": main.topic,
        "confidence": round(main.confidence, 3) if main.confidence is not None else None,
        "text": "\n\n".join(r.text for r in replies),
        "buttons": [b.model_dump(exclude_defaults=True) for r in replies for b in r.buttons],
    }


def as_text(replies: list[Reply]) -> str:
    numbered, n = [], 1
    for reply in replies:
        numbered.append(format_reply(reply, first_number=n))
        n += len(reply.buttons)
    return "\n\n".join(numbered)


def explain(knowledge: Knowledge, question: str) -> str:
    """Why the bot chose what it chose: the phrase that decided, if any, and every
    outcome's two signals."""
    text = clean(question)
    decision = knowledge.read(text)
    scores = decision.scores or decide(knowledge.classifier, plain(text) or text).scores
    lines = [
        f"words understood: {' '.join(knowledge.analyse(plain(text) or text).stems) or '(none)'}",
        f"decided by:       {f'the phrase {decision.phrase!r}' if decision.phrase else 'the classifier'}",
        f"decision:         {decision.outcome} {', '.join(decision.topics)} (confidence {decision.confidence:.2f})",
        "outcomes:         score  semantic lexical  outcome  (closest example)",
    ]
    for s in scores:
        lines.append(f"                  {s.score:.2f}   {s.semantic:.2f}     {s.lexical:.2f}    {s.class_id}  ({s.example})")
    return "\n".join(lines)


async def ask_many(core: Core, questions: Iterable[str]) -> list[dict]:
    """One JSON object per question, each question starting a new conversation."""
    return [as_json(await ask(core, q, chat_id=f"ask-{n}")) for n, q in zip(count(1), questions)]


def scratch_dir() -> tempfile.TemporaryDirectory:
    """Questions asked from the command line leave nothing behind in the real data."""
    return tempfile.TemporaryDirectory(prefix="medspa-ask-")


def dumps(obj: dict) -> str:
    return json.dumps(obj, ensure_ascii=False)
