"""A pickup call end to end: `pager call --kind pickup --final` -> mosquitto -> `pager run`
-> the virtual card, each zone with the pickup sentence it is configured to say."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest

from pager import config
from pager.audio import chime
from tests.broker import Watcher
from tests.conftest import DaemonOnCard, pager_command
from tests.desk import FOOD_COURT
from tests.virtual_card import VirtualCard

pytestmark = pytest.mark.e2e

SHORT_PICKUP = "Dokumen {ticket} siap, loket {counter}."


def test_a_final_pickup_is_heard_with_each_zones_pickup_sentence(
    on_card: DaemonOnCard, watcher: Watcher, card: VirtualCard
) -> None:
    cfg = on_card.configure(
        "pickup", audio={"latency": "low"},
        zones={"food-court": {"channels": [7, 8], "gain_db": -4,
                              "pickup_template": SHORT_PICKUP}},
    )  # fmt: skip
    loaded = config.load(cfg)
    rate = loaded.audio.sample_rate
    said = subprocess.run(
        [*pager_command(), "say", "-c", str(cfg), "--counter", "5", "--ticket", "PB-00012345",
         "--kind", "pickup", "--final", "--zone", "food-court"],
        capture_output=True, text=True, check=True,
    ).stdout.splitlines()[0]  # fmt: skip
    assert (
        said
        == "Panggilan terakhir, dokumen pe be dua belas ribu tiga ratus empat puluh lima siap, loket lima."
    )
    daemon = on_card.start(cfg)
    try:
        subprocess.run(
            [*pager_command(), "call", "-c", str(cfg), "--counter", "5", "--ticket",
             "PB-00012345", "--kind", "pickup", "--final", "--id", "doc-1"],
            check=True, capture_output=True, env=card.env(),
        )  # fmt: skip
        finished = watcher.event("finished", "doc-1", timeout=60)
    finally:
        assert daemon.stop() == 0, daemon.log
    assert (finished["kind"], finished["final"]) == ("pickup", True)
    assert finished["ticket"] == "PB-00012345"
    assert finished["text"] == (
        "Panggilan terakhir, dokumen dengan nomor pe be dua belas ribu tiga ratus empat puluh "
        "lima sudah selesai. Silakan diambil di loket lima."
    )
    assert finished["zones"] == ["tenant-hall", "food-court"]

    assert card.closed.wait(10)
    played = card.samples().astype(np.float64)
    hall, food = played[:, 0], played[:, 6] / FOOD_COURT
    bell = chime.prepared(loaded.announcement, rate).astype(np.float64)
    onset = int(np.flatnonzero(hall)[0] - np.flatnonzero(bell)[0])
    np.testing.assert_allclose(food[onset : onset + len(bell)], bell, atol=1e-5)
    # Then each zone its own sentence: the food court's short one ends well before the hall's.
    hall_s = (np.flatnonzero(np.abs(hall) > 1e-3)[-1] - onset - len(bell)) / rate
    food_s = (np.flatnonzero(np.abs(food) > 1e-3)[-1] - onset - len(bell)) / rate
    assert 2.0 < food_s < 0.75 * hall_s, (food_s, hall_s)
