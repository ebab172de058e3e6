"""YAML config in, frozen dataclasses out: validated once, each mistake named by its YAML path."""

from __future__ import annotations

import socket
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from pager.errors import ConfigError, did_you_mean
from pager.indonesian import COUNTER_PATTERN
from pager.policies import (
    MusicConfig,
    SchedulingConfig,
    field_names,
    load_music,
    load_scheduling,
    playlist,
)
from pager.schema import Problems, Section, int_in, is_text, number_in, one_of
from pager.zones import Counter, Routing, UnknownZone, Zone

TEMPLATE_FIELDS = ("ticket", "counter", "service")
DEFAULT_TEMPLATE = "Nomor antrean {ticket}, silakan menuju loket {counter}."
OUTPUTS = ("device", "wav", "null")
LATENCIES = ("low", "high")


@dataclass(frozen=True)
class MqttConfig:
    host: str = "127.0.0.1"
    port: int = 1883
    topic_prefix: str = "pager"
    client_id: str = ""  # empty: "pager-{node}"
    username: str | None = None
    password: str | None = None
    keepalive: int = 30
    session_expiry_s: int = 86400  # how long the broker keeps calls for us while we are down


@dataclass(frozen=True)
class AudioConfig:
    output: str = "device"  # "device" (sounddevice), "wav" (record each zone), "null" (tests)
    device: str | int = "default"
    sample_rate: int = 48000
    channels: int = 8
    blocksize: int = 512  # 10.7 ms at 48 kHz: see BENCHMARKS.md for why not 256
    latency: str | float = "low"
    recordings_dir: str = "recordings"


@dataclass(frozen=True)
class AnnouncementConfig:
    template: str = DEFAULT_TEMPLATE
    repeat_prefix: str = "Panggilan {ordinal}, "
    voice: str = "id"
    rate: int = 150
    chime: str = "bell"  # "bell" (synthesized), "none", or a WAV file path
    loudness_lufs: float = -20.0
    lexicon: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class Config:
    node: str
    mqtt: MqttConfig
    audio: AudioConfig
    announcement: AnnouncementConfig
    scheduling: SchedulingConfig
    music: MusicConfig
    zones: Mapping[str, Zone]
    groups: Mapping[str, tuple[str, ...]]
    counters: Mapping[str, Counter]
    default_zones: tuple[str, ...]
    state_dir: str = "state"  # the call journal lives here
    source: str = "<config>"

    @property
    def client_id(self) -> str:
        return self.mqtt.client_id or f"pager-{self.node}"

    def routing(self) -> Routing:
        return Routing(self.zones, self.groups, self.counters, self.default_zones)


def _device(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, str | int):
        return "must be a device name or index (see `pager devices`)"
    return None


def _latency(value: Any) -> str | None:
    if value in LATENCIES:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 < value <= 1:
        return None
    return "must be low, high or seconds (0 < latency <= 1)"


def _template(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return "must be a non-empty string"
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(value) if name is not None]
    except ValueError as error:
        return f"is not a valid template: {error}"
    for name in names:
        if name not in TEMPLATE_FIELDS:
            fields = ", ".join("{" + f + "}" for f in TEMPLATE_FIELDS)
            return f"unknown field {{{name}}}{did_you_mean(name, TEMPLATE_FIELDS)}; use {fields}"
    if "ticket" not in names:
        return "must contain {ticket}"
    return None


def _repeat_prefix(value: Any) -> str | None:
    if not isinstance(value, str):
        return "must be a string with {ordinal}"
    try:
        value.format(ordinal="kedua")
    except (KeyError, IndexError, ValueError) as error:
        return f"only {{ordinal}} may be used: {error}"
    return None


def _chime(value: Any, base: Path) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return "must be bell, none, or the path of a WAV file"
    if value in ("bell", "none"):
        return None
    path = base / value
    return None if path.is_file() else f"file {path} does not exist (or use bell / none)"


def _lexicon(raw: Any, path: str, problems: Problems) -> Mapping[str, str]:
    if raw is None:
        return MappingProxyType({})
    if not isinstance(raw, dict):
        problems.add(path, "must map written words to how they are spoken")
        return MappingProxyType({})
    good: dict[str, str] = {}
    for written, spoken in raw.items():
        if not isinstance(spoken, str) or not spoken.strip():
            problems.add(f"{path}.{written}", "must be the spoken form, a non-empty string")
        else:
            good[str(written)] = spoken
    return MappingProxyType(good)


