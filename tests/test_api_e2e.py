"""The HTTP API against the real daemon, broker and virtual card: a call by HTTP heard on the
card and followed to `finished`; the same request twice plays once; every refusal with its
status and reason; a counter's token within its counter's rights; tokens in no log or event;
the OpenAPI document valid and true (each of its examples sent, each answer checked against
its schema); HTTPS, and no start without its key."""

from __future__ import annotations

import json
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import numpy as np
import pytest
from openapi_spec_validator import validate

from pager import config
from pager.audio import chime
from pager.config import tokens
from tests.broker import Watcher, free_port
from tests.conftest import UNLIMITED, DaemonOnCard, pager_command
from tests.signals import occurrences
from tests.virtual_card import VirtualCard

pytestmark = pytest.mark.e2e
HALL = 0  # the tenant hall's first output
FAST = 1000  # hash iterations: the test checks the path, not the cost


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any
    headers: dict[str, str]


def send(url: str, token: str | None, body: object = None, *, raw: bytes | None = None,
         context: ssl.SSLContext | None = None, content_type: str = "application/json",
         ) -> Answer:  # fmt: skip
    headers = {"Content-Type": content_type}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data, headers), timeout=20,
                                    context=context) as response:  # fmt: skip
            return Answer(response.status, json.loads(response.read() or b"null"),
                          dict(response.headers))  # fmt: skip
    except urllib.error.HTTPError as error:
        return Answer(error.code, json.loads(error.read() or b"null"), dict(error.headers))


def events(base: str, token: str) -> Any:
    """The token's event stream (server-sent events), open."""
    request = urllib.request.Request(f"{base}/events", headers={"Authorization": f"Bearer {token}"})
    return urllib.request.urlopen(request, timeout=60)


def read_until(stream: Any, done: Callable[[dict[str, Any]], bool]) -> list[dict[str, Any]]:
    """The stream's events up to the first that `done` accepts."""
    seen: list[dict[str, Any]] = []
    while not seen or not done(seen[-1]):
        line = stream.readline().decode()
        if line.startswith("data: "):
            seen.append(json.loads(line[6:]))
    return seen


def make_tokens(folder: Path, *holders: str) -> tuple[Path, dict[str, str]]:
    made = {holder: tokens.new_token(holder) for holder in holders}
    path = folder / "api-tokens"
    tokens.write(path, {h: tokens.TokenEntry(h, tokens.hash_token(t, iterations=FAST))
                        for h, t in made.items()})  # fmt: skip
    return path, made


def start_api(
    on_card: DaemonOnCard, folder: Path, **overrides: Any
) -> tuple[str, dict[str, str], Path, Path]:
    """The daemon with the API on a free port, tokens for counters 5 and 7 and the desk."""
    path, made = make_tokens(folder, "5", "7", "operator")
    port = free_port()
    cfg = on_card.configure("api", audio={"latency": "low"},
                            http={"listen": f"127.0.0.1:{port}", "tokens_file": str(path)},
                            **overrides)  # fmt: skip
    on_card.start(cfg)
    return f"http://127.0.0.1:{port}/api/v1", made, on_card.folder / "daemon.log", cfg


@pytest.fixture
def api(on_card: DaemonOnCard, tmp_path: Path) -> tuple[str, dict[str, str], Path, Path]:
    return start_api(on_card, tmp_path)


