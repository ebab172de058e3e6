"""The BENCHMARKS.md section on several racks (from `bench.report`'s figures)."""

from __future__ import annotations

from typing import Any

from bench.text_combined import verdict

TARGET_SKEW_P99_MS = 5.0


def _row(name: str, figures: dict[str, float]) -> str:
    return f"| {name} | {figures['p50']:.2f} | {figures['p99']:.2f} | {figures['max']:.2f} |"


def site_section(figures: dict[str, Any] | None) -> str:
    if not figures:
        return ""  # a run saved before these were measured
    sync, load = figures["sync"], figures["load"]
    date = f" (measured {figures['date']})" if figures.get("date") else ""
    skew = sync["skew_ms"]
    met = verdict(
        skew["p99"] <= TARGET_SKEW_P99_MS,
        f"over {sync['calls']} calls the two racks' first samples were {skew['p50']:.2f} ms "
        f"apart at the median, {skew['p99']:.2f} ms at p99 and {skew['max']:.2f} ms at worst "
        f"(target: p99 ≤ {TARGET_SKEW_P99_MS:g} ms), with no `sync` keys set.",
    )
    cpu = ", ".join(f"{v:.1f}" for v in load["cpu_per_node_percent"].values())
    probe = load["probe_first_sound_ms"]
    probe_ms = f"{probe['p50']:.0f} / {probe['p99']:.0f} / {probe['max']:.0f}"
    messages = f"{load['broker_messages_per_s']:.0f} a second"
    takeover = figures.get("takeover")
    takeover_text = ""
    if takeover:
        takeover_text = (
            "\n### Standby takeover\n\n"
            f"`kill -9` of the active node while a call plays, {takeover['runs']} times: the "
            f"standby held the lock after {takeover['lock_s']['p50']:.2f} s (median; "
            f"{takeover['lock_s']['max']:.2f} s at worst) and its first sample of the replayed "
            f"call came {takeover['sound_s']['p50']:.2f} s after the kill (worst "
            f"{takeover['sound_s']['max']:.2f} s; target: within 5 s).\n"
        )
    return f"""
## Several racks, one site{date}

`python -m bench.report --add site` (bench/site.py). Each rack is a `pager run --node` with
its own virtual card on one Mosquitto on this machine; a card's clock is its reader's steady
pace (frame N leaves the card N / 48000 s after its first read), so the skew is measured on
the cards, not taken from what pager believes.

### Synchronized start

Two racks, a call for a zone on each, {sync["calls"]} times (each cancelled once both had
started). Skew: how far apart the two cards played the chime's first sample.

| | p50 | p99 | max |
|---|---|---|---|
{_row("skew between the racks (ms)", skew)}
{_row("card output after the agreed time (ms)", sync["after_agreed_ms"])}
{_row("late by pager's own DAC clock (ms)", sync["late_reported_ms"])}

{met}
{_unsynchronized(sync)}The agreed time is the first rack's arrival of the call plus `sync.delay_ms`
({sync["delay_ms"]} ms). The constant ~{sync["after_agreed_ms"]["p50"]:.0f} ms after it is
this virtual card's own buffering (the ALSA file plugin and its FIFO), which PortAudio
cannot see here (its `outputBufferDacTime` is the callback's time on this null device); it
is the same on both cards, so it cancels out of the skew. On a real interface PortAudio's
time includes the hardware's buffer. Two racks on two PCs add their clocks' disagreement
(`chronyc tracking`: "System time" offset; NTP on a LAN keeps it well under 1 ms, PTP
under 0.1 ms).

### A site at scale

{load["nodes"]} racks of 4 zones, {load["counters"]} counters each heard on one to three
racks, calls at {load["calls_per_s"]:.1f} a second in all for {load["seconds"]:.0f} s (a mall
rush is about 0.1 a second), on one broker and this {""}2-core machine (all daemons and cards
on it at once):

| measure | value |
|---|---|
| calls published | {load["calls_sent"]} ({load["calls_per_s"]:.2f} a second) |
| messages through the broker (calls, events, status, sync) | {messages} |
| CPU per node (% of one core) | {cpu} (mean {load["cpu_mean_percent"]:.1f}) |
| first sound of a call for two racks' quiet zones, p50 / p99 / max (ms) | {probe_ms} |
| xruns on all cards | {load["xruns"]} |

The probe calls include the agreed start ({sync["delay_ms"]} ms after the first rack's
arrival): the rest is the broker, the racks' control threads and the output buffer.
{takeover_text}"""


def _unsynchronized(sync: dict[str, Any]) -> str:
    count = sync.get("unsynchronized", 0)
    if not count:
        return ""
    return (
        f"{count} of the calls started on a rack after the agreed time (its zone was still "
        "busy with the call before: then it starts when the zone is free); their skew is "
        "in the figures above. "
    )
