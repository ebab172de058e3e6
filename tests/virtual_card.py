"""A paced virtual multi-channel sound card for tests: an ALSA file PCM writing into a FIFO.

ALSA's `file` plugin (slave `null`) records every channel exactly; a thread reads the FIFO
at the sample rate's pace, so the stream behaves like a real interface in time, and the
test sees what each channel carried and when.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import functools
import os
import threading
import time
from pathlib import Path
from typing import BinaryIO

import numpy as np

from tests import e2e

READ_FRAMES = 256


class VirtualCard:
    def __init__(self, directory: Path, channels: int = 8, rate: int = 48000,
                 name: str = "pager_virtual") -> None:  # fmt: skip
        self.directory = directory
        self.channels = channels
        self.rate = rate
        self.name = name
        self.fifo = directory / "card.fifo"
        self.home = directory / "home"
        self._chunks: list[bytes] = []
        self._arrivals: list[tuple[float, int]] = []  # (monotonic time, frames read before)
        self._lock = threading.Lock()
        self._progress = threading.Condition(self._lock)
        self._frames = 0
        self._thread: threading.Thread | None = None
        self.opened = threading.Event()
        self.closed = threading.Event()
        self._unplug = threading.Event()
        self.unplugged = threading.Event()
        self.replugged_at: int | None = None  # the first frame played after plug()
        self.sessions_ended = 0  # how many times a player opened the card and closed it again
        self.unshrunk_sessions = 0  # sessions whose pipe a writer had filled before it shrank
        self._finished = False
        self.origin = 0.0  # time.monotonic() of frame 0 by the card's clock

    def __enter__(self) -> VirtualCard:
        e2e.require("the virtual sound card")
        self.home.mkdir(parents=True, exist_ok=True)
        os.mkfifo(self.fifo)
        (self.home / ".asoundrc").write_text(self._asoundrc(self.name))
        self._thread = threading.Thread(target=self._read, name="virtual-card", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._finished = True
        # Unblock our own open() of the FIFO, if it waits for a writer, so that it can end.
        with contextlib.suppress(OSError):  # nobody waits
            os.close(os.open(self.fifo, os.O_WRONLY | os.O_NONBLOCK))
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _asoundrc(self, playback: str) -> str:
        """The card's playback PCM, named `playback`, for $HOME/.asoundrc."""
        return (
            f'pcm.{playback} {{\n  type file\n  slave.pcm "null"\n'
            f'  file "{self.fifo}"\n  format "raw"\n}}\n'
            # The same card for programs that play other formats (aplay of espeak-ng's WAV).
            f'pcm.{self.name}_plug {{\n  type plug\n  slave {{\n    pcm "{playback}"\n'
            f"    format FLOAT_LE\n    rate {self.rate}\n    channels {self.channels}\n  }}\n}}\n"
        )

    def env(self) -> dict[str, str]:
        """Environment for a process that should see the card (ALSA reads $HOME/.asoundrc)."""
        return {**os.environ, "HOME": str(self.home)}

    @property
    def bytes_per_frame(self) -> int:
        return 4 * self.channels

    def unplug(self) -> None:
        """Pull the card out: stop reading, so the stream's next write fails."""
        self._unplug.set()
        if not self.unplugged.wait(10):
            raise AssertionError("the card could not be unplugged")

    def plug(self) -> None:
        """Put the card back: read again once the daemon reopens it."""
        self._unplug.clear()
        with self._lock:
            self.replugged_at = self._frames
        self._thread = threading.Thread(target=self._read, name="virtual-card", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        # EOF on a FIFO only means no writer right now: PortAudio may close and reopen the
        # device (it does when it recovers from a failure), so keep reading from the next.
        while not self._finished:
            # A pipe buffers 64 KiB by default (42 ms of 8 channels): shrink it to about one
            # read before the writer comes, so the card holds no more audio than a real
            # interface's hardware buffer, and always the same (once the writer has filled
            # it, the kernel refuses to shrink it: cards would differ by 37 ms).
            early = os.open(self.fifo, os.O_RDONLY | os.O_NONBLOCK)
            try:
                try:
                    fcntl.fcntl(early, fcntl.F_SETPIPE_SZ, READ_FRAMES * self.bytes_per_frame)
                except OSError as error:
                    # A writer that reopened the device first may already hold more than
                    # that in the pipe (EBUSY): this session keeps the larger buffer rather
                    # than the card dying (seen once in CI, in the benchmark smoke run).
                    if error.errno != errno.EBUSY:
                        raise
                    self.unshrunk_sessions += 1
                fifo = open(self.fifo, "rb", buffering=0)  # noqa: SIM115 - closed below
            finally:
                os.close(early)
            with fifo:
                self.opened.set()
                if not self._read_until_eof(fifo):
                    return  # unplugged
            with self._progress:
                self.sessions_ended += 1
                self._progress.notify_all()
            self.closed.set()

    def _read_until_eof(self, fifo: BinaryIO) -> bool:
        """Read at the card's pace until the writer closes (True) or unplug() (False)."""
        want = READ_FRAMES * self.bytes_per_frame
        frames = self._frames
        start = time.monotonic() - frames / self.rate
        self.origin = start
        pending = b""
        while True:
            if self._unplug.is_set():
                self.unplugged.set()
                return False
            data = fifo.read(want - len(pending))
            if not data:
                return True
            self.closed.clear()
            pending += data
            if len(pending) < want:
                continue
            with self._lock:
                self._chunks.append(pending)
                self._arrivals.append((time.monotonic(), frames))
                self._frames = frames + READ_FRAMES
                self._progress.notify_all()
            frames += READ_FRAMES
            pending = b""
            # Pace like hardware: frame N is consumed at start + N / rate.
            delay = start + frames / self.rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)

    def wait_for_frames(self, frames: int, timeout: float = 30) -> None:
        """Block until the card has played `frames` frames in all."""
        with self._progress:
            if not self._progress.wait_for(lambda: self._frames >= frames, timeout):
                raise AssertionError(f"the card played {self._frames} of {frames} frames")

    @property
    def frames(self) -> int:
        """Frames played so far."""
        return self._frames

    def dac_time(self, frame: int) -> float:
        """When (time.monotonic) `frame` leaves the card's converter, by its own clock: frame
        N at its first read + N / rate (the pace its reader keeps, as a crystal would)."""
        return self.origin + frame / self.rate

    def time_of_frame(self, frame: int) -> float:
        """When (time.monotonic) the card consumed `frame`: the read that carried it."""
        with self._lock:
            return self._arrivals[frame // READ_FRAMES][0]

    def _played_beyond(self, chunk: int) -> bool:
        return len(self._chunks) > chunk

    def wait_for_sound(self, after: int, timeout: float = 30, channels: slice = slice(None)) -> int:
        """The first frame at or after `after` with sound on any of `channels` (0-based
        columns; all by default), once played."""
        deadline = time.monotonic() + timeout
        chunk = after // READ_FRAMES
        while True:
            with self._progress:
                if not self._progress.wait_for(
                    functools.partial(self._played_beyond, chunk),
                    max(0.0, deadline - time.monotonic()),
                ):
                    raise AssertionError(f"no sound within {timeout} s")
                new = self._chunks[chunk:]
            for data in new:
                block = np.frombuffer(data, dtype="<f4").reshape(-1, self.channels)
                loud = np.flatnonzero(np.any(block[:, channels] != 0, axis=1))
                loud = loud[loud + chunk * READ_FRAMES >= after]
                if len(loud):
                    return int(chunk * READ_FRAMES + loud[0])
                chunk += 1

    def wait_for_sessions(self, sessions: int, timeout: float) -> None:
        """Block until players have opened and closed the card `sessions` times in all."""
        with self._progress:
            if not self._progress.wait_for(lambda: self.sessions_ended >= sessions, timeout):
                raise AssertionError(f"{self.sessions_ended} of {sessions} sessions ended")

    def segment(self, start: int, stop: int) -> np.ndarray:
        """Frames start..stop (already played) as frames x channels float32."""
        first, last = start // READ_FRAMES, -(-stop // READ_FRAMES)
        with self._lock:
            if stop > self._frames:
                raise ValueError(f"frame {stop} has not been played yet ({self._frames})")
            data = b"".join(self._chunks[first:last])
        block = np.frombuffer(data, dtype="<f4").reshape(-1, self.channels)
        return block[start - first * READ_FRAMES : stop - first * READ_FRAMES]

    def samples(self) -> np.ndarray:
        """Everything the card has played so far: frames x channels float32."""
        with self._lock:
            data = b"".join(self._chunks)
        return np.frombuffer(data, dtype="<f4").reshape(-1, self.channels)
