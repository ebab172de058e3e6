"""The BENCHMARKS.md section on the MPP's whole day (from `bench.report`'s figures)."""

from __future__ import annotations

import statistics
from typing import Any

from bench.text_combined import verdict


def day_section(figures: dict[str, Any] | None) -> str:
    if not figures:
        return ""  # a run saved before these were measured
    date = f" (measured {figures['date']})" if figures.get("date") else ""
    controller, journal = figures["controller_us"], figures["journal"]
    plain, named = journal["plain"], journal["named"]
    offsets = figures["schedule_offsets_ms"]
    rows = "\n".join(f"| {what} | {value} |" for what, value in (
        ("a call's whole life in the controller, median (µs)", f"{controller['call']:.0f}"),
        ("a named pickup's (name read, said in full, shown as initials), median (µs)",
         f"{controller['named_pickup']:.0f}"),
        ("journal: add / remove a call, median (ms)",
         f"{plain['add_ms_p50']:.2f} / {plain['remove_ms_p50']:.2f}"),
        ("journal: add / remove a named call (row overwritten, WAL emptied), median (ms)",
         f"{named['add_ms_p50']:.2f} / {named['remove_ms_p50']:.2f}"),
        ("journal: remove a named call, p99 (ms)", f"{named['remove_ms_p99']:.2f}"),
        ("a 60 s recorded library message prepared at start or reload (ms)",
         f"{figures['recording_60s_ms']:.0f}"),
        ("one line of operator text read (the usage table), median (µs)",
         f"{figures['normalize_us']:.0f}"),
        (f"the schedule on the card: chime's first sample after its due time, {len(offsets)} "
         "runs (ms)", " / ".join(f"{o:.0f}" for o in offsets)),
    ))  # fmt: skip
    worst = max(offsets)
    said = verdict(
        worst < 1000,
        f"a scheduled message starts at most {worst:.0f} ms after its time "
        f"(median {statistics.median(offsets):.0f} ms; target: within one second).",
    )
    extra_ms = named["remove_ms_p50"] - plain["remove_ms_p50"]
    named_cost = verdict(
        named["remove_ms_p99"] < 20,
        f"forgetting a name costs the journal {extra_ms:.2f} ms more per call, on the control "
        "thread once the call has ended (target: under 20 ms at p99).",
    )
    return f"""
## The MPP's day: names, the message library, the schedule, operator text{date}

| figure | value |
|---|---|
{rows}

{said}

{named_cost}
"""
