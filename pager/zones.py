"""Zones, groups and counter routing: which output channels hear a call. Pure, no I/O."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pager.errors import did_you_mean


@dataclass(frozen=True)
class Zone:
    """A speaker zone: the interface outputs (1-based, as printed) that feed its amplifier."""

    name: str
    channels: tuple[int, ...]
    gain_db: float = 0.0
    description: str = ""
    music: tuple[str, ...] = ()  # background music playlist (file paths)

    @property
    def gain(self) -> float:
        return float(10 ** (self.gain_db / 20))


@dataclass(frozen=True)
class Counter:
    """A counter and the zones or groups that hear its calls."""

    id: str
    zones: tuple[str, ...]
    service: str | None = None


@dataclass(frozen=True)
class Route:
    """Where one call plays: zone names, and per output channel (0-based) its linear gain."""

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
        """The channels of these zones, at each zone's gain (or at one fixed `gain`)."""
        gains = tuple(
            (channel - 1, self.zones[name].gain if gain is None else gain)
            for name in zone_names
            for channel in self.zones[name].channels
        )
        return Route(zone_names, gains)

    def service_of(self, counter: str) -> str | None:
        known = self.counters.get(counter)
        return known.service if known else None
