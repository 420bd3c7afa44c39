"""The staff desk as a Discord channel: one thread per ticket, staff role required."""

from __future__ import annotations

import pytest

from bots.discord.app import ClinicClient
from bots.discord.components import PREFIX
from core.conversation.engine import Core
from core.events import Address, Event, Reply
from core.outbox import PlatformOutbox
from core.settings import CoreOptions, DeskSettings, DiscordSettings
from tests.conftest import ticking
from tests.discord_harness import (
    APP_ID,
    DESK_CHANNEL,
    DESK_THREAD,
    DM_CHANNEL,
    GUILD_ID,
    STAFF_ROLE,
    SUPPORT_CHANNEL,
    Recorder,
    click,
    dm_channel_of,
    feed,
    guild_create,
    message,
    ready,
    slash,
    thread,
    user,
)

DESK = DeskSettings(platform="discord", discord_channel_id=DESK_CHANNEL, discord_staff_role_id=STAFF_ROLE)
SETTINGS = DiscordSettings(guild_id=GUILD_ID, support_channel_id=SUPPORT_CHANNEL, sync_commands="off")
ON_CALL = 123456789012345678


class FakeTelegram:
    def __init__(self) -> None:
        self.sent: list[tuple[Address, Reply]] = []

    async def send_to(self, address: Address, reply: Reply) -> None:
        self.sent.append((address, reply))


@pytest.fixture
async def desk(knowledge, store, monkeypatch, request):
    async for wired in desk_client(knowledge, store, monkeypatch, request.param if hasattr(request, "param") else SETTINGS):
        yield wired


@pytest.fixture
async def desk_on_call(knowledge, store, monkeypatch):
    """The desk of a clinic whose urgent tickets alert an on-call role."""
    async for wired in desk_client(knowledge, store, monkeypatch, SETTINGS, CoreOptions(on_call=f"<@&{ON_CALL}>")):
        yield wired


async def desk_client(knowledge, store, monkeypatch, settings: DiscordSettings, options: CoreOptions = CoreOptions()):
    recorder = Recorder()
    recorder.install(monkeypatch)
    outbox = PlatformOutbox(desk_platform="discord")
    core = Core(knowledge, store, outbox, options, clock=ticking())
    client = ClinicClient(core, settings, DESK)
    outbox.register("discord", client)
    telegram = FakeTelegram()
    outbox.register("telegram", telegram)
    await client.login("fake.token")
    client._connection.guild_ready_timeout = 0.01
    await feed(client, "READY", ready())
    await feed(client, "GUILD_CREATE", guild_create())
    await client.wait_until_ready()
    recorder.calls.clear()
    yield client, recorder, core, telegram
    await client.close()


def staff_says(text: str, roles=(STAFF_ROLE,), uid: int = 7, name: str = "dana", **extra) -> dict:
    return message(text, author=user(uid, name), channel_id=DESK_THREAD, guild=True, roles=list(roles), **extra)


def in_thread(payload: dict) -> dict:
    payload["channel"] = thread()
    return payload


def staff_slash(name: str, options: list | None = None, **kw) -> dict:
    """A server command as Discord sends it: its data names the server it was published to."""
    payload = slash(name, options, **kw)
    payload["data"]["guild_id"] = str(GUILD_ID)
    return in_thread(payload) if kw.get("channel_id") == DESK_THREAD else payload


def pdf(name: str, size: int = 1200) -> dict:
    return {
        "id": "31",
        "filename": name,
        "size": size,
        "url": f"https://cdn.example/{name}",
        "proxy_url": f"https://cdn.example/{name}",
        "content_type": "application/pdf",
    }


