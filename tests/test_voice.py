"""The announcement as a PA engineer measures it: pause, loudness, peaks, pace (real espeak-ng)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from pager import config
from pager.audio import chime, levels
from pager.config.announcement import AnnouncementConfig
from pager.core.announcer import Announcer
from pager.core.payloads import parse_call
from pager.language.words import WPM_PER_SYLLABLE_PER_S, syllables
from pager.tts import Synthesizer
from pager.values.spoken import Spoken
from pager.zones import Routing
from tests.conftest import EXAMPLE_CONFIG

RATE = 48000
EXAMPLE = config.load(EXAMPLE_CONFIG)
TICKETS = [("5", "A023"), ("3", "B112"), ("7", "C45"), ("1", "D7"), ("2", "Q19")]


def sentences(announcement: AnnouncementConfig) -> list[Spoken]:
    announcer = Announcer(Routing.of(EXAMPLE), announcement)
    return [
        announcer.call(parse_call(counter, f'{{"ticket": "{ticket}"}}'.encode(), 0)).speech
        for counter, ticket in TICKETS
    ]


@pytest.fixture(scope="module")
def synthesizers() -> Iterator[dict[float, Synthesizer]]:
    made = {lufs: Synthesizer("id", 125, RATE, lufs) for lufs in (-23.0, -16.0, -12.0)}
    for synthesizer in made.values():
        synthesizer.start()
    yield made
    for synthesizer in made.values():
        synthesizer.close()


@pytest.mark.parametrize("target", [-23.0, -16.0, -12.0])
def test_speech_reaches_its_loudness_under_a_true_peak_of_minus_1_dbtp(
    synthesizers: dict[float, Synthesizer], target: float
) -> None:
    for speech in sentences(EXAMPLE.announcement):
        samples = synthesizers[target].speak(speech)
        assert levels.loudness(samples, RATE) == pytest.approx(target, abs=1.0)
        assert levels.true_peak_db(samples, RATE) <= -1.0


@pytest.mark.parametrize("target", [-23.0, -16.0, -12.0])
def test_the_chime_is_never_louder_than_the_speech(
    synthesizers: dict[float, Synthesizer], target: float
) -> None:
    announcement = AnnouncementConfig(loudness_lufs=target, chime_level_db=0.0)
    bell = chime.prepared(announcement, RATE)
    speech = synthesizers[target].speak(sentences(announcement)[0])
    assert levels.loudness(bell, RATE) <= levels.loudness(speech, RATE) + 0.1
    assert levels.true_peak_db(bell, RATE) <= -1.0


def test_speech_starts_exactly_when_the_chime_and_its_pause_end(
    synthesizers: dict[float, Synthesizer],
) -> None:
    announcement = AnnouncementConfig(pause_after_chime_ms=500)
    bell = chime.bell(RATE)
    ready = chime.prepared(announcement, RATE)
    speech = synthesizers[-16.0].speak(sentences(announcement)[0])
    heard = np.concatenate([ready, speech])
    assert not np.any(heard[len(bell) : len(bell) + RATE // 2])  # the pause: silence
    onset = np.flatnonzero(np.abs(speech) > 1e-3)[0]
    assert onset < 0.02 * RATE  # the engine's own leading silence is trimmed


def test_the_pauses_between_phrases_are_the_configured_ones(
    synthesizers: dict[float, Synthesizer],
) -> None:
    phrase, ticket = sentences(EXAMPLE.announcement)[1].phrases[:2]  # "Nomor antrean", "be"
    assert (phrase[1], ticket[1]) == (0.3, 0.15)
    paused = synthesizers[-16.0].speak(Spoken(((phrase[0], 0.3), ("be", 0.0))))
    voiced = np.flatnonzero(np.abs(paused) > 1e-3)
    silence = np.diff(voiced).max() / RATE  # the longest silence: no stop in a word is as long
    assert silence == pytest.approx(0.3 + 0.02, abs=0.03)  # the pause, plus the 10 ms trims


@pytest.mark.parametrize("rate", [110, 125, 150])
def test_the_pace_is_the_configured_one_within_10_percent(rate: int) -> None:
    synthesizer = Synthesizer("id", rate, RATE, -16.0)
    synthesizer.start()
    try:
        spoken_s, said = 0.0, 0
        for speech in sentences(EXAMPLE.announcement):
            for words, _ in speech.phrases:
                samples = synthesizer.speak(words)
                voiced = np.flatnonzero(np.abs(samples) > 1e-3)
                spoken_s += (voiced[-1] - voiced[0]) / RATE
                said += syllables(words)
    finally:
        synthesizer.close()
    assert said / spoken_s == pytest.approx(rate / WPM_PER_SYLLABLE_PER_S, rel=0.10)


def test_syllables_are_counted_the_indonesian_way() -> None:
    assert [syllables(w) for w in ("antrean", "rupiah", "sampai", "silakan", "be")] == [
        3, 3, 2, 3, 1,
    ]  # fmt: skip
