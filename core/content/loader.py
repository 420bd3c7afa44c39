"""Reading content files into a :class:`Library`, with errors that point at a line.

PyYAML and python-frontmatter do the parsing; this module only adds what staff
need: the file and line of each problem, and checks that span files (a menu
naming a topic that does not exist, a duplicate id).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from difflib import get_close_matches
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import frontmatter
import yaml
from pydantic import BaseModel, ValidationError
from yaml.constructor import SafeConstructor

from core.content.errors import ContentError, ContentErrors
from core.content.models import Clinic, Examples, Intents, Library, Menu, Messages, Safety, Topic
from core.content.yaml_errors import explain

YAML_FILES: dict[str, type[BaseModel]] = {
    "clinic.yaml": Clinic,
    "messages.yaml": Messages,
    "safety.yaml": Safety,
    "intents.yaml": Intents,
    "examples.yaml": Examples,
    "menu.yaml": Menu,
}
TOPICS_DIR = "topics"


FAST_LOADER = getattr(yaml, "CSafeLoader", None)
"""libyaml's loader, where PyYAML was built with it: content is parsed several times a minute
(each reload and each `check`), and the pure-Python scanner took half of `check`'s time."""


def _parse(text: str) -> tuple[yaml.Node | None, Any]:
    """The node tree (for line numbers) and the data, from one parse. A document libyaml
    refuses is parsed again by PyYAML's own loader, whose error messages
    core/content/yaml_errors.py puts into plain words."""
    if FAST_LOADER is not None:
        try:
            node = yaml.compose(text, Loader=FAST_LOADER)
        except yaml.YAMLError:
            pass
        else:
            return node, SafeConstructor().construct_document(node) if node is not None else None
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    return node, SafeConstructor().construct_document(node) if node is not None else None


class _Parsed:
    """A YAML document with its node tree, so field paths can be turned into lines."""

    def __init__(self, file: str, text: str, first_line: int) -> None:
        self.file = file
        self.first_line = first_line
        try:
            self.node, self.data = _parse(text)
        except yaml.MarkedYAMLError as exc:
            plain = explain(exc, text, first_line)
            raise ContentErrors([ContentError(file, plain.line, "", plain.message, quote=plain.quote)]) from None
        except yaml.reader.ReaderError as exc:
            line = first_line + text.count("\n", 0, exc.position)
            raise ContentErrors(
                [
                    ContentError(
                        file,
                        line,
                        "",
                        f"line {line} contains a character that is not text "
                        f"({chr(exc.character) if isinstance(exc.character, int) else exc.character!r}); "
                        "delete it, or save the file again as plain text",
                    )
                ]
            ) from None

    def line_of(self, path: tuple[Any, ...]) -> int:
        """Line of the deepest node that exists along ``path`` (1-based, in the file).

        A field's line is the line of its name, not of its value, which for a list
        is the line below.
        """
        node, line = self.node, self.node.start_mark.line if self.node is not None else 0
        for key in path:
            if isinstance(node, yaml.MappingNode):
                pair = next(((k, v) for k, v in node.value if k.value == key), None)
                if pair is None:
                    break
                line, node = pair[0].start_mark.line, pair[1]
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
                node = node.value[key]
                line = node.start_mark.line
            else:
                break
        return self.first_line + line

    def validate(self, model: type[BaseModel], extra: dict[str, Any] | None = None) -> Any:
        if self.data is None and not extra:
            raise ContentErrors(
                [
                    ContentError(
                        self.file,
                        self.first_line,
                        "",
                        "the file is empty (or only comments); restore it from a backup or from an earlier version",
                    )
                ]
            )
        data = self.data if self.data is not None else {}
        if not isinstance(data, dict):
            raise ContentErrors([ContentError(self.file, self.first_line, "", "expected `name: value` lines at the top level")])
        try:
            return model.model_validate({**data, **(extra or {})})
        except ValidationError as exc:
            raise ContentErrors([self._explain(err) for err in exc.errors()]) from None

    def _explain(self, err: dict[str, Any]) -> ContentError:
        loc = tuple(err["loc"])
        field = ".".join(str(p) for p in loc)
        kind = err["type"]
        if kind == "missing":
            message = "this field is missing; add it"
        elif kind == "extra_forbidden":
            message = "unknown field; check its spelling or remove it"
        elif kind == "too_short":
            found = err.get("ctx", {}).get("actual_length")
            need = err.get("ctx", {}).get("min_length")
            message = f"needs at least {need} entries (found {found})"
        else:
            message = err["msg"].removeprefix("Value error, ")
        return ContentError(self.file, self.line_of(loc), field, message)


