"""The HTTP API for queue software that cannot speak MQTT: `/api/v1/...`, with bearer tokens
(`http.tokens_file`, pager.config.tokens).

A request becomes the very message the broker would have carried for its token's holder
(a counter's call or cancel, the operator desk's announcement, cancel or zone test), goes
to the control queue, and waits for the controller's answer (`answer`, from its `Ack`):
202 once the call is journaled, or a problem (RFC 9457) with the reason a `rejected` event
gives. So a token has exactly its holder's rights, ids and rate limits on MQTT.

Runs on the web server's event loop; the daemon hands events and answers over through
`WebPage`.
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import json
import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

from aiohttp import web

from pager.config.model import Config
from pager.core.effects import Refusal
from pager.values.messages import Inbound, MessageKind
from pager.web import sse
from pager.web.problems import problem
from pager.web.tokenbook import TokenBook

log = logging.getLogger(__name__)

PREFIX = "/api/v1"
ANSWER_TIMEOUT_S = 10.0  # the control thread answers in milliseconds; this is a stall
CALLS_KEPT = 2000  # calls whose events GET /api/v1/calls/{id} can show
EVENTS_PER_CALL = 40
STREAM_BACKLOG = 200
OPERATOR = "operator"


class Api:
    """The API's routes, the requests waiting for their answer, and the recent calls."""

    def __init__(self, config: Config, put: Callable[[Inbound], None]) -> None:
        self.config = config
        self._put = put
        self.tokens = TokenBook(config.http.tokens_file)
        self._numbers = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[Refusal | None]] = {}
        self._calls: collections.OrderedDict[tuple[str, str], list[dict[str, Any]]] = (
            collections.OrderedDict()
        )
        self._streams: sse.Streams[str] = sse.Streams(STREAM_BACKLOG)
        self.status: dict[str, Any] = {}

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post(f"{PREFIX}/calls", self._call), web.post(f"{PREFIX}/cancels", self._cancel),
            web.post(f"{PREFIX}/announcements", self._announcement),
            web.post(f"{PREFIX}/tests", self._test), web.get(f"{PREFIX}/calls/{{id}}", self._show),
            web.get(f"{PREFIX}/status", self._status), web.get(f"{PREFIX}/events", self._events),
        ]  # fmt: skip

    # -- from the daemon, on the loop --------------------------------------------------------

    def answer(self, request: int, refusal: Refusal | None) -> None:
        waiting = self._waiting.pop(request, None)
        if waiting is not None and not waiting.done():
            waiting.set_result(refusal)

    def take(self, body: dict[str, Any]) -> None:
        """An event: kept with its call, and streamed to the tokens that may see it."""
        ident = body.get("id")
        if isinstance(ident, str):  # an event of a call, message or test
            key = (str(body.get("counter") or ""), ident)
            kept = self._calls.setdefault(key, [])
            self._calls.move_to_end(key)
            if len(kept) < EVENTS_PER_CALL:
                kept.append(body)
            while len(self._calls) > CALLS_KEPT:
                self._calls.popitem(last=False)
        data = sse.message("event", json.dumps(body, ensure_ascii=False))
        for stream, holder in self._streams.readers():
            if holder == OPERATOR or body.get("counter") == holder:
                self._streams.send(stream, data)

    def close(self) -> None:
        self._streams.close()

    # -- requests ----------------------------------------------------------------------------

    def holder(self, request: web.Request) -> str:
        """Who the request's bearer token speaks for; 401 without a valid one."""
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        holder = self.tokens.holder(token.strip()) if scheme.lower() == "bearer" else None
        if holder is None:
            raise problem(401, "unauthorized", "a valid API token is needed: send it as "
                          "'Authorization: Bearer TOKEN' (pager counter token ID makes one)",
                          headers={"WWW-Authenticate": 'Bearer realm="pager"'})  # fmt: skip
        return holder

    async def _body(self, request: web.Request) -> dict[str, Any]:
        if request.content_type != "application/json":
            raise problem(415, "unsupported-media-type", "send the request as application/json")
        try:
            body = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise problem(400, "bad-request", "the request body is not JSON") from None
        if not isinstance(body, dict):
            raise problem(400, "bad-request", "the request body must be a JSON object")
        return body

    async def _send(
        self, topic: str, kind: MessageKind, counter: str | None, payload: dict[str, Any]
    ) -> web.Response:
        return web.json_response(await self.submit(topic, kind, counter, payload), status=202)

    async def submit(
        self, topic: str, kind: MessageKind, counter: str | None, payload: dict[str, Any]
    ) -> dict[str, Any]:
        """To the control queue as its holder's message; the 202's body once the controller
        took it, else the problem it raised (the refusal's reason)."""
        number = next(self._numbers)
        waiting: asyncio.Future[Refusal | None] = asyncio.get_running_loop().create_future()
        self._waiting[number] = waiting
        data = json.dumps(payload).encode()
        prefix = self.config.mqtt.topic_prefix
        self._put(Inbound(f"{prefix}/{topic}", kind, counter, data, time.time(),
                          request=number))  # fmt: skip
        try:
            refusal = await asyncio.wait_for(waiting, ANSWER_TIMEOUT_S)
        except TimeoutError:
            self._waiting.pop(number, None)
            raise problem(
                503,
                "unavailable",
                "pager did not answer in time (stopping, or a standby PC): try again",
                headers={"Retry-After": "5"},
            ) from None
        if refusal is not None:
            raise _refused(refusal)
        ident = payload.get("id")
        body = {"id": ident, "counter": counter, "status": "accepted"}
        if kind is MessageKind.CALL and isinstance(ident, str):
            body["href"] = f"{PREFIX}/calls/{ident}"
        return body

    async def _call(self, request: web.Request) -> web.StreamResponse:
        holder = self.holder(request)
        body = await self._body(request)
        if holder == OPERATOR:
            raise problem(403, "not-allowed", "the operator desk's token announces, cancels "
                          "and tests; calls come with their counter's token")  # fmt: skip
        named = body.pop("counter", holder)
        if named != holder:
            raise problem(403, "not-allowed", f"this token is counter {holder}'s: it calls "
                          f"as counter {holder} only, not {str(named)[:32]!r}")  # fmt: skip
        body.setdefault("id", f"api-{uuid.uuid4().hex[:12]}")
        return await self._send(f"call/{holder}", MessageKind.CALL, holder, body)

    async def _cancel(self, request: web.Request) -> web.StreamResponse:
        holder = self.holder(request)
        body = await self._body(request)
        if holder == OPERATOR:
            return await self._send("cancel", MessageKind.CANCEL, None, body)
        named = body.pop("counter", holder)
        if named != holder:
            raise problem(403, "not-allowed", f"counter {holder}'s token cancels its own "
                          "calls only")  # fmt: skip
        return await self._send(f"cancel/{holder}", MessageKind.CANCEL, holder, body)

    async def _announcement(self, request: web.Request) -> web.StreamResponse:
        self._operator_only(request, "announces")
        body = await self._body(request)
        body.setdefault("id", f"api-{uuid.uuid4().hex[:12]}")
        return await self._send("announce", MessageKind.ANNOUNCE, None, body)

    async def _test(self, request: web.Request) -> web.StreamResponse:
        self._operator_only(request, "tests zones")
        body = await self._body(request)
        body.setdefault("id", f"api-{uuid.uuid4().hex[:12]}")
        return await self._send("test", MessageKind.TEST, None, body)

    def _operator_only(self, request: web.Request, what: str) -> None:
        if self.holder(request) != OPERATOR:
            raise problem(403, "not-allowed", f"only the operator desk's token {what}")

    async def _show(self, request: web.Request) -> web.StreamResponse:
        """What became of a call: its events so far (the newest calls' only)."""
        holder = self.holder(request)
        ident = request.match_info["id"]
        counter = holder if holder != OPERATOR else request.query.get("counter")
        found = [(key, events) for key, events in self._calls.items() if key[1] == ident
                 and (counter is None or key[0] == counter)]  # fmt: skip
        if not found:
            raise problem(404, "not-found", f"no recent call {ident[:64]!r}"
                          + (f" of counter {counter}" if counter else ""))  # fmt: skip
        (owner, _), events = found[-1]
        last = events[-1]["event"] if events else None
        return web.json_response({"id": ident, "counter": owner or None, "state": last,
                                  "events": events})  # fmt: skip

    async def _status(self, request: web.Request) -> web.StreamResponse:
        self.holder(request)
        return web.json_response(self.status)

    async def _events(self, request: web.Request) -> web.StreamResponse:
        """Server-sent events: `event` for each event its token may see (a counter's own)."""
        return await self._streams.serve(request, self.holder(request))


STATUS_OF = {"invalid": 422, "not-allowed": 403, "rate-limited": 429, "not-found": 404,
             "unavailable": 503}  # fmt: skip


def _refused(refusal: Refusal) -> web.HTTPError:
    headers = {}
    if refusal.retry_after is not None:
        headers["Retry-After"] = str(max(1, round(refusal.retry_after + 0.5)))
    return problem(STATUS_OF.get(refusal.kind, 422), refusal.kind, refusal.reason,
                   headers=headers)  # fmt: skip
