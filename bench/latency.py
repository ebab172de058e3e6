"""Latency from publish to the first sample at the sound card: pager against the simple
alternative (mosquitto_sub | espeak-ng | aplay), on the same paced virtual card.

    .venv/bin/python -m bench.latency [--calls 200] [--baseline-calls 30]

Prints one JSON object with the samples (milliseconds) and their percentiles.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.broker import Mosquitto, Watcher
from tests.conftest import DaemonProcess, write_config
from tests.virtual_card import VirtualCard

RATE = 48000
SETTLE_FRAMES = RATE // 10  # after a cancel: the fade and the device buffer are over

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
    directory: Path, broker: Mosquitto, card: VirtualCard, calls: int
) -> dict[str, Any]:
    """Publish a call, wait for its chime's first sample at the card, cancel it; repeat."""
    watcher = Watcher(broker.port, "pager/#")
    cfg = write_config(directory / "zones.yaml", node="bench", mqtt={"port": broker.port},
                       audio={"device": card.name, "latency": "low"})  # fmt: skip
    daemon = DaemonProcess(["run", "-c", str(cfg)], card.env(), directory / "daemon.log")
    samples = []
    try:
        watcher.status("bench", "online")
        card.wait_for_frames(card.frames + RATE)  # the stream is running steadily
        for n in range(calls):
            before = card.frames
            sent = time.monotonic()
            watcher.publish("pager/call/3", json.dumps({"ticket": f"A{n + 1}", "id": f"l{n}"}))
            heard = card.wait_for_sound(before)
            samples.append((card.time_of_frame(heard) - sent) * 1000)
            watcher.publish("pager/cancel", json.dumps({"id": f"l{n}"}))
            watcher.event("cancelled", f"l{n}")
            card.wait_for_frames(card.frames + SETTLE_FRAMES)
    finally:
        daemon.stop()
        watcher.close()
    late = daemon.log.count("after the chime ended")
    return {"first_sample_ms": percentiles(samples), "speech_late_after_chime": late}


def baseline_latency(broker: Mosquitto, card: VirtualCard, calls: int) -> dict[str, Any]:
    """The home-made script: each call is spoken whole, so wait for silence between calls."""
    watcher = Watcher(broker.port, "pager/#")
    script = BASELINE.format(port=broker.port, device=f"{card.name}_plug")
    loop = subprocess.Popen(["bash", "-c", script], env=card.env(), start_new_session=True)
    samples = []
    try:
        time.sleep(1.0)  # mosquitto_sub has no readiness signal to wait for
        for n in range(calls):
            before = card.frames
            sent = time.monotonic()
            watcher.publish("pager/call/3", f"A{n + 1}")
            heard = card.wait_for_sound(before)
            samples.append((card.time_of_frame(heard) - sent) * 1000)
            if not card.closed.wait(30):  # aplay closes the device after the sentence
                raise AssertionError("the baseline never finished a sentence")
    finally:
        os.killpg(loop.pid, 15)
        loop.wait()
        watcher.close()
    return {"first_sample_ms": percentiles(samples)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--baseline-calls", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        with Mosquitto(directory) as broker, VirtualCard(directory / "card") as card:
            result = {
                "block_ms": round(256 / RATE * 1000, 1),
                "pager": pager_latency(directory, broker, card, args.calls),
                "baseline": baseline_latency(broker, card, args.baseline_calls),
            }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
