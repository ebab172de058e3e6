"""Audio outputs behind one small interface (`AudioSink`): the sound card
(`pager.audio.soundcard`), WAV recordings per zone, or nothing at all.

A sink pulls blocks from a source (the mixer) at the device's pace. The source fills a
frames x channels float32 block and returns True when anything played.
"""

from __future__ import annotations

import abc
import datetime
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import soundfile

from pager.config.model import AudioConfig
from pager.config.zoning import Zone
from pager.errors import AudioError
from pager.values.storage import StoreWatch

log = logging.getLogger(__name__)


class Source(Protocol):
    """What a sink plays: the mixer."""

    def render(self, out: np.ndarray) -> bool:
        """Fill `out` (frames x channels float32); True when an announcement played."""
        ...

    def skip_silence(self, frames: int) -> bool:
        """When nothing at all would sound, count `frames` of silence and return True."""
        ...

    @property
    def frames_rendered(self) -> int:
        """The stream frame the next block begins with."""
        ...


@dataclass(frozen=True)
class OutputChange:
    """The output failed (`running` False), or is back; `detail` names the device."""

    running: bool
    detail: str


Report = Callable[[OutputChange], None]  # the output failed, or is back


@dataclass(frozen=True)
class Health:
    """The audio callback's running totals."""

    xruns: int = 0  # blocks PortAudio flagged as under- or overflowed
    callback_errors: int = 0  # blocks the callback could not render (sent silent)
    first_error: BaseException | None = None  # kept for a non-real-time thread to log


class AudioSink(Protocol):
    description: str
    report: Report  # told when the output fails and when it is back

    def start(self, source: Source) -> None:
        """Open the output and start pulling blocks from `source`; raise AudioError."""
        ...

    def stop(self) -> None: ...

    def health(self) -> Health:
        """The callback's running totals (any thread)."""
        ...

    def set_zones(self, zones: Mapping[str, Zone]) -> None:
        """The zones changed (reload): a sink that knows zones uses these from now on."""
        ...

    def frame_at(self, when: float) -> int | None:
        """The stream frame the output plays at Unix time `when` (any thread); None when
        this sink cannot tell (then a timed start is at once)."""
        ...


class _PullingSink(abc.ABC):
    """A sink with no sound device: a thread of its own pulls the blocks (no callback, so
    nothing to count in its health)."""

    def __init__(self, audio: AudioConfig, description: str) -> None:
        self.audio = audio
        self.description = description
        self.report: Report = lambda fact: None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _pull(self, source: Source, name: str) -> None:
        self._thread = threading.Thread(target=self._run, args=(source,), name=name)
        self._thread.start()

    @abc.abstractmethod
    def _run(self, source: Source) -> None:
        """Pull blocks from `source` until stopped (the sink's own thread)."""

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def health(self) -> Health:
        return Health()

    def frame_at(self, when: float) -> int | None:
        return None  # no interface, no output clock: a timed start is at once


class WavRecorderSink(_PullingSink):
    """For machines without a sound card: each announcement, per zone, in its own WAV file.

    A thread pulls blocks at the device's pace (so timing is as on a real interface) and
    keeps them while anything plays; each zone's first channel is then written to
    `{recordings_dir}/{time}-{zone}.wav`.
    """

    def __init__(self, audio: AudioConfig, zones: Mapping[str, Zone]) -> None:
        self.directory = Path(audio.recordings_dir).resolve()
        super().__init__(audio, f"WAV recordings in {self.directory}")
        self.zones = zones
        self.watch: StoreWatch | None = None  # told when recordings cannot be written
        self.lost = 0  # recordings not written since the last that was

    def start(self, source: Source) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise AudioError(f"cannot create {self.directory}: {error.strerror}") from error
        self._pull(source, "recorder")
        log.info("no sound device used: recording each zone's announcements to %s", self.directory)

    def set_zones(self, zones: Mapping[str, Zone]) -> None:
        self.zones = zones  # one reference, swapped whole: the writer sees old or new

    def _run(self, source: Source) -> None:
        frames, rate = self.audio.blocksize, self.audio.sample_rate
        block = np.zeros((frames, self.audio.channels), dtype=np.float32)
        take: list[np.ndarray] = []
        began = datetime.datetime.now()
        deadline = time.monotonic()
        while not self._stop.wait(max(0.0, deadline - time.monotonic())):
            deadline = max(deadline + frames / rate, time.monotonic() - 1.0)
            if source.render(block):
                if not take:
                    began = datetime.datetime.now()
                take.append(block.copy())
            elif take:
                self._write(np.concatenate(take), began)
                take = []
        if take:
            self._write(np.concatenate(take), began)

    def _write(self, take: np.ndarray, began: datetime.datetime) -> None:
        """Each zone's file of one announcement; the disk is said to work again only once
        every file of it is written."""
        stamp = began.strftime("%Y%m%d-%H%M%S-%f")[:-3]
        failed = False
        for zone in self.zones.values():
            samples = take[:, zone.columns[0]] if zone.channels else None
            if samples is None or not np.any(samples):
                continue
            path = self.directory / f"{stamp}-{zone.name}.wav"
            part = path.with_suffix(".part")  # a full disk leaves no half-written WAV
            try:
                soundfile.write(str(part), samples, self.audio.sample_rate, subtype="PCM_16",
                                format="WAV")  # fmt: skip
                part.rename(path)
            except (RuntimeError, OSError) as error:
                part.unlink(missing_ok=True)
                self.lost, failed = self.lost + 1, True
                if self.watch is not None:
                    self.watch.failed(f"cannot write {path}: {error}")
                else:
                    log.error("cannot write recording %s: %s", path, error)
                continue
            log.info("recorded zone %s: %s (%.1f s)", zone.name, path,
                     len(samples) / self.audio.sample_rate)  # fmt: skip
        if not failed:
            if self.watch is not None:
                self.watch.worked(lost=self.lost)
            self.lost = 0


class NullSink(_PullingSink):
    """Discards the audio, rendering blocks as fast as it can: for load tests of everything
    but the sound card (the stream then runs far faster than real time)."""

    def __init__(self, audio: AudioConfig) -> None:
        super().__init__(audio, "no output (null, faster than real time)")

    def set_zones(self, zones: Mapping[str, Zone]) -> None:
        pass  # it plays no zone

    def start(self, source: Source) -> None:
        self._pull(source, "null-output")
        log.warning("audio output is null: nothing is heard")

    def _run(self, source: Source) -> None:
        block = np.zeros((self.audio.blocksize, self.audio.channels), dtype=np.float32)
        while not self._stop.is_set():
            if not source.render(block):
                self._stop.wait(0.001)  # idle: no need to spin
            else:
                time.sleep(0)  # let the other threads run between blocks
