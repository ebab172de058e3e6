"""The call log on the real path: after a scripted morning (heard, superseded, cancelled,
expired and rejected calls), `pager history` tells each one's fate as it happened."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import time
from pathlib import Path

import pytest

from tests.broker import Watcher
from tests.conftest import DaemonOnCard, pager_command

pytestmark = pytest.mark.e2e


def test_history_tells_what_became_of_each_call(
    on_card: DaemonOnCard, tmp_path: Path, watcher: Watcher
) -> None:
    cfg = on_card.configure("log", audio={"latency": "low"}, scheduling={"combine_max": 1})
    daemon = on_card.start(cfg)
    try:
        watcher.publish("pager/call/5", json.dumps({"ticket": "A001", "id": "h1"}))
        watcher.event("started", "h1", timeout=30)
        # While A001 plays: A002 waits, then A003 supersedes it; counter 7's B001 waits and
        # is cancelled; counter 3's C001 comes too late; counter 5 sends garbage.
        watcher.publish("pager/call/5", json.dumps({"ticket": "A002", "id": "h2"}))
        watcher.event("queued", "h2")
        watcher.publish("pager/call/5", json.dumps({"ticket": "A003", "id": "h3"}))
        watcher.event("superseded", "h2")
        watcher.publish("pager/call/7", json.dumps({"ticket": "B001", "id": "h4"}))
        watcher.event("queued", "h4")
        watcher.publish("pager/cancel/7", json.dumps({"id": "h4"}))
        watcher.event("cancelled", "h4")
        stale = {"ticket": "C001", "id": "h5", "ts": time.time() - 600}
        watcher.publish("pager/call/3", json.dumps(stale))
        watcher.event("expired", "h5")
        watcher.publish("pager/call/5", b"not json")
        watcher.event("rejected")
        finished = watcher.event("finished", "h3", timeout=60)
        started = watcher.event("started", "h3")
        queued = watcher.event("queued", "h3")
    finally:
        assert daemon.stop() == 0, daemon.log

    state = tmp_path / "state"
    done = subprocess.run(
        [*pager_command(), "history", "-c", str(cfg), "--state-dir", str(state), "--csv"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    fate = {(r["counter"], r["ticket"]): r for r in rows}
    assert fate[("5", "A001")]["outcome"] == "heard"
    assert fate[("5", "A002")]["outcome"].startswith("superseded")
    assert fate[("5", "A003")]["outcome"] == "heard"
    assert fate[("7", "B001")]["outcome"] == "cancelled: cancelled"
    assert fate[("3", "C001")]["outcome"].startswith("expired: called")
    assert fate[("5", "")]["outcome"].startswith("rejected: payload is not JSON")
    assert len(rows) == 6
    a003 = fate[("5", "A003")]
    assert a003["zones"] == "tenant-hall food-court"
    assert a003["text"] == finished["text"]
    assert float(a003["wait_s"]) == pytest.approx(started["ts"] - queued["ts"], abs=0.06)
    assert a003["heard"] == "1"
    # Only its own: counter 7 and the ticket as a caller would say it.
    mine = subprocess.run(
        [*pager_command(), "history", "-c", str(cfg), "--state-dir", str(state),
         "--ticket", "a3"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    lines = mine.stdout.splitlines()
    assert len(lines) == 2 and "A003" in lines[1] and "terdengar" in lines[1], (
        mine.stdout
    )  # ui.language: id
