"""The inputs' thread: takes each captured block from the input stream, has it heard
(`pager.daemon.hearing`), hands what follows to the control queue, and publishes the inputs'
live levels once a second. Also keeps the mixer's line pilot matching the config.

Nothing here runs in an audio callback, and nothing the output does waits for it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping

from pager.audio.capture import CaptureStream, InputChange
from pager.audio.pilot import Pilot
from pager.audio.tap import OutputTap, TapBlock
from pager.config.model import Config
from pager.core import inputs
from pager.daemon.hearing import Hearing, Report
from pager.errors import AudioError
from pager.mixer import Mixer

log = logging.getLogger(__name__)

STALLED_AFTER_S = 2.0  # no input block for this long: the input stream has stalled
CHUNK_BLOCKS = 4  # blocks heard at a time: 43 ms at 512 frames, a quarter of the calls


def pilot_for(config: Config) -> Pilot | None:
    """The line pilot the config's `pilot` lines need (None: none)."""
    columns = [column for zone in config.piloted_zones for column in zone.columns]
    if not columns:
        return None
    audio, supervision = config.audio, config.supervision
    return Pilot(supervision.pilot_hz, supervision.pilot_db, audio.sample_rate,
                 channels=audio.channels, columns=columns, max_frames=audio.blocksize)  # fmt: skip


class Listener:
    """The inputs opened by `audio.inputs`: `start()`, `reconfigure()` on reload, `stop()`."""

    def __init__(
        self, config: Config, mixer: Mixer, put: Callable[[Report], None], *,
        publish_levels: Callable[[Mapping[str, object]], None],
        speech_db: Callable[[], float | None],
    ) -> None:  # fmt: skip
        self.stream = CaptureStream(config.audio)
        self.stream.report = self._stream_changed
        self._mixer = mixer
        self._put = put
        self._publish_levels = publish_levels
        self._speech_db = speech_db
        self._config = config
        self._pending: Config | None = None  # a reload, taken up by the thread
        self._tap: OutputTap | None = None
        self._tapped = 0
        self._hearing = self._hear(config, None)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="inputs", daemon=True)

    def _hear(self, config: Config, before: Hearing | None) -> Hearing:
        """The analysis for `config`, and the output tap its zones need, handed to the mixer."""

        def level_at(zone: str) -> float:
            known = config.zones.get(zone)
            return known.gain_db_at(time.time()) if known is not None else 0.0

        hearing = Hearing(config, speech_db=self._speech_db, level_at=level_at, before=before,
                          now=time.monotonic())  # fmt: skip
        taps = hearing.echoes.taps
        self._tap = OutputTap(taps, config.audio.blocksize) if taps else None
        self._tapped = 0  # the next tap block to read
        self._mixer.set_tap(self._tap)
        return hearing

    def start(self) -> None:
        """Open the inputs and start listening; inputs that cannot be opened are reported
        (`input-failed`) and retried, never a reason not to play."""
        self._mixer.set_pilot(pilot_for(self._config))
        try:
            self.stream.start()
        except AudioError as error:
            log.error("%s; retrying in the background", error)
            self.stream.retry(str(error))
        self._thread.start()

    def reconfigure(self, config: Config) -> None:
        """A reload: the new zones' sensors, lines and pilot (any thread)."""
        self._mixer.set_pilot(pilot_for(config))
        self._pending = config

    def stop(self) -> None:
        self._stop.set()
        self.stream.stop()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _stream_changed(self, change: InputChange) -> None:
        """From the stream's recovery thread."""
        if change.running:
            self._pending = self._pending or self._config  # start hearing afresh
        self._put(inputs.InputsChanged(change.running, change.detail))

    def _sent(self) -> list[TapBlock]:
        """The output tap's blocks since the last look."""
        if self._tap is None:
            return []
        blocks = list(self._tap.since(self._tapped))
        if blocks:
            self._tapped = blocks[-1].seq + 1
        return blocks

    def _run(self) -> None:
        last_block, stalled, shown = time.monotonic(), False, 0
        while not self._stop.is_set():
            block = self.stream.next_chunk(timeout=0.5, blocks=CHUNK_BLOCKS)
            now = time.monotonic()
            if self._pending is not None:
                self._config, self._pending = self._pending, None
                self._hearing = self._hear(self._config, self._hearing)
            if block is None:
                if not stalled and self.stream.running and now - last_block > STALLED_AFTER_S:
                    stalled = True
                    self._put(inputs.InputsChanged(False, f"no input captured for "
                                                          f"{STALLED_AFTER_S:.0f} s"))  # fmt: skip
                continue
            if stalled:
                stalled = False
                self._put(inputs.InputsChanged(True, self.stream.description))
            last_block = now
            sent = self._sent()
            try:
                for report in self._hearing.hear(block.samples, self._mixer.busy_channels(),
                                                 block.stamp, sent):  # fmt: skip
                    self._put(report)
            except Exception:
                log.exception("could not analyse an input block")
            if self._hearing.levels_taken != shown:  # a second of input measured
                shown = self._hearing.levels_taken
                self._publish_levels(self._hearing.shown_levels())
