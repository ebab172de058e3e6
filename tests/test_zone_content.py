"""Per-zone content: a zone's own template or the chime alone, in the controller, in
`pager say --zone`, and heard on the card."""

from __future__ import annotations

import dataclasses
import json
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile

from pager import config
from pager.audio import chime
from pager.core import inputs
from pager.core.effects import Effect, StartPlay
from pager.errors import ConfigError
from pager.values.messages import Inbound, MessageKind
from tests.broker import Mosquitto, Watcher
from tests.conftest import DaemonOnCard, pager_command, write_config
from tests.desk import EXAMPLE, FOOD_COURT, Desk, call, events
from tests.virtual_card import VirtualCard

SHORT = "{ticket}, loket {counter}."
SHOPS_GAIN = 10 ** (-6 / 20)


def with_content(**zones: Any) -> Desk:
    changed = dict(EXAMPLE.zones)
    for name, fields in zones.items():
        changed[name] = dataclasses.replace(changed[name], **fields)
    return Desk(dataclasses.replace(EXAMPLE, zones=changed))


def starts(effects: list[Effect]) -> list[StartPlay]:
    return [e for e in effects if isinstance(e, StartPlay)]


def test_a_zone_with_its_own_template_gets_its_own_sentence_under_the_same_chime() -> None:
    desk = with_content(**{"food-court": {"template": SHORT}})
    effects = desk.take(call("5", "A23", "a1"))  # tenant hall and food court
    [start] = starts(effects)
    assert start.speech.text == "Nomor antrean A dua puluh tiga, silakan menuju loket lima."
    assert [c for c, _ in start.channel_gains] == [0, 1]
    [food] = start.variants
    assert food.speech is not None and food.speech.text == "A dua puluh tiga, loket lima."
    assert [c for c, _ in food.channel_gains] == [6, 7]
    assert [g for _, g in food.channel_gains] == pytest.approx([FOOD_COURT, FOOD_COURT])
    [started] = events(desk.feed(inputs.PlayStarted(start.play)), "started")
    assert started["zones"] == ["tenant-hall", "food-court"]
    assert started["text"] == start.speech.text


def test_a_chime_only_zone_hears_the_chime_and_repeats_keep_their_prefix() -> None:
    desk = with_content(
        **{"market-shops": {"chime_only": True}, "waiting-area": {"template": SHORT}}
    )
    [start] = starts(desk.take(call("1", "B7", "b1", repeat=1)))  # mpp and market shops
    variants = {v.channel_gains[0][0]: v for v in start.variants}
    assert variants[3].speech is None, "the market shops hear the chime alone"
    assert variants[2].speech is not None and variants[2].speech.text == "Be tujuh, loket satu."
    desk.finish("b1")
    desk.now += 20
    effects = desk.feed(inputs.Tick())
    [repeat] = starts(effects)
    spoken = {v.channel_gains[0][0]: v.speech for v in repeat.variants}
    assert spoken[2] is not None and spoken[2].text == "Panggilan kedua, be tujuh, loket satu."


def test_operator_messages_are_spoken_everywhere_and_every_zone_may_have_its_own() -> None:
    desk = with_content(**{"food-court": {"chime_only": True}, "tenant-hall": {"template": SHORT}})
    [start] = starts(desk.take(call("5", "A1", "a1")))
    assert start.channel_gains == (), "no zone hears the main sentence: it keeps its time"
    assert len(start.variants) == 2
    desk = with_content(**{"food-court": {"chime_only": True}})
    body = json.dumps({"text": "Tes", "zones": ["food-court"], "id": "m1"}).encode()
    [message] = starts(desk.take(Inbound("pager/announce", MessageKind.ANNOUNCE, None, body, 0)))
    assert message.variants == () and [c for c, _ in message.channel_gains] == [6, 7]


def test_a_zone_template_is_checked_like_the_announcement_s(tmp_path: Path) -> None:
    for fields, problem in (
        ({"template": "Nomor {tiket}"}, "zones.food-court.template: unknown field {tiket}"),
        ({"template": SHORT, "chime_only": True}, "zones.food-court.chime_only: a chime-only"),
    ):
        document = {"food-court": {"channels": [7, 8], **fields}}
        cfg = write_config(tmp_path / "zones.yaml", replace=("zones", "groups", "counters"),
                           zones=document, groups={}, counters={}, default_zones=["food-court"])  # fmt: skip
        with pytest.raises(ConfigError) as error:
            config.load(cfg)
        assert problem in str(error.value)


