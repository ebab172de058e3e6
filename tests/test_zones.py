"""Routing counters and zone/group names to zones and output channels."""

from __future__ import annotations

import pytest

from pager.config.zoning import Counter, Zone
from pager.zones import Routing, UnknownZone

ZONES = {
    "hall": Zone("hall", (1, 2)),
    "seats": Zone("seats", (3,), gain_db=-6.0),
    "food": Zone("food", (7, 8), gain_db=-20.0),
}
GROUPS = {"mpp": ("hall", "seats"), "all": ("hall", "seats", "food")}
COUNTERS = {"1": Counter("1", ("mpp",)), "5": Counter("5", ("hall", "food"), "Pajak")}


def routing(default: tuple[str, ...] = ("hall",)) -> Routing:
    return Routing(ZONES, GROUPS, COUNTERS, default)


def test_counter_routes_to_its_zones_and_channels() -> None:
    route = routing().route("5")
    assert route.zones == ("hall", "food")
    assert [c for c, _ in route.channel_gains] == [0, 1, 6, 7]
    assert dict(route.channel_gains)[6] == pytest.approx(0.1)


def test_groups_expand_without_duplicates_in_order() -> None:
    assert routing().expand(["seats", "all", "hall"]) == ("seats", "hall", "food")


def test_zone_gain_is_linear() -> None:
    assert dict(routing().route("1").channel_gains) == {
        0: 1.0,
        1: 1.0,
        2: pytest.approx(0.501, abs=1e-3),
    }


def test_unlisted_counter_uses_default_zones() -> None:
    assert routing().route("99").zones == ("hall",)


def test_unlisted_counter_without_default_is_refused() -> None:
    with pytest.raises(UnknownZone, match="counter 99 is not configured"):
        routing(default=()).route("99")


def test_override_replaces_the_counter_routing() -> None:
    assert routing().route("5", ("mpp",)).zones == ("hall", "seats")


def test_unknown_names_get_a_hint() -> None:
    with pytest.raises(UnknownZone, match='unknown zone or group fod \\(did you mean "food"\\?\\)'):
        routing().route("5", ("fod",))


def test_service_of_counter() -> None:
    assert routing().service_of("5") == "Pajak"
    assert routing().service_of("99") is None
