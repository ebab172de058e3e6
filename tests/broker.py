"""A private Mosquitto broker on a free port, and a client that collects what is published."""

from __future__ import annotations

import json
import math
import os
import queue
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from tests import e2e

START_TIMEOUT_S = 10


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def mark() -> float:
    """Now, as a lower bound for the `ts` of what the daemon publishes from now on: floored to
    the millisecond, since the daemon rounds its `ts` (an event 0.4 ms later is stamped
    earlier than a plain time.time() taken before it)."""
    return math.floor(time.time() * 1000) / 1000


class Mosquitto:
    """`mosquitto` started with its own config; ready once it logs that it is running."""

    def __init__(self, directory: Path, persistent: bool = False, conf: str | None = None) -> None:
        self.directory = directory
        self.port = free_port()
        self.persistent = persistent  # keep sessions and queued messages across a restart
        self.conf = conf  # a whole config of our own; "{port}" stands for the free port
        self.process: subprocess.Popen[str] | None = None
        self.log: list[str] = []

    def __enter__(self) -> Mosquitto:
        e2e.require("a broker")
        self.start()
        return self

    def start(self) -> None:
        binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        conf = self.directory / "mosquitto.conf"
        # Started as root, mosquitto drops to user mosquitto, which cannot write in pytest's
        # private (0700) directories: it would lose every session at a restart. Stay root.
        stay = "user root\n" if os.geteuid() == 0 else ""
        persistence = (
            f"persistence true\npersistence_location {self.directory}/\n{stay}"
            if self.persistent
            else "persistence false\n"
        )
        logging = (
            "log_dest stderr\nlog_type error\nlog_type warning\nlog_type notice\n"
            "log_type information\n"
        )
        if self.conf is not None:
            conf.write_text(self.conf.replace("{port}", str(self.port)) + logging)
        else:
            conf.write_text(
                f"listener {self.port} 127.0.0.1\nallow_anonymous true\n{persistence}{logging}"
            )
        self.process = subprocess.Popen(
            [binary, "-c", str(conf)], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
        )
        running = threading.Event()

        def drain() -> None:
            assert self.process is not None and self.process.stderr is not None
            for line in self.process.stderr:
                self.log.append(line)
                if " running" in line:
                    running.set()

        threading.Thread(target=drain, daemon=True).start()
        if not running.wait(START_TIMEOUT_S):
            self.stop()
            raise RuntimeError("mosquitto did not start:\n" + "".join(self.log))

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def __exit__(self, *exc: object) -> None:
        self.stop()


SHOWN = 40  # messages shown when a wait fails


class Watcher:
    """Subscribes to a topic filter and keeps every message (JSON-decoded when it can)."""

    def __init__(
        self,
        port: int,
        topic: str | tuple[str, ...] = "#",
        session: str | None = None,
        login: tuple[str, str] | None = None,
        ca_file: Path | None = None,
    ) -> None:
        self.messages: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.seen: list[tuple[str, Any]] = []
        self._events: dict[tuple[str, str], Any] = {}  # (event, id) -> first such event
        subscribed = threading.Event()
        # With a session name, the broker keeps our subscription and queues messages for us
        # while we are disconnected (a broker restart with persistence).
        self.client = paho.Client(
            CallbackAPIVersion.VERSION2, client_id=session or "", protocol=paho.MQTTv5
        )
        if login:
            self.client.username_pw_set(*login)
        if ca_file:
            self.client.tls_set(ca_certs=str(ca_file))
        topics = (topic,) if isinstance(topic, str) else topic
        self.connected = threading.Event()

        def on_connect(client: paho.Client, *_: Any) -> None:
            self.connected.set()
            client.subscribe([(t, 1) for t in topics])

        self.client.on_connect = on_connect
        self.client.on_disconnect = lambda *_: self.connected.clear()
        self.client.on_subscribe = lambda *_: subscribed.set()
        self.client.on_message = self._on_message
        self.client.reconnect_delay_set(1, 2)
        properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        properties.SessionExpiryInterval = 3600 if session else 0
        self.client.connect("127.0.0.1", port, clean_start=not session, properties=properties)
        self.client.loop_start()
        if not subscribed.wait(START_TIMEOUT_S):
            raise RuntimeError("the test client could not subscribe")

    def _on_message(self, client: paho.Client, userdata: Any, message: paho.MQTTMessage) -> None:
        try:
            body: Any = json.loads(message.payload)
        except ValueError:
            body = message.payload
        self.messages.put((message.topic, body))

    def wait_for(
        self, match: Callable[[str, Any], bool], timeout: float = 20, past: bool = True
    ) -> Any:
        """The first message (seen before, if `past`, or arriving) that `match` accepts."""
        for topic, body in self.seen if past else ():
            if match(topic, body):
                return body
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    f"no matching message within {timeout} s; the last {SHOWN} of"
                    f" {len(self.seen)} seen: {self.seen[-SHOWN:]}"
                )
            try:
                topic, body = self.messages.get(timeout=remaining)
            except queue.Empty:
                continue
            self.seen.append((topic, body))
            if "/event/" in topic and isinstance(body, dict) and body.get("id") is not None:
                self._events.setdefault((body["event"], body["id"]), body)
            if match(topic, body):
                return body

    def status(self, node: str, state: str, timeout: float = 20) -> Any:
        """The first retained status of `node` in `state` ("online" or "offline")."""
        return self.wait_for(
            lambda t, b: t == f"pager/status/{node}" and b["state"] == state, timeout
        )

    def event(self, name: str, call_id: str | None = None, timeout: float = 20) -> Any:
        if call_id is not None and (name, call_id) in self._events:
            return self._events[(name, call_id)]  # every past event with an id is indexed
        return self.wait_for(
            lambda t, b: "/event/" in t and isinstance(b, dict) and b.get("event") == name
            and (call_id is None or b.get("id") == call_id),
            timeout,
            past=call_id is None,
        )  # fmt: skip

    def event_since(self, name: str, after: float, timeout: float = 30, **fields: Any) -> Any:
        """The first `name` event stamped at or after Unix time `after` (see mark()) whose
        body holds `fields`."""
        return self.wait_for(
            lambda t, b: "/event/" in t and isinstance(b, dict) and b.get("event") == name
            and b["ts"] >= after and all(b.get(k) == v for k, v in fields.items()),
            timeout,
        )  # fmt: skip

    def publish(self, topic: str, payload: str | bytes) -> None:
        """Publish with QoS 1 once connected (after a broker restart, once reconnected)."""
        assert self.connected.wait(30), "the test's client could not reconnect to the broker"
        self.client.publish(topic, payload, qos=1).wait_for_publish(timeout=5)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
