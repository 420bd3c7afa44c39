"""`run.py check`: everything staff should know about their content before it goes live.

Schema problems come from the loader. On top of that this module checks what a
schema cannot: Markdown the platforms can't show, messages too long for Discord
or Telegram, placeholders left unfilled, reviews that are due, and how the
matcher actually routes each topic's example questions.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict
from datetime import date
from pathlib import Path

from markdown_it import MarkdownIt
from pydantic import BaseModel

from core import actions
from core.content import ContentError, ContentErrors, load_library
from core.content.loader import body_first_line, locate
from core.content.models import Library, is_placeholder
from core.events import MAX_ACTION_BYTES
from core.faq import MARGIN, Outcome, decide
from core.knowledge import Knowledge
from core.text import split_message

DISCORD_LIMIT = 2000
TELEGRAM_LIMIT = 4096
ALLOWED_BLOCKS = {"paragraph_open", "paragraph_close", "inline", "bullet_list_open", "bullet_list_close",
                  "list_item_open", "list_item_close"}
ALLOWED_INLINE = {"text", "strong_open", "strong_close", "em_open", "em_close", "softbreak", "hardbreak"}
AMBIGUOUS_PAIR = 3
"""Example questions scoring close to both topics before a pair is reported as confusable."""
UNSUPPORTED_HINT = "use only **bold**, _italic_ and lines starting with '- '"

_commonmark = MarkdownIt("commonmark")


def check(root: Path | str, today: date) -> list[ContentError]:
    """All problems and warnings for the content in ``root``, errors first."""
    root = Path(root)
    try:
        library = load_library(root)
    except ContentErrors as exc:
        return exc.errors
    knowledge = Knowledge(library)
    found = [
        *_markdown(root, library),
        *_lengths(root, library, knowledge),
        *_labels(root, library),
        *_placeholders(root, library),
        *_reviews(root, library, today),
        *_duplicate_examples(root, library),
        *_routing(root, library, knowledge),
    ]
    return sorted(found, key=lambda e: (e.severity != "error", e.file, e.line))


def _markdown_problems(text: str) -> list[tuple[int, str]]:
    """(line offset, problem) for Markdown outside the subset every platform renders."""
    problems = []
    for token in _commonmark.parse(text):
        line = token.map[0] if token.map else 0
        if token.type not in ALLOWED_BLOCKS and not token.type.endswith("_close"):
            problems.append((line, f"{token.type.removesuffix('_open').replace('_', ' ')} is not supported; {UNSUPPORTED_HINT}"))
        for child in token.children or []:
            if child.type not in ALLOWED_INLINE:
                kind = child.type.removesuffix("_open").replace("_", " ")
                problems.append((line, f"{kind} is not supported; {UNSUPPORTED_HINT}"))
            elif child.type == "text" and ("**" in child.content or "__" in child.content):
                problems.append((line, "unbalanced ** (bold must be closed on the same paragraph)"))
    return problems


def _markdown(root: Path, library: Library) -> list[ContentError]:
    errors = []
    for topic_id, topic in library.topics.items():
        file = library.sources[topic_id]
        start = body_first_line(root, file)
        for offset, problem in _markdown_problems(topic.body):
            errors.append(ContentError(file, start + offset, "body", problem))
    for path, value in _texts(library.messages):
        for _, problem in _markdown_problems(value):
            errors.append(ContentError("content/messages.yaml", locate(root, "content/messages.yaml", path), ".".join(path), problem))
    return errors


def _texts(model: BaseModel, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], str]]:
    """Every message text in a (possibly nested) messages model, with its field path."""
    found = []
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        key = (*path, info.alias or name)
        if isinstance(value, str):
            found.append((key, value))
        elif isinstance(value, BaseModel):
            found += _texts(value, key)
    return found


def _lengths(root: Path, library: Library, knowledge: Knowledge) -> list[ContentError]:
    """Answers must fit Telegram (4,096) and Discord (2,000), or split cleanly at paragraphs."""
    errors = []
    for topic_id in library.topics:
        text = knowledge.replies.answer((topic_id,)).text
        file = library.sources[topic_id]
        if len(text) <= DISCORD_LIMIT:
            continue
        parts = split_message(text, DISCORD_LIMIT)
        if any(len(p) > DISCORD_LIMIT or not _ends_cleanly(p) for p in parts[:-1]) or len(max(text.split("\n\n"), key=len)) > DISCORD_LIMIT:
            errors.append(ContentError(file, body_first_line(root, file), "body",
                                       f"a paragraph is longer than Discord's {DISCORD_LIMIT} characters; break it into shorter paragraphs"))
        else:
            where = "Discord and Telegram" if len(text) > TELEGRAM_LIMIT else "Discord"
            errors.append(ContentError(file, body_first_line(root, file), "body",
                                       f"{len(text)} characters: {where} will show it as {len(parts)} messages; shorten it to keep one", "warning"))
    return errors


def _ends_cleanly(part: str) -> bool:
    return part.count("**") % 2 == 0


def _labels(root: Path, library: Library) -> list[ContentError]:
    """Action ids built from ids must fit Telegram's 64-byte callback data."""
    errors = []
    for topic_id in library.topics:
        if len(actions.faq(topic_id).encode()) > MAX_ACTION_BYTES:
            file = library.sources[topic_id]
            errors.append(ContentError(file, locate(root, file, ("id",)), "id", f"id too long for a button; keep it under {MAX_ACTION_BYTES - 4} characters"))
    for n, section in enumerate(library.menu.sections):
        if len(actions.section(section.id).encode()) > MAX_ACTION_BYTES:
            errors.append(ContentError("content/menu.yaml", locate(root, "content/menu.yaml", ("sections", n, "id")), f"sections.{n}.id",
                                       f"section id too long for a button; keep it under {MAX_ACTION_BYTES - 5} characters"))
    return errors


