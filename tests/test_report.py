"""`run.py report unanswered` groups similar wordings, most frequent first."""

import subprocess
import sys
from datetime import UTC, datetime, timedelta

from cli.report import as_csv, group, rows
from core.records import Unanswered
from core.storage import Store
from tests.conftest import ROOT

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def entry(text, days=0):
    return Unanswered(at=T0 + timedelta(days=days), conversation="t:1", text=text, kind="fallback")


def test_similar_wordings_are_grouped_and_sorted_by_count(knowledge):
    entries = [entry(t) for t in [
        "how much does it cost", "How much does it cost?", "cost of microneedling", "do you do botox", "botox??",
        "how much does microneedling cost", "where do I park",
    ]]
    groups = group(entries, knowledge.classifier.lexical.common_stems())
    assert [g.count for g in groups] == [4, 2, 1]
    assert groups[0].example == "how much does it cost"
    assert set(groups[1].wordings) == {"do you do botox", "botox??"}


def test_rows_carry_the_closest_topic(knowledge):
    [row] = rows(group([entry("is it good for big pores on the chin", days=3)]), knowledge)
    assert row["closest_topic"] == "pores" and row["score"] > 0.3
    assert row["last_seen"] == "2026-11-03 18:00 CST"  # midnight UTC, in the clinic's time
    assert as_csv([row]).splitlines()[0] == "count,question,other_wordings,closest_topic,score,last_seen"


def test_report_command_reads_the_store_without_taking_it_over(tmp_path):
    store = Store(tmp_path / "data", fsync=False)
    for text in ["botox?", "do you do botox", "parking?"]:
        store.log_unanswered(Unanswered(at=datetime.now(UTC), conversation="t:1", text=text, kind="fallback"))
    store._journal.sync_blocking()
    config = tmp_path / "config.toml"
    config.write_text(f'[storage]\ndir = "{tmp_path / "data"}"\n[content]\ndir = "{ROOT / "content"}"\n')
    result = subprocess.run([sys.executable, "run.py", "--config", str(config), "report", "unanswered", "--since", "7"],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[1].split()[0] == "2" and "botox" in lines[1]
    assert lines[2].split()[0] == "1" and "parking?" in lines[2]
    store.close()
