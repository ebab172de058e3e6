"""Payload validation and the sentence each call speaks."""

from __future__ import annotations

import json
from dataclasses import replace
from types import MappingProxyType

import pytest

from pager.config.announcement import AnnouncementConfig
from pager.config.zoning import Counter, Zone
from pager.core.announcer import Announcer
from pager.core.payloads import Cancel, parse_announce, parse_call, parse_cancel
from pager.errors import CallRejected
from pager.values.priority import Priority
from pager.zones import Routing

ROUTING = Routing(
    {"hall": Zone("hall", (1, 2)), "food": Zone("food", (3,))},
    {"all": ("hall", "food")},
    {"5": Counter("5", ("hall",), "Pajak Daerah"), "7": Counter("7", ("all",), "KTP")},
    ("hall",),
)


def announcer(
    template: str = "Nomor antrean {ticket}, silakan menuju loket {counter}.",
) -> Announcer:
    lexicon = MappingProxyType({"KTP": "ka te pe"})
    return Announcer(ROUTING, AnnouncementConfig(template=template, lexicon=lexicon))


def test_a_valid_call() -> None:
    call = parse_call("5", b'{"ticket": "a023", "id": "x1", "service": "SIM"}', 12.5)
    assert (call.id, call.counter, call.ticket, call.service, call.received) == (
        "x1", "5", "A023", "SIM", 12.5,
    )  # fmt: skip


def test_a_call_without_id_gets_a_unique_one() -> None:
    first = parse_call("5", b'{"ticket": "A1"}', 0)
    second = parse_call("5", b'{"ticket": "A1"}', 0)
    assert first.id and first.id != second.id


@pytest.mark.parametrize(
    ("counter", "payload", "reason"),
    [
        ("5", b"not json", "payload is not JSON"),
        ("5", b"\xff\xfe", "payload is not JSON"),
        ("5", b'["A023"]', "payload must be a JSON object"),
        ("5", b"{}", 'payload has no "ticket"'),
        ("5", b'{"ticket": ""}', '"ticket" must be a non-empty string'),
        ("5", b'{"ticket": null}', '"ticket" must be a non-empty string'),
        ("5", b'{"ticket": "A02345"}', 'ticket "A02345" is not 0-3 letters'),
        ("5", b'{"ticket": "' + b"9" * 40 + b'"}', '"ticket" is 40 characters long'),
        ("5", json.dumps({"ticket": "A" * 5000}).encode(), "payload is 5014 bytes; at most 4096"),
        ("5", b'{"ticket": "A1", "id": ""}', '"id" must be a non-empty string'),
        ("5", b'{"ticket": "A1", "zones": []}', '"zones" must be a non-empty list'),
        ("5", b'{"ticket": "A1", "zones": [1]}', '"zones" must be at most 32'),
        ("5", b'{"ticket": "A1", "service": "<speak>"}', '"service" may hold only'),
        ("a+b", b'{"ticket": "A1"}', "counter 'a+b' in the topic"),
    ],
)
def test_bad_payloads_are_rejected_with_a_reason(counter: str, payload: bytes, reason: str) -> None:
    with pytest.raises(CallRejected) as caught:
        parse_call(counter, payload, 0)
    assert caught.value.reason.startswith(reason), caught.value.reason


def test_rejection_keeps_what_was_known() -> None:
    with pytest.raises(CallRejected) as caught:
        parse_call("5", b'{"id": "c-9", "ticket": "A1234567"}', 0)
    assert caught.value.known == {"counter": "5", "id": "c-9", "ticket": "A1234567"}


def test_sentence_from_the_template() -> None:
    job = announcer().call(parse_call("5", b'{"ticket": "A023"}', 0))
    assert job.text == "Nomor antrean A dua puluh tiga, silakan menuju loket lima."
    assert job.zones == ("hall",)


def test_service_field_uses_the_counter_service_and_the_lexicon() -> None:
    a = announcer("Nomor {ticket}, layanan {service}, loket {counter}.")
    assert a.call(parse_call("7", b'{"ticket": "B112"}', 0)).text == (
        "Nomor be seratus dua belas, layanan ka te pe, loket tujuh."
    )
    call = parse_call("5", b'{"ticket": "B1", "service": "SIM"}', 0)
    assert a.call(call).text == "Nomor be satu, layanan sim, loket lima."  # built-in lexicon


def test_empty_service_leaves_no_stray_punctuation() -> None:
    a = announcer("Nomor {ticket} {service}, loket {counter}.")
    assert a.call(parse_call("9", b'{"ticket": "C3"}', 0)).text == "Nomor ce tiga, loket sembilan."


def test_unknown_zone_override_is_rejected_with_the_call_fields() -> None:
    with pytest.raises(CallRejected) as caught:
        announcer().call(parse_call("5", b'{"ticket": "A1", "id": "q", "zones": ["fod"]}', 0))
    assert 'did you mean "food"' in caught.value.reason
    assert caught.value.known == {"id": "q", "ticket": "A1", "counter": "5"}


