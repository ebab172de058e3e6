"""A year in hours: the hall's days of calls through the real daemon (real broker, real
speech, the null output that plays faster than real time), its wall clock moved a day at a
time (tests/wallclock.py) so that the call log forgets what is older than `history.keep_days`,
with a reload every week, cancels every day and a flood every month. Sampled every few days:
resident memory, open files, threads, the call log's and journal's size on disk, and how long
`pager history --ticket` and `pager stats` take.

    .venv/bin/python -m bench.year [--days 365] [--per-day 900] [--sample-every 5]

Prints one JSON object (the samples, and a summary against the issue's targets).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

from bench.resources import EIGHT_ZONES, after_idle_trim, rss_mb
from tests.broker import Mosquitto
from tests.conftest import UNLIMITED, DaemonProcess, pager_command, write_config
from tests.wallclock import WallClock

COUNTERS = 40
DAY = 86400.0


class Ends:
    """The ids whose call has ended (`finished`, `cancelled` or `expired`), as the daemon
    publishes them; the counters' calls, never more than BACKLOG ahead of what has ended
    (a flood published at once would overflow the broker's queue for the daemon's session:
    Mosquitto's max_queued_messages, 1000 by default, drops the rest)."""

    BACKLOG = 500

    def __init__(self, port: int) -> None:
        self.ended: set[str] = set()
        self.waiting: set[str] = set()
        self.online_at = 0.0
        self._changed = threading.Condition()
        self.client = paho.Client(CallbackAPIVersion.VERSION2, client_id="year-counters")
        self.client.on_message = self._message
        self.client.connect("127.0.0.1", port)
        self.client.subscribe([("pager/event/#", 1), ("pager/status/#", 1)])
        self.client.loop_start()

    def _message(self, client: paho.Client, userdata: object, message: paho.MQTTMessage) -> None:
        body = json.loads(message.payload or b"null")
        if not isinstance(body, dict):
            return
        with self._changed:
            if body.get("event") in ("finished", "cancelled", "expired") and body.get("id"):
                self.ended.add(body["id"])
                self.waiting.discard(body["id"])
            if message.topic.startswith("pager/status/") and body.get("state") == "online":
                self.online_at = time.monotonic()
            self._changed.notify_all()

    def wait(self, ids: list[str], timeout: float = 900) -> None:
        with self._changed:
            if not self._changed.wait_for(lambda: all(i in self.ended for i in ids), timeout):
                raise TimeoutError(f"not ended: {[i for i in ids if i not in self.ended][:5]}")
            self.ended.difference_update(ids)

    def call(self, counter: int, ticket: str, ident: str, timeout: float = 900) -> None:
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.waiting) < self.BACKLOG, timeout):
                raise TimeoutError(f"no call ended in {timeout} s; waiting: {len(self.waiting)}")
            self.waiting.add(ident)
        body = {"ticket": ticket, "id": ident}
        self.client.publish(f"pager/call/{counter}", json.dumps(body), qos=1)


