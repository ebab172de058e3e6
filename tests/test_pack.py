"""A recorded voice: clips in order, the longest first, the engine for what is not recorded."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile

from pager import config
from pager.audio import levels
from pager.errors import SpeechError
from pager.speech.pack import VoicePack
from pager.tools.voice_pack import script
from pager.tts import Synthesizer
from pager.values.spoken import Spoken
from tests.conftest import EXAMPLE_CONFIG, pager_command, write_config

RATE = 48000
CLIPS = {  # phrase -> (tone Hz, file rate): a tone stands for each recorded phrase
    "nomor antrean": (300, 44100), "a": (400, 16000), "dua": (500, 22050),
    "dua puluh": (600, 48000), "tiga": (700, 44100), "silakan menuju loket": (800, 16000),
}  # fmt: skip


def record(folder: Path, clips: dict[str, tuple[int, int]]) -> Path:
    folder.mkdir(exist_ok=True)
    for phrase, (hz, rate) in clips.items():
        t = np.arange(int(0.4 * rate)) / rate
        soundfile.write(folder / f"{phrase}.wav", 0.3 * np.sin(2 * np.pi * hz * t), rate)
    return folder


def dominant(samples: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.fft.rfftfreq(len(samples), 1 / RATE)[np.argmax(spectrum)])


def test_a_phrase_is_split_into_the_longest_clips_and_what_has_none(tmp_path: Path) -> None:
    pack = VoicePack.load(record(tmp_path / "pack", CLIPS), RATE)
    parts = pack.split("Nomor antrean A dua puluh tiga, silakan menuju loket lima.")
    said = [p if isinstance(p, str) else dominant(p) for p in parts]
    assert said == [300, 400, 600, 700, 800, "lima"]  # "dua puluh", not "dua" then "puluh"
    assert all(len(p) == pytest.approx(0.4 * RATE, abs=0.02 * RATE) for p in parts[:-1])


def test_an_announcement_is_assembled_from_clips_and_the_engine_says_the_rest(
    tmp_path: Path,
) -> None:
    synth = Synthesizer("id", 125, RATE, -20.0, voice_pack=record(tmp_path / "pack", CLIPS))
    synth.start()
    try:
        speech = synth.speak(Spoken((("Nomor antrean", 0.3), ("A dua puluh tiga,", 0.3),
                                     ("silakan menuju loket lima.", 0.0))))  # fmt: skip
    finally:
        synth.close()
    clip, pause, fade = 0.4, 0.3, 0.01  # seconds: each tone clip, each pause, each crossfade

    def tone_at(seconds: float) -> float:
        start = int(seconds * RATE)
        return round(dominant(speech[start : start + RATE // 10]) / 100) * 100

    # "Nomor antrean" | "A" "dua puluh" "tiga" | "silakan menuju loket" and "lima" by TTS
    second = clip + pause
    third = second + 3 * clip - 2 * fade + pause
    assert [tone_at(0.15), tone_at(second + 0.15), tone_at(second + clip + 0.15),
            tone_at(second + 2 * clip + 0.15), tone_at(third + 0.15)] == [
        300, 400, 600, 700, 800]  # fmt: skip
    gap = speech[int((clip + 0.02) * RATE) : int((second - 0.02) * RATE)]
    assert np.max(np.abs(gap)) < 1e-4  # the pause: silent (but for the EQ filter's tail)
    lima = speech[int((third + clip) * RATE) :]
    assert len(lima) > 0.2 * RATE and np.any(lima)  # the engine said the unrecorded word
    recorded = speech[: int(clip * RATE)]
    assert levels.loudness(lima, RATE) == pytest.approx(levels.loudness(recorded, RATE), abs=4)
    assert levels.loudness(speech, RATE) == pytest.approx(-20.0, abs=1.0)


def test_a_clip_that_is_not_audio_is_refused_with_its_name(tmp_path: Path) -> None:
    folder = record(tmp_path / "pack", {"dua": (500, 16000)})
    (folder / "tiga.wav").write_text("not a sound")
    with pytest.raises(SpeechError, match=r"clip .*tiga\.wav cannot be read"):
        VoicePack.load(folder, RATE)


def test_the_script_is_every_phrase_the_config_can_say() -> None:
    lines = script(config.load(EXAMPLE_CONFIG))
    # The sentence's phrases, the combined sentence's ("loket" alone), the pickups' (the
    # compact ones add none: "{ticket}." and "Dokumen {ticket}."), the repeats' prefix.
    assert lines[:8] == ["nomor antrean", "silakan menuju loket", "loket",
                         "dokumen dengan nomor", "sudah selesai", "silakan diambil di loket",
                         "dokumen", "panggilan kedua"]  # fmt: skip
    for needed in ("be", "zet", "sebelas", "belas", "puluh", "seratus", "seribu", "ribu",
                   "pajak", "perizinan berusaha"):  # fmt: skip
        assert needed in lines
    assert len(lines) == len(set(lines))


def test_voice_pack_check_lists_what_is_missing_and_passes_when_complete(
    tmp_path: Path,
) -> None:
    cfg = write_config(tmp_path / "zones.yaml")
    lines = [p for p in script(config.load(cfg))]
    folder = record(tmp_path / "pack", {p: (440, 16000) for p in lines[1:]})

    def check() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*pager_command(), "voice-pack", "check", str(folder), "-c", str(cfg)],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip

    partial = check()
    assert partial.returncode == 1, partial.stderr
    assert f"{len(lines) - 1} of {len(lines)} needed phrases" in partial.stdout
    assert "missing (spoken by the speech engine until recorded): nomor antrean" in partial.stdout
    record(folder, {lines[0]: (440, 16000)})
    assert check().returncode == 0


def test_say_shows_which_parts_are_recorded_and_the_ipa_of_the_rest(tmp_path: Path) -> None:
    record(tmp_path / "voice", CLIPS)
    cfg = write_config(tmp_path / "zones.yaml", announcement={"voice_pack": "voice"})
    done = subprocess.run(
        [*pager_command(), "say", "-c", str(cfg), "--counter", "5", "--ticket", "A23",
         "--phonemes"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    ipa = done.stdout.splitlines()[1]
    assert ipa == "«nomor antrean» «a» «dua puluh» «tiga» «silakan menuju loket» lˈima"
