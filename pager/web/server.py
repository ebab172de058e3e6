"""The status page: aiohttp on a thread and an event loop of its own.

The daemon only offers it what it publishes anyway (`offer_status`, `offer_event`: a
thread-safe hand-over, never a wait), so a slow browser can never delay the control
thread, let alone the audio callback. What the page asks for (a zone test, an operator
announcement) goes to the control queue as the same message the broker would carry, and
is checked, rate-limited and reported exactly like one.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import collections
import contextlib
import hmac
import json
import logging
import ssl
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

from aiohttp import web

from pager import __version__
from pager.config.model import Config
from pager.core.effects import Refusal
from pager.errors import PagerError
from pager.values.messages import Inbound, MessageKind
from pager.values.priority import Priority
from pager.web import pages, sse
from pager.web.api import Api
from pager.web.caller import CallerPage
from pager.web.public import Screens

log = logging.getLogger(__name__)

EVENTS_KEPT = 50
CLIENT_BACKLOG = 200  # messages a slow browser may lag behind before it is cut off
HEARTBEAT_S = 15.0
BROKER_CHECK_S = 1.0
START_TIMEOUT_S = 10.0
MAX_BODY_BYTES = 8192
LOOPBACK_PEERS = ("::1", "::ffff:127.0.0.1")
CALLER_FILES = ("/counter", "/counter.js", "/counter.css")
# Nothing a page loads may come from beyond this server (a hall network has no internet).
_SAFE_HEADERS = {
    "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
                               "frame-ancestors 'self'",
}  # fmt: skip
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Inbox(Protocol):
    def put(self, item: Inbound, /) -> None: ...


class WebPage:
    """`start()` listens on `http.listen` (PagerError if it cannot); `stop()` ends it."""

    def __init__(self, config: Config, inbox: Inbox, broker_up: Callable[[], bool]) -> None:
        assert config.http.listen is not None
        self.config = config
        self.inbox = inbox
        self.broker_up = broker_up
        self.password = config.http_password()
        host, _, port = config.http.listen.rpartition(":")
        self.host, self.port = host.strip("[]"), int(port)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._serve, name="web", daemon=True)
        self._started = threading.Event()
        self._failure: BaseException | None = None
        self._stopping: asyncio.Event | None = None
        self._status: dict[str, Any] = {}
        self._events: collections.deque[dict[str, Any]] = collections.deque(maxlen=EVENTS_KEPT)
        self._clients: sse.Streams[None] = sse.Streams(CLIENT_BACKLOG)
        self._broker = False
        self.screens = Screens(config)
        self.api = Api(config, inbox.put) if config.http.tokens_file else None
        self.caller = CallerPage(config, self.api) if self.api is not None else None

    # -- from the daemon's threads -----------------------------------------------------------

    def start(self) -> None:
        self._thread.start()
        if not self._started.wait(START_TIMEOUT_S) or self._failure is not None:
            raise PagerError(f"cannot serve the status page on {self.config.http.listen}: "
                             f"{self._failure or 'it did not start'}")  # fmt: skip
        log.info("status page on http://%s:%d/", self.host, self.port)

    def offer_status(self, details: Mapping[str, object]) -> None:
        self._hand_over("status", dict(details))

    def offer_event(self, body: Mapping[str, object]) -> None:
        self._hand_over("event", dict(body))

    def answer(self, request: int, refusal: Refusal | None) -> None:
        """The controller's answer to an API request's message (taken: None)."""
        if self.api is not None and self._started.is_set() and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self.api.answer, request, refusal)

    def reconfigure(self, config: Config) -> None:
        """A reload: the displays and the caller page follow the new config (its counters,
        services and zones; the rest takes a restart)."""
        if self._started.is_set() and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self.screens.reconfigure, config)
                if self.caller is not None:
                    self._loop.call_soon_threadsafe(self.caller.reconfigure, config)

    def stop(self) -> None:
        if self._stopping is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stopping.set)
            self._thread.join(START_TIMEOUT_S)

    def _hand_over(self, kind: str, body: dict[str, Any]) -> None:
        if self._started.is_set() and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile (stopping)
                self._loop.call_soon_threadsafe(self._take, kind, body)

    # -- the web thread ----------------------------------------------------------------------

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._main())
        except BaseException as error:  # before it started: start() reports it
            self._failure = error
            self._started.set()
        finally:
            self._loop.close()

    async def _main(self) -> None:
        self._stopping = asyncio.Event()
        app = web.Application(middlewares=[self._guard], client_max_size=MAX_BODY_BYTES)
        app.add_routes([
            web.get("/", self._page), web.get("/app.js", pages.asset),
            web.get("/style.css", pages.asset), web.get("/api/state", self._state),
            web.get("/api/stream", self._stream), web.post("/api/test", self._test),
            web.post("/api/announce", self._announce), *self.screens.routes(),
            *(self.caller.routes() if self.caller is not None else ()),
            *(self.api.routes() if self.api is not None else ()),
            web.get("/api/v1/openapi.json", pages.openapi),
        ])  # fmt: skip
        runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port, ssl_context=_tls(self.config))
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._started.set()
        watcher = asyncio.create_task(self._watch_broker())
        await self._stopping.wait()
        watcher.cancel()
        self._clients.close()
        self.screens.close()
        if self.api is not None:
            self.api.close()
        await runner.cleanup()
        if self.caller is not None:
            self.caller.close()

    def _take(self, kind: str, body: dict[str, Any]) -> None:
        if kind == "status":
            self._status = body
            if self.api is not None:  # as on the MQTT status topic
                self.api.status = {
                    "state": body.get("state", "online"),
                    "node": self.config.node,
                    "version": __version__,
                    **body,
                }
        else:
            self._events.append(body)
            self.screens.take(body)
            if self.api is not None:
                self.api.take(body)
        self._broadcast(kind, body)

    def _broadcast(self, kind: str, body: object) -> None:
        data = sse.message(kind, json.dumps(body, ensure_ascii=False))
        for client, _ in self._clients.readers():  # one cut off reconnects: the whole state
            self._clients.send(client, data)

    async def _watch_broker(self) -> None:
        while True:
            up = self.broker_up()
            if up != self._broker:
                self._broker = up
                self._broadcast("broker", {"connected": up})
            await asyncio.sleep(BROKER_CHECK_S)

    # -- requests ----------------------------------------------------------------------------

    @web.middleware
    async def _guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """The display pages for anyone; for the rest, the password (when set: else this PC
        alone), and no request forged from another site's page."""
        if (request.method == "GET" and _public(request)) or request.path.startswith("/api/v1/"):
            response = await handler(request)  # the API checks its own bearer tokens
            response.headers.update(_SAFE_HEADERS)
            return response
        if self.password is None and not _from_this_pc(request):
            raise web.HTTPForbidden(text="the status page answers this PC only: set "
                                    "http.password_file to reach it from another\n")  # fmt: skip
        if self.password is not None and not self._authorized(request):
            raise web.HTTPUnauthorized(
                headers={"WWW-Authenticate": 'Basic realm="pager"'},
                text="the pager status page needs its password\n",
            )
        if request.method == "POST":
            origin = request.headers.get("Origin")
            if request.content_type != "application/json" or (
                origin is not None and origin.split("://", 1)[-1] != request.host
            ):
                raise web.HTTPForbidden(text="only the status page itself may send this\n")
        response = await handler(request)
        response.headers.update(_SAFE_HEADERS)
        response.headers["X-Frame-Options"] = "DENY"
        return response

    def _authorized(self, request: web.Request) -> bool:
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "basic" or self.password is None:
            return False
        try:
            _, _, given = base64.b64decode(value, validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return hmac.compare_digest(given.encode(), self.password.encode())

    async def _page(self, request: web.Request) -> web.StreamResponse:
        html = pages.render(self.config, "status.html", node=self.config.node,
                            strings=pages.status_strings(self.config))  # fmt: skip
        return web.Response(text=html, content_type="text/html")

    def _snapshot(self) -> dict[str, Any]:
        zones = [{"name": z.name, "description": z.description, "channels": list(z.channels)}
                 for z in self.config.zones.values()]  # fmt: skip
        # The library's messages the page may announce (emergencies are the operator desk's).
        library = [{"name": m.name, "text": m.text or "", "zones": list(m.zones)}
                   for m in self.config.messages.values()
                   if m.priority is Priority.ANNOUNCEMENT]  # fmt: skip
        return {"node": self.config.node, "version": __version__, "zones": zones,
                "messages": library,
                "broker": {"connected": self.broker_up()}, "status": self._status,
                "events": list(self._events)}  # fmt: skip

    async def _state(self, request: web.Request) -> web.StreamResponse:
        return web.json_response(self._snapshot())

    async def _stream(self, request: web.Request) -> web.StreamResponse:
        """Server-sent events: the whole state first, then each status and event."""
        state = sse.message("state", json.dumps(self._snapshot(), ensure_ascii=False))
        return await self._clients.serve(request, None, state, HEARTBEAT_S)

    async def _body(self, request: web.Request) -> dict[str, Any]:
        try:
            body = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise web.HTTPBadRequest(text="the request is not JSON\n") from None
        if not isinstance(body, dict):
            raise web.HTTPBadRequest(text="the request must be a JSON object\n")
        return body

    def _hand_in(self, topic: str, kind: MessageKind, payload: dict[str, Any]) -> web.Response:
        """To the control queue, as the broker would have carried it."""
        payload["id"] = f"web-{uuid.uuid4().hex[:12]}"
        data = json.dumps(payload).encode()
        prefix = self.config.mqtt.topic_prefix
        self.inbox.put(Inbound(f"{prefix}/{topic}", kind, None, data, time.time()))
        return web.json_response({"id": payload["id"]}, status=202)

    async def _test(self, request: web.Request) -> web.StreamResponse:
        body = await self._body(request)
        test = {"zone": body.get("zone"), "tone": body.get("tone", False)}
        return self._hand_in("test", MessageKind.TEST, test)

    async def _announce(self, request: web.Request) -> web.StreamResponse:
        """An operator announcement: `announcement` priority, whatever the request says."""
        body = await self._body(request)
        said = {"message": body["message"]} if "message" in body else {"text": body.get("text")}
        payload = {**said, "priority": "announcement"}
        if body.get("zones"):
            payload["zones"] = body["zones"]
        return self._hand_in("announce", MessageKind.ANNOUNCE, payload)


def _tls(config: Config) -> ssl.SSLContext | None:
    """HTTPS with `http.tls` (checked when the config was loaded), else plain HTTP."""
    tls = config.http.tls
    if tls.cert_file is None or tls.key_file is None:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tls.cert_file, tls.key_file)
    return context


def _public(request: web.Request) -> bool:
    """A display page, its stream or its files, or the caller page (whose requests carry a
    counter's token): what anyone may load."""
    path = request.path
    return path in ("/display", "/display.js", "/display.css", *CALLER_FILES) or (
        path.startswith("/display/") and path.count("/") <= 3
    )


def _from_this_pc(request: web.Request) -> bool:
    remote = request.remote or ""
    return remote in LOOPBACK_PEERS or remote.startswith("127.")
