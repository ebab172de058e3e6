"""Which announcement plays where, and when. Pure logic: time comes in as `now`, outcomes go out.

- Zones are independent; a job starts in all its zones together when they are free (or, for
  priorities allowed partial play, in those of its zones that are free).
- A higher priority pre-empts lower ones in the zones it needs; the pre-empted job stops
  everywhere and is resumed from its start later (or dropped, by policy).
- Among equal priorities, the counter served longest ago goes first; per counter, oldest first.
- A waiting job reserves its zones, so later, smaller jobs cannot starve it.
- Duplicate ids play once; a counter's new ticket supersedes its queued older one (unless the
  policy says every call plays); a recall of a queued ticket merges into it; calls older than
  `max_age_s` expire instead of playing late.
- Repeats (calls) follow after `repeat_interval_s`; emergencies repeat until cancelled.
- Calls that wait for exactly the same zones start together as one combined announcement
  (at most `combine_max`): only calls that would play next there anyway, so combining never
  passes over another call and never waits for one. Each keeps its own life: it finishes,
  is cancelled or repeats on its own; the zones are free when the last one has ended.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from pager.config.model import SchedulingConfig
from pager.core.groups import Entry, Group, OnAir, SeenIds, companions, next_up
from pager.values.events import EventName
from pager.values.jobs import Job
from pager.values.priority import Priority

CALL, EMERGENCY = Priority.CALL, Priority.EMERGENCY


@dataclass(frozen=True)
class Outcome:
    """An event about a job; `start` and `stop` tell the player layer what to do."""

    event: EventName
    job: Job
    zones: tuple[str, ...]
    reason: str = ""
    start: bool = False  # start a player for the job on `zones`
    stop: bool = False  # fade the job's player out now
    combined: str | None = None  # the combined announcement it starts in, or left
    position: int = 1  # its place in that announcement (1 for the first sentence)


def _matching(
    job_id: str | None, ticket: str | None, counter: str | None, ref: str | None
) -> Callable[[Job], bool]:
    """Whether a job is the one a cancel names: by id, by its sender's id, or by ticket."""

    def matches(job: Job) -> bool:
        if job_id is not None:
            return job.id == job_id
        if ref is not None:
            return job.shown_id == ref
        return job.ticket == ticket and (counter is None or job.counter == counter)

    return matches


def _counter_key(job: Job) -> str:
    return job.counter if job.counter is not None else f"\0{job.priority.label}"


def _recall_or_supersede(
    pending: dict[str, Entry], job: Job, supersede: bool, outcomes: list[Outcome]
) -> bool:
    """A counter's call against its queued ones: a recall of a queued ticket merges into
    it (True); a new ticket supersedes the older ones (unless every call plays)."""
    merged_into: str | None = None
    for entry in list(pending.values()):
        queued = entry.job
        if (
            queued.priority is not CALL
            or queued.counter != job.counter
            or queued.kind != job.kind  # a pickup never supersedes a call, nor the reverse
        ):
            continue
        if queued.ticket == job.ticket:
            if merged_into is None:  # into one queued copy only: the oldest
                entry.job = replace(queued, repeats=max(queued.repeats, job.repeats),
                                    final=queued.final or job.final)  # fmt: skip
                merged_into = queued.id
            continue
        if supersede:
            del pending[queued.id]
            reason = f"counter {job.counter} called {job.ticket}"
            outcomes.append(Outcome(EventName.SUPERSEDED, queued, queued.zones, reason))
    if merged_into is not None:
        outcomes.append(
            Outcome(EventName.MERGED, job, job.zones, f"into queued call {merged_into}")
        )
    return merged_into is not None


