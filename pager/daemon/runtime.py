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
import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable
from pathlib import Path

from pager import memory
from pager.audio.music import MusicBeds
from pager.audio.sinks import AudioSink, OutputChange, WavRecorderSink
from pager.clock import StepWatch
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
    ProbeJournal,
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
from pager.daemon import soundkit
from pager.daemon.listener import Listener
from pager.daemon.monitor import Monitor
from pager.daemon.players import LivePlays
from pager.daemon.reloading import Reloader
from pager.daemon.soundkit import SoundKit
from pager.io import calllog, systemd
from pager.io.journal import Journal, JournalUnavailable
from pager.io.lock import NodeLock
from pager.io.mqtt import MqttLink
from pager.io.webhooks import Webhooks
from pager.mixer import Mixer, MixerEvent
from pager.values.storage import Store, StoreWatch
from pager.web.server import WebPage

log = logging.getLogger(__name__)

ControlItem = Input | MixerEvent
CLOCK_CHECK_S = 1.0  # the wall clock is checked for steps at least this often


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
        self.sink = sink
        self.clock = clock
        self.steps = StepWatch(clock)  # the wall clock's steps, told apart from time passing
        self.rate = config.audio.sample_rate
        self.controller = Controller(config)
        self.control: queue.SimpleQueue[ControlItem] = queue.SimpleQueue()
        if isinstance(sink, WavRecorderSink):
            sink.watch = StoreWatch(Store.RECORDINGS, str(sink.directory), self.control.put)
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
        self.journal = Journal(Path(config.state_dir) / "calls.db", self.control.put)
        self.calllog = calllog.CallLog(
            Path(config.state_dir) / calllog.FILE_NAME,
            config.history.keep_days,
            self.control.put,
        )
        self.webhooks = Webhooks(config.notify, Path(config.state_dir))
        self.web = (
            WebPage(config, self.control, self.link.connected.is_set)
            if config.http.listen
            else None
        )
        self.plays = LivePlays(self.mixer, self.rate)
        self._quiet_since: float | None = None  # monotonic time nothing has played since
        self._trim_owed = False  # something played since free heap memory was last given back
        self.monitor = Monitor(self.mixer, sink, self.control.put)
        self.reloader = Reloader(
            config_path, adjust,
            StoreWatch(Store.CONFIG, config_path or "", self.control.put),
        )  # fmt: skip
        self.kit: SoundKit | None = None
        self.listener = (
            Listener(config, self.mixer, self.control.put, publish_levels=self.link.publish_inputs,
                     speech_db=lambda: self.kit.speech_db if self.kit is not None else None)
            if config.audio.inputs
            else None
        )  # fmt: skip
        self._stop = threading.Event()

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
        self.kit = soundkit.build(config)
        self.sink.report = self._audio_report
        try:
            self.calllog.start()
            self.webhooks.start()
            self.music.apply(config.zones, config.music)
            self.sink.start(self.mixer)
            if self.listener is not None:
                self.listener.start()
            if self.web is not None:
                self.web.start()
        except BaseException:
            if self.listener is not None:
                self.listener.stop()
            self.sink.stop()
            self.music.stop()
            self.kit.synthesizer.close()
            self.calllog.close()
            self.webhooks.close()
            raise
        self.link.start()
        if self.lock is not None:
            self.lock.start()
        control = threading.Thread(target=self._control_loop, name="control")
        control.start()
        threading.Thread(target=self.monitor.run, args=(self._stop,), name="monitor",
                         daemon=True).start()  # fmt: skip
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
        if self.listener is not None:
            self.listener.stop()
        self.sink.stop()
        self.music.stop()
        self.kit.synthesizer.close()
        self.calllog.close()
        self.webhooks.close()
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
            wait = CLOCK_CHECK_S if deadline is None else min(CLOCK_CHECK_S, deadline - now)
            item: ControlItem | None = None
            with contextlib.suppress(queue.Empty):
                item = self.control.get(timeout=max(0.0, wait))
            step = self.steps.step()  # looked at once a second even when idle
            if step:
                self._step(inputs.ClockStepped(step))
            self._give_back_memory(time.monotonic())
            if item is None:
                if deadline is None or self.clock() < deadline:
                    continue
                item = inputs.Tick()
            try:
                self._step(self.plays.as_input(item) if isinstance(item, MixerEvent) else item)
            except Exception:
                log.exception("unexpected error in the control loop")
        kept = len(self.journal.pending())
        if kept:
            log.info("%d calls kept in %s for the next start", kept, self.journal.path)
        self.journal.close()

    def _give_back_memory(self, now: float) -> None:
        """Once nothing has played for a few seconds (a flood's short gaps do not count), the
        heaps' free pages go back to the system, once per quiet spell: the memory a flood of
        calls took does not stay taken. `now`: the monotonic clock."""
        if not self.plays.idle():
            self._trim_owed, self._quiet_since = True, None
            return
        if self._quiet_since is None:
            self._quiet_since = now
        if self._trim_owed and now >= self._quiet_since + memory.QUIET_BEFORE_TRIM_S:
            started = time.monotonic()
            memory.give_back_free_memory()
            self._trim_owed = False
            log.debug("free heap memory given back in %.1f ms",
                      1000 * (time.monotonic() - started))  # fmt: skip

    def _step(self, item: Input) -> None:
        """Hand one input to the controller and carry out what follows. What an effect
        reports back (a journal write that failed) is a new input, handled once the whole
        batch it came from is carried out."""
        pending = collections.deque([item])
        while pending:
            for effect in self.controller.handle(pending.popleft(), self.clock()):
                try:
                    report = self._carry_out(effect)
                except Exception:
                    log.exception("could not carry out %s", type(effect).__name__)
                    continue
                if report is not None:
                    pending.append(report)

    def _carry_out(self, effect: Effect) -> Input | None:
        """Do what one effect says; return what the controller must hear about it, if any."""
        assert self.kit is not None
        match effect:
            case StartPlay() | StartCombined():
                at = effect.at if isinstance(effect, StartPlay) else None
                return self.plays.start(effect, self.kit, self._frame_at(at, effect.play))
            case Retime(play, at):
                frame = self._frame_at(at, play)
                if frame is not None:
                    self.plays.retime(play, frame)
            case SkipSection(play, section):
                self.plays.skip(play, section)
            case StopPlay(play):
                self.plays.stop(play)
            case ResetAudio():
                self.plays.reset()
            case Prerender(job_id, speech):
                try:
                    self.kit.synthesizer.submit(speech, urgent=False)
                except Exception as error:
                    return inputs.SpeechUnavailable(
                        job_id, f"the speech worker refused it: {error}"
                    )
            case Publish(body):
                self.link.publish_event(body)
                self.calllog.record(body)
                self.webhooks.offer(body)
                if self.web is not None:
                    self.web.offer_event(body)
            case PublishSync(body):
                self.link.publish_sync(body)
            case PublishStatus(details):
                self.link.publish_status(details)
                if self.web is not None:
                    self.web.offer_status({"state": "online", **details, "ts": self.clock()})
            case JournalAdd() | JournalRemove() | ProbeJournal():
                return self._journal(effect)
            case Ack(message, refusal):
                if message.request is not None and self.web is not None:
                    self.web.answer(message.request, refusal)
                else:
                    self.link.ack(message)
            case Notify("ready", status):
                systemd.notify("READY=1", f"STATUS={status}")
            case Notify("reloading"):
                systemd.reloading()
            case LoadConfig():
                return self._load_config()
        return None

    def _journal(self, effect: JournalAdd | JournalRemove | ProbeJournal) -> Input | None:
        match effect:
            case JournalAdd(job_id, message, personal):
                try:
                    self.journal.add(job_id, message, personal=personal)
                except JournalUnavailable as error:
                    return inputs.JournalFailed(job_id, str(error), unavailable=True)
                except Exception as error:
                    return inputs.JournalFailed(job_id, str(error))
                return inputs.Journaled(job_id)
            case JournalRemove(job_id):
                self.journal.remove(job_id)
            case ProbeJournal():
                self.journal.probe()
        return None

    def _load_config(self) -> inputs.Reconfigure | inputs.ReloadRefused:
        """Read the config again and build everything it needs; swap only if all succeeded."""
        assert self.kit is not None
        loaded = self.reloader.load(self.controller.config, self.kit, self.music)
        if isinstance(loaded, inputs.ReloadRefused):
            return loaded
        new, (retired, self.kit) = loaded[0], (self.kit, loaded[1])
        if retired.synthesizer is not self.kit.synthesizer:
            retired.synthesizer.close(cancel=False)  # what it still renders is played
        self.sink.set_zones(new.zones)
        if self.listener is not None:
            self.listener.reconfigure(new)
        self.calllog.keep_days = new.history.keep_days
        if self.web is not None:
            self.web.reconfigure(new)
        return inputs.Reconfigure(new)

    def _frame_at(self, at: float | None, play: int) -> int | None:
        """The output's frame at Unix time `at` (racks starting together), if it can tell."""
        if at is None:
            return None
        frame = self.sink.frame_at(at)
        if frame is None:
            log.debug("no output clock: play %d starts at once", play)
        return frame

    # -- other threads -----------------------------------------------------------------------

    def _audio_report(self, change: OutputChange) -> None:
        """From the sink's recovery thread: the output failed, or is back."""
        self.monitor.audio_ok = change.running
        self.control.put(
            inputs.AudioRestored(change.detail) if change.running
            else inputs.AudioFailed(change.detail)
        )  # fmt: skip