async def test_a_telegram_client_is_served_from_a_discord_thread(desk, store):
    client, recorder, core, telegram = desk
    await core.handle(Event(platform="telegram", chat_id="42", user_id="42", display_name="Ann", text="/human"))
    [(path, created)] = recorder.posts("/threads")
    assert path == f"/channels/{DESK_CHANNEL}/threads" and created["name"] == "#1 Ann (telegram)" and created["type"] == 11
    await feed(client, "THREAD_CREATE", thread(created["name"]))
    [(card_path, card)] = recorder.messages()
    assert card_path == f"/channels/{DESK_THREAD}/messages" and card["content"].startswith("**Ticket #1**: Ann on telegram")
    assert [c["custom_id"] for row in card["components"] for c in row["components"]] == [
        f"{PREFIX}ticket:claim:1",
        f"{PREFIX}ticket:close:1",
    ]

    await core.handle(Event(platform="telegram", chat_id="42", user_id="42", display_name="Ann", text="what time can you call me?"))
    assert recorder.messages()[-1][1]["content"] == "**Ann:** what time can you call me?"

    await feed(client, "MESSAGE_CREATE", staff_says("Yes, for a day or two."))
    [(address, reply)] = telegram.sent
    assert (address.platform, address.chat_id) == ("telegram", "42") and reply.text == "**dana (Clinic team):** Yes, for a day or two."
    assert store.tickets()[0].desk_thread == str(DESK_THREAD)


async def test_non_staff_in_the_desk_are_ignored_and_cannot_press_desk_buttons(desk, store):
    client, recorder, core, telegram = desk
    await core.handle(Event(platform="telegram", chat_id="42", user_id="42", display_name="Ann", text="/human"))
    await feed(client, "THREAD_CREATE", thread())
    await feed(client, "MESSAGE_CREATE", staff_says("I'm not staff", roles=()))
    assert telegram.sent == []
    press = click(f"{PREFIX}ticket:close:1", channel_id=DESK_THREAD, uid=8)
    press["channel"] = thread()
    await feed(client, "INTERACTION_CREATE", press)
    [(_, callback)] = recorder.posts("/callback")
    assert callback["data"]["flags"] == 64 and callback["data"]["content"] == "Only the clinic's staff can use this."
    assert store.tickets()[0].status == "open"


async def test_staff_close_button_hands_the_client_back(desk, store, library):
    client, recorder, core, telegram = desk
    await core.handle(Event(platform="telegram", chat_id="42", user_id="42", display_name="Ann", text="/human"))
    await feed(client, "THREAD_CREATE", thread())
    press = click(f"{PREFIX}ticket:close:1", channel_id=DESK_THREAD, uid=7, roles=[STAFF_ROLE])
    press["channel"] = thread()
    await feed(client, "INTERACTION_CREATE", press)
    assert store.tickets()[0].status == "closed"
    assert telegram.sent[-1][1].text == library.messages.handoff.closed
    [(_, callback)] = recorder.posts("/callback")
    assert "Ticket #1 closed" in callback["data"]["content"]


async def test_a_telegram_clients_photo_is_uploaded_to_the_thread(desk):
    from core.events import Attachment

    client, recorder, core, telegram = desk
    await core.handle(Event(platform="telegram", chat_id="42", user_id="42", display_name="Ann", text="/human"))
    photo = Attachment(
        kind="photo", name="photo.jpg", data=b"IMAGE-BYTES", source_platform="telegram", source_chat="42", source_message="5"
    )
    await core.handle(Event(platform="telegram", chat_id="42", user_id="42", display_name="Ann", media_kind="photo", media_file=photo))
    path, payload = recorder.messages()[-1]
    assert path == f"/channels/{DESK_THREAD}/messages" and payload["content"] == "**Ann:** [photo]"
    assert [a["filename"] for a in payload["attachments"]] == ["photo.jpg"]


