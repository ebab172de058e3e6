"""The config sections of what the daemon offers beside announcing: background music,
limits on what senders may ask, the call log and the status page (see `pager.config.model`
for how a key is declared)."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from dataclasses import dataclass

from pager.config import checks, schema
from pager.config.schema import key, rule, section


@dataclass(frozen=True)
class TlsConfig:
    ca_file: str | None = key(
        None, checks.pem,
        "The CA certificate (PEM) that signed the broker's: with it, pager speaks TLS 1.2 or "
        "newer to the broker and checks its certificate and host name.",
        live=False, shown="none (no TLS)",
    )  # fmt: skip
    cert_file: str | None = key(
        None, schema.existing_file, "pager's own client certificate (PEM), if the broker asks.",
        live=False, shown="none",
    )  # fmt: skip
    key_file: str | None = key(
        None, schema.existing_file, "The key of that client certificate (PEM).", live=False,
        shown="none",
    )  # fmt: skip


@dataclass(frozen=True)
class MqttConfig:
    host: str = key("127.0.0.1", schema.text, "The broker's host name or address.", live=False)
    port: int = key(1883, schema.integer(1, 65535), "The broker's port.", live=False)
    topic_prefix: str = key(
        "pager", checks.topic_level, "The first level of every topic.", live=False
    )
    client_id: str = key(
        "", schema.text, "The fixed MQTT client id.", live=False, shown="`pager-{node}`"
    )
    username: str | None = key(None, schema.text, "Broker login.", live=False, shown="none")
    password: str | None = key(
        None, schema.text, "Broker password, written in the config (see `password_file`).",
        live=False, shown="none",
    )  # fmt: skip
    password_file: str | None = key(
        None,
        checks.password_file,
        "A file holding the broker password alone on its first line, readable only by "
        "pager's user (mode 600): pager refuses to start if group or others can read it.",
        live=False,
        shown="none",
    )
    tls: TlsConfig = section(TlsConfig, "TLS to the broker.")
    keepalive: int = key(30, schema.integer(5, 3600), "MQTT keepalive, in seconds.", live=False)
    session_expiry_s: int = key(
        86400,
        schema.integer(0, 4294967295),
        "How long the broker keeps pager's session, and the calls published for it, while "
        "pager is away.",
        live=False,
    )


@rule(MqttConfig)
def _one_broker_password(mqtt: MqttConfig) -> Iterator[tuple[str, str]]:
    """The broker password is given once: `password` or `password_file`, not both."""
    if mqtt.password and mqtt.password_file:
        yield "password_file", "give mqtt.password or mqtt.password_file, not both"


@rule(MqttConfig)
def _a_client_certificate_with_its_key_over_tls(mqtt: MqttConfig) -> Iterator[tuple[str, str]]:
    """A client certificate comes with its key (`tls.cert_file` and `tls.key_file`), and
    needs TLS (`tls.ca_file`)."""
    if bool(mqtt.tls.cert_file) != bool(mqtt.tls.key_file):
        yield "tls", "cert_file and key_file go together"
    if (mqtt.tls.cert_file or mqtt.tls.key_file) and not mqtt.tls.ca_file:
        yield "tls.ca_file", "is missing: a client certificate needs TLS"


@dataclass(frozen=True)
class MusicConfig:
    level_db: float = key(
        -15.0,
        schema.number(-60, 0),
        "The music's level below announcements, on top of the zone's `gain_db`.",
    )
    duck_db: float = key(
        -20.0,
        schema.number(-80, 0),
        "How far the music drops while an announcement plays in its zone.",
    )
    attack_ms: float = key(300.0, schema.number(1, 10000), "The time to duck.")
    release_ms: float = key(1500.0, schema.number(1, 30000), "The time to come back.")


@dataclass(frozen=True)
class RateLimitConfig:
    calls_per_minute: float = key(
        30.0,
        schema.number(1, 6000),
        "How many calls (and cancels) a counter may send a minute; over it, they are "
        "rejected. Counters that are not listed (`default_zones`) share one allowance.",
    )
    burst: int = key(
        5,
        schema.integer(1, 1000),
        "How many a counter, or the operator desk, may send at once before the rate counts.",
    )
    operator_per_minute: float = key(
        60.0,
        schema.number(1, 6000),
        "How many operator messages and operator cancels may arrive a minute.",
    )


@dataclass(frozen=True)
class SecurityConfig:
    rate_limit: RateLimitConfig = section(RateLimitConfig, "A token bucket per sender.")
    max_speech_s: float = key(
        30.0,
        schema.number(5, 600),
        "The longest an operator message may take to say (estimated from its syllables "
        "before it is queued); a longer one is rejected.",
    )


@dataclass(frozen=True)
class HttpsConfig:
    cert_file: str | None = key(
        None,
        checks.readable_file,
        "The web server's certificate (PEM, the chain after it): with `key_file`, the page, "
        "the screens and the API are served over HTTPS only.",
        live=False,
        shown="none",
    )
    key_file: str | None = key(
        None,
        checks.readable_file,
        "Its private key (PEM; mode 600).",
        live=False,
        shown="none",
    )


@rule(HttpsConfig)
def _a_certificate_with_its_key(tls: HttpsConfig) -> Iterator[tuple[str, str]]:
    """`cert_file` and `key_file` go together, and the key is the certificate's."""
    if (tls.cert_file is None) != (tls.key_file is None):
        given, missing = ("cert_file", "key_file") if tls.key_file is None else (
            "key_file", "cert_file")  # fmt: skip
        yield (missing, f"{given} is set: give {missing} too (or neither, for plain HTTP)")
        return
    if tls.cert_file is not None and tls.key_file is not None:
        try:
            ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(
                tls.cert_file, tls.key_file
            )
        except (ssl.SSLError, OSError) as error:
            yield ("key_file", f"cannot use {tls.cert_file} with {tls.key_file}: {error}")


