"""`/help` in the staff desk, generated from the registry the desk commands are dispatched from (issue #17, item 11)."""

import shutil

import pytest

from core.content import ContentErrors, load_library
from core.conversation.commands import desk_commands, find, help_text
from core.conversation.engine import Core
from tests.conftest import CONTENT, NOW, edit, staff


async def test_help_lists_every_desk_command_with_one_line_each(knowledge, store, outbox):
    core = Core(knowledge, store, outbox, clock=lambda: NOW)
    [reply] = await core.handle(staff("/help", thread=None))
    lines = reply.text.splitlines()
    listed = [line for line in lines if line.startswith("- **/")]
    assert len(listed) == len(desk_commands()) and reply.text == help_text(knowledge.library.messages.desk)
    for command in desk_commands():
        assert sum(line.startswith(f"- **{command.usage}**: ") for line in listed) == 1
    assert {c.name for c in desk_commands()} >= {"claim", "close", "note", "reply", "reload", "leads", "unanswered", "help"}


async def test_an_unknown_command_gets_the_help(knowledge, store, outbox):
    core = Core(knowledge, store, outbox, clock=lambda: NOW)
    [reply] = await core.handle(staff("/frobnicate", thread=None))
    assert reply.text == help_text(knowledge.library.messages.desk)


def test_every_listed_command_is_dispatched_by_name():
    for command in desk_commands():
        found, rest = find(f"/{command.name}@medspa_bot some text")
        assert found is command and rest == "some text"


def test_an_unknown_placeholder_in_a_desk_message_is_an_error(tmp_path):
    """Desk texts are content, checked like the clients' messages (issue #18, item 4)."""
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    edit(content / "messages.yaml", 'claimed: "Ticket #{ref} claimed by {staff}."', 'claimed: "Ticket #{ref} claimed by {staf}."')
    with pytest.raises(ContentErrors) as raised:
        load_library(content)
    [error] = raised.value.errors
    assert error.field == "desk.claimed" and "unknown placeholder {staf}" in error.message and "{staff}" in error.message
