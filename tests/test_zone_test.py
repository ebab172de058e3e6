"""Zone tests in the controller: below calls, on a zone or one output, spoken or a tone,
reported as test-queued / test-started / test-finished, stopped on request."""

from __future__ import annotations

import dataclasses
import json

import pytest

from pager.core import inputs
from pager.core.effects import Effect, JournalAdd, StartPlay, StopPlay
from pager.core.payloads import parse_test
from pager.errors import CallRejected
from pager.values.messages import Inbound, MessageKind
from tests.desk import EXAMPLE, Desk, call, events, names


def zone_test(ident: str, **fields: object) -> Inbound:
    body = json.dumps({"id": ident, **fields}).encode()
    return Inbound("pager/test", MessageKind.TEST, None, body, 0)


def starts(effects: list[Effect]) -> list[StartPlay]:
    return [e for e in effects if isinstance(e, StartPlay)]


def test_a_zone_test_names_the_zone_and_its_outputs_and_plays_only_there() -> None:
    desk = Desk()
    effects = desk.take(zone_test("t1", zone="food-court"))
    assert not [e for e in effects if isinstance(e, JournalAdd)], "tests are not journaled"
    [start] = starts(effects)
    assert start.speech.text == "Tes zona food court, kanal tujuh dan delapan."
    assert not start.tone
    assert [c for c, _ in start.channel_gains] == [6, 7]
    [queued] = events(effects, "test-queued")
    [started] = events(desk.feed(inputs.PlayStarted(start.play)), "test-started")
    assert (started["id"], started["zone"], started["channel"]) == ("t1", "food-court", None)
    assert started["zones"] == ["food-court"] and queued["zones"] == ["food-court"]
    [done] = events(desk.feed(inputs.PlayFinished(start.play, 4.0, 0.0)), "test-finished")
    assert done["completed"] is True and "reason" not in done
    assert not events(desk.effects, "started") and not events(desk.effects, "finished")


def test_an_output_test_plays_that_output_alone_at_its_zone_gain_or_a_spare_one() -> None:
    desk = Desk()
    [start] = starts(desk.take(zone_test("t2", channel=8)))
    assert start.speech.text == "Tes kanal delapan, zona food court."
    [(column, gain)] = start.channel_gains
    assert column == 7 and gain == pytest.approx(10 ** (-4 / 20))
    spare = Desk(
        dataclasses.replace(EXAMPLE, audio=dataclasses.replace(EXAMPLE.audio, channels=10))
    )
    [start] = starts(spare.take(zone_test("t3", channel=10, tone=True)))
    assert start.tone and start.channel_gains == ((9, 1.0),)
    assert spare.held == {"output-10": "t3"}


def test_tests_wait_for_calls_and_a_call_cuts_a_test_short() -> None:
    desk = Desk()
    desk.take(call("5", "A1", "a1"))  # tenant hall and food court
    effects = desk.take(zone_test("t1", zone="food-court"))
    assert not starts(effects), "a test never interrupts a call"
    assert names(effects) == [("test-queued", "t1")]
    effects = desk.finish("a1")
    [start] = starts(effects)
    assert start.speech.text.startswith("Tes zona food court")
    # A call for the food court while the test plays: the test stops, the call starts.
    effects = desk.take(call("7", "B2", "b2"))
    [cut] = events(effects, "test-finished")
    assert cut["completed"] is False and "pre-empted by call b2" in str(cut["reason"])
    assert [e.play for e in effects if isinstance(e, StopPlay)] == [start.play]
    [call_start] = starts(effects)
    assert call_start.speech.text.startswith("Nomor antrean be dua")


def test_calls_keep_their_turn_ahead_of_a_queued_test() -> None:
    desk = Desk()
    desk.take(call("5", "A1", "a1"))
    desk.take(zone_test("t1", zone="food-court"))
    desk.take(call("7", "B2", "b2"))  # mpp and food court
    effects = desk.finish("a1")
    assert [s.speech.text[:20] for s in starts(effects)] == ["Nomor antrean be dua"]


def test_stop_ends_every_test_queued_or_playing() -> None:
    desk = Desk()
    desk.take(zone_test("t1", zone="food-court"))
    desk.take(zone_test("t2", zone="food-court"))
    effects = desk.take(zone_test("s", stop=True))
    stopped = events(effects, "test-finished")
    assert sorted(str(e["id"]) for e in stopped) == ["t1", "t2"]
    assert all(e["completed"] is False for e in stopped)
    assert desk.held == {} and desk.waiting == 0


def test_a_test_s_length_does_not_change_the_call_wait_estimates() -> None:
    desk = Desk()
    [start] = starts(desk.take(zone_test("t1", zone="food-court")))
    desk.feed(inputs.PlayStarted(start.play))
    desk.feed(inputs.PlayFinished(start.play, 60.0, 0.0))
    assert desk.controller._stage.airtime.alone() == Desk().controller._stage.airtime.alone()


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({}, 'a test needs "zone"'),
        ({"zone": "food-court", "channel": 7}, 'a test needs "zone"'),
        ({"channel": 0}, '"channel" must be an output number'),
        ({"channel": "7"}, '"channel" must be an output number'),
        ({"zone": "food-court", "tone": "yes"}, '"tone" must be true or false'),
    ],
)
def test_bad_tests_are_refused_with_the_reason(body: dict[str, object], reason: str) -> None:
    with pytest.raises(CallRejected, match=reason):
        parse_test(json.dumps(body).encode())


def test_unknown_zones_and_outputs_are_rejected_with_a_hint() -> None:
    desk = Desk()
    [bad_zone] = events(desk.take(zone_test("t1", zone="food-cort")), "rejected")
    assert bad_zone["reason"] == 'unknown zone food-cort (did you mean "food-court"?)'
    [bad_output] = events(desk.take(zone_test("t2", channel=9)), "rejected")
    assert bad_output["reason"] == "channel 9: the interface has 8 outputs (audio.channels)"
    assert bad_output["id"] == "t2"
