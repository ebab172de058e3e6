"""The virtual sound card with inputs: what a test feeds reaches a program's input stream on
the same device, as on an interface with inputs (issue 25's sensing and supervision).

ALSA's `asym` plugin joins the card's playback (tests/virtual_card.py) and a capture PCM under
the card's name: a `plug` pinned to FLOAT_LE over a `file` plugin whose `infile` is a FIFO this
card writes, ahead of time, and whose copy-out (`file`) is a second FIFO it drains at the sample
rate's pace: the draining is what paces capture (the `null` slave has no clock). Each input
carries noise of a level the test sets, and any output channel can be looped into any input,
a fixed delay later, with a switch to cut it (a broken speaker line).
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import numpy as np

from pager.units import db_to_gain
from tests.virtual_card import READ_FRAMES, VirtualCard

AHEAD_S = 0.05  # how far ahead of capture the inputs are written (a short read would be stale)
IDLE_S = 0.1  # nothing captured for this long: the next capture is paced from its start
LATE_S = 0.5  # how long a loop waits for output the card's reader has not taken yet


class DuplexCard(VirtualCard):
    def __init__(self, directory: Path, channels: int = 8, inputs: int = 8, *,
                 rate: int = 48000, name: str = "pager_virtual",
                 loop_delay_s: float = 0.1) -> None:  # fmt: skip
        super().__init__(directory, channels, rate, name)
        self.inputs = inputs
        self.input_fifo = directory / "inputs.fifo"
        self.copy_fifo = directory / "inputs-copy.fifo"
        self.loop_delay = round(loop_delay_s * rate)  # frames between an output and its loop
        self.captured = 0  # input frames taken by the program so far
        self._noise = np.zeros(inputs, dtype=np.float32)  # RMS of each input's noise
        self._loops: dict[int, tuple[int, float]] = {}  # input -> the output looped in, gain
        self._cut: set[int] = set()
        self._rng = np.random.default_rng(25)
        self._feeding = threading.Lock()
        self._stop = threading.Event()
        self._fds: list[int] = []
        self._threads: list[threading.Thread] = []
        self._cursor: int | None = None  # the next output frame to loop into the inputs
        self.loops_replaced = 0  # times a loop lost its place (the card's reader held up)
        self.blocks_lost = 0  # input blocks written to a full pipe (nobody captured them)

    def __enter__(self) -> DuplexCard:
        for fifo in (self.input_fifo, self.copy_fifo):
            os.mkfifo(fifo)
            # Held open both ways from now on: an ALSA open of a FIFO with nobody at the other
            # end blocks for good (PortAudio's device scan at start opens the capture PCM).
            # Neither end ever waits: a block nobody reads is lost, as an idle ADC's samples.
            self._fds.append(os.open(fifo, os.O_RDWR | os.O_NONBLOCK))
        super().__enter__()
        self._threads = [
            threading.Thread(target=target, name=name, daemon=True)
            for target, name in ((self._feed, "card-inputs"), (self._drain, "card-capture"))
        ]
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=10)
        super().__exit__(*exc)
        for fd in self._fds:
            os.close(fd)

    def _asoundrc(self, playback: str) -> str:
        capture = f"{self.name}_capture"
        return super()._asoundrc(f"{self.name}_play") + (
            f'pcm.{capture}_file {{\n  type file\n  slave.pcm "null"\n'
            f'  file "{self.copy_fifo}"\n  infile "{self.input_fifo}"\n  format "raw"\n}}\n'
            f'pcm.{capture} {{\n  type plug\n  slave {{\n    pcm "{capture}_file"\n'
            f"    format FLOAT_LE\n    rate {self.rate}\n    channels {self.inputs}\n  }}\n}}\n"
            f'pcm.{self.name} {{\n  type asym\n  playback.pcm "{self.name}_play"\n'
            f'  capture.pcm "{capture}"\n}}\n'
        )

    def noise(self, channel: int, level_db: float | None) -> None:
        """White noise of `level_db` dBFS RMS on input `channel` (0-based); None: silence."""
        with self._feeding:
            self._noise[channel] = 0.0 if level_db is None else db_to_gain(level_db)

    def loop(self, output: int, into: int, gain_db: float = 0.0) -> None:
        """Output channel `output` heard on input `into` (0-based), loop_delay frames later
        and `gain_db` quieter or louder (0: bit for bit)."""
        with self._feeding:
            self._loops[into] = (output, db_to_gain(gain_db))
            self._cut.discard(into)

    def cut(self, channel: int, cut: bool = True) -> None:
        """The loop into input `channel` broken (True) or mended (False)."""
        with self._feeding:
            (self._cut.add if cut else self._cut.discard)(channel)

    def _block(self) -> np.ndarray:
        """The next READ_FRAMES input frames, to be captured about AHEAD_S from now."""
        with self._feeding:
            noise = self._noise.copy()
            loops = {i: o for i, o in self._loops.items() if i not in self._cut}
        block = self._rng.standard_normal((READ_FRAMES, self.inputs)).astype(np.float32)
        block *= noise  # unit variance: the level is the RMS
        played = self._played_then() if loops else None
        if played is not None:
            for into, (output, gain) in loops.items():
                block[:, into] += played[:, output] if gain == 1.0 else played[:, output] * gain
        return block

    def _played_then(self) -> np.ndarray | None:
        """The output that left the card loop_delay before this block is captured, frames
        following on from the last block's (None while there is none)."""
        if self._cursor is None:  # where the delay puts it, by the card's clock
            heard_at = time.monotonic() + AHEAD_S - self.loop_delay / self.rate
            cursor = round((heard_at - self.origin) * self.rate)
            if cursor < 0 or self.frames < cursor + READ_FRAMES:
                return None  # nothing playing: placed again next time
            self._cursor = cursor
        try:  # a reader held up by a busy machine catches up; a card that stopped does not
            self.wait_for_frames(self._cursor + READ_FRAMES, timeout=LATE_S)
        except AssertionError:
            self._cursor = None
            self.loops_replaced += 1
            return None
        played = self.segment(self._cursor, self._cursor + READ_FRAMES)
        self._cursor += READ_FRAMES
        return played

    def _feed(self) -> None:
        fd, written = self._fds[0], 0
        began = time.monotonic()
        while not self._stop.is_set():
            try:
                os.write(fd, self._block().tobytes())
            except BlockingIOError:  # the pipe is full: nobody captures
                self.blocks_lost += 1
            written += READ_FRAMES
            delay = began + written / self.rate - AHEAD_S - time.monotonic()
            if delay > 0:
                time.sleep(delay)

    def _drain(self) -> None:
        """Take what is captured at the sample rate's pace (which paces the capture)."""
        fd, size = self._fds[1], READ_FRAMES * self.inputs * 4
        began = last = time.monotonic()
        taken = 0
        while not self._stop.is_set():
            try:
                taken += len(os.read(fd, size))
                last = time.monotonic()
            except BlockingIOError:  # nothing captured: not open, or between blocks
                time.sleep(READ_FRAMES / self.rate)
                if time.monotonic() - last > IDLE_S:  # a new capture starts on time
                    began = time.monotonic() - taken / (self.inputs * 4) / self.rate
                continue
            self.captured = taken // (self.inputs * 4)
            delay = began + self.captured / self.rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
