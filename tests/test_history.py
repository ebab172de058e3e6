"""The call log: events kept in SQLite, each call's life read back, a day's numbers."""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import time
from pathlib import Path

import pytest

from pager.errors import PagerError
from pager.io import calllog
from pager.tools import commands, history, stats
from pager.tools.commands import BadTime, parse_day, parse_since
from tests.conftest import EXAMPLE_CONFIG, pager_command, write_config

HALL = ["tenant-hall", "food-court"]


def ev(ts: float, event: str, ident: str | None, ticket: str | None = None,
       counter: str | None = "5", **fields: object) -> dict[str, object]:  # fmt: skip
    body: dict[str, object] = {"event": event, "node": "hall", "id": ident, "ticket": ticket,
                               "counter": counter, "priority": "call", "zones": HALL,
                               "text": f"Nomor antrean {ticket}", "play": 1, "ts": ts}  # fmt: skip
    body.update(fields)
    return body


def a_morning(t0: float) -> list[dict[str, object]]:
    """Counter 5 calls A023 (heard twice: it asked for a repeat), A024 (superseded by A025
    before its turn), A025 (cancelled while it played); counter 7's A030 expires; a payload
    is rejected; an operator message is heard; A023 is redelivered (duplicate)."""
    return [
        ev(t0 + 0, "queued", "c1", "A023"),
        ev(t0 + 1, "started", "c1", "A023"),
        ev(
            t0 + 2,
            "rejected",
            None,
            None,
            counter="9",
            reason="payload is not JSON",
            priority=None,
            zones=None,
        ),
        ev(t0 + 9, "finished", "c1", "A023", audio_s=8.0, late_s=0.0),
        ev(t0 + 9, "queued", "c1", "A023", play=2),
        ev(t0 + 10, "duplicate", "c1", "A023", reason="id c1 was already received"),
        ev(t0 + 20, "queued", "c2", "A024"),
        ev(t0 + 21, "queued", "c7", "A030", counter="7"),
        ev(t0 + 22, "superseded", "c2", "A024", reason="counter 5 called A025"),
        ev(t0 + 22, "queued", "c3", "A025"),
        ev(t0 + 24, "started", "c1", "A023", play=2),
        ev(t0 + 32, "finished", "c1", "A023", play=2, audio_s=8.0, late_s=0.0),
        ev(t0 + 33, "started", "c3", "A025"),
        ev(t0 + 35, "cancelled", "c3", "A025", reason="cancelled"),
        ev(t0 + 200, "expired", "c7", "A030", counter="7", reason="called 180 s ago"),
        {**ev(t0 + 300, "queued", "drill", None, counter=None), "priority": "announcement"},
        {**ev(t0 + 301, "started", "drill", None, counter=None), "priority": "announcement"},
        {**ev(t0 + 310, "finished", "drill", None, counter=None), "priority": "announcement"},
        {"event": "audio-failed", "node": "hall", "reason": "device gone", "ts": t0 + 400},
    ]


@pytest.fixture
def logged(tmp_path: Path) -> Path:
    log = calllog.CallLog(tmp_path / calllog.FILE_NAME, keep_days=90)
    log.start()
    t0 = time.time() - 1000
    for body in a_morning(t0):
        log.record(body)
    log.record(ev(time.time() - 91 * 86400, "queued", "old", "Z001"))  # beyond keep_days
    log.close()
    assert log.written == len(a_morning(t0)) + 1
    return log.path


def test_the_log_keeps_every_event_and_forgets_what_is_older_than_keep_days(logged: Path) -> None:
    events = list(calllog.read(logged))
    assert [e.event for e in events][:3] == ["queued", "started", "rejected"]
    assert events[0].zones == tuple(HALL) and events[0].ticket == "A023"
    assert events[3].audio_s == 8.0
    assert "Z001" not in {e.ticket for e in events}, "an event older than keep_days was kept"
    assert events[-1].event == "audio-failed"


