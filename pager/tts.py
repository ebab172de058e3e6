"""Text to speech: what an announcement says to mono float32 samples at the device rate.

pyttsx3 (espeak-ng) is the engine, in a worker thread; everything else talks to it through
futures. When pyttsx3 fails on a phrase, the `espeak-ng` command renders it instead (a
separate process, so a crash there cannot take the daemon down). Phrases are trimmed,
joined with their pauses, brought to the PA's loudness and cached.

The front of speech synthesis: the daemon and the commands use this; it uses `pager.speech`
(engines, dictionary, voice packs), `pager.audio.levels` and `pager.language` below it.
"""

from __future__ import annotations

import functools
import itertools
import logging
import os
import queue
import subprocess
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from pager.audio import levels
from pager.errors import SpeechError
from pager.language.words import WPM_PER_SYLLABLE_PER_S, syllables
from pager.speech import pronounce, voices
from pager.speech.engines import EspeakCommandEngine, SpeechEngine, phrase
from pager.speech.host import IsolatedPyttsx3Engine
from pager.speech.pack import CLIP_LOUDNESS_LUFS, VoicePack, join
from pager.values.spoken import Spoken

log = logging.getLogger(__name__)
T = TypeVar("T")

CACHE_BYTES = 32 * 1024 * 1024  # about 35 sentences at 48 kHz
PACE_CHECK_SYLLABLES = 4  # shorter phrases vary too much to judge their pace
FASTEST_PACE = 0.7  # said in under 70 % of the time the rate asks: the engine went wrong


AHEAD_KEPT = 24  # sentences waiting to be rendered ahead; more would leave the cache unplayed
URGENT, AHEAD, LAST = 0, 1, 2  # the worker's job priorities: needed now, ahead, shutdown


class _Worker:
    """One thread that runs jobs one at a time: urgent ones first, then in order of arrival.

    A call whose announcement starts now must not wait behind speech rendered ahead for
    calls still queued (at rush hour, hundreds of them).
    """

    def __init__(self, name: str) -> None:
        self._jobs: queue.PriorityQueue[_Job] = queue.PriorityQueue()
        self._serial = itertools.count()
        self._closed = False
        self._count = threading.Lock()
        self._ahead = 0  # jobs not urgent, queued: at most AHEAD_KEPT (a long rush left one
        # per call, never run while urgent speech kept coming: 3 MB per 1,000 calls)
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, work: Callable[[], T], urgent: bool = True) -> Future[T]:
        """RuntimeError once shut down (as concurrent.futures executors do)."""
        if self._closed:
            raise RuntimeError("the speech worker is closed")
        future: Future[T] = Future()
        if not urgent:
            with self._count:
                if self._ahead >= AHEAD_KEPT:
                    future.cancel()  # not rendered ahead: rendered when it is needed
                    return future
                self._ahead += 1
        self._jobs.put(_Job(URGENT if urgent else AHEAD, next(self._serial), future, work))
        return future

    def shutdown(self, cancel: bool) -> None:
        """Stop once what is queued is done (`cancel`: once what is running is done)."""
        if self._closed:
            return
        self._closed = True
        if cancel:
            while True:
                try:
                    self._jobs.get_nowait().future.cancel()
                except queue.Empty:
                    break
        self._jobs.put(_Job(LAST, next(self._serial), Future(), None))
        self._thread.join()

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            if job.work is None:
                return
            if job.priority == AHEAD:
                with self._count:
                    self._ahead -= 1
            if not job.future.set_running_or_notify_cancel():
                continue
            try:
                job.future.set_result(job.work())
            except BaseException as error:  # handed to whoever waits for it
                job.future.set_exception(error)


@dataclass(order=True)
class _Job:
    priority: int
    serial: int
    future: Future[Any] = field(compare=False)
    work: Callable[[], Any] | None = field(compare=False)


