"""A shared zone that keeps up at any rush: waits on one compact zone, simulated with the real
controller deciding (compaction is decided where a play starts), against the same zone
without `compact`.

    .venv/bin/python -m bench.compact [--minutes 10] [--sentences 40]

Lengths come from the real speech path: `--sentences` calls (the hall's tickets) rendered
alone (`template`), combined (`combined_template`) and compact (`compact_template`), timed in
samples, with the configured chime. Calls from 20 counters arrive (Poisson) into the food
court at 6, 12, 20 and 30 a minute for `--minutes`; every call is to be heard
(`supersede: false`), `max_age_s` 180. Each call's sentence takes the rendered length of one
of the sample calls, in the form the controller chose. Wait: publish -> the call's own
sentence starts. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import dataclasses
import heapq
import itertools
import json
import random
import statistics
from typing import Any

from bench.combined import COUNTERS, SEED, hall_ticket, poisson, summary
from pager import config
from pager.config.model import Config
from pager.core import inputs
from pager.core.announcer import Announcer
from pager.core.effects import Effect, Publish, StartCombined, StartPlay
from pager.core.payloads import Call
from pager.daemon import soundkit
from pager.values.jobs import ref_of
from pager.values.messages import Inbound, MessageKind
from tests.conftest import EXAMPLE_CONFIG, without_rate_limits
from tests.desk import Desk

ZONE = "food-court"
RATES_PER_MINUTE = (6, 12, 20, 30)
STYLES = ("alone", "combined", "compact")


def bench_config(compact: bool, base: Config | None = None) -> Config:
    """The example, every call heard, rate limits off, the food court compact or not."""
    cfg = without_rate_limits(base or config.load(EXAMPLE_CONFIG))
    zones = dict(cfg.zones)
    zones[ZONE] = dataclasses.replace(zones[ZONE], compact=compact)
    policy = dataclasses.replace(cfg.scheduling, supersede=False, max_age_s=180)
    return dataclasses.replace(cfg, zones=zones, scheduling=policy, schedule=())


def rendered(cfg: Config, calls: list[tuple[str, str]]) -> dict[str, Any]:
    """Seconds of the chime with its pause, and of each (counter, ticket) call's sentence in
    each style, rendered as the daemon renders them."""
    built = soundkit.build(cfg)
    rate = cfg.audio.sample_rate
    announcer = Announcer.of(cfg)
    try:
        lengths: dict[str, list[float]] = {style: [] for style in STYLES}
        for n, (counter, ticket) in enumerate(calls):
            job = announcer.call(Call(f"s{n}", counter, ticket, zones=(ZONE,)))
            for style in STYLES:
                speech = announcer.for_play(job, style)  # type: ignore[arg-type]
                lengths[style].append(len(built.synthesizer.speak(speech)) / rate)
        return {"lead_s": len(built.chime) / rate,
                "pause_s": cfg.announcement.combined_pause_ms / 1000,
                "compact_pause_s": cfg.announcement.compact_pause_ms / 1000, **lengths}  # fmt: skip
    finally:
        built.synthesizer.close()


def sample_calls(sentences: int) -> list[tuple[str, str]]:
    rng = random.Random(SEED)
    return [(str(rng.randint(1, COUNTERS)), hall_ticket(rng)) for _ in range(sentences)]


@dataclasses.dataclass(frozen=True)
class Arrival:
    at: float
    counter: str
    sample: int  # which rendered sample call it takes the lengths of


def arrivals(per_minute: float, minutes: float, samples: int, seed: int = SEED) -> list[Arrival]:
    rng = random.Random(seed)
    return [Arrival(at, str(20 + rng.randint(1, COUNTERS)), n % samples)
            for n, at in enumerate(poisson(rng, per_minute, minutes))]  # fmt: skip


def simulate(cfg: Config, calls: list[Arrival], lengths: dict[str, Any]) -> dict[str, Any]:
    """The real controller deciding in simulated time; the runtime's reports come when the
    rendered lengths say. Waits, how the calls ended, and how many were said compact."""
    desk = Desk(cfg, now=0.0)
    timeline: list[tuple[float, int, Any]] = []
    order = itertools.count()
    for n, call in enumerate(calls):
        heapq.heappush(timeline, (call.at, next(order), n))
    waits: dict[int, float] = {}
    ended: dict[int, str] = {}
    compact = 0

    def carry_out(effects: list[Effect]) -> None:
        nonlocal compact
        for effect in effects:
            if isinstance(effect, Publish) and effect.body["event"] in ("expired", "failed"):
                ended.setdefault(int(str(effect.body["id"]).removeprefix("c")),
                                 str(effect.body["event"]))  # fmt: skip
            elif isinstance(effect, StartPlay | StartCombined):
                compact += schedule(effect)

    def schedule(effect: StartPlay | StartCombined) -> int:
        """The runtime's reports of this play, on the timeline; how many said compact."""
        known = desk.controller._stage.plays.get(effect.play)
        assert known is not None
        style = "compact" if known.compact else (
            "alone" if isinstance(effect, StartPlay) else "combined")  # fmt: skip
        at = desk.now + lengths["lead_s"]
        pause = lengths["compact_pause_s" if known.compact else "pause_s"]
        heapq.heappush(timeline, (desk.now, next(order), inputs.PlayStarted(effect.play)))
        members = sorted(known.members.items())
        for position, member in members:
            n = int(ref_of(member.job.id).removeprefix("c"))
            waits.setdefault(n, at - calls[n].at)
            length = lengths[style][calls[n].sample]
            if isinstance(effect, StartCombined):
                heapq.heappush(timeline, (at, next(order),
                                          inputs.PlayStarted(effect.play, position)))  # fmt: skip
                heapq.heappush(timeline, (at + length, next(order),
                                          inputs.SectionFinished(effect.play, position, length,
                                                                 0.0)))  # fmt: skip
                at += length + (pause if position < len(members) else 0.0)
            else:
                at += length
        total = at - desk.now
        finished = inputs.PlayFinished(effect.play, total, 0.0, lead_s=lengths["lead_s"])
        heapq.heappush(timeline, (at, next(order), finished))
        return len(members) if known.compact else 0

    while timeline:
        desk.now, _, item = heapq.heappop(timeline)
        if isinstance(item, int):
            body = {"ticket": f"A{item + 1}", "id": f"c{item}", "zones": [ZONE]}
            counter = calls[item].counter
            message = Inbound(f"pager/call/{counter}", MessageKind.CALL, counter,
                              json.dumps(body).encode(), desk.now)  # fmt: skip
            carry_out(desk.take(message))
        else:
            carry_out(desk.feed(item))
        deadline = desk.controller.next_deadline(desk.now)
        if deadline is not None and not isinstance(item, inputs.Tick):
            heapq.heappush(timeline, (max(deadline, desk.now) + 1e-6, next(order), inputs.Tick()))
    result = summary(len(calls), sorted(waits.values()), list(ended.values()))
    mean = statistics.mean(waits.values()) if waits else 0.0
    return {**result, "wait_mean_s": mean, "compact": compact}


def measure(minutes: float, sentences: int) -> dict[str, Any]:
    base = config.load(EXAMPLE_CONFIG)
    lengths = rendered(bench_config(True, base), sample_calls(sentences))
    return {
        "lengths": lengths,
        "minutes": minutes,
        "compact_after_s": base.scheduling.compact_after_s,
        "load": {
            label: {
                str(rate): simulate(
                    bench_config(on, base), arrivals(rate, minutes, sentences), lengths
                )
                for rate in RATES_PER_MINUTE
            }
            for label, on in (("full", False), ("compact", True))
        },
        # The same rush with other arrivals: how much the verdict owes to one draw.
        "other_arrivals_20": [
            simulate(bench_config(True, base), arrivals(20, minutes, sentences, seed), lengths)
            for seed in (1, 2, 3)
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--sentences", type=int, default=40)
    args = parser.parse_args()
    print(json.dumps(measure(args.minutes, args.sentences), indent=1))


if __name__ == "__main__":
    main()
