"""Wiring: settings -> storage -> content -> core. Kept in one place so every command
builds the bot the same way."""

from __future__ import annotations

import logging
from pathlib import Path

from core.content import ContentErrors, load_library
from core.engine import Core
from core.knowledge import Knowledge
from core.outbox import LogOutbox, Outbox
from core.storage import Store


class StartupError(Exception):
    """A problem an operator can fix; printed without a traceback."""


def load_knowledge(content_dir: Path) -> Knowledge:
    try:
        return Knowledge(load_library(content_dir))
    except ContentErrors as exc:
        raise StartupError(f"The content in {content_dir} has errors:\n{exc}") from None


def build_core(content_dir: Path, store: Store, outbox: Outbox | None = None) -> Core:
    return Core(load_knowledge(content_dir), store, outbox or LogOutbox())


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
