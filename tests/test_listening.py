"""Listening back, the pure parts: the config's sensors and lines, the noise gain's
follower, the lines' watches, the controller's events and status, and the routing's gains."""

from __future__ import annotations

from typing import Any

import pytest

from pager import config
from pager.audio.sensing import GainFollower, LineWatch
from pager.config.listening import NoiseSensor
from pager.core import inputs
from pager.core.listening import Listening
from pager.errors import ConfigError
from pager.units import db_to_gain
from pager.values.echoes import Echo, Heard
from pager.values.events import EventName
from pager.zones import Routing


def listening_config(**zone: Any) -> dict[str, Any]:
    food = {"channels": [3, 4], "gain_db": -4, **zone}
    return {"audio": {"inputs": 4}, "zones": {"hall": {"channels": [1, 2]}, "food": food}}


def problems(document: Any) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        config.parse(document, "test.yaml")
    return caught.value.problems


def test_no_inputs_unless_asked_and_a_sensor_takes_its_defaults() -> None:
    assert config.parse({"zones": {"hall": {"channels": [1]}}}).audio.inputs == 0
    cfg = config.parse(listening_config(noise_sensor={"channel": 1, "reference_db": -12},
                                        line_sense={"channel": 2}))  # fmt: skip
    sensor = cfg.zones["food"].noise_sensor
    assert sensor == NoiseSensor(channel=1, reference_db=-12.0)
    assert (sensor.target_snr_db, sensor.min_gain_db, sensor.max_gain_db, sensor.slew_db_per_s,
            sensor.hold_s) == (12.0, 0.0, 9.0, 1.0, 3.0)  # fmt: skip
    line = cfg.zones["food"].line_sense
    assert line is not None and (line.channel, line.mode, line.column) == (2, "pilot", 1)
    assert cfg.supervision.pilot_hz == 20000 and cfg.supervision.pilot_db == -30
    assert cfg.supervision.fault_after_s == 60


@pytest.mark.parametrize(
    ("zone", "extra", "expected"),
    [
        ({"noise_sensor": {"channel": 1}}, {},
         "zones.food.noise_sensor.reference_db: is missing"),
        ({"noise_sensor": {"channel": 1, "reference_db": -3, "max_gain": 6}}, {},
         'zones.food.noise_sensor.max_gain: unknown key (did you mean "max_gain_db"?)'),
        ({"noise_sensor": {"channel": 1, "reference_db": -3, "min_gain_db": 9,
                           "max_gain_db": 3}}, {},
         "zones.food.noise_sensor.min_gain_db: 9 is above max_gain_db (3)"),
        ({"noise_sensor": {"channel": 5, "reference_db": 0}}, {},
         "zones.food.noise_sensor.channel: input 5 is not open: audio.inputs is 4"),
        ({"line_sense": {"channel": 1, "mode": "programe"}}, {},
         "zones.food.line_sense.mode: 'programe' is not one of pilot, programme (did you mean "
         '"programme"?)'),
        ({"line_sense": {"channel": 1}, "noise_sensor": {"channel": 1, "reference_db": 0}}, {},
         "zones.food.line_sense.channel: input 1 already listens for zones.food.noise_sensor"),
        ({"line_sense": {"channel": 1}}, {"supervision": {"pilot_hz": 23500}},
         "supervision.pilot_hz: 23500 Hz is too close to half the sample rate (24000 Hz)"),
        ({"line_sense": 3}, {}, "zones.food.line_sense: must be a mapping of keys, not int"),
    ],
)  # fmt: skip
def test_each_listening_mistake_is_named_by_its_path(
    zone: dict[str, Any], extra: dict[str, Any], expected: str
) -> None:
    found = problems({**listening_config(**zone), **extra})
    assert any(expected in problem for problem in found), found


