"""Zones and counters as the config declares them: each key with its check and its doc.

Which outputs hear a call is worked out from these by `pager.zones` (the routing).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pager.config import checks, schema
from pager.config.listening import LineSense, NoiseSensor
from pager.config.privacy import name_level
from pager.config.schema import Invalid, Where, accepts, key, optional_part, required, rule
from pager.daytime import Window, minute_of_day
from pager.units import db_to_gain, output_column
from pager.values.jobs import CallKind
from pager.values.priority import Priority
from pager.values.privacy import NameLevel


@accepts("list of outputs 1..audio.channels")
def _outputs(value: Any, where: Where) -> tuple[int, ...]:
    items = value if isinstance(value, list) else [value]
    for index, output in enumerate(items):
        if not isinstance(output, int) or isinstance(output, bool) or output < 1:
            raise Invalid(f"{output!r} is not an output number (1, 2, ...)", at=f"[{index}]")
    return tuple(items)


@accepts('windows → dB: `{"07:30-09:00": -8}`')
def _levels(value: Any, where: Where) -> tuple[tuple[Window, float], ...]:
    if not isinstance(value, dict):
        raise Invalid('must map time windows to levels in dB, like {"07:30-09:00": -8}')
    found: list[tuple[Window, float]] = []
    for text, gain_db in value.items():
        try:
            window = Window.parse(str(text))
        except ValueError as error:
            raise Invalid(str(error), at=f'["{text}"]') from None
        gain = schema.number(-60, 6)(gain_db, where)
        for earlier, _ in found:
            if window.overlaps(earlier):
                raise Invalid(f"{window} overlaps {earlier}", at=f'["{text}"]')
        found.append((window, gain))
    return tuple(found)


@accepts('list of windows: `["12:00-13:00"]`')
def _windows(value: Any, where: Where) -> tuple[Window, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        raise Invalid('must be a list of time windows, like ["12:00-13:00"]')
    try:
        return tuple(Window.parse(str(item)) for item in items)
    except ValueError as error:
        raise Invalid(str(error)) from None


@accepts("a node name")
def _node(value: Any, where: Where) -> str:
    name: str = schema.text(value, where)
    if not name or any(c in name for c in "/+#") or not name.isprintable():
        raise Invalid("a node name is not empty, and holds no / + # nor control characters")
    return name


@dataclass(frozen=True)
class Zone:
    """A speaker zone: the interface outputs (1-based, as printed) that feed its amplifier."""

    name: str
    channels: tuple[int, ...] = required(
        _outputs,
        "The interface outputs that feed this zone, numbered from 1 as printed on the "
        "interface, like `[7, 8]`. An output belongs to one zone at most.",
    )
    node: str | None = key(
        None,
        _node,
        "On a site of several racks: the node (the rack's pager, `pager run --node NAME`) "
        "that drives this zone; its `channels` are that node's outputs. Give it on every "
        "zone or on none (see [several racks](../technician/racks.md)).",
        shown="every node",
    )
    gain_db: float = key(0.0, schema.number(-60, 6), "The zone's level in the mix, in dB.")
    description: str = key("", schema.text, "Free text.", shown="")
    music: tuple[str, ...] = key(
        (),
        schema.files,
        "An audio file, or a list of files played in turn and looped, as background music "
        "in this zone (see [background music](../technician/wiring.md#background-music)).",
        shown="none",
    )
    levels: tuple[tuple[Window, float], ...] = key(
        (),
        _levels,
        "The zone's level by time of day, instead of `gain_db` within each window (local "
        'time; a window may pass midnight): `{"07:30-09:00": -8, "11:30-13:30": -1}` is '
        "quieter at opening and louder at the lunch rush. Calls take the level of the "
        "moment they start; music follows within a few seconds.",
        shown="none",
    )
    template: str | None = key(
        None,
        checks.template,
        "This zone's own sentence for calls, with the fields of `announcement.template` "
        '(shorter in the shops: `"{ticket}, loket {counter}."`); none: '
        "`announcement.template`. Inside a combined announcement every zone hears "
        "`announcement.combined_template`.",
        shown="none",
    )
    pickup_template: str | None = key(
        None,
        checks.template,
        "This zone's own sentence for pickup calls, like `template` for calls; none: "
        "`announcement.pickup_template`.",
        shown="none",
    )
    names: NameLevel | None = key(
        None,
        name_level,
        "How much of a name calls may say in this zone, within `privacy.names` (a food "
        "court may say `initials` or `off` where the hall says more); none: as "
        "`privacy.names` and the service allow.",
        shown="none",
    )
    chime_only: bool = key(
        False,
        schema.boolean,
        "Calls sound here as the chime alone (people look at the displays); operator "
        "messages, emergencies and zone tests are still spoken.",
    )
    compact: bool = key(
        False,
        schema.boolean,
        "While this zone falls behind (its estimated wait above `scheduling.compact_after_s`), "
        "calls here say `announcement.compact_template` (the ticket alone), alone or "
        "combined, so a shared zone keeps up at any rush; for zones whose screens show the "
        "counter. Other zones of the same call still hear their full sentence.",
    )
    music_quiet: tuple[Window, ...] = key(
        (),
        _windows,
        'Quiet hours for the background music (`["12:00-13:00"]`): it fades out, and back '
        "in after them; announcements are not affected.",
        shown="none",
    )
    noise_sensor: NoiseSensor | None = optional_part(
        NoiseSensor,
        "A microphone in the zone: its calls rise with the ambient noise (see [noise "
        "sensing](../technician/listening.md)).",
    )
    line_sense: LineSense | None = optional_part(
        LineSense,
        "The input at the end of the zone's speaker line: the line is watched (see [line "
        "supervision](../technician/listening.md#line-supervision)).",
    )

    @property
    def gain(self) -> float:
        return db_to_gain(self.gain_db)

    def content(self, kind: CallKind) -> str | None:
        """What calls of this kind say here, when it is not the announcement's sentence: ""
        for the chime alone, else the zone's own template for the kind."""
        if self.chime_only:
            return ""
        return self.pickup_template if kind == "pickup" else self.template

    def gain_db_at(self, ts: float) -> float:
        """The zone's level at Unix time `ts`: its `levels` window's, else `gain_db`."""
        if not self.levels:
            return self.gain_db
        minute = minute_of_day(ts)
        return next((g for window, g in self.levels if window.holds(minute)), self.gain_db)

    def gain_at(self, ts: float) -> float:
        return db_to_gain(self.gain_db_at(ts))

    def music_plays_at(self, ts: float) -> bool:
        """Whether its background music plays at `ts` (it has some, outside quiet hours)."""
        if not self.music:
            return False
        minute = minute_of_day(ts)
        return not any(window.holds(minute) for window in self.music_quiet)

    @property
    def columns(self) -> tuple[int, ...]:
        """Its outputs as 0-based channel columns of the stream."""
        return tuple(output_column(c) for c in self.channels)


