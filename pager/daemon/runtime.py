"""The thin runtime: owns the threads and the resources, and carries out the controller's effects.

Threads (see the README's Architecture section):
- paho's network thread, the audio callback and the sink's recovery thread only put facts
  on the control queue;
- the control thread takes them one at a time, asks the controller what follows, and
  carries out the effects (which may report back, like a journal write that failed);
- the speech worker renders sentences; the monitor thread feeds systemd's watchdog and
  reports the audio callback's health; a feeder thread per music zone decodes ahead.
"""

from __future__ import annotations

import collections
import logging
import queue
import threading
import time
from collections.abc import Callable
from pathlib import Path

from pager import config as config_files
from pager.audio.music import MusicBeds
from pager.audio.player import PlayerState
from pager.audio.sinks import AudioSink, Health, OutputChange
from pager.config.model import Config
from pager.core import inputs
from pager.core.controller import Controller
from pager.core.effects import (
    Ack,
    Effect,
    JournalAdd,
    JournalRemove,
    LoadConfig,
    Notify,
    Prerender,
    Publish,
    PublishStatus,
    PublishSync,
    ResetAudio,
    Retime,
    SkipSection,
    StartCombined,
    StartPlay,
    StopPlay,
)
from pager.core.inputs import Input
from pager.daemon import players, soundkit
from pager.daemon.players import LivePlay
from pager.errors import ConfigError
from pager.io import calllog, systemd
from pager.io.journal import Journal
from pager.io.lock import NodeLock
from pager.io.mqtt import MqttLink
from pager.mixer import Mixer, MixerEvent
from pager.web.server import WebPage

log = logging.getLogger(__name__)

ControlItem = Input | MixerEvent
MONITOR_INTERVAL_S = 1.0


