"""Topics to message kinds (the MQTT contract's topic names); the link's status order."""

from __future__ import annotations

import queue
from pathlib import Path

import pytest

from pager import __version__, config
from pager.core.inputs import Connected
from pager.io.mqtt import MqttLink, classify
from pager.values.messages import MessageKind
from tests.broker import Mosquitto, Watcher
from tests.conftest import write_config


def test_topics_are_classified() -> None:
    assert classify("pager", "pager/call/5") == (MessageKind.CALL, "5")
    assert classify("pager", "pager/cancel/5") == (MessageKind.CANCEL, "5")
    assert classify("pager", "pager/cancel") == (MessageKind.CANCEL, None)
    assert classify("pager", "pager/announce") == (MessageKind.ANNOUNCE, None)
    assert classify("pager", "pager/call/5/x") == (MessageKind.UNKNOWN, None)
    assert classify("pager", "other/call/5") == (MessageKind.UNKNOWN, None)
    assert classify("mpp/pager", "mpp/pager/call/A-1") == (MessageKind.CALL, "A-1")


@pytest.mark.e2e
def test_no_online_status_reaches_the_broker_before_the_subscriptions_are_confirmed(
    tmp_path: Path, broker: Mosquitto, watcher: Watcher
) -> None:
    """A counter that sees "online" may publish at once: a status queued while the link was
    still connecting (the controller publishes on its own schedule) must not go out first."""
    cfg = config.load(write_config(tmp_path / "zones.yaml", node="early",
                                   mqtt={"port": broker.port}))  # fmt: skip
    inbox: queue.Queue[object] = queue.Queue()
    link = MqttLink(cfg, inbox)
    link.publish_status({"queues": {}})  # before the link is connected: not sent, ever
    link.start()
    try:
        assert isinstance(inbox.get(timeout=10), Connected)
        link.publish_status({"queues": {"tenant-hall": 0}})
        details = watcher.wait_for(lambda t, b: t == "pager/status/early" and "queues" in b)
    finally:
        link.stop()
    statuses = [b for t, b in watcher.seen if t == "pager/status/early"]
    assert statuses[0] == {"state": "online", "node": "early", "version": __version__,
                           "ts": statuses[0]["ts"]}  # fmt: skip
    assert details["queues"] == {"tenant-hall": 0}
    assert [b for b in statuses if b.get("queues") == {}] == []
