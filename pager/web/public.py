"""The public screens' pages and live streams: `/display/NAME` and `/display`, served
without a password. They expose only what a screen shows (see `pager.web.screens`), carry
no control, and share no state or endpoint with the status page.

Runs on the web server's event loop; the daemon hands events over through `WebPage`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

import segno
from aiohttp import web

from pager.config.model import Config
from pager.translations import N_
from pager.web import pages
from pager.web.screens import ALL, Screen, screens

log = logging.getLogger(__name__)

PING_S = 3.0  # a screen that hears nothing for 10 s says it is not connected
MAX_VIEWERS = 200  # open streams at once: a public page must not exhaust the daemon
VIEWER_BACKLOG = 50
ROUTES = ("/display", "/display/{name}", "/display/{name}/stream", "/display.js", "/display.css")
# What the screen's script writes, in the page's language.
STRINGS = {
    "counter": N_("Counter"),
    "pickup": N_("Document ready"),
    "final": N_("Last call"),
    "repeat2": N_("Second call"),
    "repeat3": N_("Third call"),
    "repeat": N_("Call {n}"),
    "nothing": N_("Waiting for the next call"),
}


class Screens:
    """Every display's state and the browsers following it."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.screens = screens(config)
        self._viewers: dict[asyncio.Queue[str | None], str] = {}

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/display", self._page), web.get("/display/stream", self._stream),
            web.get("/display/{name}", self._page), web.get("/display/{name}/stream", self._stream),
            web.get("/display.js", pages.asset), web.get("/display.css", pages.asset),
        ]  # fmt: skip

    def reconfigure(self, config: Config) -> None:
        """A reload: screens that still exist keep what they show."""
        fresh = screens(config)
        for name, screen in fresh.items():
            old = self.screens.get(name)
            if old is not None:
                screen.current, screen.message = old.current, old.message
                screen.recent.extend(list(old.recent)[: screen.display.rows])
        self.config, self.screens = config, fresh
        for viewer, name in list(self._viewers.items()):
            self._send(viewer, name)  # a display gone since: its viewers get an empty screen

    def take(self, event: dict[str, Any]) -> None:
        for name, screen in self.screens.items():
            if screen.take(event):
                for viewer, watching in list(self._viewers.items()):
                    if watching == name:
                        self._send(viewer, name)

    def close(self) -> None:
        for viewer in list(self._viewers):
            viewer.put_nowait(None)

    def _send(self, viewer: asyncio.Queue[str | None], name: str) -> None:
        try:
            viewer.put_nowait(self._message(name))
        except asyncio.QueueFull:  # it does not read: cut it off (it reconnects)
            self._viewers.pop(viewer, None)
            while not viewer.empty():
                viewer.get_nowait()
            viewer.put_nowait(None)

    def _message(self, name: str) -> str:
        screen = self.screens.get(name)
        state = screen.state() if screen else {"current": None, "recent": [], "message": None}
        body = json.dumps({**state, "now": time.time()}, ensure_ascii=False)
        return f"event: display\ndata: {body}\n\n"

    def _screen(self, request: web.Request) -> tuple[str, Screen]:
        name = request.match_info.get("name", ALL)
        screen = self.screens.get(name)
        if screen is None:
            raise web.HTTPNotFound(text=f"no display {name} (displays.{name} in the config)\n")
        return name, screen

    async def _page(self, request: web.Request) -> web.StreamResponse:
        name, screen = self._screen(request)
        _ = pages.translate(self.config)
        display = screen.display
        url = display.public_url
        qr = None
        if url:
            code = segno.make(url, error="m")
            qr = code.svg_inline(
                scale=1, border=2, dark="#000000", light="#ffffff", omitsize=True,
                title=_("QR code of this screen's address"),
            )  # fmt: skip
        setup = {
            "stream": f"/display/{name}/stream" if name != ALL else "/display/stream",
            "rows": display.rows,
            "timezone": self.config.timezone,
            "language": self.config.ui.language,
            "strings": {key: _(text) for key, text in STRINGS.items()},
        }
        html = pages.render(self.config, "display.html", title=display.title or _("Calls"),
                            setup=setup, qr=qr, public_url=url)  # fmt: skip
        return web.Response(text=html, content_type="text/html")

    async def _stream(self, request: web.Request) -> web.StreamResponse:
        name, _screen = self._screen(request)
        if len(self._viewers) >= MAX_VIEWERS:
            raise web.HTTPServiceUnavailable(
                headers={"Retry-After": "10"}, text="too many screens follow this daemon\n"
            )
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        viewer: asyncio.Queue[str | None] = asyncio.Queue(VIEWER_BACKLOG)
        self._viewers[viewer] = name
        try:
            await response.write(self._message(name).encode())
            while True:
                try:
                    item = await asyncio.wait_for(viewer.get(), PING_S)
                except TimeoutError:
                    item = f"event: ping\ndata: {json.dumps({'now': time.time()})}\n\n"
                if item is None:
                    break
                await response.write(item.encode())
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            self._viewers.pop(viewer, None)
        return response
