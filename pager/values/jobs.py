"""Jobs: something to play on some zones (a call, an operator message, an emergency, a zone
test), and the ids they are known by."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from pager.values.priority import Priority
from pager.values.spoken import Spoken

CallKind = Literal["call", "pickup"]  # a ticket to a counter, or a document ready there
CALL_KINDS: tuple[CallKind, ...] = get_args(CallKind)
REMEMBERED_IDS = 10_000  # ids kept (in memory and in the journal) so a redelivery plays once


@dataclass(frozen=True)
class ZoneTest:
    """What a zone test plays on: a zone, or one output of the interface (1-based)."""

    zone: str | None
    channel: int | None
    tone: bool = False


@dataclass(frozen=True)
class Sentences:
    """A call's sentences as events and logs show them, when it carries a name: with the
    name only as `privacy.names_shown` allows (what is said may hold more)."""

    speech: Spoken
    combined: Spoken
    busy: Spoken | None = None
    compact: Spoken | None = None
    variants: tuple[tuple[str, Spoken], ...] = ()  # a zone's own content -> its sentence


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
    compact: Spoken | None = None  # what it says in a compact zone that is behind (calls)
    ref: str | None = None  # the id its sender gave, as events show it (`id` is unique)
    test: ZoneTest | None = None  # a zone test (priority TEST): what it tests
    variants: tuple[tuple[str, Spoken], ...] = ()  # a zone's own content -> its sentence
    # Zones that do not hear `speech`: zone -> its content, a key of `variants` ("" for the
    # chime alone). Calls only: a zone's own template, or another level of the name.
    contents: tuple[tuple[str, str], ...] = ()
    # The racks (nodes) that play it, site-wide, sorted: with several, they start together
    # and the first one names the time (core/sync.py).
    nodes: tuple[str, ...] = ()
    kind: CallKind = "call"  # calls only: a ticket called, or a document ready for pickup
    final: bool = False  # calls only: the last call of its ticket ("Panggilan terakhir, ")
    shown: Sentences | None = None  # calls with a name: what events show instead of speech
    name: str | None = None  # the name as events show it (None: none, or none shown)
    personal: bool = False  # it carries a name: the journal forgets it once it has ended
    message: str | None = None  # a message of the library (messages.NAME)
    clip: str | None = None  # that message's recording plays instead of speech
    chime: bool = True  # the chime before it
    source: str | None = None  # who made it, when not its sender ("schedule")
    service: str | None = None  # calls only: the call's service, or its counter's

    @property
    def text(self) -> str:
        """Its first play's sentence as events and logs show it."""
        return (self.shown.speech if self.shown is not None else self.speech).text

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
