"""CPU and memory of the daemon process: idle with the stream open, with 8 zones playing,
and resident memory after start and after many calls.

    .venv/bin/python -m bench.resources
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from tests.broker import Mosquitto, Watcher
from tests.conftest import DaemonProcess, write_config
from tests.virtual_card import VirtualCard

EIGHT_ZONES = {f"z{n}": {"channels": [n]} for n in range(1, 9)}
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise ValueError("no VmRSS")


def cpu_percent(pid: int, card: VirtualCard, seconds: float) -> float:
    """Percent of one core over `seconds` of the card's own clock."""
    start_cpu, start = cpu_seconds(pid), time.monotonic()
    card.wait_for_frames(card.frames + int(seconds * card.rate))
    return 100 * (cpu_seconds(pid) - start_cpu) / (time.monotonic() - start)


def cpu_and_memory(directory: Path, window_s: float) -> dict[str, Any]:
    with Mosquitto(directory) as broker, VirtualCard(directory / "card") as card:
        watcher = Watcher(broker.port, "pager/#")
        cfg = write_config(
            directory / "zones.yaml", replace=("zones", "groups", "counters"), node="res",
            mqtt={"port": broker.port}, audio={"device": card.name}, zones=EIGHT_ZONES,
            groups={}, counters={}, default_zones=["z1"], music={},
        )  # fmt: skip
        daemon = DaemonProcess(["run", "-c", str(cfg)], card.env(), directory / "daemon.log")
        try:
            watcher.status("res", "online")
            card.wait_for_frames(card.frames + card.rate)
            pid = daemon.process.pid
            rss_start = rss_mb(pid)
            idle = cpu_percent(pid, card, window_s)
            for n in range(1, 9):
                body = {"ticket": f"A{n}", "id": f"r{n}", "zones": [f"z{n}"]}
                watcher.publish(f"pager/call/{n}", json.dumps(body))
            for n in range(1, 9):
                watcher.event("started", f"r{n}")
            playing = cpu_percent(pid, card, min(window_s, 1.5))  # within one announcement
        finally:
            daemon.stop()
            watcher.close()
    return {"cpu_idle_percent": round(idle, 2), "cpu_8_zones_percent": round(playing, 2),
            "rss_after_start_mb": round(rss_start, 1)}  # fmt: skip


def memory_after_calls(directory: Path, calls: int) -> dict[str, Any]:
    """Resident memory after `calls` calls through a null output (faster than real time)."""
    counters = 40
    with Mosquitto(directory) as broker:
        watcher = Watcher(broker.port, "pager/#")
        cfg = write_config(
            directory / "zones.yaml", replace=("zones", "groups", "counters"), node="mem",
            mqtt={"port": broker.port}, audio={"output": "null"}, zones=EIGHT_ZONES,
            groups={}, counters={str(c): {"zones": [f"z{c % 8 + 1}"]} for c in range(1, 41)},
            default_zones=["z1"], music={},
            announcement={"chime": "none", "template": "Nomor {ticket}."},
        )  # fmt: skip
        daemon = DaemonProcess(["run", "-c", str(cfg)], None, directory / "daemon.log")
        try:
            watcher.status("mem", "online")
            rss_start = rss_mb(daemon.process.pid)
            for wave in range(calls // counters):
                for c in range(1, counters + 1):
                    body = {"ticket": f"A{wave * counters + c}", "id": f"m{wave}c{c}"}
                    watcher.client.publish(f"pager/call/{c}", json.dumps(body), qos=1)
                for c in range(1, counters + 1):
                    watcher.event("finished", f"m{wave}c{c}", timeout=60)
            rss_end = rss_mb(daemon.process.pid)
        finally:
            daemon.stop()
            watcher.close()
    return {"calls": calls, "rss_start_mb": round(rss_start, 1), "rss_end_mb": round(rss_end, 1)}
