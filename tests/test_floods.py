"""Floods and hostile traffic on the real path: another counter's call still plays on time."""

from __future__ import annotations

import json
import os
import random
import threading
import time
from pathlib import Path

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from tests.broker import Mosquitto, Watcher
from tests.conftest import DaemonProcess, write_config
from tests.test_soak import process_usage
from tests.virtual_card import VirtualCard

pytestmark = pytest.mark.e2e


def flooder(port: int, stop: threading.Event, messages: list[tuple[str, bytes]]) -> int:
    """Publish the messages over and over (QoS 0, as fast as the broker takes them)."""
    client = paho.Client(CallbackAPIVersion.VERSION2, protocol=paho.MQTTv5)
    client.max_queued_messages_set(1000)
    client.connect("127.0.0.1", port)
    client.loop_start()
    sent = 0
    try:
        while not stop.is_set():
            topic, payload = messages[sent % len(messages)]
            client.publish(topic, payload, qos=0)
            sent += 1
            if sent % 200 == 0:
                time.sleep(0.001)  # let paho's thread write
    finally:
        client.disconnect()
        client.loop_stop()
    return sent


def test_a_counter_flooding_the_broker_does_not_delay_another_counters_call(
    tmp_path: Path, broker: Mosquitto, watcher: Watcher, card: VirtualCard
) -> None:
    cfg = write_config(tmp_path / "zones.yaml", node="flood", mqtt={"port": broker.port},
                       audio={"device": card.name})  # fmt: skip
    daemon = DaemonProcess(["run", "-c", str(cfg)], card.env(), tmp_path / "daemon.log")
    stop = threading.Event()
    calls = [("pager/call/1", json.dumps({"ticket": f"A{n}", "id": f"x{n}"}).encode())
             for n in range(1, 2000)]  # fmt: skip
    result: list[int] = []
    try:
        watcher.status("flood", "online")
        thread = threading.Thread(target=lambda: result.append(flooder(broker.port, stop, calls)))
        thread.start()
        watcher.wait_for(lambda t, b: isinstance(b, dict) and bool(b.get("count")), timeout=20)
        sent_at = time.monotonic()
        watcher.publish("pager/call/5", json.dumps({"ticket": "B7", "id": "victim"}))
        watcher.event("started", "victim", timeout=10)
        started_s = time.monotonic() - sent_at
        finished = watcher.event("finished", "victim", timeout=30)
        stop.set()
        thread.join(timeout=20)
    finally:
        stop.set()
        assert daemon.stop() == 0, daemon.log
    assert result and result[0] > 500  # the flood ran: hundreds of calls a second
    assert started_s < 1.0, started_s  # the other counter's call started within a second
    assert finished["late_s"] == 0  # and its speech came on time
    over = [b for _, b in watcher.seen if isinstance(b, dict) and b.get("event") == "rejected"]
    assert any("counter 1 sends more than 30 a minute" in str(b["reason"]) for b in over)


HOSTILE = [
    ("pager/call/5", b"not json"),
    ("pager/call/5", b"[" * 2000 + b"]" * 2000),
    ("pager/call/5", b'{"ticket": "A1", "ts": ' + b"9" * 3000 + b"}"),
    ("pager/call/5", b"\xff\xfe\x00garbage"),
    ("pager/call/5", b'{"ticket": ["A", 1], "id": {"x": 1}}'),
    ("pager/call/5", json.dumps({"ticket": "A1", "id": "x\ny"}).encode()),
    ("pager/call/" + "k" * 500, b'{"ticket": "A1"}'),
    ("pager/call/a+b", b'{"ticket": "A1"}'),
    ("pager/announce", json.dumps({"text": "9999 " * 99}).encode()),
    ("pager/announce", json.dumps({"text": "<speak>x</speak>"}).encode()),
    ("pager/announce", json.dumps({"text": "halo", "priority": "emergency", "zones": 5}).encode()),
    ("pager/cancel", b'{"id": "\\ud800"}'),
    ("pager/cancel/3", b'{"ticket": "A1"}'),
    ("pager/nowhere", b"{}"),
    ("pager/call/7", b"x" * 4000),
]


@pytest.mark.slow
def test_ten_thousand_hostile_messages_then_a_real_call_that_plays_within_2_s(
    tmp_path: Path, broker: Mosquitto, watcher: Watcher, card: VirtualCard
) -> None:
    cfg = write_config(tmp_path / "zones.yaml", node="fuzz", mqtt={"port": broker.port},
                       audio={"device": card.name})  # fmt: skip
    daemon = DaemonProcess(["run", "-c", str(cfg)], card.env(), tmp_path / "daemon.log")
    random.seed(7)
    try:
        watcher.status("fuzz", "online")
        before = process_usage(daemon.process.pid)
        clients = []
        for _ in range(4):
            client = paho.Client(CallbackAPIVersion.VERSION2, protocol=paho.MQTTv5)
            client.max_queued_messages_set(0)
            client.connect("127.0.0.1", broker.port)
            client.loop_start()
            clients.append(client)
        infos = []
        for n in range(10_000):
            topic, payload = random.choice(HOSTILE)
            infos.append(clients[n % 4].publish(topic, payload, qos=1))
        for info in infos:
            info.wait_for_publish(timeout=60)
        sent_at = time.monotonic()
        watcher.publish("pager/call/5", json.dumps({"ticket": "C9", "id": "real"}))
        watcher.event("started", "real", timeout=10)
        started_s = time.monotonic() - sent_at
        finished = watcher.event("finished", "real", timeout=30)
        after = process_usage(daemon.process.pid)
        for client in clients:
            client.disconnect()
            client.loop_stop()
    finally:
        assert daemon.stop() == 0, daemon.log
    assert started_s < 2.0, started_s
    assert finished["late_s"] == 0
    (rss_before, threads_before, _), (rss_after, threads_after, _) = before, after
    assert threads_after == threads_before
    assert rss_after < rss_before + 50_000, (rss_before, rss_after)  # kB
    assert "Traceback" not in daemon.log
    assert os.path.getsize(daemon.log_path) < 5_000_000  # rejections are summed up, not spewed
