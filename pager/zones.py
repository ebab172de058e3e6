"""Zones, groups and counter routing: which output channels hear a call. Pure, no I/O."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pager import schema
from pager.core.model import Priority
from pager.errors import did_you_mean
from pager.schema import Invalid, Where, accepts, key, required
from pager.units import db_to_gain, output_column


@accepts("list of outputs 1..audio.channels")
def _outputs(value: Any, where: Where) -> tuple[int, ...]:
    items = value if isinstance(value, list) else [value]
    for index, output in enumerate(items):
        if not isinstance(output, int) or isinstance(output, bool) or output < 1:
            raise Invalid(f"{output!r} is not an output number (1, 2, ...)", at=f"[{index}]")
    return tuple(items)


@dataclass(frozen=True)
class Zone:
    """A speaker zone: the interface outputs (1-based, as printed) that feed its amplifier."""

    name: str
    channels: tuple[int, ...] = required(
        _outputs,
        "The interface outputs that feed this zone, numbered from 1 as printed on the "
        "interface, like `[7, 8]`. An output belongs to one zone at most.",
    )
    gain_db: float = key(0.0, schema.number(-60, 6), "The zone's level in the mix, in dB.")
    description: str = key("", schema.text, "Free text.", shown="")
    music: tuple[str, ...] = key(
        (),
        schema.files,
        "An audio file, or a list of files played in turn and looped, as background music "
        "in this zone (see [Background music](#background-music)).",
        shown="none",
    )

    @property
    def gain(self) -> float:
        return db_to_gain(self.gain_db)

    @property
    def columns(self) -> tuple[int, ...]:
        """Its outputs as 0-based channel columns of the stream."""
        return tuple(output_column(c) for c in self.channels)


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


@dataclass(frozen=True)
class Route:
    """Where one announcement plays: zone names, and per channel column its linear gain."""

    zones: tuple[str, ...]
    channel_gains: tuple[tuple[int, float], ...]


class UnknownZone(LookupError):
    """A zone or group name that the config does not define."""


class Routing:
    """Resolves counters and zone/group names to zones and output channels."""

    def __init__(
        self,
        zones: Mapping[str, Zone],
        groups: Mapping[str, tuple[str, ...]],
        counters: Mapping[str, Counter],
        default_zones: tuple[str, ...],
    ) -> None:
        self.zones = zones
        self.groups = groups
        self.counters = counters
        self.default_zones = default_zones

    def expand(self, names: Iterable[str]) -> tuple[str, ...]:
        """Zone and group names to zone names, groups expanded, duplicates dropped, order kept."""
        result: list[str] = []
        for name in names:
            if name in self.zones:
                members: tuple[str, ...] = (name,)
            elif name in self.groups:
                members = self.groups[name]
            else:
                hint = did_you_mean(name, [*self.zones, *self.groups])
                raise UnknownZone(f"unknown zone or group {name}{hint}")
            result.extend(m for m in members if m not in result)
        return tuple(result)

    def targets_for(self, counter: str, override: tuple[str, ...] | None = None) -> tuple[str, ...]:
        """The zone/group names a call from `counter` goes to (before expansion)."""
        if override:
            return override
        if counter in self.counters:
            return self.counters[counter].zones
        if self.default_zones:
            return self.default_zones
        raise UnknownZone(
            f"counter {counter} is not configured and there are no default_zones"
            f"{did_you_mean(counter, self.counters)}"
        )

    def route(self, counter: str, override: tuple[str, ...] | None = None) -> Route:
        """The zones and output channels for a call; raises UnknownZone with a hint."""
        return self.route_zones(self.expand(self.targets_for(counter, override)))

    def route_zones(self, zone_names: tuple[str, ...], gain: float | None = None) -> Route:
        """The channels of these zones (those still configured), at each zone's gain or at
        one fixed `gain`."""
        present = tuple(name for name in zone_names if name in self.zones)
        gains = tuple(
            (column, self.zones[name].gain if gain is None else gain)
            for name in present
            for column in self.zones[name].columns
        )
        return Route(present, gains)

    def zone_of_output(self, output: int) -> str | None:
        """The zone an interface output (1-based) belongs to, if any."""
        return next((name for name, zone in self.zones.items() if output in zone.channels), None)

    def output_gain(self, output: int) -> tuple[tuple[int, float], ...]:
        """One output alone, at its zone's gain (0 dB when it belongs to no zone)."""
        owner = self.zone_of_output(output)
        return ((output_column(output), self.zones[owner].gain if owner else 1.0),)

    def max_priority_of(self, counter: str) -> Priority:
        known = self.counters.get(counter)
        return known.max_priority if known else Priority.CALL

    def service_of(self, counter: str) -> str | None:
        known = self.counters.get(counter)
        return known.service if known else None
