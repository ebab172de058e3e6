"""`pager check` refuses what a start or a reload would refuse, with the reason."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.broker import free_port
from tests.conftest import pager_command, write_config


def check(cfg: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*pager_command(), "check", "-c", str(cfg)], capture_output=True, text=True, timeout=60,
        check=False,
    )  # fmt: skip


def test_check_reports_the_routing_the_voice_and_the_chime(tmp_path: Path) -> None:
    done = check(write_config(tmp_path / "zones.yaml"))
    assert done.returncode == 0, done.stderr
    assert "voice id: installed; chime bell: 1.96 s and a 0.50 s pause" in done.stdout
    assert "counter 5: tenant-hall, food-court" in done.stdout


@pytest.mark.parametrize(
    ("announcement", "code", "reason"),
    [
        ({"voice": "idd"}, 69, 'voice "idd" is not installed (did you mean "id"?)'),
        ({"chime": "notes.wav"}, 78, "announcement.chime: cannot read the file"),
    ],
)
def test_check_refuses_a_missing_voice_and_a_chime_that_is_not_audio(
    tmp_path: Path, announcement: dict[str, str], code: int, reason: str
) -> None:
    (tmp_path / "notes.wav").write_text("not a sound\n")
    done = check(write_config(tmp_path / "zones.yaml", announcement=announcement))
    assert done.returncode == code, done.stderr
    assert reason in done.stderr
    assert "OK" not in done.stdout


def test_say_prints_the_plain_words_and_the_ipa_the_engine_reads(tmp_path: Path) -> None:
    cfg = write_config(tmp_path / "zones.yaml")
    done = subprocess.run(
        [*pager_command(), "say", "-c", str(cfg), "--text", "Loket 4 tutup pukul 15.00 WIB",
         "--phonemes"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    sentence, ipa = done.stdout.splitlines()[:2]
    assert sentence == "Loket empat tutup pukul lima belas waktu Indonesia barat"
    assert "əmpˈat" in ipa and "lˈoket" in ipa and "bəlˈas" in ipa


def test_say_in_a_sensed_zone_without_a_running_pager_says_so(tmp_path: Path) -> None:
    food = {"channels": [7, 8], "noise_sensor": {"channel": 1, "reference_db": -10}}
    cfg = write_config(tmp_path / "zones.yaml", mqtt={"port": free_port()},
                       audio={"inputs": 2}, zones={"food-court": food})  # fmt: skip
    done = subprocess.run(
        [*pager_command(), "say", "-c", str(cfg), "--counter", "5", "--ticket", "A1",
         "--zone", "food-court"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "(zone food-court: no running pager tells its noise gain: without it)" in done.stdout
