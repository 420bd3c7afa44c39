"""`run.py check`: one broken-content fixture per kind of problem, with its file and line."""

import json

from tests.conftest import CONTENT, TODAY, checked, edit, line_of


def problems(content, severity=None):
    return [p for p in checked(content, TODAY) if severity is None or p.severity == severity]


def only_error(content):
    [error] = problems(content, "error")
    return error


def test_shipped_content_has_no_errors():
    assert problems(CONTENT, "error") == []


def test_schema_errors_come_through(content):
    edit(content / "topics" / "comfort.md", "keywords:", "keywrods:")
    error = only_error(content)
    assert (error.file, error.field) == ("content/topics/comfort.md", "keywrods")


def test_duplicate_example_question_across_topics(content):
    topic = content / "topics" / "pores.md"
    edit(topic, "  - can it refine my pores\n", "  - can it refine my pores\n  - Does microneedling hurt?\n")
    dup = [p for p in problems(content, "error") if "duplicate example" in p.message]
    assert [(p.file, p.line) for p in dup] == [("content/topics/pores.md", line_of(topic, "Does microneedling hurt?"))]
    assert "also in topic 'comfort'" in dup[0].message


def test_unsupported_markdown_is_pointed_at(content):
    topic = content / "topics" / "pores.md"
    edit(topic, "Microneedling helps", "# Big heading\n\nSee [our site](https://example.com).\n\nMicroneedling helps")
    found = {(p.line, p.message.split(" is not")[0]) for p in problems(content, "error")}
    assert (line_of(topic, "# Big heading"), "heading") in found
    assert (line_of(topic, "See [our site]"), "link") in found


def test_unbalanced_bold(content):
    topic = content / "topics" / "pores.md"
    edit(topic, "so your skin looks more **refined and polished**.", "so your skin looks more **refined and polished.")
    error = only_error(content)
    assert (error.file, error.line) == ("content/topics/pores.md", line_of(topic, "refined and polished"))
    assert "unbalanced **" in error.message


def test_long_answer_is_flagged_for_splitting(content):
    topic = content / "topics" / "pores.md"
    edit(
        topic,
        "so your skin looks more **refined and polished**.",
        "so your skin looks more refined.\n\n" + ("Lorem ipsum dolor. " * 60 + "\n\n") * 3,
    )
    [warning] = [p for p in problems(content, "warning") if p.field == "body"]
    assert "Discord will show it as 3 messages" in warning.message and warning.file == "content/topics/pores.md"


def test_overlong_paragraph_is_an_error(content):
    edit(content / "topics" / "pores.md", "so your skin looks more **refined and polished**.", "so " + "very " * 500 + "refined.")
    error = only_error(content)
    assert "longer than Discord's 2000 characters" in error.message


def test_button_label_over_the_limit(content):
    topic = content / "topics" / "pores.md"
    edit(topic, "button: Pores", "button: " + "Pores " * 10)
    error = only_error(content)
    assert (error.field, error.line) == ("button", line_of(topic, "button:"))
    assert "40 characters" in error.message


def test_unfilled_placeholders_are_warnings(content):
    warnings = [p for p in problems(content, "warning") if "placeholder" in p.message]
    assert {p.field for p in warnings} >= {"phone", "address", "prices", "hours.days.monday"}
    assert all(p.file == "content/clinic.yaml" for p in warnings)
    edit(content / "clinic.yaml", 'phone: "TODO: clinic phone number, e.g. (501) 555-0100"', 'phone: "(501) 555-0100"')
    assert "phone" not in {p.field for p in problems(content, "warning")}


def test_review_past_due(content):
    topic = content / "topics" / "initial-series.md"
    edit(topic, "due: 2027-01-15", "due: 2026-10-01")
    [warning] = [p for p in problems(content) if p.field == "review" and p.file == "content/topics/initial-series.md"]
    assert warning.line == line_of(topic, "review:") and "overdue since 2026-10-01" in warning.message


def test_example_landing_on_another_topic(content):
    topic = content / "topics" / "pores.md"
    edit(topic, "  - can it refine my pores\n", "  - is there any downtime after microneedling\n")
    [warning] = [p for p in problems(content, "warning") if "is there any downtime after" in p.message]
    assert (warning.file, warning.line) == ("content/topics/pores.md", line_of(topic, "is there any downtime after"))
    assert "would get topic 'downtime' instead" in warning.message


def test_topic_no_example_reaches(content, library):
    topic = content / "topics" / "pores.md"
    text = topic.read_text()
    borrowed = "".join(f"  - {e} please\n" for e in library.topics["downtime"].examples)
    topic.write_text(
        text[: text.index("examples:")]
        + "examples:\n"
        + borrowed
        + text[text.index("keywords:") :].replace(
            "keywords: [pore, pores, enlarged pores, large pores, big pores, open pores, shrink, minimize, minimise, refine, polished]",
            "keywords: []",
        )
    )
    unreachable = [p for p in problems(content, "error") if "no example question reaches this topic" in p.message]
    assert ("content/topics/pores.md", line_of(topic, "examples:")) in [(p.file, p.line) for p in unreachable]


def test_ambiguous_pairs_are_warnings(content):
    topic = content / "topics" / "pores.md"
    extra = "".join(f"  - tell me about pores and downtime, part {n}\n" for n in range(4))
    edit(topic, "examples:\n", "examples:\n" + extra)
    edit(content / "topics" / "downtime.md", "examples:\n", "examples:\n" + extra.replace("part", "bit"))
    pairs = [p for p in problems(content, "warning") if "easily confused" in p.message]
    [pair] = [p for p in pairs if p.file == "content/topics/downtime.md" and "'pores'" in p.message]
    assert pair.line == line_of(content / "topics" / "downtime.md", "examples:")
    assert "tell me about pores and downtime" in pair.message


def test_cli_exit_codes_and_json(content, medspa, monkeypatch):
    monkeypatch.setattr("cli.main.check", checked)  # the same problems, computed once per content

    def run(*args):
        return medspa("check", content, *args)

    clean = run()
    assert clean.returncode == 0 and "0 error(s)" in clean.stdout
    assert run("--strict").returncode == 1
    edit(content / "topics" / "comfort.md", "keywords:", "keywrods:")
    broken = run("--json")
    assert broken.returncode == 1
    [error] = [p for p in json.loads(broken.stdout) if p["severity"] == "error"]
    assert error["file"] == "content/topics/comfort.md" and error["line"] == line_of(content / "topics" / "comfort.md", "keywrods")
    assert "Traceback" not in broken.stderr


def test_markdown_in_nested_messages_is_checked(content):
    messages = content / "messages.yaml"
    edit(messages, "  left: \"You've left the queue", "  left: \"# You've left the queue")
    [error] = [p for p in problems(content, "error")]
    assert (error.file, error.field, error.line) == ("content/messages.yaml", "handoff.left", line_of(messages, "  left:"))


def test_command_lines_match_the_bots_commands(content):
    """`commands:` words the menus of the registry's client commands (issue #18, item 3)."""
    messages = content / "messages.yaml"
    edit(messages, "  privacy: What we keep about you", "  privasy: What we keep about you")
    found = {p.field: p for p in problems(content, "warning") if p.field.startswith("commands")}
    assert found["commands.privasy"].line == line_of(messages, "privasy:") and "no /privasy command" in found["commands.privasy"].message
    assert "/privacy has no line here" in found["commands"].message
