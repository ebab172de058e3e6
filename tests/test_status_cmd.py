"""`pager status` against a running daemon: the board once, then live, then offline."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import threading
from pathlib import Path

import pytest

from tests.broker import Watcher
from tests.conftest import DaemonOnCard, pager_command, write_config

pytestmark = pytest.mark.e2e
WIDE = {**os.environ, "COLUMNS": "160"}


def status(cfg: Path, *more: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*pager_command(), "status", "-c", str(cfg), *more], env=WIDE,
                          capture_output=True, text=True, timeout=60, check=False)  # fmt: skip


def lines_of(process: subprocess.Popen[str]) -> queue.SimpleQueue[str]:
    found: queue.SimpleQueue[str] = queue.SimpleQueue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            found.put(line.rstrip("\n"))

    threading.Thread(target=read, daemon=True).start()
    return found


def wait_line(found: queue.SimpleQueue[str], *words: str, timeout: float = 30) -> str:
    seen: list[str] = []
    while True:
        try:
            line = found.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no line with {words} in {seen}") from None
        seen.append(line)
        if all(w in line for w in words):
            return line


def test_status_shows_each_zone_what_plays_the_last_calls_and_follows_live(
    on_card: DaemonOnCard, watcher: Watcher
) -> None:
    cfg = on_card.configure("hall-pc", audio={"latency": "low"}, scheduling={"combine_max": 1})
    daemon = on_card.start(cfg)
    follow = None
    try:
        watcher.publish("pager/call/5", json.dumps({"ticket": "A001", "id": "s1"}))
        watcher.event("started", "s1", timeout=30)
        watcher.publish("pager/call/7", json.dumps({"ticket": "B002", "id": "s2"}))
        watcher.event("queued", "s2")
        watcher.wait_for(lambda t, b: t == "pager/status/hall-pc" and b.get("queues", {}).get(
            "food-court") == 1)  # fmt: skip

        board = status(cfg)
        assert board.returncode == 0, board.stderr
        out = board.stdout
        assert "hall-pc" in out and "● daring" in out and "audio ok" in out  # ui.language: id
        rows = {line.strip("│ ").split()[0]: line.strip("│ ") for line in out.splitlines()
                if line.strip("│ ")}  # fmt: skip
        assert rows["tenant-hall"].split()[:5] == ["tenant-hall", "1", "A001", "(loket", "5)"]
        assert rows["food-court"].split()[:5] == ["food-court", "1", "A001", "(loket", "5)"]
        assert rows["waiting-area"].split()[:3] == ["waiting-area", "1", "-"]
        assert "Panggilan terbaru" in out and "B002 (loket 7)" in out and "antre" in out

        follow = subprocess.Popen([*pager_command(), "status", "-c", str(cfg), "--follow"],
                                  env=WIDE, stdout=subprocess.PIPE, text=True)  # fmt: skip
        found = lines_of(follow)
        wait_line(found, "hall-pc", "online")  # the board first: it has subscribed by now
        # Then a line per event as it happens: a call made now, from its queueing to its end
        # (B002 may have been heard already, on a busy machine, before the board came).
        watcher.publish("pager/call/7", json.dumps({"ticket": "B003", "id": "s3"}))
        wait_line(found, "queued", "B003 (loket 7)", "[tenant-hall, waiting-area, food-court]",
                  timeout=60)  # fmt: skip
        wait_line(found, "finished", "B003 (loket 7)", timeout=90)
        wait_line(found, "status hall-pc: online")
    finally:
        if follow is not None:
            follow.terminate()
            follow.wait(10)
        assert daemon.stop() == 0, daemon.log

    gone = status(cfg)
    assert gone.returncode == 1, "a node that is offline is not healthy"
    assert "hall-pc" in gone.stdout and "luring" in gone.stdout  # offline


def test_status_names_the_broker_it_cannot_reach(tmp_path: Path) -> None:
    cfg = write_config(tmp_path / "zones.yaml", mqtt={"port": 1})
    done = status(cfg)
    assert done.returncode == 69
    assert "cannot reach the MQTT broker at 127.0.0.1:1" in done.stderr
