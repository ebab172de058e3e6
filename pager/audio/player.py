"""One announcement as the mixer plays it: its samples, appended by a producer thread and
read by the audio thread, and where it is (waiting, playing, finished)."""

from __future__ import annotations

import collections
import enum
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


class PlayerState(enum.Enum):
    """Where a player is, as the audio thread sees it (only the audio thread changes it)."""

    WAITING = "waiting"  # handed over, not yet heard
    PLAYING = "playing"
    FINISHED = "finished"  # played to its end, faded out after stop(), or flushed


class Player:
    """One announcement on a set of output channels: a chime, then speech added when ready.

    Segments are mono float32 at the device rate. The producer appends segments and then
    calls `close()`; the audio thread reads them. A player that runs out of samples before
    it is closed plays silence until more arrive (reported as `starved_frames`).

    A segment may belong to a section (a sentence of a combined announcement: `section`
    k > 0, and -k for the pause after it): the audio thread notes when a sentence's first and
    last samples play (`marks`), and leaves out a section `skip` asked for before it began.

    A follower (`leader` set: zones hearing other sentences in step with a combined
    announcement's) has segments as long as its leader's; it never plays ahead of it and
    leaves out what the leader left out, so the two stay on the same sample even when speech
    comes late or a sentence is skipped. The mixer reads the leader first.
    """

    def __init__(
        self, channel_gains: Sequence[tuple[int, float]], ident: int = 0,
        leader: Player | None = None,
    ) -> None:  # fmt: skip
        self.channel_gains = tuple((int(c), float(g)) for c, g in channel_gains)
        self.ident = ident  # the owner's number for it (the controller's play)
        self.gains = np.zeros(0, dtype=np.float32)  # per output channel: set by Mixer.add
        self.state = PlayerState.WAITING
        self.starved_frames = 0
        self._segments: collections.deque[tuple[np.ndarray, int]] = collections.deque()
        self._skipped: set[int] = set()  # sections to leave out (set.add is atomic)
        self.left_out: set[int] = set()  # sections it did leave out (audio thread)
        self.leader = leader
        self.marks: list[tuple[PlayerState, int, int]] = []  # (kind, section, frame in block)
        self._closed = False
        self.appended_frames = 0  # written by the producer only
        self.played_frames = 0  # written by the audio thread only
        self._stop_requested = False  # the one flag another thread sets
        self.fade_position: int | None = None  # frames into the fade-out, once it began
        # The stream frame its first sample must play at (racks starting together), or
        # None: at once. Another thread may move it until the player has started.
        self.start_frame: int | None = None
        self._offset = 0

    def append(self, samples: np.ndarray, section: int = 0) -> None:
        """Queue more samples (one producer thread; deque appends are atomic)."""
        if samples.size:
            # Within full scale, so that the mixer needs to clip only where players overlap.
            self._segments.append((np.clip(samples, -1.0, 1.0, dtype=np.float32), section))
            self.appended_frames += len(samples)

    def skip(self, section: int) -> None:
        """Leave section `section` (and its pause) out, unless it has begun (any thread)."""
        self._skipped.add(section)

    @property
    def buffered_frames(self) -> int:
        """Samples appended but not yet played."""
        return self.appended_frames - self.played_frames

    def close(self) -> None:
        """No more segments will come; the player finishes when it has played them."""
        self._closed = True

    def stop(self) -> None:
        """Fade out now and finish (any thread); the mixer applies the fade and then reports
        the player FINISHED."""
        self._stop_requested = True

    @property
    def stop_requested(self) -> bool:
        return self._stop_requested

    def read_steady(self, out: np.ndarray) -> bool:
        """The usual block, in as few steps as possible (audio thread): if the player is
        playing, not stopping, and its current segment fills `out` with samples to spare,
        copy them and return True; otherwise change nothing and return False."""
        if self.state is not PlayerState.PLAYING or self._stop_requested or not self._segments:
            return False
        if self.leader is not None and self.leader.played_frames - self.played_frames < len(out):
            return False
        segment, section = self._segments[0]
        if section and not self._offset:
            return False  # a section begins: read_into notes it (or leaves it out)
        end = self._offset + len(out)
        if end >= len(segment):
            return False
        out[...] = segment[self._offset : end]
        self._offset = end
        self.played_frames += len(out)
        return True

    def read_into(self, out: np.ndarray) -> int:
        """Copy up to len(out) next samples into out; return how many (audio thread)."""
        wanted = len(out)
        skipped = self._skipped
        if self.leader is not None:  # as far as the leader went, leaving out what it did
            wanted = max(0, min(wanted, self.leader.played_frames - self.played_frames))
            skipped = self.leader.left_out
        segments = self._segments
        done = 0
        while done < wanted and segments:
            segment, section = segments[0]
            if section and not self._offset:
                if abs(section) in skipped:
                    segments.popleft()
                    self.left_out.add(abs(section))
                    continue
                if section > 0 and self.leader is None:
                    self.marks.append((PlayerState.PLAYING, section, done))
            take = min(wanted - done, len(segment) - self._offset)
            out[done : done + take] = segment[self._offset : self._offset + take]
            done += take
            self._offset += take
            if self._offset == len(segment):
                segments.popleft()  # played: let it go, so an endless player stays small
                self._offset = 0
                if section > 0 and self.leader is None:
                    self.marks.append((PlayerState.FINISHED, section, done))
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
