"""The `e2e` marker is required of every test that starts a real part (tests/e2e.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.broker import Mosquitto
from tests.conftest import DaemonProcess
from tests.virtual_card import VirtualCard


def test_a_test_without_the_marker_cannot_start_a_broker_a_card_or_the_daemon(
    tmp_path: Path,
) -> None:
    with (
        pytest.raises(RuntimeError, match=r"mark the test @pytest\.mark\.e2e"),
        Mosquitto(tmp_path),
    ):
        pass
    with pytest.raises(RuntimeError, match="starts the virtual sound card"), VirtualCard(tmp_path):
        pass
    with pytest.raises(RuntimeError, match="starts pager run"):
        DaemonProcess(["run"], None, tmp_path / "daemon.log")
