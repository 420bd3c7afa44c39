"""Discord as its users expect: personal things stay private, used buttons retire, forms
outlive restarts, and only people's own messages are read (the real discord.py client
over recorded HTTP, fed gateway payloads)."""

from __future__ import annotations

from pathlib import Path

from bots.discord.components import PREFIX
from tests.discord_harness import DM_CHANNEL, SUPPORT_CHANNEL, click, components, feed, interaction, message, slash, start

FORM_ANSWERS = {"name": "Ann Lee", "contact": "+1 501 555 0147", "times": "Friday mornings"}


def support(text: str, **extra) -> dict:
    return message(text, channel_id=SUPPORT_CHANNEL, guild=True, **extra)


def submit(form: dict, channel_id: int = DM_CHANNEL) -> dict:
    """A form submitted as Discord sends it: its custom id and each input's custom id and value."""
    rows = [
        {"type": 1, "components": [{"type": 4, "custom_id": i["custom_id"], "value": FORM_ANSWERS[i["custom_id"]]}]}
        for i in components(form["data"])
    ]
    return interaction(5, {"custom_id": form["data"]["custom_id"], "components": rows}, channel_id=channel_id)


def choose(custom_id: str, values: list[str], channel_id: int = DM_CHANNEL) -> dict:
    select = {"type": 3, "custom_id": custom_id, "options": [{"label": v, "value": v} for v in values]}
    earlier = message("pick", components=[{"type": 1, "components": [select]}], channel_id=channel_id)
    return interaction(3, {"custom_id": custom_id, "component_type": 3, "values": values}, message_payload=earlier, channel_id=channel_id)


async def book_to_summary(client, recorder, channel_id: int = DM_CHANNEL) -> None:
    await feed(client, "INTERACTION_CREATE", slash("book", channel_id=channel_id))
    await feed(client, "INTERACTION_CREATE", click(f"{PREFIX}form:book:form", channel_id=channel_id))
    await feed(client, "INTERACTION_CREATE", submit(recorder.posts("/callback")[-1][1], channel_id))
    await feed(client, "INTERACTION_CREATE", choose(f"{PREFIX}sel:multi:concerns", ["book:concern:pores"], channel_id))
    await feed(client, "INTERACTION_CREATE", click(f"{PREFIX}book:consent:yes", channel_id=channel_id))


def public_in_support(recorder) -> list[dict]:
    return [p for path, p in recorder.messages() if path == f"/channels/{SUPPORT_CHANNEL}/messages"]


async def test_booking_typed_in_the_support_channel_continues_in_dms(client, recorder, library, store):
    await feed(client, "MESSAGE_CREATE", support("book a consultation"))
    await feed(client, "MESSAGE_CREATE", message("Ann Lee"))
    await feed(client, "MESSAGE_CREATE", message("+1 501 555 0147"))
    await feed(client, "MESSAGE_CREATE", support("/privacy"))
    [pointer, again] = public_in_support(recorder)
    assert pointer["content"] == again["content"] == library.messages.moved_to_dm and "message_id" in pointer["message_reference"]
    private = [p["content"] for path, p in recorder.messages() if path == f"/channels/{DM_CHANNEL}/messages"]
    assert private[-2].startswith("**Your privacy**") and len(private) == 5  # name, contact, times, privacy, back to booking
    assert store.conversation(f"discord:{DM_CHANNEL}").booking.contact == "+15015550147"


async def test_booking_through_commands_in_the_server_is_ephemeral_to_the_end(client, recorder):
    await book_to_summary(client, recorder, channel_id=SUPPORT_CHANNEL)
    answers = [p for path, p in recorder.messages()]
    summary = answers[-1]
    assert "(501) 555-0147" in summary["content"] and summary["flags"] == 64
    assert all(p.get("flags") == 64 for p in answers) and public_in_support(recorder) == []


async def test_a_client_who_refuses_dms_is_told_how_to_stay_private(client, recorder, library):
    recorder.refuse[("POST", f"/channels/{DM_CHANNEL}/messages")] = (403, 50007)
    await feed(client, "MESSAGE_CREATE", support("book a consultation"))
    assert [p["content"] for p in public_in_support(recorder)] == [library.messages.dm_closed]


