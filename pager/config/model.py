"""The configuration as frozen dataclasses: every key declared once, with its check and doc.

See `pager.config.schema` for how a declaration reads. The README's configuration tables are
generated from these declarations (`python -m pager.config.docs --write`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from pager.config import checks, schema
from pager.config.announcement import AnnouncementConfig
from pager.config.displays import Display, UiConfig
from pager.config.library import Message
from pager.config.listening import SupervisionConfig
from pager.config.notify import NotifyConfig
from pager.config.privacy import PrivacyConfig, Service
from pager.config.schema import key, rule, section
from pager.config.services import (
    HistoryConfig,
    HttpConfig,
    MqttConfig,
    MusicConfig,
    SecurityConfig,
    StandbyConfig,
    SyncConfig,
)
from pager.config.timetable import ScheduleEntry, time_zone
from pager.config.zoning import Counter, Zone
from pager.errors import did_you_mean
from pager.values.priority import Priority

LEAD_IN_MARGIN_MS = 100  # racks starting together: the pilot goes out before the agreed time


@dataclass(frozen=True)
class AudioConfig:
    output: str = key(
        "device",
        schema.one_of("device", "wav", "null"),
        "`device` plays through sounddevice. `wav` records each zone's announcements to WAV "
        "files, for machines with no sound card. `null` discards the audio faster than real "
        "time, for load tests.",
        live=False,
    )
    device: str | int = key(
        "default",
        checks.device,
        "The PortAudio device name (exact, or a unique part of it) or its index. `pager "
        "devices` lists them. If the device is missing, the error lists the devices that exist.",
        live=False,
    )
    sample_rate: int = key(
        48000,
        schema.integer(8000, 192000),
        "The stream's sample rate. Speech (22050 Hz) and chime files are resampled to it with "
        "soxr's HQ filter.",
        live=False,
    )
    channels: int = key(
        8, schema.integer(1, 128), "The interface's outputs. One stream carries all of them.",
        live=False,
    )  # fmt: skip
    blocksize: int = key(
        512,
        schema.integer(32, 8192),
        "Frames per audio callback (10.7 ms at 48 kHz). 256 starts the chime about 7 ms "
        "sooner; 512 wakes the audio thread half as often and gives a late callback twice the "
        "time before the card runs dry, which is worth more to a PA than a few inaudible "
        "milliseconds. What the wake-ups cost depends on the machine: idle, both sizes cost "
        "0.3 % of a core in BENCHMARKS.md; on an earlier virtual machine 256 cost 2.7 % and "
        "512 1.8 %.",
        live=False,
    )
    latency: str | float = key(
        "low",
        checks.latency,
        "`low`, `high` or seconds. This is PortAudio's device buffer: `low` is about 10 ms on "
        "ALSA.",
        live=False,
    )
    recordings_dir: str = key(
        "recordings", schema.text, "Where `output: wav` and `--record` write.", live=False
    )
    lead_in_ms: int = key(
        0,
        schema.integer(0, 5000),
        "A quiet pilot (pink noise, `lead_in_db` under the chime) played this long before "
        "the chime of the first announcement on a zone after `lead_in_idle_s` of silence "
        "there, so an amplifier that woke from standby on its signal sensing does not "
        "swallow the first note; 0: none. Zones playing background music never need it.",
    )
    lead_in_db: float = key(
        -30.0,
        schema.number(-60, -12),
        "The pilot's loudness relative to the chime's: at least 12 dB under it, and never "
        "digital silence (which signal sensing ignores).",
    )
    lead_in_idle_s: float = key(
        60.0,
        schema.number(1, 86400),
        "How long a zone must have been silent for its next announcement to get the pilot.",
    )
    inputs: int = key(
        0,
        schema.integer(0, 128),
        "The interface's inputs to open, for noise sensors and line supervision "
        "(`zones.NAME.noise_sensor`, `zones.NAME.line_sense`); 0: no input stream at all.",
        live=False,
    )
    input_device: str | int | None = key(
        None,
        checks.device,
        "The device the inputs are on, when not `device` (sensors on another interface); "
        "named or numbered as `device`.",
        live=False,
        shown="`device`",
    )


@dataclass(frozen=True)
class SchedulingConfig:
    max_age_s: float = key(
        180.0, schema.number(5, 86400), "Calls older than this are expired instead of played."
    )
    repeat_interval_s: float = key(
        15.0, schema.number(0, 600), "The pause before each repeat of a call."
    )
    max_repeats: int = key(3, schema.integer(0, 10), "The largest `repeat` a call may ask for.")
    supersede: bool = key(
        True,
        schema.boolean,
        "A counter's next ticket replaces its queued older call (and ends its repeats); "
        "`false` plays every call, in order.",
    )
    combine_max: int = key(
        4,
        schema.integer(1, 8),
        "Calls waiting for the same zones are played as one announcement, up to this many "
        "under one chime, each with its own short sentence (`announcement.combined_template`); "
        "1 plays every call on its own.",
    )
    busy_queue: int = key(
        3,
        schema.integer(1, 1000),
        "Above this many calls waiting for a zone, a call played alone there uses "
        "`announcement.busy_template` (when set).",
    )
    compact_after_s: float = key(
        45.0,
        schema.number(5, 3600),
        "A compact zone (`zones.NAME.compact`) says `announcement.compact_template` once its "
        "estimated wait (a new call's, counted at full sentences) rises above this...",
    )
    compact_until_s: float = key(
        10.0,
        schema.number(0, 3600),
        "...and its full sentences again once that estimate (with the calls starting "
        "counted) is back under this: it has caught up (10: a call alone, not two at once). "
        "The gap keeps a zone from switching at every announcement of a rush; equal to "
        "`compact_after_s`, it switches at one level.",
    )
    compact_combine_max: int = key(
        8,
        schema.integer(1, 16),
        "Up to this many calls under one chime where every zone says compact sentences (the "
        "ticket alone is short: the chime's share of the airtime matters more).",
    )
    resume_preempted: frozenset[Priority] = key(
        frozenset({Priority.CALL, Priority.ANNOUNCEMENT}),
        checks.priorities,
        "Pre-empted priorities that resume from their start; the others are dropped.",
        shown="`[call, announcement]`",
    )
    partial: frozenset[Priority] = key(
        frozenset({Priority.EMERGENCY}),
        checks.priorities,
        "Priorities that start in the zones that are free instead of waiting for all.",
        shown="`[emergency]`",
    )
    final_repeat: bool = key(
        False,
        schema.boolean,
        "The last repeat of a call that asks for repeats (`repeat`) is its final call, said "
        "with `announcement.final_prefix`.",
    )
    emergency_gain_db: float = key(
        0.0, schema.number(-40, 0), "The fixed level of emergencies on every zone."
    )
    emergency_interval_s: float = key(
        2.0, schema.number(0, 600), "The pause between emergency repeats."
    )
    fade_ms: float = key(
        20.0,
        schema.number(1, 50),
        "The fade-out of a pre-empted or cancelled announcement.",
        live=False,
    )
    stop_grace_s: float = key(
        15.0,
        schema.number(0, 120),
        "On stop, how long a playing announcement may take to finish.",
    )


@dataclass(frozen=True)
class Config:
    """A whole validated config file. The mappings are read-only."""

    node: str = key(
        "", checks.node, "This daemon's name in the status and event topics, and on a site "
        "of several racks the node whose zones it plays (`pager run --node` overrides it).",
        live=False, shown="host name",
    )  # fmt: skip
    mqtt: MqttConfig = section(MqttConfig, "The broker connection.")
    audio: AudioConfig = section(AudioConfig, "The audio interface.")
    announcement: AnnouncementConfig = section(AnnouncementConfig, "What is said, and how.")
    scheduling: SchedulingConfig = section(SchedulingConfig, "Which call plays when.")
    music: MusicConfig = section(MusicConfig, "Background music.")
    security: SecurityConfig = section(SecurityConfig, "Limits on what senders may ask.")
    history: HistoryConfig = section(HistoryConfig, "The call log.")
    privacy: PrivacyConfig = section(PrivacyConfig, "Names in calls, as the law allows.")
    http: HttpConfig = section(HttpConfig, "The status page in the browser.")
    ui: UiConfig = section(UiConfig, "The pages and commands people read.")
    notify: NotifyConfig = section(NotifyConfig, "Events sent out to webhooks.")
    sync: SyncConfig = section(SyncConfig, "Several racks starting an announcement together.")
    standby: StandbyConfig = section(StandbyConfig, "Racks with a second, standby PC.")
    supervision: SupervisionConfig = section(SupervisionConfig, "Speaker lines watched.")
    zones: Mapping[str, Zone] = field(default_factory=lambda: MappingProxyType({}))
    # Every zone of the site and the node that drives it (this node's zones among them).
    site: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    groups: Mapping[str, tuple[str, ...]] = key(
        MappingProxyType({}),
        schema.names,  # per group; the loader checks the members
        "A list of zone names, usable wherever zones are named.",
        shown="",
    )
    counters: Mapping[str, Counter] = field(default_factory=lambda: MappingProxyType({}))
    services: Mapping[str, Service] = field(default_factory=lambda: MappingProxyType({}))
    messages: Mapping[str, Message] = field(default_factory=lambda: MappingProxyType({}))
    displays: Mapping[str, Display] = field(default_factory=lambda: MappingProxyType({}))
    schedule: tuple[ScheduleEntry, ...] = ()
    timezone: str = key(
        "Asia/Jakarta",
        time_zone,
        "The IANA time zone of the schedule's times, whatever the PC's own time zone is "
        "(`Asia/Makassar` for WITA, `Asia/Jayapura` for WIT).",
    )
    schedule_grace_s: float = key(
        120.0,
        schema.number(0, 3600),
        "A scheduled message the daemon missed (it was down, or the clock jumped) still plays, "
        "once and late, within this many seconds of its time; later, it is skipped.",
    )
    default_zones: tuple[str, ...] = key(
        (),
        schema.names,
        "The zones for counters that are not listed. Without it, calls from unlisted "
        "counters are rejected.",
        shown="none",
    )
    state_dir: str = key(
        "state",
        schema.text,
        "Where the call journal and the call log live, relative to the working directory "
        "(`/var/lib/pager` under systemd).",
        live=False,
    )
    source: str = "<config>"

    @property
    def client_id(self) -> str:
        return self.mqtt.client_id or f"pager-{self.node}"

    def broker_password(self) -> str | None:
        """The broker password: the config's, or the first line of `mqtt.password_file`."""
        if self.mqtt.password_file:
            return checks.first_line(self.mqtt.password_file)
        return self.mqtt.password

    def http_password(self) -> str | None:
        """The status page's password: the first line of `http.password_file`."""
        if not self.http.password_file:
            return None
        return checks.first_line(self.http.password_file)

    @property
    def piloted_zones(self) -> tuple[Zone, ...]:
        """The zones whose speaker line is supervised by the pilot tone (`line_sense.mode`)."""
        return tuple(z for z in self.zones.values()
                     if z.line_sense is not None and z.line_sense.mode == "pilot")  # fmt: skip

    @property
    def nodes(self) -> tuple[str, ...]:
        """The site's nodes (racks), sorted; one, this node, on a site of one rack."""
        return tuple(sorted(set(self.site.values()))) or (self.node,)


