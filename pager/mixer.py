"""The real-time mix: players (one announcement each) summed into the interface's channels.

`Mixer.render` runs in the audio callback. It only copies prepared samples into a stack and
mixes the stack into the output block with one product by the zone gains: no allocation of
sample buffers, no logging, no locks, no I/O. Other threads hand players and commands (flush,
new music beds) over through a lock-free SimpleQueue that only the audio thread reads, so the
lists it plays from are never touched by another thread; the mixer reports what happened
(started, finished) through another queue.

The front of the real-time mix: the daemon uses this; it uses `pager.audio` (the players and
music beds) below it, which never imports it back.
"""

from __future__ import annotations

import collections
import queue
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from threadpoolctl import threadpool_limits

from pager.audio.pilot import Pilot
from pager.audio.player import Bed, Player, PlayerState
from pager.audio.tap import OutputTap


@dataclass(frozen=True)
class MixerEvent:
    """Something the audio thread saw: a player started or finished, at a stream frame; with
    `section`, the first or last sample of that section (a combined announcement's sentence)
    played, and `starved` is how many frames the player had waited for samples by then."""

    kind: PlayerState
    player: Player
    frame: int
    section: int = 0
    starved: int = 0


class EventSink(Protocol):
    """Where the mixer reports its events (the runtime's control queue)."""

    def put(self, item: MixerEvent, /) -> None: ...


@dataclass(frozen=True)
class _Flush:
    """Drop every announcement at once (the output failed)."""


@dataclass(frozen=True)
class _SetBeds:
    """Replace the background music beds."""

    beds: tuple[Bed, ...]


@dataclass(frozen=True)
class _SetTap:
    """Replace the output tap (None: no tap)."""

    tap: OutputTap | None


@dataclass(frozen=True)
class _SetPilot:
    """Replace the line supervision pilot (None: no pilot)."""

    pilot: Pilot | None