def test_call_priority_repeat_and_timestamp() -> None:
    now = 1_797_000_000.0  # December 2026
    payload = b'{"ticket": "A1", "priority": "emergency", "repeat": 2, "ts": %d}' % (now - 10)
    call = parse_call("5", payload, now)
    assert (call.priority, call.repeat, call.called_at) == (Priority.EMERGENCY, 2, now - 10)
    assert parse_call("5", b'{"ticket": "A1"}', now).called_at == now

    def called_at(ts: float, received: float = now) -> float:
        return parse_call("5", b'{"ticket": "A1", "ts": %f}' % ts, received).called_at

    assert called_at(now + 5) == now  # the counter's clock is ahead: never newer than arrival
    assert called_at(now - 7200) == now  # hours apart: a clock is wrong, the arrival counts
    assert called_at(now - 3000) == now - 3000  # an old call is old
    # This PC's clock not set yet (booted in 2016): a counter's right time says nothing.
    assert called_at(now - 30, received=1_451_606_400.0) == 1_451_606_400.0


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (
            b'{"ticket": "A1", "priority": "urgent"}',
            '"priority" must be one of call, announcement, emergency',
        ),
        (b'{"ticket": "A1", "repeat": 9}', '"repeat" must be a whole number from 0 to 3'),
        (b'{"ticket": "A1", "repeat": true}', '"repeat" must be a whole number'),
        (b'{"ticket": "A1", "ts": "yesterday"}', '"ts" must be Unix seconds'),
    ],
)
def test_bad_scheduling_fields_are_rejected(payload: bytes, reason: str) -> None:
    with pytest.raises(CallRejected, match=reason):
        parse_call("5", payload, 0)


def test_operator_messages() -> None:
    message = parse_announce(b'{"text": "Loket 3 tutup.", "zones": ["food"], "id": "m1"}', 5)
    assert (message.id, message.priority, message.zones) == (
        "m1", Priority.ANNOUNCEMENT, ("food",),
    )  # fmt: skip
    job = announcer().message(message)
    assert job.text == "Loket tiga tutup."
    assert job.zones == ("food",)
    everywhere = announcer().message(parse_announce(b'{"text": "Halo"}', 0))
    assert everywhere.zones == ("hall", "food")


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b'{"zones": ["hall"]}', 'payload has no "text"'),
        (b'{"text": "<speak>x</speak>"}', '"text" may hold only words'),
        (b'{"text": "x", "priority": "call"}', '"priority" must be one of announcement, emergency'),
        (b'{"text": "' + b"a" * 501 + b'"}', '"text" is 501 characters long'),
    ],
)
def test_bad_operator_messages_are_rejected(payload: bytes, reason: str) -> None:
    with pytest.raises(CallRejected, match=reason):
        parse_announce(payload, 0)


def test_cancels() -> None:
    assert parse_cancel("5", b'{"ticket": "a1"}') == Cancel(None, "A1", "5")
    assert parse_cancel(None, b'{"id": "x"}') == Cancel("x", None, None)
    with pytest.raises(CallRejected, match='needs "id" or "ticket"'):
        parse_cancel("5", b"{}")
    with pytest.raises(CallRejected, match="cancel by"):
        parse_cancel(None, b'{"ticket": "A1"}')


def test_repeats_say_which_call_it_is() -> None:
    a = announcer()
    job = a.call(parse_call("5", b'{"ticket": "A023", "repeat": 1}', 0))
    assert a.for_play(job).text == "Nomor antrean A dua puluh tiga, silakan menuju loket lima."
    assert a.for_play(replace(job, play=2)).text == (
        "Panggilan kedua, nomor antrean A dua puluh tiga, silakan menuju loket lima."
    )
    assert a.for_play(replace(job, play=3)).text.startswith("Panggilan ketiga, nomor")


def test_a_call_is_said_in_phrases_with_the_announcers_pauses() -> None:
    job = announcer().call(parse_call("5", b'{"ticket": "B112"}', 0))
    assert job.speech.phrases == (
        ("Nomor antrean", 0.3),  # a breath before the ticket
        ("be", 0.15),  # between its letters and its number
        ("seratus dua belas,", 0.3),  # at the comma
        ("silakan menuju loket lima.", 0.0),
    )
    repeat = announcer().for_play(replace(job, play=2)).phrases
    assert repeat[:2] == (("Panggilan kedua,", 0.3), ("nomor antrean", 0.3))
    message = announcer().message(parse_announce(b'{"text": "Harap tenang. Loket 3 tutup."}', 0))
    assert message.speech.phrases == (("Harap tenang.", 0.3), ("Loket tiga tutup.", 0.0))


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b'{"ticket": "A1", "id": "\\ud800"}', '"id" is not valid text: it holds a lone surrogate'),
        (b'{"ticket": "A1", "id": "x\\nINFO forged"}', '"id" must not hold control characters'),
        (b'{"ticket": "A1", "service": "\\udfff"}', '"service" is not valid text'),
    ],
)
def test_text_that_cannot_be_stored_or_logged_safely_is_rejected(
    payload: bytes, reason: str
) -> None:
    with pytest.raises(CallRejected, match=reason):
        parse_call("5", payload, 0)
