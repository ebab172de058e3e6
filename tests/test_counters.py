"""`pager counter add|list|remove`: the config edited in place (comments, order and layout
kept; validated before it is written; the previous file kept), the broker's login and ACL
(mosquitto_passwd's own file) and the API token made and revoked. The daemon and broker
reached end to end: tests/test_counters_e2e.py."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from pager import config
from pager.cli import main
from pager.config import tokens
from pager.tools import broker, running
from tests.conftest import EXAMPLE_CONFIG

HEADER = "# The MPP's paging config (this comment must survive every edit)\n"


def example(tmp_path: Path, tokens_file: bool = True) -> Path:
    """The example config, comments and all, with a tokens file and the broker's folder."""
    text = HEADER + EXAMPLE_CONFIG.read_text()
    if tokens_file:
        text += f"\nhttp:\n  listen: 127.0.0.1:8080\n  tokens_file: {tmp_path / 'api-tokens'}\n"
    path = tmp_path / "zones.yaml"
    path.write_text(text)
    path.chmod(0o640)
    return path


def mosquitto_dir(tmp_path: Path, counters: list[str]) -> Path:
    """A broker folder as scripts/broker-setup leaves it (no certificates: not needed here)."""
    folder = tmp_path / "mosquitto"
    (folder / "pager").mkdir(parents=True)
    broker.add_password(folder / "pager" / "passwd", "pager", "daemon-secret")
    broker.write_acl(folder / "pager", "pager", counters)
    return folder


