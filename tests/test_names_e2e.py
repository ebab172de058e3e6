"""A named pickup end to end: the hall hears the name in full, the food court (names: off)
the sentence without it, and nothing pager publishes, logs or keeps on disk holds more of
the name than its initials."""

from __future__ import annotations

import json
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
from tests.test_pickups_e2e import voiced_s
from tests.virtual_card import VirtualCard

pytestmark = pytest.mark.e2e

NAME = "Hj. SRIKANDI AMINAH WIRJODIPRODJO S.E."
SECRETS = ("srikandi", "aminah", "wirjodiprodjo")  # any of its letters beyond the initials


def holds_the_name(data: bytes | str) -> list[str]:
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    return [word for word in SECRETS if word in text.lower()]


def test_a_named_pickup_says_and_keeps_only_what_the_config_allows(
    on_card: DaemonOnCard, tmp_path: Path, watcher: Watcher, card: VirtualCard
) -> None:
    cfg = on_card.configure(
        "names", audio={"latency": "low"},
        privacy={"names": "full", "names_shown": "initials"},
        zones={"food-court": {"channels": [7, 8], "gain_db": -4, "names": "off"}},
    )  # fmt: skip
    loaded = config.load(cfg)
    rate = loaded.audio.sample_rate
    daemon = on_card.start(cfg)
    try:
        watcher.publish("pager/call/5", json.dumps(
            {"ticket": "PB-00012345", "kind": "pickup", "id": "doc-9", "name": NAME}
        ))  # fmt: skip
        finished = watcher.event("finished", "doc-9", timeout=60)
    finally:
        assert daemon.stop() == 0, daemon.log
    watcher.status("names", "offline")  # every message pager published has been read
    assert finished["name"] == "S. A. W."
    assert finished["text"] == (
        "Dokumen dengan nomor pe be dua belas ribu tiga ratus empat puluh lima atas nama es A "
        "we, sudah selesai. Silakan diambil di loket lima."
    )

    # What each zone heard: the hall the whole name, the food court none of it (shorter).
    assert card.closed.wait(10)
    played = card.samples().astype(np.float64)
    hall, food = played[:, 0], played[:, 6] / FOOD_COURT
    bell = chime.prepared(loaded.announcement, rate).astype(np.float64)
    onset = int(np.flatnonzero(hall)[0] - np.flatnonzero(bell)[0])
    np.testing.assert_allclose(food[onset : onset + len(bell)], bell, atol=1e-5)
    lengths = {}
    for zone, heard in (("tenant-hall", hall), ("food-court", food)):
        wav = tmp_path / f"{zone}.wav"
        said = subprocess.run(
            [*pager_command(), "say", "-c", str(cfg), "--counter", "5", "--ticket",
             "PB-00012345", "--kind", "pickup", "--name", NAME, "--zone", zone, "-o", str(wav)],
            capture_output=True, text=True, check=True,
        ).stdout.splitlines()[0]  # fmt: skip
        named = "atas nama Hajah Srikandi Aminah Wirjodiprodjo, sudah selesai" in said
        assert named is (zone == "tenant-hall"), said
        rendered, _ = soundfile.read(wav, dtype="float64")
        lengths[zone] = voiced_s(rendered[len(bell) :], rate)
        assert voiced_s(heard[onset + len(bell) :], rate) == pytest.approx(lengths[zone], abs=0.3)
    assert lengths["tenant-hall"] - lengths["food-court"] > 1.5, lengths  # the name, said

    # Nothing pager published, logged or kept holds the name's letters.
    published = [(t, b) for t, b in watcher.seen if not t.startswith("pager/call/")]
    assert published
    for topic, body in published:
        assert not holds_the_name(json.dumps(body, default=str)), (topic, body)
    assert not holds_the_name(daemon.log), daemon.log
    state = tmp_path / "state"
    files = sorted(p for p in state.iterdir() if p.is_file())
    assert {p.name for p in files} >= {"calls.db", "history.db"}
    for path in files:
        assert not holds_the_name(path.read_bytes()), path
    history = subprocess.run(
        [*pager_command(), "history", "-c", str(cfg), "--state-dir", str(state), "--csv"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "S. A. W." in history and not holds_the_name(history)
