"""Compact zones in the controller: a shared zone that falls behind says the ticket alone
(`announcement.compact_template`) while the other zones of the same calls say theirs in full,
and full sentences again once it has caught up; `zone_texts` says who heard what."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from pager import config
from pager.core import inputs
from pager.core.effects import Effect, PublishStatus, StartCombined, StartPlay
from pager.errors import ConfigError
from pager.values.privacy import NameLevel
from tests.conftest import EXAMPLE_CONFIG, without_rate_limits
from tests.desk import EXAMPLE, Desk, call, events

CONFIG = without_rate_limits(EXAMPLE)
LONE = dataclasses.replace(CONFIG, scheduling=dataclasses.replace(CONFIG.scheduling, combine_max=1))
HALL_AND_FOOD_COURT = ["tenant-hall", "food-court"]
HALL, FOOD_COURT = (0, 1), (6, 7)  # their channel columns


def starts(effects: list[Effect]) -> list[StartCombined]:
    return [e for e in effects if isinstance(e, StartCombined)]


def channels(gains: tuple[tuple[int, float], ...]) -> tuple[int, ...]:
    return tuple(sorted(c for c, _ in gains))


def status(desk: Desk) -> dict[str, Any]:
    return dict([e for e in desk.effects if isinstance(e, PublishStatus)][-1].details)


def texts(event: dict[str, object]) -> dict[str, str]:
    zone_texts = event["zone_texts"]
    assert isinstance(zone_texts, dict)
    return zone_texts


def burst(desk: Desk, count: int, zones: list[str] = HALL_AND_FOOD_COURT) -> list[Effect]:
    """Counter 5 plays; `count` counters call the same zones meanwhile; then its call ends."""
    desk.take(call("5", "A1", "a1", zones=zones))
    for n in range(count):
        desk.take(call(f"1{n:02d}", f"B{n + 1}", f"b{n + 1}", zones=zones))
    return desk.finish("a1")


def play_through(desk: Desk, start: StartCombined) -> list[Effect]:
    """The runtime's reports of a combined announcement from its start to its end (a full
    sentence 2.6 s long, a compact one 1 s)."""
    effects = desk.feed(inputs.PlayStarted(start.play))
    compact = start.sentences[0].text.count(" ") < 2
    for section in range(1, len(start.sentences) + 1):
        effects += desk.feed(inputs.PlayStarted(start.play, section))
        effects += desk.feed(inputs.SectionFinished(start.play, section, 1.0 if compact else 2.6,
                                                    0.0))  # fmt: skip
    return effects + desk.feed(inputs.PlayFinished(start.play, 9.0, 0.0, lead_s=2.4))


def compact_or_not(desk: Desk, first: StartCombined) -> list[bool]:
    """Each combined announcement played through, until the queue is empty: whether the
    food court heard compact sentences."""
    compact: list[bool] = []
    start: StartCombined | None = first
    while start is not None:
        compact.append(any(v.sentences for v in start.variants))
        following = starts(play_through(desk, start))
        start = following[0] if following else None
    return compact


def test_a_zone_behind_says_the_ticket_alone_in_step_with_the_hall_s_full_sentences() -> None:
    desk = Desk(CONFIG)
    [start] = starts(burst(desk, 20))  # 16 wait after these 4: the food court is behind
    assert [s.text for s in start.sentences][:2] == ["Be satu, loket seratus.",
                                                    "Be dua, loket seratus satu."]  # fmt: skip
    assert channels(start.channel_gains) == HALL  # the hall hears the full sentences
    [lane] = [v for v in start.variants if v.sentences]
    assert channels(lane.channel_gains) == FOOD_COURT
    assert [s.text for s in lane.sentences] == ["Be satu.", "Be dua.", "Be tiga.", "Be empat."]
    said = events(play_through(desk, start), "started")
    assert [texts(e) for e in said][:2] == [
        {"tenant-hall": "Be satu, loket seratus.", "food-court": "Be satu."},
        {"tenant-hall": "Be dua, loket seratus satu.", "food-court": "Be dua."},
    ]
    assert said[0]["text"] == "Be satu, loket seratus."
    assert status(desk)["compact"] == ["food-court"]


def test_the_zone_says_full_sentences_again_once_it_has_caught_up() -> None:
    desk = Desk(CONFIG)
    compact = compact_or_not(desk, starts(burst(desk, 20))[0])
    # Behind from 16 waiting behind the first four; still behind with four starting and
    # none left (compact_until_s: a gap, so that a rush does not switch at every chime).
    assert compact == [True] * 5
    assert status(desk)["compact"] == ["food-court"]
    # Caught up: a call alone says its full sentence everywhere.
    [alone] = [e for e in desk.take(call("200", "C1", "c1", zones=HALL_AND_FOOD_COURT))
               if isinstance(e, StartPlay)]  # fmt: skip
    assert not alone.variants and alone.speech.text.startswith("Nomor antrean ce satu")
    [started] = events(desk.feed(inputs.PlayStarted(alone.play)), "started")
    assert "zone_texts" not in started
    assert status(desk)["compact"] == []


def test_the_switch_back_is_at_one_level_when_configured_so() -> None:
    one_level = dataclasses.replace(CONFIG, scheduling=dataclasses.replace(
        CONFIG.scheduling, compact_until_s=CONFIG.scheduling.compact_after_s))  # fmt: skip
    desk = Desk(one_level)
    compact = compact_or_not(desk, starts(burst(desk, 20))[0])
    # Behind while a new call's wait (the four starting and those left, at full sentences
    # of 3.1 s as learnt, under chimes of 2.4 s) is above 45 s: with 20, 16 and 12 (47 s)
    # in all; with 8 (32 s) no longer.
    assert compact == [True, True, True, False, False]


def test_without_a_rush_nothing_is_compact() -> None:
    desk = Desk(CONFIG)
    [start] = starts(burst(desk, 4))
    assert not [v for v in start.variants if v.sentences]
    assert channels(start.channel_gains) == (*HALL, *FOOD_COURT)
    assert all("zone_texts" not in e for e in events(play_through(desk, start), "started"))


def test_when_every_zone_of_a_play_is_behind_the_compact_sentences_are_the_play() -> None:
    desk = Desk(CONFIG)
    [start] = starts(burst(desk, 20, zones=["food-court"]))
    # More of them under one chime (scheduling.compact_combine_max), closer together.
    assert [s.text for s in start.sentences] == [f"Be {n}." for n in (
        "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan")]  # fmt: skip
    assert start.pause_s == 0.3
    assert channels(start.channel_gains) == FOOD_COURT and not start.variants
    said = events(play_through(desk, start), "started")
    assert said[0]["text"] == "Be satu." and "zone_texts" not in said[0]
    # Its shorter sentences are learnt apart from full ones, and the wait counts them.
    airtime = desk.controller._stage.airtime
    assert airtime.compact_sentence_s == 1.3 and airtime.sentence_s == 2.3
    # The next eight play, four wait: what still plays (17.6 s, as estimated when it
    # started: 8 compact sentences before any was learnt), a chime, 4 compact sentences.
    assert status(desk)["queues"]["food-court"] == 4
    assert status(desk)["waits"]["food-court"] == round(2.4 + 8 * 1.9 + 2.4 + 4 * 1.3)


def test_a_call_alone_says_the_ticket_alone_where_its_zone_is_behind() -> None:
    desk = Desk(LONE)
    desk.take(call("5", "A1", "a1"))
    for n in range(10):
        desk.take(call(f"1{n:02d}", f"B{n + 1}", f"b{n + 1}", zones=HALL_AND_FOOD_COURT))
    [start] = [e for e in desk.finish("a1") if isinstance(e, StartPlay)]
    assert start.speech.text == "Nomor antrean be satu, silakan menuju loket seratus."
    [variant] = start.variants
    assert variant.speech is not None and variant.speech.text == "Be satu."
    assert channels(variant.channel_gains) == FOOD_COURT
    [started] = events(desk.feed(inputs.PlayStarted(start.play)), "started")
    assert texts(started)["food-court"] == "Be satu."


def test_pickups_say_their_own_compact_sentence() -> None:
    desk = Desk(CONFIG)
    desk.take(call("5", "A1", "a1", zones=["food-court"]))
    for n in range(20):
        desk.take(call(f"1{n:02d}", f"{n + 1}", f"p{n + 1}", zones=["food-court"],
                       kind="pickup"))  # fmt: skip
    [start] = starts(desk.finish("a1"))
    assert start.sentences[0].text == "Dokumen satu."


def test_zone_texts_never_show_more_of_a_name_than_events_may() -> None:
    named = dataclasses.replace(
        CONFIG, privacy=dataclasses.replace(CONFIG.privacy, names=NameLevel.FULL)
    )
    desk = Desk(named)
    desk.take(call("5", "A1", "a1", zones=["tenant-hall", "food-court"]))
    for n in range(20):
        desk.take(call(f"1{n:02d}", f"B{n + 1}", f"b{n + 1}", zones=HALL_AND_FOOD_COURT,
                       name="Siti Rahmawati"))  # fmt: skip
    [start] = starts(desk.finish("a1"))
    said = events(play_through(desk, start), "started")
    assert texts(said[0])["food-court"] == "Be satu."
    assert "Rahmawati" not in str(said) and "Siti" not in str(said)


def test_a_chime_only_zone_cannot_be_compact(tmp_path: Any) -> None:
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8").replace(
        "    compact: true", "    compact: true\n    chime_only: true", 1
    )
    path = tmp_path / "zones.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"zones\.market-shops.*compact or chime_only"):
        config.load(path)
