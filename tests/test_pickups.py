"""Pickup calls ("kind": "pickup": a document is ready) and final calls ("final": true):
what they say, how they are parsed, and how they live beside a counter's calls."""

from __future__ import annotations

import dataclasses
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from pager import config
from pager.config.model import SchedulingConfig
from pager.core import inputs
from pager.core.effects import StartPlay
from pager.core.payloads import parse_call
from pager.core.scheduler import Scheduler
from pager.errors import CallRejected, ConfigError
from pager.values.events import EventName
from pager.values.jobs import Job
from pager.values.priority import Priority
from tests.conftest import write_config
from tests.desk import EXAMPLE, Desk, call, events
from tests.test_calls import announcer
from tests.test_zone_content import starts, with_content

PICKUP = "Dokumen dengan nomor {ticket} sudah selesai. Silakan diambil di loket {counter}."


@pytest.mark.parametrize(
    ("payload", "kind", "ticket", "final"),
    [
        (b'{"ticket": "A023"}', "call", "A023", False),
        (b'{"ticket": "A023", "kind": "call", "final": true}', "call", "A023", True),
        (b'{"ticket": "pb-00012345", "kind": "pickup"}', "pickup", "PB-00012345", False),
        (b'{"ticket": "REG 881", "kind": "pickup", "final": false}', "pickup", "REG 881", False),
        (b'{"ticket": "12345678", "kind": "pickup"}', "pickup", "12345678", False),
    ],
)
def test_kind_and_final_are_parsed(payload: bytes, kind: str, ticket: str, final: bool) -> None:
    parsed = parse_call("5", payload, 0)
    assert (parsed.kind, parsed.ticket, parsed.final) == (kind, ticket, final)


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b'{"ticket": "A023", "kind": "document"}', '"kind" must be one of call, pickup'),
        (b'{"ticket": "A023", "kind": null}', '"kind" must be one of call, pickup'),
        (b'{"ticket": "A023", "final": "yes"}', '"final" must be true or false'),
        (b'{"ticket": "A023", "final": 1}', '"final" must be true or false'),
        # A receipt number is a pickup's: a call's ticket keeps its 1-4 digits.
        (b'{"ticket": "PB-00012345"}', "is not 0-3 letters followed by 1-4 digits"),
        (b'{"ticket": "PB-123456789", "kind": "pickup"}', "and 1-8 digits"),
        (b'{"ticket": "ABCD-1", "kind": "pickup"}', "is not 0-3 letters"),
    ],
)
def test_bad_kinds_finals_and_receipts_are_rejected_with_a_reason(
    payload: bytes, reason: str
) -> None:
    with pytest.raises(CallRejected, match=reason) as raised:
        parse_call("5", payload, 0)
    assert raised.value.known["counter"] == "5"


def test_a_pickup_says_the_pickup_template_with_its_receipt_number_read_as_tickets_are() -> None:
    a = announcer()
    job = a.call(parse_call("5", b'{"ticket": "PB-1203", "kind": "pickup"}', 0))
    assert (job.kind, job.final) == ("pickup", False)
    assert job.text == (
        "Dokumen dengan nomor pe be seribu dua ratus tiga sudah selesai. "
        "Silakan diambil di loket lima."
    )
    receipt = a.call(parse_call("5", b'{"ticket": "00012345", "kind": "pickup"}', 0))
    assert "nomor dua belas ribu tiga ratus empat puluh lima sudah" in receipt.text
    # Inside a combined announcement, its own short sentence.
    assert job.combined.text == "Dokumen pe be seribu dua ratus tiga, loket lima."
    # A pickup has no "busy" sentence: it always says it is a document.
    busy = announcer()
    busy.busy_template = "{ticket}."
    assert busy.call(parse_call("5", b'{"ticket": "A1", "kind": "pickup"}', 0)).busy is None


def test_a_final_call_says_so_and_a_final_repeat_too() -> None:
    a = announcer()
    final = a.call(parse_call("5", b'{"ticket": "A023", "final": true}', 0))
    assert a.for_play(final).text == (
        "Panggilan terakhir, nomor antrean A dua puluh tiga, silakan menuju loket lima."
    )
    pickup = a.call(parse_call("5", b'{"ticket": "A7", "kind": "pickup", "final": true}', 0))
    assert a.for_play(pickup).text.startswith("Panggilan terakhir, dokumen dengan nomor A tujuh")
    # Not final: the first play has no prefix, a repeat says which one it is.
    plain = a.call(parse_call("5", b'{"ticket": "A023", "repeat": 1}', 0))
    assert a.for_play(plain).text.startswith("Nomor antrean")
    assert a.for_play(replace(plain, play=2)).text.startswith("Panggilan kedua, nomor")
    assert a.for_play(replace(plain, play=2, final=True)).text.startswith(
        "Panggilan terakhir, nomor"
    )


def _job(job_id: str, ticket: str, kind: Any = "call", repeats: int = 0) -> Job:
    return Job(job_id, Priority.CALL, ("hall",), "5", ticket, 0.0, repeats, kind=kind)


