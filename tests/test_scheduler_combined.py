"""Combined announcements in the scheduler: which calls start together, how each keeps its
own life, and (hypothesis) that combining never delays a call."""

from __future__ import annotations

import heapq
import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from pager.config.model import SchedulingConfig as Policy
from pager.core.scheduler import Outcome, Scheduler
from pager.values.jobs import Job
from pager.values.priority import Priority
from tests.test_scheduler import ZONES, call

ANNOUNCEMENT, EMERGENCY = Priority.ANNOUNCEMENT, Priority.EMERGENCY


def started(outcomes: list[Outcome]) -> list[tuple[str, str | None, int]]:
    return [(o.job.id, o.combined, o.position) for o in outcomes if o.start]


def test_calls_waiting_for_the_same_zones_start_together_in_turn_order() -> None:
    s = Scheduler(ZONES)  # combine_max 4
    s.submit(call("a1", "1", "A1", "hall", "food"), 0)
    for n in range(2, 8):
        s.submit(call(f"c{n}", str(n), f"C{n}", "hall", "food"), 1)
    out = s.finished("a1", 6)
    together = started(out)
    assert [job for job, _, _ in together] == ["c2", "c3", "c4", "c5"]  # at most 4, in order
    combined = together[0][1]
    assert combined and all(c == combined for _, c, _ in together)
    assert [p for _, _, p in together] == [1, 2, 3, 4]
    assert s.playing() == {"hall": combined, "food": combined}
    # Each finishes on its own; the zones are free once the last has.
    for job_id in ("c2", "c3", "c4"):
        assert started(s.finished(job_id, 7)) == []
    assert [job for job, _, _ in started(s.finished("c5", 8))] == ["c6", "c7"]


def test_a_call_with_free_zones_starts_alone_at_once() -> None:
    s = Scheduler(ZONES)
    assert started(s.submit(call("a", "1", "A1", "food"), 0)) == [("a", None, 1)]
    # Another call arriving while it plays waits; it is not added to the playing one.
    assert started(s.submit(call("b", "2", "B1", "food"), 0)) == []


def test_only_calls_for_exactly_the_same_zones_are_combined() -> None:
    s = Scheduler(ZONES)
    s.submit(call("a", "1", "A1", "food"), 0)
    s.submit(call("b", "2", "B1", "food"), 0)
    s.submit(call("c", "3", "C1", "food", "shops"), 0)  # would take the shops too: never
    s.submit(call("d", "4", "D1", "food"), 0)  # behind c, which plays next in the food court
    assert [job for job, _, _ in started(s.finished("a", 5))] == ["b"]
    assert [job for job, _, _ in started(s.finished("b", 9))] == ["c"]
    assert [job for job, _, _ in started(s.finished("c", 14))] == ["d"]


def test_a_preempted_call_resumes_first_and_the_waiting_calls_join_it() -> None:
    s = Scheduler(ZONES)
    s.submit(call("a", "1", "A1", "food"), 0)
    s.submit(call("b", "2", "B1", "food"), 0)
    s.submit(Job("m", ANNOUNCEMENT, ("food",)), 1)  # an operator message pre-empts a
    s.submit(call("c", "3", "C1", "food"), 1)
    assert [(o.job.id, o.event) for o in s.finished("m", 5) if o.start] == [
        ("a", "resumed"), ("b", "started"), ("c", "started"),
    ]  # fmt: skip


def test_a_counter_has_one_call_per_combined_announcement() -> None:
    s = Scheduler(ZONES, Policy(supersede=False))
    s.submit(call("a", "1", "A1", "food"), 0)
    for job_id, counter in (("b1", "2"), ("b2", "2"), ("c", "3")):
        s.submit(call(job_id, counter, job_id.upper(), "food"), 0)
    # b2 is passed over, not a stop: once b1 is served, round-robin puts counter 3's call
    # before it anyway; it is the next announcement's.
    assert [job for job, _, _ in started(s.finished("a", 5))] == ["b1", "c"]
    assert [job for job, _, _ in started(s.finished("b1", 7) + s.finished("c", 8))] == ["b2"]


