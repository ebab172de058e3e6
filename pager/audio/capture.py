"""The interface's inputs: one PortAudio input stream, apart from the output's, whose callback
only copies each block into a ring of blocks prepared at start; a worker thread takes them.

The ring is bounded: when the worker falls behind by the whole ring, new blocks are dropped
(and counted), never waited for. The input failing is reported and retried with backoff
without restarting PortAudio, so the output's stream is never touched by it.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from pager.audio.soundcard import HeldStream, reopen_with_backoff, resolve_device
from pager.config.model import AudioConfig
from pager.errors import AudioError

log = logging.getLogger(__name__)

RING_BLOCKS = 64  # about 0.7 s at 512 frames and 48 kHz: the worker's slack


@dataclass(frozen=True)
class InputChange:
    """The inputs failed (`running` False), or are back; `detail` says which and why."""

    running: bool
    detail: str


@dataclass(frozen=True)
class InputBlock:
    """One block of every input (frames x inputs, float32): valid until the worker asks for
    the next one (its ring slot is then reused)."""

    samples: np.ndarray
    seq: int  # the block's number since the stream (re)opened
    stamp: float  # monotonic time its callback ran (just after its last sample came in)


class CaptureStream(HeldStream):
    """The input stream: `start()`, then `next_block()` in one worker thread."""

    def __init__(self, audio: AudioConfig, ring_blocks: int = RING_BLOCKS) -> None:
        super().__init__()
        self.audio = audio
        self.channels = audio.inputs
        self.device = audio.input_device if audio.input_device is not None else audio.device
        self.description = f"input device {self.device!r}"
        self.report: Callable[[InputChange], None] = lambda change: None
        self.dropped = 0  # blocks the worker had no room for
        self.status_flags = 0  # blocks PortAudio flagged (overflow)
        self._ring = np.zeros((ring_blocks, audio.blocksize, audio.inputs), dtype=np.float32)
        self._frames = [0] * ring_blocks
        self._stamps = [0.0] * ring_blocks
        self._written = 0  # only the callback writes it
        self._taken = 0  # only the worker writes it
        self._holding = False  # the worker holds a block (its slot is not free yet)
        self._chunk = np.zeros((0, audio.inputs), dtype=np.float32)
        self._ready: queue.SimpleQueue[int] = queue.SimpleQueue()

    def start(self) -> None:
        """Open the inputs; AudioError when they cannot be."""
        self._open()

    def _open(self) -> None:
        import sounddevice

        index = resolve_device(self.device, self.channels, kind="input")
        try:
            self._stream = sounddevice.RawInputStream(
                device=index, channels=self.channels, samplerate=self.audio.sample_rate,
                blocksize=self.audio.blocksize, dtype="float32", latency=self.audio.latency,
                callback=self._callback, finished_callback=self._finished,
            )  # fmt: skip
            self._stream.start()
        except sounddevice.PortAudioError as error:
            self._stream = None
            raise AudioError(f"cannot open {self.description}: {error}") from error
        name = sounddevice.query_devices(index)["name"]
        self.description = f'input device {index} "{name}"'
        log.info("listening on %s: %d inputs at %d Hz", self.description, self.channels,
                 self.audio.sample_rate)  # fmt: skip

    def _callback(self, indata: Any, frames: int, when: Any, status: Any) -> None:
        # Only copies: never waits for the worker, never raises into PortAudio.
        try:
            if status:
                self.status_flags += 1
            if self._written - self._taken >= len(self._ring):
                self.dropped += 1
                return
            slot = self._written % len(self._ring)
            frames = min(frames, self._ring.shape[1])
            self._ring[slot, :frames].reshape(-1)[:] = np.frombuffer(
                indata, dtype=np.float32, count=frames * self.channels
            )
            self._frames[slot] = frames
            self._stamps[slot] = time.monotonic()
            self._written += 1
            self._ready.put(slot)
        except Exception:
            self.dropped += 1

    def next_block(self, timeout: float) -> InputBlock | None:
        """The next block captured (handing the one before back to the ring), or None when
        none came within `timeout` seconds (the worker thread only)."""
        if self._holding:
            self._taken += 1  # the block handed out before is done with: its slot is free
            self._holding = False
        try:
            slot = self._ready.get(timeout=timeout)
        except queue.Empty:
            return None
        self._holding = True
        return InputBlock(self._ring[slot, : self._frames[slot]], self._taken, self._stamps[slot])

    @property
    def running(self) -> bool:
        """The stream is open (it may still stall: the worker watches for that)."""
        return self._stream is not None

    def retry(self, reason: str) -> None:
        """The inputs could not be opened (`start` raised): report it, and keep trying in
        the background."""
        threading.Thread(target=self._recover, args=(reason,), name="input-recovery",
                         daemon=True).start()  # fmt: skip

    def next_chunk(self, timeout: float, blocks: int) -> InputBlock | None:
        """Up to `blocks` blocks in one (the worker's cost is mostly per call, not per
        frame): the first waited for up to `timeout` seconds (None if none came), the
        others as they come, for as long as they take to be captured. The chunk is valid
        until the next call."""
        first = self.next_block(timeout)
        if first is None:
            return None
        frames = len(first.samples)
        if len(self._chunk) < blocks * self._ring.shape[1]:
            self._chunk = np.zeros((blocks * self._ring.shape[1], self.channels), np.float32)
        self._chunk[:frames] = first.samples
        stamp, wait = first.stamp, 2 * self._ring.shape[1] / self.audio.sample_rate
        for _ in range(blocks - 1):
            more = self.next_block(wait)
            if more is None:
                break
            self._chunk[frames : frames + len(more.samples)] = more.samples
            frames, stamp = frames + len(more.samples), more.stamp
        return InputBlock(self._chunk[:frames], first.seq, stamp)

    def _finished(self) -> None:
        """PortAudio ended the stream: on our stop, or because the device failed."""
        if not self._stopping.is_set():
            log.error("the audio inputs %s failed; reopening them", self.description)
            self.retry(f"{self.description} stopped")

    def _recover(self, reason: str) -> None:
        self.report(InputChange(False, reason))
        if reopen_with_backoff(self._stopping, self._close, self._open, "audio inputs",
                               restart=False):  # fmt: skip
            log.info("the audio inputs are back: %s", self.description)
            self.report(InputChange(True, self.description))

    def _stopped(self) -> None:
        log.info("inputs closed (%d blocks dropped, %d flagged)", self.dropped,
                 self.status_flags)  # fmt: skip
