"""Brokers between buildings, end to end: two real Mosquitto instances, the second bridged
to the first as config/mosquitto/bridge.conf sets it up (TLS, the bridge's own login, kept
sessions), through a relay the test can cut. The node of building B plays the calls that
counters publish at building A, and what is published while the link is down waits at A and
is played once when it is back."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from pager.tools import broker
from tests.broker import Mosquitto, Watcher
from tests.conftest import DaemonProcess
from tests.proxy import Relay
from tests.site import site_config

pytestmark = pytest.mark.e2e

PASSWORDS = {"pager": "daemon-secret", "counter-5": "five-secret", "bridge": "bridge-secret"}
ZONES = {"hall": {"node": "hall", "channels": [1, 2]},
         "market": {"node": "market", "channels": [1, 2]}}  # fmt: skip


@pytest.fixture
def building_a(tmp_path: Path) -> Iterator[tuple[Mosquitto, Path]]:
    """The hall's broker, as scripts/broker-setup leaves it: TLS, logins, the ACL."""
    folder = tmp_path / "a"
    (folder / "pager").mkdir(parents=True)
    broker.make_certificates(folder / "pager", ["localhost", "127.0.0.1"])
    for user, password in PASSWORDS.items():
        broker.add_password(folder / "pager" / "passwd", user, password)
    (folder / "pager" / "acl").write_text(broker.acl("pager", ["5"]))
    conf = broker.mosquitto_conf(0, folder / "pager", folder, bind="127.0.0.1")
    conf = conf.replace("listener 0", "listener {port}") + "user root\n"
    with Mosquitto(folder, conf=conf) as running:
        yield running, folder / "pager" / "ca.crt"


def started(watcher: Watcher) -> Counter[str]:
    """Each call's `started` events (one with the same `ts` counts once: QoS 1 may hand the
    watcher an event twice across a reconnection)."""
    return Counter(
        i
        for i, _ in {
            (b["id"], b["ts"])
            for t, b in watcher.seen
            if t == "pager/event/market" and b.get("event") == "started"
        }
    )


def test_calls_at_building_a_play_at_building_b_and_wait_out_a_cut_bridge_once(
    tmp_path: Path, building_a: tuple[Mosquitto, Path]
) -> None:
    a, ca = building_a
    relay = Relay(a.port)
    folder_b = tmp_path / "b"
    folder_b.mkdir()
    bridge = broker.bridge_conf("market", f"127.0.0.1:{relay.port}", ca, PASSWORDS["bridge"])
    conf_b = (f"listener {{port}} 127.0.0.1\nallow_anonymous true\npersistence true\n"
              f"persistence_location {folder_b}/\nuser root\n{bridge}")  # fmt: skip
    with Mosquitto(folder_b, conf=conf_b) as b:
        link = Watcher(b.port, "$SYS/broker/connection/#")  # the bridge's state, at B
        login = ("counter-5", PASSWORDS["counter-5"])
        counter = Watcher(a.port, "pager/event/#", login=login, ca_file=ca)
        a_side = Watcher(a.port, "pager/status/#", login=login, ca_file=ca)
        up = lambda t, b: t.endswith("/state") and b == 1  # noqa: E731
        counters = {"5": {"zones": ["hall", "market"]}}
        site = site_config(
            tmp_path / "site.yaml", b.port, ZONES, counters, scheduling={"supersede": False}
        )  # three tickets of one counter
        daemon = DaemonProcess(["run", "-c", str(site), "--node", "market", "--record",
                                str(tmp_path / "rec")], None, tmp_path / "daemon.log")  # fmt: skip
        try:
            link.wait_for(up)
            # The node at B is online as seen from A: its status came over the bridge.
            a_side.status("market", "online")
            counter.publish("pager/call/5", json.dumps({"ticket": "A1", "id": "before"}))
            counter.event("finished", "before", timeout=40)

            relay.cut()
            link.wait_for(lambda t, b: t.endswith("/state") and b == 0, past=False)
            for n in (1, 2, 3):
                counter.publish("pager/call/5", json.dumps({"ticket": f"B{n}", "id": f"cut{n}"}))
            restored = time.time()
            relay.restore()
            link.wait_for(up, past=False, timeout=40)
            for n in (1, 2, 3):
                counter.event("finished", f"cut{n}", timeout=60)
        finally:
            assert daemon.stop() == 0, daemon.log
            relay.cut()
            for watcher in (link, counter, a_side):
                watcher.close()
    queued = {b["id"]: b["ts"] for t, b in counter.seen if b.get("event") == "queued"}
    assert all(queued[f"cut{n}"] > restored for n in (1, 2, 3))  # they waited at A
    assert started(counter) == Counter({"before": 1, "cut1": 1, "cut2": 1, "cut3": 1})
