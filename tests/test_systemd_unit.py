"""The systemd unit is valid and runs pager the way the README says."""

from __future__ import annotations

import configparser
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT, pager_command

UNIT = ROOT / "systemd" / "pager.service"


def unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(UNIT)
    return parser


def test_unit_runs_as_a_service_user_in_the_audio_group_and_restarts() -> None:
    service = unit()["Service"]
    assert service["User"] == "pager"
    assert service["SupplementaryGroups"] == "audio"
    assert service["Restart"] == "on-failure"
    assert service["RestartPreventExitStatus"] == "78"  # config mistakes: pager's exit code
    assert service["ExecStart"].split()[1:] == ["run", "--config", "/etc/pager/zones.yaml"]
    assert service["DeviceAllow"] == "char-alsa rw"
    assert "PrivateDevices" not in service


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_systemd_accepts_the_unit(tmp_path: Path) -> None:
    text = UNIT.read_text().replace("/opt/pager/.venv/bin/pager", pager_command()[0])
    copy = tmp_path / "pager.service"
    copy.write_text(text)
    done = subprocess.run(
        ["systemd-analyze", "verify", str(copy)], capture_output=True, text=True, check=False
    )
    problems = [line for line in done.stderr.splitlines() if "pager.service" in line]
    assert not problems, problems


def test_unit_grants_no_capability_and_reaches_only_the_broker() -> None:
    service = unit()["Service"]
    assert service["CapabilityBoundingSet"] == "" and service["AmbientCapabilities"] == ""
    assert service["IPAddressDeny"] == "any" and service["IPAddressAllow"] == "localhost"
    assert service["SystemCallFilter"] == "@system-service"
    assert service["SystemCallErrorNumber"] == "EPERM"  # a refused call fails, never kills
    assert service["UMask"] == "0077" and service["StateDirectoryMode"] == "0700"
    assert "AF_NETLINK" not in service["RestrictAddressFamilies"]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_systemd_rates_the_unit_ok(tmp_path: Path) -> None:
    copy = tmp_path / "pager.service"
    copy.write_text(UNIT.read_text().replace("/opt/pager/.venv/bin/pager", pager_command()[0]))
    done = subprocess.run(
        ["systemd-analyze", "security", "--offline=true", str(copy)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    score = float(done.stdout.rsplit("exposure level for pager.service:", 1)[1].split()[0])
    assert score <= 2.0, done.stdout[-500:]  # 5.6 MEDIUM before this hardening
