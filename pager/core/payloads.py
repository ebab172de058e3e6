"""MQTT payloads in, validated frozen values out. Pure: no I/O.

Four kinds of message: calls (`{prefix}/call/{counter}`), operator messages
(`{prefix}/announce`), cancels (`{prefix}/cancel/{counter}`, `{prefix}/cancel`) and zone
tests (`{prefix}/test`).
"""

from __future__ import annotations

import json
import math
import re
import uuid
from dataclasses import dataclass
from typing import Any

from pager.clock import unsynchronized
from pager.errors import CallRejected
from pager.language.names import PersonName, parse_name
from pager.language.words import COUNTER_PATTERN, read_ticket
from pager.values.jobs import CALL_KINDS, CallKind
from pager.values.priority import Priority

# A `ts` further than this from this PC's clock is a clock that is wrong, not a call that old.
CLOCKS_DISAGREE_S = 3600.0

MAX_PAYLOAD_BYTES = 4096
MAX_ID_CHARS = 64
MAX_SERVICE_CHARS = 64
MAX_TEXT_CHARS = 500
MAX_ZONES = 32
MAX_TS = 10**11  # Unix seconds: year 5138
OPERATOR_PRIORITIES = (Priority.ANNOUNCEMENT, Priority.EMERGENCY)
CALL_PRIORITIES = (Priority.CALL, *OPERATOR_PRIORITIES)  # a test is asked on {prefix}/test
_PRINTABLE = re.compile(r"^[\w .,'()&/-]+$")
# Words, digits, punctuation and the symbols notices use (= ° $ € £ # @ " and quotes);
# markup and control characters are refused.
_SPEAKABLE = re.compile("^[\\w\\s.,;:!?'\"()&/%+=°$€£#@*~\u201c\u201d\u2018\u2019\u2013\u2014-]+$")


@dataclass(frozen=True)
class Call:
    """One counter's request to call a ticket, as it arrived (validated)."""

    id: str
    counter: str
    ticket: str
    zones: tuple[str, ...] | None = None  # overrides the counter's routing
    service: str | None = None
    received: float = 0.0
    priority: Priority = Priority.CALL
    repeat: int = 0  # further plays after the first
    called_at: float = 0.0  # the counter's `ts`, else when it arrived
    caller_id: bool = False  # the id came from the counter (not made up here)
    kind: CallKind = "call"  # "pickup": a document is ready (its ticket a receipt number)
    final: bool = False  # the last call of this ticket
    name: PersonName | None = None  # personal data: said and shown only as the config allows


@dataclass(frozen=True)
class OperatorMessage:
    """Free text from the operator desk: an announcement or an emergency message."""

    id: str
    text: str
    zones: tuple[str, ...] | None
    priority: Priority
    received: float
    caller_id: bool = False  # the id came from the operator desk (not made up here)
    message: str | None = None  # a message of the library (messages.NAME), instead of text
    priority_given: bool = True  # else a library message keeps its own priority
    source: str | None = None  # who made it, when not the operator desk ("schedule")


@dataclass(frozen=True)
class Cancel:
    """Cancel a queued or playing announcement, by id or by ticket."""

    id: str | None
    ticket: str | None
    counter: str | None


def _field_text(value: object, name: str, limit: int) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise CallRejected(f'"{name}" must be a non-empty string')
    if len(value) > limit:
        raise CallRejected(f'"{name}" is {len(value)} characters long; at most {limit} allowed')
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise CallRejected(f'"{name}" is not valid text: it holds a lone surrogate') from None
    return value.strip()


def _required(body: dict[str, Any], name: str, limit: int) -> str:
    if name not in body:
        raise CallRejected(f'payload has no "{name}"')
    return _field_text(body[name], name, limit)


def _take_id(body: dict[str, Any], known: dict[str, object]) -> None:
    """The caller's id, kept in `known` so that a rejection still names it."""
    if "id" in body:
        ident = _field_text(body["id"], "id", MAX_ID_CHARS)
        if not ident.isprintable():
            raise CallRejected('"id" must not hold control characters or line breaks')
        known["id"] = ident


