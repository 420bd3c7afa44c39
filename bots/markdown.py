"""Rendering the core's Markdown subset (bold, italic, bullet lists) per platform.

markdown-it-py parses; each platform supplies a :class:`Style` saying how to mark
up bold and italic and how to escape plain text. Escaping happens on every text
fragment, so whatever a client typed can never turn into platform markup.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from markdown_it import MarkdownIt

_md = MarkdownIt("zero").enable(["emphasis", "list", "escape", "newline"])


@dataclass(frozen=True)
class Style:
    bold: tuple[str, str]
    italic: tuple[str, str]
    escape: Callable[[str], str]
    bullet: str = "• "


PLAIN = Style(bold=("", ""), italic=("", ""), escape=lambda s: s)


def render(text: str, style: Style) -> str:
    """Render to the platform's markup; paragraphs are separated by one blank line."""
    out: list[str] = []
    depth = 0
    for token in _md.parse(text):
        if token.type == "bullet_list_open" or token.type == "ordered_list_open":
            depth += 1
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
            out.append("\n")
        elif token.type == "list_item_open":
            out.append("  " * (depth - 1) + style.bullet)
        elif token.type == "paragraph_close":
            out.append("\n" if depth else "\n\n")
        elif token.type == "inline":
            out.append(_inline(token.children or [], style))
    return "".join(out).strip()


def _inline(children, style: Style) -> str:
    parts = []
    for child in children:
        match child.type:
            case "text":
                parts.append(style.escape(child.content))
            case "softbreak" | "hardbreak":
                parts.append("\n")
            case "strong_open":
                parts.append(style.bold[0])
            case "strong_close":
                parts.append(style.bold[1])
            case "em_open":
                parts.append(style.italic[0])
            case "em_close":
                parts.append(style.italic[1])
            case _:
                parts.append(style.escape(child.content))
    return "".join(parts)
