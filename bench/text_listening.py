"""The BENCHMARKS.md section on listening back (bench/listening.py's figures)."""

from __future__ import annotations

import statistics
from typing import Any


def _track(step: dict[str, Any]) -> str:
    """A noise step's gain, second by second, as `t s: gain`."""
    points = [f"{t:g} s: {gain:+.1f}" for t, gain, _ in step["track"]]
    return ", ".join(points) if points else "no change reported"


def _step(step: dict[str, Any]) -> str:
    level = f" ({step['track'][-1][2]} dB(A))" if step["track"] else ""
    if not step["step_db"]:
        return f"back to the start{level}"
    return f"{step['step_db']:+g} dB over the start{level}"


def _start(gain: dict[str, Any]) -> str:
    """The noise before the steps (the last step goes back to it)."""
    back = gain["steps"][-1]["track"] if gain["steps"] else []
    return f"{back[-1][2]:g} dB(A)" if back else "a quiet level"


def _wanted(step: dict[str, Any], voice: float | None) -> str:
    """The gain the formula asks for at the step's noise: it plays at -4 dB and the
    microphone hears it 10 dB down (bench/listening.py), speech 12 dB over the noise."""
    if voice is None or not step["track"]:
        return "?"
    wanted = step["track"][-1][2] + 12 - (voice - 4 - 10)
    return f"{min(9.0, max(0.0, wanted)):+.1f}" + (" (limit)" if wanted > 9 else "")


def _times(values: list[float]) -> str:
    if not values:
        return "-"
    return f"{min(values):.1f} / {statistics.median(values):.1f} / {max(values):.1f}"


def listening_section(figures: dict[str, Any] | None) -> str:
    """bench/listening.py: the inputs' cost, the noise gain's response, line faults."""
    if not figures:
        return ""
    measured = f" (measured {figures['date']})" if figures.get("date") else ""
    gain, faults = figures["gain"], figures["faults"]
    steps = "\n".join(
        f"| {_step(step)} | {_wanted(step, gain['voice_db_a'])} | {_track(step)} |"
        for step in gain["steps"]
    )
    after = faults["fault_after_s"]
    rows = "\n".join(
        f"| {mode} | {_times(faults[mode]['fault_s'])} | {_times(faults[mode]['restored_s'])} |"
        for mode in ("pilot", "programme")
    )
    loudness = ""
    if "pilot_full_lu" in figures:
        loudness = (
            f"The pilot (20 kHz, -30 dBFS) adds {figures['pilot_full_lu']:+.2f} LU to a call "
            f"rendered at {figures['call_lufs']:.0f} LUFS when it plays at its full level, "
            f"and {figures['pilot_ducked_lu']:+.3f} LU as pager plays it, 10 dB down under "
            "the call (`tests/test_listening_e2e.py` checks it on the card: under 0.1 LU)."
        )
    return f"""
## Listening back: noise sensing and line supervision{measured}

`bench/listening.py`, on the real daemon on the virtual card with inputs
(`tests/duplex_card.py`), the food court's speakers looped into its microphone 10 dB down
and its line's end into a sense input.

**What the inputs cost.** The daemon idle, on the same card:
{figures["cpu_no_inputs_percent"]:.2f} % of a core with no input stream (`audio.inputs: 0`),
{figures["cpu_8_inputs_percent"]:.2f} % with 8 inputs open, a noise sensor and a
pilot-supervised line among them (the pilot makes the output mix every block instead of
sending prepared silence). The inputs' worker hears 8
inputs four 512-frame blocks (43 ms) at a time, in {figures["hearing_chunk_us"]:.0f} µs a
chunk (median; p99 {figures["hearing_chunk_p99_us"]:.0f} µs); the input callback only copies.
{loudness}

**The noise gain's response** (`target_snr_db` 12, limits 0..9 dB, slew 1 dB/s): the voice
leaves the card at {gain["voice_db_a"]} dB(A) at 0 dB zone gain; the food court plays at -4 dB,
its microphone hears it 10 dB down. White noise at the microphone steps from {_start(gain)},
where no gain is needed, by:

| noise | wanted gain | the food court's gain as the status reported it (s after the step: dB) |
|---|---|---|
{steps}

A step up is followed at the slew, 1 dB each second, to the wanted gain (it settles within
0.5 dB of it rather than follow every wobble of the noise) or the 9 dB limit; back down
likewise. The gain is measured only between announcements and `hold_s` after them,
so a call heard at the microphone (louder than the noise) raises nothing
(`tests/test_listening_e2e.py`).

**Line faults** (`supervision.fault_after_s` {after:g} s), the line cut and mended three times
in each mode; seconds, min / median / max. Pilot: from the cut to `line-fault`, and from the
mend to `line-restored`. Programme: from the end of the second call not heard back to
`line-fault`, and from the end of the first call heard again to `line-restored` (what came back
is compared once every delay up to 500 ms has been heard):

| mode | `line-fault` after | `line-restored` after |
|---|---|---|
{rows}

EN 54-16 asks a fault to be reported within 100 s; the pilot's `fault_after_s` is 60 s by
default, and a fault is reported at most about a second after it.
"""
