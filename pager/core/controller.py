"""The one place that decides: typed inputs in, typed effects out. No threads, no I/O.

The controller owns the scheduler and everything the daemon knows about calls and players.
The runtime (`pager.daemon.runtime`) feeds it inputs with the time and carries out the effects.
Taking a message is two steps, so that each succeeds or leaves nothing behind: a message
that would queue is first journaled (`JournalAdd`); only once the runtime answers
`Journaled` does it reach the scheduler, and a `JournalFailed` answers it with a `failed`
event instead.
"""

from __future__ import annotations

import itertools
import logging
from typing import Any

from pager.config.model import Config
from pager.core import ahead, content, events, inputs, status
from pager.core.admission import Intake
from pager.core.announcer import Announcer, Style
from pager.core.effects import (
    Ack,
    Effect,
    JournalRemove,
    LoadConfig,
    Notify,
    Publish,
    PublishStatus,
    ResetAudio,
    StartCombined,
    StartPlay,
    Variant,
)
from pager.core.health import HealthReports
from pager.core.inputs import Input
from pager.core.plays import Airtime, Member, Play, Plays, Wakes
from pager.core.reception import Receiving
from pager.core.scheduler import Outcome, Scheduler
from pager.core.standby import Ledger
from pager.core.sync import Sync
from pager.units import db_to_gain
from pager.values.events import EventName
from pager.values.jobs import Job
from pager.values.messages import Inbound
from pager.values.priority import Priority
from pager.zones import Route, Routing

log = logging.getLogger(__name__)


