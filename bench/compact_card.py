"""The compaction simulation of bench.compact checked on the paced virtual card, in real time:
calls arrive (Poisson, from 20 counters) into the food court, a compact zone, at a rush's
rate and at a quiet one; the waits measured (publish -> the call's own sentence starts) are
compared with the simulation of the same arrivals, driven by the lengths of the same
sentences rendered by the real speech path, and the compact sentences are counted.

    .venv/bin/python -m bench.compact_card [--minutes 3]

Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
from pathlib import Path
from typing import Any

from bench.combined import SEED, hall_ticket, percentile, poisson
from bench.combined_card import daemon_on_card, paced
from bench.compact import Arrival, bench_config, rendered, simulate
from pager import config
from tests.broker import Watcher

COUNTERS = [str(c) for c in range(21, 41)]  # unlisted: routed by the payload's zones


def realtime_check(
    watcher: Watcher, cfg_path: Path, per_minute: float, minutes: float, label: str
) -> dict[str, Any]:
    """Waits and compact sentences on the card against the simulation of the same calls."""
    cfg = config.load(cfg_path)
    rng = random.Random(SEED + int(per_minute))
    calls = [(at, rng.choice(COUNTERS), hall_ticket(rng))
             for at in poisson(rng, per_minute, minutes)]  # fmt: skip
    if not calls:  # a very short (smoke) run may draw none
        calls = [(0.0, COUNTERS[0], "A001")]
    sent, started = paced(watcher, calls, label)
    lengths = rendered(cfg, [(counter, ticket) for _, counter, ticket in calls])
    # A call alone starts with its chime; its sentence follows the chime and pause.
    measured = [
        event["ts"] + (lengths["lead_s"] if event["combined"] is None else 0.0) - sent[n]
        for n, event in enumerate(started)
    ]
    compact_said = sum(1 for e in started if "loket" not in e["text"])  # the ticket alone
    arrivals = [Arrival(sent[n] - sent[0], counter, n) for n, (_, counter, _) in enumerate(calls)]
    simulated = simulate(bench_config(True, cfg), arrivals, lengths)
    real_mean = statistics.mean(measured)
    return {
        "calls": len(calls),
        "per_minute": per_minute,
        "minutes": minutes,
        "measured_mean_s": real_mean,
        "simulated_mean_s": simulated["wait_mean_s"],
        "measured_p95_s": percentile(sorted(measured), 95),
        "simulated_p95_s": simulated["wait_p95_s"],
        "difference": (simulated["wait_mean_s"] - real_mean) / real_mean,
        "compact_measured": compact_said,
        "compact_simulated": simulated["compact"],
    }


def measure(directory: Path, minutes: float) -> dict[str, Any]:
    """At a rush's rate, then at a quiet one, with the example's compact food court (and
    `max_age_s` 180, as simulated)."""
    with daemon_on_card(directory, "compact", max_age_s=180) as (watcher, _, cfg):
        return {
            str(rate): realtime_check(watcher, cfg, rate, minutes, f"r{rate}")
            for rate in (20.0, 6.0)
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=3.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pager-bench-compact-") as directory:
        print(json.dumps(measure(Path(directory), args.minutes), indent=1))


if __name__ == "__main__":
    main()
