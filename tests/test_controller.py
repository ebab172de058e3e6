"""The controller, pure: typed inputs with explicit times in, effects out. No threads, no I/O."""

from __future__ import annotations

import dataclasses
import json

import pytest

from pager import config
from pager.core import inputs
from pager.core.effects import JournalRemove, LoadConfig, Notify, PublishStatus, StartPlay, StopPlay
from pager.core.health import HEALTH_EVENT_INTERVAL_S
from pager.values.messages import Inbound, MessageKind
from pager.values.priority import Priority
from tests.desk import (
    EXAMPLE,
    FOOD_COURT,
    Desk,
    announce,
    call,
    cancel,
    events,
    kinds,
    names,
)

# -- taking a message ------------------------------------------------------------------------


def test_a_call_is_journaled_before_it_reaches_the_scheduler_and_acked_after() -> None:
    desk = Desk()
    first = desk.feed(call("5", "A23", "c1"))
    assert kinds(first) == ["JournalAdd", "PublishStatus"]
    assert desk.held == {} and desk.waiting == 0  # nothing taken yet
    after = desk.feed(inputs.Journaled("5/c1"))
    assert kinds(after) == ["Publish", "StartPlay", "Ack", "PublishStatus"]
    assert names(after) == [("queued", "c1")]
    start = next(e for e in after if isinstance(e, StartPlay))
    assert start.speech.text == "Nomor antrean A dua puluh tiga, silakan menuju loket lima."
    assert dict(start.channel_gains) == pytest.approx(
        {0: 1.0, 1: 1.0, 6: FOOD_COURT, 7: FOOD_COURT}
    )
    assert desk.held == {"tenant-hall": "c1", "food-court": "c1"}


def test_started_and_finished_follow_the_player_not_the_decision() -> None:
    desk = Desk()
    desk.take(call("5", "A23", "c1"))
    assert not events(desk.effects, "started")
    play = desk.play("c1")
    started = desk.feed(inputs.PlayStarted(play))
    assert names(started) == [("started", "c1")]
    finished = events(desk.feed(inputs.PlayFinished(play, 6.25, 0.012)), "finished")
    assert finished[0]["audio_s"] == 6.25 and finished[0]["late_s"] == 0.012
    assert finished[0]["text"] == "Nomor antrean A dua puluh tiga, silakan menuju loket lima."
    assert JournalRemove("5/c1") in desk.effects
    assert desk.held == {}


@pytest.mark.parametrize(
    ("step", "event"),
    [
        ("journal", "failed"),  # the journal cannot write it
        ("routing", "rejected"),  # its zone does not exist
        ("speech submit", "failed"),  # the speech worker refuses it when it starts
        ("prerender", "failed"),  # ... or already when it is queued
        ("payload", "rejected"),  # an id SQLite cannot store (a lone surrogate)
    ],
)
def test_a_message_failing_at_any_step_leaves_no_zone_held(step: str, event: str) -> None:
    desk = Desk()
    message = call("5", "A23", "bad", **({"zones": ["food-cour"]} if step == "routing" else {}))
    if step == "payload":
        message = dataclasses.replace(message, payload=b'{"ticket": "A23", "id": "\\ud800"}')
    effects = desk.feed(message)
    if step == "journal":
        effects += desk.feed(inputs.JournalFailed("5/bad", "disk I/O error"))
    elif step in ("speech submit", "prerender"):
        effects += desk.feed(inputs.Journaled("5/bad"))
        failure = (
            inputs.PlayFailed(desk.play("bad"), "the speech worker is closed")
            if step == "speech submit"
            else inputs.SpeechUnavailable("5/bad", "the speech worker is closed")
        )
        effects += desk.feed(failure)
    assert desk.held == {} and desk.waiting == 0
    answered = events(effects, event)
    assert len(answered) == 1 and answered[0]["reason"], effects
    assert kinds(effects).count("Ack") == 1
    if step in ("speech submit", "prerender"):
        assert JournalRemove("5/bad") in effects
    # ... and the next call for the same zones starts at once.
    assert "StartPlay" in kinds(desk.take(call("5", "A24", "good")))
    assert desk.held == {"tenant-hall": "good", "food-court": "good"}


def test_a_failed_start_lets_the_next_waiting_call_play() -> None:
    desk = Desk()
    desk.take(call("3", "A1", "first"))  # the MPP zones
    desk.take(call("4", "B1", "second"))  # waits for them
    effects = desk.feed(inputs.PlayFailed(desk.play("first"), "no speech worker"))
    assert names(effects)[0] == ("failed", "first")
    assert [e.job_id for e in effects if isinstance(e, StartPlay)] == ["4/second"]


