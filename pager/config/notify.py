"""The `notify` section: webhooks that receive pager's events (an agency's WhatsApp or SMS
gateway telling an applicant their number is called)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from pager.config import checks, schema
from pager.config.schema import Invalid, Problems, Where, accepts, key
from pager.errors import did_you_mean
from pager.values.events import EventName

CALL_EVENTS = ("queued", "started", "finished", "expired", "failed", "cancelled",
               "superseded", "preempted", "resumed", "rejected")  # fmt: skip
MAX_WEBHOOKS = 20


@accepts("URL")
def _url(value: Any, where: Where) -> str:
    text: str = schema.text(value, where)
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise Invalid(f"{text[:80]!r} is not an http:// or https:// URL")
    return text


@accepts("event names")
def _events(value: Any, where: Where) -> tuple[str, ...]:
    names = schema.names(value, where)
    known = [str(name) for name in EventName]
    for name in names:
        if name not in known:
            raise Invalid(f"unknown event {name}{did_you_mean(name, known)}")
    return tuple(names)


@accepts("counter ids")
def _counters(value: Any, where: Where) -> tuple[str, ...]:
    return tuple(schema.names(value, where))


@dataclass(frozen=True)
class Webhook:
    url: str = key("", _url, "Where each event is POSTed as JSON.", live=False, shown="required")
    events: tuple[str, ...] = key(
        CALL_EVENTS, _events, "The events to send (names as on the events topic).",
        live=False, shown="the calls' events",
    )  # fmt: skip
    secret_file: str | None = key(
        None,
        checks.password_file,
        "A file (mode 600) whose first line is the secret: each POST is signed with "
        "HMAC-SHA256 of its body, `X-Pager-Signature: sha256=HEX`.",
        live=False,
        shown="none (unsigned)",
    )
    counters: tuple[str, ...] = key(
        (), _counters, "Only these counters' calls' events; none: every event.",
        live=False, shown="every counter",
    )  # fmt: skip


@accepts("a list of webhooks")
def webhooks(value: Any, where: Where) -> tuple[Webhook, ...]:
    if not isinstance(value, list):
        raise Invalid("must be a list of {url, events, secret_file, counters}")
    if len(value) > MAX_WEBHOOKS:
        raise Invalid(f"has {len(value)} webhooks; at most {MAX_WEBHOOKS}")
    found = []
    for index, raw in enumerate(value):
        problems = Problems()
        hook = schema.read(Webhook, raw, f"[{index}]", problems, where)
        if problems.items or hook is None:
            raise Invalid("; ".join(problems.items) or f"[{index}] is not a webhook")
        if not hook.url:
            raise Invalid(f"[{index}].url: is missing")
        found.append(hook)
    return tuple(found)


@dataclass(frozen=True)
class NotifyConfig:
    webhooks: tuple[Webhook, ...] = key(
        (),
        webhooks,
        "Receivers of pager's events: a list of `{url, events, secret_file, counters}`. Each "
        "event is POSTed once, in order, from a queue on disk (`webhooks.db` in `state_dir`), "
        "retried with exponential backoff; a dead receiver never delays a call.",
        live=False,
        shown="none",
    )
    retry_for_s: float = key(
        600.0,
        schema.number(10, 86400),
        "How long an event is retried before it is given up (and logged).",
        live=False,
    )
    queue_max: int = key(
        10000,
        schema.integer(100, 1_000_000),
        "Events kept waiting for a receiver at most; beyond it the oldest are dropped "
        "(and logged), so a receiver that is down for days cannot fill the disk.",
        live=False,
    )
