"""What an unattended year brings, timed on the real daemon (null output): a state disk that
fills and then fails, a wall clock stepped by two hours each way, a flood of bad messages,
and power cuts under load (bench/power_cuts.py). For BENCHMARKS.md: how soon each is
reported, how soon the daemon is back to normal by itself, and that no call is lost meanwhile.

    .venv/bin/python -m bench.unattended [--kills 200]

Needs root (the small disk is a loop mount in a mount namespace: tests/small_disk.py).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.power_cuts import power_cuts
from tests.broker import Mosquitto, Watcher, mark
from tests.conftest import DaemonProcess, write_config
from tests.small_disk import SmallDisk
from tests.wallclock import WallClock

STEP_S = 7200.0


def _heard_s(watcher: Watcher, ident: str, counter: int = 5) -> float:
    """From a call's publication to its `finished` event."""
    since = time.monotonic()
    watcher.publish(f"pager/call/{counter}", json.dumps({"ticket": "A1", "id": ident}))
    watcher.event("finished", ident, timeout=60)
    return round(time.monotonic() - since, 2)


def _after(since: float) -> float:
    return round(time.monotonic() - since, 2)


@contextlib.contextmanager
def _daemon(
    directory: Path, node: str, env: dict[str, str] | None = None, prefix: list[str] | None = None
) -> Iterator[tuple[Watcher, DaemonProcess]]:
    """`pager run` on the null output with a broker of its own, once online; stopped after
    (RuntimeError if it did not stop cleanly)."""
    with Mosquitto(directory) as broker:
        cfg = write_config(directory / "zones.yaml", node=node, mqtt={"port": broker.port},
                           audio={"output": "null"})  # fmt: skip
        watcher = Watcher(broker.port, "pager/#")
        daemon = DaemonProcess(["run", "-c", str(cfg)], env, directory / "daemon.log", prefix)
        try:
            watcher.status(node, "online", timeout=60)
            yield watcher, daemon
        finally:
            code = daemon.stop()
            watcher.close()
        if code != 0:
            raise RuntimeError(f"the daemon exited with {code}: {daemon.log[-2000:]}")


def _lines(daemon: DaemonProcess, text: str) -> int:
    return sum(text in line for line in daemon.log.splitlines())


def disk(directory: Path) -> dict[str, Any]:
    """A full state disk, then one whose every write fails: calls heard all along, how soon
    the failure and the recovery are reported, entries of the call log lost."""
    small = SmallDisk(directory / "state")  # write_config's state_dir
    try:
        with _daemon(directory, "disk", prefix=small.prefix) as (watcher, daemon):
            figures: dict[str, Any] = {"heard_before_s": _heard_s(watcher, "before")}
            cases = (("full", small.fill, small.free),
                     ("io_error", small.break_down, small.mount_afresh))  # fmt: skip
            for case, fail, mend in cases:
                at, since = mark(), time.monotonic()
                fail()
                figures[f"{case}_heard_s"] = _heard_s(watcher, case)
                watcher.event_since("storage-failed", at, 60, store="journal")
                figures[f"{case}_reported_s"] = _after(since)
                at, since = mark(), time.monotonic()
                mend()
                watcher.event_since("storage-restored", at, 60, store="journal")
                figures[f"{case}_journal_back_s"] = _after(since)
                restored = watcher.event_since("storage-restored", at, 60, store="call-log")
                figures[f"{case}_call_log_back_s"] = _after(since)
                figures[f"{case}_call_log_lost"] = restored["lost"]
            figures["heard_after_s"] = _heard_s(watcher, "after")
    finally:
        small.close()
    return {**figures, "failure_lines": _lines(daemon, "cannot write the")}


def clock(directory: Path) -> dict[str, Any]:
    """The wall clock stepped forward by two hours, then back: how soon each step is seen, and
    a call after it heard as before. (That no waiting call expires or waits longer for a step
    is tests/test_clock_e2e.py's.)"""
    wall = WallClock(directory)
    figures: dict[str, Any] = {}
    with _daemon(directory, "clock", wall.env(dict(os.environ))) as (watcher, daemon):
        for name, offset in (("forward", STEP_S), ("back", 0.0)):
            since = time.monotonic()
            wall.set(offset)
            step = watcher.wait_for(  # not the step before: it is stamped later than this one
                lambda t, b: "/event/" in t and isinstance(b, dict)
                and b.get("event") == "clock-stepped",
                60, past=False,
            )  # fmt: skip
            figures[f"{name}_seen_s"] = _after(since)
            figures[f"{name}_step_s"] = round(step["step_s"])
            figures[f"{name}_heard_s"] = _heard_s(watcher, name)
    return {**figures, "step_lines": _lines(daemon, "wall clock was stepped")}


def log_flood(directory: Path, count: int = 3000) -> dict[str, Any]:
    """`count` bad messages on the sync topic and as many bad calls from one counter, as fast
    as the broker takes them: the log's lines for them, the summary of what was left out (once
    its minute is over), and a good call right after."""
    with _daemon(directory, "flood") as (watcher, daemon):
        started = len(daemon.log.splitlines())
        since = time.monotonic()
        for n in range(count):
            watcher.client.publish("pager/sync", f"not json {n}", qos=0)
            watcher.client.publish("pager/call/5", f"{{not a call {n}", qos=0)
        sent_s = _after(since)
        # From another counter: counter 5 is past its rate limit (security.rate_limit).
        heard_s = _heard_s(watcher, "after", 6)  # every bad message was read before it
        deadline = time.monotonic() + 90
        while "more lines like this were left out" not in daemon.log:
            if time.monotonic() > deadline:
                raise TimeoutError("no summary of the lines left out within 90 s")
            time.sleep(1)  # polling the log file: the summary is no event
    lines = daemon.log.splitlines()[started:]
    return {
        "bad_messages": 2 * count, "sent_s": sent_s, "heard_after_s": heard_s,
        "lines": len(lines), "summaries": sum("were left out" in line for line in lines),
    }  # fmt: skip


def measure(kills: int) -> dict[str, Any]:
    """The three, each in a directory of its own."""
    results: dict[str, Any] = {}
    for name, run in (("disk", disk), ("clock", clock), ("log_flood", log_flood),
                      ("power_cuts", lambda d: power_cuts(d, kills))):  # fmt: skip
        with tempfile.TemporaryDirectory(prefix=f"pager-bench-{name}-") as directory:
            results[name] = run(Path(directory))
    cut = results["power_cuts"]
    for many in ("lost", "twice"):  # the count, and the first few if any
        cut[many] = {"count": len(cut[many]), "first": cut[many][:5]}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kills", type=int, default=200)
    args = parser.parse_args()
    print(json.dumps(measure(args.kills), indent=1))


if __name__ == "__main__":
    main()