def content_config(path: Path, **overrides: Any) -> Path:
    document = {name: {"channels": list(z.channels), "gain_db": z.gain_db}
                for name, z in EXAMPLE.zones.items()}  # fmt: skip
    document["food-court"]["template"] = SHORT
    document["market-shops"]["chime_only"] = True
    return write_config(path, replace=("zones",), zones=document, **overrides)


def say(cfg: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*pager_command(), "say", "-c", str(cfg), *args], capture_output=True,
                          text=True, timeout=120, check=False)  # fmt: skip


def test_say_zone_renders_what_that_zone_hears(tmp_path: Path) -> None:
    cfg = content_config(tmp_path / "zones.yaml")
    food = say(cfg, "--counter", "5", "--ticket", "A23", "--zone", "food-court",
               "-o", str(tmp_path / "food.wav"))  # fmt: skip
    assert food.returncode == 0, food.stderr
    assert food.stdout.splitlines()[0] == "A dua puluh tiga, loket lima."
    assert "zone food-court at -4.0 dB" in food.stdout
    shops = say(cfg, "--counter", "1", "--ticket", "B7", "--zone", "market-shops",
                "-o", str(tmp_path / "shops.wav"))  # fmt: skip
    assert shops.stdout.splitlines()[0].startswith("(the chime alone")
    loaded = config.load(cfg)
    bell = chime.prepared(loaded.announcement, loaded.audio.sample_rate)
    heard, _ = soundfile.read(tmp_path / "shops.wav", dtype="float32")
    np.testing.assert_allclose(heard, bell * SHOPS_GAIN, atol=2 / 32768)
    wrong = say(cfg, "--counter", "5", "--ticket", "A1", "--zone", "food-cort")
    assert wrong.returncode == 2 and 'did you mean "food-court"' in wrong.stderr


@pytest.mark.e2e
def test_each_zone_hears_its_own_content_on_the_card(
    on_card: DaemonOnCard, tmp_path: Path, broker: Mosquitto, watcher: Watcher, card: VirtualCard
) -> None:
    cfg = content_config(tmp_path / "zones.yaml", node="content", mqtt={"port": broker.port},
                         audio={"device": card.name, "latency": "low"})  # fmt: skip
    loaded = config.load(cfg)
    rate = loaded.audio.sample_rate
    bell = chime.prepared(loaded.announcement, rate).astype(np.float64)
    daemon = on_card.start(cfg)
    try:
        watcher.publish("pager/call/5", json.dumps({"ticket": "A23", "id": "z1"}))
        first = watcher.event("finished", "z1", timeout=30)
        watcher.publish("pager/call/1", json.dumps({"ticket": "B7", "id": "z2"}))
        second = watcher.event("finished", "z2", timeout=30)
    finally:
        assert daemon.stop() == 0, daemon.log
    assert card.closed.wait(10)
    played = card.samples().astype(np.float64)
    hall, food, shops = played[:, 0], played[:, 6] / FOOD_COURT, played[:, 3] / SHOPS_GAIN

    # The same chime on the same sample in the hall and the food court ...
    onset = int(np.flatnonzero(hall)[0] - np.flatnonzero(bell)[0])
    np.testing.assert_allclose(hall[onset : onset + len(bell)], bell, atol=1e-6)
    np.testing.assert_allclose(food[onset : onset + len(bell)], bell, atol=1e-5)

    # ... then each its own sentence: the food court's short one ends well before the hall's.
    def voiced_end(samples: np.ndarray) -> int:
        return int(
            np.flatnonzero(np.abs(samples[: onset + int(first["audio_s"] * rate)]) > 1e-3)[-1]
        )

    hall_s = (voiced_end(hall) - onset - len(bell)) / rate
    food_s = (voiced_end(food) - onset - len(bell)) / rate
    assert 1.0 < food_s < 0.7 * hall_s, (food_s, hall_s)
    assert first["audio_s"] == pytest.approx((voiced_end(hall) - onset) / rate, abs=0.3)

    # Counter 1's call: the market shops hear its chime alone, sample for sample.
    later = onset + int(first["audio_s"] * rate) + 1
    start = later + int(np.flatnonzero(shops[later:])[0]) - int(np.flatnonzero(bell)[0])
    np.testing.assert_allclose(shops[start : start + len(bell)], bell, atol=1e-5)
    assert not np.any(shops[start + len(bell) :]), "the chime-only zone heard speech"
    assert np.any(played[start + len(bell) :, 0]), "the hall heard counter 1's sentence"
    assert second["zones"] == ["tenant-hall", "waiting-area", "market-shops"]