@rule(Zone)
def _a_template_or_the_chime_alone(zone: Zone) -> Iterator[tuple[str, str]]:
    """A zone says its own `template` (`pickup_template`) or the chime alone
    (`chime_only`), not both."""
    for name in ("template", "pickup_template"):
        if getattr(zone, name) is not None and zone.chime_only:
            yield (
                "chime_only",
                f"a chime-only zone says no template: give {name} or chime_only, not both",
            )
    if zone.compact and zone.chime_only:
        yield ("compact", "a chime-only zone says nothing to shorten: give compact or "
                          "chime_only, not both")  # fmt: skip


def _priority(value: Any, where: Where) -> Priority:
    try:
        return Priority.from_label(str(value))
    except ValueError as error:
        raise Invalid(str(error)) from None


_PRIORITY = accepts("call, announcement, emergency")(_priority)


@dataclass(frozen=True)
class Counter:
    """A counter and the zones or groups that hear its calls."""

    id: str
    zones: tuple[str, ...] = required(schema.names, "The zones or groups that hear this counter.")
    service: str | None = key(
        None, schema.text, "The service at this counter, for the template's `{service}`.",
        shown="",
    )  # fmt: skip
    max_priority: Priority = key(
        Priority.CALL,
        _PRIORITY,
        "The highest `priority` this counter's calls may ask for; a call asking more is "
        "rejected. Unlisted counters (`default_zones`) may ask for `call` only.",
        shown="`call`",
    )
