"""Wiring: MQTT calls -> validated announcements -> speech -> players in the mixer -> sink.

Threads: paho's network thread (enqueue only), the dispatcher (validate, route, queue the
speech), the playout thread (one announcement at a time, chime first), the TTS worker,
and the audio callback (mixer). Data flows one way; events flow back to MQTT.
"""

from __future__ import annotations

import functools
import logging
import queue
import threading
import time
from concurrent.futures import Future
from typing import Any

import numpy as np

from pager import chime
from pager.calls import Announcement, Announcer, parse_call
from pager.config import Config
from pager.errors import CallRejected
from pager.mixer import Mixer, MixerEvent, Player, PlayerState
from pager.mqtt import Inbound, MqttLink
from pager.output import AudioSink
from pager.tts import Synthesizer

log = logging.getLogger(__name__)

SHUTDOWN_GRACE_S = 15.0


def make_synthesizer(config: Config) -> Synthesizer:
    a = config.announcement
    return Synthesizer(a.voice, a.rate, config.audio.sample_rate, a.loudness_lufs)


def make_announcer(config: Config) -> Announcer:
    return Announcer(config.routing(), config.announcement.template, config.announcement.lexicon)


class Daemon:
    """The paging daemon: `run()` blocks until `stop()` is called (from a signal handler)."""

    def __init__(self, config: Config, sink: AudioSink) -> None:
        self.config = config
        self.sink = sink
        self.mixer = Mixer(config.audio.channels, max_frames=max(8192, config.audio.blocksize))
        self.synthesizer = make_synthesizer(config)
        self.announcer = make_announcer(config)
        self.chime = chime.prepared(config.announcement, config.audio.sample_rate)
        self.inbox: queue.Queue[Inbound | None] = queue.Queue()
        self.playout: queue.Queue[tuple[Announcement, Future[np.ndarray]] | None] = queue.Queue()
        self.link = MqttLink(config, self.inbox)
        self._stop = threading.Event()
        self._failures: dict[int, str] = {}

    def stop(self) -> None:
        """Ask `run()` to return (safe from a signal handler)."""
        self._stop.set()

    def run(self) -> None:
        """Open speech and audio (raising PagerError if they fail), then serve until stopped."""
        self.synthesizer.start()
        try:
            self.sink.start(self.mixer.render)
        except BaseException:
            self.synthesizer.close()
            raise
        self.link.start()
        dispatcher = threading.Thread(target=self._dispatch_loop, name="dispatcher")
        player = threading.Thread(target=self._playout_loop, name="playout", daemon=True)
        dispatcher.start()
        player.start()
        log.info("pager %s ready: %d zones, %d counters", self.config.node,
                 len(self.config.zones), len(self.config.counters))  # fmt: skip
        self._stop.wait()
        log.info("stopping: no new calls; the playing announcement finishes")
        self.link.stop_intake()
        self.inbox.put(None)
        dispatcher.join()
        self._drop_queued("pager stopped before its turn")
        self.playout.put(None)
        player.join(timeout=SHUTDOWN_GRACE_S)
        self.link.stop()
        self.sink.stop()
        self.synthesizer.close()
        log.info("stopped")

    def _drop_queued(self, reason: str) -> None:
        while True:
            try:
                item = self.playout.get_nowait()
            except queue.Empty:
                return
            if item is not None:
                announcement, speech = item
                speech.cancel()
                log.warning("call %s dropped: %s", announcement.call.id, reason)
                self._event("failed", announcement, reason=reason)

    def _event(self, event: str, announcement: Announcement | None = None, **fields: Any) -> None:
        body: dict[str, Any] = {"event": event, "node": self.config.node}
        if announcement is not None:
            call = announcement.call
            body.update(id=call.id, ticket=call.ticket, counter=call.counter,
                        zones=list(announcement.route.zones), text=announcement.text)  # fmt: skip
        body.update(fields)
        body["ts"] = round(time.time(), 3)
        self.link.publish_event(body)

    def _dispatch_loop(self) -> None:
        while (message := self.inbox.get()) is not None:
            try:
                self._dispatch(message)
            except Exception:
                log.exception("unexpected error handling the message on %s", message.topic)

    def _dispatch(self, message: Inbound) -> None:
        try:
            call = parse_call(message.counter, message.payload, message.received)
            announcement = self.announcer.prepare(call)
        except CallRejected as rejected:
            log.warning("rejected message on %s: %s", message.topic, rejected.reason)
            known: dict[str, Any] = {"id": None, "ticket": None, "counter": message.counter}
            known.update(rejected.known)
            self._event("rejected", None, reason=rejected.reason, **known)
            return
        # Synthesis starts now, ahead of its turn; the chime covers it at worst.
        speech = self.synthesizer.submit(announcement.text)
        log.info("call %s: ticket %s at counter %s -> %s: %r", call.id, call.ticket,
                 call.counter, ", ".join(announcement.route.zones), announcement.text)  # fmt: skip
        self._event("queued", announcement)
        self.playout.put((announcement, speech))

    def _playout_loop(self) -> None:
        while (item := self.playout.get()) is not None:
            try:
                self._play(*item)
            except Exception:
                log.exception("unexpected error playing a call")

    def _play(self, announcement: Announcement, speech: Future[np.ndarray]) -> None:
        player = Player(announcement.route.channel_gains, tag=announcement)
        player.append(self.chime)
        speech.add_done_callback(functools.partial(self._speech_ready, player))
        self.mixer.add(player)
        while True:
            event = self.mixer.events.get()
            self._report(event)
            if event.player is player and event.kind is PlayerState.FINISHED:
                return

    def _speech_ready(self, player: Player, speech: Future[np.ndarray]) -> None:
        try:
            player.append(speech.result())
        except BaseException as error:  # SpeechError, or cancelled at shutdown
            self._failures[id(player)] = f"speech synthesis failed: {error}"
        finally:
            player.close()

    def _report(self, event: MixerEvent) -> None:
        announcement = event.player.tag
        assert isinstance(announcement, Announcement)
        if event.kind is PlayerState.PLAYING:
            self._event("started", announcement)
            return
        failure = self._failures.pop(id(event.player), None)
        if failure:
            log.error("call %s: %s", announcement.call.id, failure)
            self._event("failed", announcement, reason=failure)
        else:
            self._event("finished", announcement)
        if event.player.starved_frames:
            late_ms = 1000 * event.player.starved_frames / self.config.audio.sample_rate
            log.warning("call %s: speech came %.0f ms after the chime ended", announcement.call.id,
                        late_ms)  # fmt: skip