def run(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert main(list(args)) == 0
    return capsys.readouterr().out


def test_add_writes_one_line_and_keeps_every_comment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = example(tmp_path)
    before = path.read_text()
    folder = mosquitto_dir(tmp_path, list(config.load(path).counters))
    out = run(capsys, "counter", "add", "-c", str(path), "9", "--service", "Imigrasi",
              "--zones", "mpp,food-court", "--max-priority", "announcement",
              "--mosquitto-dir", str(folder))  # fmt: skip
    after = path.read_text()
    added = [line for line in after.splitlines() if line not in before.splitlines()]
    assert added == [
        '  "9": {service: Imigrasi, zones: [mpp, food-court], max_priority: announcement}'
    ]
    assert after.replace(added[0] + "\n", "") == before  # nothing else moved
    assert Path(f"{path}.bak").read_text() == before
    assert stat.S_IMODE(path.stat().st_mode) == 0o640  # its mode kept
    counter = config.load(path).counters["9"]
    assert counter.zones == ("mpp", "food-court") and counter.service == "Imigrasi"
    # Its broker login (hashed by mosquitto_passwd) and ACL block, its token: printed once.
    assert "counter-9" in broker.known_users(folder / "pager" / "passwd")
    acl = (folder / "pager" / "acl").read_text()
    assert "user counter-9\ntopic write pager/call/9\ntopic write pager/cancel/9\n" in acl
    token = next(line.split()[1] for line in out.splitlines() if "token:" in line)
    password = next(line.split()[-1] for line in out.splitlines() if "password:" in line)
    assert tokens.matches(token, tokens.read(tmp_path / "api-tokens")["9"].hash)
    assert password not in (folder / "pager" / "passwd").read_text()
    assert "pager/call/9" in out and "/api/v1/calls" in out and "/counter" in out
    # Removed: the file as it was, the login and token gone.
    run(capsys, "counter", "remove", "-c", str(path), "9", "--mosquitto-dir", str(folder))
    assert path.read_text() == before
    assert "counter-9" not in broker.known_users(folder / "pager" / "passwd")
    assert "counter-9" not in (folder / "pager" / "acl").read_text()
    assert "9" not in tokens.read(tmp_path / "api-tokens")


def test_a_counter_takes_its_services_zones_and_the_style_of_its_neighbours(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "zones.yaml"
    path.write_text(
        "audio: {channels: 8}\nzones:\n  hall: {channels: [1]}\n  court: {channels: [2]}\n"
        "counters:\n  tax-1:\n    service: Pajak\n    zones: [hall, court]  # both\n"
        "# the end\n"
    )  # fmt: skip
    run(capsys, "counter", "add", "-c", str(path), "tax-2", "--service", "Pajak",
        "--mosquitto-dir", str(tmp_path / "none"))  # fmt: skip
    text = path.read_text()
    assert "  tax-2:\n    service: Pajak\n    zones: [hall, court]\n" in text
    assert "zones: [hall, court]  # both\n" in text and text.endswith("# the end\n")
    assert config.load(path).counters["tax-2"].zones == ("hall", "court")


def test_a_config_without_counters_gets_the_section(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "zones.yaml"
    path.write_text("# a new site\naudio: {channels: 2}\nzones:\n  hall: {channels: [1, 2]}\n"
                    "default_zones: [hall]\n")  # fmt: skip
    run(capsys, "counter", "add", "-c", str(path), "1", "--service", "SIM",
        "--mosquitto-dir", str(tmp_path / "none"))  # fmt: skip
    assert path.read_text().startswith("# a new site\n")
    assert config.load(path).counters["1"].zones == ("hall",)  # default_zones


def test_a_mistake_is_refused_before_anything_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = example(tmp_path)
    before = path.read_text()
    folder = mosquitto_dir(tmp_path, ["1"])
    acl = (folder / "pager" / "acl").read_text()
    code = main(["counter", "add", "-c", str(path), "9", "--service", "Imigrasi",
                 "--zones", "mpp,fod-court", "--mosquitto-dir", str(folder)])  # fmt: skip
    assert code == 78
    err = capsys.readouterr().err
    assert (
        'counters.9.zones[1]: unknown zone or group fod-court (did you mean "food-court"?)' in err
    )
    assert path.read_text() == before and not Path(f"{path}.bak").exists()
    assert (folder / "pager" / "acl").read_text() == acl
    assert not (tmp_path / "api-tokens").exists()
    assert main(["counter", "add", "-c", str(path), "5", "--service", "Pajak"]) == 2
    assert "counter 5 is in" in capsys.readouterr().err  # not silently replaced
    assert main(["counter", "remove", "-c", str(path), "90"]) == 2
    assert 'did you mean "9"' not in capsys.readouterr().err  # 9 was never added
    assert main(["counter", "add", "-c", str(path), "../x", "--service", "A"]) == 2


def test_list_shows_each_counters_rights_login_and_token(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = example(tmp_path)
    folder = mosquitto_dir(tmp_path, ["5"])
    broker.add_password(folder / "pager" / "passwd", "counter-5", "five")
    run(capsys, "counter", "token", "-c", str(path), "3")
    out = run(capsys, "counter", "list", "-c", str(path), "--mosquitto-dir", str(folder))
    rows = {line.split()[0]: line.split() for line in out.splitlines()[1:]}
    assert rows["5"][-2:] == ["counter-5", "-"]
    assert rows["3"][-2:] == ["-", "yes"]
    assert rows["8"][1:3] == ["Disdukcapil", "whole-building"]


def test_the_running_daemon_of_a_config_is_found_by_its_command_line(tmp_path: Path) -> None:
    path = example(tmp_path, tokens_file=False)
    other = tmp_path / "other.yaml"
    other.write_text("")
    # A process whose command line names the config as `pager run` would (it only sleeps),
    # read once it says it runs (before its exec, /proc shows pytest's own command line).
    script = "import time; print('ready', flush=True); time.sleep(60)"
    child = subprocess.Popen([sys.executable, "-c", script, "run", "-c", "zones.yaml"],
                             cwd=tmp_path, stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert child.stdout is not None and child.stdout.readline() == "ready\n"
    try:
        assert child.pid in running.daemons_of(path)
        assert child.pid not in running.daemons_of(other)
    finally:
        child.kill()
        child.wait()
    assert os.getpid() not in running.daemons_of(path)
