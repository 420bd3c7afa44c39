"""A broken content file gets an error naming the file, the field and the line."""

import shutil

from tests.conftest import edit, errors_of, line_of


def test_too_few_examples_points_at_the_examples_field(content):
    topic = content / "topics" / "pores.md"
    lines = topic.read_text().splitlines()
    start = lines.index("examples:")
    end = next(n for n in range(start + 1, len(lines)) if not lines[n].startswith("  - "))
    topic.write_text("\n".join(lines[: start + 3] + lines[end:]) + "\n")
    [error] = errors_of(content)
    assert (error.file, error.field, error.line) == ("content/topics/pores.md", "examples", start + 1)
    assert "at least 8" in error.message and "found 2" in error.message


def test_missing_field_is_named(content):
    topic = content / "topics" / "downtime.md"
    edit(topic, "button: Downtime\n", "")
    [error] = errors_of(content)
    assert error.file == "content/topics/downtime.md" and error.field == "button"
    assert "missing" in error.message


def test_misspelt_field_is_reported_on_its_line(content):
    topic = content / "topics" / "comfort.md"
    edit(topic, "keywords:", "keywrods:")
    [error] = errors_of(content)
    assert error.field == "keywrods" and error.line == line_of(topic, "keywrods:")
    assert "unknown field" in error.message


def test_yaml_syntax_error_gives_the_line(content):
    edit(content / "clinic.yaml", "city: Little Rock, AR", "city: [Little Rock, AR")
    [error] = errors_of(content)
    assert error.file == "content/clinic.yaml" and error.line >= line_of(content / "clinic.yaml", "city:")
    assert "is not closed" in error.message and error.quote == "city: [Little Rock, AR"


def test_unknown_related_topic(content):
    topic = content / "topics" / "pores.md"
    edit(topic, "related: [texture-fine-lines, benefits-overview]", "related: [texture-fine-lines, no-such-topic]")
    [error] = errors_of(content)
    assert (error.field, error.line) == ("related.1", line_of(topic, "related:"))
    assert "no-such-topic" in error.message


def test_menu_naming_a_missing_topic(content):
    menu = content / "menu.yaml"
    edit(menu, "topics: [what-to-expect, comfort, session-length, downtime]", "topics: [what-to-expect, comfort, session-length, downtme]")
    errors = errors_of(content)
    messages = {(e.file, e.line): e.message for e in errors}
    assert "'downtme'" in messages[("content/menu.yaml", line_of(menu, "downtme"))]
    assert any(e.file == "content/topics/downtime.md" and "not in any section" in e.message for e in errors)


def test_duplicate_topic_id(content):
    shutil.copy(content / "topics" / "pores.md", content / "topics" / "zz-pores.md")
    [error] = errors_of(content)
    assert error.file == "content/topics/zz-pores.md" and error.line == 2
    assert "already used by content/topics/pores.md" in error.message


def test_unknown_message_placeholder(content):
    messages = content / "messages.yaml"
    edit(messages, 'clarify: "I want to get this right.', 'clarify: "I want to get this right {nmae}.')
    [error] = errors_of(content)
    assert (error.field, error.line) == ("clarify", line_of(messages, "clarify:"))
    assert "{nmae}" in error.message


def test_bad_opening_hours(content):
    clinic = content / "clinic.yaml"
    edit(clinic, 'monday: "TODO: e.g. 09:00-17:00"', 'monday: "9 to 5"')
    [error] = errors_of(content)
    assert error.field == "hours.days" and "09:00-17:00" in error.message


def test_topic_without_header(content):
    (content / "topics" / "notes.md").write_text("Just some notes\n")
    [error] = errors_of(content)
    assert (error.file, error.line) == ("content/topics/notes.md", 1)
    assert "'---'" in error.message


def test_every_problem_is_reported_at_once(content):
    edit(content / "topics" / "downtime.md", "button: Downtime\n", "")
    edit(content / "topics" / "comfort.md", "keywords:", "keywrods:")
    assert {e.file for e in errors_of(content)} == {"content/topics/downtime.md", "content/topics/comfort.md"}


def test_cli_prints_errors_without_a_traceback(content, medspa):
    edit(content / "topics" / "comfort.md", "keywords:", "keywrods:")
    result = medspa("ask", "--content", content, "does it hurt")  # in this process, an uncaught exception fails the test outright
    assert result.returncode == 2
    assert "content/topics/comfort.md:" in result.stderr and "keywrods" in result.stderr
    assert "Traceback" not in result.stderr
