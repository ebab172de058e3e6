"""The HTTP API's cost: requests a second the daemon answers while calls play, and the first
sample of an MQTT call at the card with and without that load.

    .venv/bin/python -m bench.api [--seconds 20] [--calls 20] [--clients 4]

The real daemon on the paced virtual card, the real broker. Load: `--clients` threads, each
with its own counter's token, POST calls (each a new id, each journaled, routed to the trade
centre so the hall stays free; every counter's next ticket supersedes its queued one) and
GET the status, as fast as the answers come. Meanwhile counter 3 publishes `--calls` calls
over MQTT to the hall, one at a time, and the card tells when each one's chime began. Prints
one JSON object.
"""

from __future__ import annotations

import argparse
import itertools
import json
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench.latency import SETTLE_FRAMES, percentiles
from pager.config import tokens
from tests.broker import Mosquitto, Watcher, free_port
from tests.conftest import UNLIMITED, DaemonProcess, write_config
from tests.virtual_card import VirtualCard

HALL = slice(0, 3)  # the mpp group: tenant hall and waiting area
COUNTERS = ("1", "2", "4", "5", "6", "7", "8")
PACES = (5.0, 25.0, None)  # calls a second asked of the API (and as many status requests)


def post(url: str, token: str, body: dict[str, Any] | None = None) -> int:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data, headers), timeout=30) as r:
            r.read()
            return int(r.status)
    except urllib.error.HTTPError as error:
        return error.code


class Load:
    """Client threads sending calls and status requests until stopped; what they got."""

    def __init__(
        self, base: str, made: dict[str, str], clients: int, per_second: float | None
    ) -> None:
        self._gap = clients / per_second if per_second else 0.0  # each thread's pace
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self.answers: dict[str, list[int]] = {"call": [], "status": []}
        self._ids = itertools.count()
        self._threads = [threading.Thread(target=self._run, args=(base, made[c]), daemon=True)
                         for c in COUNTERS[:clients]]  # fmt: skip

    def __enter__(self) -> Load:
        self.started = time.monotonic()
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(60)
        self.seconds = time.monotonic() - self.started

    def _run(self, base: str, token: str) -> None:
        due = time.monotonic()
        while not self._stop.wait(max(0.0, due - time.monotonic())):
            due += self._gap
            n = next(self._ids)
            body = {"ticket": f"C{n % 999 + 1}", "id": f"load-{n}", "zones": ["trade-centre"]}
            called = post(f"{base}/calls", token, body)
            shown = post(f"{base}/status", token)
            with self._lock:
                self.answers["call"].append(called)
                self.answers["status"].append(shown)


def first_samples(watcher: Watcher, card: VirtualCard, calls: int, tag: str) -> list[float]:
    """Counter 3's calls over MQTT, one at a time: ms from publish to the chime at the card."""
    found = []
    for n in range(calls):
        before = card.frames
        sent = time.monotonic()
        watcher.publish("pager/call/3", json.dumps({"ticket": f"A{n + 1}", "id": f"{tag}{n}"}))
        heard = card.wait_for_sound(before, channels=HALL)
        found.append((card.time_of_frame(heard) - sent) * 1000)
        watcher.publish("pager/cancel", json.dumps({"id": f"{tag}{n}"}))
        watcher.event("cancelled", f"{tag}{n}")
        card.wait_for_frames(card.frames + SETTLE_FRAMES)
    return found


def measure(directory: Path, seconds: float, calls: int, clients: int) -> dict[str, Any]:
    made = {c: tokens.new_token(c) for c in COUNTERS}
    path = directory / "api-tokens"
    tokens.write(path, {c: tokens.TokenEntry(c, tokens.hash_token(t)) for c, t in made.items()})
    port = free_port()
    with Mosquitto(directory) as broker, VirtualCard(directory / "card") as card:
        cfg = write_config(
            directory / "zones.yaml", node="bench", mqtt={"port": broker.port},
            audio={"device": card.name, "latency": "low"}, security=UNLIMITED,
            http={"listen": f"127.0.0.1:{port}", "tokens_file": str(path)},
        )  # fmt: skip
        daemon = DaemonProcess(["run", "-c", str(cfg)], card.env(), directory / "daemon.log")
        watcher = Watcher(broker.port, "pager/#")
        base = f"http://127.0.0.1:{port}/api/v1"
        try:
            watcher.status("bench", "online")
            card.wait_for_frames(card.frames + card.rate)
            quiet = first_samples(watcher, card, calls, "q")
            levels = []
            for per_second in PACES:
                with Load(base, made, clients, per_second) as load:
                    loaded = first_samples(watcher, card, calls, f"l{per_second}-")
                    time.sleep(max(0.0, seconds - (time.monotonic() - load.started)))
                levels.append(_level(per_second, load, loaded))
        finally:
            daemon.stop()
            watcher.close()
    return {"clients": clients, "first_sample_quiet_ms": percentiles(quiet), "levels": levels}


def _level(per_second: float | None, load: Load, loaded: list[float]) -> dict[str, Any]:
    answered = load.answers
    return {
        "asked_calls_per_s": per_second,
        "seconds": round(load.seconds, 1),
        "calls_per_s": round(len(answered["call"]) / load.seconds, 1),
        "status_per_s": round(len(answered["status"]) / load.seconds, 1),
        "call_answers": {str(k): answered["call"].count(k) for k in set(answered["call"])},
        "first_sample_ms": percentiles(loaded),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pager-bench-api-") as directory:
        print(json.dumps(measure(Path(directory), args.seconds, args.calls, args.clients),
                         indent=1))  # fmt: skip


if __name__ == "__main__":
    main()
