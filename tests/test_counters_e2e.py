"""A counter in one command, end to end: `pager counter add` on a running daemon, its broker
(TLS, passwords, the ACL, as scripts/broker-setup leaves it) and the virtual card; then a
call from the new counter over MQTT with its new login and over HTTP with its new token, both
heard; the config's comments still there; `pager counter remove` takes both away again."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from pager import config
from pager.audio import chime
from pager.tools import broker
from tests.broker import Mosquitto, Watcher, free_port
from tests.conftest import DaemonOnCard, pager_command
from tests.signals import occurrences
from tests.test_api_e2e import send
from tests.test_broker import connects
from tests.virtual_card import VirtualCard

pytestmark = pytest.mark.e2e
HEADER = "# The MPP's paging config: kept by every `pager counter` edit\n"
HALL = 0  # the tenant hall's first output


@pytest.fixture
def secured(tmp_path: Path) -> Iterator[tuple[Mosquitto, Path, dict[str, str]]]:
    """Mosquitto as scripts/broker-setup leaves it in tmp/mosquitto (its pid file in its
    mosquitto.conf, as Debian's has one: how `pager counter` reloads it)."""
    directory = tmp_path / "mosquitto"
    folder = directory / "pager"
    folder.mkdir(parents=True)
    broker.make_certificates(folder, ["localhost", "127.0.0.1"])
    passwords = {"pager": "daemon-secret", "operator": "desk-secret"}
    for user, password in passwords.items():
        broker.add_password(folder / "passwd", user, password)
    broker.write_acl(folder, "pager", ["5"])
    conf = broker.mosquitto_conf(0, folder, None, bind="127.0.0.1")
    conf += f"user root\npid_file {directory / 'mosquitto.pid'}\n"
    with Mosquitto(directory, conf=conf.replace("listener 0", "listener {port}")) as running:
        yield running, folder / "ca.crt", passwords


def counter_add(cfg: Path, directory: Path, *args: str) -> str:
    done = subprocess.run([*pager_command(), "counter", *args, "-c", str(cfg),
                           "--mosquitto-dir", str(directory)],
                          capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_counter_added_on_a_running_daemon_calls_over_mqtt_and_http(
    tmp_path: Path, secured: tuple[Mosquitto, Path, dict[str, str]], card: VirtualCard
) -> None:
    mosquitto, ca, passwords = secured
    password_file = tmp_path / "mqtt.password"
    password_file.write_text(passwords["pager"] + "\n")
    password_file.chmod(0o600)
    desk = Watcher(mosquitto.port, "pager/#", login=("operator", passwords["operator"]),
                   ca_file=ca)  # fmt: skip
    on_card = DaemonOnCard(tmp_path, mosquitto, desk, card)
    port = free_port()
    cfg = on_card.configure(
        "count", audio={"latency": "low"},
        mqtt={"host": "127.0.0.1", "username": "pager", "password_file": str(password_file),
              "tls": {"ca_file": str(ca)}},
        http={"listen": f"127.0.0.1:{port}", "tokens_file": str(tmp_path / "api-tokens")},
    )  # fmt: skip
    cfg.write_text(HEADER + cfg.read_text().replace("counters:", "# the agencies\ncounters:"))
    try:
        daemon = on_card.start(cfg)
        mark = card.frames
        out = counter_add(cfg, mosquitto.directory, "add", "9", "--service", "Imigrasi",
                          "--zones", "tenant-hall")  # fmt: skip
        password = next(line.split()[-1] for line in out.splitlines() if "password:" in line)
        token = next(line.split()[1] for line in out.splitlines() if "token:" in line)
        assert f"pid {daemon.process.pid}" in out and "Mosquitto (pid" in out, out
        assert "9" in desk.event("config-reloaded")["counters"]
        counter = Watcher(mosquitto.port, "pager/event/#", login=("counter-9", password),
                          ca_file=ca)  # fmt: skip
        try:
            counter.publish("pager/call/9", json.dumps({"ticket": "B1", "id": "by-mqtt"}))
            assert desk.event("finished", "by-mqtt")["counter"] == "9"
        finally:
            counter.close()
        base = f"http://127.0.0.1:{port}/api/v1"
        answer = send(f"{base}/calls", token, {"ticket": "B2", "id": "by-http"})
        assert answer.status == 202, answer
        assert desk.event("finished", "by-http")["counter"] == "9"
        me = send(f"{base}/counter", token)  # the caller page knows it after the reload
        assert me.body["service"] == "Imigrasi" and me.body["zones"] == ["tenant-hall"], me
        card.wait_for_frames(card.frames + card.rate // 2)
        loaded = config.load(cfg)
        bell = chime.prepared(loaded.announcement, loaded.audio.sample_rate)
        hall = card.segment(mark, card.frames)[:, HALL].astype(np.float64)
        assert len(occurrences(hall, bell)) == 2, "the two calls were not both heard"
        text = cfg.read_text()
        assert text.startswith(HEADER) and "# the agencies\ncounters:" in text
        # Removed: its login and token no longer work, on the running daemon and broker.
        counter_add(cfg, mosquitto.directory, "remove", "9")
        desk.wait_for(lambda t, b: isinstance(b, dict) and b.get("event") == "config-reloaded"
                      and "9" not in b["counters"], past=False)  # fmt: skip
        assert not connects(mosquitto.port, ca, ("counter-9", password))
        assert send(f"{base}/calls", token, {"ticket": "B3"}).status == 401
    finally:
        on_card.close()
        desk.close()
    assert token not in daemon.log and password not in daemon.log
