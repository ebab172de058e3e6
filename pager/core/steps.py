"""What goes into the controller (inputs) and what comes out of it (effects).

Inputs are facts: a message arrived, a player started, the audio failed, a reload was asked
for. Effects are orders for the runtime: start or stop a player, journal, acknowledge,
publish. Some effects report back: a journal write that failed comes back as
`JournalFailed`, a player that could not start as `PlayFailed`, a config load as
`Reconfigure` or `ReloadRefused`. All of them are small frozen values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from pager.config.model import Config
from pager.core.model import Inbound, Spoken

# -- inputs ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tick:
    """Nothing arrived, but time passed (a repeat or an expiry may be due)."""


@dataclass(frozen=True)
class Connected:
    """The MQTT link (re)connected and subscribed."""


@dataclass(frozen=True)
class TookOver:
    """This daemon won its node's lock (a node with a standby PC): it is the active one."""


@dataclass(frozen=True)
class Replay:
    """At start: the journal's calls taken but not finished, and the ids seen lately."""

    messages: tuple[Inbound, ...]
    seen_ids: tuple[str, ...]


@dataclass(frozen=True)
class Journaled:
    """A `JournalAdd` succeeded: the message is safe on disk."""

    job_id: str


@dataclass(frozen=True)
class JournalFailed:
    """A `JournalAdd` failed: the message is not taken."""

    job_id: str
    reason: str


@dataclass(frozen=True)
class PlayStarted:
    """A player's first sample reached the output (`section` 0), or the first sample of
    sentence `section` of a combined announcement."""

    play: int
    section: int = 0
    late_ms: float | None = None  # a timed start: how far after its time it began


@dataclass(frozen=True)
class SectionFinished:
    """Sentence `section` of a combined announcement played its last sample."""

    play: int
    section: int
    audio_s: float  # the sentence
    late_s: float  # how long the output waited for it after the one before


@dataclass(frozen=True)
class PlayFinished:
    """A player played its last sample (or ended with its speech missing: `failure`)."""

    play: int
    audio_s: float  # chime and speech
    late_s: float  # how long the output waited for speech after the chime
    failure: str | None = None
    lead_s: float = 0.0  # the chime and its pause, before the speech


@dataclass(frozen=True)
class PlayFailed:
    """A `StartPlay` could not be carried out (no speech worker, a bad channel)."""

    play: int
    reason: str


@dataclass(frozen=True)
class SpeechUnavailable:
    """A `Prerender` could not even be handed to the speech worker."""

    job_id: str
    reason: str


@dataclass(frozen=True)
class AudioFailed:
    detail: str


@dataclass(frozen=True)
class AudioRestored:
    detail: str


@dataclass(frozen=True)
class AudioHealth:
    """The audio callback's running totals, sent when they change."""

    xruns: int  # blocks PortAudio flagged as under- or overflowed
    callback_errors: int  # blocks the callback failed to render (sent silent instead)
    error: str | None = None  # the first error's text


@dataclass(frozen=True)
class ReloadRequested:
    """SIGHUP: read the config file again."""


@dataclass(frozen=True)
class Reconfigure:
    """The new config, with everything built from it ready (voice, chime, music)."""

    config: Config


@dataclass(frozen=True)
class ReloadRefused:
    reason: str
    problems: tuple[str, ...]


@dataclass(frozen=True)
class StopRequested:
    """SIGTERM: take nothing new, let what plays finish."""


Input = (
    Tick | Inbound | Connected | TookOver | Replay | Journaled | JournalFailed | PlayStarted
    | PlayFinished | SectionFinished | PlayFailed | SpeechUnavailable | AudioFailed
    | AudioRestored | AudioHealth | ReloadRequested | Reconfigure | ReloadRefused | StopRequested
)  # fmt: skip

# -- effects ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    """What some zones of a play hear instead of its main sound: their own sentence after
    the chime, or (speech None) the chime alone; in a player of its own that starts with
    the main one."""

    speech: Spoken | None
    channel_gains: tuple[tuple[int, float], ...]


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


@dataclass(frozen=True)
class StartCombined:
    """Play the chime, then each sentence in turn (section 1, 2, ...) with `pause_s` of
    silence between them, on these channel columns at these gains."""

    play: int
    sentences: tuple[Spoken, ...]
    pause_s: float
    channel_gains: tuple[tuple[int, float], ...]
    lead_in: bool = False  # the amplifier's pilot first (audio.lead_in_ms)
    variants: tuple[Variant, ...] = ()  # chime-only zones (zones.NAME.chime_only)


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


@dataclass(frozen=True)
class JournalRemove:
    job_id: str


@dataclass(frozen=True)
class Ack:
    """Acknowledge the message to the broker (QoS 1)."""

    message: Inbound


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
    | PublishStatus | JournalAdd | JournalRemove | Ack | Notify | LoadConfig
)  # fmt: skip
