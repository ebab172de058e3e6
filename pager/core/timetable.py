"""The daily schedule at work: which entry is due, once per due time. Pure: the time comes
in as `now` (Unix seconds, the wall clock), messages go out.

An entry plays once per due time: it remembers the last due time it played (and, after a
restart, reads it back from the ids the journal has seen), so neither a restart nor a clock
stepped backwards plays it twice. A due time further back than the grace (the daemon was
down, or the clock jumped forward) is skipped; within the grace it plays once, late.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import zoneinfo
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from pager.config.model import Config
from pager.config.timetable import ScheduleEntry
from pager.values.messages import Inbound, MessageKind

SOURCE = "schedule"
LOOK_AHEAD_DAYS = 400  # a one-off date up to a year ahead still shows its next time
_ID = re.compile(r"^/?schedule-(?P<key>.+)-(?P<due>\d+)$")


@dataclass(frozen=True)
class Due:
    """An entry's occurrence: the entry, and its time as Unix seconds."""

    entry: ScheduleEntry
    ts: float

    @property
    def id(self) -> str:
        """The announcement's id: the same on every rack of the site, and after a restart."""
        return f"{SOURCE}-{self.entry.key}-{int(self.ts)}"

    def local(self, zone: str) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.ts, zoneinfo.ZoneInfo(zone))


class Timetable:
    """The schedule's entries and what each last played."""

    def __init__(self) -> None:
        self._entries: tuple[ScheduleEntry, ...] = ()
        self._zone = zoneinfo.ZoneInfo("Asia/Jakarta")
        self.zone_name = "Asia/Jakarta"
        self._grace = 120.0
        self._played: dict[str, float] = {}  # entry key -> the last due time it played
        self._next: tuple[float, list[Due]] | None = None  # (computed at, the next three)

    def configure(self, config: Config) -> None:
        self._entries = config.schedule
        self.zone_name = config.timezone
        self._zone = zoneinfo.ZoneInfo(config.timezone)
        self._grace = config.schedule_grace_s
        self._next = None

    def remember(self, ids: Iterable[str]) -> None:
        """The ids taken before a restart: the entries they were played for stay played."""
        for ident in ids:
            match = _ID.match(ident)
            if match:
                key, due = match["key"], float(match["due"])
                self._played[key] = max(self._played.get(key, 0.0), due)

    def due(self, now: float) -> list[Due]:
        """The entries due now (within the grace) and not played for this due time yet;
        they count as played from here on."""
        found = []
        for entry in self._entries:
            last = self._last_occurrence(entry, now)
            if last is None or now - last > self._grace:
                continue
            if last <= self._played.get(entry.key, float("-inf")):
                continue
            self._played[entry.key] = last
            found.append(Due(entry, last))
        if found:
            self._next = None
        return found

    def announcement(self, due: Due, prefix: str, now: float) -> Inbound:
        """The message an operator would have sent for it."""
        body = {"message": due.entry.message, "id": due.id, "source": SOURCE}
        return Inbound(f"{prefix}/announce", MessageKind.ANNOUNCE, None,
                       json.dumps(body).encode(), now, scheduled=True)  # fmt: skip

    def next_due(self, now: float) -> float | None:
        """When the next entry falls due."""
        coming = self.coming(now)
        return coming[0].ts if coming else None

    def coming(self, now: float) -> list[Due]:
        """The next three occurrences (cached: asked at every turn of the control loop)."""
        known = self._next
        if known is None or now < known[0] or (known[1] and now >= known[1][0].ts):
            known = self._next = (now, self.upcoming(now, 3))  # none known, the clock went
            # back, or the first has passed
        return known[1]

    def upcoming(self, now: float, count: int) -> list[Due]:
        """The next `count` occurrences after `now`, soonest first."""
        found = sorted((d for e in self._entries for d in self._after(e, now, count)),
                       key=lambda d: d.ts)  # fmt: skip
        return found[:count]

    def next_of_each(self, now: float) -> list[Due]:
        """Each entry's next occurrence (entries with none left are not listed)."""
        nexts = (next(self._after(e, now, 1), None) for e in self._entries)
        return sorted((d for d in nexts if d is not None), key=lambda d: d.ts)

    def _at(self, entry: ScheduleEntry, day: dt.date) -> float:
        return dt.datetime.combine(day, entry.at, tzinfo=self._zone).timestamp()

    def _last_occurrence(self, entry: ScheduleEntry, now: float) -> float | None:
        today = dt.datetime.fromtimestamp(now, self._zone).date()
        for day in (today, today - dt.timedelta(days=1)):
            if entry.plays_on(day) and (ts := self._at(entry, day)) <= now:
                return ts
        return None

    def _after(self, entry: ScheduleEntry, now: float, count: int) -> Iterator[Due]:
        today = dt.datetime.fromtimestamp(now, self._zone).date()
        found = 0
        for offset in range(LOOK_AHEAD_DAYS):
            day = today + dt.timedelta(days=offset)
            if entry.plays_on(day) and (ts := self._at(entry, day)) > now:
                yield Due(entry, ts)
                found += 1
                if found == count:
                    return