def test_rejections_name_what_was_known_and_are_acked() -> None:
    desk = Desk()
    effects = desk.feed(call("5", "A0234567", "x1"))
    (rejected,) = events(effects, "rejected")
    assert rejected["id"] == "x1" and rejected["counter"] == "5"
    assert "A0234567" in str(rejected["reason"])
    assert kinds(effects)[-2:] == ["Ack", "PublishStatus"]


def test_a_retained_call_without_id_is_rejected_not_replayed() -> None:
    desk = Desk()
    message = dataclasses.replace(call("5", "A1"), retained=True)
    (rejected,) = events(desk.feed(message), "rejected")
    assert "retained call without an id" in str(rejected["reason"])
    assert rejected["ticket"] == "A1"


def test_a_cancel_of_nothing_is_rejected() -> None:
    (rejected,) = events(Desk().feed(cancel("nope")), "rejected")
    assert rejected["reason"] == "nothing to cancel: no queued or playing id nope"


def test_a_cancel_fades_the_player_out_and_its_end_is_not_reported_twice() -> None:
    desk = Desk()
    desk.take(call("5", "A1", "c1"))
    play = desk.play("c1")
    effects = desk.feed(cancel("c1"))
    assert StopPlay(play) in effects and names(effects) == [("cancelled", "c1")]
    assert JournalRemove("5/c1") in effects
    assert desk.feed(inputs.PlayFinished(play, 1.0, 0.0)) == []  # the faded player ends


def test_a_duplicate_id_plays_once_and_is_not_journaled_again() -> None:
    desk = Desk()
    desk.take(call("5", "A1", "c1"))
    again = desk.feed(call("5", "A1", "c1"))
    assert names(again) == [("duplicate", "c1")] and "JournalAdd" not in kinds(again)


# -- players, audio and health ---------------------------------------------------------------


def test_repeats_come_back_after_the_interval_and_say_so() -> None:
    desk = Desk()
    desk.take(call("5", "A1", "r1", repeat=1))
    finished = desk.finish("r1")
    assert ("queued", "r1") in names(finished)
    deadline = desk.controller.next_deadline(desk.now)
    assert deadline == desk.now + EXAMPLE.scheduling.repeat_interval_s
    desk.now = deadline
    (start,) = [e for e in desk.feed(inputs.Tick()) if isinstance(e, StartPlay)]
    assert start.speech.text.startswith("Panggilan kedua, nomor antrean A satu")


def test_an_emergency_plays_at_its_fixed_level_on_every_zone() -> None:
    cfg = dataclasses.replace(
        EXAMPLE, scheduling=dataclasses.replace(EXAMPLE.scheduling, emergency_gain_db=-6.0)
    )
    desk = Desk(cfg)
    desk.take(announce("Harap tenang.", "e1", priority="emergency"))
    (start,) = [e for e in desk.effects if isinstance(e, StartPlay)]
    assert len(start.channel_gains) == 8
    assert all(g == pytest.approx(10 ** (-6 / 20)) for _, g in start.channel_gains)


def test_a_failed_output_puts_what_played_back_in_the_queue_until_it_is_back() -> None:
    desk = Desk()
    desk.take(call("5", "A1", "c1"))
    effects = desk.feed(inputs.AudioFailed("sound device 3 stopped"))
    assert kinds(effects)[:2] == ["ResetAudio", "StopPlay"]
    assert names(effects) == [("preempted", "c1"), ("audio-failed", None)]
    status = [e for e in effects if isinstance(e, PublishStatus)][-1]
    assert status.details["audio"] == "failed"
    assert "StartPlay" not in kinds(desk.take(call("3", "B1", "c2")))  # queues, waits
    back = desk.feed(inputs.AudioRestored("sound device 3"))
    assert [e.job_id for e in back if isinstance(e, StartPlay)] == ["5/c1"]
    desk.feed(inputs.PlayStarted(desk.play("c1")))
    assert ("resumed", "c1") in names(desk.effects)


def test_callback_health_is_in_the_status_and_events_are_rate_limited() -> None:
    desk = Desk()
    first = desk.feed(inputs.AudioHealth(2, 0))
    assert [(b["event"], b["count"]) for b in events(first)] == [("audio-xruns", 2)]
    assert [e for e in first if isinstance(e, PublishStatus)][-1].details["xruns"] == 2
    desk.now += 1
    soon = desk.feed(inputs.AudioHealth(5, 1, "ValueError: boom"))
    assert [(b["event"], b["count"]) for b in events(soon)] == [("audio-callback-error", 1)]
    assert events(soon)[0]["error"] == "ValueError: boom"
    desk.now += HEALTH_EVENT_INTERVAL_S
    later = desk.feed(inputs.AudioHealth(6, 1))
    assert [(b["event"], b["count"], b["total"]) for b in events(later)] == [("audio-xruns", 4, 6)]


