"""A paced virtual multi-channel sound card for tests: an ALSA file PCM writing into a FIFO.

ALSA's `file` plugin (slave `null`) records every channel exactly; a thread reads the FIFO
at the sample rate's pace, so the stream behaves like a real interface in time, and the
test sees what each channel carried and when.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from pathlib import Path

import numpy as np

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

    def __enter__(self) -> VirtualCard:
        self.home.mkdir(parents=True, exist_ok=True)
        os.mkfifo(self.fifo)
        (self.home / ".asoundrc").write_text(
            f'pcm.{self.name} {{\n  type file\n  slave.pcm "null"\n'
            f'  file "{self.fifo}"\n  format "raw"\n}}\n'
        )
        self._thread = threading.Thread(target=self._read, name="virtual-card", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if not self.opened.is_set():
            # Unblock our own open() of the FIFO so the thread can end.
            with open(self.fifo, "wb"):
                pass
        if self._thread is not None:
            self._thread.join(timeout=10)

    def env(self) -> dict[str, str]:
        """Environment for a process that should see the card (ALSA reads $HOME/.asoundrc)."""
        return {**os.environ, "HOME": str(self.home)}

    @property
    def bytes_per_frame(self) -> int:
        return 4 * self.channels

    def _read(self) -> None:
        want = READ_FRAMES * self.bytes_per_frame
        with open(self.fifo, "rb", buffering=0) as fifo:
            # A pipe buffers 64 KiB by default (42 ms of 8 channels): shrink it to about one
            # read, so the card holds no more audio than a real interface's hardware buffer.
            fcntl.fcntl(fifo.fileno(), fcntl.F_SETPIPE_SZ, want)
            self.opened.set()
            start = time.monotonic()
            frames = 0
            pending = b""
            while True:
                data = fifo.read(want - len(pending))
                if not data:
                    break
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
        self.closed.set()

    def wait_for_frames(self, frames: int, timeout: float = 30) -> None:
        """Block until the card has played `frames` frames in all."""
        with self._progress:
            if not self._progress.wait_for(lambda: self._frames >= frames, timeout):
                raise AssertionError(f"the card played {self._frames} of {frames} frames")

    def time_of_frame(self, frame: int) -> float:
        """When (time.monotonic) the card consumed `frame`: the read that carried it."""
        with self._lock:
            for when, first in self._arrivals:
                if first + READ_FRAMES > frame:
                    return when
        raise ValueError(f"frame {frame} has not been played yet")

    def samples(self) -> np.ndarray:
        """Everything the card has played so far: frames x channels float32."""
        with self._lock:
            data = b"".join(self._chunks)
        return np.frombuffer(data, dtype="<f4").reshape(-1, self.channels)
