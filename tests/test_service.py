"""Running as a service: systemd's notify protocol and the watchdog, and reload on SIGHUP."""

from __future__ import annotations

import os
import signal
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

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


class Notifications:
    """A notify socket like systemd's: a thread reads every datagram as it comes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.seen: list[str] = []
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._sock.bind(str(path))
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        while True:
            try:
                datagram = self._sock.recv(4096).decode()
            except OSError:
                return  # closed
            with self._changed:
                self.seen.append(datagram)
                self._changed.notify_all()

    def until(self, wanted: str, timeout: float = 20) -> list[str]:
        """Every datagram so far, once one contains `wanted`."""
        with self._changed:
            if not self._changed.wait_for(lambda: any(wanted in d for d in self.seen), timeout):
                raise AssertionError(f"no {wanted!r} from the daemon; got {self.seen}")
            return list(self.seen)

    def close(self) -> None:
        self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()


def test_a_notify_socket_nobody_reads_does_not_stall_the_sender(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(str(tmp_path / "stuck.sock"))
        monkeypatch.setenv("NOTIFY_SOCKET", str(tmp_path / "stuck.sock"))
        monkeypatch.setattr(systemd, "SEND_TIMEOUT_S", 0.01)
        # Past the socket's queue, whatever it is here (10 by the kernel, 512 once systemd
        # has raised it).
        queue = int(Path("/proc/sys/net/unix/max_dgram_qlen").read_text())
        sent = [systemd.notify("WATCHDOG=1") for _ in range(queue + 20)]
    assert sent[0] is True and sent[-1] is False


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


@pytest.mark.e2e
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
