"""What goes into the controller: facts, each a small frozen value.

A message arrived, a player started, the audio failed, a reload was asked for. Some inputs
answer an effect (`pager.core.effects`): a journal write that failed comes back as
`JournalFailed`, a player that could not start as `PlayFailed`, a config load as
`Reconfigure` or `ReloadRefused`.
"""

from __future__ import annotations

from dataclasses import dataclass

from pager.config.model import Config
from pager.values.echoes import Heard
from pager.values.messages import Inbound
from pager.values.storage import StorageReport


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
    """A `JournalAdd` failed: the message itself could not be stored (it is not taken), or
    (`unavailable`) the journal's disk cannot be written (it is taken, at most once)."""

    job_id: str
    reason: str
    unavailable: bool = False


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
class InputsChanged:
    """The interface's inputs failed (`running` False: the stream stopped, or every input is
    digital silence), or are back."""

    running: bool
    detail: str


@dataclass(frozen=True)
class AmbientChanged:
    """A zone's noise sensor: the A-weighted noise it measured (dBFS at the sensor) and the
    gain the zone's announcements now get for it (dB, on top of the zone's level)."""

    zone: str
    level_db: float
    gain_db: float


@dataclass(frozen=True)
class LineChanged:
    """A supervised line's state changed: `ok` (heard back), `fault` (not heard back for
    `supervision.fault_after_s`, or two announcements in programme mode) or `unknown`
    (not yet known, or the inputs are down); `quiet_s`: how long it has not been heard."""

    zone: str
    state: str
    mode: str
    level_db: float | None  # what the sense input measured last (dBFS), if anything
    quiet_s: float = 0.0


@dataclass(frozen=True)
class HeardBack:
    """A zone's announcement has come back, or not, on the inputs listening to it."""

    zone: str
    heard: tuple[Heard, ...]


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
class ClockStepped:
    """The wall clock jumped by `step_s` seconds (NTP, or set by hand) since the last input;
    the time of this input and the next ones is the new one."""

    step_s: float


@dataclass(frozen=True)
class StopRequested:
    """SIGTERM: take nothing new, let what plays finish."""


Input = (
    Tick | Inbound | Connected | TookOver | Replay | Journaled | JournalFailed | PlayStarted
    | PlayFinished | SectionFinished | PlayFailed | SpeechUnavailable | AudioFailed
    | AudioRestored | AudioHealth | InputsChanged | AmbientChanged | LineChanged | HeardBack
    | ReloadRequested | Reconfigure | ReloadRefused | StopRequested
    | StorageReport | ClockStepped
)  # fmt: skip
