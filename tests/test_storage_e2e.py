"""A state directory that cannot be written (full, then an I/O error), recordings on a full disk, a
config file that cannot be read at a reload: every call is still heard, the failure is
reported once with its reason and path, and its end is reported by itself.

Each disk is a small ext4 image in a mount namespace of the test's own (tests/small_disk.py); the
daemon runs inside it, on the paced virtual card or recording WAV files.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pager import config
from pager.audio import chime
from tests.broker import Mosquitto, Watcher, mark
from tests.conftest import DaemonOnCard, DaemonProcess, write_config
from tests.signals import occurrences
from tests.small_disk import SmallDisk
from tests.virtual_card import VirtualCard

pytestmark = pytest.mark.e2e

HALL = 0  # the tenant hall's first output


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[SmallDisk]:
    small = SmallDisk(tmp_path / "state")  # the config's state_dir (tests.conftest)
    yield small
    small.close()


def storage_event(watcher: Watcher, name: str, store: str, after: float) -> Any:
    """The first `name` event about `store` published after Unix time `after`."""
    return watcher.event_since(name, after, store=store)


def storage_status(watcher: Watcher, node: str, state: str) -> Any:
    return watcher.wait_for(
        lambda t, b: t == f"pager/status/{node}" and isinstance(b, dict)
        and b.get("storage") == state, 30,
    )  # fmt: skip


def heard(watcher: Watcher, ident: str) -> None:
    watcher.publish("pager/call/5", json.dumps({"ticket": "A1", "id": ident}))
    watcher.event("finished", ident, timeout=40)


def test_a_full_then_broken_state_disk_costs_no_call_and_is_reported_until_it_is_back(
    on_card: DaemonOnCard, disk: SmallDisk, watcher: Watcher, card: VirtualCard
) -> None:
    cfg = on_card.configure("disk")
    daemon = on_card.start(cfg, prefix=disk.prefix)
    journal = str(disk.path / "calls.db")
    first = card.frames
    heard(watcher, "before")

    full_at = mark()
    disk.fill()
    heard(watcher, "full")  # taken at most once, and announced
    failed = storage_event(watcher, "storage-failed", "journal", full_at)
    assert failed["path"] == journal and "full" in failed["reason"], failed
    status = storage_status(watcher, "disk", "failed")
    assert status["storage_failing"][0]["store"] == "journal", status
    assert storage_event(watcher, "storage-failed", "call-log", full_at)["reason"]

    freed_at = mark()
    disk.free()  # no call needed: the daemon tries the disk again by itself
    assert storage_event(watcher, "storage-restored", "journal", freed_at)["path"] == journal
    restored = storage_event(watcher, "storage-restored", "call-log", freed_at)
    assert restored["lost"] == 0, restored  # what it could not write was kept until it could
    assert storage_status(watcher, "disk", "ok")["storage_failing"] == []

    broken_at = mark()
    disk.break_down()  # every write fails with an I/O error
    heard(watcher, "broken")
    assert storage_event(watcher, "storage-failed", "journal", broken_at)["reason"]
    storage_event(watcher, "storage-failed", "call-log", broken_at)
    back_at = mark()
    disk.mount_afresh()
    storage_event(watcher, "storage-restored", "journal", back_at)
    storage_event(watcher, "storage-restored", "call-log", back_at)
    heard(watcher, "after")
    assert daemon.stop() == 0, daemon.log

    loaded = config.load(cfg)
    bell = chime.prepared(loaded.announcement, loaded.audio.sample_rate)
    hall = card.segment(first, card.frames)[:, HALL].astype(np.float64)
    assert len(occurrences(hall, bell)) == 4, "not every call was heard"
    # The call log holds every call, those of the failing disk too (written once it could be).
    logged = subprocess.run(
        [*disk.prefix, sys.executable, "-c",
         "import sys; from pager.io import calllog; print(' '.join(e.id for e in "
         "calllog.read(calllog.Path(sys.argv[1])) if e.event == 'finished'))",
         str(disk.path / "history.db")],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    assert logged == ["before", "full", "broken", "after"], logged
    for name in ("calls.db", "history.db"):  # the disk's failures left both whole
        check = (
            f"import sqlite3; print(sqlite3.connect('{disk.path / name}')"
            ".execute('PRAGMA integrity_check').fetchone()[0])"
        )
        assert disk.run(f'{sys.executable} -c "{check}"').strip() == "ok", name
    # Said once per failure of each store, not per call or per retry.
    failures = [line for line in daemon.log.splitlines() if "cannot write the" in line]
    assert len(failures) == 4, failures


def test_recordings_on_a_full_disk_and_an_unreadable_config_are_reported_and_recover(
    tmp_path: Path, broker: Mosquitto, watcher: Watcher
) -> None:
    recordings = SmallDisk(tmp_path / "rec")
    cfg = write_config(tmp_path / "zones.yaml", node="rec", mqtt={"port": broker.port})
    daemon = DaemonProcess(["run", "-c", str(cfg), "--record", str(recordings.path)], None,
                           tmp_path / "daemon.log", recordings.prefix)  # fmt: skip
    try:
        watcher.status("rec", "online")
        full_at = mark()
        recordings.fill()
        heard(watcher, "unrecorded")
        failed = storage_event(watcher, "storage-failed", "recordings", full_at)
        assert failed["path"] == str(recordings.path) and "unrecorded" not in failed["reason"]
        recordings.free()
        freed_at = mark()
        heard(watcher, "recorded")
        restored = storage_event(watcher, "storage-restored", "recordings", freed_at)
        assert restored["lost"] >= 1, restored  # what the full disk could not take
        files = recordings.run(f"ls '{recordings.path}'").split()
        for zone in ("tenant-hall", "food-court"):
            assert any(f.endswith(f"-{zone}.wav") for f in files), files
        assert not [f for f in files if f.endswith(".part")], files  # none left half-written

        moved = cfg.rename(tmp_path / "elsewhere.yaml")
        gone_at = mark()
        daemon.process.send_signal(signal.SIGHUP)
        rejected = watcher.event_since("config-rejected", gone_at, timeout=20)
        assert "cannot read the file" in rejected["reason"], rejected
        unreadable = storage_event(watcher, "storage-failed", "config", gone_at)
        assert unreadable["path"] == str(cfg) and "No such file" in unreadable["reason"]
        moved.rename(cfg)
        back_at = mark()
        daemon.process.send_signal(signal.SIGHUP)
        storage_event(watcher, "storage-restored", "config", back_at)
        assert storage_status(watcher, "rec", "ok")["storage_failing"] == []
    finally:
        assert daemon.stop() == 0, daemon.log
        recordings.close()
