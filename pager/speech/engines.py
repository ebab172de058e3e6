"""The speech engines: pyttsx3 (espeak-ng in this process) and the `espeak-ng` command.

pyttsx3's engine object is one per process (`pyttsx3.init` hands every caller the same
one), so every render holds one lock and sets the voice it needs: two synthesizers (the
old and the new one during a reload) never speak through it at once or in each other's
voice.
"""

from __future__ import annotations

import contextlib
import io
import logging
import shutil
import subprocess
import threading
import wave
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from pager.errors import SpeechError, did_you_mean

log = logging.getLogger(__name__)

ESPEAK_TIMEOUT_S = 10
RENDER_TIMEOUT_S = 10
SETTLE_RENDERS = 6
SETTLE_TEXT = "Sistem panggilan siap."
_PYTTSX3 = threading.Lock()  # one render at a time through the process's one engine
_voice_set: str | None = None  # the voice that engine has now (guarded by _PYTTSX3)


class SpeechEngine(Protocol):
    name: str

    def render(self, text: str) -> tuple[np.ndarray, int]:
        """Mono float32 samples in [-1, 1] and their sample rate."""
        ...


def phrase(text: str) -> str:
    """A phrase as errors and logs name it: by its size, never its words, which may hold a
    person's name (personal data: see privacy.names_shown)."""
    return f"a phrase of {len(text.split())} words"


def _int16_to_float(frames: bytes) -> np.ndarray:
    return np.frombuffer(frames, dtype="<i2").astype(np.float32) / 32768.0


def find_voice(voices: Sequence[Any], wanted: str) -> str:
    """The pyttsx3 voice id for a voice name, id or language code ("id", "poz/id", "Indonesian")."""
    for voice in voices:
        languages = [str(lang).lower() for lang in (getattr(voice, "languages", None) or [])]
        if wanted in (voice.id, voice.id.rsplit("/", 1)[-1]) or wanted.lower() in (
            str(voice.name).lower(),
            *languages,
        ):
            return str(voice.id)
    names = sorted({str(v.id).rsplit("/", 1)[-1] for v in voices})
    raise SpeechError(
        f'voice "{wanted}" is not installed{did_you_mean(wanted, names)}; the Indonesian voice '
        'is "id" (apt install espeak-ng); `espeak-ng --voices` lists the others'
    )


def _never_cancel() -> None:
    """A render is never interrupted: it is bounded by RENDER_TIMEOUT_S, and its process
    (pager.speech.host) is killed if it stops answering."""


def keep_from_cancelling(engine: Any) -> None:
    """Turn off the cancel with which pyttsx3 ends each render, which silences the next one.

    pyttsx3 (2.99) ends every `runAndWait()` with its driver's `stop()`: when libespeak-ng's
    own thread is still busy then (with the rate queued just before, or the last render's
    end), it cancels espeak-ng and leaves a flag set, and the driver's loop cancels with it
    again once the next text is queued. espeak-ng then drops that text and still reports it
    finished, so pyttsx3 writes an empty WAV. Measured here, 1,800 renders back to back:
    36 silent with `stop()`, none without it (BENCHMARKS.md, "pyttsx3's silent renders").
    The same cancel can drop the rate queued before it (the first render after start at
    espeak-ng's default rate, noted in `_settle`).
    """
    driver = getattr(getattr(engine, "proxy", None), "_driver", None)
    if driver is None or not callable(getattr(driver, "stop", None)):
        log.info("pyttsx3's driver has no stop() to turn off; a silent render falls back")
        return
    driver.stop = _never_cancel


