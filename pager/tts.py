"""Text to speech: announcement sentences to mono float32 samples at the device rate.

pyttsx3 (espeak-ng) is the engine; its engine object must stay in one thread, so a single
worker thread owns it and everything else talks to it through futures. When pyttsx3 fails
on a sentence, the `espeak-ng` command renders it instead (a separate process, so a crash
there cannot take the daemon down). Results are resampled, loudness-normalized and cached.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import shutil
import subprocess
import tempfile
import threading
import wave
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from pager.audio.levels import normalize, resample
from pager.errors import SpeechError, did_you_mean
from pager.speech import pronounce

log = logging.getLogger(__name__)

CACHE_BYTES = 32 * 1024 * 1024  # about 35 sentences at 48 kHz
ESPEAK_TIMEOUT_S = 10
RENDER_TIMEOUT_S = 10
SETTLE_RENDERS = 6
SETTLE_TEXT = "Sistem panggilan siap."


class SpeechEngine(Protocol):
    name: str

    def render(self, text: str) -> tuple[np.ndarray, int]:
        """Mono float32 samples in [-1, 1] and their sample rate."""
        ...


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


class Pyttsx3Engine:
    """pyttsx3 with the espeak driver, rendering to a WAV file per sentence."""

    name = "pyttsx3"

    def __init__(self, voice: str, rate: int, workdir: Path) -> None:
        try:
            import pyttsx3

            self._engine = pyttsx3.init("espeak")
        except Exception as error:
            raise SpeechError(f"pyttsx3 cannot start espeak-ng: {error}") from error
        self.voice = find_voice(self._engine.getProperty("voices"), voice)
        self._engine.setProperty("voice", self.voice)
        self.rate = rate
        self._file = workdir / "speech.wav"
        # espeak-ng synthesizes in its own thread and runAndWait() can return before the WAV
        # is written (seen here: 1 render in 25 came back empty or cut short). pyttsx3 says
        # "finished-utterance" once the file is complete: wait for that.
        self._finished = threading.Event()
        self._engine.connect("finished-utterance", lambda **_: self._finished.set())
        self._settle()

    def _settle(self) -> None:
        """Render until two renders agree: the first ones after start are not reliable.

        Seen here about 1 start in 15: the first sentence comes out at espeak's default rate
        and the next one silent; after that, renders are stable.
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
        self._file.unlink(missing_ok=True)
        self._finished.clear()
        # espeak-ng applies the rate in its own thread and loading the voice can reset it
        # after we set it (seen here: 1 start in 60 spoke every sentence at 175 instead of
        # 150 words a minute): set it again before every sentence.
        self._engine.setProperty("rate", self.rate)
        self._engine.save_to_file(text, str(self._file))
        # pyttsx3 prints "Audio saved to ..." on stdout; stdout is not ours to write.
        with contextlib.redirect_stdout(io.StringIO()):
            self._engine.runAndWait()
            if not self._finished.wait(RENDER_TIMEOUT_S):
                raise SpeechError(f"pyttsx3 did not finish {text!r} in {RENDER_TIMEOUT_S} s")
        # A failed write only prints a warning inside pyttsx3: check the file ourselves.
        try:
            with wave.open(str(self._file), "rb") as wav:
                if wav.getsampwidth() != 2 or wav.getnchannels() != 1:
                    raise SpeechError("pyttsx3 wrote an unexpected WAV format")
                return _int16_to_float(wav.readframes(wav.getnframes())), wav.getframerate()
        except (OSError, EOFError, wave.Error) as error:
            raise SpeechError(f"pyttsx3 produced no audio for {text!r}: {error}") from error


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
                [*self._command, text], capture_output=True, timeout=ESPEAK_TIMEOUT_S, check=False
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


class Synthesizer:
    """Renders sentences in one worker thread, ready for the mixer (device rate, normalized)."""

    def __init__(
        self,
        voice: str,
        rate: int,
        device_rate: int,
        loudness_lufs: float,
        pronunciations: Mapping[str, str] | None = None,
    ) -> None:
        self.voice = voice
        self.rate = rate
        self.pronunciations = dict(pronunciations or {})  # word -> IPA, over the lexicon
        self.device_rate = device_rate
        self.loudness_lufs = loudness_lufs
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tts")
        self._workdir = tempfile.TemporaryDirectory(prefix="pager-tts-")
        self._engines: list[SpeechEngine] = []
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_bytes = 0

    def start(self) -> None:
        """Open the engines in the worker thread; raise SpeechError when none works."""
        self._executor.submit(self._open).result()

    def submit(self, text: str) -> Future[np.ndarray]:
        """Speech for `text`, as a future (its exception is a SpeechError)."""
        return self._executor.submit(self._synthesize, text)

    def speak(self, text: str) -> np.ndarray:
        """Speech for `text`, waiting for it."""
        return self.submit(text).result()

    def close(self, cancel: bool = True) -> None:
        """Stop the worker; `cancel=False` lets queued sentences finish first."""
        self._executor.shutdown(wait=True, cancel_futures=cancel)
        self._workdir.cleanup()

    def _open(self) -> None:
        problems: list[str] = []
        data: Path | None = None
        try:
            data = pronounce.install(self.pronunciations)
            # libespeak-ng reads it when pyttsx3 first initializes it in this process.
            os.environ["ESPEAK_DATA_PATH"] = str(data)
        except (SpeechError, OSError, subprocess.SubprocessError) as error:
            problems.append(f"standard Indonesian pronunciations are not in use: {error}")
        try:
            self._engines.append(Pyttsx3Engine(self.voice, self.rate, Path(self._workdir.name)))
        except SpeechError as error:
            if "not installed" in str(error) and "voice" in str(error):
                raise
            problems.append(str(error))
        try:
            self._engines.append(EspeakCommandEngine(self.voice, self.rate, data))
        except SpeechError as error:
            problems.append(str(error))
        if not self._engines:
            raise SpeechError("; ".join(problems))
        for problem in problems:
            log.warning("speech: %s", problem)
        log.info("speech engines: %s", ", ".join(e.name for e in self._engines))

    def _synthesize(self, text: str) -> np.ndarray:
        cached = self._cache.get(text)
        if cached is not None:
            self._cache.move_to_end(text)
            return cached
        failures: list[str] = []
        for engine in self._engines:
            try:
                samples, rate = engine.render(text)
                if not np.any(samples):
                    raise SpeechError(f"{engine.name} rendered {text!r} as silence")
                break
            except SpeechError as error:
                log.warning("speech engine %s failed: %s", engine.name, error)
                failures.append(str(error))
        else:
            raise SpeechError("every speech engine failed: " + "; ".join(failures))
        ready = normalize(
            resample(samples, rate, self.device_rate), self.device_rate, self.loudness_lufs
        )
        ready.flags.writeable = False
        self._cache[text] = ready
        self._cache_bytes += ready.nbytes
        while self._cache_bytes > CACHE_BYTES and len(self._cache) > 1:
            self._cache_bytes -= self._cache.popitem(last=False)[1].nbytes
        return ready
