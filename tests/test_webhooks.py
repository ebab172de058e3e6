"""Webhooks' config and queue: what is refused with its path, which events a receiver gets,
the signature, and a queue on disk that stays bounded while its receiver is down."""

from __future__ import annotations

import hashlib
import hmac
import sqlite3
from pathlib import Path

import pytest

from pager import config
from pager.config.notify import NotifyConfig, Webhook
from pager.errors import ConfigError
from pager.io import webhooks
from tests.broker import free_port
from tests.conftest import write_config


def load(tmp_path: Path, hook: dict[str, object]) -> config.Config:
    return config.load(write_config(tmp_path / "zones.yaml", notify={"webhooks": [hook]}))


@pytest.mark.parametrize(
    ("hook", "says"),
    [
        ({"url": "ftp://gateway/x"}, r"notify\.webhooks: .*not an http:// or https:// URL"),
        ({"url": "http://gw/x", "events": ["finish"]}, r"unknown event finish.*finished"),
        ({"url": "http://gw/x", "event": ["finished"]}, r"\[0\]\.event: unknown key.*events"),
        ({"events": ["finished"]}, r"\[0\]\.url: is missing"),
    ],
)
def test_a_bad_webhook_is_refused_with_its_path(
    tmp_path: Path, hook: dict[str, object], says: str
) -> None:
    with pytest.raises(ConfigError, match=says):
        load(tmp_path, hook)


def test_a_receiver_gets_the_events_and_counters_it_asked_for(tmp_path: Path) -> None:
    hook = load(tmp_path, {"url": "http://gw/x", "events": ["started"], "counters": ["5"]}
                ).notify.webhooks[0]  # fmt: skip
    assert webhooks.wants(hook, {"event": "started", "counter": "5"})
    assert not webhooks.wants(hook, {"event": "started", "counter": "7"})
    assert not webhooks.wants(hook, {"event": "finished", "counter": "5"})
    every = Webhook(url="http://gw/x")
    assert webhooks.wants(every, {"event": "expired", "counter": None})


def test_the_signature_is_hmac_sha256_of_the_body() -> None:
    body = b'{"event": "started"}'
    expected = hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert webhooks.signature(b"s3cret", body) == f"sha256={expected}"


def test_a_dead_receivers_queue_keeps_its_newest_events_only(tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{free_port()}/nobody"  # nothing listens: refused at once
    sender = webhooks.Webhooks(NotifyConfig(webhooks=(Webhook(url=dead),), queue_max=100),
                               tmp_path)  # fmt: skip
    sender.start()
    for n in range(150):
        sender.offer({"event": "queued", "id": f"c{n}", "counter": "5"})
    sender.close()  # what was handed over is on disk
    assert sender.given_up == 50
    rows = sqlite3.connect(tmp_path / webhooks.FILE_NAME).execute(
        "SELECT COUNT(*), MIN(n) FROM outbox").fetchone()  # fmt: skip
    assert rows == (100, 51)  # the 50 oldest dropped
