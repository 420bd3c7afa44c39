"""`run.py check`: everything staff should know about their content before it goes live.

Schema problems come from the loader. On top of that this module checks what a
schema cannot: Markdown the platforms can't show, messages too long for Discord
or Telegram, placeholders left unfilled or unknown, reviews that are due, and
how the matcher actually routes each topic's example questions.

Live reload uses the same :func:`review`, so content that ``check`` rejects can
never go live: an error anywhere refuses the whole change.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

from markdown_it import MarkdownIt
from pydantic import BaseModel

import core.conversation.engine  # noqa: F401 - declares the client commands
from core.content import ContentError, ContentErrors, load_library
from core.content.loader import body_first_line, locate
from core.content.models import TOPIC_FIELD, TOPIC_FIELDS, Library, is_placeholder
from core.content.translation_checks import translation_problems
from core.conversation import actions
from core.conversation.commands import client_commands
from core.events import MAX_ACTION_BYTES
from core.understanding.classes import SAFETY, Kind, outcome_classes
from core.understanding.decide import Decision, Outcome
from core.understanding.knowledge import Knowledge
from core.understanding.text import split_message

READABLE = 1200
"""Longer than this, an answer is more than a screenful on a phone: better split into topics."""
DISCORD_LIMIT = 2000
TELEGRAM_LIMIT = 4096
ALLOWED_BLOCKS = {
    "paragraph_open",
    "paragraph_close",
    "inline",
    "bullet_list_open",
    "bullet_list_close",
    "list_item_open",
    "list_item_close",
}
ALLOWED_INLINE = {"text", "strong_open", "strong_close", "em_open", "em_close", "softbreak", "hardbreak"}
EXAMPLES_FILE = "examples.yaml"
AMBIGUOUS_PAIR = 3
"""Example questions scoring close to both topics before a pair is reported as confusable."""
CLOSE = 0.05
"""Two topics whose scores for an example are this close could each have answered it."""
DRAFT = "draft"
"""The severity of a draft topic: listed by check, never failing it, not even with --strict."""
SEVERITIES = ("error", "warning", DRAFT)
UNSUPPORTED_HINT = "use only **bold**, _italic_ and lines starting with '- '"

_commonmark = MarkdownIt("commonmark")


@dataclass(frozen=True)
class Review:
    """The content as loaded (``None`` when it does not load) and every problem found."""

    knowledge: Knowledge | None
    problems: list[ContentError]

    @property
    def errors(self) -> list[ContentError]:
        return [p for p in self.problems if p.severity == "error"]


def check(root: Path | str, today: date) -> list[ContentError]:
    """All problems and warnings for the content in ``root``, errors first."""
    return review(root, today).problems


def review(root: Path | str, today: date, stop_at_errors: bool = False) -> Review:
    """Load and check the content in ``root``. ``stop_at_errors`` skips the slow routing
    analysis once an error is certain, for a reload that will be refused anyway."""
    root = Path(root).resolve()  # files are named from the folder's own name, so "." needs resolving
    try:
        library = load_library(root)
    except ContentErrors as exc:
        return Review(None, exc.errors)
    knowledge = Knowledge(library)
    found = _file_checks(root, knowledge, today)
    if not (stop_at_errors and any(p.severity == "error" for p in found)):
        found += _routing(root, library, knowledge)
    return Review(knowledge, sorted(found, key=lambda e: (SEVERITIES.index(e.severity), e.file, e.line)))


def _file_checks(root: Path, knowledge: Knowledge, today: date) -> list[ContentError]:
    """Everything but the routing analysis: quick, file by file."""
    library = knowledge.library
    return [
        *_markdown(root, library),
        *_lengths(root, library, knowledge),
        *_labels(root, library),
        *_commands(root, library),
        *_topic_placeholders(root, library),
        *unfilled_placeholders(root, library),
        *drafts(root, library),
        *_reviews(root, library, today),
        *_duplicate_examples(root, library),
        *translation_problems(root, library, _markdown_problems),
    ]


def content_warnings(root: Path | str, knowledge: Knowledge, today: date) -> list[ContentError]:
    """What staff can act on in the content being served (placeholders, reviews due, long
    answers, drafts), for the daily digest: the quick checks, without the routing analysis."""
    return [p for p in _file_checks(Path(root).resolve(), knowledge, today) if p.severity != "error"]


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
            errors.append(
                ContentError(f"{root.name}/messages.yaml", locate(root, f"{root.name}/messages.yaml", path), ".".join(path), problem)
            )
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
    """Answers should be short enough to read in a chat; they must fit Telegram (4,096) and
    Discord (2,000), or split cleanly at paragraphs. A draft is measured as written."""
    errors = []
    for topic_id, topic in library.topics.items():
        text = knowledge.replies.answer((topic_id,)).text if library.offered(topic_id) else f"**{topic.title}**\n{topic.body}"
        file = library.sources[topic_id]
        if len(text) <= READABLE:
            continue
        parts = split_message(text, DISCORD_LIMIT)
        if any(len(p) > DISCORD_LIMIT or not _ends_cleanly(p) for p in parts[:-1]) or len(max(text.split("\n\n"), key=len)) > DISCORD_LIMIT:
            errors.append(
                ContentError(
                    file,
                    body_first_line(root, file),
                    "body",
                    f"a paragraph is longer than Discord's {DISCORD_LIMIT} characters; break it into shorter paragraphs",
                )
            )
            continue
        where = "Discord and Telegram" if len(text) > TELEGRAM_LIMIT else "Discord"
        split = f" ({where} will show it as {len(parts)} messages)" if len(parts) > 1 else ""
        errors.append(
            ContentError(
                file,
                body_first_line(root, file),
                "body",
                f"{len(text):,} characters is too long to read in a chat{split}; keep an answer under about "
                f"{READABLE:,} characters by splitting it into topics (a new file for each part, with its own "
                "examples) and listing them under related",
                "warning",
            )
        )
    return errors


def _ends_cleanly(part: str) -> bool:
    return part.count("**") % 2 == 0


def _labels(root: Path, library: Library) -> list[ContentError]:
    """Action ids built from ids must fit Telegram's 64-byte callback data."""
    errors = []
    for topic_id in library.topics:
        if len(actions.faq(topic_id).encode()) > MAX_ACTION_BYTES:
            file = library.sources[topic_id]
            errors.append(
                ContentError(
                    file, locate(root, file, ("id",)), "id", f"id too long for a button; keep it under {MAX_ACTION_BYTES - 4} characters"
                )
            )
    for n, section in enumerate(library.menu.sections):
        if len(actions.section(section.id).encode()) > MAX_ACTION_BYTES:
            errors.append(
                ContentError(
                    f"{root.name}/menu.yaml",
                    locate(root, f"{root.name}/menu.yaml", ("sections", n, "id")),
                    f"sections.{n}.id",
                    f"section id too long for a button; keep it under {MAX_ACTION_BYTES - 5} characters",
                )
            )
    return errors


