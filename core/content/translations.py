"""Content in another language: ``content/es/`` mirrors ``content/`` for Spanish.

Staff edit a translation the way they edit the English: ``es/topics/<file>.md``
has the same ``id`` as the English topic, with its own ``title``, ``button``
and answer (no examples: understanding stays in the English files, which hold
the Spanish examples too); ``es/messages.yaml`` has the same keys as
``messages.yaml``; ``es/menu.yaml`` gives each section's ``button`` and
``title`` by ``id``. Clinic details are shared.

Anything not translated yet is taken from the English, so a client is never
left without an answer. Only a file that cannot be read is an error (the
change is refused, as for English files); a missing, extra or mismatched
translation is a warning that ``check`` lists, with every file whose
``review`` line a native speaker has not yet deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from pydantic import Field

from core.content.errors import ContentError, ContentErrors
from core.content.loader import TOPICS_DIR, _Parsed, _read, _relative, load_topic
from core.content.models import Label, Library, Menu, Messages, Model, Text, TopicId

LANGUAGES = ("es",)
"""Translations the bot knows; each lives in the content folder under its code."""
REVIEW = "review"
STAFF_ONLY = "desk"
"""The messages group staff read in the desk: English whatever the client's language, so a
translation has none, and one it does have is never shown."""


class TopicTranslation(Model):
    id: TopicId
    title: Text
    button: Label
    keywords: list[Text] = []
    """Words a client uses for the topic in this language when saying what they want to improve
    while booking (understanding questions stays with the English file's examples)."""
    review: str | None = None
    body: Text


class SectionTranslation(Model):
    id: TopicId
    button: Label
    title: Text


class MenuTranslation(Model):
    review: str | None = None
    sections: list[SectionTranslation] = Field(min_length=1)


@dataclass(frozen=True)
class Translation:
    """One language's files as read, with what is still missing or awaiting review."""

    language: str
    messages: Messages
    missing: tuple[tuple[str, ...], ...]
    """Message keys not translated yet (field paths), filled from the English."""
    menu: dict[str, SectionTranslation]
    topics: dict[str, TopicTranslation]
    sources: dict[str, str]
    """Topic id -> Spanish file."""
    reviews: tuple[tuple[str, str], ...]
    """(file, note) for each file still marked for review."""
    menu_file: str
    messages_file: str


def read_translation(root: Path, library: Library, language: str) -> tuple[Translation | None, list[ContentError]]:
    """The translation in ``root/<language>`` of the English ``library``, and the problems found
    (errors and warnings). ``None`` when the folder does not exist."""
    folder = root / language
    if not folder.is_dir():
        return None, []
    errors: list[ContentError] = []
    reviews: list[tuple[str, str]] = []
    messages, missing, messages_file = _messages(folder / "messages.yaml", root, library, errors, reviews)
    menu, menu_file = _menu(folder / "menu.yaml", root, library, errors, reviews)
    topics, sources = _topics(folder / TOPICS_DIR, root, library, errors, reviews)
    translation = Translation(language, messages, tuple(missing), menu, topics, sources, tuple(reviews), menu_file, messages_file)
    return translation, errors


def with_translations(root: Path, library: Library) -> tuple[Library, list[ContentError]]:
    """``library`` with every translation found under ``root`` attached, ready for clients."""
    found: dict[str, Library] = {}
    errors: list[ContentError] = []
    for language in LANGUAGES:
        translation, problems = read_translation(root, library, language)
        problems = [p for p in problems if p.severity == "error"]
        errors += problems
        if translation is not None and not problems:
            found[language] = localise(library, translation)
    return library.model_copy(update={"translations": MappingProxyType(found)}), errors


def localise(library: Library, translation: Translation) -> Library:
    """The English library with every translated text put in; untranslated topics stay English."""
    topics = {}
    for topic_id, topic in library.topics.items():
        version = translation.topics.get(topic_id)
        topics[topic_id] = (
            topic.model_copy(
                update={
                    "title": version.title,
                    "button": version.button,
                    "body": version.body,
                    "keywords": [*version.keywords, *topic.keywords],
                }
            )
            if version
            else topic
        )
    sections = [
        s.model_copy(update={"button": translation.menu[s.id].button, "title": translation.menu[s.id].title})
        if s.id in translation.menu
        else s
        for s in library.menu.sections
    ]
    return library.model_copy(
        update={
            "language": translation.language,
            "messages": translation.messages,
            "menu": Menu(sections=sections),
            "topics": MappingProxyType(topics),
            "sources": MappingProxyType({**library.sources, **translation.sources}),
            "base": library,
            "untranslated": frozenset(library.topics.keys() - translation.topics.keys()),
        }
    )


def _review(parsed: _Parsed, data: dict, reviews: list[tuple[str, str]]) -> None:
    note = data.pop(REVIEW, None)
    if note:
        reviews.append((parsed.file, str(note)))


def _messages(
    path: Path, root: Path, library: Library, errors: list[ContentError], reviews: list[tuple[str, str]]
) -> tuple[Messages, list[tuple[str, ...]], str]:
    file = _relative(path, root)
    english = {key: text for key, text in library.messages.model_dump(by_alias=True).items() if key != STAFF_ONLY}
    if not path.is_file():
        return library.messages, [()], file
    try:
        parsed = _Parsed(file, _read(path, root), first_line=1)
    except ContentErrors as exc:
        errors.extend(exc.errors)
        return library.messages, [], file
    data = parsed.data if isinstance(parsed.data, dict) else {}
    _review(parsed, data, reviews)
    for key in _unknown_keys(data, english):
        problem = (
            "staff read the desk's messages in English, so this text is never shown; remove it"
            if key == (STAFF_ONLY,)
            else "messages.yaml has no such key, so this text is never shown; check its spelling against the English file or remove it"
        )
        errors.append(ContentError(file, parsed.line_of(key), ".".join(key), problem, "warning"))
    data = _known(data, english)
    missing = _missing_keys(english, data)
    parsed.data = {**_merged(english, data), STAFF_ONLY: library.messages.desk.model_dump()}
    try:
        return parsed.validate(Messages), missing, file
    except ContentErrors as exc:
        errors.extend(exc.errors)
        return library.messages, [], file


def _unknown_keys(data: Any, english: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    if not isinstance(data, dict) or not isinstance(english, dict):
        return []
    found = []
    for key, value in data.items():
        if key not in english:
            found.append((*path, key))
        else:
            found += _unknown_keys(value, english[key], (*path, key))
    return found


def _known(data: Any, english: Any) -> Any:
    if not isinstance(data, dict) or not isinstance(english, dict):
        return data
    return {key: _known(value, english[key]) for key, value in data.items() if key in english}


def _missing_keys(english: Any, data: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    if not isinstance(english, dict):
        return []
    found = []
    for key, value in english.items():
        if not isinstance(data, dict) or key not in data:
            if key != "untranslated":
                found.append((*path, key))
        else:
            found += _missing_keys(value, data[key], (*path, key))
    return found


def _merged(english: Any, data: Any) -> Any:
    if isinstance(english, dict) and isinstance(data, dict):
        return {key: _merged(english.get(key), data[key]) if key in data else value for key, value in {**english, **data}.items()}
    return data


def _menu(
    path: Path, root: Path, library: Library, errors: list[ContentError], reviews: list[tuple[str, str]]
) -> tuple[dict[str, SectionTranslation], str]:
    file = _relative(path, root)
    if not path.is_file():
        return {}, file
    try:
        parsed = _Parsed(file, _read(path, root), first_line=1)
        data = parsed.data if isinstance(parsed.data, dict) else {}
        _review(parsed, dict(data), reviews)
        menu = parsed.validate(MenuTranslation)
    except ContentErrors as exc:
        errors.extend(exc.errors)
        return {}, file
    english = {s.id for s in library.menu.sections}
    sections = {}
    for n, section in enumerate(menu.sections):
        line = parsed.line_of(("sections", n, "id"))
        if section.id not in english:
            errors.append(
                ContentError(
                    file,
                    line,
                    f"sections.{n}.id",
                    f"menu.yaml has no section {section.id!r}, so this translation is not used; use the ids of the English menu",
                    "warning",
                )
            )
        elif section.id in sections:
            errors.append(ContentError(file, line, f"sections.{n}.id", f"section {section.id!r} is translated twice", "warning"))
        else:
            sections[section.id] = section
    return sections, file


def _topics(
    folder: Path, root: Path, library: Library, errors: list[ContentError], reviews: list[tuple[str, str]]
) -> tuple[dict[str, TopicTranslation], dict[str, str]]:
    topics: dict[str, TopicTranslation] = {}
    sources: dict[str, str] = {}
    english_files = {Path(file).name: topic_id for topic_id, file in library.sources.items()}
    for path in sorted(folder.glob("*.md")):
        try:
            topic, parsed = load_topic(path, root, TopicTranslation)
        except ContentErrors as exc:
            errors.extend(exc.errors)
            continue
        line = parsed.line_of(("id",))
        same_file = english_files.get(path.name)
        unused = "so this translation is not used"
        if topic.id not in library.topics:
            errors.append(
                ContentError(
                    parsed.file,
                    line,
                    "id",
                    f"no English topic has the id {topic.id!r}, {unused}; "
                    + (f"topics/{path.name} has {same_file!r}" if same_file else "delete it, or use the id of the topic it translates"),
                    "warning",
                )
            )
        elif same_file is not None and same_file != topic.id:
            errors.append(
                ContentError(
                    parsed.file,
                    line,
                    "id",
                    f"topics/{path.name} has the id {same_file!r}, {unused}; a translation keeps the id and file name of its English topic",
                    "warning",
                )
            )
        elif topic.id in topics:
            errors.append(
                ContentError(parsed.file, line, "id", f"{topic.id!r} is already translated in {sources[topic.id]}, {unused}", "warning")
            )
        else:
            topics[topic.id] = topic
            sources[topic.id] = parsed.file
            if topic.review:
                reviews.append((parsed.file, topic.review))
    return topics, sources
