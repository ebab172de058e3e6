"""What waits (`Entry`) and what plays (`OnAir`, by `Group`), as the scheduler keeps them;
which waiting calls are combined under one chime with the one that starts, and which
announcements are next in line; the ids seen lately (`SeenIds`)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace

from pager.values.jobs import REMEMBERED_IDS, Job
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


class OnAir:
    """What plays: each playing job with its zones and its group, and each zone's group."""

    def __init__(self) -> None:
        self._playing: dict[str, tuple[Job, tuple[str, ...]]] = {}
        self._group_of: dict[str, Group] = {}  # playing job id -> its group
        self.owner: dict[str, Group] = {}  # zone -> what plays there

    def __contains__(self, job_id: str) -> bool:
        return job_id in self._playing

    def shift(self, step: float) -> None:
        """The wall clock was stepped: the playing jobs' call times move with it."""
        self._playing = {
            job_id: (replace(job, called_at=job.called_at + step), zones)
            for job_id, (job, zones) in self._playing.items()
        }

    def ids(self) -> list[str]:
        return list(self._playing)

    def get(self, job_id: str) -> tuple[Job, tuple[str, ...]]:
        """The playing job and the zones it plays on."""
        return self._playing[job_id]

    def jobs(self) -> list[Job]:
        return [job for job, _ in self._playing.values()]

    def group_of(self, job_id: str) -> Group:
        return self._group_of[job_id]

    def start(self, group: Group, jobs: list[Job]) -> None:
        """The group's jobs play on its zones from now."""
        for zone in group.zones:
            self.owner[zone] = group
        for job in jobs:
            self._playing[job.id] = (job, group.zones)
            self._group_of[job.id] = group

    def end(self, job_id: str) -> bool:
        """The job no longer plays; True when its group has ended and freed its zones."""
        del self._playing[job_id]
        group = self._group_of.pop(job_id)
        group.members.remove(job_id)
        if group.members:
            return False
        for zone in group.zones:
            if self.owner.get(zone) is group:
                del self.owner[zone]
        return True

    def holders(self, zones: tuple[str, ...]) -> list[Group]:
        """What plays on any of these zones, each group once."""
        return list({self.owner[z].id: self.owner[z] for z in zones if z in self.owner}.values())

    def members(self, group_id: str) -> list[str]:
        """The jobs of what plays under this id that have not ended yet, in order."""
        for group in self.owner.values():
            if group.id == group_id:
                return list(group.members)
        return []


@dataclass
class Entry:
    job: Job
    order: int  # arrival order; kept when pre-empted, so a resumed job goes first
    due: float  # not before this time (repeats)
    preempted: bool = False

    def shift(self, step: float) -> None:
        """The wall clock was stepped: its call time and due time move with it."""
        self.job = replace(self.job, called_at=self.job.called_at + step)
        self.due += step


def companions(leader: Entry, later: list[Entry], taken: set[str], combine_max: int) -> list[Entry]:
    """The calls to combine with `leader`'s: those after it in line that wait for exactly
    its zones, until one that needs any of those zones and cannot join (it would play
    next there: combining past it would delay it). A counter's second call is passed over,
    not a stop: once its first is served, round-robin puts the other counters' calls
    before it anyway."""
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
        if (
            other.priority is not CALL
            or other.kind != job.kind  # pickups combine with pickups only
            or set(other.zones) != zones
        ):
            break
        if other.counter in counters:  # one call per counter and announcement
            continue
        found.append(entry)
        counters.add(other.counter)
    return found


def next_up(
    ordered: list[Entry], combine_max: Callable[[tuple[str, ...]], int]
) -> list[tuple[Job, ...]]:
    """For each zone, the first of `ordered` that waits for it, with the calls it would be
    combined with: the announcements next in line, in the order they are needed."""
    upcoming: dict[str, tuple[Job, ...]] = {}
    for index, entry in enumerate(ordered):
        if any(zone not in upcoming for zone in entry.job.zones):
            limit = combine_max(entry.job.zones)
            together = [entry, *companions(entry, ordered[index + 1 :], set(), limit)]
            for zone in entry.job.zones:
                upcoming.setdefault(zone, tuple(e.job for e in together))
    return list(dict.fromkeys(upcoming.values()))


class SeenIds:
    """The ids taken lately (the last REMEMBERED_IDS), so that a redelivery plays once."""

    def __init__(self) -> None:
        self._ids: OrderedDict[str, None] = OrderedDict()

    def __contains__(self, job_id: str) -> bool:
        return job_id in self._ids

    def add(self, job_id: str) -> None:
        self._ids[job_id] = None
        if len(self._ids) > REMEMBERED_IDS:
            self._ids.popitem(last=False)