@rule(SchedulingConfig)
def _caught_up_below_behind(policy: SchedulingConfig) -> Iterator[tuple[str, str]]:
    """A zone is caught up below the level at which it is behind."""
    if policy.compact_until_s > policy.compact_after_s:
        yield (
            "compact_until_s",
            f"{policy.compact_until_s:g} is above compact_after_s ({policy.compact_after_s:g}): "
            "a zone would be behind and caught up at once; give it at most compact_after_s",
        )


# Rules of the whole config (run once every section, zone and node is read):


@rule(Config)
def _the_lead_in_before_the_agreed_start(config: Config) -> Iterator[tuple[str, str]]:
    """On a site of several racks, `sync.delay_ms` leaves room for the amplifier lead-in:
    at least `audio.lead_in_ms` + 100 ms (the pilot goes out before the agreed time)."""
    lead_in, delay = config.audio.lead_in_ms, config.sync.delay_ms
    if len(config.nodes) > 1 and lead_in and delay < lead_in + LEAD_IN_MARGIN_MS:
        yield (
            "sync.delay_ms",
            (
                f"{delay:g} ms leaves no time for the amplifier lead-in before the chime: make it "
                f"at least audio.lead_in_ms + {LEAD_IN_MARGIN_MS} ({lead_in + LEAD_IN_MARGIN_MS:g})"
            ),
        )


