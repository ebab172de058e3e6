"""The daily schedule with an injected clock: days, dates, holidays, restarts within and
beyond the grace, a clock stepped backwards, and a time zone that is not the PC's."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import zoneinfo
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest

from pager import config
from pager.config.library import Message
from pager.config.schema import Problems
from pager.config.timetable import ScheduleEntry, read_schedule
from pager.core import inputs
from pager.core.effects import JournalAdd, StartPlay
from pager.core.timetable import Timetable
from pager.errors import ConfigError
from pager.values.messages import Inbound, MessageKind
from tests.conftest import write_config
from tests.desk import EXAMPLE, Desk, events

JAKARTA = zoneinfo.ZoneInfo("Asia/Jakarta")
MESSAGES = {"closing": object(), "friday-prayer": object()}


def at(text: str, zone: str = "Asia/Jakarta") -> float:
    """Unix seconds of a local time: at("2026-12-04 16:00")."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=zoneinfo.ZoneInfo(zone)).timestamp()


def timetable(*raw: dict[str, Any], zone: str = "Asia/Jakarta", grace: float = 120) -> Timetable:
    problems = Problems()
    entries = read_schedule(list(raw), MESSAGES, problems)
    assert not problems.items, problems.items
    table = Timetable()
    table.configure(dataclasses.replace(EXAMPLE, schedule=entries, timezone=zone,
                                        schedule_grace_s=grace))  # fmt: skip
    return table


def played(table: Timetable, *times: str) -> list[str]:
    """What is due at each of these local times, in turn (the clock as given)."""
    return [f"{d.entry.message}@{d.local('Asia/Jakarta'):%a %H:%M}"
            for t in times for d in table.due(at(t))]  # fmt: skip


def test_an_entry_plays_once_on_its_days_at_its_time() -> None:
    table = timetable({"at": "16:00", "days": "weekdays", "message": "closing"},
                      {"at": "11:30", "days": ["Jumat"], "message": "friday-prayer"})  # fmt: skip
    # 2026-12-04 is a Friday; the 5th and 6th a weekend; the 7th a Monday.
    assert played(table, "2026-12-04 11:29:59") == []
    assert played(table, "2026-12-04 11:30:00", "2026-12-04 11:30:01") == [
        "friday-prayer@Fri 11:30"
    ]
    assert played(table, "2026-12-04 16:00:00.5") == ["closing@Fri 16:00"]
    assert played(table, "2026-12-05 16:00:01", "2026-12-06 16:00:01", "2026-12-06 11:30:01") == []
    assert played(table, "2026-12-07 16:00:01", "2026-12-07 11:30:01") == ["closing@Mon 16:00"]


def test_dates_add_days_and_except_takes_holidays_away() -> None:
    table = timetable(
        {"at": "16:00", "days": "weekdays", "message": "closing", "except": ["2026-12-25"]},
        {"at": "10:00", "dates": ["2026-12-05"], "message": "friday-prayer"},  # a Saturday only
    )
    assert played(table, "2026-12-25 16:00:01") == []  # Christmas: a Friday, a holiday
    assert played(table, "2026-12-24 16:00:01") == ["closing@Thu 16:00"]
    assert played(table, "2026-12-05 10:00:01") == ["friday-prayer@Sat 10:00"]
    assert played(table, "2026-12-12 10:00:01", "2026-12-07 10:00:01") == []


def test_a_restart_within_the_grace_plays_it_once_late_and_beyond_not_at_all() -> None:
    entry = {"at": "16:00", "days": "daily", "message": "closing"}
    first = timetable(entry)
    [due] = first.due(at("2026-12-04 16:00:01"))
    # Restarted 30 s later: the journal's seen ids say it played; it does not play again.
    again = timetable(entry)
    again.remember(["/c-17", f"/{due.id}", "5/schedule-lookalike"])
    assert again.due(at("2026-12-04 16:00:31")) == []
    # Down over its time, back within the grace: once, late. Beyond the grace: not at all.
    late = timetable(entry)
    assert played(late, "2026-12-04 16:01:59", "2026-12-04 16:02:10") == ["closing@Fri 16:00"]
    assert played(timetable(entry), "2026-12-04 16:02:01") == []
    assert played(timetable(entry, grace=600), "2026-12-04 16:09:59") == ["closing@Fri 16:00"]


