"""`check` for staff: routing warnings that say what to change, drafts, long answers (issue #17, items 3-5)."""

import shutil

from core.content import load_library
from core.content.checks import DRAFT, check
from tests.conftest import CONTENT, TODAY, edit, line_of


def test_a_phrase_capturing_a_topic_example_is_named_with_its_file_and_line(content):
    intents = content / "intents.yaml"
    edit(intents, "human:\n", "human:\n  - go back to work\n")
    found = [p for p in check(content, TODAY) if "can I go back to work after microneedling" in p.message]
    [warning] = found
    assert warning.file == "content/topics/downtime.md"
    assert f"the phrase 'go back to work' under human in content/intents.yaml:{line_of(intents, '- go back to work')}" in warning.message
    assert "make that phrase longer or remove it" in warning.message


def test_an_example_lost_to_another_outcome_names_the_example_and_its_file(content):
    examples = content / "examples.yaml"
    edit(
        content / "topics" / "downtime.md",
        "  - do I need to take time off\n",
        "  - do I need to take time off\n  - tell me about your gift cards\n",
    )
    edit(examples, "out_of_scope:\n", "out_of_scope:\n  - do you sell gift cards\n")
    [warning] = [p for p in check(content, TODAY) if "'tell me about your gift cards'" in p.message]
    assert (
        f"'do you sell gift cards' under out_of_scope in content/examples.yaml:{line_of(examples, 'do you sell gift cards')}"
        in warning.message
    )


def test_a_draft_is_checked_listed_and_never_shown(content, tmp_path):
    topic = content / "topics" / "pores.md"
    edit(topic, "id: pores\n", "id: pores\ndraft: true\n")
    edit(content / "menu.yaml", "pores, ", "")  # a draft need not be in the menu yet
    library = load_library(content)
    assert not library.offered("pores") and library.is_draft("pores")
    problems = check(content, TODAY)
    [draft] = [p for p in problems if p.severity == DRAFT]
    assert (draft.file, draft.line) == ("content/topics/pores.md", line_of(topic, "draft: true"))
    edit(topic, "button: ", "button: " + "x" * 50)
    assert any(p.severity == "error" and p.file == "content/topics/pores.md" for p in check(content, TODAY))  # still validated


def test_an_answer_still_a_placeholder_is_a_draft(content):
    topic = content / "topics" / "pores.md"
    text = topic.read_text()
    header, _ = text.rsplit("---\n", 1)
    topic.write_text(header + "---\nTODO: write this answer\n")
    [draft] = [p for p in check(content, TODAY) if p.severity == DRAFT]
    assert draft.file == "content/topics/pores.md" and "still a TODO placeholder" in draft.message


async def test_clients_never_see_a_draft(tmp_path):
    from cli.compose import build_core
    from core.storage.store import Store
    from tests.conftest import button_event

    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    edit(content / "topics" / "pores.md", "id: pores\n", "id: pores\ndraft: true\n")
    core = build_core(content, Store(tmp_path / "data", fsync=False))
    try:
        [reply] = await core.handle(button_event("faq:pores"))
        assert reply.topic is None and "Enlarged pores" not in reply.text
        menus = [await core.handle(button_event(f"menu:{s.id}")) for s in core.knowledge.library.menu.sections]
        assert all(b.action != "faq:pores" for replies in menus for r in replies for b in r.buttons)
    finally:
        await core.store.aclose()


def test_drafts_never_fail_check_even_strict(content, medspa):
    edit(content / "topics" / "pores.md", "id: pores\n", "id: pores\ndraft: true\n")
    result = medspa("check", content)
    assert "draft: content/topics/pores.md" in result.stdout and "1 draft(s) not shown to clients" in result.stdout


def test_a_long_answer_asks_to_split_it_into_topics(content):
    topic = content / "topics" / "pores.md"
    edit(
        topic, "so your skin looks more **refined and polished**.", "so your skin looks more refined.\n\n" + "Lorem ipsum dolor sit. " * 55
    )
    [warning] = [p for p in check(content, TODAY) if p.field == "body" and p.severity == "warning"]
    assert "too long to read in a chat" in warning.message and "splitting it into topics" in warning.message
    assert "will show it as" not in warning.message  # still one Discord message: the length alone is the problem


def test_examples_sent_elsewhere_are_summed_up_per_file_and_listed_on_request(content, medspa):
    topic = content / "topics" / "pores.md"
    edit(topic, "  - can it refine my pores\n", "  - is there any downtime after microneedling\n")
    summary = medspa("check", content).stdout
    [line] = [s for s in summary.splitlines() if s.startswith("warning: content/topics/pores.md:") and "another reply" in s]
    assert "topic 'downtime'" in line and "medspa check --details" in line
    assert "is there any downtime after microneedling" not in summary
    details = medspa("check", content, "--details").stdout
    assert f"content/topics/pores.md:{line_of(topic, 'is there any downtime after')}:" in details
    assert details.splitlines()[-1] == summary.splitlines()[-1]  # the same count either way