def _name_list(raw: Any, path: str, problems: Problems) -> tuple[str, ...]:
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not raw:
        problems.add(path, "must be a non-empty list of zone or group names")
        return ()
    return tuple(str(name) for name in raw)


def _load_mqtt(raw: Any, problems: Problems) -> MqttConfig:
    m = Section(raw, "mqtt", field_names(MqttConfig), problems)
    d = MqttConfig()
    prefix = m.get("topic_prefix", d.topic_prefix, is_text).strip("/")
    if any(c in prefix for c in "+#"):
        problems.add("mqtt.topic_prefix", "must not contain MQTT wildcards + or #")
    return MqttConfig(
        host=m.get("host", d.host, is_text),
        port=m.get("port", d.port, int_in(1, 65535)),
        topic_prefix=prefix,
        client_id=m.get("client_id", d.client_id, is_text),
        username=m.get("username", d.username, is_text),
        password=m.get("password", d.password, is_text),
        keepalive=m.get("keepalive", d.keepalive, int_in(5, 3600)),
        session_expiry_s=m.get("session_expiry_s", d.session_expiry_s, int_in(0, 4294967295)),
    )


def _load_audio(raw: Any, problems: Problems) -> AudioConfig:
    a = Section(raw, "audio", field_names(AudioConfig), problems)
    d = AudioConfig()
    return AudioConfig(
        output=a.get("output", d.output, one_of(OUTPUTS)),
        device=a.get("device", d.device, _device),
        sample_rate=a.get("sample_rate", d.sample_rate, int_in(8000, 192000)),
        channels=a.get("channels", d.channels, int_in(1, 128)),
        blocksize=a.get("blocksize", d.blocksize, int_in(32, 8192)),
        latency=a.get("latency", d.latency, _latency),
        recordings_dir=a.get("recordings_dir", d.recordings_dir, is_text),
    )


def _load_announcement(raw: Any, base: Path, problems: Problems) -> AnnouncementConfig:
    a = Section(raw, "announcement", field_names(AnnouncementConfig), problems)
    d = AnnouncementConfig()
    chime = a.get("chime", d.chime, lambda v: _chime(v, base))
    if chime not in ("bell", "none"):
        chime = str(base / chime)
    return AnnouncementConfig(
        template=a.get("template", d.template, _template),
        repeat_prefix=a.get("repeat_prefix", d.repeat_prefix, _repeat_prefix),
        voice=a.get("voice", d.voice, is_text),
        rate=a.get("rate", d.rate, int_in(80, 400)),
        chime=chime,
        loudness_lufs=float(a.get("loudness_lufs", d.loudness_lufs, number_in(-40, -6))),
        lexicon=_lexicon(a.raw("lexicon"), "announcement.lexicon", problems),
    )


def _load_zones(raw: Any, channels: int, base: Path, problems: Problems) -> dict[str, Zone]:
    if not isinstance(raw, dict) or not raw:
        problems.add("zones", "must map at least one zone name to its output channels")
        return {}
    result: dict[str, Zone] = {}
    owner: dict[int, str] = {}
    for name, body in raw.items():
        path = f"zones.{name}"
        z = Section(body, path, ("channels", "gain_db", "description", "music"), problems)
        if "channels" not in z:
            problems.add(f"{path}.channels", "is missing: list the interface outputs, e.g. [1, 2]")
            continue
        chans = z.raw("channels") if isinstance(z.raw("channels"), list) else [z.raw("channels")]
        good: list[int] = []
        for i, ch in enumerate(chans):
            cpath = f"{path}.channels[{i}]"
            if not isinstance(ch, int) or isinstance(ch, bool) or ch < 1:
                problems.add(cpath, f"{ch!r} is not an output number (1, 2, ...)")
            elif ch > channels:
                problems.add(cpath, f"channel {ch} > {channels} channels (audio.channels)")
            elif ch in owner and owner[ch] != str(name):
                problems.add(cpath, f"channel {ch} already belongs to zone {owner[ch]}")
            else:
                owner[ch] = str(name)
                good.append(ch)
        gain = z.get("gain_db", 0.0, number_in(-60, 6))
        description = z.get("description", "", is_text)
        music = playlist(z.raw("music"), f"{path}.music", base, problems)
        result[str(name)] = Zone(str(name), tuple(good), float(gain), description, music)
    return result


