"""What each public screen shows (`displays.NAME`), kept from the events the daemon
publishes anyway. Pure: no I/O, no web server.

A screen shows only what its speakers say: the call being announced (from its `started`
event: for a combined announcement, each call at its own sentence) until the next, the calls
before it, and an operator or scheduled message while it plays. What it keeps of an event is
chosen field by field: tickets, counters, services, the kind of call, a message's text and a
name only as far as the event carries one (`privacy.names_shown`, never more than was said).
"""

from __future__ import annotations

import collections
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pager.config.displays import Display
from pager.config.model import Config

ALL = ""  # the screen of every zone, at /display
CALL_FIELDS = ("id", "ticket", "counter", "service", "kind", "final", "play", "name", "ts")
MESSAGE_ENDS = frozenset({"finished", "failed", "cancelled", "preempted", "superseded", "expired"})


@dataclass
class Screen:
    """One screen's state: what `/display/NAME` shows."""

    display: Display
    zones: frozenset[str]
    current: dict[str, Any] | None = None
    recent: collections.deque[dict[str, Any]] = field(default_factory=collections.deque)
    message: dict[str, Any] | None = None

    def take(self, event: Mapping[str, Any]) -> bool:
        """Take an event; True when the screen changed."""
        if not self.zones.intersection(event.get("zones") or ()):
            return False
        name = event.get("event")
        if event.get("ticket") is not None:  # a call (zone tests carry no ticket)
            if name != "started" or not self._shows_service(event.get("service")):
                return False
            call = {key: event[key] for key in CALL_FIELDS if event.get(key) is not None}
            if self.current is not None and self.current.get("id") != call.get("id"):
                self.recent.appendleft(self.current)
                while len(self.recent) > self.display.rows:
                    self.recent.pop()
            # A repeat of a listed call moves up to the current one.
            self.recent = collections.deque(c for c in self.recent if c.get("id") != call.get("id"))
            self.current = call
            return True
        if event.get("zone") is not None or event.get("channel") is not None:
            return False  # a zone test: nothing for the public
        if name in ("started", "resumed") and event.get("text"):
            self.message = {"id": event.get("id"), "text": event["text"],
                            "priority": event.get("priority")}  # fmt: skip
            return True
        if name in MESSAGE_ENDS and self.message and self.message["id"] == event.get("id"):
            self.message = None
            return True
        return False

    def _shows_service(self, service: object) -> bool:
        return not self.display.services or service in self.display.services

    def state(self) -> dict[str, Any]:
        return {"current": self.current, "recent": list(self.recent), "message": self.message}


def screens(config: Config) -> dict[str, Screen]:
    """A screen per display, and ALL (every zone of this node, six rows)."""
    every = frozenset(config.zones)
    made = {ALL: Screen(Display(name=ALL), every)}
    for name, display in config.displays.items():
        wanted = _expand(display.zones, config.groups) if display.zones else every
        made[name] = Screen(display, frozenset(wanted))
    return made


def _expand(names: tuple[str, ...], groups: Mapping[str, tuple[str, ...]]) -> set[str]:
    return {zone for name in names for zone in groups.get(name, (name,))}