async def test_system_messages_in_the_support_channel_are_not_answered(client, recorder):
    for kind in (6, 7, 18, 19):  # pinned a message, member joined, thread created, a reply is fine: 19 is read
        await feed(client, "MESSAGE_CREATE", support("" if kind != 19 else "pores", type=kind))
    assert [p["content"][:16] for p in public_in_support(recorder)] == ["**Enlarged pores"]


async def test_a_form_opened_before_a_restart_is_read_after_it(core, recorder, store):
    first = await start(core, recorder)
    await feed(first, "INTERACTION_CREATE", slash("book"))
    await feed(first, "INTERACTION_CREATE", click(f"{PREFIX}form:book:form"))
    form = recorder.posts("/callback")[-1][1]
    await first.close()
    restarted = await start(core, recorder)  # nothing in memory: the form is read from its ids and the stored draft
    recorder.calls.clear()
    await feed(restarted, "INTERACTION_CREATE", submit(form))
    asked = recorder.messages()[-1][1]
    assert f"{PREFIX}sel:multi:concerns" in [c.get("custom_id") for c in components(asked)]
    draft = store.conversation(f"discord:{DM_CHANNEL}").booking
    assert (draft.name, draft.contact, draft.times) == ("Ann Lee", "+15015550147", "Friday mornings")
    await restarted.close()


async def test_a_confirmed_summary_loses_its_buttons_and_a_double_click_gets_one_clear_reply(client, recorder, store):
    await book_to_summary(client, recorder)
    confirm = click(f"{PREFIX}book:confirm", label="Confirm")
    recorder.calls.clear()
    await feed(client, "INTERACTION_CREATE", confirm)
    [(_, settled)] = recorder.posts("/callback")
    [button] = components(settled["data"])
    assert settled["type"] == 7 and button["disabled"] is True and button["style"] == 3
    [(_, confirmed)] = recorder.messages()
    ref = store.bookings()[0].ref
    assert ref in confirmed["content"]
    recorder.calls.clear()
    await feed(client, "INTERACTION_CREATE", click(f"{PREFIX}book:confirm", label="Confirm"))
    [(_, again)] = recorder.messages()
    assert ref in again["content"] and len(store.bookings()) == 1


def test_the_adapter_leaves_booking_to_the_core():
    source = "".join(path.read_text() for path in (Path(__file__).parents[1] / "bots" / "discord").glob("*.py"))
    assert "book:" not in source and "✓" not in source


async def test_a_slow_answer_in_the_server_is_deferred_and_stays_private(client, recorder, monkeypatch):
    await book_to_summary(client, recorder, channel_id=SUPPORT_CHANNEL)
    monkeypatch.setattr("bots.discord.app.ACK_WITHIN", 0)  # the answer counts as slow
    recorder.calls.clear()
    await feed(client, "INTERACTION_CREATE", click(f"{PREFIX}book:confirm", channel_id=SUPPORT_CHANNEL))
    [(_, deferred)] = recorder.posts("/callback")
    assert deferred["type"] == 6  # acknowledged on the clicked message
    [settled] = [payload for method, path, payload in recorder.calls if method == "PATCH"]
    assert all(c["disabled"] for row in settled["components"] for c in row["components"])
    assert [p["flags"] for _, p in recorder.messages()] == [64]
    recorder.calls.clear()
    await feed(client, "INTERACTION_CREATE", slash("privacy", channel_id=SUPPORT_CHANNEL))
    [(_, thinking)] = recorder.posts("/callback")
    assert thinking == {"type": 5, "data": {"flags": 64}} and [p["flags"] for _, p in recorder.messages()] == [64]


async def test_a_ticket_stored_with_a_shared_channel_still_reaches_the_client_privately(client, recorder):
    from core.events import Address, Reply, ReplyKind

    await client.send_to(Address(platform="discord", chat_id=f"{SUPPORT_CHANNEL}:42"), Reply(kind=ReplyKind.HUMAN, text="**dana:** hi"))
    assert [(m, p) for m, p, _ in recorder.calls] == [("POST", "/users/@me/channels"), ("POST", f"/channels/{DM_CHANNEL}/messages")]
