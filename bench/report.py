"""Run the benchmarks and write BENCHMARKS.md.

    make bench            # the full run (about 80 minutes, plus 30 for the floods)
    make bench-smoke      # a tiny run that only proves the suite works
    python -m bench.report --from-json BENCHMARKS.json   # rewrite the text, measure nothing
    python -m bench.report --add combined   # measure one section again, into BENCHMARKS.json
    python -m bench.report --add operators  # the operators' tools (call log, status page)
    python -m bench.report --add site       # several racks: synchronized start, a site's load
    python -m bench.report --add day        # the MPP's day: names, library, schedule, text
    python -m bench.report --add display    # the public screens: a call on the screen
    python -m bench.report --add compact    # compact zones at a rush
    python -m bench.report --add api        # the HTTP API's cost
    python -m bench.report --add counters   # pager counter add, the caller page's numbers
    python -m bench.report --add unattended # failing disk, stepped clock, log flood, power cuts
    python -m bench.report --add listening  # inputs: their cost, the noise gain, line faults

Each latency figure is given as min / median / max over the repeated runs.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import (
    api,
    combined,
    combined_card,
    compact,
    compact_card,
    counters,
    day,
    display,
    engine,
    floods,
    listening,
    operators,
    site,
    unattended,
    voice,
)
from bench.costs import (
    BLOCK,
    SMALL_BLOCK,
    controller_call_us,
    mixer_block_us,
    render_ms,
)
from bench.latency import baseline_latency, pager_latency
from bench.resources import cpu_and_memory, floor_cpu, memory_after_calls
from bench.rush import rush_run
from bench.text import write
from bench.year import year
from tests.broker import Mosquitto
from tests.virtual_card import VirtualCard

ROOT = Path(__file__).resolve().parent.parent


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def in_fresh_directories(
    runs: int, measure: Callable[[Path], dict[str, Any]]
) -> list[dict[str, Any]]:
    """`measure` once per run, each time in a new temporary directory."""
    results = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            results.append(measure(Path(tmp)))
    return results


def latency_runs(runs: int, calls: int, baseline_calls: int) -> list[dict[str, Any]]:
    def measure(directory: Path) -> dict[str, Any]:
        (directory / "small").mkdir()
        with Mosquitto(directory) as broker, VirtualCard(directory / "card") as card:
            return {
                "pager": pager_latency(directory, broker, card, calls),
                "small_block": pager_latency(directory / "small", broker, card,
                                             max(1, calls // 2), SMALL_BLOCK),
                "baseline": baseline_latency(broker, card, baseline_calls),
            }  # fmt: skip

    return in_fresh_directories(runs, measure)


def resource_runs(runs: int, window_s: float, calls: int) -> list[dict[str, Any]]:
    def measure(d: Path) -> dict[str, Any]:
        for part in "abcd":
            (d / part).mkdir()
        return {
            **cpu_and_memory(d / "a", window_s),
            **{
                f"{k}_small_block": v
                for k, v in cpu_and_memory(d / "b", window_s, SMALL_BLOCK).items()
            },
            **floor_cpu(d / "c", window_s),
            **memory_after_calls(d / "d", calls),
        }

    return in_fresh_directories(runs, measure)


def rush_runs(runs: int, counters: int, calls: int) -> list[dict[str, Any]]:
    return in_fresh_directories(runs, lambda d: rush_run(d, counters, calls, baseline=True))


def flood_run(count: int, calls: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="pager-bench-floods-") as directory:
        return floods.floods(Path(directory), count, calls)


def floods_run(smoke: bool) -> dict[str, Any]:
    """bench/floods.py: 8 floods of 1,000 calls (about 15 minutes)."""
    return flood_run(2, 10) if smoke else flood_run(8, 1000)


def combined_run(smoke: bool, plot: Path | None) -> dict[str, Any]:
    """Airtime and waits with combined announcements: simulated load driven by real renders,
    and the card in real time (airtime per call, and the simulation checked)."""
    minutes, sentences = (0.5, 3) if smoke else (10.0, 40)
    simulated = combined.measure(minutes, sentences)
    if plot is not None:
        combined.plot(simulated, plot)
    with tempfile.TemporaryDirectory(prefix="pager-bench-combined-") as directory:
        card = combined_card.measure(Path(directory), 12.0, 0.5 if smoke else 3.0,
                                     (2,) if smoke else (2, 3, 4))  # fmt: skip
    return {**simulated, "card": card, "plot": plot.name if plot else None}


def site_run(smoke: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="pager-bench-site-") as directory:
        return site.measure(Path(directory), smoke)


def operators_run(smoke: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="pager-bench-operators-") as directory:
        return operators.measure(Path(directory), smoke)


def api_run(smoke: bool) -> dict[str, Any]:
    """The HTTP API's cost: requests answered while calls play, and the first sample."""
    with tempfile.TemporaryDirectory(prefix="pager-bench-api-") as directory:
        return api.measure(Path(directory), 2.0 if smoke else 20.0, 2 if smoke else 30, 4)


