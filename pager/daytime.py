"""Times of day for the zones' schedules: windows written "07:30-09:00" (local time), which
may run past midnight ("20:00-07:00"). Pure."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

_WINDOW = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
MINUTES_A_DAY = 24 * 60


@dataclass(frozen=True)
class Window:
    """From `start` to `end`, in minutes after midnight; past midnight when end <= start."""

    start: int
    end: int

    @classmethod
    def parse(cls, text: str) -> Window:
        """ValueError, in words, for anything that is not "HH:MM-HH:MM"."""
        found = _WINDOW.match(text)
        if not found:
            raise ValueError(f'"{text}" is not a time window like "07:30-09:00"')
        h1, m1, h2, m2 = (int(g) for g in found.groups())
        if h1 > 24 or h2 > 24 or m1 > 59 or m2 > 59:
            raise ValueError(f'"{text}": hours are 0-24 and minutes 0-59')
        start, end = (h1 * 60 + m1) % MINUTES_A_DAY, (h2 * 60 + m2) % MINUTES_A_DAY
        if start == end:
            raise ValueError(f'"{text}" is empty: give its start and its end')
        return cls(start, end)

    def holds(self, minute: int) -> bool:
        if self.start < self.end:
            return self.start <= minute < self.end
        return minute >= self.start or minute < self.end

    def overlaps(self, other: Window) -> bool:
        return any(self.holds(m) for m in other.minutes())

    def minutes(self) -> range | list[int]:
        if self.start < self.end:
            return range(self.start, self.end)
        return [*range(self.start, MINUTES_A_DAY), *range(0, self.end)]

    def __str__(self) -> str:
        return f"{_clock(self.start)}-{_clock(self.end)}"


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def minute_of_day(ts: float) -> int:
    """The local time of Unix seconds `ts`, in minutes after midnight."""
    local = time.localtime(ts)
    return local.tm_hour * 60 + local.tm_min