def test_each_call_has_one_record_with_its_outcome_its_plays_and_its_wait(logged: Path) -> None:
    found = {(r.counter, r.ticket): r for r in history.records(calllog.read(logged))}
    a023 = found[("5", "A023")]
    assert (a023.outcome, a023.heard, a023.duplicates) == ("finished", 2, 1)
    assert a023.wait_s == pytest.approx(1.0) and len(a023.starts) == 2
    assert found[("5", "A024")].outcome == "superseded"
    assert found[("5", "A024")].reason == "counter 5 called A025"
    assert (found[("5", "A025")].outcome, found[("5", "A025")].heard) == ("cancelled", 0)
    assert found[("7", "A030")].outcome == "expired" and found[("7", "A030")].wait_s is None
    assert found[("9", None)].outcome == "rejected"
    assert found[(None, None)].priority == "announcement"
    assert len(found) == 6, "the audio event is not a call"


def test_a_ticket_is_found_however_it_is_written(logged: Path) -> None:
    found = history.records(calllog.read(logged))
    for written in ("A023", "a23", "A-23", "a 023"):
        assert [r.id for r in history.select(found, ticket=written)] == ["c1"]
    assert {r.ticket for r in history.select(found, counter="7")} == {"A030"}


def test_a_day_in_numbers(logged: Path) -> None:
    found = history.records(calllog.read(logged))
    day = stats.compute(dt.date.today(), found)
    assert (day.calls, day.heard, day.rejected, day.messages) == (4, 1, 1, 1)
    assert day.outcomes == {"superseded": 1, "cancelled": 1, "expired": 1}
    assert day.waits.count == 2  # A023 (1 s) and A025 (11 s)
    assert day.waits.mean_s == pytest.approx(6.0)
    assert day.per_counter["5"][0] == 3 and day.per_counter["7"][0] == 1
    assert day.per_zone["food-court"][0] == 4
    text = stats.as_text(day)
    assert "4 calls, 1 heard" in text
    assert "1 cancelled, 1 expired, 1 superseded" in text


def test_times_are_read_as_people_write_them() -> None:
    now = dt.datetime(2026, 11, 29, 14, 0).timestamp()
    assert parse_since("2h", now) == now - 7200
    assert parse_since("30m", now) == now - 1800
    assert parse_since("09:30", now) == dt.datetime(2026, 11, 29, 9, 30).timestamp()
    assert parse_since("2026-11-28 08:00", now) == dt.datetime(2026, 11, 28, 8).timestamp()
    assert parse_day("2026-11-28") == dt.date(2026, 11, 28)
    with pytest.raises(BadTime, match='cannot read the time "tadi pagi"'):
        parse_since("tadi pagi", now)
    with pytest.raises(BadTime, match="give 2026-11-29, today or yesterday"):
        parse_day("kemarin")


def test_a_missing_log_says_where_it_looked(tmp_path: Path) -> None:
    with pytest.raises(PagerError, match=r"no call log at .*history.db: give the daemon's state"):
        list(calllog.read(tmp_path / "history.db"))


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*pager_command(), *args], capture_output=True, text=True,
                          timeout=120, check=False)  # fmt: skip


