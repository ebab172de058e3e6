"""CPU and memory of the daemon process: idle with the stream open, with 8 zones playing,
and resident memory after start and after many calls.

    .venv/bin/python -m bench.resources
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.costs import BLOCK
from pager import memory
from tests.broker import Mosquitto, Watcher
from tests.conftest import UNLIMITED, DaemonProcess, write_config
from tests.virtual_card import VirtualCard

CHIME_S = 2.0  # the default chime lasts 1.94 s
EIGHT_ZONES = {f"z{n}": {"channels": [n]} for n in range(1, 9)}
# A stream whose callback does nothing: what PortAudio and a Python callback cost by themselves.
EMPTY_STREAM = """
import sys, threading, sounddevice
def callback(outdata, frames, time, status):
    pass
with sounddevice.RawOutputStream(device=sys.argv[1], channels=8, samplerate=48000,
        blocksize=int(sys.argv[2]), dtype="float32", latency="low", callback=callback):
    threading.Event().wait()
"""


def cpu_seconds(pid: int) -> float:
    """CPU time of every thread of the process, to the nanosecond (the scheduler's count)."""
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        with contextlib.suppress(FileNotFoundError):  # a thread that just ended
            total += int(Path(f"/proc/{pid}/task/{task}/schedstat").read_text().split()[0])
    return total / 1e9


def after_idle_trim() -> None:
    """Wait until a daemon that has just gone idle has handed its free heap back (it does so
    once nothing has played for memory.QUIET_BEFORE_TRIM_S, checked every second)."""
    time.sleep(memory.QUIET_BEFORE_TRIM_S + 2)


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


def cpu_and_memory(directory: Path, window_s: float, blocksize: int = BLOCK) -> dict[str, Any]:
    with Mosquitto(directory) as broker, VirtualCard(directory / "card") as card:
        watcher = Watcher(broker.port, "pager/#")
        cfg = write_config(
            directory / "zones.yaml", replace=("zones", "groups", "counters"), node="res",
            mqtt={"port": broker.port}, audio={"device": card.name, "blocksize": blocksize},
            zones=EIGHT_ZONES, groups={}, counters={}, default_zones=["z1"], music={},
            security=UNLIMITED,
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
            # Into the speech, which was synthesized while the chimes played (its cost is
            # measured apart): what playing 8 zones at once costs.
            card.wait_for_frames(card.frames + int(CHIME_S * card.rate))
            playing = cpu_percent(pid, card, min(window_s, 1.5))
        finally:
            daemon.stop()
            watcher.close()
    return {"cpu_idle_percent": round(idle, 2), "cpu_8_zones_percent": round(playing, 2),
            "rss_after_start_mb": round(rss_start, 1)}  # fmt: skip


def floor_cpu(directory: Path, window_s: float, blocksize: int = BLOCK) -> dict[str, float]:
    """What an open stream costs without pager, on the same card: a sounddevice stream with a
    callback that does nothing, and aplay (C, no callback) playing silence."""
    commands = {
        "cpu_empty_callback_percent": [sys.executable, "-c", EMPTY_STREAM, "pager_virtual",
                                       str(blocksize)],
        "cpu_aplay_percent": ["aplay", "-q", "-D", "pager_virtual", "-c", "8", "-r", "48000",
                              "-f", "FLOAT_LE", "-t", "raw", f"--period-size={blocksize}",
                              f"--buffer-size={4 * blocksize}", "/dev/zero"],
    }  # fmt: skip
    result = {}
    for key, command in commands.items():
        with VirtualCard(directory / key) as card:
            process = subprocess.Popen(command, env=card.env(), stderr=subprocess.DEVNULL)
            try:
                card.wait_for_frames(card.rate)
                result[key] = round(cpu_percent(process.pid, card, window_s), 2)
            finally:
                process.kill()
                process.wait()
    return result


def memory_after_calls(directory: Path, calls: int) -> dict[str, Any]:
    """Resident memory after `calls` calls through a null output (faster than real time)."""
    counters = 40
    if calls < 2 * counters:
        raise ValueError(f"at least {2 * counters} calls, to compare two halves")
    with Mosquitto(directory) as broker:
        watcher = Watcher(broker.port, "pager/#")
        cfg = write_config(
            directory / "zones.yaml", replace=("zones", "groups", "counters"), node="mem",
            mqtt={"port": broker.port}, audio={"output": "null"}, zones=EIGHT_ZONES,
            groups={}, counters={str(c): {"zones": [f"z{c % 8 + 1}"]} for c in range(1, 41)},
            default_zones=["z1"], music={}, security=UNLIMITED,
            announcement={"chime": "none", "template": "Nomor {ticket}."},
        )  # fmt: skip
        daemon = DaemonProcess(["run", "-c", str(cfg)], None, directory / "daemon.log")
        try:
            watcher.status("mem", "online")
            rss_start = rss_mb(daemon.process.pid)
            waves = calls // counters
            for wave in range(waves):
                for c in range(1, counters + 1):
                    body = {"ticket": f"A{wave * counters + c}", "id": f"m{wave}c{c}"}
                    watcher.client.publish(f"pager/call/{c}", json.dumps(body), qos=1)
                for c in range(1, counters + 1):
                    watcher.event("finished", f"m{wave}c{c}", timeout=60)
                if wave + 1 == waves // 2:
                    rss_half = rss_mb(daemon.process.pid)
            rss_end = rss_mb(daemon.process.pid)
        finally:
            daemon.stop()
            watcher.close()
    return {"calls": calls, "rss_start_mb": round(rss_start, 1),
            "rss_half_mb": round(rss_half, 1), "rss_end_mb": round(rss_end, 1)}  # fmt: skip
