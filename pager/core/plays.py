"""What the controller knows about the players it started, and how long announcements take.

A play is one player on the card: a call alone, or several calls combined under one chime,
each with its own sentence (a section of the player). `Airtime` learns from what played how
long the chime and a sentence take, to estimate how long a new call would wait.
`SleepingAmplifiers` knows when each zone last sounded, for the amplifier's lead-in.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from pager.config.model import AudioConfig
from pager.config.zoning import Zone
from pager.core.effects import Effect, SkipSection, StopPlay
from pager.values.events import EventName
from pager.values.jobs import Job
from pager.values.spoken import Spoken

LEARNING_RATE = 0.2  # weight of the newest measurement in the running averages


@dataclass(frozen=True)
class Member:
    """One call (or message) in a play: its sentence is section `position` of the player."""

    job: Job
    event: EventName  # STARTED or RESUMED: published when its sentence's first sample plays
    speech: Spoken
    position: int = 1
    text: str = ""  # its sentence as events show it (a name only as far as shown)
    zone_texts: tuple[tuple[str, str], ...] = ()  # zone -> what it hears, when zones differ


@dataclass
class Play:
    """A player the runtime was told to start, as far as the controller is concerned."""

    zones: tuple[str, ...]
    members: dict[int, Member]  # by position; those that have not ended yet
    combined: str | None = None  # the combined announcement's id; None for one call alone
    started_at: float | None = None  # when its first sample played
    expected_s: float = 0.0  # how long it should take, from the start
    compact: bool = False  # its main sentences are compact ones (shorter airtime)


@dataclass
class Airtime:
    """Running averages of what announcements take, for wait estimates (seconds)."""

    lead_s: float = 2.4  # the chime and the pause after it
    alone_s: float = 4.3  # a call's sentence said alone
    sentence_s: float = 2.3  # a call's sentence in a combined announcement, with its pause
    compact_alone_s: float = 1.4  # a compact sentence said alone ("A seratus dua belas.")
    compact_sentence_s: float = 1.9  # ... in a combined announcement, with its pause
    _learnt: set[str] = field(default_factory=set)  # measured at least once: no more guess

    def learn(self, what: str, seconds: float) -> None:
        """A measured length of `what` (one of the fields above) goes into its average."""
        if seconds <= 0:
            return
        old = getattr(self, what)
        setattr(self, what, old + LEARNING_RATE * (seconds - old) if what in self._learnt
                else seconds)  # fmt: skip
        self._learnt.add(what)

    def alone(self, compact: bool = False) -> float:
        return self.lead_s + (self.compact_alone_s if compact else self.alone_s)

    def combined(self, calls: int, compact: bool = False) -> float:
        return self.lead_s + calls * (self.compact_sentence_s if compact else self.sentence_s)

    def wait(self, busy_for: float, waiting: int, combine_max: int, compact: bool = False) -> float:
        """How long a new call would wait for its own sentence to start, on a zone busy for
        `busy_for` more seconds with `waiting` calls queued before it (said in compact
        sentences, or full ones)."""
        if combine_max <= 1:
            return busy_for + waiting * self.alone(compact) + self.lead_s
        announcements = math.ceil((waiting + 1) / combine_max)
        sentence = self.compact_sentence_s if compact else self.sentence_s
        return busy_for + announcements * self.lead_s + waiting * sentence


class Plays:
    """The players started and not yet ended, and which play each job is in."""

    def __init__(self) -> None:
        self._plays: dict[int, Play] = {}
        self._play_of_job: dict[str, int] = {}

    def __bool__(self) -> bool:
        return bool(self._plays)

    def shift(self, step: float) -> None:
        """The wall clock was stepped: the start times move with it."""
        for known in self._plays.values():
            if known.started_at is not None:
                known.started_at += step

    def add(self, play: int, known: Play) -> None:
        self._plays[play] = known
        for member in known.members.values():
            self._play_of_job[member.job.id] = play

    def get(self, play: int) -> Play | None:
        return self._plays.get(play)

    def waiting(self, job_id: str) -> int | None:
        """The play `job_id` is in, while it has not started yet."""
        play = self._play_of_job.get(job_id)
        known = self._plays.get(play) if play is not None else None
        return play if known is not None and known.started_at is None else None

    def pop(self, play: int) -> Play | None:
        """The play has ended: forget it and its jobs."""
        known = self._plays.pop(play, None)
        for member in known.members.values() if known else ():
            self._play_of_job.pop(member.job.id, None)
        return known

    def forget(self, job_id: str) -> None:
        """The job's part of its play has ended."""
        self._play_of_job.pop(job_id, None)

    def stop(self, job_id: str) -> list[Effect]:
        """Stop the player that `job_id` plays in (every call of it ends with it)."""
        play = self._play_of_job.get(job_id)
        if play is None or self.pop(play) is None:
            return []
        return [StopPlay(play)]

    def leave(self, job_id: str) -> list[Effect]:
        """Take one call out of its play: its sentence is left out of a combined
        announcement whose other calls go on; alone (or last), its player stops."""
        play = self._play_of_job.get(job_id)
        known = self._plays.get(play) if play is not None else None
        if play is None or known is None:
            return []
        position = next(p for p, m in known.members.items() if m.job.id == job_id)
        if known.combined is None or len(known.members) == 1:
            return self.stop(job_id)
        del self._play_of_job[job_id], known.members[position]
        return [SkipSection(play, position)]

    def busy_for(self, now: float) -> dict[str, float]:
        """Per zone, about how many more seconds what plays there takes."""
        busy: dict[str, float] = {}
        for known in self._plays.values():
            started = known.started_at if known.started_at is not None else now
            left = max(0.0, started + known.expected_s - now)
            for zone in known.zones:
                busy[zone] = max(busy.get(zone, 0.0), left)
        return busy


class SleepingAmplifiers:
    """When each zone last sounded: whether its amplifier may have gone to standby, so that
    an announcement there needs the lead-in pilot first (`audio.lead_in_ms`)."""

    def __init__(self) -> None:
        self._last: dict[str, float] = {}
        self._enabled = False
        self._idle_s = 0.0
        self._zones: Mapping[str, Zone] = {}

    def shift(self, step: float) -> None:
        """The wall clock was stepped: when each zone last sounded moves with it."""
        self._last = {zone: at + step for zone, at in self._last.items()}

    def configure(self, audio: AudioConfig, zones: Mapping[str, Zone]) -> None:
        self._enabled = audio.lead_in_ms > 0
        self._idle_s = audio.lead_in_idle_s
        self._zones = zones

    def lead_in(self, zones: Iterable[str], now: float) -> bool:
        """An announcement starts on `zones` now: does it need the pilot first?"""
        zones = tuple(zones)
        asleep = any(
            now - self._last.get(zone, -math.inf) >= self._idle_s
            and not (zone in self._zones and self._zones[zone].music_plays_at(now))
            for zone in zones
        )
        self.sounded(zones, now)
        return self._enabled and asleep

    def sounded(self, zones: Iterable[str], now: float) -> None:
        """Sound went to these zones until `now`."""
        for zone in zones:
            self._last[zone] = now