def _priority(body: dict[str, Any], choices: tuple[Priority, ...], default: Priority) -> Priority:
    value = body.get("priority", default.label)
    labels = [p.label for p in choices]
    if value not in labels:
        raise CallRejected(f'"priority" must be one of {", ".join(labels)}')
    return Priority.from_label(value)


def _decode(payload: bytes, known: dict[str, object]) -> dict[str, Any]:
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise CallRejected(
            f"payload is {len(payload)} bytes; at most {MAX_PAYLOAD_BYTES} allowed", **known
        )
    try:
        body = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CallRejected(f"payload is not JSON: {error}", **known) from error
    except RecursionError:
        raise CallRejected("payload is nested too deeply to be a call", **known) from None
    if not isinstance(body, dict):
        raise CallRejected('payload must be a JSON object like {"ticket": "A023"}', **known)
    return body


def _check_counter(counter: str) -> None:
    if not COUNTER_PATTERN.match(counter):
        raise CallRejected(
            f"counter {counter[:40]!r} in the topic is not 1-32 letters, digits, - or _",
            counter=None,  # never echoed whole: it may be 60,000 characters of anything
        )


def parse_call(counter: str, payload: bytes, received: float, max_repeats: int = 3) -> Call:
    """Validate a payload from {prefix}/call/{counter}; raise CallRejected with the reason."""
    known: dict[str, object] = {"counter": counter}
    _check_counter(counter)
    body = _decode(payload, known)
    try:
        _take_id(body, known)
        kind = _kind(body.get("kind", "call"))
        ticket = _required(body, "ticket", 16).upper()
        known["ticket"] = ticket
        read_ticket(ticket, receipt=kind == "pickup")
        final = body.get("final", False)
        if not isinstance(final, bool):
            raise CallRejected('"final" must be true or false')
        name = _name(body.get("name"))
        zones = _zone_override(body.get("zones"))
        service = None
        if body.get("service") is not None:
            service = _field_text(body["service"], "service", MAX_SERVICE_CHARS)
            if not _PRINTABLE.match(service):
                raise CallRejected('"service" may hold only letters, digits, spaces and .,\'()&/-')
        priority = _priority(body, CALL_PRIORITIES, Priority.CALL)
        repeat = body.get("repeat", 0)
        if (
            not isinstance(repeat, int)
            or isinstance(repeat, bool)
            or not 0 <= repeat <= max_repeats
        ):
            raise CallRejected(f'"repeat" must be a whole number from 0 to {max_repeats}')
        called_at = _timestamp(body.get("ts"), received)
    except CallRejected as error:
        raise CallRejected(error.reason, **known) from None
    except ValueError as error:
        raise CallRejected(str(error), **known) from None
    call_id = str(known.get("id") or uuid.uuid4().hex)
    return Call(
        call_id, counter, ticket, zones, service, received, priority, repeat, called_at,
        caller_id="id" in known, kind=kind, final=final, name=name,
    )  # fmt: skip


def _name(value: object) -> PersonName | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise CallRejected('"name" must be a non-empty string')
    try:
        return parse_name(value.strip())
    except ValueError as error:
        raise CallRejected(str(error)) from None


def _kind(value: object) -> CallKind:
    for kind in CALL_KINDS:
        if value == kind:
            return kind
    raise CallRejected(f'"kind" must be one of {", ".join(CALL_KINDS)}')


def _timestamp(value: object, received: float) -> float:
    if value is None:
        return received
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not -MAX_TS <= value <= MAX_TS  # a huge integer cannot even become a float
        or not math.isfinite(value)
    ):
        raise CallRejected('"ts" must be Unix seconds (a number)')
    if unsynchronized(received) or abs(received - float(value)) > CLOCKS_DISAGREE_S:
        # One of the two clocks is wrong (this PC's not set yet, or a counter's hours off):
        # the call is as old as its arrival says, not as the two clocks' difference says.
        return received
    # A counter's clock may run ahead a little: never treat a call as newer than its arrival.
    return min(float(value), received)


