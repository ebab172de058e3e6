"""The BENCHMARKS.md section on the operators' tools (from `bench.report`'s figures)."""

from __future__ import annotations

from typing import Any

from bench.text_combined import verdict


def operators_section(figures: dict[str, Any] | None) -> str:
    if not figures:
        return ""  # a run saved before these were measured
    log, page = figures["call_log"], figures["status_page"]
    status, lead = figures["status_command"], figures["lead_in"]
    date = f" (measured {figures['date']})" if figures.get("date") else ""
    below = lead["chime_lufs"] - lead["pilot_lufs"]
    log_rows = _rows([
        ("`record()` on the control thread, p50 / p99 (µs)",
         f"{log['record_us_p50']:.1f} / {log['record_us_p99']:.1f}"),
        ("the writer thread, events a second", f"{log['write_events_per_s']:,.0f}"),
        ("`pager history --ticket A001` over today, wall (s)", f"{log['history_today_s']:.2f}"),
        (f"`pager history --since {log['days']}d --ticket A001`, wall (s)",
         f"{log['history_all_s']:.2f}"),
        (f"today's {log['records_today']} calls summed up in the process (s)",
         f"{log['records_today_s']:.3f}"),
    ])  # fmt: skip
    page_rows = _rows([
        ("`offer_event()` on the control thread, p50 / p99 (µs)",
         f"{page['offer_us_p50']:.1f} / {page['offer_us_p99']:.1f}"),
        ("offer → in a reading browser's stream, p50 / p99 (ms)",
         f"{page['latency_ms_p50']:.1f} / {page['latency_ms_p99']:.1f}"),
        ("events each reading browser got", f"{page['delivered']} of {page['events']}"),
    ])  # fmt: skip
    log_verdict = verdict(
        log["record_us_p99"] < 50,
        f"a call's event costs it {log['record_us_p99']:.1f} µs at p99 (an enqueue); the "
        f"writer keeps up with {log['write_events_per_s']:,.0f} events a second, hundreds of "
        "times a rush's rate.",
    )
    audio = figures.get("audio_with_browsers")
    audio_text, audio_ok = _audio_with_browsers(audio) if audio else ("", True)
    page_verdict = verdict(
        page["delivered"] == page["events"] and audio_ok,
        f"the control thread hands an event over in {page['offer_us_p50']:.0f} µs "
        f"(p99 {page['offer_us_p99']:.0f} µs, when the web thread holds Python's lock), "
        "whatever the browsers do; the reading browsers get every event, and the one that "
        "never reads holds none of them back; on the card the first sample and the speech "
        "come as soon with browsers watching as without, with no xrun.",
    )
    lead_verdict = verdict(
        below >= 12 and lead["quietest_10ms_dbfs"] > -90,
        f"{below:.1f} dB under the chime, and no 10 ms of it under "
        f"{lead['quietest_10ms_dbfs']:.0f} dBFS.",
    )
    per_day = log["events"] // max(1, log["days"])
    return f"""
## Operators' tools: call log, status page, status command, lead-in{date}

`bench/operators.py`.

**Call log** (`history.db`): {log["days"]} days of {per_day:,} events a day (900 calls, each
queued, started and finished), {log["events"]:,} events in all, {log["file_mb"]:.1f} MB on disk.

| | |
|---|---|
{log_rows}

Target: the control thread never waits for the disk.
{log_verdict}
The wall times include starting Python and the config check (about 0.5 s of each).

**Status page**: {page["events"]} events offered at 100 a second to {page["clients"]}
browsers' streams (server-sent events, each browser a process of its own) while one more
browser never reads.

| | |
|---|---|
{page_rows}
{audio_text}
Target: the page never delays the audio path.
{page_verdict}

**`pager status`** against a broker holding {status["nodes"]} nodes' retained statuses:
{status["wall_s"]:.2f} s wall, of which 0.3 s is the wait for the retained statuses to stop
arriving.

**Amplifier lead-in** (`audio.lead_in_ms: 800`): {lead["ms"]:.0f} ms of pink noise at
{lead["pilot_lufs"]:.1f} LUFS, {below:.1f} dB under the chime ({lead["chime_lufs"]:.1f} LUFS),
peak {lead["peak_dbfs"]:.1f} dBFS; its quietest 10 ms between the fades are at
{lead["quietest_10ms_dbfs"]:.1f} dBFS RMS (never digital silence). It costs
{lead["ms"] / 1000:.1f} s of airtime
only on the first announcement after `lead_in_idle_s` of silence in a zone.
{lead_verdict}
"""


def _audio_with_browsers(audio: dict[str, Any]) -> tuple[str, bool]:
    """The daemon on the card without the page, and with browsers watching it."""
    off, on = audio["without"], audio["with"]
    rows = _rows([
        ("publish → first sample of the chime, p50 / p99 (ms)",
         f"{off['first_sample_ms']['p50']:.1f} / {off['first_sample_ms']['p99']:.1f}",
         f"{on['first_sample_ms']['p50']:.1f} / {on['first_sample_ms']['p99']:.1f}"),
        ("speech later than the chime's end (calls)", f"{off['speech_late_after_chime']}",
         f"{on['speech_late_after_chime']}"),
        ("xruns", f"{off['xruns']}", f"{on['xruns']}"),
        ("events each reading browser got", "", ", ".join(map(str, on["events_each"]))),
        ("event → reading browser, p50 / p99 (ms)", "",
         f"{on['event_to_browser_ms']['p50']:.1f} / {on['event_to_browser_ms']['p99']:.1f}"),
    ])  # fmt: skip
    calls = off["first_sample_ms"]["n"]
    slower = on["first_sample_ms"]["p99"] - off["first_sample_ms"]["p99"]
    ok = on["xruns"] == 0 and on["speech_late_after_chime"] == 0 and slower < 10.7
    return (
        f"""
The real daemon on the paced virtual card, {calls} calls started (and cancelled after their
first word) one after the other: without the page, then with it and {on["browsers"]} browsers
reading its stream and one that never reads.

| | without the page | with {on["browsers"]} browsers |
|---|---|---|
{rows}
""",
        ok,
    )


def _rows(rows: list[tuple[str, ...]]) -> str:
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)
