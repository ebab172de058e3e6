"""Wiring: MQTT messages -> announcements -> scheduler -> players in the mixer -> sink.

Threads: paho's network thread and the audio callback only enqueue (into one control
queue); the control thread owns the scheduler and every decision; the TTS worker renders
speech. Data flows one way; events flow back to MQTT.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pager import chime, systemd
from pager.calls import Announcement, parse_announce, parse_call, parse_cancel
from pager.config import Config, reload_config
from pager.errors import CallRejected, ConfigError
from pager.events import Reporter
from pager.journal import Entry, Journal
from pager.mixer import Mixer, MixerEvent, Player, PlayerState
from pager.mqtt import Connected, Inbound, MqttLink
from pager.music import start_music
from pager.output import AudioSink
from pager.scheduler import Job, Outcome, Priority, Scheduler
from pager.wiring import PRIORITIES, make_announcer, make_policy, make_synthesizer

log = logging.getLogger(__name__)

_STOP = object()
_RELOAD = object()


@dataclass(frozen=True)
class AudioStatus:
    """The output failed or is back (from the sink's recovery thread)."""

    kind: str  # "failed" or "restored"
    detail: str


@dataclass
class _Playing:
    """What the daemon knows about a player (its tag)."""

    job: Job
    event: str  # "started" or "resumed": published when its first sample plays
    zones: tuple[str, ...]
    text: str
    failure: str | None = None
    stopped: bool = False


class Daemon:
    """The paging daemon: `run()` blocks until `stop()` is called (from a signal handler)."""

    def __init__(
        self,
        config: Config,
        sink: AudioSink,
        clock: Callable[[], float] = time.time,
        config_path: str | None = None,
        adjust: Callable[[Config], Config] = lambda c: c,
    ) -> None:
        self.config = config
        self.config_path = config_path
        self.adjust = adjust  # command-line overrides, applied again on reload
        self.sink = sink
        self.clock = clock
        rate = config.audio.sample_rate
        self.control: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.mixer = Mixer(
            config.audio.channels,
            max_frames=config.audio.blocksize,
            fade_frames=int(config.scheduling.fade_ms * rate / 1000),
            events=self.control,
        )
        self.scheduler = Scheduler(config.zones, make_policy(config.scheduling))
        self.synthesizer = make_synthesizer(config)
        self.announcer = make_announcer(config)
        self.routing = config.routing()
        self.chime = chime.prepared(config.announcement, rate)
        self.emergency_gain = float(10 ** (config.scheduling.emergency_gain_db / 20))
        self.link = MqttLink(config, self.control)
        self.reporter = Reporter(self.link, config.node)
        self.journal = Journal(Path(config.state_dir) / "calls.db")
        self.players: dict[str, Player] = {}
        self._stop = threading.Event()
        self._stopping = False
        self._ready = False
        self._audio_ok = True

    def stop(self) -> None:
        """Ask `run()` to return (safe from a signal handler)."""
        self._stop.set()

    def reload(self) -> None:
        """Ask for the config file to be read again (safe from a signal handler)."""
        self.control.put(_RELOAD)

    def run(self) -> None:
        """Open speech and audio (raising PagerError if they fail), then serve until stopped."""
        self.synthesizer.start()
        rate = self.config.audio.sample_rate
        feeders = start_music(self.mixer, self.config.zones, self.config.music, rate)
        self.sink.report = lambda kind, detail: self.control.put(AudioStatus(kind, detail))
        try:
            self.sink.start(self.mixer)
        except BaseException:
            for feeder in feeders:
                feeder.stop()
            self.synthesizer.close()
            raise
        self.link.start()
        control = threading.Thread(target=self._control_loop, name="control")
        control.start()
        watchdog = threading.Thread(target=self._feed_watchdog, name="watchdog", daemon=True)
        watchdog.start()
        self._stop.wait()
        systemd.notify("STOPPING=1")
        log.info("stopping: no new calls; what is playing finishes")
        self.control.put(_STOP)
        control.join()
        self.link.stop()
        self.sink.stop()
        for feeder in feeders:
            feeder.stop()
        self.synthesizer.close()
        log.info("stopped")

    # -- the control thread ---------------------------------------------------------------

    def _control_loop(self) -> None:
        self._replay_journal()
        stop_by: float | None = None
        while True:
            now = self.clock()
            deadline = stop_by if stop_by is not None else self.scheduler.next_deadline(now)
            try:
                item = self.control.get(
                    timeout=None if deadline is None else max(0, deadline - now)
                )
            except queue.Empty:
                item = None
            now = self.clock()
            try:
                if item is _STOP:
                    self._stopping = True
                    stop_by = now + self.config.scheduling.stop_grace_s
                elif isinstance(item, MixerEvent):
                    self._on_mixer(item, now)
                elif isinstance(item, Inbound) and not self._stopping:
                    self._on_message(item, now)
                elif isinstance(item, Connected):
                    self._on_connected()
                elif item is _RELOAD and not self._stopping:
                    self._reload()
                elif isinstance(item, AudioStatus):
                    self._on_audio(item, now)
                if not self._stopping:
                    self._apply(self.scheduler.tick(now))
                self.reporter.status(self.scheduler, self._audio_ok)
            except Exception:
                log.exception("unexpected error in the control loop")
            if stop_by is not None and (not self.players or now >= stop_by):
                kept = len(self.journal.pending())
                if kept:
                    log.info("%d calls kept in %s for the next start", kept, self.journal.path)
                self.journal.close()
                return

    def _replay_journal(self) -> None:
        """Queue again what was taken but not finished before the last stop or crash."""
        entries = self.journal.pending()
        for entry in entries:
            inbound = Inbound(entry.topic, entry.kind, entry.counter, entry.payload, entry.received)
            self._on_message(inbound, self.clock(), journaled=entry.id)
        self.scheduler.remember(self.journal.seen_ids())
        if entries:
            log.info("replayed %d calls from %s", len(entries), self.journal.path)

    def _on_connected(self) -> None:
        self.reporter.status_again()  # the broker may have lost the retained status
        if not self._ready:
            self._ready = True
            zones, counters = len(self.config.zones), len(self.config.counters)
            log.info("pager %s ready: %d zones, %d counters, on %s", self.config.node, zones,
                     counters, self.sink.description)  # fmt: skip
            systemd.notify("READY=1", f"STATUS=serving {len(self.config.zones)} zones")

    def _on_audio(self, status: AudioStatus, now: float) -> None:
        if status.kind == "failed":
            self._audio_ok = False
            # Cut calls go back to the queue to be read again from their start; new calls
            # keep queuing until the output is back.
            outcomes = self.scheduler.interrupt(
                now, "the audio output failed; resumes from its start"
            )
            self.mixer.reset()
            self._apply(outcomes)
            self.reporter.event("audio-failed", reason=status.detail)
        else:
            self._audio_ok = True
            self.reporter.event("audio-restored", device=status.detail)
            self._apply(self.scheduler.resume(now))
        self.reporter.status_again()

    def _feed_watchdog(self) -> None:
        """Ping systemd's watchdog only while the audio callback keeps running."""
        interval = systemd.watchdog_interval()
        if interval is None:
            return
        last = -1
        while not self._stop.wait(interval / 2):
            blocks = self.mixer.blocks_rendered
            if blocks != last or not self._audio_ok:  # stalled, or known down and recovering
                systemd.notify("WATCHDOG=1")
            else:
                log.error("the audio output has stalled: not feeding the systemd watchdog")
            last = blocks

    def _reload(self) -> None:
        """Read the config again; take it for new calls if valid, else keep the old one."""
        if self.config_path is None:
            return
        systemd.reloading()
        try:
            new = reload_config(self.config_path, self.config, self.adjust)
        except ConfigError as error:
            log.error("reload refused, the old config stays: %s", error)
            self.reporter.event("config-rejected", reason=str(error), problems=error.problems)
        else:
            self._take_config(new)
            log.info("reloaded %s", self.config_path)
            self.reporter.event(
                "config-reloaded", zones=list(new.zones), counters=list(new.counters)
            )
        systemd.notify("READY=1")

    def _take_config(self, new: Config) -> None:
        old = self.config
        if (new.announcement.voice, new.announcement.rate, new.announcement.loudness_lufs) != (
            old.announcement.voice, old.announcement.rate, old.announcement.loudness_lufs
        ):  # fmt: skip
            synthesizer = make_synthesizer(new)
            synthesizer.start()
            self.synthesizer, retired = synthesizer, self.synthesizer
            retired.close(cancel=False)
        self.config = new
        self.routing = new.routing()
        self.announcer = make_announcer(new)
        self.chime = chime.prepared(new.announcement, new.audio.sample_rate)
        self.emergency_gain = float(10 ** (new.scheduling.emergency_gain_db / 20))
        self.scheduler.policy = make_policy(new.scheduling)
        self.scheduler.set_zones(new.zones)

    def _on_message(self, message: Inbound, now: float, journaled: str | None = None) -> None:
        """Handle one message; acknowledge it once it is journaled or answered."""
        try:
            if message.kind == "call":
                assert message.counter is not None
                max_repeats = self.config.scheduling.max_repeats
                call = parse_call(message.counter, message.payload, message.received, max_repeats)
                if journaled:
                    call = dataclasses.replace(call, id=journaled)  # the id it was given
                if message.retained and not call.caller_id:
                    raise CallRejected(
                        "retained call without an id: it would be read out again at every "
                        "reconnect; publish calls without retain, or give them an id",
                        ticket=call.ticket,
                    )
                self._submit(self.announcer.prepare(call), now, message)
            elif message.kind == "announce":
                operator = parse_announce(message.payload, message.received)
                if journaled:
                    operator = dataclasses.replace(operator, id=journaled)
                self._submit(self.announcer.prepare_message(operator), now, message)
            elif message.kind == "cancel":
                cancel = parse_cancel(message.counter, message.payload)
                outcomes = self.scheduler.cancel(now, cancel.id, cancel.ticket, cancel.counter)
                if not any(o.event == "cancelled" for o in outcomes):
                    what = f"id {cancel.id}" if cancel.id else f"ticket {cancel.ticket}"
                    raise CallRejected(f"nothing to cancel: no queued or playing {what}",
                                       id=cancel.id, ticket=cancel.ticket)  # fmt: skip
                self._apply(outcomes)
            else:
                raise CallRejected(f"topic {message.topic} is not one pager listens to")
        except CallRejected as rejected:
            log.warning("rejected message on %s: %s", message.topic, rejected.reason)
            known: dict[str, Any] = {"id": None, "ticket": None, "counter": message.counter}
            known.update(rejected.known)
            self.reporter.event("rejected", reason=rejected.reason, **known)
            if journaled:
                self.journal.remove(journaled)
        finally:
            self.link.ack(message)

    def _submit(self, announcement: Announcement, now: float, message: Inbound) -> None:
        job = Job(
            announcement.id, PRIORITIES[announcement.priority], announcement.route.zones,
            announcement.counter, announcement.ticket, announcement.called_at,
            announcement.repeats, payload=announcement,
        )  # fmt: skip
        log.info("%s %s: %s -> %s: %r", announcement.priority, job.id, job.ticket or "message",
                 ", ".join(job.zones), announcement.text)  # fmt: skip
        outcomes = self.scheduler.submit(job, now)
        if any(o.event == "queued" and o.job.id == job.id for o in outcomes):
            entry = Entry(job.id, message.topic, message.kind, message.counter, message.payload,
                          message.received)  # fmt: skip
            self.journal.add(entry)  # before the ack: a crash from here on loses nothing
            self.synthesizer.submit(announcement.text)  # render ahead; the start hits the cache
        self._apply(outcomes)

    def _apply(self, outcomes: list[Outcome]) -> None:
        for outcome in outcomes:
            if outcome.start:
                self._start_player(outcome)
                continue
            if outcome.stop:
                player = self.players.pop(outcome.job.id, None)
                if player is not None:
                    player.tag.stopped = True
                    player.stop()
            if outcome.event != "finished":  # published from the mixer's report instead
                self.reporter.job(outcome.event, outcome.job, outcome.zones, reason=outcome.reason)
            if not self.scheduler.knows(outcome.job.id):
                self.journal.remove(outcome.job.id)  # its announcement has ended for good

    def _start_player(self, outcome: Outcome) -> None:
        job = outcome.job
        announcement: Announcement = job.payload
        text = self.announcer.text_for_play(announcement, job.play)
        gain = self.emergency_gain if job.priority is Priority.EMERGENCY else None
        zones = tuple(z for z in outcome.zones if z in self.routing.zones)  # after a reload
        route = self.routing.route_zones(zones, gain)
        player = Player(route.channel_gains, tag=_Playing(job, outcome.event, outcome.zones, text))
        player.append(self.chime)
        speech = self.synthesizer.submit(text)
        speech.add_done_callback(functools.partial(self._speech_ready, player))
        self.players[job.id] = player
        self.mixer.add(player)

    @staticmethod
    def _speech_ready(player: Player, speech: Future[np.ndarray]) -> None:
        try:
            player.append(speech.result())
        except BaseException as error:  # SpeechError, or cancelled at shutdown
            player.tag.failure = f"speech synthesis failed: {error}"
        finally:
            player.close()

    def _on_mixer(self, event: MixerEvent, now: float) -> None:
        playing: _Playing = event.player.tag
        job = playing.job
        if event.kind is PlayerState.PLAYING:
            if not playing.stopped:
                self.reporter.job(playing.event, job, playing.zones, text=playing.text)
            return
        if playing.stopped:
            return
        if self.players.get(job.id) is event.player:
            del self.players[job.id]
        rate = self.config.audio.sample_rate
        late_s = event.player.starved_frames / rate
        if playing.failure:
            log.error("%s: %s", job.id, playing.failure)
            self.reporter.job(
                "failed", job, playing.zones, text=playing.text, reason=playing.failure
            )
        else:
            audio_s = round(event.player.appended_frames / rate, 3)
            self.reporter.job("finished", job, playing.zones, text=playing.text,
                              audio_s=audio_s, late_s=round(late_s, 3))  # fmt: skip
        if late_s:
            log.warning("%s: speech came %.0f ms after the chime ended", job.id, 1000 * late_s)
        if self._stopping:  # start nothing new; what waits stays in the journal
            if job.repeats == 0:
                self.journal.remove(job.id)
            return
        self._apply(self.scheduler.finished(job.id, now))

    # -- reporting ----------------------------------------------------------------------
