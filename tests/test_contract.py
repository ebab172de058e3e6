"""The integration contract (docs/integration/mqtt.md): every example payload in it is taken
by pager's own parser, as the page says, and every example pager publishes has exactly the
fields the controller publishes."""

from __future__ import annotations

import json
import re
import textwrap
from dataclasses import dataclass
from typing import Any

import pytest

from pager.core.effects import Publish, PublishStatus
from pager.core.payloads import parse_cancel, parse_test
from pager.core.sync import parse_offer
from pager.io.mqtt import status_payload
from pager.values.events import EventName
from pager.values.messages import Inbound, MessageKind
from tests.conftest import ROOT
from tests.desk import Desk, call

CONTRACT = ROOT / "docs" / "integration" / "mqtt.md"
# A fenced JSON block with its topic as the title: ```json title="pager/call/5"
_EXAMPLE = re.compile(r'^(?P<indent> *)```json title="(?P<title>[^"]+)"\n(?P<body>.*?)\n(?P=indent)```',
                      re.S | re.M)  # fmt: skip
# Fields an event carries only in some plays (tests/test_compact.py checks them).
SOMETIMES = {"started": {"zone_texts"}}


@dataclass(frozen=True)
class Example:
    topic: str
    rejected: bool  # the page says pager rejects it
    body: Any
    raw: bytes


def examples() -> list[Example]:
    found = []
    for match in _EXAMPLE.finditer(CONTRACT.read_text(encoding="utf-8")):
        title = match["title"]
        raw = textwrap.dedent(match["body"]).encode()
        topic, _, remark = title.partition(" ")
        found.append(Example(topic, remark == "(rejected)", json.loads(raw), raw))
    return found


def published(desk: Desk) -> dict[str, dict[str, Any]]:
    """The last event of each name the desk's controller published."""
    return {str(e.body["event"]): dict(e.body) for e in desk.effects if isinstance(e, Publish)}


@pytest.fixture(scope="module")
def real() -> dict[str, Any]:
    """What the controller publishes for a call heard, and for a call it rejects."""
    desk = Desk()
    desk.take(call("5", "A023", "c-17"))
    status = [e for e in desk.effects if isinstance(e, PublishStatus)][-1]
    desk.finish("c-17")
    desk.take(call("5", "A1", "c-19", zones=["food-cour"]))
    return {"events": published(desk),
            "status": json.loads(status_payload("mpp-pasar", "online", **status.details))}  # fmt: skip


def test_the_contract_shows_every_topic_a_client_publishes_or_reads() -> None:
    kinds = {re.sub(r"/[^/]*$", "/…", e.topic) if e.topic.count("/") > 1 else e.topic
             for e in examples()}  # fmt: skip
    assert {"pager/call/…", "pager/announce", "pager/cancel/…", "pager/cancel", "pager/test",
            "pager/status/…", "pager/event/…", "pager/sync"} <= kinds  # fmt: skip


@pytest.mark.parametrize("example", examples(), ids=lambda e: e.topic)
def test_each_example_is_taken_or_sent_by_pager_as_the_contract_says(
    example: Example, real: dict[str, Any]
) -> None:
    level = example.topic.split("/")
    match level[1:]:
        case ["call", counter]:
            heard = published_for(Desk(), "call", counter, example)
            assert ("rejected" in heard) is example.rejected, heard
            assert example.rejected or "queued" in heard, heard
        case ["announce"]:
            heard = published_for(Desk(), "announce", None, example)
            assert ("rejected" in heard) is example.rejected, heard
            assert example.rejected or "queued" in heard, heard
        case ["cancel", counter]:
            assert parse_cancel(counter, example.raw).counter == counter
        case ["cancel"]:
            assert parse_cancel(None, example.raw).id is not None
        case ["test"]:
            parse_test(example.raw)
        case ["sync"]:
            assert parse_offer(example.raw).node == example.body["node"]
        case ["status", node]:
            assert example.body["node"] == node
            shown = real["status"]
            assert set(example.body) == set(shown)
            assert set(example.body["recent"][0]) == set(shown["recent"][0])
        case ["event", node]:
            assert example.body["node"] == node
            name = example.body["event"]
            assert name in set(EventName)
            sometimes = SOMETIMES.get(name, set())  # tested where they occur
            assert set(example.body) - sometimes == set(real["events"][name]) - sometimes, name
        case _:
            pytest.fail(f"the test does not know topic {example.topic}: teach it")


def published_for(desk: Desk, kind: str, counter: str | None, example: Example) -> set[str]:
    """The names of the events the controller publishes for this example message."""
    topic = f"pager/{kind}/{counter}" if counter else f"pager/{kind}"
    message = Inbound(topic, MessageKind(kind), counter, example.raw, 0)
    desk.take(message)
    return set(published(desk))
