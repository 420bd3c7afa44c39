"""An offline Discord: recorded HTTP, a real logged-in client, and gateway payloads
fed to discord.py's own parsers (see ../shared/TESTING.md)."""

from __future__ import annotations

import asyncio
import json
from itertools import count
from typing import Any

import discord
from discord.http import Route

APP_ID = "999"
GUILD_ID = 500
SUPPORT_CHANNEL = 501
OTHER_CHANNEL = 502
DESK_CHANNEL = 503
STAFF_ROLE = 900
DESK_THREAD = 700
DM_CHANNEL = 600
BOT = {"id": APP_ID, "username": "clinicbot", "discriminator": "0", "global_name": "Clinic", "avatar": None, "bot": True}
_ids = count(10_000)


def user(uid: int = 42, name: str = "ann", bot: bool = False) -> dict[str, Any]:
    return {"id": str(uid), "username": name, "discriminator": "0", "global_name": name, "avatar": None, "bot": bot}


def dm_channel_of(uid: int) -> int:
    return DM_CHANNEL if uid == 42 else 60_000 + uid


class Recorder:
    """Stands in for discord.py's HTTP client and webhook adapter; records every call.
    ``refuse`` maps a (method, path) to the HTTP status and Discord error code it answers with;
    ``refuse_uploads`` does the same for messages with files only; ``files`` serves attachment
    downloads by URL."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, Any]] = []
        self.refuse: dict[tuple[str, str], tuple[int, int]] = {}
        self.files: dict[str, bytes] = {}
        self.refuse_uploads: dict[str, tuple[int, int]] = {}

    def install(self, monkeypatch) -> None:
        recorder = self

        async def http_request(_self, route: Route, *, files=None, form=None, **kwargs):
            return recorder.record(route, kwargs.get("json"), form, files)

        async def get_from_cdn(_self, url: str) -> bytes:
            if url not in recorder.files:
                raise discord.NotFound(FakeResponse(404), {"message": "Unknown attachment", "code": 10_000})
            return recorder.files[url]

        async def webhook_request(_self, route: Route, session, *, payload=None, multipart=None, **kwargs):
            return recorder.record(route, payload, multipart)

        monkeypatch.setattr(discord.http.HTTPClient, "request", http_request)
        monkeypatch.setattr(discord.http.HTTPClient, "get_from_cdn", get_from_cdn)
        monkeypatch.setattr(discord.webhook.async_.AsyncWebhookAdapter, "request", webhook_request)

    def record(self, route: Route, payload: Any, form: Any, files: Any = None) -> Any:
        if payload is None and form:
            payload = next((json.loads(f["value"]) for f in form if f.get("name") == "payload_json"), None)
        path = route.url.removeprefix(Route.BASE)
        self.calls.append((route.method, path, payload))
        refused = self.refuse.get((route.method, path)) or (self.refuse_uploads.get(path) if files else None)
        if refused:
            status, code = refused
            error = {403: discord.Forbidden, 404: discord.NotFound}.get(status, discord.HTTPException)
            raise error(FakeResponse(status), {"message": f"refused ({code})", "code": code})
        return self._answer(route.method, path, payload)

    def _answer(self, method: str, path: str, payload: Any) -> Any:
        if path == "/users/@me":
            return BOT
        if path == "/oauth2/applications/@me":
            return {
                "id": APP_ID,
                "name": "Clinic",
                "description": "",
                "icon": None,
                "verify_key": "k",
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": user(1, "owner"),
                "flags": 0,
                "team": None,
            }
        if path.endswith("/commands") and method == "PUT":
            return [{**c, "id": str(next(_ids)), "application_id": APP_ID, "version": "1", "type": 1} for c in payload]
        if method == "POST" and path == "/users/@me/channels":
            uid = int(payload["recipient_id"])
            return {"id": str(dm_channel_of(uid)), "type": 1, "recipients": [user(uid)], "last_message_id": None}
        if method == "PATCH" and path.startswith("/webhooks/"):
            return message(payload.get("content", ""), author=BOT, components=payload.get("components", []))
        if method == "GET" and path == f"/channels/{DESK_THREAD}":
            return thread()
        if method == "POST" and path == f"/channels/{DESK_CHANNEL}/threads":
            return thread(payload["name"])
        if method == "POST" and path.endswith("/callback"):
            interaction_id = path.split("/")[2]
            reply = {"interaction": {"id": interaction_id, "type": 2, "response_message_loading": payload.get("type") == 5}}
            if payload.get("type") == 4:
                data = payload.get("data", {})
                reply["resource"] = {
                    "type": 4,
                    "message": message(data.get("content", ""), author=BOT, components=data.get("components", [])),
                }
            return reply
        if method == "POST" and (path.endswith("/messages") or path.startswith("/webhooks/")):
            channel = path.split("/")[2] if path.startswith("/channels/") else str(DM_CHANNEL)
            return message(payload.get("content", ""), author=BOT, channel_id=int(channel), components=payload.get("components", []))
        return None

    def posts(self, suffix: str = "") -> list[tuple[str, Any]]:
        return [(path, payload) for method, path, payload in self.calls if method == "POST" and path.endswith(suffix)]

    def messages(self) -> list[tuple[str, Any]]:
        """Channel messages and interaction replies, in order, with their payloads."""
        out = []
        for method, path, payload in self.calls:
            if method != "POST" or payload is None:
                continue
            if path.endswith("/messages") or path.startswith("/webhooks/"):
                out.append((path, payload))
            elif path.endswith("/callback") and payload.get("type") == 4:
                out.append((path, payload["data"]))
        return out


class FakeResponse:
    """What discord.py reads from a refused HTTP response to build its exception."""

    def __init__(self, status: int) -> None:
        self.status = status
        self.reason = "refused"


def message(
    content: str,
    author: dict | None = None,
    channel_id: int = DM_CHANNEL,
    guild: bool = False,
    components: list | None = None,
    roles: list[int] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    data = {
        "id": str(next(_ids)),
        "channel_id": str(channel_id),
        "author": author or user(),
        "content": content,
        "timestamp": "2026-11-24T10:00:00+00:00",
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "pinned": False,
        "type": 0,
        "components": components or [],
        **extra,
    }
    if guild:
        data["guild_id"] = str(GUILD_ID)
        data["member"] = {
            "roles": [str(r) for r in roles or []],
            "joined_at": "2026-01-01T00:00:00+00:00",
            "deaf": False,
            "mute": False,
            "flags": 0,
        }
    return data


def thread(name: str = "ticket") -> dict[str, Any]:
    return {
        "id": str(DESK_THREAD),
        "type": 11,
        "guild_id": str(GUILD_ID),
        "parent_id": str(DESK_CHANNEL),
        "name": name,
        "owner_id": APP_ID,
        "message_count": 0,
        "member_count": 1,
        "rate_limit_per_user": 0,
        "thread_metadata": {
            "archived": False,
            "auto_archive_duration": 10080,
            "archive_timestamp": "2026-11-24T10:00:00+00:00",
            "locked": False,
        },
    }


def ready() -> dict[str, Any]:
    return {
        "v": 10,
        "user": BOT,
        "guilds": [{"id": str(GUILD_ID), "unavailable": True}],
        "session_id": "s",
        "resume_gateway_url": "wss://gateway.invalid",
        "application": {"id": APP_ID, "flags": 0},
        "private_channels": [],
    }


def _text_channel(cid: int, name: str) -> dict[str, Any]:
    return {
        "id": str(cid),
        "type": 0,
        "name": name,
        "position": 0,
        "guild_id": str(GUILD_ID),
        "permission_overwrites": [],
        "nsfw": False,
        "parent_id": None,
    }


def guild_create() -> dict[str, Any]:
    return {
        "id": str(GUILD_ID),
        "name": "Clinic",
        "icon": None,
        "owner_id": "1",
        "features": [],
        "emojis": [],
        "stickers": [],
        "roles": [
            {
                "id": str(GUILD_ID),
                "name": "@everyone",
                "permissions": "3072",
                "position": 0,
                "color": 0,
                "hoist": False,
                "managed": False,
                "mentionable": False,
            },
            {
                "id": str(STAFF_ROLE),
                "name": "staff",
                "permissions": "3072",
                "position": 1,
                "color": 0,
                "hoist": False,
                "managed": False,
                "mentionable": True,
            },
        ],
        "member_count": 1,
        "large": False,
        "unavailable": False,
        "threads": [],
        "voice_states": [],
        "presences": [],
        "members": [{"user": BOT, "roles": [], "joined_at": "2026-01-01T00:00:00+00:00", "deaf": False, "mute": False, "flags": 0}],
        "channels": [
            _text_channel(SUPPORT_CHANNEL, "ask-the-clinic"),
            _text_channel(OTHER_CHANNEL, "general"),
            _text_channel(DESK_CHANNEL, "staff-desk"),
        ],
    }


def interaction(
    kind: int,
    data: dict,
    channel_id: int = DM_CHANNEL,
    uid: int = 42,
    message_payload: dict | None = None,
    roles: list[int] | None = None,
    locale: str = "en-US",
) -> dict[str, Any]:
    payload = {
        "id": str(next(_ids)),
        "application_id": APP_ID,
        "type": kind,
        "token": f"tok{next(_ids)}",
        "version": 1,
        "channel_id": str(channel_id),
        "data": data,
        "attachment_size_limit": 8_388_608,
        "locale": locale,
        "app_permissions": "0",
        "entitlements": [],
        "authorizing_integration_owners": {},
    }
    if channel_id == DM_CHANNEL:
        payload["channel"] = {"id": str(channel_id), "type": 1}
        payload["user"] = user(uid)
        payload["context"] = 1
    else:
        payload["guild_id"] = str(GUILD_ID)
        payload["channel"] = {
            "id": str(channel_id),
            "type": 0,
            "guild_id": str(GUILD_ID),
            "name": "x",
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
        }
        payload["member"] = {
            "user": user(uid),
            "roles": [str(r) for r in roles or []],
            "joined_at": "2026-01-01T00:00:00+00:00",
            "deaf": False,
            "mute": False,
            "permissions": "3072",
            "flags": 0,
        }
        payload["context"] = 0
    if message_payload is not None:
        payload["message"] = message_payload
    return payload


def slash(name: str, options: list | None = None, **kw: Any) -> dict[str, Any]:
    return interaction(2, {"id": str(next(_ids)), "name": name, "type": 1, "options": options or []}, **kw)


def click(custom_id: str, label: str = "Button", **kw: Any) -> dict[str, Any]:
    components = [{"type": 1, "components": [{"type": 2, "style": 2, "label": label, "custom_id": custom_id}]}]
    return interaction(
        3, {"custom_id": custom_id, "component_type": 2}, message_payload=message("earlier reply", author=BOT, components=components), **kw
    )


def _lives_with_a_view(task: asyncio.Task) -> bool:
    """A persistent View keeps a task until it is stopped; it is not work in progress."""
    return "timeout_task_impl" in getattr(task.get_coro(), "__qualname__", "")


async def feed(client: discord.Client, event: str, payload: dict) -> None:
    """Hand a gateway event to discord.py, then wait for the tasks it spawned
    (on_message, view and command-tree dispatch) and any they spawned in turn."""
    before = asyncio.all_tasks()
    client._connection.parsers[event](payload)
    for _ in range(50):
        spawned = [t for t in asyncio.all_tasks() - before if not t.done() and not _lives_with_a_view(t)]
        if not spawned:
            return
        done, pending = await asyncio.wait(spawned, timeout=5)
        if pending:
            raise AssertionError(f"tasks still running: {[t.get_coro() for t in pending]}")
    raise AssertionError("discord.py kept spawning tasks")


def client_settings():
    from core.settings import DiscordSettings

    return DiscordSettings(guild_id=GUILD_ID, support_channel_id=SUPPORT_CHANNEL, sync_commands="guild")


async def start(core, recorder: Recorder, settings=None):
    """A ClinicClient for ``core``, logged in against ``recorder`` and ready, as after a (re)start."""
    from bots.discord.app import ClinicClient

    client = ClinicClient(core, settings or client_settings())
    client.errors = []
    await client.login("fake.token")
    client._connection.guild_ready_timeout = 0.01
    await feed(client, "READY", ready())
    await feed(client, "GUILD_CREATE", guild_create())
    await client.wait_until_ready()
    return client


def buttons(payload: dict) -> list[str]:
    return [c.get("custom_id") or c.get("url") for row in payload.get("components", []) for c in row["components"]]


def components(payload: dict) -> list[dict]:
    return [c for row in payload.get("components", []) for c in row["components"]]
