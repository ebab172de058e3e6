"""The BENCHMARKS.md sections on the public screens and on compact zones (from
`bench.report`'s figures)."""

from __future__ import annotations

from typing import Any

from bench.text_combined import verdict

SCREEN_TARGET_MS = 300.0  # a call on the screen after its first sample at the card
COMPACT_TARGET_P95_S = 60.0  # at 20 calls a minute into one compact zone


CHECK_HEADER = (
    "| calls a minute | calls | mean wait measured (s) | simulated (s) | difference | "
    "p95 measured (s) | simulated (s) | compact measured | simulated |\n"
    "|---|---|---|---|---|---|---|---|---|"
)


def _within(worst: float) -> str:
    return f"every call was on the screen within {worst:.0f} ms of its first sample at the card"


def _at20(compact: dict[str, Any], full: dict[str, Any]) -> str:
    return (
        f"p95 {compact['wait_p95_s']:.0f} s, {compact['expired']} of {compact['calls']} "
        f"expired ({compact['compact']} said compact), where full sentences have p95 "
        f"{full['wait_p95_s']:.0f} s with {full['expired']} expired."
    )


def _other_arrivals(runs: list[dict[str, Any]] | None) -> str:
    if not runs:
        return ""
    shown = ", ".join(f"{r['wait_p95_s']:.0f} s ({r['calls']} calls, {r['expired']} expired)"
                      for r in runs)  # fmt: skip
    return (
        f"The same rush with three other draws of arrivals: p95 {shown}. A draw that brings "
        "more calls than 20 a minute waits longer, as any zone near its airtime does: the "
        "target is met at the rate, not promised for every draw of it."
    )


def display_section(figures: dict[str, Any] | None) -> str:
    if not figures:
        return ""  # a run saved before this was measured
    date = f" (measured {figures['date']})" if figures.get("date") else ""
    worst = figures["max_ms"]
    return f"""
## Public screens: a call on the screen after its first sample at the card{date}

`python -m bench.display --calls {figures["calls"]}` (bench/display.py): the real daemon on the
paced virtual card, the real broker, and the hall's screen (`/display/hall`) in Debian's
headless Chromium at 1920 by 1080. For each call, the time the page showed it (`data-shown-at`,
the browser's clock) minus the time its first sample left the card's converter (the card's own
clock), both on the same PC.

| figure | value |
|---|---|
| calls | {figures["calls"]} |
| screen after card, median (ms) | {figures["median_ms"]:.1f} |
| p95 (ms) | {figures["p95_ms"]:.1f} |
| worst (ms) | {worst:.1f} |
| best (ms; negative: the screen first, by the card's buffer) | {figures["min_ms"]:.1f} |

{verdict(worst <= SCREEN_TARGET_MS, _within(worst))}
(target: {SCREEN_TARGET_MS:.0f} ms, also asserted end to end in tests/test_displays_e2e.py). The
`started` event is published when the mixer starts the chime, so the screen may lead the card
by up to its buffer (`audio.latency: low`: about 30 ms).
"""


def compact_section(figures: dict[str, Any] | None) -> str:
    if not figures:
        return ""
    date = f" (measured {figures['date']})" if figures.get("date") else ""
    lengths = figures["lengths"]
    means = {style: sum(lengths[style]) / len(lengths[style])
             for style in ("alone", "combined", "compact")}  # fmt: skip
    rows = []
    for label, runs in figures["load"].items():
        for rate, run in runs.items():
            rows.append(
                f"| {label} | {rate} | {run['calls']} | {run['wait_p50_s']:.0f} | "
                f"{run['wait_p95_s']:.0f} | {run['wait_max_s']:.0f} | {run['expired']} | "
                f"{run['compact']} |"
            )
    at20, at6 = figures["load"]["compact"]["20"], figures["load"]["compact"]["6"]
    full20 = figures["load"]["full"]["20"]
    met20 = at20["wait_p95_s"] <= COMPACT_TARGET_P95_S and at20["expired"] == 0
    card = figures.get("card", {})
    checks = "\n".join(
        f"| {c['per_minute']:g} | {c['calls']} | {c['measured_mean_s']:.1f} | "
        f"{c['simulated_mean_s']:.1f} | {c['difference']:+.1%} | {c['measured_p95_s']:.0f} | "
        f"{c['simulated_p95_s']:.0f} | {c['compact_measured']} | {c['compact_simulated']} |"
        for c in card.values()
    )
    quiet = card.get("6.0", {}).get("compact_measured", 0) + at6["compact"]
    return f"""
## Compact zones: one shared zone at a rush{date}

`bench/compact.py` and `bench/compact_card.py`. Calls from 20 counters arrive (Poisson) into
the food court for {figures["minutes"]:g} minutes at each rate, every call to be heard
(`supersede: false`), `max_age_s` 180, `combine_max` 4. Simulated time with the real
controller deciding; each call takes the rendered length of one of
{len(lengths["alone"])} sample calls (the hall's tickets) in the form chosen: alone
{means["alone"]:.2f} s, combined {means["combined"]:.2f} s ("A seratus dua belas, loket
tujuh belas."), compact {means["compact"]:.2f} s ("A seratus dua belas."), under a chime of
{lengths["lead_s"]:.2f} s with its pause. `full`: the food court without `compact`;
`compact`: with it (behind above {figures["compact_after_s"]:g} s of estimated wait, caught up
under {figures.get("compact_until_s", 10):g} s; up to 8 compact sentences under a chime, 0.3 s
apart). Wait: publish → the call's own sentence starts.

| food court | calls a minute | calls | wait p50 (s) | p95 (s) | max (s) | expired | said compact |
|---|---|---|---|---|---|---|---|
{chr(10).join(rows)}

Checked in real time on the card ({card and next(iter(card.values()))["minutes"]:g} minutes at
each rate; the same arrivals and sentences simulated):

{CHECK_HEADER}
{checks}

Target: at 20 calls a minute into one compact zone, p95 wait at most
{COMPACT_TARGET_P95_S:.0f} s and none expired.
{verdict(met20, _at20(at20, full20))}

{_other_arrivals(figures.get("other_arrivals_20"))}

Target: at 6 calls a minute, no compact sentence.
{verdict(quiet == 0, f"{quiet} compact sentences at 6 a minute (simulated and on the card).")}

Compact sentences are half the full ones, and up to 8 share a chime, so a compact zone reads
out about 24 calls a minute where full sentences allow about 13. A compact zone is behind only
while its queue says so: at 12 a minute it still says full sentences.
"""
