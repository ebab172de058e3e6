"""The real daemon's wall clock stepped while calls wait, and started in a year long past: the
wall clock follows a file the test rewrites (tests/data/wallclock.c, preloaded), the
monotonic clock stays real, as a step by NTP or `date -s` leaves it.

(Debian's libfaketime was the first choice: see tests/wallclock.py.)"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.broker import Watcher
from tests.conftest import DaemonOnCard, DaemonProcess
from tests.virtual_card import VirtualCard
from tests.wallclock import WallClock

pytestmark = pytest.mark.e2e


@pytest.fixture
def fake(tmp_path: Path) -> Iterator[WallClock]:
    yield WallClock(tmp_path)


def start(on_card: DaemonOnCard, card: VirtualCard, fake: WallClock, node: str) -> DaemonProcess:
    cfg = on_card.configure(node)
    daemon = DaemonProcess(["run", "-c", str(cfg)], fake.env(card.env()),
                           on_card.folder / "daemon.log")  # fmt: skip
    on_card.started.append(daemon)
    return daemon


def call(watcher: Watcher, ticket: str, ident: str) -> None:
    body = {"ticket": ticket, "id": ident, "supersede": False}
    watcher.publish("pager/call/5", json.dumps(body))


def stepped(watcher: Watcher, after: int) -> Any:
    """The `clock-stepped` events so far, waiting for the `after`+1-th."""
    watcher.wait_for(lambda t, b: isinstance(b, dict) and b.get("event") == "clock-stepped"
                     and sum(1 for _, s in watcher.seen if isinstance(s, dict)
                             and s.get("event") == "clock-stepped") > after)  # fmt: skip
    return [b for _, b in watcher.seen if isinstance(b, dict) and b.get("event") == "clock-stepped"]


def test_a_clock_stepped_forward_then_back_while_calls_wait_expires_none(
    on_card: DaemonOnCard, watcher: Watcher, card: VirtualCard, fake: WallClock
) -> None:
    daemon = start(on_card, card, fake, "jump")
    watcher.status("jump", "online")
    call(watcher, "A1", "playing-1")
    call(watcher, "A2", "waiting-1")
    watcher.event("started", "playing-1")
    watcher.event("queued", "waiting-1")
    fake.set(7200)  # NTP steps a clock that was two hours behind
    forward = stepped(watcher, 0)[0]
    assert 7190 < forward["step_s"] < 7210 and forward["queued"] == 1, forward
    assert watcher.event("finished", "waiting-1", timeout=40)["ts"] > forward["ts"] - 60

    call(watcher, "A3", "playing-2")
    call(watcher, "A4", "waiting-2")
    watcher.event("started", "playing-2")
    fake.set(0)  # ... and back
    back = stepped(watcher, 1)[1]
    assert -7210 < back["step_s"] < -7190, back
    watcher.event("finished", "waiting-2", timeout=40)
    assert daemon.stop() == 0, daemon.log
    ended = {b["id"]: b["event"] for t, b in watcher.seen if "/event/" in t
             and b.get("id") in ("waiting-1", "waiting-2") and b["event"] != "queued"}  # fmt: skip
    assert "expired" not in ended.values(), ended
    steps = [line for line in daemon.log.splitlines() if "wall clock was stepped" in line]
    assert len(steps) == 2, steps  # each step said once, with its size
    assert "+720" in steps[0] and "-720" in steps[1], steps


def test_a_clock_that_starts_in_2016_is_unsynchronized_until_it_is_set(
    on_card: DaemonOnCard, watcher: Watcher, card: VirtualCard, fake: WallClock
) -> None:
    fake.set(dt.datetime(2016, 1, 1, 1, tzinfo=dt.UTC).timestamp() - time.time())  # dead battery
    daemon = start(on_card, card, fake, "dead")
    status = watcher.status("dead", "online")
    assert status["ts"] < 1_500_000_000
    watcher.wait_for(lambda t, b: t == "pager/status/dead" and isinstance(b, dict)
                     and b.get("clock") == "unsynchronized")  # fmt: skip
    call(watcher, "A1", "in-2016")
    watcher.event("finished", "in-2016", timeout=40)  # heard all the same
    fake.set(0)  # NTP sets it
    step = stepped(watcher, 0)[0]
    assert step["step_s"] > 10 * 365 * 86400, step
    watcher.wait_for(lambda t, b: t == "pager/status/dead" and isinstance(b, dict)
                     and b.get("clock") == "ok")  # fmt: skip
    assert daemon.stop() == 0, daemon.log
