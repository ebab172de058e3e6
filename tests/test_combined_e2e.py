"""Combined announcements on the real path: several counters call into the same zones at once,
and the card hears one chime, then each call's own sentence, each event at its sample."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from pager import config
from pager.audio import chime
from tests.broker import Watcher
from tests.conftest import DaemonOnCard
from tests.signals import assert_plays_at, holds
from tests.virtual_card import VirtualCard

pytestmark = pytest.mark.e2e

HALL, FOOD = 0, 6  # the first outputs of the tenant hall and the food court
OTHERS = (2, 3, 4, 5)  # the mpp and the market shops: they hear none of it
ZONES = ["tenant-hall", "food-court"]


def test_calls_waiting_together_are_heard_under_one_chime_each_at_its_sample(
    on_card: DaemonOnCard, watcher: Watcher, card: VirtualCard
) -> None:
    cfg = on_card.configure("comb", audio={"latency": "low"})
    loaded = config.load(cfg)
    bell = chime.prepared(loaded.announcement, loaded.audio.sample_rate)
    pause = int(loaded.announcement.combined_pause_ms * card.rate / 1000)
    daemon = on_card.start(cfg)
    try:
        watcher.publish("pager/call/5", json.dumps({"ticket": "A1", "id": "first"}))
        watcher.event("started", "first", timeout=30)
        # Three counters call while the first call plays: they wait for the same zones.
        for counter, ticket in (("10", "B12"), ("11", "C7"), ("12", "D3")):
            body = {"ticket": ticket, "id": f"c{counter}", "zones": ZONES}
            watcher.publish(f"pager/call/{counter}", json.dumps(body))
        finished = [watcher.event("finished", f"c{n}", timeout=60) for n in (10, 11, 12)]
        started = [watcher.event("started", f"c{n}") for n in (10, 11, 12)]
        first = watcher.event("finished", "first")
    finally:
        assert daemon.stop() == 0, daemon.log
    assert card.closed.wait(10)

    combined = started[0]["combined"]
    assert combined and all(e["combined"] == combined for e in [*started, *finished])
    assert [e["position"] for e in started] == [1, 2, 3]
    assert [e["text"] for e in started] == [
        "Be dua belas, loket sepuluh.", "Ce tujuh, loket sebelas.", "De tiga, loket dua belas.",
    ]  # fmt: skip
    assert first["combined"] is None and first["position"] == 1

    played = card.samples()
    assert not np.any(played[:, OTHERS]), "a zone heard calls not routed to it"
    hall = played[:, HALL].astype(np.float64)
    # The first call alone (its speech may have come late on a loaded machine: late_s), then
    # the combined announcement's chime, sample for sample.
    end_first = int(np.flatnonzero(hall)[0] - np.flatnonzero(bell)[0]) + round(
        (first["audio_s"] + first["late_s"]) * card.rate
    )
    # (audio_s is rounded to the millisecond: the chime starts within 2 ms of that end, or,
    # when the next call came some blocks later, at the first sound after it.)
    later = end_first + 96 + int(np.flatnonzero(hall[end_first + 96 :])[0])
    candidates = [*range(end_first - 96, end_first + 96), later - int(np.flatnonzero(bell)[0])]
    starts = [c for c in candidates if holds(hall, c, bell[:2000])]
    assert starts, "no chime after the first call"
    start = starts[0]
    assert_plays_at(hall, start, bell, "the combined announcement's chime")
    # Each sentence where its events put it (audio_s and late_s are rounded to the
    # millisecond: 48 samples): after the silence it waited for its speech, if any, sound
    # from its first sample to its last, then the pause of digital silence, then the next;
    # one chime in all.
    at, ms = start + len(bell), 6 * 48  # the rounding of three sentences at most
    for index, event in enumerate(finished):
        at += round(event["late_s"] * card.rate)
        length = round(event["audio_s"] * card.rate)
        sentence = hall[at : at + length]
        assert np.any(sentence[:480]) and np.any(sentence[-480:]), f"sentence {index + 1}"
        assert 0.8 < event["audio_s"] < 3.5, event["audio_s"]
        at += length
        if index < 2:
            assert not np.any(hall[at + ms : at + pause - ms]), f"pause after {index + 1}"
            at += pause
    assert not np.any(hall[at + ms :]), "something played after the last sentence"
    # Well under the airtime the three would have taken one chime each.
    waited = sum(e["late_s"] for e in finished)
    assert (at - start) / card.rate - waited < 0.7 * 3 * first["audio_s"]
    # The events came in the order of the sentences, spaced as the audio is.
    spacing = [b["ts"] - a["ts"] for a, b in itertools.pairwise(started)]
    expected = [finished[i]["audio_s"] + pause / card.rate + finished[i + 1]["late_s"]
                for i in range(2)]  # fmt: skip
    assert all(abs(s - e) < 0.25 for s, e in zip(spacing, expected, strict=True)), spacing