def parse_announce(payload: bytes, received: float) -> OperatorMessage:
    """Validate a payload from {prefix}/announce."""
    known: dict[str, object] = {}
    body = _decode(payload, known)
    try:
        _take_id(body, known)
        library: str | None = None
        if "message" in body:
            if "text" in body:
                raise CallRejected('give "text" or "message" (a name from the library), not both')
            library = _field_text(body["message"], "message", MAX_ID_CHARS)
            text = ""
        else:
            text = _required(body, "text", MAX_TEXT_CHARS)
            if not _SPEAKABLE.match(text):
                raise CallRejected('"text" may hold only words, digits and punctuation (no markup)')
        zones = _zone_override(body.get("zones"))
        source = _field_text(body["source"], "source", 32) if "source" in body else None
        default = Priority.ANNOUNCEMENT
        priority = _priority(body, OPERATOR_PRIORITIES, default) if "priority" in body else None
    except CallRejected as error:
        raise CallRejected(error.reason, **known) from None
    message_id = str(known.get("id") or uuid.uuid4().hex)
    return OperatorMessage(message_id, text, zones, priority or default, received,
                           caller_id="id" in known, message=library,
                           priority_given=priority is not None, source=source)  # fmt: skip


def parse_cancel(counter: str | None, payload: bytes) -> Cancel:
    """Validate a payload from {prefix}/cancel/{counter} or {prefix}/cancel."""
    if counter is not None:
        _check_counter(counter)
    body = _decode(payload, {"counter": counter})
    cancel_id = _field_text(body["id"], "id", MAX_ID_CHARS) if "id" in body else None
    ticket = _field_text(body["ticket"], "ticket", 16).upper() if "ticket" in body else None
    if cancel_id is None and ticket is None:
        raise CallRejected('a cancel needs "id" or "ticket"', counter=counter)
    if cancel_id is None and counter is None:
        raise CallRejected('cancel by "ticket" on {prefix}/cancel/{counter}', counter=counter)
    return Cancel(cancel_id, ticket, counter)


@dataclass(frozen=True)
class TestRequest:
    """A zone test asked on {prefix}/test: play on a zone or an output, or stop all tests."""

    id: str
    zone: str | None = None
    channel: int | None = None
    tone: bool = False
    stop: bool = False
    node: str | None = None  # the rack whose output `channel` is (a site of several)


def parse_test(payload: bytes) -> TestRequest:
    """Validate a payload from {prefix}/test: {"zone": "food-court"} or {"channel": 7}
    (with "node": the rack, on a site of several), with "tone": true for a tone instead of
    speech; or {"stop": true}."""
    known: dict[str, object] = {}
    body = _decode(payload, known)
    try:
        _take_id(body, known)
        test_id = str(known.get("id") or uuid.uuid4().hex)
        if body.get("stop") is True:
            return TestRequest(test_id, stop=True)
        zone, channel, tone = body.get("zone"), body.get("channel"), body.get("tone", False)
        if (zone is None) == (channel is None):
            raise CallRejected('a test needs "zone" (a zone name) or "channel" (an output '
                               'number), or "stop": true')  # fmt: skip
        if zone is not None:
            zone = _field_text(zone, "zone", 64)
        if channel is not None and (
            not isinstance(channel, int) or isinstance(channel, bool) or channel < 1
        ):
            raise CallRejected('"channel" must be an output number: 1, 2, ...')
        if not isinstance(tone, bool):
            raise CallRejected('"tone" must be true or false')
        node = body.get("node")
        if node is not None:
            node = _field_text(node, "node", 64)
    except CallRejected as error:
        raise CallRejected(error.reason, **known) from None
    return TestRequest(test_id, zone, channel, tone, node=node)


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
