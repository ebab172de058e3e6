"""What to hand to an agency for a counter: how its queue software (or its staff, on the
caller page) reaches pager, with the secrets that are shown only this once."""

from __future__ import annotations

import json
import shlex
import socket

from pager.config.model import Config
from pager.tools import broker

LOOPBACK = ("127.0.0.1", "localhost", "::1", "0.0.0.0", "::")


def _reachable(host: str) -> str:
    """The address another PC reaches this one by (the host name for a loopback or any)."""
    return socket.gethostname() if host in LOOPBACK else host


def web_base(cfg: Config) -> str | None:
    """The web server's address as an agency's PC would use it."""
    if not cfg.http.listen:
        return None
    host, _, port = cfg.http.listen.rpartition(":")
    scheme = "https" if cfg.http.tls.cert_file else "http"
    return f"{scheme}://{_reachable(host.strip('[]'))}:{port}"


def text(cfg: Config, ident: str, password: str | None, token: str | None) -> str:
    """The whole hand-off for counter `ident`: MQTT and HTTP, with examples."""
    counter = cfg.counters[ident]
    prefix = cfg.mqtt.topic_prefix
    example = {"ticket": "A23", "id": f"{ident}-A23-1"}
    lines = [
        f"Hand this to the agency: counter {ident} ({counter.service or 'no service'}), heard "
        f"in {', '.join(counter.zones)}. The password and token are shown only now.",
        "",
        "MQTT (queue software with an MQTT client):",
        f"  broker:  {_reachable(cfg.mqtt.host)}:{cfg.mqtt.port}"
        + (f" (TLS; CA certificate {cfg.mqtt.tls.ca_file})" if cfg.mqtt.tls.ca_file else ""),
        f"  calls:   {prefix}/call/{ident}    {json.dumps(example)}",
        f"  cancels: {prefix}/cancel/{ident}  {json.dumps({'id': example['id']})}",
    ]
    if password is not None:
        user = broker.counter_user(ident)
        lines.append(f"  login:   {user}  password: {password}")
        tls = f" --cafile {cfg.mqtt.tls.ca_file}" if cfg.mqtt.tls.ca_file else ""
        lines.append(
            f"  try:     mosquitto_pub -h {_reachable(cfg.mqtt.host)} -p {cfg.mqtt.port}{tls} "
            f"-u {user} -P {shlex.quote(password)} -q 1 -t {prefix}/call/{ident} "
            f"-m {shlex.quote(json.dumps(example))}"
        )
    if token is not None:
        lines += ["", "HTTP API (queue software that calls URLs):", *_http_lines(cfg, token)]
        body = json.dumps({"counter": ident, **example})
        base = web_base(cfg) or "http://PC:8080"
        lines.append(f"  call:    curl -H 'Authorization: Bearer {token}' -H 'Content-Type: "
                     f"application/json' -d {shlex.quote(body)} {base}/api/v1/calls")  # fmt: skip
        lines.append(f"  caller page (counters without queue software): {base}/counter")
    lines += ["", "The integration guide: docs/integration/http.md and docs/integration/mqtt.md"]
    return "\n".join(lines)


def token_text(cfg: Config, token: str) -> str:
    """A new token alone, and a request to try it with."""
    return "\n".join(["API token (shown once):", *_http_lines(cfg, token)])


def _http_lines(cfg: Config, token: str) -> list[str]:
    base = web_base(cfg) or "http://PC:8080"
    note = "" if cfg.http.listen else "  (http.listen is not set: the API is off)"
    return [f"  token:   {token}{note}",
            f"  try:     curl -H 'Authorization: Bearer {token}' {base}/api/v1/status"]  # fmt: skip
