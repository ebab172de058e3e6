"""The wall clock, watched: a step (NTP setting a clock whose battery died, a technician's
`date -s`) is told apart from time passing by the monotonic clock, which no step moves.

pager reads time as Unix seconds (`time.time`), so that events, the call log and the racks'
start times are in the site's time. Everything the daemon holds in those seconds (when a call
was made, when a repeat is due) is moved by the size of a step when one is seen, so a step
changes no call's age. A clock earlier than NOT_BEFORE (this release's date) is certainly
wrong: the status says `clock: unsynchronized` until it is set.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

NOT_BEFORE = dt.datetime(2026, 12, 1, tzinfo=dt.UTC).timestamp()  # this release's date
STEP_S = 1.0  # a larger jump between the two clocks is a step (NTP slews smaller offsets)


def unsynchronized(now: float) -> bool:
    """The clock says a time before this release was made: it has not been set yet."""
    return now < NOT_BEFORE


class StepWatch:
    """Tells, each time it is asked, by how much the wall clock was stepped since the last
    time (0.0 when it was not)."""

    def __init__(self, wall: Callable[[], float] = time.time,
                 monotonic: Callable[[], float] = time.monotonic) -> None:  # fmt: skip
        self._wall = wall
        self._monotonic = monotonic
        self._offset = wall() - monotonic()

    def step(self) -> float:
        offset = self._wall() - self._monotonic()
        moved = offset - self._offset
        if abs(moved) < STEP_S:
            return 0.0
        self._offset = offset
        return moved