class Mixer:
    """Sums active players, and ducked background music, into blocks of `channels` columns.

    Each block, every sounding player (music beds first) reads its next samples into one row
    of a players x frames stack, and a single matrix product with the players x channels
    gain matrix mixes them all into the output: the cost per block hardly grows with the
    number of channels, and the Python work is one short step per player.
    """

    def __init__(
        self,
        channels: int,
        max_frames: int = 8192,
        fade_frames: int = 960,
        events: EventSink | None = None,
        max_players: int = 64,
    ) -> None:
        # The mix is one small matrix product: OpenBLAS would hand it to a second thread
        # that then spins, burning a core and waking in the audio callback's path.
        threadpool_limits(1, user_api="blas")
        self.channels = channels
        self.max_frames = max_frames
        self.events: EventSink = events if events is not None else queue.SimpleQueue()
        self._fade = np.linspace(1.0, 0.0, max(1, fade_frames), dtype=np.float32)
        self._incoming: queue.SimpleQueue[
            tuple[Player, ...] | _Flush | _SetBeds | _SetPilot | _SetTap
        ] = queue.SimpleQueue()
        self._pilot: Pilot | None = None
        self._tap: OutputTap | None = None
        self._waiting: collections.deque[Player] = collections.deque()
        self._active: list[Player] = []
        self._beds: list[Bed] = []
        self._stack = np.zeros((max_players, max_frames), dtype=np.float32)
        self._views = list(self._stack)  # each row, cut to the current block size
        self._gains = np.zeros((max_players, channels), dtype=np.float32)
        self._busy = np.zeros(channels, dtype=bool)  # channels an announcement plays on
        self._may_clip = False  # some channel's gains add up to more than full scale
        self._index = np.arange(max_frames, dtype=np.float32)
        self._envelope = np.zeros(max_frames, dtype=np.float32)
        self.frames_rendered = 0
        self.blocks_rendered = 0

    def add(self, player: Player, *others: Player) -> None:
        """Start a player (and `others` with it, on the same sample) at the next block
        (any thread)."""
        for each in (player, *others):
            each.gains = self._gain_row(each)
        self._incoming.put((player, *others))

    def flush(self) -> None:
        """Drop every announcement handed over so far, at the next block (any thread).

        For when the output failed: the audio thread carries it out when the stream runs
        again, before any player handed over after this call; no events are reported for
        the dropped players.
        """
        self._incoming.put(_Flush())

    def set_beds(self, beds: Sequence[Bed]) -> None:
        """Replace the background music, at the next block (any thread)."""
        if len(beds) >= len(self._stack):
            raise ValueError(f"{len(beds)} music beds; the mixer takes {len(self._stack) - 1}")
        for bed in beds:
            bed.player.gains = self._gain_row(bed.player)
        self._incoming.put(_SetBeds(tuple(beds)))

    def set_pilot(self, pilot: Pilot | None) -> None:
        """Replace the line supervision pilot, at the next block (any thread)."""
        if pilot is not None and pilot.columns and pilot.columns[-1] >= self.channels:
            raise ValueError(f"the pilot wants output {pilot.columns[-1] + 1} of {self.channels}")
        self._incoming.put(_SetPilot(pilot))

    def set_tap(self, tap: OutputTap | None) -> None:
        """Replace the output tap, at the next block (any thread)."""
        self._incoming.put(_SetTap(tap))

    def busy_channels(self) -> np.ndarray:
        """The channels announcements play on now, as a copy (any thread; a block late at
        most)."""
        return self._busy.copy()

    def _gain_row(self, player: Player) -> np.ndarray:
        row = np.zeros(self.channels, dtype=np.float32)
        for channel, gain in player.channel_gains:
            if not 0 <= channel < self.channels:
                raise ValueError(f"player wants output {channel + 1} of {self.channels}")
            row[channel] += gain
        return row

    @property
    def idle(self) -> bool:
        """No announcement plays or waits to start."""
        return not self._active and not self._waiting and self._incoming.empty()

    def skip_silence(self, frames: int) -> bool:
        """When nothing at all would sound, count `frames` of silence and return True.

        The cheapest possible block for an idle stream: the caller outputs zeros itself.
        """
        if self._beds or self._pilot is not None or not self.idle:
            return False
        self._count(frames)
        return True

    def render(self, out: np.ndarray) -> bool:
        """Mix one block into `out` (frames x channels); True when an announcement played."""
        frames = len(out)
        if frames > self.max_frames:
            raise ValueError(f"a block of {frames} frames; the mixer takes {self.max_frames}")
        if not self._incoming.empty() or self._waiting:
            self._admit()
        beds = len(self._beds)
        rows = beds + len(self._active)
        if not rows:
            out.fill(0.0)
            if self._pilot is not None:
                self._pilot.add_into(out, self.frames_rendered, self._busy)
            self._count(frames)
            return False
        if frames != len(self._views[0]):
            self._views = [row[:frames] for row in self._stack]  # once per block size
        views = self._views
        if beds:
            self._read_beds(views)
        announced = bool(self._active)
        finished = False
        for row, player in enumerate(self._active, beds):
            samples = views[row]
            if player.read_steady(samples):
                continue  # nothing to report: the next player
            finished = self._read(player, samples) or finished
        np.dot(self._stack[:rows, :frames].T, self._gains[:rows], out=out)
        if self._pilot is not None:
            self._pilot.add_into(out, self.frames_rendered, self._busy)
        if self._may_clip:
            np.clip(out, -1.0, 1.0, out=out)
        if self._tap is not None:
            self._tap.write(out, self._busy)
        if finished:
            self._active = [p for p in self._active if p.state is not PlayerState.FINISHED]
            self._arrange()
        self._count(frames)
        return announced

    def _read(self, player: Player, samples: np.ndarray) -> bool:
        """A player's block, beyond the usual case: its start (perhaps at a frame inside the
        block), sections, running short, fading out, its end (True when it ended)."""
        frames = len(samples)
        begin = 0  # where in this block its samples begin (a timed start)
        if player.state is PlayerState.WAITING and player.start_frame is not None:
            begin = min(frames, max(0, player.start_frame - self.frames_rendered))
            samples[:begin] = 0.0
            if begin == frames and not player.stop_requested:
                return False  # not yet
        got = player.read_into(samples[begin:])
        at = self.frames_rendered + begin
        if player.state is PlayerState.WAITING and got:
            player.state = PlayerState.PLAYING
            self.events.put(MixerEvent(PlayerState.PLAYING, player, at))
        if player.marks:
            for kind, section, mark in player.marks:
                self.events.put(MixerEvent(kind, player, at + mark, section,
                                           player.starved_frames))  # fmt: skip
            player.marks.clear()
        if begin + got < frames:
            samples[begin + got :] = 0.0
            if not player.drained and player.state is PlayerState.PLAYING:
                player.starved_frames += frames - begin - got
        ended, end = player.drained, at + got
        if player.stop_requested:
            sounded, faded = self._fade_out(player, samples, begin + got)
            ended, end = ended or faded, self.frames_rendered + sounded
        if ended:
            player.state = PlayerState.FINISHED
            self.events.put(MixerEvent(PlayerState.FINISHED, player, end))
        return ended

    def _admit(self) -> None:
        """Take what was handed over since the last block: players, as far as the stack has
        rows, and commands, in the order they came."""
        while not self._incoming.empty():
            item = self._incoming.get_nowait()
            if isinstance(item, tuple):
                self._waiting.extend(item)
                continue
            if isinstance(item, _Flush):
                for player in [*self._waiting, *self._active]:
                    player.state = PlayerState.FINISHED
                self._waiting.clear()
                self._active = []
            elif isinstance(item, _SetPilot):
                self._pilot = item.pilot
            elif isinstance(item, _SetTap):
                self._tap = item.tap
            else:
                self._beds = list(item.beds)
            self._arrange()
        room = len(self._stack) - len(self._beds) - len(self._active)
        if room <= 0:
            return  # the rest start as rows come free
        while self._waiting and room:
            self._active.append(self._waiting.popleft())
            room -= 1
        self._arrange()

    def _arrange(self) -> None:
        """Gain matrix rows in stack order, and the channels announcements now occupy."""
        players = [bed.player for bed in self._beds] + self._active
        for index, player in enumerate(players):
            self._gains[index] = player.gains
        loudest = np.abs(self._gains[: len(players)]).sum(axis=0, initial=0.0)
        self._may_clip = bool(np.any(loudest > 1.0))
        self._busy.fill(False)
        for player in self._active:
            for channel, _ in player.channel_gains:
                self._busy[channel] = True

    def _read_beds(self, views: list[np.ndarray]) -> None:
        frames = len(views[0])
        envelope = self._envelope[:frames]
        for row, bed in enumerate(self._beds):
            samples = views[row]
            got = bed.player.read_into(samples)
            samples[got:] = 0.0
            ducked = any(self._busy[channel] for channel, _ in bed.player.channel_gains)
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
                np.multiply(samples, envelope, out=samples)

    def _fade_out(self, player: Player, samples: np.ndarray, got: int) -> tuple[int, bool]:
        """Apply the next part of the player's fade-out ramp; return the frames it sounded
        and whether the fade has run to silence."""
        start = player.fade_position or 0
        length = min(len(samples), len(self._fade) - start)
        np.multiply(samples[:length], self._fade[start : start + length], out=samples[:length])
        samples[length:] = 0.0
        player.fade_position = start + length
        return min(got, length), player.fade_position >= len(self._fade)

    def _count(self, frames: int) -> None:
        self.frames_rendered += frames
        self.blocks_rendered += 1
