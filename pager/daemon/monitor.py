"""The monitor thread: feeds systemd's watchdog only while the audio callback runs, and
reports the callback's health (xruns, errors) to the controller when it changes."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from pager.audio.sinks import AudioSink, Health
from pager.core.inputs import AudioHealth
from pager.io import systemd
from pager.mixer import Mixer

log = logging.getLogger(__name__)

MONITOR_INTERVAL_S = 1.0


class Monitor:
    """Watches the output; `audio_ok` is False while the sink knows the output is down (the
    watchdog is still fed then: the daemon is doing what it should, waiting for the card)."""

    def __init__(self, mixer: Mixer, sink: AudioSink, report: Callable[[AudioHealth], None]
                 ) -> None:  # fmt: skip
        self._mixer = mixer
        self._sink = sink
        self._report = report
        self.audio_ok = True

    def run(self, stop: threading.Event) -> None:
        """Until `stop` is set: the watchdog and the callback's health, every period."""
        interval = systemd.watchdog_interval()
        period = min(MONITOR_INTERVAL_S, interval / 2) if interval else MONITOR_INTERVAL_S
        last_blocks, last_fed = -1, 0.0
        reported = Health()
        while not stop.wait(period):
            if interval is not None and time.monotonic() - last_fed >= interval / 2:
                blocks = self._mixer.blocks_rendered
                if blocks != last_blocks or not self.audio_ok:  # running, or known down
                    systemd.notify("WATCHDOG=1")
                    last_fed = time.monotonic()
                else:
                    log.error("the audio output has stalled: not feeding the systemd watchdog")
                last_blocks = blocks
            reported = self._health(reported)

    def _health(self, reported: Health) -> Health:
        """Report the callback's totals when they changed, logging its first error."""
        health = self._sink.health()
        if health == reported:
            return reported
        error = health.first_error
        if error is not None and reported.first_error is None:
            log.error("the audio callback failed (the block went out silent)",
                      exc_info=(type(error), error, error.__traceback__))  # fmt: skip
        text = f"{type(error).__name__}: {error}" if error is not None else None
        self._report(AudioHealth(health.xruns, health.callback_errors, text))
        return health
