"""`/help` in the staff desk, generated from the registry the desk commands are dispatched from (issue #17, item 11)."""

from core.desk_commands import desk_commands, find, help_text
from core.engine import Core
from tests.conftest import NOW, staff


async def test_help_lists_every_desk_command_with_one_line_each(knowledge, store, outbox):
    core = Core(knowledge, store, outbox, clock=lambda: NOW)
    [reply] = await core.handle(staff("/help", thread=None))
    lines = reply.text.splitlines()
    listed = [line for line in lines if line.startswith("- **/")]
    assert len(listed) == len(desk_commands()) and reply.text == help_text()
    for command in desk_commands():
        assert sum(line.startswith(f"- **{command.usage}**: ") for line in listed) == 1
    assert {c.name for c in desk_commands()} >= {"claim", "close", "note", "reply", "reload", "leads", "unanswered", "help"}


async def test_an_unknown_command_gets_the_help(knowledge, store, outbox):
    core = Core(knowledge, store, outbox, clock=lambda: NOW)
    [reply] = await core.handle(staff("/frobnicate", thread=None))
    assert reply.text == help_text()


def test_every_listed_command_is_dispatched_by_name():
    for command in desk_commands():
        found, rest = find(f"/{command.name}@medspa_bot some text")
        assert found is command and rest == "some text"
