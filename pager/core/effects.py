"""What comes out of the controller: orders for the runtime, each a small frozen value.

Start or stop a player, journal, acknowledge, publish. The runtime carries them out in
order; what some of them report back is an input (`pager.core.inputs`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from pager.errors import CallRejected, NotAllowed, NothingToCancel, RateLimited
from pager.values.messages import Inbound
from pager.values.spoken import Spoken


@dataclass(frozen=True)
class Variant:
    """What some zones of a play hear instead of its main sound: their own sentence after
    the chime, or (speech None) the chime alone; in a player of its own that starts with
    the main one. In a combined announcement, `sentences` (one for each of its sentences,
    in step with them: a lane) instead of `speech`."""

    speech: Spoken | None
    channel_gains: tuple[tuple[int, float], ...]
    sentences: tuple[Spoken, ...] = ()


@dataclass(frozen=True)
class StartPlay:
    """Play the chime, then `speech`, on these channel columns at these gains."""

    play: int
    job_id: str
    speech: Spoken
    channel_gains: tuple[tuple[int, float], ...]
    tone: bool = False  # a zone test's tone instead of the chime and speech
    lead_in: bool = False  # the amplifier's pilot first (audio.lead_in_ms)
    variants: tuple[Variant, ...] = ()  # zones with their own content (zones.NAME.template)
    at: float | None = None  # Unix time of the chime's first sample at the outputs (racks
    # starting together); None: at once
    clip: str | None = None  # a library message's recording (messages.NAME) instead of speech
    chime: bool = True  # the chime first


@dataclass(frozen=True)
class StartCombined:
    """Play the chime, then each sentence in turn (section 1, 2, ...) with `pause_s` of
    silence between them, on these channel columns at these gains."""

    play: int
    sentences: tuple[Spoken, ...]
    pause_s: float
    channel_gains: tuple[tuple[int, float], ...]
    lead_in: bool = False  # the amplifier's pilot first (audio.lead_in_ms)
    variants: tuple[Variant, ...] = ()  # chime-only zones, and compacted zones (lanes)


@dataclass(frozen=True)
class SkipSection:
    """Leave a combined announcement's sentence out, if it has not begun."""

    play: int
    section: int


@dataclass(frozen=True)
class StopPlay:
    """Fade the player out now."""

    play: int


@dataclass(frozen=True)
class ResetAudio:
    """The output died: drop every player at once (the stream is not running)."""


@dataclass(frozen=True)
class Prerender:
    """Synthesize `speech` ahead, so the play finds it ready."""

    job_id: str
    speech: Spoken


@dataclass(frozen=True)
class Publish:
    """An event on {prefix}/event/{node}: its JSON body."""

    body: Mapping[str, object]


@dataclass(frozen=True)
class PublishSync:
    """Publish this node's start time for an announcement of several racks."""

    body: Mapping[str, object]


@dataclass(frozen=True)
class Retime:
    """The first rack's start time came: a play not yet started moves to it."""

    play: int
    at: float  # Unix time


@dataclass(frozen=True)
class PublishStatus:
    """The retained online status, with these details."""

    details: Mapping[str, object]


@dataclass(frozen=True)
class JournalAdd:
    """Keep the message on disk before it is acknowledged; answer Journaled/JournalFailed."""

    job_id: str
    message: Inbound
    personal: bool = False  # it carries a name: forgotten for good once removed


@dataclass(frozen=True)
class JournalRemove:
    job_id: str


@dataclass(frozen=True)
class ProbeJournal:
    """The journal's disk failed: try a write (what it finds comes back as a StorageReport
    when it changed)."""


@dataclass(frozen=True)
class Refusal:
    """Why a message was not taken, for a sender that waits for the answer (the HTTP API):
    `invalid`, `not-allowed` (beyond its rights), `rate-limited` (with `retry_after` s),
    `not-found` (nothing to cancel) or `unavailable` (the journal could not keep it)."""

    kind: str
    reason: str
    retry_after: float | None = None

    @classmethod
    def of(cls, rejected: CallRejected) -> Refusal:
        if isinstance(rejected, RateLimited):
            return cls("rate-limited", rejected.reason, rejected.retry_after)
        if isinstance(rejected, NotAllowed):
            return cls("not-allowed", rejected.reason)
        if isinstance(rejected, NothingToCancel):
            return cls("not-found", rejected.reason)
        return cls("invalid", rejected.reason)


@dataclass(frozen=True)
class Ack:
    """The message has been dealt with: acknowledge it to the broker (QoS 1), or answer the
    request it came in (`refusal`: why it was not taken; None: it was)."""

    message: Inbound
    refusal: Refusal | None = None


@dataclass(frozen=True)
class Notify:
    """Tell systemd: ready (with a status line) or reloading."""

    state: Literal["ready", "reloading"]
    status: str = ""


@dataclass(frozen=True)
class LoadConfig:
    """Read the config file again and build what it needs; answer Reconfigure or
    ReloadRefused (always one of them)."""


Effect = (
    StartPlay | StartCombined | SkipSection | StopPlay | ResetAudio | Prerender | Publish
    | PublishSync | Retime
    | PublishStatus | JournalAdd | JournalRemove | ProbeJournal | Ack | Notify | LoadConfig
)  # fmt: skip