def _disk(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*") if p.is_file())


def _timed(command: list[str], env: dict[str, str]) -> float:
    start = time.monotonic()
    subprocess.run(command, env=env, check=True, capture_output=True)
    return round(time.monotonic() - start, 2)


def open_files(pid: int, clock_file: str) -> int:
    """The daemon's open descriptors, less the fake wall clock's file: tests/wallclock.py's
    shim in the daemon opens it for a moment every 20 ms, and a sample once caught it open
    (CI: 17 files for 16 at one sample of six)."""
    clock, count = os.path.realpath(clock_file), 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        with contextlib.suppress(FileNotFoundError):  # closed since the listing: not held
            count += os.readlink(f"/proc/{pid}/fd/{fd}") != clock
    return count


def sample(day: int, pid: int, state: Path, cfg: Path, env: dict[str, str]) -> dict[str, Any]:
    tools = [*pager_command()]
    return {
        "day": day, "rss_mb": round(rss_mb(pid), 1),
        "files": open_files(pid, env["WALLCLOCK_FILE"]),
        "threads": len(os.listdir(f"/proc/{pid}/task")),
        "call_log_mb": round(_disk(state / "history.db") / 1e6, 2),
        "journal_mb": round(_disk(state / "calls.db") / 1e6, 2),
        "history_s": _timed([*tools, "history", "-c", str(cfg), "--since", "90d",
                             "--ticket", "A23"], env),
        "stats_s": _timed([*tools, "stats", "-c", str(cfg)], env),
    }  # fmt: skip


SHORT = {"chime": "none", "template": "Nomor {ticket}, loket {counter}."}


def year(
    directory: Path,
    days: int,
    per_day: int,
    every: int,
    *,
    keep_days: int = 90,
    flood_every: int = 30,
    short: bool = False,
) -> dict[str, Any]:
    """`days` of `per_day` calls (4x on every `flood_every`th day), sampled every `every`
    days; `short`: a short sentence and no chime, about three times the calls an hour."""
    clock = WallClock(directory)
    samples: list[dict[str, Any]] = []
    calls = 0
    with Mosquitto(directory) as broker:
        cfg = write_config(
            directory / "zones.yaml", replace=("zones", "groups", "counters"), node="year",
            mqtt={"port": broker.port}, audio={"output": "null"}, zones=EIGHT_ZONES, groups={},
            counters={str(c): {"zones": [f"z{c % 8 + 1}"]} for c in range(1, COUNTERS + 1)},
            default_zones=["z1"], music={}, security=UNLIMITED, history={"keep_days": keep_days},
            scheduling={"supersede": False, "max_age_s": 86400},
            **({"announcement": SHORT} if short else {}),
        )  # fmt: skip
        state = directory / "state"
        env = clock.env(dict(os.environ))
        ends = Ends(broker.port)
        daemon = DaemonProcess(["run", "-c", str(cfg)], env, directory / "daemon.log")
        started = time.monotonic()
        try:
            while ends.online_at == 0.0:
                time.sleep(0.1)  # polling the subscriber's flag: the daemon's first status
            for day in range(days):
                clock.set(day * DAY)
                ids = []
                flood = day % flood_every == flood_every - 1  # a month's flood
                count = per_day * (4 if flood else 1)
                for n in range(count):
                    ident = f"d{day}n{n}"
                    ends.call(n % COUNTERS + 1, f"A{n % 999 + 1}", ident)
                    ids.append(ident)
                for n in range(5):  # a few cancels a day, of calls queued or already heard
                    ends.client.publish(f"pager/cancel/{n % COUNTERS + 1}",
                                        json.dumps({"id": f"d{day}n{n}"}), qos=1)  # fmt: skip
                if day % 7 == 6:
                    daemon.process.send_signal(signal.SIGHUP)  # the week's config edit
                ends.wait(ids)
                calls += count
                if day % every == 0 or day == days - 1:
                    after_idle_trim()
                    samples.append({**sample(day, daemon.process.pid, state, cfg, env),
                                    "calls": calls})  # fmt: skip
                    print(json.dumps(samples[-1]), flush=True)
        finally:
            daemon.stop(timeout=120)
            ends.client.loop_stop()
    after = next((s for s in samples if s["calls"] >= 10_000), samples[0])
    return {
        "days": days, "calls": calls, "hours": round((time.monotonic() - started) / 3600, 2),
        "per_day": per_day, "keep_days": keep_days, "short": short, "flood_every": flood_every,
        "samples": samples,
        "rss_after_10000_mb": after["rss_mb"],
        "rss_max_after_mb": max(s["rss_mb"] for s in samples if s["calls"] >= after["calls"]),
        "files": sorted({s["files"] for s in samples}),
        "threads": sorted({s["threads"] for s in samples}),
        "crashed": "Fatal Python error" in daemon.log,
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--per-day", type=int, default=900)
    parser.add_argument("--sample-every", type=int, default=5)
    parser.add_argument("--short", action="store_true", help="a short sentence, no chime")
    parser.add_argument("--keep-days", type=int, default=90, help="history.keep_days")
    parser.add_argument("--flood-every", type=int, default=30, help="days between floods")
    parser.add_argument("--out", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pager-year-") as directory:
        figures = year(Path(directory), args.days, args.per_day, args.sample_every,
                       keep_days=args.keep_days, flood_every=args.flood_every,
                       short=args.short)  # fmt: skip
        print(json.dumps(figures, indent=2))
        if args.out:
            args.out.write_text(json.dumps(figures, indent=1) + "\n")


if __name__ == "__main__":
    main()