def _commands(root: Path, library: Library) -> list[ContentError]:
    """``commands:`` describes the bot's client commands (declared in ``core/conversation/commands.py``'s
    registry) for the chat apps' menus: a command the bot lacks is never listed, and one
    without a line is left out of the menus."""
    file = f"{root.name}/messages.yaml"
    declared = [c.name for c in client_commands()]
    described = library.messages.commands
    found = [
        ContentError(
            file,
            locate(root, file, ("commands", name)),
            f"commands.{name}",
            f"the bot has no /{name} command, so this line is never shown; check its spelling",
            "warning",
        )
        for name in described
        if name not in declared
    ]
    return found + [
        ContentError(
            file,
            locate(root, file, ("commands",)),
            "commands",
            f"/{name} has no line here, so the chat apps' command menus leave it out",
            "warning",
        )
        for name in declared
        if name not in described
    ]


def unfilled_placeholders(root: Path, library: Library) -> list[ContentError]:
    """Clinic details and answers staff have not filled in yet: the bot leaves them out
    of every message (and does not offer such a topic) until they are."""
    warnings = []
    clinic = library.clinic
    fields = {
        ("phone",): clinic.phone,
        ("address",): clinic.address,
        ("prices",): clinic.prices,
        ("callback_time",): clinic.callback_time,
        ("booking_url",): clinic.booking_url,
    }
    fields.update({("hours", "days", day): value for day, value in clinic.hours.days.items()})
    for path, value in fields.items():
        if is_placeholder(value):
            warnings.append(
                ContentError(
                    f"{root.name}/clinic.yaml",
                    locate(root, f"{root.name}/clinic.yaml", path),
                    ".".join(path),
                    f"placeholder not filled in yet ({value!r}); replace it with the real value",
                    "warning",
                )
            )
    for topic_id, topic in library.topics.items():
        if "TODO" in topic.body and not library.is_draft(topic_id):
            file = library.sources[topic_id]
            warnings.append(
                ContentError(
                    file,
                    body_first_line(root, file),
                    "body",
                    "the answer still contains TODO; finish the text (lines marked TODO are left out)",
                    "warning",
                )
            )
    return warnings


