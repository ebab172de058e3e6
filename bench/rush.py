"""Rush hour: 40 counters publish 5 calls each within one second, routed over 8 zones.

    .venv/bin/python -m bench.rush [--counters 40] [--calls 5]

Measures, on the paced virtual card, the time from the first publish until the last call's
last sample has been played, against the lower bound: the busiest zone's total audio. pager
runs with `scheduling.supersede: false`, so that every call must play, exactly once. The
alternative (mosquitto_sub | espeak-ng | aplay) plays one call after another; its lower bound
is the sum of its sentences. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import collections
import functools
import io
import json
import os
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import soundfile

from bench.latency import BASELINE
from bench.resources import EIGHT_ZONES
from tests.broker import Mosquitto, Watcher
from tests.conftest import UNLIMITED, DaemonProcess, write_config
from tests.virtual_card import VirtualCard

WINDOW_S = 1.0  # all calls are published within this
SETTLE_S = 0.5  # after the last call: nothing more may play
END_EVENTS = ("finished", "expired", "superseded", "merged", "failed", "rejected", "cancelled")
# A zone's last call waits about 3.5 minutes, longer than the default max_age_s (180 s) after
# which a call expires rather than be read out late: here every call must play.
MAX_AGE_S = 3600


def publish_burst(watcher: Watcher, counters: int, calls: int, body: Any) -> float:
    """Publish calls * counters messages evenly within WINDOW_S; return the first's time."""
    gap = WINDOW_S / (counters * calls)
    first = time.monotonic()
    for n in range(calls):
        for counter in range(1, counters + 1):
            due = first + (n * counters + counter - 1) * gap
            time.sleep(max(0.0, due - time.monotonic()))  # pacing the sender, not waiting on it
            payload = body(counter, n)
            watcher.client.publish(f"pager/call/{counter}", payload, qos=1)
    return first


def ended(call_id: str, topic: str, body: Any) -> bool:
    """The event that ends a call's life: played, or not to be played."""
    return ("/event/" in topic and isinstance(body, dict) and body.get("id") == call_id
            and body.get("event") in END_EVENTS)  # fmt: skip


def last_sound_time(card: VirtualCard, since: int) -> float:
    """When the card played its last non-silent frame after frame `since`."""
    played = card.segment(since, card.frames)
    loud = np.flatnonzero(np.any(played != 0, axis=1))
    if not len(loud):
        raise AssertionError("nothing was played")
    return card.time_of_frame(since + int(loud[-1]))


def pager_rush(directory: Path, broker: Mosquitto, card: VirtualCard, counters: int,
               calls: int) -> dict[str, Any]:  # fmt: skip
    watcher = Watcher(broker.port, "pager/#")
    zone_of = {str(c): f"z{(c - 1) % 8 + 1}" for c in range(1, counters + 1)}
    cfg = write_config(
        directory / "zones.yaml", replace=("zones", "groups", "counters"), node="rush",
        mqtt={"port": broker.port}, audio={"device": card.name, "latency": "low"},
        zones=EIGHT_ZONES, groups={}, counters={c: {"zones": [z]} for c, z in zone_of.items()},
        default_zones=["z1"], music={}, security=UNLIMITED,
        scheduling={"supersede": False, "max_age_s": MAX_AGE_S},
    )  # fmt: skip
    daemon = DaemonProcess(["run", "-c", str(cfg)], card.env(), directory / "daemon.log")
    ids = [f"r{c}-{n}" for n in range(calls) for c in range(1, counters + 1)]
    try:
        watcher.status("rush", "online")
        card.wait_for_frames(card.frames + card.rate)
        start_frame = card.frames
        first = publish_burst(watcher, counters, calls, lambda c, n: json.dumps(
            {"ticket": f"A{n * counters + c}", "id": f"r{c}-{n}"}))  # fmt: skip
        ends = [watcher.wait_for(functools.partial(ended, call_id), timeout=900) for call_id in ids]
        finished = [body for body in ends if body["event"] == "finished"]
        card.wait_for_frames(card.frames + int(SETTLE_S * card.rate))
        elapsed = last_sound_time(card, start_frame) - first
    finally:
        daemon.stop()
        watcher.close()
    events = [b for t, b in watcher.seen if "/event/" in t and isinstance(b, dict)]
    plays = collections.Counter(b["id"] for b in events if b.get("event") == "finished")
    per_zone: dict[str, float] = collections.defaultdict(float)
    for body in finished:
        per_zone[body["zones"][0]] += body["audio_s"]
    bound = max(per_zone.values())
    usual = ("queued", "started", "finished")
    others = collections.Counter(b["event"] for b in events if b.get("event") not in usual)
    return {
        "calls": len(ids), "counters": counters, "elapsed_s": round(elapsed, 2),
        "lower_bound_s": round(bound, 2), "ratio_to_bound": round(elapsed / bound, 4),
        "lost": sum(1 for i in ids if plays[i] == 0),
        "played_twice": sum(1 for i in ids if plays[i] > 1),
        "speech_late": sum(1 for b in finished if b["late_s"] > 0),
        "other_events": dict(others),
    }  # fmt: skip


