"""Live reload: good changes go live, bad ones are refused, conversations carry on."""

import pytest

from core.content import load_library
from core.content.reload import ContentReloader
from core.conversation.engine import Core
from core.events import ReplyKind
from core.outbox import LogOutbox
from core.understanding.knowledge import Knowledge
from tests.conftest import edit, press, say, ticking


@pytest.fixture
def live(content, store):
    core = Core(Knowledge(load_library(content)), store, LogOutbox(), clock=ticking())
    return core, ContentReloader(content)


async def test_nothing_changed_means_no_reload(live):
    core, reloader = live
    before = core.knowledge
    assert await reloader.reload_if_changed(core) is None
    assert core.knowledge is before


async def test_good_change_goes_live_without_restart(live, content):
    core, reloader = live
    await say(core, "pores")
    edit(content / "topics" / "pores.md", "Microneedling helps", "Good news: microneedling helps")
    assert await reloader.reload_if_changed(core) == []
    [reply] = await say(core, "do big pores get smaller")
    assert "Good news: microneedling helps" in reply.text
    assert core.store.conversation("test:c1").messages == 2


async def test_removed_topic_button_gets_a_graceful_reply(live, content):
    core, reloader = live
    [answer] = await say(core, "acne scars")
    assert "faq:texture-fine-lines" in [b.action for b in answer.buttons]
    (content / "topics" / "texture-fine-lines.md").unlink()
    for path in content.rglob("*"):
        if path.is_file() and "texture-fine-lines" in path.read_text():
            path.write_text(path.read_text().replace("texture-fine-lines, ", "").replace(", texture-fine-lines", ""))
    assert await reloader.reload_if_changed(core) == []
    [reply] = await press(core, "faq:texture-fine-lines")
    assert reply.kind is ReplyKind.NOTICE and reply.text.startswith(core.knowledge.library.messages.stale_button)


async def test_bad_change_is_refused_and_the_last_good_content_keeps_serving(live, content, caplog):
    core, reloader = live
    good = core.knowledge
    edit(content / "topics" / "pores.md", "keywords:", "keywrods:")
    errors = await reloader.reload_if_changed(core)
    assert [(e.file, e.field) for e in errors] == [("content/topics/pores.md", "keywrods")]
    assert core.knowledge is good
    [reply] = await say(core, "pores")
    assert reply.topic == "pores"
    [(address, notice)] = core.outbox.sent
    assert address.platform == "desk" and "content/topics/pores.md" in notice.text and "refused" in notice.text
    assert "content change refused" in caplog.text
    # fixing the file brings the bot up to date again
    edit(content / "topics" / "pores.md", "keywrods:", "keywords:")
    assert await reloader.reload_if_changed(core) == []
    assert core.knowledge is not good
