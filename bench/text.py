"""BENCHMARKS.md written from the figures `bench.report` measures (or saved as JSON)."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

from bench.costs import spread
from bench.latency import RATE
from bench.text_api import api_section, counters_section
from bench.text_combined import combined_section, verdict
from bench.text_day import day_section
from bench.text_engine import engine_section
from bench.text_listening import listening_section
from bench.text_operators import operators_section
from bench.text_screens import compact_section, display_section
from bench.text_site import site_section
from bench.text_year import plot_year, unattended_section, year_section


def fmt(values: list[float]) -> str:
    s = spread(values)
    return f"{s['min']:.1f} / {s['median']:.1f} / {s['max']:.1f}"


def latency_section(runs: list[dict[str, Any]], block: int, small_block: int) -> str:
    block_ms = block / RATE * 1000
    small_ms = small_block / RATE * 1000
    small = [r["small_block"]["first_sample_ms"] for r in runs]
    small_p99 = statistics.median(s["p99"] for s in small)
    small_floor = small_ms + statistics.median(r["small_block"]["device_latency_ms"] for r in runs)
    device_ms = statistics.median(r["pager"]["device_latency_ms"] for r in runs)
    floor_ms = block_ms + device_ms
    rows = []
    for label, key in (("chime", "first_sample_ms"), ("speech", "first_speech_ms")):
        for stat in ("p50", "p95", "p99"):
            pager = [r["pager"][key][stat] for r in runs]
            base = [r["baseline"][key][stat] for r in runs]
            ratio = [p / b for p, b in zip(pager, base, strict=True)]
            rows.append(f"| publish → first sample of {label}, {stat} (ms) | {fmt(pager)} | "
                        f"{fmt(base)} | {fmt(ratio)} |")  # fmt: skip
    p99 = statistics.median(r["pager"]["first_sample_ms"]["p99"] for r in runs)
    late = sum(r["pager"]["speech_late_after_chime"] for r in runs)
    chime_s = runs[0]["pager"].get("chime_s", 1.94)  # runs saved before it was recorded
    worst_gap = max(r["pager"]["speech_gap_ms"]["max"] for r in runs)
    calls = runs[0]["pager"]["first_sample_ms"]["n"]
    base_calls = runs[0]["baseline"]["first_sample_ms"]["n"]
    total = calls * len(runs)
    return f"""## Latency: publish → first sample at the sound card

Each run: pager {calls} calls, the alternative {base_calls}, one at a time.

| figure | pager | alternative | pager / alternative |
|---|---|---|---|
{chr(10).join(rows)}
| silence between chime and speech, max over runs (ms) | {worst_gap:.1f} | (no chime) | |
| with `audio.blocksize: {small_block}`: first sample of chime, p50 (ms) | \
{fmt([s["p50"] for s in small])} | | |
| with `audio.blocksize: {small_block}`: first sample of chime, p99 (ms) | \
{fmt([s["p99"] for s in small])} | | |

**First sample of the chime.** Floor for pager: one audio block ({block_ms:.1f} ms) plus the
device buffer PortAudio reported ({device_ms:.1f} ms, `audio.latency: low`) =
{floor_ms:.1f} ms; target p99 < floor + 30 ms = {floor_ms + 30:.1f} ms.
{verdict(p99 < floor_ms + 30, f"pager's p99 (median over runs) is {p99:.1f} ms.")}

**First sample of speech.** Target: speech starts exactly when the chime (and the pause
after it) ends.
{
        verdict(
            late == 0,
            f"in {late} of {total} calls was there any silence between the chime's "
            "last sample and the speech's first, found in what the card played.",
        )
    }
pager's speech comes after its {chime_s:.2f} s chime by design; synthesis happens while the chime
plays.

The alternative has no chime, so its first sample is its speech. It reaches the card sooner
because it opens the device per call and writes into an empty buffer, while pager keeps one
stream open for all zones with a device buffer in front of it; in exchange the alternative
plays one call at a time, in one zone, with no chime, levels or queueing (see rush hour).

