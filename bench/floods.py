"""Memory across floods: 8 times, 1,000 calls arrive at once and drain; resident memory
is read after each. The daemon runs with faulthandler on, so a crash in C leaves a trace.

    .venv/bin/python -m bench.floods [--floods 8] [--calls 1000]

Prints one JSON object.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.resources import EIGHT_ZONES, after_idle_trim, rss_mb
from tests.broker import Mosquitto, Watcher
from tests.conftest import UNLIMITED, DaemonProcess, write_config

COUNTERS = 40


def idle_since(since: float, topic: str, body: Any) -> bool:
    """The daemon's status says nothing waits or plays, published at or after `since`."""
    return (topic == "pager/status/flood" and isinstance(body, dict) and body.get("playing") == {}
            and not any(body["queues"].values()) and body["ts"] >= since)  # fmt: skip


def floods(
    directory: Path,
    count: int,
    calls: int,
    prefix: list[str] | None = None,
    drained: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """`count` floods of `calls`; `drained(flood, pid)` is called once each has drained (the
    daemon run after `prefix`: bench.memory runs it under tracemalloc)."""
    with Mosquitto(directory) as broker:
        watcher = Watcher(broker.port, "pager/#")
        cfg = write_config(
            directory / "zones.yaml", replace=("zones", "groups", "counters"), node="flood",
            mqtt={"port": broker.port}, audio={"output": "null"}, zones=EIGHT_ZONES, groups={},
            counters={str(c): {"zones": [f"z{c % 8 + 1}"]} for c in range(1, COUNTERS + 1)},
            default_zones=["z1"], music={}, security=UNLIMITED,
            scheduling={"supersede": False, "max_age_s": 86400},
            announcement={"chime": "none"},
        )  # fmt: skip
        env = {**os.environ, "PYTHONFAULTHANDLER": "1"}
        daemon = DaemonProcess(["run", "-c", str(cfg)], env, directory / "daemon.log", prefix)
        rss = []
        try:
            watcher.status("flood", "online", timeout=120)  # slower under bench.memory
            start = rss_mb(daemon.process.pid)
            for flood in range(count):
                ids = []
                for n in range(calls):
                    counter = n % COUNTERS + 1
                    ident = f"f{flood}n{n}"
                    body = {"ticket": f"A{flood * calls + n + 1}", "id": ident}
                    watcher.client.publish(f"pager/call/{counter}", json.dumps(body), qos=1)
                    ids.append(ident)
                last = max(watcher.event("finished", i, timeout=600)["ts"] for i in ids)
                # Memory is read once the daemon says nothing waits or plays.
                watcher.wait_for(functools.partial(idle_since, last), timeout=60)
                after_idle_trim()
                rss.append(round(rss_mb(daemon.process.pid), 1))
                if drained is not None:
                    drained(flood, daemon.process.pid)
        finally:
            code = daemon.stop(timeout=120)
            watcher.close()
        crashed = "Fatal Python error" in daemon.log or code not in (0, None)
    return {"floods": count, "calls": calls, "rss_start_mb": round(start, 1), "rss_mb": rss,
            "growth_after_first_mb": round(max(rss) - rss[0], 1), "crashed": crashed}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--floods", type=int, default=8)
    parser.add_argument("--calls", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pager-floods-") as directory:
        figures = floods(Path(directory), args.floods, args.calls)
        print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