def test_the_noise_gain_keeps_speech_above_the_noise_within_its_limits() -> None:
    sensor = NoiseSensor(channel=1, reference_db=-10.0)  # snr 12, gains 0..9
    follower = GainFollower(sensor)
    # Speech leaves the card at -20 dBFS(A) at a zone level of -4: -34 at the sensor.
    assert follower.wanted(-50.0, -4.0, -20.0) == 0.0  # quiet: never below min_gain_db
    assert follower.wanted(-44.0, -4.0, -20.0) == pytest.approx(2.0)  # -44 + 12 - (-34)
    assert follower.wanted(-30.0, -4.0, -20.0) == 9.0  # loud: never above max_gain_db
    # A quieter level of the day (levels) asks more of the gain, within the same limits.
    assert follower.wanted(-44.0, -8.0, -20.0) == pytest.approx(6.0)


@pytest.mark.parametrize("step_db", [10.0, 20.0])
def test_the_gain_follows_a_noise_step_at_the_slew_and_stops_at_its_limit(step_db: float
                                                                         ) -> None:  # fmt: skip
    follower = GainFollower(NoiseSensor(channel=1, reference_db=-10.0, slew_db_per_s=1.0))
    quiet, gains = -50.0, []
    for _ in range(5):
        follower.follow(quiet, -4.0, -20.0, 1.0)
    assert follower.gain_db == 0.0
    for _ in range(30):
        gains.append(follower.follow(quiet + step_db, -4.0, -20.0, 1.0))
    steps = [b - a for a, b in zip([0.0, *gains], gains, strict=False)]
    assert max(steps) <= 1.0 + 1e-9  # never faster than the slew
    wanted = min(9.0, max(0.0, quiet + step_db + 12 - (-34)))
    assert gains[-1] == pytest.approx(wanted)  # +10: 8 dB; +20: the 9 dB limit
    for _ in range(30):
        follower.follow(quiet, -4.0, -20.0, 1.0)
    assert follower.gain_db == 0.0  # and back down when the noise falls


def test_the_gain_settles_instead_of_following_every_wobble_of_the_noise() -> None:
    follower = GainFollower(NoiseSensor(channel=1, reference_db=-10.0))
    for _ in range(10):
        follower.follow(-44.0, -4.0, -20.0, 1.0)  # wants +2
    assert follower.gain_db == pytest.approx(2.0)
    for wobble in (0.3, -0.4, 0.2, -0.3):
        assert follower.follow(-44.0 + wobble, -4.0, -20.0, 1.0) == pytest.approx(2.0)
    assert follower.follow(-43.0, -4.0, -20.0, 1.0) == pytest.approx(3.0)  # a real change


def test_a_pilot_line_is_a_fault_once_missing_too_long_and_ok_when_heard() -> None:
    watch = LineWatch("food", "pilot", 60.0, heard_at=0.0)
    assert watch.state == "unknown" and not watch.check(59.0)
    assert watch.heard(10.0, -33.0) and watch.state == "ok"
    assert not watch.check(69.0) and watch.check(70.5) and watch.state == "fault"
    assert not watch.check(80.0)  # said once
    assert watch.heard(90.0, -33.0) and watch.state == "ok"
    watch.restart(100.0)
    assert watch.state == "unknown" and not watch.check(150.0)


def test_a_programme_line_is_a_fault_after_two_announcements_not_heard_back() -> None:
    watch = LineWatch("food", "programme", 60.0, heard_at=0.0)
    assert not watch.check(1000.0)  # time alone says nothing without a pilot
    assert not watch.missed(-70.0)
    assert watch.heard(5.0, -30.0) and not watch.missed(-70.0)  # one miss: not yet
    assert watch.missed(-70.0) and watch.state == "fault"
    assert watch.heard(9.0, -30.0) and watch.state == "ok"


def listening(**zone: Any) -> Listening:
    state = Listening()
    state.configure(config.parse(listening_config(**zone)))
    return state