def test_a_call_by_http_is_heard_once_and_followed_to_its_end(
    api: tuple[str, dict[str, str], Path, Path], watcher: Watcher, card: VirtualCard
) -> None:
    base, made, log, cfg = api
    mark = card.frames
    with events(base, made["5"]) as stream:
        first = send(f"{base}/calls", made["5"], {"ticket": "A023", "id": "h-1"})
        assert first.status == 202 and first.body["id"] == "h-1", first
        again = send(f"{base}/calls", made["5"], {"ticket": "A023", "id": "h-1"})
        assert again.status == 202 and again.body["id"] == "h-1"  # the same call
        read_until(stream, lambda e: e["event"] == "finished" and e["id"] == "h-1")
    state = send(f"{base}/calls/h-1", made["5"])
    assert state.status == 200 and state.body["state"] == "finished", state.body
    names = [e["event"] for e in state.body["events"]]
    assert names.count("started") == 1 and "duplicate" in names, names
    # Heard once: one chime on the hall's first output.
    card.wait_for_frames(card.frames + card.rate // 2)
    loaded = config.load(cfg)
    bell = chime.prepared(loaded.announcement, loaded.audio.sample_rate)
    hall = card.segment(mark, card.frames)[:, HALL].astype(np.float64)
    assert len(occurrences(hall, bell)) == 1, "not heard exactly once"
    assert send(f"{base}/calls/h-1", made["7"]).status == 404  # not counter 7's call
    # Its token is in no log and no event.
    seen = json.dumps(watcher.seen) + log.read_text()
    assert not any(token in seen for token in made.values())


def test_every_refusal_says_why_with_its_status(
    api: tuple[str, dict[str, str], Path, Path], watcher: Watcher
) -> None:
    base, made, _, _ = api
    cases = [
        (send(f"{base}/calls", None, {"ticket": "A1"}), 401, "Bearer"),
        (send(f"{base}/calls", "5.forged-secret", {"ticket": "A1"}), 401, "valid API token"),
        (send(f"{base}/calls", made["5"], {"ticket": "A1", "counter": "7"}), 403, "counter 5"),
        (send(f"{base}/calls", made["5"], {"ticket": "A1", "priority": "emergency"}), 403,
         "max_priority"),
        (send(f"{base}/calls", made["operator"], {"ticket": "A1"}), 403, "counter's token"),
        (send(f"{base}/announcements", made["5"], {"text": "Halo"}), 403, "operator"),
        (send(f"{base}/cancels", made["7"], {"id": "nothing-here"}), 404, "nothing to cancel"),
        (send(f"{base}/calls", made["5"], {"ticket": "A0234567"}), 422, "A0234567"),
        (send(f"{base}/calls", made["5"], raw=b"{not json"), 400, "not JSON"),
        (send(f"{base}/calls", made["5"], raw=b"ticket=A1", content_type="text/plain"), 415,
         "application/json"),
    ]  # fmt: skip
    for answer, status, says in cases:
        assert answer.status == status, (status, answer)
        assert answer.headers["Content-Type"].startswith("application/problem+json")
        assert answer.body["status"] == status and says in answer.body["detail"], answer.body
    assert cases[0][0].headers["WWW-Authenticate"].startswith("Bearer")
    # Ids are each counter's own: counter 7 cannot cancel counter 5's call.
    assert send(f"{base}/calls", made["5"], {"ticket": "A9", "id": "mine"}).status == 202
    theirs = send(f"{base}/cancels", made["7"], {"id": "mine"})
    assert theirs.status == 404 and "nothing to cancel" in theirs.body["detail"]
    watcher.event("started", "mine", timeout=60)  # it plays
    # Counter 7 over its rate (30 a minute, bursts of 5), shared with MQTT: 429, Retry-After.
    answers = [send(f"{base}/calls", made["7"], {"ticket": f"C{n}", "id": f"r-{n}"})
               for n in range(8)]  # fmt: skip
    limited = [a for a in answers if a.status == 429]
    assert limited and all(int(a.headers["Retry-After"]) >= 1 for a in limited), answers
    assert "security.rate_limit" in limited[0].body["detail"]


def test_the_openapi_document_is_valid_and_its_examples_are_what_the_server_does(
    on_card: DaemonOnCard, tmp_path: Path, watcher: Watcher
) -> None:
    # Every example in one go: the rate limits would answer 429 to a counter's sixth.
    base, made, _, _ = start_api(on_card, tmp_path, security=UNLIMITED)
    document = send(f"{base}/openapi.json", None)
    assert document.status == 200
    spec = document.body
    validate(spec)
    schemas = {name: {**schema, "components": spec["components"]}
               for name, schema in spec["components"]["schemas"].items()}  # fmt: skip
    sent = 0
    for path, operations in spec["paths"].items():
        for operation in operations.values():
            content = operation.get("requestBody", {}).get("content", {})
            examples = content.get("application/json", {}).get("examples", {})
            for name, example in examples.items():
                token = made[example.get("x-pager-token", "5")]
                answer = send(f"{base}{path.removeprefix('/api/v1')}", token, example["value"])
                assert answer.status == example["x-pager-status"], (path, name, answer)
                assert str(answer.status) in operation["responses"], (path, answer.status)
                shape = "Accepted" if answer.status == 202 else "Problem"
                jsonschema.validate(answer.body, schemas[shape])
                sent += 1
    assert sent >= 10
    status = send(f"{base}/status", made["operator"])
    assert status.status == 200 and status.body.get("node") == "api"


def test_https_with_the_configured_certificate_and_no_start_without_its_key(
    on_card: DaemonOnCard, tmp_path: Path, watcher: Watcher
) -> None:
    cert, key = tmp_path / "web.crt", tmp_path / "web.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True,
                   capture_output=True)  # fmt: skip
    key.chmod(0o600)
    path, made = make_tokens(tmp_path, "5")
    port = free_port()
    http = {"listen": f"127.0.0.1:{port}", "tokens_file": str(path),
            "tls": {"cert_file": str(cert), "key_file": str(key)}}  # fmt: skip
    cfg = on_card.configure("tls", http=http)
    daemon = on_card.start(cfg)
    try:
        trusted = ssl.create_default_context(cafile=str(cert))
        answer = send(f"https://127.0.0.1:{port}/api/v1/calls", made["5"],
                      {"ticket": "A7", "id": "s-1"}, context=trusted)  # fmt: skip
        assert answer.status == 202
        watcher.event("queued", "s-1", timeout=30)
    finally:
        assert daemon.stop() == 0
    broken = on_card.configure("tls", http={**http, "tls": {"cert_file": str(cert),
                                                             "key_file": str(tmp_path / "no.key")}})  # fmt: skip
    started = time.monotonic()
    result = subprocess.run([*pager_command(), "run", "-c", str(broken)], check=False,
                            capture_output=True, text=True, timeout=60,
                            env=on_card.card.env())  # fmt: skip
    assert result.returncode == 78, result.stderr
    assert "http.tls.key_file" in result.stderr and "no.key" in result.stderr
    assert time.monotonic() - started < 30


def test_a_counters_event_stream_carries_its_own_calls_only(
    api: tuple[str, dict[str, str], Path, Path], watcher: Watcher
) -> None:
    base, made, _, _ = api
    with events(base, made["7"]) as stream:
        assert send(f"{base}/calls", made["5"], {"ticket": "A1", "id": "of-5"}).status == 202
        assert send(f"{base}/calls", made["7"], {"ticket": "B1", "id": "of-7"}).status == 202
        seen = read_until(stream, lambda e: e["event"] == "queued" and e["id"] == "of-7")
    assert seen and {e["counter"] for e in seen} == {"7"}, seen
    assert watcher.event("queued", "of-5")["counter"] == "5"  # it happened, unseen by 7
