"""The MQTT link: paho-mqtt callbacks only hand messages over; events and status go out.

An exception inside a paho callback silently kills its network thread, so every callback
here catches everything, logs it and returns.
"""

from __future__ import annotations

import json
import logging
import socket
import ssl
import threading
import time
from collections.abc import Mapping
from typing import Any, Protocol

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from pager import __version__
from pager.config.model import Config
from pager.core.inputs import Connected
from pager.errors import BrokerError
from pager.values.messages import Inbound, MessageKind

log = logging.getLogger(__name__)

TLS_PROBE_TIMEOUT_S = 5
RECONNECT_MIN_S = 1
RECONNECT_MAX_S = 30
OFFLINE_TIMEOUT_S = 5.0  # on stop, for the broker to take "offline" (a loaded PC is slow)


class Inbox(Protocol):
    """Where the link hands over what arrives (the runtime's control queue)."""

    def put(self, item: Inbound | Connected, /) -> None: ...


def classify(prefix: str, topic: str) -> tuple[MessageKind, str | None]:
    """The kind of message and the counter, from its topic."""
    levels = topic[len(prefix) + 1 :].split("/") if topic.startswith(prefix + "/") else []
    if levels == ["announce"]:
        return MessageKind.ANNOUNCE, None
    if levels == ["cancel"]:
        return MessageKind.CANCEL, None
    if levels == ["test"]:
        return MessageKind.TEST, None
    if levels == ["sync"]:
        return MessageKind.SYNC, None
    if len(levels) == 2 and levels[0] in (MessageKind.CALL, MessageKind.CANCEL):
        return MessageKind(levels[0]), levels[1]
    if len(levels) == 2 and levels[0] == MessageKind.EVENT:
        return MessageKind.EVENT, None
    return MessageKind.UNKNOWN, None


def tls_context(config: Config) -> ssl.SSLContext | None:
    """TLS 1.2 or newer, the broker's certificate and host name checked against the CA."""
    tls = config.mqtt.tls
    if not tls.ca_file:
        return None
    context = ssl.create_default_context(cafile=tls.ca_file)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if tls.cert_file and tls.key_file:
        context.load_cert_chain(tls.cert_file, tls.key_file)
    return context


def tls_problem(context: ssl.SSLContext | None, host: str, port: int) -> str | None:
    """Why a TLS handshake with the broker fails, or None (also when it is unreachable:
    that is not a TLS problem, and paho keeps trying)."""
    if context is None:
        return None
    try:
        raw = socket.create_connection((host, port), timeout=TLS_PROBE_TIMEOUT_S)
        with raw, context.wrap_socket(raw, server_hostname=host):
            return None
    except ssl.SSLCertVerificationError as error:
        return f"the MQTT broker {host}:{port} is not trusted: {error.verify_message}"
    except ssl.SSLError as error:
        return f"TLS with the MQTT broker {host}:{port} failed: {error.reason or error}"
    except OSError:
        return None


def status_payload(node: str, state: str, **details: object) -> bytes:
    body = {"state": state, "node": node, "version": __version__, **details}
    body["ts"] = round(time.time(), 3)
    return json.dumps(body).encode()


