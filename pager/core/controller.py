"""The one place that decides: typed inputs in, typed effects out. No threads, no I/O.

The controller composes the parts that decide (the scheduler; the reception of messages;
the stage, which starts plays and follows them to their end) and keeps what concerns the
whole daemon: the config and its reloads, the audio output's state, readiness, stopping and
the status. The runtime (`pager.daemon.runtime`) feeds it inputs with the time and carries
out the effects. Each input goes to the one part it concerns.
"""

from __future__ import annotations

import logging

from pager import clock
from pager.config.model import Config
from pager.core import ahead, events, inputs, status
from pager.core.announcer import Announcer
from pager.core.effects import (
    Effect,
    LoadConfig,
    Notify,
    ProbeJournal,
    Publish,
    PublishStatus,
    ResetAudio,
)
from pager.core.health import HealthReports
from pager.core.inputs import Input
from pager.core.listening import Listening
from pager.core.reception import Reception
from pager.core.scheduler import Scheduler
from pager.core.stage import Stage
from pager.core.storage import StorageHealth
from pager.core.sync import Sync
from pager.core.timetable import Timetable
from pager.values.events import EventName
from pager.values.messages import Inbound
from pager.values.storage import StorageReport
from pager.zones import Routing

log = logging.getLogger(__name__)


