"""Rush hour at building scale: airtime per call and waits on one shared zone, with calls
played alone (`combine_max: 1`) and combined under one chime (the default, 4).

    .venv/bin/python -m bench.combined [--minutes 10] [--sentences 40] [--plot FILE.png]

Airtime comes from the real speech path: `--sentences` calls (tickets and counters as a
hall's) are rendered by the synthesizer the daemon uses (pyttsx3/espeak-ng, the configured
rate and loudness), alone with `announcement.template` and with `combined_template`, and
timed in samples; the chime is the configured one. Load runs in simulated time: calls from
20 counters arrive (Poisson) at 6, 12, 20 and 30 a minute into one zone for `--minutes`
each, and the real scheduler decides; each call takes the measured length of one of the
rendered calls. Wait is publish -> the call's own sentence starts (for a call alone, after
its chime and pause). Prints one JSON object.
"""

from __future__ import annotations

import argparse
import heapq
import itertools
import json
import random
import statistics
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pager import config
from pager.core.announcer import Announcer
from pager.core.payloads import Call
from pager.core.scheduler import Outcome, Scheduler
from pager.daemon import soundkit
from pager.values.jobs import Job
from pager.values.priority import Priority
from tests.conftest import EXAMPLE_CONFIG

ZONE = "food-court"
COUNTERS = 20
RATES_PER_MINUTE = (6, 12, 20, 30)
SEED = 2026


def hall_ticket(rng: random.Random) -> str:
    """A ticket as the hall prints them: about 110 applicants a day per agency, up to 120."""
    return f"{rng.choice('ABCDE')}{rng.randint(1, 120):03d}"


def sentence_lengths(
    cfg: config.Config, calls: list[tuple[str, str]]
) -> tuple[float, list[tuple[float, float]]]:
    """Seconds of the chime with its pause, and of each (counter, ticket) call's sentence
    said alone and inside a combined announcement, rendered as the daemon renders them."""
    built = soundkit.build(cfg)
    rate = cfg.audio.sample_rate
    announcer = Announcer.of(cfg)
    try:
        lengths = []
        for n, (counter, ticket) in enumerate(calls):
            job = announcer.call(Call(f"s{n}", counter, ticket, zones=(ZONE,)))
            alone, combined = (
                len(built.synthesizer.speak(announcer.for_play(job, style))) / rate
                for style in ("alone", "combined")
            )
            lengths.append((alone, combined))
        return len(built.chime) / rate, lengths
    finally:
        built.synthesizer.close()


def rendered_lengths(sentences: int) -> dict[str, Any]:
    """Seconds of the chime (with its pause), and of each sample call's sentence said alone
    and inside a combined announcement, from the real renderer."""
    cfg = config.load(EXAMPLE_CONFIG)
    rng = random.Random(SEED)
    calls = [(str(rng.randint(1, COUNTERS)), hall_ticket(rng)) for _ in range(sentences)]
    lead_s, lengths = sentence_lengths(cfg, calls)
    return {
        "lead_s": lead_s,
        "pause_s": cfg.announcement.combined_pause_ms / 1000,
        "alone_s": [alone for alone, _ in lengths],
        "combined_s": [combined for _, combined in lengths],
    }


def airtime(lengths: dict[str, Any]) -> dict[str, float]:
    """Seconds of airtime per call: alone, and combined 2, 3 and 4 at a time (mean sentences)."""
    lead, pause = lengths["lead_s"], lengths["pause_s"]
    alone = lead + statistics.mean(lengths["alone_s"])
    sentence = statistics.mean(lengths["combined_s"])
    out = {"1": alone}
    for n in (2, 3, 4):
        out[str(n)] = (lead + n * sentence + (n - 1) * pause) / n
    return out


@dataclass(frozen=True)
class SimCall:
    """A call as the simulation needs it: when it arrives, from which counter, and how long
    its sentence is said alone and inside a combined announcement (seconds)."""

    at: float
    counter: str
    alone_s: float
    combined_s: float


def poisson_calls(lengths: dict[str, Any], per_minute: float, minutes: float,
                  seed: int = SEED) -> list[SimCall]:  # fmt: skip
    """Poisson arrivals from COUNTERS counters, each call with the lengths of one of the
    rendered sample calls."""
    rng = random.Random(seed)
    samples = len(lengths["alone_s"])
    return [
        SimCall(at, str(rng.randint(1, COUNTERS)), lengths["alone_s"][n % samples],
                lengths["combined_s"][n % samples])
        for n, at in enumerate(poisson(rng, per_minute, minutes))
    ]  # fmt: skip


def simulate(
    calls: list[SimCall], lead_s: float, pause_s: float, combine_max: int
) -> dict[str, Any]:
    """The real scheduler deciding, in simulated time, for calls into one zone."""
    waits, ended = simulated_waits(calls, lead_s, pause_s, combine_max)
    return summary(len(calls), sorted(waits.values()), list(ended.values()))


