"""The bounded log: at most so many lines a minute per cause, then one line saying what was
left out; other causes are not affected; the daemon under a flood of bad messages."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from pager.logbook import PER_MINUTE, WINDOW_S, BoundedHandler
from tests.broker import Mosquitto, Watcher
from tests.conftest import DaemonProcess, write_config


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def bounded(per_minute: int) -> tuple[logging.Logger, io.StringIO, Clock, list[Callable[[], None]]]:
    out, clock, due = io.StringIO(), Clock(), list[Callable[[], None]]()
    handler = BoundedHandler(out, per_minute, clock, lambda delay, action: due.append(action))
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger(f"test.logbook.{per_minute}")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    return logger, out, clock, due


def test_a_flood_of_one_cause_is_cut_and_summarized_once_the_minute_is_over() -> None:
    logger, out, clock, due = bounded(5)
    for n in range(3000):
        logger.warning("bad message on %s: %s", f"pager/sync/{n}", "not JSON")
        if n == 1500:
            logger.info("call %s started", "A1")  # another cause, amid the flood
    lines = out.getvalue().splitlines()
    assert len(lines) == 6  # five of the flood, and the other cause's line
    assert lines[-1] == "INFO test.logbook.5: call A1 started"
    assert len(due) == 1  # one summary waits for the end of the minute
    clock.now += WINDOW_S
    due[0]()
    summary = out.getvalue().splitlines()[-1]
    assert summary == (
        "WARNING test.logbook.5: 2995 more lines like this were left out in "
        "60 s (the last: bad message on pager/sync/2999: not JSON)"
    )
    due[0]()  # said once
    assert len(out.getvalue().splitlines()) == 7


def test_the_next_minute_starts_afresh_and_says_what_the_last_one_left_out() -> None:
    logger, out, clock, due = bounded(2)
    for _ in range(4):
        logger.error("broker lost: %s", "refused")
    clock.now += WINDOW_S + 1  # the summary's timer has not run yet: the next line says it
    logger.error("broker lost: %s", "refused")
    lines = out.getvalue().splitlines()
    assert lines[2].startswith("ERROR test.logbook.2: 2 more lines like this were left out")
    assert lines[3] == "ERROR test.logbook.2: broker lost: refused"
    due[0]()  # the timer, late: nothing more to say
    assert len(out.getvalue().splitlines()) == 4


@pytest.mark.e2e
def test_three_thousand_bad_messages_write_a_bounded_log(
    tmp_path: Path, broker: Mosquitto, watcher: Watcher
) -> None:
    cfg = write_config(tmp_path / "zones.yaml", node="flood", mqtt={"port": broker.port},
                       audio={"output": "null"})  # fmt: skip
    daemon = DaemonProcess(["run", "-c", str(cfg)], None, tmp_path / "daemon.log")
    try:
        watcher.status("flood", "online")
        for n in range(3000):  # each was a line of its own
            watcher.client.publish("pager/sync", f"not json {n}", qos=0)
        watcher.publish("pager/call/5", json.dumps({"ticket": "A1", "id": "after"}))
        watcher.event("queued", "after", timeout=60)  # every bad message was read before it
    finally:
        assert daemon.stop() == 0, daemon.log
    lines = daemon.log.splitlines()
    bad = [line for line in lines if "ignored a bad message on pager/sync" in line]
    assert 0 < len(bad) <= PER_MINUTE, len(bad)
    assert len(lines) < PER_MINUTE + 60, lines[-20:]  # the rest of the log is the start's
