"""What ``check`` says about the translations in ``content/es/``.

A translation that is missing or incomplete never stops the bot (the English is
shown instead), so those are warnings; so is every file a native speaker has not
yet reviewed. Markup outside the subset every platform renders, and unknown
{placeholders}, are errors, as they are in the English files.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from pydantic import BaseModel

from core.content import ContentError
from core.content.loader import TOPICS_DIR, body_first_line, locate
from core.content.models import TOPIC_FIELD, TOPIC_FIELDS, Library
from core.content.translations import LANGUAGES, STAFF_ONLY, Translation, read_translation
from core.understanding.language import NAMES

MarkdownCheck = Callable[[str], list[tuple[int, str]]]
"""(line offset, problem) for each piece of Markdown outside the supported subset."""


def translation_problems(root: Path, library: Library, markdown: MarkdownCheck) -> list[ContentError]:
    """Every warning and error about each translation of ``library`` (the English content)."""
    found: list[ContentError] = []
    for language in LANGUAGES:
        name = NAMES.get(language, language)
        translation, problems = read_translation(root, library, language)
        if translation is None:
            found.append(
                ContentError(
                    f"{root.name}/{language}",
                    1,
                    "",
                    f"no {name} translation: {name}-speaking clients are"
                    f" answered in English; copy the files to translate into {root.name}/{language}/",
                    "warning",
                )
            )
            continue
        found += problems
        found += _missing(root, library, translation, name)
        found += _reviews(root, translation, name)
        found += _markup(root, translation, markdown)
    return found


def _missing(root: Path, library: Library, translation: Translation, name: str) -> list[ContentError]:
    found = []
    folder = f"{root.name}/{translation.language}"
    for topic_id, file in library.sources.items():
        if topic_id not in translation.topics:
            found.append(
                ContentError(
                    file,
                    1,
                    "id",
                    f"no {name} version ({folder}/{TOPICS_DIR}/{Path(file).name}): {name}-speaking"
                    " clients get this answer in English, with a note",
                    "warning",
                )
            )
    for key in translation.missing:
        if not key:
            found.append(
                ContentError(
                    translation.messages_file,
                    1,
                    "",
                    f"file is missing: {name}-speaking clients read every"
                    " fixed message in English; copy messages.yaml here and translate it",
                    "warning",
                )
            )
            continue
        line = _line(root, translation.messages_file, key[:-1])
        found.append(
            ContentError(
                translation.messages_file,
                line,
                ".".join(key),
                f"not translated yet: {name}-speaking clients read the English text; add this key from messages.yaml",
                "warning",
            )
        )
    for n, section in enumerate(library.menu.sections):
        if section.id not in translation.menu:
            found.append(
                ContentError(
                    translation.menu_file,
                    1,
                    f"sections.{n}",
                    f"section {section.id!r} is not translated: {name}-speaking clients see its English button and title",
                    "warning",
                )
            )
    return found


def _line(root: Path, file: str, path: tuple[str, ...]) -> int:
    try:
        return locate(root, file, path)
    except OSError:
        return 1


def _reviews(root: Path, translation: Translation, name: str) -> list[ContentError]:
    return [
        ContentError(file, _line(root, file, ("review",)), "review", f"{name} text not reviewed yet: {note}", "warning")
        for file, note in translation.reviews
    ]


def _texts(model: BaseModel, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str]]:
    for name, info in type(model).model_fields.items():
        value, key = getattr(model, name), (*path, info.alias or name)
        if isinstance(value, str):
            yield key, value
        elif isinstance(value, BaseModel):
            yield from _texts(value, key)


def _markup(root: Path, translation: Translation, markdown: MarkdownCheck) -> list[ContentError]:
    found = []
    taken_from_english = set(translation.missing)
    for path, text in _texts(translation.messages):
        if path not in taken_from_english and path[0] != STAFF_ONLY:
            found += [
                ContentError(translation.messages_file, _line(root, translation.messages_file, path), ".".join(path), problem)
                for _, problem in markdown(text)
            ]
    allowed = ", ".join(f"{{{f}}}" for f in sorted(TOPIC_FIELDS))
    for topic_id, topic in translation.topics.items():
        file = translation.sources[topic_id]
        start = body_first_line(root, file)
        for offset, problem in markdown(topic.body):
            found.append(ContentError(file, start + offset, "body", problem))
        for offset, line in enumerate(topic.body.split("\n")):
            for name in TOPIC_FIELD.findall(line):
                if name not in TOPIC_FIELDS:
                    found.append(ContentError(file, start + offset, "body", f"unknown placeholder {{{name}}}; allowed: {allowed}"))
    return found