def _placeholders(root: Path, library: Library) -> list[ContentError]:
    warnings = []
    clinic = library.clinic
    fields = {("phone",): clinic.phone, ("address",): clinic.address, ("prices",): clinic.prices,
              ("callback_time",): clinic.callback_time, ("booking_url",): clinic.booking_url}
    fields.update({("hours", "days", day): value for day, value in clinic.hours.days.items()})
    for path, value in fields.items():
        if is_placeholder(value):
            warnings.append(ContentError("content/clinic.yaml", locate(root, "content/clinic.yaml", path), ".".join(path),
                                         f"placeholder not filled in yet ({value!r}); replace it with the real value", "warning"))
    for topic_id, topic in library.topics.items():
        if "TODO" in topic.body:
            file = library.sources[topic_id]
            warnings.append(ContentError(file, body_first_line(root, file), "body", "the answer still contains TODO; finish the text", "warning"))
    return warnings


def _reviews(root: Path, library: Library, today: date) -> list[ContentError]:
    warnings = []
    for topic_id, topic in library.topics.items():
        if topic.review is None:
            continue
        file = library.sources[topic_id]
        line = locate(root, file, ("review",))
        due = topic.review.due
        when = f"review overdue since {due}" if due and due < today else f"review due {due}" if due else "marked for review"
        warnings.append(ContentError(file, line, "review", f"{when}: {topic.review.note} Remove the review block once checked.", "warning"))
    return warnings


def _duplicate_examples(root: Path, library: Library) -> list[ContentError]:
    seen: dict[str, tuple[str, int]] = {}
    errors = []
    for topic_id, topic in library.topics.items():
        file = library.sources[topic_id]
        for n, example in enumerate(topic.examples):
            key = " ".join(example.casefold().split()).rstrip("?!. ")
            if key in seen:
                other_topic, _ = seen[key]
                where = "earlier in this topic" if other_topic == topic_id else f"in topic {other_topic!r}"
                errors.append(ContentError(file, locate(root, file, ("examples", n)), f"examples.{n}",
                                           f"duplicate example question (also {where}); remove one or reword it"))
            else:
                seen[key] = (topic_id, n)
    return errors


def _routing(root: Path, library: Library, knowledge: Knowledge) -> list[ContentError]:
    """Run every example through the matcher, as a client's first message would be.

    Each example is left out of the index while it is tested (leave-one-out):
    otherwise it would always find itself, and the check would prove nothing
    about a client who words the same question slightly differently.
    """
    found = []
    reached: dict[str, int] = defaultdict(int)
    close: dict[tuple[str, str], list[str]] = defaultdict(list)
    for topic_id, topic in library.topics.items():
        file = library.sources[topic_id]
        for n, example in enumerate(topic.examples):
            decision = decide(knowledge.matcher, example, without=knowledge.matcher.example_index[topic_id, n])
            if decision.outcome is Outcome.ANSWER and decision.topics[0] != topic_id:
                found.append(ContentError(file, locate(root, file, ("examples", n)), f"examples.{n}",
                                          f"{example!r} is answered by topic {decision.topics[0]!r} instead; "
                                          "reword it, or add keywords to this topic"))
                continue
            if decision.outcome is Outcome.ANSWER:
                reached[topic_id] += 1
                rivals = [c for c in decision.candidates[1:2] if decision.confidence - c.score < 2 * MARGIN]
            else:
                rivals = [c for c in decision.candidates if c.topic_id in decision.topics] if topic_id in decision.topics else []
            for rival in rivals:
                if rival.topic_id != topic_id:
                    close[tuple(sorted((topic_id, rival.topic_id)))].append(example)
    for (topic_id, other), examples in sorted(close.items()):
        if len(examples) < AMBIGUOUS_PAIR:
            continue
        file = library.sources[topic_id]
        found.append(ContentError(file, locate(root, file, ("examples",)), "examples",
                                  f"this topic and {other!r} are easily confused: {len(examples)} example questions of the two "
                                  f"score close to both (e.g. {examples[0]!r}); add keywords or examples that tell them apart", "warning"))
    for topic_id in library.topics:
        if not reached[topic_id]:
            file = library.sources[topic_id]
            found.append(ContentError(file, locate(root, file, ("examples",)), "examples",
                                      "no example question reaches this topic, so clients cannot either; add distinctive keywords"))
    return found


def as_dicts(problems: list[ContentError]) -> list[dict]:
    return [asdict(p) for p in problems]