def simulated_waits(
    calls: list[SimCall], lead_s: float, pause_s: float, combine_max: int
) -> tuple[dict[int, float], dict[int, str]]:
    """Per call (index): the wait until its sentence starts; and why the others ended."""
    cfg = config.load(EXAMPLE_CONFIG)
    # Every call must be heard: a counter's next call never drops its last (as at a hall
    # whose counters wait for the person to arrive).
    policy = replace(cfg.scheduling, combine_max=combine_max, supersede=False)
    scheduler = Scheduler((ZONE,), policy)
    timeline: list[tuple[float, int, str, Any]] = []  # (time, order, kind, data)
    order = itertools.count()
    for n, call in enumerate(calls):
        heapq.heappush(timeline, (call.at, next(order), "arrive", n))
    waits: dict[int, float] = {}
    ended: dict[int, str] = {}

    def carry_out(outcomes: list[Outcome], now: float) -> None:
        starting: dict[str | None, list[Outcome]] = {}
        for outcome in outcomes:
            if outcome.start:
                starting.setdefault(outcome.combined or outcome.job.id, []).append(outcome)
            elif outcome.event in ("expired", "superseded", "cancelled"):
                ended.setdefault(int(outcome.job.id), outcome.event)
        for together in starting.values():
            at = now + lead_s
            for outcome in together:
                n = int(outcome.job.id)
                waits.setdefault(n, at - calls[n].at)
                at += calls[n].alone_s if outcome.combined is None else calls[n].combined_s
                heapq.heappush(timeline, (at, next(order), "finish", outcome.job.id))
                at += pause_s

    while timeline:
        now, _, kind, data = heapq.heappop(timeline)
        if kind == "arrive":
            call = calls[data]
            job = Job(str(data), Priority.CALL, (ZONE,), call.counter, f"A{data + 1}", now)
            carry_out(scheduler.submit(job, now), now)
        elif kind == "finish":
            carry_out(scheduler.finished(data, now), now)
        carry_out(scheduler.tick(now), now)
        # As the daemon does: a tick when the next call would expire.
        deadline = scheduler.next_deadline(now)
        if deadline is not None and kind != "tick":
            heapq.heappush(timeline, (deadline + 1e-6, next(order), "tick", None))
    return waits, ended


def poisson(rng: random.Random, per_minute: float, minutes: float) -> list[float]:
    """Arrival times (s) of a Poisson process."""
    arrivals: list[float] = []
    t = 0.0
    while True:
        t += rng.expovariate(per_minute / 60)
        if t > minutes * 60:
            return arrivals
        arrivals.append(t)


def summary(calls: int, waits: list[float], ends: list[str]) -> dict[str, Any]:
    return {
        "calls": calls,
        "played": len(waits),
        "expired": ends.count("expired"),
        "superseded": ends.count("superseded"),
        "wait_p50_s": percentile(waits, 50),
        "wait_p95_s": percentile(waits, 95),
        "wait_max_s": waits[-1] if waits else 0.0,
    }


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    index = min(len(values) - 1, max(0, round(p / 100 * len(values)) - 1))
    return sorted(values)[index]


def measure(minutes: float, sentences: int) -> dict[str, Any]:
    lengths = rendered_lengths(sentences)
    return {
        "lengths": lengths,
        "airtime_s": airtime(lengths),
        "minutes": minutes,
        "load": {
            str(combine_max): {
                str(rate): simulate(
                    poisson_calls(lengths, rate, minutes),
                    lengths["lead_s"],
                    lengths["pause_s"],
                    combine_max,
                )
                for rate in RATES_PER_MINUTE
            }
            for combine_max in (1, 4, 8)
        },
    }


def plot(result: dict[str, Any], path: Path) -> None:
    """p50 and p95 wait against the arrival rate, alone and combined (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=110)
    for combine_max, marker, color in (("1", "o", "C3"), ("4", "s", "C0")):
        runs = result["load"][combine_max]
        rates = [int(r) for r in runs]
        label = "one call per chime" if combine_max == "1" else "combined (up to 4)"
        ax.plot(rates, [runs[r]["wait_p95_s"] for r in runs], marker=marker, color=color,
                label=f"{label}: p95")  # fmt: skip
        ax.plot(rates, [runs[r]["wait_p50_s"] for r in runs], marker=marker, color=color,
                linestyle="--", alpha=0.6, label=f"{label}: p50")  # fmt: skip
    ax.axhline(60, color="grey", linestyle=":", linewidth=1)
    ax.set_xlabel("calls arriving per minute into one shared zone (20 counters)")
    ax.set_ylabel("wait until the call's sentence starts (s)")
    ax.set_yscale("log")
    ax.set_title(f"Waits over {result['minutes']:g} minutes of sustained load")
    ax.legend(fontsize=8)
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--sentences", type=int, default=40)
    parser.add_argument("--plot", type=Path, default=None)
    args = parser.parse_args()
    result = measure(args.minutes, args.sentences)
    if args.plot:
        plot(result, args.plot)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
