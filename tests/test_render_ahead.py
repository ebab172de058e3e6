"""What the controller hands the speech worker ahead of time: only what plays next on each
zone (a call, or the calls combined under the next chime), each sentence once."""

from __future__ import annotations

import dataclasses

from pager.core.effects import Prerender
from pager.values.jobs import ref_of
from tests.conftest import without_rate_limits
from tests.desk import EXAMPLE, Desk, announce, call, prerendered

UNLIMITED = without_rate_limits(EXAMPLE)
LONE = dataclasses.replace(  # one call per chime
    UNLIMITED, scheduling=dataclasses.replace(UNLIMITED.scheduling, combine_max=1)
)


def test_only_the_next_call_of_each_zone_is_synthesized_ahead_whatever_the_queue() -> None:
    desk = Desk(LONE)
    desk.take(call("3", "A1", "a1"))  # plays at once on the hall (counter 3: mpp)
    ahead = []
    for n in range(2, 200):  # a rush: 198 calls from 198 counters wait for the same zones
        ahead += prerendered(desk.take(call(f"x{n}", f"B{n}", f"b{n}")))
    assert desk.waiting > 100
    assert ahead == ["b2"]  # the next in line, not the whole queue
    after = prerendered(desk.finish("a1"))  # b2 starts: now b3 is next
    assert after == ["b3"] and desk.held["tenant-hall"] == "b2"


def test_what_is_synthesized_ahead_follows_priority_not_arrival() -> None:
    desk = Desk(LONE)
    desk.take(call("3", "A1", "a1"))
    assert prerendered(desk.take(call("x1", "B1", "b1"))) == ["b1"]
    # An operator message pre-empts a1, which goes back to the queue ahead of b1: a1 plays
    # next again, so it is rendered ahead now (b1 was, when it was next).
    assert prerendered(desk.take(announce("Loket 3 tutup sebentar.", "op"))) == ["a1"]
    assert desk.held["tenant-hall"] == "op"


def test_the_next_combined_announcement_is_rendered_ahead_with_its_short_sentences() -> None:
    desk = Desk(UNLIMITED)
    desk.take(call("5", "A1", "a1"))
    ahead = []
    for n in range(6):
        effects = desk.take(call(f"1{n}", f"B{n + 1}", f"b{n + 1}",
                                 zones=["tenant-hall", "food-court"]))  # fmt: skip
        ahead += [(ref_of(e.job_id), e.speech.text) for e in effects if isinstance(e, Prerender)]
    # b1 alone first; then b1 to b4 as the next combined announcement; b5 and b6 wait.
    assert ahead[0] == ("b1", "Nomor antrean be satu, silakan menuju loket sepuluh.")
    assert [a for a, _ in ahead[1:]] == ["b1", "b2", "b3", "b4"]
    assert ahead[2][1] == "Be dua, loket sebelas."
    assert prerendered(desk.finish("a1")) == ["b5", "b6"]
