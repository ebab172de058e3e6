"""Combined announcements on the paced virtual card, in real time: airtime per call alone and
combined 2, 3 and 4 at a time (one run), and a check of the simulation of bench.combined.

    .venv/bin/python -m bench.combined_card [--per-minute 12] [--minutes 3]

Airtime: each of four calls plays alone into an idle food court, then 2, 3 and 4 of them
wait together (behind a call for the food court and the market shops, so that they start
together) and play combined; each announcement's airtime is measured on the card, from its
first sample to its last. The check: calls arrive (Poisson, from 20 counters) into the food
court for `--minutes`; their waits (publish -> the call's own sentence starts) are compared
with the simulation of the same arrivals, driven by the lengths of the same sentences
rendered by the real speech path. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from bench.combined import (
    SEED,
    ZONE,
    SimCall,
    hall_ticket,
    percentile,
    poisson,
    sentence_lengths,
    simulated_waits,
)
from pager import config
from tests.broker import Mosquitto, Watcher
from tests.conftest import UNLIMITED, DaemonProcess, write_config
from tests.virtual_card import VirtualCard

FOOD, SHOPS = 6, 3  # first outputs of the food court and the market shops
SAMPLE_CALLS = (("12", "B012"), ("5", "A023"), ("7", "C105"), ("16", "D047"))
COUNTERS = [str(c) for c in range(21, 41)]  # unlisted: routed by the payload's zones


def span_s(channel: np.ndarray, rate: int) -> float:
    loud = np.flatnonzero(channel)
    return float((loud[-1] - loud[0] + 1) / rate) if len(loud) else 0.0


def publish(watcher: Watcher, counter: str, ticket: str, ident: str, zones: list[str]) -> float:
    body = {"ticket": ticket, "id": ident, "zones": zones}
    sent = time.time()
    watcher.client.publish(f"pager/call/{counter}", json.dumps(body), qos=1)
    return sent


def airtime_on_card(
    watcher: Watcher, card: VirtualCard, sizes: tuple[int, ...] = (2, 3, 4)
) -> dict[str, Any]:
    """Seconds of airtime per call, alone (mean over the calls combined) and combined."""
    alone = []
    for n, (counter, ticket) in enumerate(SAMPLE_CALLS[: max(sizes)]):
        card.wait_for_frames(card.frames + card.rate // 2)  # the zone is idle
        start = card.frames
        publish(watcher, counter, ticket, f"alone-{n}", [ZONE])
        watcher.event("finished", f"alone-{n}", timeout=60)
        card.wait_for_frames(card.frames + card.rate // 4)
        alone.append(span_s(card.segment(start, card.frames)[:, FOOD], card.rate))
    combined = {}
    for size in sizes:
        card.wait_for_frames(card.frames + card.rate // 2)
        start = card.frames
        publish(watcher, "9", "Z001", f"hold-{size}", [ZONE, "market-shops"])
        watcher.event("started", f"hold-{size}", timeout=30)
        for n, (counter, ticket) in enumerate(SAMPLE_CALLS[:size]):
            publish(watcher, counter, ticket, f"c{size}-{n}", [ZONE])
        for n in range(size):
            watcher.event("finished", f"c{size}-{n}", timeout=90)
        card.wait_for_frames(card.frames + card.rate // 4)
        played = card.segment(start, card.frames)
        held_until = int(np.flatnonzero(played[:, SHOPS])[-1]) + 1
        combined[str(size)] = span_s(played[held_until:, FOOD], card.rate) / size
    lone = statistics.mean(alone)
    return {
        "alone_s": alone,
        "per_call_s": {"1": lone, **combined},
        "ratio": {"1": 1.0, **{k: v / lone for k, v in combined.items()}},
    }


def paced(
    watcher: Watcher, calls: list[tuple[float, str, str]], label: str
) -> tuple[list[float], list[dict[str, Any]]]:
    """Publish each (at, counter, ticket) call to the food court at its time; when each was
    sent, and each one's `started` event once all have finished."""
    sent: list[float] = []
    first = time.monotonic()
    for n, (at, counter, ticket) in enumerate(calls):
        time.sleep(max(0.0, first + at - time.monotonic()))  # pacing the sender
        sent.append(publish(watcher, counter, ticket, f"{label}-{n}", [ZONE]))
    started = [watcher.event("started", f"{label}-{n}", timeout=400) for n in range(len(calls))]
    for n in range(len(calls)):
        watcher.event("finished", f"{label}-{n}", timeout=120)
    return sent, started