**Block size.** The default `audio.blocksize` is {block} frames ({block_ms:.1f} ms).
With {small_block} frames ({small[0]["n"]} calls a run) the floor is \
{small_floor:.1f} ms and the chime's p99 {small_p99:.1f} ms: \
{p99 - small_p99:.1f} ms sooner. {block} frames wake PortAudio's thread half as often and give
a late callback twice the time before the card runs dry. A few milliseconds before a
two-second chime are inaudible; an underrun clicks in every zone. What the wake-ups cost
depends on the machine: the idle rows under "CPU and memory" show both sizes.
"""


def rush_section(rush: list[dict[str, Any]]) -> str:
    def row(label: str, key: str) -> str:
        pager = [r["pager"][key] for r in rush]
        base = [r["baseline"][key] for r in rush]
        return f"| {label} | {fmt(pager)} | {fmt(base)} |"

    ratio = [r["pager"]["elapsed_s"] / r["baseline"]["elapsed_s"] for r in rush]
    pager_ratio = statistics.median(r["pager"]["ratio_to_bound"] for r in rush)
    lost = sum(r["pager"]["lost"] for r in rush)
    twice = sum(r["pager"]["played_twice"] for r in rush)
    late = sum(r["pager"]["speech_late"] for r in rush)
    others = sorted({e for r in rush for e in r["pager"]["other_events"]})
    calls, counters = rush[0]["pager"]["calls"], rush[0]["pager"]["counters"]
    met = pager_ratio <= 1.05 and lost == 0 and twice == 0
    return f"""## Rush hour: {calls} calls within one second

