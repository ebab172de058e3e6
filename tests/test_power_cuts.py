"""Killed at random points while calls keep coming, 200 times in a row: the databases stay
whole, no call taken is lost or heard twice, and a config edit is never left half-written.

SIGKILL stands for the crash of a process (what it wrote and the kernel holds is kept); the
journal is synced to disk before a call is acknowledged, so a real power cut keeps the same.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

import paho.mqtt.client as paho
import pytest
import yaml
from paho.mqtt.enums import CallbackAPIVersion

from pager import config
from tests.broker import Mosquitto, Watcher, mark
from tests.conftest import UNLIMITED, DaemonProcess, pager_command, write_config

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

KILLS = int(os.environ.get("PAGER_POWER_CUTS", "200"))
COUNTERS = 40
ZONES = {f"z{n}": {"channels": [n]} for n in range(1, 9)}


def whole(path: Path) -> str:
    """SQLite's own verdict on a database file (after a crash: its WAL is recovered first)."""
    db = sqlite3.connect(path)
    try:
        return str(db.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        db.close()


def ended_in(state: Path) -> set[str]:
    """The call ids the journal says ended. It remembers only the newest REMEMBERED_IDS, so
    the test reads it after every cut and keeps the union."""
    db = sqlite3.connect(state / "calls.db")
    try:
        rows = db.execute("SELECT id FROM seen WHERE ended IS NOT NULL").fetchall()
    finally:
        db.close()
    return {row[0].split("/", 1)[1] for row in rows}


def online(watcher: Watcher, since: float) -> None:
    """The daemon started after `since` is online."""
    watcher.wait_for(
        lambda t, b: t == "pager/status/cut" and isinstance(b, dict)
        and b.get("state") == "online" and b["ts"] >= since,
        timeout=120,
    )  # fmt: skip


class Counters(threading.Thread):
    """Counters calling without pause (QoS 1), whatever the daemon is doing, but never more
    than BACKLOG calls ahead of the last call the daemon finished: more would overflow the
    broker's queue for the daemon's session (Mosquitto's max_queued_messages drops the rest),
    a loss the broker's, not pager's. (The newest finished call, not a count: a kill between
    a call's end and its event loses the event, not the call.) `sent` holds the ids the broker
    has taken."""

    BACKLOG = 300

    def __init__(self, port: int) -> None:
        super().__init__(name="counters", daemon=True)
        self.client = paho.Client(CallbackAPIVersion.VERSION2, client_id="power-cut-counters")
        self.client.on_message = self._event
        self.client.connect("127.0.0.1", port)
        self.client.subscribe("pager/event/#", qos=1)
        self.client.loop_start()
        self.sent: list[str] = []
        self.front = 0  # the number of the newest call finished
        self.halt = threading.Event()
        self._changed = threading.Condition()

    def _event(self, client: paho.Client, userdata: object, message: paho.MQTTMessage) -> None:
        body = json.loads(message.payload)
        if body.get("event") == "finished" and body["id"].startswith("p"):
            with self._changed:
                self.front = max(self.front, int(body["id"][1:]))
                self._changed.notify_all()

    def waiting(self) -> int:
        """Calls sent after the newest finished."""
        with self._changed:
            return self._ahead()

    def _ahead(self) -> int:  # with _changed held
        return len(self.sent) - self.front

    def run(self) -> None:
        n = 0
        while not self.halt.is_set():
            with self._changed:  # room in the backlog, or woken to halt
                self._changed.wait_for(lambda: self.halt.is_set() or self._ahead() < self.BACKLOG)
            if self.halt.is_set():
                return
            n += 1
            ident = f"p{n}"
            ticket = f"A{n % 999 + 1}"  # A1..A999: "A10000" is refused as a bad ticket
            body = {"ticket": ticket, "id": ident, "supersede": False}
            self.client.publish(f"pager/call/{n % COUNTERS + 1}", json.dumps(body),
                                qos=1).wait_for_publish(timeout=10)  # fmt: skip
            with self._changed:
                self.sent.append(ident)

    def stop(self) -> None:
        with self._changed:
            self.halt.set()
            self._changed.notify_all()
        self.join()
        self.client.loop_stop()
        self.client.disconnect()


def test_two_hundred_kills_under_load_lose_no_call_play_none_twice_and_break_no_database(
    tmp_path: Path, broker: Mosquitto
) -> None:
    counters = {str(c): {"zones": [f"z{c % 8 + 1}"]} for c in range(1, COUNTERS + 1)}
    cfg = write_config(
        tmp_path / "zones.yaml", replace=("zones", "groups", "counters"), node="cut",
        mqtt={"port": broker.port}, audio={"output": "null"}, zones=ZONES, groups={},
        counters=counters, default_zones=["z1"], music={}, security=UNLIMITED,
        scheduling={"max_age_s": 3600},
        announcement={"chime": "none", "template": "Nomor {ticket}."},  # short: many calls
    )  # fmt: skip
    state = Path(config.load(cfg).state_dir)
    seed = random.randrange(1 << 30)
    chance = random.Random(seed)
    watcher = Watcher(broker.port, "pager/#")
    calling = Counters(broker.port)  # from the first start on: the daemon's session exists
    busy = 0  # kills while calls waited to be played: the daemon was writing
    ended: set[str] = set()
    try:
        for run in range(KILLS):
            started = mark()
            daemon = DaemonProcess(["run", "-c", str(cfg)], None, tmp_path / "daemon.log")
            online(watcher, started)
            if run == 0:
                calling.start()
            time.sleep(chance.uniform(0, 1.5))  # the random point of the cut, not a wait
            busy += calling.waiting() > 0
            daemon.process.send_signal(signal.SIGKILL)
            daemon.process.wait(timeout=30)
            daemon.stop()
            for name in ("calls.db", "history.db"):
                assert whole(state / name) == "ok", f"{name} after cut {run + 1} (seed {seed})"
            ended |= ended_in(state)
    finally:
        calling.stop()
    # The last start: everything taken is played (each counter's last call, sent now, comes
    # after all of its others), then a clean stop.
    started = mark()
    daemon = DaemonProcess(["run", "-c", str(cfg)], None, tmp_path / "last.log")
    try:
        online(watcher, started)
        for counter in range(1, COUNTERS + 1):
            body = {"ticket": "Z1", "id": f"last{counter}", "supersede": False}
            watcher.publish(f"pager/call/{counter}", json.dumps(body))
        for counter in range(1, COUNTERS + 1):
            watcher.event("finished", f"last{counter}", timeout=120)
    finally:
        assert daemon.stop() == 0, daemon.log
        watcher.close()

    journal = sqlite3.connect(state / "calls.db")
    pending = journal.execute("SELECT id FROM pending").fetchall()
    journal.close()
    ended |= ended_in(state)
    assert pending == [], pending
    refused = [b for t, b in watcher.seen if "/event/" in t and b.get("event") == "rejected"]
    assert not refused, refused[:3]  # a test call the daemon refused would look lost
    lost = [ident for ident in calling.sent if ident not in ended]
    assert not lost, (
        f"{len(lost)} of {len(calling.sent)} calls taken but never ended: {lost[:10]}"
        f"... {lost[-10:]} (seed {seed})"
    )
    finished = Counter(b["id"] for t, b in watcher.seen
                       if "/event/" in t and b.get("event") == "finished")  # fmt: skip
    twice = [ident for ident, n in finished.items() if n > 1]
    assert not twice, f"heard twice: {twice[:10]} (seed {seed})"
    # Heavy writing all along: calls waited at nearly every kill, and many were played.
    assert busy >= 0.9 * KILLS and len(ended) > 10 * KILLS, (busy, len(ended))


def test_a_counter_add_killed_at_any_point_leaves_the_config_whole(tmp_path: Path) -> None:
    cfg = write_config(tmp_path / "zones.yaml")
    before = cfg.read_bytes()
    broker_dir = tmp_path / "mosquitto"
    broker_dir.mkdir()
    chance = random.Random()
    for n in range(KILLS):
        edit = subprocess.Popen(
            [*pager_command(), "counter", "add", f"{100 + n}", "--service", "SIM",
             "-c", str(cfg), "--mosquitto-dir", str(broker_dir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        time.sleep(chance.uniform(0, 1.2))  # the random point of the cut, not a wait
        edit.kill()
        edit.wait()
        for kept in (cfg, cfg.with_name("zones.yaml.bak")):  # the old file or the new one
            if kept.exists():
                loaded = yaml.safe_load(kept.read_bytes())
                assert isinstance(loaded, dict) and "counters" in loaded, kept.read_text()[-200:]
        config.load(cfg)  # whole and valid, after cut {n + 1}
    added = [c for c in yaml.safe_load(cfg.read_bytes())["counters"] if int(c) >= 100]
    assert cfg.read_bytes() != before and 0 < len(added) < KILLS, added  # cut before and after
