"""Content errors written for staff, not programmers: file, line, field, and what to do."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ContentError:
    file: str
    line: int
    field: str
    message: str
    severity: str = "error"
    quote: str = ""
    """The offending line as written, shown under the error so staff need not count lines."""
    routed_to: str = ""
    """For an example the routing analysis sends elsewhere: what it would get instead, so
    `check` can sum such warnings up per file rather than print hundreds of lines."""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}"
        field = f" [{describe_field(self.field)}]" if self.field else ""
        shown = f"\n    {self.line} | {self.quote.replace(chr(9), '→   ')}" if self.quote else ""
        return f"{where}:{field} {self.message}{shown}"


def describe_field(path: str) -> str:
    """'related.1' as staff read it: 'the 2nd entry of related'; 'sections.0.topics.2' as
    'the 3rd entry of topics, in the 1st entry of sections'. Plain names stay as they are."""
    entries: list[str] = []
    names: list[str] = []
    for part in path.split("."):
        if part.isdigit() and names:
            entries.append(f"the {_ordinal(int(part) + 1)} entry of {'.'.join(names)}")
            names = []
        else:
            names.append(part)
    return ", in ".join(([".".join(names)] if names else []) + entries[::-1])


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


class ContentErrors(Exception):
    """Raised when content cannot be loaded; carries every problem found, not just the first."""

    def __init__(self, errors: list[ContentError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))
