"""Compact zones on the real path: a burst of calls for the tenant hall and the food court.
While the food court is behind it says the ticket alone, each at the sample where the hall
begins that call's full sentence; once the burst is through, full sentences again."""

from __future__ import annotations

import json

import numpy as np
import pytest

from pager import config
from pager.audio import chime
from tests.broker import Watcher
from tests.conftest import UNLIMITED, DaemonOnCard
from tests.signals import occurrences
from tests.virtual_card import VirtualCard

pytestmark = pytest.mark.e2e

HALL, FOOD = 0, 6  # the first outputs of the tenant hall and the food court
FOOD_GAIN = 10 ** (-4 / 20)  # the food court's gain_db in the example
ZONES = ["tenant-hall", "food-court"]
BURST = [(str(10 + n), f"B{n + 1}") for n in range(7)]  # seven counters at once


def test_a_burst_is_compact_in_the_food_court_and_full_in_the_hall_then_full_again(
    on_card: DaemonOnCard, watcher: Watcher, card: VirtualCard
) -> None:
    # Behind above 15 s of estimated wait, at one level: the first four of the burst with
    # three behind them (about 21 s at full sentences), not the last three (about 12 s).
    scheduling = {"compact_after_s": 15, "compact_until_s": 15}
    cfg = on_card.configure("compact", audio={"latency": "low"}, scheduling=scheduling,
                            security=UNLIMITED)  # fmt: skip
    loaded = config.load(cfg)
    bell = chime.prepared(loaded.announcement, loaded.audio.sample_rate)
    daemon = on_card.start(cfg)
    try:
        watcher.publish("pager/call/5", json.dumps({"ticket": "A1", "id": "first"}))
        watcher.event("started", "first", timeout=30)
        for counter, ticket in BURST:
            body = {"ticket": ticket, "id": f"c{counter}", "zones": ZONES}
            watcher.publish(f"pager/call/{counter}", json.dumps(body))
        finished = [watcher.event("finished", f"c{c}", timeout=90) for c, _ in BURST]
        started = [watcher.event("started", f"c{c}") for c, _ in BURST]
    finally:
        assert daemon.stop() == 0, daemon.log
    assert card.closed.wait(10)

    first, second = started[:4], started[4:]
    assert len({e["combined"] for e in first}) == 1 and len({e["combined"] for e in second}) == 1
    assert [e["zone_texts"] for e in first] == [
        {"tenant-hall": f"Be {n}, loket {counter}.", "food-court": f"Be {n}."}
        for n, counter in (("satu", "sepuluh"), ("dua", "sebelas"), ("tiga", "dua belas"),
                           ("empat", "tiga belas"))
    ]  # fmt: skip
    assert [e["text"] for e in first] == [e["zone_texts"]["tenant-hall"] for e in first]
    assert all("zone_texts" not in e for e in second), "still compact after the burst"
    assert second[0]["text"] == "Be lima, loket empat belas."

    played = card.samples()
    hall, food = played[:, HALL].astype(np.float64), played[:, FOOD].astype(np.float64)
    chimes = occurrences(hall, bell)
    assert len(chimes) == 3, chimes  # the first call, then two combined announcements
    pause = int(loaded.announcement.combined_pause_ms * card.rate / 1000)
    # The first combined announcement: each sentence where its events put it (audio_s and
    # late_s are rounded to the millisecond), the food court's shorter one from the same
    # sample as the hall's, then silent there while the hall finishes the counter.
    at, slack = chimes[1] + len(bell), 2 * 48
    for index, event in enumerate(finished[:4]):
        at += round(event["late_s"] * card.rate)
        length = round(event["audio_s"] * card.rate)
        said_hall, said_food = hall[at : at + length], food[at : at + length]
        onset_hall, onset_food = np.flatnonzero(said_hall)[0], np.flatnonzero(said_food)[0]
        assert abs(int(onset_food) - int(onset_hall)) <= slack, f"sentence {index + 1} onset"
        assert np.any(said_hall[-2 * slack :]), f"the hall's sentence {index + 1} runs on"
        food_end = int(np.flatnonzero(said_food)[-1])
        assert food_end < 0.7 * length, f"the food court's sentence {index + 1} is the full one"
        at += length + pause
    # The second: the same sound in both zones, at the food court's gain.
    region = slice(chimes[2], chimes[2] + round(sum(e["audio_s"] for e in finished[4:])
                                                * card.rate))  # fmt: skip
    assert np.allclose(food[region], hall[region] * FOOD_GAIN, atol=1e-4)