def test_a_clock_stepped_backwards_does_not_play_it_twice() -> None:
    table = timetable({"at": "16:00", "days": "daily", "message": "closing"})
    assert played(table, "2026-12-04 16:00:01") == ["closing@Fri 16:00"]
    # NTP steps the clock back an hour, then time passes 16:00 again: it is not repeated;
    # tomorrow it plays again.
    assert played(table, "2026-12-04 15:00:01", "2026-12-04 16:00:01", "2026-12-04 16:01:00") == []
    assert played(table, "2026-12-05 16:00:01") == ["closing@Sat 16:00"]


def test_a_clock_stepped_forward_past_its_time_skips_it() -> None:
    table = timetable({"at": "16:00", "days": "daily", "message": "closing"})
    assert played(table, "2026-12-04 15:59:00", "2026-12-04 18:00:00") == []  # jumped 2 h


def test_the_schedule_keeps_its_own_time_zone_whatever_the_pcs() -> None:
    table = timetable({"at": "08:00", "days": "daily", "message": "closing"},
                      zone="Asia/Jayapura")  # WIT: UTC+9  # fmt: skip
    [due] = table.due(at("2026-12-04 08:00:01", "Asia/Jayapura"))
    assert due.ts == dt.datetime(2026, 12, 3, 23, 0, tzinfo=dt.UTC).timestamp()
    assert due.local("Asia/Jayapura").isoformat() == "2026-12-04T08:00:00+09:00"


def test_the_next_times_for_the_status_and_pager_schedule() -> None:
    table = timetable({"at": "16:00", "days": "weekdays", "message": "closing"},
                      {"at": "11:30", "days": "fri", "message": "friday-prayer"})  # fmt: skip
    now = at("2026-12-04 12:00")
    assert [(d.entry.message, d.local("Asia/Jakarta").isoformat()) for d in table.coming(now)] == [
        ("closing", "2026-12-04T16:00:00+07:00"),
        ("closing", "2026-12-07T16:00:00+07:00"),
        ("closing", "2026-12-08T16:00:00+07:00"),
    ]
    assert table.next_due(now) == at("2026-12-04 16:00")
    assert [d.entry.message for d in table.next_of_each(now)] == ["closing", "friday-prayer"]


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ({"at": "25:00", "message": "closing"}, 'schedule[0].at: must be a time of day "HH:MM"'),
        ({"at": "16:00", "message": "closng"}, 'schedule[0].message: must name a message of the library (messages) (did you mean "closing"'),
        ({"at": "16:00", "message": "closing", "days": ["fryday"]}, 'schedule[0].days: unknown day fryday (did you mean "friday"'),
        ({"at": "16:00", "message": "closing", "dates": ["2026-13-01"]}, "schedule[0].dates: '2026-13-01' is not a date"),
        ({"at": "16:00", "message": "closing", "exept": ["2026-12-25"]}, 'schedule[0].exept: unknown key (did you mean "except"'),
        ({"message": "closing"}, "schedule[0].at: is missing"),
    ],
)  # fmt: skip
def test_schedule_entries_are_checked(tmp_path: Path, entry: dict[str, Any], problem: str) -> None:
    cfg = write_config(tmp_path / "zones.yaml", schedule=[entry])
    with pytest.raises(ConfigError) as error:
        config.load(cfg)
    assert problem in str(error.value)


def test_an_unknown_time_zone_is_named(tmp_path: Path) -> None:
    cfg = write_config(tmp_path / "zones.yaml", timezone="Asia/Jakrta")
    with pytest.raises(ConfigError) as error:
        config.load(cfg)
    assert 'timezone: unknown time zone Asia/Jakrta (did you mean "Asia/Jakarta"' in str(
        error.value
    )