def test_line_faults_and_inputs_make_events_and_the_status() -> None:
    state = listening(line_sense={"channel": 2})
    assert state.shown() == {"inputs": "ok", "lines": {"food": "unknown"}, "ambient": {}}
    assert state.update(inputs.LineChanged("food", "ok", "pilot", -33.0), 100.0) == []
    due = state.update(inputs.LineChanged("food", "fault", "pilot", -120.0, 61.0), 160.0)
    assert due == [(EventName.LINE_FAULT, {"zone": "food", "mode": "pilot",
                                           "level_db": -120.0, "since": 99.0})]  # fmt: skip
    assert state.shown()["lines"] == {"food": "fault"}
    state.shift(3600.0)  # the wall clock jumped: the fault began an hour later too
    due = state.update(inputs.LineChanged("food", "ok", "pilot", -33.0), 3800.0)
    assert due == [(EventName.LINE_RESTORED, {"zone": "food", "mode": "pilot",
                                              "level_db": -33.0, "fault_s": 101.0})]  # fmt: skip
    failed = state.update(inputs.InputsChanged(False, "every input is digital silence"), 3900.0)
    assert failed == [(EventName.INPUT_FAILED, {"reason": "every input is digital silence"})]
    assert state.shown()["inputs"] == "failed"
    assert state.shown()["lines"] == {"food": "unknown"}  # not a fault of every line
    assert state.update(inputs.InputsChanged(False, "again"), 3901.0) == []
    back = state.update(inputs.InputsChanged(True, "input device 4"), 3902.0)
    assert back == [(EventName.INPUT_RESTORED, {"device": "input device 4"})]


def test_no_inputs_shows_off_and_no_lines() -> None:
    state = Listening()
    state.configure(config.parse({"zones": {"hall": {"channels": [1]}}}))
    assert state.shown() == {"inputs": "off", "lines": {}, "ambient": {}}


def test_a_zone_test_heard_back_is_published_with_what_each_input_heard() -> None:
    state = listening(noise_sensor={"channel": 1, "reference_db": -10})
    echo = Echo(True, 0.98, 81.7, -10.1, -36.0)
    heard = inputs.HeardBack("food", (Heard(1, "noise_sensor", echo),))
    assert state.update(heard, 100.0) == []  # an announcement, not a test
    state.note({"event": "test-finished", "id": "walk-1", "zone": "food"}, 100.0)
    due = state.update(heard, 101.0)
    assert due == [(EventName.TEST_HEARD, {"id": "walk-1", "zone": "food", "inputs": [
        {"input": 1, "purpose": "noise_sensor", "heard": True, "correlation": 0.98,
         "delay_ms": 81.7, "gain_db": -10.1, "level_db": -36.0}]})]  # fmt: skip
    assert state.update(heard, 102.0) == []  # once


def test_calls_in_a_sensed_zone_get_its_noise_gain_and_zone_tests_do_not() -> None:
    state = listening(noise_sensor={"channel": 1, "reference_db": -10})
    cfg = config.parse(listening_config(noise_sensor={"channel": 1, "reference_db": -10}))
    state.update(inputs.AmbientChanged("food", -40.0, 4.5), 10.0)
    state.update(inputs.AmbientChanged("hall", -40.0, 6.0), 10.0)  # no sensor: ignored
    assert state.shown()["ambient"] == {"food": {"level_db": -40, "gain_db": 4.5}}
    routing = Routing.of(cfg)
    routing.boosts = state.boosts()
    call = dict(routing.route_zones(("hall", "food")).channel_gains)
    assert call[0] == pytest.approx(1.0)  # the hall has no sensor
    assert call[2] == pytest.approx(db_to_gain(-4 + 4.5))
    test = dict(routing.route_zones(("food",), boosted=False).channel_gains)
    assert test[2] == pytest.approx(db_to_gain(-4))
    fixed = dict(routing.route_zones(("food",), gain=0.5).channel_gains)
    assert fixed[2] == 0.5  # an emergency's fixed level is fixed
