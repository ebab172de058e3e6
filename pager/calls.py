"""Calls: MQTT payloads in, validated frozen values out, and the sentence each one speaks."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from pager.errors import CallRejected
from pager.indonesian import COUNTER_PATTERN, DEFAULT_LEXICON, read_counter, read_ticket, verbalize
from pager.zones import Route, Routing, UnknownZone

MAX_PAYLOAD_BYTES = 4096
MAX_ID_CHARS = 64
MAX_SERVICE_CHARS = 64
MAX_ZONES = 32
_PRINTABLE = re.compile(r"^[\w .,'()&/-]+$")


@dataclass(frozen=True)
class Call:
    """One counter's request to call a ticket, as it arrived (validated)."""

    id: str
    counter: str
    ticket: str
    zones: tuple[str, ...] | None = None  # overrides the counter's routing
    service: str | None = None
    received: float = 0.0


@dataclass(frozen=True)
class Announcement:
    """A call made ready to play: where it goes and the sentence it speaks."""

    call: Call
    route: Route
    text: str


def _field_text(value: object, name: str, limit: int) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise CallRejected(f'"{name}" must be a non-empty string')
    if len(value) > limit:
        raise CallRejected(f'"{name}" is {len(value)} characters long; at most {limit} allowed')
    return value.strip()


def parse_call(counter: str, payload: bytes, received: float) -> Call:
    """Validate a payload from {prefix}/call/{counter}; raise CallRejected with the reason."""
    known: dict[str, object] = {"counter": counter}
    if not COUNTER_PATTERN.match(counter):
        raise CallRejected(
            f'counter "{counter[:40]}" in the topic is not 1-32 letters, digits, - or _', **known
        )
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise CallRejected(
            f"payload is {len(payload)} bytes; at most {MAX_PAYLOAD_BYTES} allowed", **known
        )
    try:
        body = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CallRejected(f"payload is not JSON: {error}", **known) from error
    if not isinstance(body, dict):
        raise CallRejected('payload must be a JSON object like {"ticket": "A023"}', **known)
    try:
        if "id" in body:
            known["id"] = _field_text(body["id"], "id", MAX_ID_CHARS)
        if "ticket" not in body:
            raise CallRejected('payload has no "ticket"')
        ticket = _field_text(body["ticket"], "ticket", 16).upper()
        known["ticket"] = ticket
        read_ticket(ticket)
        zones = _zone_override(body.get("zones"))
        service = None
        if body.get("service") is not None:
            service = _field_text(body["service"], "service", MAX_SERVICE_CHARS)
            if not _PRINTABLE.match(service):
                raise CallRejected('"service" may hold only letters, digits, spaces and .,\'()&/-')
    except CallRejected as error:
        raise CallRejected(error.reason, **known) from None
    except ValueError as error:
        raise CallRejected(str(error), **known) from None
    call_id = str(known.get("id") or uuid.uuid4().hex)
    return Call(call_id, counter, ticket, zones, service, received)


def _zone_override(value: object) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        raise CallRejected('"zones" must be a non-empty list of zone or group names')
    if len(value) > MAX_ZONES or not all(isinstance(z, str) and z for z in value):
        raise CallRejected(f'"zones" must be at most {MAX_ZONES} zone or group names')
    return tuple(value)


class Announcer:
    """Routes a call and writes its sentence from the template and lexicon (over the built-in)."""

    def __init__(self, routing: Routing, template: str, lexicon: Mapping[str, str]) -> None:
        self.routing = routing
        self.template = template
        self.lexicon = {**DEFAULT_LEXICON, **lexicon}

    def prepare(self, call: Call) -> Announcement:
        """The announcement for a call; raises CallRejected when it cannot be routed."""
        try:
            route = self.routing.route(call.counter, call.zones)
        except UnknownZone as error:
            raise CallRejected(
                str(error), id=call.id, ticket=call.ticket, counter=call.counter
            ) from None
        return Announcement(call, route, self.sentence(call))

    def sentence(self, call: Call) -> str:
        service = call.service or self.routing.service_of(call.counter) or ""
        text = self.template.format(
            ticket=read_ticket(call.ticket),
            counter=read_counter(call.counter),
            service=verbalize(service, self.lexicon),
        )
        text = re.sub(r"\s+([,.])", r"\1", re.sub(r"\s+", " ", text)).strip()
        return text
