"""What waits and what plays, as the scheduler keeps them; and which waiting calls are combined
under one chime with the one that starts."""

from __future__ import annotations

from dataclasses import dataclass

from pager.values.jobs import Job
from pager.values.priority import Priority

CALL = Priority.CALL


@dataclass
class Group:
    """What plays on some zones: one job, or several combined under one chime."""

    id: str  # the job's id when alone
    zones: tuple[str, ...]
    priority: Priority
    order: tuple[str, ...]  # the ids of its jobs, in the order they are said
    members: list[str]  # those not yet ended

    @property
    def combined(self) -> str | None:
        return None if len(self.order) == 1 else self.id

    def position(self, job_id: str) -> int:
        return self.order.index(job_id) + 1


@dataclass
class Entry:
    job: Job
    order: int  # arrival order; kept when pre-empted, so a resumed job goes first
    due: float  # not before this time (repeats)
    preempted: bool = False


def companions(leader: Entry, later: list[Entry], taken: set[str], combine_max: int) -> list[Entry]:
    """The calls to combine with `leader`'s: those after it in line that wait for exactly
    its zones, until one that needs any of those zones and cannot join (it would play
    next there: combining past it would delay it)."""
    job = leader.job
    if job.priority is not CALL or combine_max <= 1:
        return []
    zones, counters = set(job.zones), {job.counter}
    found: list[Entry] = []
    for entry in later:
        other = entry.job
        if len(found) + 1 >= combine_max:
            break
        if other.id in taken or not zones & set(other.zones):
            continue
        # One call per counter: a counter's second call would lose its turn to others.
        if other.priority is not CALL or set(other.zones) != zones or other.counter in counters:
            break
        found.append(entry)
        counters.add(other.counter)
    return found
