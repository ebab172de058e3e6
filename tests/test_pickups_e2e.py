"""A pickup call end to end: `pager call --kind pickup --final` -> mosquitto -> `pager run`
-> the virtual card, each zone with the pickup sentence it is configured to say."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile

from pager import config
from pager.audio import chime
from tests.broker import Watcher
from tests.conftest import DaemonOnCard, pager_command
from tests.desk import FOOD_COURT
from tests.virtual_card import VirtualCard

pytestmark = pytest.mark.e2e

SHORT_PICKUP = "Dokumen {ticket} siap, loket {counter}."


def test_a_final_pickup_is_heard_with_each_zones_pickup_sentence(
    on_card: DaemonOnCard, tmp_path: Path, watcher: Watcher, card: VirtualCard
) -> None:
    lengths: dict[str, float] = {}
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
    # Then each zone its own sentence, as long as `pager say --zone` renders it (espeak-ng's
    # timing varies by some milliseconds between renders, not by words).
    for zone, heard in (("tenant-hall", hall), ("food-court", food)):
        wav = tmp_path / f"{zone}.wav"
        subprocess.run(
            [*pager_command(), "say", "-c", str(cfg), "--counter", "5", "--ticket",
             "PB-00012345", "--kind", "pickup", "--final", "--zone", zone, "-o", str(wav)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        rendered, _ = soundfile.read(wav, dtype="float64")
        expected_s = voiced_s(rendered[len(bell) :], rate)
        assert voiced_s(heard[onset + len(bell) :], rate) == pytest.approx(expected_s, abs=0.3)
        lengths[zone] = expected_s
    assert lengths["tenant-hall"] - lengths["food-court"] > 1.5, lengths


def voiced_s(samples: np.ndarray, rate: int) -> float:
    voiced = np.flatnonzero(np.abs(samples) > 1e-3)
    return float(voiced[-1] - voiced[0]) / rate
