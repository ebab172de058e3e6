"""The plays: what the scheduler decides becomes start and stop effects, and what the players
report (started, a sentence ended, finished, failed) becomes events and the next decision.
Pure: outcomes and player reports in, effects out, with explicit time.

A play is one player on the card: a call alone, or several calls combined under one chime.
The stage owns what is known of them (`Plays`), how long they take (`Airtime`) and whose
amplifiers may be asleep (`SleepingAmplifiers`).
"""

from __future__ import annotations

import itertools
import logging
from typing import Any

from pager.config.model import Config
from pager.core import ahead, content, events, inputs
from pager.core.announcer import Announcer, Style
from pager.core.effects import Effect, JournalRemove, Publish, StartCombined, StartPlay
from pager.core.plays import Airtime, Member, Play, Plays, SleepingAmplifiers
from pager.core.scheduler import Outcome, Scheduler
from pager.core.sync import Sync
from pager.units import db_to_gain
from pager.values.events import EventName
from pager.values.jobs import Job
from pager.values.priority import Priority
from pager.zones import Route, Routing

log = logging.getLogger(__name__)


class Stage:
    """Starts what the scheduler says and follows each player to its end."""

    def __init__(self, scheduler: Scheduler, sync: Sync) -> None:
        self.scheduler = scheduler
        self.plays = Plays()
        self.airtime = Airtime()
        self._sync = sync
        self._amplifiers = SleepingAmplifiers()
        self._serial = itertools.count(1)
        self._closing = False
        self.queue_changed = False  # outcomes came since the controller last looked
        self.compacting: frozenset[str] = frozenset()  # compact zones saying compact sentences

    def shift(self, step: float) -> None:
        """The wall clock was stepped by `step` s: the times held move with it."""
        self.plays.shift(step)
        self._amplifiers.shift(step)
        self._sync.shift(step)

    def configure(self, config: Config, routing: Routing, announcer: Announcer) -> None:
        """Take a config (at start and on reload); what plays goes on."""
        self._node = config.node
        self._routing = routing
        self._announcer = announcer
        self._busy_queue = config.scheduling.busy_queue
        self._emergency_gain = db_to_gain(config.scheduling.emergency_gain_db)
        self._pause_s = config.announcement.combined_pause_ms / 1000
        self._compact_pause_s = config.announcement.compact_pause_ms / 1000
        self._amplifiers.configure(config.audio, config.zones)
        self._compact = frozenset(name for name, zone in config.zones.items() if zone.compact)
        self._compact_after_s = config.scheduling.compact_after_s
        self._compact_until_s = config.scheduling.compact_until_s
        self._combine_max = config.scheduling.combine_max
        self.compacting &= self._compact
        self.scheduler.all_compact = self._all_behind

    def close(self) -> None:
        """Stopping: start nothing new; what waits stays in the journal."""
        self._closing = True

    # -- decisions in ------------------------------------------------------------------------

    def submit(self, job: Job, now: float) -> list[Effect]:
        """A new job for the scheduler, and what follows from it."""
        log.info("%s %s: %s -> %s: %r", job.priority.label, job.id, job.ticket or "message",
                 ", ".join(job.zones), job.text)  # fmt: skip
        return self.apply(self.scheduler.submit(job, now), now)

    def apply(self, outcomes: list[Outcome], now: float) -> list[Effect]:
        """The scheduler's outcomes as effects: players started and stopped, events, journal."""
        effects: list[Effect] = []
        self.queue_changed = self.queue_changed or bool(outcomes)
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
            effects += self._ended(outcome, now)
        return effects

    def drop(self, job: Job, zones: tuple[str, ...], reason: str, now: float) -> list[Effect]:
        """The job's announcement cannot be made: report it, free its zones, forget it."""
        log.error("%s failed: %s", job.id, reason)
        event = self._job_event(EventName.FAILED, job, zones, now, reason=reason)
        outcomes = self.scheduler.withdraw(job.id, now)
        return [JournalRemove(job.id), event, *self.apply(outcomes, now)]

    # -- what the players report -------------------------------------------------------------

    def started(self, item: inputs.PlayStarted, now: float) -> list[Effect]:
        """A player's first sample (section 0), or a combined sentence's, reached the card."""
        known = self.plays.get(item.play)
        if known is None:
            return []
        if item.section == 0:
            known.started_at = now
        member = known.members.get(item.section if known.combined else 1)
        if member is None or (known.combined and item.section == 0):
            return []  # the chime of a combined announcement, or a sentence left out
        timing: dict[str, object] = {}
        at = self._sync.start_at(member.job.id)
        if at is not None:
            self._sync.forget(member.job.id)
            if item.late_ms is not None:  # a timed start (else at once, or no output clock)
                timing = {"sync_at": at, "late_ms": round(item.late_ms, 2)}
        texts = {"zone_texts": dict(member.zone_texts)} if member.zone_texts else {}
        return [self._job_event(member.event, member.job, known.zones, now,
                                text=member.text, combined=known.combined,
                                position=member.position, **texts, **timing)]  # fmt: skip

    def section_finished(self, item: inputs.SectionFinished, now: float) -> list[Effect]:
        """A combined announcement's sentence played its last sample."""
        known = self.plays.get(item.play)
        member = known.members.pop(item.section, None) if known else None
        if known is None or member is None:
            return []  # it was cancelled, or the announcement stopped
        length = "compact_sentence_s" if known.compact else "sentence_s"
        self.airtime.learn(length, item.audio_s + self._pause(known))
        return self._member_finished(known, member, now, audio_s=item.audio_s,
                                     late_s=item.late_s)  # fmt: skip

    def finished(self, item: inputs.PlayFinished, now: float) -> list[Effect]:
        """A player played its last sample (or ended with its speech missing)."""
        known = self.plays.pop(item.play)
        if known is None:
            return []  # it was stopped: its end was reported then
        self._amplifiers.sounded(known.zones, now)
        if item.lead_s:
            self.airtime.learn("lead_s", item.lead_s)
        if known.combined is None:
            if known.members[1].job.test is None:  # a test's length says nothing of calls'
                length = "compact_alone_s" if known.compact else "alone_s"
                self.airtime.learn(length, item.audio_s - item.lead_s)
            return self._member_finished(known, known.members[1], now, audio_s=item.audio_s,
                                         late_s=item.late_s, failure=item.failure)  # fmt: skip
        effects: list[Effect] = []
        for member in known.members.values():  # sentences that never played
            reason = item.failure or "its sentence was not played"
            effects += self._member_finished(known, member, now, audio_s=0.0, late_s=0.0,
                                             failure=reason)  # fmt: skip
        return effects

    def failed(self, item: inputs.PlayFailed, now: float) -> list[Effect]:
        """A start effect could not be carried out: its calls fail, their zones are free."""
        known = self.plays.pop(item.play)
        if known is None:
            return []
        self._amplifiers.sounded(known.zones, now)
        return [e for m in known.members.values()
                for e in self.drop(m.job, known.zones, item.reason, now)]  # fmt: skip

    def unspoken(self, item: inputs.SpeechUnavailable, now: float) -> list[Effect]:
        """The speech worker refused a job's speech: the job fails."""
        job = self.scheduler.job(item.job_id)
        if job is None:
            return []
        return self.plays.leave(job.id) + self.drop(job, job.zones, item.reason, now)

    # -- starting ----------------------------------------------------------------------------

    def _start(self, together: list[Outcome], now: float) -> list[Effect]:
        """One player for a job alone, or for calls combined under one chime."""
        first = together[0]
        gain = self._emergency_gain if first.job.priority is Priority.EMERGENCY else None
        route = self._route(first, gain, now)
        if not route.channel_gains:
            reason = "its zones are no longer configured"
            return [e for o in together for e in self.drop(o.job, o.zones, reason, now)]
        play = next(self._serial)
        lead_in = self._amplifiers.lead_in(route.zones, now)
        jobs = [o.job for o in together]
        style = self._style(first.zones, combined=first.combined is not None)
        shared = content.Split(route.channel_gains, style, (), ((),) * len(jobs))
        if first.job.test is None:
            compacted = self._behind(first, len(together))
            self.compacting = (self.compacting - frozenset(route.zones)) | compacted
            shared = content.split(jobs, route.zones, self._routing, self._announcer,
                                   style=style, compacted=compacted, gain=gain, at=now)  # fmt: skip
        said = shared.style
        members = {
            o.position: Member(o.job, o.event, self._announcer.for_play(o.job, said), o.position,
                               self._announcer.for_play(o.job, said, shown=True).text, texts)
            for o, texts in zip(together, shared.texts, strict=True)
        }  # fmt: skip
        known = Play(first.zones, members, first.combined, compact=said == "compact")
        self.plays.add(play, known)
        if first.combined is None:
            known.expected_s = self.airtime.alone(known.compact)
            tone = first.job.test is not None and first.job.test.tone
            at = self._start_time(first.job, now)
            return [StartPlay(play, first.job.id, members[1].speech, shared.main, tone=tone,
                              lead_in=lead_in, variants=shared.variants, at=at,
                              clip=first.job.clip, chime=first.job.chime)]  # fmt: skip
        known.expected_s = self.airtime.combined(len(members), known.compact)
        for member in members.values():  # combined under one chime: at once, unsynchronized
            self._sync.forget(member.job.id)
        sentences = tuple(m.speech for m in members.values())
        return [StartCombined(play, sentences, self._pause(known), shared.main,
                              lead_in=lead_in, variants=shared.variants)]  # fmt: skip

    def behind(self, zones: tuple[str, ...], starting: int = 0) -> frozenset[str]:
        """The compact zones among `zones` that are behind. A zone is behind once the wait a
        new call would have there (the status's estimate at full sentences: what the zone
        would have without compacting), with what is queued and the `starting` calls taken
        from the queue to start now, rises above `scheduling.compact_after_s`, and until it
        is back under `scheduling.compact_until_s`."""
        if not self._compact.intersection(zones):
            return frozenset()
        depths = self.scheduler.queue_depths()
        waits = {
            zone: self.airtime.wait(0.0, depths.get(zone, 0) + starting, self._combine_max)
            for zone in zones
        }
        after_s, until_s = self._compact_after_s, self._compact_until_s
        return content.behind(zones, self._compact, waits, self.compacting,
                              after_s=after_s, until_s=until_s)  # fmt: skip

    def _all_behind(self, zones: tuple[str, ...]) -> bool:
        return bool(zones) and self.behind(zones) == frozenset(zones)

    def _pause(self, known: Play) -> float:
        """Between the sentences of a combined announcement: shorter between compact ones."""
        return self._compact_pause_s if known.compact else self._pause_s

    def _behind(self, first: Outcome, calls: int) -> frozenset[str]:
        if first.job.priority is not Priority.CALL:
            return frozenset()
        return self.behind(first.zones, calls)

    def _route(self, first: Outcome, gain: float | None, now: float) -> Route:
        """At the zones' levels of the moment; zones gone since (a reload) are left out. A
        test of one output of the interface plays on that output alone."""
        test = first.job.test
        if test is not None and test.channel is not None:
            return Route(first.zones, self._routing.output_gain(test.channel, now))
        return self._routing.route_zones(first.zones, gain, at=now, boosted=test is None)

    def _style(self, zones: tuple[str, ...], combined: bool) -> Style:
        return ahead.style(zones, combined, self._announcer, self.scheduler, self._busy_queue)

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

    # -- ending ------------------------------------------------------------------------------

    def _ended(self, outcome: Outcome, now: float) -> list[Effect]:
        """An outcome that is not a start: a stop, a cancel, an expiry, a queued event..."""
        effects: list[Effect] = []
        if outcome.stop:
            effects += self.plays.stop(outcome.job.id)
            self._amplifiers.sounded(outcome.zones, now)
        elif outcome.combined and outcome.event is EventName.CANCELLED:
            effects += self.plays.leave(outcome.job.id)
        if outcome.event is not EventName.FINISHED:  # published when the player reports
            where = {"combined": outcome.combined} if outcome.combined else {}
            effects.append(self._job_event(outcome.event, outcome.job, outcome.zones, now,
                                           reason=outcome.reason, **where))  # fmt: skip
        if not self.scheduler.knows(outcome.job.id):
            effects.append(JournalRemove(outcome.job.id))  # it has ended for good
        return effects

    def _member_finished(
        self, known: Play, member: Member, now: float, *, audio_s: float, late_s: float,
        failure: str | None = None,
    ) -> list[Effect]:  # fmt: skip
        """One call's sentence has ended: report it, then what follows (a repeat, the next)."""
        job = member.job
        self.plays.forget(job.id)
        said = {"text": member.text, "combined": known.combined,
                "position": member.position}  # fmt: skip
        if failure:
            log.error("%s: %s", job.id, failure)
            event = self._job_event(EventName.FAILED, job, known.zones, now, reason=failure,
                                    **said)  # fmt: skip
        else:
            event = self._job_event(EventName.FINISHED, job, known.zones, now,
                                    audio_s=round(audio_s, 3), late_s=round(late_s, 3),
                                    **said)  # fmt: skip
        if late_s:
            log.warning("%s: speech came %.0f ms late", job.id, 1000 * late_s)
        if self._closing:  # start nothing new; what waits stays in the journal
            return [*([JournalRemove(job.id)] if job.repeats == 0 else []), event]
        # Struck from the journal before its event is published: a crash in between loses
        # the event, never plays the call twice.
        follow = self.apply(self.scheduler.finished(job.id, now), now)
        removal = [e for e in follow if e == JournalRemove(job.id)]
        return [*removal, event, *(e for e in follow if e not in removal)]

    def _job_event(
        self, name: EventName, job: Job, zones: tuple[str, ...], now: float, **fields: Any
    ) -> Publish:
        return events.job_event(self._node, name, job, zones, now, **fields)
