"""Killed at random points while calls keep coming, 200 times in a row: the databases stay
whole, no call taken is lost or heard twice (bench/power_cuts.py, whose figures BENCHMARKS.md
shows), and a config edit is never left half-written.
"""

from __future__ import annotations

import os
import random
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from bench.power_cuts import power_cuts
from pager import config
from tests.conftest import pager_command, write_config

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

KILLS = int(os.environ.get("PAGER_POWER_CUTS", "200"))


def test_two_hundred_kills_under_load_lose_no_call_play_none_twice_and_break_no_database(
    tmp_path: Path,
) -> None:
    cut = power_cuts(tmp_path, KILLS)
    seed = cut["seed"]
    assert not cut["broken"], f"{cut['broken']} (seed {seed})"
    assert cut["last_exit"] == 0 and cut["pending"] == [], cut
    assert not cut["refused"], cut["refused"]  # a test call the daemon refused would look lost
    lost = cut["lost"]
    assert not lost, (
        f"{len(lost)} of {cut['sent']} calls taken but never ended: {lost[:10]}"
        f"... {lost[-10:]} (seed {seed})"
    )
    assert not cut["twice"], f"heard twice: {cut['twice'][:10]} (seed {seed})"
    # Heavy writing all along: calls waited at nearly every kill, and many were played.
    assert cut["busy"] >= 0.9 * KILLS and cut["ended"] > 10 * KILLS, cut


def test_a_counter_add_killed_at_any_point_leaves_the_config_whole(tmp_path: Path) -> None:
    cfg = write_config(tmp_path / "zones.yaml")
    before = cfg.read_bytes()
    broker_dir = tmp_path / "mosquitto"
    broker_dir.mkdir()
    chance = random.Random()
    for n in range(KILLS):
        edit = subprocess.Popen(
            [*pager_command(), "counter", "add", f"{100 + n}", "--service", "SIM",
             "-c", str(cfg), "--mosquitto-dir", str(broker_dir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        time.sleep(chance.uniform(0, 1.2))  # the random point of the cut, not a wait
        edit.kill()
        edit.wait()
        for kept in (cfg, cfg.with_name("zones.yaml.bak")):  # the old file or the new one
            if kept.exists():
                loaded = yaml.safe_load(kept.read_bytes())
                assert isinstance(loaded, dict) and "counters" in loaded, kept.read_text()[-200:]
        config.load(cfg)  # whole and valid, after cut {n + 1}
    added = [c for c in yaml.safe_load(cfg.read_bytes())["counters"] if int(c) >= 100]
    assert cfg.read_bytes() != before and 0 < len(added) < KILLS, added  # cut before and after
