"""The caller page, `/counter`: for counters that have no queue software. The counter logs in
once with its API token (kept in the browser) and calls with large buttons; the page speaks
only the HTTP API (`pager.web.api`), with two requests of its own:

- `GET /api/v1/counter`: who the token is (its counter, service, zones), the service's last
  and next ticket;
- `POST /api/v1/calls/next`: the next ticket of the counter's service (`services.NAME.prefix`,
  numbered per day, shared by the service's counters: `pager.web.numbering`), called.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

from aiohttp import web

from pager.config.model import Config
from pager.errors import PagerError
from pager.values.messages import MessageKind
from pager.web import pages
from pager.web.api import OPERATOR, PREFIX, Api
from pager.web.numbering import TicketNumbers, ticket
from pager.web.problems import problem
from pager.zones import Routing

log = logging.getLogger(__name__)


class CallerPage:
    """The page, its files, and its two requests."""

    def __init__(self, config: Config, api: Api) -> None:
        self.config = config
        self.api = api
        self.numbers = TicketNumbers(config.state_dir, config.timezone)
        self._turns: dict[str, asyncio.Lock] = {}  # a service's next number, one at a time

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/counter", self._page), web.get("/counter.js", pages.asset),
            web.get("/counter.css", pages.asset), web.get(f"{PREFIX}/counter", self._me),
            web.post(f"{PREFIX}/calls/next", self._next),
        ]  # fmt: skip

    def reconfigure(self, config: Config) -> None:
        """A reload (on the loop): counters, services and zones as the new config has them."""
        self.config = config

    def close(self) -> None:
        self.numbers.close()

    async def _page(self, request: web.Request) -> web.StreamResponse:
        html = pages.render(self.config, "counter.html", strings=pages.caller_strings(self.config))
        return web.Response(text=html, content_type="text/html")

    def _counter(self, request: web.Request) -> str:
        holder = self.api.holder(request)
        if holder == OPERATOR:
            raise problem(403, "not-allowed", "the caller page is a counter's: log in with the "
                          "counter's token (pager counter token ID)")  # fmt: skip
        return holder

    def _service(self, counter: str) -> tuple[str | None, str | None]:
        """The counter's service and that service's ticket prefix (either may be unset)."""
        configured = self.config.counters.get(counter)
        name = configured.service if configured is not None else None
        service = self.config.services.get(name) if name is not None else None
        return name, service.prefix if service is not None else None

    async def _me(self, request: web.Request) -> web.StreamResponse:
        counter = self._counter(request)
        name, prefix = self._service(counter)
        routing = Routing.of(self.config)
        try:
            zones = list(routing.expand(routing.targets_for(counter)))
        except PagerError:
            zones = []
        body: dict[str, Any] = {"counter": counter, "service": name, "prefix": prefix,
                                "zones": zones, "last_ticket": None,
                                "next_ticket": None}  # fmt: skip
        if name is not None and prefix is not None:
            last = self.numbers.last(name, self.numbers.today())
            body["last_ticket"] = ticket(prefix, last) if last else None
            body["next_ticket"] = ticket(prefix, last + 1)
        return web.json_response(body)

    async def _next(self, request: web.Request) -> web.StreamResponse:
        """The service's next ticket, called by this counter; its number taken only once the
        call is accepted (a refused call leaves no gap)."""
        counter = self._counter(request)
        name, prefix = self._service(counter)
        if name is None or prefix is None:
            where = f"services.{name}.prefix" if name else f"counters.{counter}.service"
            raise problem(409, "no-numbering", f"counter {counter} has no numbered service: "
                          f"set {where} in the config to call the next ticket")  # fmt: skip
        async with self._turns.setdefault(name, asyncio.Lock()):
            day = self.numbers.today()
            number = self.numbers.last(name, day) + 1
            payload = {"ticket": ticket(prefix, number), "id": f"next-{uuid.uuid4().hex[:12]}"}
            body = await self.api.submit(f"call/{counter}", MessageKind.CALL, counter, payload)
            self.numbers.take(name, day, number)
        log.info("counter %s called the next ticket of %s: %s", counter, name, payload["ticket"])
        return web.json_response({**body, "ticket": payload["ticket"]}, status=202)