def test_a_pickup_never_supersedes_a_call_nor_merges_with_one() -> None:
    s = Scheduler(("hall",))
    s.submit(_job("playing", "Z9"), 0)  # holds the zone: the others wait
    s.submit(_job("c1", "A1"), 1)
    out = s.submit(_job("p1", "A1", "pickup"), 2)  # the same number, but a document
    assert [o.event for o in out] == [EventName.QUEUED]
    assert s.takes(_job("p2", "A1", "pickup"), 2) is False  # a recall of the queued pickup
    out = s.submit(_job("p3", "B2", "pickup"), 3)  # the counter's next pickup
    assert [(o.event, o.job.id) for o in out] == [
        (EventName.SUPERSEDED, "p1"),
        (EventName.QUEUED, "p3"),
    ]
    assert s.job("c1") is not None  # the call waits on, untouched
    out = s.submit(_job("c2", "A2"), 4)  # its next call supersedes only the call
    assert [(o.event, o.job.id) for o in out] == [
        (EventName.SUPERSEDED, "c1"),
        (EventName.QUEUED, "c2"),
    ]
    assert s.job("p3") is not None


def test_pickups_combine_only_with_pickups() -> None:
    s = Scheduler(("hall",))
    s.submit(_job("playing", "Z9"), 0)
    for n, kind in enumerate(("call", "pickup", "pickup", "call")):
        job = dataclasses.replace(_job(f"j{n}", f"A{n}", kind), counter=str(n))
        s.submit(job, 1 + n)
    started = [(o.job.id, o.combined) for o in s.finished("playing", 10) if o.start]
    assert [job for job, _ in started] == ["j0"]  # j1 is a pickup: j0 plays alone
    started = [(o.job.id, o.combined) for o in s.finished("j0", 20) if o.start]
    assert [job for job, _ in started] == ["j1", "j2"]
    assert started[0][1] is not None and started[0][1] == started[1][1]


@pytest.mark.parametrize("final_repeat", [True, False])
def test_the_last_repeat_is_final_with_scheduling_final_repeat(final_repeat: bool) -> None:
    s = Scheduler(("hall",), SchedulingConfig(final_repeat=final_repeat))
    s.submit(_job("c", "A1", repeats=2), 0)
    finals = []
    for at in (10, 40, 70):
        queued = [o.job for o in s.finished("c", at) if o.event is EventName.QUEUED]
        finals += [job.final for job in queued]
        s.tick(at + 20)
    assert finals == [False, final_repeat]


def test_events_carry_kind_and_final() -> None:
    desk = Desk()
    desk.take(call("5", "PB-12345678", "d1", kind="pickup", final=True))
    [queued] = events(desk.effects, "queued")
    assert (queued["kind"], queued["final"], queued["ticket"]) == ("pickup", True, "PB-12345678")
    play = desk.play("d1")
    [started] = events(desk.feed(inputs.PlayStarted(play)), "started")
    assert (started["kind"], started["final"]) == ("pickup", True)
    assert str(started["text"]).startswith("Panggilan terakhir, dokumen dengan nomor pe be")
    desk.take(call("7", "B2", "c1"))
    [queued] = [e for e in events(desk.effects, "queued") if e["id"] == "c1"]
    assert (queued["kind"], queued["final"]) == ("call", False)


def test_a_zones_own_pickup_template_and_chime_only_zones() -> None:
    desk = with_content(
        **{"food-court": {"pickup_template": "Dokumen {ticket} siap, loket {counter}."},
           "tenant-hall": {"template": "{ticket}, loket {counter}."}}
    )  # fmt: skip
    [start] = starts(desk.take(call("5", "C-42", "d1", kind="pickup")))  # hall and food court
    assert isinstance(start, StartPlay)
    assert start.speech.text == PICKUP.format(ticket="ce empat puluh dua", counter="lima")
    [food] = start.variants
    assert food.speech is not None
    assert food.speech.text == "Dokumen ce empat puluh dua siap, loket lima."
    # A call at the same counter: the hall says its own call template, the food court the
    # announcement's.
    desk.finish("d1")
    [start] = starts(desk.take(call("5", "A3", "c1")))
    assert start.speech.text == "Nomor antrean A tiga, silakan menuju loket lima."
    [hall] = start.variants
    assert hall.speech is not None and hall.speech.text == "A tiga, loket lima."


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"pickup_template": "Dokumen {nomor}"}, "zones.food-court.pickup_template: unknown field"),
        ({"pickup_template": "Dokumen siap."}, "zones.food-court.pickup_template: must contain"),
        ({"pickup_template": "{ticket}.", "chime_only": True},
         "zones.food-court.chime_only: a chime-only zone says no template: give pickup_template"),
    ],
)  # fmt: skip
def test_a_zones_pickup_template_is_checked(tmp_path: Path, fields: Any, problem: str) -> None:
    document = {"food-court": {"channels": [7, 8], **fields}}
    cfg = write_config(tmp_path / "zones.yaml", replace=("zones", "groups", "counters"),
                       zones=document, groups={}, counters={}, default_zones=["food-court"])  # fmt: skip
    with pytest.raises(ConfigError) as error:
        config.load(cfg)
    assert problem in str(error.value)


def test_the_final_prefix_takes_no_fields(tmp_path: Path) -> None:
    cfg = write_config(tmp_path / "zones.yaml", announcement={"final_prefix": "Terakhir {n}, "})
    with pytest.raises(ConfigError, match=r"announcement\.final_prefix: takes no \{fields\}"):
        config.load(cfg)


def test_without_a_name_the_pickup_sentence_is_the_documented_one() -> None:
    template = EXAMPLE.announcement.pickup_template
    assert template.format(ticket="{ticket}", counter="{counter}", name_phrase="") == PICKUP