def realtime_check(
    watcher: Watcher, cfg_path: Path, per_minute: float, minutes: float
) -> dict[str, Any]:
    """Waits measured on the card against the simulation of the same calls."""
    cfg = config.load(cfg_path)
    rng = random.Random(SEED)
    arrivals = poisson(rng, per_minute, minutes)
    calls = [(at, rng.choice(COUNTERS), hall_ticket(rng)) for at in arrivals]
    sent, started = paced(watcher, calls, "rt")
    lead_s, lengths = sentence_lengths(cfg, [(counter, ticket) for _, counter, ticket in calls])
    # A call alone starts with its chime; its sentence follows the chime and pause.
    measured = [
        event["ts"] + (lead_s if event["combined"] is None else 0.0) - sent[n]
        for n, event in enumerate(started)
    ]
    sim_calls = [
        SimCall(sent[n] - sent[0], counter, alone, combined)
        for n, ((_, counter, _), (alone, combined)) in enumerate(zip(calls, lengths, strict=True))
    ]
    simulated, _ = simulated_waits(sim_calls, lead_s, cfg.announcement.combined_pause_ms / 1000,
                                   cfg.scheduling.combine_max)  # fmt: skip
    predicted = [simulated[n] for n in range(len(calls))]
    real_mean, sim_mean = statistics.mean(measured), statistics.mean(predicted)
    return {
        "calls": len(calls),
        "per_minute": per_minute,
        "minutes": minutes,
        "measured_mean_s": real_mean,
        "simulated_mean_s": sim_mean,
        "measured_p95_s": percentile(sorted(measured), 95),
        "simulated_p95_s": percentile(sorted(predicted), 95),
        "difference": (sim_mean - real_mean) / real_mean,
    }


@contextlib.contextmanager
def daemon_on_card(
    directory: Path, node: str, max_age_s: float = 3600
) -> Iterator[tuple[Watcher, VirtualCard, Path]]:
    """The real daemon on a paced virtual card with its own broker, every call to be heard
    (`supersede: false`, rate limits off); the watcher, the card and the config's path."""
    with Mosquitto(directory) as broker, VirtualCard(directory / "card") as card:
        cfg = write_config(
            directory / "zones.yaml", node=node, mqtt={"port": broker.port},
            audio={"device": card.name, "latency": "low"}, security=UNLIMITED,
            scheduling={"supersede": False, "max_age_s": max_age_s},
        )  # fmt: skip
        daemon = DaemonProcess(["run", "-c", str(cfg)], card.env(), directory / "daemon.log")
        watcher = Watcher(broker.port, "pager/#")
        try:
            watcher.status(node, "online")
            yield watcher, card, cfg
        finally:
            daemon.stop()
            watcher.close()


def measure(
    directory: Path, per_minute: float, minutes: float, sizes: tuple[int, ...] = (2, 3, 4)
) -> dict[str, Any]:
    with daemon_on_card(directory, "comb") as (watcher, card, cfg):
        return {
            "airtime": airtime_on_card(watcher, card, sizes),
            "check": realtime_check(watcher, cfg, per_minute, minutes),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-minute", type=float, default=12.0)
    parser.add_argument("--minutes", type=float, default=3.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pager-bench-combined-") as directory:
        print(json.dumps(measure(Path(directory), args.per_minute, args.minutes), indent=1))


if __name__ == "__main__":
    main()
