"""Stores that fail and come back, without a real disk failing: the controller's part (events
once, the status, the journal tried again), the journal's own state, the call log's backlog
and `pager status`. tests/test_storage_e2e.py makes real disks fail."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from pager.core.storage import PROBE_EVERY_S, StorageHealth
from pager.io import calllog
from pager.io.journal import Journal, JournalUnavailable
from pager.tools.board import Board
from pager.values.events import EventName
from pager.values.messages import Inbound, MessageKind
from pager.values.storage import StorageReport, Store

FULL = StorageReport(Store.JOURNAL, "/state/calls.db", False, "database or disk is full")
BACK = StorageReport(Store.JOURNAL, "/state/calls.db", True)


def message(n: int) -> Inbound:
    return Inbound("pager/call/5", MessageKind.CALL, "5", b'{"ticket": "A1"}', float(n))


def test_a_failing_store_is_one_event_until_it_is_back_with_how_long_and_what_was_lost() -> None:
    health = StorageHealth()
    assert health.update(FULL, 100.0) == [
        (
            EventName.STORAGE_FAILED,
            {"store": "journal", "path": "/state/calls.db", "reason": "database or disk is full"},
        )
    ]
    assert health.update(FULL, 101.0) == []  # said once, not with every call
    assert health.shown()["storage"] == "failed"
    log_full = StorageReport(Store.CALL_LOG, "/state/history.db", False, "disk I/O error")
    health.update(log_full, 102.0)
    assert [f["store"] for f in health.shown()["storage_failing"]] == ["call-log", "journal"]  # type: ignore[attr-defined]
    back = StorageReport(Store.CALL_LOG, "/state/history.db", True, lost=7)
    assert health.update(back, 130.0) == [
        (
            EventName.STORAGE_RESTORED,
            {"store": "call-log", "path": "/state/history.db", "failed_s": 28.0, "lost": 7},
        )
    ]
    assert health.update(back, 131.0) == []
    health.update(BACK, 140.0)
    assert health.shown() == {"storage": "ok", "storage_failing": []}


def test_the_journals_disk_is_tried_again_every_ten_seconds_only_while_it_fails() -> None:
    health = StorageHealth()
    assert health.next_deadline() is None and not health.probe_due(1e9)
    health.update(FULL, 100.0)
    assert health.next_deadline() == 100.0 + PROBE_EVERY_S
    assert not health.probe_due(105.0)
    assert health.probe_due(110.0) and not health.probe_due(110.0)  # one try, then the next
    assert health.next_deadline() == 110.0 + PROBE_EVERY_S
    health.update(BACK, 112.0)
    assert health.next_deadline() is None


def test_the_journal_takes_calls_back_by_itself_and_forgets_what_ended_meanwhile(
    tmp_path: Path,
) -> None:
    reports: list[StorageReport] = []
    journal = Journal(tmp_path / "calls.db", reports.append)
    journal.add("5/a", message(1))
    assert journal._db is not None
    journal._db.execute("PRAGMA query_only = ON")  # the disk refuses writes
    with pytest.raises(JournalUnavailable, match="readonly"):
        journal.add("5/b", message(2))
    journal.remove("5/a")  # ended while the disk failed: owed
    assert [r.ok for r in reports] == [False] and reports[0].path == str(tmp_path / "calls.db")
    assert journal.pending() == []  # what ended is not played again
    assert journal.probe()  # the file opened afresh: the disk works again
    assert [r.ok for r in reports] == [False, True]
    journal.close()
    again = Journal(tmp_path / "calls.db")
    assert again.pending() == [] and again.seen_ids() == ["5/a"]
    again.close()


def test_a_journal_that_cannot_be_opened_still_lets_the_daemon_start(tmp_path: Path) -> None:
    (tmp_path / "state").write_text("a file where the state directory should be")
    reports: list[StorageReport] = []
    journal = Journal(tmp_path / "state" / "calls.db", reports.append)
    assert journal.pending() == [] and journal.seen_ids() == []
    with pytest.raises(JournalUnavailable):
        journal.add("5/a", message(1))
    assert not journal.probe()
    assert len(reports) == 1 and not reports[0].ok and "File exists" in reports[0].reason


def test_the_call_log_keeps_what_it_cannot_write_and_counts_what_falls_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(calllog, "BACKLOG", 3)
    reports: list[StorageReport] = []
    log = calllog.CallLog(tmp_path / "history.db", 30, reports.append)
    log._open().execute("PRAGMA query_only = ON")
    log._keep([{"ts": time.time(), "event": "queued", "id": f"c{n}"} for n in range(5)])
    log._write()
    assert [r.ok for r in reports] == [False] and log.lost == 2 and len(log._backlog) == 3
    log._write()  # opened afresh: the disk works again
    assert [r.ok for r in reports] == [False, True] and reports[1].lost == 2
    assert [e.id for e in calllog.read(log.path)] == ["c2", "c3", "c4"]
    assert log.lost == 0 and not log._backlog
    assert log._db is not None
    log._db.close()


def test_pager_status_shows_a_failing_disk_in_red_and_is_not_healthy() -> None:
    board = Board("pager")
    failing = [{"store": "journal", "path": "/state/calls.db", "reason": "disk I/O error"}]
    board.nodes = {"hall": {"state": "online", "audio": "ok", "storage": "failed",
                            "storage_failing": failing, "ts": time.time()}}  # fmt: skip
    assert not board.healthy()
    from rich.console import Console

    console = Console(width=160, record=True)
    console.print(board.render())
    text = console.export_text()
    assert "disk failing" in text and "journal /state/calls.db (disk I/O error)" in text
    board.nodes["hall"] = {**board.nodes["hall"], "storage": "ok", "storage_failing": []}
    assert board.healthy()


def test_an_old_journal_file_is_read_as_it_was(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "calls.db")
    db.execute("CREATE TABLE pending (id TEXT PRIMARY KEY, topic TEXT, kind TEXT, counter TEXT,"
               " payload BLOB, received REAL)")  # fmt: skip
    db.execute("INSERT INTO pending VALUES ('5/old', 'pager/call/5', 'call', '5', x'7b7d', 1.0)")
    db.commit()
    db.close()
    journal = Journal(tmp_path / "calls.db")
    assert [m.journaled for m in journal.pending()] == ["5/old"]
    journal.close()


def test_a_journal_that_runs_for_months_forgets_old_ids_as_it_goes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pager.io import journal as journal_module

    monkeypatch.setattr(journal_module, "REMEMBERED_IDS", 50)
    monkeypatch.setattr(journal_module, "FORGET_EVERY", 10)
    journal = Journal(tmp_path / "calls.db")
    for n in range(200):  # no restart in between: seen_ids() is never asked
        journal.add(f"5/c{n}", message(n))
        journal.remove(f"5/c{n}")
    journal.close()
    db = sqlite3.connect(tmp_path / "calls.db")
    kept = [row[0] for row in db.execute("SELECT id FROM seen")]
    db.close()
    assert 50 <= len(kept) < 60 and "5/c199" in kept and "5/c0" not in kept, len(kept)
