"""Reload on the real path: refused whole or applied everywhere, and systemd always hears back."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile
import yaml

from tests.broker import Mosquitto, Watcher
from tests.conftest import DaemonOnCard, DaemonProcess, write_config
from tests.test_scheduling_e2e import RATE, food_court_music
from tests.test_service import Notifications
from tests.virtual_card import VirtualCard

pytestmark = pytest.mark.e2e


class Reloader:
    """Rewrites the config file and sends SIGHUP; waits for the daemon's answer."""

    def __init__(self, cfg: Path, daemon: DaemonProcess, watcher: Watcher) -> None:
        self.cfg, self.daemon, self.watcher = cfg, daemon, watcher
        self.document: dict[str, Any] = yaml.safe_load(cfg.read_text())
        self.answers = 0

    def reload(self, **changes: Any) -> dict[str, Any]:
        for path, value in changes.items():
            section, _, key = path.rpartition("__")
            target = self.document
            for part in section.split("__") if section else []:
                target = target[part]
            target[key] = value
        self.cfg.write_text(yaml.safe_dump(self.document))
        self.daemon.process.send_signal(signal.SIGHUP)
        self.answers += 1
        answers: list[dict[str, Any]] = []

        def answered(topic: str, body: Any) -> bool:
            if isinstance(body, dict) and body.get("event", "").startswith("config-"):
                answers.append(body)
            return len(answers) == self.answers

        answer: dict[str, Any] = self.watcher.wait_for(answered)
        return answer


def test_a_reload_is_refused_whole_or_applied_everywhere_and_always_answered(
    tmp_path: Path, broker: Mosquitto, watcher: Watcher
) -> None:
    notify = Notifications(tmp_path / "notify.sock")
    cfg = write_config(tmp_path / "zones.yaml", node="rl2", mqtt={"port": broker.port})
    (tmp_path / "not-audio.wav").write_text("this is a text file, not a sound\n")
    recordings = tmp_path / "rec"
    env = {**os.environ, "NOTIFY_SOCKET": str(tmp_path / "notify.sock")}
    daemon = DaemonProcess(
        ["run", "-c", str(cfg), "--record", str(recordings)], env, tmp_path / "daemon.log"
    )
    try:
        watcher.status("rl2", "online")
        reloader = Reloader(cfg, daemon, watcher)
        counter_5 = reloader.document["counters"]["5"]
        routed_elsewhere = {**counter_5, "zones": ["trade-centre"]}

        # A voice that is not installed: refused, with the reason; nothing of it applies.
        refused = reloader.reload(announcement__voice="no-such-voice", counters__5=routed_elsewhere)
        assert refused["event"] == "config-rejected", refused
        assert 'voice "no-such-voice" is not installed' in refused["reason"]
        assert reloader.reload(announcement__voice="id", counters__5=counter_5)["event"] == (
            "config-reloaded"
        )

        # A chime file that exists but is not audio: refused too, before anything changed.
        refused = reloader.reload(announcement__chime="not-audio.wav",
                                  counters__5=routed_elsewhere)  # fmt: skip
        assert refused["event"] == "config-rejected", refused
        assert "announcement.chime: cannot read the file" in refused["reason"]

        # A mistake, and a change that takes a restart: refused, each named by its path.
        refused = reloader.reload(
            announcement__chime="bell", counters__5={**counter_5, "zonez": []}
        )
        assert refused["problems"] == ['counters.5.zonez: unknown key (did you mean "zones"?)']
        refused = reloader.reload(counters__5=routed_elsewhere, audio__channels=16)
        assert refused["problems"] == [
            "audio.channels: changed from 8 to 16; this takes a restart (systemctl restart pager)"
        ]

        # The old config still serves calls: counter 5 is still heard in its own zones.
        watcher.publish("pager/call/5", json.dumps({"ticket": "A1", "id": "old"}))
        assert watcher.event("queued", "old")["zones"] == ["tenant-hall", "food-court"]
        watcher.event("finished", "old", timeout=30)

        # The food court moved to output 8 only: taken, and the recorder follows.
        zones = reloader.document["zones"]
        zones["food-court"]["channels"] = [8]
        taken = reloader.reload(zones=zones, counters__5=counter_5, audio__channels=8)
        assert taken["event"] == "config-reloaded", taken
        watcher.publish("pager/call/5", json.dumps({"ticket": "A2", "id": "new"}))
        watcher.event("finished", "new", timeout=30)
    finally:
        assert daemon.stop() == 0, daemon.log
    datagrams = notify.until("STOPPING=1")
    notify.close()

    # systemd heard READY=1 after every RELOADING=1 (else it would wait for a timeout).
    marks = [d.split("\n")[0] for d in datagrams if d.startswith(("RELOADING=1", "READY=1"))]
    assert marks == ["READY=1"] + ["RELOADING=1", "READY=1"] * 6, datagrams
    assert daemon.log.count("reload refused") == 4
    food = sorted(recordings.glob("*-food-court.wav"))
    assert len(food) == 2, sorted(p.name for p in recordings.iterdir())
    speech, rate = soundfile.read(food[-1])
    assert len(speech) / rate > 3.0 and np.any(speech)


def test_a_moved_zone_takes_its_music_and_its_calls_to_the_new_outputs(
    on_card: DaemonOnCard, tmp_path: Path, watcher: Watcher, card: VirtualCard
) -> None:
    zones = food_court_music(tmp_path)
    cfg = on_card.configure("mv", zones=zones)
    daemon = on_card.start(cfg)
    try:
        card.wait_for_frames(RATE // 2)
        reloader = Reloader(cfg, daemon, watcher)
        zones["food-court"]["channels"] = [8]
        assert reloader.reload(zones=zones)["event"] == "config-reloaded"
        moved_at = card.frames
        watcher.publish("pager/call/5", json.dumps({"ticket": "A5", "id": "mv1"}))
        watcher.event("finished", "mv1", timeout=30)
        card.wait_for_frames(card.frames + RATE // 2)
    finally:
        assert daemon.stop() == 0, daemon.log
    assert card.closed.wait(10)
    played = card.samples()
    before, after = played[: RATE // 2], played[moved_at + RATE // 5 :]
    assert np.any(before[:, 6]) and np.any(before[:, 7])  # music on outputs 7 and 8
    assert not np.any(after[:, 6]), "output 7 still carried the food court after the reload"
    hall = np.flatnonzero(after[:, 0])
    call = slice(hall[0], hall[-1])
    # On output 8: the call at the food court's -4 dB, with the music ducked under it.
    assert np.corrcoef(after[call, 7], after[call, 0])[0, 1] > 0.98
