"""Refusals as problem details (RFC 9457, `application/problem+json`): a status, a `type`
that programs can test, a `title`, and the `detail` a person reads (the reason a `rejected`
event gives)."""

from __future__ import annotations

import json
from collections.abc import Mapping

from aiohttp import web

TITLES = {
    "bad-request": "The request cannot be read",
    "unauthorized": "No valid API token",
    "not-allowed": "Beyond this token's rights",
    "not-found": "Not found",
    "unsupported-media-type": "Not JSON",
    "invalid": "Invalid request",
    "rate-limited": "Too many requests",
    "unavailable": "Not taken now",
    "no-numbering": "The counter's service is not numbered",
}
ERRORS: dict[int, type[web.HTTPError]] = {
    400: web.HTTPBadRequest, 401: web.HTTPUnauthorized, 403: web.HTTPForbidden,
    404: web.HTTPNotFound, 409: web.HTTPConflict, 415: web.HTTPUnsupportedMediaType,
    422: web.HTTPUnprocessableEntity, 429: web.HTTPTooManyRequests,
    503: web.HTTPServiceUnavailable,
}  # fmt: skip
TYPE_BASE = "https://pager.invalid/problems/"  # stable names, not pages to fetch


def problem(
    status: int, kind: str, detail: str, *, headers: Mapping[str, str] | None = None
) -> web.HTTPError:
    """The exception aiohttp answers with: raise it from a handler."""
    body = {"type": TYPE_BASE + kind, "title": TITLES.get(kind, kind), "status": status,
            "detail": detail}  # fmt: skip
    kind_of = ERRORS.get(status, web.HTTPUnprocessableEntity)
    text = json.dumps(body, ensure_ascii=False)
    return kind_of(text=text, content_type="application/problem+json",
                   headers=dict(headers or {}))  # fmt: skip
