"""What the controller knows about the players it started, and how long announcements take.

A play is one player on the card: a call alone, or several calls combined under one chime,
each with its own sentence (a section of the player). `Airtime` learns from what played how
long the chime and a sentence take, to estimate how long a new call would wait.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from pager.core.model import EventName, Job, Spoken

LEARNING_RATE = 0.2  # weight of the newest measurement in the running averages


@dataclass(frozen=True)
class Member:
    """One call (or message) in a play: its sentence is section `position` of the player."""

    job: Job
    event: EventName  # STARTED or RESUMED: published when its sentence's first sample plays
    speech: Spoken
    position: int = 1


@dataclass
class Play:
    """A player the runtime was told to start, as far as the controller is concerned."""

    zones: tuple[str, ...]
    members: dict[int, Member]  # by position; those that have not ended yet
    combined: str | None = None  # the combined announcement's id; None for one call alone
    started_at: float | None = None  # when its first sample played
    expected_s: float = 0.0  # how long it should take, from the start

    def member(self, position: int) -> Member | None:
        return self.members.get(position)


@dataclass
class Airtime:
    """Running averages of what announcements take, for wait estimates (seconds)."""

    lead_s: float = 2.4  # the chime and the pause after it
    alone_s: float = 4.3  # a call's sentence said alone
    sentence_s: float = 2.3  # a call's sentence in a combined announcement, with its pause
    _seen: dict[str, bool] = field(default_factory=dict)

    def learn(self, what: str, seconds: float) -> None:
        if seconds <= 0:
            return
        old = getattr(self, what)
        setattr(self, what, seconds if what not in self._seen else
                old + LEARNING_RATE * (seconds - old))  # fmt: skip
        self._seen[what] = True

    def alone(self) -> float:
        return self.lead_s + self.alone_s

    def combined(self, calls: int) -> float:
        return self.lead_s + calls * self.sentence_s

    def wait(self, busy_for: float, waiting: int, combine_max: int) -> float:
        """How long a new call would wait for its own sentence to start, on a zone busy for
        `busy_for` more seconds with `waiting` calls queued before it."""
        if combine_max <= 1:
            return busy_for + waiting * self.alone() + self.lead_s
        announcements = math.ceil((waiting + 1) / combine_max)
        return busy_for + announcements * self.lead_s + waiting * self.sentence_s
