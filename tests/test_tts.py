"""Speech synthesis with the real engines (pyttsx3 + espeak-ng), and voice selection."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import numpy as np
import pytest

from pager.audio import levels
from pager.errors import SpeechError
from pager.tts import EspeakCommandEngine, Synthesizer, find_voice

SENTENCE = "Nomor antrean A dua puluh tiga, silakan menuju loket lima."


@pytest.fixture(scope="module")
def synthesizer() -> Iterator[Synthesizer]:
    synth = Synthesizer("id", 150, 48000, -20.0)
    synth.start()
    yield synth
    synth.close()


def test_speech_is_device_rate_plausible_length_and_normalized(synthesizer: Synthesizer) -> None:
    speech = synthesizer.speak(SENTENCE)
    seconds = len(speech) / 48000
    assert 2.0 < seconds < 7.0
    assert levels.loudness(speech, 48000) == pytest.approx(-20, abs=0.5)
    assert np.max(np.abs(speech)) < 1.0


def test_longer_sentences_take_longer(synthesizer: Synthesizer) -> None:
    short = synthesizer.speak("Nomor antrean A satu.")
    long = synthesizer.speak(SENTENCE + " " + SENTENCE)
    assert len(long) > 2 * len(short)


def test_repeated_sentences_come_from_the_cache(synthesizer: Synthesizer) -> None:
    first = synthesizer.speak("Nomor antrean ce tujuh, silakan menuju loket tiga.")
    again = synthesizer.speak("Nomor antrean ce tujuh, silakan menuju loket tiga.")
    assert again is first
    assert not again.flags.writeable


def test_concurrent_requests_each_get_their_own_speech(synthesizer: Synthesizer) -> None:
    texts = [f"Nomor antrean be {n}, silakan menuju loket {n}." for n in ("satu", "dua", "tiga")]
    futures = [synthesizer.submit(t) for t in texts]
    lengths = {len(f.result()) for f in futures}
    assert len(lengths) == 3  # three different renders, none lost or swapped for another


def test_espeak_command_engine_renders_indonesian() -> None:
    samples, rate = EspeakCommandEngine("id", 150).render("satu dua tiga")
    assert rate == 22050 and 0.5 < len(samples) / rate < 4.0
    assert np.max(np.abs(samples)) > 0.05


def test_an_unknown_voice_is_an_error_listing_voices() -> None:
    synth = Synthesizer("xx-nonexistent", 150, 48000, -20.0)
    try:
        with pytest.raises(SpeechError, match='voice "xx-nonexistent" is not installed'):
            synth.start()
    finally:
        synth.close()


@pytest.mark.parametrize("wanted", ["id", "poz/id", "Indonesian", "indonesian"])
def test_find_voice_by_code_id_or_name(wanted: str) -> None:
    voices = [
        SimpleNamespace(id="gmw/en", name="English", languages=["en"]),
        SimpleNamespace(id="poz/id", name="Indonesian", languages=["id"]),
    ]
    assert find_voice(voices, wanted) == "poz/id"
