"""The benchmark suite in its tiny smoke mode: it runs end to end and writes its table.

(Timing belongs in the benchmarks, not here: this only proves the suite works.)
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = [pytest.mark.e2e, pytest.mark.slow]  # it starts daemons, brokers and cards


def test_bench_smoke_writes_the_report(tmp_path: Path) -> None:
    out = tmp_path / "BENCHMARKS.md"
    done = subprocess.run(
        [sys.executable, "-m", "bench.report", "--smoke", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=1500, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    report = out.read_text()
    assert "| publish → first sample of chime, p99 (ms) |" in report
    assert "| publish → first sample of speech, p99 (ms) |" in report
    assert "| time until the last call has finished (s) |" in report
    assert "| 64 |" in report
    assert "Smoke run" in report
    assert "| CPU idle, stream open (% of one core) |" in report
    assert "| controller, per call (µs) |" in report
    assert "## The voice: loudness, peaks, pauses, pace" in report
    assert "## Floods: memory after each of 2 floods of 10 calls" in report
    assert "## A year's accidents: a failing disk, a stepped clock, power cuts" in report
    assert "## Listening back: noise sensing and line supervision" in report
    assert "## pyttsx3's silent renders" in report and "| 0 of 20 |" in report
    assert "killed with SIGKILL 3 times" in report
    assert "## Combined announcements: airtime per call and waits on one shared zone" in report
    assert "| 2 |" in report and "Checked in real time on the card" in report
    assert (tmp_path / "BENCHMARKS-combined.png").stat().st_size > 10_000  # the plot
    assert "## Operators' tools: call log, status page, status command, lead-in" in report
    assert "| with 2 browsers |" in report
    assert "## Several racks, one site" in report
    assert "| skew between the racks (ms) |" in report
    assert "### Standby takeover" in report
    # The raw figures are saved, and the same report can be written again from them alone.
    again = tmp_path / "again.md"
    redone = subprocess.run(
        [sys.executable, "-m", "bench.report", "--from-json", str(out.with_suffix(".json")),
         "--out", str(again)],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert redone.returncode == 0, redone.stderr[-3000:]
    assert again.read_text() == report.replace("BENCHMARKS.json", "again.json")


def test_the_screen_benchmark_measures_each_call() -> None:
    import math

    from bench import display

    lags = display.screen_lag_ms(2)
    assert len(lags) == 2 and not any(math.isnan(lag) for lag in lags), lags