def test_a_scheduled_message_plays_as_an_operators_would_with_its_source() -> None:
    entry = ScheduleEntry(dt.time(16, 0), "closing", frozenset(range(7)))
    closing = Message("closing", text="Layanan hari ini telah berakhir.", zones=("mpp",))
    cfg = dataclasses.replace(EXAMPLE, messages=MappingProxyType({"closing": closing}),
                              schedule=(entry,))  # fmt: skip
    desk = Desk(cfg, now=at("2026-12-04 15:59:59"))
    desk.feed(inputs.Replay((), ()))
    assert not [e for e in desk.feed(inputs.Tick()) if isinstance(e, StartPlay)]
    assert desk.controller.next_deadline(desk.now) == at("2026-12-04 16:00")
    desk.now = at("2026-12-04 16:00:00.2")
    effects = desk.feed(inputs.Tick())
    [journal] = [e for e in effects if isinstance(e, JournalAdd)]
    desk.feed(inputs.Journaled(journal.job_id))
    [start] = [e for e in desk.effects if isinstance(e, StartPlay)]
    assert start.speech.text == "Layanan hari ini telah berakhir."
    [queued] = events(desk.effects, "queued")
    assert queued["source"] == "schedule" and queued["message"] == "closing"
    assert queued["id"] == f"schedule-closing-1600-{int(at('2026-12-04 16:00'))}"
    assert queued["zones"] == ["tenant-hall", "waiting-area"]
    assert json.loads(json.dumps(queued))  # plain JSON
    # Many due at once are never rate-limited as an operator's bursts would be.
    assert not events(desk.effects, "rejected")


def site_desk(node: str, **changes: Any) -> Desk:
    from tests.test_site import site

    document = site(**changes)
    document["messages"] = {"closing": {"text": "Layanan hari ini telah berakhir."}}
    document["schedule"] = [{"at": "16:00", "days": "daily", "message": "closing"}]
    desk = Desk(config.parse(document, node=node), now=at("2026-12-04 15:59:00"))
    desk.feed(inputs.Replay((), ()))  # started a minute before
    desk.now = at("2026-12-04 16:00:00.1")
    return desk


def test_the_racks_of_a_site_start_a_scheduled_message_together() -> None:
    from pager.core.effects import PublishSync
    from pager.core.sync import Offer

    hall, market = site_desk("hall"), site_desk("market")
    hall_effects = hall.feed(inputs.Tick())
    [offer] = [e for e in hall_effects if isinstance(e, PublishSync)]  # the first rack's time
    assert offer.body["at"] == pytest.approx(at("2026-12-04 16:00:00.1") + 0.15)
    [add] = [e for e in hall_effects if isinstance(e, JournalAdd)]
    [start] = [e for e in hall.feed(inputs.Journaled(add.job_id)) if isinstance(e, StartPlay)]
    market.now += 0.004
    [add] = [e for e in market.feed(inputs.Tick()) if isinstance(e, JournalAdd)]
    [_] = [e for e in market.feed(inputs.Journaled(add.job_id)) if isinstance(e, StartPlay)]
    body = json.dumps(Offer(**offer.body).body()).encode()  # type: ignore[arg-type]
    retimed = market.feed(Inbound("pager/sync", MessageKind.SYNC, None, body, market.now))
    assert [getattr(e, "at", None) for e in retimed if type(e).__name__ == "Retime"] == [start.at]


def test_a_standby_holds_a_scheduled_message_and_plays_it_only_on_taking_over() -> None:
    standby = site_desk("hall", standby={"nodes": ["hall"]})
    held = standby.feed(inputs.Tick())
    assert not [e for e in held if isinstance(e, StartPlay | JournalAdd)]
    standby.now += 1
    standby.feed(inputs.Tick())
    assert len(standby.controller._reception._ledger or ()) == 1  # held once, not each tick
    [add] = [e for e in standby.feed(inputs.TookOver()) if isinstance(e, JournalAdd)]
    assert add.job_id.startswith("/schedule-closing-1600-")