async def test_urgent_tickets_ping_exactly_the_on_call_role_and_client_text_cannot(desk_on_call):
    client, recorder, core, telegram = desk_on_call
    await feed(client, "MESSAGE_CREATE", message("/human"))
    await feed(client, "THREAD_CREATE", thread())
    [(_, card)] = [(p, m) for p, m in recorder.messages() if p == f"/channels/{DESK_THREAD}/messages"]
    assert card["allowed_mentions"] == {"parse": []} and f"<@&{ON_CALL}>" not in card["content"]
    await feed(client, "MESSAGE_CREATE", message(f"<@&{ON_CALL}> @everyone the redness is spreading"))
    path, alert = recorder.messages()[-1]
    assert path == f"/channels/{DESK_THREAD}/messages" and alert["content"].startswith("🚨 **URGENT**")
    assert alert["content"].endswith(f"\n<@&{ON_CALL}>") and alert["allowed_mentions"] == {"parse": [], "users": [], "roles": [ON_CALL]}
    relayed = [m["content"] for p, m in recorder.messages() if p == f"/channels/{DESK_THREAD}/messages"][-2]
    assert "@\u200beveryone" in relayed and f"<@\u200b&{ON_CALL}>" in relayed  # the client's own mentions stay inert

    await feed(client, "MESSAGE_CREATE", message("the redness is spreading", author=user(43, "bo"), channel_id=dm_channel_of(43)))
    urgent_card = recorder.messages()[-1][1]  # a ticket that opens urgent pings in its card
    assert urgent_card["content"].startswith("🚨 **URGENT** **Ticket #2**") and urgent_card["content"].endswith(f"\n<@&{ON_CALL}>")
    assert urgent_card["allowed_mentions"] == {"parse": [], "users": [], "roles": [ON_CALL]}


async def test_a_ticket_from_the_support_channel_continues_in_dms(desk, store, library):
    client, recorder, core, telegram = desk
    await feed(client, "MESSAGE_CREATE", message("I want to talk to a person", channel_id=SUPPORT_CHANNEL, guild=True))
    await feed(client, "THREAD_CREATE", thread())
    public = [m["content"] for p, m in recorder.messages() if p == f"/channels/{SUPPORT_CHANNEL}/messages"]
    assert public == [library.messages.moved_to_dm]
    opened = [m["content"] for p, m in recorder.messages() if p == f"/channels/{DM_CHANNEL}/messages"]
    assert any("ticket **\\#1**" in text for text in opened)
    await feed(client, "MESSAGE_CREATE", staff_says("Hi Ann, happy to help."))
    assert recorder.messages()[-1] == (f"/channels/{DM_CHANNEL}/messages", recorder.messages()[-1][1])
    assert recorder.messages()[-1][1]["content"] == "**dana (Clinic team):** Hi Ann, happy to help."
    assert store.tickets()[0].chat_id == str(DM_CHANNEL)


async def test_staff_files_reach_the_client_uploaded_or_linked_and_failures_are_reported(desk):
    client, recorder, core, telegram = desk
    await feed(client, "MESSAGE_CREATE", message("/human"))
    await feed(client, "THREAD_CREATE", thread())
    recorder.files["https://cdn.example/aftercare.pdf"] = b"%PDF-1.7"
    await feed(client, "MESSAGE_CREATE", staff_says("", attachments=[pdf("aftercare.pdf")]))
    path, sent = recorder.messages()[-1]
    assert path == f"/channels/{DM_CHANNEL}/messages" and sent["content"] == "**dana (Clinic team):**"
    assert [a["filename"] for a in sent["attachments"]] == ["aftercare.pdf"]

    await feed(client, "MESSAGE_CREATE", staff_says("the video", attachments=[pdf("video.pdf", size=90_000_000)]))
    path, sent = recorder.messages()[-1]
    assert path == f"/channels/{DM_CHANNEL}/messages" and sent["content"].endswith("\nhttps://cdn.example/video.pdf")
    assert not sent.get("attachments")

    recorder.files["https://cdn.example/odd.pdf"] = b"??"
    recorder.refuse_uploads[f"/channels/{DM_CHANNEL}/messages"] = (400, 50035)
    staff_message = staff_says("see attached", attachments=[pdf("odd.pdf")])
    await feed(client, "MESSAGE_CREATE", staff_message)
    (text_path, text), (note_path, note) = recorder.messages()[-2:]
    assert text_path == f"/channels/{DM_CHANNEL}/messages" and text["content"] == "**dana (Clinic team):** see attached"
    assert note_path == f"/channels/{DESK_THREAD}/messages" and note["content"].startswith("⚠️ Not delivered to the client")
    assert str(note["message_reference"]["message_id"]) == staff_message["id"]

    recorder.files["https://cdn.example/scan.pdf"] = b"%PDF"
    recorder.refuse_uploads[f"/channels/{DM_CHANNEL}/messages"] = (413, 40005)  # too large for this client after all
    await feed(client, "MESSAGE_CREATE", staff_says("", attachments=[pdf("scan.pdf")]))
    path, sent = recorder.messages()[-1]
    assert path == f"/channels/{DM_CHANNEL}/messages" and sent["content"] == "**dana (Clinic team):**\nhttps://cdn.example/scan.pdf"


