"""The public screens' pages and live streams: `/display/NAME` and `/display`, served
without a password. They expose only what a screen shows (see `pager.web.screens`), carry
no control, and share no state or endpoint with the status page.

Runs on the web server's event loop; the daemon hands events over through `WebPage`.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import segno
from aiohttp import web

from pager.config.model import Config
from pager.translations import N_
from pager.web import pages, sse
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
        self._viewers: sse.Streams[str] = sse.Streams(VIEWER_BACKLOG)

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
        # A display gone since: its viewers get an empty screen.
        for viewer, name in self._viewers.readers():
            self._viewers.send(viewer, self._message(name).encode())

    def take(self, event: dict[str, Any]) -> None:
        for name, screen in self.screens.items():
            if screen.take(event):
                data = self._message(name).encode()
                for viewer, watching in self._viewers.readers():
                    if watching == name:
                        self._viewers.send(viewer, data)

    def close(self) -> None:
        self._viewers.close()

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
        return await self._viewers.serve(request, name, self._message(name).encode(),
                                         PING_S, _ping)  # fmt: skip


def _ping() -> bytes:
    """What a screen hears when nothing happens: the time, so it knows it is connected."""
    return sse.message("ping", json.dumps({"now": time.time()}))
