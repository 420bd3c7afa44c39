"""content/es/: Spanish versions of the content, what `check` says about them, and the English
fallback for anything not translated yet."""

import shutil

import pytest

from core.content import ContentErrors, load_library
from core.content.checks import _markdown_problems
from core.content.translation_checks import translation_problems
from core.conversation.engine import Core
from core.outbox import LogOutbox
from core.understanding.knowledge import Knowledge
from tests.conftest import CONTENT, edit, line_of, say, ticking


def translation_warnings(content):
    return [p for p in translation_problems(content, load_library(content), _markdown_problems)]


def test_every_client_facing_text_has_a_spanish_version():
    library = load_library(CONTENT)
    spanish = library.in_language("es")
    assert set(library.translations) == {"es"} and spanish.untranslated == frozenset()
    assert all(spanish.topics[t].body != library.topics[t].body for t in library.topics)
    assert [s.id for s in spanish.menu.sections] == [s.id for s in library.menu.sections]
    assert all(s.button != e.button for s, e in zip(spanish.menu.sections, library.menu.sections, strict=True) if s.id != "consultation")
    problems = translation_problems(CONTENT, library, _markdown_problems)
    assert problems and all(p.field == "review" and p.severity == "warning" for p in problems)  # only "not reviewed yet"
    assert len(problems) == len(library.topics) + 2  # every topic, messages.yaml and menu.yaml


def test_a_reviewed_file_is_no_longer_reported(content):
    topic = content / "es" / "topics" / "pores.md"
    topic.write_text("\n".join(line for line in topic.read_text().splitlines() if not line.startswith("review:")) + "\n")
    files = {p.file for p in translation_warnings(content)}
    assert "content/es/topics/pores.md" not in files and "content/es/topics/downtime.md" in files


async def test_a_topic_without_spanish_is_answered_in_english_with_a_note(content, store):
    (content / "es" / "topics" / "session-length.md").unlink()
    [missing] = [p for p in translation_warnings(content) if p.field == "id"]
    assert (missing.file, missing.severity) == ("content/topics/session-length.md", "warning")
    assert "no Spanish version (content/es/topics/session-length.md)" in missing.message
    core = Core(Knowledge(load_library(content)), store, LogOutbox(), clock=ticking())
    await say(core, "hola, buenas tardes")
    [answer] = await say(core, "¿cuánto dura cada sesión?")
    note, english = answer.text.split("\n\n", 1)
    assert note == "_Esta respuesta todavía no está traducida al español, así que se la muestro en inglés:_"
    assert english.startswith("**How long a session takes**")


def test_an_extra_or_mismatched_translation_is_reported_not_used(content):
    extra = content / "es" / "topics" / "botox.md"
    shutil.copy(content / "es" / "topics" / "pores.md", extra)
    edit(extra, "id: pores", "id: botox")
    edit(content / "es" / "topics" / "comfort.md", "id: comfort", "id: comfrot")
    problems = {p.file: p for p in translation_warnings(content) if p.field == "id"}
    assert "no English topic has the id 'botox'" in problems["content/es/topics/botox.md"].message
    assert "topics/comfort.md has 'comfort'" in problems["content/es/topics/comfort.md"].message
    assert problems["content/topics/comfort.md"].message.startswith("no Spanish version")
    assert {p.severity for p in problems.values()} == {"warning"}
    assert load_library(content).in_language("es").untranslated == {"comfort"}  # the bot keeps working


def test_message_keys_must_match_the_english(content):
    messages = content / "es" / "messages.yaml"
    edit(messages, "thanks: ", "gracias: ")
    found = {p.field: p for p in translation_warnings(content) if p.file == "content/es/messages.yaml"}
    assert found["gracias"].line == line_of(messages, "gracias: ") and "no such key" in found["gracias"].message
    assert "not translated yet" in found["thanks"].message
    spanish = load_library(content).in_language("es").messages
    assert spanish.thanks == load_library(CONTENT).messages.thanks and spanish.bye.startswith("Gracias")


def test_a_menu_section_without_spanish_keeps_its_english_label(content):
    menu = content / "es" / "menu.yaml"
    text = menu.read_text()
    menu.write_text(text[: text.index("  - id: consultation")])
    [warning] = [p for p in translation_warnings(content) if p.field.startswith("sections")]
    assert "'consultation' is not translated" in warning.message
    assert load_library(content).in_language("es").menu.sections[-1].button == "Consultation"


def test_spanish_markup_and_placeholders_are_checked_like_the_english(content):
    topic = content / "es" / "topics" / "pores.md"
    edit(topic, "El microneedling ayuda", "# Poros\n\nLlame al {telefono}. El microneedling ayuda")
    errors = [p for p in translation_warnings(content) if p.severity == "error"]
    assert {p.file for p in errors} == {"content/es/topics/pores.md"}
    assert any("heading is not supported" in p.message for p in errors) and any("{telefono}" in p.message for p in errors)


def test_markup_in_spanish_messages_is_checked(content):
    messages = content / "es" / "messages.yaml"
    edit(messages, 'menu_intro: "', 'menu_intro: "# ')
    [error] = [p for p in translation_warnings(content) if p.severity == "error"]
    assert (error.file, error.field, error.line) == ("content/es/messages.yaml", "menu_intro", line_of(messages, "menu_intro:"))


def test_a_broken_spanish_file_refuses_the_change(content):
    edit(content / "es" / "topics" / "pores.md", "button: ", "button: [")
    with pytest.raises(ContentErrors) as refused:
        load_library(content)
    assert {e.file for e in refused.value.errors} == {"content/es/topics/pores.md"}


def test_no_translation_folder_is_one_warning(content):
    shutil.rmtree(content / "es")
    [warning] = translation_warnings(content)
    assert warning.file == "content/es" and "answered in English" in warning.message
    assert load_library(content).in_language("es").language == "en"


def test_placeholder_lines_never_reach_a_spanish_client():
    spanish = load_library(CONTENT).in_language("es")
    urgent = spanish.fill(spanish.messages.urgent)
    assert "TODO" not in urgent and "llame ahora mismo" not in urgent and "911" in urgent
    assert "TODO" not in spanish.fill(spanish.messages.booking_flow.confirmed, ref="MN-1")


def test_the_desk_group_is_english_only(content):
    """Staff read the desk in English: Spanish is neither asked for nor used (issue #18, item 4)."""
    assert not any(p.field.startswith("desk") for p in translation_warnings(content))
    messages = content / "es" / "messages.yaml"
    messages.write_text(messages.read_text() + '\ndesk:\n  claimed: "Ticket #{ref} reclamado por {staff}."\n')
    [extra] = [p for p in translation_warnings(content) if p.field.startswith("desk")]
    assert extra.field == "desk" and "in English" in extra.message
    library = load_library(content)
    assert library.in_language("es").messages.desk == library.messages.desk
