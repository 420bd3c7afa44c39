"""PyYAML's parser errors, said as what to do.

"found character '\\t' that cannot start any token" means nothing to staff who
pressed Tab; "line 7 starts with a tab; use spaces" does. Each rule below is a
mistake people actually make in a header or a YAML file; anything else keeps
the parser's own words, still with its line shown.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml


@dataclass(frozen=True)
class Plain:
    """A parser error in plain words: the line it is on (1-based, in the file) and its text."""

    line: int
    message: str
    quote: str


def explain(exc: yaml.MarkedYAMLError, text: str, first_line: int) -> Plain:
    """``text`` is what was parsed; its first line is line ``first_line`` of the file."""
    lines = text.split("\n")
    mark = exc.problem_mark or exc.context_mark
    at = min(mark.line if mark else 0, max(len(lines) - 1, 0))
    problem = exc.problem or ""
    here = first_line + at
    previous = _previous_filled(lines, at)
    if "'\\t'" in problem:
        at = next((n for n in range(at, len(lines)) if "\t" in lines[n]), at)
        here = first_line + at
        where = "starts with a tab" if lines[at][: len(lines[at]) - len(lines[at].lstrip())].count("\t") else "contains a tab"
        message = f"line {here} {where}; use spaces instead (the Tab key inserts a tab)"
    elif problem.startswith("expected <block end>") or (
        problem == "mapping values are not allowed here" and previous is not None and _indent(lines[at]) != _indent(lines[previous])
    ):
        message = _indentation(here, at, previous, first_line)
    elif problem == "mapping values are not allowed here":
        message = (
            f"line {here} has a second ': ' in it; put the text after the field's name in quotes, e.g. title: \"Downtime: what to expect\""
        )
    elif problem == "could not find expected ':'":
        at = previous if previous is not None else at
        here = first_line + at
        message = f"line {here} should be `name: value` (or a list entry `  - text`); add the missing ':' or '- '"
    elif "cannot start any token" in problem:
        char = problem.split("'")[1] if "'" in problem else "this character"
        message = f"line {here}: a value cannot start with {char!r}; put the whole value in quotes"
    elif "found undefined alias" in problem or "found character that cannot start" in problem:
        message = f"line {here}: a value cannot start with '*' or '&'; put the whole value in quotes"
    elif problem == "found unexpected end of stream" and exc.context_mark is not None:
        at = exc.context_mark.line
        here = first_line + at
        message = f"line {here} opens a quote that is never closed; add the closing quote on that line"
    elif exc.context and "flow" in exc.context and exc.context_mark is not None:
        at = exc.context_mark.line
        here = first_line + at
        message = f"line {here} opens a '[' or '{{' list that is not closed on that line; add the closing ']' or '}}'"
    else:
        message = f"line {here} is not valid: {problem or exc.context}. Check its indentation and quotes"
    return Plain(here, message, lines[at].rstrip("\r") if at < len(lines) else "")


def _indentation(here: int, at: int, previous: int | None, first_line: int) -> str:
    if previous is None:
        return f"line {here} is indented, but nothing above it is; remove the spaces at its start"
    return (
        f"line {here} is indented differently from line {first_line + previous}; entries of one list, "
        "and fields of one header, start at the same column"
    )


def _previous_filled(lines: list[str], at: int) -> int | None:
    return next((n for n in range(at - 1, -1, -1) if lines[n].strip() and not lines[n].lstrip().startswith("#")), None)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))
