"""The broker set-up enforces rights, on a real Mosquitto: TLS, passwords, the ACL."""

from __future__ import annotations

import functools
import json
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.reasoncodes import ReasonCode

from pager import config
from pager.tools import broker
from tests.broker import Mosquitto, Watcher
from tests.conftest import EXAMPLE_CONFIG, ROOT, DaemonProcess, pager_command, write_config

PASSWORDS = {"pager": "daemon-secret", "operator": "desk-secret", "counter-5": "five-secret"}


def test_the_shipped_broker_files_are_the_generated_ones() -> None:
    example = config.load(EXAMPLE_CONFIG)
    shipped = ROOT / "config" / "mosquitto"
    assert (shipped / "acl").read_text() == broker.acl("pager", example.counters)
    assert (shipped / "pager.conf").read_text() == broker.mosquitto_conf(
        8883, Path("/etc/mosquitto/pager"), Path("/var/lib/mosquitto")
    )
    assert (shipped / "bridge.conf").read_text() == broker.bridge_conf(
        "market",
        "broker.hall.mpp.local:8883",
        Path("/etc/mosquitto/pager/remote-ca.crt"),
        "CHANGE-ME",
    )


@pytest.fixture
def secure(tmp_path: Path) -> Iterator[tuple[Mosquitto, Path]]:
    """Mosquitto as scripts/broker-setup leaves it: TLS only, passwords, the ACL."""
    folder = tmp_path / "mosquitto"
    folder.mkdir()
    broker.make_certificates(folder, ["localhost", "127.0.0.1"])
    for user, password in PASSWORDS.items():
        broker.add_password(folder / "passwd", user, password)
    (folder / "acl").write_text(broker.acl("pager", ["5", "3"]))
    conf = broker.mosquitto_conf(0, folder, tmp_path, bind="127.0.0.1")
    conf += "user root\n"  # the test runs as root: stay so, to read the test's own files
    with Mosquitto(tmp_path, conf=conf.replace("listener 0", "listener {port}")) as running:
        yield running, folder / "ca.crt"


def connects(port: int, ca: Path, login: tuple[str, str] | None) -> bool:
    """Whether the broker accepts this client (TLS, with or without a login)."""
    answered, accepted = threading.Event(), list[bool]()
    client = paho.Client(CallbackAPIVersion.VERSION2, protocol=paho.MQTTv5)
    client.tls_set(ca_certs=str(ca))
    if login:
        client.username_pw_set(*login)

    def on_connect(c: paho.Client, u: object, f: object, reason: ReasonCode, p: object) -> None:
        accepted.append(not reason.is_failure)
        answered.set()

    client.on_connect = on_connect
    client.connect("127.0.0.1", port)
    client.loop_start()
    try:
        assert answered.wait(10), "the broker did not answer"
    finally:
        client.disconnect()
        client.loop_stop()
    return accepted[0]


@pytest.mark.e2e
def test_a_counter_can_page_only_as_itself_and_strangers_not_at_all(
    tmp_path: Path, secure: tuple[Mosquitto, Path]
) -> None:
    mosquitto, ca = secure
    password_file = tmp_path / "mqtt.password"
    password_file.write_text(PASSWORDS["pager"] + "\n")
    password_file.chmod(0o600)
    cfg = write_config(
        tmp_path / "zones.yaml", node="tls",
        mqtt={"port": mosquitto.port, "host": "127.0.0.1", "username": "pager",
              "password_file": str(password_file), "tls": {"ca_file": str(ca)}},
    )  # fmt: skip
    daemon = DaemonProcess(
        ["run", "-c", str(cfg), "--record", str(tmp_path / "rec")], None, tmp_path / "daemon.log"
    )
    desk = Watcher(mosquitto.port, "pager/#", login=("operator", PASSWORDS["operator"]),
                   ca_file=ca)  # fmt: skip
    counter = Watcher(mosquitto.port, "pager/event/#", login=("counter-5", PASSWORDS["counter-5"]),
                      ca_file=ca)  # fmt: skip
    try:
        desk.status("tls", "online")  # the daemon works through TLS with its credentials
        counter.publish("pager/call/5", json.dumps({"ticket": "A1", "id": "own"}))
        assert desk.event("queued", "own")["counter"] == "5"
        counter.publish("pager/call/3", json.dumps({"ticket": "A2", "id": "as-3"}))
        counter.publish("pager/announce", json.dumps({"text": "Lelucon.", "id": "prank"}))
        counter.publish("pager/call/5", json.dumps({"ticket": "A3", "id": "after"}))
        desk.event("queued", "after")  # in order: what the broker refused came before it
        assert connects(mosquitto.port, ca, ("operator", PASSWORDS["operator"]))
        assert not connects(mosquitto.port, ca, None)  # anonymous: refused
        assert not connects(mosquitto.port, ca, ("counter-5", "guessed"))
    finally:
        desk.close()
        counter.close()
        assert daemon.stop() == 0, daemon.log
    ids = {b.get("id") for _, b in desk.seen if isinstance(b, dict)}
    assert "as-3" not in ids and "prank" not in ids


@pytest.mark.e2e
def test_an_untrusted_broker_stops_the_start_with_a_clear_error(
    tmp_path: Path, secure: tuple[Mosquitto, Path]
) -> None:
    mosquitto, _ = secure
    other = tmp_path / "other-ca"
    other.mkdir()
    broker.make_certificates(other, ["localhost"])
    cfg = write_config(
        tmp_path / "zones.yaml",
        mqtt={"port": mosquitto.port, "host": "127.0.0.1", "tls": {"ca_file": str(other / "ca.crt")}},
    )  # fmt: skip
    done = subprocess.run(
        [*pager_command(), "run", "-c", str(cfg), "--record", str(tmp_path / "rec")],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 69, done.stderr
    assert f"the MQTT broker 127.0.0.1:{mosquitto.port} is not trusted" in done.stderr
    assert "certificate" in done.stderr


def test_a_password_file_others_can_read_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "mqtt.password"
    secret.write_text("x\n")
    secret.chmod(0o644)
    cfg = write_config(tmp_path / "zones.yaml", mqtt={"username": "pager",
                                                      "password_file": str(secret)})  # fmt: skip
    done = subprocess.run([*pager_command(), "check", "-c", str(cfg)], capture_output=True,
                          text=True, timeout=60, check=False)  # fmt: skip
    assert done.returncode == 78
    assert "mqtt.password_file: " in done.stderr and "readable by group or others" in done.stderr


@pytest.mark.e2e
def test_the_broker_keeps_a_rush_of_calls_for_pager_while_it_is_away(
    tmp_path: Path, secure: tuple[Mosquitto, Path]
) -> None:
    mosquitto, ca = secure
    as_pager = functools.partial(Watcher, mosquitto.port, "pager/call/#", "pager-queue-test",
                                 ("pager", PASSWORDS["pager"]), ca)  # fmt: skip
    as_pager().close()  # its session, then away
    counter = Watcher(mosquitto.port, "pager/event/#", login=("counter-5", PASSWORDS["counter-5"]),
                      ca_file=ca)  # fmt: skip
    rush = 3000  # three times Mosquitto's own default limit, which drops two thirds of it
    try:
        for n in range(rush):
            counter.publish("pager/call/5", json.dumps({"ticket": "A1", "id": f"r{n}"}))
    finally:
        counter.close()
    back = as_pager()
    try:
        back.wait_for(lambda t, b: b["id"] == f"r{rush - 1}", timeout=60)
    finally:
        back.close()
    assert [b["id"] for t, b in back.seen] == [f"r{n}" for n in range(rush)]