class Runtime:
    """The paging daemon: `run()` blocks until `stop()` is called (from a signal handler)."""

    def __init__(
        self,
        config: Config,
        sink: AudioSink,
        *,
        clock: Callable[[], float] = time.time,
        config_path: str | None = None,
        adjust: Callable[[Config], Config] = lambda c: c,
        standby: bool = False,
    ) -> None:
        self.config_path = config_path
        self.adjust = adjust  # command-line overrides, applied again on reload
        self.sink = sink
        self.clock = clock
        self.rate = config.audio.sample_rate
        self.controller = Controller(config)
        self.control: queue.SimpleQueue[ControlItem] = queue.SimpleQueue()
        self.mixer = Mixer(
            config.audio.channels,
            max_frames=config.audio.blocksize,
            fade_frames=int(config.scheduling.fade_ms * self.rate / 1000),
            events=self.control,
        )
        self.music = MusicBeds(self.mixer, self.rate)
        self.link = MqttLink(config, self.control, standby)
        self.lock = (
            NodeLock(config, standby, self._took_over, self._lost_lock)
            if config.node in config.standby.nodes
            else None
        )
        self.exit_code = 0
        self.journal = Journal(Path(config.state_dir) / "calls.db")
        self.calllog = calllog.CallLog(
            Path(config.state_dir) / calllog.FILE_NAME, config.history.keep_days
        )
        self.web = (
            WebPage(config, self.control, self.link.connected.is_set)
            if config.http.listen
            else None
        )
        self.parts: soundkit.Parts | None = None
        self._live: dict[int, LivePlay] = {}
        self._stop = threading.Event()
        self._audio_ok = True

    def stop(self) -> None:
        """Ask `run()` to return (safe from a signal handler)."""
        self._stop.set()

    def _took_over(self) -> None:
        """The node's lock is ours (the lock's thread): the node's status, then its calls."""
        self.link.become_active()
        self.control.put(inputs.TookOver())

    def _lost_lock(self, holder: str) -> None:
        """Another daemon holds the node's lock: stop, so that systemd starts this one
        again, as a standby."""
        self.exit_code = 75  # sysexits EX_TEMPFAIL
        self.stop()

    def reload(self) -> None:
        """Ask for the config file to be read again (safe from a signal handler)."""
        self.control.put(inputs.ReloadRequested())

    def run(self) -> None:
        """Open speech and audio (raising PagerError if they fail), then serve until stopped."""
        config = self.controller.config
        self.link.check_tls()  # an untrusted broker is a start failure, not a retry loop
        self.parts = soundkit.build(config)
        self.sink.report = self._audio_report
        try:
            self.calllog.start()
            self.music.apply(config.zones, config.music)
            self.sink.start(self.mixer)
            if self.web is not None:
                self.web.start()
        except BaseException:
            self.sink.stop()
            self.music.stop()
            self.parts.synthesizer.close()
            self.calllog.close()
            raise
        self.link.start()
        if self.lock is not None:
            self.lock.start()
        control = threading.Thread(target=self._control_loop, name="control")
        control.start()
        threading.Thread(target=self._monitor, name="monitor", daemon=True).start()
        self._stop.wait()
        systemd.notify("STOPPING=1")
        log.info("stopping: no new calls; what is playing finishes")
        self.control.put(inputs.StopRequested())
        control.join()
        if self.lock is not None:
            self.lock.stop()  # the standby takes over
        self.link.stop()
        if self.web is not None:
            self.web.stop()
        self.sink.stop()
        self.music.stop()
        self.parts.synthesizer.close()
        self.calllog.close()
        log.info("stopped")

    # -- the control thread ------------------------------------------------------------------

    def _control_loop(self) -> None:
        pending = tuple(self.journal.pending())
        self._step(inputs.Replay(pending, tuple(self.journal.seen_ids())))
        if pending:
            log.info("replayed %d calls from %s", len(pending), self.journal.path)
        while not self.controller.done(self.clock()):
            now = self.clock()
            deadline = self.controller.next_deadline(now)
            try:
                item = self.control.get(
                    timeout=None if deadline is None else max(0, deadline - now)
                )
            except queue.Empty:
                item = inputs.Tick()
            try:
                self._step(self._as_input(item))
            except Exception:
                log.exception("unexpected error in the control loop")
        kept = len(self.journal.pending())
        if kept:
            log.info("%d calls kept in %s for the next start", kept, self.journal.path)
        self.journal.close()

    def _step(self, item: Input) -> None:
        """Hand one input to the controller and carry out what follows. What an effect
        reports back (a journal write that failed) is a new input, handled once the whole
        batch it came from is carried out."""
        inputs = collections.deque([item])
        while inputs:
            for effect in self.controller.handle(inputs.popleft(), self.clock()):
                try:
                    report = self._carry_out(effect)
                except Exception:
                    log.exception("could not carry out %s", type(effect).__name__)
                    continue
                if report is not None:
                    inputs.append(report)

    def _as_input(self, item: ControlItem) -> Input:
        if not isinstance(item, MixerEvent):
            return item
        player = item.player
        live = self._live.get(player.ident)
        if live is not None and player is not live.player:  # a zone's own content
            return self._one_ended(live) if item.kind is PlayerState.FINISHED else inputs.Tick()
        if item.section:
            return self._section_event(item)
        if item.kind is PlayerState.PLAYING:
            late = player.start_frame
            late_ms = None if late is None else (item.frame - late) / self.rate * 1000
            return inputs.PlayStarted(player.ident, late_ms=late_ms)
        ended = inputs.PlayFinished(
            player.ident,
            audio_s=player.appended_frames / self.rate,
            late_s=player.starved_frames / self.rate,
            failure=live.failure if live else None,
            lead_s=live.lead_frames / self.rate if live else 0.0,
        )
        if live is None:
            return ended
        live.ended = ended
        return self._one_ended(live)

    def _one_ended(self, live: LivePlay) -> Input:
        """One player of a play has ended: the play's end once all have."""
        live.playing -= 1
        if live.playing or live.ended is None:
            return inputs.Tick()
        self._live.pop(live.player.ident, None)
        return live.ended

    def _section_event(self, item: MixerEvent) -> Input:
        """A combined announcement's sentence began or ended."""
        play = item.player.ident
        live = self._live.get(play)
        if item.kind is PlayerState.PLAYING:
            if live is not None:
                live.section_start = item.frame
            return inputs.PlayStarted(play, item.section)
        began = live.section_start if live is not None else item.frame
        late = item.starved - (live.starved_before if live is not None else 0)
        if live is not None:
            live.starved_before = item.starved
        return inputs.SectionFinished(
            play, item.section, (item.frame - began) / self.rate, max(0, late) / self.rate
        )

    def _start(self, effect: StartPlay | StartCombined) -> inputs.PlayFailed | None:
        assert self.parts is not None
        started = players.start(effect, self.parts, self.rate)
        if isinstance(started, inputs.PlayFailed):
            return started
        self._live[effect.play] = started
        if isinstance(effect, StartPlay) and effect.at is not None:
            self._time(started, effect.at)
        self.mixer.add(started.player, *started.others)
        return None

    def _time(self, live: players.LivePlay, at: float) -> None:
        """Its players start with the output's frame at Unix time `at` (if not begun)."""
        frame = self.sink.frame_at(at)
        if frame is None:
            log.debug("no output clock: play %d starts at once", live.player.ident)
            return
        for player in (live.player, *live.others):
            player.start_frame = frame - live.pilot_frames  # the chime's first sample on time

    def _carry_out(self, effect: Effect) -> Input | None:
        """Do what one effect says; return what the controller must hear about it, if any."""
        assert self.parts is not None
        match effect:
            case StartPlay() | StartCombined():
                return self._start(effect)
            case Retime(play, at):
                live = self._live.get(play)
                if live is not None:
                    self._time(live, at)
            case SkipSection(play, section):
                live = self._live.get(play)
                if live is not None:
                    live.player.skip(section)
            case StopPlay(play):
                live = self._live.pop(play, None)
                for player in [live.player, *live.others] if live is not None else []:
                    player.stop()
            case ResetAudio():
                self.mixer.flush()
                self._live.clear()
            case Prerender(job_id, speech):
                try:
                    self.parts.synthesizer.submit(speech, urgent=False)
                except Exception as error:
                    return inputs.SpeechUnavailable(
                        job_id, f"the speech worker refused it: {error}"
                    )
            case Publish(body):
                self.link.publish_event(body)
                self.calllog.record(body)
                if self.web is not None:
                    self.web.offer_event(body)
            case PublishSync(body):
                self.link.publish_sync(body)
            case PublishStatus(details):
                self.link.publish_status(details)
                if self.web is not None:
                    self.web.offer_status({"state": "online", **details, "ts": self.clock()})
            case JournalAdd(job_id, message):
                try:
                    self.journal.add(job_id, message)
                except Exception as error:
                    return inputs.JournalFailed(job_id, str(error))
                return inputs.Journaled(job_id)
            case JournalRemove(job_id):
                self.journal.remove(job_id)
            case Ack(message):
                self.link.ack(message)
            case Notify("ready", status):
                systemd.notify("READY=1", f"STATUS={status}")
            case Notify("reloading"):
                systemd.reloading()
            case LoadConfig():
                return self._load_config()
        return None

    def _load_config(self) -> inputs.Reconfigure | inputs.ReloadRefused:
        """Read the config again and build everything it needs; swap only if all succeeded."""
        assert self.parts is not None
        running = self.controller.config
        try:
            if self.config_path is None:
                raise ConfigError("<config>", ["pager was started without a config file"])
            new = self.adjust(config_files.load(self.config_path, running.node, strict=True))
            changes = config_files.restart_changes(running, new)
            if changes:
                raise ConfigError(self.config_path, changes)
            built = soundkit.build(new, (running, self.parts))
            try:
                self.music.apply(new.zones, new.music)
            except BaseException:
                if built.synthesizer is not self.parts.synthesizer:
                    built.synthesizer.close()
                raise
        except ConfigError as error:
            return inputs.ReloadRefused(str(error), tuple(error.problems))
        except Exception as error:  # SpeechError (the voice), a music bed too many, ...
            return inputs.ReloadRefused(f"{self.config_path}: {error}", (str(error),))
        retired, self.parts = self.parts, built
        if retired.synthesizer is not built.synthesizer:
            retired.synthesizer.close(cancel=False)  # what it still renders is played
        self.sink.set_zones(new.zones)
        self.calllog.keep_days = new.history.keep_days
        return inputs.Reconfigure(new)

    # -- other threads -----------------------------------------------------------------------

    def _audio_report(self, change: OutputChange) -> None:
        """From the sink's recovery thread: the output failed, or is back."""
        self._audio_ok = change.running
        self.control.put(
            inputs.AudioRestored(change.detail) if change.running
            else inputs.AudioFailed(change.detail)
        )  # fmt: skip

    def _monitor(self) -> None:
        """Feed systemd's watchdog only while the audio callback runs, and report the
        callback's health (xruns, errors) when it changes, logging its first error."""
        interval = systemd.watchdog_interval()
        period = min(MONITOR_INTERVAL_S, interval / 2) if interval else MONITOR_INTERVAL_S
        last_blocks, last_fed = -1, 0.0
        reported = Health()
        while not self._stop.wait(period):
            if interval is not None and time.monotonic() - last_fed >= interval / 2:
                blocks = self.mixer.blocks_rendered
                if blocks != last_blocks or not self._audio_ok:  # running, or known down
                    systemd.notify("WATCHDOG=1")
                    last_fed = time.monotonic()
                else:
                    log.error("the audio output has stalled: not feeding the systemd watchdog")
                last_blocks = blocks
            health = self.sink.health()
            if health == reported:
                continue
            error = health.first_error
            if error is not None and reported.first_error is None:
                log.error("the audio callback failed (the block went out silent)",
                          exc_info=(type(error), error, error.__traceback__))  # fmt: skip
            reported = health
            text = f"{type(error).__name__}: {error}" if error is not None else None
            self.control.put(inputs.AudioHealth(health.xruns, health.callback_errors, text))