def test_ready_once_and_the_status_again_at_every_connection() -> None:
    desk = Desk()
    first = desk.feed(inputs.Connected())
    assert Notify("ready", "serving 5 zones") in first
    assert "PublishStatus" in kinds(first)
    again = desk.feed(inputs.Connected())
    assert kinds(again) == ["PublishStatus"]


# -- reload, replay, stop --------------------------------------------------------------------


def test_every_reload_answers_ready_whether_taken_or_refused() -> None:
    desk = Desk()
    assert desk.feed(inputs.ReloadRequested())[:2] == [
        Notify("reloading"),
        LoadConfig(),
    ]
    refused = desk.feed(inputs.ReloadRefused("zones.yaml: 1 mistake", ("voice x missing",)))
    assert events(refused, "config-rejected")[0]["problems"] == ["voice x missing"]
    assert Notify("ready", "serving 5 zones") in refused
    counters = {**EXAMPLE.counters}
    counters["5"] = dataclasses.replace(counters["5"], zones=("food-court",))
    taken = desk.feed(inputs.Reconfigure(dataclasses.replace(EXAMPLE, counters=counters)))
    assert events(taken, "config-reloaded") and Notify("ready", "serving 5 zones") in taken
    assert names(desk.take(call("5", "A1", "after")))[0] == ("queued", "after")
    assert desk.held == {"food-court": "after"}


def test_replayed_calls_are_not_journaled_again_and_seen_ids_stay_duplicates() -> None:
    desk = Desk()
    kept = dataclasses.replace(call("3", "A1"), journaled="j1", received=desk.now - 5)
    broken = dataclasses.replace(call("3", "A0234567"), journaled="j2", received=desk.now - 5)
    effects = desk.feed(inputs.Replay((kept, broken), ("3/old",)))
    assert "JournalAdd" not in kinds(effects)
    assert names(effects) == [("queued", "j1"), ("rejected", "j2")]
    assert JournalRemove("j2") in effects
    assert names(desk.feed(call("3", "A9", "old"))) == [("duplicate", "old")]


def test_stopping_takes_nothing_new_and_keeps_the_waiting_calls() -> None:
    desk = Desk()
    desk.take(call("3", "A1", "s1"))
    desk.take(call("4", "B1", "s2"))  # waits for the MPP zones
    desk.feed(inputs.StopRequested())
    assert desk.feed(call("5", "C1", "late")) == []  # not acked: the broker keeps it
    assert not desk.controller.done(desk.now)
    ended = desk.finish("s1")
    assert "StartPlay" not in kinds(ended) and JournalRemove("3/s1") in ended
    assert JournalRemove("4/s2") not in desk.effects
    assert desk.controller.done(desk.now)
    assert desk.feed(inputs.ReloadRequested()) == []


def test_stopping_ends_after_the_grace_time_even_if_a_player_hangs() -> None:
    desk = Desk()
    desk.take(call("3", "A1", "s1"))
    desk.feed(inputs.StopRequested())
    assert desk.controller.next_deadline(desk.now) == desk.now + EXAMPLE.scheduling.stop_grace_s
    desk.now += EXAMPLE.scheduling.stop_grace_s
    assert desk.controller.done(desk.now)


def test_a_waiting_call_whose_zones_a_reload_removed_fails_instead_of_playing_nowhere() -> None:
    desk = Desk()
    desk.take(call("3", "A1", "first"))  # tenant-hall and waiting-area
    desk.take(call("4", "B1", "second"))  # waits for them
    desk.feed(inputs.Reconfigure(config.parse({"zones": {"elsewhere": {"channels": [1]}}})))
    effects = desk.finish("first")
    assert ("failed", "second") in names(effects)
    assert "no longer configured" in str(events(effects, "failed")[0]["reason"])
    assert "StartPlay" not in kinds(effects) and desk.held == {}


def test_answers_nothing_waits_for_are_ignored() -> None:
    desk = Desk()
    for answer in (inputs.Journaled("never-asked"), inputs.PlayFinished(99, 1.0, 0.0)):
        assert [e for e in desk.feed(answer) if not isinstance(e, PublishStatus)] == []


# -- rights ---------------------------------------------------------------------------------


def counter_cancel(counter: str, ident: str) -> Inbound:
    body = json.dumps({"id": ident}).encode()
    return Inbound(f"pager/cancel/{counter}", MessageKind.CANCEL, counter, body, 0)


def test_a_counter_may_not_ask_for_more_than_its_max_priority() -> None:
    (rejected,) = events(Desk().feed(call("5", "A1", "x", priority="emergency")), "rejected")
    assert rejected["reason"] == (
        "counter 5 may ask for call at most (counters.5.max_priority), not emergency"
    )
    (rejected,) = events(Desk().feed(call("99", "A1", "y", priority="announcement")), "rejected")
    assert "counter 99 may ask for call at most" in str(rejected["reason"])  # unlisted
    counters = {**EXAMPLE.counters}
    counters["5"] = dataclasses.replace(counters["5"], max_priority=Priority.EMERGENCY)
    desk = Desk(dataclasses.replace(EXAMPLE, counters=counters))
    assert names(desk.take(call("5", "A1", "z", priority="emergency")))[0] == ("queued", "z")