@dataclass(frozen=True)
class HttpConfig:
    listen: str | None = key(
        None,
        checks.listen_address,
        "Where the status page listens, like `127.0.0.1:8080`; none: no web page. Beyond "
        "localhost (`0.0.0.0:8080`, a LAN address) it needs `password_file`, or `displays` "
        "(then only the display pages answer other PCs).",
        live=False,
        shown="none (off)",
    )
    password_file: str | None = key(
        None,
        checks.password_file,
        "A file holding the page's password on its first line (mode 600): the browser then "
        "asks for it (HTTP basic authentication, any user name).",
        live=False,
        shown="none",
    )
    tokens_file: str | None = key(
        None,
        checks.tokens_file,
        "The HTTP API's tokens (mode 600): one `ID HASH` a line, ID a counter's id or "
        "`operator`, HASH `pbkdf2_sha256$...` (never the token). `pager counter token ID` "
        "makes a token and writes its line; the file is read again when it changes. Each "
        "token has exactly the rights of its counter (or of the operator desk) on MQTT.",
        live=False,
        shown="none (no API)",
    )
    tls: HttpsConfig = section(HttpsConfig, "HTTPS for the web server (tokens on a LAN).")


@dataclass(frozen=True)
class SyncConfig:
    delay_ms: float = key(
        150.0,
        schema.number(20, 5000),
        "An announcement for several racks starts on all of them at the call's arrival at "
        "the first of them plus this, each placing the chime's first sample at that time at "
        "its interface's output: enough for the time to reach the other racks and their "
        "audio to be ready (see [several racks](../technician/racks.md)).",
    )


@dataclass(frozen=True)
class StandbyConfig:
    nodes: tuple[str, ...] = key(
        (),
        schema.names,
        "Nodes (racks) with a standby PC: each of their daemons takes part in an election "
        "through the retained lock topic `{prefix}/lock/NODE`; the one started with "
        "`--standby` waits, and takes over within seconds of the active one's death (see "
        "[standby takeover](../technician/racks.md#standby-takeover)).",
        shown="none",
    )


@dataclass(frozen=True)
class HistoryConfig:
    keep_days: int = key(
        90,
        schema.integer(1, 3650),
        "How many days the call log (`history.db` in `state_dir`) keeps every announcement's "
        "events for `pager history` and `pager stats`.",
    )
