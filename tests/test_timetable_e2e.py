"""A scheduled message end to end: `pager run` plays it on the virtual card at its time
(within a second), in its zones, and only the entries of today."""

from __future__ import annotations

import datetime as dt
import math
import time
import zoneinfo

import numpy as np
import pytest

from pager import config
from pager.audio import chime
from pager.config.timetable import ScheduleEntry
from tests.broker import Watcher
from tests.conftest import DaemonOnCard
from tests.virtual_card import VirtualCard

pytestmark = pytest.mark.e2e

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def test_a_scheduled_message_is_heard_on_time_in_its_zones_and_only_on_its_days(
    on_card: DaemonOnCard, watcher: Watcher, card: VirtualCard
) -> None:
    zone = zoneinfo.ZoneInfo("Asia/Makassar")  # WITA: not the PC's (UTC) nor the default
    due = math.ceil(time.time()) + 25  # far enough for the daemon to be up (CI: >11 s seen)
    local = dt.datetime.fromtimestamp(due, zone)
    today, tomorrow = DAYS[local.weekday()], DAYS[(local.weekday() + 1) % 7]
    at = local.strftime("%H:%M:%S")
    cfg = on_card.configure(
        "timetable", ("messages",), audio={"latency": "low"}, timezone="Asia/Makassar",
        messages={
            "closing": {"text": "Layanan hari ini telah berakhir.", "zones": ["food-court"]},
            "other-day": {"text": "Bukan hari ini.", "zones": ["tenant-hall"]},
            "holiday": {"text": "Hari libur.", "zones": ["waiting-area"]},
        },
        schedule=[
            {"at": at, "days": [today], "message": "closing"},
            {"at": at, "days": [tomorrow], "message": "other-day"},
            {"at": at, "days": "daily", "message": "holiday", "except": [local.date().isoformat()]},
        ],
    )  # fmt: skip
    loaded = config.load(cfg)
    rate = loaded.audio.sample_rate
    daemon = on_card.start(cfg)
    mark = card.frames
    try:
        assert time.time() < due - 1, "the daemon took too long to start for this test"
        # Its id: the message and the time (seconds only when not :00), and the due time.
        ident = f"schedule-{ScheduleEntry(local.time(), 'closing').key}-{due}"
        finished = watcher.event("finished", ident, timeout=60)
        first = card.wait_for_sound(mark)
        # The card's clock (monotonic) at the first sound, as wall-clock time now.
        heard_at = card.dac_time(first) + time.time() - time.monotonic()
    finally:
        assert daemon.stop() == 0, daemon.log
    assert finished["source"] == "schedule" and finished["message"] == "closing"
    assert finished["zones"] == ["food-court"]
    bell = chime.prepared(loaded.announcement, rate)
    chime_at = heard_at - int(np.flatnonzero(bell)[0]) / rate
    assert abs(chime_at - due) < 1.0, f"heard {chime_at - due:+.3f} s from its time"

    assert card.closed.wait(10)
    played = card.samples()
    assert np.any(played[:, 6]) and np.any(played[:, 7])  # the food court
    assert not np.any(played[:, :6]), "an entry of another day, or of a holiday, played"
    others = [b for _, b in watcher.seen if isinstance(b, dict)
              and b.get("message") in ("other-day", "holiday")]  # fmt: skip
    assert others == []
