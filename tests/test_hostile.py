"""Hostile input: every parser rejects with a reason, never raises anything else (no I/O)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pager import config
from pager.core.payloads import parse_announce, parse_call, parse_cancel
from pager.errors import CallRejected, ConfigError

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=30,
)
FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "ticket": JSON | st.from_regex(r"[A-Z]{0,3}\d{1,4}", fullmatch=True),
        "id": JSON, "zones": JSON, "service": JSON, "priority": JSON, "repeat": JSON,
        "ts": JSON, "text": JSON,
    },
)  # fmt: skip
PAYLOADS = st.binary(max_size=300) | FIELDS.map(lambda body: json.dumps(body).encode())
COUNTERS = st.text(max_size=40) | st.from_regex(r"[A-Za-z0-9_-]{1,32}", fullmatch=True)


@settings(max_examples=400, deadline=None)
@given(COUNTERS, PAYLOADS)
def test_any_call_is_taken_or_rejected_with_a_reason(counter: str, payload: bytes) -> None:
    try:
        parse_call(counter, payload, 1_700_000_000.0)
    except CallRejected as rejected:
        assert rejected.reason


@settings(max_examples=300, deadline=None)
@given(PAYLOADS)
def test_any_announcement_is_taken_or_rejected_with_a_reason(payload: bytes) -> None:
    try:
        parse_announce(payload, 1_700_000_000.0)
    except CallRejected as rejected:
        assert rejected.reason


@settings(max_examples=300, deadline=None)
@given(st.none() | COUNTERS, PAYLOADS)
def test_any_cancel_is_taken_or_rejected_with_a_reason(counter: str | None, payload: bytes) -> None:
    try:
        parse_cancel(counter, payload)
    except CallRejected as rejected:
        assert rejected.reason


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["node", "mqtt", "audio", "announcement", "scheduling",
                                        "music", "zones", "groups", "counters", "default_zones",
                                        "state_dir", "other"]), JSON, max_size=6))  # fmt: skip
def test_any_config_document_is_loaded_or_refused_with_its_mistakes(document: Any) -> None:
    try:
        config.parse(document, "fuzz.yaml")
    except ConfigError as error:
        assert error.problems and all(isinstance(p, str) and p for p in error.problems)


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"[" * 2048 + b"]" * 2048, "nested too deeply"),
        (b'{"ticket": "A1", "ts": ' + b"9" * 4000 + b"}", '"ts" must be Unix seconds'),
        (b'{"ticket": "A1", "ts": 1e400}', '"ts" must be Unix seconds'),
        (b'{"ticket": "A1", "id": "a\\u202eb"}', '"id" must not hold control characters'),
        (b'{"ticket": "A1", "service": "SIM\\u202e"}', '"service" may hold only'),
        (b'{"ticket": "A1", "id": "x\\ny"}', '"id" must not hold control characters'),
    ],
)
def test_hostile_calls_are_rejected_with_a_reason(payload: bytes, reason: str) -> None:
    with pytest.raises(CallRejected, match=reason):
        parse_call("5", payload, 0)


def test_hostile_text_is_rejected_with_a_reason() -> None:
    with pytest.raises(CallRejected, match='"text" may hold only words'):
        parse_announce(b'{"text": "halo \\u202e olah"}', 0)
    with pytest.raises(CallRejected, match="nested too deeply"):
        parse_cancel(None, b"[" * 2048 + b"]" * 2048)


def test_a_huge_counter_is_never_echoed_back() -> None:
    with pytest.raises(CallRejected) as caught:
        parse_call("x" * 60000, b'{"ticket": "A1"}', 0)
    assert caught.value.known["counter"] is None
    assert len(caught.value.reason) < 200
