"""Standby takeover, end to end: two daemons for one rack (two PCs on an amplifier input
switcher), each with its own virtual card, on one real broker. The active one dies by
`kill -9` while a call plays; the standby takes the lock within seconds and plays that call
once, then the calls after it; it never played before."""

from __future__ import annotations

import json
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.broker import Mosquitto, Watcher
from tests.site import standby_pair

pytestmark = pytest.mark.e2e

ZONES = {"hall": {"node": "hall", "channels": [1, 2]},
         "market": {"node": "market", "channels": [1, 2]}}  # fmt: skip


def starts(watcher: Watcher) -> Counter[str]:
    events = {(b["id"], b["ts"]) for t, b in watcher.seen
              if t == "pager/event/hall" and b.get("event") == "started"}  # fmt: skip
    return Counter(ident for ident, _ in events)


def test_the_standby_takes_over_within_seconds_and_plays_the_cut_call_once(
    tmp_path: Path, broker: Mosquitto, watcher: Watcher
) -> None:
    lock = Watcher(broker.port, "pager/lock/#")
    with ExitStack() as stack:
        stack.callback(lock.close)
        active, standby, holder = standby_pair(tmp_path, broker.port, ZONES, watcher, stack)
        assert holder["holder"].split("-")[-2] == str(active.daemon.process.pid)

        quiet = standby.card.frames
        watcher.publish("pager/call/5", json.dumps({"ticket": "A1", "id": "one"}))
        watcher.event("finished", "one", timeout=30)
        mark = active.card.frames
        watcher.publish("pager/call/5", json.dumps({"ticket": "A2", "id": "two"}))
        watcher.event("started", "two")
        active.card.wait_for_sound(mark)  # it plays on the active PC's interface
        assert not standby.card.segment(quiet, standby.card.frames).any()  # never, until now

        before = standby.card.frames
        killed = time.monotonic()
        active.daemon.process.kill()
        took = lock.wait_for(lambda t, b: t == "pager/lock/hall" and isinstance(b, dict)
                             and b["holder"] != holder["holder"], past=False)  # fmt: skip
        lock_s = time.monotonic() - killed
        heard = standby.card.wait_for_sound(before)
        sound_s = standby.card.time_of_frame(heard) - killed
        finished = watcher.wait_for(lambda t, b: t == "pager/event/hall" and b.get("id") == "two"
                                    and b.get("event") == "finished", timeout=30)  # fmt: skip
        watcher.publish("pager/call/5", json.dumps({"ticket": "A3", "id": "three"}))
        watcher.event("finished", "three", timeout=30)
        active.stopped = True  # killed: no clean exit to check
    assert took["holder"].split("-")[-2] == str(standby.daemon.process.pid)
    assert finished["node"] == "hall"
    assert lock_s < 5 and sound_s < 5, (lock_s, sound_s)
    assert starts(watcher) == Counter({"one": 1, "two": 2, "three": 1})  # two: cut, then once
    assert "taking 1 calls" in standby.daemon.log


def test_a_broker_restart_frees_the_lock_and_the_active_takes_it_back_not_the_standby(
    tmp_path: Path,
) -> None:
    """Mosquitto publishes every will when it stops: the lock is free when it is back. The
    active daemon claims it again as it reconnects; the standby leaves it alone meanwhile."""
    with Mosquitto(tmp_path, persistent=True) as broker, ExitStack() as stack:
        watcher = Watcher(broker.port, "pager/#", session="standby-test-watcher")
        stack.callback(watcher.close)
        active, standby, holder = standby_pair(tmp_path, broker.port, ZONES, watcher, stack)
        restarted = time.time()
        broker.stop()
        broker.start()
        back = watcher.wait_for(lambda t, b: t == "pager/lock/hall" and isinstance(b, dict)
                                and b["since"] > restarted, timeout=30)  # fmt: skip
        watcher.wait_for(lambda t, b: t == "pager/standby/pager-hall-standby"
                         and b["state"] == "standby" and b["ts"] > restarted)  # fmt: skip
        watcher.publish("pager/call/5", json.dumps({"ticket": "A1", "id": "after"}))
        watcher.event("finished", "after", timeout=30)  # longer than the standby's grace
        claims = {b["holder"] for t, b in watcher.seen
                  if t == "pager/lock/hall" and isinstance(b, dict)}  # fmt: skip
    assert back["holder"] == holder["holder"]
    assert claims == {holder["holder"]}  # the standby never claimed it
    assert "holds the lock: active" not in standby.daemon.log
    assert active.daemon.process.returncode == 0
