"""A wall clock that jumps: told apart from time passing, and changing no call's age, no
repeat's wait and no racks' start (the daily schedule's steps: tests/test_timetable.py).
tests/test_clock_e2e.py steps the real daemon's clock with libfaketime."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from pager import clock
from pager.clock import StepWatch
from pager.core import inputs
from pager.core.effects import Effect, PublishStatus
from pager.core.sync import Offer, Sync
from pager.io.calllog import Event
from pager.tools import history
from pager.values.jobs import Job
from pager.values.messages import Inbound, MessageKind
from tests.desk import EXAMPLE, Desk, call, events, names

NOW = 1_797_000_000.0  # December 2026: a clock that has been set
HOUR = 3600.0


class Clocks:
    def __init__(self) -> None:
        self.wall, self.monotonic = NOW, 50.0

    def tick(self, seconds: float) -> None:
        self.wall += seconds
        self.monotonic += seconds


def test_a_step_is_told_apart_from_time_passing_and_said_once() -> None:
    clocks = Clocks()
    watch = StepWatch(lambda: clocks.wall, lambda: clocks.monotonic)
    clocks.tick(500)
    assert watch.step() == 0.0  # time passed: no step
    clocks.wall += 0.4  # NTP's small corrections are not steps
    assert watch.step() == 0.0
    clocks.wall += 2 * HOUR
    assert watch.step() == pytest.approx(2 * HOUR + 0.4)
    assert watch.step() == 0.0  # once
    clocks.wall -= 3 * HOUR
    assert watch.step() == -3 * HOUR


def test_the_status_says_a_clock_before_this_release_is_unsynchronized() -> None:
    assert clock.unsynchronized(dt.datetime(2016, 1, 1, tzinfo=dt.UTC).timestamp())
    assert not clock.unsynchronized(NOW)
    desk = Desk(now=dt.datetime(2016, 1, 1, tzinfo=dt.UTC).timestamp())

    def clock_shown(effects: list[Effect]) -> object:
        return [e.details["clock"] for e in effects if isinstance(e, PublishStatus)][-1]

    assert clock_shown(desk.feed(inputs.Connected())) == "unsynchronized"
    step = NOW - desk.now
    desk.now = NOW
    effects = desk.feed(inputs.ClockStepped(step))
    assert events(effects, "clock-stepped")[0]["step_s"] == pytest.approx(step)
    assert clock_shown(effects) == "ok"


@pytest.mark.parametrize("step", [2 * HOUR, -2 * HOUR])
def test_a_step_while_calls_wait_neither_expires_them_nor_lets_them_outlive_max_age(
    step: float,
) -> None:
    desk = Desk(now=NOW)
    max_age = EXAMPLE.scheduling.max_age_s
    desk.take(call("5", "A1", "playing"))
    desk.take(call("5", "A2", "waiting", supersede=False))
    assert desk.held["tenant-hall"] == "playing" and desk.waiting == 2
    desk.now += 5 + step  # five seconds pass, and the clock jumps
    stepped = desk.feed(inputs.ClockStepped(step))
    body = events(stepped, "clock-stepped")[0]
    assert body["step_s"] == step and body["queued"] == 1 and "stepped by" in str(body["reason"])
    assert "expired" not in [name for name, _ in names(stepped)]
    assert "expired" not in [name for name, _ in names(desk.finish("playing"))]
    assert desk.held["tenant-hall"] == "waiting"  # it plays: five seconds old, not two hours
    # ... and a call queued before the step expires when it is really max_age_s old.
    desk.take(call("4", "B1", "old"))
    desk.now += max_age + 1
    assert ("expired", "old") in names(desk.feed(inputs.Tick()))


def test_a_repeat_waits_its_interval_whichever_way_the_clock_jumped() -> None:
    desk = Desk(now=NOW)
    desk.take(call("5", "A1", "twice", repeat=1))
    desk.finish("twice")
    due = desk.controller.next_deadline(desk.now)
    assert due is not None
    desk.now -= HOUR  # stepped back: the repeat must not wait an hour more
    desk.feed(inputs.ClockStepped(-HOUR))
    assert desk.controller.next_deadline(desk.now) == pytest.approx(due - HOUR)


def test_a_racks_start_time_far_from_this_clock_is_refused_and_it_starts_at_once() -> None:
    sync = Sync("pasar", delay_s=0.2)
    job = Job(id="5/x", priority=EXAMPLE.counters["5"].max_priority, zones=("tenant-hall",),
              nodes=("hall", "pasar"))  # fmt: skip
    message = Inbound("pager/call/5", MessageKind.CALL, "5", b'{"ticket": "A1"}', NOW)
    sync.take(job, message, NOW)
    own = sync.start_at("5/x")
    assert own == pytest.approx(NOW + 0.2)
    from pager.core.sync import message_key

    far = Offer(message_key(message), NOW + HOUR, "hall")  # that rack's clock is an hour off
    assert sync.offered(far, NOW) is None
    assert sync.start_at("5/x") == own  # its own time: about at once
    sync.take(dataclasses.replace(job, id="5/y"), dataclasses.replace(message, payload=b"{}"),
              NOW)  # fmt: skip
    near = Offer(message_key(dataclasses.replace(message, payload=b"{}")), NOW + 0.25, "hall")
    assert sync.offered(near, NOW) == ("5/y", NOW + 0.25)


def test_history_shows_where_the_clock_was_stepped_in_the_order_things_happened() -> None:
    def event(ts: float, name: str, ident: str | None, **fields: object) -> Event:
        return Event(ts=ts, node="mpp", event=name, id=ident, counter="5" if ident else None,
                     ticket="A1" if ident else None, priority="call" if ident else None,
                     play=1, zones=("tenant-hall",), text="", reason=None, audio_s=None,
                     late_s=None, combined=None, **fields)  # type: ignore[arg-type]  # fmt: skip

    found = history.records([
        event(NOW, "queued", "before"), event(NOW + 8, "finished", "before"),
        dataclasses.replace(event(NOW - HOUR + 10, "clock-stepped", None),
                            reason="the wall clock was stepped by -3600.0 s"),
        event(NOW - HOUR + 20, "queued", "after"),
    ])  # fmt: skip
    assert [r.outcome for r in found] == ["finished", "clock-stepped", "queued"]
    table = history.as_table(found)
    assert "clock stepped: the wall clock was stepped by -3600.0 s" in table