def drafts(root: Path, library: Library) -> list[ContentError]:
    """Topics not shown to clients yet, so nobody forgets one half-written: marked
    ``draft: true``, or an answer that is still a placeholder."""
    listed = []
    for topic_id, topic in library.topics.items():
        if library.is_draft(topic_id):
            file = library.sources[topic_id]
            why = (
                "marked draft: true; remove that line when it is ready"
                if topic.draft
                else "the answer is still a TODO placeholder; write it"
            )
            line = locate(root, file, ("draft",)) if topic.draft else body_first_line(root, file)
            listed.append(ContentError(file, line, "draft", f"draft, not shown to clients: {why}", DRAFT))
    return listed


def _topic_placeholders(root: Path, library: Library) -> list[ContentError]:
    """Answers may name clinic details in {braces}; any other {word} would reach clients as typed."""
    allowed = ", ".join(f"{{{f}}}" for f in sorted(TOPIC_FIELDS))
    errors = []
    for topic_id, topic in library.topics.items():
        file = library.sources[topic_id]
        start = body_first_line(root, file)
        for offset, line in enumerate(topic.body.split("\n")):
            for name in TOPIC_FIELD.findall(line):
                if name not in TOPIC_FIELDS:
                    errors.append(ContentError(file, start + offset, "body", f"unknown placeholder {{{name}}}; allowed: {allowed}"))
    return errors


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
                errors.append(
                    ContentError(
                        file,
                        locate(root, file, ("examples", n)),
                        f"examples.{n}",
                        f"duplicate example question (also {where}); remove one or reword it",
                    )
                )
            else:
                seen[key] = (topic_id, n)
    return errors


