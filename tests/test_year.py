"""8,000 calls through the real daemon, its wall clock moved a day at a time (bench/year.py,
shortened; the benchmark runs 20,800 and more): memory, open files and threads stay level, and
the call log and journal stay bounded by what they must keep."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.year import year

# Alone (after the parallel tests): about 15 minutes of both cores, which would starve the
# daemons the other tests start. (20,800 calls took 40 minutes: CI's 90 did not hold them.)
pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.alone]

KEEP_DAYS = 3
# Before it was bounded, speech rendered ahead grew the daemon about 3 MB per 1,000 calls: over
# the second half (4,000 calls) that is 12 MB, which this allows 8 of.
RSS_GROWTH_MB = 8


def test_eight_thousand_calls_keep_memory_files_threads_and_databases_level(
    tmp_path: Path,
) -> None:
    # 10 days of 500 calls, 4x as many every 5th day: 8,000 calls.
    figures = year(tmp_path, days=10, per_day=500, every=2, keep_days=KEEP_DAYS,
                   flood_every=5, short=True)  # fmt: skip
    samples = figures["samples"]
    assert figures["calls"] == 8_000 and not figures["crashed"], figures
    after = [s for s in samples if s["calls"] >= 4_000]
    assert max(s["rss_mb"] for s in after) <= after[0]["rss_mb"] + RSS_GROWTH_MB, samples
    assert len({s["files"] for s in samples}) == 1, samples  # no descriptor leaks
    assert len({s["threads"] for s in samples}) == 1, samples
    # The call log forgets days older than KEEP_DAYS and its file gives back their space:
    # once days are forgotten it stops growing. The last day is a flood day, as day 4 was:
    # the same KEEP_DAYS of calls (and not the 10 days taken) as at the sample after it.
    settled = max(s["call_log_mb"] for s in samples[:-1] if s["day"] >= KEEP_DAYS + 2)
    assert samples[-1]["call_log_mb"] <= settled * 1.1, samples
    # The journal holds what is pending and the ids it remembers, not the year.
    assert samples[-1]["journal_mb"] <= max(1.0, samples[1]["journal_mb"] * 1.25), samples
