"""`medspa report unanswered`: what clients asked that the bot could not answer, grouped
by meaning (core.unanswered_groups), with the outcome the current content comes closest
to and where an example like it would be added, so staff know which file to open.
"""

from __future__ import annotations

from pathlib import Path

from cli.spreadsheet import as_csv as spreadsheet_csv
from cli.spreadsheet import local_time
from core.desk.unanswered_groups import Group
from core.understanding.knowledge import Knowledge

COLUMNS = ["count", "question", "other_wordings", "closest", "score", "add_example_to", "last_seen"]


def rows(groups: list[Group], knowledge: Knowledge) -> list[dict]:
    zone = knowledge.library.clinic.hours.timezone
    out = []
    for g in groups:
        best = knowledge.classifier.scores(g.example)[:1]
        out.append(
            {
                "count": g.count,
                "question": g.example,
                "other_wordings": len(g.wordings) - 1,
                "closest": best[0].class_id if best else "",
                "score": round(best[0].score, 2) if best else 0.0,
                "add_example_to": where_to_add(knowledge, best[0].class_id) if best else "",
                "last_seen": local_time(g.last_seen, zone),
            }
        )
    return out


def where_to_add(knowledge: Knowledge, class_id: str) -> str:
    """The file (and list) where an example for this outcome goes: a topic's own file, or
    its list in examples.yaml. A question no outcome fits may need a new topic instead."""
    library = knowledge.library
    if class_id in library.topics:
        return f"{library.sources[class_id]}, examples"
    folder = Path(next(iter(library.sources.values()), "content/topics/-")).parent.parent
    return f"{folder / 'examples.yaml'}, {class_id}"


def as_csv(table: list[dict]) -> str:
    return spreadsheet_csv(table, COLUMNS)


def as_text(table: list[dict]) -> str:
    if not table:
        return "No unanswered questions in this period."
    lines = ["count  closest (score)                  last asked            question"]
    for row in table:
        closest = f"{row['closest'] or '-'} ({row['score']:.2f})"
        more = f"  (+{row['other_wordings']} similar)" if row["other_wordings"] else ""
        lines.append(f"{row['count']:>5}  {closest:<32} {row['last_seen']:<21} {row['question']}{more}")
        if row["add_example_to"]:
            lines.append(f"{'':>7}add an example to: {row['add_example_to']}")
    return "\n".join(lines)
