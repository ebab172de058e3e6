"""Webhooks against the real daemon, broker and virtual card: a receiver that is down at
first, then up, gets each event it asked for once, in order per call, signed; other
counters' events never; the audio is never late for it; and a restart loses nothing."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.broker import Watcher, free_port
from tests.browser import password_file
from tests.conftest import DaemonOnCard

pytestmark = pytest.mark.e2e
SECRET = "sambal-matah-42"


class Receiver:
    """An agency's gateway: checks each POST's signature and keeps what it got, in order."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.got: list[dict[str, Any]] = []
        self.deliveries: list[str] = []
        self.bad_signatures = 0
        self._changed = threading.Condition()
        self._server: ThreadingHTTPServer | None = None

    def up(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
                signed = hmac.compare_digest(self.headers.get("X-Pager-Signature", ""), expected)
                self.send_response(204 if signed else 401)
                self.end_headers()
                with receiver._changed:
                    if signed:
                        receiver.got.append(json.loads(body))
                        receiver.deliveries.append(self.headers["X-Pager-Delivery"])
                    else:
                        receiver.bad_signatures += 1
                    receiver._changed.notify_all()

            def log_message(self, *_: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def down(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def wait_for(self, count: int, timeout: float = 90) -> list[dict[str, Any]]:
        with self._changed:
            assert self._changed.wait_for(lambda: len(self.got) >= count, timeout), self.got
            return list(self.got)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    made = Receiver(free_port())
    yield made
    made.down()


def configure(on_card: DaemonOnCard, tmp_path: Path, receiver: Receiver) -> Path:
    secret = password_file(tmp_path, SECRET)
    hook = {"url": f"http://127.0.0.1:{receiver.port}/pager", "secret_file": str(secret),
            "events": ["queued", "started", "finished"], "counters": ["5"]}  # fmt: skip
    return on_card.configure(
        "hooks",
        audio={"latency": "low"},
        notify={"webhooks": [hook]},
        scheduling={"supersede": False},
    )  # every call of counter 5 plays


def test_a_receiver_down_then_up_gets_each_event_once_in_order_signed(
    on_card: DaemonOnCard, tmp_path: Path, watcher: Watcher, receiver: Receiver
) -> None:
    daemon = on_card.start(configure(on_card, tmp_path, receiver))
    try:
        for n in range(3):
            watcher.publish("pager/call/5", json.dumps({"ticket": f"A{n + 1}", "id": f"w{n}"}))
        watcher.publish("pager/call/7", json.dumps({"ticket": "B1", "id": "not-asked"}))
        finished = [watcher.event("finished", f"w{n}", timeout=90) for n in range(3)]
        receiver.up()  # down until every call was heard: all of it waited on disk
        got = receiver.wait_for(9)
    finally:
        assert daemon.stop() == 0, daemon.log
    assert receiver.bad_signatures == 0
    assert len(got) == 9 and len(set(receiver.deliveries)) == 9, got  # each once
    assert {e["counter"] for e in got} == {"5"}
    for n in range(3):
        assert [e["event"] for e in got if e["id"] == f"w{n}"] == ["queued", "started",
                                                                   "finished"]  # fmt: skip
    assert all(e["late_s"] == 0 for e in finished), "the audio waited"


def test_what_a_receiver_did_not_take_survives_a_restart(
    on_card: DaemonOnCard, tmp_path: Path, watcher: Watcher, receiver: Receiver
) -> None:
    cfg = configure(on_card, tmp_path, receiver)
    daemon = on_card.start(cfg)
    watcher.publish("pager/call/5", json.dumps({"ticket": "C1", "id": "kept"}))
    watcher.event("finished", "kept", timeout=90)
    assert daemon.stop() == 0, daemon.log
    receiver.up()
    daemon = on_card.start(cfg, log="again.log")
    try:
        got = receiver.wait_for(3)
    finally:
        assert daemon.stop() == 0, daemon.log
    assert [(e["id"], e["event"]) for e in got] == [("kept", "queued"), ("kept", "started"),
                                                     ("kept", "finished")]  # fmt: skip