class Synthesizer:
    """Renders sentences in one worker thread, ready for the mixer (device rate, normalized)."""

    def __init__(
        self,
        voice: str,
        rate: int,
        device_rate: int,
        loudness_lufs: float,
        *,
        pronunciations: Mapping[str, str] | None = None,
        eq: bool = True,
        voice_pack: Path | None = None,
    ) -> None:
        self.voice = voice
        self.rate = rate
        self.pronunciations = dict(pronunciations or {})  # word -> IPA, over the lexicon
        self.device_rate = device_rate
        self.loudness_lufs = loudness_lufs
        self.eq = eq  # the voice EQ for horn speakers
        self.voice_pack = voice_pack
        self._pack: VoicePack | None = None
        self._worker = _Worker("tts")
        self._workdir = tempfile.TemporaryDirectory(prefix="pager-tts-")
        self._engines: list[SpeechEngine] = []
        self._host: IsolatedPyttsx3Engine | None = None  # pyttsx3's own process, to stop
        self._cache: OrderedDict[Spoken, np.ndarray] = OrderedDict()
        self._cache_bytes = 0
        self._leveller = levels.VoiceLeveller(loudness_lufs, eq)

    def start(self) -> None:
        """Open the engines in the worker thread; raise SpeechError when none works."""
        self._worker.submit(self._open).result()

    def submit(self, speech: Spoken | str, urgent: bool = True) -> Future[np.ndarray]:
        """The speech ready for the mixer, as a future (its exception is a SpeechError).

        Each phrase is rendered, its leading and trailing silence trimmed, and the phrases
        joined with exactly their pauses; then the whole is brought to the configured
        loudness under a -1 dBTP ceiling, through the voice EQ if it is on. Speech that is
        not `urgent` (rendered ahead) waits for every urgent one.
        """
        spoken = Spoken.plain(speech) if isinstance(speech, str) else speech
        return self._worker.submit(functools.partial(self._synthesize, spoken), urgent)

    def run(self, work: Callable[[], T]) -> T:
        """Run `work` in the speech worker (where the engines live) and wait for it."""
        return self._worker.submit(work).result()

    def speak(self, speech: Spoken | str) -> np.ndarray:
        """The speech, waiting for it."""
        return self.submit(speech).result()

    @property
    def pack(self) -> VoicePack | None:
        """The voice pack in use, once started."""
        return self._pack

    def close(self, cancel: bool = True) -> None:
        """Stop the worker; `cancel=False` lets queued sentences finish first."""
        self._worker.shutdown(cancel)
        if self._host is not None:
            self._host.close()
        self._workdir.cleanup()

    def _open(self) -> None:
        voices.check(self.voice)  # a missing variant or MBROLA voice fails silently otherwise
        if self.voice_pack is not None:
            self._pack = VoicePack.load(self.voice_pack, self.device_rate)
        problems: list[str] = []
        data: Path | None = None
        try:
            data = pronounce.install(self.pronunciations)
            # libespeak-ng reads it when pyttsx3 first initializes it in this process.
            os.environ["ESPEAK_DATA_PATH"] = str(data)
        except (SpeechError, OSError, subprocess.SubprocessError) as error:
            problems.append(f"standard Indonesian pronunciations are not in use: {error}")
        try:
            host = IsolatedPyttsx3Engine(self.voice, self.rate, Path(self._workdir.name))
            self._host = host
            self._engines.append(host)
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
        if self.voice.startswith("mb-"):
            # Through pyttsx3, MBROLA's first sentences after the voice loads sometimes come
            # out at another rate (seen here: 1 start in 6); the command is always right.
            self._engines.reverse()
        for problem in problems:
            log.warning("speech: %s", problem)
        log.info("speech engines: %s", ", ".join(e.name for e in self._engines))

    def _synthesize(self, speech: Spoken) -> np.ndarray:
        cached = self._cache.get(speech)
        if cached is not None:
            self._cache.move_to_end(speech)
            return cached
        pieces = []
        for words, pause in speech.phrases:
            pieces.append(self._say(words))
            pieces.append(np.zeros(round(pause * self.device_rate), dtype=np.float32))
        joined = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.float32)
        ready = self._leveller(joined, self.device_rate)
        ready.flags.writeable = False
        self._cache[speech] = ready
        self._cache_bytes += ready.nbytes
        while self._cache_bytes > CACHE_BYTES and len(self._cache) > 1:
            self._cache_bytes -= self._cache.popitem(last=False)[1].nbytes
        return ready

    def _say(self, words: str) -> np.ndarray:
        """One phrase at the device rate, from the voice pack's clips where it has them."""
        if self._pack is None:
            return self._spoken(words)
        parts = [
            part if not isinstance(part, str) else (
                levels.normalize(self._spoken(part), self.device_rate, CLIP_LOUDNESS_LUFS)
            )
            for part in self._pack.split(words)
        ]  # fmt: skip
        return join(parts, self.device_rate)

    def _spoken(self, words: str) -> np.ndarray:
        samples, rate = self._render(words)
        return levels.trim(levels.resample(samples, rate, self.device_rate), self.device_rate)

    def _check_pace(self, engine: str, text: str, samples: np.ndarray, rate: int) -> None:
        """SpeechError when a phrase came out far faster than the configured rate (an engine
        that lost its rate, or mislabelled its sample rate), so that the next engine says it
        instead: nobody should hear a call too fast to follow. (Slower is not judged: past
        about 175 words a minute espeak-ng no longer speeds up as asked.)"""
        count = syllables(text)
        if count < PACE_CHECK_SYLLABLES:
            return
        expected_s = count / (self.rate / WPM_PER_SYLLABLE_PER_S)
        said_s = len(levels.trim(samples, rate)) / rate
        if said_s < FASTEST_PACE * expected_s:
            raise SpeechError(
                f"{engine} said {phrase(text)} in {said_s:.2f} s, where the rate asks about "
                f"{expected_s:.2f} s"
            )

    def _render(self, text: str) -> tuple[np.ndarray, int]:
        """One phrase from the first engine that renders it (the others are fallbacks)."""
        failures: list[str] = []
        for engine in self._engines:
            try:
                samples, rate = engine.render(text)
                if not np.any(samples):
                    raise SpeechError(f"{engine.name} rendered {phrase(text)} as silence")
                self._check_pace(engine.name, text, samples, rate)
                return samples, rate
            except SpeechError as error:
                log.info("speech engine %s failed (the next one tries): %s", engine.name, error)
                failures.append(str(error))
        raise SpeechError("every speech engine failed: " + "; ".join(failures))