class Pyttsx3Engine:
    """pyttsx3 with the espeak driver, rendering to a WAV file per sentence."""

    name = "pyttsx3"

    def __init__(self, voice: str, rate: int, workdir: Path) -> None:
        try:
            import pyttsx3

            self._engine = pyttsx3.init("espeak")
        except Exception as error:
            raise SpeechError(f"pyttsx3 cannot start espeak-ng: {error}") from error
        keep_from_cancelling(self._engine)
        base, plus, variant = voice.partition("+")
        if base.startswith("mb-"):  # MBROLA: espeak-ng knows it, pyttsx3 does not list it
            self.voice = base
        else:
            self.voice = find_voice(self._engine.getProperty("voices"), base) + plus + variant
        self.rate = rate
        self._file = workdir / "speech.wav"
        # espeak-ng synthesizes in its own thread and runAndWait() can return before the WAV
        # is written (seen here: 1 render in 25 came back empty or cut short). pyttsx3 says
        # "finished-utterance" once the file is complete: wait for that.
        self._finished = threading.Event()
        self._engine.connect("finished-utterance", lambda **_: self._finished.set())
        global _voice_set  # noqa: PLW0603
        with _PYTTSX3:
            _voice_set = None  # the dictionary may have been compiled again: load it afresh
        # pyttsx3 labels every WAV 22050 Hz, but MBROLA voices speak at 16000 Hz (read so,
        # they came out 1.38 times too fast): ask libespeak-ng after each render instead.
        self._rate_of_last = self._sample_rate_query()
        self._settle()

    @staticmethod
    def _sample_rate_query() -> Callable[[], int] | None:
        try:
            from pyttsx3.drivers import _espeak

            query: Callable[[], int] = _espeak.dll.espeak_ng_GetSampleRate
        except (ImportError, AttributeError):
            return None
        return query

    @property
    def _sample_rate(self) -> int | None:
        """The rate libespeak-ng rendered the last sentence at, if it says."""
        return int(self._rate_of_last()) if self._rate_of_last is not None else None

    def _settle(self) -> None:
        """Render until two renders agree: the first ones after start are not reliable.

        Seen here about 1 start in 15, before `keep_from_cancelling`: the first sentence at
        espeak's default rate and the next one silent (both what pyttsx3's cancel does); kept
        as the check that a new engine renders the same sentence the same way twice.
        """
        lengths: list[int] = []
        for _ in range(SETTLE_RENDERS):
            lengths.append(len(self.render(SETTLE_TEXT)[0]))
            if (
                len(lengths) >= 2
                and lengths[-1] > 0
                and abs(lengths[-1] - lengths[-2]) <= 0.02 * lengths[-1]
            ):
                return
        raise SpeechError(f"pyttsx3 renders the same sentence differently each time: {lengths}")

    def render(self, text: str) -> tuple[np.ndarray, int]:
        with _PYTTSX3:
            return self._render(text)

    def _render(self, text: str) -> tuple[np.ndarray, int]:
        self._file.unlink(missing_ok=True)
        self._finished.clear()
        global _voice_set  # noqa: PLW0603 - the one engine's voice, shared by every caller
        if _voice_set != self.voice:  # loading a voice reloads its dictionary: only on change
            try:
                self._engine.setProperty("voice", self.voice)
            except ValueError as error:
                raise SpeechError(f"pyttsx3 cannot use voice {self.voice!r}: {error}") from error
            _voice_set = self.voice
        # espeak-ng applies the rate in its own thread and loading the voice can reset it
        # after we set it (seen here: 1 start in 60 spoke every sentence at 175 instead of
        # 150 words a minute): set it again before every sentence.
        self._engine.setProperty("rate", self.rate)
        self._engine.save_to_file(text, str(self._file))
        # pyttsx3 prints "Audio saved to ..." on stdout; stdout is not ours to write.
        with contextlib.redirect_stdout(io.StringIO()):
            self._engine.runAndWait()
            if not self._finished.wait(RENDER_TIMEOUT_S):
                raise SpeechError(f"pyttsx3 did not finish {phrase(text)} in {RENDER_TIMEOUT_S} s")
        # A failed write only prints a warning inside pyttsx3: check the file ourselves.
        try:
            with wave.open(str(self._file), "rb") as wav:
                if wav.getsampwidth() != 2 or wav.getnchannels() != 1:
                    raise SpeechError("pyttsx3 wrote an unexpected WAV format")
                samples = _int16_to_float(wav.readframes(wav.getnframes()))
                return samples, self._sample_rate or wav.getframerate()
        except (OSError, EOFError, wave.Error) as error:
            raise SpeechError(f"pyttsx3 produced no audio for {phrase(text)}: {error}") from error


class EspeakCommandEngine:
    """The `espeak-ng` command in a subprocess: slower, but isolated from the daemon."""

    name = "espeak-ng"

    def __init__(self, voice: str, rate: int, data: Path | None = None) -> None:
        binary = shutil.which("espeak-ng")
        if binary is None:
            raise SpeechError("the espeak-ng command is not installed (apt install espeak-ng)")
        path = [f"--path={data}"] if data else []
        self._command = [binary, *path, "-v", voice.rsplit("/", 1)[-1], "-s", str(rate),
                         "--stdout"]  # fmt: skip

    def render(self, text: str) -> tuple[np.ndarray, int]:
        try:
            done = subprocess.run(
                [*self._command, "--", text],
                capture_output=True,
                timeout=ESPEAK_TIMEOUT_S,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise SpeechError(f"espeak-ng failed: {error}") from error
        if done.returncode != 0 or len(done.stdout) <= 44:
            message = done.stderr.decode(errors="replace").strip()
            raise SpeechError(f"espeak-ng exited {done.returncode}: {message}")
        rate = int.from_bytes(done.stdout[24:28], "little")
        # espeak-ng's streamed WAV header carries a bogus length: take every byte after it.
        body = done.stdout[44 : len(done.stdout) - len(done.stdout[44:]) % 2]
        return _int16_to_float(body), rate