@rule(Config)
def _standby_pcs_of_the_sites_nodes(config: Config) -> Iterator[tuple[str, str]]:
    """`standby.nodes` names nodes of the site."""
    nodes = config.nodes
    for index, listed in enumerate(config.standby.nodes):
        if listed not in nodes:
            yield (
                f"standby.nodes[{index}]",
                (
                    f"{listed} is not a node of this site ({', '.join(nodes)})"
                    f"{did_you_mean(listed, nodes)}"
                ),
            )


@rule(Config)
def _beyond_this_pc_only_with_a_password(config: Config) -> Iterator[tuple[str, str]]:
    """The web server listens beyond this PC (`http.listen` not on 127.0.0.1) only with an
    `http.password_file`, or for `displays` or the API's `tokens_file` (the status page then
    answers this PC only)."""
    http = config.http
    if (
        http.listen
        and not http.password_file
        and not config.displays
        and not http.tokens_file
        and checks.listen_host(http.listen) not in checks.LOOPBACK
    ):
        yield (
            "http.listen",
            (
                f"{http.listen} is reachable beyond this PC: set http.password_file, or listen on "
                "127.0.0.1 (or declare displays or http.tokens_file: their pages and the API "
                "need no password)"
            ),
        )


@rule(Config)
def _listening_on_inputs_that_are_open(config: Config) -> Iterator[tuple[str, str]]:
    """A zone's `noise_sensor` and `line_sense` name inputs within `audio.inputs`, each
    input one job: a sensor's microphone is not a line's end."""
    owner: dict[int, str] = {}
    for zone in config.zones.values():
        for part in ("noise_sensor", "line_sense"):
            listening = getattr(zone, part)
            if listening is None:
                continue
            at, channel = f"zones.{zone.name}.{part}.channel", listening.channel
            if channel > config.audio.inputs:
                yield (at, f"input {channel} is not open: audio.inputs is {config.audio.inputs}")
            elif channel in owner:
                yield (at, f"input {channel} already listens for {owner[channel]}")
            else:
                owner[channel] = f"zones.{zone.name}.{part}"


@rule(Config)
def _the_pilot_below_half_the_rate(config: Config) -> Iterator[tuple[str, str]]:
    """The line pilot (`supervision.pilot_hz`) is below half the sample rate, or the card
    cannot play it (only checked when a zone's line is supervised by the pilot)."""
    piloted = bool(config.piloted_zones)
    nyquist = config.audio.sample_rate / 2
    if piloted and config.supervision.pilot_hz >= nyquist * 0.95:
        yield ("supervision.pilot_hz", f"{config.supervision.pilot_hz:g} Hz is too close to half "
                                       f"the sample rate ({nyquist:g} Hz)")  # fmt: skip
