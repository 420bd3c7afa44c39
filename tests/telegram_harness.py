"""An offline Telegram: a recording request layer and update builders (see ../shared/TESTING.md)."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from itertools import count
from typing import Any

from telegram import Update
from telegram.request import BaseRequest, RequestData

BOT_USER = {
    "id": 999,
    "is_bot": True,
    "first_name": "ClinicBot",
    "username": "clinic_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
TOKEN = "123456:TEST"
_ids = count(1000)


class RecordingRequest(BaseRequest):
    """Replaces HTTP: records (method, parameters) and answers like the Bot API would."""

    def __init__(self, fail: dict[str, list[Exception]] | None = None) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.results: list[Any] = []
        """What each call in ``calls`` was answered, in the same order."""
        self.fail = fail or {}

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    @property
    def read_timeout(self) -> float:
        return 1.0

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None, **_: Any) -> tuple[int, bytes]:
        if "/file/bot" in url:  # a file download, not an API call
            self.calls.append(("download", {"url": url}))
            self.results.append(None)
            return 200, b"IMAGE-BYTES"
        api_method = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        if self.fail.get(api_method):
            raise self.fail[api_method].pop(0)
        self.calls.append((api_method, params))
        self.results.append(self._result(api_method, params))
        return 200, json.dumps({"ok": True, "result": self.results[-1]}).encode()

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method == "copyMessage":
            return {"message_id": next(_ids)}
        if method == "sendPhoto":
            return {
                "message_id": next(_ids),
                "date": 0,
                "chat": {"id": int(params["chat_id"]), "type": "supergroup"},
                "photo": [{"file_id": "x", "file_unique_id": "y", "width": 1, "height": 1}],
            }
        if method == "getFile":
            return {"file_id": params["file_id"], "file_unique_id": "u", "file_size": 11, "file_path": "photos/file_1.jpg"}
        if method in ("sendMessage", "editMessageText"):
            return {
                "message_id": next(_ids),
                "date": 0,
                "chat": {"id": int(params["chat_id"]) if "chat_id" in params else 1, "type": "private"},
                "text": params.get("text", ""),
            }
        return True

    def sent(self, method: str = "sendMessage") -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == method]

    def clear(self) -> None:
        self.calls.clear()
        self.results.clear()

    def message_ids(self, method: str = "sendMessage") -> list[int]:
        """The ids Telegram gave the messages sent so far."""
        return [result["message_id"] for (name, _), result in zip(self.calls, self.results, strict=True) if name == method]


def user(uid: int = 42, first: str = "Ann") -> dict[str, Any]:
    return {"id": uid, "is_bot": False, "first_name": first}


def private_chat(uid: int = 42) -> dict[str, Any]:
    return {"id": uid, "type": "private", "first_name": "Ann"}


def message_update(text: str | None = "hello", uid: int = 42, first: str = "Ann", chat: dict | None = None, **extra: Any) -> dict[str, Any]:
    message = {"message_id": next(_ids), "date": 1_700_000_000, "chat": chat or private_chat(uid), "from": user(uid, first), **extra}
    if text is not None:
        message["text"] = text
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"update_id": next(_ids), "message": message}


class _Entities(HTMLParser):
    """What Telegram makes of the HTML it was sent: plain text plus bold/italic entities (UTF-16 offsets)."""

    KINDS = {"b": "bold", "i": "italic"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text, self.open, self.entities = "", {}, []

    def _offset(self) -> int:
        return len(self.text.encode("utf-16-le")) // 2

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.open[tag] = self._offset()

    def handle_endtag(self, tag: str) -> None:
        start = self.open.pop(tag)
        self.entities.append({"type": self.KINDS[tag], "offset": start, "length": self._offset() - start})

    def handle_data(self, data: str) -> None:
        self.text += data


def as_received(html_text: str) -> dict[str, Any]:
    parser = _Entities()
    parser.feed(html_text)
    parser.close()
    return {"text": parser.text, "entities": parser.entities} if parser.entities else {"text": parser.text}


def callback_update(
    data: str, uid: int = 42, message_id: int = 77, text: str = "menu", buttons: dict[str, str] | None = None
) -> dict[str, Any]:
    """A tap on a button of the bot's message ``message_id``, whose ``text`` is the HTML it was sent
    with; ``buttons`` (callback data: label) is its inline keyboard, one button a row, as Telegram sends it back."""
    message = {"message_id": message_id, "date": 1_700_000_000, "chat": private_chat(uid), "from": BOT_USER, **as_received(text)}
    if buttons:
        message["reply_markup"] = {"inline_keyboard": [[{"text": label, "callback_data": data}] for data, label in buttons.items()]}
    return {
        "update_id": next(_ids),
        "callback_query": {"id": str(next(_ids)), "from": user(uid), "chat_instance": "ci", "data": data, "message": message},
    }


def edited(update: dict[str, Any], text: str) -> dict[str, Any]:
    """The same message, edited by its sender, as a new update."""
    message = {**update["message"], "text": text, "edit_date": 1_700_000_100}
    return {"update_id": next(_ids), "edited_message": message}


async def feed(bot: Any, raw: dict[str, Any]) -> None:
    """Hand a raw update to a TelegramBot's Application, as polling or the webhook would."""
    await bot.app.process_update(Update.de_json(raw, bot.app.bot))


def methods(recorder: RecordingRequest) -> list[str]:
    """API calls made while handling updates (getMe belongs to start-up)."""
    return [name for name, _ in recorder.calls if name != "getMe"]