def _load_groups(
    raw: Any, zone_names: Mapping[str, object], problems: Problems
) -> dict[str, tuple[str, ...]]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.add("groups", "must map group names to lists of zone names")
        return {}
    result: dict[str, tuple[str, ...]] = {}
    for name, members in raw.items():
        path = f"groups.{name}"
        if str(name) in zone_names:
            problems.add(path, f"a zone is already called {name}; pick another group name")
            continue
        names = _name_list(members, path, problems)
        for i, member in enumerate(names):
            if member not in zone_names:
                hint = did_you_mean(member, zone_names)
                problems.add(f"{path}[{i}]", f"unknown zone {member}{hint}")
        result[str(name)] = names
    return result


def _check_targets(names: tuple[str, ...], path: str, routing: Routing, problems: Problems) -> None:
    for i, name in enumerate(names):
        try:
            routing.expand((name,))
        except UnknownZone as error:
            problems.add(f"{path}[{i}]", str(error))


def _load_counters(raw: Any, routing: Routing, problems: Problems) -> dict[str, Counter]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.add("counters", "must map counter ids to their zones")
        return {}
    result: dict[str, Counter] = {}
    for ident, body in raw.items():
        path = f"counters.{ident}"
        if not COUNTER_PATTERN.match(str(ident)):
            problems.add(path, "counter ids are 1-32 letters, digits, - or _")
            continue
        c = Section(body, path, ("zones", "service"), problems)
        if "zones" not in c:
            problems.add(f"{path}.zones", "is missing: list the zones or groups that hear it")
            continue
        names = _name_list(c.raw("zones"), f"{path}.zones", problems)
        _check_targets(names, f"{path}.zones", routing, problems)
        service = c.get("service", None, is_text)
        result[str(ident)] = Counter(str(ident), names, service)
    return result


def parse(document: Any, source: str = "<config>", base: Path | None = None) -> Config:
    """Validate a parsed YAML document; raise ConfigError listing every mistake."""
    base = base or Path.cwd()
    problems = Problems()
    top = Section(
        document,
        "",
        (
            "node",
            "mqtt",
            "audio",
            "announcement",
            "scheduling",
            "music",
            "zones",
            "groups",
            "counters",
            "default_zones",
            "state_dir",
        ),
        problems,
    )
    if document is not None and not isinstance(document, dict):
        raise ConfigError(source, problems.items)
    node = top.get("node", socket.gethostname(), is_text)
    if any(c in node for c in "/+#"):
        problems.add("node", "must not contain / + or #")
    mqtt = _load_mqtt(top.raw("mqtt"), problems)
    audio = _load_audio(top.raw("audio"), problems)
    announcement = _load_announcement(top.raw("announcement"), base, problems)
    scheduling = load_scheduling(top.raw("scheduling"), problems)
    music = load_music(top.raw("music"), problems)
    zone_map = _load_zones(top.raw("zones"), audio.channels, base, problems)
    groups = _load_groups(top.raw("groups"), zone_map, problems)
    routing = Routing(zone_map, groups, {}, ())
    counters = _load_counters(top.raw("counters"), routing, problems)
    default_zones: tuple[str, ...] = ()
    if top.raw("default_zones") is not None:
        default_zones = _name_list(top.raw("default_zones"), "default_zones", problems)
        _check_targets(default_zones, "default_zones", routing, problems)
    state_dir = str(Path.cwd() / top.get("state_dir", "state", is_text))
    if problems.items:
        raise ConfigError(source, problems.items)
    return Config(
        node=node,
        mqtt=mqtt,
        audio=audio,
        announcement=announcement,
        scheduling=scheduling,
        music=music,
        zones=MappingProxyType(zone_map),
        groups=MappingProxyType(groups),
        counters=MappingProxyType(counters),
        default_zones=default_zones,
        state_dir=state_dir,
        source=source,
    )


def load(path: str | Path) -> Config:
    """Read and validate a YAML config file (relative chime paths are relative to it)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(str(path), [f"cannot read the file: {error.strerror}"]) from error
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ConfigError(str(path), [f"not valid YAML: {error}"]) from error
    return parse(document, str(path), path.resolve().parent)


# Sections that only a restart can change: the stream and the broker connection are open.
RESTART_ONLY = ("node", "mqtt", "audio", "music", "state_dir")


def reload_config(
    path: str | Path, running: Config, adjust: Callable[[Config], Config] = lambda c: c
) -> Config:
    """The config file again (with the same command-line `adjust`ments) for a running daemon;
    ConfigError if it is invalid or changes what only a restart can change."""
    new = adjust(load(path))
    changed = [name for name in RESTART_ONLY if getattr(new, name) != getattr(running, name)]
    if changed:
        raise ConfigError(
            str(path),
            [
                f"{name}: changed; this takes a restart (systemctl restart pager)"
                for name in changed
            ],
        )
    return new
