"""Content mistakes a non-programmer makes, reported as what to do (issue #17, items 1 and 2)."""

import shutil

import pytest

from core.content import ContentErrors, load_library
from core.content.errors import describe_field
from tests.conftest import CONTENT, checked, edit, errors_of, line_of


def test_a_tab_is_named_with_its_line_shown(content):
    topic = content / "topics" / "pores.md"
    edit(topic, "  - does microneedling shrink pores", "\t- does microneedling shrink pores")
    [error] = errors_of(content)
    line = line_of(topic, "does microneedling shrink pores")
    assert error.line == line and error.message.startswith(f"line {line} starts with a tab; use spaces")
    assert error.quote == "\t- does microneedling shrink pores" and f"    {line} | →" in str(error)


def test_bad_indentation_names_both_lines_and_only_the_root_cause(content):
    topic = content / "topics" / "benefits-overview.md"
    lines = topic.read_text().split("\n")
    bad = next(n for n, text in enumerate(lines) if text.startswith("  - ") and lines[n - 1].startswith("  - "))
    lines[bad] = " " + lines[bad].lstrip()
    topic.write_text("\n".join(lines))
    [error] = errors_of(content)  # the menu and the topics relating to it are not also reported
    assert error.file == "content/topics/benefits-overview.md"
    assert error.message.startswith(f"line {bad + 1} is indented differently from line {bad}")


def test_a_colon_in_a_title_asks_for_quotes(content):
    edit(content / "topics" / "pores.md", "title: ", "title: Pores: ")
    [error] = errors_of(content)
    assert "put the text after the field's name in quotes" in error.message


def test_a_broken_topic_is_not_also_missing_when_its_id_line_is_broken_too(content):
    topic = content / "topics" / "downtime.md"
    edit(topic, "id: downtime", "id: downtime: the recovery")
    [error] = errors_of(content)
    assert error.file == "content/topics/downtime.md" and "in quotes" in error.message


def test_an_empty_file_is_one_error(content):
    (content / "clinic.yaml").write_text("# nothing yet\n")
    [error] = errors_of(content)
    assert error.file == "content/clinic.yaml" and "empty" in error.message


def test_a_binary_file_is_not_text(content):
    (content / "menu.yaml").write_bytes(b"sections:\n\x00\xff\xfe garbage")
    [error] = errors_of(content)
    assert error.file == "content/menu.yaml" and "not plain text" in error.message


def test_unknown_ids_get_a_suggestion(content):
    edit(content / "menu.yaml", "benefits-overview", "benefit-overview")
    errors = errors_of(content)
    assert any(e.file == "content/menu.yaml" and e.message.endswith("did you mean 'benefits-overview'?") for e in errors)
    edit(content / "menu.yaml", "benefit-overview", "benefits-overview")
    topic = next(p for p in (content / "topics").glob("*.md") if "related: [" in p.read_text() and p.stem != "benefits-overview")
    edit(topic, "related: [", "related: [benefits-overveiw, ")
    [error] = errors_of(content)
    assert error.message == "no topic with id 'benefits-overveiw'; did you mean 'benefits-overview'?"
    assert "[the 1st entry of related]" in str(error)


def test_field_paths_read_as_entries():
    assert describe_field("related.1") == "the 2nd entry of related"
    assert describe_field("sections.0.topics.2") == "the 3rd entry of topics, in the 1st entry of sections"
    assert describe_field("examples.10") == "the 11th entry of examples"
    assert describe_field("hours.days.monday") == "hours.days.monday"


BROKEN = {
    "tab": lambda c: edit(c / "topics" / "pores.md", "  - does", "\t- does"),
    "bad indentation": lambda c: edit(c / "menu.yaml", "  - id:", "   - id:"),
    "empty file": lambda c: (c / "clinic.yaml").write_text(""),
    "empty topic": lambda c: (c / "topics" / "pores.md").write_text(""),
    "binary file": lambda c: (c / "topics" / "pores.md").write_bytes(bytes(range(256)) * 4),
    "a folder named like a file": lambda c: ((c / "clinic.yaml").unlink(), (c / "clinic.yaml").mkdir()),
    "a list instead of fields": lambda c: (c / "clinic.yaml").write_text("- a\n- b\n"),
    "no topics": lambda c: shutil.rmtree(c / "topics"),
}


@pytest.mark.parametrize("mistake", sorted(BROKEN))
def test_check_never_prints_a_traceback(tmp_path, mistake, medspa):
    copy = tmp_path / "my copy"  # staff keep a copy to try changes; it is not named content
    shutil.copytree(CONTENT, copy)
    BROKEN[mistake](copy)
    result = medspa("check", copy)  # in this process, an uncaught exception fails the test outright
    assert "Traceback" not in result.stdout + result.stderr
    assert result.returncode == 1 and "error: my copy/" in result.stdout


@pytest.mark.parametrize("where", ["missing", "a file", "the current folder"])
def test_check_on_odd_folders_says_so_plainly(tmp_path, where, medspa, monkeypatch):
    copy = tmp_path / "try"
    shutil.copytree(CONTENT, copy)
    target = {"missing": tmp_path / "nope", "a file": copy / "clinic.yaml", "the current folder": "."}[where]
    monkeypatch.setattr("cli.main.check", checked)  # the same problems, computed once per content
    result = medspa("check", target, "--json", cwd=copy)
    assert "Traceback" not in result.stdout + result.stderr
    if where == "the current folder":
        assert result.returncode == 0 and '"file": "try/clinic.yaml"' in result.stdout
    else:
        assert result.returncode == 2 and "no such content folder" in result.stderr


def test_the_loader_refuses_garbage_with_content_errors_only(content):
    (content / "safety.yaml").write_text("urgent: [\n")
    with pytest.raises(ContentErrors):
        load_library(content)
