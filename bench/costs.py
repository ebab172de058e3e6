"""In-process costs: the mixer per audio block, rendering one call's speech, and the
controller's decisions for one call.

    .venv/bin/python -m bench.costs

Prints one JSON object. Each figure is min / median / max over repeated runs.
"""

from __future__ import annotations

import functools
import json
import statistics
import time
from collections.abc import Callable

import numpy as np

from pager import config
from pager.audio.player import Player
from pager.config import AudioConfig
from pager.core import inputs
from pager.core.controller import Controller
from pager.core.effects import JournalAdd, StartPlay
from pager.mixer import Mixer
from pager.tts import Synthesizer
from pager.values.messages import Inbound, MessageKind
from tests.conftest import EXAMPLE_CONFIG, without_rate_limits

RATE = 48000
BLOCK = AudioConfig().blocksize  # the daemon's default
SMALL_BLOCK = 256  # the lower-latency alternative, measured beside it
RUNS = 5


def spread(samples: list[float]) -> dict[str, float]:
    return {"min": round(min(samples), 3), "median": round(statistics.median(samples), 3),
            "max": round(max(samples), 3)}  # fmt: skip


def mixer_block_us(channels: int, players: int, blocks: int = 2000) -> float:
    """Median microseconds to mix one block with `players` announcements on 2 channels each.

    Each block is timed alone and the median taken, so that a moment the virtual machine
    lends the core elsewhere does not count as mixing.
    """
    mixer = Mixer(channels, max_frames=BLOCK)
    for n in range(players):
        player = Player([((2 * n) % channels, 1.0), ((2 * n + 1) % channels, 0.5)])
        player.append(np.random.default_rng(n).uniform(-0.5, 0.5, 60 * RATE).astype(np.float32))
        mixer.add(player)
    out = np.zeros((BLOCK, channels), dtype=np.float32)
    mixer.render(out)
    times = []
    for _ in range(blocks):
        start = time.perf_counter()
        mixer.render(out)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


def render_ms(sentences: int) -> dict[str, list[float]]:
    """Milliseconds to render one call's speech, ready for the mixer: each of `sentences`
    different sentences once (cache miss), then one sentence again and again (cache hit)."""
    synth = Synthesizer("id", 150, RATE, -20.0)
    synth.start()
    try:
        sentence = "Nomor antrean A {}, silakan menuju loket lima."
        miss = [timed(functools.partial(synth.speak, sentence.format(n))) for n in range(sentences)]
        hit = [timed(functools.partial(synth.speak, sentence.format(0))) for _ in range(sentences)]
    finally:
        synth.close()
    return {"cache_miss": miss, "cache_hit": hit}


def controller_call_us(calls: int) -> float:
    """Median microseconds the controller takes to decide one call's whole life: the message
    (journal it), journaled (queue, start), its first sample, its last (finish, next)."""
    controller = Controller(without_rate_limits(config.load(EXAMPLE_CONFIG)))
    now = time.time()
    times = []
    for n in range(calls):
        counter = str(n % 8 + 1)
        payload = json.dumps({"ticket": f"A{n % 9999 + 1}", "id": f"bench-{n}"}).encode()
        message = Inbound(f"pager/call/{counter}", MessageKind.CALL, counter, payload, now)
        start = time.perf_counter()
        (taken,) = [e for e in controller.handle(message, now) if isinstance(e, JournalAdd)]
        effects = controller.handle(inputs.Journaled(taken.job_id), now)
        plays = [e.play for e in effects if isinstance(e, StartPlay)]
        for play in plays:
            controller.handle(inputs.PlayStarted(play), now)
            controller.handle(inputs.PlayFinished(play, 6.5, 0.0), now)
        times.append(time.perf_counter() - start)
        now += 0.01
    return statistics.median(times) * 1e6


def main() -> None:
    block_us = BLOCK / RATE * 1e6
    mixing = {}
    for channels in (8, 32, 64):
        players = channels // 2  # every channel busy
        runs = [mixer_block_us(channels, players) for _ in range(RUNS)]
        mixing[f"{channels}ch_{players}_players"] = {
            "us_per_block": spread(runs),
            "percent_of_block": spread([100 * r / block_us for r in runs]),
        }
    renders = render_ms(100)
    deciding = [controller_call_us(2000) for _ in range(RUNS)]
    print(json.dumps({"block_us": round(block_us, 1), "mixer": mixing,
                      "render_ms": {k: spread(v) for k, v in renders.items()},
                      "controller_us_per_call": spread(deciding)},
                     indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