def test_history_and_stats_commands(logged: Path, tmp_path: Path) -> None:
    state = str(logged.parent)
    table = run("history", "--state-dir", state, "--ticket", "a23")
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()  # in Indonesian, the example config's ui.language
    assert lines[0].split() == ["diterima", "nomor", "loket", "hasil", "tunggu", "zona"]
    assert len(lines) == 2 and "terdengar 2 kali" in lines[1] and "1.0 dtk" in lines[1]
    english = write_config(tmp_path / "en.yaml", ui={"language": "en"})
    table = run("history", "-c", str(english), "--state-dir", state, "--ticket", "a23")
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["received", "ticket", "counter", "outcome", "wait", "zones"]
    assert len(lines) == 2 and "heard 2 times" in lines[1] and "1.0 s" in lines[1]

    rows = run("history", "--state-dir", state, "--csv").stdout.splitlines()
    assert rows[0] == ",".join(history.HEADER)
    assert len(rows) == 7
    assert any(",A024,5,superseded: counter 5 called A025,0,," in row for row in rows)

    chart = tmp_path / "day.png"
    day = run("stats", "--state-dir", state, "--png", str(chart))
    assert day.returncode == 0, day.stderr
    assert "4 panggilan, 1 terdengar" in day.stdout
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    bad = run("history", "--state-dir", state, "--since", "tadi")
    assert bad.returncode == 2 and 'cannot read the time "tadi"' in bad.stderr
    missing = run("history", "--state-dir", str(tmp_path / "nowhere"))
    assert missing.returncode == 69 and "no call log at" in missing.stderr


def test_the_service_s_log_is_found_from_any_directory(
    logged: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = tmp_path / "var-lib-pager"
    (service / "state").mkdir(parents=True)
    logged.rename(service / "state" / calllog.FILE_NAME)
    monkeypatch.setattr(commands, "SERVICE_DIR", service)
    elsewhere = tmp_path / "root"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    cfg = config_file(tmp_path)
    args = argparse.Namespace(state_dir=None, config=cfg, node=None)
    assert commands._log_path(args) == service / "state" / calllog.FILE_NAME


def config_file(directory: Path) -> Path:
    """The example config as the service has it: `state_dir: state`, relative."""
    path = directory / "zones.yaml"
    path.write_text(EXAMPLE_CONFIG.read_text())
    return path


OLD_SCHEMA = (
    "CREATE TABLE events (ts REAL NOT NULL, node TEXT, event TEXT NOT NULL, id TEXT,"
    " counter TEXT, ticket TEXT, priority TEXT, play INTEGER, zones TEXT, text TEXT,"
    " reason TEXT, audio_s REAL, late_s REAL, combined INTEGER)"
)


def test_a_call_log_from_before_pickups_is_read_then_extended(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / calllog.FILE_NAME
    with sqlite3.connect(path) as db:
        db.execute(OLD_SCHEMA)
        db.execute("INSERT INTO events (ts, event, id, counter, ticket) VALUES (?, ?, ?, ?, ?)",
                   (time.time() - 60, "finished", "c1", "5", "A023"))  # fmt: skip
    db.close()
    [old] = calllog.read(path)  # before the daemon has opened it: no kind, no final
    assert (old.ticket, old.kind, old.final) == ("A023", None, None)
    log = calllog.CallLog(path, keep_days=90)
    log.start()
    log.record(ev(time.time() - 30, "queued", "d1", "PB-00012345", kind="pickup", final=True))
    log.record(ev(time.time() - 20, "finished", "d1", "PB-00012345", kind="pickup", final=True))
    log.close()
    found = {r.id: r for r in history.records(calllog.read(path))}
    assert found["c1"].kind is None and found["d1"].kind == "pickup"
    assert [e.final for e in calllog.read(path)] == [None, 1, 1]
    table = history.as_table(list(found.values()))
    assert "PB-00012345 (pickup)" in table and "A023 (pickup)" not in table
    assert history.as_csv(list(found.values())).splitlines()[0].endswith(",text,kind,name")


def test_the_call_log_gives_back_the_space_of_the_days_it_forgets(tmp_path: Path) -> None:
    written = calllog.CallLog(tmp_path / calllog.FILE_NAME, keep_days=30)
    old = time.time() - 40 * 86400
    written._keep([ev(old + n, "finished", f"c{n}", "A1") | {"text": "x" * 400}
                   for n in range(5000)])  # fmt: skip
    written._write()
    written._open().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    full = written.path.stat().st_size
    written._prune()
    written._open().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert list(calllog.read(written.path)) == []
    assert written.path.stat().st_size < full / 10, (full, written.path.stat().st_size)
    assert written._db is not None
    written._db.close()
