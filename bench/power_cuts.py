"""Power cuts under load: the real daemon killed (SIGKILL) at random points while counters
keep calling, started again each time, and the databases checked after every cut; at the end
every call taken must have ended once. tests/test_power_cuts.py asserts on these figures;
BENCHMARKS.md shows them (`python -m bench.report --add unattended`).

SIGKILL stands for the crash of a process (what it wrote and the kernel holds is kept); the
journal is synced to disk before a call is acknowledged, so a real power cut keeps the same.

    .venv/bin/python -m bench.power_cuts [--kills 200]
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import sqlite3
import statistics
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

from pager import config
from tests.broker import Mosquitto, Watcher, mark
from tests.conftest import UNLIMITED, DaemonProcess, write_config

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
    it is read after every cut and the union kept."""
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
    than BACKLOG calls ahead of the last call the daemon finished (the newest finished call,
    not a count: a kill between a call's end and its event loses the event, not the call).
    `sent` holds the ids the broker has taken."""

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


def _config(directory: Path, port: int) -> Path:
    return write_config(
        directory / "zones.yaml", replace=("zones", "groups", "counters"), node="cut",
        mqtt={"port": port}, audio={"output": "null"}, zones=ZONES, groups={},
        counters={str(c): {"zones": [f"z{c % 8 + 1}"]} for c in range(1, COUNTERS + 1)},
        default_zones=["z1"], music={}, security=UNLIMITED, scheduling={"max_age_s": 3600},
        announcement={"chime": "none", "template": "Nomor {ticket}."},  # short: many calls
    )  # fmt: skip


def _last_start(cfg: Path, watcher: Watcher, log: Path) -> int:
    """Everything taken is played (each counter's last call, sent now, comes after all of its
    others), then a clean stop: its exit code."""
    started = mark()
    daemon = DaemonProcess(["run", "-c", str(cfg)], None, log)
    try:
        online(watcher, started)
        for counter in range(1, COUNTERS + 1):
            body = {"ticket": "Z1", "id": f"last{counter}", "supersede": False}
            watcher.publish(f"pager/call/{counter}", json.dumps(body))
        for counter in range(1, COUNTERS + 1):
            watcher.event("finished", f"last{counter}", timeout=120)
    finally:
        code = daemon.stop()
    return code


def power_cuts(directory: Path, kills: int, seed: int | None = None) -> dict[str, Any]:
    """`kills` cuts at random points under load, then a last start that plays what is left."""
    seed = random.randrange(1 << 30) if seed is None else seed
    chance = random.Random(seed)
    began = time.monotonic()
    with Mosquitto(directory) as broker:
        cfg = _config(directory, broker.port)
        state = Path(config.load(cfg).state_dir)
        watcher = Watcher(broker.port, "pager/#")
        calling = Counters(broker.port)  # from the first start on: the daemon's session exists
        busy = 0  # kills while calls waited to be played: the daemon was writing
        ended: set[str] = set()
        broken: list[str] = []
        restarts: list[float] = []
        try:
            for run in range(kills):
                started, since = mark(), time.monotonic()
                daemon = DaemonProcess(["run", "-c", str(cfg)], None, directory / "daemon.log")
                online(watcher, started)
                restarts.append(time.monotonic() - since)
                if run == 0:
                    calling.start()
                time.sleep(chance.uniform(0, 1.5))  # the random point of the cut, not a wait
                busy += calling.waiting() > 0
                daemon.process.send_signal(signal.SIGKILL)
                daemon.process.wait(timeout=30)
                daemon.stop()
                for name in ("calls.db", "history.db"):
                    if (verdict := whole(state / name)) != "ok":
                        broken.append(f"{name} after cut {run + 1}: {verdict}")
                ended |= ended_in(state)
        finally:
            calling.stop()
        try:
            last_exit = _last_start(cfg, watcher, directory / "last.log")
        finally:
            watcher.close()
    journal = sqlite3.connect(state / "calls.db")
    pending = [row[0] for row in journal.execute("SELECT id FROM pending").fetchall()]
    journal.close()
    ended |= ended_in(state)
    events = [b for t, b in watcher.seen if "/event/" in t and isinstance(b, dict)]
    finished = Counter(b["id"] for b in events if b.get("event") == "finished")
    return {
        "kills": kills, "seed": seed, "busy": busy, "sent": len(calling.sent),
        "ended": len(ended), "broken": broken, "pending": pending, "last_exit": last_exit,
        "lost": [ident for ident in calling.sent if ident not in ended],
        "twice": [ident for ident, n in finished.items() if n > 1],
        "refused": [b for b in events if b.get("event") == "rejected"][:3],
        "restart_median_s": round(statistics.median(restarts), 2),
        "restart_max_s": round(max(restarts), 2),
        "minutes": round((time.monotonic() - began) / 60, 1),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kills", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pager-power-cuts-") as directory:
        print(json.dumps(power_cuts(Path(directory), args.kills), indent=1))


if __name__ == "__main__":
    main()
