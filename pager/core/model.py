"""The small frozen values every layer shares: priorities, event names, messages and jobs.

Each fact is declared here once; the MQTT link, the journal, the scheduler, the controller
and the config all use these names.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

REMEMBERED_IDS = 10_000  # ids kept (in memory and in the journal) so a redelivery plays once


class Priority(enum.IntEnum):
    """How urgent an announcement is; a higher one pre-empts lower ones in its zones.
    Zone tests are below calls: they wait for a zone's calls, and a call cuts them short."""

    TEST = 0
    CALL = 1
    ANNOUNCEMENT = 2
    EMERGENCY = 3

    @property
    def label(self) -> str:
        """The name in payloads, events and the config: "call", "announcement", "emergency"."""
        return self.name.lower()

    @classmethod
    def labels(cls) -> tuple[str, ...]:
        """The priorities senders and the config may name (tests are only asked for on
        {prefix}/test)."""
        return tuple(p.label for p in cls if p is not cls.TEST)

    @classmethod
    def from_label(cls, label: str) -> Priority:
        """The priority called `label` (one of `labels`); ValueError for anything else."""
        for priority in cls:
            if priority.label == label and label in cls.labels():
                return priority
        raise ValueError(f"{label!r} is not one of {', '.join(cls.labels())}")


class EventName(enum.StrEnum):
    """The `event` field of what is published on {prefix}/event/{node}."""

    QUEUED = "queued"
    STARTED = "started"
    RESUMED = "resumed"
    FINISHED = "finished"
    PREEMPTED = "preempted"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    SUPERSEDED = "superseded"
    MERGED = "merged"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"
    FAILED = "failed"
    AUDIO_FAILED = "audio-failed"
    AUDIO_RESTORED = "audio-restored"
    AUDIO_XRUNS = "audio-xruns"
    AUDIO_CALLBACK_ERROR = "audio-callback-error"
    TEST_QUEUED = "test-queued"
    TEST_STARTED = "test-started"
    TEST_FINISHED = "test-finished"
    CONFIG_RELOADED = "config-reloaded"
    CONFIG_REJECTED = "config-rejected"


class MessageKind(enum.StrEnum):
    """What a topic carries: {prefix}/call/{counter}, /announce, /cancel[/{counter}], /test,
    /sync, /event/{node}."""

    CALL = "call"
    ANNOUNCE = "announce"
    CANCEL = "cancel"
    TEST = "test"
    SYNC = "sync"  # {prefix}/sync: the first rack's start time for an announcement
    EVENT = "event"  # {prefix}/event/{node}: the active PC's events, as a standby hears them
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Inbound:
    """A message as it arrived, not yet validated.

    `counter` is the topic's last level for calls and counter cancels, else None.
    """

    topic: str
    kind: MessageKind
    counter: str | None
    payload: bytes
    received: float
    retained: bool = False  # delivered from the broker's retained store
    mid: int | None = None  # to acknowledge it (QoS 1); None when replayed from the journal
    qos: int = 0
    connection: int = 0  # which connection it came on: an ack is only valid on that one
    journaled: str | None = None  # replayed from the journal, where it was taken under this id


@dataclass(frozen=True)
class Spoken:
    """What an announcement says: phrases of plain words, each followed by a pause.

    The pauses are where a professional announcer breathes (after "Nomor antrean", between
    a ticket's letters and its number, at a comma); the speech engine renders each phrase
    and pager joins them with exactly these silences.
    """

    phrases: tuple[tuple[str, float], ...] = ()  # (plain words, seconds of silence after)

    @classmethod
    def plain(cls, text: str) -> Spoken:
        """One phrase, no pause."""
        return cls(((text, 0.0),))

    @property
    def text(self) -> str:
        """The words as one sentence (what events show)."""
        return " ".join(words for words, _ in self.phrases)


@dataclass(frozen=True)
class ZoneTest:
    """What a zone test plays on: a zone, or one output of the interface (1-based)."""

    zone: str | None
    channel: int | None
    tone: bool = False


@dataclass(frozen=True)
class Job:
    """Something to play on some zones: a call, an operator message or an emergency."""

    id: str
    priority: Priority
    zones: tuple[str, ...]
    counter: str | None = None
    ticket: str | None = None
    called_at: float = 0.0  # when the counter pressed the button (or when it arrived)
    repeats: int = 0  # further plays after this one
    play: int = 1  # 1 for the first play, 2 for "Panggilan kedua", ...
    speech: Spoken = Spoken()  # what its first play says
    combined: Spoken = Spoken()  # its sentence inside a combined announcement (calls)
    busy: Spoken | None = None  # what it says alone while its zones are busy (calls)
    ref: str | None = None  # the id its sender gave, as events show it (`id` is unique)
    test: ZoneTest | None = None  # a zone test (priority TEST): what it tests
    variants: tuple[tuple[str, Spoken], ...] = ()  # a zone's own template -> its sentence
    # The racks (nodes) that play it, site-wide, sorted: with several, they start together
    # and the first one names the time (core/sync.py).
    nodes: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        return self.speech.text

    @property
    def shown_id(self) -> str:
        """The id events show: the sender's, unchanged."""
        return self.ref if self.ref is not None else self.id


def job_key(sender: str | None, ref: str) -> str:
    """A job's unique id: a counter's calls ("5/c-17") and the operator desk's messages
    ("/drill-1") have ids of their own, so one sender can never reuse another's."""
    return f"{sender or ''}/{ref}"


def ref_of(key: str) -> str:
    """The sender's id in a job's key (an old journal's bare id is its own)."""
    return key.split("/", 1)[-1]