def compact_run(smoke: bool) -> dict[str, Any]:
    """Compact zones: simulated load driven by real renders, checked on the card."""
    minutes, sentences = (0.5, 3) if smoke else (10.0, 40)
    simulated = compact.measure(minutes, sentences)
    with tempfile.TemporaryDirectory(prefix="pager-bench-compact-") as directory:
        card = compact_card.measure(Path(directory), 0.5 if smoke else 3.0)
    return {**simulated, "card": card}


def unattended_run(smoke: bool) -> dict[str, Any]:
    """bench/unattended.py: the disk, the clock, a log flood, 200 power cuts (about 10 minutes)."""
    return unattended.measure(3 if smoke else 200)


def listening_run(smoke: bool) -> dict[str, Any]:
    """bench/listening.py: the inputs' cost, the noise gain, line faults (about 4 minutes)."""
    return listening.measure(1 if smoke else 3, 1.0 if smoke else 10.0)


def engine_run(smoke: bool) -> dict[str, Any]:
    """bench/engine.py: pyttsx3's silent renders, with its cancel and without (a minute)."""
    return engine.measure(20 if smoke else 900)


def year_run(smoke: bool) -> dict[str, Any]:
    """bench/year.py: a year of the hall's days (--short; about 9 hours on the bench machine)."""
    with tempfile.TemporaryDirectory(prefix="pager-year-") as directory:
        if smoke:
            return year(Path(directory), 3, 50, 1, short=True)
        return year(Path(directory), 365, 900, 5, short=True)


SECTIONS = {
    "operators": operators_run, "site": site_run, "day": day.measure,
    "display": display.measure, "compact": compact_run, "api": api_run,
    "counters": counters.measure, "year": year_run, "floods": floods_run,
    "unattended": unattended_run, "listening": listening_run, "engine": engine_run,
}  # and "combined"  # fmt: skip


def measure(runs: int, smoke: bool, plot: Path | None = None) -> dict[str, Any]:
    """Every measurement, as plain data (saved beside the report as JSON)."""
    calls, baseline_calls = (3, 1) if smoke else (200, 30)
    return {
        "machine": f"{cpu_model()}, {os.cpu_count()} cores; "
                   f"{platform.python_implementation()} {platform.python_version()}",
        "date": datetime.date.today().isoformat(),
        "smoke": smoke,
        "blocksize": BLOCK,
        "small_blocksize": SMALL_BLOCK,
        "runs": latency_runs(runs, calls, baseline_calls),
        "rush": rush_runs(runs, 8, 1) if smoke else rush_runs(runs, 40, 5),
        "mixer": {str(c): [mixer_block_us(c, c // 2, 200 if smoke else 2000)
                           for _ in range(runs)] for c in (8, 32, 64)},
        "renders": [render_ms(10 if smoke else 100) for _ in range(runs)],
        "controller": [controller_call_us(200 if smoke else 2000) for _ in range(runs)],
        "voice": voice.measure(4 if smoke else 40),
        "resources": resource_runs(runs, 0.5 if smoke else 5.0, 80 if smoke else 2000),
        "floods": floods_run(smoke),
        "combined": combined_run(smoke, plot),
        "operators": operators_run(smoke),
        "site": site_run(smoke),
        "day": day.measure(smoke),
        "display": display.measure(smoke),
        "compact": compact_run(smoke),
        "api": api_run(smoke),
        "counters": counters.measure(smoke),
        "unattended": unattended_run(smoke),
        "listening": listening_run(smoke),
        "engine": engine_run(smoke),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="a tiny run: proves it works")
    parser.add_argument("--out", type=Path, default=ROOT / "BENCHMARKS.md")
    parser.add_argument("--runs", type=int, default=3, help="repeated runs (default 3)")
    parser.add_argument(
        "--from-json",
        type=Path,
        metavar="FILE",
        help="rewrite the report from a run's saved figures, measuring nothing",
    )
    parser.add_argument(
        "--add",
        choices=["combined", *SECTIONS],
        help="measure this section alone and put it into the saved figures (the others stay)",
    )
    args = parser.parse_args()
    plot = args.out.with_name(args.out.stem + "-combined.png")
    saved = args.out.with_suffix(".json")
    if args.from_json:
        results = json.loads(args.from_json.read_text())
    elif args.add:
        results = json.loads(saved.read_text())
        results[args.add] = (
            combined_run(args.smoke, plot) if args.add == "combined"
            else SECTIONS[args.add](args.smoke)
        )  # fmt: skip
        results[args.add]["date"] = datetime.date.today().isoformat()
        saved.write_text(json.dumps(results, indent=1) + "\n")
    else:
        results = measure(1 if args.smoke else args.runs, args.smoke, plot)
        saved.write_text(json.dumps(results, indent=1) + "\n")
    write(args.out, results)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