def espeak_seconds(text: str) -> float:
    """How long espeak-ng's sentence for `text` lasts (the alternative plays exactly that)."""
    wav = subprocess.run(["espeak-ng", "-v", "id", "--stdout", text], check=True,
                         capture_output=True).stdout  # fmt: skip
    info = soundfile.info(io.BytesIO(wav))
    return float(info.frames / info.samplerate)


def baseline_rush(broker: Mosquitto, card: VirtualCard, counters: int,
                  calls: int) -> dict[str, Any]:  # fmt: skip
    """The home-made loop: one call after another, on one output, whatever the zones."""
    watcher = Watcher(broker.port, "pager/#")
    tickets = [f"A{n * counters + c}" for n in range(calls) for c in range(1, counters + 1)]
    bound = sum(espeak_seconds(f"Nomor antrean {t}") for t in tickets)
    # The loop as written, plus one line out after each call, so that we know when it is done.
    script = BASELINE.format(port=broker.port, device=f"{card.name}_plug")
    script = script.replace("; done", "; echo played; done")
    loop = subprocess.Popen(["bash", "-c", script], env=card.env(), start_new_session=True,
                            stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert loop.stdout is not None
    played = 0
    try:
        time.sleep(1.0)  # mosquitto_sub has no readiness signal to wait for
        start_frame = card.frames
        first = publish_burst(watcher, counters, calls, lambda c, n: f"A{n * counters + c}")
        while played < len(tickets) and loop.stdout.readline():
            played += 1
        # aplay has closed the card; the reader is at most one pipe buffer (5 ms) behind.
        if not card.closed.wait(10):
            raise AssertionError("the alternative never closed the card")
        elapsed = last_sound_time(card, start_frame) - first
    finally:
        os.killpg(loop.pid, 15)
        loop.wait()
        watcher.close()
    return {
        "calls": len(tickets), "elapsed_s": round(elapsed, 2), "lower_bound_s": round(bound, 2),
        "ratio_to_bound": round(elapsed / bound, 4),
        "lost": len(tickets) - played, "played_twice": max(0, played - len(tickets)),
    }  # fmt: skip


def rush_run(directory: Path, counters: int, calls: int, baseline: bool) -> dict[str, Any]:
    """One run of pager's rush hour and, if asked, the alternative's, on one virtual card."""
    with Mosquitto(directory) as broker:
        with VirtualCard(directory / "card") as card:
            result = {"pager": pager_rush(directory, broker, card, counters, calls)}
        if baseline:
            with VirtualCard(directory / "card2", name="pager_virtual2") as card:
                result["baseline"] = baseline_rush(broker, card, counters, calls)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--counters", type=int, default=40)
    parser.add_argument("--calls", type=int, default=5, help="calls per counter")
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        print(json.dumps(rush_run(Path(tmp), args.counters, args.calls, not args.no_baseline),
                         indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