{counters} counters publish {calls // counters} calls each, evenly within one second; each
counter's calls go to one of 8 zones. pager runs with `scheduling.supersede: false`, so every call
must play (and `max_age_s` is raised: a zone's last call waits about 3.5 minutes). Time is
from the first publish to the last non-silent frame the card played; the lower bound is the
busiest zone's total audio (pager: chime and speech of its calls; the alternative: all its
sentences, one after another).

| figure | pager | alternative |
|---|---|---|
{row("time until the last call has finished (s)", "elapsed_s")}
{row("lower bound (s)", "lower_bound_s")}
{row("time / lower bound", "ratio_to_bound")}
| calls lost, all runs | {lost} | {sum(r["baseline"]["lost"] for r in rush)} |
| calls played twice, all runs | {twice} | {sum(r["baseline"]["played_twice"] for r in rush)} |

pager / alternative, time until the last call has finished: {fmt(ratio)}.

Target: within 5 % of the lower bound, no call lost or played twice.
{
        verdict(
            met,
            f"pager finished at {pager_ratio:.3f} x its lower bound (median over runs); "
            f"{lost} lost and {twice} played twice in {calls * len(rush)} calls.",
        )
    }
Speech came late after its chime in {late} of them. Other events: {", ".join(others) or "none"}.
"""


def resource_section(resources: list[dict[str, Any]], block: int, small_block: int) -> str:
    def row(label: str, key: str) -> str:
        return f"| {label} | {fmt([r[key] for r in resources])} |"

    calls = resources[0]["calls"]
    half = statistics.median(r["rss_half_mb"] for r in resources)
    growth = statistics.median(r["rss_end_mb"] - r["rss_half_mb"] for r in resources)
    memory = verdict(
        growth <= 0.05 * half,
        f"{growth:+.1f} MB over the second {calls // 2} calls (median over runs), after a "
        "warm-up in which the speech cache fills (at most 32 MB) and the allocator settles.",
    )
    idle = statistics.median(r["cpu_idle_percent"] for r in resources)
    own = statistics.median(r["cpu_idle_percent"] - r["cpu_empty_callback_percent"]
                            for r in resources)  # fmt: skip
    small = statistics.median(r["cpu_idle_percent_small_block"] for r in resources)
    explanation = (
        f" pager's own share, above a sounddevice stream whose callback does nothing, is "
        f"{own:.1f} % (median). Profiled (py-spy, and per thread from /proc): idle, the cost "
        "is the audio thread, that is PortAudio calling Python "
        f"{RATE / block:.1f} times a second; aplay, in C, shows the card's own part. So the "
        "idle callback copies prepared silence without running the mixer, on a raw stream "
        "(sounddevice's numpy wrapping alone cost about 1 % of a core), and the default "
        f"block is {block} frames: with {small_block} ({RATE / small_block:.1f} callbacks a "
        f"second) the idle daemon costs {small:.1f} % (row above)"
        f"{', over the target' if small >= 2 else ''}."
    )  # fmt: skip
    return f"""## CPU and memory of the daemon process

CPU is the process's scheduler time (all threads, /proc/PID/task/*/schedstat) over a window
of the card's own clock.

| figure | min / median / max |
|---|---|
{row("CPU idle, stream open (% of one core)", "cpu_idle_percent")}
{
        row(
            f"CPU idle with `audio.blocksize: {small_block}` (% of one core)",
            "cpu_idle_percent_small_block",
        )
    }
{
        row(
            "same card, sounddevice stream with an empty callback (% of one core)",
            "cpu_empty_callback_percent",
        )
    }
{row("same card, aplay playing silence (% of one core)", "cpu_aplay_percent")}
{row("CPU while 8 zones play speech (% of one core)", "cpu_8_zones_percent")}
{row("resident memory after start, on the sound card (MB)", "rss_after_start_mb")}
{row("resident memory after start, null output (MB)", "rss_start_mb")}
{row(f"resident memory after {calls // 2} calls, null output (MB)", "rss_half_mb")}
{row(f"resident memory after {calls} calls, null output (MB)", "rss_end_mb")}

Target: idle under 2 % of one core. {verdict(idle < 2, f"{idle:.1f} %.")}{explanation}

Target: memory does not grow. {memory} The soak test checks the same in CI.
"""


VOICE_HEAD = (
    "| target (LUFS) | speech, median (LUFS) | speech, furthest from target (LUFS) "
    "| true peak, max (dBTP) | chime (LUFS) |\n|---|---|---|---|---|"
)


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def _engines(engines: str | list[str]) -> str:
    return engines if isinstance(engines, str) else ", ".join(engines)


def voice_section(figures: dict[str, Any] | None, date: str) -> str:
    """bench/voice.py's figures; `date`: the run's (ISO), which tells which engine they saw."""
    if not figures:
        return ""  # a run saved before these figures were measured
    rows = "\n".join(
        f"| {f['target_lufs']:g} | {f['speech_lufs_median']:.2f} | {f['speech_lufs_worst']:.2f} | "
        f"{f['true_peak_dbtp_max']:.2f} | {f['chime_lufs']:.2f} |"
        for f in figures["levels"]
    )
    met = all(
        abs(f["speech_lufs_worst"] - f["target_lufs"]) <= 1 and f["true_peak_dbtp_max"] <= -1
        and f["chime_lufs"] <= f["speech_lufs_median"]
        for f in figures["levels"]
    )  # fmt: skip
    pace = figures["pace"]
    renders = "\n".join(
        f"| `{r['voice']}` | {_engines(r['engines'])} | {_ms(r['median_ms'])} | "
        f"{_ms(r['max_ms'])} | {r.get('failed', 0)} of {figures['sentences']} |"
        for r in figures["render"]
    )
    syllables = pace["syllables_per_second"]
    return f"""
## The voice: loudness, peaks, pauses, pace

{figures["sentences"]} calls of the example config, rendered as the daemon renders them
(`bench/voice.py`): phrases, pauses, the voice EQ, compression and the true-peak limiter.

{VOICE_HEAD}
{rows}

Target: within 1 LU of the target, true peak at or under -1 dBTP, the chime never louder than
the speech. {verdict(met, "at every target.")}

Pace: {syllables:.2f} syllables a second while speaking, at the default rate (125); target
about 4. {verdict(abs(syllables - 4) <= 0.4, f"{syllables:.2f}.")} The chime lasts
{pace["chime_s"]:.2f} s and rings out by itself; then {pace["pause_after_chime_s"]:.2f} s of
silence; the pauses inside the first call, as rendered: {
        ", ".join(f"{p:.2f}" for p in pace["pauses_s"])
    } s (the configured 0.30 and 0.15, plus the 10 ms kept at each trim).

| voice | engines, first used first | render a call, median (ms) | max (ms) | failed |
|---|---|---|---|---|
{renders}

Every render is far below the chime and its pause, during which speech is rendered. "Failed"
counts calls an engine could not say: with one engine alone nothing stands in for it, while
the daemon's chain falls back to the next engine, so its rows show none. pyttsx3's failures
were phrases it rendered as silence, a fault of its driver that pager turns off since
2026-12-06 (section "pyttsx3's silent renders"){
        "; these figures were measured before" if date < "2026-12-06" else ""
    }.
"""


def controller_section(controller: list[float] | None) -> str:
    if not controller:
        return ""  # a run saved before this figure was measured
    return f"""
## Deciding: the controller's work for one call

Every decision is made by one pure controller (`pager/core/controller.py`), fed one input at
a time by the control thread. Median time of one call's whole life in its decisions (the
message, its journal write done, its first sample, its last), with no I/O; over 8 counters
and the example config's zones.

