"""Zones by time of day: levels that follow a schedule, and quiet hours for the music."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pager import config
from pager.audio.music import MusicFeeder
from pager.audio.player import Player
from pager.config.zoning import Zone
from pager.core.effects import StartPlay
from pager.core.plays import SleepingAmplifiers
from pager.daytime import Window
from pager.errors import ConfigError
from tests.conftest import write_config
from tests.desk import EXAMPLE, Desk, call


def at(clock: str) -> float:
    """Unix seconds of today's `clock` ("08:15"), local time."""
    hour, minute = (int(p) for p in clock.split(":"))
    return dt.datetime.combine(dt.date(2026, 11, 30), dt.time(hour, minute)).timestamp()


def test_windows_are_read_as_written_and_may_pass_midnight() -> None:
    morning = Window.parse("07:30-09:00")
    assert (morning.start, morning.end) == (450, 540)
    assert morning.holds(450) and morning.holds(539) and not morning.holds(540)
    night = Window.parse("20:00-07:00")
    assert night.holds(23 * 60) and night.holds(0) and night.holds(6 * 60 + 59)
    assert not night.holds(12 * 60)
    assert night.overlaps(Window.parse("06:00-08:00"))
    assert not night.overlaps(morning)
    for bad, reason in (("7:30", "is not a time window"), ("25:00-26:00", "hours are 0-24"),
                        ("09:00-09:00", "is empty")):  # fmt: skip
        with pytest.raises(ValueError, match=reason):
            Window.parse(bad)


def test_levels_and_quiet_hours_in_the_config(tmp_path: Path) -> None:
    zones = json.loads(json.dumps(dict(config.load(write_config(tmp_path / "a.yaml")).zones),
                                  default=lambda z: {"channels": list(z.channels)}))  # fmt: skip
    zones["food-court"].update(gain_db=-4, levels={"07:30-09:00": -10, "11:30-13:30": -1},
                               music_quiet=["12:00-13:00"])  # fmt: skip
    loaded = config.load(write_config(tmp_path / "b.yaml", replace=("zones",), zones=zones))
    food = loaded.zones["food-court"]
    assert food.gain_db_at(at("08:00")) == -10
    assert food.gain_db_at(at("12:15")) == -1
    assert food.gain_db_at(at("10:00")) == -4
    zones["food-court"]["levels"] = {"07:30-09:00": -10, "08:30-10:00": -6}
    with pytest.raises(ConfigError) as error:
        config.load(write_config(tmp_path / "c.yaml", replace=("zones",), zones=zones))
    assert 'zones.food-court.levels["08:30-10:00"]: 08:30-10:00 overlaps 07:30-09:00' in str(
        error.value
    )
    zones["food-court"].update(levels={}, music_quiet=["noon"])
    with pytest.raises(ConfigError, match=r"zones\.food-court\.music_quiet: \"noon\" is not"):
        config.load(write_config(tmp_path / "d.yaml", replace=("zones",), zones=zones))


def scheduled(zone: str, **fields: Any) -> Desk:
    zones = dict(EXAMPLE.zones)
    zones[zone] = dataclasses.replace(zones[zone], **fields)
    return Desk(dataclasses.replace(EXAMPLE, zones=zones))


def test_a_call_takes_its_zones_level_of_the_moment_it_starts() -> None:
    levels = ((Window.parse("07:30-09:00"), -10.0),)
    for clock, gain_db in (("08:00", -10.0), ("10:00", -4.0)):
        desk = scheduled("food-court", levels=levels)
        desk.now = at(clock)
        [start] = [e for e in desk.take(call("5", "A1", "a1")) if isinstance(e, StartPlay)]
        gains = dict(start.channel_gains)
        assert gains[6] == pytest.approx(10 ** (gain_db / 20)), clock
        assert gains[0] == 1.0, "the tenant hall keeps its own level"


class Clock:
    def __init__(self, clock: str) -> None:
        self.now = at(clock)

    def __call__(self) -> float:
        return self.now


def test_music_follows_the_level_schedule_and_fades_out_in_its_quiet_hours() -> None:
    zone = Zone("food-court", (7, 8), gain_db=-4.0, music=("a.mp3",),
                levels=((Window.parse("11:30-13:30"), 2.0),),
                music_quiet=(Window.parse("12:00-13:00"),))  # fmt: skip
    clock = Clock("10:00")
    music = MusicFeeder(zone, Player([(6, zone.gain)]), 48000, 0.5, clock=clock)
    chunk = np.ones(1000, dtype=np.float32)
    assert np.allclose(music._leveled(chunk), 0.5)  # the bed applies gain_db itself
    clock.now = at("11:45")
    ramp = music._leveled(chunk)
    louder = 0.5 * 10 ** (6 / 20)  # -4 dB to +2 dB
    assert ramp[0] == pytest.approx(0.5) and ramp[-1] == pytest.approx(louder, rel=1e-4)
    assert np.all(np.diff(ramp) > 0), "a fade, not a jump"
    assert np.allclose(music._leveled(chunk), louder)
    clock.now = at("12:30")
    fade = music._leveled(chunk)
    assert fade[-1] == 0 and np.all(np.diff(fade) < 0)
    assert not np.any(music._leveled(chunk)), "silent in its quiet hours"
    assert not zone.music_plays_at(at("12:30")) and zone.music_plays_at(at("13:00"))


def test_a_music_zone_in_its_quiet_hours_needs_the_lead_in() -> None:
    zone = Zone("food-court", (7, 8), music=("a.mp3",), music_quiet=(Window.parse("20:00-07:00"),))
    wakes = SleepingAmplifiers()
    wakes.configure(dataclasses.replace(EXAMPLE.audio, lead_in_ms=800), {"food-court": zone})
    assert not wakes.lead_in(["food-court"], at("12:00")), "its music keeps the amplifier awake"
    assert wakes.lead_in(["food-court"], at("06:00") + 86400), "no music at night"
