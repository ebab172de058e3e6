"""Running as a service: systemd's notify protocol and the watchdog, and reload on SIGHUP."""

from __future__ import annotations

import json
import os
import signal
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from pager.io import systemd
from tests.broker import Mosquitto, Watcher
from tests.conftest import DaemonProcess, write_config


@pytest.fixture
def notify_socket(tmp_path: Path) -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(tmp_path / "notify.sock"))
    sock.settimeout(20)
    yield sock
    sock.close()


def messages_until(sock: socket.socket, wanted: str) -> list[str]:
    """Datagrams received until one contains `wanted` (each datagram as one string)."""
    seen: list[str] = []
    while True:
        try:
            seen.append(sock.recv(4096).decode())
        except TimeoutError:
            raise AssertionError(f"no {wanted!r} from the daemon; got {seen}") from None
        if wanted in seen[-1]:
            return seen


def test_notify_sends_one_datagram_to_an_abstract_socket(monkeypatch: pytest.MonkeyPatch) -> None:
    name = f"pager-test-{os.getpid()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("\0" + name)
        sock.settimeout(5)
        monkeypatch.setenv("NOTIFY_SOCKET", "@" + name)
        assert systemd.notify("READY=1", "STATUS=ok")
        assert sock.recv(100) == b"READY=1\nSTATUS=ok"


def test_outside_systemd_nothing_is_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    assert systemd.notify("READY=1") is False
    monkeypatch.setenv("WATCHDOG_USEC", "30000000")
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid() + 1))  # meant for another process
    assert systemd.watchdog_interval() is None


def test_ready_watchdog_reload_and_stopping_reach_systemd(
    tmp_path: Path, broker: Mosquitto, watcher: Watcher, notify_socket: socket.socket
) -> None:
    cfg = write_config(tmp_path / "zones.yaml", node="svc", mqtt={"port": broker.port})
    env = {**os.environ, "NOTIFY_SOCKET": str(tmp_path / "notify.sock"), "WATCHDOG_USEC": "200000"}
    daemon = DaemonProcess(
        ["run", "-c", str(cfg), "--record", str(tmp_path / "rec")], env, tmp_path / "daemon.log"
    )
    try:
        ready = messages_until(notify_socket, "READY=1")[-1]
        assert "STATUS=serving 5 zones" in ready
        # READY only once the broker is connected: the online status is already there.
        watcher.status("svc", "online", 1)
        assert messages_until(notify_socket, "WATCHDOG=1")  # fed while the audio runs
        daemon.process.send_signal(signal.SIGHUP)
        reload = messages_until(notify_socket, "RELOADING=1")[-1]
        assert "MONOTONIC_USEC=" in reload
        assert messages_until(notify_socket, "READY=1")
        watcher.event("config-reloaded")
    finally:
        daemon.process.send_signal(signal.SIGTERM)
        stopping = messages_until(notify_socket, "STOPPING=1")
        assert daemon.stop() == 0, daemon.log
    assert stopping


def test_sighup_applies_a_valid_config_and_refuses_a_broken_one(
    tmp_path: Path, broker: Mosquitto, watcher: Watcher
) -> None:
    cfg = write_config(tmp_path / "zones.yaml", node="rl", mqtt={"port": broker.port})
    daemon = DaemonProcess(
        ["run", "-c", str(cfg), "--record", str(tmp_path / "rec")], None, tmp_path / "daemon.log"
    )
    try:
        watcher.status("rl", "online")
        document = yaml.safe_load(cfg.read_text())

        document["counters"]["5"]["zones"] = ["food-court"]
        cfg.write_text(yaml.safe_dump(document))
        daemon.process.send_signal(signal.SIGHUP)
        watcher.event("config-reloaded")
        watcher.publish("pager/call/5", json.dumps({"ticket": "A1", "id": "r1"}))
        assert watcher.event("queued", "r1")["zones"] == ["food-court"]

        document["counters"]["5"]["zonez"] = ["tenant-hall"]
        cfg.write_text(yaml.safe_dump(document))
        daemon.process.send_signal(signal.SIGHUP)
        refused = watcher.event("config-rejected")
        assert 'counters.5.zonez: unknown key (did you mean "zones"?)' in refused["problems"]

        del document["counters"]["5"]["zonez"]
        document["audio"]["channels"] = 16
        cfg.write_text(yaml.safe_dump(document))
        daemon.process.send_signal(signal.SIGHUP)
        refused = watcher.wait_for(
            lambda t, b: isinstance(b, dict) and b.get("event") == "config-rejected"
            and "audio.channels: changed from 8 to 16" in b["reason"]
        )  # fmt: skip
        assert "takes a restart" in refused["reason"]

        watcher.publish("pager/call/5", json.dumps({"ticket": "A2", "id": "r2"}))
        assert watcher.event("queued", "r2")["zones"] == ["food-court"]  # still the valid one
    finally:
        assert daemon.stop() == 0, daemon.log
