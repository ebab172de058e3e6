"""Background music per zone: a playlist read from disk ahead of time, looped for ever.

A feeder thread per zone decodes its files (any format libsndfile reads), mixes them to
mono, resamples them with a streaming soxr resampler and keeps a few seconds queued in the
zone's bed player; the mixer ducks the bed under announcements.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

import numpy as np
import soundfile
import soxr

from pager.audio.player import Bed, Player
from pager.config.services import MusicConfig
from pager.config.zoning import Zone
from pager.units import db_to_gain

log = logging.getLogger(__name__)

AHEAD_S = 3.0  # how much music to keep queued
CHUNK_S = 0.5  # how much to decode at a time
POLL_S = 0.1  # how often to look whether more is needed


class MusicFeeder:
    """Keeps one zone's bed player supplied from its playlist, looping."""

    def __init__(
        self, zone: Zone, player: Player, rate: int, level: float,
        clock: Callable[[], float] = time.time,
    ) -> None:  # fmt: skip
        self.zone = zone
        self.player = player
        self.rate = rate
        self.level = level
        self.clock = clock
        self._gain = self._scheduled()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"music-{zone.name}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            played_any = False
            for path in self.zone.music:
                if self._stop.is_set():
                    return
                played_any |= self._play_file(path)
            if not played_any:
                log.error(
                    "zone %s: no playable music file; background music stopped", self.zone.name
                )
                return

    def _play_file(self, path: str) -> bool:
        try:
            with soundfile.SoundFile(path) as audio:
                resampler = soxr.ResampleStream(audio.samplerate, self.rate, 1, dtype="float32")
                chunk = max(1, int(CHUNK_S * audio.samplerate))
                fed = False
                while not self._stop.is_set():
                    while self.player.buffered_frames > AHEAD_S * self.rate:
                        if self._stop.wait(POLL_S):
                            return fed
                    block = audio.read(chunk, dtype="float32", always_2d=True)
                    last = len(block) < chunk
                    mono = block.mean(axis=1) if len(block) else np.zeros(0, np.float32)
                    out = resampler.resample_chunk(mono, last=last)
                    if out.size:
                        self.player.append(self._leveled(out))
                        fed = True
                    if last:
                        return fed
        except (RuntimeError, OSError) as error:
            log.error("zone %s: cannot play music %s: %s", self.zone.name, path, error)
        return False

    def _scheduled(self) -> float:
        """The music's gain now, relative to the zone's `gain_db` (which its bed applies):
        its level by time of day, or nothing in its quiet hours."""
        now = self.clock()
        if not self.zone.music_plays_at(now):
            return 0.0
        return self.level * self.zone.gain_at(now) / self.zone.gain

    def _leveled(self, chunk: np.ndarray) -> np.ndarray:
        """The chunk at the scheduled gain, ramped across it when the schedule changed (a
        fade of half a second, not a jump)."""
        target = self._scheduled()
        if target == self._gain:
            return (chunk * np.float32(target)).astype(np.float32)
        ramp = np.linspace(self._gain, target, len(chunk), dtype=np.float32)
        self._gain = target
        return (chunk * ramp).astype(np.float32)


class BedHolder(Protocol):
    """Where the beds play: the mixer (`pager.mixer.Mixer`), above this layer."""

    def set_beds(self, beds: Sequence[Bed]) -> None: ...


class MusicBeds:
    """Every zone's background music: ducked beds in the mixer and their feeder threads.

    `apply` is used at start and on every reload: when the zones' music, channels or gains
    or the `music` settings changed, the beds are replaced as a whole (each playlist starts
    again from its first file); otherwise nothing is touched.
    """

    def __init__(self, mixer: BedHolder, rate: int) -> None:
        self.mixer = mixer
        self.rate = rate
        self._feeders: list[MusicFeeder] = []
        self._plan: tuple[object, ...] | None = None

    def apply(self, zones: Mapping[str, Zone], music: MusicConfig) -> None:
        """Make the beds match these zones and settings; ValueError if the mixer cannot."""
        plan = (music, tuple((z.name, z.columns, z.gain, z.music, z.levels, z.music_quiet)
                             for z in zones.values()))  # fmt: skip
        if plan == self._plan:
            return
        level = db_to_gain(music.level_db)
        beds, feeders = [], []
        for zone in zones.values():
            if not zone.music:
                continue
            player = Player([(column, zone.gain) for column in zone.columns])
            beds.append(
                Bed(
                    player,
                    duck_gain=db_to_gain(music.duck_db),
                    attack_frames=int(music.attack_ms * self.rate / 1000),
                    release_frames=int(music.release_ms * self.rate / 1000),
                )
            )
            feeders.append(MusicFeeder(zone, player, self.rate, level))
        self.mixer.set_beds(beds)  # raises before anything changed if there are too many
        self.stop()
        self._plan = plan
        self._feeders = feeders
        for feeder in feeders:
            feeder.start()
            log.info("zone %s: background music from %d file(s)", feeder.zone.name,
                     len(feeder.zone.music))  # fmt: skip

    def stop(self) -> None:
        for feeder in self._feeders:
            feeder.stop()
        self._feeders = []