def test_a_cancelled_call_leaves_a_combined_announcement_without_stopping_it() -> None:
    s = Scheduler(ZONES)
    s.submit(call("a", "1", "A1", "food"), 0)
    for job_id, counter in (("b", "2"), ("c", "3"), ("d", "4")):
        s.submit(call(job_id, counter, job_id.upper(), "food"), 0)
    s.finished("a", 5)
    out = s.cancel(6, job_id="c")
    assert [(o.event, o.stop, o.position) for o in out] == [("cancelled", False, 2)]
    s.finished("b", 7)
    # The last one left: cancelling it stops the player.
    assert [(o.event, o.stop) for o in s.cancel(8, job_id="d")] == [("cancelled", True)]
    assert s.playing() == {}


def test_a_preempted_combined_announcement_comes_back_for_the_calls_not_yet_heard() -> None:
    s = Scheduler(ZONES)
    s.submit(call("a", "1", "A1", "food"), 0)
    for job_id, counter in (("b", "2"), ("c", "3")):
        s.submit(call(job_id, counter, job_id.upper(), "food"), 0)
    s.finished("a", 5)
    s.finished("b", 6)  # b was heard
    out = s.submit(Job("e", EMERGENCY, ("food",)), 7)
    assert [(o.event, o.job.id, o.stop) for o in out if o.event == "preempted"] == [
        ("preempted", "c", True)
    ]
    assert [job for job, _, _ in started(s.cancel(8, job_id="e"))] == ["c"]


def test_what_is_rendered_ahead_is_the_next_announcement_with_its_companions() -> None:
    s = Scheduler(ZONES)
    s.submit(call("a", "1", "A1", "food"), 0)
    for job_id, counter in (("b", "2"), ("c", "3")):
        s.submit(call(job_id, counter, job_id.upper(), "food"), 0)
    s.submit(call("h", "5", "H1", "hall", "shops"), 0)  # plays at once
    s.submit(call("i", "6", "I1", "hall", "shops"), 0)
    assert [[j.id for j in group] for group in s.upcoming(0)] == [["b", "c"], ["i"]]


LEAD_S, PAUSE_S = 2.5, 0.5


def sentence_starts(
    arrivals: list[tuple[float, float, float]], combine_max: int
) -> dict[str, float]:
    """When each call's own sentence starts, one zone, every call from its own counter:
    (arrival, sentence alone, sentence combined) per call."""
    s = Scheduler(("food",), Policy(combine_max=combine_max, supersede=False, max_age_s=86400))
    timeline: list[tuple[float, int, str, str]] = []
    order = itertools.count()
    for n, (at, _, _) in enumerate(arrivals):
        heapq.heappush(timeline, (at, next(order), "arrive", str(n)))
    starts: dict[str, float] = {}

    def carry_out(outcomes: list[Outcome], now: float) -> None:
        at = now + LEAD_S
        for o in outcomes:
            if not o.start:
                continue
            if o.position == 1:
                at = now + LEAD_S
            _, alone, combined = arrivals[int(o.job.id)]
            starts[o.job.id] = at
            at += combined if o.combined else alone
            heapq.heappush(timeline, (at, next(order), "finish", o.job.id))
            at += PAUSE_S

    while timeline:
        now, _, kind, job_id = heapq.heappop(timeline)
        if kind == "arrive":
            carry_out(s.submit(call(job_id, f"k{job_id}", "T1", "food", at=now), now), now)
        else:
            carry_out(s.finished(job_id, now), now)
    return starts


calls_into_one_zone = st.lists(
    st.tuples(
        st.floats(0, 120),  # arrival
        st.floats(2.5, 6.0),  # its sentence alone
        st.floats(0.0, 1.0),  # how much shorter its terse sentence is (fraction of 2 s)
    ),
    min_size=1,
    max_size=40,
).map(lambda calls: sorted((at, alone, alone - 2 * shorter) for at, alone, shorter in calls))


@settings(max_examples=200, deadline=None)
@given(calls_into_one_zone, st.integers(2, 6))
def test_combining_never_delays_a_call_and_plays_each_once(
    arrivals: list[tuple[float, float, float]], combine_max: int
) -> None:
    alone = sentence_starts(arrivals, 1)
    combined = sentence_starts(arrivals, combine_max)
    assert set(alone) == set(combined) == {str(n) for n in range(len(arrivals))}
    late = {k: combined[k] - alone[k] for k in alone if combined[k] > alone[k] + 1e-9}
    assert not late, late
