"""The hardened unit, installed by scripts/install-service, plays under a real systemd.

systemd boots as PID 1 in throwaway namespaces (tests/systemd_container.py); the service
reaches the test's broker on localhost and plays on the virtual card through /etc/asound.conf,
so every hardening option (system call filter, IP filter, device policy, protected /proc,
no capabilities) and the notify/watchdog protocol are exercised with real audio.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from tests.broker import Mosquitto, Watcher
from tests.conftest import ROOT, write_config
from tests.systemd_container import SHARED, SOURCE, SystemdContainer, available
from tests.virtual_card import VirtualCard

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.slow,
    pytest.mark.skipif(available() is not None, reason=f"systemd container: {available()}"),
]

INSTALL_TIMEOUT_S = 600  # a fresh virtualenv with pager's dependencies, from the package index


@pytest.fixture
def shared(tmp_path: Path) -> Path:
    """A directory the service user can reach: the card's FIFO and the config go here."""
    directory = tmp_path / "shared"
    directory.mkdir()
    directory.chmod(0o755)
    return directory


@pytest.fixture
def container(tmp_path: Path, shared: Path) -> Iterator[SystemdContainer]:
    with SystemdContainer(tmp_path, ROOT, shared) as booted:
        yield booted


def test_installed_service_plays_a_call_under_systemd_with_every_hardening_option(
    tmp_path: Path, broker: Mosquitto, watcher: Watcher, shared: Path, container: SystemdContainer
) -> None:
    with VirtualCard(shared) as card:
        card.fifo.chmod(0o666)  # the service runs as the user `pager`
        # The card, system-wide (the service's home is its state directory) and at the
        # path the container sees.
        asoundrc = (card.home / ".asoundrc").read_text().replace(str(shared), SHARED)
        (shared / "asound.conf").write_text(asoundrc)
        write_config(
            shared / "zones.yaml",
            node="unit",
            mqtt={"port": broker.port},
            audio={"device": card.name, "latency": "low"},
        )
        container.run("install", "-m", "0644", f"{SHARED}/asound.conf", "/etc/asound.conf")
        container.run("install", "-D", "-m", "0600", f"{SHARED}/zones.yaml",
                      "/etc/pager/zones.yaml")  # fmt: skip
        # With this shell's PATH, where `python3` may be one the service user cannot read
        # (pyenv's, under /root): the service's virtualenv must use Debian's.
        container.run(f"{SOURCE}/scripts/install-service", timeout=INSTALL_TIMEOUT_S,
                      env={"PATH": os.environ["PATH"], "LANG": "C.UTF-8"})  # fmt: skip

        watcher.status("unit", "online", timeout=60)
        state = show(container, "ActiveState", "SubState", "NRestarts", "Type", "StatusText")
        assert state["ActiveState"] == "active" and state["SubState"] == "running", state
        assert state["NRestarts"] == "0" and state["Type"] == "notify", state
        assert state["StatusText"], "the daemon told systemd nothing (sd_notify STATUS=)"
        # The sandbox is really applied to the running daemon, not only written in the file.
        pid = show(container, "MainPID")["MainPID"]
        status = dict(
            line.split(":", 1)
            for line in container.run("cat", f"/proc/{pid}/status").stdout.splitlines()
        )
        assert status["NoNewPrivs"].strip() == "1" and status["Seccomp"].strip() == "2", status
        assert int(status["CapBnd"], 16) == 0 and int(status["CapEff"], 16) == 0, status
        mounts = container.run("cat", f"/proc/{pid}/mountinfo").stdout.splitlines()
        root = [m.split() for m in mounts if m.split()[4] == "/"]
        assert root and "ro" in root[-1][5].split(","), "ProtectSystem=strict: / is writable"

        start = card.frames
        watcher.publish("pager/call/5", json.dumps({"ticket": "A023", "id": "unit-1"}))
        finished = watcher.event("finished", "unit-1", timeout=30)
        assert finished["late_s"] == 0
        onset = card.wait_for_sound(after=start)
        card.wait_for_frames(onset + int(finished["audio_s"] * card.rate))
        played = card.segment(onset, onset + int(finished["audio_s"] * card.rate))
        # Counter 5: the tenant hall (channels 1-2) and the food court (7-8), no other.
        assert np.any(played[:, 0]) and np.any(played[:, 6])
        assert not np.any(played[:, [2, 3, 4, 5]])

        # Reload through systemd (ExecReload: SIGHUP), then a clean stop.
        container.run("systemctl", "reload", "pager.service")
        assert watcher.event("config-reloaded")["node"] == "unit"
        container.run("systemctl", "stop", "pager.service")
        watcher.status("unit", "offline")
        stopped = show(container, "Result", "ExecMainStatus")
        assert stopped == {"Result": "success", "ExecMainStatus": "0"}, stopped

    journal = container.run("journalctl", "-u", "pager.service", "--no-pager", "-o", "cat").stdout
    assert "Traceback" not in journal, journal[-3000:]
    # systemd says so when it cannot apply a filter (IPAddressDeny= needs BPF on cgroup v2).
    system = container.run("journalctl", "-b", "--no-pager", "-o", "cat").stdout
    # ("Unit configures an IP firewall, but the local system does not support BPF/cgroup
    # firewalling.")
    assert "IP firewall" not in system, [line for line in system.splitlines() if "BPF" in line]
    # The rating of the unit as installed (with the broker drop-in), not of the file alone.
    rating = container.run("systemd-analyze", "security", "--no-pager", "pager.service").stdout
    score = float(rating.rsplit("exposure level for pager.service:", 1)[1].split()[0])
    assert score <= 2.0, rating[-500:]
    files = container.run("stat", "-c", "%a %U:%G %n", "/etc/pager/zones.yaml",
                          "/var/lib/pager").stdout.split("\n")  # fmt: skip
    assert files[0].startswith("640 root:pager"), files  # the config may hold a password
    assert files[1].startswith("700 "), files  # the journal of calls


def show(container: SystemdContainer, *properties: str) -> dict[str, str]:
    """`systemctl show pager.service` properties."""
    out = container.run("systemctl", "show", "pager.service", "-p", ",".join(properties)).stdout
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