def _routing(root: Path, library: Library, knowledge: Knowledge) -> list[ContentError]:
    """Run every example through the classifier, as a client's first message would be.

    Each example is left out while it is tested (leave-one-out): otherwise it
    would always find itself, and the check would prove nothing about a client
    who words the same message slightly differently. Topic examples should be
    answered by their topic; the examples of every other outcome should lead to
    that outcome, above all urgent and medical ones.
    """
    found = []
    reached: dict[str, int] = defaultdict(int)
    close: dict[tuple[str, str], list[str]] = defaultdict(list)
    for cls in outcome_classes(library):
        file = library.sources.get(cls.id, f"{root.name}/{EXAMPLES_FILE}")
        for n, example in enumerate(cls.examples):
            decision = knowledge.read(example, without=(cls.id, n))
            where = ("examples", n) if cls.kind is Kind.TOPIC else (cls.id, n)
            field = f"examples.{n}" if cls.kind is Kind.TOPIC else f"{cls.id}.{n}"
            got = _route_name(decision)
            if cls.kind is not Kind.TOPIC:
                if got != cls.id and (cls.kind in SAFETY or decision.outcome is Outcome.ANSWER):
                    found.append(
                        ContentError(
                            file,
                            locate(root, file, where),
                            field,
                            f"{example!r} would get {got} instead of {cls.id} (closest: {_closest(root, library, decision)}); "
                            "reword it or add examples that tell them apart",
                            "warning",
                            routed_to=got,
                        )
                    )
                continue
            if decision.outcome is Outcome.ANSWER and decision.topics[0] == cls.id:
                reached[cls.id] += 1
                rival = decision.scores[1] if len(decision.scores) > 1 else None
                if rival is not None and rival.kind is Kind.TOPIC and decision.confidence - rival.score < CLOSE:
                    close[tuple(sorted((cls.id, rival.class_id)))].append(example)
            elif decision.outcome is Outcome.CLARIFY and cls.id in decision.topics:
                for other in decision.topics:
                    if other != cls.id:
                        close[tuple(sorted((cls.id, other)))].append(example)
            else:
                found.append(
                    ContentError(
                        file,
                        locate(root, file, where),
                        field,
                        f"{example!r} would get {got} instead (closest: {_closest(root, library, decision)}); "
                        "reword it, or add keywords or examples that tell them apart",
                        "warning",
                        routed_to=got,
                    )
                )
    for (topic_id, other), examples in sorted(close.items()):
        if len(examples) < AMBIGUOUS_PAIR:
            continue
        found.append(
            _on_examples(
                root,
                library,
                topic_id,
                f"this topic and {other!r} are easily confused: {len(examples)} example questions of the two "
                f"score close to both (e.g. {examples[0]!r}); add keywords or examples that tell them apart",
                "warning",
            )
        )
    for topic_id in library.topics:
        if not reached[topic_id]:
            message = "no example question reaches this topic, so clients cannot either; add distinctive examples"
            found.append(_on_examples(root, library, topic_id, message))
    return found


def _on_examples(root: Path, library: Library, topic_id: str, message: str, severity: str = "error") -> ContentError:
    """A problem with a topic's examples as a whole, shown at its `examples:` line."""
    file = library.sources[topic_id]
    return ContentError(file, locate(root, file, ("examples",)), "examples", message, severity)


def _route_name(decision: Decision) -> str:
    """What a client would get, in the words staff use in the content files."""
    if decision.outcome is Outcome.ANSWER:
        return f"topic {decision.topics[0]!r}"
    if decision.outcome is Outcome.CLARIFY:
        return "a 'did you mean' between " + ", ".join(repr(t) for t in decision.topics)
    return decision.outcome.value


def _closest(root: Path, library: Library, decision: Decision) -> str:
    """What captured an example, with the file and line to change: a phrase in safety.yaml or
    intents.yaml, or the closest example of another outcome."""
    if decision.phrase:
        for file, model in (("safety.yaml", library.safety), ("intents.yaml", library.intents)):
            for name in type(model).model_fields:
                phrases = getattr(model, name)
                if decision.phrase in phrases:
                    where = f"{root.name}/{file}"
                    line = locate(root, where, (name, phrases.index(decision.phrase)))
                    return (
                        f"the phrase {decision.phrase!r} under {name} in {where}:{line} takes it first; make that phrase "
                        "longer or remove it"
                    )
        return f"the phrase {decision.phrase!r}"
    top = decision.scores[0] if decision.scores else None
    if top is None:
        return "nothing"
    if top.kind is Kind.TOPIC:
        file, path, examples = library.sources[top.class_id], ("examples",), library.topics[top.class_id].examples
    else:
        file, path, examples = f"{root.name}/{EXAMPLES_FILE}", (top.class_id,), getattr(library.examples, top.class_id)
    if top.example in examples:
        path = (*path, examples.index(top.example))
    return f"{top.example!r} under {top.class_id} in {file}:{locate(root, file, path)}"


def as_dicts(problems: list[ContentError]) -> list[dict]:
    return [asdict(p) for p in problems]
