"""Settings from config.toml (optional).

Tokens are deliberately not settings: they come from the environment only, because
a config file gets copied, committed and pasted into chats.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from datetime import time, timedelta
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from core.events import Address

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = PROJECT_ROOT / "config.toml"
CONFIG_ENV = "MEDSPA_CONFIG"
"""A settings file for every command without --config: a clinic's server, or a trial copy."""


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ContentSettings(Section):
    dir: Path = Path("content")
    reload_seconds: float = 2.0


class StorageSettings(Section):
    dir: Path = Path("data")
    fsync: bool = True


class TelegramSettings(Section):
    mode: Literal["polling", "webhook"] = "polling"
    base_url: str = "https://api.telegram.org/bot"
    webhook_url: str = ""
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443
    typing_after: float = 0.5


class DiscordSettings(Section):
    guild_id: int | None = None
    support_channel_id: int | None = None
    sync_commands: Literal["guild", "global", "off"] = "guild"


class BookingSettings(Section):
    timeout_hours: float = 24.0


class HandoffSettings(Section):
    sign_with_name: bool = True
    on_call: str = ""


class DeskSettings(Section):
    platform: Literal["", "telegram", "discord"] = ""
    telegram_chat_id: int | None = None
    telegram_topics: bool = True
    discord_channel_id: int | None = None
    discord_staff_role_id: int | None = None
    digest_time: str = ""
    """Local time (clinic.yaml's zone) of the daily digest, "08:30"; empty: no digest."""

    @field_validator("digest_time")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        if value and not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value.strip()):
            raise ValueError(f'write a time like "08:30" (24-hour clock), not {value!r}')
        return value.strip()

    @property
    def digest_at(self) -> time | None:
        return time.fromisoformat(self.digest_time) if self.digest_time else None

    @property
    def address(self) -> Address | None:
        """The desk's main chat or channel; ``None`` until its platform and id are both set."""
        chat = {"telegram": self.telegram_chat_id, "discord": self.discord_channel_id}.get(self.platform)
        return Address(platform=self.platform, chat_id=str(chat)) if chat else None


class PrivacySettings(Section):
    retention_days: int = 90
    booking_retention_days: int = 365


class LoggingSettings(Section):
    level: str = "INFO"


@dataclass(frozen=True)
class CoreOptions:
    """The few settings the core itself acts on, in one value passed at construction, so the
    core never reads the settings file and tests name only the option they change."""

    booking_timeout: timedelta = timedelta(hours=24)
    """A booking draft left alone this long is dropped (the client is told once)."""
    sign_with_name: bool = True
    """Staff answers are signed "Dana (Clinic team)" rather than just the team's name."""
    on_call: str = ""
    """Whom an urgent ticket alerts (a mention, written in the desk message)."""
    retention_days: int = 90
    booking_days: int = 365


class Settings(Section):
    content: ContentSettings = ContentSettings()
    storage: StorageSettings = StorageSettings()
    telegram: TelegramSettings = TelegramSettings()
    discord: DiscordSettings = DiscordSettings()
    booking: BookingSettings = BookingSettings()
    handoff: HandoffSettings = HandoffSettings()
    desk: DeskSettings = DeskSettings()
    privacy: PrivacySettings = PrivacySettings()
    logging: LoggingSettings = LoggingSettings()

    @property
    def core(self) -> CoreOptions:
        return CoreOptions(
            booking_timeout=timedelta(hours=self.booking.timeout_hours),
            sign_with_name=self.handoff.sign_with_name,
            on_call=self.handoff.on_call,
            retention_days=self.privacy.retention_days,
            booking_days=self.privacy.booking_retention_days,
        )


class SettingsError(Exception):
    pass


def load_settings(path: Path | None = None) -> Settings:
    """Read ``path`` (or $MEDSPA_CONFIG, or config.toml beside run.py if present); relative dirs are
    resolved against the config file's folder, or the project root without one."""
    path = path or (Path(os.environ[CONFIG_ENV]) if os.environ.get(CONFIG_ENV) else None)
    explicit = path is not None
    path = path or DEFAULT_CONFIG
    if not path.exists():
        if explicit:
            raise SettingsError(f"{path}: config file not found (copy config.example.toml to start)")
        return _resolve(Settings(), PROJECT_ROOT)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        settings = Settings.model_validate(data)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: not valid TOML: {exc}") from None
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise SettingsError(f"{path}: {problems}") from None
    return _resolve(settings, path.resolve().parent)


def _resolve(settings: Settings, base: Path) -> Settings:
    return settings.model_copy(
        update={
            "content": settings.content.model_copy(update={"dir": base / settings.content.dir}),
            "storage": settings.storage.model_copy(update={"dir": base / settings.storage.dir}),
        }
    )