class MqttLink:
    """Subscribes to calls, publishes events and the retained online/offline status."""

    def __init__(self, config: Config, inbox: Inbox, standby: bool = False) -> None:
        """On a node with a standby PC (`standby.nodes`) the link starts standing by: its
        status is `{prefix}/standby/{client id}` and it hears the node's events, until
        `become_active()`; `standby` (pager run --standby) gives it a client id of its own."""
        prefix = config.mqtt.topic_prefix
        self.config = config
        self.inbox = inbox
        self.prefix = prefix
        self.filters = [f"{prefix}/call/+", f"{prefix}/cancel/+", f"{prefix}/cancel",
                        f"{prefix}/announce", f"{prefix}/test", f"{prefix}/sync"]  # fmt: skip
        self.sync_topic = f"{prefix}/sync"
        self.client_id = config.client_id + ("-standby" if standby else "")
        self.status_topic = f"{prefix}/status/{config.node}"
        self.event_topic = f"{prefix}/event/{config.node}"
        self.inputs_topic = f"{prefix}/inputs/{config.node}"
        self.state = "online"
        if config.node in config.standby.nodes:
            self.status_topic, self.state = f"{prefix}/standby/{self.client_id}", "standby"
            self.filters.append(self.event_topic)
        self.connected = threading.Event()
        self._stopping = False
        # A fixed client id, a session that outlives the connection (clean_start false plus a
        # session expiry) and manual acks: calls published while pager is down or restarting
        # wait at the broker, and a call is acknowledged only once it is safely taken.
        self._client = client = paho.Client(
            CallbackAPIVersion.VERSION2,
            client_id=self.client_id,
            protocol=paho.MQTTv5,
            manual_ack=True,
        )
        self.connection = 0
        self._will()
        if config.mqtt.username:
            client.username_pw_set(config.mqtt.username, config.broker_password())
        self._tls = tls_context(config)
        if self._tls is not None:
            client.tls_set_context(self._tls)
        client.reconnect_delay_set(RECONNECT_MIN_S, RECONNECT_MAX_S)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_connect_fail = self._on_connect_fail
        client.on_message = self._on_message
        client.on_subscribe = self._on_subscribe
        self._subscribe_mid: int | None = None

    def _will(self) -> None:
        offline = status_payload(self.config.node, "offline")
        self._client.will_set(self.status_topic, offline, 1, retain=True)

    def become_active(self) -> None:
        """This daemon won the node's lock: its status becomes the node's (a new connection,
        with the node's last will; the session and what waits in it are kept)."""
        standing = self.status_topic
        self.status_topic, self.state = f"{self.prefix}/status/{self.config.node}", "online"
        self.filters.remove(self.event_topic)
        if self.connected.is_set():
            self._client.unsubscribe(self.event_topic)  # its own events, from now on
            self._client.publish(standing, b"", 1, retain=True).wait_for_publish(timeout=5)
        self._stopping = True  # a clean disconnect: no will, no "lost the broker"
        self._client.disconnect()
        self._client.loop_stop()
        self._stopping = False
        self._will()
        self.start()

    def check_tls(self) -> None:
        """BrokerError naming the broker when its TLS certificate is not trusted (a wrong CA,
        a wrong host name, a broker without TLS); nothing when it is, or is unreachable."""
        if self._tls is None:
            return
        problem = tls_problem(self._tls, self.config.mqtt.host, self.config.mqtt.port)
        if problem:
            raise BrokerError(problem)

    def start(self) -> None:
        """Connect in the background; paho keeps retrying while the broker is away."""
        mqtt = self.config.mqtt
        log.info("connecting to MQTT broker %s:%d as %s", mqtt.host, mqtt.port, self.client_id)
        properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        properties.SessionExpiryInterval = mqtt.session_expiry_s
        self._client.connect_async(
            mqtt.host, mqtt.port, mqtt.keepalive, clean_start=False, properties=properties
        )
        self._client.loop_start()

    def publish_status(self, details: Mapping[str, object]) -> None:
        """Re-publish the retained online status with details (queue depths, playing).

        Not while disconnected: paho would send it on reconnecting, before the subscriptions
        are confirmed, and a counter seeing "online" then could lose its call. The controller
        publishes a fresh status once connected.
        """
        if not self.connected.is_set():
            return
        payload = status_payload(self.config.node, self.state, **details)
        self._client.publish(self.status_topic, payload, 1, retain=True)

    def publish_event(self, event: Mapping[str, object]) -> None:
        """Publish one call event (QoS 1); paho queues it while disconnected."""
        self._client.publish(self.event_topic, json.dumps(event, ensure_ascii=False), qos=1)

    def publish_inputs(self, body: Mapping[str, object]) -> None:
        """Publish the inputs' live levels (QoS 0, not retained: `pager inputs` reads them
        while it runs; an old one is of no use). Not while disconnected."""
        if self.connected.is_set():
            self._client.publish(self.inputs_topic, json.dumps(body), qos=0)

    def publish_sync(self, body: Mapping[str, object]) -> None:
        """Publish this node's start time for an announcement of several racks (QoS 0: it
        is of use only within `sync.delay_ms`; a late one is no use)."""
        self._client.publish(self.sync_topic, json.dumps(body), qos=0)

    def ack(self, message: Inbound) -> None:
        """Tell the broker a message is taken care of (QoS 1), on the connection it came on."""
        if message.mid is not None and message.qos > 0 and message.connection == self.connection:
            self._client.ack(message.mid, message.qos)

    def stop(self) -> None:
        """Publish "offline" (the will is not sent on a clean disconnect) and disconnect."""
        self._stopping = True
        if self.connected.is_set():
            info = self._client.publish(
                self.status_topic, status_payload(self.config.node, "offline"), 1, retain=True
            )
            info.wait_for_publish(timeout=OFFLINE_TIMEOUT_S)
        self._client.disconnect()
        self._client.loop_stop()

    def _on_connect(
        self, client: paho.Client, userdata: Any, flags: Any, reason: ReasonCode, props: Any
    ) -> None:
        try:
            if reason.is_failure:
                log.error("MQTT broker refused the connection: %s", reason)
                return
            self.connection += 1
            # "online" only once the broker has confirmed the subscriptions: a counter that
            # sees it may publish at once, and must not lose that call.
            _, self._subscribe_mid = client.subscribe([(topic, 1) for topic in self.filters])
        except Exception:
            log.exception("error in the MQTT connect handler")

    def _on_subscribe(
        self, client: paho.Client, userdata: Any, mid: int, codes: list[ReasonCode], props: Any
    ) -> None:
        try:
            if mid != self._subscribe_mid:
                return
            refused = [f for f, code in zip(self.filters, codes, strict=False) if code.is_failure]
            if refused:
                log.error(
                    "the MQTT broker refused the subscription to %s: messages there are not"
                    " heard; check the broker's ACL for user %r",
                    ", ".join(refused), self.config.mqtt.username,
                )  # fmt: skip
            client.publish(
                self.status_topic, status_payload(self.config.node, self.state), 1, retain=True
            )
            self.connected.set()
            self.inbox.put(Connected())
            log.info("connected to MQTT; listening on %s", ", ".join(self.filters))
        except Exception:
            log.exception("error in the MQTT subscribe handler")

    def _on_connect_fail(self, client: paho.Client, userdata: Any) -> None:
        try:
            mqtt = self.config.mqtt
            problem = tls_problem(self._tls, mqtt.host, mqtt.port) if self._tls else None
            if problem:
                log.error("%s; retrying", problem)
                return
            log.warning("cannot reach the MQTT broker at %s:%d; retrying", mqtt.host, mqtt.port)
        except Exception:
            log.exception("error in the MQTT connect-fail handler")

    def _on_disconnect(
        self, client: paho.Client, userdata: Any, flags: Any, reason: ReasonCode, props: Any
    ) -> None:
        try:
            self.connected.clear()
            if not self._stopping:
                log.warning("lost the MQTT broker (%s); reconnecting", reason)
        except Exception:
            log.exception("error in the MQTT disconnect handler")

    def _on_message(self, client: paho.Client, userdata: Any, message: paho.MQTTMessage) -> None:
        try:
            kind, counter = classify(self.prefix, message.topic)
            payload = bytes(message.payload)
            self.inbox.put(
                Inbound(message.topic, kind, counter, payload, time.time(), bool(message.retain),
                        message.mid, message.qos, self.connection)
            )  # fmt: skip
        except Exception:
            log.exception("error handing over the message on %.200r", message.topic)