| figure | min / median / max |
|---|---|
| controller, per call (µs) | {fmt(controller)} |

Target: under 1 ms a call, so that a rush of calls never waits on decisions.
{verdict(statistics.median(controller) < 1000, f"{statistics.median(controller):.0f} µs.")}
"""


def floods_section(figures: dict[str, Any] | None) -> str:
    if not figures:
        return ""  # a run saved before this figure was measured
    after = ", ".join(f"{mb:.1f}" for mb in figures["rss_mb"])
    growth = figures["growth_after_first_mb"]
    return f"""
## Floods: memory after each of {figures["floods"]} floods of {figures["calls"]:,} calls

`bench/floods.py`: {figures["calls"]:,} calls from 40 counters arrive at once ({figures["floods"]}
times), on a null output that plays faster than real time, so what is measured is everything
but the card. Resident memory when each flood has drained (MB), after
{figures["rss_start_mb"]:.1f} MB at start: {after}.

Target: within 20 MB of its level after the first flood.
{verdict(growth <= 20, f"{growth:+.1f} MB at most after the first.")} The daemon ran with
faulthandler on: {"it crashed" if figures["crashed"] else "no crash, no fatal error"}.
{FLOOD_MEMORY}"""


FLOOD_MEMORY = """
The cause of the old slope (issue 24, found 2026-12-05), about 3 MB per 1,000 calls in every
earlier run of this section: speech rendered ahead that waited for good. Each call, once next in
line on its zones, queued its sentence to be rendered ahead, behind all speech needed now; in a
long rush speech needed now always came first, the call played with its sentence rendered when
it started, and the job ahead stayed queued (its future, lock, condition and sentence) as long
as the rush lasted, to be rendered afterwards for calls long played. Counted inside a running
daemon (gdb calling into Python's `gc`) after 7,200 calls: 8,725 such jobs. `bench/memory.py`
(the floods under tracemalloc) had pointed at their allocation site, the speech worker's
`submit`, among a growth that looked bounded; glibc's heap statistics (`mallinfo2`) showed the
rest as free bytes in the arenas. Handing free heap pages back (`malloc_trim`, now once nothing
has played for 5 s) could not return memory still in use. Since the fix at most 24 sentences wait
to be rendered ahead (the speech cache keeps about 35); more are rendered when their call
starts. The floods above and the months below were measured with this bound. (A first form
of the fix, jobs keyed by their sentence and promoted when needed, was withdrawn after it lost
a job in a flood.)
"""


def write(path: Path, results: dict[str, Any]) -> None:
    """BENCHMARKS.md from the results of `measure`."""
    runs, rush, mixer = results["runs"], results["rush"], results["mixer"]
    renders, resources = results["renders"], results["resources"]
    block, small_block = results["blocksize"], results["small_blocksize"]
    block_ms = block / RATE * 1000
    chime_s = runs[0]["pager"].get("chime_s", 1.94)  # chime and pause; older runs lack it
    floods = floods_section(results.get("floods"))
    combined = combined_section(results.get("combined"))
    combined += operators_section(results.get("operators"))
    combined += site_section(results.get("site"))
    combined += day_section(results.get("day"))
    combined += display_section(results.get("display"))
    combined += compact_section(results.get("compact"))
    combined += api_section(results.get("api"))
    combined += counters_section(results.get("counters"))
    if results.get("year"):
        year_plot = path.with_name(path.stem + "-year.png")
        plot_year(results["year"], year_plot)
        combined += year_section(results["year"], year_plot.name)
    combined += unattended_section(results.get("unattended"))
    combined += listening_section(results.get("listening"))
    combined += engine_section(results.get("engine"))
    voice = voice_section(results.get("voice"), results["date"])
    render_rows = "\n".join(
        f"| render, cache {kind} (ms) | {fmt([statistics.median(r[key]) for r in renders])} | "
        f"{fmt([sorted(r[key])[int(0.99 * len(r[key]))] for r in renders])} |"
        for kind, key in (("miss", "cache_miss"), ("hit", "cache_hit"))
    )
    mix64 = statistics.median(100 * us / (block_ms * 1000) for us in mixer["64"])
    mixer_rows = [
        f"| {channels} | {fmt([100 * us / (block_ms * 1000) for us in values])} |"
        for channels, values in mixer.items()
    ]
    text = f"""# Benchmarks

{"**Smoke run: too few samples to mean anything.**" + chr(10) if results["smoke"] else ""}
Machine: {results["machine"]}; {results["date"]}. Written by `make bench`
(`bench/report.py`; the raw figures are in `{path.with_suffix(".json").name}`). Every figure is
min / median / max over {len(runs)} run{"s" if len(runs) > 1 else ""}; pager and the
home-made alternative are measured in turn in each run, on the same kind of paced virtual
sound card (an ALSA file PCM into a FIFO read at 48 kHz, 8 channels).

The alternative is what a mall's IT staff would write: `mosquitto_sub -t 'pager/call/+'`
piped into a loop of `espeak-ng -v id --stdout "Nomor antrean $m" | aplay`.

{latency_section(runs, block, small_block)}
{rush_section(rush)}
## Mixer cost per audio block (every channel busy, two channels per announcement)

Median time of one {block}-frame block (the default), as a share of the block's {block_ms:.1f} ms.

| output channels | % of the block's duration |
|---|---|
{chr(10).join(mixer_rows)}

Target: under 2 % at 64 channels. {verdict(mix64 < 2, f"{mix64:.1f} % at 64 channels.")}
Each block stacks every player's next samples and mixes them with one matrix product by the
zone gains; the rest is a few Python steps per player (profiled with cProfile).

## Rendering one call's speech

pyttsx3 / espeak-ng, resampled to 48 kHz and loudness-normalized, in the daemon's speech
worker; {len(renders[0]["cache_miss"])} different sentences (miss), then one repeated (hit).

| figure | median of each run: min / median / max | p99 of each run: min / median / max |
|---|---|---|
{render_rows}

Both are far below the chime and the pause after it ({chime_s:.2f} s), during which speech
is rendered.
{controller_section(results.get("controller"))}{voice}
{resource_section(resources, block, small_block)}{floods}{combined}"""
    path.write_text(text)
