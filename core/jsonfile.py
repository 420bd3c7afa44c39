"""TinyDB's storage for one JSON file, written atomically.

A write goes to a temporary file that is renamed over the old one, so a crash
can never leave a half-written file. The last data read or written is kept, so
repeated operations on a small file cost no reads.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

from tinydb.storages import Storage


class StorageError(Exception):
    """A data file cannot be read or the folder is busy; says which, so an operator can act."""


class AtomicJSONStorage(Storage):
    """TinyDB storage that writes atomically and remembers what it last read or wrote."""

    def __init__(self, path: str) -> None:
        self.path = Path(path)
        self._data: dict[str, Any] | None = None

    def read(self) -> dict[str, Any] | None:
        if self._data is not None:
            return self._data
        try:
            with self.path.open(encoding="utf-8") as f:
                self._data = json.load(f)
        except FileNotFoundError:
            return None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise StorageError(f"{self.path}: unreadable data file ({exc})") from None
        return self._data

    def write(self, data: dict[str, Any]) -> None:
        self._data = None  # if anything below fails, the next read comes from disk
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        os.replace(tmp, self.path)
        self._data = data

    def close(self) -> None:
        """Nothing is held open between operations."""
