"""The BENCHMARKS.md section on combined announcements (from `bench.report`'s figures)."""

from __future__ import annotations

from typing import Any


def verdict(met: bool, text: str) -> str:
    """A target's outcome, as every section of BENCHMARKS.md states it."""
    return f"**{'Met' if met else 'Missed'}**: {text}"


TARGET_RATIO = 0.60  # combined airtime per call, 4 at a time, against a call alone
TARGET_P95_S = 60.0  # at 20 calls a minute into one zone


def combined_section(figures: dict[str, Any] | None) -> str:
    if not figures:
        return ""  # a run saved before this figure was measured
    card, check = figures["card"]["airtime"], figures["card"]["check"]
    sizes = [k for k in card["per_call_s"] if k != "1"]
    airtime_rows = "\n".join(
        f"| {k} | {card['per_call_s'][k]:.2f} | {card['ratio'][k]:.0%} | "
        f"{figures['airtime_s'][k]:.2f} |"
        for k in ["1", *sizes]
    )
    load_rows = []
    for combine_max, runs in figures["load"].items():
        for rate, run in runs.items():
            load_rows.append(
                f"| {combine_max} | {rate} | {run['calls']} | {run['wait_p50_s']:.0f} | "
                f"{run['wait_p95_s']:.0f} | {run['wait_max_s']:.0f} | {run['expired']} |"
            )
    ratio4 = card["ratio"].get("4")
    at20 = figures["load"].get("4", {}).get("20")
    lone20 = figures["load"].get("1", {}).get("20")
    met20 = bool(at20) and at20["wait_p95_s"] < TARGET_P95_S and at20["expired"] == 0
    plot = f"\n![Waits against arrival rate]({figures['plot']})\n" if figures.get("plot") else ""
    date = f" (measured {figures['date']})" if figures.get("date") else ""
    lead, pause = figures["lengths"]["lead_s"], figures["lengths"]["pause_s"]
    return f"""
## Combined announcements: airtime per call and waits on one shared zone{date}

`bench/combined.py` and `bench/combined_card.py`. Several calls waiting for the same zones are
played under one chime ({lead:.2f} s with its pause), each with its own short sentence
(`combined_template`), {pause:.1f} s apart.

**Airtime per call**, measured on the paced virtual card in one run (from an announcement's
first sample to its last; the same four calls, alone and then combined), and as computed from
the renderer's lengths of {len(figures["lengths"]["alone_s"])} calls with the hall's tickets:

| calls under one chime | on the card (s a call) | against alone | from the renderer (s a call) |
|---|---|---|---|
{airtime_rows}

Target: at most {TARGET_RATIO:.0%} of a lone call's airtime per call when 4 are combined.
{
        verdict(
            ratio4 is not None and ratio4 <= TARGET_RATIO,
            f"{ratio4:.0%}." if ratio4 is not None else "not measured.",
        )
    }

**Sustained load** on the food court: calls from 20 counters arriving (Poisson) for
{figures["minutes"]:g} minutes at each rate, every call to be heard (`supersede: false`),
`max_age_s` 180. Simulated time: the real scheduler decides, each call takes the rendered
length of one of the sample calls. Wait: publish → the call's own sentence starts.

| combine_max | calls a minute | calls | wait p50 (s) | p95 (s) | max (s) | expired |
|---|---|---|---|---|---|---|
{chr(10).join(load_rows)}
{plot}
Checked in real time on the card: {check["calls"]} calls at {check["per_minute"]:g} a minute
for {check["minutes"]:g} minutes (`combine_max` 4): mean wait {check["measured_mean_s"]:.2f} s
measured, {check["simulated_mean_s"]:.2f} s simulated for the same arrivals and sentences
({check["difference"]:+.2%}; p95 {check["measured_p95_s"]:.1f} s and
{check["simulated_p95_s"]:.1f} s). Target: within 5 %.
{verdict(abs(check["difference"]) <= 0.05, f"{check['difference']:+.2%}.")}

Target: at 20 calls a minute, p95 wait under 60 s with none expired.
{verdict(met20, _at20(at20, lone20))} A zone can read out at most about
{60 / figures["airtime_s"]["1"]:.1f} calls a minute one per chime and
{60 / figures["airtime_s"]["4"]:.1f} combined 4 at a time (the renderer's airtime above): the
chime is shared, but each call's own sentence (mean {_sentence(figures):.2f} s with these
tickets at the PA pace of about 4 syllables a second, "A seratus dua belas, loket tujuh
belas") and its pause are not, so 20 calls a minute (3 s each) is beyond one zone's airtime
whatever the combining. Combining moves a zone's limit from about 6 to about 13 calls a
minute: at 12 a minute every call is heard (p95 {_p95(figures, "4", "12")}) where one call per
chime lets a quarter expire. Beyond that, a zone with screens can say less: see compact zones
below, which meet this target.
"""


def _sentence(figures: dict[str, Any]) -> float:
    values = figures["lengths"]["combined_s"]
    return float(sum(values) / len(values))


def _p95(figures: dict[str, Any], combine_max: str, rate: str) -> str:
    run = figures["load"].get(combine_max, {}).get(rate)
    return f"{run['wait_p95_s']:.0f} s" if run else "not measured"


def _at20(combined: dict[str, Any] | None, alone: dict[str, Any] | None) -> str:
    if not combined or not alone:
        return "not measured."
    return (
        f"p95 {combined['wait_p95_s']:.0f} s with {combined['expired']} of "
        f"{combined['calls']} expired, where one call per chime has p95 "
        f"{alone['wait_p95_s']:.0f} s with {alone['expired']} expired."
    )