def _relative(path: Path, root: Path) -> str:
    return str(path.relative_to(root.parent)) if path.is_relative_to(root.parent) else str(path)


def _read(path: Path, root: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        line = exc.object.count(b"\n", 0, exc.start) + 1
        raise ContentErrors(
            [
                ContentError(
                    _relative(path, root),
                    line,
                    "",
                    f"not plain text: line {line} has bytes that are not UTF-8 ({exc.reason}); save the file as UTF-8 text",
                )
            ]
        ) from None
    except OSError as exc:
        raise ContentErrors(
            [ContentError(_relative(path, root), 1, "", f"cannot be read ({exc.strerror or exc}); check that it is a file you may open")]
        ) from None


CLAIMED_ID = re.compile(r"^id:\s*['\"]?([a-z0-9][a-z0-9-]*)", re.MULTILINE)


def _claimed_ids(path: Path) -> set[str]:
    """The ids a broken topic file may have meant, so a menu or a related list naming it is not
    also reported: the `id:` line if it can be read even though the header cannot, and the
    file's name (the guide asks for both to match)."""
    try:
        found = CLAIMED_ID.search(path.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        found = None
    return {path.stem, *([found[1]] if found else [])}


def load_topic(path: Path, root: Path, model: type[BaseModel] = Topic) -> tuple[Any, _Parsed]:
    file = _relative(path, root)
    text = _read(path, root)
    handler = frontmatter.YAMLHandler()
    if not text.strip():
        raise ContentErrors([ContentError(file, 1, "", "the file is empty; copy an existing topic file to start, or delete this one")])
    if not handler.detect(text):
        raise ContentErrors([ContentError(file, 1, "", "a topic file must start with a '---' line, then its fields, then '---'")])
    try:
        header, body = handler.split(text)
    except ValueError:
        raise ContentErrors([ContentError(file, 1, "", "the header is not closed: add a '---' line after its fields")]) from None
    parsed = _Parsed(file, header, first_line=1)
    return parsed.validate(model, {"body": body.strip()}), parsed


def load_library(root: Path | str) -> Library:
    """Load and cross-check every content file; raise :class:`ContentErrors` listing all problems."""
    root = Path(root).resolve()  # "." or "copy/" must still name files "copy/clinic.yaml"
    errors: list[ContentError] = []
    parts: dict[str, Any] = {}
    parsed: dict[str, _Parsed] = {}
    for name, model in YAML_FILES.items():
        path = root / name
        if not path.is_file():
            errors.append(
                ContentError(_relative(path, root), 1, "", "is a folder; it should be a file" if path.exists() else "file is missing")
            )
            continue
        try:
            parsed[name] = _Parsed(_relative(path, root), _read(path, root), first_line=1)
            parts[name] = parsed[name].validate(model)
        except ContentErrors as exc:
            errors.extend(exc.errors)

    topics: dict[str, Topic] = {}
    topic_files: dict[str, _Parsed] = {}
    broken: set[str] = set()
    for path in sorted((root / TOPICS_DIR).glob("*.md")):
        try:
            topic, parsed_topic = load_topic(path, root)
        except ContentErrors as exc:
            errors.extend(exc.errors)
            broken |= _claimed_ids(path)
            continue
        if topic.id in topics:
            errors.append(
                ContentError(
                    parsed_topic.file,
                    parsed_topic.line_of(("id",)),
                    "id",
                    f"id {topic.id!r} is already used by {topic_files[topic.id].file}; ids must be unique",
                )
            )
            continue
        topics[topic.id] = topic
        topic_files[topic.id] = parsed_topic
    if not topics and not any(e.file.startswith(TOPICS_DIR) for e in errors):
        errors.append(ContentError(_relative(root / TOPICS_DIR, root), 1, "", "no topic files (*.md) found"))

    errors.extend(_cross_check(parts.get("menu.yaml"), parsed.get("menu.yaml"), topics, topic_files, broken))
    if errors:
        raise ContentErrors(errors)
    library = Library(
        clinic=parts["clinic.yaml"],
        messages=parts["messages.yaml"],
        safety=parts["safety.yaml"],
        intents=parts["intents.yaml"],
        examples=parts["examples.yaml"],
        menu=parts["menu.yaml"],
        topics=MappingProxyType(topics),
        sources=MappingProxyType({tid: p.file for tid, p in topic_files.items()}),
    )
    from core.content.translations import with_translations  # it builds on this module's parsing

    library, errors = with_translations(root, library)
    if errors:
        raise ContentErrors(errors)
    return library


def _cross_check(
    menu: Menu | None, menu_file: _Parsed | None, topics: dict[str, Topic], topic_files: dict[str, _Parsed], broken: set[str]
) -> list[ContentError]:
    """References between files: every menu entry and related topic must exist.

    References to a topic whose own file is broken are not reported: fixing that
    file fixes them, and staff should see one error, not five.
    """
    errors = []
    for topic in topics.values():
        file = topic_files[topic.id]
        if topic.id in Examples.model_fields:
            errors.append(
                ContentError(
                    file.file, file.line_of(("id",)), "id", f"id {topic.id!r} is the name of an outcome in examples.yaml; pick another id"
                )
            )
        for i, ref in enumerate(topic.related):
            if ref in broken:
                continue
            problem = (
                f"no topic with id {ref!r}{suggest(ref, topics)}"
                if ref not in topics
                else "a topic cannot be related to itself"
                if ref == topic.id
                else None
            )
            if problem:
                errors.append(ContentError(file.file, file.line_of(("related", i)), f"related.{i}", problem))
    if menu is None or menu_file is None:
        return errors
    listed: dict[str, str] = {}
    seen_sections: set[str] = set()
    for s, section in enumerate(menu.sections):
        if section.id in seen_sections:
            errors.append(
                ContentError(
                    menu_file.file, menu_file.line_of(("sections", s, "id")), f"sections.{s}.id", f"section id {section.id!r} is used twice"
                )
            )
        seen_sections.add(section.id)
        for t, ref in enumerate(section.topics):
            line = menu_file.line_of(("sections", s, "topics", t))
            if ref in broken:
                continue
            if ref not in topics:
                errors.append(
                    ContentError(
                        menu_file.file,
                        line,
                        f"sections.{s}.topics.{t}",
                        f"no topic with id {ref!r}{suggest(ref, topics) or '; check the topics folder'}",
                    )
                )
            elif ref in listed:
                errors.append(
                    ContentError(menu_file.file, line, f"sections.{s}.topics.{t}", f"topic {ref!r} is already in section {listed[ref]!r}")
                )
            else:
                listed[ref] = section.id
    for topic_id in sorted(topics.keys() - listed.keys() - {t for t, topic in topics.items() if topic.draft}):
        file = topic_files[topic_id]
        errors.append(
            ContentError(file.file, file.line_of(("id",)), "id", f"topic {topic_id!r} is not in any section of menu.yaml; add it there")
        )
    return errors


def suggest(unknown: str, known: Iterable[str]) -> str:
    """ "; did you mean 'benefits-overview'?" for a mistyped id, or nothing when no id is close."""
    close = get_close_matches(unknown, list(known), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def locate(root: Path | str, file: str, path: tuple[Any, ...]) -> int:
    """Line of a field in a content file (``file`` as reported in errors), for later checks."""
    full = Path(root).parent / file
    stat = full.stat()
    return _parsed_for_lines(full, file, stat.st_mtime_ns, stat.st_size).line_of(path)


@lru_cache(maxsize=64)
def _parsed_for_lines(full: Path, file: str, mtime_ns: int, size: int) -> _Parsed:
    """One parse per file version: the check points at hundreds of lines of one file."""
    text = full.read_text(encoding="utf-8")
    if full.suffix == ".md":
        text = frontmatter.YAMLHandler().split(text)[0]
    return _Parsed(file, text, first_line=1)


def body_first_line(root: Path | str, file: str) -> int:
    """Line where a topic's answer text starts, so Markdown problems can be pointed at."""
    text = (Path(root).parent / file).read_text(encoding="utf-8")
    header, body = frontmatter.YAMLHandler().split(text)
    before = text[: text.index(body.strip())] if body.strip() else text
    return before.count("\n") + 1
