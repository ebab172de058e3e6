"""Combined announcements in the controller: one player, one chime, a sentence per call, and
each call's own life (events, cancels, repeats), with the runtime's side played by hand."""

from __future__ import annotations

import dataclasses

from pager.core import inputs
from pager.core.effects import (
    Effect,
    JournalRemove,
    PublishStatus,
    SkipSection,
    StartCombined,
    StartPlay,
    StopPlay,
)
from tests.conftest import without_rate_limits
from tests.desk import EXAMPLE, Desk, call, cancel, events

CONFIG = without_rate_limits(EXAMPLE)


def combined_starts(effects: list[Effect]) -> list[StartCombined]:
    return [e for e in effects if isinstance(e, StartCombined)]


def rush(desk: Desk, count: int) -> list[Effect]:
    """Counter 5 (tenant hall and food court) plays; `count` counters with the same zones
    call meanwhile; then counter 5's call finishes and theirs start."""
    desk.take(call("5", "A1", "a1"))
    for n in range(count):
        desk.take(call(f"1{n}", f"B{n + 1}", f"b{n + 1}", zones=["tenant-hall", "food-court"]))
    return desk.finish("a1")


def test_waiting_calls_play_under_one_chime_each_with_its_own_short_sentence() -> None:
    desk = Desk(CONFIG)
    effects = rush(desk, 3)
    [start] = combined_starts(effects)
    assert [s.text for s in start.sentences] == [
        "Be satu, loket sepuluh.", "Be dua, loket sebelas.", "Be tiga, loket dua belas.",
    ]  # fmt: skip
    assert start.pause_s == 0.5
    assert not [e for e in effects if isinstance(e, StartPlay)]


def test_each_call_starts_and_finishes_with_its_own_sentence() -> None:
    desk = Desk(CONFIG)
    [start] = combined_starts(rush(desk, 2))
    play = start.play
    assert desk.feed(inputs.PlayStarted(play)) == [] or not events(desk.effects[-1:], "started")
    first = events(desk.feed(inputs.PlayStarted(play, 1)), "started")
    assert [(e["id"], e["position"], e["text"]) for e in first] == [
        ("b1", 1, "Be satu, loket sepuluh.")
    ]
    combined = first[0]["combined"]
    assert combined
    done = desk.feed(inputs.SectionFinished(play, 1, 1.8, 0.0))
    [finished] = events(done, "finished")
    assert (finished["id"], finished["combined"], finished["position"]) == ("b1", combined, 1)
    assert finished["audio_s"] == 1.8 and finished["late_s"] == 0
    assert [e.job_id for e in done if isinstance(e, JournalRemove)] == ["10/b1"]
    second = events(desk.feed(inputs.PlayStarted(play, 2)), "started")
    assert (second[0]["id"], second[0]["combined"], second[0]["position"]) == ("b2", combined, 2)
    desk.feed(inputs.SectionFinished(play, 2, 1.9, 0.0))
    assert events(desk.feed(inputs.PlayFinished(play, 6.0, 0.0, lead_s=2.4)), "failed") == []
    assert desk.controller.scheduler.playing() == {}


def test_a_cancelled_call_is_left_out_and_the_others_go_on() -> None:
    desk = Desk(CONFIG)
    [start] = combined_starts(rush(desk, 3))
    desk.feed(inputs.PlayStarted(start.play, 1))
    out = desk.take(cancel("b2"))
    assert [e for e in out if isinstance(e, SkipSection)] == [SkipSection(start.play, 2)]
    assert not [e for e in out if isinstance(e, StopPlay)]
    [cancelled] = events(out, "cancelled")
    assert cancelled["id"] == "b2" and cancelled["combined"]
    # Even if the audio thread had begun it just before the skip: no second report.
    assert events(desk.feed(inputs.PlayStarted(start.play, 2)), "started") == []
    assert events(desk.feed(inputs.SectionFinished(start.play, 2, 1.0, 0)), "finished") == []
    desk.feed(inputs.SectionFinished(start.play, 1, 1.8, 0))
    assert events(desk.feed(inputs.PlayStarted(start.play, 3)), "started")[0]["id"] == "b3"


