"""pyttsx3's silent renders: phrases rendered back to back through pager's pyttsx3 engine,
with the cancel pyttsx3 ends each render with (as pyttsx3 ships) and without it (as pager
runs it; pager.speech.engines.keep_from_cancelling).

    .venv/bin/python -m bench.engine [--renders 900]

Prints one JSON object. Each way runs in a process of its own (pyttsx3 has one engine per
process), rendering the phrases of the example config's calls in turn.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.latency import percentiles
from bench.voice import calls
from pager.speech.engines import Pyttsx3Engine

ROOT = Path(__file__).resolve().parent.parent
WAYS = ("as-shipped", "stop-off")
RATE_WPM = 125


def phrases(count: int) -> list[str]:
    """`count` phrases of the example config's calls, in the order a day would say them."""
    said = [words for sentence in calls(count) for words, _ in sentence.phrases]
    return said[:count]


def render_all(way: str, count: int) -> dict[str, Any]:
    """In this process: the phrases rendered back to back, the silent ones counted."""
    with tempfile.TemporaryDirectory(prefix="pager-bench-engine-") as directory:
        engine = Pyttsx3Engine("id", RATE_WPM, Path(directory))
        if way == "as-shipped":
            del engine._engine.proxy._driver.stop  # the driver's own stop() again
        silent, times = 0, []
        for text in phrases(count):
            start = time.perf_counter()
            samples, _ = engine.render(text)
            times.append((time.perf_counter() - start) * 1000)
            silent += not np.any(samples)
    return {"way": way, "renders": count, "silent": silent,
            "median_ms": round(statistics.median(times), 1),
            "p99_ms": percentiles(times)["p99"]}  # fmt: skip


def measure(count: int) -> dict[str, Any]:
    """Both ways, each in a child process, twice in turn (the first of each is kept apart
    from the machine's state after the other)."""
    runs = []
    for _ in range(2):
        for way in WAYS:
            child = subprocess.run(
                [sys.executable, "-m", "bench.engine", "--way", way, "--renders", str(count)],
                check=True, capture_output=True, text=True, timeout=60 + count, cwd=ROOT,
            )  # fmt: skip
            runs.append(json.loads(child.stdout))
    return {"renders_per_run": count, "runs": runs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--renders", type=int, default=900)
    parser.add_argument("--way", choices=WAYS, help="one way, in this process")
    args = parser.parse_args()
    if args.way:
        print(json.dumps(render_all(args.way, args.renders)))
    else:
        print(json.dumps(measure(args.renders), indent=2))


if __name__ == "__main__":
    main()
