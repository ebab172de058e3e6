"""Which outputs hear a call: zones, groups and counters resolved to zones and output
channels at their gains. Pure, no I/O.

The front of the routing layer: the zones and counters are declared in the config
(`pager.config.zoning`); the controller, the operators' tools and the commands ask here
where an announcement plays.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pager.config.model import Config
from pager.config.zoning import Counter, Zone
from pager.errors import did_you_mean
from pager.units import db_to_gain, output_column
from pager.values.priority import Priority


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
        site: Mapping[str, str] | None = None,
    ) -> None:
        self.zones = zones  # this node's zones: what it plays
        self.groups = groups
        self.counters = counters
        self.default_zones = default_zones
        # Every zone of the site and its node: names of other nodes' zones are known (a
        # counter may name them) but not played here.
        self.site: Mapping[str, str] = site if site is not None else {z: "" for z in zones}
        # What each sensed zone's announcements get for its ambient noise now, in dB
        # (`zones.NAME.noise_sensor`): the controller keeps it current.
        self.boosts: Mapping[str, float] = {}

    @classmethod
    def of(cls, config: Config) -> Routing:
        """The routing of a config: its zones (this node's), groups, counters and the site."""
        site = config.site or {name: config.node for name in config.zones}
        return cls(config.zones, config.groups, config.counters, config.default_zones, site)

    def expand(self, names: Iterable[str]) -> tuple[str, ...]:
        """Zone and group names to zone names, groups expanded, duplicates dropped, order kept."""
        result: list[str] = []
        for name in names:
            if name in self.site:
                members: tuple[str, ...] = (name,)
            elif name in self.groups:
                members = self.groups[name]
            else:
                hint = did_you_mean(name, [*self.site, *self.groups])
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

    def nodes_of(self, zone_names: Iterable[str]) -> tuple[str, ...]:
        """The nodes that drive these zones (site-wide names), sorted: the first leads."""
        return tuple(sorted({self.site[name] for name in zone_names if name in self.site}))

    def route(self, counter: str, override: tuple[str, ...] | None = None) -> Route:
        """The zones and output channels for a call; raises UnknownZone with a hint."""
        return self.route_zones(self.expand(self.targets_for(counter, override)))

    def route_zones(
        self, zone_names: tuple[str, ...], gain: float | None = None, at: float | None = None,
        *, boosted: bool = True,
    ) -> Route:  # fmt: skip
        """The channels of these zones (this node's, still configured), at each zone's gain (at
        Unix time `at`, when its level follows the time of day) raised by its ambient noise
        (unless not `boosted`: a zone test), or at one fixed `gain`."""
        present = tuple(name for name in zone_names if name in self.zones)

        def level(zone: Zone) -> float:
            base = zone.gain if at is None else zone.gain_at(at)
            boost = self.boosts.get(zone.name, 0.0) if boosted else 0.0
            return base * db_to_gain(boost) if boost else base

        gains = tuple(
            (column, level(self.zones[name]) if gain is None else gain)
            for name in present
            for column in self.zones[name].columns
        )
        return Route(present, gains)

    def zone_of_output(self, output: int) -> str | None:
        """The zone an interface output (1-based) belongs to, if any."""
        return next((name for name, zone in self.zones.items() if output in zone.channels), None)

    def output_gain(self, output: int, at: float) -> tuple[tuple[int, float], ...]:
        """One output alone, at its zone's gain at `at` (0 dB when it belongs to no zone)."""
        owner = self.zone_of_output(output)
        return ((output_column(output), self.zones[owner].gain_at(at) if owner else 1.0),)

    def max_priority_of(self, counter: str) -> Priority:
        known = self.counters.get(counter)
        return known.max_priority if known else Priority.CALL

    def service_of(self, counter: str) -> str | None:
        known = self.counters.get(counter)
        return known.service if known else None
