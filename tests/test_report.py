"""`run.py report unanswered` groups similar wordings, most frequent first."""

import subprocess
import sys
from datetime import UTC, datetime, timedelta

from cli.report import as_csv, as_text, rows
from core.desk.unanswered_groups import group
from core.storage.records import Unanswered
from core.storage.store import Store
from tests.conftest import ROOT

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def entry(text, days=0):
    return Unanswered(at=T0 + timedelta(days=days), conversation="t:1", text=text, kind="fallback")


def test_similar_wordings_are_grouped_and_sorted_by_count(knowledge):
    entries = [
        entry(t)
        for t in [
            "how much does it cost",
            "How much does it cost?",
            "cost of microneedling",
            "do you do botox",
            "botox??",
            "how much does microneedling cost",
            "where do I park",
        ]
    ]
    groups = group(entries, knowledge.classifier.lexical.common_stems())
    assert [g.count for g in groups] == [4, 2, 1]
    assert groups[0].example == "how much does it cost"
    assert set(groups[1].wordings) == {"do you do botox", "botox??"}


def test_rows_carry_the_closest_topic(knowledge):
    [row] = rows(group([entry("is it good for big pores on the chin", days=3)]), knowledge)
    assert row["closest"] == "pores" and row["score"] > 0.3 and row["add_example_to"] == "content/topics/pores.md, examples"
    assert row["last_seen"] == "2026-11-03 18:00 CST"  # midnight UTC, in the clinic's time
    assert as_csv([row]).splitlines()[0] == "count,question,other_wordings,closest,score,add_example_to,last_seen"


def test_report_command_reads_the_store_without_taking_it_over(tmp_path):
    store = Store(tmp_path / "data", fsync=False)
    for text in ["botox?", "do you do botox", "parking?"]:
        store.log_unanswered(Unanswered(at=datetime.now(UTC), conversation="t:1", text=text, kind="fallback"))
    store._journal.sync_blocking()
    config = tmp_path / "config.toml"
    config.write_text(f'[storage]\ndir = "{tmp_path / "data"}"\n[content]\ndir = "{ROOT / "content"}"\n')
    result = subprocess.run(
        [sys.executable, "run.py", "--config", str(config), "report", "unanswered", "--since", "7"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if "add an example to" not in line]
    assert lines[1].split()[0] == "2" and "botox" in lines[1]
    assert lines[2].split()[0] == "1" and "parking?" in lines[2]
    store.close()


def test_questions_that_mean_the_same_are_one_group_with_where_to_add_an_example(knowledge):
    """Issue #17, item 9: grouped by meaning with the sentence encoder, not only by wording."""
    entries = [
        entry(t, days=n)
        for n, t in enumerate(
            [
                "do you take insurance",
                "is it covered by insurance",
                "do you take insurance",
                "do you do botox",
                "botox??",
                "where do I park",
                "is there parking nearby",
            ]
        )
    ]
    encode = knowledge.classifier.semantic.encoder.encode
    by_words = group(entries, knowledge.classifier.lexical.common_stems())
    by_meaning = group(entries, knowledge.classifier.lexical.common_stems(), encode)
    assert len(by_meaning) < len(by_words)
    assert [(g.count, g.example) for g in by_meaning] == [(3, "do you take insurance"), (2, "botox??"), (2, "where do I park")] or [
        g.count for g in by_meaning
    ] == [3, 2, 2]
    assert set(by_meaning[0].wordings) == {"do you take insurance", "is it covered by insurance"}
    table = rows(by_meaning, knowledge)
    assert all(row["closest"] and row["add_example_to"] for row in table)
    assert any(row["add_example_to"].startswith("content/examples.yaml, ") for row in table)
    text = as_text(table)
    assert "add an example to: " in text and "CST" in text  # last asked, in the clinic's time (item 10)
