"""The daemon's message handling, without a broker or a sound card (fast, pure paths)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np

from pager import config
from pager.daemon import Daemon
from pager.mqtt import Inbound, classify
from pager.output import Report, Source
from tests.conftest import EXAMPLE_CONFIG


class NoSink:
    description = "nothing"

    def __init__(self) -> None:
        self.report: Report = lambda kind, detail: None

    def start(self, source: Source) -> None:
        source.render(np.zeros((64, 8), dtype=np.float32))

    def stop(self) -> None:
        pass


def daemon_with_events(tmp_path: Path) -> tuple[Daemon, list[dict[str, Any]]]:
    loaded = dataclasses.replace(config.load(EXAMPLE_CONFIG), state_dir=str(tmp_path))
    daemon = Daemon(loaded, NoSink())
    events: list[dict[str, Any]] = []
    daemon.link.publish_event = events.append  # type: ignore[method-assign,assignment]
    return daemon, events


def test_topics_are_classified() -> None:
    assert classify("pager", "pager/call/5") == ("call", "5")
    assert classify("pager", "pager/cancel/5") == ("cancel", "5")
    assert classify("pager", "pager/cancel") == ("cancel", None)
    assert classify("pager", "pager/announce") == ("announce", None)
    assert classify("pager", "pager/call/5/x") == ("unknown", None)
    assert classify("mpp/pager", "mpp/pager/call/A-1") == ("call", "A-1")


def test_a_retained_call_without_id_is_rejected_not_replayed(tmp_path: Path) -> None:
    daemon, events = daemon_with_events(tmp_path)
    daemon._on_message(Inbound("pager/call/5", "call", "5", b'{"ticket": "A1"}', 0, True), 0)
    assert [e["event"] for e in events] == ["rejected"]
    assert "retained call without an id" in events[0]["reason"]
    assert events[0]["ticket"] == "A1"


def test_cancel_of_nothing_is_rejected(tmp_path: Path) -> None:
    daemon, events = daemon_with_events(tmp_path)
    daemon._on_message(Inbound("pager/cancel", "cancel", None, b'{"id": "nope"}', 0), 0)
    assert events[0]["event"] == "rejected"
    assert events[0]["reason"] == "nothing to cancel: no queued or playing id nope"
