"""Latency from publish to the first sample at the sound card, of the chime and of speech:
pager against the simple alternative (mosquitto_sub | espeak-ng | aplay), on the same paced
virtual card.

    .venv/bin/python -m bench.latency [--calls 200] [--baseline-calls 30]

Prints one JSON object with the samples (milliseconds) and their percentiles.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.costs import BLOCK
from pager import config
from pager.audio import chime
from tests.broker import Mosquitto, Watcher, free_port
from tests.conftest import UNLIMITED, DaemonProcess, write_config
from tests.virtual_card import VirtualCard

ROOT = Path(__file__).resolve().parent.parent
RATE = 48000
SETTLE_FRAMES = RATE // 10  # after a cancel: the fade and the device buffer are over
SPEECH_WINDOW = RATE // 2  # how long after the chime's end to look for the speech

BASELINE = (
    "mosquitto_sub -h 127.0.0.1 -p {port} -t 'pager/call/+' | "
    'while read -r message; do espeak-ng -v id --stdout "Nomor antrean $message" '
    "| aplay -q -D {device}; done"
)


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)

    return {"n": len(ordered), "min": round(ordered[0], 1), "p50": at(0.5), "p95": at(0.95),
            "p99": at(0.99), "max": round(ordered[-1], 1),
            "mean": round(statistics.fmean(ordered), 1)}  # fmt: skip


def pager_latency(
    directory: Path,
    broker: Mosquitto,
    card: VirtualCard,
    calls: int,
    blocksize: int = BLOCK,
    *,
    browsers: int = 0,
) -> dict[str, Any]:
    """Publish a call; find its chime's first sample, then its speech's first sample, in
    what the card played; cancel it; repeat.

    Speech starts at its first sample (pager trims leading silence) and the chime ends in
    the exact zeros of its pause, so the first non-zero frame from the pause's last one on is
    the speech's first: any silence the mixer had to insert because synthesis was late shows
    as a gap.
    """
    watcher = Watcher(broker.port, "pager/#")
    audio = {"device": card.name, "latency": "low", "blocksize": blocksize}
    web = {"listen": f"127.0.0.1:{free_port()}"} if browsers else {}
    cfg = write_config(directory / "zones.yaml", node="bench", mqtt={"port": broker.port},
                       audio=audio, security=UNLIMITED, http=web)  # fmt: skip
    loaded = config.load(cfg)
    bell = chime.prepared(loaded.announcement, loaded.audio.sample_rate)
    lead, length = int(np.flatnonzero(bell)[0]), len(bell)
    daemon = DaemonProcess(["run", "-c", str(cfg)], card.env(), directory / "daemon.log")
    chime_ms, speech_ms, gaps = [], [], []
    readers: list[subprocess.Popen[str]] = []
    try:
        watcher.status("bench", "online")
        for index in range(browsers + 1 if browsers else 0):  # and one that never reads
            stalled = ["--stalled"] if index == browsers else []
            reader = subprocess.Popen(
                [sys.executable, "-m", "bench.sse_reader", f"http://{web['listen']}/api/stream",
                 *stalled], stdout=subprocess.PIPE, text=True, cwd=ROOT,
            )  # fmt: skip
            assert reader.stdout is not None and reader.stdout.readline() == "connected\n"
            readers.append(reader)
        card.wait_for_frames(card.frames + RATE)  # the stream is running steadily
        for n in range(calls):
            before = card.frames
            sent = time.monotonic()
            watcher.publish("pager/call/3", json.dumps({"ticket": f"A{n + 1}", "id": f"l{n}"}))
            heard = card.wait_for_sound(before)
            chime_ms.append((card.time_of_frame(heard) - sent) * 1000)
            chime_end = heard - lead + length - 1  # the chime's last frame: exactly zero
            card.wait_for_frames(chime_end + SPEECH_WINDOW)
            after = card.segment(chime_end, chime_end + SPEECH_WINDOW)
            loud = np.flatnonzero(np.any(after != 0, axis=1))
            gap = int(loud[0]) if len(loud) else SPEECH_WINDOW
            gaps.append(1000 * max(0, gap - 1) / RATE)  # frames of silence between the two
            speech_ms.append((card.time_of_frame(chime_end + gap) - sent) * 1000)
            watcher.publish("pager/cancel", json.dumps({"id": f"l{n}"}))
            watcher.event("cancelled", f"l{n}")
            card.wait_for_frames(card.frames + SETTLE_FRAMES)
        # The status after the last cancel: the callback's health over the whole run.
        health = watcher.wait_for(
            lambda t, b: t == "pager/status/bench" and "xruns" in b, timeout=10, past=False
        )
    finally:
        daemon.stop()
        watcher.close()
        seen: list[dict[str, Any]] = []
        for reader in readers:
            reader.terminate()
            out = reader.communicate(timeout=30)[0].strip()
            seen.append(json.loads(out.splitlines()[-1]) if out else {"events": 0})
    browsing = {}
    if readers:
        reading = seen[:-1]
        latency = [ms for r in reading for ms in r.get("latency_ms", [])]
        browsing = {"browsers": browsers, "events_each": [r["events"] for r in reading],
                    "event_to_browser_ms": percentiles(latency) if latency else None}  # fmt: skip
    return {
        **browsing,
        "xruns": health.get("xruns"),
        "first_sample_ms": percentiles(chime_ms),
        "first_speech_ms": percentiles(speech_ms),
        "speech_gap_ms": percentiles(gaps),
        "speech_late_after_chime": sum(1 for g in gaps if g > 0),
        "device_latency_ms": output_latency_ms(daemon.log),
        "chime_s": round(length / RATE, 3),  # with the pause after it
    }


def output_latency_ms(log: str) -> float:
    """The device buffer PortAudio reported when the daemon opened the stream."""
    found = re.search(r"output latency ([0-9.]+) ms", log)
    if found is None:
        raise AssertionError("the daemon did not log its output latency")
    return float(found.group(1))


def baseline_latency(broker: Mosquitto, card: VirtualCard, calls: int) -> dict[str, Any]:
    """The home-made script: each call is spoken whole, so wait for silence between calls."""
    watcher = Watcher(broker.port, "pager/#")
    script = BASELINE.format(port=broker.port, device=f"{card.name}_plug")
    loop = subprocess.Popen(["bash", "-c", script], env=card.env(), start_new_session=True)
    samples = []
    ended = card.sessions_ended
    try:
        time.sleep(1.0)  # mosquitto_sub has no readiness signal to wait for
        for n in range(calls):
            before = card.frames
            sent = time.monotonic()
            watcher.publish("pager/call/3", f"A{n + 1}")
            heard = card.wait_for_sound(before)
            samples.append((card.time_of_frame(heard) - sent) * 1000)
            card.wait_for_sessions(ended + n + 1, 30)  # aplay closes the card after each call
    finally:
        os.killpg(loop.pid, 15)
        loop.wait()
        watcher.close()
    # It has no chime: its first sample is its speech's.
    return {"first_sample_ms": percentiles(samples), "first_speech_ms": percentiles(samples)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--baseline-calls", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        with Mosquitto(directory) as broker, VirtualCard(directory / "card") as card:
            result = {
                "block_ms": round(BLOCK / RATE * 1000, 1),
                "pager": pager_latency(directory, broker, card, args.calls),
                "baseline": baseline_latency(broker, card, args.baseline_calls),
            }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