def test_cancelling_the_last_call_still_to_be_heard_stops_the_player() -> None:
    desk = Desk(CONFIG)
    [start] = combined_starts(rush(desk, 2))
    desk.feed(inputs.PlayStarted(start.play, 1))
    desk.feed(inputs.SectionFinished(start.play, 1, 1.8, 0))
    out = desk.take(cancel("b2"))
    assert StopPlay(start.play) in out


def test_a_sentence_that_could_not_be_made_fails_alone() -> None:
    desk = Desk(CONFIG)
    [start] = combined_starts(rush(desk, 2))
    desk.feed(inputs.PlayStarted(start.play, 1))
    desk.feed(inputs.SectionFinished(start.play, 1, 1.8, 0))
    out = desk.feed(inputs.PlayFinished(start.play, 4.0, 0.0, "speech synthesis failed: x"))
    [failed] = events(out, "failed")
    assert failed["id"] == "b2" and "speech synthesis failed" in str(failed["reason"])
    assert [e["id"] for e in events(desk.effects, "finished")] == ["a1", "b1"]


def test_repeats_of_combined_calls_come_back_on_their_own() -> None:
    desk = Desk(CONFIG)
    desk.take(call("5", "A1", "a1"))
    desk.take(call("10", "B1", "b1", zones=["tenant-hall", "food-court"], repeat=1))
    desk.take(call("11", "B2", "b2", zones=["tenant-hall", "food-court"]))
    [start] = combined_starts(desk.finish("a1"))
    desk.feed(inputs.PlayStarted(start.play, 1))
    out = desk.feed(inputs.SectionFinished(start.play, 1, 1.8, 0))
    queued = events(out, "queued")
    assert [(e["id"], e["play"]) for e in queued] == [("b1", 2)]


def test_combine_max_1_plays_every_call_alone() -> None:
    lone = dataclasses.replace(CONFIG.scheduling, combine_max=1)
    desk = Desk(dataclasses.replace(CONFIG, scheduling=lone))
    effects = rush(desk, 3)
    assert combined_starts(effects) == []
    assert len([e for e in effects if isinstance(e, StartPlay)]) == 1


def test_status_tells_each_zone_the_wait_for_a_new_call() -> None:
    desk = Desk(CONFIG)
    desk.take(call("5", "A1", "a1"))
    desk.feed(inputs.PlayStarted(desk.play("a1")))
    statuses = [e for e in desk.effects if isinstance(e, PublishStatus)]
    idle = statuses[-1].details["waits"]
    assert isinstance(idle, dict) and idle["market-shops"] == 2  # the chime and its pause
    for n in range(4):
        desk.take(call(f"1{n}", f"B{n + 1}", f"b{n + 1}", zones=["tenant-hall", "food-court"]))
    waits = [e for e in desk.effects if isinstance(e, PublishStatus)][-1].details["waits"]
    assert isinstance(waits, dict)
    # The call playing (about 6.7 s), then four waiting: one combined announcement of four
    # and a fifth, alone after it; a new call waits longer than an idle zone's.
    assert waits["food-court"] > waits["market-shops"] + 10


def test_a_call_alone_in_a_busy_zone_uses_the_busy_template() -> None:
    said = dataclasses.replace(
        CONFIG.announcement, busy_template="Nomor {ticket}, loket {counter}."
    )
    lone = dataclasses.replace(CONFIG.scheduling, combine_max=1, busy_queue=2)
    desk = Desk(dataclasses.replace(CONFIG, announcement=said, scheduling=lone))
    desk.take(call("5", "A1", "a1"))
    for n in range(4):  # four wait for the same zones: more than busy_queue
        desk.take(call(f"1{n}", f"B{n + 1}", f"b{n + 1}", zones=["tenant-hall", "food-court"]))
    [start] = [e for e in desk.finish("a1") if isinstance(e, StartPlay)]
    assert start.speech.text == "Nomor be satu, loket sepuluh."
    # With the queue back to busy_queue or fewer, the full sentence again.
    desk.finish("b1")
    [start] = [e for e in desk.finish("b2") if isinstance(e, StartPlay)]
    assert start.speech.text == "Nomor antrean be tiga, silakan menuju loket dua belas."
