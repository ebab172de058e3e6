"""A bounded soak: 2,000 calls from 40 counters over 8 zones, on an output that runs far
faster than real time. Every call is accounted for; memory, threads and files stay flat."""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.broker import Mosquitto, Watcher
from tests.conftest import UNLIMITED, DaemonProcess, write_config

COUNTERS = 40
WAVES = 50  # 40 x 50 = 2,000 calls
ZONES = {f"z{n}": {"channels": [n]} for n in range(1, 9)}

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def open_files(pid: int) -> set[str]:
    """What the process keeps open: the files open in each of a few looks a moment apart (a
    pipe to the speech engine's fallback, or a file SQLite opens for a moment, is not kept)."""
    kept: set[str] | None = None
    for _ in range(5):
        now = set()
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                now.add(f"{fd} -> {os.readlink(f'/proc/{pid}/fd/{fd}')}")
            except FileNotFoundError:  # closed meanwhile
                continue
        kept = now if kept is None else kept & now
        time.sleep(0.1)  # sampling, not synchronization: nothing is waited for
    return kept or set()


def process_usage(pid: int) -> tuple[int, int, set[str]]:
    """Resident memory (kB), threads and the files a process keeps open."""
    status = Path(f"/proc/{pid}/status").read_text().splitlines()
    rss = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
    threads = len(os.listdir(f"/proc/{pid}/task"))
    return rss, threads, open_files(pid)


def thread_names(pid: int) -> list[str]:
    """The names of a process's threads (Python's and native ones), to say which one came."""
    names = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            names.append((task / "comm").read_text().strip())
    return sorted(names)


def test_two_thousand_calls_are_all_played_once_with_flat_resources(
    tmp_path: Path, broker: Mosquitto
) -> None:
    watcher = Watcher(broker.port, "pager/#")
    counters = {str(c): {"zones": [f"z{c % 8 + 1}"]} for c in range(1, COUNTERS + 1)}
    cfg = write_config(
        tmp_path / "zones.yaml", replace=("zones", "groups", "counters"), node="soak",
        mqtt={"port": broker.port},
        audio={"output": "null"}, zones=ZONES, groups={}, counters=counters,
        default_zones=["z1"], music={}, security=UNLIMITED,
        announcement={"chime": "none", "template": "Nomor {ticket}."},  # short: a faster run
    )  # fmt: skip
    daemon = DaemonProcess(["run", "-c", str(cfg)], None, tmp_path / "daemon.log")
    usage = []
    try:
        watcher.status("soak", "online")
        for wave in range(WAVES):
            # A counter calls its next ticket once its last one was heard (else the new
            # ticket would rightly supersede the old one).
            for counter in range(1, COUNTERS + 1):
                body = {"ticket": f"A{wave * COUNTERS + counter}", "id": f"w{wave}c{counter}"}
                watcher.client.publish(f"pager/call/{counter}", json.dumps(body), qos=1)
            for counter in range(1, COUNTERS + 1):
                watcher.event("finished", f"w{wave}c{counter}", timeout=60)
            if wave in (9, WAVES - 1):
                usage.append(process_usage(daemon.process.pid))
    finally:
        assert daemon.stop() == 0, daemon.log
        watcher.close()

    tally = Counter((b["event"], b["id"]) for t, b in watcher.seen if "/event/" in t)
    ids = [f"w{w}c{c}" for w in range(WAVES) for c in range(1, COUNTERS + 1)]
    for name in ("queued", "started", "finished"):
        assert all(tally[(name, i)] == 1 for i in ids), name  # every call, exactly once
    assert not [e for e, _ in tally if e not in ("queued", "started", "finished")]
    (rss_early, threads_early, files_early), (rss_late, threads_late, files_late) = usage
    assert threads_late == threads_early
    assert len(files_late) <= len(files_early), sorted(files_late ^ files_early)
    assert rss_late < rss_early * 1.10, (rss_early, rss_late)  # after 1,600 more calls
