"""`run.py data`: the damaged data the bot set aside, for staff to repair.

A damaged file or record never stops the bot, and is never silently dropped: it is moved
to the data folder's ``quarantine/`` with a note of where it came from and what is wrong.
This lists those notes, and also reads everything itself (safely, next to a running bot)
to find damage the bot has not met yet; the bot sets that aside when it next starts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.storage.store import Store


def describe(note: dict[str, Any]) -> str:
    where = f"{note['source']}{', ' + note['record'] if note.get('record') else ''}"
    kept = f"the file as it was: quarantine/{note['file']}" if note.get("file") else f"the record: quarantine/{note['note']}"
    client = f" (client {note['client']})" if note.get("client") else ""
    return f"{note.get('at', '')[:16]}  {where}{client}: {note['problem']}\n    {kept}"


def listing(root: Path) -> tuple[str, bool]:
    """The text to print, and whether anything is damaged."""
    store = Store(root, readonly=True)
    notes, found = store.set_aside(), store.check()
    lines: list[str] = []
    if notes:
        lines += [f"Set aside in {root / 'quarantine'} for repair (fix the data, or delete the note once dealt with):"]
        lines += [f"  {describe(note)}" for note in notes]
    if found:
        lines += ["Damaged, to be set aside when the bot next starts:", *(f"  {problem}" for problem in found)]
    return "\n".join(lines) or f"Nothing set aside: every data file in {root} reads cleanly.", bool(notes or found)


def run(root: Path) -> int:
    text, damaged = listing(root)
    print(text)
    return 1 if damaged else 0
