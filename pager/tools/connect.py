"""A short-lived MQTT client for the operators' commands, with the config's broker, login
and TLS (or the operator desk's login), never the daemon's own client id."""

from __future__ import annotations

import argparse
import queue
import uuid
from pathlib import Path
from typing import Any, cast

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.reasoncodes import ReasonCode

from pager.config import checks
from pager.config.model import Config
from pager.errors import BrokerError
from pager.io.mqtt import tls_context

CONNECT_TIMEOUT_S = 10


def add_login_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--username", help="broker login (default: the config's mqtt.username)")
    parser.add_argument(
        "--password-file", type=Path, help="a file holding that login's password on its first line"
    )


class Session:
    """Connected on creation; what arrives on the subscribed topics waits in `messages`."""

    def __init__(self, config: Config, args: argparse.Namespace, purpose: str) -> None:
        self.config = config
        self.messages: queue.SimpleQueue[paho.MQTTMessage] = queue.SimpleQueue()
        self._answers: queue.SimpleQueue[tuple[str, object]] = queue.SimpleQueue()
        client = paho.Client(CallbackAPIVersion.VERSION2,
                             client_id=f"pager-{purpose}-{uuid.uuid4().hex[:8]}",
                             protocol=paho.MQTTv5)  # fmt: skip
        username = getattr(args, "username", None) or config.mqtt.username
        if username:
            password_file = getattr(args, "password_file", None)
            if password_file is not None:
                try:
                    password = checks.first_line(password_file)
                except (OSError, IndexError) as error:
                    raise BrokerError(
                        f"cannot read the password in {password_file}: {error}"
                    ) from error
            else:
                password = config.broker_password() or ""
            client.username_pw_set(username, password)
        context = tls_context(config)
        if context is not None:
            client.tls_set_context(context)
        client.on_connect = self._on_connect
        client.on_message = lambda c, u, message: self.messages.put(message)
        client.on_subscribe = lambda c, u, mid, codes, p: self._answers.put(("subscribed", codes))
        client.on_publish = lambda c, u, mid, code, p: self._answers.put(("published", code))
        self.client = client
        mqtt = config.mqtt
        self.where = f"{mqtt.host}:{mqtt.port}"
        try:
            client.connect(mqtt.host, mqtt.port, mqtt.keepalive)
        except (OSError, ValueError) as error:
            raise BrokerError(f"cannot reach the MQTT broker at {self.where}: {error}") from error
        client.loop_start()
        _, answer = self._answer("connected")
        if isinstance(answer, ReasonCode) and answer.is_failure:
            self.close()
            raise BrokerError(f"the MQTT broker at {self.where} refused the login: {answer}")

    def _on_connect(self, c: paho.Client, u: Any, flags: Any, code: ReasonCode, p: Any) -> None:
        self._answers.put(("connected", code))

    def _answer(self, expected: str) -> tuple[str, object]:
        try:
            kind, answer = self._answers.get(timeout=CONNECT_TIMEOUT_S)
        except queue.Empty:
            self.close()
            raise BrokerError(f"the MQTT broker at {self.where} did not answer") from None
        assert kind == expected, (kind, expected)
        return kind, answer

    def subscribe(self, *topics: str) -> None:
        """Subscribe and wait until the broker said yes (retained messages follow)."""
        self.client.subscribe([(topic, 1) for topic in topics])
        _, answer = self._answer("subscribed")
        codes = cast(list[ReasonCode], answer)
        refused = [t for t, c in zip(topics, codes, strict=False) if c.is_failure]
        if refused:
            raise BrokerError(f"the broker at {self.where} refused to let this login read "
                              f"{', '.join(refused)} (check its ACL)")  # fmt: skip

    def publish(self, topic: str, payload: str) -> None:
        """Publish with QoS 1 and wait for the broker to take it."""
        self.client.publish(topic, payload, qos=1)
        _, code = self._answer("published")
        if isinstance(code, ReasonCode) and code.is_failure:
            raise BrokerError(f"the broker at {self.where} refused {topic}: {code} (check its "
                              "ACL for this login)")  # fmt: skip

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
