"""Listening back, the signal parts: the pilot, its detector, the levels and A-weighted
levels of the inputs, the output tap, the input ring, and what came back of an
announcement."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from pager import config
from pager.audio import echo
from pager.audio.capture import CaptureStream
from pager.audio.meters import AWeightedMeter, ChannelLevels, PilotDetector
from pager.audio.pilot import DUCK_DB, Pilot, period_frames
from pager.audio.tap import OutputTap, TapBlock
from pager.audio.weighting import a_weighted_db
from pager.core import inputs
from pager.daemon.echoes import Echoes, Listened
from pager.daemon.hearing import SILENT_FOR_S, Hearing
from pager.mixer import Mixer
from pager.units import db_to_gain

RATE = 48000
BLOCK = 512


def noise(seconds: float, level_db: float, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(round(seconds * RATE)) * db_to_gain(level_db)).astype(np.float32)


def test_the_pilot_is_a_continuous_sine_at_its_level_on_its_channels_only() -> None:
    assert period_frames(20000, RATE) == 12 and period_frames(19000, RATE) == 48
    pilot = Pilot(20000, -30.0, RATE, channels=4, columns=[2, 3], max_frames=BLOCK)
    idle = np.zeros(4, dtype=bool)
    blocks = []
    for index in range(20):
        out = np.zeros((BLOCK, 4), dtype=np.float32)
        pilot.add_into(out, index * BLOCK, idle)
        blocks.append(out)
    played = np.concatenate(blocks)
    expected = db_to_gain(-30) * np.sin(2 * np.pi * 20000 * np.arange(len(played)) / RATE)
    np.testing.assert_allclose(played[:, 2], expected, atol=1e-6)  # no seam between blocks
    np.testing.assert_array_equal(played[:, 2], played[:, 3])
    assert not played[:, :2].any()


def test_the_pilot_steps_down_under_an_announcement_without_a_click() -> None:
    pilot = Pilot(20000, -30.0, RATE, channels=2, columns=[0, 1], max_frames=BLOCK)
    busy = np.array([True, False])
    out = [np.zeros((BLOCK, 2), dtype=np.float32) for _ in range(3)]
    for index, block in enumerate(out):
        pilot.add_into(block, index * BLOCK, busy)
    envelope = [float(np.abs(block[:, 0]).max()) for block in out]
    assert envelope[2] == pytest.approx(db_to_gain(-30 + DUCK_DB), rel=1e-3)  # ducked after
    ramp = np.abs(out[0][:, 0]) / db_to_gain(-30)  # the first block ramps from full
    assert ramp[:24].max() > 0.9 and ramp[-12:].max() < db_to_gain(DUCK_DB) * 1.1
    assert float(np.abs(out[2][:, 1]).max()) == pytest.approx(db_to_gain(-30), rel=1e-3)


def test_the_mixer_plays_the_pilot_while_idle_and_taps_what_it_plays() -> None:
    mixer = Mixer(4, max_frames=BLOCK)
    assert mixer.skip_silence(BLOCK)  # nothing at all: the cheapest block
    pilot = Pilot(20000, -30.0, RATE, channels=4, columns=[1], max_frames=BLOCK)
    mixer.set_pilot(pilot)
    out = np.zeros((BLOCK, 4), dtype=np.float32)
    assert not mixer.skip_silence(BLOCK)
    assert not mixer.render(out)  # no announcement, but the pilot sounds
    assert np.abs(out[:, 1]).max() > 0.03 and not out[:, [0, 2, 3]].any()
    with pytest.raises(ValueError, match="output 5 of 4"):
        mixer.set_pilot(Pilot(20000, -30.0, RATE, channels=8, columns=[4], max_frames=BLOCK))


def test_the_pilot_detector_hears_a_quiet_pilot_over_noise_and_not_noise_alone() -> None:
    detector = PilotDetector([0, 1], 20000, RATE)
    t = np.arange(RATE) / RATE
    line = noise(1.0, -60) + db_to_gain(-50) * np.sin(2 * np.pi * 20000 * t).astype(np.float32)
    block = np.stack([line, noise(1.0, -60, seed=2)], axis=1)
    readings = []
    for start in range(0, RATE, BLOCK):
        found = detector.add(block[start : start + BLOCK])
        readings += found or []
    assert len(readings) == 2 * 10  # a reading per input every 0.1 s
    piloted, bare = readings[-2], readings[-1]
    assert piloted.present and piloted.level_db == pytest.approx(-50, abs=1.0)
    assert not bare.present and bare.margin_db < 10


def test_levels_peaks_and_silence_of_every_input() -> None:
    levels = ChannelLevels(3)
    sine = 0.5 * np.sin(2 * np.pi * 1000 * np.arange(RATE) / RATE)
    levels.add(np.stack([sine, noise(1.0, -40), np.zeros(RATE)], axis=1).astype(np.float32))
    assert not levels.silent
    (sine_rms, sine_peak), (noise_rms, _), (silent, _) = levels.take()
    assert sine_rms == pytest.approx(-9.03, abs=0.05) and sine_peak == pytest.approx(
        -6.02, abs=0.05
    )
    assert noise_rms == pytest.approx(-40, abs=0.1) and silent == -120.0
    levels.add(np.zeros((BLOCK, 3), dtype=np.float32))
    assert levels.silent


def test_the_a_weighted_meter_reads_as_the_reference_and_leaves_out_gated_blocks() -> None:
    signal = noise(2.0, -30)
    meter = AWeightedMeter([0], RATE)
    for start in range(0, len(signal), BLOCK):
        meter.add(signal[start : start + BLOCK, None], np.array([True]))
    [level] = meter.take(at_least=RATE)
    assert level == pytest.approx(a_weighted_db(signal, RATE), abs=0.05)
    loud = noise(1.0, -10)  # pager's own announcement at the sensor: gated
    for start in range(0, len(loud), BLOCK):
        meter.add(loud[start : start + BLOCK, None], np.array([False]))
    for start in range(0, len(signal), BLOCK):
        meter.add(signal[start : start + BLOCK, None], np.array([True]))
    [level] = meter.take(at_least=RATE)
    assert level == pytest.approx(a_weighted_db(signal, RATE), abs=0.3)
    assert meter.take(at_least=1) == [None]  # nothing counted since


def test_the_line_pilot_heard_by_a_sensor_is_not_noise() -> None:
    ambient = noise(2.0, -45)
    # A loud pilot (a sensor near a tweeter): the A-weighting (25 dB down at 20 kHz after the
    # bilinear transform, 9 dB in the standard) leaves it above the room's noise.
    pilot = db_to_gain(-15) * np.sin(2 * np.pi * 20000 * np.arange(len(ambient)) / RATE)
    heard = (ambient + pilot).astype(np.float32)
    levels: list[float] = []
    for notch in (None, 20000.0):
        meter = AWeightedMeter([0], RATE, notch)
        for start in range(0, len(heard), BLOCK):
            meter.add(heard[start : start + BLOCK, None], np.array([True]))
        [level] = meter.take(at_least=RATE)
        assert level is not None
        levels.append(level)
    reference = a_weighted_db(ambient, RATE)
    assert levels[0] > reference + 1.5  # the pilot read as noise...
    assert levels[1] == pytest.approx(reference, abs=0.15)  # ...unless it is notched out


def test_what_comes_back_is_found_with_its_delay_and_level() -> None:
    sent = noise(2.0, -20)
    back = noise(3.5, -60, seed=3)
    at = round(0.35 * RATE)  # 0.2 s of back before the sending, 0.15 s of delay
    back[at : at + len(sent)] += sent * db_to_gain(-12)
    found = echo.compare(sent, 10.0, back, 9.8, RATE)
    assert found is not None and found.heard
    assert found.delay_ms == pytest.approx(150, abs=0.5)
    assert found.gain_db == pytest.approx(-12, abs=0.2)
    unrelated = echo.compare(sent, 10.0, noise(3.5, -30, seed=4), 9.8, RATE)
    assert unrelated is not None and not unrelated.heard and unrelated.correlation < 0.1
    assert echo.compare(sent[: RATE // 10], 10.0, back, 9.8, RATE) is None  # too short
    assert echo.compare(sent, 10.0, back[:RATE], 9.8, RATE) is None  # not all delays seen


def test_the_output_tap_hands_over_copies_and_knows_what_it_lost() -> None:
    tap = OutputTap([2], BLOCK, blocks=4)
    for index in range(6):
        out = np.full((BLOCK, 3), index, dtype=np.float32)
        tap.write(out, np.array([False, False, index % 2 == 0]))
    blocks = list(tap.since(0))
    assert [b.seq for b in blocks] == [3, 4, 5]  # the ring's oldest are gone (and slot 2 is
    assert [float(b.samples[0, 0]) for b in blocks] == [3.0, 4.0, 5.0]  # being rewritten)
    assert [bool(b.busy[0]) for b in blocks] == [False, True, False]


def announcement_and_its_return(gain_db: float, delay_s: float, cut: bool = False
                                ) -> list[tuple[str, tuple[object, ...]]]:  # fmt: skip
    """An announcement sent on a zone's output (as the tap has it) and what the zone's
    input brings back, block by block, as the listener hands them over."""
    echoes = Echoes([Listened("food", 6, ((1, "line_sense"),))], RATE)
    sent = np.zeros(RATE * 4, dtype=np.float32)
    sent[RATE // 2 : RATE // 2 + 2 * RATE] = noise(2.0, -20)
    delay = round(delay_s * RATE)
    found = []
    for index in range(len(sent) // BLOCK):
        stamp = 100.0 + index * BLOCK / RATE
        part = sent[index * BLOCK : (index + 1) * BLOCK]
        if part.any():  # an idle output sends no blocks at all
            echoes.sent(TapBlock(index, stamp, part[:, None].copy(), np.array([True])))
        block = np.zeros((BLOCK, 4), dtype=np.float32)
        start = index * BLOCK - delay
        if start >= 0 and not cut:
            block[:, 1] = sent[start : start + BLOCK] * db_to_gain(gain_db)
        found += echoes.came_back(block, stamp + BLOCK / RATE)
    return found  # type: ignore[return-value]


def test_an_announcement_is_compared_once_it_has_come_back() -> None:
    [(zone, heard)] = announcement_and_its_return(-6.0, 0.3)
    assert zone == "food"
    [line] = heard
    assert line.input == 2 and line.purpose == "line_sense"  # type: ignore[attr-defined]
    assert line.echo.heard and line.echo.delay_ms == pytest.approx(300, abs=1)  # type: ignore[attr-defined]
    assert line.echo.gain_db == pytest.approx(-6, abs=0.1)  # type: ignore[attr-defined]
    [(_, [cut])] = announcement_and_its_return(-6.0, 0.3, cut=True)
    assert not cut.echo.heard  # type: ignore[attr-defined]


def hearing(**food: object) -> Hearing:
    document = {"audio": {"inputs": 2, "channels": 4},
                "zones": {"food": {"channels": [3, 4], **food}}}  # fmt: skip
    return Hearing(config.parse(document), speech_db=lambda: -20.0, level_at=lambda zone: -4.0)


def test_digital_silence_on_every_input_is_an_input_fault_not_a_line_fault() -> None:
    heard = hearing(line_sense={"channel": 2})
    silent, idle = np.zeros((BLOCK, 2), dtype=np.float32), np.zeros(4, dtype=bool)
    reports: list[object] = []
    now = 0.0
    while now < SILENT_FOR_S + 70:  # past fault_after_s as well
        reports += heard.hear(silent, idle, now)
        now += BLOCK / RATE
    assert reports == [inputs.InputsChanged(False, "every input is digital silence for 5 s")]
    sound = noise(BLOCK / RATE, -70)[:, None].repeat(2, axis=1)
    back: list[object] = []
    for _ in range(200):
        back += heard.hear(sound, idle, now)
        now += BLOCK / RATE
    assert back == [inputs.InputsChanged(True, "the inputs carry sound again")]


def test_the_noise_is_measured_only_away_from_announcements_and_their_hold() -> None:
    heard = hearing(noise_sensor={"channel": 1, "reference_db": -10})
    quiet = np.zeros(4, dtype=bool)
    busy = np.array([False, False, True, False])
    reports: list[object] = []
    now = 0.0
    loud = noise(BLOCK / RATE, -20)[:, None].repeat(2, axis=1)  # pager's own call, at the mic
    for index in range(int(6 * RATE / BLOCK)):  # 6 s: an announcement, then its 3 s hold
        reports += heard.hear(loud, busy if index * BLOCK < 3 * RATE else quiet, now)
        now += BLOCK / RATE
    assert not [r for r in reports if isinstance(r, inputs.AmbientChanged)]
    ambient = noise(BLOCK / RATE, -30)[:, None].repeat(2, axis=1)  # speech must rise 9 dB
    for _ in range(int(3 * RATE / BLOCK)):
        reports += heard.hear(ambient, quiet, now)
        now += BLOCK / RATE
    sensed = [r for r in reports if isinstance(r, inputs.AmbientChanged)]
    assert sensed and sensed[0].zone == "food"
    reference = a_weighted_db(np.tile(ambient[:, 0], 100), RATE)
    assert sensed[0].level_db == pytest.approx(reference, abs=0.5)
    assert 0 < sensed[-1].gain_db <= 3.0  # rising at 1 dB/s at most


class _Buffer:
    def __init__(self, samples: np.ndarray) -> None:
        self._bytes = samples.astype(np.float32).tobytes()

    def __buffer__(self, flags: int) -> memoryview:
        return memoryview(self._bytes)


def test_the_input_callback_only_copies_and_drops_what_the_worker_has_no_room_for() -> None:
    audio = config.parse({"audio": {"inputs": 2, "blocksize": 32},
                          "zones": {"z": {"channels": [1]}}}).audio  # fmt: skip
    audio = dataclasses.replace(audio, blocksize=4)
    stream = CaptureStream(audio, ring_blocks=2)
    for value in (1.0, 2.0, 3.0):
        stream._callback(np.full((4, 2), value, dtype=np.float32).tobytes(), 4, None, 0)
    assert stream.dropped == 1  # the worker took nothing: the third had no room
    first = stream.next_block(timeout=0)
    assert first is not None and float(first.samples[0, 0]) == 1.0 and first.samples.shape == (4, 2)
    second = stream.next_block(timeout=0)  # the first's slot is free again now
    assert second is not None and float(second.samples[0, 1]) == 2.0
    stream._callback(np.full((4, 2), 4.0, dtype=np.float32).tobytes(), 4, None, 0)
    assert stream.dropped == 1
    assert float(stream.next_block(timeout=0).samples[0, 0]) == 4.0  # type: ignore[union-attr]
    assert stream.next_block(timeout=0) is None


def test_the_worker_takes_blocks_a_chunk_at_a_time_as_they_come() -> None:
    audio = config.parse({"audio": {"inputs": 2}, "zones": {"z": {"channels": [1]}}}).audio
    stream = CaptureStream(dataclasses.replace(audio, blocksize=4), ring_blocks=8)
    for value in (1.0, 2.0, 3.0):
        stream._callback(np.full((4, 2), value, dtype=np.float32).tobytes(), 4, None, 0)
    chunk = stream.next_chunk(timeout=0, blocks=4)  # three there: it does not wait for a 4th
    assert chunk is not None and chunk.samples[:, 0].tolist() == [1.0] * 4 + [2.0] * 4 + [3.0] * 4
    assert stream.next_chunk(timeout=0, blocks=4) is None


def test_a_reload_keeps_the_gains_and_the_lines_it_still_has() -> None:
    before = hearing(noise_sensor={"channel": 1, "reference_db": -10},
                     line_sense={"channel": 2})  # fmt: skip
    before.sensed[0].follower.gain_db = 7.5
    before.lines[0].heard(5.0, -33.0)
    document = {"audio": {"inputs": 2, "channels": 4},
                "zones": {"food": {"channels": [3, 4], "line_sense": {"channel": 2},
                                   "noise_sensor": {"channel": 1, "reference_db": -10,
                                                    "max_gain_db": 6}}}}  # fmt: skip
    after = Hearing(config.parse(document), speech_db=lambda: -20.0,
                    level_at=lambda zone: -4.0, before=before, now=10.0)  # fmt: skip
    assert after.sensed[0].follower.gain_db == 6.0  # within its new limit
    assert after.lines[0].state == "ok" and after.lines[0].heard_at == 5.0
    document["zones"]["food"]["line_sense"] = {"channel": 2, "mode": "programme"}  # type: ignore[index]
    changed = Hearing(config.parse(document), speech_db=lambda: -20.0,
                      level_at=lambda zone: -4.0, before=after, now=20.0)  # fmt: skip
    assert changed.lines[0].state == "unknown"  # another mode: known afresh


def test_a_part_lost_on_the_way_does_not_pull_the_level_down() -> None:
    sent = noise(2.0, -20)
    back = noise(3.5, -70, seed=3)
    at = round(0.35 * RATE)
    back[at : at + len(sent)] += sent * db_to_gain(-10)
    back[at + RATE // 2 : at + RATE] = 0.0  # half a second of it never came back
    found = echo.compare(sent, 10.0, back, 9.8, RATE)
    assert found is not None and found.heard
    assert found.gain_db == pytest.approx(-10, abs=0.2)


def test_a_block_lost_on_the_way_back_does_not_pull_the_level_down() -> None:
    """A block the input lost (or the output repeated) moves all that follows by a block:
    each part is weighed at its own alignment, near the whole's."""
    sent = noise(2.0, -20)
    back = noise(3.5, -70, seed=3)
    at, lost = round(0.35 * RATE), 1024
    back[at : at + len(sent)] += sent * db_to_gain(-10)
    half = at + round(0.9 * RATE)  # about half of it on either side
    back = np.concatenate((back[:half], back[half + lost :]))
    found = echo.compare(sent, 10.0, back, 9.8, RATE)
    assert found is not None and found.heard
    assert found.gain_db == pytest.approx(-10, abs=0.2)