@pytest.mark.parametrize("desk", [SETTINGS.model_copy(update={"sync_commands": "guild"})], indirect=True)
async def test_staff_commands_are_slash_commands_for_the_staff_role_in_the_desk(desk, store):
    client, recorder, core, telegram = desk
    await client.setup_hook()  # publish again, now recorded
    staff = next(body for m, p, body in recorder.calls if m == "PUT" and p == f"/applications/{APP_ID}/guilds/{GUILD_ID}/commands")
    assert [c["name"] for c in staff] == ["claim", "close", "note", "reply", "leads", "unanswered", "reload"]
    assert all(c["default_member_permissions"] == 0 and c["contexts"] == [0] for c in staff)
    await core.handle(Event(platform="telegram", chat_id="42", user_id="42", display_name="Ann", text="/human"))
    await feed(client, "THREAD_CREATE", thread())
    recorder.calls.clear()

    await feed(client, "INTERACTION_CREATE", staff_slash("close", channel_id=DESK_THREAD, uid=8))
    await feed(client, "INTERACTION_CREATE", staff_slash("leads", channel_id=SUPPORT_CHANNEL, uid=7, roles=[STAFF_ROLE]))
    refusals = [p["data"] for _, p in recorder.posts("/callback")]
    assert [(r["content"], r["flags"]) for r in refusals] == [("Only the clinic's staff can use this.", 64)] * 2
    assert store.tickets()[0].status == "open"

    note = staff_slash("note", [{"name": "text", "type": 3, "value": "called her back"}], channel_id=DESK_THREAD, roles=[STAFF_ROLE])
    await feed(client, "INTERACTION_CREATE", note)
    reply = staff_slash(
        "reply",
        [{"name": "ticket", "type": 4, "value": 1}, {"name": "text", "type": 3, "value": "See you Friday"}],
        channel_id=DESK_CHANNEL,
        roles=[STAFF_ROLE],
    )
    reply["channel"]["id"] = str(DESK_CHANNEL)
    await feed(client, "INTERACTION_CREATE", reply)
    await feed(client, "MESSAGE_CREATE", staff_says("/claim"))
    await feed(client, "INTERACTION_CREATE", staff_slash("close", channel_id=DESK_THREAD, roles=[STAFF_ROLE]))
    noted, echoed, closed = (p["data"]["content"] for _, p in recorder.posts("/callback")[2:])
    assert noted.startswith("Note added to ticket #1") and echoed == "/reply 1 See you Friday"
    assert telegram.sent[0][1].text == "**ann (Clinic team):** See you Friday"
    assert "claimed by dana" in recorder.messages()[-2][1]["content"] and "Ticket #1 closed" in closed
    assert store.tickets()[0].status == "closed"
