"""Background music per zone: a playlist read from disk ahead of time, looped for ever.

A feeder thread per zone decodes its files (any format libsndfile reads), mixes them to
mono, resamples them with a streaming soxr resampler and keeps a few seconds queued in the
zone's bed player; the mixer ducks the bed under announcements.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping

import numpy as np
import soundfile
import soxr

from pager.mixer import Bed, Mixer, Player
from pager.policies import MusicConfig
from pager.zones import Zone

log = logging.getLogger(__name__)

AHEAD_S = 3.0  # how much music to keep queued
CHUNK_S = 0.5  # how much to decode at a time
POLL_S = 0.1  # how often to look whether more is needed


class MusicFeeder:
    """Keeps one zone's bed player supplied from its playlist, looping."""

    def __init__(self, zone: Zone, player: Player, rate: int, level: float) -> None:
        self.zone = zone
        self.player = player
        self.rate = rate
        self.level = np.float32(level)
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
                        self.player.append(out * self.level)
                        fed = True
                    if last:
                        return fed
        except (RuntimeError, OSError) as error:
            log.error("zone %s: cannot play music %s: %s", self.zone.name, path, error)
        return False


def start_music(
    mixer: Mixer, zones: Mapping[str, Zone], music: MusicConfig, rate: int
) -> list[MusicFeeder]:
    """A ducked bed in the mixer and a feeder thread for every zone with a playlist."""
    feeders = []
    level = float(10 ** (music.level_db / 20))
    for zone in zones.values():
        if not zone.music:
            continue
        player = Player([(channel - 1, zone.gain) for channel in zone.channels], tag=zone.name)
        mixer.add_bed(
            Bed(
                player,
                duck_gain=float(10 ** (music.duck_db / 20)),
                attack_frames=int(music.attack_ms * rate / 1000),
                release_frames=int(music.release_ms * rate / 1000),
            )
        )
        feeder = MusicFeeder(zone, player, rate, level)
        feeder.start()
        feeders.append(feeder)
        log.info("zone %s: background music from %d file(s)", zone.name, len(zone.music))
    return feeders
