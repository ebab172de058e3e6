"""systemd's notify protocol: readiness, reload, stop and the watchdog, as datagrams.

One datagram to $NOTIFY_SOCKET per message (a leading "@" means an abstract socket).
Outside systemd (no $NOTIFY_SOCKET) every call does nothing.
"""

from __future__ import annotations

import logging
import os
import socket
import time

log = logging.getLogger(__name__)

SEND_TIMEOUT_S = 2.0  # systemd reads at once; a stuck reader must not stall the control thread


def notify(*fields: str) -> bool:
    """Send "KEY=value" fields to systemd; False when not run by systemd (or it failed)."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return False
    if address.startswith("@"):
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.settimeout(SEND_TIMEOUT_S)
            sock.connect(address)
            sock.sendall("\n".join(fields).encode())
    except OSError as error:
        log.warning("cannot notify systemd at %s: %s", address, error)
        return False
    return True


def reloading() -> bool:
    """Tell systemd a reload started (it wants the monotonic time with it)."""
    return notify(
        "RELOADING=1", f"MONOTONIC_USEC={time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000}"
    )


def watchdog_interval() -> float | None:
    """Seconds between watchdog pings systemd expects (WatchdogSec), or None."""
    usec = os.environ.get("WATCHDOG_USEC")
    pid = os.environ.get("WATCHDOG_PID")
    if not usec or (pid and pid != str(os.getpid())):
        return None
    try:
        return int(usec) / 1_000_000
    except ValueError:
        return None