def test_ids_are_each_counters_own() -> None:
    desk = Desk()
    desk.take(call("5", "A1", "n1"))
    other = desk.take(call("7", "B1", "n1"))  # counter 7 uses the same id: its own call
    assert ("queued", "n1") in names(other) and "duplicate" not in str(names(other))
    assert events(other, "queued")[0]["counter"] == "7"
    refused = desk.feed(counter_cancel("9", "n1"))  # nobody else's call to cancel
    assert (
        events(refused, "rejected")[0]["reason"] == "nothing to cancel: no queued or playing id n1"
    )
    (cancelled,) = events(desk.feed(counter_cancel("7", "n1")), "cancelled")
    assert cancelled["counter"] == "7"
    assert set(desk.held.values()) == {"n1"} and desk.controller.scheduler.job("5/n1")


def test_the_operator_desk_cancels_every_call_with_that_id() -> None:
    desk = Desk()
    desk.take(call("5", "A1", "dup"))
    desk.take(call("8", "B1", "dup"))  # waits: its zones include the hall
    effects = desk.feed(cancel("dup"))
    assert sorted(str(b["counter"]) for b in events(effects, "cancelled")) == ["5", "8"]
    assert desk.held == {} and desk.waiting == 0


def test_the_status_shows_the_ids_the_senders_gave() -> None:
    desk = Desk()
    desk.take(call("5", "A1", "c-17"))
    status = [e for e in desk.effects if isinstance(e, PublishStatus)][-1]
    assert status.details["playing"] == {"tenant-hall": "c-17", "food-court": "c-17"}


def test_a_retained_announcement_without_an_id_is_rejected() -> None:
    message = dataclasses.replace(announce("Harap tenang.", "x"), retained=True,
                                  payload=b'{"text": "Harap tenang."}')  # fmt: skip
    (rejected,) = events(Desk().feed(message), "rejected")
    assert "retained announcement without an id" in str(rejected["reason"])


# -- floods ---------------------------------------------------------------------------------


def test_each_counter_has_its_own_allowance_and_unlisted_ones_share_one() -> None:
    desk = Desk()
    taken = [names(desk.feed(call("5", f"A{n}", f"f{n}")))[:1] for n in range(7)]
    assert taken[:5] == [[]] * 5  # journaled, not yet answered: the burst of 5
    (over,) = events(desk.feed(call("5", "A9", "f9")), "rejected")
    assert over["reason"] == (
        "counter 5 sends more than 30 a minute (bursts of 5): this one is dropped "
        "(security.rate_limit)"
    )
    assert "JournalAdd" in kinds(desk.feed(call("7", "B1", "other")))  # its own allowance
    desk.now += 2.0  # 30 a minute: one more every 2 s
    assert "JournalAdd" in kinds(desk.feed(call("5", "A10", "f10")))
    for n in range(5):
        desk.feed(call(f"9{n}", "C1", f"u{n}"))  # five unlisted counters, one allowance
    (shared,) = events(desk.feed(call("96", "C1", "u6")), "rejected")
    assert str(shared["reason"]).startswith("(unlisted counters) sends more than 30 a minute")
    assert "rejected" not in str(names(desk.take(announce("Loket 3 tutup.", "op1"))))


def test_a_flood_of_rejections_is_reported_ten_then_three_a_second_then_summed_up() -> None:
    desk = Desk()
    garbage = dataclasses.replace(call("5", "A1"), payload=b"not json")
    reported = [events(desk.feed(garbage), "rejected") for _ in range(30)]
    assert sum(len(r) for r in reported) == 10
    assert desk.controller.next_deadline(desk.now) == desk.now + 1.0
    desk.now += 1.0
    (summary,) = events(desk.feed(inputs.Tick()), "rejected")
    assert summary["count"] == 20 and summary["counter"] == "5"
    assert "20 more messages were rejected from this sender" in str(summary["reason"])
    desk.now += 0.34  # one report a second comes back every third of a second
    assert len(events(desk.feed(garbage), "rejected")) == 1


def test_an_operator_message_too_long_to_say_is_rejected_before_it_is_queued() -> None:
    desk = Desk()
    (rejected,) = events(desk.feed(announce("9999 " * 100, "long")), "rejected")
    assert "the message would take about" in str(rejected["reason"])
    assert "at most 30 s (security.max_speech_s)" in str(rejected["reason"])
    assert desk.waiting == 0 and desk.held == {}