class Scheduler:
    """Decides starts, pre-emptions and drops; the daemon applies the outcomes."""

    def __init__(self, zones: Iterable[str], policy: SchedulingConfig | None = None) -> None:
        self.zones = tuple(zones)
        self.policy = policy or SchedulingConfig()
        # Whether every one of these zones would say compact sentences now (the stage's
        # judgement): they combine more calls under a chime.
        self.all_compact: Callable[[tuple[str, ...]], bool] = lambda zones: False
        self._pending: dict[str, Entry] = {}
        self._air = OnAir()
        self._seen = SeenIds()
        self._served: dict[str, int] = {}
        self._serial = itertools.count()
        self.paused = False  # the audio output is down: start nothing

    # -- inputs -------------------------------------------------------------------------

    def shift(self, step: float) -> None:
        """The wall clock was stepped by `step` s: no job's age or repeat's wait changes."""
        for entry in self._pending.values():
            entry.shift(step)
        self._air.shift(step)

    def submit(self, job: Job, now: float) -> list[Outcome]:
        """A new job arrives."""
        unknown = [z for z in job.zones if z not in self.zones]
        if unknown or not job.zones:
            raise ValueError(f"job {job.id} names unknown zones {unknown}")
        if job.id in self._seen:
            return [
                Outcome(EventName.DUPLICATE, job, job.zones, f"id {job.id} was already received")
            ]
        self._seen.add(job.id)
        outcomes: list[Outcome] = []
        if job.priority is CALL:
            if now - job.called_at > self.policy.max_age_s:
                age = now - job.called_at
                return [Outcome(EventName.EXPIRED, job, job.zones, f"called {age:.0f} s ago")]
            merged = _recall_or_supersede(self._pending, job, self.policy.supersede, outcomes)
            if merged:
                return outcomes + self._schedule(now)
        self._pending[job.id] = Entry(job, next(self._serial), now)
        outcomes.append(Outcome(EventName.QUEUED, job, job.zones))
        return outcomes + self._schedule(now)

    def takes(self, job: Job, now: float) -> bool:
        """Whether `submit` would queue `job` as a new entry (not a duplicate, not expired, not
        merged into a queued call): the caller journals it first. Changes nothing."""
        if job.id in self._seen:
            return False
        if job.priority is CALL:
            if now - job.called_at > self.policy.max_age_s:
                return False
            return not any(
                e.job.priority is CALL
                and e.job.counter == job.counter
                and e.job.kind == job.kind
                and e.job.ticket == job.ticket
                for e in self._pending.values()
            )
        return True

    def withdraw(self, job_id: str, now: float) -> list[Outcome]:
        """Take a job out, queued or playing, without an event of its own (its announcement
        could not be made); the zones it held go to whatever waits."""
        self._pending.pop(job_id, None)
        if job_id in self._air:
            self._air.end(job_id)
        return self._schedule(now)

    def cancel(
        self,
        now: float,
        job_id: str | None = None,
        ticket: str | None = None,
        counter: str | None = None,
        ref: str | None = None,
    ) -> list[Outcome]:
        """Cancel queued or playing jobs by id, by the id their senders gave (`ref`, any
        sender's), or by ticket (of one counter, if given)."""
        matches = _matching(job_id, ticket, counter, ref)
        outcomes: list[Outcome] = []
        for entry in [e for e in self._pending.values() if matches(e.job)]:
            del self._pending[entry.job.id]
            outcomes.append(Outcome(EventName.CANCELLED, entry.job, entry.job.zones, "cancelled"))
        for job in [j for j in self._air.jobs() if matches(j)]:
            zones, group = self._air.get(job.id)[1], self._air.group_of(job.id)
            position = group.position(job.id)
            ended = self._air.end(job.id)
            # Alone (or the last of a combined announcement), its player stops; inside one,
            # only its own sentence is left out.
            outcomes.append(Outcome(EventName.CANCELLED, job, zones, "cancelled", stop=ended,
                                    combined=group.combined, position=position))  # fmt: skip
        return outcomes + self._schedule(now)

    def finished(self, job_id: str, now: float) -> list[Outcome]:
        """The job's player has played to its end."""
        if job_id not in self._air:
            return []
        job, zones = self._air.get(job_id)
        self._air.end(job_id)
        outcomes = [Outcome(EventName.FINISHED, job, zones)]
        follow_up: Job | None = None
        due = now
        if job.priority is EMERGENCY:
            follow_up, due = replace(job, play=job.play + 1), now + self.policy.emergency_interval_s
        elif job.repeats > 0 and self.policy.supersede and (newer := self._later_call(job)):
            # The counter has called again since: its repeat would call an old ticket.
            reason = f"counter {job.counter} called {newer.ticket}"
            outcomes.append(Outcome(EventName.SUPERSEDED, job, zones, reason))
        elif job.repeats > 0:
            last = job.repeats == 1 and self.policy.final_repeat
            follow_up = replace(job, play=job.play + 1, repeats=job.repeats - 1, called_at=now,
                                final=job.final or last)  # fmt: skip
            due = now + self.policy.repeat_interval_s
        if follow_up is not None:
            self._pending[job.id] = Entry(follow_up, next(self._serial), due)
            outcomes.append(Outcome(EventName.QUEUED, follow_up, follow_up.zones))
        return outcomes + self._schedule(now)

    def tick(self, now: float) -> list[Outcome]:
        """Expire stale calls and start what has become due."""
        outcomes: list[Outcome] = []
        for entry in list(self._pending.values()):
            job = entry.job
            if job.priority is CALL and now - job.called_at > self.policy.max_age_s:
                del self._pending[job.id]
                reason = f"called {now - job.called_at:.0f} s ago"
                outcomes.append(Outcome(EventName.EXPIRED, job, job.zones, reason))
        return outcomes + self._schedule(now)

    def interrupt(self, now: float, reason: str) -> list[Outcome]:
        """The output failed: everything playing goes back to the queue, to play again from
        its start, and nothing starts until `resume`."""
        self.paused = True
        outcomes = []
        for job_id in self._air.ids():
            job, zones = self._air.get(job_id)
            self._air.end(job_id)
            self._pending[job.id] = Entry(job, next(self._serial), now, preempted=True)
            outcomes.append(Outcome(EventName.PREEMPTED, job, zones, reason, stop=True))
        return outcomes

    def resume(self, now: float) -> list[Outcome]:
        """The output is back: start what waits."""
        self.paused = False
        return self._schedule(now)

    def remember(self, ids: Iterable[str]) -> None:
        """Ids taken before a restart: a redelivery of one plays no more."""
        for job_id in ids:
            self._seen.add(job_id)

    def job(self, job_id: str) -> Job | None:
        """The job with this id, queued or playing."""
        if job_id in self._pending:
            return self._pending[job_id].job
        return self._air.get(job_id)[0] if job_id in self._air else None

    def jobs_of(self, priority: Priority) -> list[str]:
        """The ids of the queued and playing jobs of this priority."""
        jobs = [e.job for e in self._pending.values()] + self._air.jobs()
        return [job.id for job in jobs if job.priority is priority]

    def knows(self, job_id: str) -> bool:
        """Whether the job is queued or playing."""
        return job_id in self._pending or job_id in self._air

    def set_zones(self, zones: Iterable[str]) -> None:
        """The configured zones changed (reload): new jobs may use only these; queued and
        playing ones keep theirs."""
        self.zones = tuple(zones)

    # -- queries ------------------------------------------------------------------------

    def next_deadline(self, now: float) -> float | None:
        """When `tick` next has something to do (a repeat comes due, a call expires)."""
        times = [e.due for e in self._pending.values() if e.due > now]
        times += [
            e.job.called_at + self.policy.max_age_s
            for e in self._pending.values()
            if e.job.priority is CALL
        ]
        return min(times) if times else None

    def queue_depths(self) -> dict[str, int]:
        """Waiting jobs per zone."""
        depths = dict.fromkeys(self.zones, 0)
        for entry in self._pending.values():
            for zone in entry.job.zones:
                depths[zone] = depths.get(zone, 0) + 1
        return depths

    def playing(self) -> dict[str, str]:
        """Zone -> id of what plays there: the job's, or the combined announcement's."""
        return {zone: group.id for zone, group in self._air.owner.items()}

    def members(self, group_id: str) -> list[str]:
        """The jobs of what plays under this id that have not ended yet, in order."""
        return self._air.members(group_id)

    def upcoming(self, now: float) -> list[tuple[Job, ...]]:
        """The announcements next in line, in the order they are needed: for each zone, the
        first job that waits for it (what is due before repeats that are not), with the calls
        it would be combined with. What to synthesize ahead; the rest waits, so a long queue
        never delays the speech that plays next."""

        def need(entry: Entry) -> tuple[bool, float, tuple[int, bool, int, int]]:
            return (entry.due > now, entry.due, self._order(entry))

        return next_up(sorted(self._pending.values(), key=need), self.combine_max)

    def combine_max(self, zones: tuple[str, ...]) -> int:
        """How many calls for these zones may be said under one chime: more where every
        zone says compact sentences (`scheduling.compact_combine_max`)."""
        if self.all_compact(zones):
            return max(self.policy.combine_max, self.policy.compact_combine_max)
        return self.policy.combine_max

    @property
    def pending(self) -> list[Job]:
        return [e.job for e in self._pending.values()]

    # -- internals ------------------------------------------------------------------------

    def _later_call(self, job: Job) -> Job | None:
        """Another call of the same counter and kind, queued or playing (it came after
        `job`)."""
        others = [*self.pending, *self._air.jobs()]
        return next(
            (o for o in others
             if o.priority is CALL and o.counter == job.counter and o.kind == job.kind),
            None,
        )  # fmt: skip

    def _order(self, entry: Entry) -> tuple[int, bool, int, int]:
        job = entry.job
        served = self._served.get(_counter_key(job), -1)
        return (-job.priority, not entry.preempted, served, entry.order)

    def _schedule(self, now: float) -> list[Outcome]:
        outcomes: list[Outcome] = []
        if self.paused:
            return outcomes
        reserved: set[str] = set()
        taken: set[str] = set()  # started together with an earlier one
        ordered = sorted((e for e in self._pending.values() if e.due <= now), key=self._order)
        for index, entry in enumerate(ordered):
            job = entry.job
            if job.id in taken:
                continue
            owner = self._air.owner
            blocked = {
                zone
                for zone in job.zones
                if zone in reserved or (zone in owner and owner[zone].priority >= job.priority)
            }
            if job.priority in self.policy.partial:
                target = tuple(z for z in job.zones if z not in blocked)
            else:
                target = () if blocked else job.zones
            reserved.update(job.zones)
            if not target:
                continue
            for holder in self._air.holders(target):
                outcomes.extend(self._preempt(holder, job, now))
            together = [entry]
            if target == job.zones:
                limit = self.combine_max(job.zones)
                together += companions(entry, ordered[index + 1 :], taken, limit)
            group_id = job.id if len(together) == 1 else f"{round(now * 1000):x}-{job.id}"
            ids = tuple(e.job.id for e in together)
            group = Group(group_id, target, job.priority, ids, list(ids))
            self._air.start(group, [e.job for e in together])
            for position, member in enumerate(together, 1):
                del self._pending[member.job.id]
                taken.add(member.job.id)
                self._served[_counter_key(member.job)] = next(self._serial)
                event = EventName.RESUMED if member.preempted else EventName.STARTED
                outcomes.append(Outcome(event, member.job, target, start=True,
                                        combined=group.combined, position=position))  # fmt: skip
        return outcomes

    def _preempt(self, holder: Group, by: Job, now: float) -> list[Outcome]:
        """Stop what plays (every call of a combined announcement not yet ended)."""
        outcomes = []
        reason = f"pre-empted by {by.priority.label} {by.shown_id}"
        for job_id in list(holder.members):
            job, zones = self._air.get(job_id)
            self._air.end(job_id)
            if job.priority in self.policy.resume_preempted:
                self._pending[job.id] = Entry(job, next(self._serial), now, preempted=True)
                said = reason + "; resumes from its start"
            else:
                said = reason + "; dropped"
            outcomes.append(Outcome(EventName.PREEMPTED, job, zones, said, stop=True,
                                    combined=holder.combined,
                                    position=holder.position(job_id)))  # fmt: skip
        return outcomes
