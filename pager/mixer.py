"""The real-time mix: players (one announcement each) summed into the interface's channels.

`Mixer.render` runs in the audio callback. It only copies prepared samples, multiplies them by
zone gains and adds them into the output block: no allocation of sample buffers, no logging, no
locks, no I/O. Other threads hand players over through a lock-free SimpleQueue, and the mixer
reports what happened (started, finished) through another one.
"""

from __future__ import annotations

import collections
import enum
import queue
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


class PlayerState(enum.Enum):
    WAITING = "waiting"  # handed over, not yet heard
    PLAYING = "playing"
    FINISHED = "finished"


@dataclass(frozen=True)
class MixerEvent:
    """Something the audio thread saw: a player started or finished, at a stream frame."""

    kind: PlayerState
    player: Player
    frame: int


class Player:
    """One announcement on a set of output channels: a chime, then speech added when ready.

    Segments are mono float32 at the device rate. The producer appends segments and then
    calls `close()`; the audio thread reads them. A player that runs out of samples before
    it is closed plays silence until more arrive (reported as `starved_frames`).
    """

    def __init__(self, channel_gains: Sequence[tuple[int, float]], tag: Any = None) -> None:
        self.channel_gains = tuple((int(c), float(g)) for c, g in channel_gains)
        groups: dict[float, list[int]] = {}
        for channel, gain in self.channel_gains:
            groups.setdefault(gain, []).append(channel)
        self.gain_groups = tuple((gain, tuple(chans)) for gain, chans in groups.items())
        self.tag: Any = tag  # whatever the owner needs to recognise it
        self.state = PlayerState.WAITING
        self.starved_frames = 0
        self._segments: collections.deque[np.ndarray] = collections.deque()
        self._closed = False
        self.appended_frames = 0  # written by the producer only
        self.played_frames = 0  # written by the audio thread only
        self._stop_requested = False
        self.fade_position: int | None = None  # frames into the fade-out, once it began
        self.stopped = False  # ended by stop() rather than by playing to its end
        self._offset = 0

    def append(self, samples: np.ndarray) -> None:
        """Queue more samples (one producer thread; deque appends are atomic)."""
        if samples.size:
            self._segments.append(np.ascontiguousarray(samples, dtype=np.float32))
            self.appended_frames += len(samples)

    @property
    def buffered_frames(self) -> int:
        """Samples appended but not yet played."""
        return self.appended_frames - self.played_frames

    def close(self) -> None:
        """No more segments will come; the player finishes when it has played them."""
        self._closed = True

    def stop(self) -> None:
        """Fade out now and finish (any thread); the mixer applies the fade."""
        self._stop_requested = True

    @property
    def stop_requested(self) -> bool:
        return self._stop_requested

    def read_into(self, scratch: np.ndarray) -> int:
        """Copy up to len(scratch) next samples into scratch; return how many (audio thread)."""
        wanted = len(scratch)
        done = 0
        segments = self._segments
        while done < wanted and segments:
            segment = segments[0]
            take = min(wanted - done, len(segment) - self._offset)
            scratch[done : done + take] = segment[self._offset : self._offset + take]
            done += take
            self._offset += take
            if self._offset == len(segment):
                segments.popleft()  # played: let it go, so an endless player stays small
                self._offset = 0
        self.played_frames += done
        return done

    @property
    def drained(self) -> bool:
        """Closed and every segment played."""
        return self._closed and not self._segments


@dataclass
class Bed:
    """A zone's background music: a player that never ends, ducked under announcements."""

    player: Player
    duck_gain: float  # linear level while an announcement plays on its channels
    attack_frames: int  # to go all the way down
    release_frames: int  # to come all the way back
    gain: float = 1.0  # current ducking level (audio thread)