class Controller(Receiving):
    """Decides what happens to every message, player and config; see the module docstring."""

    def __init__(self, config: Config) -> None:
        self.scheduler = Scheduler(config.zones, config.scheduling)
        self._intake = Intake()
        self._sync = Sync(config.node, config.sync.delay_ms / 1000)
        # Until it has won its node's lock (a node with a standby PC), it only holds.
        self._ledger = Ledger() if config.node in config.standby.nodes else None
        self._wakes = Wakes()
        self._configure(config)
        self._plays = Plays()
        self._taking: dict[str, tuple[Job, Inbound]] = {}
        self._serial = itertools.count(1)
        self._audio_ok = True
        self._health = HealthReports()
        self._ready = False
        self._stop_by: float | None = None
        self._last_status: dict[str, object] | None = None
        self._ahead = ahead.RenderAhead()
        self._airtime = Airtime()
        self._queue_changed = False
        self._recent = status.RecentCalls()

    # -- the interface -----------------------------------------------------------------------

    def handle(self, item: Input, now: float) -> list[Effect]:
        """Everything that follows from one input at time `now`, in order."""
        effects = self._dispatch(item, now) + self._summaries(now)
        if self._stop_by is None:
            effects += self._apply(self.scheduler.tick(now), now)
        if self._queue_changed:
            self._queue_changed = False
            effects += self._ahead.effects(self.scheduler, self._announcer,
                                           self._config.scheduling.busy_queue, now)  # fmt: skip
        for effect in effects:
            if isinstance(effect, Publish):
                self._recent.note(effect.body)
        depths = status.shown_depths(self.scheduler, self._config.zones)
        details = status.details(self.scheduler, depths, self._health, self._audio_ok,
                                 self._recent)  # fmt: skip
        if details != self._last_status:  # the wait estimates alone change with every second
            self._last_status = details
            waits = status.waits(depths, self._plays, self._airtime,
                                  self._config.scheduling.combine_max, now)  # fmt: skip
            effects.append(PublishStatus({**details, "waits": waits}))
        return effects

    def next_deadline(self, now: float) -> float | None:
        """When `handle` next has something to do with no input (a repeat, an expiry)."""
        if self._stop_by is not None:
            return self._stop_by
        times = [t for t in (self.scheduler.next_deadline(now), self._intake.next_deadline())
                 if t is not None]  # fmt: skip
        return min(times) if times else None

    def done(self, now: float) -> bool:
        """Stopping, and what played has finished (or the grace time is over)."""
        return self._stop_by is not None and (not self._plays or now >= self._stop_by)

    @property
    def config(self) -> Config:
        return self._config

    # -- inputs --------------------------------------------------------------------------------

    def _dispatch(self, item: Input, now: float) -> list[Effect]:
        match item:
            case inputs.Tick():
                return []
            case Inbound():
                return self._receive(item, now)
            case inputs.TookOver():
                return self._take_over(now)
            case inputs.Journaled(job_id) if job_id in self._taking:
                job, message = self._taking.pop(job_id)
                return [*self._submit(job, now), Ack(message)]
            case inputs.JournalFailed(job_id, reason) if job_id in self._taking:
                job, message = self._taking.pop(job_id)
                log.error("%s not taken: cannot write it to the journal: %s", job_id, reason)
                failure = f"cannot keep the call in the journal: {reason}"
                return [self._job_event(EventName.FAILED, job, job.zones, now, reason=failure),
                        Ack(message)]  # fmt: skip
            case inputs.PlayStarted(play, section, late_ms):
                return self._on_started(play, section, late_ms, now)
            case inputs.PlayFinished():
                return self._on_finished(item, now)
            case inputs.SectionFinished(play, section, audio_s, late_s):
                known = self._plays.get(play)
                member = known.members.pop(section, None) if known else None
                if known is None or member is None:
                    return []  # it was cancelled, or the announcement stopped
                self._airtime.learn("sentence_s", audio_s + self._pause_s)
                return self._member_finished(known, member, now, audio_s=audio_s, late_s=late_s)
            case inputs.PlayFailed(play, reason):
                known = self._plays.pop(play)
                if known is None:
                    return []
                self._wakes.sounded(known.zones, now)
                return [e for m in known.members.values()
                        for e in self._drop(m.job, known.zones, reason, now)]  # fmt: skip
            case inputs.SpeechUnavailable(job_id, reason):
                unspoken = self.scheduler.job(job_id)
                if unspoken is None:
                    return []
                effects = self._plays.leave(unspoken.id)
                return effects + self._drop(unspoken, unspoken.zones, reason, now)
            case inputs.AudioFailed() | inputs.AudioRestored():
                return self._on_audio(item, now)
            case inputs.AudioHealth():
                return self._on_health(item, now)
            case inputs.Connected():
                return self._on_connected()
            case inputs.Replay(messages, seen_ids):
                return self._replay(messages, seen_ids, now)
            case inputs.ReloadRequested():
                if self._stop_by is not None:
                    return []
                return [Notify("reloading"), LoadConfig()]
            case inputs.Reconfigure(config):
                self._configure(config)
                log.info("reloaded %s", config.source)
                event = self._event(EventName.CONFIG_RELOADED, now, zones=list(config.zones),
                                    counters=list(config.counters))  # fmt: skip
                return [event, Notify("ready", self._serving())]
            case inputs.ReloadRefused(reason, problems):
                log.error("reload refused, the old config stays: %s", reason)
                event = self._event(EventName.CONFIG_REJECTED, now, reason=reason,
                                    problems=list(problems))  # fmt: skip
                return [event, Notify("ready", self._serving())]
            case inputs.StopRequested():
                if self._stop_by is None:
                    self._stop_by = now + self._config.scheduling.stop_grace_s
                return []
        log.error("ignored %r: nothing waits for it", item)
        return []

    def _submit(self, job: Job, now: float) -> list[Effect]:
        log.info("%s %s: %s -> %s: %r", job.priority.label, job.id, job.ticket or "message",
                 ", ".join(job.zones), job.text)  # fmt: skip
        return self._apply(self.scheduler.submit(job, now), now)

    def _style(self, zones: tuple[str, ...], combined: bool) -> Style:
        busy_queue = self._config.scheduling.busy_queue
        return ahead.style(zones, combined, self._announcer, self.scheduler, busy_queue)

    def _on_started(
        self, play: int, section: int, late_ms: float | None, now: float
    ) -> list[Effect]:
        known = self._plays.get(play)
        if known is None:
            return []
        if section == 0:
            known.started_at = now
        member = known.members.get(section if known.combined else 1)
        if member is None or (known.combined and section == 0):
            return []  # the chime of a combined announcement, or a sentence left out
        timing: dict[str, object] = {}
        at = self._sync.start_at(member.job.id)
        if at is not None:
            self._sync.forget(member.job.id)
            if late_ms is not None:  # a timed start (else at once, or no output clock)
                timing = {"sync_at": at, "late_ms": round(late_ms, 2)}
        return [self._job_event(member.event, member.job, known.zones, now,
                                text=member.speech.text, combined=known.combined,
                                position=member.position, **timing)]  # fmt: skip

    def _on_finished(self, item: inputs.PlayFinished, now: float) -> list[Effect]:
        known = self._plays.pop(item.play)
        if known is None:
            return []  # it was stopped: its end was reported then
        self._wakes.sounded(known.zones, now)
        if item.lead_s:
            self._airtime.learn("lead_s", item.lead_s)
        if known.combined is None:
            if known.members[1].job.test is None:  # a test's length says nothing of calls'
                self._airtime.learn("alone_s", item.audio_s - item.lead_s)
            return self._member_finished(known, known.members[1], now, audio_s=item.audio_s,
                                         late_s=item.late_s, failure=item.failure)  # fmt: skip
        effects: list[Effect] = []
        for member in known.members.values():  # sentences that never played
            reason = item.failure or "its sentence was not played"
            effects += self._member_finished(known, member, now, audio_s=0.0, late_s=0.0,
                                             failure=reason)  # fmt: skip
        return effects

    def _member_finished(
        self, known: Play, member: Member, now: float, *, audio_s: float, late_s: float,
        failure: str | None = None,
    ) -> list[Effect]:  # fmt: skip
        """One call's sentence has ended: report it, then what follows (a repeat, the next)."""
        job = member.job
        self._plays.forget(job.id)
        effects: list[Effect]
        if failure:
            log.error("%s: %s", job.id, failure)
            effects = [self._job_event(EventName.FAILED, job, known.zones, now,
                                       text=member.speech.text, reason=failure,
                                       combined=known.combined,
                                       position=member.position)]  # fmt: skip
        else:
            effects = [self._job_event(EventName.FINISHED, job, known.zones, now,
                                       text=member.speech.text, audio_s=round(audio_s, 3),
                                       late_s=round(late_s, 3), combined=known.combined,
                                       position=member.position)]  # fmt: skip
        if late_s:
            log.warning("%s: speech came %.0f ms late", job.id, 1000 * late_s)
        if self._stop_by is not None:  # start nothing new; what waits stays in the journal
            return effects + ([JournalRemove(job.id)] if job.repeats == 0 else [])
        return effects + self._apply(self.scheduler.finished(job.id, now), now)

    def _on_audio(
        self, item: inputs.AudioFailed | inputs.AudioRestored, now: float
    ) -> list[Effect]:
        self._last_status = None  # publish the status again
        if isinstance(item, inputs.AudioFailed):
            self._audio_ok = False
            # Cut calls go back to the queue, to be read again from their start; new calls
            # keep queuing until the output is back.
            reason = "the audio output failed; resumes from its start"
            effects = self._apply(self.scheduler.interrupt(now, reason), now)
            return [ResetAudio(), *effects,
                    self._event(EventName.AUDIO_FAILED, now, reason=item.detail)]  # fmt: skip
        self._audio_ok = True
        event = self._event(EventName.AUDIO_RESTORED, now, device=item.detail)
        return [event, *self._apply(self.scheduler.resume(now), now)]

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

    # -- outcomes to effects -----------------------------------------------------------------

    def _apply(self, outcomes: list[Outcome], now: float) -> list[Effect]:
        effects: list[Effect] = []
        self._queue_changed = self._queue_changed or bool(outcomes)
        index = 0
        while index < len(outcomes):
            outcome = outcomes[index]
            index += 1
            if outcome.start:
                together = [outcome]
                while (outcome.combined and index < len(outcomes)
                       and outcomes[index].combined == outcome.combined):  # fmt: skip
                    together.append(outcomes[index])
                    index += 1
                effects += self._start(together, now)
                continue
            if outcome.stop:
                effects += self._plays.stop(outcome.job.id)
                self._wakes.sounded(outcome.zones, now)
            elif outcome.combined and outcome.event is EventName.CANCELLED:
                effects += self._plays.leave(outcome.job.id)
            if outcome.event is not EventName.FINISHED:  # published when the player reports
                where = {"combined": outcome.combined} if outcome.combined else {}
                effects.append(self._job_event(outcome.event, outcome.job, outcome.zones, now,
                                               reason=outcome.reason, **where))  # fmt: skip
            if not self.scheduler.knows(outcome.job.id):
                effects.append(JournalRemove(outcome.job.id))  # it has ended for good
        return effects

    def _start(self, together: list[Outcome], now: float) -> list[Effect]:
        """One player for a job alone, or for calls combined under one chime."""
        first = together[0]
        gain = self._emergency_gain if first.job.priority is Priority.EMERGENCY else None
        # At the zones' levels of the moment; zones gone since (a reload) are left out.
        route = self._routing.route_zones(first.zones, gain, at=now)
        test = first.job.test
        if test is not None and test.channel is not None:  # one output of the interface
            route = Route(first.zones, self._routing.output_gain(test.channel, now))
        if not route.channel_gains:
            reason = "its zones are no longer configured"
            return [e for o in together for e in self._drop(o.job, o.zones, reason, now)]
        play = next(self._serial)
        lead_in = self._wakes.lead_in(route.zones, now)
        style = self._style(first.zones, combined=first.combined is not None)
        members = {
            o.position: Member(o.job, o.event, self._announcer.for_play(o.job, style), o.position)
            for o in together
        }
        known = Play(first.zones, members, first.combined)
        self._plays.add(play, known)
        main: content.Gains = route.channel_gains
        variants: tuple[Variant, ...] = ()
        if test is None:
            main, variants = content.split(
                first.job, route.zones, self._routing, self._announcer, style=style, gain=gain,
                at=now,
            )  # fmt: skip
        if first.combined is None:
            known.expected_s = self._airtime.alone()
            tone = test is not None and test.tone
            at = self._start_time(first.job, now)
            return [StartPlay(play, first.job.id, members[1].speech, main, tone=tone,
                                    lead_in=lead_in, variants=variants, at=at)]  # fmt: skip
        known.expected_s = self._airtime.combined(len(members))
        for member in members.values():  # combined under one chime: at once, unsynchronized
            self._sync.forget(member.job.id)
        sentences = tuple(m.speech for m in members.values())
        return [StartCombined(play, sentences, self._pause_s, main, lead_in=lead_in,
                                    variants=variants)]  # fmt: skip

    def _start_time(self, job: Job, now: float) -> float | None:
        """When a job of several racks starts: its agreed time, if that is still to come
        (else at once: its zones here were busy then)."""
        at = self._sync.start_at(job.id)
        if at is None or (job.play == 1 and at > now):
            return at
        if job.play == 1:
            log.warning("%s starts %.0f ms after the racks' agreed time: its zones here were "
                        "busy", job.id, (now - at) * 1000)  # fmt: skip
        self._sync.forget(job.id)  # started at once: no later offer moves it
        return None

    def _drop(self, job: Job, zones: tuple[str, ...], reason: str, now: float) -> list[Effect]:
        """The job's announcement cannot be made: report it, free its zones, forget it."""
        log.error("%s failed: %s", job.id, reason)
        event = self._job_event(EventName.FAILED, job, zones, now, reason=reason)
        outcomes = self.scheduler.withdraw(job.id, now)
        return [event, JournalRemove(job.id), *self._apply(outcomes, now)]

    # -- what is published -------------------------------------------------------------------

    def _event(self, name: EventName, now: float, **fields: object) -> Publish:
        return events.event(self._config.node, name, now, **fields)

    def _job_event(
        self, name: EventName, job: Job, zones: tuple[str, ...], now: float, **fields: Any
    ) -> Publish:
        return events.job_event(self._config.node, name, job, zones, now, **fields)

    def _serving(self) -> str:
        return f"serving {len(self._config.zones)} zones"

    def _configure(self, config: Config) -> None:
        """Take a config (at start and on reload): queued and playing calls are kept."""
        self._config = config
        self._routing = Routing.of(config)
        self._announcer = Announcer(self._routing, config.announcement)
        self._intake.configure(config, self._announcer)
        self._emergency_gain = db_to_gain(config.scheduling.emergency_gain_db)
        self._pause_s = config.announcement.combined_pause_ms / 1000
        self.scheduler.policy = config.scheduling
        self._wakes.configure(config.audio, config.zones)
        self._sync.configure(config.node, config.sync.delay_ms / 1000)
        spare = [f"output-{n}" for n in range(1, config.audio.channels + 1)
                 if self._routing.zone_of_output(n) is None]  # fmt: skip
        self.scheduler.set_zones([*config.zones, *spare])  # an output of no zone, for tests