class Controller:
    """Decides what happens to every message, player and config; see the module docstring."""

    def __init__(self, config: Config) -> None:
        self.scheduler = Scheduler(config.zones, config.scheduling)
        self._sync = Sync(config.node, config.sync.delay_ms / 1000)
        self._stage = Stage(self.scheduler, self._sync)
        self._reception = Reception(config, self.scheduler, self._stage, self._sync)
        self._timetable = Timetable()
        self._replayed = False  # the journal has been read: what the schedule played is known
        self._listening = Listening()
        self._configure(config)
        self._audio_ok = True
        self._health = HealthReports()
        self._storage = StorageHealth()
        self._ready = False
        self._stop_by: float | None = None
        self._last_status: dict[str, object] | None = None
        self._ahead = ahead.RenderAhead()
        self._recent = status.RecentCalls()

    # -- the interface -----------------------------------------------------------------------

    def handle(self, item: Input, now: float) -> list[Effect]:
        """Everything that follows from one input at time `now`, in order."""
        effects = self._dispatch(item, now) + self._reception.summaries(now)
        if self._storage.probe_due(now):
            effects.append(ProbeJournal())
        if self._stop_by is None:
            effects += self._scheduled(now)
            effects += self._stage.apply(self.scheduler.tick(now), now)
        if self._stage.queue_changed:
            self._stage.queue_changed = False
            effects += self._ahead.effects(self.scheduler, self._announcer,
                                           self._config.scheduling.busy_queue, now,
                                           self._stage.behind)  # fmt: skip
        for effect in effects:
            if isinstance(effect, Publish):
                self._recent.note(effect.body)
                self._listening.note(effect.body, now)
        return effects + self._status(now)

    def next_deadline(self, now: float) -> float | None:
        """When `handle` next has something to do with no input (a repeat, an expiry)."""
        if self._stop_by is not None:
            return self._stop_by
        deadlines = (self.scheduler.next_deadline(now), self._reception.next_deadline(),
                     self._timetable.next_due(now), self._storage.next_deadline())  # fmt: skip
        times = [t for t in deadlines if t is not None]
        return min(times) if times else None

    def done(self, now: float) -> bool:
        """Stopping, and what played has finished (or the grace time is over)."""
        return self._stop_by is not None and (not self._stage.plays or now >= self._stop_by)

    @property
    def config(self) -> Config:
        return self._config

    # -- inputs: each goes to the part it concerns -------------------------------------------

    def _dispatch(self, item: Input, now: float) -> list[Effect]:
        match item:
            case inputs.Tick():
                return []
            case Inbound():
                return self._reception.receive(item, now)
            case inputs.Replay(messages, seen_ids):
                self._timetable.remember(seen_ids)
                self._replayed = True
                return self._reception.replay(messages, seen_ids, now)
            case inputs.TookOver():
                return self._reception.take_over(now)
            case inputs.Journaled(job_id):
                return self._reception.journaled(job_id, now)
            case inputs.JournalFailed():
                return self._reception.journal_failed(item, now)
            case StorageReport():
                return [self._event(name, now, **fields)
                        for name, fields in self._storage.update(item, now)]  # fmt: skip
            case inputs.PlayStarted():
                return self._stage.started(item, now)
            case inputs.SectionFinished():
                return self._stage.section_finished(item, now)
            case inputs.PlayFinished():
                return self._stage.finished(item, now)
            case inputs.PlayFailed():
                return self._stage.failed(item, now)
            case inputs.SpeechUnavailable():
                return self._stage.unspoken(item, now)
            case inputs.AudioFailed() | inputs.AudioRestored():
                return self._on_audio(item, now)
            case inputs.AudioHealth():
                return self._on_health(item, now)
            case (inputs.InputsChanged() | inputs.AmbientChanged() | inputs.LineChanged()
                  | inputs.HeardBack()):  # fmt: skip
                due = self._listening.update(item, now)
                self._routing.boosts = self._listening.boosts()
                return [self._event(name, now, **fields) for name, fields in due]
            case inputs.Connected():
                return self._on_connected()
            case inputs.ReloadRequested():
                return self._on_reload_requested()
            case inputs.Reconfigure(config):
                return self._on_reconfigure(config, now)
            case inputs.ReloadRefused(reason, problems):
                return self._on_reload_refused(reason, problems, now)
            case inputs.StopRequested():
                return self._on_stop(now)
            case inputs.ClockStepped(step):
                return self._on_clock_step(step, now)

    def _on_audio(self, item: inputs.AudioFailed | inputs.AudioRestored, now: float
                  ) -> list[Effect]:  # fmt: skip
        self._last_status = None  # publish the status again
        if isinstance(item, inputs.AudioFailed):
            self._audio_ok = False
            # Cut calls go back to the queue, to be read again from their start; new calls
            # keep queuing until the output is back.
            reason = "the audio output failed; resumes from its start"
            effects = self._stage.apply(self.scheduler.interrupt(now, reason), now)
            return [ResetAudio(), *effects,
                    self._event(EventName.AUDIO_FAILED, now, reason=item.detail)]  # fmt: skip
        self._audio_ok = True
        event = self._event(EventName.AUDIO_RESTORED, now, device=item.detail)
        return [event, *self._stage.apply(self.scheduler.resume(now), now)]

    def _on_health(self, item: inputs.AudioHealth, now: float) -> list[Effect]:
        return [self._event(name, now, **fields) for name, fields in self._health.update(item, now)]

    def _on_connected(self) -> list[Effect]:
        self._last_status = None  # the broker may have lost the retained status
        if self._ready:
            return []
        self._ready = True
        log.info("pager %s ready: %d zones, %d counters", self._config.node,
                 len(self._config.zones), len(self._config.counters))  # fmt: skip
        return [Notify("ready", self._serving())]

    def _on_reload_requested(self) -> list[Effect]:
        if self._stop_by is not None:
            return []
        return [Notify("reloading"), LoadConfig()]

    def _on_reconfigure(self, config: Config, now: float) -> list[Effect]:
        self._configure(config)
        log.info("reloaded %s", config.source)
        event = self._event(EventName.CONFIG_RELOADED, now, zones=list(config.zones),
                            counters=list(config.counters))  # fmt: skip
        return [event, Notify("ready", self._serving())]

    def _on_reload_refused(self, reason: str, problems: tuple[str, ...], now: float
                           ) -> list[Effect]:  # fmt: skip
        log.error("reload refused, the old config stays: %s", reason)
        event = self._event(EventName.CONFIG_REJECTED, now, reason=reason,
                            problems=list(problems))  # fmt: skip
        return [event, Notify("ready", self._serving())]

    def _on_clock_step(self, step: float, now: float) -> list[Effect]:
        """Every time held moves by the step, so that no call waits, expires or repeats
        differently because of it; the call log and the event stream say where it was."""
        self.scheduler.shift(step)
        self._stage.shift(step)
        self._reception.admission.shift(step)
        self._storage.shift(step)
        self._health.shift(step)
        self._listening.shift(step)
        queued = len(self.scheduler.pending)
        log.warning("the wall clock was stepped by %+.1f s (NTP, or set by hand): %d queued "
                    "calls keep their ages; times logged before this differ by that much",
                    step, queued)  # fmt: skip
        reason = f"the wall clock was stepped by {step:+.1f} s"
        return [self._event(EventName.CLOCK_STEPPED, now, step_s=round(step, 3), queued=queued,
                            reason=reason)]  # fmt: skip

    def _on_stop(self, now: float) -> list[Effect]:
        """SIGTERM: take nothing new; what plays finishes within the grace time."""
        if self._stop_by is None:
            self._stop_by = now + self._config.scheduling.stop_grace_s
            self._reception.close()
            self._stage.close()
        return []

    def _scheduled(self, now: float) -> list[Effect]:
        """The daily schedule's messages that fall due, taken as if an operator had sent
        them (a standby holds them, as it holds what the operators send)."""
        if not self._replayed:
            return []
        effects: list[Effect] = []
        for due in self._timetable.due(now):
            late = now - due.ts
            why = f" ({late:.0f} s late: the daemon was not running then)" if late > 5 else ""
            at = due.local(self._timetable.zone_name).strftime("%H:%M")
            log.info("scheduled %s at %s%s", due.entry.message, at, why)
            message = self._timetable.announcement(due, self._config.mqtt.topic_prefix, now)
            effects += self._reception.receive(message, now)
        return effects

    # -- what is published -------------------------------------------------------------------

    def _status(self, now: float) -> list[Effect]:
        """The status, when it changed (the wait estimates alone change with every second)."""
        depths = status.shown_depths(self.scheduler, self._config.zones)
        details = status.details(self.scheduler, depths, self._health, self._audio_ok,
                                 self._recent)  # fmt: skip
        details.update(self._storage.shown())
        details.update(self._listening.shown())
        details["clock"] = "unsynchronized" if clock.unsynchronized(now) else "ok"
        zone = self._timetable.zone_name
        details["schedule"] = [
            {"message": d.entry.message, "at": d.local(zone).isoformat(timespec="minutes"),
             "ts": d.ts} for d in self._timetable.coming(now)
        ]  # fmt: skip
        if details == self._last_status:
            return []
        self._last_status = details
        compacting = self._stage.compacting
        waits = status.waits(depths, self._stage.plays, self._stage.airtime,
                             self.scheduler.combine_max, now,
                             compacting=compacting)  # fmt: skip
        return [PublishStatus({**details, "waits": waits, "compact": sorted(compacting)})]

    def _event(self, name: EventName, now: float, **fields: object) -> Publish:
        return events.event(self._config.node, name, now, **fields)

    def _serving(self) -> str:
        return f"serving {len(self._config.zones)} zones"

    def _configure(self, config: Config) -> None:
        """Take a config (at start and on reload): queued and playing calls are kept."""
        self._config = config
        self._listening.configure(config)
        routing = self._routing = Routing.of(config)
        routing.boosts = self._listening.boosts()
        self._announcer = Announcer.of(config, routing)
        self._reception.configure(config, routing, self._announcer)
        self._stage.configure(config, routing, self._announcer)
        self.scheduler.policy = config.scheduling
        self._timetable.configure(config)
        self._sync.configure(config.node, config.sync.delay_ms / 1000)
        spare = [f"output-{n}" for n in range(1, config.audio.channels + 1)
                 if routing.zone_of_output(n) is None]  # fmt: skip
        self.scheduler.set_zones([*config.zones, *spare])  # an output of no zone, for tests
