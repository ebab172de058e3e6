"""The lock of a node with a standby PC: exactly one of its daemons is active.

The lock is the retained message on `{prefix}/lock/{node}`: `{"holder": ..., "host": ...}`
while a daemon holds it, nothing when it is free. The holder keeps a connection of its own
to the broker whose last will (an empty retained message) frees the lock when that
connection dies: at once when the process dies (`kill -9`: the kernel closes its socket),
within 1.5 x KEEPALIVE_S when the PC or its network does.

A daemon claims a free lock by publishing itself as holder, then waits CONFIRM_S: the broker
hands every subscriber the claims in one order, so when two claim at once both see the same
last one, and that one holds it. A standby leaves a freed lock alone for FREE_GRACE_S first,
and after its own reconnection it leaves it START_GRACE_S: a broker restart publishes every
will (the lock is freed), and the active daemon, which claims the lock again on every
reconnection, must have it back before the standby would take over.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import secrets
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.reasoncodes import ReasonCode

from pager.config.model import Config
from pager.io.mqtt import RECONNECT_MIN_S, tls_context

log = logging.getLogger(__name__)

KEEPALIVE_S = 2  # a dead PC frees the lock after 1.5 x this
SETTLE_S = 1.0  # after subscribing: the retained lock, if any, has come
CONFIRM_S = 0.5  # after a claim: no later claim came
FREE_GRACE_S = 1.0  # a standby leaves a freed lock to its holder this long
START_GRACE_S = 3.0  # a standby started with the lock free: the active may be booting too


class NodeLock:
    """Wins the node's lock (at once, or once the holder is gone, with `standby`) and tells
    `on_won`; tells `on_lost` if another daemon holds it later (split brain after a network
    cut: this one must stop playing)."""

    def __init__(self, config: Config, standby: bool, on_won: Callable[[], None],
                 on_lost: Callable[[str], None]) -> None:  # fmt: skip
        self.topic = f"{config.mqtt.topic_prefix}/lock/{config.node}"
        self.config = config
        self.standby = standby
        self.host = socket.gethostname()
        self.token = f"{self.host}-{os.getpid()}-{secrets.token_hex(3)}"
        self.on_won, self.on_lost = on_won, on_lost
        self.holder: str | None = None  # the last holder seen
        self.won = threading.Event()
        self._changes: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._connected = threading.Event()
        self._connected_at = 0.0
        self._stopping = threading.Event()
        client = paho.Client(CallbackAPIVersion.VERSION2, client_id=f"pager-lock-{self.token}",
                             protocol=paho.MQTTv5)  # fmt: skip
        client.will_set(self.topic, b"", 1, retain=True)
        if config.mqtt.username:
            client.username_pw_set(config.mqtt.username, config.broker_password())
        tls = tls_context(config)
        if tls is not None:
            client.tls_set_context(tls)
        client.reconnect_delay_set(RECONNECT_MIN_S, 2)  # back within START_GRACE_S
        client.on_connect = self._on_connect
        client.on_disconnect = lambda *_: self._connected.clear()
        client.on_message = self._on_message
        self._client = client

    def start(self) -> None:
        mqtt = self.config.mqtt
        self._client.connect_async(mqtt.host, mqtt.port, KEEPALIVE_S)
        self._client.loop_start()
        threading.Thread(target=self._run, name="node-lock", daemon=True).start()

    def stop(self) -> None:
        """Free the lock (the standby takes over) and disconnect."""
        self._stopping.set()
        if self.won.is_set() and self._connected.is_set():
            self._client.publish(self.topic, b"", 1, retain=True).wait_for_publish(timeout=5)
        self._client.disconnect()
        self._client.loop_stop()

    # -- paho's thread: hand over only ---------------------------------------------------------

    def _on_connect(self, client: paho.Client, userdata: Any, flags: Any, reason: ReasonCode,
                    props: Any) -> None:  # fmt: skip
        try:
            if reason.is_failure:
                log.error("the broker refused the lock's connection: %s", reason)
                return
            client.subscribe(self.topic, qos=1)
            if self.won.is_set():  # a broker restart published our will: the lock is ours
                client.publish(self.topic, self._claim_body(), 1, retain=True)
            self._connected_at = time.monotonic()
            self._connected.set()
        except Exception:
            log.exception("error in the lock's connect handler")

    def _on_message(self, client: paho.Client, userdata: Any, message: paho.MQTTMessage) -> None:
        try:
            holder = None
            if message.payload:
                body = json.loads(message.payload)
                holder = str(body["holder"]) if isinstance(body, dict) else None
            self._changes.put(holder)
        except Exception:
            log.exception("a bad message on %s", self.topic)
            self._changes.put(None)

    # -- the election ------------------------------------------------------------------------

    def _next(self, timeout: float) -> bool:
        """Take the lock's changes for up to `timeout` s; False when stopping."""
        deadline = time.monotonic() + timeout
        while not self._stopping.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return True
            try:
                self.holder = self._changes.get(timeout=min(remaining, 0.2))
            except queue.Empty:
                continue
        return False

    def _run(self) -> None:
        while not self._connected.wait(0.2):
            if self._stopping.is_set():
                return
        if not self._next(SETTLE_S):
            return
        if self.standby and self.holder is None and not self._next(START_GRACE_S):
            return
        log.info(
            "node %s: %s",
            self.config.node,
            f"held by {self.holder}; standing by" if self.holder else "the lock is free",
        )
        while not self._stopping.is_set():
            if self.holder is not None and self.holder != self.token:
                if not self._next(0.5):
                    return
                continue
            if self.standby and self.holder is None and not self._waited_free():
                continue
            if self._claim():
                break
        if self._stopping.is_set():
            return
        self.won.set()
        log.warning("node %s: this daemon (%s) holds the lock: active", self.config.node,
                    self.token)  # fmt: skip
        self.on_won()
        self._keep()

    def _waited_free(self) -> bool:
        """A freed lock stayed free for FREE_GRACE_S, and START_GRACE_S since this daemon's
        own (re)connection (its holder did not claim it back)."""
        since = time.monotonic() - self._connected_at
        self._next(max(FREE_GRACE_S, START_GRACE_S - since))
        return self.holder is None and self._connected.is_set()

    def _claim_body(self) -> str:
        return json.dumps({"holder": self.token, "host": self.host,
                           "since": round(time.time(), 3)})  # fmt: skip

    def _claim(self) -> bool:
        self._client.publish(self.topic, self._claim_body(), 1, retain=True)
        deadline = time.monotonic() + 10
        while self.holder != self.token and time.monotonic() < deadline:  # our claim's echo
            if not self._next(0.1):
                return False
            if self.holder not in (None, self.token):
                return False  # another claimed after us
        return self._next(CONFIRM_S) and self.holder == self.token

    def _keep(self) -> None:
        """Hold the lock: claim it back if it was freed (a broker restart), stop if another
        daemon holds it."""
        while self._next(1.0):
            if self.holder is None and self._connected.is_set():
                self._client.publish(self.topic, self._claim_body(), 1, retain=True)
                self._next(CONFIRM_S)
            if self.holder not in (None, self.token):
                log.error("node %s: %s holds the lock now; this daemon stops playing",
                          self.config.node, self.holder)  # fmt: skip
                self.on_lost(str(self.holder))
                return
