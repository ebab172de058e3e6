"""The BENCHMARKS.md section on pyttsx3's silent renders (bench/engine.py's figures)."""

from __future__ import annotations

from typing import Any

from bench.text_combined import verdict

_WAYS = {
    "as-shipped": "pyttsx3's own `stop()` at the end of each render (as pyttsx3 ships)",
    "stop-off": "that `stop()` turned off (as pager runs it)",
}


def engine_section(figures: dict[str, Any] | None) -> str:
    """bench/engine.py: silent renders and render times, with pyttsx3's cancel and without."""
    if not figures:
        return ""
    measured = f" (measured {figures['date']})" if figures.get("date") else ""
    rows = "\n".join(
        f"| {_WAYS[run['way']]} | {run['silent']} of {run['renders']} | {run['median_ms']:.1f} "
        f"| {run['p99_ms']:.1f} |"
        for run in figures["runs"]
    )
    silent_off = sum(run["silent"] for run in figures["runs"] if run["way"] == "stop-off")
    return f"""
## pyttsx3's silent renders{measured}

Phrases of the example config's calls rendered back to back through pager's pyttsx3 engine
(`bench/engine.py`, `python -m bench.report --add engine`), each way in a process of its
own, the two ways in turn, twice.

| way | rendered as silence | render, median (ms) | p99 (ms) |
|---|---|---|---|
{rows}

pyttsx3 2.99 ends each render with its driver's `stop()`; when libespeak-ng's thread is still
busy then, that cancels espeak-ng and leaves a flag that cancels the next phrase as soon as
it is queued: espeak-ng drops the text and reports it finished, and pyttsx3 writes an empty
file. pager turns that `stop()` off (`pager.speech.engines.keep_from_cancelling`); each
silent phrase used to fall back to the `espeak-ng` command, which says it, so no call was
lost, but its time was; and the cancel waits for espeak-ng's thread, which is the p99's
difference. Target: no silent render with the stop turned off.
{verdict(silent_off == 0, f"{silent_off} silent.")}
"""