class Mixer:
    """Sums active players, and ducked background music, into blocks of `channels` columns."""

    def __init__(
        self,
        channels: int,
        max_frames: int = 8192,
        fade_frames: int = 960,
        events: queue.SimpleQueue[Any] | None = None,
    ) -> None:
        self.channels = channels
        self.events: queue.SimpleQueue[Any] = events if events is not None else queue.SimpleQueue()
        self._fade = np.linspace(1.0, 0.0, max(1, fade_frames), dtype=np.float32)
        self._incoming: queue.SimpleQueue[Player] = queue.SimpleQueue()
        self._active: list[Player] = []
        self._beds: list[Bed] = []
        self._busy = np.zeros(channels, dtype=bool)  # channels an announcement plays on
        self._index = np.arange(max_frames, dtype=np.float32)
        self._envelope = np.zeros(max_frames, dtype=np.float32)
        self._scratch = np.zeros(max_frames, dtype=np.float32)
        self._gained = np.zeros(max_frames, dtype=np.float32)
        self.frames_rendered = 0
        self.blocks_rendered = 0

    def add(self, player: Player) -> None:
        """Start a player at the next block (any thread)."""
        self._check_channels(player)
        self._incoming.put(player)

    def reset(self) -> None:
        """Drop every announcement at once (only while the stream is not running)."""
        while not self._incoming.empty():
            self._incoming.get_nowait().stopped = True
        for player in self._active:
            player.stopped = True
        self._active = []

    def add_bed(self, bed: Bed) -> None:
        """Add background music (before the stream starts)."""
        self._check_channels(bed.player)
        self._beds.append(bed)

    def _check_channels(self, player: Player) -> None:
        for channel, _ in player.channel_gains:
            if not 0 <= channel < self.channels:
                raise ValueError(f"player wants output {channel + 1} of {self.channels}")

    @property
    def idle(self) -> bool:
        return not self._active and self._incoming.empty()

    def render(self, out: np.ndarray) -> bool:
        """Mix one block into `out` (frames x channels); True when an announcement played."""
        frames = len(out)
        out.fill(0.0)
        self._busy.fill(False)
        while not self._incoming.empty():
            self._active.append(self._incoming.get_nowait())
        if self._beds:
            self._mix_beds(out)
        if not self._active:
            self._count(frames)
            return False
        scratch = self._scratch[:frames]
        gained = self._gained[:frames]
        for player in self._active:
            got = player.read_into(scratch)
            if player.state is PlayerState.WAITING and got:
                player.state = PlayerState.PLAYING
                self.events.put(MixerEvent(PlayerState.PLAYING, player, self.frames_rendered))
            if got < frames:
                scratch[got:] = 0.0
                if not player.drained and player.state is PlayerState.PLAYING:
                    player.starved_frames += frames - got
            if player.stop_requested:
                got = self._fade_out(player, scratch, got)
            self._add(out, scratch, gained, player)
            if player.drained or player.stopped:
                player.state = PlayerState.FINISHED
                self.events.put(
                    MixerEvent(PlayerState.FINISHED, player, self.frames_rendered + got)
                )
        if any(p.state is PlayerState.FINISHED for p in self._active):
            self._active = [p for p in self._active if p.state is not PlayerState.FINISHED]
        np.clip(out, -1.0, 1.0, out=out)
        self._count(frames)
        return True

    def _mix_beds(self, out: np.ndarray) -> None:
        frames = len(out)
        scratch = self._scratch[:frames]
        gained = self._gained[:frames]
        envelope = self._envelope[:frames]
        busy = self._busy
        for player in self._active:
            for channel, _ in player.channel_gains:
                busy[channel] = True
        for bed in self._beds:
            got = bed.player.read_into(scratch)
            scratch[got:] = 0.0
            ducked = any(busy[channel] for channel, _ in bed.player.channel_gains)
            start = bed.gain
            if ducked:
                step = (1.0 - bed.duck_gain) * frames / max(1, bed.attack_frames)
                bed.gain = max(bed.duck_gain, start - step)
            else:
                step = (1.0 - bed.duck_gain) * frames / max(1, bed.release_frames)
                bed.gain = min(1.0, start + step)
            if start != 1.0 or bed.gain != 1.0:
                # A linear ramp from the last block's level to this one's: no clicks.
                np.multiply(self._index[:frames], (bed.gain - start) / frames, out=envelope)
                np.add(envelope, start, out=envelope)
                np.multiply(scratch, envelope, out=scratch)
            self._add(out, scratch, gained, bed.player)

    @staticmethod
    def _add(out: np.ndarray, samples: np.ndarray, gained: np.ndarray, player: Player) -> None:
        """Add the samples into the player's channels, one multiply per distinct gain."""
        for gain, channels in player.gain_groups:
            source = samples
            if gain != 1.0:
                source = np.multiply(samples, gain, out=gained)
            for channel in channels:
                column = out[:, channel]
                np.add(column, source, out=column)

    def _fade_out(self, player: Player, scratch: np.ndarray, got: int) -> int:
        """Apply the next part of the player's fade-out ramp; return the frames it sounded."""
        start = player.fade_position or 0
        length = min(len(scratch), len(self._fade) - start)
        np.multiply(scratch[:length], self._fade[start : start + length], out=scratch[:length])
        scratch[length:] = 0.0
        player.fade_position = start + length
        if player.fade_position >= len(self._fade):
            player.stopped = True
        return min(got, length)

    def _count(self, frames: int) -> None:
        self.frames_rendered += frames
        self.blocks_rendered += 1
